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
# # 04 · Troubleshooting connectivity: security groups versus network ACLs
#
# > **Run all cells first** (menu *Run → Run All Cells*). Everything runs on flownb's VPC twin: no AWS
# > account, no internet, about 15 seconds.
#
# **The question:** *the application server `app-1` cannot talk to the database `db-1` on PostgreSQL
# (TCP 5432). Why?*
#
# **You will learn**
#
# 1. why security groups (**stateful**) and network ACLs (**stateless**) leave different footprints in
#    flow logs, and how to read them;
# 2. how to break a network ACL in the VPC twin, see the ACCEPT/REJECT pattern it leaves, diagnose it with
#    `flownb.diagnose`, fix it and see the pattern change;
# 3. what a single REJECT can and cannot tell you;
# 4. how NAT gateways and transit gateways show up (`pkt-srcaddr`, `pkt-dstaddr`), what the version 11
#    next-hop fields add, and why an IPv4 rule does not let IPv6 in;
# 5. what flow logs cannot tell, and when to use VPC Reachability Analyzer instead.

# %%

import pandas as pd

import flownb
import flownb.charts
from flownb.sim import NetworkAclRule

# Charts display as Jupyter widgets (JupyterLab, Voila), offline when FLOWNB_OFFLINE=1.
flownb.charts.enable_jupyter_renderer()
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 14)

COLUMNS = ["interface_id", "srcaddr", "dstaddr", "srcport", "dstport", "packets", "action"]

# %% [markdown]
# ## Stateful and stateless, in one paragraph
#
# A **security group** is attached to an ENI and is *stateful*: when it allows a request in, the response
# goes out whatever the outbound rules say (and the other way round). A **network ACL** is attached to a
# subnet and is *stateless*: the response is a new packet that must be allowed by the ACL's rules in its own
# direction, and it goes to the client's **ephemeral port**. The client picks it, from a range that depends
# on its operating system: AWS lists 32768-61000 for many Linux kernels (the Amazon Linux kernel included),
# 49152-65535 for Windows Server 2008 and later, 1024-65535 for NAT gateways, Elastic Load Balancing and
# Lambda; so an ACL that must answer any client allows 1024-65535 (Amazon VPC User Guide, *Control subnet
# traffic with network access control lists*, "Ephemeral ports",
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html). Forget the ephemeral-port rule and
# the request gets in, but its answer never gets out.
#
# ## First, the records as AWS documents them
#
# The Amazon VPC User Guide has exactly this case: a ping from a home computer to an instance, whose
# security group allows ICMP but whose network ACL allows ICMP inbound only.

# %%
ping = flownb.samples.load("aws-docs/sg-nacl-ping")
ping[["srcaddr", "dstaddr", "protocol", "packets", "bytes", "action"]]

# %% [markdown]
# The request (`203.0.113.12 → 172.31.16.139`) was **ACCEPT**ed, the reply (`172.31.16.139 → 203.0.113.12`)
# was **REJECT**ed on the same interface. A security group cannot do that: it would have let the reply out
# because it let the request in. Only a network ACL rejects a response to an accepted request.

# %%
assert ping["action"].tolist() == ["ACCEPT", "REJECT"]
assert ping.iloc[0]["srcaddr"] == ping.iloc[1]["dstaddr"]  # the REJECT is the reply to the ACCEPT

# %% [markdown]
# ## Break a network ACL in the VPC twin
#
# `flownb.simulate` runs a small three-tier VPC with real security-group and network-ACL rules. The
# scenario `nacl_blocks_return` removes the outbound ephemeral-port rule from the database subnet's ACL.
# Thirty minutes of the VPC's traffic, with the mistake:

# %%
broken = flownb.simulate("nacl_blocks_return", seed=0, duration="30min")
vpc = broken.topology
app1, db1 = vpc.instance("app-1"), vpc.instance("db-1")
db_acl = vpc.network_acl_of(db1.eni.subnet)
print(f"app-1 is {app1.private_ip} on {app1.eni.id}; db-1 is {db1.private_ip} on {db1.eni.id}")
print(f"network ACL of db-1's subnet: {db_acl.name}")
for direction in ("inbound", "outbound"):
    for rule in db_acl.rules(direction):
        print(f"  {direction:8} {rule.text().strip()}")
print("  (and the implicit rule *: DENY everything else, in both directions)")

