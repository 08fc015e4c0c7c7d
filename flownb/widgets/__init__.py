"""Interactive widgets: ipywidgets controls wired to Altair charts.

Each widget is a thin controller: its data work is done by pure functions
(:func:`apply_filters`, the chart builders, ``flownb.analysis``), so it can be
tested without a browser. Display a widget by leaving it last in a cell.

:class:`FilterState` and :func:`apply_filters` are plain pandas; the widget
classes import ipywidgets (and anywidget, for the charts) when first made.

Examples
--------
>>> import flownb
>>> from flownb.widgets import FilterState, apply_filters
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> len(apply_filters(df, FilterState(ports=(22,))))
1
"""

from __future__ import annotations

import importlib
from typing import Any

from ._state import FilterState, apply_filters

_LAZY = {
    "FilterPanel": "_panel",
    "FlowExplorer": "_explorer",
    "Troubleshooter": "_troubleshooter",
    "QueryConsole": "_console",
    "AlarmLab": "_alarmlab",
    "DetectorBoard": "_board",
    "Quiz": "_quiz",
}

__all__ = ["FilterState", "apply_filters", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
