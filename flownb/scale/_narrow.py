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
  the Unix epoch like the detectors' windows, so no window is cut. Blocks bound memory; what they change
  is said in :func:`run_detect`.

Records come back in no particular order; the pandas functions break ties by value, not record order.
"""

from __future__ import annotations

import ipaddress
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


def run_detect(ds: Any, detectors: Any = None, *, partition: Any = None, **kw: Any) -> pd.DataFrame:
    """``detect`` over a dataset: the columns the detectors read, in one run or in epoch-anchored blocks.

    Parameters
    ----------
    partition : str or Timedelta, optional
        Run the detectors over blocks of this length of ``start`` time (``"1h"``, ``"1D"``), anchored at
        the Unix epoch as their windows are, one block in memory at a time. A whole number of hours is
        a whole number of every detector's windows (5 minutes to 1 hour), so no window is cut; what a
        block cannot see is activity that crosses its edge: an episode running over an edge is two
        findings, a conversation whose records straddle it is paired on each side, and a finding
        that a block's ``max_findings`` suppressed cannot come back (the blocks' strongest are ranked
        again for the whole dataset, and one row per detector counts the rest). Without it (the default), one run over the whole dataset:
        exactly the pandas result.
    """
    from ..analysis.detectors import detect
    from ..analysis.detectors._findings import SEVERITIES, _empty_findings

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
    lo, hi = (x[0].as_py() for x in t.aggregate(lo=t.start.min(), hi=t.start.max()).to_pyarrow().columns)
    cols = [c for c in t.columns if c in DETECT_COLUMNS]
    width = int(step.total_seconds())
    parts = []
    if t.filter(t.start.isnull()).count().to_pyarrow().as_py():
        parts.append(detect(ds.where(lambda t: t.start.isnull(), "no start").to_pandas(columns=cols),
                            detectors, **kw))  # fmt: skip
    if lo is not None:
        for b0 in range(int(lo) // width * width, int(hi) + 1, width):
            block = ds.where(lambda t, b0=b0: (t.start >= b0) & (t.start < b0 + width), f"block {b0}")
            parts.append(detect(block.to_pandas(columns=cols), detectors, **kw))
    parts = [p for p in parts if len(p)]
    if not parts:
        return detect(ds.to_pandas(limit=0, columns=cols), detectors, **kw) if cols else _empty_findings()
    merged = {k: v for p in parts for k, v in p.attrs.get("flownb", {}).get("detections", {}).items()}
    out = pd.concat(parts, ignore_index=True)
    out["severity"] = pd.Categorical(
        out["severity"].astype(object), categories=list(SEVERITIES), ordered=True
    )
    out = _recap(out, kw)
    start = out["start"].to_numpy(dtype="datetime64[s]", na_value=np.datetime64("NaT")).view("int64")
    order = np.lexsort((start, -out["severity"].cat.codes.to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.attrs = {"flownb": {"detections": merged}} if merged else {}
    return out


def _recap(out: pd.DataFrame, kw: dict[str, Any]) -> pd.DataFrame:
    """``max_findings`` over the whole dataset again: each block kept its strongest and counted the rest;
    per detector, the strongest of the blocks' kept findings stay (severity, score, earliest, entity, as
    ``detect`` ranks them) and one row counts all the others."""
    from ..analysis.detectors._episodes import MAX_FINDINGS
    from ..analysis.detectors._findings import SEVERITIES, SUPPRESSED

    kept = []
    for name, g in out.groupby("detector", sort=False, observed=True):
        cap = int(kw.get(f"{name}__max_findings", kw.get("max_findings", MAX_FINDINGS)))
        supp = g["label"].astype(object) == SUPPRESSED
        found, blocks_rest = g[~supp.to_numpy()], g[supp.to_numpy()]
        order = np.lexsort(
            (
                found["entity"].astype(object).fillna("").to_numpy(dtype=object),
                found["start"].to_numpy(dtype="datetime64[s]").view("int64"),
                -found["score"].to_numpy(dtype=float, na_value=0.0),
                -found["severity"].cat.codes.to_numpy(),
            )
        )
        top, rest = found.iloc[np.sort(order[:cap])], found.iloc[order[cap:]]
        kept.append(top)
        n_more = len(rest) + int(blocks_rest["count"].astype("int64").sum())
        if not n_more:
            continue
        both = pd.concat([rest, blocks_rest])
        worst = SEVERITIES[int(both["severity"].cat.codes.max())]
        row: dict[str, Any] = {c: pd.NA for c in out.columns}
        row.update(
            detector=name, label=SUPPRESSED, severity=worst, start=both["start"].min(), end=both["end"].max(),
            count=n_more, value=float(n_more), threshold=float(cap), measure="findings beyond max_findings",
            score=both["score"].max(), evidence_count=0,
            summary=f"{n_more:,} more {name} findings suppressed (up to {worst}; counted block by block of "
            f"time); raise max_findings (now {cap}) to see them.",
        )  # fmt: skip
        kept.append(pd.DataFrame([row]).astype({c: out[c].dtype for c in out.columns}))
    return pd.concat(kept, ignore_index=True)
