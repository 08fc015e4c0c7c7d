"""Scans and probes: one source trying many ports or hosts, and ports open to internet scanners."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flownb._durations import duration_seconds
from flownb._units import span_text
from flownb.analysis._flows import Flows, factorize, key, nunique

from ._checks import _ports, _positive, _ratio
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import _enough, _failed, _in, _inbound_public_accepted, _requests, _take, _tcp_udp_requests
from ._text import _proto_name
from ._windows import _episodes, _fire_distinct, _fire_windows


def _scan_severity(src_local: np.ndarray, dst_local: np.ndarray, out_level: str) -> np.ndarray:
    """Our own instance probing out is worse than the internet probing us."""
    return np.where(src_local & ~dst_local, out_level, np.where(src_local, "Medium", "Low"))


@register(_tcp_udp_requests)
def vertical_scan(
    f: Flows,
    *,
    min_ports: int = 15,
    window: str = "5min",
    min_failed_ratio: float = 0.5,
    slow_window: str | None = "1h",
    slow_min_ports: int = 20,
    slow_min_failed_ratio: float = 0.9,
):
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
    slow_window : str or None, default "1h"
        A second, longer window for slow scans (a few ports every few minutes,
        below ``min_ports`` in any 5 minutes); None turns the slow rule off.
        flownb's own choice (Zeek's scan policy has one window only).
    slow_min_ports : int, default 20
        Distinct ports within ``slow_window`` that make a slow scan. flownb's
        own choice.
    slow_min_failed_ratio : float, default 0.9
        Share of those ports whose attempt failed: a slow scan must be almost
        all failures, so a client using many services over an hour stays
        quiet. flownb's own choice.
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
    >>> sim = flownb.simulate("port_scan", seed=0, duration="30min")
    >>> hit = vertical_scan(sim.flows).iloc[0]
    >>> hit["src"], hit["dst"], float(hit["value"]), float(hit["threshold"])
    ('185.220.101.45', '10.0.0.10', 500.0, 15.0)
    >>> print(hit["summary"])
    185.220.101.45 probed 500 TCP ports on 10.0.0.10 in 1 min; 498 of them failed.
    """
    _positive(min_ports, "min_ports")
    _ratio(min_failed_ratio, "min_failed_ratio")
    w = duration_seconds(window, name="window")
    a = f.a
    least = min(min_ports, slow_min_ports) if slow_window is not None else min_ports
    m = _enough(_tcp_udp_requests(f), least, a["src"], a["dst"])
    src, dst, proto, dport, t, e, failed = _take(
        a, m, "src", "dst", "proto", "dport", "start", "end", _failed(f)
    )
    gk = key(src, dst, proto)
    groups = factorize(gk)  # once for both windows, and the distinct ports of each (source, host)
    distinct = nunique(groups[0], dport, groups[1])
    fast = _fire_distinct(gk, t, w, dport, failed, min_ports, min_failed_ratio, groups, distinct)
    slow = np.zeros(len(t), dtype=bool)
    ws = w
    if slow_window is not None:
        _positive(slow_min_ports, "slow_min_ports")
        _ratio(slow_min_failed_ratio, "slow_min_failed_ratio")
        ws = duration_seconds(slow_window, name="slow_window")
        slow = _fire_distinct(
            gk, t, ws, dport, failed, slow_min_ports, slow_min_failed_ratio, groups, distinct
        )
    fired = fast | slow
    if not fired.any():
        return None
    ep = _episodes(gk[fired], t[fired], max(w, ws))
    d = pd.DataFrame(
        {
            "ep": ep,
            "fast": fast[fired],
            "src": src[fired],
            "dst": dst[fired],
            "protocol": proto[fired],
            "port": dport[fired],
            "failed": failed[fired],
            "start": t[fired],
            "end": e[fired],
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
        fast=("fast", "any"),
    )
    r["failed_ports"] = d[d["failed"]].groupby("ep")["port"].nunique().reindex(r.index, fill_value=0)
    r["dst_port"] = -1
    r["score"] = r["ports"].astype(float)
    r["label"] = "Recon:EC2/Portscan"
    r["severity"] = _scan_severity(f.addr_local[r["src"]], f.addr_local[r["dst"]], "Medium")
    r["summary"] = [
        f"{f.addr[s]} probed {p} {_proto_name(pr)} ports on {f.addr[dd]} in {span_text(e - st)}; "
        f"{fp} of them failed{'' if fast_ else ' (a slow scan)'}."
        for s, dd, pr, p, fp, st, e, fast_ in zip(
            r["src"],
            r["dst"],
            r["protocol"],
            r["ports"],
            r["failed_ports"],
            r["start"],
            r["end"],
            r["fast"],
            strict=True,
        )
    ]
    r["value"] = r["ports"].astype(float)
    r["threshold"] = np.where(r["fast"], float(min_ports), float(slow_min_ports))
    r["measure"] = np.where(
        r["fast"],
        f"distinct ports per {span_text(w)}",
        f"distinct ports per {span_text(ws)}, {slow_min_failed_ratio:.0%} failed (slow scan)",
    )
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


@register(_requests)
def horizontal_sweep(f: Flows, *, min_hosts: int = 25, window: str = "5min", min_failed_ratio: float = 0.5):
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
    >>> sim = flownb.simulate("port_sweep", seed=0, duration="30min")
    >>> hit = horizontal_sweep(sim.flows).iloc[0]
    >>> hit["src"], int(hit["dst_port"]), float(hit["value"]), hit["measure"]
    ('10.0.10.10', 22, 64.0, 'distinct hosts on one port per 5 min')
    """
    _positive(min_hosts, "min_hosts")
    _ratio(min_failed_ratio, "min_failed_ratio")
    w = duration_seconds(window, name="window")
    a = f.a
    m = _enough(_requests(f), min_hosts, a["src"], a["dport"] + 1)
    src, dst, proto, dport, t, e, failed, public = _take(
        a, m, "src", "dst", "proto", "dport", "start", "end", _failed(f), "dst_public"
    )
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
            "public": public[fired],
            "start": t[fired],
            "end": e[fired],
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
        f"{f.addr[s]} tried {_proto_name(pr)} port {p} on {h} hosts in {span_text(e - st)}."
        for s, pr, p, h, st, e in zip(
            r["src"], r["protocol"], r["dst_port"], r["hosts"], r["start"], r["end"], strict=True
        )
    ]
    r["value"], r["threshold"] = r["hosts"].astype(float), float(min_hosts)
    r["measure"] = f"distinct hosts on one port per {span_text(w)}"
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


#: Ports whose exposure GuardDuty rates High (Elasticsearch) plus, flownb's own choice, other data stores
#: and remote administration services that should never face the internet.
HIGH_RISK_PORTS = (9200, 9300, 27017, 6379, 11211, 5432, 3306, 1433, 5984, 9042, 2375, 2376, 23)


@register(_inbound_public_accepted, entity="dst")
def exposed_port_probe(
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
    >>> sim = flownb.simulate("exposed_port_probe", seed=0, duration="30min")
    >>> hit = exposed_port_probe(sim.flows).iloc[0]
    >>> hit["entity"], int(hit["dst_port"]), hit["severity"], bool(hit["value"] >= hit["threshold"])
    ('10.0.0.10', 9200, 'High', True)
    """
    _positive(min_sources, "min_sources")
    _positive(max_packets, "max_packets")
    w = duration_seconds(window, name="window")
    high = _ports(high_risk_ports, "high_risk_ports")
    ignore = _ports(ignore_ports, "ignore_ports")
    a = f.a
    m = _inbound_public_accepted(f) & ~_in(a["dport"], ignore)
    if not m.any():
        return None
    src, dst, dport, proto, t, e, pk = _take(a, m, "src", "dst", "dport", "proto", "start", "end", "packets")
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
            "end": e[fired],
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
        f"({n} sources in all, over {span_text(e - st)})."
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
    r["value"], r["threshold"] = r["probes"].astype(float), float(min_sources)
    r["measure"] = f"public sources probing per {span_text(w)}"
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]
