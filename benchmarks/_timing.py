"""Timing helpers shared by the benchmark scripts: best of several runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(
    rounds: int,
    func: Callable[[], object],
    before: Callable[[], object] | None = None,
    warmup: bool = False,
) -> float:
    """Best wall-clock seconds of ``func`` over ``rounds`` runs (``before`` runs untimed before each)."""
    if warmup:
        func()
    best = float("inf")
    for _ in range(rounds):
        if before is not None:
            before()
        t = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t)
    return best


def best_wall_cpu(
    func: Callable[[], Any], rounds: int, before: Callable[[], object] | None = None
) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU seconds over ``rounds`` runs (``before`` runs untimed before each),
    and the last result."""
    out, walls, cpus = None, [], []
    for _ in range(rounds):
        if before is not None:
            before()
        w, c = time.perf_counter(), time.process_time()
        out = func()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out
