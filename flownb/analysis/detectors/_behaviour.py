"""Behaviour over time: new remote ports, beacons and reject spikes against a history."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flownb._durations import duration_seconds
from flownb._units import human_bytes, span_text
from flownb.analysis._flows import Flows, factorize, isin, key, nunique

from ._checks import _ports, _positive, _ratio
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import _egress_requests, _enough, _in, _rejected, _requests, _take
from ._text import _proto_name
from ._windows import _episodes, _single


@register(_egress_requests)
def new_remote_port(
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
    >>> sim = flownb.simulate("unusual_port", seed=0, duration="30min")
    >>> hit = new_remote_port(sim.flows).iloc[0]
    >>> hit["src"], hit["dst"], int(hit["dst_port"])
    ('10.0.0.10', '178.62.60.21', 6667)
    """
    always_arr = _ports(always, "always")
    ignore_arr = _ports(ignore_ports, "ignore_ports")
    span = max(f.span[1] - f.span[0], 1)
    if isinstance(learning_period, (float, np.floating)) and not isinstance(learning_period, bool):
        _ratio(learning_period, "learning_period")
        learn = int(span * float(learning_period))
    else:
        learn = duration_seconds(learning_period, name="learning_period")
    a = f.a
    tcp_udp = (a["proto"] == 6) | (a["proto"] == 17)  # other protocols have no ports
    m = _egress_requests(f) & tcp_udp & ~_in(a["dport"], ignore_arr) & (a["dport"] >= 0)
    if not m.any():
        return None
    src, dst, dport, proto, t, e, conv = _take(a, m, "src", "dst", "dport", "proto", "start", "end", "conv")
    # when each source was first seen (any record it sent)
    seen = pd.Series(a["start"]).groupby(a["src"]).min()
    first_seen = seen.reindex(src).to_numpy()
    in_learning = t < first_seen + learn
    pk = key(src, dport, proto)
    learned = isin(pk, pk[in_learning])
    if fleet:
        pp = key(dport, proto)
        learned |= isin(pp, pp[in_learning])
    new = (~in_learning & ~learned) | _in(dport, always_arr)
    if not new.any():
        return None
    d = pd.DataFrame(
        {
            "k": pk[new],
            "src": src[new],
            "dst": dst[new],
            "dst_port": dport[new],
            "protocol": proto[new],
            "conv": conv[new],
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

    def summarize(rows: pd.DataFrame) -> list[str]:  # for the findings kept only
        return [
            f"{f.addr[s]} connected to {_proto_name(pr)} port {p} on "
            + (f"{f.addr[dd]}" if dd >= 0 else f"{h} public hosts")
            + (
                " (always reported)."
                if p in always_arr
                else f", a port it had not used in {span_text(learn)} before."
            )
            for s, pr, p, dd, h in zip(
                rows["src"], rows["protocol"], rows["dst_port"], rows["dst"], rows["hosts"], strict=True
            )
        ]

    r["value"], r["threshold"], r["measure"] = (
        r["conns"].astype(float),
        1.0,
        "connections on a port new to the source",
    )
    cols = [c for c in (*_RAW_COLUMNS, *_WHY_COLUMNS) if c != "summary"]
    out = r[[*cols, "hosts"]].reset_index(drop=True)
    out.attrs["summarize"] = summarize
    return out


@register(_requests)
def beaconing(
    f: Flows,
    *,
    min_connections: int = 8,
    min_score: float = 0.8,
    min_regular: float = 0.75,
    remote_only: bool = True,
    jitter: float = 0.3,
    min_interval: str | None = None,
):
    """Connections repeated at regular intervals with similar sizes: command-and-control beacons.

    For each (source, destination, port, protocol), each connection's start
    (the first record of a new 5-tuple) is a beat. Implants randomise their
    sleep, so regularity is measured with a tolerance instead of a spread:
    the *interval share* is the share of intervals between beats within
    ``2 * jitter`` of their median (a beat moved by up to ``jitter`` of the
    period moves the interval on each side of it), and the *size share* the
    share of connections whose bytes sent are within ``jitter`` of their
    median (or 32 bytes, RITA's size tolerance, whichever is more). The
    score is their mean (0 to 1). A median and shares of a band are robust:
    one missed or doubled beat moves the score by one interval, where a
    dispersion measure (RITA's median absolute deviation) of 11 intervals
    with 30 % jitter ranges from 0.07 to 0.36 of the period by chance alone.
    Random arrivals (a Poisson process) put about 43 % of their intervals in
    the band (``exp(-0.4 ln 2) - exp(-1.6 ln 2)`` for exponential intervals),
    so the interval share must also reach ``min_regular`` on its own:
    connections of one size at random times (health probes, retries) are not
    beacons.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    min_connections : int, default 8
        Connections needed to judge regularity. flownb's own choice: 4 let
        periodic polling of the twin's baseline through; with 8, 25 baseline
        runs (1 hour, 6 hours and 1 day) stay quiet.
    min_score : float, default 0.8
        Score cut-off. flownb's own choice, from the twin: beacons with 30 %
        jitter over an hour score 0.91 to 1.0 (10 seeds), the baseline's
        groups of 8 connections or more at most 0.68.
    min_regular : float, default 0.75
        Interval share needed on its own. flownb's own choice: the beacons
        above have at least 0.82, random arrivals about 0.43.
    remote_only : bool, default True
        Only beacons to public hosts. flownb's own choice.
    jitter : float, default 0.3
        How far, relative to the period, a beacon's sleep may vary: 30 %.
        Implants randomise their sleep: Cobalt Strike's beacon configuration
        carries a ``Jitter`` percentage of random sleep variation (30 to 90
        in configurations extracted from samples and published). flownb's
        own choice; raise it for noisier implants.
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
    >>> sim = flownb.simulate("beaconing", seed=0, duration="1h")
    >>> hit = beaconing(sim.flows).iloc[0]
    >>> hit["src"], hit["dst"], int(hit["dst_port"]), bool(hit["value"] >= hit["threshold"])
    ('10.0.11.10', '193.42.33.14', 443, True)
    """
    _positive(min_connections, "min_connections")
    _ratio(min_score, "min_score")
    _ratio(min_regular, "min_regular")
    _positive(jitter, "jitter")
    gap = 2 * f.agg if min_interval is None else duration_seconds(min_interval, name="min_interval")
    a = f.a
    m = _requests(f)
    if remote_only:
        m = m & a["dst_public"]
    if not m.any():
        return None
    conv, g_src, g_dst, g_dport, g_proto = _take(a, m, "conv", "src", "dst", "dport", "proto")
    # connections (conversations) with at least min_connections per group: a cheap count first
    gk_rec = key(g_src, g_dst, g_dport, g_proto)
    gcode, ng = factorize(gk_rec)
    conns_per_group = nunique(gcode, conv, ng)
    keep = conns_per_group[gcode] >= min_connections
    if not keep.any():
        return None
    sel = np.flatnonzero(m)[keep]
    d = pd.DataFrame({"conv": a["conv"][sel], "g": gcode[keep], "t": a["start"][sel], "e": a["end"][sel]})
    d["bytes"] = a["bytes"][sel].astype(float)
    conns = d.groupby("conv", sort=False).agg(
        g=("g", "first"), t=("t", "min"), e=("e", "max"), bytes=("bytes", "sum")
    )
    conns = conns.sort_values(["g", "t"], kind="stable")
    g = conns["g"].to_numpy()
    t = conns["t"].to_numpy(dtype=float)
    size = conns["bytes"].to_numpy()
    first = np.ones(len(g), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    dt = np.diff(t, prepend=np.nan)
    dt[first] = np.nan
    by = pd.DataFrame({"g": g, "dt": dt, "size": size}).groupby("g", sort=True)
    med = by[["dt", "size"]].median()
    med_dt = med["dt"].to_numpy()[np.searchsorted(med.index.to_numpy(), g)]
    med_b = med["size"].to_numpy()[np.searchsorted(med.index.to_numpy(), g)]
    with np.errstate(invalid="ignore"):
        regular = np.where(first, np.nan, (np.abs(dt - med_dt) <= 2 * jitter * med_dt).astype(float))
    similar = (np.abs(size - med_b) <= np.maximum(jitter * med_b, 32.0)).astype(float)
    shares = pd.DataFrame({"g": g, "regular": regular, "similar": similar}).groupby("g", sort=True).mean()
    ts_share = shares["regular"].to_numpy()
    score = (ts_share + shares["similar"].to_numpy()) / 2
    r = conns.groupby("g", sort=True).agg(start=("t", "min"), end=("e", "max"), n=("t", "size"))
    # the group's fields from one of its records
    one = pd.Series(np.arange(len(gcode))).groupby(gcode).first().reindex(r.index).to_numpy()
    rows = np.flatnonzero(m)[one]
    r["src"], r["dst"], r["dst_port"], r["protocol"] = (
        a["src"][rows],
        a["dst"][rows],
        a["dport"][rows],
        a["proto"][rows],
    )
    r["score"] = score
    r["ts_share"] = ts_share
    r["interval"] = med["dt"].to_numpy()
    r["size"] = med["size"].to_numpy()
    r = r[(r["score"] >= min_score) & (r["ts_share"] >= min_regular) & (r["interval"] > gap)]
    if r.empty:
        return None
    r["label"] = None
    r["severity"] = "Medium"
    r["summary"] = [
        f"{f.addr[s]} connected to {f.addr[dd]} {_proto_name(pr)} port {p} {n} times, every {span_text(round(i / 60) * 60 if i >= 60 else i)} "
        f"with about {human_bytes(b)} each; {sh:.0%} of the intervals within {2 * jitter:.0%} of it (beacon score {sc:.2f})."
        for s, dd, pr, p, n, i, b, sh, sc in zip(
            r["src"],
            r["dst"],
            r["protocol"],
            r["dst_port"],
            r["n"],
            r["interval"],
            r["size"],
            r["ts_share"],
            r["score"],
            strict=True,
        )
    ]
    r["value"], r["threshold"], r["measure"] = (
        r["score"],
        float(min_score),
        "beacon score: regular intervals and sizes (0 to 1)",
    )
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


@register(_rejected, oriented=True)
def reject_spike(
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
    >>> sim = flownb.simulate("port_scan", seed=0, duration="30min")
    >>> hit = reject_spike(sim.flows).iloc[0]
    >>> print(hit["summary"])
    498 records of connections from 185.220.101.45 to 10.0.0.10 were rejected within an hour.
    """
    w = duration_seconds(window, name="window")
    _positive(sigma, "sigma")
    _positive(pair_per_hour, "pair_per_hour")
    a = f.a
    # a client can fire only with min_rejects (rule 1) or pair_per_hour (rule 2) rejected records
    m = _enough(_rejected(f), min(min_rejects, pair_per_hour), a["cli"])
    if not m.any():
        return None
    t0 = 0  # windows anchored at the Unix epoch
    # by conversation side: a rejected answer counts against the client whose connection it was
    src, dst, t, e = _take(a, m, "cli", "srv", "start", "end")
    out = []
    # rule 1: per source, per window, against its history
    b = (t - t0) // w
    cells = (
        pd.DataFrame({"src": src, "b": b}).value_counts().rename("n").reset_index().sort_values(["src", "b"])
    )
    mine = isin(a["cli"], src)  # the records of the clients left (any action): when each was first seen
    first_seen = pd.Series((a["start"][mine] - t0) // w).groupby(a["cli"][mine]).min()
    cells["first"] = first_seen.reindex(cells["src"]).to_numpy()
    g = cells.groupby("src", sort=False)
    n = cells["n"].to_numpy(dtype=float)
    s_prior = g["n"].cumsum().to_numpy() - n
    ss_prior = (cells["n"] ** 2).groupby(cells["src"], sort=False).cumsum().to_numpy() - n**2
    k = (cells["b"] - cells["first"]).to_numpy(dtype=float)  # earlier windows since first seen
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s_prior / k
        sd = np.sqrt(np.clip(ss_prior / k - mean**2, 0, None))
    limit = np.maximum(mean + sigma * sd, float(min_rejects))
    fire = (k >= min_history) & (n >= min_rejects) & (n > mean + sigma * sd)
    cells["limit"] = limit
    hit = cells[fire].copy()
    if len(hit):
        hit["ep"] = _episodes(hit["src"].to_numpy(), hit["b"].to_numpy(), 1)
        hit["lo"] = hit["b"] * w + t0
        hit["hi"] = hit["b"] * w + t0 + w - 1
        r1 = hit.groupby("ep").agg(
            src=("src", "first"),
            lo=("lo", "min"),
            hi=("hi", "max"),
            score=("n", "max"),
            limit=("limit", "min"),
        )
        r1["value"], r1["threshold"] = r1["score"].astype(float), r1["limit"]
        r1["measure"] = f"rejected records per {span_text(w)} (mean + {sigma:g} sigma of its history)"
        span = pd.DataFrame({"src": src, "t": t, "e": e}).merge(r1.reset_index(), on="src")
        span = span[(span["t"] >= span["lo"]) & (span["t"] <= span["hi"])].groupby("ep")
        r1["start"] = span["t"].min()
        r1["end"] = span["e"].max()
        r1["dst"] = -1
        r1["summary"] = [
            f"Connections of {f.addr[s]} had up to {int(sc)} rejected records per {span_text(w)}, above the mean + "
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
        r2["value"], r2["threshold"] = r2["score"].astype(float), float(pair_per_hour)
        r2["measure"] = "rejected records per hour between the pair"
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
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]
