# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Anatomy of a flow log record
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 15 seconds.
#
# **The question:** *what exactly does each field of a flow log record say, and what does a record never
# say?*
#
# **You will learn**
#
# 1. every field, grouped by the format version that introduced it, and the default format;
# 2. how to read custom formats, with and without a header line;
# 3. what `NODATA` and `SKIPDATA` mean;
# 4. how to decode `tcp-flags`, `traffic-path` and `flow-direction`;
# 5. which traffic AWS never logs, and what flow logs cannot show at all;
# 6. the AWS documentation's example records, parsed one by one.

# %%
import tempfile
import textwrap
from pathlib import Path

import pandas as pd

import flownb
from flownb import schema

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_rows", 80)

# %% [markdown]
# ## Every field, by version
#
# A flow log's **format** is the list of fields it writes, in order. Each field was introduced by a
# *version* of the format; a record's `version` field is the highest version among the fields of its
# format. flownb's field registry (`flownb.schema.FIELDS`) knows each one: its column name in a DataFrame
# (`-` becomes `_`), its type and its name in CloudWatch Logs Insights.
#
# Version 11 (June 2026) adds, for custom formats, the type of the recording interface
# (`interface-type`), the flow's next hop (`next-hop-interface-id`, `-subnet-id`, `-az-id`, `-vpc-id`,
# `-interface-type`) and EC2 tag values (`instance-tag`, `interface-tag`, `asg-tag`, each with a `-2`
# variant, for the tag keys the flow log names when it is created). The AWS "Available fields" table
# lists them (Amazon VPC User Guide, *Flow log records*,
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html); flownb read the versions 8 to
# 11 from copies of that table, as `flownb/schema.py` says.

# %%
fields = pd.DataFrame(
    [
        {
            "field": name,
            "version": f.version,
            "column": f.column,
            "dtype": f.dtype,
            "Insights name": f.insights,
        }
        for name, f in schema.FIELDS.items()
    ]
)
for version, names in fields.groupby("version")["field"]:
    print(textwrap.fill(", ".join(names), 100, initial_indent=f"v{version:<3}", subsequent_indent="    "))

# %%
by_version = fields.groupby("version")["field"].apply(list)
assert by_version[2][:3] == ["version", "account-id", "interface-id"]
assert {"tcp-flags", "pkt-srcaddr", "pkt-dstaddr", "type", "vpc-id"} <= set(by_version[3])
assert {"flow-direction", "traffic-path", "pkt-src-aws-service"} <= set(by_version[5])
assert by_version[9] == ["resource-id"] and by_version[10] == ["encryption-status"]
assert {"interface-type", "next-hop-interface-id", "instance-tag", "asg-tag-2"} <= set(by_version[11])

# %% [markdown]
# The **default format** is the 14 version 2 fields. Everything else needs a **custom format**, chosen when
# the flow log is created (it cannot be changed afterwards: create a new flow log instead).

# %%
print(schema.DEFAULT_FORMAT)
assert len(schema.DEFAULT_FORMAT.split()) == 14

# %% [markdown]
# ## Reading custom formats
#
# Text files delivered to Amazon S3 start with a **header line** naming the fields, so flownb reads the
# format from the file. CloudWatch Logs events have no header: the format is part of the flow log's
# definition (flownb's `read_cloudwatch` asks for it). For a file without a header, pass `format=`.

# %%
lines = (
    "eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5 ACCEPT\n"
    "eni-0a1b2c3d4e5f60718 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5 ACCEPT\n"
)
custom = "${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${action}"
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "no-header.log"
    path.write_text(lines)
    records = flownb.read_flow_logs(path, format=custom)
records

