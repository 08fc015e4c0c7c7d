"""read_flow_logs("s3://...") against a local moto server: layouts, pruning, filters, errors."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
import warnings

import pandas as pd
import pytest

import flownb
from flownb.io import _aws
from flownb.io._errors import FlowLogSourceError
from flownb.io._select import DELIVERY_SLACK, EARLY_SLACK

from .conftest import (
    ACCOUNTS,
    REGIONS,
    delivery_key,
    gz_text,
    parquet_bytes,
    record_lines,
    s3_client,
)

DAY0 = 1714521600  # 2024-05-01T00:00:00Z
HOUR = 3600


def _bucket(name: str = "flow-logs") -> object:
    s3 = s3_client()
    s3.create_bucket(Bucket=name)
    return s3


def _fill(s3, bucket: str, layout: str, *, hours: range, per_hour: int = 1, n: int = 5, **key_kw) -> dict:
    """Deliver one object per hour (at :30) per account and region; return {key: records}."""
    written = {}
    parquet = key_kw.pop("parquet", False)
    for account in ACCOUNTS:
        for region in REGIONS:
            for h in hours:
                for k in range(per_hour):
                    t = DAY0 + h * HOUR + 1800 + k * 60
                    lines = record_lines(n, t, account, seed=h + k)
                    suffix = ".parquet" if parquet else ".log.gz"
                    key = delivery_key(layout, account, region, t, suffix=suffix, **key_kw)
                    body = parquet_bytes(lines) if parquet else gz_text(lines)
                    s3.put_object(Bucket=bucket, Key=key, Body=body)
                    written[key] = lines
    return written


@pytest.mark.parametrize(
    "layout, hourly, org, parquet, prefix",
    [
        ("classic", False, None, False, ""),
        ("classic", True, None, False, "team-a/"),
        ("classic", False, "o-abcdef1234", False, ""),
        ("hive", False, None, False, ""),
        ("hive", True, None, True, "lake/"),
        ("hive", False, "o-abcdef1234", True, ""),
    ],
)
def test_every_layout_reads_every_record(aws, layout, hourly, org, parquet, prefix) -> None:
    s3 = _bucket()
    written = _fill(
        s3, "flow-logs", layout, hours=range(22, 27), hourly=hourly, org=org, parquet=parquet, prefix=prefix
    )
    s3.put_object(Bucket="flow-logs", Key=f"{prefix}AWSLogs/{ACCOUNTS[0]}/CloudTrail/x.json.gz", Body=b"{}")
    df = flownb.read_flow_logs(f"s3://flow-logs/{prefix}", progress=False)
    assert len(df) == sum(len(v) for v in written.values())
    assert set(df.flow.sources) == {f"s3://flow-logs/{k}" for k in written}
    assert set(df["account_id"].astype(str)) == set(ACCOUNTS)
    # The records carry no region: it comes from the key, per object.
    assert set(df["region"].astype(str)) == set(REGIONS)
    assert str(df["region"].dtype) == "category" and str(df["dstport"].dtype) == "UInt16"
    assert len(df.flow.bad_lines) == 0


def test_account_and_region_columns_come_from_the_key_when_records_lack_them(aws) -> None:
    s3 = _bucket()
    t = DAY0 + 1800
    key = delivery_key("classic", ACCOUNTS[1], "eu-west-1", t)
    header = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    s3.put_object(
        Bucket="flow-logs", Key=key, Body=gz_text(record_lines(3, t, "", with_account=False), header)
    )
    df = flownb.read_flow_logs("s3://flow-logs/AWSLogs/", progress=False)
    assert list(df["account_id"].astype(str)) == [ACCOUNTS[1]] * 3
    assert list(df["region"].astype(str)) == ["eu-west-1"] * 3


def test_time_range_lists_only_its_folders_and_gets_only_its_objects(aws, calls) -> None:
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 4 * 24, 3))  # 4 days, an object every 3 hours
    start, end = pd.Timestamp("2024-05-03T06:00Z"), pd.Timestamp("2024-05-03T12:00Z")
    calls.calls.clear()
    df = flownb.read_flow_logs(
        "s3://flow-logs/", start=start, end=end, accounts=[ACCOUNTS[0]], progress=False
    )

    lists = calls.named("ListObjectsV2")
    gets = calls.named("GetObject")
    # Never the whole bucket: every listing is one folder level, and no other day is ever listed.
    assert all(p.get("Delimiter") == "/" for p in lists)
    days = {
        p["Prefix"].split("/vpcflowlogs/")[1][10:20]
        for p in lists
        if "/vpcflowlogs/" in p["Prefix"] and p["Prefix"].count("/") >= 8
    }
    assert days <= {"2024/05/03"}, days
    assert not any(ACCOUNTS[1] in p["Prefix"] for p in lists)
    # Objects: those whose delivery time can hold records of the range (10 min before, 1 h after).
    expected = [
        k
        for k in written
        if ACCOUNTS[0] in k
        and start - EARLY_SLACK - pd.Timedelta(minutes=1) < _file_time(k) < end + DELIVERY_SLACK
    ]
    assert sorted(p["Key"] for p in gets) == sorted(expected)
    assert len(gets) < len([k for k in written if ACCOUNTS[0] in k]) / 5
    # Records: start in [start, end), all from the one account, none lost.
    all_records = pd.Series(
        [int(line.split()[10]) for k, v in written.items() if ACCOUNTS[0] in k for line in v]
    )
    in_range = all_records[(all_records >= start.timestamp()) & (all_records < end.timestamp())]
    assert len(df) == len(in_range) > 0
    assert df["start"].min() >= start and df["start"].max() < end
    assert set(df["account_id"].astype(str)) == {ACCOUNTS[0]}


def _file_time(key: str) -> pd.Timestamp:
    return pd.Timestamp(pd.to_datetime(key.rsplit("_", 2)[1], format="%Y%m%dT%H%MZ"), tz="UTC")


def test_hive_hourly_partitions_are_pruned_by_hour(aws, calls) -> None:
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "hive", hours=range(0, 24), hourly=True)
    calls.calls.clear()
    df = flownb.read_flow_logs(
        "s3://flow-logs/AWSLogs/",
        start="2024-05-01T10:00",
        end="2024-05-01T11:00",
        regions="eu-west-1",
        progress=False,
    )
    lists = [p["Prefix"] for p in calls.named("ListObjectsV2")]
    hours = {p.split("hour=")[1][:2] for p in lists if "hour=" in p}
    assert hours <= {"09", "10", "11"}, hours  # 09: the 10 minutes of slack before; 11: the hour after
    assert not any("aws-region=us-east-1" in p for p in lists)
    gets = calls.named("GetObject")
    assert all("aws-region=eu-west-1" in g["Key"] for g in gets) and 0 < len(gets) <= 2 * 2
    starts = [int(line.split()[10]) for k, v in written.items() if "eu-west-1" in k for line in v]
    want = [s for s in starts if DAY0 + 10 * HOUR <= s < DAY0 + 11 * HOUR]
    assert len(df) == len(want) > 0


def test_a_day_fully_inside_the_range_is_listed_in_one_go(aws, calls) -> None:
    s3 = _bucket()
    _fill(s3, "flow-logs", "classic", hours=range(0, 72, 6), hourly=True)
    calls.calls.clear()
    df = flownb.read_flow_logs("s3://flow-logs/", start="2024-05-01T23:00", end="2024-05-03", progress=False)
    flat = [p["Prefix"] for p in calls.named("ListObjectsV2") if "Delimiter" not in p]
    # Window of delivery times: [22:50 on the 1st, 01:00 on the 3rd) (10 minutes before, an hour after).
    assert flat and all(p.endswith(("/2024/05/01/23/", "/2024/05/02/", "/2024/05/03/00/")) for p in flat), (
        flat
    )
    assert any(p.endswith("/2024/05/02/") for p in flat)
    assert df["start"].min() >= pd.Timestamp("2024-05-01T23:00Z")


def test_single_object_and_folder_without_slash(aws) -> None:
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 2))
    key = next(iter(written))
    one = flownb.read_flow_logs(f"s3://flow-logs/{key}", progress=False)
    assert len(one) == len(written[key]) and one.flow.sources == (f"s3://flow-logs/{key}",)
    folder = flownb.read_flow_logs("s3://flow-logs/AWSLogs", progress=False)
    assert len(folder) == sum(len(v) for v in written.values())


def test_progress_bar_is_shown_and_can_be_turned_off(aws, capsys) -> None:
    s3 = _bucket()
    _fill(s3, "flow-logs", "classic", hours=range(0, 3))
    flownb.read_flow_logs("s3://flow-logs/", progress=True)
    assert "Reading S3 objects" in capsys.readouterr().err
    flownb.read_flow_logs("s3://flow-logs/", progress=False)
    assert "Reading S3 objects" not in capsys.readouterr().err


def test_nothing_in_range_warns_with_what_is_there(aws) -> None:
    s3 = _bucket()
    _fill(s3, "flow-logs", "classic", hours=range(0, 3))
    with pytest.warns(_aws.FlowLogSourceWarning, match=r"no flow log objects match .*2024-05-01"):
        df = flownb.read_flow_logs("s3://flow-logs/", start="2024-06-01", end="2024-06-02", progress=False)
    assert len(df) == 0
    with pytest.warns(_aws.FlowLogSourceWarning, match=r"accounts \['111111111111', '222222222222'\]"):
        flownb.read_flow_logs("s3://flow-logs/", accounts="333333333333", progress=False)


def test_empty_prefix_and_missing_bucket_are_errors_for_people(aws) -> None:
    _bucket()
    with pytest.raises(FlowLogSourceError, match="no objects under this prefix"):
        flownb.read_flow_logs("s3://flow-logs/AWSLogs/", progress=False)
    with pytest.raises(FlowLogSourceError, match="no such bucket"):
        flownb.read_flow_logs("s3://no-such-bucket-here/", progress=False)


def test_bad_filters_are_rejected_before_any_request(aws) -> None:
    with pytest.raises(ValueError, match="'accounts' must hold 12-digit"):
        flownb.read_flow_logs("s3://flow-logs/", accounts=[123456789012])
    with pytest.raises(ValueError, match="'start' must be before 'end'"):
        flownb.read_flow_logs("s3://flow-logs/", start="2024-05-02", end="2024-05-01")
    with pytest.raises(ValueError, match="'regions' must hold AWS region names"):
        flownb.read_flow_logs("s3://flow-logs/", regions="US East")


def test_truncated_and_corrupt_gzip_objects_are_reported_and_the_rest_kept(aws) -> None:
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 2))
    good = sum(len(v) for v in written.values())
    t = DAY0 + 5 * HOUR
    full = gz_text(record_lines(50, t, ACCOUNTS[0]))
    trunc_key = delivery_key("classic", ACCOUNTS[0], "us-east-1", t)
    corrupt_key = delivery_key("classic", ACCOUNTS[0], "us-east-1", t + 300)
    s3.put_object(Bucket="flow-logs", Key=trunc_key, Body=full[: len(full) // 2])
    s3.put_object(Bucket="flow-logs", Key=corrupt_key, Body=full[:30] + b"\x00garbage" * 20)
    with pytest.warns(flownb.FlowLogParseWarning, match="could not be parsed"):
        df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    bad = df.flow.bad_lines
    assert set(bad["source"]) >= {f"s3://flow-logs/{trunc_key}", f"s3://flow-logs/{corrupt_key}"}
    for key in (trunc_key, corrupt_key):  # the object's problem, after its readable records (if any)
        reasons = bad.loc[bad["source"] == f"s3://flow-logs/{key}", "reason"]
        assert reasons.str.contains("gzip data is").iloc[-1], reasons
    assert good <= len(df) < good + 50


def test_throttling_is_retried_with_backoff(aws, calls) -> None:
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 1))
    throttled = _throttle(s3_op="GetObject", times=2)
    _aws._CLIENT_HOOKS.append(throttled)
    try:
        df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    finally:
        _aws._CLIENT_HOOKS.remove(throttled)
    assert len(df) == sum(len(v) for v in written.values())
    assert throttled.sent == 2  # two SlowDown answers, then the retries succeeded


def test_throttling_that_never_ends_says_so(aws, monkeypatch) -> None:
    s3 = _bucket()
    _fill(s3, "flow-logs", "classic", hours=range(0, 1))
    monkeypatch.setattr(_aws, "MAX_ATTEMPTS", 2)
    throttled = _throttle(s3_op="ListObjectsV2", times=100)
    _aws._CLIENT_HOOKS.append(throttled)
    try:
        with pytest.raises(
            FlowLogSourceError, match=r"kept throttling the requests \(SlowDown\) after 2 attempts"
        ):
            flownb.read_flow_logs("s3://flow-logs/", progress=False)
    finally:
        _aws._CLIENT_HOOKS.remove(throttled)


class _RawBody:
    """The raw body of a made-up botocore response (what ``AWSResponse`` reads and streams)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body

    def read(self, *_):
        return self.body


