"""Logs Insights on 1,000,000 default-format records: flownb.query against DuckDB SQL.

Each query runs on the same DataFrame (the contract frame ``read_flow_logs``
returns) as the equivalent DuckDB SQL, in the same run; the table shows the
best of several runs and the ratio flownb / DuckDB (target: at most 1.5).

DuckDB's ``inet`` extension is not assumed to be installed, so the SQL
equivalent of ``isIpv4InSubnet(srcAddr, "10.0.0.0/8")`` parses the dotted
quad itself; both sides check the answers agree before timing.

Run: ``python benchmarks/insights.py [--n 1000000] [--repeat 7]``. Not a unit test.

``--store``: the same kind of questions on a Parquet store (issue 15: Logs Insights compiled to the
engine): ``flownb.query`` on ``open_dataset(store)`` against hand-written DuckDB SQL over the same Parquet
files, in the same process, taking turns (best of ``--repeat`` each); both answers are checked against
``flownb.query`` on the frame in memory.
The records come from ``benchmarks/scale.py``'s generator (gzip text, one day), ingested once.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
import pandas as pd
from _generate import write
from _timing import best_of

import flownb
from flownb.insights import InsightsWarning, query

_IPV4_IN_10_8 = r"""
    regexp_full_match(srcaddr, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}')
    AND ((CAST(split_part(srcaddr, '.', 1) AS BIGINT) * 16777216
        + CAST(split_part(srcaddr, '.', 2) AS BIGINT) * 65536
        + CAST(split_part(srcaddr, '.', 3) AS BIGINT) * 256
        + CAST(split_part(srcaddr, '.', 4) AS BIGINT)) & 4278190080) = 167772160
