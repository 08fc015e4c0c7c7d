"""Anomaly and threat detectors that explain themselves.

:func:`detect` runs the detectors over a flow log frame and returns one row per
finding; :func:`evidence` returns the records behind a finding. Each detector is
also a function of its own, with its thresholds as keyword arguments whose
documentation says where the default comes from.

Every detector works on the same view of the records (see
``flownb.analysis._flows``): ``pkt_srcaddr``/``pkt_dstaddr`` replace the
addresses when present, a connection logged by two ENIs is counted once, and
each conversation is oriented client -> server (from the TCP flags when logged,
else from the ports). An address is *local* when it is not globally routable
(RFC 1918, CGNAT, link-local, IPv6 ULA) or lies in ``local_networks`` (pass your
VPC's IPv6 blocks there); *public* otherwise.

The findings frame has the columns ``detector``, ``label`` (the analogous
GuardDuty finding type, where one exists), ``severity`` (Low, Medium, High),
``src``, ``dst``, ``dst_port``, ``protocol``, ``start``, ``end``, ``score``,
``evidence_count`` (the records :func:`evidence` returns) and ``summary`` (one
sentence). ``src``, ``dst``, ``dst_port`` or ``protocol`` are missing when a
finding spans many values (a sweep has no single ``dst``).

Examples
--------
>>> import flownb
>>> from flownb.analysis.detectors import detect, evidence
>>> df = flownb.samples.load("aws-docs/nodata-skipdata")
>>> findings = detect(df)
>>> findings[["detector", "label", "severity", "src"]].to_dict("records")
[{'detector': 'data_quality', 'label': 'LogStatus:SKIPDATA', 'severity': 'Low', 'src': 'eni-11111111aaaaaaaaa'}]
>>> evidence(df, findings.iloc[0])["log_status"].tolist()
['SKIPDATA']
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flownb.analysis import _flows
from flownb.analysis._flows import Flows, factorize, isin, key, nunique, prepare
from flownb.analysis._netclass import in_networks, parse_networks

__all__ = [
    "DETECTORS",
    "FINDING_COLUMNS",
    "SEVERITIES",
    "beaconing",
    "brute_force",
    "data_quality",
    "detect",
    "evidence",
    "exposed_port_probe",
    "horizontal_sweep",
    "intel_match",
    "new_remote_port",
    "outbound_flood",
    "reject_spike",
    "unapproved_dns",
    "unidirectional_transfer",
    "unusual_protocol",
    "vertical_scan",
    "volume_anomaly",
]

SEVERITIES = ("Low", "Medium", "High")
FINDING_COLUMNS = (
    "detector",
    "label",
    "severity",
    "src",
    "dst",
    "dst_port",
    "protocol",
    "start",
    "end",
    "score",
    "evidence_count",
    "summary",
)
_PROTO_NAMES = {1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 58: "ICMPv6", 132: "SCTP"}
_NAT = np.iinfo(np.int64).min

# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------


def _seconds_of(value: object, name: str) -> int:
    """A duration given as '5min', a Timedelta or a number of seconds, in whole seconds."""
    try:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            secs = float(value)
        else:
            secs = pd.Timedelta(value).total_seconds()
    except (ValueError, TypeError):
        raise ValueError(
            f"'{name}' must be a duration such as '5min' or a number of seconds, got {value!r}"
        ) from None
    if not secs > 0:
        raise ValueError(f"'{name}' must be a positive duration, got {value!r}")
    return round(secs)


def _positive(value: float, name: str) -> None:
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"'{name}' must be a positive number, got {value!r}")


def _ratio(value: float, name: str) -> None:
    if not isinstance(value, (int, float, np.integer, np.floating)) or not 0 <= value <= 1:
        raise ValueError(f"'{name}' must be a number between 0 and 1, got {value!r}")


def _ports(values: Iterable[int] | int, name: str) -> np.ndarray:
    if isinstance(values, (int, np.integer)):
        values = [values]
    try:
        arr = np.array([int(v) for v in values], dtype=np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a list of port numbers, got {values!r}") from None
    if ((arr < 0) | (arr > 65535)).any():
        raise ValueError(f"'{name}' must hold port numbers 0-65535, got {values!r}")
    return arr


def _fire_windows(
    gkey: np.ndarray,
    t: np.ndarray,
    window: int,
    stat: Callable[[np.ndarray, int, np.ndarray], np.ndarray],
    necessary: Callable[[np.ndarray, int, np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Rows lying in a firing window of their group.

    Windows are ``window`` seconds long, in two phases offset by half a window,
    so activity shorter than half a window never straddles two windows unseen.
    ``stat(group_codes, n_groups, rows)`` says which (group, window) pairs fire,
    ``rows`` being the positions of the rows grouped. ``necessary`` (same
    signature, over whole groups without windows) may rule out groups that
    could never fire in any window, which skips most of the work.
    """
    fired = np.zeros(len(t), dtype=bool)
    if len(t) == 0:
        return fired
    rows = np.arange(len(t))
    if necessary is not None:
        g, ng = factorize(gkey)
        rows = rows[necessary(g, ng, rows)[g]]
        if len(rows) == 0:
            return fired
    tr, gr = t[rows], gkey[rows]
    t0 = int(tr.min())
    for phase in (0, window // 2):
        b = (tr - t0 + phase) // window
        g, ng = factorize(key(gr, b))
        fired[rows] |= stat(g, ng, rows)[g]
    return fired


def _fire_distinct(
    gk: np.ndarray,
    t: np.ndarray,
    w: int,
    counted: np.ndarray,
    failed: np.ndarray,
    min_count: int,
    min_failed_ratio: float,
) -> np.ndarray:
    """Rows in a window where one key reached ``min_count`` distinct ``counted`` values, enough of them failed.

    The shared rule of the scan detectors: distinct ports per (source, host) for a
    vertical scan, distinct hosts per (source, port) for a horizontal sweep.
    """

    def stat(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        value, bad = counted[rows], failed[rows]
        total = nunique(g, value, ng)
        failed_total = nunique(g[bad], value[bad], ng)
        return (total >= min_count) & (failed_total >= min_failed_ratio * total)

    def necessary(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        return nunique(g, counted[rows], ng) >= min_count

    return _fire_windows(gk, t, w, stat, necessary)


def _episodes(gkey: np.ndarray, t: np.ndarray, gap: int) -> np.ndarray:
    """Episode number per row: runs of one group's rows with no silence longer than ``gap``."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((t, gkey))
    gs, ts = gkey[order], t[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (ts[1:] - ts[:-1] > gap)
    ep = np.empty(len(t), dtype=np.int64)
    ep[order] = np.cumsum(new) - 1
    return ep


def _single(first: pd.Series, distinct: pd.Series) -> np.ndarray:
    """The value when a group holds one distinct value, else -1 (many)."""
    return np.where(distinct.to_numpy() == 1, first.to_numpy(), -1)


def _proto_name(p: int) -> str:
    return _PROTO_NAMES.get(int(p), f"protocol {int(p)}") if p >= 0 else "any protocol"


def _dur(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: float) -> str:
    if n < 1e3:
        return f"{n:.0f} B"
    if n < 1e6:
        return f"{n / 1e3:.1f} KB"
    if n < 1e9:
        return f"{n / 1e6:.1f} MB"
    if n < 1e12:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e12:.1f} TB"


# ---------------------------------------------------------------------------------------------
# the registry: how each detector's findings map back to records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    name: str
    func: Callable[..., pd.DataFrame]
    impl: Callable[..., pd.DataFrame]
    records: Callable[[Flows], np.ndarray] | None  # which prepared records can be evidence
    oriented: bool = False  # keys are client/server/service port instead of src/dst/dst_port


DETECTORS: dict[str, _Spec] = {}


def _register(
    records: Callable[[Flows], np.ndarray] | None, oriented: bool = False
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Turn ``_name(flows, **thresholds)`` into the public ``name(df, **thresholds)``."""

    def wrap(impl: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        name = impl.__name__.lstrip("_")
        params = [p for p in inspect.signature(impl).parameters.values() if p.name != "f"]

        def public(df: pd.DataFrame, *, local_networks: Sequence[str] | str | None = None, **kw: Any):
            _check_kwargs(name, kw, {p.name for p in params})
            f = prepare(df, local_networks)
            return _finish(DETECTORS[name], f, impl(f, **kw))

        public.__name__ = public.__qualname__ = name
        public.__doc__ = impl.__doc__
        public.__module__ = __name__
        public.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("df", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="pd.DataFrame"),
                *params,
                inspect.Parameter(
                    "local_networks",
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation="Sequence[str] | str | None",
                ),
            ],
            return_annotation="pd.DataFrame",
        )
        DETECTORS[name] = _Spec(name, public, impl, records, oriented)
        impl.__doc__ = None  # the public function carries the documentation (and its doctest)
        return impl

    return wrap


def _check_kwargs(name: str, given: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise TypeError(f"{name}() got unknown threshold(s) {unknown}; it takes {sorted(allowed)}")


def _raw(**cols: Any) -> pd.DataFrame:
    """Findings as a detector builds them: codes and seconds, converted by _finish."""
    return pd.DataFrame(cols)


_RAW_COLUMNS = ("label", "severity", "src", "dst", "dst_port", "protocol", "start", "end", "score", "summary")


def _empty_findings() -> pd.DataFrame:
    return _typed(
        pd.DataFrame({c: [] for c in FINDING_COLUMNS}),
    )


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    out = out.reindex(columns=list(FINDING_COLUMNS))
    return pd.DataFrame(
        {
            "detector": out["detector"].astype("string"),
            "label": out["label"].astype("string"),
            "severity": pd.Categorical(out["severity"], categories=list(SEVERITIES), ordered=True),
            "src": out["src"].astype("string"),
            "dst": out["dst"].astype("string"),
            "dst_port": pd.array(out["dst_port"], dtype="UInt16"),
            "protocol": pd.array(out["protocol"], dtype="UInt8"),
            "start": _utc_seconds(out["start"]),
            "end": _utc_seconds(out["end"]),
            "score": out["score"].astype("float64"),
            "evidence_count": pd.array(out["evidence_count"], dtype="Int64"),
            "summary": out["summary"].astype("string"),
        },
        index=pd.RangeIndex(len(out)),
    )


def _utc_seconds(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Unix seconds -> the contract's ``datetime64[s, UTC]``."""
    secs = values.to_numpy(dtype="int64").astype("datetime64[s]")
    return pd.Series(secs).dt.tz_localize("UTC").array


def _finish(spec: _Spec, f: Flows, raw: pd.DataFrame) -> pd.DataFrame:
    """Codes -> strings, evidence counts, typed columns, sorted."""
    if raw is None or len(raw) == 0:
        return _empty_findings()
    raw = raw.reset_index(drop=True)
    if "evidence_count" not in raw:
        raw["evidence_count"] = _count_evidence(spec, f, raw)
    out = raw.copy()
    out["detector"] = spec.name
    if spec.name != "data_quality":
        for c in ("src", "dst"):
            codes = raw[c].to_numpy(dtype=np.int64)
            out[c] = pd.array(np.where(codes >= 0, f.addr[np.clip(codes, 0, None)], None), dtype="string")
    for c in ("dst_port", "protocol"):
        v = raw[c].to_numpy(dtype=np.int64)
        out[c] = pd.Series(v).where(v >= 0).astype("Int64").array
    typed = _typed(out)
    return typed.sort_values(["start", "src", "dst"], kind="stable", ignore_index=True)


def _count_evidence(spec: _Spec, f: Flows, raw: pd.DataFrame) -> np.ndarray:
    """Records behind each finding, counted the way :func:`evidence` selects them."""
    counts = np.zeros(len(raw), dtype=np.int64)
    if spec.records is None:  # data_quality counts its own
        return counts
    mask = spec.records(f)
    names = ("cli", "srv", "svc", "proto") if spec.oriented else ("src", "dst", "dport", "proto")
    fields = ("src", "dst", "dst_port", "protocol")
    t = f.a["start"][mask]
    sub = {n: f.a[n][mask] for n in names}
    on = raw[list(fields)].to_numpy(dtype=np.int64) >= 0
    pattern_id = on @ np.array([1, 2, 4, 8])
    for pid in np.unique(pattern_id):
        rows = np.flatnonzero(pattern_id == pid)
        used = [i for i in range(4) if pid >> i & 1]
        if not used:
            continue
        # one int64 key per record and per finding, built over both so the codes agree
        nrec = int(mask.sum())
        cols = [np.concatenate([sub[names[i]], raw[fields[i]].to_numpy(dtype=np.int64)[rows]]) for i in used]
        k = key(*cols)
        krec, kfind = k[:nrec], k[nrec:]
        sel = isin(krec, kfind)
        m = pd.DataFrame({"k": krec[sel], "t": t[sel]}).merge(
            pd.DataFrame(
                {
                    "k": kfind,
                    "i": rows,
                    "t0": raw["start"].to_numpy(dtype=np.int64)[rows],
                    "t1": raw["end"].to_numpy(dtype=np.int64)[rows],
                }
            ),
            on="k",
        )
        inside = (m["t"] >= m["t0"]).to_numpy() & (m["t"] <= m["t1"]).to_numpy()
        counts += np.bincount(m["i"].to_numpy()[inside], minlength=len(raw))
    return counts


# ---------------------------------------------------------------------------------------------
# record selections shared by detection and evidence
# ---------------------------------------------------------------------------------------------


def _requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"]


def _tcp_udp_requests(f: Flows) -> np.ndarray:
    p = f.a["proto"]
    return ~f.a["resp"] & ((p == 6) | (p == 17))


def _inbound_public_accepted(f: Flows) -> np.ndarray:
    a = f.a
    return ~a["resp"] & a["accept"] & a["src_public"] & a["dst_local"]


def _accepted_tcp_requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"] & f.a["accept"] & (f.a["proto"] == 6)


def _egress(f: Flows) -> np.ndarray:
    return f.a["src_local"] & f.a["dst_public"]


def _egress_accepted(f: Flows) -> np.ndarray:
    return f.a["src_local"] & f.a["dst_public"] & f.a["accept"]


def _egress_requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"] & f.a["src_local"] & f.a["dst_public"]


def _rows(a: dict[str, np.ndarray], m: np.ndarray, **columns: str | np.ndarray) -> pd.DataFrame:
    """The rows of ``m`` as a frame: each column is a key of ``a`` or a full-length array, renamed."""
    return pd.DataFrame({name: (a[c] if isinstance(c, str) else c)[m] for name, c in columns.items()})


def _accepted(f: Flows) -> np.ndarray:
    return f.a["accept"]


def _rejected(f: Flows) -> np.ndarray:
    return f.a["reject"]


def _all(f: Flows) -> np.ndarray:
    return np.ones(f.n, dtype=bool)


def _failed(f: Flows) -> np.ndarray:
    """Attempts that did not become a conversation: rejected, unanswered, answered by RST or blocked back."""
    a = f.a
    rst_back = (a["rev_flags"] >= 0) & ((a["rev_flags"] & 4) > 0) & ((a["rev_flags"] & 16) == 0)
    return a["reject"] | ~a["rev"] | rst_back | a["rev_reject"]


# ---------------------------------------------------------------------------------------------
# the detectors
# ---------------------------------------------------------------------------------------------


def _scan_severity(src_local: np.ndarray, dst_local: np.ndarray, out_level: str) -> np.ndarray:
    """Our own instance probing out is worse than the internet probing us."""
    return np.where(src_local & ~dst_local, out_level, np.where(src_local, "Medium", "Low"))


@_register(_tcp_udp_requests)
def _vertical_scan(f: Flows, *, min_ports: int = 15, window: str = "5min", min_failed_ratio: float = 0.5):
    """One source probing many ports of one host: a vertical port scan.

    Counts the distinct destination ports one source tried on one host (per
    protocol, TCP and UDP) within ``window``; the attempts that failed
    (rejected, unanswered, answered by a reset, or whose answer was rejected)
    must make up ``min_failed_ratio`` of those ports, which keeps busy clients of
    multi-port services quiet. Answers never count as attempts.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract).
    min_ports : int, default 15
        Distinct ports that make a scan: Zeek's ``Scan::port_scan_threshold``
        (15.0 in ``policy/misc/scan.zeek``, which counts ports with failed
        connections).
    window : str, default "5min"
        Time window: Zeek's ``Scan::port_scan_interval`` (5 min).
    min_failed_ratio : float, default 0.5
        Share of the probed ports whose attempt failed. flownb's own choice
        (Zeek counts failed attempts only; flow logs cannot always tell, so
        flownb asks for half).
    local_networks : list of str, optional
        CIDR blocks to treat as local besides the private ranges.

    Returns
    -------
    DataFrame
        Findings (see :func:`detect`); ``score`` is the number of distinct
        ports; label ``Recon:EC2/Portscan``; Medium when a local address scans
        (GuardDuty rates an instance's port scan Medium), Low when the internet
        scans us.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import vertical_scan
    >>> vertical_scan(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_ports, "min_ports")
    _ratio(min_failed_ratio, "min_failed_ratio")
    w = _seconds_of(window, "window")
    m = _tcp_udp_requests(f)
    a = f.a
    src, dst, proto, dport, t = a["src"][m], a["dst"][m], a["proto"][m], a["dport"][m], a["start"][m]
    failed = _failed(f)[m]
    gk = key(src, dst, proto)
    fired = _fire_distinct(gk, t, w, dport, failed, min_ports, min_failed_ratio)
    if not fired.any():
        return None
    ep = _episodes(gk[fired], t[fired], w)
    d = pd.DataFrame(
        {
            "ep": ep,
            "src": src[fired],
            "dst": dst[fired],
            "protocol": proto[fired],
            "port": dport[fired],
            "failed": failed[fired],
            "start": t[fired],
            "end": a["end"][m][fired],
        }
    )
    g = d.groupby("ep", sort=False)
    r = g.agg(
        src=("src", "first"),
        dst=("dst", "first"),
        protocol=("protocol", "first"),
        start=("start", "min"),
        end=("end", "max"),
        ports=("port", "nunique"),
    )
    r["failed_ports"] = d[d["failed"]].groupby("ep")["port"].nunique().reindex(r.index, fill_value=0)
    r["dst_port"] = -1
    r["score"] = r["ports"].astype(float)
    r["label"] = "Recon:EC2/Portscan"
    r["severity"] = _scan_severity(f.addr_local[r["src"]], f.addr_local[r["dst"]], "Medium")
    r["summary"] = [
        f"{f.addr[s]} probed {p} {_proto_name(pr)} ports on {f.addr[dd]} in {_dur(e - st)}; "
        f"{fp} of them failed."
        for s, dd, pr, p, fp, st, e in zip(
            r["src"],
            r["dst"],
            r["protocol"],
            r["ports"],
            r["failed_ports"],
            r["start"],
            r["end"],
            strict=True,
        )
    ]
    return r[list(_RAW_COLUMNS)]


@_register(_requests)
def _horizontal_sweep(f: Flows, *, min_hosts: int = 25, window: str = "5min", min_failed_ratio: float = 0.5):
    """One source trying one port on many hosts: a horizontal sweep.

    Counts the distinct hosts one source tried on one destination port (and
    protocol) within ``window``; failed attempts (rejected, unanswered, reset)
    must make up ``min_failed_ratio`` of those hosts, which keeps monitoring and
    load balancer health checks quiet.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_hosts : int, default 25
        Distinct hosts that make a sweep: Zeek's ``Scan::addr_scan_threshold``
        (25.0 in ``policy/misc/scan.zeek``).
    window : str, default "5min"
        Time window: Zeek's ``Scan::addr_scan_interval`` (5 min).
    min_failed_ratio : float, default 0.5
        Share of the hosts whose attempt failed. flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings; ``dst`` is missing (many hosts); ``score`` is the number of
        hosts; label ``Impact:EC2/PortSweep``; High when a local address sweeps
        the internet (GuardDuty rates PortSweep High), Medium inside the VPC,
        Low when the internet sweeps us.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import horizontal_sweep
    >>> horizontal_sweep(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_hosts, "min_hosts")
    _ratio(min_failed_ratio, "min_failed_ratio")
    w = _seconds_of(window, "window")
    m = _requests(f)
    a = f.a
    src, dst, proto, dport, t = a["src"][m], a["dst"][m], a["proto"][m], a["dport"][m], a["start"][m]
    failed = _failed(f)[m]
    gk = key(src, dport, proto)
    fired = _fire_distinct(gk, t, w, dst, failed, min_hosts, min_failed_ratio)
    if not fired.any():
        return None
    d = pd.DataFrame(
        {
            "ep": _episodes(gk[fired], t[fired], w),
            "src": src[fired],
            "dst_port": dport[fired],
            "protocol": proto[fired],
            "host": dst[fired],
            "public": a["dst_public"][m][fired],
            "start": t[fired],
            "end": a["end"][m][fired],
        }
    )
    r = d.groupby("ep", sort=False).agg(
        src=("src", "first"),
        dst_port=("dst_port", "first"),
        protocol=("protocol", "first"),
        start=("start", "min"),
        end=("end", "max"),
        hosts=("host", "nunique"),
        public=("public", "mean"),
    )
    r["dst"] = -1
    r["score"] = r["hosts"].astype(float)
    r["label"] = "Impact:EC2/PortSweep"
    src_local = f.addr_local[r["src"]]
    r["severity"] = np.where(src_local & (r["public"] > 0.5), "High", np.where(src_local, "Medium", "Low"))
    r["summary"] = [
        f"{f.addr[s]} tried {_proto_name(pr)} port {p} on {h} hosts in {_dur(e - st)}."
        for s, pr, p, h, st, e in zip(
            r["src"], r["protocol"], r["dst_port"], r["hosts"], r["start"], r["end"], strict=True
        )
    ]
    return r[list(_RAW_COLUMNS)]


#: Ports whose exposure GuardDuty rates High (Elasticsearch) plus, flownb's own choice, other data stores
#: and remote administration services that should never face the internet.
HIGH_RISK_PORTS = (9200, 9300, 27017, 6379, 11211, 5432, 3306, 1433, 5984, 9042, 2375, 2376, 23)


@_register(_inbound_public_accepted)
def _exposed_port_probe(
    f: Flows,
    *,
    min_sources: int = 5,
    window: str = "1h",
    max_packets: int = 10,
    high_risk_ports: Sequence[int] = HIGH_RISK_PORTS,
    ignore_ports: Sequence[int] = (80, 443),
):
    """A port open to the internet that internet hosts are probing.

    Looks for a local host and port whose security group and network ACL let
    public sources in (the records are ACCEPTed) and that at least
    ``min_sources`` distinct public sources reached with at most ``max_packets``
    packets each within ``window``: the short touches of internet scanners, not
    the sessions of real users.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_sources : int, default 5
        Distinct probing public sources. flownb's own choice (GuardDuty reports
        probes from "known scanners", a list flownb does not have; several
        independent sources stand in for it).
    window : str, default "1h"
        Time window. flownb's own choice.
    max_packets : int, default 10
        Packets per source that still look like a probe (a TCP handshake and
        a banner fit in 10). flownb's own choice.
    high_risk_ports : list of int
        Ports rated High: 9200/9300 as GuardDuty does for
        ``Recon:EC2/PortProbeUnprotectedPort``; the others (databases, caches,
        Docker, telnet) are flownb's own choice. Other ports are Low, as in
        GuardDuty.
    ignore_ports : list of int, default (80, 443)
        Ports meant to face the internet (web servers). flownb's own choice;
        pass ``()`` to check them too.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings; ``src`` is missing (many sources); ``score`` is the number of
        probing sources; label ``Recon:EC2/PortProbeUnprotectedPort``. Probing
        windows of one port less than a day apart make one finding: the port
        stays exposed in between.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import exposed_port_probe
    >>> exposed_port_probe(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_sources, "min_sources")
    _positive(max_packets, "max_packets")
    w = _seconds_of(window, "window")
    high = _ports(high_risk_ports, "high_risk_ports")
    ignore = _ports(ignore_ports, "ignore_ports")
    a = f.a
    m = _inbound_public_accepted(f) & ~np.isin(a["dport"], ignore)
    if not m.any():
        return None
    src, dst, dport, proto, t = a["src"][m], a["dst"][m], a["dport"][m], a["proto"][m], a["start"][m]
    pk = a["packets"][m]
    gk = key(dst, dport, proto)

    def stat(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        per, nper = factorize(key(g, src[rows]))
        total = np.bincount(per, weights=pk[rows], minlength=nper)
        gof = np.zeros(nper, dtype=np.int64)
        gof[per] = g
        probes = np.bincount(gof[total <= max_packets], minlength=ng)
        return probes >= min_sources

    fired = _fire_windows(gk, t, w, stat)
    if not fired.any():
        return None
    d = pd.DataFrame(
        {
            "ep": _episodes(gk[fired], t[fired], max(w, 86400)),  # exposure persists: one finding a day
            "dst": dst[fired],
            "dst_port": dport[fired],
            "protocol": proto[fired],
            "source": src[fired],
            "packets": pk[fired],
            "start": t[fired],
            "end": a["end"][m][fired],
        }
    )
    per = d.groupby(["ep", "source"], sort=False)["packets"].sum()
    probing = (per <= max_packets).groupby(level="ep").sum()
    r = d.groupby("ep", sort=False).agg(
        dst=("dst", "first"),
        dst_port=("dst_port", "first"),
        protocol=("protocol", "first"),
        start=("start", "min"),
        end=("end", "max"),
        sources=("source", "nunique"),
    )
    r["probes"] = probing.reindex(r.index, fill_value=0)
    r["src"] = -1
    r["score"] = r["probes"].astype(float)
    r["label"] = "Recon:EC2/PortProbeUnprotectedPort"
    r["severity"] = np.where(np.isin(r["dst_port"], high), "High", "Low")
    r["summary"] = [
        f"{pb} public sources probed {_proto_name(pr)} port {p} of {f.addr[dd]} and were let in "
        f"({n} sources in all, over {_dur(e - st)})."
        for pb, pr, p, dd, n, st, e in zip(
            r["probes"],
            r["protocol"],
            r["dst_port"],
            r["dst"],
            r["sources"],
            r["start"],
            r["end"],
            strict=True,
        )
    ]
    return r[list(_RAW_COLUMNS)]


_BRUTE_LABELS = {22: "UnauthorizedAccess:EC2/SSHBruteForce", 3389: "UnauthorizedAccess:EC2/RDPBruteForce"}
_BRUTE_NAMES = {22: "SSH", 3389: "RDP", 5985: "WinRM", 5986: "WinRM"}


@_register(_accepted_tcp_requests)
def _brute_force(
    f: Flows,
    *,
    min_connections: int = 20,
    window: str = "5min",
    ports: Sequence[int] = (22, 3389, 5985, 5986),
    max_packets: int = 100,
):
    """Many short connections from one source to the remote-login port of one host.

    A password-guessing tool opens a new TCP connection (a new source port) for
    every few guesses; each stays short. Counts the accepted connections from
    one source to one host's SSH, RDP or WinRM port within ``window`` whose
    client side sent at most ``max_packets`` packets. Rejected attempts never
    reached the service: ``reject_spike`` and the scan detectors report them.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_connections : int, default 20
        Short connections that make a brute force attempt. flownb's own
        choice (tens of login attempts within minutes; a person retyping a
        password makes a handful).
    window : str, default "5min"
        Time window. flownb's own choice.
    ports : list of int, default (22, 3389, 5985, 5986)
        Remote login ports: SSH and RDP, which GuardDuty's brute force findings
        watch, and WinRM over HTTP and HTTPS (flownb's own choice).
    max_packets : int, default 100
        Client packets of a "short" connection (a failed SSH login takes about
        20-40). flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings; ``score`` is the number of connections; label
        ``UnauthorizedAccess:EC2/SSHBruteForce`` (port 22) or
        ``.../RDPBruteForce`` (3389; missing for WinRM, which GuardDuty does not
        cover); as GuardDuty rates them, High when our instance is the actor
        (it attacks a public host), Low when it is the target, Medium inside the
        VPC. The summary names the role.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import brute_force
    >>> brute_force(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_connections, "min_connections")
    _positive(max_packets, "max_packets")
    w = _seconds_of(window, "window")
    port_arr = _ports(ports, "ports")
    a = f.a
    m = _accepted_tcp_requests(f) & np.isin(a["dport"], port_arr)
    if not m.any():
        return None
    conv = a["conv"][m]
    cid, ncid = factorize(conv)
    conv_packets = np.bincount(cid, weights=a["packets"][m], minlength=ncid)
    short = conv_packets[cid] <= max_packets
    src, dst, dport, t = a["src"][m], a["dst"][m], a["dport"][m], a["start"][m]
    gk = key(src, dst, dport)

    def stat(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        ok = short[rows]
        return nunique(g[ok], conv[rows][ok], ng) >= min_connections

    fired = _fire_windows(gk, t, w, stat, stat) & short
    if not fired.any():
        return None
    d = pd.DataFrame(
        {
            "ep": _episodes(gk[fired], t[fired], w),
            "src": src[fired],
            "dst": dst[fired],
            "dst_port": dport[fired],
            "conv": conv[fired],
            "start": t[fired],
            "end": a["end"][m][fired],
        }
    )
    r = d.groupby("ep", sort=False).agg(
        src=("src", "first"),
        dst=("dst", "first"),
        dst_port=("dst_port", "first"),
        start=("start", "min"),
        end=("end", "max"),
        conns=("conv", "nunique"),
    )
    r["protocol"] = 6
    r["score"] = r["conns"].astype(float)
    r["label"] = [_BRUTE_LABELS.get(int(p)) for p in r["dst_port"]]
    sl, dl = f.addr_local[r["src"]], f.addr_local[r["dst"]]
    r["severity"] = np.where(sl & ~dl, "High", np.where(sl, "Medium", "Low"))
    role = np.where(sl & ~dl, "actor", np.where(dl & ~sl, "target", "actor and target"))
    r["summary"] = [
        f"{f.addr[s]} opened {c} short {_BRUTE_NAMES.get(int(p), 'port ' + str(p))} connections to "
        f"{f.addr[dd]} in {_dur(e - st)} (our resource is the {ro})."
        for s, c, p, dd, st, e, ro in zip(
            r["src"], r["conns"], r["dst_port"], r["dst"], r["start"], r["end"], role, strict=True
        )
    ]
    return r[list(_RAW_COLUMNS)]


#: TCP service ports a UDP flood may aim at (GuardDuty's DenialOfService.UdpOnTcpPorts).
_TCP_SERVICE_PORTS = (21, 22, 23, 25, 80, 110, 143, 443, 445, 993, 995, 1433, 3306, 3389, 5432, 8080, 8443)


@_register(_egress)
def _outbound_flood(f: Flows, *, min_packets_per_minute: int = 10_000, z: float = 3.5):
    """An instance sending a flood of packets to one public host: outbound denial of service.

    For each local source, packets per minute to each public destination are
    compared with the source's own per-minute packet rate over the whole
    period (minutes it was silent count as 0): the modified z-score must reach
    ``z`` and the rate ``min_packets_per_minute``.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_packets_per_minute : int, default 10000
        Packets per minute to one destination. flownb's own choice (about
        170 packets/s, far beyond what one client sends one server).
    z : float, default 3.5
        Modified z-score cut-off (Iglewicz and Hoaglin, see
        :func:`flownb.analysis.baselines.robust_z`).
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, High; ``score`` is the peak packets per minute; label
        ``Backdoor:EC2/DenialOfService.Tcp``, ``.Udp``, ``.UdpOnTcpPorts``,
        ``.Dns`` or ``.UnusualProtocol`` as GuardDuty names them.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import outbound_flood
    >>> outbound_flood(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_packets_per_minute, "min_packets_per_minute")
    _positive(z, "z")
    a = f.a
    m = _egress(f)
    if not m.any():
        return None
    src, dst, proto, dport = a["src"][m], a["dst"][m], a["proto"][m], a["dport"][m]
    t, e, pk = a["start"][m], a["end"][m], a["packets"][m].astype(float)
    rate = pk * 60.0 / np.maximum(e - t, 60)  # packets per minute over the record's interval
    minute = (t - f.span[0]) // 60
    cell, ncell = factorize(key(src, dst, proto, minute))
    per = np.bincount(cell, weights=rate, minlength=ncell)
    cand = np.flatnonzero(per >= min_packets_per_minute)
    if not len(cand):
        return None
    first = np.zeros(ncell, dtype=np.int64)
    first[cell] = np.arange(len(cell))
    c_src, c_dst, c_proto, c_min = src[first[cand]], dst[first[cand]], proto[first[cand]], minute[first[cand]]
    total_minutes = max(int((f.span[1] - f.span[0]) // 60) + 1, 1)
    zs = np.zeros(len(cand))
    for s in np.unique(c_src):  # one pass per flooding source (few)
        mine = src == s
        per_min = pd.Series(rate[mine]).groupby(minute[mine]).sum().to_numpy()
        history = np.concatenate([per_min, np.zeros(max(total_minutes - len(per_min), 0))])
        med = np.median(history)
        scale = 1.482602218505602 * np.median(np.abs(history - med))
        if scale <= 0:
            scale = 1.2533141373155001 * np.mean(np.abs(history - med))
        sel = c_src == s
        zs[sel] = np.inf if scale <= 0 else (per[cand[sel]] - med) / scale
    ok = zs >= z
    if not ok.any():
        return None
    d = pd.DataFrame(
        {
            "src": c_src[ok],
            "dst": c_dst[ok],
            "protocol": c_proto[ok],
            "minute": c_min[ok],
            "rate": per[cand[ok]],
        }
    )
    d["ep"] = _episodes(
        key(d["src"].to_numpy(), d["dst"].to_numpy(), d["protocol"].to_numpy()), d["minute"].to_numpy(), 2
    )
    r = d.groupby("ep", sort=False).agg(
        src=("src", "first"),
        dst=("dst", "first"),
        protocol=("protocol", "first"),
        m0=("minute", "min"),
        m1=("minute", "max"),
        score=("rate", "max"),
        total=("rate", "sum"),
    )
    # time span and ports of the records inside the flood minutes
    rk = pd.DataFrame(
        {"src": src, "dst": dst, "protocol": proto, "minute": minute, "t": t, "e": e, "port": dport}
    )
    j = rk.merge(r.reset_index()[["ep", "src", "dst", "protocol", "m0", "m1"]], on=["src", "dst", "protocol"])
    j = j[(j["minute"] >= j["m0"]) & (j["minute"] <= j["m1"])]
    jg = j.groupby("ep")
    r["start"] = jg["t"].min()
    r["end"] = jg["e"].max()
    r["dst_port"] = pd.Series(
        _single(jg["port"].first(), jg["port"].nunique()), index=jg["port"].first().index
    )
    r["label"] = [_dos_label(int(p), int(q)) for p, q in zip(r["protocol"], r["dst_port"], strict=True)]
    r["severity"] = "High"
    r["summary"] = [
        f"{f.addr[s]} sent up to {sc:,.0f} {_proto_name(p)} packets per minute to {f.addr[dd]} "
        f"for {int(m1 - m0 + 1)} min."
        for s, dd, p, sc, m0, m1 in zip(
            r["src"], r["dst"], r["protocol"], r["score"], r["m0"], r["m1"], strict=True
        )
    ]
    return r[list(_RAW_COLUMNS)]


def _dos_label(proto: int, port: int) -> str:
    base = "Backdoor:EC2/DenialOfService."
    if proto == 6:
        return base + "Tcp"
    if proto == 17:
        if port == 53:
            return base + "Dns"
        if port in _TCP_SERVICE_PORTS:
            return base + "UdpOnTcpPorts"
        return base + "Udp"
    return base + "UnusualProtocol"


@_register(_egress_requests)
def _new_remote_port(
    f: Flows,
    *,
    learning_period: str | float = 0.25,
    always: Sequence[int] = (25,),
    ignore_ports: Sequence[int] = (),
    fleet: bool = True,
):
    """An instance connecting out to a remote port it never used before.

    The ports each local source connected to on public hosts during its
    learning period (the first part of the time it is seen) form its baseline;
    a later connection to another port is reported, once per source, port and
    protocol (TCP and UDP: other protocols have no ports; see
    ``unusual_protocol``). Ports in ``always`` (SMTP, the spam relay port) are
    reported whenever they appear. Answers to clients never count: only connections the
    local source started.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    learning_period : str or float, default 0.25
        How long each source is watched before new ports count: a duration
        (``"1h"``) or a fraction of the frame's time span (0.25 = the first
        quarter). flownb's own choice (GuardDuty learns over days, which a
        notebook rarely holds).
    always : list of int, default (25,)
        Ports always reported: SMTP, which EC2 blocks outbound by default (AWS
        docs, "Restriction on email sent using port 25"), so an instance
        reaching it is worth a look. flownb's own choice.
    ignore_ports : list of int
        Ports never reported.
    fleet : bool, default True
        Also accept ports that other local sources used during their own
        learning periods (a peer-group baseline: a new web server reaching
        443 like every other instance is not unusual). flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Medium; ``dst`` when one remote host only; ``score`` is the
        number of connections on the new port; label
        ``Behavior:EC2/NetworkPortUnusual``.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import new_remote_port
    >>> new_remote_port(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    always_arr = _ports(always, "always")
    ignore_arr = _ports(ignore_ports, "ignore_ports")
    span = max(f.span[1] - f.span[0], 1)
    if isinstance(learning_period, (float, np.floating)) and not isinstance(learning_period, bool):
        _ratio(learning_period, "learning_period")
        learn = int(span * float(learning_period))
    else:
        learn = _seconds_of(learning_period, "learning_period")
    a = f.a
    tcp_udp = (a["proto"] == 6) | (a["proto"] == 17)  # other protocols have no ports
    m = _egress_requests(f) & tcp_udp & ~np.isin(a["dport"], ignore_arr) & (a["dport"] >= 0)
    if not m.any():
        return None
    src, dst, dport, proto, t, e = (
        a["src"][m],
        a["dst"][m],
        a["dport"][m],
        a["proto"][m],
        a["start"][m],
        a["end"][m],
    )
    # when each source was first seen (any record it sent)
    seen = pd.Series(a["start"]).groupby(a["src"]).min()
    first_seen = seen.reindex(src).to_numpy()
    in_learning = t < first_seen + learn
    pk = key(src, dport, proto)
    learned = isin(pk, pk[in_learning])
    if fleet:
        pp = key(dport, proto)
        learned |= isin(pp, pp[in_learning])
    new = (~in_learning & ~learned) | np.isin(dport, always_arr)
    if not new.any():
        return None
    d = pd.DataFrame(
        {
            "k": pk[new],
            "src": src[new],
            "dst": dst[new],
            "dst_port": dport[new],
            "protocol": proto[new],
            "conv": a["conv"][m][new],
            "start": t[new],
            "end": e[new],
        }
    )
    r = d.groupby("k", sort=False).agg(
        src=("src", "first"),
        dst=("dst", "first"),
        dst_port=("dst_port", "first"),
        protocol=("protocol", "first"),
        start=("start", "min"),
        end=("end", "max"),
        conns=("conv", "nunique"),
        hosts=("dst", "nunique"),
    )
    r["dst"] = _single(r["dst"], r["hosts"])
    r["score"] = r["conns"].astype(float)
    r["label"] = "Behavior:EC2/NetworkPortUnusual"
    r["severity"] = "Medium"
    r["summary"] = [
        f"{f.addr[s]} connected to {_proto_name(pr)} port {p} on "
        + (f"{f.addr[dd]}" if dd >= 0 else f"{h} public hosts")
        + (" (always reported)." if p in always_arr else f", a port it had not used in {_dur(learn)} before.")
        for s, pr, p, dd, h in zip(r["src"], r["protocol"], r["dst_port"], r["dst"], r["hosts"], strict=True)
    ]
    return r[list(_RAW_COLUMNS)]


@_register(_egress_accepted)
def _volume_anomaly(
    f: Flows,
    *,
    z: float = 3.5,
    window: str = "1h",
    min_bytes: int = 100_000_000,
    min_history: int = 5,
    cold_start_bytes: int = 2**30,
    cold_start_destinations: int = 10,
):
    """An instance sending far more bytes to a public host than it usually sends to any.

    For each local source, bytes sent per ``window`` to each public
    destination are compared with the same figure for its other destinations
    and other windows (its history): the modified z-score must reach ``z`` and
    the volume ``min_bytes``. The destination-diversity check: the history must
    hold at least ``min_history`` (destination, window) values, so a source that
    talks to one or two hosts is not judged by its own transfer; such a source
    is compared with the (destination, window) volumes of all local sources
    (its peers) instead, and also falls to the cold-start rule:
    ``cold_start_bytes`` in one window spread over ``cold_start_destinations``
    public hosts.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    z : float, default 3.5
        Modified z-score cut-off (Iglewicz and Hoaglin).
    window : str, default "1h"
        Window over which bytes are added (GuardDuty's
        ``Behavior:EC2/TrafficVolumeUnusual`` compares hourly volumes).
    min_bytes : int, default 100000000
        Bytes in one window to one host before anything is unusual (100 MB).
        flownb's own choice.
    min_history : int, default 5
        (destination, window) values the source needs for a baseline. flownb's
        own choice.
    cold_start_bytes : int, default 1 GiB
        Bytes in one window for a source without history. flownb's own choice.
    cold_start_destinations : int, default 10
        Distinct public hosts those bytes went to. flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Medium; ``score`` is the z-score (the bytes in GB for the
        cold-start rule, whose ``dst`` is missing); label
        ``Behavior:EC2/TrafficVolumeUnusual``.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import volume_anomaly
    >>> volume_anomaly(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(z, "z")
    w = _seconds_of(window, "window")
    a = f.a
    m = _egress_accepted(f)
    if not m.any():
        return None
    src, dst, t, e, by = a["src"][m], a["dst"][m], a["start"][m], a["end"][m], a["bytes"][m].astype(float)
    b = (t - f.span[0]) // w
    d = pd.DataFrame({"src": src, "dst": dst, "b": b, "bytes": by, "t": t, "e": e})
    cells = d.groupby(["src", "dst", "b"], sort=False).agg(
        bytes=("bytes", "sum"), start=("t", "min"), end=("e", "max")
    )
    cells = cells.reset_index()
    n_hist = cells.groupby("src")["bytes"].transform("size")
    from flownb.analysis.baselines import robust_z

    own = np.asarray(robust_z(cells["bytes"].to_numpy(), by=cells["src"].to_numpy()))
    fleet = np.asarray(robust_z(cells["bytes"].to_numpy()))
    zs = np.where(n_hist.to_numpy() >= min_history, own, fleet)
    hit = (zs >= z) & (cells["bytes"] >= min_bytes)
    r1 = cells[hit.to_numpy()].copy()
    r1["score"] = zs[hit.to_numpy()]
    enough = (n_hist >= min_history).to_numpy()[hit.to_numpy()]
    r1["summary"] = [
        f"{f.addr[s]} sent {_size(v)} to {f.addr[dd]} in {_dur(w)}, a robust z of {sc:.1f} against "
        + ("its own volumes per host." if own_ else "the volumes per host of all local sources.")
        for s, dd, v, sc, own_ in zip(r1["src"], r1["dst"], r1["bytes"], r1["score"], enough, strict=True)
    ]
    cold = cells[(n_hist < min_history).to_numpy() & ~hit.to_numpy()]
    per = cold.groupby(["src", "b"]).agg(
        bytes=("bytes", "sum"), hosts=("dst", "nunique"), start=("start", "min"), end=("end", "max")
    )
    per = per[(per["bytes"] >= cold_start_bytes) & (per["hosts"] >= cold_start_destinations)].reset_index()
    per["dst"] = -1
    per["score"] = per["bytes"] / 1e9
    per["summary"] = [
        f"{f.addr[s]} sent {_size(v)} to {h} public hosts in {_dur(w)} with no history to compare with."
        for s, v, h in zip(per["src"], per["bytes"], per["hosts"], strict=True)
    ]
    r = pd.concat([r1, per], ignore_index=True)
    if r.empty:
        return None
    r["dst_port"] = -1
    r["protocol"] = -1
    r["label"] = "Behavior:EC2/TrafficVolumeUnusual"
    r["severity"] = "Medium"
    return r[list(_RAW_COLUMNS)]


@_register(_accepted)
def _unidirectional_transfer(
    f: Flows,
    *,
    min_bytes: int = 1_000_000,
    window: str = "6h",
    max_return_bytes: int = 0,
    remote_only: bool = True,
):
    """Data flowing one way with nothing coming back.

    Adds the accepted bytes each way between two addresses per ``window``: more
    than ``min_bytes`` one way and at most ``max_return_bytes`` back. Over TCP
    the receiver always acknowledges, so a silent return path means UDP, a
    return path through another route or interface, or answers dropped
    before they were logged.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_bytes : int, default 1000000
        Bytes one way (1 MB). flownb's own choice.
    window : str, default "6h"
        Time window. flownb's own choice.
    max_return_bytes : int, default 0
        Bytes back that still count as nothing. flownb's own choice.
    remote_only : bool, default True
        Only pairs with one public end (traffic leaving or entering the VPC);
        inside the VPC one-way UDP (logs, metrics) is ordinary. flownb's own
        choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings; Medium when data leaves the VPC, Low otherwise; ``score`` is
        the megabytes sent; ``dst_port`` and ``protocol`` when one only.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import unidirectional_transfer
    >>> unidirectional_transfer(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_bytes, "min_bytes")
    w = _seconds_of(window, "window")
    a = f.a
    m = _accepted(f)
    if remote_only:
        m = m & (a["src_public"] | a["dst_public"])
    if not m.any():
        return None
    src, dst, t, e, by = a["src"][m], a["dst"][m], a["start"][m], a["end"][m], a["bytes"][m].astype(float)
    b = (t - f.span[0]) // w
    fwd, nk = factorize(key(np.minimum(src, dst), np.maximum(src, dst), b))
    one = src < dst
    ab = np.bincount(fwd, weights=by * one, minlength=nk)
    ba = np.bincount(fwd, weights=by * ~one, minlength=nk)
    sent = np.where(one, ab[fwd], ba[fwd])
    back = np.where(one, ba[fwd], ab[fwd])
    hit = (sent > min_bytes) & (back <= max_return_bytes)
    if not hit.any():
        return None
    # one finding per sender, receiver and window: aggregate the hit rows with dense codes
    k2 = fwd[hit] * 2 + one[hit]
    size = 2 * nk
    ids = np.flatnonzero(np.bincount(k2, minlength=size))
    pos = np.full(size, -1, dtype=np.int64)
    pos[k2[::-1]] = np.arange(len(k2) - 1, -1, -1)  # first row of each group
    port, proto = a["dport"][m][hit], a["proto"][m][hit]
    first_row = pos[ids]
    lo = np.full(size, np.iinfo(np.int64).max)
    hi = np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(lo, k2, t[hit])
    np.maximum.at(hi, k2, e[hit])
    r = pd.DataFrame(
        {
            "src": src[hit][first_row],
            "dst": dst[hit][first_row],
            "bytes": np.bincount(k2, weights=by[hit], minlength=size)[ids],
            "dst_port": port[first_row],
            "protocol": proto[first_row],
            "ports": nunique(k2, port, size)[ids],
            "protocols": nunique(k2, proto, size)[ids],
            "start": lo[ids],
            "end": hi[ids],
        }
    )
    r["dst_port"] = _single(r["dst_port"], r["ports"])
    r["protocol"] = _single(r["protocol"], r["protocols"])
    r["score"] = r["bytes"] / 1e6
    r["label"] = None
    leaving = f.addr_public[r["dst"]]
    r["severity"] = np.where(leaving, "Medium", "Low")
    # plain Python values: this detector can report tens of thousands of pairs
    r["summary"] = [
        f"{s} sent {_size(v)} to {dd} over {_dur(e - st)} and nothing came back."
        for s, dd, v, st, e in zip(
            f.addr[r["src"].to_numpy()].tolist(),
            f.addr[r["dst"].to_numpy()].tolist(),
            r["bytes"].tolist(),
            r["start"].tolist(),
            r["end"].tolist(),
            strict=True,
        )
    ]
    return r[list(_RAW_COLUMNS)]


def _bowley(q1: np.ndarray, q2: np.ndarray, q3: np.ndarray) -> np.ndarray:
    iqr = q3 - q1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(iqr > 0, (q1 + q3 - 2 * q2) / iqr, 0.0)


@_register(_requests)
def _beaconing(
    f: Flows,
    *,
    min_connections: int = 4,
    min_score: float = 0.5,
    remote_only: bool = True,
    jitter: float = 0.2,
    min_interval: str | None = None,
):
    """Connections repeated at regular intervals with similar sizes: command-and-control beacons.

    For each (source, destination, port, protocol), each connection's start
    (the first record of a new 5-tuple) is a beat. In the manner of RITA's
    beacon analysis, the intervals between beats and the bytes each
    connection sent are scored for regularity: ``1 - |Bowley skew|`` and ``1 -
    MADM / (jitter * median)`` (clipped at 0), averaged per side; the score is
    the mean of the interval and size scores (0 to 1). The interval score on
    its own must also reach ``min_score``: connections of one size at random
    times (health probes, retries) are not beacons.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_connections : int, default 4
        Connections needed to judge regularity. flownb's own choice.
    min_score : float, default 0.5
        Score cut-off on RITA's 0 to 1 scale: the midpoint. flownb's own choice.
    remote_only : bool, default True
        Only beacons to public hosts. flownb's own choice.
    jitter : float, default 0.2
        Spread, relative to the median, at which the dispersion score reaches
        0 (RITA uses 30 s for intervals and 32 bytes for sizes; 30 s is 10 %
        of a 5-minute beacon). flownb's own choice: 20 %, because implants
        randomise their sleep (evaluation: with 0.1, beacons with 30 % jitter
        were found half the time; random traffic stays far below either).
    min_interval : str, optional
        Shortest median interval judged; by default twice the aggregation
        interval (records cannot place beats closer than that).
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Medium; ``score`` is the beacon score.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import beaconing
    >>> beaconing(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    _positive(min_connections, "min_connections")
    _ratio(min_score, "min_score")
    _positive(jitter, "jitter")
    gap = 2 * f.agg if min_interval is None else _seconds_of(min_interval, "min_interval")
    a = f.a
    m = _requests(f)
    if remote_only:
        m = m & a["dst_public"]
    if not m.any():
        return None
    d = _rows(a, m, conv="conv", src="src", dst="dst", dport="dport", proto="proto", t="start", e="end")
    d["bytes"] = a["bytes"][m].astype(float)
    conns = d.groupby("conv", sort=False).agg(
        src=("src", "first"),
        dst=("dst", "first"),
        dport=("dport", "first"),
        proto=("proto", "first"),
        t=("t", "min"),
        e=("e", "max"),
        bytes=("bytes", "sum"),
    )
    gk = key(
        conns["src"].to_numpy(), conns["dst"].to_numpy(), conns["dport"].to_numpy(), conns["proto"].to_numpy()
    )
    conns["g"] = gk
    size = conns.groupby("g")["t"].transform("size")
    conns = conns[size.to_numpy() >= min_connections].sort_values(["g", "t"])
    if conns.empty:
        return None
    conns["dt"] = conns.groupby("g")["t"].diff()
    q = conns.groupby("g")[["dt", "bytes"]].quantile([0.25, 0.5, 0.75]).unstack()
    med_dt = q[("dt", 0.5)].to_numpy()
    med_b = q[("bytes", 0.5)].to_numpy()
    conns["adt"] = (conns["dt"] - conns["g"].map(q[("dt", 0.5)])).abs()
    conns["ab"] = (conns["bytes"] - conns["g"].map(q[("bytes", 0.5)])).abs()
    madm = conns.groupby("g")[["adt", "ab"]].median().reindex(q.index)
    ts_skew = 1 - np.abs(_bowley(q[("dt", 0.25)].to_numpy(), med_dt, q[("dt", 0.75)].to_numpy()))
    ds_skew = 1 - np.abs(_bowley(q[("bytes", 0.25)].to_numpy(), med_b, q[("bytes", 0.75)].to_numpy()))
    with np.errstate(divide="ignore", invalid="ignore"):
        ts_disp = np.clip(1 - madm["adt"].to_numpy() / (jitter * med_dt), 0, 1)
        ds_disp = np.clip(1 - madm["ab"].to_numpy() / np.maximum(jitter * med_b, 32.0), 0, 1)
    ts_disp = np.nan_to_num(ts_disp)
    ts_score = (ts_skew + ts_disp) / 2
    score = (ts_score + (ds_skew + ds_disp) / 2) / 2
    g = conns.groupby("g")
    r = g.agg(
        src=("src", "first"),
        dst=("dst", "first"),
        dst_port=("dport", "first"),
        protocol=("proto", "first"),
        start=("t", "min"),
        end=("e", "max"),
        n=("t", "size"),
    ).reindex(q.index)
    r["score"] = score
    r["ts_score"] = ts_score
    r["interval"] = med_dt
    r["size"] = med_b
    r = r[(r["score"] >= min_score) & (r["ts_score"] >= min_score) & (r["interval"] > gap)]
    if r.empty:
        return None
    r["label"] = None
    r["severity"] = "Medium"
    r["summary"] = [
        f"{f.addr[s]} connected to {f.addr[dd]} {_proto_name(pr)} port {p} {n} times, every {_dur(i)} "
        f"with about {_size(b)} each (beacon score {sc:.2f})."
        for s, dd, pr, p, n, i, b, sc in zip(
            r["src"],
            r["dst"],
            r["protocol"],
            r["dst_port"],
            r["n"],
            r["interval"],
            r["size"],
            r["score"],
            strict=True,
        )
    ]
    return r[list(_RAW_COLUMNS)]


@_register(_rejected, oriented=True)
def _reject_spike(
    f: Flows,
    *,
    window: str = "5min",
    sigma: float = 3.0,
    min_history: int = 5,
    min_rejects: int = 10,
    pair_per_hour: int = 50,
):
    """A client whose rejected records jump above its own history, or pile up against one server.

    Records are counted by conversation: ``src`` is the side that started the
    connections (the client) and ``dst`` the server, whichever direction was
    rejected (a network ACL that drops the answers rejects records from the
    server to the client).

    Two rules. Per source and ``window``: more rejected records than the mean
    plus ``sigma`` standard deviations of the source's earlier windows (at
    least ``min_history`` of them since it was first seen, quiet windows
    counting 0), and at least ``min_rejects``. Per (source, destination) and
    hour: more than ``pair_per_hour`` rejected records. A per-source spike that
    overlaps a per-pair finding of the same source is left out (one event, one
    finding).

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    window : str, default "5min"
        Bin for the per-source rule. flownb's own choice.
    sigma : float, default 3.0
        Standard deviations above the mean: the usual three-sigma control
        limit. flownb's own choice.
    min_history : int, default 5
        Earlier windows needed for a baseline. flownb's own choice.
    min_rejects : int, default 10
        Fewest rejected records in a window worth reporting. flownb's own choice.
    pair_per_hour : int, default 50
        Rejected records per (source, destination) per hour. flownb's own
        choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Low (Medium when the source is local); ``dst`` missing for
        the per-source rule; ``score`` is the rejected records in the peak
        window.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import reject_spike
    >>> reject_spike(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    w = _seconds_of(window, "window")
    _positive(sigma, "sigma")
    _positive(pair_per_hour, "pair_per_hour")
    a = f.a
    m = _rejected(f)
    if not m.any():
        return None
    t0 = f.span[0]
    # by conversation side: a rejected answer counts against the client whose connection it was
    src, dst, t, e = a["cli"][m], a["srv"][m], a["start"][m], a["end"][m]
    out = []
    # rule 1: per source, per window, against its history
    b = (t - t0) // w
    cells = (
        pd.DataFrame({"src": src, "b": b}).value_counts().rename("n").reset_index().sort_values(["src", "b"])
    )
    first_seen = pd.Series((a["start"] - t0) // w).groupby(a["cli"]).min()
    cells["first"] = first_seen.reindex(cells["src"]).to_numpy()
    g = cells.groupby("src", sort=False)
    n = cells["n"].to_numpy(dtype=float)
    s_prior = g["n"].cumsum().to_numpy() - n
    ss_prior = (cells["n"] ** 2).groupby(cells["src"], sort=False).cumsum().to_numpy() - n**2
    k = (cells["b"] - cells["first"]).to_numpy(dtype=float)  # earlier windows since first seen
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s_prior / k
        sd = np.sqrt(np.clip(ss_prior / k - mean**2, 0, None))
    fire = (k >= min_history) & (n >= min_rejects) & (n > mean + sigma * sd)
    hit = cells[fire].copy()
    if len(hit):
        hit["ep"] = _episodes(hit["src"].to_numpy(), hit["b"].to_numpy(), 1)
        hit["lo"] = hit["b"] * w + t0
        hit["hi"] = hit["b"] * w + t0 + w - 1
        r1 = hit.groupby("ep").agg(
            src=("src", "first"), lo=("lo", "min"), hi=("hi", "max"), score=("n", "max")
        )
        span = pd.DataFrame({"src": src, "t": t, "e": e}).merge(r1.reset_index(), on="src")
        span = span[(span["t"] >= span["lo"]) & (span["t"] <= span["hi"])].groupby("ep")
        r1["start"] = span["t"].min()
        r1["end"] = span["e"].max()
        r1["dst"] = -1
        r1["summary"] = [
            f"Connections of {f.addr[s]} had up to {int(sc)} rejected records per {_dur(w)}, above the mean + "
            f"{sigma:g} sigma of its own history."
            for s, sc in zip(r1["src"], r1["score"], strict=True)
        ]
        out.append(r1)
    # rule 2: per (source, destination), per hour
    hb = (t - t0) // 3600
    pair = pd.DataFrame({"src": src, "dst": dst, "b": hb, "t": t, "e": e})
    pc = pair.groupby(["src", "dst", "b"], sort=False).agg(
        n=("t", "size"), start=("t", "min"), end=("e", "max")
    )
    pc = pc[pc["n"] > pair_per_hour].reset_index()
    if len(pc):
        pc["ep"] = _episodes(key(pc["src"].to_numpy(), pc["dst"].to_numpy()), pc["b"].to_numpy(), 1)
        r2 = pc.groupby("ep").agg(
            src=("src", "first"),
            dst=("dst", "first"),
            start=("start", "min"),
            end=("end", "max"),
            score=("n", "max"),
        )
        r2["summary"] = [
            f"{int(sc)} records of connections from {f.addr[s]} to {f.addr[dd]} were rejected within an hour."
            for s, dd, sc in zip(r2["src"], r2["dst"], r2["score"], strict=True)
        ]
        out.append(r2)
    if not out:
        return None
    r = pd.concat(out, ignore_index=True)
    # one event, one finding: a per-source spike inside a per-pair pile-up of the same source says less
    pairs = r[r["dst"] >= 0]
    if len(pairs) and (r["dst"] < 0).any():
        j = r[r["dst"] < 0].reset_index().merge(pairs[["src", "start", "end"]], on="src", suffixes=("", "_p"))
        covered = j.loc[(j["start"] <= j["end_p"]) & (j["end"] >= j["start_p"]), "index"].unique()
        r = r.drop(index=covered).reset_index(drop=True)
    r["dst_port"] = -1
    r["protocol"] = -1
    r["label"] = None
    r["severity"] = np.where(f.addr_local[r["src"]], "Medium", "Low")
    r["score"] = r["score"].astype(float)
    return r[list(_RAW_COLUMNS)]


@_register(_accepted, oriented=True)
def _intel_match(f: Flows, *, indicators: Iterable[str] | str | None = None):
    """Accepted traffic with addresses on your own threat list.

    flownb ships no threat intelligence: pass the addresses and CIDR blocks
    of a list you trust (a GuardDuty threat list, an abuse feed) as
    ``indicators``. One finding per conversation (client, server, service
    port, protocol) that has an accepted record and an indicator at either end.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    indicators : list of str
        IP addresses or CIDR blocks. Without them the detector finds nothing.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Medium (High when our instance started the conversation);
        ``src`` is the client, ``dst`` the server, ``dst_port`` the service
        port; ``score`` is the number of connections; label
        ``UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`` (GuardDuty's
        finding for custom threat lists).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import intel_match
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> intel_match(df, indicators=["172.31.16.139"])[["src", "dst", "dst_port"]].to_dict("records")
    [{'src': '172.31.16.139', 'dst': '172.31.16.21', 'dst_port': 22}]
    """
    nets = parse_networks(indicators, "indicators")
    if not nets or f.n == 0:
        return None
    bad = in_networks(list(f.addr), nets)
    a = f.a
    m = _accepted(f) & (bad[a["cli"]] | bad[a["srv"]])
    if not m.any():
        return None
    d = _rows(
        a, m, src="cli", dst="srv", dst_port="svc", protocol="proto", conv="conv", start="start", end="end",
        bytes="bytes",
    )  # fmt: skip
    r = (
        d.groupby(["src", "dst", "dst_port", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), conns=("conv", "nunique"), bytes=("bytes", "sum"))
        .reset_index()
    )
    r["score"] = r["conns"].astype(float)
    r["label"] = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
    r["severity"] = np.where(f.addr_local[r["src"]] & bad[r["dst"]], "High", "Medium")
    r["summary"] = [
        f"{f.addr[s]} {'(on the list) ' if bad[s] else ''}talked to {f.addr[dd]} "
        f"{'(on the list) ' if bad[dd] else ''}on {_proto_name(pr)} port {p}: {c} connection(s), {_size(b)}."
        for s, dd, pr, p, c, b in zip(
            r["src"], r["dst"], r["protocol"], r["dst_port"], r["conns"], r["bytes"], strict=True
        )
    ]
    return r[list(_RAW_COLUMNS)]


@_register(_all, oriented=True)
def _unusual_protocol(f: Flows, *, allowed: Sequence[int] = (1, 6, 17, 58)):
    """Traffic using an IP protocol other than TCP, UDP and ICMP.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    allowed : list of int, default (1, 6, 17, 58)
        Protocol numbers considered usual: ICMP, TCP, UDP, ICMPv6. flownb's own
        choice (GuardDuty's ``DenialOfService.UnusualProtocol`` calls anything
        else unusual); add 47 (GRE) or 50 (ESP) where you run VPNs.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Low (Medium when accepted to or from a public address);
        one per (client, server, protocol); ``score`` is the packets.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import unusual_protocol
    >>> unusual_protocol(flownb.samples.load("aws-docs/sg-nacl-ping"), allowed=[6, 17]).shape[0]
    1
    """
    allow = _ports(allowed, "allowed")
    a = f.a
    m = (a["proto"] >= 0) & ~np.isin(a["proto"], allow)
    if not m.any():
        return None
    d = _rows(
        a, m, src="cli", dst="srv", protocol="proto", packets="packets",
        public=(a["src_public"] | a["dst_public"]) & a["accept"], start="start", end="end",
    )  # fmt: skip
    r = (
        d.groupby(["src", "dst", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), packets=("packets", "sum"), public=("public", "any"))
        .reset_index()
    )
    r["dst_port"] = -1
    r["score"] = r["packets"].astype(float)
    r["label"] = None
    r["severity"] = np.where(r["public"], "Medium", "Low")
    r["summary"] = [
        f"{f.addr[s]} and {f.addr[dd]} exchanged {int(p):,} packets of {_proto_name(pr)}, "
        "a protocol outside the allowed list."
        for s, dd, pr, p in zip(r["src"], r["dst"], r["protocol"], r["packets"], strict=True)
    ]
    return r[list(_RAW_COLUMNS)]


@_register(_egress_requests)
def _unapproved_dns(
    f: Flows, *, allowed_resolvers: Iterable[str] | str | None = None, ports: Sequence[int] = (53,)
):
    """Instances asking public DNS resolvers instead of the VPC's resolver.

    Queries to the Amazon-provided resolver (the VPC base + 2 address,
    169.254.169.253) are never logged, so any logged DNS request from a local
    address to a public one bypasses Route 53 Resolver (and its DNS Firewall
    and query logs).

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    allowed_resolvers : list of str, optional
        Resolver addresses or CIDR blocks you approve.
    ports : list of int, default (53,)
        DNS ports (add 853 for DNS over TLS); 53 is flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Low; one per (client, resolver, port, protocol); ``score`` is
        the number of requests.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import unapproved_dns
    >>> unapproved_dns(flownb.samples.load("aws-docs/default-accept-reject")).empty
    True
    """
    nets = parse_networks(allowed_resolvers, "allowed_resolvers")
    port_arr = _ports(ports, "ports")
    a = f.a
    m = _egress_requests(f) & np.isin(a["dport"], port_arr) & ((a["proto"] == 17) | (a["proto"] == 6))
    if nets:
        ok = in_networks(list(f.addr), nets)
        m &= ~ok[a["dst"]]
    if not m.any():
        return None
    d = _rows(a, m, src="src", dst="dst", dst_port="dport", protocol="proto", start="start", end="end")
    r = (
        d.groupby(["src", "dst", "dst_port", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), n=("start", "size"))
        .reset_index()
    )
    r["score"] = r["n"].astype(float)
    r["label"] = None
    r["severity"] = "Low"
    r["summary"] = [
        f"{f.addr[s]} sent {n} DNS record(s) to the public resolver {f.addr[dd]} ({_proto_name(pr)} {p})."
        for s, dd, p, pr, n in zip(r["src"], r["dst"], r["dst_port"], r["protocol"], r["n"], strict=True)
    ]
    return r[list(_RAW_COLUMNS)]


@_register(None)
def _data_quality(f: Flows, *, max_gap: str | None = None):
    """Windows the records cannot speak for: SKIPDATA records and silent gaps in an ENI's records.

    A SKIPDATA record says records of that ENI were dropped during its
    interval (an internal capacity constraint or error); NODATA records fill
    intervals without traffic, so an ENI that logs nothing at all for longer
    than ``max_gap`` between two of its records has a gap in delivery (or was
    detached, or the flow log was stopped).

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``interface_id`` and ``start``/``end``.
    max_gap : str, optional
        Silence that makes a gap; by default 10 aggregation intervals (10 min
        for 1-minute flow logs). flownb's own choice.

    Returns
    -------
    DataFrame
        Findings, Low; ``src`` is the ENI (interface_id); ``label`` says which:
        ``LogStatus:SKIPDATA`` (``score`` is the records) or ``LogStatus:Gap``
        (``score`` is the seconds of silence).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import data_quality
    >>> data_quality(flownb.samples.load("aws-docs/nodata-skipdata"))[["src", "label"]].to_dict("records")
    [{'src': 'eni-11111111aaaaaaaaa', 'label': 'LogStatus:SKIPDATA'}]
    """
    gap = 10 * f.agg if max_gap is None else _seconds_of(max_gap, "max_gap")
    st = f.status
    if st.empty:
        return None
    out = []
    skip = st[(st["status"] == _flows.STATUS_SKIPDATA).to_numpy()]
    if len(skip):
        ep = _episodes(skip["eni"].to_numpy(), skip["start"].to_numpy(), 2 * f.agg)
        r = (
            skip.assign(ep=ep)
            .groupby("ep")
            .agg(eni=("eni", "first"), start=("start", "min"), end=("end", "max"), n=("row", "size"))
        )
        r["src"] = f.eni_names[r["eni"].to_numpy()]
        r["label"] = "LogStatus:SKIPDATA"
        r["score"] = r["n"].astype(float)
        r["evidence_count"] = r["n"]
        r["summary"] = [
            f"{e}: {n} SKIPDATA record(s); records of this ENI were dropped over {_dur(b - a + 1)}."
            for e, n, a, b in zip(r["src"], r["n"], r["start"], r["end"], strict=True)
        ]
        out.append(r)
    order = np.argsort(
        key(st["eni"].to_numpy(), st["start"].to_numpy() - int(st["start"].min())), kind="stable"
    )
    s = st.iloc[order]
    eni = s["eni"].to_numpy()
    starts = s["start"].to_numpy()
    # running latest end within each ENI: one cumulative max over (ENI, end) packed in one number
    shift = np.int64(1) << 40
    base = int(s["end"].min())
    ends = np.maximum.accumulate(eni * shift + (s["end"].to_numpy() - base)) - eni * shift + base
    same = np.zeros(len(s), dtype=bool)
    same[1:] = eni[1:] == eni[:-1]
    silence = np.zeros(len(s), dtype=np.int64)
    silence[1:] = starts[1:] - ends[:-1]
    hole = same & (silence > gap)
    if hole.any():
        idx = np.flatnonzero(hole)
        r = pd.DataFrame({"eni": eni[idx], "start": ends[idx - 1], "end": starts[idx]})
        # evidence: the ENI's records ending as the gap opens and starting as it closes
        by_end = s.groupby(["eni", "end"]).size()
        by_start = s.groupby(["eni", "start"]).size()
        r["evidence_count"] = (
            by_end.reindex(pd.MultiIndex.from_arrays([r["eni"], r["start"]]), fill_value=0).to_numpy()
            + by_start.reindex(pd.MultiIndex.from_arrays([r["eni"], r["end"]]), fill_value=0).to_numpy()
        )
        r["src"] = f.eni_names[r["eni"].to_numpy()]
        r["score"] = (r["end"] - r["start"]).astype(float)
        r["label"] = "LogStatus:Gap"
        r["summary"] = [
            f"{e} logged nothing, not even NODATA, for {_dur(g)}."
            for e, g in zip(r["src"], r["score"], strict=True)
        ]
        out.append(r)
    if not out:
        return None
    r = pd.concat(out, ignore_index=True)
    r["dst"] = None
    r["dst_port"] = -1
    r["protocol"] = -1
    r["severity"] = "Low"
    return r[[*_RAW_COLUMNS, "evidence_count"]]


vertical_scan = DETECTORS["vertical_scan"].func
horizontal_sweep = DETECTORS["horizontal_sweep"].func
exposed_port_probe = DETECTORS["exposed_port_probe"].func
brute_force = DETECTORS["brute_force"].func
outbound_flood = DETECTORS["outbound_flood"].func
new_remote_port = DETECTORS["new_remote_port"].func
volume_anomaly = DETECTORS["volume_anomaly"].func
unidirectional_transfer = DETECTORS["unidirectional_transfer"].func
beaconing = DETECTORS["beaconing"].func
reject_spike = DETECTORS["reject_spike"].func
intel_match = DETECTORS["intel_match"].func
unusual_protocol = DETECTORS["unusual_protocol"].func
unapproved_dns = DETECTORS["unapproved_dns"].func
data_quality = DETECTORS["data_quality"].func

# ---------------------------------------------------------------------------------------------
# detect and evidence
# ---------------------------------------------------------------------------------------------


def _split_thresholds(names: list[str], thresholds: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Route ``name=value`` to every chosen detector taking ``name``; ``detector__name=value`` to one."""
    params = {n: {p for p in inspect.signature(DETECTORS[n].impl).parameters if p != "f"} for n in names}
    out: dict[str, dict[str, Any]] = {n: {} for n in names}
    for k, v in thresholds.items():
        if "__" in k:
            det, _, p = k.partition("__")
            if det not in DETECTORS:
                raise ValueError(f"'{k}': '{det}' must be one of {sorted(DETECTORS)}")
            if det not in out:
                continue  # a threshold for a detector not run this time
            if p not in params[det]:
                raise ValueError(f"'{k}': {det}() takes {sorted(params[det])}, got '{p}'")
            out[det][p] = v
            continue
        takers = [n for n in names if k in params[n]]
        if not takers:
            every = sorted({p for n in names for p in params[n]})
            close = difflib.get_close_matches(k, every, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(
                f"'{k}' is not a threshold of the chosen detectors; thresholds are {every}{hint}"
            )
        for n in takers:
            out[n][k] = v
    return out


def detect(
    df: pd.DataFrame,
    detectors: Sequence[str] | str | None = None,
    *,
    local_networks: Sequence[str] | str | None = None,
    **thresholds: Any,
) -> pd.DataFrame:
    """Run the detectors over flow log records and return their findings.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract), e.g. from
        :func:`flownb.read_flow_logs` or ``flownb.simulate(...).flows``.
    detectors : list of str, optional
        Detector names (see ``DETECTORS``); all of them by default. Detectors
        whose columns the frame lacks (no ports in a custom format) find
        nothing.
    local_networks : list of str, optional
        CIDR blocks to treat as local besides the private ranges (a VPC's
        IPv6 blocks).
    **thresholds
        Thresholds passed to every chosen detector that takes them
        (``window="10min"``), or to one detector as ``detector__name``
        (``vertical_scan__min_ports=30``).

    Returns
    -------
    DataFrame
        One row per finding: ``detector``, ``label``, ``severity`` (ordered
        categorical Low < Medium < High), ``src``, ``dst``, ``dst_port``,
        ``protocol``, ``start``, ``end``, ``score``, ``evidence_count``,
        ``summary``; highest severity first, then by start.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import detect, evidence
    >>> sim = flownb.simulate(["baseline", "port_scan"], seed=0, duration="1h")
    >>> found = detect(sim.flows)
    >>> scan = found[found["detector"] == "vertical_scan"].iloc[0]
    >>> scan["label"], scan["src"] == sim.truth["src"].iloc[0]
    ('Recon:EC2/Portscan', True)
    >>> bool(len(evidence(sim.flows, scan)) == scan["evidence_count"])
    True
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> flownb.analysis.detectors.detect(df, ["intel_match"], indicators=["172.31.9.0/24"]).empty
    True
    >>> list(flownb.analysis.detectors.detect(df).columns) == list(flownb.analysis.detectors.FINDING_COLUMNS)
    True
    """
    if detectors is None:
        names = list(DETECTORS)
    else:
        names = [detectors] if isinstance(detectors, str) else list(detectors)
        if isinstance(detectors, str) and "," in detectors:
            names = [n.strip() for n in detectors.split(",") if n.strip()]
        for n in names:
            if n not in DETECTORS:
                close = difflib.get_close_matches(str(n), list(DETECTORS), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"'detectors' must be names from {sorted(DETECTORS)}, got '{n}'{hint}")
    routed = _split_thresholds(names, thresholds)
    f = prepare(df, local_networks)
    parts = [_finish(DETECTORS[n], f, DETECTORS[n].impl(f, **routed[n])) for n in names]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_findings()
    out = pd.concat(parts, ignore_index=True)
    out["severity"] = pd.Categorical(out["severity"], categories=list(SEVERITIES), ordered=True)
    start = out["start"].to_numpy(dtype="datetime64[s]", na_value=np.datetime64("NaT")).view("int64")
    order = np.lexsort((start, -out["severity"].cat.codes.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def evidence(
    df: pd.DataFrame, finding: pd.Series | dict | Any, *, local_networks: Sequence[str] | str | None = None
):
    """The records behind a finding, counted once, in time order.

    Parameters
    ----------
    df : DataFrame
        The records the finding came from.
    finding : Series, dict or namedtuple
        A row of :func:`detect`'s result (``findings.iloc[0]``).
    local_networks : list of str, optional
        As given to :func:`detect`.

    Returns
    -------
    DataFrame
        Rows of ``df`` (same columns, original index): those of the finding's
        addresses, port and protocol, between its start and end, of the kind
        the detector counts (for example rejected records for
        ``reject_spike``). A connection logged by two ENIs appears once; the
        number of rows is the finding's ``evidence_count``.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import detect, evidence
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> hit = detect(df, "intel_match", indicators=["172.31.16.21"]).iloc[0]
    >>> evidence(df, hit)[["srcaddr", "dstport", "action"]].to_dict("records")
    [{'srcaddr': '172.31.16.139', 'dstport': 22, 'action': 'ACCEPT'}]
    """
    get = finding.get if hasattr(finding, "get") else lambda k, d=None: getattr(finding, k, d)
    name = get("detector")
    if name not in DETECTORS:
        raise ValueError(f"the finding's 'detector' must be one of {sorted(DETECTORS)}, got {name!r}")
    spec = DETECTORS[name]
    f = prepare(df, local_networks)
    t0 = _to_seconds(get("start"))
    t1 = _to_seconds(get("end"))
    if spec.records is None:  # data_quality: the ENI's status records
        st = f.status
        hits = np.flatnonzero(f.eni_names == str(get("src")))
        sel = (st["eni"] == (hits[0] if len(hits) else -2)).to_numpy()
        if get("label") == "LogStatus:SKIPDATA":
            sel = sel & (st["status"] == _flows.STATUS_SKIPDATA).to_numpy()
            sel = sel & (st["start"] >= t0).to_numpy() & (st["start"] <= t1).to_numpy()
        else:
            sel = sel & ((st["end"] == t0) | (st["start"] == t1)).to_numpy()
        rows = st["row"].to_numpy()[sel]
        rows = rows[np.argsort(st["start"].to_numpy()[sel], kind="stable")]
        return df.iloc[rows]
    a = f.a
    mask = spec.records(f) & (a["start"] >= t0) & (a["start"] <= t1)
    names = ("cli", "srv", "svc", "proto") if spec.oriented else ("src", "dst", "dport", "proto")
    for col, field in zip(names, ("src", "dst", "dst_port", "protocol"), strict=True):
        value = get(field)
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            continue
        if field in ("src", "dst"):
            mask &= a[col] == f.code_of(value)
        else:
            mask &= a[col] == int(value)
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(a["start"][idx], kind="stable")]
    return df.iloc[a["row"][idx]]


def _to_seconds(value: object) -> int:
    if value is None or value is pd.NaT:
        raise ValueError("the finding must have 'start' and 'end' times")
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int(ts.timestamp())
