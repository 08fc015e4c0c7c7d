"""Attack scenarios write what the attack looks like in flow logs, and the truth names the detector."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb.sim as sim

DETECTOR_NAMES = {
    "vertical_scan",
    "horizontal_sweep",
    "exposed_port_probe",
    "brute_force",
    "outbound_flood",
    "new_remote_port",
    "volume_anomaly",
    "unidirectional_transfer",
    "beaconing",
    "reject_spike",
    "intel_match",
    "unusual_protocol",
    "unapproved_dns",
    "data_quality",
}
EXPECTED = {
    "port_scan": "vertical_scan",
    "port_sweep": "horizontal_sweep",
    "ssh_brute_force": "brute_force",
    "rdp_brute_force": "brute_force",
    "exposed_port_probe": "exposed_port_probe",
    "exfiltration": "volume_anomaly",
    "outbound_dos": "outbound_flood",
    "beaconing": "beaconing",
    "unusual_port": "new_remote_port",
    "unusual_protocol": "unusual_protocol",
}


def run(name: str, **kw) -> sim.Simulation:
    return sim.simulate(name, duration="1h", scale=0, format="v5", **kw)


def ok(s: sim.Simulation) -> pd.DataFrame:
    return s.flows[s.flows["log_status"] == "OK"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_truth_names_the_detector(name):
    s = run(name)
    t = s.truth
    assert len(t) == 1
    row = t.iloc[0]
    assert row["expected"] == EXPECTED[name] and row["kind"] == "detector" and row["scenario"] == name
    assert row["expected"] in DETECTOR_NAMES
    assert s.start <= row["start"] <= row["end"] <= s.end
    # the records of the event fall inside the truth window
    f = ok(s)
    assert len(f)
    assert f["start"].min() >= row["start"] - pd.Timedelta("60s")
    assert f["end"].max() <= row["end"] + pd.Timedelta("120s")


def test_port_scan_probes_many_ports_mostly_rejected():
    s = run("port_scan", ports=300)
    f, t = ok(s), s.truth.iloc[0]
    inbound = f[(f["flow_direction"] == "ingress") & (f["srcaddr"] == t["src"])]
    assert inbound["dstport"].nunique() == 300
    assert set(inbound["dstaddr"].astype(str)) == {t["dst"]}
    assert (inbound["action"] == "REJECT").mean() > 0.95
    # the open ports (80, 443) answer SYN-ACK, and the scanner resets: SYN|RST = 6
    opened = inbound[inbound["action"] == "ACCEPT"]
    assert set(opened["dstport"].astype(int)) == {80, 443}
    assert set(opened["tcp_flags"].astype(int)) == {6}
    answers = f[(f["flow_direction"] == "egress") & (f["dstaddr"] == t["src"])]
    assert set(answers["tcp_flags"].astype(int)) == {18}
    assert (t["end"] - t["start"]) <= pd.Timedelta("2min")


def test_port_sweep_one_port_many_hosts():
    s = run("port_sweep", hosts=40)
    f, t = ok(s), s.truth.iloc[0]
    out = f[(f["srcaddr"] == t["src"]) & (f["flow_direction"] == "egress")]
    assert out["dstaddr"].nunique() == 40
    assert set(out["dstport"].astype(int)) == {22}
    # the app subnet's ACL does not allow SSH out: rejected at the source, except inside its own
    # subnet, where no network ACL applies
    same = out["dstaddr"].astype(str).str.startswith("10.0.10.")
    assert set(out.loc[~same, "action"].astype(str)) == {"REJECT"}
    assert set(out.loc[same, "action"].astype(str)) <= {"ACCEPT"}


@pytest.mark.parametrize(
    ("name", "port", "host"), [("ssh_brute_force", 22, "bastion"), ("rdp_brute_force", 3389, "win-1")]
)
def test_brute_force_many_short_accepted_connections(name, port, host):
    s = run(name)
    f, t = ok(s), s.truth.iloc[0]
    eni = s.topology.instance(host).eni.id
    att = f[(f["interface_id"] == eni) & (f["srcaddr"] == t["src"]) & (f["dstport"] == port)]
    per5 = att.groupby(att["start"].dt.floor("5min"))["srcport"].nunique()
    assert per5.max() >= 20
    assert set(att["action"].astype(str)) == {"ACCEPT"}
    # a security group opened to the world was attached to this instance only (its other groups stay)
    groups = [s.topology.security_group(g) for g in s.topology.instance(host).eni.security_groups]
    assert len(groups) >= 2
    assert any(r.cidr == "0.0.0.0/0" and r.ports == (port, port) for g in groups for r in g.inbound)


def test_brute_force_against_closed_group_is_rejected():
    s = run("ssh_brute_force", open_to_world=False)
    f, t = ok(s), s.truth.iloc[0]
    att = f[f["srcaddr"] == t["src"]]
    assert set(att["action"].astype(str)) == {"REJECT"}


def test_exposed_port_probe_accepted_from_many_public_sources():
    s = run("exposed_port_probe", sources=8)
    f, t = ok(s), s.truth.iloc[0]
    probes = f[(f["dstport"] == 9200) & (f["flow_direction"] == "ingress") & (f["dstaddr"] == t["dst"])]
    assert probes["srcaddr"].nunique() == 8
    assert set(probes["action"].astype(str)) == {"ACCEPT"}
    assert probes.groupby("srcaddr", observed=True)["packets"].sum().max() < 30


def test_exfiltration_sends_gigabytes_out_through_nat():
    s = run("exfiltration", gigabytes=2.0)
    f, t = ok(s), s.truth.iloc[0]
    db = s.topology.instance("db-1").eni.id
    out = f[(f["interface_id"] == db) & (f["dstaddr"] == t["dst"])]
    assert out["bytes"].sum() > 1.9 * 2**30
    back = f[(f["interface_id"] == db) & (f["srcaddr"] == t["dst"])]
    assert back["bytes"].sum() < out["bytes"].sum() / 20  # ACKs and a little data
    nat = s.topology.nat_gateways[0].interface.id
    assert (f["interface_id"] == nat).any()


def test_outbound_dos_packets_per_minute():
    s = run("outbound_dos", packets_per_minute=30000)
    f, t = ok(s), s.truth.iloc[0]
    flood = f[f["dstaddr"] == t["dst"]]
    per_min = flood.groupby(flood["start"].dt.floor("1min"))["packets"].sum()
    assert per_min.median() >= 25000
    assert set(flood["tcp_flags"].astype(int)) == {2}


def test_beaconing_regular_intervals():
    s = run("beaconing", period="5min", jitter=0.05)
    f, t = ok(s), s.truth.iloc[0]
    app = s.topology.instance("app-2").eni.id
    calls = (
        f[(f["interface_id"] == app) & (f["dstaddr"] == t["dst"])]
        .groupby("srcport", observed=True)["start"]
        .min()
    )
    gaps = calls.sort_values().diff().dropna().dt.total_seconds()
    assert len(calls) >= 10
    assert gaps.between(300 * 0.85, 300 * 1.15).all()


def test_beaconing_period_follows_interval():
    s = sim.simulate("beaconing", duration="4h", interval=600, scale=0)
    assert "1800" in s.truth.iloc[0]["details"]


def test_unusual_protocol_is_rejected_by_acl():
    s = run("unusual_protocol")
    f = ok(s)
    assert set(f["protocol"].astype(int)) == {47}
    assert set(f["action"].astype(str)) == {"REJECT"}
    assert (f["srcport"] == 0).all() and (f["dstport"] == 0).all()


def test_unusual_port_is_answered():
    s = run("unusual_port")
    f, t = ok(s), s.truth.iloc[0]
    assert set(f.loc[f["dstaddr"] == t["dst"], "dstport"].astype(int)) == {6667}
    assert set(f["action"].astype(str)) == {"ACCEPT"}


def test_scenarios_compose_and_keep_each_truth():
    names = ["port_scan", "ssh_brute_force", "nat_gateway"]
    s = sim.simulate(names, duration="1h", port_scan={"ports": 50}, target="web-2")
    assert list(dict.fromkeys(s.truth["scenario"])) == names
    scan = s.truth[s.truth["scenario"] == "port_scan"].iloc[0]
    assert scan["dst"] == s.topology.instance("web-2").private_ip
    # one scenario's events do not move because another was added
    alone = sim.simulate("port_scan", duration="1h", ports=50, target="web-2").truth.iloc[0]
    assert (alone["start"], alone["end"]) == (scan["start"], scan["end"])


def test_baseline_has_no_truth_and_background_rejects():
    s = sim.simulate("baseline", duration="2h", start="2025-06-02T12:00Z")
    assert s.truth.empty
    f = ok(s)
    rej = f[f["action"] == "REJECT"]
    assert 0 < len(rej) < 0.05 * len(f)
    # background probes come from many sources, a handful each
    assert rej.groupby("srcaddr", observed=True).size().max() <= 3
