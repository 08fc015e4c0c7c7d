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
# # 09 · Exam practice: AWS Certified Advanced Networking (ANS-C01)
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, a few seconds.
#
# **What this is:** original practice questions on VPC flow logs, CloudWatch Logs, Logs Insights, metric
# filters and alarms, Traffic Mirroring, Reachability Analyzer, CloudTrail versus flow logs, Athena and cost.
# Each is mapped to a task statement of the ANS-C01 exam guide and names the AWS page (title and address)
# that proves its answer; the explanation is checked against that page. Where popular study material gets a
# point wrong, the explanation says so, and the section *Myths* below takes the four most common ones apart.
#
# **How to use it:** answer in the Quiz below (*Check*, then *Next*); each answer shows why. Then try the
# three questions at the end that you answer with the data, not from memory.

# %%
import collections

import pandas as pd

import flownb
from flownb import quiz

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 100)

questions = quiz.load("exam_practice")
print(f"{len(questions)} questions")

# %% [markdown]
# ## What the questions cover
#
# The exam guide's domains weigh *Network Management and Operation* (task 3.2: monitor and analyze network
# traffic) and *Network Security, Compliance, and Governance* (task 4.2: validate and audit security with
# monitoring and logging) heavily for these topics; task 1.4 is about defining logging and monitoring
# requirements, task 3.3 about cost and performance. `quiz.TASK_STATEMENTS` holds their wording with the
# exam guide page of each (AWS Certification, ANS-C01 content domains 1, 3 and 4).

# %%
import json
from importlib import resources

bank = json.loads((resources.files("flownb.quiz") / "data" / "exam_practice.json").read_text())
items = pd.DataFrame(bank["questions"])
items["task"] = items["task_statement"].str.split(":").str[0]
for statement in sorted(items["task_statement"].unique()):
    print(statement)
items.groupby(["task", "type"]).size().unstack(fill_value=0)

# %%
assert len(questions) >= 80
assert all(q.explanation and q.references for q in questions)
assert all(q.task_statement in quiz.TASK_STATEMENTS for q in questions)
assert all(r.url.startswith("https://") for q in questions for r in q.references)
assert len({q.id for q in questions}) == len(questions)
# the right answers are spread over the choice positions (no "always B")
positions = collections.Counter(q.answer for q in questions if q.type == "multiple_choice")
assert len(positions) == 4 and max(positions.values()) < 2 * min(positions.values()) + 3

# %% [markdown]
# ## The quiz

# %%
from flownb.widgets import Quiz

practice = Quiz(questions)
practice

# %% [markdown]
# The quiz is an object too: answering from code is how this notebook checks that every question is
# answerable and that each explanation is shown.

# %%
check = Quiz(questions)
for _ in questions:
    assert check.answer(check.question.answer) is True
    check.next()
print("score when every answer is right:", check.score)
assert check.score == (len(questions), len(questions))

# %% [markdown]
# ## Myths
#
# Study notes in circulation repeat a few claims that are false. Each is stated, then why it is wrong,
# what is true, and the AWS page that says so.
#
# **Myth 1: "CloudWatch Logs shows an EC2 instance's CPU utilisation."**
# *Why it is wrong:* CloudWatch Logs stores log events (text lines with a timestamp) in log groups; it does
# not measure anything on the instance. *What is true:* `CPUUtilization` is a CloudWatch **metric** that EC2
# publishes in the `AWS/EC2` namespace (5-minute periods, 1-minute with detailed monitoring), like
# `NetworkIn`/`NetworkOut`; memory and disk use inside the OS need the CloudWatch agent. Flow logs have no
# CPU field either. *Sources:* Amazon EC2 User Guide, *CloudWatch metrics that are available for your
# instances* (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html);
# CloudWatch Logs User Guide, *Amazon CloudWatch Logs concepts*
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatchLogsConcepts.html).
#
# **Myth 2: "A flow log must publish to a CloudWatch Logs log group."**
# *Why it is wrong:* that was the only destination when flow logs launched, and old notes say so. *What is
# true:* a flow log publishes to a CloudWatch Logs log group, an Amazon S3 bucket or an Amazon Data Firehose
# delivery stream; S3 delivery needs no log group (and no IAM role: a bucket policy for
# `delivery.logs.amazonaws.com`). *Sources:* Amazon VPC User Guide, *Logging IP traffic using VPC Flow Logs*
# (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html) and *Publish flow logs to Amazon S3*
# (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html).
#
# **Myth 3: "Flow logs have logging levels: interface, subnet or VPC, each recording more or less detail."**
# *Why it is wrong:* the VPC, subnet or network interface you create a flow log for is only its *scope*.
# *What is true:* a VPC or subnet flow log monitors each network interface in it (new ones included), and
# every record describes one interface, one direction of one flow, one aggregation interval, whatever the
# scope. What a record contains is set by the **format** (default or custom fields), and which records are
# written by the **filter** (ACCEPT, REJECT or ALL). *Sources:* Amazon VPC User Guide, *Flow logs basics*
# (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-basics.html) and *Flow log records*
# (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
#
# **Myth 4: "Flow logs record every attempt to reach a port, whatever the filter."**
# *Why it is wrong:* three ways. The filter chosen at creation decides which records exist: an ACCEPT-only
# flow log has no record of rejected probes. Records aggregate the packets of a flow over an interval, not
# one line per attempt. And some traffic is never logged (the Amazon DNS server, instance metadata, time
# sync, DHCP, ...), while a `SKIPDATA` record says records were skipped. *What is true:* use an ALL (or a
# second REJECT) flow log to see scans, and count flows, not lines, as attempts. *Sources:* Amazon VPC User
# Guide, *Flow logs basics*, *Flow log records* and *Flow log limitations*
# (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html).
#
# The claims that can be checked on data, checked:

