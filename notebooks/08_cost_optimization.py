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
# # 08 · What flow logs cost, and what makes them cheaper
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 15 seconds.
#
# **The question:** *what would flow logs for this VPC cost per month, and which choices change the bill
# the most?*
#
# **You will learn**
#
# 1. what you pay for: vended-log delivery per GB (CloudWatch Logs in the Standard or the Infrequent Access
#    log class, S3 or Firehose), storage, queries;
# 2. how the **capture filter** (ALL, ACCEPT, REJECT), the **aggregation interval** and the **format**
#    change the volume, measured on the VPC twin;
# 3. how **retention** and **archive** storage classes change the storage part, and why a short retention in
#    an archive class costs more, not less;
# 4. the estimate for the demo day, scaled up to a busy VPC.
#
# Prices are list prices for **us-east-1** (US East, N. Virginia), in `flownb/monitoring/prices.json`, each
# with the page it comes from, the date that page was read and whether it could be confirmed there. **None
# of them could be confirmed on AWS's pricing pages when this notebook was last checked (2026-12-02)**: the
# figures were typed in from those pages on 2025-06-01 and could not be read again. The table below says so
# line by line, and every estimate marks its unconfirmed prices with `*`. Prices change: check them before
# budgeting; the shape of the comparison matters more than the cents.

# %%
import ipywidgets as widgets
import pandas as pd

import flownb
from flownb.monitoring._cost import cost_scenarios, price_table

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 70)
demo = flownb.samples.load("demo")
prices = price_table()
prices[["price", "usd", "unit", "read_on", "confirmed"]]

# %%
assert prices["url"].str.startswith("https://").all()  # every price names its page
unconfirmed = prices[~prices["confirmed"].astype(bool)]
print(f"{len(unconfirmed)} of {len(prices)} prices could not be confirmed on AWS's pricing pages")
assert len(unconfirmed) == len(prices)  # said here, in the table and in every estimate below

# %% [markdown]
# ## The demo day, as it is
#
# `flownb.estimate_cost(df)` measures the records (how many per day, how many bytes each, the share of
# rejected traffic) and prices a flow log capturing them:

# %%
estimate = flownb.estimate_cost(demo)
print(estimate)

# %% [markdown]
# Half a dollar a month: the demo VPC has nine interfaces and a quiet day. The **vended-log delivery** is
# most of it, and it is charged per GB *written*, so the levers below are the ones that write less.
#
# ## Lever 1: where the records go
#
# In the price table (unconfirmed, see above), delivery to S3 or Firehose costs half the CloudWatch Logs
# Standard rate per GB in the first tier. CloudWatch Logs gives you Logs Insights, metric filters and alarms
# on the records; S3 gives you Athena and cheap storage. AWS's own advice is the same: send vended logs to
# CloudWatch for metric filters, subscription filters, Logs Insights and Contributor Insights, to S3 for
# auditing and compliance (CloudWatch User Guide, *CloudWatch billing and cost*). Many teams send REJECT
# records to CloudWatch Logs for alerting and ALL records to S3 for investigation.
#
# The **Infrequent Access log class** (`destination="cloudwatch-ia"`) is a fourth choice: a log group of that
# class supports a subset of CloudWatch Logs features at a lower cost (CloudWatch Logs concepts); Logs
# Insights runs every command there except `pattern`, `diff`, `filterIndex` and `unmask`. The table prices
# its vended-log delivery like S3's (as issue 19's sources say; not confirmed) and, no figure being
# readable, its storage at the Standard rate. Check on AWS's *Log classes* page that the features you need
# (metric filters, subscriptions) are in it before choosing it.
#
# ## Lever 2: the capture filter

# %%
table = cost_scenarios(demo, retention_days=(30,))
table

