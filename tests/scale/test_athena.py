"""Athena: the generated DDL and SQL, snapshot-tested, parsed as Athena DDL and Trino SQL.

moto's Athena answers every query with SUCCEEDED, even nonsense, so nothing here uses it as
evidence that SQL is right; the only proof is a live run (not in CI; see docs/scale.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot

import flownb
from flownb.scale import athena_ddl, athena_sql

SNAPSHOTS = Path(__file__).parent / "snapshots"
V5 = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id "
    "sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
)
DDL_CASES = {
    "default-text-v2": dict(
        layout="default", file_format="text", accounts=["111111111111", "222222222222"], regions="eu-west-1"
    ),
    "default-parquet-v5": dict(layout="default", file_format="parquet", fields=V5),
    "hive-parquet-hourly-v5": dict(
        layout="hive", file_format="parquet", fields=V5, hourly=True, regions=["us-east-1"]
    ),
    "hive-text-v2": dict(layout="hive", file_format="text", accounts="111111111111"),
}


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("FLOWNB_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text(), f"{path} changed: review the diff, then FLOWNB_UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("name", DDL_CASES)
def test_ddl_snapshot_and_it_parses_as_athena_ddl(name):
    ddl = athena_ddl(
        "s3://org-flow-logs/AWSLogs/", table=f"flowlogs.vpc_{name.replace('-', '_')}", **DDL_CASES[name]
    )
    _snapshot(f"ddl-{name}", ddl)
    tree = sqlglot.parse_one(ddl, read="athena")
    assert tree.key == "create"
    columns = [c.name for c in tree.find_all(sqlglot.exp.ColumnDef)]
    fields = [
        flownb.schema.column_name(f)
        for f in flownb.schema.parse_format(DDL_CASES[name].get("fields") or flownb.schema.DEFAULT_FORMAT)
    ]
    assert columns[: len(fields)] == fields  # the format's order (it matters for text)


def test_ddl_types_are_awss():
    ddl = athena_ddl("s3://b/AWSLogs/", fields=V5, file_format="parquet")
    for line in (
        "`version` int",
        "`srcport` int",
        "`protocol` bigint",
        "`packets` bigint",
        "`start` bigint",
        "`end` bigint",
        "`account_id` string",
        "`tcp_flags` int",
        "`traffic_path` int",
    ):
        assert line in ddl
    assert "ParquetHiveSerDe" in ddl and "skip.header.line.count" not in ddl


def test_ddl_refuses_what_athena_would_not_take():
    with pytest.raises(ValueError, match="'layout' must be one of"):
        athena_ddl("s3://b/AWSLogs/", layout="flat")
    with pytest.raises(ValueError, match="s3:// URL"):
        athena_ddl("/tmp/logs")
    with pytest.raises(ValueError, match="12-digit"):
        athena_ddl("s3://b/AWSLogs/", accounts=["12345"])
    with pytest.raises(ValueError, match="'table'"):
        athena_ddl("s3://b/AWSLogs/", table="drop table x;")


SQL_CASES = {
    "top-srcaddr-bytes": (flownb.top, dict(by="srcaddr", metric="bytes")),
    "top-dstaddr-dstport-flows": (flownb.top, dict(by=["dstaddr", "dstport"], metric="flows", n=20)),
    "top-srcaddr-bps": (flownb.top, dict(by="srcaddr", metric="bps", n=5)),
    "timeseries-5min-bytes": (flownb.timeseries, dict(freq="5min", metric="bytes")),
    "timeseries-1min-flows-by-action": (flownb.timeseries, dict(freq="1min", metric="flows", by="action")),
}


@pytest.mark.parametrize("name", SQL_CASES)
def test_analysis_sql_snapshot_and_it_parses_as_trino(name):
    fn, kw = SQL_CASES[name]
    sql = athena_sql(fn, table="flowlogs.vpc_flow_logs", **kw)
    _snapshot(f"athena-{name}", sql)
    sqlglot.parse_one(sql, read="trino")
    for unportable in ("UBIGINT", "HUGEINT", "GROUP BY ALL", "PERCENTILE_CONT", "QUANTILE", "//"):
        assert unportable not in sql.upper()


def test_athena_sql_of_a_network_key_says_it_needs_the_data():
    with pytest.raises(Exception, match=r"(?i)table|data|connect"):
        athena_sql(flownb.top, by="srcaddr/24")


def test_the_athena_sql_transpiled_back_gives_the_duckdb_result(tmp_path):
    """Logic check of the generated text (not of Trino's functions): run it on DuckDB over the same store."""
    import duckdb

    from flownb.scale._ops import build_top
    from flownb.scale._testing import assert_same_result
    from tests.scale.conftest import both

    df, ds = both(flownb.samples.path("aws-docs"), tmp_path / "store")
    sql = athena_sql(flownb.top, table="flows", by="dstport", metric="flows", n=None)
    con = duckdb.connect()
    files = ", ".join(f"'{f}'" for f in ds.files)
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet([{files}], union_by_name=true)")
    table = con.sql(sqlglot.transpile(sql, read="trino", write="duckdb")[0]).to_arrow_table()
    got = build_top(ds, by="dstport", metric="flows", n=None).finish(table)
    assert_same_result(flownb.top(df, by="dstport", metric="flows", n=None), got)
