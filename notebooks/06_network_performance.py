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
# # 06 · Network performance: throughput, packets, top talkers, and what flow logs cannot measure
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 15 seconds.
#
# **The question:** *which interfaces carry the traffic, how much, and is anything slow or losing packets?*
#
# **You will learn**
#
# 1. throughput (bytes and packets per second) per interface and over time, from flow logs;
# 2. the flow-log counterparts of the EC2 metrics `NetworkIn`, `NetworkOut`, `NetworkPacketsIn/Out`;
# 3. top talkers and bytes per packet as a first look at the kind of traffic;
# 4. what flow logs cannot say about latency and packet loss, and the transit gateway's `packets-lost-*`
#    fields that do count drops.

# %%
import tempfile
from pathlib import Path

import pandas as pd

import flownb
import flownb.charts
from flownb.monitoring._metrics import packet_loss

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 130)
pd.set_option("display.max_columns", 12)

demo = flownb.samples.load("demo")
ok = demo[demo["log_status"] == "OK"]

# %% [markdown]
# ## NetworkIn and NetworkOut, from flow logs
#
# EC2 publishes `NetworkIn`/`NetworkOut` (bytes) and `NetworkPacketsIn`/`NetworkPacketsOut` (packets) per
# instance to CloudWatch, summed over all its network interfaces. The byte metrics come in 5-minute periods,
# or 1-minute periods with detailed monitoring; the packet metrics are "available for basic monitoring only
# (5-minute periods)" (Amazon EC2 User Guide, *CloudWatch metrics that are available for your instances*,
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html). Flow logs can
# give the same view per **interface**, using `flow-direction` (or the interface's own address) to tell in
# from out, at whatever period the records allow: `flownb.network_metrics(df, period="5min")`.

# %%
per_eni = flownb.network_metrics(ok, period="5min")
per_eni.head(4)

# %%
day = per_eni.groupby("interface_id", observed=True)[
    ["bytes_in", "bytes_out", "packets_in", "packets_out"]
].sum()
day["GB_out"] = (day["bytes_out"] / 1e9).round(2)
day.sort_values("bytes_out", ascending=False).head(5)

# %%
busiest = day["bytes_out"].idxmax()
db1 = "eni-0eeffa6ad72c6d188"  # db-1's interface
assert busiest == db1  # the database sends the most, and the exfiltration is on top of that
assert (per_eni["bytes_in"] >= 0).all() and (per_eni["bytes_out"] >= 0).all()

# %% [markdown]
# ## Throughput over time
#
# Bits per second (`bps`) in 5-minute bins, summed over the VPC's interfaces (a byte that crosses two
# interfaces, like the NAT gateway's in and out, counts twice): a flat day with one evening peak.

# %%
throughput = flownb.timeseries(ok, freq="5min", metric="bps")
peak = throughput.loc[throughput["bps"].idxmax()]
print(
    f"peak: {peak['bps'] / 1e6:.0f} Mbit/s at {peak['time']:%H:%M} UTC; median {throughput['bps'].median() / 1e6:.2f} Mbit/s"
)
flownb.charts.traffic_timeline(ok, metric="bytes", by=None, freq="5min")

# %%
assert peak["time"].hour == 22 and peak["bps"] > 20 * throughput["bps"].median()

# %% [markdown]
# ## Top talkers, and bytes per packet
#
# Bytes per packet says what kind of traffic it is: full 1,400-1,500-byte packets carry bulk data, 40-70
# bytes are bare TCP acknowledgements or SYNs (a scan, a flood, the ACKs of a download going the other way).

# %%
talkers = flownb.top(ok, by="srcaddr", metric="bytes", n=8)
talkers[["srcaddr", "packets", "bytes", "bps", "pps", "bpp"]].round(1)

# %%
flownb.charts.top_talkers(ok, by="srcaddr", metric="packets", n=10)

# %%
senders = talkers.set_index("srcaddr")
assert senders.loc["10.0.20.10", "bpp"] > 1000  # the database sends full packets
assert senders.loc["104.243.37.152", "bpp"] < 100  # acknowledgements of the exfiltration