# %% [markdown]
# Inbound, the ACL allows PostgreSQL from the application subnets and ports 1024-65535 (the answers to
# db-1's own connections). Outbound, it allows only HTTPS: nothing lets db-1's **answers** (from port 5432
# to app-1's ephemeral port) leave the subnet.
#
# ## The records
#
# Every record between the two, on both ENIs:

# %%
flows = broken.flows
pair = flows[
    flows["srcaddr"].isin([app1.private_ip, db1.private_ip])
    & flows["dstaddr"].isin([app1.private_ip, db1.private_ip])
]
pair[COLUMNS].head(6)

# %% [markdown]
# Read them in groups of three, one connection each (same client port):
#
# | ENI | direction | action | meaning |
# |---|---|---|---|
# | app-1's | app-1 → db-1:5432 | ACCEPT | the request leaves app-1 (its SG and ACL allow it) |
# | db-1's | app-1 → db-1:5432 | ACCEPT | the request reaches db-1 (db-1's SG and ACL allow it in) |
# | db-1's | db-1:5432 → app-1 | **REJECT** | db-1 answers, and the answer is dropped on the way out |
#
# No record shows the answer arriving at app-1: it never left db-1's subnet. Let's count every
# combination over the 30 minutes:

# %%
eni_name = {app1.eni.id: "app-1's ENI", db1.eni.id: "db-1's ENI"}
pattern = (
    pair.assign(
        eni=pair["interface_id"].astype(str).map(eni_name),
        leg=(pair["dstport"] == 5432).map({True: "request", False: "response"}),
    )
    .groupby(["eni", "leg", "action"], observed=True)
    .size()
    .rename("records")
    .reset_index()
)
pattern

# %%
# The teaching claim, checked: requests are ACCEPTed on both ENIs, every response is REJECTed on db-1's
requests = pair[pair["dstport"] == 5432]
responses = pair[pair["srcport"] == 5432]
assert (requests["action"] == "ACCEPT").all()
assert len(responses) > 0 and (responses["action"] == "REJECT").all()
assert (responses["interface_id"] == db1.eni.id).all()  # seen only where it was dropped

# %%
flownb.charts.accept_reject(pair, freq="1min")

# %% [markdown]
# ## Diagnose it
#
# `flownb.diagnose(df, src, dst, port=...)` does this reading for you over all the records of a pair
# (addresses, CIDRs or ENI ids) and returns a verdict with its explanation, the evidence and next steps:

# %%
diagnosis = flownb.diagnose(flows, app1.private_ip, db1.private_ip, port=5432)
print(diagnosis.verdict)
print()
print(diagnosis.explanation)
print()
print("next steps:", *diagnosis.next_steps, sep="\n  - ")

# %%
assert diagnosis.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
assert broken.truth.loc[0, "expected"] == diagnosis.verdict  # the twin's record of what it broke

# %% [markdown]
# ## Fix it, and see the pattern change
#
# The fix is the rule the diagnosis asks for: an outbound rule allowing TCP 1024-65535, numbered below any
# DENY that would match. We add it to a copy of the VPC and simulate the same 30 minutes again.

# %%
fixed_vpc = vpc.copy()
fixed_vpc.network_acl(db_acl.name).outbound.append(
    NetworkAclRule(100, "allow", "tcp", (1024, 65535), "10.0.0.0/16")
)
fixed = flownb.simulate("baseline", seed=0, duration="30min", topology=fixed_vpc)
after = flownb.diagnose(fixed.flows, app1.private_ip, db1.private_ip, port=5432)
print(after.verdict)

f = fixed.flows
fixed_pair = f[
    f["srcaddr"].isin([app1.private_ip, db1.private_ip])
    & f["dstaddr"].isin([app1.private_ip, db1.private_ip])
]
fixed_pair["action"].value_counts()

# %%
assert after.verdict == "REACHABLE"
assert (fixed_pair["action"] == "ACCEPT").all()
# the answers are now logged twice: leaving db-1 and arriving at app-1
assert set(fixed_pair.loc[fixed_pair["srcport"] == 5432, "interface_id"]) == {app1.eni.id, db1.eni.id}

# %% [markdown]
# ## When did it break? The verdict over time
#
# Real incidents have a start and an end: "it worked until 10:00, when someone edited the ACL". The twin's
# `nacl_change_midday` scenario removes the same outbound rule half-way through two hours of traffic.
# `diagnose` decides every aggregation interval on its own (`d.timeline`, consecutive windows with the same
# verdict merged); `d.verdict` is the verdict of the most recent window with traffic, and the explanation
# says since when.

