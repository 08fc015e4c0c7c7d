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
# # 03 · CloudWatch Logs Insights, by example
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 15 seconds.
#
# **The question:** *which hosts are rejected most, and who moves the most bytes?* Asked the way you would
# ask it in the CloudWatch console, in the Logs Insights query language.
#
# **You will learn**
#
# 1. the query language by example: `fields`, `filter`, `stats ... by`, `bin()`, `sort`, `limit`, and the
#    field names CloudWatch discovers for flow logs (`startTime`, not `start`);
# 2. the AWS sample queries for flow logs, run on a day of records, and the newer `diff`, `lookup`,
#    `addtotals`, `fillmissing` and `limit any`;
# 3. why the rejected-traffic query as study guides print it (with “curly” quotes) is not what you type;
# 4. the same questions in Athena SQL, for flow logs delivered to S3;
# 5. the QueryConsole, to write your own.
#
# `flownb.query(df, q)` (or `df.flow.query(q)`) runs a Logs Insights query on a DataFrame of records
# locally: same commands, same field names (`srcAddr`, `dstPort`, `logStatus`), same result columns. In
# CloudWatch, the same text runs on a log group that receives flow logs.

# %%
import warnings

import pandas as pd

import flownb

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 120)

df = flownb.samples.load("demo")
print(f"{len(df):,} records")

# %% [markdown]
# ## The language in five commands
#
# A query is commands joined by `|`, each working on the result of the one before. Field names are the
# names Logs Insights *discovers* for flow logs (CloudWatch Logs User Guide, "Supported logs and discovered
# fields"): `version`, `accountId`, `interfaceId`, `srcAddr`, `dstAddr`, `srcPort`, `dstPort`, `protocol`,
# `packets`, `bytes`, `startTime`, `endTime`, `action`, `logStatus`. Most are the record's field in camel
# case (`srcaddr` → `srcAddr`, `log-status` → `logStatus`), but not the times: `start` and `end` are
# **`startTime`** and **`endTime`**, and a query on `start` finds nothing in CloudWatch. AWS documents these
# names for the default format only; flownb names the other fields in camel case (`pkt-srcaddr` →
# `pktSrcaddr`): check what your log group discovers. `@timestamp` is the record's start.

# %%
flownb.query(
    df,
    "fields @timestamp, startTime, endTime, srcAddr, dstAddr, dstPort, action | sort @timestamp desc | limit 5",
)

# %% [markdown]
# flownb's own column names (`start`, `srcaddr`) are accepted too, so code written against the DataFrame
# still runs, but only the discovered names run unchanged in CloudWatch:

# %%
aws_names = flownb.query(df, "filter endTime - startTime >= 59 | stats count(*) as fullMinute")
flownb_names = flownb.query(df, "filter end - start >= 59 | stats count(*) as fullMinute")
assert aws_names.equals(flownb_names)
aws_names

# %% [markdown]
# `filter` keeps records, `stats` aggregates (`count(*)`, `sum()`, `avg()`, `min()`, `max()`, ...) by zero
# or more fields, and `bin()` groups by time:

# %%
per_hour = flownb.query(
    df,
    """filter action = "REJECT"
| stats count(*) as rejected by bin(1h) as hour
| sort hour""",
)
per_hour.head(6)

# %%
assert per_hour["rejected"].sum() == (df["action"] == "REJECT").sum()
assert len(per_hour) == 24

# %% [markdown]
# ## The AWS sample queries
#
# The CloudWatch console offers sample queries for VPC flow logs. Here is the one the exam and every study
# guide quote, *top 20 sources of rejected requests*:

# %%
REJECTED = """filter action = "REJECT"
| stats count(*) as numRejections by srcAddr
| sort numRejections desc
| limit 20"""
rejected = flownb.query(df, REJECTED)
rejected.head(8)

# %% [markdown]
# Internal addresses lead: connections that a security group or a network ACL refuses inside the VPC
# (notebook `04` explains how to tell which). The internet addresses further down are scanners and
# password guessers (notebook `05`). The query checked against plain pandas:

# %%
by_pandas = df[df["action"] == "REJECT"].groupby("srcaddr", observed=True).size().sort_values(ascending=False)
assert rejected["numRejections"].tolist() == by_pandas.head(20).tolist()

# %% [markdown]
# And *top 10 byte transfers by source and destination*:

# %%
talkers = flownb.query(
    df,
    """stats sum(bytes) as bytesTransferred by srcAddr, dstAddr
| sort bytesTransferred desc
| limit 10""",
)
talkers