# %% [markdown]
# ## What flow logs cannot tell: latency and (most) packet loss
#
# This is the first row of notebook `01`'s table of what flow logs cannot show. A record counts packets and
# bytes over an aggregation interval, with the first and last packet times of that interval. It has no
# per-packet timing, so it cannot measure **latency** or **jitter**, and it says nothing about packets lost
# *outside* the interface (retransmissions only show up as more packets). For those, use:
#
# - **Network Flow Monitor** (part of CloudWatch Network Monitoring): agents on EC2 instances and EKS nodes
#   report packet loss and round-trip time of the flows between instances and to AWS services (they read
#   TCP statistics from the kernel, never payloads). This is the tool for latency *between instances*.
#   (CloudWatch User Guide, *How Network Flow Monitor works*,
#   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-NetworkFlowMonitor-inside-network-flow-monitor.html)
# - **Network Synthetic Monitor** (formerly CloudWatch Network Monitor, the name its API still uses): probes
#   over TCP or ICMP from your VPC subnets to destination addresses, typically on premises (Network
#   Synthetic Monitor API Reference, *CreateMonitor*,
#   https://docs.aws.amazon.com/networkmonitor/latest/APIReference/API_CreateMonitor.html).
# - **CloudWatch Internet Monitor**: internet users' experience of your application.
# - the **ENA driver statistics** on the instance (`bw_in_allowance_exceeded`, `pps_allowance_exceeded`,
#   `linklocal_allowance_exceeded`, ...) for packets an instance dropped because it exceeded its network
#   allowances (Amazon EC2 User Guide, *Monitor network performance for ENA settings*).
#
# ## Transit gateways do count drops
#
# Transit gateway flow logs are created on a transit gateway or an attachment, always with a 60-second
# maximum aggregation interval (the only value accepted) and with no traffic type: passing `--traffic-type`
# returns an error (Amazon VPC Transit Gateways, *Create and manage AWS Transit Gateway Flow Logs using APIs
# or the CLI*, https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html). Their records (version 6
# fields) add four counters of packets the transit gateway dropped:
# `packets-lost-no-route`, `packets-lost-blackhole`, `packets-lost-mtu-exceeded` and
# `packets-lost-ttl-expired`. Three hand-written records in a custom format show how to read them; the
# second flow meets a blackhole route, the third is too large for the attachment's MTU.

# %%
TGW_FORMAT = (
    "${version} ${resource-type} ${tgw-id} ${tgw-attachment-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${packets-lost-no-route} "
    "${packets-lost-blackhole} ${packets-lost-mtu-exceeded} ${packets-lost-ttl-expired}"
)
lines = """\
6 TransitGateway tgw-0a1b2c3d4e5f67890 tgw-attach-0aaaa1111bbbb2222 10.1.0.15 10.2.0.20 44321 443 6 120 98000 1748822400 1748822460 OK 0 0 0 0
6 TransitGateway tgw-0a1b2c3d4e5f67890 tgw-attach-0aaaa1111bbbb2222 10.1.0.15 10.9.0.7 50112 5432 6 30 1800 1748822400 1748822460 OK 0 30 0 0
6 TransitGateway tgw-0a1b2c3d4e5f67890 tgw-attach-0cccc3333dddd4444 10.2.0.20 10.1.0.15 443 44321 6 80 720000 1748822460 1748822520 OK 0 0 12 0
"""
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "tgw.log"
    path.write_text(lines)
    tgw = flownb.read_flow_logs(path, format=TGW_FORMAT)
losses = packet_loss(tgw, period="1min")
losses

# %%
total = losses.groupby("tgw_attachment_id", observed=True)["packets_lost"].sum()
assert total["tgw-attach-0aaaa1111bbbb2222"] == 30 and total["tgw-attach-0cccc3333dddd4444"] == 12

# %% [markdown]
# A blackhole route (a route whose attachment was deleted) drops everything sent to it: 30 of 30 packets.
# MTU drops are a classic transit gateway trap: it supports an MTU of 8,500 bytes between VPCs, but 1,500
# over VPN, and it does not send ICMP "fragmentation needed" for packets it drops that way.
#
# ## Try it
#
# The FlowExplorer, counting packets: filter on one interface (`ENI` box) or a port and watch the
# throughput and the top talkers change.

# %%
from flownb.widgets import FlowExplorer

FlowExplorer(ok, metric="packets")

# %% [markdown]
# ## Check yourself
#
# 1. An interface shows 2 million packets of 66 bytes each leaving it in half an hour. What is probably
#    happening?
# 2. Can flow logs tell you the round-trip time between two instances?
# 3. Your transit gateway flow logs show `packets-lost-blackhole` > 0 for one attachment. What do you check?
#
# <details><summary>Answers</summary>
#
# 1. It is acknowledging a large transfer going the other way (or sending a flood of bare SYNs); look at the
#    other direction of the same conversation.
# 2. No: records have no per-packet timing. Use Network Flow Monitor (its agents measure round-trip time and
#    packet loss of flows between instances) or a probe on the hosts.
# 3. The transit gateway route table associated with that attachment: a blackhole route (its target
#    attachment was deleted) or a static blackhole route matches the destination.
#
# </details>