# %%
midday = flownb.simulate("nacl_change_midday", seed=0, duration="2h", start="2025-06-02 09:00")
now = flownb.diagnose(midday.flows, app1.private_ip, db1.private_ip, port=5432)
print(now.explanation.split(". ")[0] + ".")
now.timeline

# %%
assert now.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
assert now.timeline["verdict"].astype(str).tolist() == ["REACHABLE", "NACL_OUTBOUND_BLOCKS_RETURN"]
assert now.timeline["start"].iloc[1] == pd.Timestamp("2025-06-02 10:00", tz="UTC")  # the moment of the edit

# %% [markdown]
# The Troubleshooter draws the same thing: ACCEPT and REJECT per role over time, the windows with a failing
# verdict shaded. The REJECTs start on *response egress* (leaving db-1) at the moment of the edit.

# %%
flownb.charts.diagnosis_timeline(now)

# %% [markdown]
# ## What is broken right now, anywhere?
#
# The first question on call is rarely about one pair. `flownb.connectivity_report(df)` (and
# `flownb report connectivity FILES` in a terminal) decides every (client, server, port, protocol) of the
# records, window by window, and lists the stretches of time a pair failed, the worst first, each with its
# one-line fix. A pair counts when it is wanted: it worked at another time, or its client kept trying
# (five windows or more) inside the network or to a server that answers others. A scanner's one-off
# attempts on closed ports are traffic meant to be blocked, not faults. On the bundled demo day, with its
# scans, probes and sweeps, the report finds the four connectivity faults the twin injected, and the
# other pairs each of them broke:

# %%
day = flownb.samples.load("demo")
report = flownb.connectivity_report(day)
report[["client", "server", "port", "verdict", "start", "end", "failed", "clients"]]

# %%
print(report.loc[0, "fix"])
assert set(report["verdict"].astype(str)) == {
    "INBOUND_BLOCKED_SG_OR_NACL",  # db-2's security group
    "NACL_INBOUND_BLOCKS_RETURN",  # the bastion subnet's network ACL
    "NACL_OUTBOUND_BLOCKS_RETURN",  # db-1's subnet ACL, 10:05 to 10:50
    "CONNECTION_REFUSED",  # app-2's service down, 15:30 to 15:50
    "OUTBOUND_BLOCKED_SG_OR_NACL",  # db-1 to db-2 during the same ACL edit
}

# %%
flownb.charts.connectivity_matrix(report)

# %% [markdown]
# ## A single REJECT: security group or network ACL?
#
# Now the other kind of mistake: db-2's **security group** does not allow app-1 on 5432. The request is
# rejected on the way in, so there is no answer to look at:

# %%
sg = flownb.simulate("sg_blocks_inbound", seed=0, duration="15min", scale=0)
db2 = sg.topology.instance("db-2")
sg_diag = flownb.diagnose(sg.flows, app1.private_ip, db2.private_ip, port=5432)
sg_pair = sg.flows[sg.flows["dstaddr"] == db2.private_ip]
print(sg_diag.verdict)
print(sg_diag.explanation)
sg_pair[COLUMNS].head(4)

# %%
assert sg_diag.verdict == "INBOUND_BLOCKED_SG_OR_NACL"
assert not (sg.flows["srcaddr"] == db2.private_ip).any()  # db-2 never answered: nothing to judge the ACL by

# %% [markdown]
# The verdict is honest: **`INBOUND_BLOCKED_SG_OR_NACL`**. A REJECTed request on its way in can be a
# security group or a network ACL; the flow log's `action` field is the combined result and names no rule
# (the version 8 field `reject-reason` can name a few other causes, VPC Block Public Access among them, but
# never a security group or an ACL). Read the
# security group and the ACL of the subnet (or ask Reachability Analyzer) to know which.
#
# The VPC twin has a scenario for each verdict; here they are side by side, logged in the version 5
# format. Its `flow-direction` field says whether a record was seen coming in or going out of its ENI,
# which is what tells an ACL that blocks the answer *leaving the server* from one that blocks it
# *arriving at the client*: enable it (a custom format) on the flow logs you troubleshoot with.

# %%
cases = {
    "nacl_blocks_return": ("app-1", "db-1", 5432),
    "nacl_blocks_inbound": ("bastion", "app-2", 22),
    "sg_blocks_inbound": ("app-1", "db-2", 5432),
    "connection_refused": ("web-1", "app-2", 8080),
    "no_response": ("web-2", "app-1", 8080),
}
rows = []
for scenario, (client, server, port) in cases.items():
    s = flownb.simulate(scenario, seed=0, duration="15min", scale=0, format="v5")
    ip = lambda name, s=s: s.topology.instance(name).private_ip  # noqa: E731
    d = flownb.diagnose(s.flows, ip(client), ip(server), port=port)
    rows.append({"scenario": scenario, "client": client, "server": f"{server}:{port}", "verdict": d.verdict})
