"""detect() and evidence(): every chosen detector over one prepared view, and the records behind a finding."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from flownb._dispatch import accepts_dataset
from flownb._durations import utc_timestamp
from flownb.analysis import _flows
from flownb.analysis._flows import prepare

from ._data_quality import _out_of_order
from ._episodes import MAX_FINDINGS
from ._findings import SEVERITIES, SUPPRESSED, _empty_findings, _typed
from ._registry import COMMON, DETECTORS, _finished, detector_names, finding_key
from ._selections import _unanswered_tcp


def _split_thresholds(names: list[str], thresholds: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Route ``name=value`` to every chosen detector taking ``name``; ``detector__name=value`` to one."""
    params = {
        n: {p for p in inspect.signature(DETECTORS[n].impl).parameters if p != "f"} | set(COMMON)
        for n in names
    }
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


@accepts_dataset
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
    df : DataFrame or FlowDataset
        Flow log records (the DataFrame contract), e.g. from
        :func:`flownb.read_flow_logs` or ``flownb.simulate(...).flows``; or a
        dataset (:func:`flownb.open_dataset`): its engine brings in only the
        columns the detectors read, in one run (the same result) or, with
        ``partition="1h"``, one block of time at a time (see
        ``flownb.scale._narrow.run_detect``).
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
        One row per detector, entity and episode of activity (see the
        package documentation): ``detector``, ``label``, ``severity``
        (ordered categorical Low < Medium < High), ``entity``, ``src``,
        ``dst``, ``dst_port``, ``protocol``, ``start`` and ``end`` (first and
        last seen), ``count`` (connections behind it), ``value``,
        ``threshold`` and ``measure`` (why it fired), ``score``,
        ``evidence_count`` (the records :func:`evidence` returns) and
        ``summary``; highest severity first, then by start. A detector with
        more than ``max_findings`` findings (a threshold like the others,
        100 by default) keeps its strongest and adds one row labelled
        ``flownb:Suppressed`` saying how many more there were.

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
    names = detector_names(detectors)
    routed = _split_thresholds(names, thresholds)
    f = prepare(df, local_networks)
    parts: list[pd.DataFrame] = []
    merged: dict[tuple, tuple] = {}
    for n in names:
        kw = dict(routed[n])
        cap = kw.pop("max_findings", MAX_FINDINGS)
        done = _finished(DETECTORS[n], f, DETECTORS[n].impl(f, **kw), cap)
        if done is not None:
            parts.append(done[0])
            merged |= done[1]
    if not parts:
        return _empty_findings()
    # typed once for every detector (as _finish types one detector's findings)
    out = _typed(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    out.attrs = {"flownb": {"detections": merged}} if merged else {}
    out["severity"] = pd.Categorical(out["severity"], categories=list(SEVERITIES), ordered=True)
    start = out["start"].to_numpy(dtype="datetime64[s]", na_value=np.datetime64("NaT")).view("int64")
    order = np.lexsort((start, -out["severity"].cat.codes.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


@accepts_dataset
def evidence(
    df: pd.DataFrame, finding: pd.Series | dict | Any, *, local_networks: Sequence[str] | str | None = None
):
    """The records behind a finding, counted once, in time order.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        The records the finding came from (a dataset: its engine brings in the
        records of the finding's addresses and of their ENIs).
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
        number of rows is the finding's ``evidence_count``. For a finding
        merged from several detections (an episode), the records of each
        detection: the findings frame carries them in its ``attrs``, which
        pandas keeps in its rows and sub-frames; a finding rebuilt from a
        dict or a file has lost them, and gets every record of its fields
        between its first and last seen.

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
    if str(get("label")) == SUPPRESSED:  # the row counting what max_findings left out has no records
        return df.iloc[:0]
    f = prepare(df, local_networks)
    t0 = _to_seconds(get("start"), "start")
    t1 = _to_seconds(get("end"), "end")
    if spec.records is None and str(get("label")) == "LogStatus:OneWay":  # the unanswered connections
        a = f.a
        idx = np.flatnonzero(_unanswered_tcp(f) & (a["start"] >= t0) & (a["start"] <= t1))
        return df.iloc[a["row"][idx[np.argsort(a["start"][idx], kind="stable")]]]
    if spec.records is None and str(get("label")) == "LogStatus:OutOfOrder":  # the records out of order
        a = f.a
        idx = np.flatnonzero(_out_of_order(f) & (a["start"] >= t0) & (a["start"] <= t1))
        return df.iloc[a["row"][idx[np.argsort(a["start"][idx], kind="stable")]]]
    if spec.records is None:  # data_quality: the ENI's status records
        st = f.status
        hits = np.flatnonzero(f.eni_names == str(get("src")))
        sel = (st["eni"] == (hits[0] if len(hits) else -2)).to_numpy()
        if str(get("label")) == "LogStatus:SKIPDATA":
            sel = sel & (st["status"] == _flows.STATUS_SKIPDATA).to_numpy()
            sel = sel & (st["start"] >= t0).to_numpy() & (st["start"] <= t1).to_numpy()
        else:  # a gap: the records ending as it opens, and those starting until it closes
            opens = (st["end"] == t0) & (st["start"] < st["end"])
            sel = sel & (opens | ((st["start"] >= t0) & (st["start"] <= t1))).to_numpy()
        rows = st["row"].to_numpy()[sel]
        rows = rows[np.argsort(st["start"].to_numpy()[sel], kind="stable")]
        return df.iloc[rows]
    a = f.a
    kind = spec.records(f)
    names = ("cli", "srv", "svc", "proto") if spec.oriented else ("src", "dst", "dport", "proto")
    attrs = getattr(finding, "attrs", None) or {}
    merged = attrs.get("flownb", {}).get("detections", {})
    parts = merged.get(finding_key(name, get("label"), _missing_none(get("entity")), t0, t1))
    if parts is None:  # one detection: the finding's own fields and times select its records
        parts = ((*(_missing_none(get(c)) for c in ("src", "dst", "dst_port", "protocol")), t0, t1),)
    mask = np.zeros(f.n, dtype=bool)
    for *fields, d0, d1 in parts:  # the union of the finding's detections
        m = kind & (a["start"] >= d0) & (a["start"] <= d1)
        for col, field, value in zip(names, ("src", "dst", "dst_port", "protocol"), fields, strict=True):
            if value is None:
                continue
            m &= a[col] == (f.code_of(value) if field in ("src", "dst") else int(value))
        mask |= m
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(a["start"][idx], kind="stable")]
    return df.iloc[a["row"][idx]]


def _missing_none(value: object) -> object:
    """None for a missing field (None, pd.NA, NaN), else the value."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _to_seconds(value: object, name: str) -> int:
    ts = utc_timestamp(value, name)
    if ts is None or ts is pd.NaT:
        raise ValueError("the finding must have 'start' and 'end' times")
    return int(ts.timestamp())
