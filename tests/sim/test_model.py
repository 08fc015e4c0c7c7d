"""The model a learner edits: topology, rules, formats, intervals, what AWS never logs, and errors for people."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
import flownb.sim as sim
from flownb import schema
from flownb.sim import NetworkAclRule, SecurityGroupRule, Topology

from .helpers import assert_same_frame


def ok(s: sim.Simulation) -> pd.DataFrame:
    return s.flows[s.flows["log_status"] == "OK"]


def test_default_topology_reads_like_a_study_guide():
    topo = Topology.default()
    text = topo.describe()
    for word in ("public-a", "app-a", "db-a", "bastion", "NAT gateway", "network ACL", "* DENY"):
        assert word in text
    assert {i.role for i in topo.instances} >= {"web", "app", "db", "bastion"}
    assert topo.dns_server == "10.0.0.2"
    assert "<table>" in topo._repr_html_()
    assert "Topology three-tier" in repr(topo)


def test_learner_edits_a_nacl_and_sees_the_records_change():
    topo = Topology.default()
    # the classic mistake: the db subnets' ACL answers only to 1024-2048
    acl = topo.network_acl("db-nacl")
    acl.outbound[0] = NetworkAclRule(100, "allow", "tcp", (1024, 2048), "10.0.0.0/16")
    s = sim.simulate(duration="10min", topology=topo, start="2025-06-02T14:00Z", format="v5")
    f = ok(s)
    db = f[f["interface_id"].isin([topo.instance("db-1").eni.id, topo.instance("db-2").eni.id])]
    answers = db[db["flow_direction"] == "egress"]
    assert set(answers["action"].astype(str)) == {"REJECT"}
    assert set(db.loc[db["flow_direction"] == "ingress", "action"].astype(str)) == {"ACCEPT"}
    # the caller's topology is not changed by simulating
    assert topo.network_acl("db-nacl").outbound[0].ports == (1024, 2048)
    assert s.topology is not topo


def test_deny_rule_before_allow_wins():
    topo = Topology.default()
    topo.network_acl("public-nacl").inbound.append(NetworkAclRule(50, "deny", "tcp", 443, "0.0.0.0/0"))
    s = sim.simulate(duration="10min", topology=topo, start="2025-06-02T14:00Z")
    f = ok(s)
    https = f[(f["dstport"] == 443) & f["dstaddr"].astype(str).isin(["10.0.0.10", "10.0.1.10"])]
    assert len(https) and set(https["action"].astype(str)) == {"REJECT"}


def test_security_group_rule_by_group_reference():
    topo = Topology.default()
    app = topo.security_group("app-sg")
    app.inbound = [r for r in app.inbound if r.ports != (8080, 8080)]
    app.inbound.append(SecurityGroupRule("tcp", 8080, group=topo.security_group("web-sg").id))
    s = sim.simulate(duration="10min", topology=topo, start="2025-06-02T14:00Z")
    f = ok(s)
    calls = f[(f["dstport"] == 8080) & f["dstaddr"].astype(str).isin(["10.0.10.10", "10.0.11.10"])]
    assert len(calls) and set(calls["action"].astype(str)) == {"ACCEPT"}


def test_aws_never_logs_dns_metadata_time_sync():
    s = sim.simulate(duration="30min", format="v5")
    cols = ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")
    addrs = set().union(*(set(s.flows[c].dropna().astype(str)) for c in cols))
    assert not addrs & {"10.0.0.2", "169.254.169.254", "169.254.169.123"}
    assert 53 not in set(ok(s)["dstport"].astype(int))


def test_idle_interfaces_get_nodata_every_interval():
    s = sim.simulate(duration="30min", scale=0)
    f = s.flows
    assert set(f["log_status"].astype(str)) == {"NODATA"}
    per_eni = f.groupby("interface_id", observed=True).size()
    # every whole interval of the half hour; the two cut by its start and end (the phase) get none
    assert per_eni.between(29, 30).all()
    # and each NODATA record spans its whole interval, as AWS writes it
    assert ((f["end"] - f["start"]) == pd.Timedelta("59s")).all()
    assert (f["start"] >= s.start).all() and (f["end"] < s.end).all()
    row = f.iloc[0]
    for col in ("srcaddr", "dstaddr", "srcport", "packets", "action"):
        assert pd.isna(row[col])


def test_skipdata_rate():
    s = sim.simulate(duration="1h", skipdata_rate=0.05)
    assert (s.flows["log_status"] == "SKIPDATA").sum() > 5


def test_records_cover_one_interval_and_flags_are_or_ed():
    s = sim.simulate("exfiltration", duration="1h", scale=0, format="v3", length="20min")
    f = ok(s)
    assert ((f["end"] - f["start"]) < pd.Timedelta("60s")).all()
    flags = f.groupby("srcport", observed=True)["tcp_flags"].agg(lambda x: sorted(set(x.astype(int))))
    # a long connection: SYN (or SYN-ACK) first, nothing in between, FIN last
    assert any(v == [0, 1, 2] or v == [0, 1, 18] for v in flags)


def test_interval_600():
    s = sim.simulate(duration="2h", interval=600, start="2025-06-02T14:00Z")
    f = ok(s)
    assert ((f["end"] - f["start"]) < pd.Timedelta("600s")).all()
    assert (f["end"] - f["start"]).max() > pd.Timedelta("60s")


def test_linux_and_windows_ephemeral_ports():
    s = sim.simulate(duration="1h", start="2025-06-02T14:00Z", format="v5")
    f = ok(s)
    linux = f[(f["srcaddr"] == "10.0.0.10") & (f["dstport"] == 8080)]["srcport"].astype(int)
    assert linux.between(32768, 60999).all()
    s = sim.simulate("nat_gateway", duration="1h", client="win-1", server="52.94.236.248", scale=0)
    win = ok(s)
    win = win[win["srcaddr"] == "10.0.2.20"]["srcport"].astype(int)
    assert len(win) and win.between(49152, 65535).all()


@pytest.mark.parametrize("fmt", [None, "v3", "v4", "v5", "${srcaddr} ${dstaddr} ${action} ${log-status}"])
def test_any_format(fmt, tmp_path):
    s = sim.simulate("nat_gateway", duration="10min", format=fmt)
    names = sim._simulation.format_fields(fmt)
    assert list(s.flows.columns) == [schema.column_name(n) for n in names]
    for col in s.flows.columns:
        assert str(s.flows[col].dtype) == schema.dtype_for(col)
    if "version" in s.flows:
        assert int(s.flows["version"].iloc[0]) == {None: 2, "v3": 3, "v4": 4, "v5": 5}[fmt]
    s.write(str(tmp_path))
    assert_same_frame(flownb.read_flow_logs(str(tmp_path), errors="raise"), s.flows)
    assert s.flows.flow.formats == (schema.format_string(names),)


def test_daily_pattern_busier_afternoon_than_night():
    s = sim.simulate(duration="1 day", format="v2")
    f = ok(s)
    per_hour = f.groupby(f["start"].dt.hour).size()
    assert per_hour[14] > 2.5 * per_hour[3]


def test_scale_multiplies_traffic():
    a = len(ok(sim.simulate(duration="30min", scale=1)))
    b = len(ok(sim.simulate(duration="30min", scale=3)))
    assert 2.3 < b / a < 3.7


def test_scenarios_listing():
    table = sim.scenarios()
    names = table["name"].tolist()
    assert names[:2] == ["baseline", "nacl_blocks_return"]
    assert len(names) == 25
    assert {"nacl_change_midday", "sg_fix_after_incident"} <= set(
        names
    )  # issue 18: rules that change mid-day
    assert table["description"].str.len().gt(20).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenario": "nacl_block_return"}, r"did you mean 'nacl_blocks_return'\?"),
        ({"scenario": []}, "at least one scenario"),
        ({"interval": 30}, r"'interval' must be one of \[60, 600\], got 30"),
        ({"duration": "soon"}, "'duration' must be a duration"),
        ({"scale": -1}, "'scale' must be 0 or more"),
        ({"scenario": "port_scan", "prots": 10}, r"did you mean \['ports'\]"),
        ({"scenario": "port_scan", "target": "web-9"}, r"no host 'web-9'.*did you mean"),
        ({"format": "${srcaddr} ${src addr}"}, "format"),
        ({"port_scan": {"ports": 3}}, "not among the scenarios"),
    ],
)
def test_errors_for_people(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sim.simulate(**{"duration": "10min", **kwargs})


def test_repr_of_simulation():
    s = sim.simulate("port_scan", duration="10min", scale=0)
    assert "port_scan" in repr(s) and "records" in repr(s)
    assert "vertical_scan" in s._repr_html_()


def test_outside_hosts_of_the_defaults_are_public_addresses():
    """Detectors classify addresses with ipaddress: the twin's internet hosts must be global ones."""
    import ipaddress

    from flownb.sim.scenarios import SCENARIOS

    topo = Topology.default()
    outside = [a for group in topo.external.values() for a in group]
    outside += [i.public_ip for i in topo.instances if i.public_ip] + [n.public_ip for n in topo.nat_gateways]
    for sc in SCENARIOS.values():
        for key, value in sc.parameters.items():
            named_host = key in ("source", "destination", "target", "server", "client")
            if sc.name == "route_blackhole" and key == "server":
                continue  # an on-premises host behind the (deleted) transit gateway: private by design
            if named_host and isinstance(value, str) and value[0].isdigit():
                outside.append(value)
    assert outside
    assert all(ipaddress.ip_address(a).is_global for a in outside), outside
    s = sim.simulate(duration="30min", start="2025-06-02T14:00Z")
    f = ok(s)
    ext = {
        a for a in set(f["srcaddr"].astype(str)) | set(f["dstaddr"].astype(str)) if not a.startswith("10.")
    }
    assert all(ipaddress.ip_address(a).is_global for a in ext)


