"""Benchmark: reading 1,000,000 default-format records, flownb against its peers.

Run: ``python benchmarks/read.py [--records N] [--rounds K]``. It generates (once,
seeded, cached in /tmp/flownb-bench) an S3-style text file with a header line and
its gzip copy, then, for each file:

* times each reader in the same process, alternating their order, best of K rounds;
* measures each reader's peak memory in a fresh subprocess (peak RSS during the read
  minus RSS before it);
* reports in-memory bytes per row of the frame each returns.

Peers: plain ``pandas.read_csv(path, sep=" ")`` (untyped: bytes become strings
because of '-'), ``pandas.read_csv`` with the nullable dtypes and ``na_values="-"``
a careful user writes by hand, ``pyarrow.csv.read_csv``, DuckDB
``read_csv(...).df()``, and flowlogs-reader (its S3 text path: csv.DictReader +
FlowRecord, on the first 100,000 records, since it is slow).

Targets (issue 2): .log.gz typed parse no slower than plain pandas; .log at least 4x
faster than pandas with nullable dtypes and at most 3x plain pandas; at least 20x
flowlogs-reader's records/s; <= 60 bytes per row; peak memory no higher than plain
pandas. Issue 21: the 1,000,000-record .log.gz read in <= 1.3x the time of the same records
as .log, and a directory of 40 .log.gz objects read at >= 1.7x the speed of one core (CPU
time / wall time). The gzip rows time flownb with each inflate library installed (isal,
zlib-ng, and zlib, the fallback), forced with ``flownb.io._inflate.use``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _generate

NAMES = _generate.HEADER.split()
FLOWLOGS_READER_RECORDS = 100_000


def _nullable_dtypes() -> dict[str, str]:
    return {
        "version": "UInt8", "account-id": "category", "interface-id": "category", "srcaddr": "category",
        "dstaddr": "category", "srcport": "UInt16", "dstport": "UInt16", "protocol": "UInt8",
        "packets": "UInt64", "bytes": "UInt64", "start": "Int64", "end": "Int64", "action": "category",
        "log-status": "category",
    }  # fmt: skip


def run_reader(name: str, path: str):
    """Run one reader on one file; return (frame or None, records)."""
    if name == "flownb" or name.startswith("flownb "):
        import flownb
        from flownb.io import _inflate

        # "flownb": the fastest inflate library installed; "flownb zlib-ng", "flownb zlib": that one forced
        _inflate.use(name.removeprefix("flownb ") if name != "flownb" else None)
        try:
            df = flownb.read_flow_logs(path, errors="raise")
        finally:
            _inflate.use(None)
        return df, len(df)
    if name == "pandas plain":
        import pandas as pd

        df = pd.read_csv(path, sep=" ")
        return df, len(df)
    if name == "pandas nullable":
        import pandas as pd

        df = pd.read_csv(path, sep=" ", dtype=_nullable_dtypes(), na_values="-", keep_default_na=False)
        df["start"] = pd.to_datetime(df["start"], unit="s", utc=True)
        df["end"] = pd.to_datetime(df["end"], unit="s", utc=True)
        return df, len(df)
    if name == "pyarrow.csv":
        import pyarrow.csv as pacsv

        t = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=" "))
        return t, t.num_rows
    if name == "duckdb":
        import duckdb

        con = duckdb.connect()
        df = con.sql(f"select * from read_csv('{path}', delim=' ', header=true, nullstr='-')").df()
        con.close()
        return df, len(df)
    if name == "flowlogs-reader":
        import csv
        import itertools

        from flowlogs_reader import FlowRecord

        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            reader = csv.DictReader(f, delimiter=" ")
            reader.fieldnames = [n.replace("-", "_") for n in reader.fieldnames]
            recs = [FlowRecord(row) for row in itertools.islice(reader, FLOWLOGS_READER_RECORDS)]
        return recs, len(recs)
    raise ValueError(name)


READERS = ["flownb", "pandas plain", "pandas nullable", "pyarrow.csv", "duckdb", "flowlogs-reader"]


def inflaters() -> list[str]:
    """The inflate libraries installed, fastest first (flownb picks the first)."""
    from flownb.io import _inflate

    return [n for n in _inflate.NAMES if _inflate._load(n) is not None]


def gz_readers() -> list[str]:
    """For gzip: flownb with each inflate library installed (the fastest is plain "flownb"), then the peers."""
    return ["flownb", *(f"flownb {n}" for n in inflaters()[1:]), *READERS[1:]]


def bytes_per_row(obj, n: int) -> float | None:
    if n == 0:
        return None
    if hasattr(obj, "memory_usage"):
        return float(obj.memory_usage(deep=True).sum()) / n
    if hasattr(obj, "nbytes"):
        return obj.nbytes / n
    return None


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_kib() -> int:
    """Resident memory now (KiB)."""
    return _status_kib("VmRSS")


def reset_peak() -> None:
    """Reset the process's peak-RSS mark (Linux: writing 5 to clear_refs resets VmHWM)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_kib() -> int:
    return _status_kib("VmHWM")


