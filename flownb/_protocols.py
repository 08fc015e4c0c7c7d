"""IP protocol numbers and names, once (IANA "Assigned Internet Protocol Numbers").

Every layer reads protocols through :func:`protocol_number` and names them with
:func:`protocol_label`, so ``"ipv6-icmp"`` (IANA's keyword for 58), ``"icmpv6"``
and ``58`` mean the same in ``diagnose``, ``FilterState`` and the charts.

Examples
--------
>>> from flownb._protocols import protocol_number, protocol_label
>>> protocol_number("tcp"), protocol_number("ICMP"), protocol_number("ipv6-icmp"), protocol_number(17)
(6, 1, 58, 17)
>>> protocol_label(58), protocol_label(6), protocol_label(253)
('ICMPv6', 'TCP', '253')
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "EPHEMERAL_LINUX",
    "EPHEMERAL_NACL",
    "EPHEMERAL_WINDOWS",
    "PROTOCOLS",
    "protocol_label",
    "protocol_name",
    "protocol_number",
]

#: Ephemeral (client) port ranges, inclusive, from the Amazon VPC User Guide ("Ephemeral ports",
#: network ACLs): "Many Linux kernels (including the Amazon Linux kernel) use ports 32768-61000";
#: Windows Server 2008 and later 49152-65535; NAT gateways, Elastic Load Balancing and Lambda
#: 1024-65535, the range the guide tells network ACLs to open to cover every client.
EPHEMERAL_LINUX = (32768, 61000)
EPHEMERAL_WINDOWS = (49152, 65535)
EPHEMERAL_NACL = (1024, 65535)

#: IANA protocol numbers -> keyword (58 is IANA's "IPv6-ICMP", written ICMPv6 as people say it).
PROTOCOLS: dict[int, str] = {
    0: "HOPOPT",
    1: "ICMP",
    2: "IGMP",
    4: "IPv4",
    6: "TCP",
    8: "EGP",
    9: "IGP",
    17: "UDP",
    27: "RDP",
    41: "IPv6",
    43: "IPv6-Route",
    44: "IPv6-Frag",
    46: "RSVP",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "ICMPv6",
    59: "IPv6-NoNxt",
    60: "IPv6-Opts",
    88: "EIGRP",
    89: "OSPFIGP",
    94: "IPIP",
    97: "ETHERIP",
    103: "PIM",
    108: "IPComp",
    112: "VRRP",
    115: "L2TP",
    132: "SCTP",
    136: "UDPLite",
    137: "MPLS-in-IP",
}

#: Other names people (and IANA) use for the same numbers.
_ALIASES = {"ipv6-icmp": 58, "icmp6": 58, "ospf": 89, "ip-in-ip": 4, "ipinip": 4}
_BY_NAME = {v.lower(): k for k, v in PROTOCOLS.items()} | _ALIASES


def protocol_number(value: Any, name: str = "protocol") -> int:
    """IANA protocol number for a number (``6``, ``"6"``) or a name (``"tcp"``, ``"ICMPv6"``, ``"ipv6-icmp"``).

    Raises
    ------
    ValueError
        When the name is unknown or the number is outside 0-255; the message starts with ``name``.
    """
    kind = "numbers" if name.endswith("s") else "a number"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        number = int(value)
    else:
        text = str(value).strip()
        if text.isdigit():
            number = int(text)
        elif text.lower() in _BY_NAME:
            number = _BY_NAME[text.lower()]
        else:
            raise ValueError(
                f"{name} must be {kind} 0-255 or one of ['tcp', 'udp', 'icmp', 'icmpv6', 'ipv6-icmp', "
                f"'gre', 'esp', 'sctp', ...] (IANA names), got {value!r}"
            )
    if not 0 <= number <= 255:
        raise ValueError(f"{name} must be {kind} 0-255 (IANA), got {value!r}")
    return number


def protocol_label(number: int) -> str:
    """IANA keyword for a protocol number ("TCP", "ICMPv6"); the number as text when unassigned here."""
    return PROTOCOLS.get(int(number), str(int(number)))


def protocol_name(number: int) -> str | None:
    """Lower-case keyword ("tcp", "icmpv6") as filters and labels write it; ``None`` when unnamed here."""
    label = PROTOCOLS.get(int(number))
    return label.lower() if label is not None else None
