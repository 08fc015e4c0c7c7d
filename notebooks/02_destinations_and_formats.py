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
# # 02 · Destinations and formats: S3, CloudWatch Logs, Firehose
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 10 seconds.
#
# **The question:** *where can flow logs go, what do the files look like there, and which destination
# should I choose?*
#
# **You will learn**
#
# 1. the three destinations of a flow log: Amazon S3, CloudWatch Logs and Amazon Data Firehose;
# 2. the S3 layouts (plain prefixes or Hive-compatible partitions), gzip text with a header line, Parquet;
# 3. CloudWatch Logs' log streams (one per network interface) and why those events have no header;
# 4. how flownb reads each one, on files the VPC twin writes exactly as AWS would (no account needed);
# 5. which destination suits which need.
#
# A common mistake in study material: a flow log is **not** limited to a CloudWatch Logs log group. It
# publishes to one of the three destinations (create several flow logs to use several).

# %%
import tempfile
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

import flownb

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 120)

sim = flownb.simulate("baseline", seed=0, duration="20min", format="v5")
scratch = tempfile.TemporaryDirectory(prefix="flownb-destinations-")  # removed when the kernel stops
workspace = Path(scratch.name)
print(f"{len(sim.flows):,} records of 20 minutes, {len(sim.format)} fields each")


def delivered(layout: str) -> tuple[Path, list[str]]:
    """Write the twin's records the way `layout` delivers them; return the folder and the files in it."""
    folder = workspace / layout
    files = sim.write(str(folder), layout=layout)
    return folder, sorted(str(Path(f).relative_to(folder)) for f in files)


# %% [markdown]
# ## Amazon S3: gzip text, log files every 5 minutes
#
# S3 delivery writes objects under `AWSLogs/<account>/vpcflowlogs/<region>/<year>/<month>/<day>/`, named
# after the account, region, flow log id and time. Each object is gzip-compressed text whose **first line
# is a header** naming the fields, so the file says its own format.
#
# AWS publishes the log files at 5-minute intervals, and "multiple files may be published and each log file
# may contain some or all of the flow log records" of the previous 5 minutes (Amazon VPC User Guide, *Flow
# log files*, https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html). The 2023 copy of that
# page also said that a file reaching 75 MB is closed and published early, and a new one started. So expect
# *at least* one object per 5 minutes, never exactly one: the VPC twin writes one per 5 minutes, the simplest
# case.

# %%
s3_folder, s3_files = delivered("s3")
print(*s3_files, sep="\n")

# %%
import gzip

with gzip.open(s3_folder / s3_files[0], "rt") as fh:
    head = [next(fh) for _ in range(3)]
print("".join(head))

# %%
from_s3 = flownb.read_flow_logs(s3_folder)
print(f"read back {len(from_s3):,} records from {len(from_s3.flow.sources)} objects, format from the header")
assert len(from_s3) == len(sim.flows) and head[0].split()[0] == "version"
assert len(s3_files) == 20 // 5  # the twin: one object per 5 minutes (AWS: one or more)

# %% [markdown]
# ## S3 with Hive-compatible prefixes and hourly partitions
#
# Two delivery options change only the keys: **Hive-compatible S3 prefixes** (`year=2025/month=06/...`),
# which Athena and Glue recognise as partitions, and **hourly partitions** (an `hour=` level). Queries that
# filter by time then read only the matching prefixes.

# %%
hive_folder, hive_files = delivered("s3-hive")
print(hive_files[0])
assert "year=2025/month=06/day=02/hour=00" in hive_files[0]
assert len(flownb.read_flow_logs(hive_folder)) == len(sim.flows)

# %% [markdown]
# ## S3 as Apache Parquet
#
# The **Parquet** option writes columnar, compressed files. AWS publishes them like text files, at 5-minute
# intervals; the VPC twin writes one per hour here (that is the twin's choice, not AWS's: "hourly
# partitions" is an S3 *prefix* option, not a file cadence). AWS quotes Parquet with Gzip at 20% less storage
# than gzip text and 10 to 100 times faster to query, since a query reads only the columns it uses, but adds
# that below 100 KB of Parquet data per aggregation period it may take *more* space than gzip text. Types
# come with the file: no header line is needed.

# %%
pq_folder, pq_files = delivered("parquet")
from_parquet = flownb.read_flow_logs(pq_folder)
print(pq_files[0])
text_bytes = sum((s3_folder / f).stat().st_size for f in s3_files)
parquet_bytes = sum((pq_folder / f).stat().st_size for f in pq_files)
print(f"gzip text: {text_bytes / 1024:.0f} KiB, Parquet: {parquet_bytes / 1024:.0f} KiB")
from_parquet.dtypes.head(8)