def test_transit_gateway_route():
    from flownb.sim import Demand, Route, TransitGateway

    topo = Topology.default()
    topo.transit_gateway = TransitGateway("tgw-main", ["10.20.0.0/16"])
    topo.route_table("private-rt").routes.append(Route("10.20.0.0/16", topo.transit_gateway.id))
    topo.external["onprem"] = ["10.20.1.5"]
    topo.demands = [Demand("ldap", "app", "onprem", 443, per_minute=10)]
    topo.noise_per_minute = 0
    s = sim.simulate(duration="10min", topology=topo, start="2025-06-02T14:00Z", format="v5")
    f = ok(s)
    to_dc = f[f["dstaddr"] == "10.20.1.5"]
    assert len(to_dc) and set(to_dc["action"].astype(str)) == {"ACCEPT"}
    app_enis = {i.eni.id for i in topo.instances if i.role == "app"}
    assert set(to_dc["interface_id"].astype(str)) == app_enis
    back = f[f["srcaddr"] == "10.20.1.5"]
    assert len(back) == len(to_dc)
    # the attachment's interfaces (one per zone, in the app subnets) write their own records, as in the
    # VPC User Guide's transit gateway example: their own address on one side, the original in pkt-*
    attach = {e.id: e for e in topo.transit_gateway_interfaces()}
    assert len(attach) == 2
    at = f[f["interface_id"].astype(str).isin(attach)]
    inbound = at[at["flow_direction"] == "ingress"]
    outbound = at[at["flow_direction"] == "egress"]
    # the same packets (each interface splits them by its own aggregation intervals)
    assert inbound["packets"].sum() == to_dc["packets"].sum()
    assert outbound["packets"].sum() == back["packets"].sum()
    own = inbound["interface_id"].astype(str).map(lambda e: attach[e].private_ip)
    assert (inbound["dstaddr"].astype(str) == own).all()
    assert set(inbound["pkt_dstaddr"].astype(str)) == {"10.20.1.5"}
    assert set(inbound["srcaddr"].astype(str)) == {i.private_ip for i in topo.instances if i.role == "app"}
    assert set(outbound["pkt_srcaddr"].astype(str)) == {"10.20.1.5"}
    # each instance uses the attachment interface in its own zone
    zone = {e.id: topo.subnet(e.subnet).az for e in (*attach.values(), *(i.eni for i in topo.instances))}
    pairs = inbound.groupby(["srcaddr", "interface_id"], observed=True).size().reset_index()
    for src, eni in zip(pairs["srcaddr"].astype(str), pairs["interface_id"].astype(str), strict=True):
        assert zone[eni] == zone[topo.instance(src).eni.id]


