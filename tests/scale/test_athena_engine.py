"""open_dataset(engine="athena"): the client plumbing, against moto's S3 and Athena as real servers.

moto's Athena answers every query SUCCEEDED and writes no result, so this is never evidence that the SQL
is right (the snapshots parsed as Trino in test_athena.py, and the opt-in live suite, are). To exercise
the whole path a user's query takes (StartQueryExecution of an UNLOAD, the Parquet it writes in S3 read
back with pyarrow through S3, the scan estimate from the S3 listing), a stand-in plays Athena's part: on
each query it runs the SQL on DuckDB over the same records (transpiled by sqlglot) and writes the result
where Athena would. What the tests check is what flownb sent and what it did with what came back.

Live suite: FLOWNB_ATHENA_LIVE=1 with FLOWNB_ATHENA_LOCATION, FLOWNB_ATHENA_TABLE and
FLOWNB_ATHENA_STAGING (docs/guide/scale.md says how to set them up).
"""

from __future__ import annotations

import io
import os
import re

import pandas as pd
import pytest

import flownb
from flownb.scale._athena import _athena_backend

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("pyathena")

UNLOAD = re.compile(r"^\s*UNLOAD \((?P<sql>.*)\)\s*TO '(?P<to>s3://[^']+)'", re.S)


@pytest.fixture
def aws(monkeypatch):
    server = moto_server.ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for k, v in dict(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    ).items():
        monkeypatch.setenv(k, v)
    # pyarrow's S3 filesystem, which PyAthena reads results with, takes no endpoint from the environment
    from pyarrow import fs
    from pyathena.arrow import result_set

    def local_s3(self):
        return fs.S3FileSystem(
            endpoint_override=f"{host}:{port}", scheme="http", access_key="testing", secret_key="testing",
            region="us-east-1",
        )  # fmt: skip

    # moto leaves out the DataManifestLocation statistic Athena gives an UNLOAD: where the stand-in writes it
    from pyathena.model import AthenaQueryExecution

    monkeypatch.setattr(
        AthenaQueryExecution,
        "data_manifest_location",
        property(lambda self: f"{self.output_location.removesuffix('.csv')}-manifest.csv"),
    )
    for cls in vars(result_set).values():
        if isinstance(cls, type) and "_create_s3_file_system" in vars(cls):
            monkeypatch.setattr(cls, "_create_s3_file_system", local_s3)
    import boto3

    s3 = boto3.client("s3")
    for bucket in ("logs", "results"):
        s3.create_bucket(Bucket=bucket)
    yield s3
    server.stop()