verdicts = pd.DataFrame(rows)
verdicts

# %%
assert verdicts.set_index("scenario")["verdict"].to_dict() == {
    "nacl_blocks_return": "NACL_OUTBOUND_BLOCKS_RETURN",
    "nacl_blocks_inbound": "NACL_INBOUND_BLOCKS_RETURN",
    "sg_blocks_inbound": "INBOUND_BLOCKED_SG_OR_NACL",
    "connection_refused": "CONNECTION_REFUSED",
    "no_response": "NO_RESPONSE",
}

# %% [markdown]
# `CONNECTION_REFUSED` and `NO_RESPONSE` are ACCEPTed everywhere: the network let the packets through and
# the problem is on the host (nothing listening, answered by a TCP RST; or a host firewall that drops
# silently). Flow logs tell these apart by the answer's size and TCP flags, not by `action`.
#
# ## Through a NAT gateway
#
# A private instance reaches the internet through a NAT gateway, which rewrites the source address. The
# NAT gateway's own ENI logs four records per connection; with the version 3 fields `pkt-srcaddr` and
# `pkt-dstaddr` you can see the original addresses behind the rewrite.

# %%
nat = flownb.simulate("nat_gateway", seed=0, duration="15min", scale=0, format="v5")
nat_gw = nat.topology.nat_gateways[0]
nat_diag = flownb.diagnose(nat.flows, app1.private_ip, "52.94.236.248", port=443)
print(nat_diag.verdicts)
on_nat = nat.flows[(nat.flows["interface_id"] == nat_gw.interface.id) & (nat.flows["log_status"] == "OK")]
on_nat[["srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction", "action"]].head(4)

# %%
assert nat_diag.verdicts == ("REACHABLE", "VIA_NAT_GATEWAY")
# On the NAT gateway's ENI, app-1's request is addressed to the NAT gateway itself (dstaddr); only
# pkt-dstaddr says where it is really going. The answer back comes from the NAT gateway's address;
# pkt-srcaddr says who really answered.
request_in = on_nat[on_nat["srcaddr"] == app1.private_ip]
answer_out = on_nat[on_nat["dstaddr"] == app1.private_ip]
assert (request_in["dstaddr"] == nat_gw.private_ip).all()
assert (request_in["pkt_dstaddr"] == "52.94.236.248").all()
assert (answer_out["srcaddr"] == nat_gw.private_ip).all()
assert (answer_out["pkt_srcaddr"] == "52.94.236.248").all()

# %% [markdown]
# Read the four records above: app-1 → NAT (the request arrives, `pkt-dstaddr` is the real destination),
# NAT → internet (leaves with the NAT's address), internet → NAT (the answer), NAT → app-1 (`pkt-srcaddr`
# is the real sender: the internet host, not app-1). The `pkt-*` fields differ from `srcaddr`/`dstaddr`
# only on those two legs to and from the instance; on the legs to and from the internet host they are the
# same. The same layout appears in the AWS documentation's NAT gateway example
# (`flownb.samples.load("aws-docs/nat-gateway")`, checked below). Without the `pkt-*` fields, app-1's
# traffic to the internet seems to go to the NAT gateway only.

# %%
aws_nat = flownb.samples.load("aws-docs/nat-gateway").astype("string")
nat_eni = aws_nat[aws_nat["instance_id"].isna()]  # the NAT gateway's (requester-managed) interface
differs = (nat_eni["srcaddr"] != nat_eni["pkt_srcaddr"]) | (nat_eni["dstaddr"] != nat_eni["pkt_dstaddr"])
assert differs.tolist() == [True, False, False, True]  # only the legs to and from the instance
assert not ((nat_eni["srcaddr"] == "10.0.0.220") & (nat_eni["pkt_srcaddr"] == "10.0.1.5")).any()

# %% [markdown]
# ## Through a transit gateway
#
# The AWS documentation's transit gateway example (version 3 custom format): a client `10.20.33.164` in one
# VPC calls a web server `10.40.2.236` in another VPC through a transit gateway. The records are from the
# destination VPC: the web server's own ENI (`eni-333...`, with an instance id) and the transit gateway's
# attachment ENIs in two subnets (`eni-111...`, `eni-222...`, no instance id).

