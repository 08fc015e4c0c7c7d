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
# # 07 · Alarms and dashboards: metric filters, M out of N, missing data
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 20 seconds.
#
# **The question:** *would an alarm on our flow logs have woken us up this morning, for the SSH brute force
# and for the port scan?*
#
# **You will learn**
#
# 1. how a CloudWatch Logs **metric filter** turns flow log records into a metric, tried locally on records
#    before it is deployed;
# 2. how a CloudWatch **alarm** evaluates *M out of N* datapoints, and why a short attack can slip through;
# 3. what **treat missing data** does to a metric that only has datapoints when something matches, and what
#    a default value does not fill in;
# 4. the **notifications** an alarm would have sent, and the AWS CLI and CloudFormation to deploy it all;
# 5. the **AlarmLab** to tune an alarm, and a small dashboard of the same metrics;
# 6. the limits: sub-minute periods, regular expressions in patterns, JSON patterns for other log groups.

# %%

import pandas as pd

import flownb
import flownb.charts
from flownb.monitoring import Alarm, MetricFilter

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 140)
pd.set_option("display.max_colwidth", 90)

# %% [markdown]
# ## Two hours with two attacks
#
# The VPC twin simulates two hours of the demo VPC in the **default format** (the one the AWS
# documentation's metric filter examples are written for), with an SSH brute force against the bastion
# after 30 minutes and a port scan of the bastion after 90 minutes.

# %%
sim = flownb.simulate(
    ["ssh_brute_force", "port_scan"],
    seed=0,
    duration="2h",
    ssh_brute_force={"at": 0.25},
    port_scan={"at": 0.75, "target": "bastion"},
)
records = sim.flows
print(f"{len(records):,} records")
sim.truth[["scenario", "label", "start", "end"]]

# %% [markdown]
# ## Metric filters
#
# A metric filter watches a log group and publishes a metric value for every log event (here: every flow
# log record) that matches its **filter pattern**. For space-delimited records, the pattern names each field
# in order and can test some of them. This one is the AWS documentation's example: rejected SSH.

# %%
FIELDS = "version, account, eni, source, destination, srcport, {dst}, {proto}, packets, bytes, windowstart, windowend, {action}, flowlogstatus"
ssh_rejected = MetricFilter(
    "[" + FIELDS.format(dst='destport="22"', proto='protocol="6"', action='action="REJECT"') + "]",
    metric_name="SSHRejected",
)
ssh_accepted = MetricFilter(
    "[" + FIELDS.format(dst='destport="22"', proto='protocol="6"', action='action="ACCEPT"') + "]",
    metric_name="SSHAccepted",
)
rejected = MetricFilter(
    "[" + FIELDS.format(dst="destport", proto="protocol", action='action="REJECT"') + "]",
    metric_name="Rejected",
)

metrics = pd.DataFrame(
    {f.metric_name: f.metric(records, period="5min") for f in (ssh_rejected, ssh_accepted, rejected)}
)
metrics.head(12)

# %% [markdown]
# Three things to notice:
#
# - **SSHRejected** barely moves during the brute force (00:30 to 00:40): the bastion's security group was
#   opened to the world, so the password guesses were **ACCEPT**ed. An alarm on rejected SSH would have
#   stayed silent. **SSHAccepted** shows the attack.
# - **Rejected** jumps at 01:30: the port scan, rejected on almost every port.
# - Some periods have **no value** (`NaN`) for SSHRejected: no record matched, so the metric filter
#   published nothing. That is *missing data*, not zero.

# %%
attack = metrics.loc["2025-06-02 00:30":"2025-06-02 00:35"]
quiet = metrics.loc[:"2025-06-02 00:25"]
assert attack["SSHAccepted"].max() > 3 * quiet["SSHAccepted"].max()  # the brute force shows when accepted
assert (
    attack["SSHRejected"].fillna(0).max() <= quiet["SSHRejected"].fillna(0).max() + 5
)  # and hides when rejected
assert metrics["Rejected"].idxmax() == pd.Timestamp("2025-06-02 01:30", tz="UTC")  # the scan
assert metrics["SSHRejected"].isna().any()  # missing datapoints

# %% [markdown]
# ## An alarm: M out of N
#
# An alarm compares a statistic of the metric, per **period**, with a **threshold**. It goes to `ALARM`
# when **M** (*datapoints to alarm*) of the last **N** (*evaluation periods*) datapoints breach. Here: 100 or
# more rejected records in 5 minutes, 2 out of 3.

# %%
two_of_three = Alarm(
    threshold=100, comparison=">=", period="5min", evaluation_periods=3, datapoints_to_alarm=2
)
states = two_of_three.evaluate(metrics["Rejected"])
print(states["state"].value_counts().to_string())

