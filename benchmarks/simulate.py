"""Benchmark: the VPC twin's record generation, against the target and named peers in the same run.

Run: ``python benchmarks/simulate.py [--rounds K] [--scale S]``. For each case it
times ``flownb.sim.simulate`` (best of K rounds) and prints records and records/s:

* one day of the default topology's baseline, default (v2) format, scale 1 and ``--scale``;
* the same day with every scenario composed, v5 format (28 fields);
* writing that day as S3 gzip objects (``Simulation.write(layout="s3")``).

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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _generate

import flownb
import flownb.sim as sim

TARGET = 300_000


def best(fn, rounds: int) -> tuple[float, object]:
    out, times = None, []
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


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
    every = sim.scenarios()["name"].tolist()
    cases = [
        ("baseline, 1 day, v2, scale 1", dict(scenario="baseline", duration="1 day", scale=1.0)),
        (
            f"baseline, 1 day, v2, scale {args.scale:g}",
            dict(scenario="baseline", duration="1 day", scale=args.scale),
        ),
        (
            f"all 20 scenarios, 1 day, v5, scale {args.scale:g}",
            dict(scenario=every, duration="1 day", scale=args.scale, format="v5"),
        ),
    ]
    rows = []
    last = None
    for name, kw in cases:
        secs, result = best(lambda kw=kw: sim.simulate(**kw), args.rounds)
        n = len(result.flows)
        rows.append((f"simulate: {name}", n, secs))
        last = (kw, result)
    kw, result = last
    n = len(result.flows)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s3"
        secs, _ = best(lambda: result.write(str(out), layout="s3"), 1)
        rows.append(("write: that day as S3 .log.gz objects", n, secs))
        secs, df = best(lambda: flownb.read_flow_logs(str(out), errors="raise"), args.rounds)
        rows.append(("peer: read_flow_logs of those objects", len(df), secs))
        again = Path(tmp) / "again"
        sim.simulate(**kw).write(str(again), layout="s3")
        identical = digest(out) == digest(again)
    secs, recs = best(lambda: _generate.records(n, seed=0), 1)
    rows.append(("peer: benchmarks/_generate.py records()", len(recs), secs))

    w = max(len(r[0]) for r in rows)
    print(f"{'case':<{w}}  {'records':>10}  {'seconds':>8}  {'records/s':>12}  {'vs target':>9}")
    print("-" * (w + 47))
    for label, n, secs in rows:
        rate = n / secs
        mark = f"{rate / TARGET:8.2f}x" if label.startswith("simulate") else ""
        print(f"{label:<{w}}  {n:>10,}  {secs:>8.2f}  {rate:>12,.0f}  {mark:>9}")
    print(f"\ntarget: >= {TARGET:,} records/s generated; same arguments and seed give byte-identical files: "
          f"{'yes' if identical else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
