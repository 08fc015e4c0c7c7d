"""flownb beyond memory: ingest vs the in-memory read; top and timeseries on the store vs named peers.

Peers in the same run, each case in its own process (so its peak RSS is its own, from ``ru_maxrss``):

* ``read``: ``flownb.read_flow_logs`` of the gzip text (the in-memory path), and ``ingest``: ``flownb.ingest``
  of the same files into a store. Target (issue 15): ingest at >= 0.8x the read's records/s, peak <= 512 MiB.
* ``top`` (by srcaddr, bytes, n=10: the same columns as ``flownb.top``, rates and share included) and ``timeseries`` (5 min, bytes, spread over each record's window) on
  the store: flownb on DuckDB (``flownb.top(ds)``), the same question hand-written in DuckDB SQL on the
  same Parquet (the floor), Polars lazy on the same Parquet, and flownb's pandas path on the frame already
  in memory (time of the analysis only). Target: flownb on the store within 1.5x of the hand-written SQL.

Every peer's answer is checked against flownb's pandas answer (top: same keys and bytes in the same order;
timeseries: same bins, sums within 1e-9).

* ``capped``: ``conversations`` and ``detect`` on the store under a resident-memory cap (``--cap-mib``, 2 GiB),
  and the pandas path (read + analysis) at the cap and uncapped. With ``--traffic twin`` the records repeat
  conversations as the VPC twin's do (~50 records each); the default random traffic makes every record a new
  conversation, so the answer alone outgrows the cap at 20M.

Usage::

    python benchmarks/scale.py --records 1000000 [--dir /tmp/flownb-scale-bench]
    python benchmarks/scale.py --traffic twin --records 20000000 --sections ingest,capped --capped conversations
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PER_FILE = 50_000
FREQ = 300
#: records per conversation in the twin-like traffic (--traffic twin)
TWIN_RECORDS_PER_CONVERSATION = 50
DUCKDB_LIMIT = "1GB"
#: DuckDB spills here beyond DUCKDB_LIMIT (beside the data, not in the working directory)
SPILL = os.environ.get("FLOWNB_BENCH_SPILL", "/tmp/flownb-scale-spill")


DAY0 = 1_700_000_000  # 2023-11-14T22:13:20Z: one day of records from here


def _chunk(rng, n: int, t0: int, t1: int, enis, eni_ip, pub):
    """n records starting in [t0, t1), as an Arrow table of the default format's columns (AWS's names)."""
    import numpy as np

    n_eni = len(enis)
    eni_idx = rng.integers(0, n_eni, n)
    peer_is_pub = rng.random(n) < 0.4
    peer_pub = rng.zipf(1.3, n) % len(pub)
    peer = np.where(peer_is_pub, peer_pub + n_eni, rng.integers(0, n_eni, n))  # index into all addresses
    server_ports = np.array([443, 80, 22, 3306, 5432, 6379, 8080, 53, 123, 3389])
    sport = server_ports[rng.integers(0, len(server_ports), n)]
    eport = rng.integers(32768, 61000, n)
    inbound = rng.random(n) < 0.5
    src = np.where(inbound, peer, eni_idx)
    dst = np.where(inbound, eni_idx, peer)
    srcport = np.where(inbound, eport, sport)
    dstport = np.where(inbound, sport, eport)
    proto = np.where((sport == 53) | (sport == 123), 17, 6)
    packets = rng.integers(1, 2000, n)
    nbytes = packets * rng.integers(40, 1500, n)
    start = np.sort(rng.integers(t0, t1, n))
    end = start + rng.integers(0, 60, n)
    action = np.where(rng.random(n) < 0.05, 1, 0)
    special = rng.random(n)
    status = np.where(special < 0.001, 2, np.where(special < 0.01, 1, 0))
    return _table(n, eni_idx, src, dst, srcport, dstport, proto, packets, nbytes, start, end, action, status,
                  enis, eni_ip, pub)  # fmt: skip


def _table(n, eni_idx, src, dst, srcport, dstport, proto, packets, nbytes, start, end, action, status, enis,
           eni_ip, pub):  # fmt: skip
    """The records' columns (indices into the ENIs and the addresses) as an Arrow table of AWS's names."""
    import numpy as np
    import pyarrow as pa

    ok = status == 0
    addrs = pa.array(np.concatenate([eni_ip, pub]))

    def num(a):
        return pa.array(a, mask=~ok)

    cols = {
        "version": pa.array(np.full(n, 2)),
        "account-id": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, np.int32)), pa.array(["123456789012"])
        ),
        "interface-id": pa.DictionaryArray.from_arrays(pa.array(eni_idx.astype(np.int32)), pa.array(enis)),
        "srcaddr": pa.DictionaryArray.from_arrays(pa.array(src.astype(np.int32), mask=~ok), addrs),
        "dstaddr": pa.DictionaryArray.from_arrays(pa.array(dst.astype(np.int32), mask=~ok), addrs),
        "srcport": num(srcport),
        "dstport": num(dstport),
        "protocol": num(proto),
        "packets": num(packets),
        "bytes": num(nbytes),
        "start": pa.array(start),
        "end": pa.array(end),
        "action": pa.DictionaryArray.from_arrays(
            pa.array(action.astype(np.int8), mask=~ok), pa.array(["ACCEPT", "REJECT"])
        ),
        "log-status": pa.DictionaryArray.from_arrays(
            pa.array(status.astype(np.int8)), pa.array(["OK", "NODATA", "SKIPDATA"])
        ),
    }
    return pa.table(cols)


def _twin_pool(rng, n: int, n_eni: int, n_pub: int) -> dict:
    """The conversations of a twin-like day: each a client, a server, the client's ephemeral port, the service.

    About one conversation per :data:`TWIN_RECORDS_PER_CONVERSATION` records (what the VPC twin's traffic
    gives: a connection is logged by several aggregation intervals, both directions, and by both ENIs when
    both ends are in the VPC), so 20M records are ~400k conversations, not the random mix's ~20M.
    """
    import numpy as np

    m = max(1000, n // TWIN_RECORDS_PER_CONVERSATION)
    eni = rng.integers(0, n_eni, m)
    peer_is_pub = rng.random(m) < 0.4
    peer = np.where(peer_is_pub, rng.zipf(1.3, m) % n_pub + n_eni, rng.integers(0, n_eni, m))
    server_ports = np.array([443, 80, 22, 3306, 5432, 6379, 8080, 53, 123, 3389])
    sport = server_ports[rng.zipf(1.5, m) % len(server_ports)]
    inbound = rng.random(m) < 0.5  # the ENI is the server
    return {
        "client": np.where(inbound, peer, eni),
        "server": np.where(inbound, eni, peer),
        "cport": rng.integers(32768, 61000, m),
        "sport": sport,
        "proto": np.where((sport == 53) | (sport == 123), 17, 6),
        "eni": eni,
        "peer_eni": np.where(peer_is_pub, -1, peer),
        "reject": rng.random(m) < 0.05,
    }


def _twin_chunk(rng, n: int, t0: int, t1: int, enis, eni_ip, pub, pool: dict):
    """n records of the pool's conversations (both directions, either ENI's copy), as :func:`_chunk` lays out."""
    import numpy as np

    c = rng.integers(0, len(pool["client"]), n)
    reply = rng.random(n) < 0.5
    client, server = pool["client"][c], pool["server"][c]
    src = np.where(reply, server, client)
    dst = np.where(reply, client, server)
    srcport = np.where(reply, pool["sport"][c], pool["cport"][c])
    dstport = np.where(reply, pool["cport"][c], pool["sport"][c])
    other = pool["peer_eni"][c]
    eni_idx = np.where((other >= 0) & (rng.random(n) < 0.5), other, pool["eni"][c])
    packets = rng.integers(1, 2000, n)
    nbytes = packets * rng.integers(40, 1500, n)
    start = np.sort(rng.integers(t0, t1, n))
    end = start + rng.integers(0, 60, n)
    action = pool["reject"][c].astype(np.int8)
    special = rng.random(n)
    status = np.where(special < 0.001, 2, np.where(special < 0.01, 1, 0))
    return _table(n, eni_idx, src, dst, srcport, dstport, pool["proto"][c], packets, nbytes, start, end,
                  action, status, enis, eni_ip, pub)  # fmt: skip


def _write_logs(logs: Path, n: int, per_file: int = PER_FILE, seed: int = 0, twin: bool = False) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    n_eni = 300
    enis = np.array([f"eni-{x:017x}" for x in rng.integers(0, 2**63 - 1, n_eni, dtype=np.int64)])
    eni_ip = np.array([f"10.0.{i // 250}.{i % 250 + 4}" for i in range(n_eni)])
    pub = np.array([f"{a}.{b}.{c}.{d}" for a, b, c, d in rng.integers(1, 255, (20000, 4))])
    pool = _twin_pool(rng, n, n_eni, len(pub)) if twin else None
    day = logs / "AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14"
    day.mkdir(parents=True, exist_ok=True)
    nfiles = -(-n // per_file)
    opts = pcsv.WriteOptions(
        include_header=True, delimiter=" ", null_string="-", quoting_style="none", quoting_header="none"
    )
    for i in range(nfiles):
        m = min(per_file, n - i * per_file)
        t0 = DAY0 + (86400 * i) // nfiles
        t1 = DAY0 + (86400 * (i + 1)) // nfiles
        if pool is not None:
            t = _twin_chunk(rng, m, t0, max(t1, t0 + 1), enis, eni_ip, pub, pool)
        else:
            t = _chunk(rng, m, t0, max(t1, t0 + 1), enis, eni_ip, pub)
        name = f"123456789012_vpcflowlogs_us-east-1_fl-0abc_{time.strftime('%Y%m%dT%H%MZ', time.gmtime(t0))}_{i:08x}.log.gz"
        sink = pa.BufferOutputStream()
        pcsv.write_csv(t, sink, opts)
        (day / name).write_bytes(gzip.compress(sink.getvalue().to_pybytes(), 6))


def _files(folder: Path, n: int, twin: bool = False) -> Path:
    """n default-format records as gzip text files in the classic S3 layout (reused when present).

    Vectorised (numpy columns written by pyarrow's CSV writer with ' ' and '-'), so 20M or 100M records are
    minutes of one core, not the twin's or ``_generate.records``' Python loop: the same traffic mix as
    ``_generate`` (300 ENIs, 40 % public peers on a Zipf law, about 5 % REJECT, 1 % NODATA/SKIPDATA), one day.
    Every record a new conversation, unless ``twin``: then records repeat a pool of conversations as the VPC
    twin's do (:func:`_twin_pool`).
    """
    logs = folder / (f"logs-twin-{n}" if twin else f"logs-{n}")
    done = logs / ".complete"
    if done.exists():
        return logs
    _write_logs(logs, n, twin=twin)
    done.write_text("")
    return logs


def _peak_mib() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(fn, rounds: int | None = None):
    rounds = rounds or int(os.environ.get("FLOWNB_BENCH_ROUNDS", "3"))
    best, out = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# ------------------------------------------------------------------------------------------ the cases

HAND_TOP = """
WITH g AS (
  SELECT srcaddr, count(*) AS flows, sum(coalesce(packets, 0)) AS packets, sum(coalesce(bytes, 0)) AS bytes,
         min(start) AS first, max("end") AS last
  FROM flows
  WHERE coalesce(log_status = 'OK', true) AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL
  GROUP BY srcaddr
)
SELECT srcaddr, flows, packets, bytes,
       bytes * 8 / greatest(last - first, 1) AS bps, packets / greatest(last - first, 1) AS pps,
       CASE WHEN packets > 0 THEN bytes / packets END AS bpp, first, last,
       bytes / sum(bytes) OVER () AS share
FROM g ORDER BY bytes DESC, srcaddr LIMIT 10
"""
HAND_SERIES = """
WITH r AS (
  SELECT start AS s, greatest("end", start) AS e, coalesce(bytes, 0)::DOUBLE AS v
  FROM flows
  WHERE coalesce(log_status = 'OK', true) AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL
    AND start IS NOT NULL AND "end" IS NOT NULL
), b AS (
  SELECT s, e, v, e - s AS len, unnest(range(s // {f}, greatest(CASE WHEN e > s THEN (e + {f} - 1) // {f} - 1
         ELSE s // {f} END, s // {f}) + 1)) AS k FROM r
), sums AS (
  SELECT k, sum(CASE WHEN len = 0 THEN v ELSE v * (least(e, (k + 1) * {f}) - greatest(s, k * {f}))::DOUBLE / len END) AS x
  FROM b GROUP BY k
)
SELECT g.k * {f} AS t, coalesce(sums.x, 0) AS bytes
FROM (SELECT unnest(range(min(k), max(k) + 1)) AS k FROM b) g LEFT JOIN sums USING (k) ORDER BY t
"""


def case_read(logs: str) -> dict:
    import flownb

    t = time.perf_counter()
    df = flownb.read_flow_logs(logs)
    return {"wall": time.perf_counter() - t, "records": len(df)}


def case_ingest(logs: str, store: str) -> dict:
    import flownb

    t = time.perf_counter()
    report = flownb.ingest(logs, store, progress=False)
    return {"wall": time.perf_counter() - t, "records": report.records}


def _store_files(store: str) -> list[str]:
    import flownb

    return flownb.open_dataset(store).files


def case_flownb_store(store: str, what: str) -> dict:
    import flownb

    ds = flownb.open_dataset(store, memory_limit=DUCKDB_LIMIT)
    fn = (lambda: flownb.top(ds, by="srcaddr", metric="bytes")) if what == "top" else (
        lambda: flownb.timeseries(ds, freq=f"{FREQ}s", metric="bytes"))  # fmt: skip
    wall, out = _best(fn)
    return {"wall": wall, "answer": _answer(out, what)}


def case_duckdb_sql(store: str, what: str) -> dict:
    import duckdb

    files = "[" + ", ".join(f"'{f}'" for f in _store_files(store)) + "]"
    con = duckdb.connect(config={"memory_limit": DUCKDB_LIMIT, "preserve_insertion_order": False})
    # one view over the files, made once (as open_dataset does), so both peers plan the same scan
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet({files}, union_by_name=true)")
    sql = (HAND_TOP if what == "top" else HAND_SERIES).format(f=FREQ)
    wall, table = _best(lambda: con.sql(sql).to_arrow_table())
    df = table.to_pandas()
    if what == "top":
        return {
            "wall": wall,
            "answer": [[str(a), int(b)] for a, b in zip(df["srcaddr"], df["bytes"], strict=True)],
        }
    return {"wall": wall, "answer": [[int(a), float(b)] for a, b in zip(df["t"], df["bytes"], strict=True)]}


def case_polars(store: str, what: str) -> dict:
    import polars as pl

    files = _store_files(store)

    def run():
        lf = pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
        lf = lf.filter(
            (pl.col("log_status").eq("OK").fill_null(True))
            & pl.col("srcaddr").is_not_null()
            & pl.col("dstaddr").is_not_null()
        )
        if what == "top":
            out = (
                lf.group_by("srcaddr")
                .agg(pl.col("bytes").fill_null(0).sum().alias("bytes"))
                .sort(["bytes", "srcaddr"], descending=[True, False])
                .head(10)
            )
            return out.collect(engine="streaming")
        r = lf.filter(pl.col("start").is_not_null() & pl.col("end").is_not_null()).select(
            s=pl.col("start"),
            e=pl.max_horizontal("end", "start"),
            v=pl.col("bytes").fill_null(0).cast(pl.Float64),
        )
        r = r.with_columns(length=pl.col("e") - pl.col("s"), b0=pl.col("s") // FREQ)
        r = r.with_columns(
            b1=pl.max_horizontal(
                pl.when(pl.col("length") > 0).then(-((-pl.col("e")) // FREQ) - 1).otherwise(pl.col("b0")),
                pl.col("b0"),
            )
        )
        r = r.with_columns(k=pl.int_ranges("b0", pl.col("b1") + 1)).explode("k")
        lo = pl.max_horizontal("s", pl.col("k") * FREQ)
        hi = pl.min_horizontal("e", (pl.col("k") + 1) * FREQ)
        w = pl.when(pl.col("length") == 0).then(1.0).otherwise((hi - lo).cast(pl.Float64) / pl.col("length"))
        sums = r.group_by("k").agg((pl.col("v") * w).sum().alias("bytes")).collect(engine="streaming")
        grid = pl.DataFrame({"k": range(int(sums["k"].min()), int(sums["k"].max()) + 1)})
        return grid.join(sums, on="k", how="left").fill_null(0.0).sort("k")

    wall, out = _best(run)
    if what == "top":
        return {
            "wall": wall,
            "answer": [[str(a), int(b)] for a, b in out.select("srcaddr", "bytes").iter_rows()],
        }
    return {
        "wall": wall,
        "answer": [[int(k) * FREQ, float(b)] for k, b in out.select("k", "bytes").iter_rows()],
    }


def case_pandas(logs: str, what: str) -> dict:
    import warnings

    import flownb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = flownb.read_flow_logs(logs)
    fn = (lambda: flownb.top(df, by="srcaddr", metric="bytes")) if what == "top" else (
        lambda: flownb.timeseries(df, freq=f"{FREQ}s", metric="bytes"))  # fmt: skip
    wall, out = _best(fn)
    return {"wall": wall, "answer": _answer(out, what)}


def _answer(out, what: str) -> list:
    if what == "top":
        return [[str(a), int(b)] for a, b in zip(out["srcaddr"], out["bytes"], strict=True)]
    secs = out["time"].astype("int64") // (10**9 if str(out["time"].dtype).startswith("datetime64[ns") else 1)
    return [[int(t), float(b)] for t, b in zip(secs, out["bytes"], strict=True)]


#: Five Logs Insights queries (the sample queries' shapes: leading filters the engine pushes down, then
#: stats), each with the same question hand-written in DuckDB SQL on the same Parquet.
QUERIES = {
    "rejects by source": (
        'filter action = "REJECT" | stats count(*) as n by srcAddr | sort n desc, srcAddr | limit 10',
        "SELECT srcaddr, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY srcaddr "
        "ORDER BY n DESC, srcaddr LIMIT 10",
    ),
    "ssh bytes by source": (
        "filter dstPort = 22 | stats sum(bytes) as b by srcAddr | sort b desc, srcAddr | limit 10",
        "SELECT srcaddr, sum(bytes) AS b FROM flows WHERE dstport = 22 GROUP BY srcaddr "
        "ORDER BY b DESC, srcaddr LIMIT 10",
    ),
    "NODATA by ENI": (
        'filter logStatus = "NODATA" | stats count(*) as n by interfaceId | sort n desc, interfaceId | limit 10',
        "SELECT interface_id, count(*) AS n FROM flows WHERE log_status = 'NODATA' GROUP BY interface_id "
        "ORDER BY n DESC, interface_id LIMIT 10",
    ),
    "rejected UDP per 5 min": (
        'filter protocol = 17 and action = "REJECT" | stats count(*) as n by bin(5m) as t | sort t',
        "SELECT to_timestamp(start // 300 * 300) AS t, count(*) AS n FROM flows "
        "WHERE protocol = 17 AND action = 'REJECT' GROUP BY 1 ORDER BY 1",
    ),
    "bytes by port, all records": (
        "stats sum(bytes) as b by dstPort | sort b desc, dstPort | limit 10",
        "SELECT dstport, sum(bytes) AS b FROM flows GROUP BY dstport ORDER BY b DESC, dstport LIMIT 10",
    ),
}


def case_query_flownb(store: str, name: str) -> dict:
    import flownb

    ds = flownb.open_dataset(store, memory_limit=DUCKDB_LIMIT)
    q = QUERIES[name][0]
    wall, out = _best(lambda: flownb.query(ds, q))
    return {"wall": wall, "answer": [[str(v) for v in r] for r in out.astype(str).to_numpy().tolist()]}


def case_query_sql(store: str, name: str) -> dict:
    con = _duckdb_view(store)
    wall, table = _best(lambda: con.sql(QUERIES[name][1]).to_arrow_table())
    return {
        "wall": wall,
        "answer": [[str(v) for v in r] for r in table.to_pandas().astype(str).to_numpy().tolist()],
    }


def _duckdb_view(store: str):
    import duckdb

    files = "[" + ", ".join(f"'{f}'" for f in _store_files(store)) + "]"
    con = duckdb.connect(config={"memory_limit": DUCKDB_LIMIT, "preserve_insertion_order": False})
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet({files}, union_by_name=true)")
    return con


def case_capped_flownb(store: str, what: str) -> dict:
    """conversations or detect on the store (DuckDB), run under the memory cap by the parent."""
    import flownb

    ds = flownb.open_dataset(store, memory_limit=DUCKDB_LIMIT, threads=2, temp_directory=SPILL)
    t = time.perf_counter()
    out = flownb.detect(ds, partition="1h") if what == "detect" else flownb.conversations(ds)
    return {"wall": time.perf_counter() - t, "rows": len(out), "answer": _capped_answer(out, what)}


def case_capped_pandas(logs: str, what: str) -> dict:
    """The pandas path: read the gzip text into memory, then the analysis (both timed: the read is what the
    cap stops)."""
    import warnings

    import flownb

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = flownb.read_flow_logs(logs)
    read = time.perf_counter() - t
    t = time.perf_counter()
    out = flownb.detect(df) if what == "detect" else flownb.conversations(df)
    wall = time.perf_counter() - t
    return {"wall": wall, "read": read, "rows": len(out), "answer": _capped_answer(out, what)}


def _capped_answer(out, what: str) -> list:
    if what == "detect":
        cols = ["detector", "label", "src", "dst", "dst_port", "start", "end", "evidence_count"]
        return sorted(map(str, out[cols].astype(str).to_numpy().tolist()))
    sums = [int(out[c].sum()) for c in ("records", "bytes_to_server", "bytes_to_client")]
    return [len(out), *sums, str(out["last"].max())]


CASES = {
    "read": case_read,
    "ingest": case_ingest,
    "flownb-duckdb": case_flownb_store,
    "duckdb-sql": case_duckdb_sql,
    "polars-lazy": case_polars,
    "flownb-pandas": case_pandas,
    "query-flownb": case_query_flownb,
    "query-sql": case_query_sql,
    "capped-flownb": case_capped_flownb,
    "capped-pandas": case_capped_pandas,
}


def _child(args: argparse.Namespace) -> None:
    out = CASES[args.case](*args.args)
    out["peak_mib"] = _peak_mib()
    print("RESULT " + json.dumps(out))


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _run(case: str, *args: str, cap_mib: int | None = None) -> dict:
    """Run a case in its own process; a failure returns ``error``.

    With ``cap_mib``, the process is killed as soon as its resident memory passes the cap (a watchdog
    reading /proc every 10 ms: what a cgroup's memory.max does, which these machines do not let us
    create). Not ``ulimit -v``/``prlimit --as``: an address-space cap also counts memory that is only
    reserved, and DuckDB reserves far more than it touches, so it fails at any size under 2 GiB.
    """
    import tempfile

    # output to files, not pipes: a child writing more than a pipe holds would block while we only watch
    out_f, err_f = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", case, *args], stdout=out_f, stderr=err_f, text=True,
        env=dict(os.environ),
    )  # fmt: skip
    killed = 0.0
    if cap_mib:
        while proc.poll() is None:
            rss = _rss_mib(proc.pid)
            if rss > cap_mib:
                killed = rss
                proc.kill()
                break
            time.sleep(0.01)
    proc.wait()
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
    out_f.close()
    err_f.close()
    if killed:
        return {"error": f"killed at {killed:.0f} MiB resident, over the cap", "wall": float("nan"),
                "peak_mib": killed, "answer": None}  # fmt: skip
    line = [x for x in out.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not line:
        last = [x for x in err.strip().splitlines() if x.strip()][-1:] or [f"exit {proc.returncode}"]
        print(f"  ({case} {' '.join(args)} failed: {last[0][:200]})", file=sys.stderr)
        return {"error": last[0][:120], "wall": float("nan"), "peak_mib": float("nan"), "answer": None}
    return json.loads(line[-1][7:])


def _same(a: list, b: list, what: str) -> bool:
    if len(a) != len(b):
        return False
    if what == "top":
        return a == b
    return all(
        x[0] == y[0] and abs(x[1] - y[1]) <= 1e-9 * max(1.0, abs(x[1])) for x, y in zip(a, b, strict=True)
    )


def _same_query(a: list | None, b: list | None) -> bool:
    """Same rows, comparing each row's last value (the count or sum) as a number."""
    if a is None or b is None or len(a) != len(b):
        return False
    return all(
        abs(float(x[-1]) - float(y[-1])) <= 1e-9 * max(1.0, abs(float(x[-1])))
        for x, y in zip(a, b, strict=True)
    )


def _fmt(r: dict, key: str = "wall", digits: int = 3) -> str:
    return "failed" if r.get("error") else f"{r[key]:.{digits}f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--dir", default="/tmp/flownb-scale-bench")
    p.add_argument(
        "--traffic",
        choices=["random", "twin"],
        default="random",
        help="random: every record a new conversation (the worst case); twin: records repeat conversations "
        "(hosts, ports, both directions, both ENIs) as the VPC twin's do, ~50 records per conversation",
    )
    p.add_argument("--generate-only", action="store_true", help="write the gzip files, then stop")
    p.add_argument(
        "--sections",
        default="ingest,analyses,queries,capped",
        help="comma-separated: ingest (read vs ingest), analyses (top, timeseries), queries (Logs Insights), "
        "capped (conversations and detect under --cap-mib)",
    )
    p.add_argument("--no-pandas", action="store_true", help="skip the in-memory peers (for 100M records)")
    p.add_argument("--capped", default="detect,conversations", help="the analyses of the capped section")
    p.add_argument("--rounds", type=int, default=3, help="best of this many runs per peer (1 at 100M)")
    p.add_argument("--cap-mib", type=int, default=2048, help="the memory cap of the capped section (MiB)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        args.case = args.child
        _child(args)
        return
    sections = {x.strip() for x in args.sections.split(",") if x.strip()}
    os.environ["FLOWNB_BENCH_ROUNDS"] = str(args.rounds)  # the children's _best
    folder = Path(args.dir)
    twin = args.traffic == "twin"
    logs = _files(folder, args.records, twin=twin)
    if args.generate_only:
        return
    store = folder / (f"store-twin-{args.records}" if twin else f"store-{args.records}")
    size = sum(f.stat().st_size for f in logs.rglob("*.gz"))
    print(f"{args.records:,} default-format records, {len(list(logs.rglob('*.gz')))} gzip files, {size / 2**20:.0f} MiB; "
          f"load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")  # fmt: skip
    if "ingest" in sections or not store.exists():
        if store.exists():
            import shutil

            shutil.rmtree(store)
        read = None if args.no_pandas else _run("read", str(logs))
        print(f"(load {os.getloadavg()[0]:.1f})")
        ing = _run("ingest", str(logs), str(store))
        store_mib = sum(f.stat().st_size for f in store.rglob("*.parquet")) / 2**20
        print("\n| case | wall s | records/s | peak RSS MiB | ratio to read (speed) |")
        print("|---|---:|---:|---:|---:|")
        for name, r in (("flownb read_flow_logs (in memory)", read), ("flownb ingest -> Parquet store", ing)):
            if r is None:
                continue
            ratio = f"{read['wall'] / r['wall']:.2f}x" if read else "-"
            print(
                f"| {name} | {r['wall']:.2f} | {r['records'] / r['wall']:,.0f} | {r['peak_mib']:.0f} | {ratio} |"
            )
        print(f"\nstore: {store_mib:.0f} MiB of Parquet (zstd); load {os.getloadavg()[0]:.1f}")
    if "analyses" in sections:
        for what in ("top", "timeseries"):
            rows = {
                "flownb on the store (DuckDB via Ibis)": _run("flownb-duckdb", str(store), what),
                "hand-written DuckDB SQL, same Parquet": _run("duckdb-sql", str(store), what),
                "Polars lazy (streaming), same Parquet": _run("polars-lazy", str(store), what),
            }
            if not args.no_pandas:
                rows["flownb pandas, frame in memory (analysis only)"] = _run(
                    "flownb-pandas", str(logs), what
                )
            ref = rows.get(
                "flownb pandas, frame in memory (analysis only)",
                rows["hand-written DuckDB SQL, same Parquet"],
            )
            floor = rows["hand-written DuckDB SQL, same Parquet"]["wall"]
            print(f"\n{what} (load {os.getloadavg()[0]:.1f}): | peer | wall s (best of {args.rounds}) | ratio to hand SQL | "
                  "peak RSS MiB | same answer |")  # fmt: skip
            print("|---|---:|---:|---:|---|")
            for name, r in rows.items():
                same = "yes" if r["answer"] is not None and _same(ref["answer"], r["answer"], what) else "NO"
                print(f"| {name} | {_fmt(r)} | {r['wall'] / floor:.2f}x | {r['peak_mib']:.0f} | {same} |")
    if "queries" in sections:
        print(f"\nLogs Insights on the store (load {os.getloadavg()[0]:.1f}): | query | flownb.query(ds) s | "
              "hand-written DuckDB SQL s | ratio | flownb peak MiB | same answer |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---|")
        for name in QUERIES:
            a = _run("query-flownb", str(store), name)
            b = _run("query-sql", str(store), name)
            why = f" ({a['error']})" if a.get("error") else ""
            print(f"| {name} | {_fmt(a)}{why} | {_fmt(b)} | {a['wall'] / b['wall']:.2f}x | {a['peak_mib']:.0f} | "
                  f"{'yes' if _same_query(a['answer'], b['answer']) else 'NO'} |")  # fmt: skip
    if "capped" in sections:
        cap = args.cap_mib
        print(f"\nunder a {cap} MiB cap (resident memory, watchdog; load {os.getloadavg()[0]:.1f}): | analysis | peer | "
              "cap | wall s | peak RSS MiB | rows | same as pandas |")  # fmt: skip
        print("|---|---|---|---:|---:|---:|---|")
        for what in [x.strip() for x in args.capped.split(",") if x.strip()]:
            runs = [("flownb on the store" + (" (partition='1h')" if what == "detect" else ""), "capped-flownb",
                     str(store), cap)]  # fmt: skip
            if not args.no_pandas:
                runs += [("flownb pandas (read + analysis)", "capped-pandas", str(logs), cap),
                         ("flownb pandas (read + analysis)", "capped-pandas", str(logs), None)]  # fmt: skip
            results = [(label, c, _run(case, src, what, cap_mib=c)) for label, case, src, c in runs]
            ref = next((r for _, c, r in results if c is None and not r.get("error")), None)
            for label, c, r in results:
                same = (
                    "-"
                    if ref is None or r is ref or r.get("error")
                    else ("yes" if r["answer"] == ref["answer"] else "NO")
                )
                why = f" ({r['error']})" if r.get("error") else ""
                print(f"| {what} | {label} | {f'{c} MiB' if c else 'none'} | {_fmt(r, digits=2)}{why} | "
                      f"{r['peak_mib']:.0f} | {r.get('rows', '-')} | {same} |")  # fmt: skip
    print(f"\nload after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