def peak_child(name: str, path: str) -> float:
    """Peak memory (MiB) a reader adds, measured in a fresh process."""
    code = f"""
import sys, json
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import read as b
import pandas, pyarrow, pyarrow.csv
try:
    import duckdb, flownb, flowlogs_reader
except ImportError:
    pass
b.run_reader({name!r}, {str(Path(__file__).resolve().parent / "_tiny.log")!r})  # warm up lazy imports
base = b.rss_kib()
b.reset_peak()
obj, n = b.run_reader({name!r}, {path!r})
peak = b.peak_kib()
print(json.dumps((peak - base) / 1024))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_file(path: Path, rounds: int, readers: list[str] = READERS) -> list[dict]:
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds of all threads: what a loaded machine cannot inflate much
    info: dict[str, tuple[int, float | None]] = {}
    for r in range(rounds):
        order = readers if r % 2 == 0 else list(reversed(readers))
        for name in order:
            t0, c0 = time.perf_counter(), time.process_time()
            obj, n = run_reader(name, str(path))
            dt = time.perf_counter() - t0
            cpu[name] = min(cpu.get(name, float("inf")), time.process_time() - c0)
            best[name] = min(best.get(name, float("inf")), dt)
            info[name] = (n, bytes_per_row(obj, n))
            del obj
    rows = []
    for name in readers:
        n, bpr = info[name]
        rows.append(
            {
                "reader": name,
                "records": n,
                "seconds": best[name],
                "cpu": cpu[name],
                "records/s": n / best[name],
                "bytes/row": bpr,
                "peak MiB": peak_child(name, str(path)),
            }
        )
    return rows


def bench_directory(log: Path, files: int = 40, rounds: int = 3) -> list[dict]:
    """Read the same records split over many gzip files, with each inflate library.

    CPU time / wall time shows the cores used (2.0: both cores of this machine busy all along).
    """
    d = log.parent / f"split-{files}"
    if not d.exists():
        d.mkdir()
        lines = log.read_text().splitlines()
        header, body = lines[0], lines[1:]
        step = len(body) // files + 1
        for i in range(files):
            chunk = "\n".join([header, *body[i * step : (i + 1) * step]]) + "\n"
            (d / f"part-{i:03d}.log.gz").write_bytes(gzip.compress(chunk.encode(), 6))
    import flownb
    from flownb.io import _inflate

    def best_read() -> tuple[float, float, int]:
        best = None
        for _ in range(rounds):
            c0, t0 = time.process_time(), time.perf_counter()
            df = flownb.read_flow_logs(d, errors="raise", progress=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if best is None or wall < best[0]:
                best = (wall, cpu, len(df))
            del df
        return best

    rows = []
    for name in inflaters():
        _inflate.use(name)
        wall, cpu, n = best_read()
        row = {"inflate": name, "files": files, "records": n, "seconds": wall, "cpu/wall": cpu / wall}
        if name == inflaters()[0] and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            # The same read on one core (this thread and the threads it starts pinned to one CPU): the
            # speed of one core, measured in the same run and under the same load as the parallel read.
            cpus = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(cpus)})
            try:
                row["one core seconds"] = best_read()[0]
            finally:
                os.sched_setaffinity(0, cpus)
        rows.append(row)
    _inflate.use(None)
    return rows


def table(rows: list[dict], title: str) -> str:
    ref = {r["reader"]: r for r in rows}
    fl = ref["flownb"]
    out = [f"\n### {title}\n", "| reader | records | seconds | CPU s | records/s | bytes/row | peak MiB | flownb speed-up |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        speed = (r["records/s"] and fl["records/s"] / r["records/s"]) or float("nan")
        bpr = f"{r['bytes/row']:.1f}" if r["bytes/row"] is not None else "n/a"
        out.append(
            f"| {r['reader']} | {r['records']:,} | {r['seconds']:.3f} | {r['cpu']:.3f} | {r['records/s']:,.0f} | {bpr} | "
            f"{r['peak MiB']:.0f} | {speed:.2f}x |"
        )
    return "\n".join(out)


def _check_files(rows_log: list[dict], rows_gz: list[dict]) -> list[tuple[str, str, bool]]:
    log = {r["reader"]: r for r in rows_log}
    gz = {r["reader"]: r for r in rows_gz}
    res = []
    g = gz["pandas plain"]["seconds"] / gz["flownb"]["seconds"]
    res.append(("gz: flownb no slower than plain pandas", f"{g:.2f}x plain's speed", g >= 1.0))
    a = log["pandas nullable"]["seconds"] / log["flownb"]["seconds"]
    res.append((".log: >= 4x faster than pandas with nullable dtypes", f"{a:.2f}x", a >= 4.0))
    b = log["flownb"]["seconds"] / log["pandas plain"]["seconds"]
    res.append((".log: <= 3x plain pandas time", f"{b:.2f}x plain's time", b <= 3.0))
    c = log["flownb"]["records/s"] / log["flowlogs-reader"]["records/s"]
    res.append((">= 20x flowlogs-reader records/s", f"{c:.1f}x", c >= 20))
    d = log["flownb"]["bytes/row"]
    res.append(("<= 60 bytes per row", f"{d:.1f}", d <= 60))
    for name, rows in ((".log", log), (".log.gz", gz)):
        p = rows["flownb"]["peak MiB"] / rows["pandas plain"]["peak MiB"]
        res.append((f"{name}: peak memory <= plain pandas", f"{p:.2f}x plain's peak", p <= 1.0))
    r = gz["flownb"]["seconds"] / log["flownb"]["seconds"]
    c = gz["flownb"]["cpu"] / log["flownb"]["cpu"]
    res.append(("1,000,000-record .log.gz <= 1.3x the .log read", f"{r:.2f}x (CPU: {c:.2f}x)", r <= 1.3))
    return res


def check(
    rows_log: list[dict] | None, rows_gz: list[dict] | None, directory: list[dict]
) -> list[tuple[str, str, bool]]:
    """The targets; the single-file ones only when those files were measured (not ``--directory-only``)."""
    res = _check_files(rows_log, rows_gz) if rows_log is not None and rows_gz is not None else []
    top = directory[0]
    res.append((f"directory of {top['files']} .log.gz >= 1.7x one core ({top['inflate']})",
                f"cpu/wall {top['cpu/wall']:.2f}" + (f"; {top['one core seconds'] / top['seconds']:.2f}x the "
                "pinned one-core read" if "one core seconds" in top else ""), top["cpu/wall"] >= 1.7))  # fmt: skip
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data", default="/tmp/flownb-bench")
    ap.add_argument(
        "--directory-only",
        action="store_true",
        help="only the directory of 40 .log.gz (no single-file peers)",
    )
    args = ap.parse_args()
    log, gz = _generate.write(args.data, n=args.records)
    print(f"machine: {os.cpu_count()} cores; file {log} ({log.stat().st_size / 2**20:.0f} MiB), "
          f"{gz.name} ({gz.stat().st_size / 2**20:.0f} MiB)")  # fmt: skip
    from flownb.io import _native

    print(f"flownb's native tokenizer: {'built' if _native.AVAILABLE else 'NOT built (Arrow CSV fallback)'}")
    rows_log = rows_gz = None
    if not args.directory_only:
        rows_log = bench_file(log, args.rounds)
        print(table(rows_log, f"{log.name} (plain text)"))
        rows_gz = bench_file(gz, args.rounds, gz_readers())
        print(
            table(
                rows_gz, f"{gz.name} (gzip; flownb inflates with {inflaters()[0]}, the other rows force one)"
            )
        )
    directory = bench_directory(log, rounds=args.rounds)
    print(f"\n### directory of {directory[0]['files']} gzip files\n\n| inflate | records | seconds | CPU/wall | "
          "seconds on one core | speed vs one core |\n|---|---:|---:|---:|---:|---:|")  # fmt: skip
    for d in directory:
        one = d.get("one core seconds")
        pinned = f"{one:.3f} | {one / d['seconds']:.2f}x" if one else "n/a | n/a"
        print(f"| {d['inflate']} | {d['records']:,} | {d['seconds']:.3f} | {d['cpu/wall']:.2f} | {pinned} |")
    print(f"\n(CPU time / wall time: {os.cpu_count()}.0 = every core busy all along; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})")  # fmt: skip
    print("\n### targets\n\n| target | measured | met |\n|---|---|---|")
    ok = True
    for name, measured, met in check(rows_log, rows_gz, directory):
        ok &= met
        print(f"| {name} | {measured} | {'yes' if met else 'NO'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