"""

CASES = [
    (
        "top talkers",
        "stats sum(bytes) as b by srcAddr, dstAddr | sort b desc | limit 10",
        "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM df GROUP BY srcaddr, dstaddr ORDER BY b DESC LIMIT 10",
    ),
    (
        "rejects per 5 min",
        'filter action="REJECT" | stats count(*) by bin(5m)',
        "SELECT time_bucket(INTERVAL 5 MINUTE, start) AS t, count(*) AS n FROM df "
        "WHERE action = 'REJECT' GROUP BY t",
    ),
    (
        "10/8 sources by port",
        'filter isIpv4InSubnet(srcAddr, "10.0.0.0/8") | stats count(*) by dstPort',
        f"SELECT dstport, count(*) AS n FROM df WHERE {_IPV4_IN_10_8} GROUP BY dstport",
    ),
    (
        "long flows (endTime - startTime)",
        "filter endTime - startTime >= 30 | stats count(*) as n by dstPort",
        'SELECT dstport, count(*) AS n FROM df WHERE epoch("end") - epoch(start) >= 30 GROUP BY dstport',
    ),
    (
        "new ports (diff)",
        'filter ispresent(dstPort) | stats count(*) as n by dstPort | diff | filter @diff = "new" | display dstPort, n',
        "WITH b AS (SELECT min(start) AS lo, max(start) AS hi FROM df), m AS (SELECT lo + (hi - lo) / 2 AS mid, hi FROM b) "
        "SELECT c.dstport, c.n FROM (SELECT dstport, count(*) AS n FROM df, m WHERE dstport IS NOT NULL "
        "AND start >= mid AND start <= hi GROUP BY dstport) c LEFT JOIN (SELECT dstport, count(*) AS n FROM df, m "
        "WHERE dstport IS NOT NULL AND start < mid AND start >= mid - (hi - mid) GROUP BY dstport) p "
        "USING (dstport) WHERE p.n IS NULL",
    ),
    (
        "port names (lookup)",
        "lookup ports port as dstPort OUTPUT service | stats count(*) as n by service",
        "SELECT p.service, count(*) AS n FROM df LEFT JOIN ports p ON CAST(df.dstport AS VARCHAR) = p.port "
        "GROUP BY p.service",
    ),
]

#: The lookup table of the "port names" case (a DataFrame for flownb, the same rows registered in DuckDB).
PORTS = pd.DataFrame(
    {"port": ["22", "80", "443", "3389", "5432"], "service": ["ssh", "http", "https", "rdp", "pg"]}
)


def _same(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    """Every row flownb returns is a row DuckDB returns, and as many rows (CloudWatch caps results at 10,000)."""
    a = _canonical(ours)
    b = _canonical(theirs)
    if len(a) != min(len(b), 10_000):
        return False
    return len(a.merge(b, how="inner", on=list(a.columns)).drop_duplicates()) == len(a.drop_duplicates())


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(frame)))
    for i, c in enumerate(frame.columns):
        s = frame[c].reset_index(drop=True)
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_convert("UTC").dt.as_unit("s").astype("int64")
        if pd.api.types.is_numeric_dtype(s.dtype):
            s = s.astype("float64")
        s = s.astype(object)
        out[i] = s.where(s.notna(), None).astype(str)
    return out


#: (name, Logs Insights query, the same question in DuckDB SQL over the view ``flows`` of the store's files)
STORE_CASES = [
    (
        "top talkers",
        "stats sum(bytes) as b by srcAddr, dstAddr | sort b desc | limit 10",
        "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows GROUP BY srcaddr, dstaddr "
        "ORDER BY b DESC NULLS LAST, srcaddr, dstaddr LIMIT 10",
    ),
    (
        "rejects per 5 min",
        'filter action = "REJECT" | stats count(*) as n by bin(5m)',
        "SELECT start // 300 * 300 AS t, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY t ORDER BY t DESC",
    ),
    (
        "10/8 sources by port",
        'filter isIpv4InSubnet(srcAddr, "10.0.0.0/8") | stats count(*) as n by dstPort',
        f"SELECT dstport, count(*) AS n FROM flows WHERE {_IPV4_IN_10_8} GROUP BY dstport ORDER BY dstport",
    ),
    (
        "long flows (endTime - startTime)",
        "filter endTime - startTime >= 30 | stats count(*) as n by dstPort",
        'SELECT dstport, count(*) AS n FROM flows WHERE "end" - start >= 30 GROUP BY dstport ORDER BY dstport',
    ),
    (
        "SSH/RDP rejected, by source",
        'filter action = "REJECT" and dstPort in [22, 3389] '
        "| stats count(*) as attempts, count_distinct(dstAddr) as targets by srcAddr "
        "| sort attempts desc | limit 20",
        "SELECT srcaddr, count(*) AS attempts, count(DISTINCT dstaddr) AS targets FROM flows "
        "WHERE action = 'REJECT' AND dstport IN (22, 3389) GROUP BY srcaddr "
        "ORDER BY attempts DESC, srcaddr LIMIT 20",
    ),
    (
        "biggest flows (records)",
        "fields @timestamp, srcAddr, dstAddr, bytes | sort bytes desc | limit 20",
        # the same rows as Logs Insights: ties broken as flownb settles them (newest first, then the fields)
        "SELECT start, srcaddr, dstaddr, bytes FROM flows "
        "ORDER BY bytes DESC NULLS LAST, start DESC, dstaddr, srcaddr LIMIT 20",
    ),
]


def store_main(args: argparse.Namespace) -> int:
    """The ``--store`` table: flownb.query on a FlowDataset against hand-written DuckDB SQL."""
    import os

    import scale

    from flownb.scale._testing import assert_same_result

    folder = Path(args.dir)
    logs = scale._files(folder, args.n)
    store = folder / f"insights-store-{args.n}"
    flownb.ingest(str(logs), str(store), progress=False)  # a second run adds nothing
    ds = flownb.open_dataset(str(store), memory_limit=scale.DUCKDB_LIMIT)
    files = "[" + ", ".join(f"'{f}'" for f in ds.files) + "]"
    con = duckdb.connect(config={"memory_limit": scale.DUCKDB_LIMIT, "preserve_insertion_order": False})
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet({files}, union_by_name=true)")
    df = flownb.read_flow_logs(str(logs))
    print(f"{len(df):,} records in {len(ds.files)} Parquet files; duckdb {duckdb.__version__}; "
          f"best of {args.repeat}; load {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    import gc
    import time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the engines' own deprecations
        warnings.simplefilter("error", InsightsWarning)
        expected = {name: query(df, insights) for name, insights, _ in STORE_CASES}
        del df  # the frame was only for the answers: the timed peers do not share memory with it
        gc.collect()
        rows = []
        for name, insights, sql in STORE_CASES:
            ours = query(ds, insights)
            try:
                assert_same_result(expected[name], ours)
                agree = True
            except AssertionError as e:
                print(f"{name}: the dataset's answer differs from the frame's: {e}")
                agree = False
            agree = agree and _same(ours, con.execute(sql).df())
            # the two peers take turns, so a change in the machine's load falls on both
            t_ours = t_duck = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                query(ds, insights)
                t_ours = min(t_ours, time.perf_counter() - t)
                t = time.perf_counter()
                con.sql(sql).to_arrow_table()
                t_duck = min(t_duck, time.perf_counter() - t)
            rows.append((name, t_ours * 1000, t_duck * 1000, t_ours / t_duck, agree))
    width = max(len(r[0]) for r in rows)
    print(
        f"{'query on the store':<{width}}  {'flownb ms':>9}  {'duckdb ms':>9}  {'ratio':>5}  target  same answer"
    )
    for name, ours, duck, ratio, agree in rows:
        ok = "met" if ratio <= 1.5 else "MISSED"
        print(f"{name:<{width}}  {ours:9.1f}  {duck:9.1f}  {ratio:5.2f}  {ok:>6}  {'yes' if agree else 'NO'}")
    print(f"\nload after: {os.getloadavg()[0]:.1f}")
    return 0 if all(r[3] <= 1.5 and r[4] for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--dir", default="/tmp/flownb-bench")
    ap.add_argument("--store", action="store_true", help="on a Parquet store: flownb on DuckDB vs DuckDB SQL")
    args = ap.parse_args(argv)
    if args.store:
        return store_main(args)

    log, _ = write(args.dir, n=args.n)
    df = flownb.read_flow_logs(str(log))
    con = duckdb.connect()
    con.register("df", df)
    con.register("ports", PORTS)
    print(
        f"{len(df):,} records, duckdb {duckdb.__version__}, pandas {pd.__version__}, best of {args.repeat}\n"
    )
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, insights, sql in CASES:
            ours = query(df, insights, tables={"ports": PORTS})
            theirs = con.execute(sql).df()
            agree = _same(ours, theirs)
            t_ours = best_of(
                args.repeat, lambda q=insights: query(df, q, tables={"ports": PORTS}), warmup=True
            )
            t_duck = best_of(args.repeat, lambda s=sql: con.execute(s).df(), warmup=True)
            rows.append((name, t_ours * 1000, t_duck * 1000, t_ours / t_duck, agree))
    width = max(len(r[0]) for r in rows)
    print(f"{'query':<{width}}  {'flownb ms':>9}  {'duckdb ms':>9}  {'ratio':>5}  target  same answer")
    for name, ours, duck, ratio, agree in rows:
        ok = "met" if ratio <= 1.5 else "MISSED"
        print(f"{name:<{width}}  {ours:9.1f}  {duck:9.1f}  {ratio:5.2f}  {ok:>6}  {'yes' if agree else 'NO'}")
    return 0 if all(r[3] <= 1.5 and r[4] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