def _throttle(s3_op: str, times: int):
    """A client hook answering the first ``times`` attempts of an S3 operation with 503 SlowDown."""
    from botocore.awsrequest import AWSResponse

    def hook(client) -> None:
        def before_send(request, **_):
            if hook.sent >= times:
                return None
            hook.sent += 1
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return AWSResponse(request.url, 503, {"Content-Type": "application/xml"}, _RawBody(body))

        client.meta.events.register(f"before-send.s3.{s3_op}", before_send)

    hook.sent = 0
    return hook


def test_no_credentials_says_how_to_configure_them(aws, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(_aws.FlowLogAccessError, match=r"No AWS credentials were found.*aws configure"):
        flownb.read_flow_logs("s3://flow-logs/", progress=False)


def _restricted_user(actions: list[str]) -> tuple[str, str]:
    """An IAM user allowed only ``actions``; returns its access key."""
    import json

    import boto3

    iam = boto3.client("iam")
    iam.create_user(UserName="analyst")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName="analyst", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="analyst")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture
def enforce_iam(aws, monkeypatch):
    """Make moto check IAM policies (as AWS does) for the rest of the test."""
    from moto import settings

    def switch_on(key_id: str, secret: str) -> None:
        monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)

    return switch_on


@pytest.mark.parametrize(
    "allowed, missing", [(["s3:ListBucket"], "s3:GetObject"), (["s3:GetObject"], "s3:ListBucket")]
)
def test_access_denied_names_the_missing_permission(aws, enforce_iam, allowed, missing) -> None:
    s3 = _bucket()
    _fill(s3, "flow-logs", "classic", hours=range(0, 1))
    enforce_iam(*_restricted_user(allowed))
    with pytest.raises(_aws.FlowLogAccessError, match=f"lack the IAM permission {missing}") as info:
        flownb.read_flow_logs("s3://flow-logs/", progress=False)
    assert info.value.permission == missing
    assert isinstance(info.value, PermissionError)


