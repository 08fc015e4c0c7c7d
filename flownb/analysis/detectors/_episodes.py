"""Episodes and the per-detector cap: one finding per detector, entity and episode of activity.

A detector reports what fired (a window, a pair of hosts, a port); here those
detections are merged the way GuardDuty updates a finding instead of repeating
it: detections of the same detector, entity (the actor; for inbound probes the
target) and label that follow each other with less than :data:`EPISODE_GAP` of
silence make one finding, from the first seen to the last seen. Fields the
merged detections do not share (several destinations, ports) become missing.
Then each detector keeps its ``max_findings`` strongest findings and one
summary row says how many more there were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._findings import SEVERITIES, SUPPRESSED

#: Silence that ends an episode: flownb's own choice (an hour; GuardDuty instead keeps updating one
#: finding per resource and type for as long as the activity lasts).
EPISODE_GAP = 3600

#: Findings kept per detector by default: flownb's own choice (a list an analyst can read).
MAX_FINDINGS = 100

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def merge_episodes(raw: pd.DataFrame, entity: str, gap: int = EPISODE_GAP) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per (entity, label, episode) of a detector's raw detections (codes and seconds).

    ``raw`` has the raw finding columns (``src``/``dst`` as address codes, -1 when
    many) plus ``value``, ``threshold`` and ``measure``. The merged row keeps the
    strongest detection's label, summary and threshold, the highest score, value
    and severity, the first start and the last end. Returns the merged rows and,
    per raw detection, the merged row it went into (its evidence is the union of
    its detections').
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    if n <= 1:
        return raw.assign(detections=1, ports=""), np.arange(n)
    ent = raw[entity].to_numpy(dtype=np.int64)
    label = pd.factorize(raw["label"].astype(object).where(raw["label"].notna(), ""))[0]
    t0 = raw["start"].to_numpy(dtype=np.int64)
    t1 = raw["end"].to_numpy(dtype=np.int64)
    order = np.lexsort((t0, label, ent))
    e, lab, s, en = ent[order], label[order], t0[order], t1[order]
    same = np.zeros(n, dtype=bool)
    same[1:] = (e[1:] == e[:-1]) & (lab[1:] == lab[:-1])
    group = np.cumsum(~same)
    # latest end so far within the (entity, label) run: a cumulative max per group
    last = pd.Series(en).groupby(group).cummax().to_numpy()
    new = ~same
    new[1:] |= s[1:] > last[:-1] + gap
    ep = np.empty(n, dtype=np.int64)
    ep[order] = np.cumsum(new) - 1
    if ep.max() == n - 1:
        return raw.assign(detections=1, ports=""), np.arange(n)
    d = raw.assign(ep=ep, rank=raw["severity"].map(_RANK).to_numpy())
    # the strongest detection of each episode speaks for it
    best = d.sort_values(["ep", "score", "start"], ascending=[True, False, True], kind="stable")
    best = best.drop_duplicates("ep").set_index("ep")
    g = d.groupby("ep", sort=True)
    out = best.copy()
    out["start"] = g["start"].min()
    out["end"] = g["end"].max()
    out["score"] = g["score"].max()
    out["value"] = g["value"].max()
    out["severity"] = np.asarray(SEVERITIES, dtype=object)[g["rank"].max().to_numpy()]
    out["detections"] = g.size()
    out["ports"] = ""  # filled by port_lists for the findings kept
    for c in ("src", "dst", "dst_port", "protocol"):
        first = g[c].first()
        out[c] = np.where(g[c].nunique().to_numpy() == 1, first.to_numpy(), -1)
    return out.drop(columns=["rank"]).reset_index(drop=True), ep


def port_lists(detections: pd.DataFrame, ep: np.ndarray, n: int) -> np.ndarray:
    """Per merged row, the ports its detections name when several ('ports 25, 6667'), else ''."""
    out = np.full(n, "", dtype=object)
    if n == 0 or len(ep) == 0:
        return out
    multi = np.bincount(ep, minlength=n)[ep] > 1
    if not multi.any():
        return out
    d = pd.DataFrame({"e": ep[multi], "p": detections["dst_port"].to_numpy(dtype=np.int64)[multi]})
    d = d[d["p"] >= 0]
    for e in np.unique(d["e"].to_numpy()):
        out[e] = _port_list(d["p"][d["e"].to_numpy() == e])
    return out


def _port_list(ports: pd.Series) -> str:
    """'ports 25, 6667' when several ports were detected (at most 5 named), else ''."""
    distinct = sorted({int(p) for p in ports if p >= 0})
    if len(distinct) < 2:
        return ""
    more = f" and {len(distinct) - 5} more" if len(distinct) > 5 else ""
    return "ports " + ", ".join(map(str, distinct[:5])) + more


def merged_summary(raw: pd.DataFrame) -> list[str]:
    """The strongest detection's sentence, and how many detections (on which ports) the episode holds."""
    out = []
    for text, k, a, b, ports in zip(
        raw["summary"].tolist(),
        raw["detections"].tolist(),
        raw["start"].tolist(),
        raw["end"].tolist(),
        raw["ports"].tolist(),
        strict=True,
    ):
        if k > 1:
            span = f"{pd.Timestamp(a, unit='s'):%Y-%m-%d %H:%M} to {pd.Timestamp(b, unit='s'):%Y-%m-%d %H:%M} UTC"
            on = f" on {ports}" if ports else ""
            text = f"{text.rstrip('.')}; the strongest of {k} detections{on} from {span}."
        out.append(text)
    return out


def cap_split(raw: pd.DataFrame, entity_text: np.ndarray, max_findings: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows kept (the ``max_findings`` strongest: severity, score, then earliest, then entity) and the rest.

    On the merged rows before they are finished (seconds, codes), so that summaries, evidence counts and
    typed columns are built for the kept findings only.
    """
    n = len(raw)
    if n <= max_findings:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    rank = raw["severity"].map(_RANK).to_numpy(dtype=np.int64)
    order = np.lexsort(
        (
            entity_text,
            raw["start"].to_numpy(dtype=np.int64),
            -raw["score"].to_numpy(dtype=float, na_value=0.0),
            -rank,
        )
    )
    return np.sort(order[:max_findings]), order[max_findings:]


def suppressed_row(name: str, rest: pd.DataFrame, entity_text: np.ndarray, max_findings: int) -> dict:
    """The row standing for the findings ``max_findings`` left out (raw columns: seconds)."""
    entities = len({e for e in entity_text.tolist() if e})
    worst = SEVERITIES[int(rest["severity"].map(_RANK).max())]
    return {
        "detector": name,
        "label": SUPPRESSED,
        "severity": worst,
        "entity": None,
        "src": None,
        "dst": None,
        "dst_port": None,
        "protocol": None,
        "start": int(rest["start"].min()),
        "end": int(rest["end"].max()),
        "count": len(rest),
        "value": float(len(rest)),
        "threshold": float(max_findings),
        "measure": "findings beyond max_findings",
        "score": float(rest["score"].max()),
        "evidence_count": 0,
        "summary": f"{len(rest):,} more {name} findings suppressed ({entities:,} entities, up to {worst}); "
        f"raise max_findings (now {max_findings}) to see them.",
    }
