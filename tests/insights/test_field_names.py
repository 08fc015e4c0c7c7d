"""Field names as CloudWatch discovers them for flow logs, and flownb's own names as aliases.

Source: CloudWatch Logs User Guide, "Supported logs and discovered fields"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html):
for VPC flow logs (default format) Logs Insights discovers accountId, endTime, interfaceId, logStatus,
startTime, version, action, bytes, dstAddr, dstPort, packets, protocol, srcAddr and srcPort.
"""

from __future__ import annotations

import pytest

import flownb
from flownb import schema

from .conftest import run

DISCOVERED = [
    "accountId",
    "endTime",
    "interfaceId",
    "logStatus",
    "startTime",
    "version",
    "action",
    "bytes",
    "dstAddr",
    "dstPort",
    "packets",
    "protocol",
    "srcAddr",
    "srcPort",
]


def test_the_registry_gives_the_documented_names_for_the_default_format():
    names = [schema.FIELDS[n].insights for n in schema.DEFAULT_FIELDS]
    assert sorted(names) == sorted(DISCOVERED)
    assert list(schema.DOCUMENTED_INSIGHTS_NAMES) == names
    assert schema.FIELDS["start"].insights == "startTime" and schema.FIELDS["end"].insights == "endTime"


def test_every_discovered_name_is_a_field_of_a_default_format_record():
    df = flownb.samples.load("aws-docs/default-accept-reject")
    out = run(df, "fields " + ", ".join(DISCOVERED) + " | sort startTime")
    assert list(out.columns) == DISCOVERED
    first = df.sort_values("start").iloc[0]
    assert out["startTime"].iloc[0] == first["start"] and out["endTime"].iloc[0] == first["end"]
    assert out["accountId"].iloc[0] == first["account_id"] and out["logStatus"].iloc[0] == first["log_status"]
    assert out["interfaceId"].iloc[0] == first["interface_id"]


def test_a_cloudwatch_query_on_starttime_and_endtime_runs_unchanged(flows):
    out = run(flows, "filter endTime - startTime > 30 | stats count(*) as longFlows")
    assert out["longFlows"].tolist() == [int(((flows["end"] - flows["start"]).dt.total_seconds() > 30).sum())]
    by_hour = run(flows, "stats count(*) as n by datefloor(startTime, 1h) as hour | sort hour")
    assert by_hour["n"].sum() == len(flows)


@pytest.mark.parametrize(
    ("aws", "alias"),
    [("startTime", "start"), ("endTime", "end"), ("logStatus", "log_status"), ("logStatus", "`log-status`"),
     ("accountId", "account_id"), ("interfaceId", "interface_id"), ("srcAddr", "srcaddr")],
)  # fmt: skip
def test_flownb_and_aws_record_names_stay_aliases(flows, aws, alias):
    ours = run(flows, f"fields {aws} as v | sort v | limit 50")
    theirs = run(flows, f"fields {alias} as v | sort v | limit 50")
    assert ours["v"].tolist() == theirs["v"].tolist()


def test_a_wrong_case_time_field_is_reported_with_the_discovered_name(flows):
    with pytest.warns(flownb.insights.InsightsWarning, match="did you mean 'startTime'"):
        out = flownb.query(flows, "fields starttime | limit 1")
    assert out.attrs["unknown_fields"] == ("starttime",)


def test_field_names_lists_what_a_query_can_use_discovered_names_first(flows):
    from flownb.insights import field_names

    names = field_names(flows)
    assert names[:3] == ["@timestamp", "@message", "@logStream"]
    assert names[3:] == DISCOVERED_ORDER
    out = run(flows, "fields " + ", ".join(n for n in names if not n.startswith("@")) + " | limit 1")
    assert list(out.columns) == DISCOVERED_ORDER  # every listed name is a field of the records


DISCOVERED_ORDER = list(schema.DOCUMENTED_INSIGHTS_NAMES)