# %%
import tempfile

demo = flownb.samples.load("demo")
# myth 2: an S3 delivery read back with no log group anywhere
with tempfile.TemporaryDirectory() as folder:
    flownb.simulate("baseline", seed=0, duration="5min", scale=0).write(folder, layout="s3")
    from_s3 = flownb.read_flow_logs(folder)
assert len(from_s3) > 0 and from_s3.flow.sources[0].endswith(".log.gz")
# myth 3: whatever the scope of the flow log, every record is one interface's
assert demo["interface_id"].notna().all()
# myth 4: what an ACCEPT-only flow log would have kept of the port scan at 03:30
scan = demo[demo["srcaddr"] == "185.220.101.45"]
kept = demo[(demo["action"] == "ACCEPT") & (demo["srcaddr"] == "185.220.101.45")]
rejected = int((scan["action"] == "REJECT").sum())
assert rejected > 100 and len(kept) == len(scan) - rejected and len(kept) < 5
print(
    f"the scan: {len(scan):,} records in an ALL flow log, {len(kept)} in an ACCEPT-only one "
    f"(the probes that reached an open port)"
)
# myth 1: no flow log field of any version is about CPU
assert not [name for name in flownb.schema.FIELDS if "cpu" in name]

# %% [markdown]
# ## Three questions answered with the data
#
# **1.** *In the demo day, which internet address sent the most rejected packets to the VPC, and what was it
# doing?* Answer with Logs Insights (notebook `03`):

# %%
scanners = flownb.query(
    demo,
    """filter action = "REJECT" and not isIpv4InSubnet(srcAddr, "10.0.0.0/16")
| stats count(*) as rejected, count_distinct(dstPort) as ports by srcAddr
| sort rejected desc
| limit 3""",
)
scanners

# %% [markdown]
# One address was rejected on hundreds of different ports in a few minutes: a **port scan**. The other
# addresses were rejected once each: the background noise of any address on the internet.

# %%
top = scanners.iloc[0]
assert top["ports"] > 100 and scanners.iloc[1:]["ports"].max() < 10

# %% [markdown]
# **2.** *An ACCEPTed request and a REJECTed response on the same interface: security group or network
# ACL?* Checked on the AWS documentation's own records:

# %%
ping = flownb.samples.load("aws-docs/sg-nacl-ping")
print(ping[["srcaddr", "dstaddr", "action"]].to_string(index=False))
assert ping["action"].tolist() == ["ACCEPT", "REJECT"]  # the network ACL (stateless) drops the reply

# %% [markdown]
# **3.** *Flow logs show no traffic to the Amazon DNS server. Is DNS broken?* No: that traffic is never
# logged (notebook `01`). The demo VPC resolves names all day and its records never mention `10.0.0.2`:

# %%
addresses = set(demo["srcaddr"].dropna().astype(str)) | set(demo["dstaddr"].dropna().astype(str))
assert "10.0.0.2" not in addresses
print("records to or from the Amazon DNS server:", int("10.0.0.2" in addresses))

# %% [markdown]
# ## Check yourself
#
# Score yourself on the quiz above; aim for nine in ten right before the exam, then reread the
# explanations you missed with the notebook that covers them: `01` (records, what is not logged and what
# flow logs cannot show), `02` (destinations), `03` (Logs Insights and Athena), `04` (security groups,
# network ACLs, NAT and transit gateways, Reachability Analyzer), `05` (security findings), `06`
# (performance tools), `07` (metric filters and alarms), `08` (cost), and the page each question names.
