"""Properties AWS's semantics guarantee, whatever rules a learner deletes (Hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flownb.sim as sim
from flownb.sim import Topology

_BASE = Topology.default()
_NACL_RULES = [
    (a.name, d, r.number) for a in _BASE.network_acls for d in ("inbound", "outbound") for r in a.rules(d)
]
_SG_RULES = [
    (g.name, d, k) for g in _BASE.security_groups for d in ("inbound",) for k in range(len(g.inbound))
]


def _edited(nacl_drop: list[int], sg_drop: list[int]) -> Topology:
    topo = _BASE.copy()
    for i in set(nacl_drop):
        name, direction, number = _NACL_RULES[i]
        acl = topo.network_acl(name)
        setattr(acl, direction, [r for r in getattr(acl, direction) if r.number != number])
    gone: dict[str, set[int]] = {}
    for i in set(sg_drop):
        name, _, k = _SG_RULES[i]
        gone.setdefault(name, set()).add(k)
    for name, ks in gone.items():
        g = topo.security_group(name)
        g.inbound = [r for k, r in enumerate(g.inbound) if k not in ks]
    return topo


def _subnet_of(topo: Topology) -> dict[str, str]:
    out = {}
    for inst in topo.instances:
        for e in inst.interfaces:
            out[e.private_ip] = e.subnet
    for nat in topo.nat_gateways:
        out[nat.private_ip] = nat.subnet
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nacl_drop=st.lists(st.integers(0, len(_NACL_RULES) - 1), max_size=4),
    sg_drop=st.lists(st.integers(0, len(_SG_RULES) - 1), max_size=3),
    seed=st.integers(0, 50),
)
def test_semantics_hold_for_any_rule_deletions(nacl_drop, sg_drop, seed):
    topo = _edited(nacl_drop, sg_drop)
    s = sim.simulate(duration="10min", start="2025-06-02T14:00Z", topology=topo, seed=seed, format="v5")
    f = s.flows[s.flows["log_status"] == "OK"]
    sub = _subnet_of(topo)
    eni_ip = {e.id: e.private_ip for inst in topo.instances for e in inst.interfaces}
    eni_ip |= {n.interface.id: n.private_ip for n in topo.nat_gateways}
    local = f["interface_id"].astype(str).map(eni_ip)
    peer = f["srcaddr"].astype(str).where(f["flow_direction"] == "ingress", f["dstaddr"].astype(str))
    same_subnet = local.map(sub) == peer.map(sub)

    # 1. security groups are stateful: an answer (SYN-ACK, RST) is only ever rejected by a network ACL,
    #    so never between two interfaces of the same subnet (where no ACL applies)
    answers = f["tcp_flags"].isin([18, 19, 4]) & (f["action"] == "REJECT")
    assert not (answers & same_subnet).any()

    # 2. a rejected answer leaving an interface follows a request that interface accepted
    out_rej = f[answers & (f["flow_direction"] == "egress")]
    inbound = f[(f["flow_direction"] == "ingress") & (f["action"] == "ACCEPT")]
    req_keys = set(
        zip(
            inbound["interface_id"].astype(str),
            inbound["srcaddr"].astype(str),
            inbound["srcport"].astype(int),
            inbound["dstport"].astype(int),
            strict=True,
        )
    )
    for row in out_rej.itertuples():
        assert (str(row.interface_id), str(row.dstaddr), int(row.dstport), int(row.srcport)) in req_keys

    # 3. traffic rejected where it leaves a client never shows up on the server
    rejected_out = f[(f["flow_direction"] == "egress") & (f["action"] == "REJECT") & f["tcp_flags"].isin([2])]
    seen_in = set(
        zip(
            f.loc[f["flow_direction"] == "ingress", "srcaddr"].astype(str),
            f.loc[f["flow_direction"] == "ingress", "srcport"].astype(int),
            f.loc[f["flow_direction"] == "ingress", "dstport"].astype(int),
            strict=True,
        )
    )
    for row in rejected_out.itertuples():
        assert (str(row.srcaddr), int(row.srcport), int(row.dstport)) not in seen_in

    # 4. one record per interface, direction and 5-tuple per interval
    key = ["interface_id", "flow_direction", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "start"]
    assert not f.duplicated(key).any()
    assert ((f["end"] - f["start"]) < pd.Timedelta("60s")).all()