# %%
by = table.set_index(["destination", "traffic_type"])["monthly_usd"]
assert by["s3", "ALL"] < by["cloudwatch", "ALL"]  # S3 delivery costs less than CloudWatch Logs
assert by["cloudwatch", "REJECT"] < by["cloudwatch", "ALL"] / 10  # REJECT-only writes far less here
share = (demo["action"] == "REJECT").sum() / demo["action"].notna().sum()
print(f"rejected records: {share:.1%} of the day")

# %% [markdown]
# A REJECT-only flow log costs a few percent of an ALL one here, because only a few percent of the records
# are rejected. It is enough for "who is knocking on closed doors" alarms; it misses everything that was
# let in (the SSH brute force of notebook `05` was ACCEPTed), so keep an ALL flow log somewhere cheaper.
#
# ## Lever 3: the aggregation interval
#
# A long connection writes one record per interval and direction: with 10-minute intervals instead of
# 1-minute ones it writes fewer records. Short connections write one record either way. The same hour of
# the twin, both ways:

# %%
one_minute = flownb.simulate("baseline", seed=0, duration="1h", interval=60).flows
ten_minutes = flownb.simulate("baseline", seed=0, duration="1h", interval=600).flows
print(f"60 s intervals: {len(one_minute):,} records; 600 s intervals: {len(ten_minutes):,} records")
assert len(ten_minutes) < len(one_minute)

# %% [markdown]
# Only about a tenth fewer here: most of this VPC's connections are short. The interval also changes what
# you can see (a one-minute spike vanishes into a ten-minute record), and interfaces of Nitro-based
# instances always use 60 seconds or less, whatever you choose.
#
# ## Lever 4: the format
#
# Every field adds bytes to every record. The default format (14 fields) against every version 5 field
# (29 fields), measured on the same ten minutes:

# %%
sizes = {}
for fmt in (None, "v5"):
    sim = flownb.simulate("baseline", seed=0, duration="10min", format=fmt)
    sizes["default (v2)" if fmt is None else fmt] = flownb.estimate_cost(sim.flows).settings[
        "bytes_per_record"
    ]
sizes = pd.Series(sizes, name="bytes per record").round(0)
sizes

# %%
assert sizes["v5"] > 1.5 * sizes["default (v2)"]

# %% [markdown]
# Pick the fields you will use: `pkt-srcaddr`/`pkt-dstaddr` behind NAT gateways, `flow-direction` for
# troubleshooting (notebook `04`), `vpc-id`/`subnet-id` when several VPCs share a destination. Parquet
# delivery to S3 adds a conversion charge per GB (it costs a little *more* in the table above), but its
# files are smaller (AWS quotes 20% less storage than gzip text, but only above about 100 KB of Parquet data
# per aggregation period: below that Parquet may take *more* space, and flownb applies no saving) and Athena
# scans only the columns a query needs: it pays off when the records are queried often.
#
# ## Lever 5: retention and archive
#
# CloudWatch Logs keeps log events forever unless the log group has a retention policy. In S3, a lifecycle
# rule moves old objects to a colder storage class or expires them. But the colder classes have **minimum
# storage durations** (Standard-IA and One Zone-IA 30 days, Glacier Instant Retrieval and Flexible Retrieval
# 90, Deep Archive 180: an object deleted earlier is charged for the whole minimum) and **minimum billable
# object sizes** (128 KB in Standard-IA, One Zone-IA and Glacier Instant Retrieval; 40 KB of metadata per
# object archived to Glacier Flexible Retrieval or Deep Archive), and flow logs arrive as many small objects
# (Amazon S3 User Guide, *Amazon S3 storage classes*; sources and what could not be confirmed in
# `prices.json`). The estimate applies both:

# %%
rows = []
for days in (7, 30, 365):
    for storage_class in ("STANDARD", "STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"):
        e = flownb.estimate_cost(demo, destination="s3", retention_days=days, s3_storage_class=storage_class)
        rows.append(
            {"retention days": days, "S3 storage class": storage_class, "USD per month": round(e.total, 4)}
        )
retention = pd.DataFrame(rows).pivot(
    index="retention days", columns="S3 storage class", values="USD per month"
)
retention

