"""read_flow_logs on the files users have: what they get back, and what they are told."""

from __future__ import annotations

import gzip
import io
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flownb
from flownb import schema

HEADER = schema.DEFAULT_FORMAT
REC1 = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
REC2 = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK"
NODATA = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def read_quiet(*args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        return flownb.read_flow_logs(*args, **kwargs)


def test_header_and_types(tmp_path):
    df = flownb.read_flow_logs(write(tmp_path, "a.log", f"{HEADER}\n{REC1}\n{REC2}\n{NODATA}\n"))
    assert list(df.columns) == [schema.column_name(f) for f in schema.DEFAULT_FIELDS]
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        "version": "UInt8", "account_id": "category", "interface_id": "category", "srcaddr": "category",
        "dstaddr": "category", "srcport": "UInt16", "dstport": "UInt16", "protocol": "UInt8",
        "packets": "UInt64", "bytes": "UInt64", "start": "datetime64[s, UTC]", "end": "datetime64[s, UTC]",
        "action": "category", "log_status": "category",
    }  # fmt: skip
    assert df["start"].iloc[0] == pd.Timestamp("2014-12-14T04:06:50Z")
    assert df["srcport"].isna().tolist() == [False, False, True]
    assert df["action"].isna().tolist() == [False, False, True]
    assert df.flow.formats == (schema.format_string(schema.DEFAULT_FIELDS),)


def test_without_header_uses_default_format_or_given_one(tmp_path):
    df = flownb.read_flow_logs(write(tmp_path, "a.log", REC1 + "\n"))
    assert df["dstport"].tolist() == [22]
    custom = write(tmp_path, "b.log", "eni-1 10.0.0.1 443\n")
    for fmt in ("${interface-id} ${srcaddr} ${dstport}", "interface-id srcaddr dstport",
                ["interface-id", "srcaddr", "dstport"]):  # fmt: skip
        df = flownb.read_flow_logs(custom, format=fmt)
        assert list(df.columns) == ["interface_id", "srcaddr", "dstport"]
        assert df["dstport"].tolist() == [443]


def test_account_id_stays_a_string(tmp_path):
    text = "account-id interface-id\n012345678901 eni-1\nunknown eni-2\n"
    df = flownb.read_flow_logs(write(tmp_path, "a.log", text))
    assert df["account_id"].tolist() == ["012345678901", "unknown"]


def test_unknown_fields_are_kept_as_strings(tmp_path):
    df = flownb.read_flow_logs(write(tmp_path, "a.log", "srcaddr some-new-field\n10.0.0.1 42\n"))
    assert list(df.columns) == ["srcaddr", "some_new_field"]
    assert df["some_new_field"].tolist() == ["42"]


