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
# # 05 · Security: rejected attempts, scans, brute force, exfiltration, beaconing
#
# > **Run all cells first** (menu *Run → Run All Cells*). No AWS account, no internet, about 30 seconds.
#
# **The question:** *in a day of flow logs, who attacked us, did anything get in, and did anything leave?*
#
# **You will learn**
#
# 1. what a port scan, a sweep, password guessing, a flood, an exfiltration and a beacon look like in flow
#    log records;
# 2. how `flownb.detect` finds them, and how `flownb.evidence` shows the records behind each finding;
# 3. why one-way traffic and "accepted from the internet" deserve a second look;
# 4. the DetectorBoard, to triage findings yourself.
#
# The detectors follow the ideas of Amazon GuardDuty's finding types (for example `Recon:EC2/Portscan`,
# `UnauthorizedAccess:EC2/SSHBruteForce`, `Behavior:EC2/TrafficVolumeUnusual`) and of open-source tools
# such as Zeek and RITA; every threshold is a keyword argument whose docstring says where it comes from.

# %%

import pandas as pd

import flownb
import flownb.charts

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 10)
pd.set_option("display.max_colwidth", 110)

df = flownb.samples.load("demo")
truth = flownb.samples.truth("demo")
COLUMNS = ["srcaddr", "dstaddr", "srcport", "dstport", "packets", "bytes", "tcp_flags", "action"]

# %% [markdown]
# ## All findings of the day
#
# `flownb.detect(df)` runs the fourteen detectors over the records and returns one row per finding, most
# severe first.

# %%
findings = flownb.detect(df)
findings[["detector", "severity", "src", "dst", "dst_port", "start", "summary"]]

# %%
flownb.charts.findings_timeline(findings)

# %% [markdown]
# ## Findings are episodes
#
# A finding is not one record, nor one window: like a GuardDuty finding, it is one **episode** of one
# detector's activity for one **entity** (the actor: a source address, or an interface for data quality;
# for probes of an exposed port, the target). Repeated activity extends the episode, from `start` (first
# seen) to `end` (last seen); an hour of silence ends it. Each finding says **why it fired**: the `value`
# it measured, the `threshold` that value reached, and what the value counts (`measure`); `count` is the
# connections behind it and `evidence_count` the records `flownb.evidence` returns.

# %%
findings[["detector", "entity", "start", "end", "count", "value", "threshold", "measure"]].head(8)

# %% [markdown]
# A detector that finds more than `max_findings` episodes (100 by default) keeps the strongest and adds one
# row, labelled `flownb:Suppressed`, that says how many it left out: on busy or odd traffic the list stays
# one an analyst can read. Here with a cap of 2 per detector:

# %%
capped = flownb.detect(df, max_findings=2)
capped.loc[capped["label"] == "flownb:Suppressed", ["detector", "count", "summary"]]

# %%
assert (findings["value"] >= findings["threshold"]).all()
assert capped.groupby("detector").size().max() <= 3

# %% [markdown]
# The VPC twin wrote down what it injected into this day. Every injected attack is found, by the detector
# expected for it, with the right source or target (where the finding names one: a data-quality finding
# names an interface, not an address):

# %%
expected = truth[truth["kind"] == "detector"]
found = []
for row in expected.itertuples():
    hits = findings[findings["detector"] == row.expected]
    for side in ("src", "dst"):  # where both the truth and the finding name an address, they agree
        want = getattr(row, side)
        if pd.notna(want):
            hits = hits[hits[side].isna() | (hits[side].astype(str) == want)]
    found.append({"scenario": row.scenario, "detector": row.expected, "found": len(hits) > 0})
found = pd.DataFrame(found)
found

# %%
assert found["found"].all(), found[~found["found"]]

# %% [markdown]
# Some findings are not attacks the twin injected: `reject_spike` findings between internal hosts are the
# connectivity mistakes of notebook `04` (a security group or a network ACL rejecting the application's own
# traffic), and `exposed_port_probe` on port 22 of the bastion is the background noise of the internet
# hitting an SSH port open to the world. Triage means reading the evidence.
#
# ## A port scan
#
# One internet address tries hundreds of ports of one host in two minutes. Most attempts are rejected (a
# single SYN, `tcp-flags` 2). The few that are accepted show SYN and RST (`tcp-flags` 6): the port was open,
# answered with a SYN-ACK, and the scanner reset the half-open connection at once. That is the signature
# of a SYN scan, and it tells the attacker which ports are open.

# %%
scan = findings[findings["detector"] == "vertical_scan"].iloc[0]
scan_records = flownb.evidence(df, scan)
print(scan["summary"])
print(scan_records.groupby(["action", "tcp_flags"], observed=True).size().rename("records").to_string())
scan_records[COLUMNS].head(5)

# %%
assert scan["src"] == "185.220.101.45"
assert scan_records["dstport"].nunique() >= 100 and (scan_records["action"] == "REJECT").mean() > 0.9
accepted = scan_records[scan_records["action"] == "ACCEPT"]
assert (accepted["tcp_flags"] == 6).all()  # SYN + RST: open ports, half-open connections reset

