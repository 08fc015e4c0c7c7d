"""Benchmark: analysis on 1,000,000 default-format records, against reading them.

Run: ``python benchmarks/analysis.py [--records N] [--rounds K]``. It generates (once,
seeded, cached in /tmp/flownb-bench) the same S3-style file as ``read.py``, reads it
with ``flownb.read_flow_logs`` (the reference, timed in the same run), then times on
the frame read:

* ``top(df, by="srcaddr", metric="bytes")`` and a few other ``top`` keys;
* ``conversations(df)``;
* ``diagnose(df, src, dst, port)`` for a busy pair of the data (the ENI address and
  server port that appear in the most records), with its timeline (``d.timeline``, always
  computed), and for a pair with no traffic;
* ``connectivity_report(df)``: every failing pair of the whole frame;
* ``timeseries(df, "1min")``, ``enrich(df)``, ``service_view``, ``rejections``, ``coverage``
  (no target: shown for information).

Each is the best of K rounds; a round reads the file and runs every operation once, so
the load of a shared machine falls on the reference and the operations alike. Targets (issue 5): ``conversations``
faster than reading the file; ``top`` by bytes under a tenth of it. Issue 18: ``diagnose`` with its timeline
under half the read time; ``connectivity_report`` under three times it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _generate
from _timing import best_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/flownb-bench")
    args = parser.parse_args(argv)

    import flownb
    from flownb.analysis import (
        connectivity_report,
        conversations,
        coverage,
        diagnose,
        enrich,
        rejections,
        service_view,
        timeseries,
        top,
    )

    log, _gz = _generate.write(args.dir, n=args.records)
    frames: list = []

    def read() -> None:
        frames[:] = [flownb.read_flow_logs(str(log), errors="raise")]

    t_read = best_of(1, read)
    df = frames[0]
    ok = df[df["log_status"] == "OK"]
    busy = ok.groupby(["srcaddr", "dstaddr", "dstport"], observed=True).size().idxmax()
    src, dst, port = str(busy[0]), str(busy[1]), int(busy[2])

    cases: list[tuple[str, Callable[[], object], float | None]] = [
        ("top(by='srcaddr', metric='bytes')", lambda: top(df, by="srcaddr", metric="bytes"), 0.1),
        ("top(by='dstport', metric='flows')", lambda: top(df, by="dstport", metric="flows"), None),
        (
            "top(by=['srcaddr','dstaddr'], metric='bps')",
            lambda: top(df, by=["srcaddr", "dstaddr"], metric="bps"),
            None,
        ),
        ("top(by='srcaddr/24', metric='bytes')", lambda: top(df, by="srcaddr/24", metric="bytes"), None),
        ("conversations(df)", lambda: conversations(df), 1.0),
        (f"diagnose({src} -> {dst}:{port}) + timeline", lambda: diagnose(df, src, dst, port=port), 0.5),
        ("diagnose(no traffic pair)", lambda: diagnose(df, "192.0.2.1", "198.51.100.7", port=22), 0.5),
        ("connectivity_report(df)", lambda: connectivity_report(df), 3.0),
        ("timeseries(freq='1min')", lambda: timeseries(df, freq="1min"), None),
        ("enrich(df)", lambda: enrich(df), None),
        ("service_view(df)", lambda: service_view(df), None),
        ("rejections(df)", lambda: rejections(df), None),
        ("coverage(df)", lambda: coverage(df), None),
    ]
    # rounds interleave the reference and every operation, so load on the machine hits them alike
    best = {name: float("inf") for name, _, _ in cases}
    for _ in range(args.rounds):
        t_read = min(t_read, best_of(1, read))
        for name, func, _ in cases:
            best[name] = min(best[name], best_of(1, func))
    rows = [("read_flow_logs (reference)", t_read, 1.0, None)]
    for name, _, limit in cases:
        rows.append((name, best[name], best[name] / t_read, limit))
    width = max(len(r[0]) for r in rows)
    print(f"{args.records:,} records, best of {args.rounds} rounds")
    print(f"{'operation':<{width}}  {'seconds':>8}  {'x read':>7}  target")
    failed = 0
    for name, t, ratio, limit in rows:
        if limit is None:
            verdict = ""
        else:
            good = ratio < limit
            failed += not good
            verdict = f"< {limit:g} x read: {'ok' if good else 'MISSED'}"
        print(f"{name:<{width}}  {t:8.3f}  {ratio:7.3f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