# %% [markdown]
# On twenty minutes of a small VPC the Parquet file is no smaller than the gzip text: its schema and
# per-column metadata weigh as much as the data, which is the 100 KB caveat above. The saving AWS quotes
# shows on busy flow logs, and the query-time saving (reading only the columns used) shows at any size.
# `flownb.estimate_cost` applies the 20% only above 100 KB per aggregation period (notebook `08`).

# %%
assert len(from_parquet) == len(sim.flows)
assert str(from_parquet["dstport"].dtype) == "UInt16" and str(from_parquet["start"].dtype).startswith(
    "datetime64"
)

# %% [markdown]
# ## CloudWatch Logs: a log stream per network interface
#
# Delivered to CloudWatch Logs, each interface gets its own **log stream** in the log group (AWS documents
# only that each network interface has a unique log stream; the twin names them `eni-...-all`), and each
# record is one log event whose timestamp is the record's start. Events have
# no header: the format belongs to the flow log's definition (`aws ec2 describe-flow-logs` shows it), so
# reading them needs the format. `flownb.read_cloudwatch` asks AWS for it; here the twin wrote the events as
# a CloudWatch Logs subscription delivers them (JSON, a batch of events per message), and we pass the format.

# %%
cw_folder, cw_files = delivered("cloudwatch")
print(*cw_files, sep="\n")
from_cloudwatch = flownb.read_flow_logs(cw_folder, format=sim.format)
print(f"{len(cw_files)} log streams, {len(from_cloudwatch):,} events")

# %%
enis = sim.flows["interface_id"].nunique()
assert len(cw_files) == enis  # one log stream per interface
assert len(from_cloudwatch) == len(sim.flows)

# %% [markdown]
# ## Amazon Data Firehose
#
# The third destination is a **Firehose delivery stream** (in the same or another account). Firehose then
# delivers the records to its own destinations: S3, Amazon OpenSearch Service, Splunk, an HTTP endpoint or a
# partner tool, optionally transforming them with Lambda. Choose it to stream flow logs into a SIEM without
# going through CloudWatch Logs; it has no file layout of its own to read here, since what lands depends on
# the Firehose destination (records sent on to S3 read like the text files above).
#
# ## Which one?
#
# | need | destination |
# |---|---|
# | alarms and metric filters, quick Logs Insights queries on recent traffic | CloudWatch Logs (Standard log class) |
# | records searched now and then with Logs Insights, at a lower delivery rate | CloudWatch Logs, Infrequent Access log class (a subset of the features: check that metric filters and subscriptions are among them on AWS's *Log classes* page before relying on them) |
# | long retention, cheap storage, Athena or Spark over months of records | S3 (Parquet, Hive-compatible, hourly partitions) |
# | streaming into a SIEM or OpenSearch, in another account | Firehose |
# | rejected traffic alerts *and* cheap full history | two flow logs: REJECT to CloudWatch Logs, ALL to S3 |
#
# Notebook `08` prices each choice.

# %% [markdown]
# ## Try it
#
# Pick a delivery layout and see the files it writes and what flownb reads back.


# %%
def show(layout="s3"):
    folder, files = delivered(layout)
    back = flownb.read_flow_logs(folder, format=sim.format if layout == "cloudwatch" else None)
    print(f"{len(files)} file(s); {len(back):,} records read back")
    print(*files[:5], sep="\n")


widgets.interactive(show, layout=["s3", "s3-hive", "parquet", "cloudwatch"])

# %% [markdown]
# ## Check yourself
#
# 1. Why can flownb (or Athena) read an S3 text object's fields without being told the format, but not a
#    CloudWatch Logs event's?
# 2. How are a flow log's records organised in CloudWatch Logs?
# 3. Which two S3 delivery options make time-filtered Athena queries read less?
# 4. True or false: a flow log can only publish to a CloudWatch Logs log group.
#
# <details><summary>Answers</summary>
#
# 1. S3 text objects start with a header line naming the fields (Parquet files carry a schema); CloudWatch
#    Logs events are single lines with no header, so the format comes from the flow log's definition.
# 2. One log stream per network interface in the log group; one log event per record.
# 3. Hive-compatible S3 prefixes and hourly partitions (and Parquet, which reads only the needed columns).
# 4. False: CloudWatch Logs, Amazon S3 or Amazon Data Firehose.
#
# </details>