# %% [markdown]
# The first three rows carry the **same 3.3 GB**, counted on each ENI it crossed on its way out through the
# NAT gateway:
#
# - on the database's own ENI: `10.0.20.10 → 104.243.37.152`, the packets' real destination (the NAT gateway
#   is only the target of a route, not an address in the packet);
# - on the NAT gateway's ENI, arriving: `10.0.20.10 → 10.0.0.220` (the NAT gateway's private address; the
#   real destination is in `pkt-dstaddr`);
# - on the NAT gateway's ENI, leaving: `10.0.0.220 → 104.243.37.152`, after address translation.
#
# Summing bytes over every ENI counts a transfer once per ENI it crosses. It is also 3.3 GB from a database
# to one internet address in one evening: the exfiltration of notebook `05`.

# %%
legs = talkers.head(3).set_index(["srcAddr", "dstAddr"])["bytesTransferred"]
assert set(legs.index) == {
    ("10.0.20.10", "10.0.0.220"),
    ("10.0.0.220", "104.243.37.152"),
    ("10.0.20.10", "104.243.37.152"),
}
assert legs.max() / legs.min() < 1.01  # the same bytes, three times

# %% [markdown]
# ## The query as study guides print it
#
# Copied from a PDF or a web page, the same query often arrives with typographic quotes:
#
# ```
# filter action = “REJECT” | stats count(*) as numRejections by srcAddr | sort numRejections desc
# ```
#
# `“` and `”` are not quotes in the query language. Retype them as plain `"` (or `'`) before you paste the
# query into CloudWatch. flownb reads them as plain quotes and says so with a warning:

# %%
curly = "filter action = “REJECT” | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from_curly = flownb.query(df, curly)
print(*{str(w.message) for w in caught}, sep="\n")
assert from_curly.equals(rejected) and caught

# %% [markdown]
# A query with a real mistake raises `flownb.InsightsSyntaxError`, which points at the column:

# %%
try:
    flownb.query(df, "filter action = | stats count(*) by srcAddr")
except flownb.InsightsSyntaxError as exc:
    print(exc)

# %% [markdown]
# ## The same questions in Athena SQL
#
# Flow logs delivered to Amazon S3 are queried with Amazon Athena (or any engine that reads the files)
# instead. With a table `vpc_flow_logs` over the delivered files (the column names are flownb's: the
# field names with `_`), the two questions above are:
#
# ```sql
# -- top 20 sources of rejected requests
# SELECT srcaddr, count(*) AS numrejections
# FROM vpc_flow_logs
# WHERE action = 'REJECT'
# GROUP BY srcaddr
# ORDER BY numrejections DESC
# LIMIT 20;
#
# -- top 10 byte transfers by source and destination
# SELECT srcaddr, dstaddr, sum(bytes) AS bytestransferred
# FROM vpc_flow_logs
# GROUP BY srcaddr, dstaddr
# ORDER BY bytestransferred DESC
# LIMIT 10;
# ```
#
# Logs Insights is quick for recent data in CloudWatch Logs and is billed by the data scanned per query;
# Athena suits long retention in S3 (Parquet and hive-compatible partitions keep scans, and bills, small).
# Notebook `02` shows the delivery formats.
#
# ## More sample queries
#
# AWS publishes a handful of flow log queries in the CloudWatch Logs User Guide ("Sample queries": the
# VPC flow log and NAT gateway queries). `flownb.insights.AWS_SAMPLE_QUERIES` holds exactly those, verbatim,
# placeholders included; `FLOWNB_SAMPLE_QUERIES` holds flownb's own examples and the queries that circulate
# as "AWS samples" without being on that page (the *top 20 sources of rejected requests* above is one).
# The QueryConsole below shows both groups, labelled. Here each one runs once, to see its result's shape:

# %%
from flownb.insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES

shapes = pd.DataFrame(
    [
        {"group": q.group, "sample query": q.title, "rows": len(flownb.query(df, q.query))}
        for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES
    ]
)
shapes

# %% [markdown]
# *IP addresses that use UDP* finds none: in this VPC the only UDP traffic is DNS to the Amazon DNS server
# and time sync, which flow logs never record (notebook `01`). AWS's subnet query is written for
# `192.0.2.0/24`, a documentation range, and the NAT gateway queries for the placeholders `x.x.x.x` and
# `y.y.`: as published they match nothing until you put your own addresses in. *Average, min and max bytes*
# stops at 10,000 rows, the most Logs Insights returns without a `limit` (`limit` itself goes up to
# 100,000).