# %%
assert retention.loc[365, "DEEP_ARCHIVE"] < retention.loc[365, "STANDARD"]  # a year: the archive is cheaper
assert retention.loc[7, "DEEP_ARCHIVE"] > retention.loc[7, "STANDARD"]  # a week: billed as 180 days, dearer
assert retention.loc[7, "STANDARD_IA"] > retention.loc[7, "STANDARD"]  # 30 days and 128 KB minimums
week = flownb.estimate_cost(demo, destination="s3", retention_days=7, s3_storage_class="DEEP_ARCHIVE")
print(*[a for a in week.assumptions if "at least" in a or "billed as" in a], sep="\n")

# %% [markdown]
# A week kept in Deep Archive is billed as 180 days, so it costs more than a week in S3 Standard; a year is
# where the archive pays off. Storage is small next to delivery at this scale, but it grows with every month
# kept. (Lifecycle transitions are billed per request, which the estimate leaves out.)
#
# ## A busy VPC
#
# The same choices for a VPC writing 50 million records a day (a few hundred busy instances), with 10% of
# them rejected and 100 GB of queries a month:

# %%
busy = cost_scenarios(
    records_per_day=50_000_000, reject_fraction=0.10, queries_gb_scanned=100, retention_days=(30, 365)
)
busy.round(2)

# %%
costs = busy.set_index(["destination", "traffic_type", "retention_days"])["monthly_usd"]
assert costs["s3-parquet", "ALL", 365] < costs["cloudwatch", "ALL", 365]
print(f"CloudWatch Logs, ALL, a year kept: {costs['cloudwatch', 'ALL', 365]:,.0f} USD a month")
print(f"S3 Parquet, ALL, a year kept:      {costs['s3-parquet', 'ALL', 365]:,.0f} USD a month")

# %% [markdown]
# ## Try it
#
# Move the sliders: records per day, the destination, the filter and the retention.


# %%
def price(records_per_day=10_000_000, destination="cloudwatch", traffic_type="ALL", retention_days=30):
    e = flownb.estimate_cost(
        records_per_day=records_per_day,
        reject_fraction=0.1,
        destination=destination,
        traffic_type=traffic_type,
        retention_days=retention_days,
    )
    print(e)


widgets.interactive(
    price,
    records_per_day=widgets.IntSlider(
        10_000_000, 1_000_000, 500_000_000, 1_000_000, description="records/day"
    ),
    destination=["cloudwatch", "cloudwatch-ia", "s3", "s3-parquet", "firehose"],
    traffic_type=["ALL", "ACCEPT", "REJECT"],
    retention_days=widgets.IntSlider(30, 1, 3650, description="retention"),
)

# %% [markdown]
# ## Check yourself
#
# 1. Which single setting usually changes a flow log's bill the most?
# 2. Why is a REJECT-only flow log not enough for security investigations?
# 3. Does a 10-minute aggregation interval always write ten times fewer records than a 1-minute one?
# 4. Where does the money go if nobody sets a retention policy on the log group?
# 5. Why can moving flow logs to S3 Glacier Deep Archive for a week cost more than keeping them in S3
#    Standard?
#
# <details><summary>Answers</summary>
#
# 1. What is captured and where it goes: the filter (ALL or REJECT) and the destination's per-GB delivery
#    rate (in the price table, CloudWatch Logs Standard costs twice S3's rate in the first tier).
# 2. Attacks that the security groups let in (brute force on an open port, exfiltration, beaconing) are
#    ACCEPTed traffic.
# 3. No: only long connections write fewer records; a connection shorter than a minute writes one record
#    either way. Nitro-based instances use 60 s or less whatever you choose.
# 4. Into storage that grows every month: the default retention is *never expire*.
# 5. Deep Archive charges each object for at least 180 days, and adds 40 KB of metadata per object; a week
#    kept there is billed as half a year.
#
# </details>
