"""The registry: each detector's public function, its thresholds and how its findings map back to records."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flownb.analysis._flows import Flows, key, nunique, prepare

from ._episodes import MAX_FINDINGS, cap_split, merge_episodes, merged_summary, port_lists, suppressed_row
from ._findings import FINDING_COLUMNS, SUPPRESSED, _empty_findings, _typed


@dataclass(frozen=True)
class _Spec:
    name: str
    func: Callable[..., pd.DataFrame]
    impl: Callable[..., pd.DataFrame]
    records: Callable[[Flows], np.ndarray] | None  # which prepared records can be evidence
    oriented: bool = False  # keys are client/server/service port instead of src/dst/dst_port
    entity: str = "src"  # the finding's actor: "src", or "dst" when the target speaks for it


#: Every detector by name, in the order :func:`detect` runs them (filled by :func:`register`).
DETECTORS: dict[str, _Spec] = {}

#: The keyword every detector takes besides its thresholds (routed by ``detect`` like them).
COMMON = ("max_findings",)

_MAX_FINDINGS_DOC = f"""    max_findings : int, default {MAX_FINDINGS}
        Findings kept, the strongest first; the others become one row
        (label ``{SUPPRESSED}``) that says how many. flownb's own choice.
"""


def register(
    records: Callable[[Flows], np.ndarray] | None, oriented: bool = False, entity: str = "src"
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Turn ``name(flows, **thresholds)`` into the public ``name(df, **thresholds)`` and register it.

    ``records`` selects the prepared records that can be a finding's evidence
    (None: the detector counts its own); ``oriented`` says the finding's
    ``src``/``dst``/``dst_port`` are the conversation's client, server and
    service port rather than the record's own fields; ``entity`` names the
    field whose value is the finding's actor (episodes are per entity).
    """

    def wrap(impl: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        name = impl.__name__
        params = [p for p in inspect.signature(impl).parameters.values() if p.name != "f"]

        def public(
            df: pd.DataFrame,
            *,
            max_findings: int = MAX_FINDINGS,
            local_networks: Sequence[str] | str | None = None,
            **kw: Any,
        ):
            _check_kwargs(name, kw, {p.name for p in params})
            f = prepare(df, local_networks)
            return _finish(DETECTORS[name], f, impl(f, **kw), max_findings)

        public.__name__ = public.__qualname__ = name
        doc = impl.__doc__ or ""
        at = doc.find("    local_networks :")
        at = at if at >= 0 else doc.find("\n    Returns") + 1
        public.__doc__ = doc[:at] + _MAX_FINDINGS_DOC + doc[at:] if at > 0 else doc
        public.__module__ = impl.__module__  # its doctest runs with the detector's module
        public.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("df", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="pd.DataFrame"),
                *params,
                inspect.Parameter(
                    "max_findings", inspect.Parameter.KEYWORD_ONLY, default=MAX_FINDINGS, annotation="int"
                ),
                inspect.Parameter(
                    "local_networks",
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation="Sequence[str] | str | None",
                ),
            ],
            return_annotation="pd.DataFrame",
        )
        DETECTORS[name] = _Spec(name, public, impl, records, oriented, entity)
        return public

    return wrap


