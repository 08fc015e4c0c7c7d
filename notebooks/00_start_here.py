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
# # 00 · Start here: what VPC Flow Logs are, and a first look at a day of them
#
# > **Run all cells first** (menu *Run → Run All Cells*). Everything runs on data bundled with
# > flownb: no AWS account, no internet, about 20 seconds.
#
# **You will learn**
#
# 1. what a flow log record is, and what one record says in plain words;
# 2. how to load a day of flow logs into a pandas DataFrame with flownb;
# 3. how to answer "what happened in this VPC today?" with two numbers and a chart;
# 4. how to open your own flow logs: files, a folder, an S3 bucket or a CloudWatch Logs log group.
#
# The other notebooks go deeper, one question each: `01` the fields of a record, `02` destinations and
# formats, `03` CloudWatch Logs Insights queries, `04` troubleshooting connectivity (security groups versus
# network ACLs), `05` security findings, `06` network performance, `07` alarms, `08` cost, `09` exam
# practice. `dashboards/explorer.ipynb` is the same data as a Voila dashboard.

# %% [markdown]
# ## What flow logs are
#
# A VPC flow log records the IP traffic going to and from the **network interfaces** (ENIs) of a VPC. AWS
# does not record packets: it counts them. For each interface, each direction of each flow (source address
# and port, destination address and port, protocol) and each **aggregation interval** (at most 60 seconds
# or 10 minutes), it writes one line: how many packets and bytes passed, when, and whether the security
# groups and network ACLs **ACCEPT**ed or **REJECT**ed them.
#
# Flow logs are delivered to Amazon S3, to CloudWatch Logs or to Amazon Data Firehose. They do not contain
# payloads, and some traffic is never logged at all (the Amazon DNS server, instance metadata at
# 169.254.169.254, DHCP, time sync, ...). Notebook `01` has that list and a table of what flow logs cannot
# show whatever you do: latency, drops inside the host, which of a security group or a network ACL rejected
# a single request, payloads, DNS queries to the Amazon resolver.

# %%
import tempfile
from pathlib import Path

import pandas as pd

import flownb
import flownb.charts  # Altair chart builders (each returns a chart; the last line of a cell shows it)

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

# %% [markdown]
# ## The smallest example: two records from the AWS documentation
#
# The Amazon VPC User Guide opens its examples with these two records, in the **default format**
# (version 2): an SSH connection that was accepted and an RDP connection that was rejected. flownb
# ships them as a sample; `read_flow_logs` reads the same kind of file you would download from S3.

# %%
path = flownb.samples.path("aws-docs/default-accept-reject")
print(Path(path).read_text())

# %%
two = flownb.read_flow_logs(path)
two

# %% [markdown]
# Each line became a row; each field became a typed column (ports are integers, `start`/`end` are UTC
# timestamps, `-` would be a missing value). In plain words, the first record says:
#
# > *From 20:00:02 to 20:00:54 UTC, interface `eni-1235b8ca123456789` saw 20 packets (4,249 bytes) from
# > 172.31.16.139 port 20641 to 172.31.16.21 port 22 (SSH), protocol 6 (TCP), and they were accepted.*
#
# The second says that RDP (port 3389) traffic to the same host was **rejected** by a security group or
# a network ACL. One record cannot say which of the two; notebook `04` shows how to tell.

# %%
first = two.iloc[0]
assert (first["dstport"], first["protocol"], first["action"]) == (22, 6, "ACCEPT")
assert two.iloc[1]["dstport"] == 3389 and two.iloc[1]["action"] == "REJECT"

# %% [markdown]
# ## A whole day: the demo data
#
# `flownb.samples.load("demo")` is one simulated day of a three-tier VPC (web, application and database
# subnets, a bastion host, a Windows jump host and a NAT gateway), written by flownb's **VPC twin** in the
# version 5 format with every field. Mixed into the normal traffic are a few mistakes and attacks, the
# kind the later notebooks find. The twin also wrote down what it injected, so we can check our answers.

# %%
df = flownb.samples.load("demo")
print(f"{len(df):,} records from {df['interface_id'].nunique()} network interfaces")
print(f"from {df['start'].min():%Y-%m-%d %H:%M} to {df['end'].max():%Y-%m-%d %H:%M} UTC")

# %%
df[
    [
        "interface_id",
        "srcaddr",
        "dstaddr",
        "srcport",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "start",
        "action",
        "log_status",
    ]
].iloc[2000:2006]

# %% [markdown]
# Three values of `log_status` exist: `OK` (a normal record), `NODATA` (the interface had no traffic in the
# interval) and `SKIPDATA` (some records were skipped, for example because of an internal capacity
# constraint). Only `OK` records have addresses, ports and an action.

# %%
df["log_status"].value_counts()

# %%
ok = df[df["log_status"] == "OK"]
nodata = df[df["log_status"] == "NODATA"]
assert ok["action"].notna().all() and ok["srcaddr"].notna().all()
assert nodata["srcaddr"].isna().all() and nodata["action"].isna().all()
# a record never spans more than the 60-second aggregation interval these logs were made with
assert (df["end"] - df["start"]).max() <= pd.Timedelta(seconds=60)

# %% [markdown]
# ## The question: what happened in this VPC today?
#
# Start with two numbers: how much was accepted and rejected, and who sent the most bytes.

# %%
actions = ok["action"].value_counts()
print(
    f"accepted: {actions['ACCEPT']:,} records, rejected: {actions['REJECT']:,} records "
    f"({actions['REJECT'] / actions.sum():.1%})"
)

# %%
talkers = flownb.top(ok, by="srcaddr", metric="bytes", n=10)
talkers[["srcaddr", "flows", "packets", "bytes", "bpp", "share"]]

