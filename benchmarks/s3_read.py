"""Reading flow logs from S3 at S3's latency: flownb parallel against one-by-one and its peers.

Targets (issue 21, part 2), at 20 ms per request: ``flownb parallel`` at least
5x faster than ``flownb one-by-one`` and at least 2x faster than
flowlogs-reader's S3 reader with its best thread count; peak memory below 2x
the final frame (issue 7).

A local moto server answers at once, which never makes a reader wait, so a
small TCP proxy (its own process) sits between every reader and the moto
server and holds each HTTP request for a fixed delay before passing it on (20
ms by default, ``--latency``: AWS's whitepaper "Best Practices Design Patterns:
Optimizing Amazon S3 Performance", section "Timeouts and Retries for
Latency-Sensitive Applications", puts the median latency of small requests,
under 512 KB, "often in the tens of milliseconds"). A connection's next request
is the first bytes the client sends after the server last answered on it. The proxy also
counts the TCP connections each reader opens (connection reuse shows there).

The moto server runs in its own process too (so serving requests does not
compete with the reader for one interpreter lock), on 127.0.0.1. Every
measurement runs in a fresh Python process, so peak memory is the reader's own:
a thread samples the resident set size every 2 ms during the read; "peak extra"
is the highest RSS minus the RSS just before the read, compared with the final
DataFrame's ``memory_usage(deep=True)``. One more, untimed, run of flownb
parallel measures what it allocates (tracemalloc's peak plus Arrow's memory
pool peak), which leaves out what the allocators keep after it is freed. Before
the measurement, every reader's own S3 client lists an empty prefix once (the
same warm-up for every row), so the botocore service models and modules that a
process loads once, on its first AWS call, are not counted as the read's memory.

The table also gives the CPU seconds each read used (all its threads) and those
the moto server and the proxy used meanwhile: all share the machine's CPUs.

Rows:

* ``flownb parallel``: ``flownb.read_flow_logs("s3://...")`` as shipped
  (``flownb.io._s3.WORKERS`` objects in flight, one botocore session and one
  pool of connections per read, each object one presigned GET on them);
* ``flownb one-by-one``: the same code with one object in flight;
* ``boto3 + pandas loop``: the obvious notebook code, a named peer: list,
  ``get_object`` and ``pandas.read_csv(sep=" ")`` per object, then ``concat``;
* ``flowlogs-reader (N threads)``: flowlogs-reader's ``S3FlowLogsReader`` with
  ``thread_count=N``, its records collected in a list (no DataFrame: its own
  output), for each N of ``--flowlogs-threads``; the best is the peer.

flowlogs-reader's rows run once each (they take many times longer), the others
``--repeat`` times, interleaved.

Run: ``python benchmarks/s3_read.py [--latency 20] [--objects 200] [--records 5000] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
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
FIRST = 1_700_000_000  # the first object's delivery time (Unix seconds); one object every 5 minutes after it


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


_SERVER = """
import logging, sys, time
from concurrent.futures import ThreadPoolExecutor
logging.getLogger("werkzeug").setLevel(logging.ERROR)
port = int(sys.argv[1])
try:
    # tornado keeps HTTP/1.1 connections alive between requests, as S3 does; werkzeug's server (moto's
    # own) closes every connection after its response, so no reader could reuse one there.
    import asyncio
    import tornado.httpserver, tornado.wsgi
    from moto.server import DomainDispatcherApplication, create_backend_app

    async def main():
        app = tornado.wsgi.WSGIContainer(
            DomainDispatcherApplication(create_backend_app), executor=ThreadPoolExecutor(32)
        )
        tornado.httpserver.HTTPServer(app, max_body_size=1 << 30).listen(port, "127.0.0.1")
        print("ready tornado", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
except ImportError:
    from moto.server import ThreadedMotoServer
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    print("ready werkzeug", flush=True)
    time.sleep(10**6)
"""


def _start_server() -> tuple[subprocess.Popen, str, str]:
    """A moto server in its own process; returns it, its URL and the HTTP server it runs on."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, kind = proc.stdout.readline().strip().partition(" ")
    assert ready == "ready", ready
    return proc, f"http://127.0.0.1:{port}", kind


# --------------------------------------------------------------------------- the latency proxy (own process)


def _proxy(listen: int, target: int, latency: float, stats: str) -> None:
    """Forward TCP 127.0.0.1:listen -> 127.0.0.1:target, holding each HTTP request ``latency`` seconds.

    A request is the first bytes a client sends on a connection after the server last answered on it
    (HTTP/1.1 without pipelining, as botocore and urllib3 speak it). Connections and requests are
    counted in the JSON file ``stats``.
    """
    counts = {"connections": 0, "requests": 0}

    def save() -> None:
        Path(stats + ".tmp").write_text(json.dumps(counts))
        os.replace(stats + ".tmp", stats)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        counts["connections"] += 1
        save()
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_w.close()
            return
        answered = [True]  # the server has answered the last request: the next bytes start a new one

        async def up() -> None:
            try:
                while data := await client_r.read(1 << 16):
                    if answered[0]:
                        answered[0] = False
                        counts["requests"] += 1
                        save()
                        await asyncio.sleep(latency)
                    server_w.write(data)
                    await server_w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                server_w.close()

        async def down() -> None:
            try:
                while data := await server_r.read(1 << 16):
                    answered[0] = True
                    client_w.write(data)
                    await client_w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                client_w.close()

        await asyncio.gather(up(), down())
        save()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=512)
        save()
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _start_proxy(server: str, latency_ms: float, stats: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    target = int(server.rsplit(":", 1)[1])
    proc = subprocess.Popen(
        [sys.executable, __file__, "--proxy", f"{port}:{target}:{latency_ms / 1000}:{stats}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, f"http://127.0.0.1:{port}"


def _proxy_counts(stats: Path) -> dict[str, int]:
    return json.loads(stats.read_text())


# --------------------------------------------------------------------------- the bucket


def _upload(endpoint: str, n_objects: int, n_records: int) -> tuple[int, int]:
    os.environ.update(_env(endpoint))
    import boto3

    sys.path.insert(0, str(HERE))
    from _generate import HEADER, records

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)

    def put(i: int) -> int:
        t = FIRST + i * 300
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


def _child(mode: str, n_objects: int, trace: bool = False) -> None:
    import pandas as pd
    import pyarrow as pa

    import flownb
    import flownb.io._s3 as s3mod

    if mode == "one-by-one":
        s3mod.WORKERS = 1
    import boto3  # imported before measuring, as in a notebook that already used it

    # Warm-up, outside the measurement and the same for every row: each reader's own client lists an
    # empty prefix once, so botocore's service models and lazily imported modules (loaded once per
    # process, as in a notebook that already used AWS) are not counted as the read's own memory.
    if mode == "pandas-loop" or mode.startswith("flowlogs-reader"):
        boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="warm-up/")
    else:
        s3mod.list_flow_log_objects(f"s3://{BUCKET}/warm-up/")
    if mode.startswith("flowlogs-reader"):
        import flowlogs_reader  # noqa: F401
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
    frame = 0
    if mode == "pandas-loop":
        import io

        client = boto3.client("s3")
        frames = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for obj in page.get("Contents", []):
                body = client.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
                frames.append(pd.read_csv(io.BytesIO(body), sep=" ", compression="gzip", na_values=["-"]))
        df = pd.concat(frames, ignore_index=True)
        rows = len(df)
    elif mode.startswith("flowlogs-reader"):
        from datetime import UTC, datetime

        from flowlogs_reader import S3FlowLogsReader

        threads = int(mode.rsplit("-", 1)[1])
        since = datetime.fromtimestamp(FIRST - 300, UTC).replace(tzinfo=None)
        until = datetime.fromtimestamp(FIRST + n_objects * 300 + 300, UTC).replace(tzinfo=None)
        reader = S3FlowLogsReader(BUCKET + "/", start_time=since, end_time=until, thread_count=threads)
        df = list(reader)  # its records (FlowRecord objects): flowlogs-reader's own output
        rows = len(df)
    else:
        df = flownb.read_flow_logs(f"s3://{BUCKET}/", progress=False)
        rows = len(df)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    stop.set()
    sampler.join()
    peak[0] = max(peak[0], _rss())
    if hasattr(df, "memory_usage"):
        frame = int(df.memory_usage(deep=True).sum())
    allocated = None
    if trace:
        allocated = tracemalloc.get_traced_memory()[1] + pa.default_memory_pool().max_memory()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "rows": rows,
                "frame": frame,
                "peak_extra": peak[0] - base,
                "allocated": allocated,
            }
        )
    )


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Bench:
    def __init__(self, endpoint: str, n_objects: int, server: int, proxy: int, stats: Path) -> None:
        self.endpoint, self.n_objects, self.server, self.proxy, self.stats = (
            endpoint, n_objects, server, proxy, stats,
        )  # fmt: skip

    def run(self, mode: str, trace: bool = False) -> dict:
        before = (_cpu(self.server), _cpu(self.proxy), _proxy_counts(self.stats))
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--objects", str(self.n_objects),
             *(["--trace"] if trace else [])],
            env=_env(self.endpoint), capture_output=True, text=True, check=True,
        )  # fmt: skip
        got = json.loads(out.stdout.strip().splitlines()[-1])
        after = _proxy_counts(self.stats)
        # These include the child's warm-up (one listing, one connection).
        got["server_cpu"] = _cpu(self.server) - before[0]
        got["proxy_cpu"] = _cpu(self.proxy) - before[1]
        got["connections"] = after["connections"] - before[2]["connections"]
        got["requests"] = after["requests"] - before[2]["requests"]
        return got

    def measure(self, modes: list[str], repeat: int) -> dict[str, dict]:
        """Best time of ``repeat`` runs per mode, interleaved so every mode meets the same machine load."""
        runs: dict[str, list[dict]] = {m: [] for m in modes}
        for r in range(repeat):
            for mode in modes:
                if r == 0 or not mode.startswith("flowlogs-reader"):  # many times slower: once is enough
                    runs[mode].append(self.run(mode))
        results = {}
        for mode, rs in runs.items():
            best = min(rs, key=lambda r: r["seconds"])
            best["peak_extra"] = max(r["peak_extra"] for r in rs)  # the worst peak of the runs
            results[mode] = best
        results["parallel"]["allocated"] = self.run("parallel", trace=True)["allocated"]
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency", type=float, default=20.0, help="ms added to every request (default 20)")
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--records", type=int, default=5000, help="records per object")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--flowlogs-threads", default="4,16,64", help="flowlogs-reader thread counts to try")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--proxy", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proxy:
        listen, target, latency, stats = args.proxy.split(":", 3)
        _proxy(int(listen), int(target), float(latency), stats)
        return
    if args.child:
        _child(args.child, args.objects, trace=args.trace)
        return
    import tempfile

    stats = Path(tempfile.mkdtemp(prefix="flownb-s3-bench-")) / "proxy.json"
    server, direct, http_server = _start_server()
    proxy = None
    try:
        n, size = _upload(direct, args.objects, args.records)
        proxy, endpoint = _start_proxy(direct, args.latency, stats)
        load = os.getloadavg()
        print(
            f"{n} gzip objects x {args.records:,} records ({size / 1e6:.1f} MB compressed) on moto, "
            f"behind a proxy adding {args.latency:g} ms to every request; {os.cpu_count()} CPUs; load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start; best of {args.repeat} interleaved runs "
            f"(RSS peak: worst of them); moto served by {http_server}"
            + ("" if http_server == "tornado" else " (it closes every connection: none can be reused)")
            + "\n"
        )
        fl_modes = [f"flowlogs-reader-{t}" for t in args.flowlogs_threads.split(",") if t]
        bench = _Bench(endpoint, args.objects, server.pid, proxy.pid, stats)
        got = bench.measure(["parallel", "one-by-one", "pandas-loop", *fl_modes], args.repeat)
    finally:
        for proc in (proxy, server):
            if proc is not None:
                proc.terminate()
                proc.wait()
    rows = [
        ("flownb parallel", got["parallel"]),
        ("flownb one-by-one", got["one-by-one"]),
        ("boto3 + pandas loop", got["pandas-loop"]),
        *((f"flowlogs-reader ({m.rsplit('-', 1)[1]} threads)", got[m]) for m in fl_modes),
    ]
    par = got["parallel"]
    print(
        f"| reader | seconds | records/s | time vs flownb parallel | frame MB | RSS peak MB | RSS/frame | "
        f"connections | requests | reader CPU s | moto CPU s | proxy CPU s |\n|---|{'---:|' * 11}"
    )
    for name, r in rows:
        frame = f"{r['frame'] / 1e6:.1f}" if r["frame"] else "n/a"
        ratio = f"{r['peak_extra'] / r['frame']:.2f}" if r["frame"] else "n/a"
        print(
            f"| {name} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} | {r['seconds'] / par['seconds']:.2f}x"
            f" | {frame} | {r['peak_extra'] / 1e6:.1f} | {ratio} | {r['connections']} | {r['requests']} | "
            f"{r['cpu']:.2f} | {r['server_cpu']:.2f} | {r['proxy_cpu']:.2f} |"
        )
    speedup = got["one-by-one"]["seconds"] / par["seconds"]
    best_fl = min(fl_modes, key=lambda m: got[m]["seconds"]) if fl_modes else None
    ratio = par["peak_extra"] / par["frame"]
    alloc = par["allocated"] / par["frame"]
    print(f"\n| target (at {args.latency:g} ms) | measured | met |\n|---|---|---|")
    print(f"| flownb parallel >= 5x one-by-one | {speedup:.2f}x | {'yes' if speedup >= 5 else 'NO'} |")
    if best_fl:
        vs = got[best_fl]["seconds"] / par["seconds"]
        print(
            f"| flownb parallel >= 2x flowlogs-reader's best ({best_fl.rsplit('-', 1)[1]} threads) | {vs:.2f}x | "
            f"{'yes' if vs >= 2 else 'NO'} |"
        )
    print(f"| peak memory < 2x the final frame (RSS) | {ratio:.2f}x | {'yes' if ratio < 2 else 'NO'} |")
    print(
        f"| peak memory < 2x the final frame (bytes allocated) | {alloc:.2f}x | {'yes' if alloc < 2 else 'NO'} |"
    )
    cpus = os.cpu_count() or 1
    floor = (par["cpu"] + par["server_cpu"] + par["proxy_cpu"]) / cpus
    print(
        "\nRSS peak: highest resident set size during the read minus before it (includes memory the allocators "
        "keep after it is freed); bytes allocated: tracemalloc's peak (Python and numpy) plus Arrow's pool peak. "
        "Connections and requests: what the proxy saw during the run, the warm-up's one listing included.\n"
        f"The parallel read used {par['cpu']:.2f} s of CPU, moto {par['server_cpu']:.2f} s and the proxy "
        f"{par['proxy_cpu']:.2f} s, all on the same {cpus} CPUs: it cannot take less than {floor:.2f} s here. "
        f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )


if __name__ == "__main__":
    main()
