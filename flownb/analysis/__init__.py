"""Analysis: pure functions over flow log DataFrames.

enrichment (:func:`enrich`), traffic summaries (:func:`top`, :func:`timeseries`,
:func:`conversations`, :func:`service_view`) and connectivity troubleshooting
(:func:`diagnose`, :func:`one_way_flows`, :func:`rejections`, :func:`coverage`), and
traffic by path (:func:`network_paths`).
Modules load when a name is first used.

Examples
--------
The busiest destination ports of the bundled demo day:

>>> import flownb
>>> from flownb import analysis
>>> df = flownb.samples.load("demo")
>>> analysis.top(df, by="dstport", metric="flows", n=3)["dstport"].tolist()
[443, 8080, 5432]
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# ``enrich`` is both a submodule and a function: import the function now, so the
# package attribute is the function (importing the submodule first would leave the
# module there).
from ._enrich import enrich as enrich

_LAZY: dict[str, str] = {
    "top": "_traffic",
    "timeseries": "_traffic",
    "conversations": "_traffic",
    "service_view": "_traffic",
    "diagnose": "connectivity",
    "Diagnosis": "connectivity",
    "connectivity_report": "connectivity",
    "VERDICTS": "connectivity",
    "one_way_flows": "_rejections",
    "rejections": "_rejections",
    "coverage": "_coverage",
    "network_paths": "_paths",
}

# Detectors and baselines (issue 6) live beside these modules and are owned by
# their own authors; their public names are exported here once the module exists.
if importlib.util.find_spec(f"{__name__}.detectors") is not None:
    _LAZY.update({"detect": "detectors", "evidence": "detectors"})

__all__ = sorted([*_LAZY, "enrich"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