def test_crlf_bom_blank_lines_missing_final_newline_and_runs_of_spaces(tmp_path):
    text = "\ufeff" + HEADER + "\r\n\r\n" + REC1.replace(" 22 ", "   22 ") + "\r\n\n\t\n" + REC2
    df = flownb.read_flow_logs(write(tmp_path, "a.log", text), errors="raise")
    assert df["dstport"].tolist() == [22, 3389]
    assert df["log_status"].tolist() == ["OK", "OK"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (REC1.replace(" 22 ", " 70000 "), "dstport: '70000' is not in the range 0-65535"),
        (REC1.replace(" 22 ", " ssh "), "dstport: 'ssh' is not a number"),
        (REC1.replace("ACCEPT", "MAYBE"), "action: 'MAYBE' is not one of ACCEPT, REJECT"),
        (REC1.replace(" OK", ""), "expected 14 fields"),
        (REC1 + " extra", "expected 14 fields"),
        (REC1.replace(" 4249 ", " -5 "), "bytes: '-5' is not a number"),
        (REC1.replace("1418530010", "99999999999999"), "start: '99999999999999' is not a Unix time"),
    ],
)
def test_bad_lines_are_reported_with_line_and_reason(tmp_path, line, reason):
    path = write(tmp_path, "a.log", f"{HEADER}\n{REC1}\n{line}\n{REC2}\n")
    with pytest.warns(flownb.FlowLogParseWarning, match="1 line"):
        df = flownb.read_flow_logs(path)
    assert df["dstport"].tolist() == [22, 3389]  # the good records around it are kept
    bad = df.flow.bad_lines
    assert bad[["source", "line"]].values.tolist() == [[str(path), 3]]
    assert reason in bad["reason"].iloc[0]
    assert bad["text"].iloc[0] == line
    with pytest.raises(flownb.FlowLogParseError, match=rf"a\.log:3: .*{reason.split(':')[0]}"):
        flownb.read_flow_logs(path, errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = flownb.read_flow_logs(path, errors="ignore")
    assert len(quiet.flow.bad_lines) == 1


def test_binary_junk_is_reported_not_crashed_on(tmp_path):
    junk = b"\x00\x01\xff\xfe garbage \x80\x81"
    path = write(
        tmp_path, "a.log", (HEADER + "\n" + REC1 + "\n").encode() + junk + b"\n" + REC2.encode() + b"\n"
    )
    df = read_quiet(path)
    assert len(df) == 2
    assert df.flow.bad_lines["line"].tolist() == [3]


def test_invalid_errors_argument():
    with pytest.raises(
        ValueError, match=r"'errors' must be one of \['raise', 'warn', 'ignore'\], got 'loud'"
    ):
        flownb.read_flow_logs("x.log", errors="loud")


def test_repeated_headers_start_new_segments_with_their_own_format(tmp_path):
    text = f"{HEADER}\n{REC1}\nsrcaddr dstaddr dstport\n10.0.0.1 10.0.0.2 443\n{HEADER}\n{REC2}\n"
    df = flownb.read_flow_logs(write(tmp_path, "a.log", text), errors="raise")
    assert len(df) == 3
    assert list(df.columns) == [schema.column_name(f) for f in schema.DEFAULT_FIELDS]
    assert df["dstport"].tolist() == [22, 443, 3389]
    assert df["action"].isna().tolist() == [False, True, False]
    assert len(df.flow.formats) == 2


def test_gzip_with_several_members(tmp_path):
    data = gzip.compress(f"{HEADER}\n{REC1}\n".encode()) + gzip.compress(f"{HEADER}\n{REC2}\n".encode())
    df = flownb.read_flow_logs(write(tmp_path, "joined.log.gz", data), errors="raise")
    assert df["dstport"].tolist() == [22, 3389]


def test_truncated_gzip_keeps_what_was_readable(tmp_path):
    body = f"{HEADER}\n" + "\n".join([REC1] * 2000) + "\n"
    data = gzip.compress(body.encode())
    path = write(tmp_path, "cut.log.gz", data[: len(data) // 2])
    with pytest.warns(flownb.FlowLogParseWarning, match="truncated"):
        df = flownb.read_flow_logs(path)
    assert 0 < len(df) < 2000
    assert "truncated" in df.flow.bad_lines["reason"].iloc[-1]


def test_not_gzip_after_all(tmp_path):
    path = write(tmp_path, "a.log.gz", f"{HEADER}\n{REC1}\n")  # plain text with a .gz name
    assert len(flownb.read_flow_logs(path)) == 1


def test_missing_file_empty_file_and_empty_directory(tmp_path):
    write(tmp_path, "flows.log", "")
    with pytest.raises(
        flownb.FlowLogSourceError, match=r"flow\.log: no such file.*Did you mean .*flows\.log"
    ):
        flownb.read_flow_logs(tmp_path / "flow.log")
    empty = flownb.read_flow_logs(tmp_path / "flows.log")
    assert len(empty) == 0 and str(empty["dstport"].dtype) == "UInt16"
    (tmp_path / "nothing").mkdir()
    with pytest.raises(flownb.FlowLogSourceError, match="holds no flow log files"):
        flownb.read_flow_logs(tmp_path / "nothing")
    with pytest.raises(flownb.FlowLogSourceError, match="no file matches"):
        flownb.read_flow_logs(str(tmp_path / "*.nope"))


def test_directories_in_s3_layouts_globs_lists_and_file_likes(tmp_path):
    classic = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/a.log.gz"
    hive = ("AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/"
            "year=2024/month=05/day=01/hour=07/b.log.gz")  # fmt: skip
    write(tmp_path, classic, gzip.compress(f"{HEADER}\n{REC1}\n".encode()))
    write(tmp_path, hive, gzip.compress(f"{HEADER}\n{REC2}\n".encode()))
    write(tmp_path, "AWSLogs/.DS_Store", b"\x00junk")
    df = flownb.read_flow_logs(tmp_path / "AWSLogs", errors="raise")
    assert sorted(df["dstport"].tolist()) == [22, 3389]
    assert len(df.flow.sources) == 2
    assert len(flownb.read_flow_logs(str(tmp_path / "AWSLogs/**/*.log.gz"))) == 2
    assert len(flownb.read_flow_logs([tmp_path / classic, tmp_path / hive])) == 2
    df = flownb.read_flow_logs(io.BytesIO(f"{HEADER}\n{REC1}\n".encode()))
    assert df["srcaddr"].tolist() == ["172.31.16.139"]


def test_parquet_as_aws_writes_it(tmp_path):
    table = pa.table(
        {
            "version": pa.array([2], pa.int32()), "account_id": ["123456789010"], "interface_id": ["eni-1"],
            "srcaddr": ["10.0.0.1"], "dstaddr": ["10.0.0.2"], "srcport": pa.array([443], pa.int32()),
            "dstport": pa.array([50000], pa.int32()), "protocol": pa.array([6], pa.int32()),
            "packets": pa.array([3], pa.int64()), "bytes": pa.array([300], pa.int64()),
            "start": pa.array([1418530010], pa.int64()), "end": pa.array([1418530070], pa.int64()),
            "action": ["ACCEPT"], "log_status": ["OK"],
        }
    )  # fmt: skip
    pq.write_table(table, tmp_path / "x.parquet")
    df = flownb.read_flow_logs(tmp_path / "x.parquet", errors="raise")
    assert str(df["dstport"].dtype) == "UInt16" and df["dstport"].iloc[0] == 50000
    assert df["start"].iloc[0] == pd.Timestamp("2014-12-14T04:06:50Z")


def test_text_and_parquet_of_different_formats_combine_into_the_union(tmp_path):
    write(tmp_path, "d/a.log", f"{HEADER}\n{REC1}\n")
    write(tmp_path, "d/b.log", "srcaddr dstaddr tcp-flags\n10.0.0.1 10.0.0.2 18\n")
    df = flownb.read_flow_logs(tmp_path / "d", errors="raise")
    assert list(df.columns)[-1] == "tcp_flags"
    assert str(df["tcp_flags"].dtype) == "UInt16"
    assert df["tcp_flags"].tolist()[1] == 18 and pd.isna(df["tcp_flags"].iloc[0])
    assert str(df["srcaddr"].dtype) == "category"


def test_provenance_survives_filtering_concat_and_groupby(tmp_path):
    path = write(tmp_path, "a.log", f"{HEADER}\n{REC1}\nnot a record\n{REC2}\n")
    df = read_quiet(path)
    assert len(df[df["action"] == "REJECT"].flow.bad_lines) == 1
    assert len(pd.concat([df, df.head(1)]).flow.bad_lines) == 1
    assert df.copy().flow.sources == (str(path),)
    assert len(df.groupby("action", observed=True).sum(numeric_only=True).flow.bad_lines) == 1


def test_import_flownb_loads_no_heavy_modules():
    import subprocess
    import sys

    code = (
        "import sys, flownb; heavy = [m for m in ('altair', 'ipywidgets', 'boto3', 'botocore', 'nbformat', "
        "'IPython', 'jupyter_client', 'tqdm') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_provenance_survives_a_parquet_round_trip(tmp_path):
    path = write(tmp_path, "a.log", f"{HEADER}\n{REC1}\nnot a record\n")
    df = read_quiet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas warns when attrs cannot be written
        df.to_parquet(tmp_path / "x.parquet")
    back = pd.read_parquet(tmp_path / "x.parquet")
    assert back.flow.bad_lines["line"].tolist() == [3]
    assert back.flow.sources == (str(path),)


@pytest.mark.parametrize("stray", ["\x1c", "\x0b", "region", "action log-status"])
def test_stray_lines_are_reported_not_skipped_or_obeyed(tmp_path, stray):
    path = write(tmp_path, "a.log", f"{HEADER}\n{REC1}\n{stray}\n{REC2}\n")
    df = read_quiet(path)
    assert df["dstport"].tolist() == [22, 3389]
    assert df.flow.bad_lines["line"].tolist() == [3]


@pytest.mark.parametrize("join", ["1", "2"])
def test_directory_read_in_many_pieces_equals_one_file(tmp_path, monkeypatch, join):
    """Files converted one per piece and joined (missing values included) give the one-file frame."""
    import flownb.io._engine as engine

    lines = [REC1, NODATA, REC2, REC1.replace("20641", "65535"), NODATA, REC2.replace("REJECT", "ACCEPT")]
    for i in range(9):
        write(
            tmp_path / "dir",
            f"{i:02d}.log.gz",
            gzip.compress(f"{HEADER}\n{lines[i % 6]}\n{lines[(i + 1) % 6]}\n".encode()),
        )
    whole = "".join(f"{lines[i % 6]}\n{lines[(i + 1) % 6]}\n" for i in range(9))
    one = flownb.read_flow_logs(write(tmp_path, "all.log", f"{HEADER}\n{whole}"))
    monkeypatch.setattr(engine, "GROUP_BYTES", 1)
    monkeypatch.setenv("FLOWNB_JOIN_THREADS", join)
    many = flownb.read_flow_logs(tmp_path / "dir")
    assert len(many) == 18 and many["srcport"].isna().sum() == one["srcport"].isna().sum() == 6
    pd.testing.assert_frame_equal(many, one, check_categorical=False)
    assert list(many.dtypes) == list(one.dtypes)
