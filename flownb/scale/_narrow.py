"""``detect``, ``diagnose`` and ``evidence`` on a FlowDataset: the engine narrows, the pandas code decides.

These analyses are not relational (pairing, windows, episodes, verdict tables), so they are not compiled:
the engine selects the records the pandas function reads, brings them into memory as the DataFrame
contract says, and the one pandas implementation decides. The results agree with the pandas path by
construction, provided the narrowing keeps every record the function looks at; what each keeps, and why:

* ``diagnose(ds, src, dst, ...)``: the records naming ``src`` or ``dst`` in any address field (a NAT or
  transit gateway's legs too: one end of every leg is an original address), every record of the ENIs that
  wrote them (an ENI's own address, whether it was logging, are told by all its records), every SKIPDATA
  record (skipped records could have been the pair's), and the flow log's aggregation interval from all
  records (``interval=``, unless given). The time range is applied by ``diagnose`` itself: the address
  proofs count an ENI's records over the whole dataset, as on a frame.
* ``evidence(ds, finding)``: the records naming the finding's ``src`` or ``dst``, and every record of the
  ENIs that wrote them (a NAT gateway's second leg names neither end: its ENI's records bring it); the ENI's
  own records for a data-quality finding.
* ``detect(ds)``: the sixteen columns the detectors read (not the others), one pandas run over the
  dataset, or, with ``partition="1h"`` (any duration), one run per block of ``start`` times anchored at
  the Unix epoch like the detectors' windows, so no window is cut; the window-local detectors' blocks are
  read with margins and the entities they find decided on their own records (exact). Blocks bound memory;
  what they change for the other detectors is said in :func:`run_detect`.

Records come back in no particular order; the pandas functions break ties by value, not record order.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DETECT_COLUMNS", "run_detect", "run_diagnose", "run_evidence"]

#: The columns ``flownb.analysis._flows.prepare`` (the detectors' working view) reads.
DETECT_COLUMNS = (
    "interface_id",
    "srcaddr",
    "dstaddr",
    "pkt_srcaddr",
    "pkt_dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log_status",
    "flow_direction",
    "tcp_flags",
)
_ADDRESS_COLUMNS = ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")


def _ibis() -> Any:
    from ._dataset import _ibis as load

    return load()


Predicate = Callable[[Any], Any]


def _named(ds: Any, nets: list) -> Predicate:
    """Records naming one of ``nets`` in any address field (an Ibis predicate of the table)."""
    from ._dataset import _network_predicate

    cols = [c for c in _ADDRESS_COLUMNS if c in ds.columns]
    preds = [_network_predicate(c, net, ds) for net in nets for c in cols]

    def named(t: Any) -> Any:
        out = _ibis().literal(False)
        for p in preds:
            out |= p(t)
        return out

    return named


def _with_their_enis(
    ds: Any, named: Predicate, extra_enis: list[str], also: Predicate | None = None
) -> pd.DataFrame:
    """The records of ``named`` and every record of the ENIs that wrote them (and of ``extra_enis``)."""
    enis: list[str] = []
    if "interface_id" in ds.columns:
        t = ds.where(named, "named").table()
        found = t.select("interface_id").distinct().to_pyarrow()["interface_id"].to_pylist()
        enis = sorted({str(e) for e in found if e is not None} | set(extra_enis))

    def keep(t: Any) -> Any:
        m = named(t)
        if enis:
            m |= t.interface_id.isin(enis).fill_null(False)
        if also is not None:
            m |= also(t)
        return m

    return ds.where(keep, "the records the analysis reads").to_pandas()


def aggregation_interval(ds: Any) -> int:
    """``infer_interval`` on the engine: 600 s when any record spans more than 60 s, else 60 s."""
    t = ds.table()
    if "start" not in t.columns or "end" not in t.columns:
        return 60
    longest = t.filter(t.start.notnull() & t.end.notnull()).select(d=t.end - t.start).d.max()
    value = longest.to_pyarrow().as_py()
    return 600 if value is not None and int(value) > 60 else 60


def run_diagnose(ds: Any, src: str, dst: str, *args: Any, **kw: Any) -> Any:
    """``diagnose`` over a dataset (see the module's docstring for the records it brings in)."""
    from ..analysis._addresses import parse_endpoint
    from ..analysis.connectivity import diagnose
    from ..analysis.connectivity._records import eni_addresses

    a, b = parse_endpoint(src, name="src"), parse_endpoint(dst, name="dst")
    cols = set(ds.columns)
    if not {"srcaddr", "dstaddr"} <= cols:  # the pandas path says what is missing
        return diagnose(ds.to_pandas(limit=0), src, dst, *args, **kw)
    enis = [ep.eni for ep in (a, b) if ep.eni is not None]
    nets = [ep.network for ep in (a, b) if ep.network is not None]
    if enis:
        own = (
            ds.where(lambda t: t.interface_id.isin(enis).fill_null(False), "the ENIs").to_pandas()
            if "interface_id" in cols
            else ds.to_pandas(limit=0)
        )
        for e in enis:  # an ENI endpoint is the addresses its records show (raises as on a frame)
            nets += [ipaddress.ip_network(x) for x in eni_addresses(own, e)[0]]
    skipped = (lambda t: (t.log_status == "SKIPDATA").fill_null(False)) if "log_status" in cols else None
    records = _with_their_enis(ds, _named(ds, nets), enis, skipped)
    if kw.get("interval") is None and len(args) < 7:  # interval is keyword-only: args never hold it
        kw["interval"] = aggregation_interval(ds)
    return diagnose(records, src, dst, *args, **kw)


def run_evidence(ds: Any, finding: Any, *, local_networks: Any = None) -> pd.DataFrame:
    """``evidence`` over a dataset: the finding's addresses and their ENIs' records, then the pandas rule."""
    from ..analysis.detectors import evidence
    from ..analysis.detectors._registry import DETECTORS

    get = finding.get if hasattr(finding, "get") else lambda k, d=None: getattr(finding, k, d)
    name = get("detector")
    cols = set(ds.columns)
    if name not in DETECTORS or not {"srcaddr", "dstaddr"} <= cols:  # the pandas path's own message
        return evidence(ds.to_pandas(limit=0), finding, local_networks=local_networks)
    if DETECTORS[name].records is None:  # data quality: the ENI's own records
        eni = str(get("src"))
        if "interface_id" not in cols:
            return evidence(ds.to_pandas(limit=0), finding, local_networks=local_networks)
        records = ds.where(lambda t: (t.interface_id == eni).fill_null(False), "the ENI").to_pandas()
        return evidence(records, finding, local_networks=local_networks)
    nets = []
    for field in ("src", "dst"):
        value = get(field)
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            continue
        try:
            nets.append(ipaddress.ip_network(str(value)))
        except ValueError:
            continue
    if not nets:  # a finding with no address: every record may be its evidence
        return evidence(_detect_frame(ds), finding, local_networks=local_networks)
    records = _with_their_enis(ds, _named(ds, nets), [])
    return evidence(records, finding, local_networks=local_networks)


def _detect_frame(ds: Any) -> pd.DataFrame:
    cols = [c for c in ds.columns if c in DETECT_COLUMNS]
    return ds.to_pandas(columns=cols)


#: The detectors whose every detection is decided by the records of one window of one entity (or one
#: record): a block read with their longest window of margin on each side sees each of their detections,
#: and an entity's own records decide its findings exactly (:func:`run_detect`).
WINDOW_LOCAL = ("vertical_scan", "horizontal_sweep", "brute_force", "exposed_port_probe", "intel_match")

#: Candidate entities are decided together while their records (counted first) stay under this many: one
#: narrowed read and one run of the detectors per batch (about what an hour of a busy VPC's records holds).
_BATCH_RECORDS = 2_000_000


def run_detect(ds: Any, detectors: Any = None, *, partition: Any = None, **kw: Any) -> pd.DataFrame:
    """``detect`` over a dataset: the columns the detectors read, in one run or in epoch-anchored blocks.

    Parameters
    ----------
    partition : str or Timedelta, optional
        Run the detectors over blocks of this length of ``start`` time (``"1h"``, ``"1D"``), anchored at
        the Unix epoch as their windows are, one block in memory at a time. The blocks keep every
        finding (no cap), and ``max_findings`` is applied once, to the whole dataset, with the pandas
        path's own ranking and summary row.

        The window-local detectors (:data:`WINDOW_LOCAL`) give exactly the pandas result: each block is
        read with the chosen detectors' longest window (``window``, ``slow_window``, as given or by
        default) of margin on each side, so every window that fires in one run fires in the block that
        holds it; the entities those blocks find are then decided on their own records (every record
        naming them in an address field, whole), a batch of entities at a time, and their findings kept.
        What stays open for them: an address whose locality only other records tell (``flow-direction``
        of an ENI's records that do not name the entity) and a NAT gateway's second leg, which names
        neither end.

        The other detectors run on the blocks as they are; their findings of one detector, label and
        entity less than ``EPISODE_GAP`` apart across a block's edge are joined into one episode
        (:func:`stitch_blocks`). What stays open for them: conversations straddling an edge are paired
        on each side, and the detectors that compare with a history (``new_remote_port``'s learning
        period, ``beaconing`` over hours, ``outbound_flood``'s and ``volume_anomaly``'s baselines,
        ``reject_spike``) see only their block's; ``data_quality`` reports per block. Without
        ``partition`` (the default), one run over the whole dataset: exactly the pandas result.
    """
    from ..analysis.detectors import detect
    from ..analysis.detectors._findings import _empty_findings
    from ..analysis.detectors._registry import detector_names

    if partition is None:
        return detect(_detect_frame(ds), detectors, **kw)
    step = pd.Timedelta(partition)
    if step <= pd.Timedelta(0) or step % pd.Timedelta(hours=1) != pd.Timedelta(0):
        raise ValueError(
            f"'partition' must be a whole number of hours ('1h', '6h', '1D'), so no detector window is cut; "
            f"got {partition!r}"
        )
    t = ds.table()
    if "start" not in t.columns:
        raise ValueError("detect(partition=...) needs the 'start' column to split the records by time")
    names = detector_names(detectors)
    if detectors is not None:  # the thresholds given for these detectors, checked before any block is read
        detect(ds.to_pandas(limit=0, columns=[c for c in t.columns if c in DETECT_COLUMNS]), names, **kw)
    local = [n for n in names if n in WINDOW_LOCAL]
    others = [n for n in names if n not in WINDOW_LOCAL]
    lo, hi = (x[0].as_py() for x in t.aggregate(lo=t.start.min(), hi=t.start.max()).to_pyarrow().columns)
    cols = [c for c in t.columns if c in DETECT_COLUMNS]
    width = int(step.total_seconds())
    margin = _longest_window(local, kw)
    parts = []
    no_start = bool(t.filter(t.start.isnull()).count().to_pyarrow().as_py())
    if no_start and others:
        parts.append(detect(ds.where(lambda t: t.start.isnull(), "no start").to_pandas(columns=cols),
                            others, **_uncapped(kw)))  # fmt: skip
    candidates: dict[str, set[str]] = {n: set() for n in local}
    if lo is not None:
        for b0 in range(int(lo) // width * width, int(hi) + 1, width):
            if others:
                block = ds.where(lambda t, b0=b0: (t.start >= b0) & (t.start < b0 + width), f"block {b0}")
                parts.append(detect(block.to_pandas(columns=cols), others, **_uncapped(kw)))
            if local:
                a, b = b0 - margin, b0 + width + margin
                wide = ds.where(
                    lambda t, a=a, b=b: (t.start >= a) & (t.start < b), f"block {b0} with margins"
                )
                _add_candidates(candidates, detect(wide.to_pandas(columns=cols), local, **_uncapped(kw)))
    if local and no_start:  # records without a start lie in no window; a run over them finds their own
        none = ds.where(lambda t: t.start.isnull(), "no start").to_pandas(columns=cols)
        _add_candidates(candidates, detect(none, local, **_uncapped(kw)))
    parts += _decide_entities(ds, candidates, cols, kw)
    parts = [p for p in parts if len(p)]
    if not parts:
        return detect(ds.to_pandas(limit=0, columns=cols), detectors, **kw) if cols else _empty_findings()
    return stitch_blocks(parts, detectors, kw)


def _longest_window(names: list[str], kw: dict[str, Any]) -> int:
    """The longest time window (seconds) the detectors look through: their ``*window`` thresholds, as
    given (``window=``, ``vertical_scan__window=``) or by default."""
    import inspect

    from ..analysis.detectors._registry import DETECTORS

    longest = 0
    for name in names:
        for p in inspect.signature(DETECTORS[name].impl).parameters.values():
            if not p.name.endswith("window"):
                continue
            value = kw.get(f"{name}__{p.name}", kw.get(p.name, p.default))
            if value is None or value is inspect.Parameter.empty:
                continue
            longest = max(longest, int(np.ceil(pd.Timedelta(value).total_seconds())))
    return longest


def _add_candidates(candidates: dict[str, set[str]], found: pd.DataFrame) -> None:
    """The (detector, entity) pairs of a block's findings (the summary rows have no entity)."""
    from ..analysis.detectors._findings import SUPPRESSED

    if not len(found):
        return
    ok = (found["label"].astype(object) != SUPPRESSED).to_numpy() & found["entity"].notna().to_numpy()
    for name, entity in zip(
        found["detector"].astype(object)[ok], found["entity"].astype(object)[ok], strict=True
    ):
        candidates[str(name)].add(str(entity))


def _decide_entities(
    ds: Any, candidates: dict[str, set[str]], cols: list[str], kw: dict[str, Any]
) -> list[pd.DataFrame]:
    """Each candidate's findings from its own records: every record naming a batch of the entities in an
    address field (all times), one run of the detectors that found them, the findings of those pairs."""
    from ..analysis.detectors import detect

    entities = sorted({e for es in candidates.values() for e in es})
    addr_cols = [c for c in _ADDRESS_COLUMNS if c in cols]
    out = []
    for batch in _batches(ds, entities, addr_cols):
        mine = set(batch)
        names = [n for n, es in candidates.items() if es & mine]

        def naming(t: Any, batch: list[str] = batch) -> Any:
            m = _ibis().literal(False)
            for c in addr_cols:
                m |= t[c].isin(batch).fill_null(False)
            return m

        records = ds.where(naming, "the candidates' records").to_pandas(columns=cols)
        found = detect(records, names, **_uncapped(kw))
        if not len(found):
            continue
        det, ent = found["detector"].astype(object).to_numpy(), found["entity"].astype(object).to_numpy()
        keep = np.array(
            [e is not None and e is not pd.NA and str(e) in candidates[str(d)] and str(e) in mine
             for d, e in zip(det, ent, strict=True)],
            dtype=bool,
        )  # fmt: skip
        if keep.any():
            out.append(found[keep])
    return out


def _batches(ds: Any, entities: list[str], addr_cols: list[str]) -> list[list[str]]:
    """The entities in batches whose records (an entity's count: the records naming it, per address
    field) stay under :data:`_BATCH_RECORDS`; an entity with more is a batch of its own."""
    if not entities:
        return []
    t = ds.table()
    counts: dict[str, int] = dict.fromkeys(entities, 0)
    for c in addr_cols:
        named = t.filter(t[c].isin(entities))
        g = named.group_by(c).aggregate(_n=named.count()).to_pyarrow()
        for e, n in zip(g[c].to_pylist(), g["_n"].to_pylist(), strict=True):
            counts[str(e)] += int(n)
    out: list[list[str]] = [[]]
    held = 0
    for e in entities:
        if out[-1] and held + counts[e] > _BATCH_RECORDS:
            out.append([])
            held = 0
        out[-1].append(e)
        held += counts[e]
    return out


def _uncapped(kw: dict[str, Any]) -> dict[str, Any]:
    """The thresholds without any ``max_findings``: blocks keep every finding, the cap is applied once."""
    out = {k: v for k, v in kw.items() if k != "max_findings" and not k.endswith("__max_findings")}
    out["max_findings"] = _NO_CAP
    return out


#: The cap the blocks run with: none (the whole dataset's cap is applied once, after the blocks).
_NO_CAP = 2**62

#: The sentence ``merged_summary`` adds to an episode's strongest detection (taken off to merge again).
_MERGED_TAIL = re.compile(r"; the strongest of \d+ detections(?: on ports [^;]*?)? from \d{4}-\d\d-\d\d \d\d:\d\d to "
                          r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\.$")  # fmt: skip


def stitch_blocks(parts: list[pd.DataFrame], detectors: Any, kw: dict[str, Any]) -> pd.DataFrame:
    """The blocks' uncapped findings made one run's: episodes joined across block edges, then capped once.

    A finding of one block and one of the next with the same detector, label and entity, less than
    ``EPISODE_GAP`` apart, are one episode (as their detections would have been in one run): first
    and last seen, the strongest detection's label, summary and threshold, the highest score, value and
    severity, the fields they share, the sum of their detections and evidence (a record lies in one
    block). Then each detector's ``max_findings`` strongest stay, and one row counts the others, with the
    functions ``detect`` itself uses (``merge_episodes``, ``cap_split``, ``suppressed_row``).
    """
    from ..analysis.detectors._episodes import (
        MAX_FINDINGS,
        _port_list,
        cap_split,
        merge_episodes,
        merged_summary,
        suppressed_row,
    )
    from ..analysis.detectors._findings import SEVERITIES, _typed
    from ..analysis.detectors._registry import DETECTORS, finding_key

    blocks = []
    for p in parts:  # each finding's detections (evidence selections), before the frame is concatenated
        merged = p.attrs.get("flownb", {}).get("detections", {})
        d = p.reset_index(drop=True)
        sel = []
        starts = d["start"].to_numpy(dtype="datetime64[s]").view("int64").tolist()
        ends = d["end"].to_numpy(dtype="datetime64[s]").view("int64").tolist()
        for i, r in enumerate(
            d[["detector", "label", "entity", "src", "dst", "dst_port", "protocol"]].values
        ):
            t0, t1 = int(starts[i]), int(ends[i])
            fk = finding_key(r[0], r[1], _none(r[2]), t0, t1)
            own = ((_none(r[3]), _none(r[4]), _none(r[5]), _none(r[6]), t0, t1),)
            sel.append(merged.get(fk, own))
        blocks.append(d.assign(_sel=sel))
    out = pd.concat(blocks, ignore_index=True)
    names = list(DETECTORS) if detectors is None else list(dict.fromkeys(out["detector"].astype(object)))
    if detectors is not None:
        order = [n for n in DETECTORS if n in set(names)]
        names = order
    kept: list[pd.DataFrame] = []
    attrs: dict[tuple, tuple] = {}
    joined: list[list] = []
    for name in names:
        g = out[(out["detector"].astype(object) == name).to_numpy()].reset_index(drop=True)
        if not len(g):
            continue
        spec = DETECTORS[name]
        cap = int(kw.get(f"{name}__max_findings", kw.get("max_findings", MAX_FINDINGS)))
        raw = _as_raw(g)
        if spec.records is not None:
            addr, codes = _codes(raw)
            raw = raw.assign(src=codes[0], dst=codes[1])
            n_det = raw.pop("detections").to_numpy(dtype=np.int64)
            sels, raw["summary"] = raw.pop("_sel"), raw["summary"].str.replace(_MERGED_TAIL, ".", regex=True)
            raw, ep = merge_episodes(raw.assign(entity=raw[spec.entity]), spec.entity)
            raw["detections"] = np.bincount(ep, weights=n_det, minlength=len(raw)).astype(np.int64)
            for c in ("evidence_count", "count"):
                raw[c] = np.bincount(ep, weights=g[c].to_numpy(dtype=float), minlength=len(raw)).astype(
                    np.int64
                )
            joined = [[] for _ in range(len(raw))]
            for e, s in zip(ep.tolist(), sels.tolist(), strict=True):
                joined[e].extend(s)
            raw["ports"] = [
                _port_list(pd.Series([s[2] for s in j if s[2] is not None], dtype="int64")) for j in joined
            ]
            raw["summary"] = merged_summary(raw)
            for c in ("src", "dst"):
                v = raw[c].to_numpy(dtype=np.int64)
                raw[c] = pd.Series(np.where(v >= 0, addr[np.clip(v, 0, None)], None), dtype="string").array
            raw["entity"] = raw[spec.entity]
        else:
            joined = [[] for _ in range(len(raw))]
            raw = raw.drop(columns=["_sel", "detections"])
        entity_text = raw["entity"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
        keep, rest = cap_split(raw, entity_text.astype(str), cap)
        row = suppressed_row(name, raw.iloc[rest], entity_text[rest], cap) if len(rest) else None
        mine = raw.iloc[keep].reset_index(drop=True)
        mine["detector"] = name
        for c in ("dst_port", "protocol"):
            v = mine[c].to_numpy(dtype=np.int64)
            mine[c] = pd.Series(v).where(v >= 0).astype("Int64").array
        typed = _typed(mine)
        for i in range(len(typed)):
            j = joined[int(keep[i])]
            if len(j) > 1:
                lab, ent = typed["label"].iloc[i], _none(typed["entity"].iloc[i])
                attrs[finding_key(name, lab, ent, int(mine["start"].iloc[i]), int(mine["end"].iloc[i]))] = (
                    tuple(j)
                )
        typed = typed.sort_values(["start", "src", "dst"], kind="stable", ignore_index=True)
        if row is not None:
            typed = pd.concat([typed, _typed(pd.DataFrame([row]))], ignore_index=True)
        kept.append(typed)
    res = pd.concat(kept, ignore_index=True)
    res["severity"] = pd.Categorical(
        res["severity"].astype(object), categories=list(SEVERITIES), ordered=True
    )
    start = res["start"].to_numpy(dtype="datetime64[s]", na_value=np.datetime64("NaT")).view("int64")
    res = res.iloc[np.lexsort((start, -res["severity"].cat.codes.to_numpy()))].reset_index(drop=True)
    res.attrs = {"flownb": {"detections": attrs}} if attrs else {}
    return res


def _none(value: object) -> Any:
    """None for a missing field (None, pd.NA, NaN), else the value as a plain int or str."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else str(value)


def _as_raw(g: pd.DataFrame) -> pd.DataFrame:
    """Finished findings as the raw rows ``merge_episodes`` takes: seconds, -1 for a field of many values."""
    raw = g.copy()
    for c in ("start", "end"):
        raw[c] = g[c].to_numpy(dtype="datetime64[s]").view("int64")
    for c in ("dst_port", "protocol"):
        raw[c] = g[c].astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
    raw["severity"] = g["severity"].astype(object)
    raw["label"] = g["label"].astype(object)
    raw["summary"] = g["summary"].astype(object)
    raw["detections"] = [max(len(s), 1) for s in g["_sel"]]
    return raw


def _codes(raw: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
    """Address codes over the findings' ``src`` and ``dst`` (-1 when missing) and the address by code."""
    both = pd.concat([raw["src"].astype(object), raw["dst"].astype(object)], ignore_index=True)
    codes, addr = pd.factorize(both, use_na_sentinel=True)
    n = len(raw)
    return np.asarray(addr, dtype=object), [codes[:n].astype(np.int64), codes[n:].astype(np.int64)]
