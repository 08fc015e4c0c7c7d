"""Altair chart builders: pure functions from flow log frames to ``altair`` charts.

Each builder aggregates in pandas first and hands Altair at most 5,000 rows
whatever the input size; each has a fixed size, tooltips, a title, the flownb
palette and UTC time axes. Charts are built, never displayed: show one by
leaving it last in a notebook cell, save one with ``chart.save("x.png")``
(offline, through vl-convert).

``import flownb.charts`` does not import altair; the first chart built does.

Examples
--------
>>> import flownb
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> chart = flownb.charts.top_talkers(df, by="dstaddr", metric="packets")
>>> chart.to_dict()["title"]["text"]
'Top 2 dstaddr by packets'
"""

from __future__ import annotations

from ._builders import (
    BRUSH,
    accept_reject,
    alarm_timeline,
    conversation_graph,
    coverage,
    findings_timeline,
    flow_paths,
    port_heatmap,
    top_talkers,
    traffic_timeline,
)
from ._common import MAX_ROWS, enable_jupyter_renderer, theme
from ._connectivity import connectivity_matrix, diagnosis_timeline

__all__ = [
    "BRUSH",
    "MAX_ROWS",
    "accept_reject",
    "alarm_timeline",
    "connectivity_matrix",
    "conversation_graph",
    "coverage",
    "diagnosis_timeline",
    "enable_jupyter_renderer",
    "findings_timeline",
    "flow_paths",
    "port_heatmap",
    "theme",
    "top_talkers",
    "traffic_timeline",
]
