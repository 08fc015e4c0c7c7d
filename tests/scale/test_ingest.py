"""flownb.ingest: loss-free, resumable, file by file into a Parquet store."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import flownb
from flownb.cli import main
from flownb.scale import _store, ingest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
LINE = "2 123456789012 eni-0a1b2c3d 10.0.1.{i} 10.0.2.{j} {sp} 443 6 10 {b} {t} {t2} ACCEPT OK"


def _write_files(folder: Path, n_files: int, lines: int = 20, t0: int = 1714560000) -> list[Path]:
    out = []
    for f in range(n_files):
        t = t0 + f * 300
        day = pd.Timestamp(t, unit="s")
        key = (
            f"AWSLogs/123456789012/vpcflowlogs/us-east-1/{day:%Y/%m/%d}/"
            f"123456789012_vpcflowlogs_us-east-1_fl-0abc_{day:%Y%m%dT%H%M}Z_{f:08x}.log.gz"
        )
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n".join(
            LINE.format(i=k % 250, j=f % 250, sp=1024 + k, b=100 + k * f, t=t + k, t2=t + k + 60)
            for k in range(lines)
        )
        path.write_bytes(gzip.compress((HEADER + "\n" + body + "\n").encode()))
        out.append(path)
    return out


def _stored(store: Path) -> pd.DataFrame:
    """Every committed record of a store, read with pyarrow from the files the manifest names."""
    files = [store / f for e in _store.read_manifest(store).values() for f in e["files"]]
    if not files:
        return pd.DataFrame()
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def test_ingest_keeps_every_record_in_aws_parquet_types(tmp_path):
    _write_files(tmp_path / "logs", 6)
    report = ingest(tmp_path / "logs", tmp_path / "store")
    df = flownb.read_flow_logs(tmp_path / "logs")
    assert (report.ingested, report.records, report.bad_lines) == (6, len(df), 0)
    stored = _stored(tmp_path / "store")
    parquet = pq.ParquetFile(next((tmp_path / "store").rglob("part-*.parquet"))).schema
    types = {c.name: (c.physical_type, str(c.logical_type)) for c in parquet}
    assert types["srcport"][0] == "INT32" and types["bytes"][0] == "INT64" and types["start"][0] == "INT64"
    assert types["account_id"] == ("BYTE_ARRAY", "String") and types["action"] == ("BYTE_ARRAY", "String")
    expect = df.assign(start=df["start"].astype("int64"), end=df["end"].astype("int64")).astype(
        {c: "int64" for c in ("version", "srcport", "dstport", "protocol", "packets", "bytes")}
    )
    expect = expect.astype(
        {c: "str" for c in expect.columns if isinstance(expect[c].dtype, pd.CategoricalDtype)}
    )
    got = stored.astype({c: "int64" for c in ("version", "srcport", "dstport", "protocol")})
    got = got.astype({c: "str" for c in got.columns if str(got[c].dtype) in ("object", "str", "category")})
    pd.testing.assert_frame_equal(_sorted(got), _sorted(expect), check_dtype=False)


def test_store_is_laid_out_as_aws_hive_partitions_by_record_hour(tmp_path):
    _write_files(tmp_path / "logs", 13)  # 13 files 5 minutes apart: two hours of records
    ingest(tmp_path / "logs", tmp_path / "store")
    folders = sorted(
        {p.parent.relative_to(tmp_path / "store").as_posix() for p in (tmp_path / "store").rglob("part-*")}
    )
    assert folders == [
        "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=01/hour=10",
        "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=01/hour=11",
    ]


def test_second_ingest_of_the_same_files_adds_nothing(tmp_path):
    _write_files(tmp_path / "logs", 5)
    ingest(tmp_path / "logs", tmp_path / "store")
    before = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "store").rglob("*"))
    manifest = (tmp_path / "store" / _store.MANIFEST).read_text()
    again = ingest(tmp_path / "logs", tmp_path / "store")
    assert (again.ingested, again.skipped, again.records) == (0, 5, 0)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "store").rglob("*")) == before
    assert (tmp_path / "store" / _store.MANIFEST).read_text() == manifest
    assert len(_stored(tmp_path / "store")) == 100


def test_new_and_changed_files_are_ingested_once(tmp_path):
    files = _write_files(tmp_path / "logs", 4)
    ingest(tmp_path / "logs", tmp_path / "store")
    _write_files(tmp_path / "more", 6)  # the same 4 names plus 2 new ones, 30 lines each below
    files[0].write_bytes(
        gzip.compress(
            (HEADER + "\n" + LINE.format(i=1, j=2, sp=9, b=7, t=1714560000, t2=1714560060) + "\n").encode()
        )
    )
    report = ingest(tmp_path / "logs", tmp_path / "store")
    assert (report.ingested, report.skipped) == (1, 3)
    stored = _stored(tmp_path / "store")
    assert len(stored) == len(flownb.read_flow_logs(tmp_path / "logs")) == 61
    assert len(list((tmp_path / "store").rglob("part-*.parquet"))) == 4  # the old version's file is gone


def test_bad_lines_are_kept_beside_the_data(tmp_path):
    logs = tmp_path / "logs"
    good = _write_files(logs, 1)[0]
    bad = good.with_name(good.name.replace("00000000", "000000ff"))
    text = HEADER + "\n" + LINE.format(i=1, j=2, sp=3, b=4, t=1714560000, t2=1714560060) + "\nnot a record\n"
    bad.write_bytes(gzip.compress(text.encode()))
    trunc = good.with_name(good.name.replace("00000000", "000000fe"))
    trunc.write_bytes(good.read_bytes()[:-30])
    with pytest.warns(flownb.FlowLogParseWarning, match="kept"):
        report = ingest(logs, tmp_path / "store")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        df = flownb.read_flow_logs(logs)
    expect = df.flow.bad_lines.assign(source=lambda b: b["source"].map(lambda s: str(Path(s).resolve())))
    kept = pd.concat([pq.read_table(p).to_pandas() for p in (tmp_path / "store" / "_bad_lines").iterdir()])
    cols = ["source", "line", "reason", "text"]
    assert report.bad_lines == len(expect) >= 2
    assert sorted(map(tuple, kept[cols].astype(str).values)) == sorted(
        map(tuple, expect[cols].astype(str).values)
    )
    assert report.records == len(df)


def test_errors_raise_stops_before_committing_the_bad_source(tmp_path):
    logs = tmp_path / "logs"
    path = logs / "a.log"
    logs.mkdir()
    path.write_text(HEADER + "\nnot a record\n")
    with pytest.raises(flownb.FlowLogParseError):
        ingest(logs, tmp_path / "store", errors="raise")
    assert _store.read_manifest(tmp_path / "store") == {}


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "notes.txt").write_text("mine")
    _write_files(tmp_path / "logs", 1)
    with pytest.raises(flownb.FlowLogSourceError, match="not a flownb store"):
        ingest(tmp_path / "logs", tmp_path / "store")


_KILLABLE = textwrap.dedent(
    """
    import sys
    from flownb.scale import ingest
    ingest(sys.argv[1], sys.argv[2], workers=1, progress=False)
    """
)


@pytest.mark.slow  # a child process is killed midway, then the ingest resumes
def test_an_ingest_killed_midway_leaves_no_half_file_and_resumes(tmp_path):
    logs, store = tmp_path / "logs", tmp_path / "store"
    _write_files(logs, 400, lines=200)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _KILLABLE, str(logs), str(store)], env=env)
    manifest = store / _store.MANIFEST
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count("\n") >= 20:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = _store.read_manifest(store)
    assert 20 <= len(committed) < 400, "the ingest finished before it could be killed: make it slower"
    # Every file under its final name is whole, and what the manifest names is what a reader sees.
    for part in store.rglob("part-*.parquet"):
        pq.read_metadata(part)
    assert len(_stored(store)) == sum(e["records"] for e in committed.values()) == 200 * len(committed)
    report = ingest(logs, store)
    assert report.skipped == len(committed) and report.ingested == 400 - len(committed)
    assert not list(store.rglob("*.tmp"))
    stored = _stored(store)
    assert len(stored) == 400 * 200
    assert not stored.duplicated().any()
    assert len(list(store.rglob("part-*.parquet"))) == sum(
        len(e["files"]) for e in _store.read_manifest(store).values()
    )


def test_cli_ingest(tmp_path, capsys):
    _write_files(tmp_path / "logs", 3)
    assert main(["ingest", str(tmp_path / "logs"), str(tmp_path / "store")]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 source(s) ingested" in out and "60 records" in out
    assert main(["ingest", str(tmp_path / "logs"), str(tmp_path / "store")]) == 0
    assert "3 already there" in capsys.readouterr().out
    assert json.loads((tmp_path / "store" / _store.MARKER).read_text()) == {"flownb_store": 1}


def test_cli_top_on_a_store_prints_what_it_prints_on_the_files(tmp_path, capsys):
    _write_files(tmp_path / "logs", 4)
    assert main(["ingest", str(tmp_path / "logs"), str(tmp_path / "store")]) == 0
    capsys.readouterr()
    assert main(["top", str(tmp_path / "logs"), "--by", "srcaddr,dstport", "-n", "5"]) == 0
    on_files = capsys.readouterr().out
    assert main(["top", "--store", str(tmp_path / "store"), "--by", "srcaddr,dstport", "-n", "5"]) == 0
    assert capsys.readouterr().out == on_files
    assert main(["top", "--store", str(tmp_path / "store"), str(tmp_path / "logs")]) == 1
    assert "not both" in capsys.readouterr().err


def test_cli_query_on_a_store(tmp_path, capsys):
    _write_files(tmp_path / "logs", 3)
    assert main(["ingest", str(tmp_path / "logs"), str(tmp_path / "store")]) == 0
    q = "stats sum(bytes) as b by dstPort | sort b desc"
    capsys.readouterr()
    assert main(["query", str(tmp_path / "logs"), "-q", q, "--csv"]) == 0
    on_files = capsys.readouterr().out
    assert main(["query", "--store", str(tmp_path / "store"), "-q", q, "--csv"]) == 0
    assert capsys.readouterr().out == on_files