# %%
assert list(records.columns) == ["interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "action"]
assert "start" not in records  # a field absent from the format is an absent column, not a column of nulls

# %% [markdown]
# ## NODATA and SKIPDATA
#
# Two records from the AWS documentation: one interface had no traffic in the interval (`NODATA`); on
# another, records were skipped (`SKIPDATA`), "because it exceeds internal capacity" or because of an
# internal error. A `SKIPDATA` record may stand for many flows: what happened then cannot be told.

# %%
status = flownb.samples.load("aws-docs/nodata-skipdata")
status

# %%
assert status["log_status"].tolist() == ["NODATA", "SKIPDATA"]
assert status[["srcaddr", "dstaddr", "packets", "action"]].isna().all().all()  # `-` is missing

# %% [markdown]
# ## TCP flags
#
# `tcp-flags` (version 3) is the bitwise OR of the flags seen in the interval: FIN 1, SYN 2, RST 4, PSH 8,
# ACK 16, URG 32. Only SYN, SYN-ACK, FIN and RST are reported (ACK and PSH alone are not), so typical
# values are 2 (SYN), 18 (SYN-ACK), 1 (FIN), 4 (RST), 3 (SYN and FIN in the same interval: a short
# connection) and 19 (SYN-ACK and FIN). The AWS example below is a version 3 custom format; each line is
# one direction of a connection to port 5001.

# %%
flags = flownb.samples.load("aws-docs/tcp-flags-sequence")


def decode(value) -> str:
    if pd.isna(value):
        return "-"
    return "+".join(name for name, bit in schema.TCP_FLAGS.items() if int(value) & bit) or "none"


flags.assign(flags=flags["tcp_flags"].map(decode))[
    ["srcaddr", "srcport", "dstaddr", "dstport", "packets", "bytes", "tcp_flags", "flags"]
]

# %% [markdown]
# The client `52.213.180.42` sends SYN (2) and the server answers SYN-ACK (18); later records carry FIN (1)
# on both sides: the connection closed. In the last pair, SYN and FIN fall in the same interval (3, 19).

# %%
assert flags["tcp_flags"].tolist() == [2, 18, 2, 18, 1, 1, 3, 19]
assert decode(18) == "SYN+ACK" and decode(3) == "FIN+SYN"

# %% [markdown]
# ## IPv6
#
# Addresses are kept exactly as written: IPv4 or IPv6, in the same columns.

# %%
ipv6 = flownb.samples.load("aws-docs/ipv6")
ipv6[["srcaddr", "dstaddr", "dstport", "action"]]

# %%
assert ":" in str(ipv6.loc[0, "srcaddr"]) and ipv6.loc[0, "dstport"] == 22

# %% [markdown]
# ## Version 5: AWS services, traffic path and direction
#
# The AWS example below is a download from Amazon S3 (`pkt-src-aws-service` is `S3`) and its request.
# `flow-direction` says whether the record was seen entering (`ingress`) or leaving (`egress`) the
# interface; `traffic-path` says how egress traffic left (here 8: through an internet gateway, a code AWS
# writes for Nitro-based instances only: other instances write 2, "through an internet gateway or a
# gateway VPC endpoint"); it is `-` for ingress records.

# %%
v5 = flownb.samples.load("aws-docs/service-path-direction-v5")
v5 = v5.assign(path=v5["traffic_path"].map(schema.TRAFFIC_PATHS))
v5[
    [
        "srcaddr",
        "dstaddr",
        "pkt_src_aws_service",
        "pkt_dst_aws_service",
        "flow_direction",
        "traffic_path",
        "path",
    ]
]

# %%
assert v5["flow_direction"].tolist() == ["ingress", "egress"]
assert v5["traffic_path"].isna().tolist() == [True, False] and v5.loc[1, "traffic_path"] == 8
assert v5.loc[0, "pkt_src_aws_service"] == "S3" and v5.loc[1, "pkt_dst_aws_service"] == "S3"
assert "Nitro-based instances only" in schema.TRAFFIC_PATHS[8] and "Nitro" not in schema.TRAFFIC_PATHS[2]

# %% [markdown]
# ## What AWS never logs
#
# Some traffic never appears in flow logs, whatever the filter:
#
# - traffic to and from the **Amazon DNS server** (the VPC's base address plus two, and 169.254.169.253);
#   traffic to *your own* DNS server is logged;
# - **Windows license activation** traffic for Amazon-provided licenses;
# - **instance metadata** (169.254.169.254) and the **Amazon Time Sync Service** (169.254.169.123);
# - **DHCP** traffic;
# - traffic to the **reserved address of the default VPC router**;
# - **mirrored** traffic (Traffic Mirroring copies), and traffic between an endpoint ENI and a Network Load
#   Balancer ENI.
#
# (Amazon VPC User Guide, *Flow log limitations*,
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html.) The VPC twin respects this:
# its instances resolve names and read metadata all day, and none of it is in the demo data.

# %%
demo = flownb.samples.load("demo")
twin = flownb.simulate("baseline", duration="1min", scale=0).topology
never = {twin.dns_server, "169.254.169.253", "169.254.169.254", "169.254.169.123"}
print(f"Amazon DNS server of the demo VPC: {twin.dns_server}")
seen = set(demo["srcaddr"].dropna().astype(str)) | set(demo["dstaddr"].dropna().astype(str))
print(f"records to or from {sorted(never)}: {len(seen & never)}")
assert not seen & never

