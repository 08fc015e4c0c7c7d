"""Benchmark: the VPC twin's record generation, against the target and named peers in the same run.

Run: ``python benchmarks/simulate.py [--rounds K] [--scale S]``. For each case it
times ``flownb.sim.simulate`` (best of K rounds) and prints records and records/s:

* one day of the default topology's baseline, default (v2) format, scale 1 and ``--scale``;
* the same day with every composable scenario, v5 format (28 fields);
* writing that day in every layout (``Simulation.write(layout=...)``).

Peers in the same run:

* ``benchmarks/_generate.py`` (the read benchmark's record generator: NumPy
  draws, then one f-string per record), for the same number of records;
* ``flownb.read_flow_logs`` reading back the S3 objects just written (the
  simulator should not be slower than reading what it makes).

It also checks that two runs with the same arguments give byte-identical files.

Target (issue 3): >= 300,000 records/s generated for the default topology on a
2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _generate
from _timing import best_wall_cpu

import flownb
import flownb.sim as sim

TARGET = 300_000


def digest(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(directory.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(directory)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=5.0, help="traffic multiplier of the large cases")
    args = ap.parse_args()
    # every scenario composed, but those that replay another's change later in the day (they edit the same
    # rule: composing them with the one they replay is refused, as it should be)
    every = [n for n in sim.scenarios()["name"] if n not in ("nacl_change_midday", "sg_fix_after_incident")]
    cases = [
        ("baseline, 1 day, v2, scale 1", dict(scenario="baseline", duration="1 day", scale=1.0)),
        (
            f"baseline, 1 day, v2, scale {args.scale:g}",
            dict(scenario="baseline", duration="1 day", scale=args.scale),
        ),
        (
            f"all {len(every)} composable scenarios, 1 day, v5, scale {args.scale:g}",
            dict(scenario=every, duration="1 day", scale=args.scale, format="v5"),
        ),
    ]
    rows = []
    result = kw = None
    for name, kw in cases:
        wall, cpu, result = best_wall_cpu(lambda kw=kw: sim.simulate(**kw), args.rounds)
        rows.append((f"simulate: {name}", len(result.flows), wall, cpu))
    n = len(result.flows)
    with tempfile.TemporaryDirectory() as tmp:
        for layout in ("s3", "s3-hive", "parquet", "cloudwatch"):
            out = Path(tmp) / layout
            wall, cpu, _ = best_wall_cpu(
                lambda out=out, layout=layout: result.write(str(out), layout=layout), 1
            )
            rows.append((f"write: that day, layout {layout}", n, wall, cpu))
        wall, cpu, df = best_wall_cpu(
            lambda: flownb.read_flow_logs(str(Path(tmp) / "s3"), errors="raise", progress=False), args.rounds
        )
        rows.append(("peer: read_flow_logs of the s3 objects", len(df), wall, cpu))
        again = Path(tmp) / "again"
        sim.simulate(**kw).write(str(again), layout="s3")
        identical = digest(Path(tmp) / "s3") == digest(again)
    wall, cpu, recs = best_wall_cpu(lambda: _generate.records(n, seed=0), 1)
    rows.append(("peer: benchmarks/_generate.py records()", len(recs), wall, cpu))

    w = max(len(r[0]) for r in rows)
    head = f"{'case':<{w}}  {'records':>9}  {'wall s':>7}  {'records/s':>10}  {'cpu s':>6}  {'rec/cpu-s':>10}  {'target':>7}"
    print(head)
    print("-" * len(head))
    for label, n, wall, cpu in rows:
        mark = f"{n / wall / TARGET:6.2f}x" if label.startswith("simulate") else ""
        print(
            f"{label:<{w}}  {n:>9,}  {wall:>7.2f}  {n / wall:>10,.0f}  {cpu:>6.2f}  {n / cpu:>10,.0f}  {mark:>7}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\ntarget: >= {TARGET:,} records/s generated (wall clock; 'target' column is the ratio). "
        f"Load average during the run: {load:.1f} on {os.cpu_count()} CPUs.\n"
        f"Same arguments and seed give byte-identical files: {'yes' if identical else 'NO'}"
    )


if __name__ == "__main__":
    main()
