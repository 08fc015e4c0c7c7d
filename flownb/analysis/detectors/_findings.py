"""The findings frame: its columns, their types, and the raw frame detectors build."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: A finding's ``severity``, lowest first (GuardDuty's words).
SEVERITIES = ("Low", "Medium", "High")
#: The columns of :func:`detect`'s findings, in order.
FINDING_COLUMNS = (
    "detector",
    "label",
    "severity",
    "entity",
    "src",
    "dst",
    "dst_port",
    "protocol",
    "start",
    "end",
    "count",
    "value",
    "threshold",
    "measure",
    "score",
    "evidence_count",
    "summary",
)

#: ``label`` of the row that stands for the findings a detector's ``max_findings`` cap left out.
SUPPRESSED = "flownb:Suppressed"


def _raw(**cols: Any) -> pd.DataFrame:
    """Findings as a detector builds them: codes and seconds, converted by _finish."""
    return pd.DataFrame(cols)


_RAW_COLUMNS = ("label", "severity", "src", "dst", "dst_port", "protocol", "start", "end", "score", "summary")
#: Why a finding fired, given by each detector beside ``_RAW_COLUMNS``: the measured value, the
#: threshold it crossed and what the value counts (``value`` defaults to the score).
_WHY_COLUMNS = ("value", "threshold", "measure")


_EMPTY: list[pd.DataFrame] = []


def _empty_findings() -> pd.DataFrame:
    """An empty findings frame with the typed columns (built once, copied: building it costs ~30 ms)."""
    if not _EMPTY:
        _EMPTY.append(_typed(pd.DataFrame({c: [] for c in FINDING_COLUMNS})))
    return _EMPTY[0].copy()


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    out = out.reindex(columns=list(FINDING_COLUMNS))
    return pd.DataFrame(
        {
            "detector": out["detector"].astype("string"),
            "label": out["label"].astype("string"),
            "severity": pd.Categorical(out["severity"], categories=list(SEVERITIES), ordered=True),
            "entity": out["entity"].astype("string"),
            "src": out["src"].astype("string"),
            "dst": out["dst"].astype("string"),
            "dst_port": pd.array(out["dst_port"], dtype="UInt16"),
            "protocol": pd.array(out["protocol"], dtype="UInt8"),
            "start": _utc_seconds(out["start"]),
            "end": _utc_seconds(out["end"]),
            "count": pd.array(out["count"], dtype="Int64"),
            "value": out["value"].astype("float64"),
            "threshold": out["threshold"].astype("float64"),
            "measure": out["measure"].astype("string"),
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