def test_version_11_fields_say_where_each_record_goes_next():
    s = sim.simulate("nat_gateway", duration="10min", format="v11", start="2025-06-02T14:00Z")
    assert s.flows["version"].eq(11).all()
    f = ok(s)
    topo = s.topology
    nat = topo.nat_gateways[0].interface
    app = topo.instance("app-1").eni
    # the instance's interface has no interface-type; the NAT gateway's says what it is
    types = f.groupby("interface_id", observed=True)["interface_type"].first()
    assert types[nat.id] == "nat_gateway" and pd.isna(types[app.id])
    # an app server calling the internet: its requests go to the NAT gateway, which sends them on
    # through the internet gateway (no next-hop interface)
    out = f[
        (f["interface_id"] == app.id)
        & (f["flow_direction"] == "egress")
        & ~f["dstaddr"].str.startswith("10.")
    ]
    assert len(out) and set(out["next_hop_interface_id"].astype(str)) == {nat.id}
    assert set(out["next_hop_interface_type"].astype(str)) == {"nat_gateway"}
    assert set(out["next_hop_subnet_id"].astype(str)) == {topo.subnet(nat.subnet).id}
    assert set(out["next_hop_vpc_id"].astype(str)) == {topo.id}
    nat_out = f[(f["interface_id"] == nat.id) & (f["flow_direction"] == "egress") & (f["traffic_path"] == 8)]
    assert len(nat_out) and nat_out["next_hop_interface_id"].isna().all()
    # inside the VPC the next hop is the peer's interface, in its zone
    web_app = f[(f["interface_id"] == app.id) & (f["srcaddr"] == "10.0.0.10")]
    web = topo.instance("web-1").eni
    assert set(web_app["next_hop_interface_id"].astype(str)) == {web.id}
    assert set(web_app["next_hop_az_id"].astype(str)) == {topo.subnet(web.subnet).az_id}
    # tags: the twin's instances are tagged with their name and role, interfaces with their name
    row = f[f["interface_id"] == app.id].iloc[0]
    assert (row["instance_tag"], row["instance_tag_2"], row["interface_tag"]) == ("app-1", "app", app.name)
    # NODATA records carry no next hop
    assert s.flows.loc[s.flows["log_status"] == "NODATA", "next_hop_interface_id"].isna().all()