def detector_names(detectors: str | Sequence[str] | None) -> list[str]:
    """The detector names a caller asked for (``None``: all, in registry order; ``"a,b"``: those two).

    Raises ``ValueError`` naming the registered detectors, with the closest one, for a name that is not one.
    """
    if detectors is None:
        return list(DETECTORS)
    if isinstance(detectors, str):
        names = [n.strip() for n in detectors.split(",") if n.strip()] if "," in detectors else [detectors]
    else:
        names = list(detectors)
    for n in names:
        if n not in DETECTORS:
            close = difflib.get_close_matches(str(n), list(DETECTORS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"'detectors' must be names from {sorted(DETECTORS)}, got '{n}'{hint}")
    return names


def _check_kwargs(name: str, given: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise TypeError(f"{name}() got unknown threshold(s) {unknown}; it takes {sorted(allowed)}")


def _finish(
    spec: _Spec, f: Flows, raw: pd.DataFrame | None, max_findings: int = MAX_FINDINGS
) -> pd.DataFrame:
    """Detections -> episodes, capped, then summaries, evidence counts, strings, typed columns, sorted.

    A detector may leave out ``summary`` and put ``attrs["summarize"]`` (rows -> sentences) instead:
    then only the findings kept by the cap are written out.
    """
    done = _finished(spec, f, raw, max_findings)
    if done is None:
        return _empty_findings()
    out, merged = done
    typed = _typed(out)
    typed.attrs = {"flownb": {"detections": merged}} if merged else {}
    return typed


def _finished(
    spec: _Spec, f: Flows, raw: pd.DataFrame | None, max_findings: int = MAX_FINDINGS
) -> tuple[pd.DataFrame, dict[tuple, tuple]] | None:
    """:func:`_finish` but for the types: the findings' columns (``FINDING_COLUMNS``; times in
    seconds), sorted, and the selections of the merged findings (:func:`_merged_detections`); None
    when nothing was found. :func:`detect` types the findings of all its detectors at once."""
    if isinstance(max_findings, bool) or not isinstance(max_findings, (int, np.integer)) or max_findings < 1:
        raise ValueError(f"'max_findings' must be a whole number of at least 1, got {max_findings!r}")
    if raw is None or len(raw) == 0:
        return None
    summarize = raw.attrs.get("summarize")
    raw = raw.reset_index(drop=True)
    raw.attrs = {}
    if "value" not in raw:
        raw["value"] = raw["score"]
    for c, default in (("threshold", np.nan), ("measure", "")):
        if c not in raw:
            raw[c] = default
    detections, ep = raw, np.arange(len(raw))
    if spec.records is None:  # data_quality: ENIs by name, its own episodes and counts
        raw["count"] = raw["evidence_count"]
        raw["entity"] = raw["src"]
        entity_text = raw["src"].to_numpy(dtype=object, na_value=None)
        entity_text = np.array(["" if e is None else str(e) for e in entity_text], dtype=object)
    else:
        raw, ep = merge_episodes(detections, spec.entity)
        codes = raw[spec.entity].to_numpy(dtype=np.int64)
        entity_text = np.where(codes >= 0, f.addr[np.clip(codes, 0, None)] if len(f.addr) else "", "")
    keep, rest = cap_split(raw, entity_text.astype(str), int(max_findings))
    suppressed = None
    if len(rest):
        suppressed = suppressed_row(spec.name, raw.iloc[rest], entity_text[rest], int(max_findings))
        inv = np.full(len(raw), -1, dtype=np.int64)
        inv[keep] = np.arange(len(keep))
        raw = raw.iloc[keep].reset_index(drop=True)
        if spec.records is not None:
            new_ep = inv[ep]
            detections, ep = detections[new_ep >= 0].reset_index(drop=True), new_ep[new_ep >= 0]
    if summarize is not None and "summary" not in raw:
        raw["summary"] = summarize(raw)
    if spec.records is not None:
        raw["ports"] = port_lists(detections, ep, len(raw))
        raw["summary"] = merged_summary(raw)
        raw["evidence_count"], raw["count"] = _count_evidence(spec, f, detections, ep, len(raw))
    cols: dict[str, Any] = {c: raw[c].to_numpy() for c in FINDING_COLUMNS if c in raw}
    cols["detector"] = np.full(len(raw), spec.name, dtype=object)
    for c in ("src", "dst"):
        if spec.records is not None:
            codes = raw[c].to_numpy(dtype=np.int64)
            cols[c] = np.where(codes >= 0, f.addr[np.clip(codes, 0, None)] if len(f.addr) else None, None)
        cols[c] = pd.array(cols[c], dtype="string")
    if spec.records is not None:
        cols["entity"] = cols[spec.entity]
    for c in ("dst_port", "protocol"):
        v = raw[c].to_numpy(dtype=np.int64)
        cols[c] = pd.array(np.where(v >= 0, v, 0), dtype="Int64")
        cols[c][v < 0] = pd.NA
    out = pd.DataFrame(cols, columns=[c for c in FINDING_COLUMNS if c in cols])
    merged = {}
    if spec.records is not None and (raw["detections"].to_numpy() > 1).any():
        merged = _merged_detections(spec, f, out, detections, ep)
    out = out.sort_values(["start", "src", "dst"], kind="stable", ignore_index=True)
    if suppressed is not None:
        out = pd.concat([out, pd.DataFrame([suppressed], columns=out.columns)], ignore_index=True)
    return out, merged


def finding_key(detector: object, label: object, entity: object, start: int, end: int) -> tuple:
    """What names one finding among others: detector, label, entity and first/last seen (seconds)."""

    def text(v: object) -> str:
        return "" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)

    return (str(detector), text(label), text(entity), int(start), int(end))


def _merged_detections(
    spec: _Spec, f: Flows, found: pd.DataFrame, detections: pd.DataFrame, ep: np.ndarray
) -> dict[tuple, tuple]:
    """For each finding merged from several detections: their selections, so evidence is their union.

    Kept in the findings' ``attrs`` (pandas carries them to the rows and sub-frames of the findings),
    keyed by :func:`finding_key`; each selection is (src, dst, dst_port, protocol, start, end) with
    None where the detection spans many values.
    """
    counts = np.bincount(ep, minlength=len(found))
    starts = found["start"].to_numpy(dtype=np.int64)
    ends = found["end"].to_numpy(dtype=np.int64)
    entity = found["entity"].to_numpy(dtype=object, na_value=None)
    label = found["label"].to_numpy(dtype=object, na_value=None)
    cols = [
        detections[c].to_numpy(dtype=np.int64) for c in ("src", "dst", "dst_port", "protocol", "start", "end")
    ]
    out: dict[tuple, tuple] = {}
    for i in np.flatnonzero(counts > 1):
        sel = []
        for j in np.flatnonzero(ep == i):
            s, d, p, pr, t0, t1 = (int(c[j]) for c in cols)
            sel.append(
                (
                    str(f.addr[s]) if s >= 0 else None,
                    str(f.addr[d]) if d >= 0 else None,
                    p if p >= 0 else None,
                    pr if pr >= 0 else None,
                    t0,
                    t1,
                )
            )
        out[finding_key(spec.name, label[i], entity[i], int(starts[i]), int(ends[i]))] = tuple(sel)
    return out


def _count_evidence(
    spec: _Spec, f: Flows, raw: pd.DataFrame, ep: np.ndarray | None = None, n_out: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Records and connections behind each finding, counted the way :func:`evidence` selects them.

    ``raw`` holds the detections; ``ep`` the finding each went into (itself by default): a record
    matching several detections of one finding counts once.
    """
    if ep is None:
        ep = np.arange(len(raw))
    n_out = len(raw) if n_out is None else n_out
    counts = np.zeros(n_out, dtype=np.int64)
    conns = np.zeros(n_out, dtype=np.int64)
    if spec.records is None:  # data_quality counts its own
        return counts, conns
    names = ("cli", "srv", "svc", "proto") if spec.oriented else ("src", "dst", "dport", "proto")
    fields = ("src", "dst", "dst_port", "protocol")
    a = f.a
    # only records inside the findings' time and of an entity the findings name can count: a cheap cut
    # before the keys are built (findings are few, records are millions)
    t_all = a["start"]
    ent = spec.entity
    ent_codes = raw[ent].to_numpy(dtype=np.int64)
    if (ent_codes >= 0).all() and len(f.addr):
        # the entities first: a lookup table over the address codes (a gather, no hashing)
        col = names[fields.index("src" if ent == "src" else "dst")]
        named = np.zeros(len(f.addr) + 1, dtype=bool)
        named[ent_codes] = True
        idx = np.flatnonzero(named[a[col]])
        idx = idx[(t_all[idx] >= int(raw["start"].min())) & (t_all[idx] <= int(raw["end"].max()))]
        other = "dst" if ent == "src" else "src"
        other_codes = raw[other].to_numpy(dtype=np.int64)
        if (other_codes >= 0).all():  # and the other address when every detection names one
            named[:] = False
            named[other_codes] = True
            idx = idx[named[a[names[fields.index(other)]][idx]]]
        mask = np.zeros(f.n, dtype=bool)
        mask[idx[spec.records(f)[idx]]] = True
    else:
        mask = (t_all >= int(raw["start"].min())) & (t_all <= int(raw["end"].max()))
        mask &= spec.records(f)
    t = f.a["start"][mask]
    conv = f.a["conv"][mask]
    sub = {n: f.a[n][mask] for n in names}
    on = raw[list(fields)].to_numpy(dtype=np.int64) >= 0
    pattern_id = on @ np.array([1, 2, 4, 8])
    starts = raw["start"].to_numpy(dtype=np.int64)
    ends_of = raw["end"].to_numpy(dtype=np.int64)
    rec_parts, find_parts, conv_parts = [], [], []
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
        # every (record, detection) pair with the same key: the run of each record's key among the
        # detections' sorted keys (detections are few)
        by_key = np.argsort(kfind, kind="stable")
        sorted_keys = kfind[by_key]
        lo = np.searchsorted(sorted_keys, krec, "left")
        many = np.searchsorted(sorted_keys, krec, "right") - lo
        r = np.flatnonzero(many)
        many = many[r]
        ends = np.cumsum(many)
        at = np.repeat(lo[r] - (ends - many), many) + np.arange(int(ends[-1]) if len(ends) else 0)
        r = np.repeat(r, many)
        i = rows[by_key[at]]
        tr = t[r]
        inside = (tr >= starts[i]) & (tr <= ends_of[i])
        rec_parts.append(r[inside])
        find_parts.append(ep[i[inside]])
        conv_parts.append(conv[r[inside]])
    if not rec_parts:
        return counts, conns
    r, e, c = np.concatenate(rec_parts), np.concatenate(find_parts), np.concatenate(conv_parts)
    if len(r):  # a record matching several detections of one finding counts once
        first = ~pd.Series(key(e, r)).duplicated().to_numpy()
        e, c = e[first], c[first]
    counts += np.bincount(e, minlength=n_out)
    if len(e):
        conns += nunique(e, c, n_out)
    return counts, conns
