"""Each connectivity scenario writes the record pattern AWS documents for it, and its truth says so."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb.sim as sim


def _ok(s: sim.Simulation) -> pd.DataFrame:
    return s.flows[s.flows["log_status"] == "OK"]


def _on(s: sim.Simulation, host: str) -> pd.DataFrame:
    f = _ok(s)
    eni = s.topology.instance(host).eni.id
    return f[f["interface_id"] == eni]


def _pattern(df: pd.DataFrame) -> set[tuple[str, str, str, int]]:
    """(direction, src, action, tcp-flags) of each record."""
    return set(
        zip(
            df["flow_direction"].astype(str),
            df["srcaddr"].astype(str),
            df["action"].astype(str),
            df["tcp_flags"].astype(int),
            strict=True,
        )
    )


def run(name: str, **kw) -> sim.Simulation:
    return sim.simulate(name, duration="20min", scale=0, format="v5", seed=kw.pop("seed", 0), **kw)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nacl_blocks_return_accepts_request_rejects_answer_on_server(seed):
    s = run("nacl_blocks_return", seed=seed)
    t = s.truth.iloc[0]
    assert t["expected"] == "NACL_OUTBOUND_BLOCKS_RETURN" and t["kind"] == "verdict"
    db = _on(s, "db-1")
    # the AWS documented pattern: request ACCEPTed in, its answer REJECTed out, on the same ENI
    assert _pattern(db) == {("ingress", t["src"], "ACCEPT", 2), ("egress", t["dst"], "REJECT", 18)}
    app = _on(s, "app-1")
    assert _pattern(app) == {("egress", t["src"], "ACCEPT", 2)}  # the client never sees an answer
    # db-1's subnet got its own copy of the ACL without the rule; db-b keeps the shared one
    assert all(r.ports != (1024, 65535) for r in s.topology.network_acl_of("db-a").outbound)
    assert any(r.ports == (1024, 65535) for r in s.topology.network_acl_of("db-b").outbound)


def test_nacl_blocks_inbound_rejects_answer_at_client():
    s = run("nacl_blocks_inbound")
    t = s.truth.iloc[0]
    assert t["expected"] == "NACL_INBOUND_BLOCKS_RETURN"
    client = _on(s, "bastion")
    assert _pattern(client) == {("egress", t["src"], "ACCEPT", 2), ("ingress", t["dst"], "REJECT", 18)}
    server = _on(s, "app-2")
    assert _pattern(server) == {("ingress", t["src"], "ACCEPT", 2), ("egress", t["dst"], "ACCEPT", 18)}


def test_sg_blocks_inbound_gives_single_reject_and_no_answer():
    s = run("sg_blocks_inbound")
    t = s.truth.iloc[0]
    assert t["expected"] == "INBOUND_BLOCKED_SG_OR_NACL"
    server = _on(s, "db-2")
    assert _pattern(server) == {("ingress", t["src"], "REJECT", 2)}
    assert _pattern(_on(s, "app-1")) == {("egress", t["src"], "ACCEPT", 2)}
    # only db-2 got the narrowed group: db-1 still has the shared db-sg
    assert s.topology.security_group(s.topology.instance("db-1").eni.security_groups[0]).name == "db-sg"


def test_sg_blocks_outbound_rejects_on_client_and_nothing_reaches_nat():
    s = run("sg_blocks_outbound")
    t = s.truth.iloc[0]
    assert t["expected"] == "OUTBOUND_BLOCKED_SG_OR_NACL"
    assert _pattern(_on(s, "app-2")) == {("egress", t["src"], "REJECT", 2)}
    nat_eni = s.topology.nat_gateways[0].interface.id
    assert not (_ok(s)["interface_id"] == nat_eni).any()


def test_connection_refused_answers_rst():
    s = run("connection_refused")
    t = s.truth.iloc[0]
    assert t["expected"] == "CONNECTION_REFUSED"
    server = _on(s, "app-2")
    assert _pattern(server) == {("ingress", t["src"], "ACCEPT", 2), ("egress", t["dst"], "ACCEPT", 4)}
    assert (server["packets"] == 1).all()


def test_no_response_is_syn_without_answer():
    s = run("no_response")
    t = s.truth.iloc[0]
    assert t["expected"] == "NO_RESPONSE"
    assert _pattern(_on(s, "app-1")) == {("ingress", t["src"], "ACCEPT", 2)}
    assert _pattern(_on(s, "web-2")) == {("egress", t["src"], "ACCEPT", 2)}
    syns = _on(s, "app-1").groupby("srcport", observed=True)["packets"].sum()
    assert (syns >= 2).all()  # SYN retransmissions


def test_asymmetric_path_answer_leaves_through_other_interface():
    s = run("asymmetric_path")
    t = s.truth.iloc[0]
    assert t["expected"] == "ASYMMETRIC_PATH"
    proxy = s.topology.instance("proxy-1")
    eth0, eth1 = (e.id for e in proxy.interfaces)
    f = _ok(s)
    assert set(f.loc[f["interface_id"] == eth0, "flow_direction"].astype(str)) == {"ingress"}
    out = f[f["interface_id"] == eth1]
    assert set(out["flow_direction"].astype(str)) == {"egress"}
    assert set(out["srcaddr"].astype(str)) == {t["dst"]}  # answers carry the address of eth0


def test_nat_gateway_records_match_the_aws_example():
    s = run("nat_gateway")
    assert s.truth["expected"].tolist() == ["REACHABLE", "VIA_NAT_GATEWAY"]
    t = s.truth.iloc[0]
    nat = s.topology.nat_gateways[0]
    f = _ok(s)
    on_nat = f[f["interface_id"] == nat.interface.id]
    quads = set(
        zip(
            *(on_nat[c].astype(str) for c in ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")),
            strict=True,
        )
    )
    client, server, nat_ip = t["src"], t["dst"], nat.private_ip
    # the four records of the AWS "NAT gateway" example
    assert quads == {
        (client, nat_ip, client, server),
        (nat_ip, server, nat_ip, server),
        (server, nat_ip, server, nat_ip),
        (nat_ip, client, server, client),
    }
    assert (on_nat["instance_id"].isna()).all()
    inst = _on(s, "app-1")
    assert set(zip(inst["srcaddr"].astype(str), inst["dstaddr"].astype(str), strict=True)) == {
        (client, server),
        (server, client),
    }
    assert set(inst["action"].astype(str)) == {"ACCEPT"}


def test_skipdata_gap_hides_the_connections():
    s = run("skipdata_gap")
    assert s.truth["expected"].tolist() == ["INCOMPLETE_DATA", "data_quality"]
    t = s.truth.iloc[0]
    f = s.flows
    eni = s.topology.instance("web-1").eni.id
    skipped = f[(f["interface_id"] == eni) & (f["log_status"] == "SKIPDATA")]
    assert len(skipped) >= 9
    assert skipped["srcaddr"].isna().all() and skipped["action"].isna().all()
    assert not (f["srcaddr"].astype(str) == t["src"]).any()


def test_intra_vpc_connection_is_logged_on_both_enis():
    s = sim.simulate("baseline", duration="10min", format="v5", start="2025-06-02T14:00Z")
    f = _ok(s)
    web = {e.eni.private_ip for e in s.topology.instances if e.role == "web"}
    calls = f[f["srcaddr"].astype(str).isin(web) & (f["dstport"] == 8080)]
    per_flow = calls.groupby(["srcaddr", "srcport"], observed=True)["interface_id"].nunique()
    assert (per_flow == 2).all()


def test_a_change_in_force_for_a_while():
    s = sim.simulate(
        "nacl_blocks_return",
        duration="2h",
        at="30min",
        length="45min",
        start="2025-06-02T12:00Z",
        format="v5",
    )
    t = s.truth.iloc[0]
    lo, hi = pd.Timestamp("2025-06-02T12:30Z"), pd.Timestamp("2025-06-02T13:15Z")
    assert lo <= t["start"] <= t["end"] < hi
    db = _on(s, "db-1")
    answers = db[db["flow_direction"] == "egress"]
    rejected = answers[answers["action"] == "REJECT"]
    assert len(rejected) and rejected["start"].between(lo, hi).all()
    before_after = answers[(answers["end"] < lo - pd.Timedelta("2min")) | (answers["start"] > hi)]
    assert len(before_after) and set(before_after["action"].astype(str)) == {"ACCEPT"}


def test_overlapping_windows_combine():
    s = sim.simulate(
        ["sg_blocks_inbound", "connection_refused"],
        duration="1h",
        scale=0,
        format="v5",
        sg_blocks_inbound={"at": "10min", "length": "20min"},
        connection_refused={"at": "20min", "length": "30min"},
    )
    f = _ok(s)
    t0 = pd.Timestamp(s.start)
    rejected = f[f["action"] == "REJECT"]
    assert (
        len(rejected)
        and rejected["start"].between(t0 + pd.Timedelta("10min"), t0 + pd.Timedelta("30min")).all()
    )
    rst = f[f["tcp_flags"] == 4]
    assert len(rst) and rst["start"].between(t0 + pd.Timedelta("20min"), t0 + pd.Timedelta("50min")).all()


def test_window_outside_the_simulation_is_an_error():
    with pytest.raises(ValueError, match="'at' must fall inside the simulation"):
        sim.simulate("no_response", duration="1h", at="2h")


@pytest.mark.parametrize(
    ("scenario", "verdict"),
    [
        ("ipv6_sg_missing_rule", "INBOUND_BLOCKED_SG_OR_NACL"),
        ("ipv6_nacl_blocks_return", "NACL_INBOUND_BLOCKS_RETURN"),
    ],
)
def test_ipv6_scenarios_break_ipv6_only(scenario, verdict):
    import ipaddress

    s = sim.simulate(scenario, duration="1h", format="v3")
    t = s.truth.iloc[0]
    assert t["expected"] == verdict
    assert ipaddress.ip_address(t["src"]).version == 6 and ipaddress.ip_address(t["dst"]).version == 6
    f = s.flows[s.flows["log_status"] == "OK"]
    six = f[f["type"] == "IPv6"]
    assert len(six) and set(six["srcaddr"].astype(str)) | set(six["dstaddr"].astype(str)) == {
        t["src"],
        t["dst"],
    }
    # the VPC side's address is in its subnet's IPv6 /64
    inside = t["dst"] if verdict.startswith("INBOUND") else t["src"]
    sub = s.topology.subnet(str(f.loc[f["dstaddr"] == inside, "subnet_id"].iloc[0]))
    assert ipaddress.ip_address(inside) in ipaddress.ip_network(sub.ipv6_cidr)
    # an IPv6 SYN is 80 bytes (a 40-byte header): the unanswered requests carry no more
    req = six[six["srcaddr"] == t["src"]]
    assert (req["bytes"] <= 80 * req["packets"]).all() and (req["bytes"] > 60 * req["packets"]).any()
    # the IPv4 traffic of the same hosts still works
    four = f[f["type"] == "IPv4"]
    assert len(four) and (four["action"] == "ACCEPT").mean() > 0.9
    assert not (s.truth["kind"] == "consequence").any()
