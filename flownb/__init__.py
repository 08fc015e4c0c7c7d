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

import importlib as _importlib
from typing import Any as _Any

from . import (
    _accessor,  # noqa: F401 - registers df.flow
    schema,
)
from .io import FlowLogParseError, FlowLogParseWarning, FlowLogSourceError, read_flow_logs

#: The version of flownb (semantic versioning; CHANGELOG.md says what each version changed).
__version__ = "0.2.0.dev0"

# Public name -> "module" (a submodule) or "module:attribute" (loaded on first use).
_LAZY: dict[str, str] = {
    # sources
    "FlowLogAccessError": "flownb.io._aws:FlowLogAccessError",
    "FlowLogSourceWarning": "flownb.io._aws:FlowLogSourceWarning",
    "read_cloudwatch": "flownb.io._cloudwatch:read_cloudwatch",
    "query_cloudwatch": "flownb.io._cloudwatch:query_cloudwatch",
    # Logs Insights
    "query": "flownb.insights:query",
    "InsightsSyntaxError": "flownb.insights:InsightsSyntaxError",
    "insights": "flownb.insights",
    # the VPC twin and the bundled samples
    "simulate": "flownb.sim:simulate",
    "scenarios": "flownb.sim:scenarios",
    "Simulation": "flownb.sim:Simulation",
    "samples": "flownb.samples",
    # analysis
    "FilterState": "flownb._filter:FilterState",
    "apply_filters": "flownb._filter:apply_filters",
    "enrich": "flownb.analysis._enrich:enrich",
    "top": "flownb.analysis._traffic:top",
    "timeseries": "flownb.analysis._traffic:timeseries",
    "conversations": "flownb.analysis._traffic:conversations",
    "service_view": "flownb.analysis._traffic:service_view",
    "diagnose": "flownb.analysis.connectivity:diagnose",
    "Diagnosis": "flownb.analysis.connectivity:Diagnosis",
    "connectivity_report": "flownb.analysis.connectivity:connectivity_report",
    "one_way_flows": "flownb.analysis.connectivity:one_way_flows",
    "rejections": "flownb.analysis.connectivity:rejections",
    "coverage": "flownb.analysis.connectivity:coverage",
    "detect": "flownb.analysis.detectors:detect",
    "evidence": "flownb.analysis.detectors:evidence",
    "detectors": "flownb.analysis.detectors",
    # monitoring
    "MetricFilter": "flownb.monitoring._metric_filter:MetricFilter",
    "Alarm": "flownb.monitoring._alarm:Alarm",
    "network_metrics": "flownb.monitoring._metrics:network_metrics",
    "estimate_cost": "flownb.monitoring._cost:estimate_cost",
    "monitoring": "flownb.monitoring",
    "sim": "flownb.sim",
    "analysis": "flownb.analysis",
    # beyond memory: a Parquet store, a lazy dataset, Athena (flownb/scale, extras 'scale' and 'athena')
    "ingest": "flownb.scale:ingest",
    "IngestReport": "flownb.scale:IngestReport",
    "open_dataset": "flownb.scale._dataset:open_dataset",
    "athena_ddl": "flownb.scale._athena:athena_ddl",
    "FlowDataset": "flownb.scale._dataset:FlowDataset",
    "scale": "flownb.scale",
    # charts and widgets (altair and ipywidgets load when these are first used)
    "charts": "flownb.charts",
    "widgets": "flownb.widgets",
}

__all__ = [
    "FlowLogParseError",
    "FlowLogParseWarning",
    "FlowLogSourceError",
    "__version__",
    "io",
    "read_flow_logs",
    "schema",
    *_LAZY,
]


def __getattr__(name: str) -> _Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'flownb' has no attribute '{name}'")
    module, _, attr = target.partition(":")
    mod = _importlib.import_module(module)
    value = getattr(mod, attr) if attr else mod
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})