def test_missing_boto3_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ModuleNotFoundError, match=r"'aws' extra.*: pip install 'boto3>=1\.34'$") as info:
        flownb.read_flow_logs("s3://flow-logs/")
    assert info.value.__suppress_context__ and info.value.__cause__ is None  # no chained traceback


def test_import_flownb_does_not_import_boto3() -> None:
    code = "import sys, flownb; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- files that come from AWS


def test_cloudwatch_export_to_s3_is_read_from_its_content(aws) -> None:
    import boto3

    s3 = _bucket("exports")
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/vpc/flow")
    now = int(time.time()) // 60 * 60 - HOUR  # CloudWatch refuses events older than 14 days
    lines = {}
    for i, eni in enumerate(("eni-0a-all", "eni-0b-all")):
        logs.create_log_stream(logGroupName="/vpc/flow", logStreamName=eni)
        lines[eni] = record_lines(20, now, ACCOUNTS[0], seed=i)
        events = [{"timestamp": (now - 300 + j) * 1000, "message": m} for j, m in enumerate(lines[eni])]
        logs.put_log_events(logGroupName="/vpc/flow", logStreamName=eni, logEvents=events)
    logs.create_export_task(
        logGroupName="/vpc/flow",
        fromTime=0,
        to=(now + HOUR) * 1000,
        destination="exports",
        destinationPrefix="cw",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="exports", Prefix="cw/")["Contents"]]
    body = gzip.decompress(s3.get_object(Bucket="exports", Key=keys[0])["Body"].read())
    assert body[:2] == b"20" and b".000Z 2 111111111111" in body  # an ISO time, a space, the message
    df = flownb.read_flow_logs("s3://exports/cw/", progress=False)
    assert len(df) == 40 and len(df.flow.bad_lines) == 0
    assert df["bytes"].sum() == sum(int(m.split()[9]) for v in lines.values() for m in v)


