"""flownb.read_cloudwatch and flownb.query_cloudwatch against a local moto server."""

from __future__ import annotations

import json
import time
import warnings

import pandas as pd
import pytest

import flownb
from flownb.io import _aws
from flownb.io._cloudwatch import query_cloudwatch, read_cloudwatch
from flownb.io._errors import FlowLogSourceError

from .conftest import ACCOUNTS, record_lines

GROUP = "/vpc/flow-logs"
NOW = int(time.time()) // 60 * 60 - 2 * 3600  # CloudWatch refuses events older than 14 days
STREAMS = ("eni-0aaaaaaaaaaaaaaaa-all", "eni-0bbbbbbbbbbbbbbbb-all", "eni-0cccccccccccccccc-all")
CUSTOM = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${action}"


def _group(n: int = 30, *, streams=STREAMS, lines_for=None) -> dict[str, list[str]]:
    import boto3

    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    written = {}
    for i, stream in enumerate(streams):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        lines = lines_for(i) if lines_for else record_lines(n, NOW + 600 * i, ACCOUNTS[0], seed=i)
        events = [
            {"timestamp": int(line.split()[-4 if lines_for is None else 7]) * 1000, "message": line}
            for line in lines
        ]
        events.sort(key=lambda e: e["timestamp"])
        for k in range(0, len(events), 10_000):
            logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events[k : k + 10_000])
        written[stream] = lines
    return written


def _flow_log(log_format: str | None = None) -> None:
    import boto3

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    kwargs = {"LogFormat": log_format} if log_format else {}
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
        **kwargs,
    )


def test_reads_every_stream_with_event_columns(aws) -> None:
    written = _group()
    _flow_log()
    df = read_cloudwatch(GROUP, progress=False)
    assert len(df) == 90
    assert list(df.columns[:3]) == ["version", "account_id", "interface_id"]
    assert list(df.columns[-3:]) == ["log_stream", "timestamp", "ingestion_time"]
    assert set(df["log_stream"].astype(str)) == set(STREAMS)
    assert str(df["log_stream"].dtype) == "category" and str(df["timestamp"].dtype) == "datetime64[ms, UTC]"
    assert str(df["dstport"].dtype) == "UInt16" and str(df["start"].dtype) == "datetime64[s, UTC]"
    # Each row's event columns belong to its own record.
    assert (df["timestamp"].dt.floor("s") == df["start"]).all()
    assert df["bytes"].sum() == sum(int(m.split()[9]) for v in written.values() for m in v)
    assert df.flow.sources == tuple(f"{GROUP} [{s}]" for s in STREAMS)


def test_format_is_looked_up_with_describe_flow_logs(aws) -> None:
    def custom(i: int) -> list[str]:
        return [
            f"5 eni-{i:017x} 10.0.0.{k} 10.0.1.1 {40000 + k} 443 6 {NOW + k} {NOW + k + 60} ACCEPT"
            for k in range(5)
        ]

    _group(lines_for=custom)
    _flow_log(CUSTOM)
    df = read_cloudwatch(GROUP, progress=False)
    assert len(df) == 15 and "account_id" not in df and list(df.columns[:2]) == ["version", "interface_id"]
    assert df.flow.formats == (CUSTOM,)


def test_without_a_flow_log_the_default_format_is_assumed_and_said(aws) -> None:
    _group(5)
    with pytest.warns(
        _aws.FlowLogSourceWarning, match="no flow log .* publishes to this log group.*default format"
    ):
        df = read_cloudwatch(GROUP, progress=False)
    assert len(df) == 15


def test_time_range_filters_events_and_records(aws, calls) -> None:
    _group(30)
    _flow_log()
    start, end = pd.Timestamp(NOW + 300, unit="s", tz="UTC"), pd.Timestamp(NOW + 900, unit="s", tz="UTC")
    df = read_cloudwatch(GROUP, start=start, end=end, progress=False)
    sent = calls.named("FilterLogEvents")[0]
    assert sent["startTime"] == int(start.timestamp() * 1000)
    assert sent["endTime"] > int(end.timestamp() * 1000)  # event times can run past a record's start
    assert len(df) > 0 and df["start"].min() >= start and df["start"].max() < end