# %%
rows = shapes.set_index("sample query")["rows"]
assert (
    rows["Find the IP addresses that use UDP as a data transfer protocol"] == 0
    and not (df["protocol"] == 17).any()
)
assert (shapes.loc[shapes["group"] == "aws", "rows"].iloc[4:] == 0).all()  # NAT placeholders match nothing
assert rows["Average, min and max bytes by source and destination"] == 10_000
assert rows["Bytes every 5 minutes"] == 24 * 12

# %% [markdown]
# ## Newer commands: `diff`, `lookup`, `addtotals`, `fillmissing`, `limit any`
#
# The guide keeps adding commands; flownb runs those that need only the records (the full list, with the
# reason for each one it cannot run, such as `pattern` and `anomaly` that use CloudWatch's trained models,
# is `flownb/insights/SUPPORT.md`).
#
# **"What is new today?"** `diff` compares the current period with the one before it. In CloudWatch the
# current period is the time range you pick; here it is `start=`/`end=`, or, without them, the later half
# of the records. Which source and destination-port pairs appear in the evening only?

# %%
new_pairs = flownb.query(
    df,
    """filter action = "REJECT"
| stats count(*) as n by srcAddr, dstPort
| diff
| filter @diff = "new"
| sort n desc
| limit 5""",
    start="2025-06-02T12:00:00Z",
    end="2025-06-02T23:59:59Z",
)
new_pairs

# %%
assert (new_pairs["@diff"] == "new").all() and new_pairs["n.previous"].isna().all()

# %% [markdown]
# **`lookup`** adds fields from a table. In CloudWatch the table is a CSV file uploaded to the account;
# here it is a DataFrame (or a CSV path) passed as `tables=`. Name the ports, then count and total:

# %%
ports = pd.DataFrame({"port": ["22", "443", "3389", "5432"], "service": ["ssh", "https", "rdp", "postgres"]})
by_service = flownb.query(
    df,
    """filter action = "REJECT"
| lookup ports port as dstPort OUTPUT service
| filter ispresent(service)
| stats count(*) as rejected by service
| sort rejected desc
| addtotals row=false col=true""",
    tables={"ports": ports},
)
by_service

# %%
assert by_service["rejected"].iloc[-1] == by_service["rejected"].iloc[:-1].sum()  # the col=true summary row

# %% [markdown]
# **`fillmissing`** puts a row in every empty time bin after `stats ... by bin()`, so a chart shows the
# quiet minutes as zero instead of skipping them. **`limit any 3`** returns any three matching records
# and lets CloudWatch stop scanning early: quick for a sample, with no order promised.

# %%
ssh = flownb.query(df, 'filter dstPort = 22 and action = "REJECT" | stats count(*) as n by bin(5m) '
                       "| fillmissing with 0 for n")  # fmt: skip
print(f"{len(ssh)} five-minute bins, {int((ssh['n'] == 0).sum())} of them without a rejected SSH attempt")
flownb.query(df, 'filter action = "REJECT" | fields startTime, srcAddr, dstPort | limit any 3')

# %%
span = ssh["bin(5m)"].max() - ssh["bin(5m)"].min()
assert len(ssh) == span / pd.Timedelta("5min") + 1  # no bin is missing between the first and the last

# %% [markdown]
# ## Try it
#
# Pick a sample query (AWS's and flownb's, labelled) or write your own, then *Run*. A time series (`bin()`) or a top-N result is also
# drawn as a chart. Try `filter dstPort = 22 and action = "REJECT" | stats count(*) by srcAddr`.

# %%
from flownb.widgets import QueryConsole

QueryConsole(df)

# %% [markdown]
# ## Check yourself
#
# 1. Write the query that counts records per `logStatus`.
# 2. Why do the same 3.3 GB appear three times in the byte-transfer result?
# 3. A colleague pastes `filter action = ‘REJECT’` from a slide deck and gets no results or an error. What
#    is wrong?
# 4. A query written against the DataFrame says `fields start, end, srcaddr`. What must change before it runs
#    in CloudWatch?
#
# <details><summary>Answers</summary>
#
# 1. `stats count(*) by logStatus`.
# 2. Each ENI logs the traffic it sees: the database's ENI once, the NAT gateway's ENI twice (arriving,
#    addressed to the NAT gateway; leaving, from the NAT gateway's address). `pkt-srcaddr`/`pkt-dstaddr`
#    keep the original addresses on the NAT gateway's records.
# 3. The quotes are typographic (`‘ ’`); the query language needs plain `'` or `"`.
# 4. The names: CloudWatch discovers `startTime`, `endTime` and `srcAddr` (`fields startTime, endTime,
#    srcAddr`); `start`, `end` and `srcaddr` are flownb's column names, which CloudWatch does not know.
#
# </details>
