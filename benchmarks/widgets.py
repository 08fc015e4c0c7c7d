"""Benchmark: chart builds and FlowExplorer filter changes on 1,000,000 default-format records.

Run: ``python benchmarks/widgets.py [--records N] [--rounds K]``. It generates (once,
seeded, cached in /tmp/flownb-bench) the S3-style file of ``_generate.py``, reads it with
``flownb.read_flow_logs``, then times, best of K rounds:

* each chart builder on the full frame, from the call to the Vega-Lite spec
  (``chart.to_dict()``, what the browser receives);
* a FlowExplorer filter change: a control's value set in Python until the three new
  chart specs are assigned to the JupyterCharts (the summary line included), with the
  explorer's cache of recent charts emptied first (and once with it, for Reset). Reset to
  all records draws the charts the explorer made when it opened (it keeps them: the
  records never change); the row "all-records charts anew" drops them too, and shows what
  opening the explorer costs;
* named peers in the same run, for scale: pandas ``groupby`` of the timeline's data
  (records at their start, not spread), ``flownb.timeseries`` (the analysis layer's
  spreading time series) and ``flownb.coverage``.

Targets (issue 21, part 3): each chart build <= 300 ms, a filter change <= 100 ms, and at most
5,000 rows sent to the browser per chart (the "rows" column: the data values in the spec), while
the charts draw the analysis layer's numbers (issue 14).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _generate
from _timing import best_wall_cpu


def _rows_sent(spec: object) -> int:
    """Data rows a Vega-Lite spec carries to the browser (inline values and named datasets, layers too)."""
    if isinstance(spec, dict):
        n = sum(len(v) for v in spec.get("datasets", {}).values())
        data = spec.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            n += len(data["values"])
        return n + sum(_rows_sent(v) for k, v in spec.items() if k not in ("datasets", "data"))
    if isinstance(spec, list):
        return sum(_rows_sent(v) for v in spec)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default="/tmp/flownb-bench")
    args = parser.parse_args(argv)

    import numpy as np
    import pandas as pd

    import flownb
    from flownb import charts
    from flownb.analysis import coverage, timeseries
    from flownb.monitoring import Alarm
    from flownb.widgets import FilterState, FlowExplorer

    log, _gz = _generate.write(args.dir, n=args.records)
    t, c = time.perf_counter(), time.process_time()
    df = flownb.read_flow_logs(str(log))
    t_read, cpu_read = time.perf_counter() - t, time.process_time() - c
    charts.top_talkers(df.head(100)).to_dict()  # import altair and load its schema once, outside the timings

    # inputs for the two charts that do not take records
    sim = flownb.simulate("port_scan", seed=0, duration="1h")
    findings = flownb.detect(sim.flows)
    findings = pd.concat([findings] * (5000 // max(len(findings), 1) + 1), ignore_index=True).head(5000)
    minutes = pd.date_range(df["start"].min().floor("min"), periods=1440, freq="1min", tz="UTC")
    metric = pd.Series(
        np.random.default_rng(0).poisson(40, len(minutes)).astype(float), index=minutes, name="Rejects"
    )
    alarm = Alarm(threshold=50, comparison=">=", period="1min", evaluation_periods=5, datapoints_to_alarm=3)

    builds: list[tuple[str, Callable[[], object]]] = [
        ("traffic_timeline", lambda: charts.traffic_timeline(df).to_dict()),
        ("top_talkers", lambda: charts.top_talkers(df).to_dict()),
        ("port_heatmap", lambda: charts.port_heatmap(df).to_dict()),
        ("accept_reject", lambda: charts.accept_reject(df).to_dict()),
        ("conversation_graph", lambda: charts.conversation_graph(df).to_dict()),
        ("flow_paths", lambda: charts.flow_paths(df).to_dict()),
        ("coverage", lambda: charts.coverage(df).to_dict()),
        ("findings_timeline (5,000 findings)", lambda: charts.findings_timeline(findings).to_dict()),
        ("alarm_timeline (1,440 datapoints)", lambda: charts.alarm_timeline(metric, alarm).to_dict()),
    ]
    peers: list[tuple[str, Callable[[], object]]] = [
        (
            "peer: pandas groupby(5min, action) bytes",
            lambda: df.groupby([pd.Grouper(key="start", freq="5min"), "action"], observed=True)[
                "bytes"
            ].sum(),
        ),
        ("peer: flownb.timeseries(5min, by=action)", lambda: timeseries(df, "5min", by="action")),
        ("peer: flownb.coverage(10min)", lambda: coverage(df)),
    ]

    ex = FlowExplorer(df)
    panel = ex.panel
    n_times = len(panel.time.options)

    def reset() -> None:
        ex.state = FilterState()

    def fresh() -> None:
        """Back to no filter, with the explorer's chart cache emptied: every timing aggregates anew."""
        reset()
        ex._cache.clear()

    def to_reject_uncached() -> None:
        ex.state = FilterState(actions=("REJECT",))
        ex._cache.clear()

    def to_reject_nothing_kept() -> None:
        """As to_reject_uncached, and the charts of all records (kept since the explorer opened) dropped."""
        to_reject_uncached()
        ex._home.clear()

    changes: list[tuple[str, Callable[[], object]]] = [
        ("action -> REJECT", lambda: setattr(panel.action, "value", "REJECT")),
        ("ports -> 443", lambda: setattr(panel.ports, "value", "443")),
        ("src -> 10.0.0.0/16", lambda: setattr(panel.src, "value", "10.0.0.0/16")),
        (
            "time slider -> last quarter",
            lambda: setattr(panel.time, "index", (3 * n_times // 4, n_times - 1)),
        ),
        ("state = protocols=(udp,)", lambda: setattr(ex, "state", FilterState(protocols=("udp",)))),
    ]

    def timed(func: Callable[[], object], before: Callable[[], object] | None = None) -> tuple[float, float]:
        wall, cpu, _ = best_wall_cpu(func, args.rounds, before)
        return wall, cpu

    def verdict(wall: float, target: float) -> str:
        return "PASS" if wall <= target else f"FAIL (<= {target:.3f} s)"

    rows: list[tuple[str, float, float, str]] = [("read_flow_logs (reference)", t_read, cpu_read, "")]
    for name, func in builds:
        wall, cpu = timed(func)
        sent = _rows_sent(func())
        ok = wall <= 0.300 and sent <= 5000
        rows.append(
            (f"chart: {name}", wall, cpu, f"{'PASS' if ok else 'FAIL'} (<= 0.300 s; {sent:,} rows <= 5,000)")
        )
    for name, func in peers:
        rows.append((name, *timed(func), ""))
    for name, func in changes:
        wall, cpu = timed(func, before=fresh)
        rows.append((f"FlowExplorer filter: {name}", wall, cpu, verdict(wall, 0.100)))
    wall, cpu = timed(reset, before=to_reject_uncached)
    rows.append(("FlowExplorer filter: reset to all records (kept charts)", wall, cpu, verdict(wall, 0.100)))
    rows.append(
        (
            "FlowExplorer: all-records charts anew (as on opening)",
            *timed(reset, before=to_reject_nothing_kept),
            "",
        )
    )
    again = lambda: setattr(ex, "state", FilterState(actions=("REJECT",)))  # noqa: E731
    rows.append(("FlowExplorer filter: reset, charts reused (cache)", *timed(reset, before=again), ""))

    width = max(len(r[0]) for r in rows)
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.records:,} records, best of {args.rounds} rounds; {os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print("(targets on wall seconds; CPU seconds of this process beside them, less disturbed by the load)")
    print(f"{'operation':<{width}}  {'seconds':>8}  {'cpu s':>7}  {'x read':>7}  target")
    for name, sec, cpu, note in rows:
        print(f"{name:<{width}}  {sec:8.3f}  {cpu:7.3f}  {sec / t_read:7.3f}  {note}")
    return 0 if all("FAIL" not in r[3] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
