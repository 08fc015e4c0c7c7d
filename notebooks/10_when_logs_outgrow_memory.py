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
# # 10 · When logs outgrow memory: a Parquet store, DuckDB on a laptop, Athena for the organisation
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 20 seconds.
#
# **The question:** *an organisation's flow logs are hundreds of GB a day; how do I ask the same questions
# when they no longer fit in one DataFrame?*
#
# **You will learn**
#
# 1. to parse flow logs **once**, loss-free, into a Parquet store laid out as AWS's own Hive-compatible S3
#    prefixes (`flownb.ingest`), and that a second run adds nothing;
# 2. to query the store lazily on an embedded, out-of-core engine (DuckDB) with a memory limit
#    (`flownb.open_dataset`), with the **same functions and the same answers** as on a DataFrame;
# 3. to run the detectors and a connectivity diagnosis on the store (`detect`, `diagnose`): the engine narrows
#    the records, the same pandas code decides, so the findings are the same;
# 4. to see the SQL an analysis runs (`show_sql`), and the Athena table (`flownb.athena_ddl`) and SQL for the
#    same question at organisation scale, without an AWS account.
#
# The data here is small, so that the notebook runs in seconds; the same calls work on 100 GB
# (`benchmarks/scale.py` measures them on millions of records).

# %%
import tempfile
from pathlib import Path

import pandas as pd

import flownb
from flownb.scale import athena_sql
from flownb.scale._testing import assert_same_result

pd.set_option("display.width", 130)
pd.set_option("display.max_columns", 12)

work = Path(tempfile.mkdtemp(prefix="flownb-10-"))
sim = flownb.simulate("port_scan", seed=7, duration="2h")
files = sim.write(str(work / "logs"), layout="s3")  # gzip text, as S3 delivers it
print(f"{len(files)} gzip objects in the classic S3 layout")

# %% [markdown]
# ## Parse once: `flownb.ingest`
#
# Each file goes through the same loss-free parser as `read_flow_logs`; the records are written as Parquet
# with AWS's column names and types, one folder per account, region and hour; bad lines are kept beside the
# data, and a manifest says what was ingested. Raw text never goes to an engine unparsed: engines' CSV
# readers drop or null bad lines silently, and one truncated gzip aborts a whole query.

# %%
store = work / "store"
report = flownb.ingest(work / "logs", store)
print(f"ingested {report.ingested} files: {report.records:,} records, {report.bad_lines} bad lines, "
      f"{report.files} Parquet files")  # fmt: skip
again = flownb.ingest(work / "logs", store)
print(f"second run: {again.ingested} ingested, {again.skipped} already there")

# %%
folders = sorted({p.parent.relative_to(store).as_posix() for p in store.rglob("part-*.parquet")})
print(len(folders), "hour folders, e.g.")
print(folders[0])

# %% [markdown]
# ## The same questions, lazily, on DuckDB
#
# `open_dataset` reads nothing until a result is asked for. DuckDB runs the analyses with a memory limit
# and spills to disk beyond it, so the store can be far bigger than memory. The pandas frame is read here
# only to show that the answers are the same.

# %%
ds = flownb.open_dataset(store, memory_limit="256MB")
df = flownb.read_flow_logs(work / "logs")
print(f"{len(ds):,} records on disk; {len(df):,} in the DataFrame")

# %%
top_ds = flownb.top(ds, by=["dstaddr", "dstport"], metric="flows", n=5)
assert_same_result(flownb.top(df, by=["dstaddr", "dstport"], metric="flows", n=5), top_ds)
top_ds[["dstaddr", "dstport", "flows", "packets", "bytes", "share"]]

# %%
series = flownb.timeseries(ds, freq="10min", metric="bytes")
assert_same_result(flownb.timeseries(df, freq="10min", metric="bytes"), series)
series.head(4)

# %% [markdown]
# Filters work as in the widgets (`FilterState`), and folders outside a time range are never opened:

# %%
rejected = ds.filter(actions=("REJECT",))
print(f"{len(rejected):,} REJECT records")
flownb.top(rejected, by="srcaddr", metric="flows", n=3)[["srcaddr", "flows"]]

# %%
first_hour = flownb.open_dataset(store, start=df["start"].min(), end=df["start"].min() + pd.Timedelta("1h"))
print(f"{len(first_hour.files)} of {len(ds.files)} files read for the first hour")

# %% [markdown]
# ## Detect and diagnose on the store
#
# The detectors and `diagnose` accept a dataset too. They do not need every record: the engine keeps only
# the records a detector or a question can use (the hours with traffic, the pair of endpoints asked about),
# and the pandas code that decides on a DataFrame decides on those, so the findings agree by construction.
# Here the twin ran a port scan: `detect` finds it on the store as on the frame.