def test_streams_prefix_and_filter_pattern(aws, calls) -> None:
    _group(20)
    _flow_log()
    one = read_cloudwatch(GROUP, log_stream_names=[STREAMS[1]], progress=False)
    assert set(one["log_stream"].astype(str)) == {STREAMS[1]} and len(one) == 20
    assert calls.named("FilterLogEvents")[-1]["logStreamNames"] == [STREAMS[1]]
    pre = read_cloudwatch(GROUP, log_stream_prefix="eni-0c", progress=False)
    assert set(pre["log_stream"].astype(str)) == {STREAMS[2]}
    rejects = read_cloudwatch(GROUP, filter_pattern="REJECT", progress=False)
    assert len(rejects) > 0 and set(rejects["action"].astype(str)) == {"REJECT"}
    with pytest.raises(ValueError, match="either 'log_stream_names' or 'log_stream_prefix'"):
        read_cloudwatch(GROUP, log_stream_names=["a"], log_stream_prefix="b")


def test_pages_are_followed(aws, calls) -> None:
    _group(10_500, streams=STREAMS[:1])
    _flow_log()
    df = read_cloudwatch(GROUP, progress=False)
    assert len(df) == 10_500
    assert len(calls.named("FilterLogEvents")) >= 2


def test_bad_events_are_reported_by_stream_and_event_number(aws) -> None:
    def lines(i: int) -> list[str]:
        good = record_lines(4, NOW, ACCOUNTS[0], seed=i)
        if i == 1:
            good[2] = good[2].replace(" 6 ", " tcp ", 1)
        return good

    import boto3

    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    for i, stream in enumerate(STREAMS[:2]):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        events = [{"timestamp": (NOW + k) * 1000, "message": m} for k, m in enumerate(lines(i))]
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)
    _flow_log()
    with pytest.warns(flownb.FlowLogParseWarning, match="1 line"):
        df = read_cloudwatch(GROUP, progress=False)
    bad = df.flow.bad_lines
    assert list(bad["source"]) == [f"{GROUP} [{STREAMS[1]}]"] and list(bad["line"]) == [3]
    assert "protocol: 'tcp' is not a number" in bad["reason"][0]
    assert len(df) == 7 and df["log_stream"].value_counts().to_dict() == {STREAMS[0]: 4, STREAMS[1]: 3}
    with pytest.raises(flownb.FlowLogParseError, match=r"eni-0b.*:3: protocol"):
        read_cloudwatch(GROUP, progress=False, errors="raise")


def test_missing_log_group_suggests_the_close_ones(aws) -> None:
    _group(1)
    with pytest.raises(
        FlowLogSourceError, match=r"'/vpc/flowlogs' does not exist .*Did you mean '/vpc/flow-logs'"
    ):
        read_cloudwatch("/vpc/flowlogs", format="version", progress=False)


def test_throttling_is_retried(aws) -> None:
    _group(5)
    _flow_log()
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    def hook(client) -> None:
        def before_send(request, **_):
            if hook.sent >= 2:
                return None
            hook.sent += 1
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, Raw())

        client.meta.events.register("before-send.cloudwatch-logs.FilterLogEvents", before_send)

    hook.sent = 0
    _aws._CLIENT_HOOKS.append(hook)
    try:
        df = read_cloudwatch(GROUP, progress=False)
    finally:
        _aws._CLIENT_HOOKS.remove(hook)
    assert hook.sent == 2 and len(df) == 15


def test_progress_bar_counts_events(aws, capsys) -> None:
    _group(5)
    _flow_log()
    read_cloudwatch(GROUP)
    assert f"Reading {GROUP}" in capsys.readouterr().err


def _iam_user(actions: list[str]) -> tuple[str, str]:
    import boto3

    iam = boto3.client("iam")
    iam.create_user(UserName="analyst")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName="analyst", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="analyst")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _enforce(monkeypatch, key: tuple[str, str]) -> None:
    from moto import settings

    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key[1])


