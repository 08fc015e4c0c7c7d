"""Pandas/numpy aggregations behind the charts: big frame in, at most a few thousand rows out.

These are pure functions (no altair), vectorised with ``np.bincount`` over integer
codes, so a 1M-record frame aggregates in tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .._cache import ColumnCache
from .._cache import epoch_seconds as seconds
from ..analysis._frame import cached_counter, cached_data_rows, cached_group_codes, code_sums
from ..analysis._traffic import _MASKED_SHARE, _largest
from ._common import (
    MAX_ROWS,
    check_metric,
    freq_seconds,
    need,
    pick_freq,
    time_label,
    utc,
)

NAT = np.iinfo(np.int64).min
METRICS = ("flows", "packets", "bytes")


def _grid(
    st: np.ndarray, freq: str | int | None, max_bins: int, en: np.ndarray | None = None
) -> tuple[int, int, int]:
    """(first bin start, bin width, number of bins) covering the known epoch seconds ``st`` (to ``en``).

    Missing times (NaT, the smallest int64) never win a maximum, and the minimum is looked for
    among the known ones only when one is missing: no copy of the known times.
    """
    lo, hi = int(st.min()), int(st.max())
    if lo == NAT:
        lo = int(st[st != NAT].min())
    if en is not None and len(en):
        hi = max(hi, int(en.max()) - 1)
    w = pick_freq(hi - lo + 1, max_bins) if freq is None else freq_seconds(freq)
    t0 = lo - lo % w
    nb = int((hi - t0) // w) + 1
    return t0, w, nb


def _series_totals(df: ColumnCache, by: str, metric: str) -> np.ndarray:
    """The metric summed per value of ``by`` over the view's traffic records (the records without a
    value last), from the full frame's arrays in one pass: no copy of the view's columns.

    The same sums as ``np.bincount`` over the view's weights: the records added in the same order
    (the zero weights of the records left out add nothing)."""
    full = ColumnCache(df.df, None, df._base)
    raw, values = cached_group_codes(full, [by])
    rows = cached_data_rows(full)
    if df.rows is not None:
        rows = rows & df.rows
    w = None if metric == "flows" else cached_counter(full, metric)
    counts, sums = code_sums(raw, rows, len(values), w)
    tot = counts.astype(np.float64) if sums is None else sums
    # the records without a value (few, found once per frame), summed as bincount sums them
    missing = full.table(("no value", by), lambda _f: np.flatnonzero(raw < 0))
    missing = missing[rows[missing]]
    ones = np.zeros(len(missing), dtype=np.int64)
    none = np.bincount(ones, weights=None if w is None else w[missing], minlength=1)[0]
    return np.append(tot, float(none))


def _series(
    df: ColumnCache, by: str | None, max_series: int, weights: Callable[[], np.ndarray], metric: str
) -> tuple[Callable[[], np.ndarray], list[str], bool]:
    """Group codes for ``by``: the ``max_series`` largest values by ``metric`` (``weights()``: the view's
    per-record weights, asked for only when needed), the rest 'other'.

    The codes are timeseries()'s own (:func:`~flownb.analysis._frame.cached_group_codes`), so the
    view's arrays are taken once for the chart and its analysis. Returns the series names and a
    function giving each row's series (made only when asked: a chart whose series are all values
    of ``by`` hands ``by`` to timeseries() itself and never needs them), and whether any record
    weighs something.
    """
    n = len(df)
    if by is None:
        return (lambda: np.zeros(n, dtype=np.int64)), ["all"], bool(weights().any())
    need(df, [by], "the chart's 'by'")
    values = cached_group_codes(ColumnCache(df.df, None, df._base), [by])[1]  # (the frame's, as the view's)
    k = len(values)
    if df.rows is None or len(df) >= _MASKED_SHARE * len(df.df):
        tot = _series_totals(df, by, metric)  # (the records without a value last)
    else:  # a small view: its own few records
        c = cached_group_codes(df, [by])[0]
        tot = np.bincount(c + 1, weights=weights(), minlength=k + 1)  # missing (-1) first, then moved last
        tot = np.append(tot[1:], tot[0])
    # the largest values, equal totals in ascending order of the value (top()'s rule: never file order),
    # then the records without a value after the values they tie with
    seq = np.append(_largest(tot[:k], min(max_series, k), values), k)
    seq = seq[np.argsort(-tot[seq], kind="stable")]
    keep = [int(i) for i in seq if tot[i] > 0][:max_series] or [0]
    label = {i: ("(none)" if i == k else str(values[by].iloc[i])) for i in keep}
    if by == "action":  # keep ACCEPT before REJECT: the colours are fixed anyway
        keep = sorted(keep, key=lambda i: label[i])
    remap = np.full(k + 1, len(keep), dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    names = [label[i] for i in keep]
    rest = np.ones(k + 1, dtype=bool)
    rest[keep] = False
    other = tot[rest].sum() > 0
    if other:
        names.append("other")
    else:
        remap = np.minimum(
            remap, max(len(keep) - 1, 0)
        )  # rows outside 'keep' weigh nothing: park them anywhere

    def series_of() -> np.ndarray:
        c = cached_group_codes(df, [by])[0]
        return remap[np.where(c < 0, k, c)]

    return series_of, names, bool(tot.any())


def timeline_data(
    df: pd.DataFrame,
    metric: str = "bytes",
    by: str | None = "action",
    freq: str | int | None = None,
    max_series: int = 8,
) -> pd.DataFrame:
    """Traffic per time bin (spread over each record's window), one row per bin and series.

    Columns: ``time`` (bin start, UTC), ``series``, ``value``, ``time_utc`` (tooltip text).

    Examples
    --------
    >>> import flownb
    >>> from flownb.charts._aggregate import timeline_data
    >>> d = timeline_data(flownb.samples.load("aws-docs/default-accept-reject"), metric="flows", freq="1h")
    >>> d[["series", "value"]].values.tolist()
    [['ACCEPT', 1.0], ['REJECT', 1.0]]
    """
    check_metric(metric, METRICS)
    df = ColumnCache.of(df)
    need(df, ["start"], "traffic_timeline()")
    st = df.seconds("start")
    if len(st) and st.min() == NAT:  # (NaT is the smallest int64)
        df = df.subset(_full_mask(df, st != NAT))
        st = df.seconds("start")
    en = df.seconds("end") if "end" in df.columns else st
    if len(en) and en.min() == NAT:
        en = np.where(en == NAT, st, en)
    # the records timeseries() counts (NODATA/SKIPDATA describe logging, not traffic), weighted by the
    # metric, from its own cached arrays: zero weights rather than a copy of every column without them
    kept: list[np.ndarray] = []

    def weights() -> np.ndarray:
        if not kept:
            rows = cached_data_rows(df)
            kept.append(
                rows.astype(np.float64)
                if metric == "flows"
                else np.where(rows, cached_counter(df, metric), 0.0)
            )
        return kept[0]

    empty = pd.DataFrame(
        {"time": utc(np.array([], dtype=np.int64)), "series": [], "value": [], "time_utc": []}
    )
    if len(st) == 0 or ((by is None or by not in df.columns) and not weights().any()):
        return empty
    series_of, names, traffic = _series(df, by, max_series, weights, metric)
    if not traffic:
        return empty
    t0, w, nb = _grid(st, freq, min(300, MAX_ROWS // len(names)), en)
    if len(names) * nb > MAX_ROWS:
        raise ValueError(
            f"'freq' {freq!r} makes {nb} bins x {len(names)} series, more than the {MAX_ROWS} rows a chart "
            "takes: choose a wider bin or fewer series"
        )
    # the numbers are flownb.timeseries()'s, over the same records, with the series as its 'by'
    from ..analysis._traffic import timeseries

    if by is None or not {"other", "(none)"} & set(names):
        # every series is a value of 'by': timeseries on the cached columns of the view itself
        ts = timeseries(df, freq=w, metric=metric, by=by)
        where = {name: i for i, name in enumerate(names)}
        gi = np.zeros(len(ts), dtype=np.int64) if by is None else _positions(ts[by], where)
    else:  # 'other' and '(none)' gather several values: a series column of codes, on a frame of the view
        frame = df.frame(
            ["start", "end", "log_status", "srcaddr", "dstaddr", *([] if metric == "flows" else [metric])]
        )
        frame["_series"] = pd.Categorical.from_codes(series_of(), categories=pd.Index(range(len(names))))
        ts = timeseries(frame, freq=w, metric=metric, by="_series")
        gi = np.asarray(ts["_series"].astype(np.int64))
    cells = np.zeros((len(names), nb))
    if len(ts):
        b = (seconds(ts["time"]) - t0) // w
        inside = (b >= 0) & (b < nb) & (gi >= 0)
        np.add.at(cells, (gi[inside], b[inside]), ts[metric].to_numpy(dtype=np.float64)[inside])
    times = utc(t0 + w * np.arange(nb))
    out = pd.DataFrame(
        {
            "time": np.tile(times, len(names)),
            "series": np.repeat(np.array(names, dtype=object), nb),
            "value": cells.ravel(),
            "time_utc": np.tile(time_label(times), len(names)),
        }
    )
    out.attrs["freq_seconds"] = w
    return out


def top_data(df: pd.DataFrame, by: str = "srcaddr", metric: str = "bytes", n: int = 10) -> pd.DataFrame:
    """The ``n`` largest values of ``by`` by ``metric``, split by action.

    Columns: ``key``, ``action``, ``value``, ``total``, ``rank`` (0 = largest).

    Examples
    --------
    >>> import flownb
    >>> from flownb.charts._aggregate import top_data
    >>> top_data(flownb.samples.load("aws-docs/default-accept-reject"), n=1)[["key", "action"]].values.tolist()
    [['172.31.16.139', 'ACCEPT']]
    """
    check_metric(metric, METRICS)
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"'n' must be a whole number >= 1, got {n!r}")
    df = ColumnCache.of(df)
    need(df, [by], "top_talkers()")
    # the numbers and the ranking are flownb.top()'s (ties by key value, ascending)
    from ..analysis._traffic import top

    if not len(df):
        return pd.DataFrame(columns=["key", "action", "value", "total", "rank"])
    ranked = top(df, by=by, metric=metric, n=n)  # on the cached columns of the view itself
    ranked = ranked[ranked[metric].to_numpy(dtype=np.float64) > 0]
    keys = [str(k) for k in ranked[by]]
    if "action" in df.columns:
        # split by action: top() again, on the records of the keys shown only
        split = top(_rows_of(df, by, ranked[by]), by=[by, "action"], metric=metric, n=None)
        split_keys = split[by].astype(str).to_numpy()
        split_act = split["action"].astype(str).to_numpy()
        split_val = split[metric].to_numpy(dtype=np.float64)
    else:
        split_keys, split_act, split_val = np.array(keys, dtype=object), np.full(len(keys), "all"), None
    total = dict(zip(keys, ranked[metric].to_numpy(dtype=np.float64), strict=True))
    rank = {k: i for i, k in enumerate(keys)}
    rows = []
    values = split_val if split_val is not None else [total[k] for k in keys]
    for k, act, v in zip(split_keys, split_act, values, strict=True):
        if k in rank and v > 0:
            rows.append((k, act, float(v), total[k], rank[k]))
    rows.sort(key=lambda r: (r[4], r[1]))
    return pd.DataFrame(rows, columns=["key", "action", "value", "total", "rank"])


def heatmap_data(
    df: pd.DataFrame, port: str = "dstport", metric: str = "flows", n: int = 20, freq: str | int | None = None
) -> pd.DataFrame:
    """Records (or bytes/packets) per port and time bin, for the ``n`` busiest ports.

    The numbers are :func:`flownb.top`'s (which ports, in which order) and
    :func:`flownb.timeseries`'s (per port and bin, each record spread over its window).
    Columns: ``time``, ``port`` (text), ``rank``, ``value``, ``time_utc``.

    Examples
    --------
    >>> import flownb
    >>> from flownb.charts._aggregate import heatmap_data
    >>> heatmap_data(flownb.samples.load("aws-docs/default-accept-reject"), freq="1h")[["port", "value"]].values.tolist()
    [['22', 1.0], ['3389', 1.0]]
    """
    check_metric(metric, METRICS)
    df = ColumnCache.of(df)
    need(df, [port, "start", "end"], "port_heatmap()")
    from ..analysis._traffic import timeseries, top

    empty = pd.DataFrame(
        {"time": utc(np.array([], dtype=np.int64)), "port": [], "rank": [], "value": [], "time_utc": []}
    )
    st = df.seconds("start")
    if len(st) == 0 or st.max() == NAT:  # no known start (NaT is the smallest int64)
        return empty
    ranked = top(df, by=port, metric=metric, n=n, counters=False)  # which ports, in which order
    ranked = ranked[ranked[metric].to_numpy(dtype=np.float64) > 0]
    if ranked.empty:
        return empty
    _t0, w, nb = _grid(st, freq, max(10, min(300, MAX_ROWS // len(ranked))), df.seconds("end"))
    if len(ranked) * nb > MAX_ROWS:
        raise ValueError(f"'freq' {freq!r} makes {nb} bins x {len(ranked)} ports, more than {MAX_ROWS} cells")
    ts = timeseries(_rows_of(df, port, ranked[port]), freq=w, metric=metric, by=port)
    # each row's rank: its port found among top()'s ports (both are values of the same column, from
    # the same table of values), then written as text once per port shown
    gi = np.asarray(pd.Index(ranked[port].array).get_indexer(pd.Index(ts[port].array)), dtype=np.int64)
    text = np.asarray(ranked[port].astype(str), dtype=object)
    values = ts[metric].to_numpy(dtype=np.float64)
    keep = (gi >= 0) & (values > 0)
    ts_s = seconds(ts["time"])[keep]
    times = utc(ts_s)
    out = pd.DataFrame(
        {
            "time": times,
            "port": text[gi[keep]],
            "rank": gi[keep],
            "value": values[keep],
            "time_utc": time_label(times),
        }
    )
    out.attrs["freq_seconds"] = w
    return out


def accept_reject_data(df: pd.DataFrame, freq: str | int | None = None) -> pd.DataFrame:
    """Records accepted and rejected per time bin, with the share of each.

    The numbers are :func:`flownb.timeseries`'s (``metric="flows"``, ``by="action"``: the
    records active in each bin). Columns: ``time``, ``action``, ``flows``, ``share``, ``time_utc``.

    Examples
    --------
    >>> import flownb
    >>> from flownb.charts._aggregate import accept_reject_data
    >>> accept_reject_data(flownb.samples.load("aws-docs/default-accept-reject"), freq="1h")[["action", "share"]].values.tolist()
    [['ACCEPT', 0.5], ['REJECT', 0.5]]
    """
    df = ColumnCache.of(df)
    need(df, ["start", "end", "action"], "accept_reject()")
    from ..analysis._traffic import timeseries

    empty = pd.DataFrame(
        {"time": utc(np.array([], dtype=np.int64)), "action": [], "flows": [], "share": [], "time_utc": []}
    )
    st = df.seconds("start")
    if len(st) == 0 or st.max() == NAT:  # no known start (NaT is the smallest int64)
        return empty
    _codes, acts = df.codes("action")
    _t0, w, _nb = _grid(st, freq, min(300, MAX_ROWS // max(len(acts), 1)), df.seconds("end"))
    ts = timeseries(df, freq=w, metric="flows", by="action")
    if ts.empty:
        return empty
    counts = ts["flows"].to_numpy(dtype=np.float64)
    tot = pd.Series(counts).groupby(seconds(ts["time"])).transform("sum").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, counts / np.where(tot > 0, tot, 1), 0.0)
    out = pd.DataFrame(
        {
            "time": utc(seconds(ts["time"])),
            "action": ts["action"].astype(str).to_numpy(dtype=object),
            "flows": counts,
            "share": share,
        }
    )
    out = out[tot > 0].sort_values(["action", "time"], kind="stable").reset_index(drop=True)
    out["time_utc"] = time_label(out["time"])
    out.attrs["freq_seconds"] = w
    return out


# ------------------------------------------------------------------------- graph
def _layout(
    nn: int, ei: np.ndarray, ej: np.ndarray, weight: np.ndarray, seed: int = 0, iters: int = 150
) -> np.ndarray:
    """Fruchterman-Reingold force layout (numpy, seeded): positions in [0, 1]^2."""
    rng = np.random.default_rng(seed)
    angle = np.linspace(0, 2 * np.pi, nn, endpoint=False)
    pos = np.c_[np.cos(angle), np.sin(angle)] + rng.normal(0, 0.05, (nn, 2))
    if nn <= 2:
        pos = np.array([[0.0, 0.5], [1.0, 0.5]])[:nn]
        return (pos + 0.0) * 0.8 + 0.1
    k = np.sqrt(1.0 / nn)
    wnorm = 0.5 + weight / weight.max() if len(weight) else weight
    pos *= 0.5
    t = 0.1
    for _ in range(iters):
        d = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((d**2).sum(-1)) + 1e-9
        disp = ((k * k / dist**2)[:, :, None] * d).sum(1)
        de = pos[ei] - pos[ej]
        dl = np.sqrt((de**2).sum(-1)) + 1e-9
        f = (dl / k * wnorm)[:, None] * de
        np.add.at(disp, ei, -f)
        np.add.at(disp, ej, f)
        disp -= 2.0 * pos / k  # gravity keeps separate groups of hosts on the same canvas
        ln = np.sqrt((disp**2).sum(-1)) + 1e-9
        pos += disp / ln[:, None] * np.minimum(ln, t)[:, None]
        t *= 0.98
    pos -= pos.min(0)
    span = pos.max(0)
    span[span == 0] = 1
    return pos / span * 0.9 + 0.05


#: What ``conversations`` reads (the conversation graph hands it only these columns of a filtered view).
_CONVERSATION_COLUMNS = [
    "interface_id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log_status",
    "tcp_flags",
]


def graph_data(df: pd.DataFrame, n: int = 25, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` largest host pairs (either direction) by bytes, laid out as a graph.

    The bytes, packets and records of an edge are those :func:`flownb.conversations`
    gives the conversations between the two hosts (each connection counted once,
    though both ENIs of a pair inside the VPC log it).

    Returns ``(nodes, edges)``: nodes ``host, x, y, bytes, peers``; edges ``a, b, x, y, x2, y2,
    bytes, packets, flows, rejected, action`` (ACCEPT, REJECT or MIXED by records).
    """
    df = ColumnCache.of(df)
    need(df, ["srcaddr", "dstaddr"], "conversation_graph()")
    # the numbers are flownb.conversations()'s: each connection once, one ENI's copy per direction
    from ..analysis._traffic import _host_pair_tallies

    t = _host_pair_tallies(df.frame(_CONVERSATION_COLUMNS))
    if t is None:
        hosts = pd.Index([], dtype=object)
        eb = ep = ef = er = np.zeros(0)
        uk = np.zeros(0, dtype=np.int64)
    else:
        hosts, uk = t["hosts"], t["pairs"]
        eb, ep, ef, er = t["bytes"], t["packets"], t["records"], t["rejects"]
    # ties by the pair's addresses, ascending (hosts are coded by value): never by file order
    order = np.lexsort((uk, -ef, -eb))[:n]
    ea, eb_ = uk[order] // len(hosts), uk[order] % len(hosts)
    nodes_idx, local = np.unique(np.r_[ea, eb_], return_inverse=True)
    li, lj = local[: len(order)], local[len(order) :]
    pos = _layout(len(nodes_idx), li, lj, eb[order], seed=seed) if len(nodes_idx) else np.zeros((0, 2))
    nb_ = np.bincount(np.r_[li, lj], weights=np.r_[eb[order], eb[order]], minlength=len(nodes_idx))
    peers = np.bincount(np.r_[li, lj], minlength=len(nodes_idx))
    nodes = pd.DataFrame(
        {"host": hosts[nodes_idx].astype(str), "x": pos[:, 0], "y": pos[:, 1], "bytes": nb_, "peers": peers}
    )
    rejected = er[order]
    action = np.where(rejected == 0, "ACCEPT", np.where(rejected == ef[order], "REJECT", "MIXED"))
    edges = pd.DataFrame(
        {
            "a": hosts[ea].astype(str),
            "b": hosts[eb_].astype(str),
            "x": pos[li, 0] if len(li) else [],
            "y": pos[li, 1] if len(li) else [],
            "x2": pos[lj, 0] if len(lj) else [],
            "y2": pos[lj, 1] if len(lj) else [],
            "bytes": eb[order],
            "packets": ep[order],
            "flows": ef[order],
            "rejected": rejected,
            "action": action,
        }
    )
    return nodes, edges