# %%
found = flownb.detect(ds)
assert_same_result(flownb.detect(df), found)
found[["detector", "severity", "src", "dst", "evidence_count", "summary"]]

# %% [markdown]
# Then the question a responder asks next: can the scanner reach the host it scanned? `diagnose` answers from
# the records of that pair only, with the evidence and the AWS CLI commands to check the rules.

# %%
scan = found.iloc[0]
answer = flownb.diagnose(ds, scan["src"], scan["dst"])
same = flownb.diagnose(df, scan["src"], scan["dst"])
assert (answer.verdict, answer.verdicts, answer.explanation) == (
    same.verdict,
    same.verdicts,
    same.explanation,
)
print(answer.verdict, "| also:", ", ".join(answer.verdicts[1:]) or "-")
print(answer.explanation)
print(f"{len(answer.evidence)} evidence records")

# %% [markdown]
# ## The SQL behind it, and the same question on Athena
#
# `show_sql` prints what an analysis runs: on the dataset's engine (DuckDB) by default, or, compiled from the
# same expression, in another dialect. A Logs Insights query, in Athena's dialect (the filter before the
# grouping, and ties broken by address so that every engine gives the same rows):

# %%
rejects = 'filter action = "REJECT" | stats count(*) as rejected by srcAddr | sort rejected desc | limit 5'
print(ds.show_sql(flownb.query, query=rejects, dialect="athena"))
flownb.query(ds, rejects)

# %% [markdown]
# `conversations` is the longest: the records are folded once by conversation, direction and ENI in one
# `GROUP BY`, and everything else (who is the server, which ENI's copy counts) works on that smaller table,
# so the engine needs memory for the conversations, never for the records.

# %%
conv_sql = ds.show_sql(flownb.conversations)
print(f"{conv_sql.count(chr(10)) + 1} lines of SQL, {conv_sql.count('GROUP BY')} GROUP BYs over one scan")
#
# Each analysis is one relational expression (Ibis), compiled for DuckDB here and for Athena (Trino) from the
# same expression: never hand-written SQL translated between dialects, which silently changes meaning for
# some constructs (integer division, percentiles, unsigned types). Athena reads flow logs where AWS delivers
# them; `athena_ddl` writes the table AWS documents, with partition projection, for either S3 layout and for
# text or Parquet. The store written above is the Hive layout in Parquet, hourly: uploaded to S3, this table
# reads it.

# %%
print(flownb.athena_ddl("s3://org-flow-logs/AWSLogs/", layout="hive", file_format="parquet", hourly=True,
                        fields=sim.format, table="flowlogs.vpc_flow_logs", regions=["eu-west-1"]))  # fmt: skip

# %% [markdown]
# And the SQL `top` runs on that table (`athena_sql` compiles the same expression against the Athena table
# instead of local files):

# %%
sql = athena_sql(flownb.top, table="flowlogs.vpc_flow_logs", fields=sim.format, by="srcaddr", metric="bytes")
print(sql)

# %% [markdown]
# On Athena every query is billed by the data it scans: `flownb.scale.scan_estimate(url, start=..., end=...)`
# lists the objects of a time range and says the most a query scans, and what it costs, before anything runs.
# Text scans whole objects; Parquet scans only the columns a query reads.
#
# ## Check yourself
#
# 1. Why does flownb parse text itself instead of letting DuckDB or Athena read the `.log.gz` files?
# 2. An ingest was killed halfway. What does the store show, and what does the next run do?
# 3. Why are AWS's folders not enough to select records by time exactly?
# 4. `detect(ds)` found the same scan as `detect(df)` without holding the records in memory. Why can its
#    findings not differ?
#
# <details><summary>Answers</summary>
#
# 1. Engines' CSV readers drop or null lines that do not parse without a word (Athena's text SerDe turns bad
#    values into NULL), and one truncated gzip aborts a whole DuckDB query; flownb keeps every good record and
#    every bad line, with its reason.
# 2. Only the files the manifest names are read, so the store shows the sources committed before the kill,
#    whole; the next run deletes the leftovers and ingests the rest.
# 3. AWS names folders by delivery time, minutes after a record's start; flownb prunes folders with a margin
#    and then filters on `start` itself (its store's hour folders are by `start`).
# 4. The engine only chooses which records each detector sees (those it can use); the decision is the same
#    pandas code as on a DataFrame, run on those records.
#
# </details>