def test_firehose_object_of_subscription_payloads_is_read_from_its_content(aws) -> None:
    import json

    s3 = _bucket("firehose")
    t = DAY0 + 600
    payloads = [
        {
            "messageType": "CONTROL_MESSAGE",
            "logGroup": "",
            "logStream": "",
            "logEvents": [
                {
                    "id": "",
                    "timestamp": t * 1000,
                    "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
                }
            ],
        },
        *[
            {
                "messageType": "DATA_MESSAGE",
                "owner": ACCOUNTS[0],
                "logGroup": "/vpc/flow",
                "logStream": f"eni-{i}-all",
                "subscriptionFilters": ["to-firehose"],
                "logEvents": [
                    {"id": str(j), "timestamp": t * 1000, "message": m}
                    for j, m in enumerate(record_lines(10, t, ACCOUNTS[0], seed=i))
                ],
            }
            for i in range(3)
        ],
    ]
    payloads[2]["logEvents"][4]["message"] = "2 not a record"
    body = b"".join(gzip.compress(json.dumps(p).encode()) for p in payloads)
    s3.put_object(
        Bucket="firehose", Key="2024/05/01/00/to-s3-1-2024-05-01-00-10-00-abcd", Body=gzip.compress(body)
    )
    with pytest.warns(flownb.FlowLogParseWarning):
        df = flownb.read_flow_logs("s3://firehose/2024/", progress=False)
    assert len(df) == 29
    bad = df.flow.bad_lines
    assert list(bad["line"]) == [15] and bad["text"][0] == "2 not a record"  # event 15 of the object


