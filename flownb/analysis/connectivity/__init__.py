"""Why can't A reach B? Connectivity troubleshooting from the records, with evidence.

The reasoning follows the Amazon VPC User Guide:

* **Security groups are stateful**: the response to an accepted request is
  always allowed, whatever the rules say. So a rejected *response* to an
  accepted request is never a security group: it is a **network ACL**, which is
  stateless and evaluates the response again (against the client's ephemeral
  ports). The User Guide's ping example (request ACCEPT in, response REJECT
  out) is exactly this.
* A rejected **request** cannot tell a security group from a network ACL: the
  record says REJECT, not which one. flownb says so and gives the Reachability
  Analyzer command that can.
* **SKIPDATA** means records were skipped: "nothing was seen" is then no proof
  that nothing happened.
* A **NAT gateway** rewrites addresses; a **transit gateway** does not, but its
  attachment interface is a hop that writes its own address in
  ``srcaddr``/``dstaddr`` and the packet's in ``pkt-srcaddr``/``pkt-dstaddr``.
  Requests are matched on both, and a NAT gateway's second leg (its own address
  to the destination) is joined on address, port and time.

The package, in the order :func:`diagnose` runs it:

* ``_records``: the records of the pair, and which side of each is its ENI's own;
* ``_gateways``: the NAT gateway's legs joined, gateway records marked;
* ``_verdicts``: one table entry per verdict (meaning, priority, rule,
  explanation, next steps);
* ``_diagnosis``: the :class:`Diagnosis` and its display.

``rejections``, ``one_way_flows`` and ``coverage`` live in their own modules
(``flownb.analysis._rejections``, ``flownb.analysis._coverage``) and are
re-exported here for the older import path.

Examples
--------
>>> import flownb
>>> d = flownb.analysis.diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "203.0.113.12", "172.31.16.139")
>>> d.verdict
'NACL_OUTBOUND_BLOCKS_RETURN'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..._dispatch import accepts_dataset
from .._addresses import Endpoint, parse_endpoint
from .._coverage import coverage
from .._frame import require
from .._ports import protocol_label, protocol_number
from .._rejections import one_way_flows, rejections
from ._diagnosis import Diagnosis
from ._gateways import LEG_TIME_S, join_legs
from ._records import compact, evidence, place, select, timestamp
from ._report import connectivity_report
from ._timeline import infer_interval, timeline, timeline_sentence
from ._verdicts import (
    ANNOTATIONS,
    VERDICTS,
    Facts,
    Options,
    codes_of,
    evaluate,
    explain,
    next_steps,
    notes,
    pair_cells,
)

__all__ = [
    "ANNOTATIONS",
    "VERDICTS",
    "Diagnosis",
    "connectivity_report",
    "coverage",
    "diagnose",
    "one_way_flows",
    "rejections",
]

_ICMP = (1, 58)


@accepts_dataset
def diagnose(
    df: pd.DataFrame,
    src: str,
    dst: str,
    port: int | None = None,
    protocol: int | str | None = None,
    start: Any = None,
    end: Any = None,
    *,
    nat_leg_window: float = LEG_TIME_S,
    rst_sizes: tuple[int, int] = Options.rst_sizes,
    interval: int | None = None,
) -> Diagnosis:
    """Why can't ``src`` reach ``dst``? A verdict, the records that prove it, and what to do.

    The records between the two (in both directions, including those NAT and
    transit gateway interfaces wrote with the original addresses in ``pkt_*``)
    are sorted into requests and responses, egress and ingress on each ENI, and
    read the way the VPC User Guide explains them: security groups are stateful,
    network ACLs are not; a rejected request cannot name which of the two
    dropped it; SKIPDATA makes absence inconclusive.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records (the DataFrame contract), or a dataset
        (:func:`flownb.open_dataset`): its engine brings in the records of the
        two endpoints and of their ENIs, this function decides (the same result).
    src, dst : str
        The client and the server: an IP address, a CIDR block, or an ENI id.
    port : int, optional
        The server's port (ignored for ICMP, whose records carry port 0).
    protocol : int or str, optional
        Protocol number or name ("tcp", "udp", "icmp", "icmpv6").
    start, end : str or datetime, optional
        Only records overlapping this window (UTC unless the time says otherwise).
    nat_leg_window : float, default 5
        Seconds between the start (and end) times of a NAT gateway's two legs
        of one flow for them to be joined. A NAT gateway's interface logs both
        legs of a packet in the same aggregation interval (the VPC User Guide's
        NAT gateway record examples show equal times); 5 s is flownb's own
        allowance for rounding.
    rst_sizes : (int, int), default (40, 60)
        Bytes per packet of a bare TCP segment (a reset) over IPv4 and IPv6:
        the 20-byte IPv4 header (RFC 791) or 40-byte IPv6 header (RFC 8200)
        plus the 20-byte TCP header with no options (RFC 9293). Without
        tcp-flags, answers of exactly this size and requests that carried no
        data are read as a refused connection.
    interval : {60, 600}, optional
        The flow log's maximum aggregation interval in seconds, the width of
        the timeline's windows (VPC User Guide, "Aggregation interval"). By
        default 600 when a record of ``df`` spans more than 60 s, else 60.

    Returns
    -------
    Diagnosis
        ``.verdict``, ``.verdicts``, ``.explanation``, ``.evidence``,
        ``.next_steps``, ``.timeline``; shows itself in a notebook, prints in
        a terminal. When the verdict changed over time, ``.verdict`` is the
        verdict of the most recent window with traffic, and the explanation
        says since when.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> d = flownb.analysis.diagnose(df, src="203.0.113.12", dst="172.31.16.139", protocol="icmp")
    >>> d.verdict
    'NACL_OUTBOUND_BLOCKS_RETURN'
    >>> d.evidence[["role", "action"]]
                  role  action
    0   request ingress  ACCEPT
    1  response egress  REJECT
    >>> flownb.analysis.diagnose(flownb.samples.load("aws-docs/nat-gateway"), "10.0.1.5", "203.0.113.5").verdicts
    ('REACHABLE', 'VIA_NAT_GATEWAY')
    """
    require(df, ["srcaddr", "dstaddr"], "diagnose()")
    a, b = parse_endpoint(src, name="src"), parse_endpoint(dst, name="dst")
    port = _port(port)
    proto = protocol_number(protocol) if protocol is not None else None
    t0, t1 = timestamp(start, "start"), timestamp(end, "end")
    if t0 is not None and t1 is not None and t1 < t0:
        raise ValueError(f"end ({t1}) is before start ({t0})")
    if t0 is not None or t1 is not None:
        require(df, ["start", "end"], "diagnose(start=..., end=...)")
    options = Options(rst_sizes=_sizes(rst_sizes), nat_leg_window=_positive(nat_leg_window, "nat_leg_window"))

    pair = select(df, a, b, port, proto, t0, t1)  # the records between the two
    join_legs(pair, leg_time_s=options.nat_leg_window)  # a NAT gateway's legs joined, gateway records marked
    place(pair)  # the ENI side of each record; the ENIs of src and dst
    compact(pair)  # from here on, the pair's own records only
    cells = pair_cells(pair, np.zeros(pair.n, dtype=np.int64), 1, _bound(t0), _bound(t1), options)
    matrix, first = evaluate(cells)  # the verdict table, in priority order, over the whole window
    verdicts = codes_of(matrix[0], int(first[0])) or ["NO_TRAFFIC_SEEN"]
    whole = Facts(pair, np.ones(pair.n, dtype=bool), t0, t1, options)
    notes(whole, verdicts)
    width = _interval(interval) or infer_interval(df)
    tl, segments = timeline(pair, options, width)  # the same table, window by window
    facts = whole
    if len(segments) > 1:  # the verdict now is the most recent window's
        facts = segments[-1].facts
        verdicts = [*segments[-1].verdicts, *[v for v in verdicts if v not in segments[-1].verdicts]]
    main = verdicts[0]
    annotations = [
        c for c, on in (("VIA_NAT_GATEWAY", pair.via_nat), ("VIA_TRANSIT_GATEWAY", pair.via_tgw)) if on
    ]
    details = {"assumed_side": pair.assumed, "interval": width, **facts.details}
    text = explain(main, verdicts, facts)
    since = timeline_sentence(tl)
    return Diagnosis(
        verdict=main,
        verdicts=(*verdicts, *annotations),
        explanation=f"{since} {text}" if since else text,
        evidence=evidence(pair),
        next_steps=tuple(next_steps(main, verdicts, facts)),
        question=_question(a, b, port, proto, t0, t1),
        details=details,
        timeline=tl,
    )


def _bound(ts: pd.Timestamp | None) -> np.ndarray:
    return np.array([np.nan if ts is None else ts.timestamp()])


def _interval(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or value not in (60, 600):
        raise ValueError(
            f"'interval' must be one of [60, 600] (seconds, the flow log's aggregation interval), got {value!r}"
        )
    return int(value)


def _port(port: Any) -> int | None:
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, (int, np.integer)) or not 0 <= int(port) <= 65535:
        try:
            port = int(str(port))
        except ValueError:
            raise ValueError(f"port must be a number 0-65535, got {port!r}") from None
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be a number 0-65535, got {port!r}")
    return int(port)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0:
        raise ValueError(f"'{name}' must be a number of seconds, 0 or more, got {value!r}")
    return float(value)


def _sizes(value: Any) -> tuple[int, int]:
    try:
        v4, v6 = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"'rst_sizes' must be two byte counts (IPv4, IPv6) such as (40, 60), got {value!r}"
        ) from None
    if v4 <= 0 or v6 <= 0:
        raise ValueError(f"'rst_sizes' must be two positive byte counts (IPv4, IPv6), got {value!r}")
    return v4, v6


def _question(a: Endpoint, b: Endpoint, port: int | None, proto: int | None, t0: Any, t1: Any) -> str:
    what = protocol_label(proto) if proto is not None else ""
    if port is not None and proto not in _ICMP:
        what = f"{what} port {port}".strip()
    q = f"Can {a} reach {b}" + (f" on {what}" if what else "") + "?"
    if t0 is not None or t1 is not None:
        q += f" (from {t0 if t0 is not None else 'the start'} to {t1 if t1 is not None else 'the end'})"
    return q