# %% [markdown]
# It never fires. The scan lasted two minutes: it filled **one** 5-minute datapoint, and this alarm wants
# two. M out of N protects against one-off spikes, and a short attack *is* a one-off spike. With 1 out of
# 3 it fires:

# %%
one_of_three = Alarm(
    threshold=100, comparison=">=", period="5min", evaluation_periods=3, datapoints_to_alarm=1
)
states = one_of_three.evaluate(metrics["Rejected"])
print(states["state"].value_counts().to_string())
one_of_three.transitions[["timestamp", "from_state", "to_state", "actions"]]

# %%
assert set(two_of_three.evaluate(metrics["Rejected"])["state"]) == {"OK"}
assert "ALARM" in set(one_of_three.evaluate(metrics["Rejected"])["state"])

# %%
flownb.charts.alarm_timeline(metrics["Rejected"], one_of_three, metric_name="Rejected")

# %% [markdown]
# ## Missing data
#
# SSHRejected has no datapoint in the periods without a rejected SSH record. What the alarm does then is
# its **treat missing data** setting: `missing` (the default: with no data in the evaluation range the alarm
# goes to `INSUFFICIENT_DATA`), `notBreaching` (missing counts as good), `breaching` (missing counts as bad)
# or `ignore` (keep the current state).

# %%
by_setting = {}
for setting in ("missing", "notBreaching", "breaching", "ignore"):
    alarm = Alarm(
        threshold=5,
        comparison=">=",
        period="5min",
        evaluation_periods=1,
        evaluation_range=1,  # look at the latest period only, to see each missing one
        treat_missing_data=setting,
    )
    by_setting[setting] = alarm.evaluate(metrics["SSHRejected"])["state"].value_counts()
table = pd.DataFrame(by_setting).fillna(0).astype(int)
table

# %%
gaps = int(metrics["SSHRejected"].isna().sum())
assert table.loc["INSUFFICIENT_DATA", "missing"] == gaps  # each missing period, on its own
assert table.loc["ALARM", "breaching"] == gaps  # missing counts as bad
assert table.loc["OK", "notBreaching"] == len(metrics)  # missing counts as good

# %% [markdown]
# For a metric that only exists when something bad happens, `notBreaching` (or a metric filter with
# `default_value=0`, which publishes 0 for every non-matching record) keeps the alarm in `OK` when all is
# quiet. `breaching` would page you every quiet night.
#
# ### What a default value does not do
#
# A default value is published for log events that do not match. **A minute with no log events at all
# publishes nothing**, default value or not: CloudWatch "aggregates and reports metric values every
# minute", and with no events there is nothing to report (CloudWatch Logs User Guide, filter pattern
# syntax, "Configuring metric values for a metric filter"). A flow log whose delivery is late, or an
# interface with no traffic, leaves the metric missing, and *treat missing data* still decides. A metric
# filter with dimensions cannot have a default value at all.

# %%
from flownb.monitoring import FilterPatternError, try_pattern

with_default = MetricFilter('"REJECT"', metric_name="Rejected", default_value=0)
quiet_gap = records[(records["start"] < "2025-06-02 00:40") | (records["start"] >= "2025-06-02 00:50")]
per_minute = with_default.metric(quiet_gap, period="1min")
gap = per_minute.loc["2025-06-02 00:40":"2025-06-02 00:49"]
print(
    f"{int(gap.isna().sum())} of the 10 minutes without log events have no datapoint, default_value=0 or not"
)
assert gap.isna().all() and per_minute.drop(gap.index).notna().all()
try:
    MetricFilter("[..., srcaddr, dstaddr, action, status]", metric_name="X", default_value=0,
                 dimensions={"Source": "$srcaddr"})  # fmt: skip
except ValueError as exc:
    print(exc)

# %% [markdown]
# ### Periods under a minute
#
# An alarm period of 10, 20 or 30 seconds is for **high-resolution** metrics only (CloudWatch User Guide,
# "High-resolution alarms"), and a metric filter's metric is reported once a minute, so flownb refuses a
# shorter period for it, as the console would leave it without data:

# %%
for kwargs in ({"period": 10}, {"period": 10, "high_resolution": True}):
    try:
        fast = Alarm(threshold=1, comparison=">=", evaluation_periods=1, **kwargs)
        fast.to_aws("too-fast", metric=with_default)
    except ValueError as exc:
        print(f"{kwargs}: {exc}\n")