def test_unanswered_tcp_requests_are_syn_sized_in_every_interval():
    # a client that gets no SYN-ACK only resends SYNs: 60 bytes or less per packet, whichever
    # aggregation intervals its retries fall in
    for scenario in ("no_response", "sg_blocks_inbound", "nacl_blocks_inbound"):
        s = sim.simulate(scenario, duration="3h", scale=0)
        t = s.truth.iloc[0]
        f = ok(s)
        req = f[(f["srcaddr"] == t["src"]) & (f["dstaddr"] == t["dst"])]
        assert len(req) > 100
        assert (req["bytes"] <= 60 * req["packets"]).all(), scenario


def test_a_topology_built_from_scratch():
    from flownb.sim import (
        Demand,
        Instance,
        InternetGateway,
        NatGateway,
        NetworkAcl,
        NetworkAclRule,
        NetworkInterface,
        Route,
        RouteTable,
        SecurityGroup,
        Service,
        Subnet,
    )

    open_acl = NetworkAcl(
        "open", [NetworkAclRule(100, "allow", "all")], [NetworkAclRule(100, "allow", "all")]
    )
    igw = InternetGateway("lab-igw")
    nat = NatGateway("lab-nat", "front", "172.16.1.9", "3.90.1.2")
    rts = [
        RouteTable("front-rt", [Route("172.16.0.0/16", "local"), Route("0.0.0.0/0", igw.id)]),
        RouteTable("back-rt", [Route("172.16.0.0/16", "local"), Route("0.0.0.0/0", nat.id)]),
    ]
    subnets = [
        Subnet("front", "172.16.1.0/24", "eu-west-1a", "euw1-az1", True, "open", "front-rt"),
        Subnet("back", "172.16.2.0/25", "eu-west-1a", "euw1-az1", False, "open", "back-rt"),
    ]
    web_sg = SecurityGroup("web", [SecurityGroupRule("tcp", 443)])
    api_sg = SecurityGroup("api", [SecurityGroupRule("tcp", 9000, "172.16.0.0/16")])
    web = Instance("www", "web", [NetworkInterface("www0", "front", "172.16.1.5", "3.90.1.1", [web_sg.id])])
    web.services.append(Service(443))
    api = Instance("api", "api", [NetworkInterface("api0", "back", "172.16.2.5", None, [api_sg.id])])
    api.services.append(Service(9000))
    topo = Topology(
        "lab",
        "172.16.0.0/16",
        subnets,
        [web_sg, api_sg],
        [open_acl],
        rts,
        [web, api],
        [nat],
        igw,
        external={"pypi": ["151.101.0.223"]},
        demands=[
            Demand("site", "internet", "web", 443, per_minute=10),
            Demand("calls", "web", "api", 9000, per_minute=10),
            Demand("deps", "api", "pypi", 443, per_minute=2),
        ],
        region="eu-west-1",
    )
    s = sim.simulate(
        ["asymmetric_path", "port_sweep"],
        topology=topo,
        duration="20min",
        format="v5",
        client="www",
        source="api",
    )
    f = ok(s)
    assert set(f["region"].astype(str)) == {"eu-west-1"}
    assert f["dstaddr"].astype(str).str.startswith("172.16.").any()
    assert (f["dstport"] == 9000).any() and (f["srcaddr"] == "172.16.1.9").any()  # through the NAT gateway
    proxy = s.topology.instance("proxy-1")
    assert [e.private_ip for e in proxy.interfaces] == ["172.16.2.50", "172.16.1.50"]
    sweep = s.truth[s.truth["scenario"] == "port_sweep"].iloc[0]
    assert "64 addresses of 172.16.0.0/16" in sweep["details"]