def test_describe_flow_logs_denied_assumes_the_default_and_says_so(aws, monkeypatch) -> None:
    _group(5)
    _flow_log()
    _enforce(monkeypatch, _iam_user(["logs:FilterLogEvents"]))
    with pytest.warns(
        _aws.FlowLogSourceWarning, match=r"ec2:DescribeFlowLogs is not allowed; the default format"
    ):
        df = read_cloudwatch(GROUP, progress=False)
    assert len(df) == 15


def test_filter_log_events_denied_names_the_permission(aws, monkeypatch) -> None:
    _group(5)
    _flow_log()
    _enforce(monkeypatch, _iam_user(["ec2:DescribeFlowLogs"]))
    with pytest.raises(_aws.FlowLogAccessError, match="lack the IAM permission logs:FilterLogEvents") as info:
        read_cloudwatch(GROUP, progress=False)
    assert info.value.permission == "logs:FilterLogEvents"


def test_no_credentials(aws, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(_aws.FlowLogAccessError, match="No AWS credentials were found"):
        read_cloudwatch(GROUP, format="version", progress=False)


# --------------------------------------------------------------------------- Logs Insights in CloudWatch


def test_query_cloudwatch_returns_a_frame(aws) -> None:
    _group(10)
    df = query_cloudwatch(
        GROUP, "fields @timestamp, @message | sort @timestamp desc | limit 5", NOW - 3600, NOW + 7200
    )
    assert list(df.columns) == ["@timestamp", "@message"] and len(df) == 5
    assert str(df["@timestamp"].dtype) == "datetime64[ms, UTC]" and df["@timestamp"].is_monotonic_decreasing
    assert str(df["@message"].dtype) == "str" and df["@message"].str.startswith("2 111111111111").all()
    assert "query_id" in df.attrs["cloudwatch"]


def test_query_cloudwatch_times_out_and_stops_the_query(aws) -> None:
    _group(1)
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield json.dumps({"status": "Running", "results": []}).encode()

    def hook(client) -> None:
        client.meta.events.register(
            "before-send.cloudwatch-logs.GetQueryResults",
            lambda request, **_: AWSResponse(request.url, 200, {}, Raw()),
        )

    _aws._CLIENT_HOOKS.append(hook)
    try:
        with pytest.raises(TimeoutError, match=r"did not complete within 0\.2 s"):
            query_cloudwatch(GROUP, "fields @message", NOW - 60, NOW, timeout=0.2, poll_interval=0.05)
    finally:
        _aws._CLIENT_HOOKS.remove(hook)


def test_query_cloudwatch_needs_a_range_and_a_group(aws) -> None:
    with pytest.raises(ValueError, match="'start' and 'end' are required"):
        query_cloudwatch(GROUP, "fields @message", None, NOW)
    with pytest.raises(FlowLogSourceError, match="does not exist"):
        query_cloudwatch("/nope", "fields @message", NOW - 60, NOW)


def test_results_frame_types() -> None:
    from flownb.io._cloudwatch import _results_frame

    rows = [
        [{"field": "srcAddr", "value": "10.0.0.1"}, {"field": "dstPort", "value": "22"},
         {"field": "count(*)", "value": "12"}, {"field": "avg(bytes)", "value": "1.5"},
         {"field": "bin(5m)", "value": "2024-05-01 12:00:00.000"}, {"field": "@ptr", "value": "x"}],
        [{"field": "srcAddr", "value": "10.0.0.2"}, {"field": "dstPort", "value": "443"},
         {"field": "count(*)", "value": "3"}, {"field": "avg(bytes)", "value": "2"},
         {"field": "bin(5m)", "value": "2024-05-01 12:05:00.000"}],
    ]  # fmt: skip
    df = _results_frame(rows)
    assert list(df.columns) == ["srcAddr", "dstPort", "count(*)", "avg(bytes)", "bin(5m)"]
    # Typed as flownb.query types its results.
    got = {c: str(t) for c, t in df.dtypes.items()}
    assert got == {"srcAddr": "category", "dstPort": "UInt16", "count(*)": "Int64", "avg(bytes)": "Float64",
                   "bin(5m)": "datetime64[s, UTC]"}  # fmt: skip
    assert df["count(*)"].sum() == 15 and df["bin(5m)"].iloc[1] == pd.Timestamp("2024-05-01T12:05Z")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _results_frame([]).empty