# %% [markdown]
# ## What flow logs cannot show
#
# A record is a count of packets and bytes for one direction of one flow on one interface over one
# aggregation interval, with the verdict of the security groups and network ACLs. Whatever the format,
# some questions are beyond it. The other notebooks point back here when they reach one of these limits.
#
# | flow logs cannot show | why | look instead at | source |
# |---|---|---|---|
# | **latency**, jitter, round-trip time | a record has the first and last packet times of an interval (up to 60 s late), no per-packet timing | Network Flow Monitor (agents on the instances measure round-trip time and loss per flow); Network Synthetic Monitor (probes from AWS subnets to on-premises addresses) | VPC UG, *Flow log records*; CloudWatch UG, *How Network Flow Monitor works* |
# | **drops on the host** (bandwidth, packets-per-second or link-local allowances exceeded, a host firewall) | flow logs see the interface's security groups and ACLs, not the instance | the ENA driver's statistics (`bw_in_allowance_exceeded`, `pps_allowance_exceeded`, `linklocal_allowance_exceeded`, ...); the host's own logs | EC2 UG, *Monitor network performance for ENA settings* |
# | **which of security group or network ACL** rejected a single request | `action` is their combined verdict and names no rule (`reject-reason` names a few other causes, never these two) | the rules themselves, or Reachability Analyzer, which names the blocking component | VPC UG, *Flow log records*; Reachability Analyzer, *How Reachability Analyzer works* |
# | **payloads** (URLs, queries, TLS errors) | records are metadata only | VPC Traffic Mirroring, copying packets to an appliance | VPC UG, *Flow log records*; *What is Traffic Mirroring?* |
# | **DNS queries to the Amazon resolver** (and instance metadata, time sync, DHCP, license activation) | never logged, whatever the filter | Route 53 Resolver query logging (DNS queries that originate in your VPCs); ENA `linklocal_allowance_exceeded` for drops on the way to it | VPC UG, *Flow log limitations*; Route 53 API Reference, *CreateResolverQueryLogConfig*; EC2 UG, ENA statistics |
#
# Addresses: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html,
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-NetworkFlowMonitor-inside-network-flow-monitor.html,
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-network-performance-ena.html,
# https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html,
# https://docs.aws.amazon.com/vpc/latest/mirroring/what-is-traffic-mirroring.html,
# https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_CreateResolverQueryLogConfig.html.
#
# The registry itself says so: no field of any version carries a latency, a rule, a payload or a DNS name.

# %%
words = ("latency", "rtt", "rule", "payload", "query", "security-group", "acl")
assert not [name for name in schema.FIELDS if any(w in name for w in words)]
# the AWS ping example: a REJECT record and nothing in it that says which rule rejected it
reject = flownb.samples.load("aws-docs/sg-nacl-ping").iloc[1]
assert reject["action"] == "REJECT" and not {"reject_reason", "rule"} & set(reject.index)

# %% [markdown]
# ## Every AWS example, one by one
#
# flownb bundles each example of the *Flow log record examples* page of the Amazon VPC User Guide. Reading
# the folder combines their formats: columns a file lacks are missing (`<NA>`) for its rows.

# %%
examples = flownb.samples.list()
examples = examples[examples["name"].str.startswith("aws-docs/")]
rows = []
for name, description in zip(examples["name"], examples["description"], strict=True):
    df = flownb.samples.load(name)
    rows.append({"sample": name, "records": len(df), "fields": df.shape[1], "about": description})
pd.DataFrame(rows)

# %%
folder = Path(flownb.samples.path("aws-docs/ipv6")).parent
everything = flownb.read_flow_logs(folder)
print(f"{len(everything)} records, {everything.shape[1]} columns, {len(everything.flow.formats)} formats")
assert len(everything) == sum(r["records"] for r in rows) and len(everything.flow.bad_lines) == 0

# %% [markdown]
# ## Try it
#
# All the AWS examples in one FlowExplorer: filter by action, ports or addresses and read the records.

# %%
from flownb.widgets import FlowExplorer

FlowExplorer(everything[everything["log_status"] == "OK"], metric="packets")

# %% [markdown]
# ## Check yourself
#
# 1. Which fields must you add to a custom format to see the original addresses behind a NAT gateway?
# 2. A record has `tcp-flags` 3. What happened?
# 3. Your flow logs show no DNS queries at all, yet your instances resolve names all day. Why?
# 4. Can you add `flow-direction` to an existing flow log?
#
# <details><summary>Answers</summary>
#
# 1. `pkt-srcaddr` and `pkt-dstaddr` (version 3). On the NAT gateway's interface they differ from
#    `srcaddr`/`dstaddr` only on the two legs to and from the instance (notebook `04`).
# 2. SYN and FIN (2 + 1) in the same aggregation interval: a connection opened and closed within it.
# 3. Queries to the Amazon DNS server (the VPC base address plus two) are never logged; only queries to a
#    DNS server of your own would be.
# 4. No: a flow log's format is fixed when it is created. Create a new flow log with a custom format (and
#    delete the old one).
#
# </details>