def test_csv_download_is_read_from_its_content(tmp_path) -> None:
    lines = record_lines(4, DAY0 + 600, ACCOUNTS[0])
    rows = ["timestamp,message"] + [f'{(DAY0 + 300) * 1000},"{m}"' for m in lines[:2]]
    rows += [f"{(DAY0 + 300) * 1000},2 broken", f'{(DAY0 + 300) * 1000},"{lines[2]}"']
    path = tmp_path / "log-events-viewer-result.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.warns(flownb.FlowLogParseWarning):
        df = flownb.read_flow_logs(path)
    assert len(df) == 3 and list(df.flow.bad_lines["line"]) == [4]
    insights = tmp_path / "logs-insights-results.csv"
    insights.write_text(
        '"@timestamp","@message"\n' + "\n".join(f'"2024-05-01 00:05:00.000","{m}"' for m in lines) + "\n"
    )
    assert len(flownb.read_flow_logs(insights)) == 4


# --------------------------------------------------------------------------- local reads with a time range


def test_local_reads_are_pruned_by_path_and_filtered_by_record_time(tmp_path) -> None:
    for h in range(0, 48, 2):
        t = DAY0 + h * HOUR + 1800
        key = delivery_key("classic", ACCOUNTS[h % 4 // 2], "us-east-1", t)
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gz_text(record_lines(5, t, ACCOUNTS[h % 4 // 2], seed=h)))
    df = flownb.read_flow_logs(tmp_path, start="2024-05-01T12:00", end="2024-05-01T18:00")
    assert len(df) > 0 and df["start"].min() >= pd.Timestamp("2024-05-01T12:00Z")
    assert df["start"].max() < pd.Timestamp("2024-05-01T18:00Z")
    assert all("/2024/05/01/" in s for s in df.flow.sources)
    only = flownb.read_flow_logs(tmp_path, accounts=ACCOUNTS[1])
    assert set(only["account_id"].astype(str)) == {ACCOUNTS[1]}
    assert len(only) == 12 * 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = flownb.read_flow_logs(tmp_path, start="2025-01-01", end="2025-01-02")
    assert len(empty) == 0


def test_several_urls_are_read_together(aws) -> None:
    a, b = _bucket("logs-a"), _bucket("logs-b")
    wa = _fill(a, "logs-a", "classic", hours=range(0, 2))
    wb = _fill(b, "logs-b", "hive", hours=range(0, 2))
    df = flownb.read_flow_logs(["s3://logs-a/AWSLogs/", "s3://logs-b/"], regions="eu-west-1", progress=False)
    want = sum(len(v) for k, v in [*wa.items(), *wb.items()] if "eu-west-1" in k)
    assert len(df) == want and {s.split("/")[2] for s in df.flow.sources} == {"logs-a", "logs-b"}
    with pytest.raises(FlowLogSourceError, match="cannot be mixed with local files"):
        flownb.read_flow_logs(["s3://logs-a/", "/tmp/x.log"])


def test_an_object_deleted_while_reading_is_reported_not_fatal(aws, monkeypatch) -> None:
    import flownb.io._s3 as s3mod

    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 2))
    walk = s3mod._walk

    def walk_then_delete(*args, **kwargs):
        found = walk(*args, **kwargs)
        s3.delete_object(Bucket="flow-logs", Key=found[0].key)
        return found

    monkeypatch.setattr(s3mod, "_walk", walk_then_delete)
    with pytest.warns(flownb.FlowLogParseWarning, match="deleted between listing and reading"):
        df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    first = sorted(written)[0]
    assert len(df) == sum(len(v) for v in written.values()) - len(written[first])
    assert df.flow.bad_lines["source"].tolist() == [f"s3://flow-logs/{first}"]


def test_cli_output_and_payload_problems_are_read_and_reported(tmp_path) -> None:
    import base64
    import json

    lines = record_lines(6, DAY0 + 600, ACCOUNTS[0])
    cli = {"events": [{"logStreamName": "eni-1-all", "timestamp": 1, "message": m, "eventId": str(i)}
                      for i, m in enumerate(lines)], "searchedLogStreams": []}  # fmt: skip
    path = tmp_path / "filter-log-events.json"
    path.write_text(json.dumps(cli, indent=2))
    assert len(flownb.read_flow_logs(path)) == 6
    # Lambda events one per line; the second is not base64: reported where its events would be.
    good = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps({"messageType": "DATA_MESSAGE",
            "logEvents": [{"id": "1", "timestamp": 1, "message": m} for m in lines[:3]]}).encode())).decode()}}  # fmt: skip
    broken = {"awslogs": {"data": "H4sI!!not-base64"}}
    path = tmp_path / "lambda-events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in (good, broken, good)) + "\n")
    with pytest.warns(flownb.FlowLogParseWarning):
        df = flownb.read_flow_logs(path)
    bad = df.flow.bad_lines
    assert len(df) == 6 and list(bad["line"]) == [4] and "not base64" in bad["reason"][0]