# %% [markdown]
# ### Patterns: regular expressions, JSON, and other log groups
#
# Between `%` signs a pattern may hold a regular expression, within limits the guide names: letters,
# digits, `: _ # = @ / ; , -` and the operators `^ $ ? [ ] { } | \ * + .`, no parentheses, no multi-byte
# characters, at most two regular expressions in one pattern and at most five patterns with one per log
# group (`flownb.monitoring.check_regex_quota`). A space is not in the list: write `\s`.

# %%
assert MetricFilter("%REJECT|NODATA%", metric_name="R").matches(records).sum() > 0
for bad in ("%(REJECT)%", "%REJECT OK%"):
    try:
        MetricFilter(bad, metric_name="R")
    except FilterPatternError as exc:
        print(str(exc).splitlines()[0])

# %% [markdown]
# Flow logs delivered to CloudWatch Logs are space-delimited text, but the same pattern language filters
# any log group. `try_pattern` tries a pattern on log event messages, as the console's *Test pattern* (the
# TestMetricFilter API) does: JSON patterns on JSON events, and space-delimited patterns on lines where
# characters between `[]` and between `""` are one field (so an Apache access log line has 7 fields):

# %%
apache = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
print(try_pattern("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", [apache]).T)
events = ['{"eventType": "UpdateTrail", "user": {"id": 1}}', '{"eventType": "CreateTrail"}', "not JSON"]
print(try_pattern('{ $.eventType = "UpdateTrail" || $.user.id = 2 }', events))
#
# ## The alarm for the brute force, and its notifications
#
# An alarm on **accepted** SSH from anywhere catches the brute force. Its transitions are what an SNS topic
# would have received (`AlarmActions` on `ALARM`, `OKActions` on the way back):

# %%
ssh_alarm = Alarm(threshold=30, comparison=">=", period="5min", evaluation_periods=2, datapoints_to_alarm=1)
ssh_alarm.evaluate(metrics["SSHAccepted"])
ssh_alarm.transitions[["timestamp", "from_state", "to_state", "actions"]]

# %%
alarms = ssh_alarm.transitions[ssh_alarm.transitions["to_state"] == "ALARM"]
assert len(alarms) >= 1
first = alarms["timestamp"].min()
assert pd.Timestamp("2025-06-02 00:25", tz="UTC") <= first <= pd.Timestamp("2025-06-02 00:45", tz="UTC")

# %% [markdown]
# ## Deploy it
#
# The same definitions, as the AWS CLI commands and CloudFormation resources that create them on a log
# group receiving the flow logs (`flow-logs` here) and an SNS topic of yours:

# %%
print(ssh_accepted.to_aws("flow-logs", filter_name="ssh-accepted"))
print(
    ssh_alarm.to_aws(
        "ssh-accepted-burst",
        metric=ssh_accepted,
        alarm_actions=["arn:aws:sns:us-east-1:123456789012:security-alerts"],
        description="More than 30 accepted SSH records in 5 minutes",
    )
)

# %% [markdown]
# ## Try it: the AlarmLab
#
# Change the pattern, the threshold, the period, M, N and the missing-data setting: the alarm is evaluated
# again and redrawn. Try: with `REJECT` records, threshold 100 and 2 out of 3, does the scan fire? Then
# set M to 1.

# %%
from flownb.widgets import AlarmLab

AlarmLab(records)

# %% [markdown]
# ## A small dashboard
#
# A CloudWatch dashboard would show these metrics side by side; here is the same view of the two hours:
# accepted and rejected records, and the busiest destination ports.

# %%
(
    flownb.charts.accept_reject(records, freq="5min")
    & flownb.charts.port_heatmap(records, port="dstport", metric="flows", n=8, freq="5min")
)

# %% [markdown]
# ## Check yourself
#
# 1. A port scan lasts 90 seconds. Your alarm uses a 5-minute period and 2 out of 3 datapoints. Does it
#    fire?
# 2. Why did the alarm on rejected SSH stay silent during the brute force?
# 3. A metric filter counts rejected records. At night nothing is rejected and the alarm shows
#    `INSUFFICIENT_DATA`. Name two fixes.
# 4. You create the metric filter today. Does it give you last week's datapoints?
#
# <details><summary>Answers</summary>
#
# 1. No: it fills one datapoint. Use 1 out of N, or a shorter period.
# 2. The security group allowed SSH from anywhere, so the attempts were ACCEPTed; nothing was rejected.
# 3. Set *treat missing data* to `notBreaching`, or give the metric filter a default value of 0 (which helps
#    only in minutes that have log events: a minute with none publishes nothing).
# 4. No: metric filters are not retroactive; they only see log events that arrive after they exist. Use
#    Logs Insights (notebook `03`) for the past.
#
# </details>
