"""Reading flow logs from S3: parallel vs one object after another, and peak memory vs the final frame.

Target (issue 7): reading 200 gzip objects of 5,000 records each from a local
moto server is at least 2x faster than reading them one after another, with
peak memory below 2x the final frame.

The moto server runs in its own process (so serving requests does not compete
with the reader for one interpreter lock), on 127.0.0.1. Every measurement
runs in a fresh Python process, so peak memory is the reader's own: a thread
samples the resident set size every 2 ms during the read; "peak extra" is the
highest RSS minus the RSS just before the read, compared with the final
DataFrame's ``memory_usage(deep=True)``. One more, untimed, run per reader
measures what it allocates (tracemalloc's peak plus Arrow's memory pool peak),
which leaves out what the allocators keep after it is freed. Before the
measurement, every reader's own S3 client lists an empty prefix once (the same
warm-up for every row), so the botocore service models and modules that a
process loads once, on its first AWS call, are not counted as the read's memory.

The table also gives the CPU seconds each read used (all its threads) and those
the moto server used meanwhile: here both share the machine's CPUs, so the
parallel read cannot take less than their sum divided by the number of CPUs,
which bounds its speed-up over one-by-one (printed below the table).

Rows:

* ``flownb parallel``: ``flownb.read_flow_logs("s3://...")`` as shipped
  (``flownb.io.s3.WORKERS`` objects in flight);
* ``flownb one-by-one``: the same code with one object in flight;
* ``boto3 + pandas loop``: the obvious notebook code, a named peer: list,
  ``get_object`` and ``pandas.read_csv(sep=" ")`` per object, then ``concat``.

Run: ``python benchmarks/s3_read.py [--objects 200] [--records 5000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUCKET = "bench-flow-logs"
ACCOUNT = "123456789012"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(endpoint: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("AWS_PROFILE", None)
    return env


def _start_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    code = (
        "import logging, time; logging.getLogger('werkzeug').setLevel(logging.ERROR);"
        "from moto.server import ThreadedMotoServer;"
        f"s = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False); s.start();"
        "print('ready', flush=True);"
        "time.sleep(10**6)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, f"http://127.0.0.1:{port}"


def _upload(endpoint: str, n_objects: int, n_records: int) -> tuple[int, int]:
    os.environ.update(_env(endpoint))
    import boto3

    sys.path.insert(0, str(HERE))
    from _generate import HEADER, records

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    total_bytes = 0

    def put(i: int) -> int:
        t = 1_700_000_000 + i * 300
        day = time.strftime("%Y/%m/%d", time.gmtime(t))
        stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(t))
        key = (
            f"AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1/{day}/"
            f"{ACCOUNT}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_{stamp}_{i:08x}.log.gz"
        )
        body = gzip.compress((HEADER + "\n" + "\n".join(records(n_records, seed=i)) + "\n").encode(), 6)
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        return len(body)

    with ThreadPoolExecutor(8) as pool:
        total_bytes = sum(pool.map(put, range(n_objects)))
    return n_objects, total_bytes


# --------------------------------------------------------------------------- one measurement (child process)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _child(mode: str, trace: bool = False) -> None:
    import pandas as pd
    import pyarrow as pa

    import flownb
    import flownb.io.s3 as s3mod

    if mode == "one-by-one":
        s3mod.WORKERS = 1
    import boto3  # imported before measuring, as in a notebook that already used it

    # Warm-up, outside the measurement and the same for every row: each reader's own client lists an
    # empty prefix once, so botocore's service models and lazily imported modules (loaded once per
    # process, as in a notebook that already used AWS) are not counted as the read's own memory.
    if mode == "pandas-loop":
        boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="warm-up/")
    else:
        s3mod.list_flow_log_objects(f"s3://{BUCKET}/warm-up/")
    import gc

    gc.collect()

    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    if trace:  # untimed run: what the reader allocates (Python and numpy via tracemalloc, Arrow's pool)
        import tracemalloc

        tracemalloc.start()
    base = _rss()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    if mode == "pandas-loop":
        import io

        client = boto3.client("s3")
        frames = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for obj in page.get("Contents", []):
                body = client.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
                frames.append(pd.read_csv(io.BytesIO(body), sep=" ", compression="gzip", na_values=["-"]))
        df = pd.concat(frames, ignore_index=True)
    else:
        df = flownb.read_flow_logs(f"s3://{BUCKET}/", progress=False)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    stop.set()
    sampler.join()
    peak[0] = max(peak[0], _rss())
    allocated = None
    if trace:
        allocated = tracemalloc.get_traced_memory()[1] + pa.default_memory_pool().max_memory()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "rows": len(df),
                "frame": int(df.memory_usage(deep=True).sum()),
                "peak_extra": peak[0] - base,
                "allocated": allocated,
            }
        )
    )


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the moto server process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(mode: str, endpoint: str, trace: bool = False, server: int | None = None) -> dict:
    before = _server_cpu(server) if server else 0.0
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, *(["--trace"] if trace else [])],
        env=_env(endpoint),
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["server_cpu"] = _server_cpu(server) - before if server else 0.0  # includes the child's warm-up
    return got


def _measure(modes: list[str], endpoint: str, repeat: int, server: int) -> dict[str, dict]:
    """Best time of ``repeat`` runs per mode, runs interleaved so every mode meets the same machine load."""
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(_run(mode, endpoint, server=server))
    results = {}
    for mode, rs in runs.items():
        best = min(rs, key=lambda r: r["seconds"])
        best["peak_extra"] = max(r["peak_extra"] for r in rs)  # the worst peak of the runs
        best["allocated"] = _run(mode, endpoint, trace=True)["allocated"]
        results[mode] = best
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, trace=args.trace)
        return
    server, endpoint = _start_server()
    try:
        n, size = _upload(endpoint, args.objects, args.records)
        print(
            f"{n} gzip objects x {args.records:,} records ({size / 1e6:.1f} MB compressed) on moto at {endpoint}; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
            f"best of {args.repeat} interleaved runs (RSS peak: worst of them)\n"
        )
        got = _measure(["parallel", "one-by-one", "pandas-loop"], endpoint, args.repeat, server.pid)
        rows = [
            ("flownb parallel", got["parallel"]),
            ("flownb one-by-one", got["one-by-one"]),
            ("boto3 + pandas loop", got["pandas-loop"]),
        ]
    finally:
        server.terminate()
        server.wait()
    par = rows[0][1]["seconds"]
    print(
        f"{'reader':<22}{'seconds':>9}{'records/s':>12}{'vs flownb':>11}{'frame MB':>10}"
        f"{'RSS peak MB':>13}{'RSS/frame':>11}{'alloc peak MB':>15}{'alloc/frame':>13}"
        f"{'reader CPU s':>14}{'moto CPU s':>12}"
    )
    for name, r in rows:
        print(
            f"{name:<22}{r['seconds']:>9.2f}{r['rows'] / r['seconds']:>12,.0f}{r['seconds'] / par:>10.2f}x"
            f"{r['frame'] / 1e6:>10.1f}{r['peak_extra'] / 1e6:>13.1f}{r['peak_extra'] / r['frame']:>11.2f}"
            f"{r['allocated'] / 1e6:>15.1f}{r['allocated'] / r['frame']:>13.2f}"
            f"{r['cpu']:>14.2f}{r['server_cpu']:>12.2f}"
        )
    speedup = rows[1][1]["seconds"] / par
    ratio = rows[0][1]["peak_extra"] / rows[0][1]["frame"]
    alloc = rows[0][1]["allocated"] / rows[0][1]["frame"]
    print(
        f"\nparallel vs one-by-one: {speedup:.2f}x faster (target >= 2x: {'met' if speedup >= 2 else 'NOT met'}).\n"
        f"peak memory vs the final frame (target < 2x): {ratio:.2f}x counted as resident memory "
        f"({'met' if ratio < 2 else 'NOT met'}), {alloc:.2f}x counted as bytes allocated "
        f"({'met' if alloc < 2 else 'NOT met'}).\n"
        "RSS peak: highest resident set size during the read minus before it (includes memory the allocators "
        "keep after it is freed); alloc peak: tracemalloc's peak (Python and numpy) plus Arrow's pool peak, "
        "an upper bound of what the reader held at once."
    )
    one, p = rows[1][1], rows[0][1]
    cpus = os.cpu_count() or 1
    floor = (p["cpu"] + p["server_cpu"]) / cpus
    print(
        f"\nWhere the time goes: one-by-one took {one['seconds']:.2f} s, of which the reader used "
        f"{one['cpu']:.2f} s of CPU and the moto server {one['server_cpu']:.2f} s (on this machine both run on "
        f"the same {cpus} CPUs). The parallel read needed {p['cpu']:.2f} + {p['server_cpu']:.2f} s of CPU, so "
        f"with {cpus} CPUs it cannot take less than {floor:.2f} s: at most {one['seconds'] / floor:.2f}x "
        "faster than one-by-one, however the work is scheduled."
    )


if __name__ == "__main__":
    main()