def test_frames_built_in_groups_equal_one_conversion_across_formats(aws, monkeypatch) -> None:
    """Objects of two formats, converted one object per group or all at once, in parallel or one by one."""
    import flownb.io._engine as engine
    import flownb.io._s3 as s3_mod

    s3 = _bucket()
    wide = HEADER_WIDE.split()
    keys = []
    for i in range(6):
        t = DAY0 + 1800 + i * 300
        lines = record_lines(4, t, ACCOUNTS[0], seed=i)
        key = delivery_key("classic", ACCOUNTS[0], "us-east-1", t)
        if i % 3 == 2:  # every third object has more fields, in another order, and no account-id
            lines = [f"{line} vpc-0abc{i} 203.0.113.{i} ingress" for line in lines]
            lines = [" ".join(f for j, f in enumerate(line.split()) if j != 1) for line in lines]
            body = gzip.compress((" ".join(wide) + "\n" + "\n".join(lines) + "\n").encode())
        else:
            body = gz_text(lines)
        s3.put_object(Bucket="flow-logs", Key=key, Body=body)
        keys.append(key)
    frames = []
    # The pieces' columns are joined on one thread per core, or on one thread (FLOWNB_JOIN_THREADS=1).
    for group_bytes, workers, join in [
        (1 << 40, 16, ""),
        (1, 16, ""),
        (1, 16, "1"),
        (1, 1, "3"),
        (700, 2, ""),
    ]:
        monkeypatch.setattr(engine, "GROUP_BYTES", group_bytes)
        monkeypatch.setattr(s3_mod, "WORKERS", workers)
        monkeypatch.setenv("FLOWNB_JOIN_THREADS", join)
        frames.append(flownb.read_flow_logs("s3://flow-logs/", progress=False))
    first = frames[0]
    assert len(first) == 24 and list(first.columns[:3]) == ["version", "account_id", "interface_id"]
    assert first["vpc_id"].isna().sum() == 16 and first["vpc_id"].notna().sum() == 8
    assert str(first["flow_direction"].dtype) == "category" and str(first["srcport"].dtype) == "UInt16"
    assert set(first["account_id"]) == {ACCOUNTS[0]}  # filled from the key where the records lack it
    for other in frames[1:]:
        pd.testing.assert_frame_equal(other, first, check_categorical=False)
        for col in other.columns:
            assert other[col].dtype == first[col].dtype or str(other[col].dtype) == "category", col
    assert first.flow.sources == tuple(f"s3://flow-logs/{k}" for k in sorted(keys))