# %%
tgw = flownb.samples.load("aws-docs/transit-gateway-vpc")
tgw[
    ["interface_id", "instance_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "tcp_flags", "action"]
]

# %% [markdown]
# On the instance's ENI, `srcaddr`/`dstaddr` and `pkt-srcaddr`/`pkt-dstaddr` agree. On the transit gateway's
# ENIs they do not: `srcaddr` or `dstaddr` is the **attachment ENI's own address** (`10.40.1.175`,
# `10.40.2.31`), and only `pkt-srcaddr`/`pkt-dstaddr` name the client and the server. Without the `pkt-*`
# fields, cross-VPC traffic seems to come from the transit gateway.

# %%
addr = tgw[["instance_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"]].astype(
    str
)  # categories differ
on_instance = addr[tgw["instance_id"].notna()]
on_tgw = addr[tgw["instance_id"].isna()]
assert (on_instance["srcaddr"] == on_instance["pkt_srcaddr"]).all()
assert (on_tgw["srcaddr"] != on_tgw["pkt_srcaddr"]).any() or (
    on_tgw["dstaddr"] != on_tgw["pkt_dstaddr"]
).any()
assert set(on_tgw["pkt_srcaddr"]) | set(on_tgw["pkt_dstaddr"]) == {"10.20.33.164", "10.40.2.236"}

# %% [markdown]
# ## Where did the packets go next? The version 11 fields
#
# Since June 2026 a custom format can add the **next hop** of each record: `next-hop-interface-id` (the
# interface the packets went to, for egress, or came from, for ingress), its subnet, zone, VPC and
# `next-hop-interface-type` (`nat_gateway`, `transit_gateway`, `vpc_endpoint`, ...), and `interface-type`
# for the interface that wrote the record. An internet gateway or a gateway endpoint has no interface:
# traffic it carries has no next hop (`-`), and `traffic-path` tells which one it was. The twin writes
# them with `format="v11"`, and `diagnose` cites them.

# %%
v11 = flownb.simulate("nat_gateway", seed=0, duration="15min", scale=0, format="v11")
hop_cols = ["interface_id", "interface_type", "dstaddr", "next_hop_interface_id", "next_hop_interface_type"]
sent = v11.flows[(v11.flows["log_status"] == "OK") & (v11.flows["flow_direction"] == "egress")]
print(sent[hop_cols].drop_duplicates(["interface_id", "next_hop_interface_id"]).to_string(index=False))
v11_diag = flownb.diagnose(v11.flows, app1.private_ip, "52.94.236.248", port=443)
print(v11_diag.explanation)

# %%
# app-1's requests go to the NAT gateway's interface; the NAT gateway sends them on with no next-hop
# interface (the internet gateway has none)
assert set(sent.loc[sent["interface_id"] == app1.eni.id, "next_hop_interface_type"].astype(str)) == {
    "nat_gateway"
}
assert sent.loc[sent["interface_id"] == nat_gw.interface.id, "next_hop_interface_id"].isna().any()
assert f"next hop {nat_gw.interface.id} (a nat_gateway interface)" in v11_diag.explanation

# %% [markdown]
# ## IPv6: a rule for one family only
#
# Security group and network ACL rules are per address family: `0.0.0.0/0` does not match an IPv6
# client. In the twin's `ipv6_sg_missing_rule` scenario the web tier goes dual stack (an IPv6 /64, a
# `::/0` route to the internet gateway, IPv6 rules in the network ACL) but its security group still allows
# `0.0.0.0/0` only: IPv4 clients get in, IPv6 ones are rejected.

# %%
six = flownb.simulate(["baseline", "ipv6_sg_missing_rule"], seed=0, duration="1h", format="v5")
six_truth = six.truth.iloc[0]
six_diag = flownb.diagnose(six.flows, six_truth["src"], six_truth["dst"], port=443)
print(six_diag.verdict)
print(flownb.connectivity_report(six.flows)[["client", "server", "port", "verdict", "failed"]].to_string())

# %%
assert six_diag.verdict == six_truth["expected"] == "INBOUND_BLOCKED_SG_OR_NACL"
web = six.flows[(six.flows["log_status"] == "OK") & (six.flows["dstport"] == 443)]
by_family = web.groupby(web["type"].astype(str))["action"].agg(lambda a: (a == "ACCEPT").mean())
assert by_family["IPv4"] > 0.99 and by_family["IPv6"] == 0  # IPv4 works, IPv6 never does

# %% [markdown]
# ## Try it: the Troubleshooter
#
# The broken half hour again, in the Troubleshooter: pick a source, a destination, a port and a protocol,
# press *Diagnose*, and read the verdict, the explanation, the next steps and the records behind them.
# Try `10.0.2.10` (the bastion) to `10.0.11.10` port 22, then `10.0.0.10` (web-1) to `10.0.10.10` port 8080.

# %%
from flownb.widgets import Troubleshooter

troubleshooter = Troubleshooter(flows, src=app1.private_ip, dst=db1.private_ip, port=5432, protocol="tcp")
troubleshooter

# %% [markdown]
# Like every flownb widget, it can be driven from code: changing the boxes and calling `run()` is what the
# *Diagnose* button does.

# %%
troubleshooter.src.value, troubleshooter.dst.value, troubleshooter.port.value = (
    "10.0.0.10",
    "10.0.10.10",
    "8080",
)
print(troubleshooter.run().verdict)
assert troubleshooter.diagnosis.verdict == "REACHABLE"  # web-1 to app-1 works in this half hour
troubleshooter.src.value, troubleshooter.dst.value, troubleshooter.port.value = (
    app1.private_ip,
    db1.private_ip,
    "5432",
)
assert troubleshooter.run().verdict == "NACL_OUTBOUND_BLOCKS_RETURN"

# %% [markdown]
# ## What flow logs cannot tell
#
# Notebook `01` has the table of what flow logs cannot show (latency, drops on the host, which of security
# group or network ACL rejected a single request, payloads, DNS to the Amazon resolver). For troubleshooting:
#
# - **Which rule** dropped a packet, or whether it was a security group or a network ACL when only the
#   request is seen. Flow logs record outcomes, not rules.
# - **A packet dropped between the interfaces.** Flow logs capture "the IP traffic going to and from network
#   interfaces" (Amazon VPC User Guide, *Logging IP traffic using VPC Flow Logs*); a packet that the route
#   table cannot deliver (no route, a blackhole route, a wrong target) never reaches the destination's
#   interface, so **the destination logs nothing**: an empty result there is not a REJECT. AWS does not
#   document whether the *source's* interface still writes an egress record for it. flownb's verdict
#   `NOT_DELIVERED` assumes it does (an ACCEPTed request on the source's interface and nothing on the
#   destination's, while the destination's interface was logging); if the source logs nothing either, the
#   verdict is `NO_TRAFFIC_SEEN`. Either way, Reachability Analyzer names the missing route. (Transit
#   gateway flow logs do count such drops: `packets-lost-no-route`, `packets-lost-blackhole`, notebook `06`.)
# - **Traffic AWS does not log**: the Amazon DNS server, instance metadata (169.254.169.254), time sync
#   (169.254.169.123), DHCP, Windows license activation, mirrored traffic.
# - **Anything inside the host**: a process that is down, a host firewall, TLS errors.
#
# **VPC Reachability Analyzer** answers "*could* A reach B?" from the configuration alone (routes, security
# groups, network ACLs, gateways), without any traffic, and names the component that blocks the path. Use
# it before a change, when there is no traffic to look at, or to find the rule; use flow logs to see what
# *did* happen. **Network Access Analyzer** checks whole networks against access requirements ("only the
# web tier is reachable from the internet").
#
# ## Check yourself
#
# 1. On a server's ENI you see `client → server:443 ACCEPT` and `server:443 → client REJECT`. Which
#    resource is at fault, and which rule is missing?
# 2. You see only `client → server:22 REJECT` on the server's ENI. Can you tell whether its security group
#    or its subnet's network ACL rejected it?
# 3. A security group allows inbound TCP 5432 from the application subnet and has **no** outbound rules.
#    Can the database answer?
# 4. Flow logs show nothing at all between A and B. Name two possible reasons.
#
# <details><summary>Answers</summary>
#
# 1. The server subnet's network ACL: it lacks an outbound rule allowing TCP to the client's ephemeral
#    ports (1024-65535 covers every client AWS lists). A security group would have let the answer out.
# 2. No. Both reject on the way in and leave the same record; check the configuration or run Reachability
#    Analyzer.
# 3. Yes: security groups are stateful; responses to allowed inbound traffic are always allowed out.
# 4. Flow logs not enabled on those ENIs, traffic of a kind AWS never logs (for example DNS queries to the
#    Amazon DNS server), no traffic sent at all, or a missing route (the destination then logs nothing;
#    whether the source's ENI logs the packet it sent is not documented by AWS).
#
# </details>