def _stand_in(s3, records: pd.DataFrame, sent: list[str]):
    """Play Athena: run each query on DuckDB over ``records`` and write its result where Athena would."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    import sqlglot
    from moto.athena.models import athena_backends

    con = duckdb.connect()
    table = pa.Table.from_pandas(records, preserve_index=False)
    con.register("vpc_flow_logs", table)

    def on_start(query_id: str) -> None:
        q = next(
            e
            for b in athena_backends.values()
            for r in b.values()
            for i, e in r.executions.items()
            if i == query_id
        )
        sent.append(q.query)
        m = UNLOAD.match(q.query)
        sql = m["sql"] if m else q.query
        local = sqlglot.transpile(sql, read="athena", write="duckdb")[0].replace('"flowlogs".', "")
        result = (
            con.sql(local).to_arrow_table() if "current_" not in sql.lower() else pa.table({"x": ["default"]})
        )
        if m:
            bucket, _, key = m["to"].removeprefix("s3://").partition("/")
            buf = io.BytesIO()
            pq.write_table(result, buf)
            s3.put_object(Bucket=bucket, Key=key + "part-0.parquet", Body=buf.getvalue())
            out_bucket, _, out_key = q.config["OutputLocation"].removeprefix("s3://").partition("/")
            manifest = out_key.removesuffix(".csv") + "-manifest.csv"
            s3.put_object(Bucket=out_bucket, Key=manifest, Body=f"{m['to']}part-0.parquet\n".encode())
        else:
            bucket, _, key = q.config["OutputLocation"].removeprefix("s3://").partition("/")  # .../<id>.csv
            s3.put_object(Bucket=bucket, Key=key, Body=result.to_pandas().to_csv(index=False).encode())

    return on_start


def _records() -> pd.DataFrame:
    df = flownb.samples.load("aws-docs/default-accept-reject")
    out = pd.DataFrame({c: df[c].astype(object) for c in df.columns})
    for c in ("start", "end"):
        out[c] = ((df[c] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta("1s")).astype("int64")
    for c in ("srcport", "dstport", "protocol", "version"):
        out[c] = df[c].astype("int64")
    for c in ("packets", "bytes"):
        out[c] = df[c].astype("int64")
    out["accid"], out["aws_region"], out["day"] = "111111111111", "us-east-1", "2014/12/14"
    return out


def test_a_query_runs_as_unload_and_comes_back_as_parquet_with_its_scan_said_first(aws, capsys):
    key = "AWSLogs/111111111111/vpcflowlogs/us-east-1/2014/12/14/111111111111_vpcflowlogs_us-east-1_fl-1_20141214T0000Z_a.log.gz"
    aws.put_object(Bucket="logs", Key=key, Body=b"\0" * 4096)
    sent: list[str] = []
    records = _records()
    con = _athena_backend()().connect(
        s3_staging_dir="s3://results/athena/",
        region_name="us-east-1",
        on_start_query_execution=_stand_in(aws, records, sent),
    )
    ds = flownb.open_dataset(
        "s3://logs/AWSLogs/",
        engine="athena",
        table="flowlogs.vpc_flow_logs",
        connection=con,
        start="2014-12-14",
        end="2014-12-15",
        accounts="111111111111",
        regions="us-east-1",
    )
    assert ds.engine == "athena"
    got = flownb.top(ds, by="dstport", metric="flows")
    expected = flownb.top(flownb.samples.load("aws-docs/default-accept-reject"), by="dstport", metric="flows")
    assert list(got["dstport"]) == list(expected["dstport"])
    assert list(got["flows"]) == list(expected["flows"])
    unloads = [q for q in sent if q.lstrip().startswith("UNLOAD")]
    assert unloads, sent  # the analysis' result came through UNLOAD, not GetQueryResults
    assert "format = 'PARQUET'" in unloads[-1]
    # partition pruning: the projected partitions are named in the WHERE clause (injected projection needs it)
    assert "\"accid\" IN ('111111111111')" in unloads[-1] and '"day" >= ' in unloads[-1]
    err = capsys.readouterr().err
    assert "Athena: this query scans at most 0.000 GB in 1 objects" in err


def test_a_query_over_the_scan_limit_is_refused_before_it_runs(aws):
    aws.put_object(
        Bucket="logs", Key="AWSLogs/111111111111/vpcflowlogs/us-east-1/2014/12/14/x.log.gz", Body=b"\0" * 5000
    )
    sent: list[str] = []
    con = _athena_backend()().connect(
        s3_staging_dir="s3://results/athena/",
        region_name="us-east-1",
        on_start_query_execution=_stand_in(aws, _records(), sent),
    )
    before = len(sent)
    ds = flownb.open_dataset(
        "s3://logs/AWSLogs/", engine="athena", connection=con, max_scan_bytes=1000, show_scan=False
    )
    with pytest.raises(ValueError, match=r"would scan .* more than max_scan_bytes=1,000"):
        len(ds)
    assert len(sent) == before  # nothing was sent to Athena


def test_open_dataset_on_athena_says_what_it_needs():
    with pytest.raises(ValueError, match="s3_staging_dir"):
        flownb.open_dataset("s3://logs/AWSLogs/", engine="athena")
    with pytest.raises(ValueError, match="S3 location"):
        flownb.open_dataset("/tmp/somewhere", engine="athena", s3_staging_dir="s3://r/")
    with pytest.raises(TypeError, match="engine='athena'"):
        flownb.open_dataset(flownb.samples.path("aws-docs"), s3_staging_dir="s3://r/")


@pytest.mark.skipif(
    not os.environ.get("FLOWNB_ATHENA_LIVE"), reason="live Athena suite: FLOWNB_ATHENA_LIVE=1"
)
def test_live_athena_top_and_timeseries():
    ds = flownb.open_dataset(
        os.environ["FLOWNB_ATHENA_LOCATION"],
        engine="athena",
        table=os.environ.get("FLOWNB_ATHENA_TABLE", "vpc_flow_logs"),
        s3_staging_dir=os.environ["FLOWNB_ATHENA_STAGING"],
        region_name=os.environ.get("AWS_REGION"),
        start=os.environ.get(
            "FLOWNB_ATHENA_START", pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=1)
        ),
        end=os.environ.get("FLOWNB_ATHENA_END", pd.Timestamp.now(tz="UTC").floor("D")),
        max_scan_bytes=int(os.environ.get("FLOWNB_ATHENA_MAX_SCAN", 10 * 2**30)),
    )
    sample = ds.to_pandas(limit=100_000)
    top = flownb.top(ds, by="srcaddr", metric="bytes")
    assert len(top) <= 10 and list(top.columns)[:4] == ["srcaddr", "flows", "packets", "bytes"]
    assert len(flownb.timeseries(ds, freq="1h", metric="bytes")) > 0
    assert len(sample) > 0