HEADER_WIDE = (
    "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status "
    "vpc-id pkt-srcaddr flow-direction"
)


def test_clients_share_parsed_service_models_but_look_up_credentials_afresh(aws, monkeypatch) -> None:
    """A notebook that switches credentials between reads gets the new ones; the S3 model is parsed once."""
    first = _aws.client("s3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "switched")
    second = _aws.client("s3")
    assert first._request_signer._credentials.access_key == "testing"
    assert second._request_signer._credentials.access_key == "switched"
    shared = first.meta.service_model._service_description
    assert second.meta.service_model._service_description is shared
    loader = second._loader
    assert len(loader.search_paths) <= len(set(loader.search_paths)) + 1  # no copy piled up per client


def test_one_session_and_one_client_per_read_not_per_object(aws, calls, monkeypatch) -> None:
    """Signing and parsing set-up is paid once per read: 30 objects, one botocore session, one client."""
    s3 = _bucket()
    for i in range(30):
        t = DAY0 + 600 + i * 300
        key = delivery_key("classic", ACCOUNTS[0], "us-east-1", t)
        s3.put_object(Bucket="flow-logs", Key=key, Body=gz_text(record_lines(3, t, ACCOUNTS[0], seed=i)))
    sessions = []
    made = _aws._botocore_session
    monkeypatch.setattr(_aws, "_botocore_session", lambda: sessions.append(1) or made())
    clients = []
    _aws._CLIENT_HOOKS.append(clients.append)
    try:
        df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    finally:
        _aws._CLIENT_HOOKS.remove(clients.append)
    assert len(df) == 90
    assert len(sessions) == 1 and len(clients) == 1
    assert len(calls.named("GetObject")) == 30
    # The one client's connection pool holds a connection per object in flight, so none waits for one.
    assert clients[0].meta.config.max_pool_connections >= flownb.io._s3.WORKERS


def test_objects_are_fetched_with_signed_urls_and_read_whole(aws, calls) -> None:
    """Each object costs one GET, sent as a SigV4 presigned URL (botocore's pipeline is skipped)."""
    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 3))
    df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    assert len(df) == sum(len(v) for v in written.values())
    gets = [u for u in calls.attempts if "X-Amz-Signature=" in u]
    assert len(gets) == len(written)  # one signed GET per object, none asked again
    assert all("X-Amz-Algorithm=AWS4-HMAC-SHA256" in u for u in gets)


@pytest.mark.parametrize("answer", ["cut-short", "denied", "refused"])
def test_a_failed_signed_get_is_asked_again_through_get_object(aws, calls, answer) -> None:
    """A signed GET answered with a short body, an error or a dropped connection loses no records."""
    from botocore.awsrequest import AWSResponse

    s3 = _bucket()
    written = _fill(s3, "flow-logs", "classic", hours=range(0, 2))

    def hook(client) -> None:
        def before_send(request, **_):
            if "X-Amz-Signature=" not in request.url or hook.sent:
                return None
            hook.sent += 1
            if answer == "refused":
                raise ConnectionResetError("connection reset by peer")
            if answer == "denied":
                body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
                return AWSResponse(request.url, 403, {}, _RawBody(body))
            return AWSResponse(
                request.url, 200, {"content-length": "1000"}, _RawBody(b"\x1f\x8b" + b"\x00" * 20)
            )

        client.meta.events.register("before-send.s3.GetObject", before_send)

    hook.sent = 0
    _aws._CLIENT_HOOKS.append(hook)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing to report: every object was read whole
            df = flownb.read_flow_logs("s3://flow-logs/", progress=False)
    finally:
        _aws._CLIENT_HOOKS.remove(hook)
    assert hook.sent == 1
    assert len(df) == sum(len(v) for v in written.values())
    assert df.flow.bad_lines.empty
