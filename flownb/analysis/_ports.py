"""Protocols, TCP flags and ports: names for numbers, and which side of a flow is the server.

Facts, not code, from:

* IANA "Assigned Internet Protocol Numbers" (protocol keywords);
* the Amazon VPC User Guide ("Flow log records": tcp-flags are FIN 1, SYN 2,
  RST 4, SYN-ACK 18, OR-ed over the aggregation interval; "Network ACLs":
  ephemeral port ranges, 1024-65535 to cover every client);
* nfdump(1), option ``-B``: a bidirectional flow's direction is guessed from its
  port numbers, the lower port being taken for the server. flownb refines that
  with a list of well-known service ports and, when tcp-flags are present, with
  the handshake itself (SYN comes from the client, SYN-ACK from the server).

Examples
--------
>>> from flownb.analysis._ports import protocol_number, protocol_label
>>> protocol_number("tcp"), protocol_number("ICMP"), protocol_number(17)
(6, 1, 17)
>>> protocol_label(58)
'ICMPv6'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._protocols import (  # the one protocol table and ephemeral port ranges, re-exported here
    EPHEMERAL_LINUX,
    EPHEMERAL_NACL,
    EPHEMERAL_WINDOWS,
    PROTOCOLS,
    protocol_label,
    protocol_number,
)

__all__ = [
    "EPHEMERAL_LINUX",
    "EPHEMERAL_NACL",
    "EPHEMERAL_WINDOWS",
    "PROTOCOLS",
    "SERVICE_PORTS",
    "flag_names",
    "port_score",
    "protocol_label",
    "protocol_names",
    "protocol_number",
    "server_vote",
]

#: Ports of services commonly run in a VPC (IANA service name registry and the
#: vendors' documented defaults; "http-alt" for the web ports many products default
#: to, flownb's own label). A port in this list is taken for the server side, by
#: every analysis (:mod:`flownb.analysis._conversations` is the one rule).
SERVICE_PORTS: dict[int, str] = {
    20: "ftp-data",
    21: "ftp",
    22: "ssh",
    23: "telnet",
    25: "smtp",
    53: "dns",
    67: "dhcp",
    69: "tftp",
    80: "http",
    88: "kerberos",
    110: "pop3",
    111: "sunrpc",
    123: "ntp",
    135: "msrpc",
    137: "netbios-ns",
    139: "netbios-ssn",
    143: "imap",
    161: "snmp",
    389: "ldap",
    443: "https",
    445: "smb",
    465: "smtps",
    500: "isakmp",
    514: "syslog",
    587: "submission",
    636: "ldaps",
    853: "dns-over-tls",
    873: "rsync",
    993: "imaps",
    995: "pop3s",
    1080: "socks",
    1194: "openvpn",
    1433: "mssql",
    1521: "oracle",
    1883: "mqtt",
    2049: "nfs",
    2181: "zookeeper",
    2375: "docker",
    2376: "docker-tls",
    2379: "etcd",
    2380: "etcd-peer",
    3000: "http-alt",
    3128: "squid",
    3268: "ldap-gc",
    3306: "mysql",
    3389: "rdp",
    4443: "https-alt",
    4500: "ipsec-nat-t",
    4789: "vxlan",
    5000: "http-alt",
    5001: "iperf",
    5044: "beats",
    5060: "sip",
    5432: "postgresql",
    5439: "redshift",
    5601: "kibana",
    5671: "amqps",
    5672: "amqp",
    5900: "vnc",
    5984: "couchdb",
    5985: "winrm",
    5986: "winrm-https",
    6081: "geneve",
    6379: "redis",
    6443: "kubernetes-api",
    7001: "weblogic",
    8000: "http-alt",
    8008: "http-alt",
    8080: "http-proxy",
    8081: "http-alt",
    8088: "http-alt",
    8443: "https-alt",
    8888: "http-alt",
    9000: "http-alt",
    9042: "cassandra",
    9090: "prometheus",
    9092: "kafka",
    9100: "node-exporter",
    9200: "elasticsearch",
    9300: "elasticsearch-transport",
    9418: "git",
    10250: "kubelet",
    11211: "memcached",
    15672: "rabbitmq-mgmt",
    27017: "mongodb",
    50000: "db2",
    51820: "wireguard",
}


def _label_small_ints(col: pd.Series, label, name: str, size: int) -> pd.Series:
    """Categorical labels for a small non-negative integer column, computed once per distinct value."""
    values = col.to_numpy(dtype=np.int64, na_value=-1)
    present = np.flatnonzero(np.bincount(np.clip(values, -1, size - 1) + 1, minlength=size + 1)[1:])
    labels = [label(int(v)) for v in present]
    cats = list(dict.fromkeys(labels))
    pos = {c: i for i, c in enumerate(cats)}
    table = np.full(size + 1, -1, dtype=np.int64)
    table[present + 1] = [pos[x] for x in labels]
    codes = table[np.clip(values, -1, size - 1) + 1]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object)), index=col.index, name=name
    )


def protocol_names(protocol: pd.Series) -> pd.Series:
    """Protocol keyword for each value of a protocol column (``category``; missing stays missing)."""
    return _label_small_ints(protocol, protocol_label, "protocol_name", 256)


def flag_names(tcp_flags: pd.Series) -> pd.Series:
    """Decoded tcp-flags for each value ("SYN", "SYN-ACK,FIN", ...), as a ``category`` column.

    SYN-ACK (18) is named as AWS names it; the other bits by their TCP names.
    """
    return _label_small_ints(tcp_flags, _decode_flags, "tcp_flag_names", 65536)


def _decode_flags(value: int) -> str:
    if value == 0:
        return ""
    names = []
    rest = value
    if rest & 18 == 18:
        names.append("SYN-ACK")
        rest &= ~18
    for name, bit in (("SYN", 2), ("FIN", 1), ("RST", 4), ("PSH", 8), ("ACK", 16), ("URG", 32)):
        if rest & bit:
            names.append(name)
    return ",".join(names)


def _score_table() -> np.ndarray:
    table = np.zeros(65537, dtype=np.int8)  # index port + 1; index 0 is a missing port
    ports = np.arange(65536)
    table[1:] = np.where(ports < 1024, 2, np.where(ports < EPHEMERAL_LINUX[0], 1, 0))
    listed = np.array(list(SERVICE_PORTS))
    # a service port inside the Linux ephemeral range (db2 50000, WireGuard 51820) is also a client
    # port: it outranks other ephemeral ports only, never a port below the range
    table[listed + 1] = np.where(listed < EPHEMERAL_LINUX[0], 3, 1)
    table[0] = -1
    return table


_SCORES = _score_table()


def port_score(port: np.ndarray) -> np.ndarray:
    """How server-like a port is: 3 a known service port, 2 below 1024, 1 below 32768 (or a known
    service port inside the ephemeral range), 0 ephemeral.

    ``port`` is an integer array with -1 where the port is missing (scored -1).
    """
    port = np.asarray(port)
    if len(port) and (port.min() < -1 or port.max() > 65535):
        port = np.clip(port, -1, 65535)
    return _SCORES[port + 1]


def server_vote(tcp_flags: np.ndarray | None, n: int) -> np.ndarray:
    """Per record, +1 when tcp-flags say the destination is the server (SYN without ACK),
    -1 when they say the source is (SYN-ACK), 0 when they say nothing."""
    if tcp_flags is None:
        return np.zeros(n, dtype=np.int8)
    f = np.asarray(tcp_flags, dtype=np.int64)
    synack = (f >= 0) & (f & 18 == 18)
    syn = (f >= 0) & (f & 2 == 2) & ~synack
    return np.where(synack, -1, np.where(syn, 1, 0)).astype(np.int8)
