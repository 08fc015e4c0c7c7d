"""Connectivity charts: one diagnosis over time, and the failing pairs of a whole VPC."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._common import (
    ACTION_COLORS,
    FONT,
    NARROW,
    TIME_FORMAT,
    WIDE,
    altair,
    empty_chart,
    pick_freq,
    scale,
    seconds,
    time_label,
    title,
    validated_once,
    vchart,
)

__all__ = ["connectivity_matrix", "diagnosis_timeline"]

_ROLES = ["request egress", "request ingress", "response egress", "response ingress"]
_BROKEN = "#e45756"


def _breaking(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline's windows whose verdict says something is broken."""
    from ..analysis.connectivity._verdicts import TABLE

    failing = {v.code for v in TABLE if v.failing}
    if timeline is None or not len(timeline):
        return pd.DataFrame({"start": [], "end": [], "verdict": [], "from": [], "to": []})
    rows = timeline[timeline["verdict"].astype(str).isin(failing)]
    return pd.DataFrame(
        {
            "start": rows["start"].to_numpy(),
            "end": rows["end"].to_numpy(),
            "verdict": rows["verdict"].astype(str).to_numpy(),
            "from": time_label(rows["start"]),
            "to": time_label(rows["end"]),
        }
    )


@validated_once
def diagnosis_timeline(d: Any, *, width: int = WIDE, row_height: int = 50) -> Any:
    """ACCEPT and REJECT per role over time for one :class:`~flownb.analysis.Diagnosis`, the windows
    with a failing verdict shaded: the moment the connection broke (and was fixed) is where the shading
    starts (and ends).

    Parameters
    ----------
    d : Diagnosis
        The answer of :func:`flownb.diagnose`.
    width, row_height : int
        Size in pixels (one row per role).

    Returns
    -------
    altair.VConcatChart

    Examples
    --------
    >>> import flownb
    >>> d = flownb.diagnose(flownb.samples.load("demo"), "10.0.10.10", "10.0.20.10", port=5432)
    >>> spec = flownb.charts.diagnosis_timeline(d).to_dict()
    >>> [row["title"] for row in spec["vconcat"]]
    ['request egress', 'request ingress', 'response egress', 'response ingress']
    """
    alt = altair()
    ev = d.evidence
    if ev is None or not len(ev) or "start" not in ev or "role" not in ev:
        return empty_chart(alt, "No records between the two to draw", width=width)
    st = seconds(ev["start"])
    ok = st != np.iinfo(np.int64).min
    span = float(st[ok].max() - st[ok].min()) if ok.any() else 0.0
    w = max(pick_freq(span, 300), int(d.details.get("interval", 60)))
    action = ev["action"].astype(str).to_numpy() if "action" in ev else np.full(len(ev), "ACCEPT")
    work = pd.DataFrame(
        {"bin": st[ok] // w * w, "role": ev["role"].astype(str).to_numpy()[ok], "action": action[ok]}
    )
    counts = work.groupby(["bin", "role", "action"], sort=True).size().reset_index(name="records")
    # stacked by hand (ACCEPT below REJECT): each bar is a rectangle over its whole bin
    counts["top"] = counts.groupby(["bin", "role"], sort=False)["records"].cumsum()
    counts["bottom"] = counts["top"] - counts["records"]
    counts["time"] = pd.to_datetime(counts["bin"], unit="s", utc=True)
    counts["time_end"] = counts["time"] + pd.Timedelta(seconds=w)
    counts["when"] = time_label(counts["time"])
    broken = _breaking(d.timeline)
    present = [r for r in _ROLES if r in set(counts["role"])]
    lo, hi = counts["time"].min(), counts["time_end"].max()
    x_scale = alt.Scale(type="utc", domain=[lo.isoformat(), hi.isoformat()])
    rows = []
    for i, role in enumerate(present):
        last = i == len(present) - 1
        if last:
            x = alt.X(
                "time:T", scale=x_scale, axis=alt.Axis(title="time (UTC)", labelFont=FONT, format=TIME_FORMAT)
            )
        else:
            x = alt.X("time:T", scale=x_scale, axis=alt.Axis(labels=False, ticks=False, title=None))
        bars = (
            vchart(alt, counts[counts["role"] == role].drop(columns="bin"))
            .mark_rect()
            .encode(
                x=x,
                x2="time_end:T",
                y=alt.Y("top:Q", title="records", axis=alt.Axis(tickCount=2, labelFont=FONT)),
                y2="bottom:Q",
                color=alt.Color(
                    "action:N", scale=scale(alt, ACTION_COLORS, ["ACCEPT", "REJECT"]), title="action"
                ),
                tooltip=["when:N", "role:N", "action:N", "records:Q"],
            )
        )
        layers = [bars]
        if len(broken):
            shade = (
                vchart(alt, broken)
                .mark_rect(color=_BROKEN, opacity=0.15)
                .encode(
                    x=alt.X("start:T", scale=x_scale),
                    x2="end:T",
                    tooltip=[alt.Tooltip("verdict:N"), alt.Tooltip("from:N"), alt.Tooltip("to:N")],
                )
            )
            layers = [shade, bars]
        rows.append(alt.layer(*layers).properties(width=width, height=row_height, title=role))
    head = "ACCEPT and REJECT per role over time"
    sub = f"per {w // 60} min, UTC" + ("; shaded: windows with a failing verdict" if len(broken) else "")
    return alt.vconcat(*rows, title=title(alt, head, sub)).resolve_scale(x="shared")


@validated_once
def connectivity_matrix(report: pd.DataFrame, *, width: int = NARROW, height: int = NARROW) -> Any:
    """The failing pairs of :func:`flownb.connectivity_report` as a client x server matrix, coloured
    by verdict, sized by failed connections.

    Parameters
    ----------
    report : DataFrame
        The answer of :func:`flownb.connectivity_report`.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import flownb, pandas as pd
    >>> r = pd.DataFrame({"client": ["10.0.10.10"], "server": ["10.0.20.10"], "port": [5432],
    ...                   "verdict": ["NACL_OUTBOUND_BLOCKS_RETURN"], "failed": [209], "fix": ["..."]})
    >>> flownb.charts.connectivity_matrix(r).to_dict()["mark"]["type"]
    'circle'
    """
    alt = altair()
    if report is None or not len(report):
        return empty_chart(alt, "No failing pairs: every connection seen was answered", width=width)
    data = pd.DataFrame(
        {
            "client": report["client"].astype(str).to_numpy(),
            "server": [f"{s}:{p}" for s, p in zip(report["server"].astype(str), report["port"], strict=True)],
            "verdict": report["verdict"].astype(str).to_numpy(),
            "failed": report["failed"].to_numpy(dtype=np.int64),
            "fix": report["fix"].astype(str).to_numpy(),
        }
    )
    return (
        vchart(
            alt, data, title=title(alt, "Failing pairs", "client x server:port, sized by failed connections")
        )
        .mark_circle(opacity=0.85)
        .encode(
            x=alt.X("server:N", title="server:port", sort=None),
            y=alt.Y("client:N", title="client", sort=None),
            size=alt.Size("failed:Q", title="failed", scale=alt.Scale(range=[60, 900])),
            color=alt.Color("verdict:N", title="verdict", scale=alt.Scale(scheme="tableau10")),
            tooltip=["client:N", "server:N", "verdict:N", "failed:Q", "fix:N"],
        )
        .properties(width=width, height=height)
    )
