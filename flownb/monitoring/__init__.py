"""Monitoring: CloudWatch metric filters and alarms simulated on flow logs, metrics, and cost.

* :class:`MetricFilter`: a CloudWatch Logs metric filter (filter pattern, metric
  value, default value, dimensions) run on flow log records or on log events
  given as messages; :func:`try_pattern` tries a pattern on messages, as the
  TestMetricFilter API does; :func:`check_regex_quota` checks a log group's
  regex quota.
* :class:`Alarm`: a CloudWatch metric alarm evaluated period by period as the
  CloudWatch User Guide documents it (M out of N, treat missing data).
* :func:`network_metrics`: per-ENI bytes and packets in and out, accepted and
  rejected records: flow logs' view of EC2's NetworkIn/NetworkOut.
* :func:`estimate_cost`: what delivering, storing and querying flow logs costs.

Examples
--------
>>> import flownb
>>> from flownb.monitoring import MetricFilter
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> MetricFilter("REJECT", metric_name="Rejects").matches(df).sum()
np.int64(1)
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Alarm",
    "CostEstimate",
    "FilterPatternError",
    "MetricFilter",
    "check_regex_quota",
    "estimate_cost",
    "network_metrics",
    "packet_loss",
    "try_pattern",
]

_WHERE = {
    "Alarm": "_alarm",
    "CostEstimate": "_cost",
    "FilterPatternError": "_pattern",
    "MetricFilter": "_metric_filter",
    "check_regex_quota": "_metric_filter",
    "estimate_cost": "_cost",
    "network_metrics": "_metrics",
    "packet_loss": "_metrics",
    "try_pattern": "_metric_filter",
}


def __getattr__(name: str) -> Any:
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module 'flownb.monitoring' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