# ------------------------------------------------------------------------- paths
def paths_data(
    df: pd.DataFrame, n: int = 8, metric: str = "bytes", steps: int = 10
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Source network -> destination network -> destination port, as sankey nodes and ribbons.

    Private addresses group by /24 (IPv6 /64), public ones as ``internet``; each column
    keeps its ``n`` largest values (the rest is ``other``). Returns ``(nodes, ribbons)``:
    nodes ``stage, label, x, y0, y1, value``; ribbons ``link, source, target, x, y0, y1,
    value, rejected_share, action`` with ``steps`` points per link (a smooth curve).
    """
    check_metric(metric, METRICS)
    df = ColumnCache.of(df)
    need(df, ["srcaddr", "dstaddr", "dstport"], "flow_paths()")
    # the numbers are flownb.analysis.network_paths()'s, each column capped to its n largest values
    from ..analysis._paths import network_paths

    paths = network_paths(df, metric=metric, n=n)
    frame = pd.DataFrame(
        {
            "s0": paths["src_network"].to_numpy(dtype=object),
            "s1": paths["dst_network"].to_numpy(dtype=object),
            "s2": paths["service"].to_numpy(dtype=object),
            "v": paths[metric].to_numpy(dtype=np.float64),
            "r": paths[f"rejected_{metric}"].to_numpy(dtype=np.float64),
        }
    )
    frame = frame[frame["v"] > 0]
    nodes, ribbons = [], []
    if frame.empty:
        return (
            pd.DataFrame(columns=["stage", "label", "x", "y0", "y1", "value"]),
            pd.DataFrame(
                columns=["link", "source", "target", "x", "y0", "y1", "value", "rejected_share", "action"]
            ),
        )
    total = frame["v"].sum()
    gap = 0.02
    place: list[dict[str, tuple[float, float]]] = []
    stage_names = ["source network", "destination network", "destination port"]
    for i in range(3):
        tot = frame.groupby(f"s{i}")["v"].sum().sort_values(ascending=False)
        if "other" in tot.index:  # 'other' last
            tot = pd.concat([tot.drop("other"), tot[["other"]]])
        usable = 1 - gap * (len(tot) - 1)
        y, spots = 0.0, {}
        for label, val in tot.items():
            h = val / total * usable
            spots[label] = (y, y + h)
            nodes.append((stage_names[i], str(label), float(i), y, y + h, val))
            y += h + gap
        place.append(spots)
    t = np.linspace(0, 1, steps)
    ease = t * t * (3 - 2 * t)
    link = 0
    for i in range(2):
        agg = frame.groupby([f"s{i}", f"s{i + 1}"], sort=False)[["v", "r"]].sum().reset_index()
        here, there = place[i], place[i + 1]
        agg["o0"] = agg[f"s{i}"].map(lambda x, here=here: here[x][0])
        agg["o1"] = agg[f"s{i + 1}"].map(lambda x, there=there: there[x][0])
        out_off = {k: place[i][k][0] for k in place[i]}
        in_off = {k: place[i + 1][k][0] for k in place[i + 1]}
        usable = [1 - gap * (len(place[j]) - 1) for j in (i, i + 1)]
        for row in agg.sort_values(["o0", "o1"]).itertuples(index=False):
            a, b_, val, r = row[0], row[1], row[2], row[3]
            h0, h1 = val / total * usable[0], val / total * usable[1]
            y0a = out_off[a]
            out_off[a] += h0
            y0b = in_off[b_]
            in_off[b_] += h1
            lo = y0a + (y0b - y0a) * ease
            hi = (y0a + h0) + ((y0b + h1) - (y0a + h0)) * ease
            share = r / val if val else 0.0
            ribbons.append(
                pd.DataFrame(
                    {
                        "link": link,
                        "source": str(a),
                        "target": str(b_),
                        "x": i + 0.03 + t * 0.94,
                        "y0": lo,
                        "y1": hi,
                        "value": val,
                        "rejected_share": share,
                        "action": "REJECT" if share > 0.5 else ("MIXED" if share > 0 else "ACCEPT"),
                    }
                )
            )
            link += 1
    return pd.DataFrame(nodes, columns=["stage", "label", "x", "y0", "y1", "value"]), pd.concat(
        ribbons, ignore_index=True
    )


def _positions(col: pd.Series, where: dict[str, int]) -> np.ndarray:
    """Each row's ``where[str(value)]`` (-1 when absent), looked up once per category of a categorical."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        table = np.array([where.get(str(c), -1) for c in col.cat.categories] + [-1], dtype=np.int64)
        return table[np.asarray(col.cat.codes, dtype=np.int64)]  # (code -1, a missing value: the last entry)
    return np.array([where.get(str(x), -1) for x in col], dtype=np.int64)


def _rows_of(df: ColumnCache, col: str, keys: pd.Series) -> ColumnCache:
    """The view's records whose ``col`` is one of ``keys`` (values of the column, as top() gives them)."""
    if col not in df.columns:
        return df
    c, values = df.codes(col)  # the view's codes (the values are the frame's)
    if isinstance(keys.dtype, pd.CategoricalDtype) and keys.cat.categories.equals(values):
        pos = np.asarray(keys.cat.codes, dtype=np.int64)
    else:
        pos = np.asarray(pd.Index(values).get_indexer(pd.Index(keys.array)), dtype=np.int64)
    want = np.zeros(len(values) + 1, dtype=bool)
    want[pos[pos >= 0]] = True  # want[-1] (a missing value) stays False
    return df.narrowed(want[c])


def _full_mask(df: ColumnCache, sub: np.ndarray) -> np.ndarray:
    """A mask over the full frame from a mask over ``df``'s rows."""
    if df.rows is None:
        return sub
    full = df.rows.copy()
    full[np.nonzero(df.rows)[0][~sub]] = False
    return full


def coverage_data(cov: pd.DataFrame, max_enis: int = 40) -> pd.DataFrame:
    """Thin a ``flownb.coverage()`` frame to at most ``MAX_ROWS`` cells: worst status wins when merging windows."""
    need(cov, ["interface_id", "window", "status"], "coverage chart")
    enis = cov["interface_id"].astype(str)
    bad = cov["status"].astype(str).isin(["GAP", "SKIPDATA", "NODATA"])
    ranked = bad.groupby(enis).sum().sort_values(ascending=False, kind="stable")
    keep = list(ranked.index[:max_enis])
    cov = cov[enis.isin(keep).to_numpy()]
    nwin = cov["window"].nunique()
    step = max(1, int(np.ceil(len(keep) * nwin / MAX_ROWS)))
    rank = {"OK": 0, "NODATA": 1, "SKIPDATA": 2, "GAP": 3}
    st = seconds(cov["window"])
    w0 = st.min() if len(st) else 0
    wins = np.sort(np.unique(st))
    width = int(np.median(np.diff(wins))) if len(wins) > 1 else 600
    bucket = (st - w0) // (width * step)
    frame = pd.DataFrame(
        {
            "interface_id": cov["interface_id"].astype(str).to_numpy(),
            "bucket": bucket,
            "r": cov["status"].astype(str).map(rank).fillna(3).to_numpy(),
            "records": cov["records"].to_numpy(dtype="float64", na_value=0) if "records" in cov else 0.0,
        }
    )
    g = (
        frame.groupby(["interface_id", "bucket"], sort=True)
        .agg(r=("r", "max"), records=("records", "sum"))
        .reset_index()
    )
    names = {v: k for k, v in rank.items()}
    start = utc(w0 + g["bucket"].to_numpy() * width * step)
    return pd.DataFrame(
        {
            "interface_id": g["interface_id"],
            "window": start,
            "window_end": utc(w0 + (g["bucket"].to_numpy() + 1) * width * step),
            "status": g["r"].map(names),
            "records": g["records"],
            "time_utc": time_label(start),
        }
    )


def coverage_records(df: pd.DataFrame | ColumnCache, freq: str | int = "10min") -> pd.DataFrame:
    """Per ENI and window: OK, NODATA, SKIPDATA or GAP, as :func:`flownb.coverage` computes them.

    The coverage chart draws this: ``flownb.coverage`` over the records' own columns
    (no second implementation).

    Examples
    --------
    >>> import flownb
    >>> from flownb.charts._aggregate import coverage_records
    >>> coverage_records(flownb.samples.load("aws-docs/nodata-skipdata"))[["interface_id", "status"]].values.tolist()
    [['eni-11111111aaaaaaaaa', 'SKIPDATA'], ['eni-1235b8ca123456789', 'NODATA']]
    """
    from ..analysis._coverage import coverage

    df = ColumnCache.of(df)
    need(df, ["interface_id", "start"], "coverage()")
    cov = coverage(df.frame(["interface_id", "start", "log_status"]), freq=freq)
    return cov[["interface_id", "window", "status", "records"]]