# %% [markdown]
# ## Password guessing against SSH
#
# Many short connections from one address to port 22, each a few packets: a login attempt, a failure, a
# new connection. The security group let them in (someone opened the bastion's SSH to the world), so the
# records are **ACCEPT**: a REJECT-only flow log would not have shown this attack at all.

# %%
brute = findings[findings["detector"] == "brute_force"].iloc[0]
brute_records = flownb.evidence(df, brute)
print(brute["summary"])
brute_records[COLUMNS].head(4)

# %%
assert (brute_records["dstport"] == 22).all() and (brute_records["action"] == "ACCEPT").all()

# %% [markdown]
# ## Something leaving: exfiltration
#
# The database sent 3.3 GB to one internet address in half an hour, through the NAT gateway. Its own past
# volumes are the baseline: the z-score in the summary says how far from normal this is.
#
# The records say how much left and to where, not *what* (no payloads: VPC Traffic Mirroring copies the
# packets), and DNS queries to the Amazon resolver are never logged, so exfiltration over DNS leaves no
# record here (Route 53 Resolver query logging records those queries). Notebook `01` has the table of what
# flow logs cannot show, with its sources (Amazon VPC User Guide, *Flow log limitations*,
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html).

# %%
exfil = findings[findings["detector"] == "volume_anomaly"].iloc[0]
print(exfil["summary"])
exfil_records = flownb.evidence(df, exfil)
print(f"{len(exfil_records):,} records, {exfil_records['bytes'].sum() / 1e9:.1f} GB")
flownb.charts.traffic_timeline(exfil_records, metric="bytes", by="action", freq="1min")

# %%
assert (exfil["src"], exfil["dst"]) == ("10.0.20.10", "104.243.37.152")
assert exfil_records["bytes"].sum() > 3e9

# %% [markdown]
# ## A beacon
#
# Malware calling home connects at a regular period, with a little jitter, sending and receiving a few
# hundred bytes each time. Over a day, the regularity stands out even though each connection is tiny.

# %%
beacon = findings[findings["detector"] == "beaconing"].iloc[0]
print(beacon["summary"])
beacon_records = flownb.evidence(df, beacon)
starts = (
    beacon_records.loc[beacon_records["dstaddr"] == beacon["dst"], "start"].drop_duplicates().sort_values()
)
gaps = starts.diff().dt.total_seconds().dropna()
print(
    f"median gap {gaps.median():.0f} s; half of the gaps within {gaps.quantile(0.25):.0f}-{gaps.quantile(0.75):.0f} s"
)

# %%
assert 240 <= gaps.median() <= 360  # every 5 minutes, give or take the jitter

# %% [markdown]
# ## One-way traffic
#
# `flownb.one_way_flows(df)` lists conversations where one side sent and nothing ever came back. Inside
# the VPC that is usually a dropped answer (notebook `04`); towards the internet it can be a flood or a
# scan. The largest one-way senders of the day:

# %%
one_way = flownb.one_way_flows(df)
senders = (
    one_way.groupby(["client", "server", "server_port"], observed=True)[
        ["packets_to_server", "bytes_to_server"]
    ]
    .sum()
    .sort_values("packets_to_server", ascending=False)
    .head(5)
)
senders

# %%
flood = findings[findings["detector"] == "outbound_flood"]
print(*flood["summary"], sep="\n")
top_sender = senders.index[0]
assert (top_sender[0], top_sender[1]) in set(zip(flood["src"], flood["dst"], strict=True))

# %% [markdown]
# The flood from web-2 sends tens of thousands of SYN packets a minute to one internet address and gets
# nothing back: GuardDuty calls this `Backdoor:EC2/DenialOfService.Tcp`. The instance is compromised; the
# flow logs show it, the fix (isolate it, rotate its credentials) is outside them.
#
# ## Try it: the DetectorBoard
#
# Run the detectors (all or a few), pick a finding in the list and read the records behind it. Try:
# which findings have a **High** severity, and which of them involve the NAT gateway?

# %%
from flownb.widgets import DetectorBoard

DetectorBoard(df)

# %% [markdown]
# ## Check yourself
#
# 1. A scanner's records show `tcp-flags` 2 and `REJECT` on 500 ports, and `ACCEPT` on two. What were the
#    two ports?
# 2. Why would a flow log that captures only REJECTed traffic miss the SSH brute force above?
# 3. A host's daily volume to the internet is 40 MB; today it is 3 GB to one address. Which detector flags
#    it, and what else would you check before calling it exfiltration?
# 4. What makes a beacon different from ordinary polling, and why is the jitter there?
#
# <details><summary>Answers</summary>
#
# 1. Ports that the security group allows from the internet and where a service listens: the scanner got a
#    SYN-ACK and reset the connection (SYN + RST, 6). The others were rejected.
# 2. The security group allowed SSH from anywhere, so every attempt was ACCEPTed; only the pattern (many
#    short connections) shows the attack.
# 3. `volume_anomaly` (and `outbound_flood` when the packet rate is extreme); check the destination (who owns
#    it, is it a known backup or update service?), the time, and whether the host ever talked to it before.
# 4. Nothing distinguishes them in one record; beacons are regular in time, small and to one destination
#    nobody expects. Malware adds jitter to evade exact-period detection, so detectors measure regularity
#    with a tolerance.
#
# </details>
