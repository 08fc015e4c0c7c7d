"""The one place where a public analysis hands a :class:`~flownb.scale.FlowDataset` to its engine.

A public function decorated with :func:`accepts_dataset` runs as it always did
on a DataFrame; given a dataset, it runs the compiled twin registered here
under its name (an Ibis expression built by ``flownb.scale._ops``), which
validates the same keywords with the same messages and returns the same
result. Nothing here imports an engine: the twin is imported on first use.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["COMPILED", "accepts_dataset", "accepts_dataset_method", "expression", "is_dataset"]

#: Public analysis name -> the module of its compiled twin (``run_<name>`` and ``build_<name>``).
COMPILED: dict[str, str] = {
    "top": "flownb.scale._ops",
    "timeseries": "flownb.scale._ops",
    "query": "flownb.scale._ops",  # compiled where exact (flownb.scale._query), else narrowed for pandas
    "coverage": "flownb.scale._ops",
    "rejections": "flownb.scale._ops",
    "network_metrics": "flownb.scale._monitoring",
    # a method (accepts_dataset_method): run_MetricFilter_metric(self, ds, ...), in batches, no one expression
    "MetricFilter.metric": "flownb.scale._monitoring",
    "conversations": "flownb.scale._conversations",
    "service_view": "flownb.scale._conversations",
    # run_* only: the engine narrows the records, the pandas function decides (flownb.scale._narrow)
    "detect": "flownb.scale._narrow",
    "diagnose": "flownb.scale._narrow",
    "evidence": "flownb.scale._narrow",
}

_F = TypeVar("_F", bound=Callable[..., Any])


def is_dataset(obj: Any) -> bool:
    """True for a FlowDataset (checked without importing the engine)."""
    return getattr(type(obj), "_flownb_dataset", False) is True


def _twin(name: str, kind: str) -> Callable[..., Any]:
    module = COMPILED.get(name)
    if module is None:
        raise TypeError(
            f"{name}() does not run on a FlowDataset yet; bring the records you need into memory first: "
            f"{name}(ds.filter(...).to_pandas())"
        )
    twin = getattr(importlib.import_module(module), f"{kind}_{name.replace('.', '_')}", None)
    if twin is None:  # no build_ twin: the analysis runs in steps, not as one expression
        raise TypeError(
            f"{name}() runs on a FlowDataset in batches (the pattern matching is Python's), so it has no "
            "single SQL expression to show"
        )
    return twin


def accepts_dataset(fn: _F) -> _F:
    """Let a public analysis take a FlowDataset wherever it takes a DataFrame."""

    @functools.wraps(fn)
    def wrapper(df: Any, *args: Any, **kwargs: Any) -> Any:
        if is_dataset(df):
            return _twin(fn.__name__, "run")(df, *args, **kwargs)
        return fn(df, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def accepts_dataset_method(fn: _F) -> _F:
    """:func:`accepts_dataset` for a method (``MetricFilter.metric``): its twin also gets ``self``."""
    name = ".".join(fn.__qualname__.split(".")[-2:])

    @functools.wraps(fn)
    def wrapper(self: Any, df: Any, *args: Any, **kwargs: Any) -> Any:
        if is_dataset(df):
            return _twin(name, "run")(self, df, *args, **kwargs)
        return fn(self, df, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def expression(analysis: Callable[..., Any], ds: Any, /, *args: Any, **kwargs: Any) -> Any:
    """The Ibis expression an analysis runs on a dataset (what ``ds.show_sql(analysis)`` compiles)."""
    name = getattr(analysis, "__name__", str(analysis))
    if hasattr(analysis, "__self__"):  # a bound method: MetricFilter.metric
        name = ".".join(analysis.__qualname__.split(".")[-2:])
    return _twin(name, "build")(ds, *args, **kwargs).expr
