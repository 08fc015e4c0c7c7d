"""Volume: floods, unusual volumes and data flowing one way."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flownb._durations import duration_seconds
from flownb._units import human_bytes, span_text
from flownb.analysis._flows import Flows, factorize, key, nunique

from ._checks import _positive
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import _accepted, _egress, _egress_accepted, _one_way, _take
from ._text import _proto_name
from ._windows import _episodes, _single

#: TCP service ports a UDP flood may aim at (GuardDuty's DenialOfService.UdpOnTcpPorts).
_TCP_SERVICE_PORTS = (21, 22, 23, 25, 80, 110, 143, 443, 445, 993, 995, 1433, 3306, 3389, 5432, 8080, 8443)


@register(_egress)
def outbound_flood(f: Flows, *, min_packets_per_minute: int = 10_000, z: float = 3.5):
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
        :func:`flownb.analysis._baselines.robust_z`).
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
    >>> sim = flownb.simulate("outbound_dos", seed=0, duration="30min")
    >>> hit = outbound_flood(sim.flows).iloc[0]
    >>> hit["label"], hit["src"], hit["dst"], bool(hit["value"] > hit["threshold"])
    ('Backdoor:EC2/DenialOfService.Tcp', '10.0.1.10', '109.71.40.12', True)
    """
    _positive(min_packets_per_minute, "min_packets_per_minute")
    _positive(z, "z")
    a = f.a
    m = _egress(f)
    if not m.any():
        return None
    src, dst, proto, dport, t, e, pk = _take(a, m, "src", "dst", "proto", "dport", "start", "end", "packets")
    pk = pk.astype(float)
    rate = pk * 60.0 / np.maximum(e - t, 60)  # packets per minute over the record's interval
    minute = t // 60  # minutes of the Unix epoch
    # a (source, host) minute can reach the rate only in a minute whose egress as a whole reaches it
    mm = minute - minute.min()
    if int(mm.max()) < 10_000_000:  # (times missing: every record in one cell, no narrowing)
        busy = np.flatnonzero((np.bincount(mm, weights=rate) >= min_packets_per_minute)[mm])
    else:
        busy = np.arange(len(mm))
    cell, ncell = factorize(key(src[busy], dst[busy], proto[busy], mm[busy]))
    per = np.bincount(cell, weights=rate[busy], minlength=ncell)
    cand = np.flatnonzero(per >= min_packets_per_minute)
    if not len(cand):
        return None
    first = np.zeros(ncell, dtype=np.int64)
    first[cell] = busy
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
    r["value"], r["threshold"] = r["score"], float(min_packets_per_minute)
    r["measure"] = "packets per minute to one host"
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


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


@register(_egress_accepted)
def volume_anomaly(
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
    >>> sim = flownb.simulate("exfiltration", seed=0, duration="30min")
    >>> hit = volume_anomaly(sim.flows).iloc[0]
    >>> hit["src"], hit["dst"], hit["measure"]
    ('10.0.20.10', '104.243.37.152', 'robust z of bytes per 1.0 h to one host')
    """
    _positive(z, "z")
    w = duration_seconds(window, name="window")
    a = f.a
    m = _egress_accepted(f)
    if not m.any():
        return None
    src, dst, t, e, by = _take(a, m, "src", "dst", "start", "end", "bytes")
    by = by.astype(float)
    b = t // w  # windows anchored at the Unix epoch
    # (source, host, window) cells: one factorize and bincounts (in order of first appearance)
    cell, ncell = factorize(key(src, dst, b - b.min()))
    first = np.empty(ncell, dtype=np.int64)
    first[cell[::-1]] = np.arange(len(cell) - 1, -1, -1)
    c_start = np.full(ncell, np.iinfo(np.int64).max)
    np.minimum.at(c_start, cell, t)
    c_end = np.full(ncell, np.iinfo(np.int64).min)
    np.maximum.at(c_end, cell, e)
    cells = pd.DataFrame(
        {
            "src": src[first],
            "dst": dst[first],
            "b": b[first],
            "bytes": np.bincount(cell, weights=by, minlength=ncell),
            "start": c_start,
            "end": c_end,
        }
    )
    n_hist = pd.Series(np.bincount(cells["src"].to_numpy())[cells["src"].to_numpy()], index=cells.index)
    from flownb.analysis._baselines import robust_z

    own = np.asarray(robust_z(cells["bytes"].to_numpy(), by=cells["src"].to_numpy()))
    fleet = np.asarray(robust_z(cells["bytes"].to_numpy()))
    zs = np.where(n_hist.to_numpy() >= min_history, own, fleet)
    hit = (zs >= z) & (cells["bytes"] >= min_bytes)
    r1 = cells[hit.to_numpy()].copy()
    r1["score"] = zs[hit.to_numpy()]
    enough = (n_hist >= min_history).to_numpy()[hit.to_numpy()]
    r1["value"], r1["threshold"], r1["measure"] = (
        r1["score"],
        float(z),
        f"robust z of bytes per {span_text(w)} to one host",
    )
    r1["summary"] = [
        f"{f.addr[s]} sent {human_bytes(v)} to {f.addr[dd]} in {span_text(w)}, a robust z of {sc:.1f} against "
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
    per["value"], per["threshold"] = per["bytes"], float(cold_start_bytes)
    per["measure"] = f"bytes per {span_text(w)} to {cold_start_destinations}+ hosts, no history"
    per["summary"] = [
        f"{f.addr[s]} sent {human_bytes(v)} to {h} public hosts in {span_text(w)} with no history to compare with."
        for s, v, h in zip(per["src"], per["bytes"], per["hosts"], strict=True)
    ]
    r = pd.concat([r1, per], ignore_index=True)
    if r.empty:
        return None
    r["dst_port"] = -1
    r["protocol"] = -1
    r["label"] = "Behavior:EC2/TrafficVolumeUnusual"
    r["severity"] = "Medium"
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


@register(_accepted)
def unidirectional_transfer(
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
    >>> sim = flownb.simulate("outbound_dos", seed=0, duration="30min")
    >>> hit = unidirectional_transfer(sim.flows).iloc[0]
    >>> print(hit["summary"])
    10.0.1.10 sent 36.0 MB to 109.71.40.12 over 9 min and nothing came back.
    """
    _positive(min_bytes, "min_bytes")
    w = duration_seconds(window, name="window")
    if _one_way(
        f
    ):  # no responses in the records at all: every flow would look one-way (data_quality says so)
        return None
    a = f.a
    m = _accepted(f)
    if remote_only:
        m = m & (a["src_public"] | a["dst_public"])
    if not m.any():
        return None
    src, dst, t, e, by, port_m, proto_m = _take(a, m, "src", "dst", "start", "end", "bytes", "dport", "proto")
    by = by.astype(float)
    b = t // w  # windows anchored at the Unix epoch
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
    port, proto = port_m[hit], proto_m[hit]
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
        f"{s} sent {human_bytes(v)} to {dd} over {span_text(e - st)} and nothing came back."
        for s, dd, v, st, e in zip(
            f.addr[r["src"].to_numpy()].tolist(),
            f.addr[r["dst"].to_numpy()].tolist(),
            r["bytes"].tolist(),
            r["start"].tolist(),
            r["end"].tolist(),
            strict=True,
        )
    ]
    r["value"], r["threshold"] = r["bytes"], float(min_bytes)
    r["measure"] = f"bytes one way per {span_text(w)} with at most {max_return_bytes} back"
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]