# %% [markdown]
# The database server `10.0.20.10` (db-1) sent most of the bytes: that is normal for a database answering
# the application tier. The NAT gateway `10.0.0.220` comes second: every private instance that talks to the
# internet goes through it. Most of the others are the VPC's own servers (`10.0.…`), but one of the top ten
# is an **internet address**, `104.243.37.152`: it sent 2.2 million packets of 66 bytes on average (`bpp`,
# bytes per packet). Packets that small are TCP acknowledgements: something
# large was going *to* that address. Notebook `05` finds out what (an exfiltration from the database).
#
# The chart below shows the bytes over the day, split by action. Hover for the values.

# %%
flownb.charts.traffic_timeline(ok, metric="bytes", by="action", freq="10min")

# %%
per_10min = flownb.timeseries(ok, freq="10min", metric="bytes")
busiest = per_10min.loc[per_10min["bytes"].idxmax(), "time"]
print(f"busiest 10 minutes start at {busiest:%H:%M} UTC")
assert busiest.hour == 22  # the exfiltration window (22:00 to 22:30)

# %% [markdown]
# The peak from 22:00 to 22:30 is the exfiltration; notebook `05` shows the evidence. Rejected traffic is small in
# bytes but frequent in records: scanners and brute-force attempts send many tiny packets.

# %%
flownb.charts.top_talkers(ok, by="dstport", metric="flows", n=10)

# %%
assert talkers.iloc[0]["srcaddr"] == "10.0.20.10"  # the database sent the most bytes
outsider = talkers.set_index("srcaddr").loc["104.243.37.152"]
assert outsider["bpp"] < 100  # an internet address among the top ten, sending only tiny packets

# %% [markdown]
# ## Try it: explore the day yourself
#
# The **FlowExplorer** below shows the same records with filters: time, action, protocol, ports,
# addresses and interfaces. Change a filter and the three charts follow; drag across the timeline to
# narrow the top talkers and the port heat map to that time range.
#
# Try: set *action* to `REJECT`. Which destination ports are rejected most? Then brush the tall bar around
# 05:00 on the timeline: a web server sending IP protocol 47 (GRE) to the internet, which its subnet's
# network ACL rejects (notebook `05`). Type `185.220.101.45` as the source: a port scan at 03:30.

# %%
from flownb.widgets import FilterState, FlowExplorer

explorer = FlowExplorer(ok)
explorer

# %% [markdown]
# A widget is also an object you can drive from code: assigning a `FilterState` does what the clicks
# would do, and `explorer.filtered` is the DataFrame the filters keep.

# %%
explorer.state = FilterState(actions=("REJECT",))
rejected = explorer.filtered
print(f"{len(rejected):,} rejected records; most rejected destination ports:")
print(rejected["dstport"].value_counts().head(5).to_string())

# %%
assert len(rejected) == actions["REJECT"] and (rejected["action"] == "REJECT").all()
rejected_bytes = flownb.timeseries(rejected, freq="5min", metric="bytes")
tallest = rejected_bytes.loc[rejected_bytes["bytes"].idxmax(), "time"]
gre = rejected[rejected["protocol"] == 47]
assert tallest.hour == 5 and gre["bytes"].sum() > rejected["bytes"].sum() / 2  # the GRE bar at 05:00
explorer.state = FilterState()  # back to everything

# %% [markdown]
# ## Your own flow logs
#
# The same function reads whatever AWS delivers; nothing below runs in this notebook (it needs your files
# or an AWS account), but each line works as written.
#
# ```python
# df = flownb.read_flow_logs("flow-logs/")                           # a folder of .log / .log.gz files
# df = flownb.read_flow_logs("*.parquet")                            # Parquet files (S3 delivery option)
# df = flownb.read_flow_logs("s3://my-bucket/AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/06/02/")
# df = flownb.read_cloudwatch("my-flow-log-group", start="2025-06-02", end="2025-06-03")
# ```
#
# S3 and CloudWatch need boto3, the `aws` extra (`pip install "boto3>=1.34"`), and your usual AWS credentials.
# The format is read from the file's header line (S3 text files start with one), from the Parquet schema,
# or from the flow log's definition in CloudWatch; pass `format="${version} ${srcaddr} ..."` when there is
# none. Lines that cannot be read are kept aside in `df.flow.bad_lines`, never lost silently.
#
# Here the VPC twin writes a flow log the way S3 would deliver it, and we read it back:

# %%
sim = flownb.simulate("baseline", seed=1, duration="10min")
with tempfile.TemporaryDirectory() as folder:
    files = sim.write(folder, layout="s3")
    back = flownb.read_flow_logs(folder)
print(f"{len(files)} files written, {len(back):,} records read back, {len(back.flow.bad_lines)} bad lines")
assert len(back) == len(sim.flows)

# %% [markdown]
# ## Check yourself
#
# 1. A record says `ACCEPT` for traffic from 10.0.1.5 port 443 to 10.0.2.9 port 50322 on one interface.
#    How many records would the same aggregation interval of that flow produce if both ends are ENIs in
#    the VPC?
# 2. What does a `NODATA` record mean? Does it mean traffic was blocked?
# 3. Why is one REJECT record not enough to say whether a security group or a network ACL dropped it?
#
# <details><summary>Answers</summary>
#
# 1. Two per direction: the flow is logged once on the sending ENI and once on the receiving ENI (and the
#    answers in the other direction are two more records). A flow that spans several intervals writes that
#    many records per interval.
# 2. The interface had no traffic during the interval. Nothing was blocked; there was simply nothing to log.
# 3. A flow log's `action` is the combined verdict of both; the record does not name the rule. A network
#    ACL is stateless and also evaluates the **response**, so the pattern *request ACCEPTed, response
#    REJECTed* points to an ACL; notebook `04` shows it.
#
# </details>
