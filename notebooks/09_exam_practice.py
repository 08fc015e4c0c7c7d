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
# filters and alarms, Athena, CloudTrail versus flow logs, and Reachability Analyzer. Each is mapped to a
# task statement of the ANS-C01 exam guide and explained with a reference to the AWS documentation. Where
# popular study material gets a point wrong (for example, that a CloudWatch Logs log group is the only
# destination of a flow log, or that CloudWatch Logs shows CPU utilisation), the explanation says so.
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
# requirements, task 3.3 about cost and performance.

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
assert len(questions) >= 40
assert all(q.explanation and q.source for q in questions)
assert all(item["task_statement"].startswith("Task ") for item in bank["questions"])
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
# ## Three questions answered with the data
#
# **1.** *In the demo day, which internet address sent the most rejected packets to the VPC, and what was it
# doing?* Answer with Logs Insights (notebook `03`):

# %%
demo = flownb.samples.load("demo")
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
# explanations you missed with the notebook that covers them: `01` (records and what is not logged), `03`
# (Logs Insights and Athena), `04` (security groups, network ACLs, NAT and transit gateways, Reachability
# Analyzer), `05` (security findings), `07` (metric filters and alarms).
