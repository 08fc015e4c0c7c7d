"""flownb: Amazon VPC Flow Logs in Python and Jupyter.

``import flownb`` loads pandas and pyarrow only; analysis, charts, widgets and
the AWS clients load when first used.

Examples
--------
>>> import flownb
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> df["action"].value_counts().to_dict()
{'ACCEPT': 1, 'REJECT': 1}
"""

from __future__ import annotations

import importlib
from typing import Any

from . import accessor as _accessor  # registers df.flow
from . import schema
from .io import FlowLogParseError, FlowLogParseWarning, FlowLogSourceError, read_flow_logs

__version__ = "0.1.0"

# Public name -> "module" (a submodule) or "module:attribute" (loaded on first use).
_LAZY: dict[str, str] = {
    "samples": "flownb.samples",
}
# Filled in as each layer lands (see DESIGN.md, "Public API"); planned locations:
#   query, InsightsSyntaxError            flownb.insights
#   read_cloudwatch, query_cloudwatch     flownb.io.cloudwatch
#   simulate, scenarios, Simulation       flownb.sim
#   enrich                                flownb.analysis.enrich
#   top, timeseries, conversations, service_view   flownb.analysis.traffic
#   diagnose, Diagnosis, one_way_flows, rejections, coverage   flownb.analysis.connectivity
#   detect, evidence; module detectors    flownb.analysis.detectors
#   MetricFilter, Alarm, network_metrics, estimate_cost   flownb.monitoring
#   charts, widgets                       flownb.charts, flownb.widgets

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSourceError",
    "__version__",
    "read_flow_logs",
    "schema",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'flownb' has no attribute '{name}'")
    module, _, attr = target.partition(":")
    mod = importlib.import_module(module)
    value = getattr(mod, attr) if attr else mod
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


del _accessor