def test_the_aws_ping_example_reproduced():
    """VPC User Guide: a ping allowed in by the security group, its reply rejected by the network ACL."""
    from flownb.sim import Demand

    topo = Topology.default()
    topo.security_group("web-sg").inbound.append(SecurityGroupRule("icmp", None, "0.0.0.0/0"))
    topo.network_acl("public-nacl").inbound.append(NetworkAclRule(150, "allow", "icmp", None, "0.0.0.0/0"))
    topo.demands = [
        Demand("ping", "admins", "web-1", 0, protocol="icmp", per_minute=2, request=56, response=56)
    ]
    topo.noise_per_minute = 0
    s = sim.simulate(duration="10min", topology=topo, format="v5")
    f = ok(s)
    assert set(f["protocol"].astype(int)) == {1}
    assert set(zip(f["flow_direction"].astype(str), f["action"].astype(str), strict=True)) == {
        ("ingress", "ACCEPT"),
        ("egress", "REJECT"),
    }
    assert (f["srcport"] == 0).all() and (f["dstport"] == 0).all()


@pytest.mark.parametrize(
    ("scenario", "kwargs", "message"),
    [
        ("port_sweep", {"hosts": 100_000}, "'hosts' must be at most"),
        ("ssh_brute_force", {"attempts": 0}, "'attempts' must be 1 or more"),
        ("nat_gateway", {"per_hour": 0}, "'per_hour' must be more than 0"),
        ("port_scan", {"ports": 0}, "'ports' must be between 1 and 65535"),
        ("unusual_protocol", {"protocol": "tcp"}, "must not be TCP, UDP or ICMP"),
        ("nacl_blocks_return", {"server": "52.94.236.248"}, "server must be an instance"),
    ],
)
def test_scenario_parameters_are_checked(scenario, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sim.simulate(scenario, duration="10min", **kwargs)


def test_slow_rates_are_allowed():
    s = sim.simulate("nat_gateway", duration="10min", per_hour=0.5, scale=0)
    assert len(s.truth) == 2
