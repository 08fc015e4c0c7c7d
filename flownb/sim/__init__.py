"""The VPC twin: simulated flow logs with real security-group and network-ACL semantics.

``simulate(scenario, ...)`` models a VPC (:class:`Topology`), generates its
traffic, evaluates every connection against security groups (stateful),
network ACLs (stateless) and routes the way AWS does, and writes the records
AWS would write, with the ground truth of what each scenario injected.

Examples
--------
>>> import flownb.sim as sim
>>> s = sim.simulate("sg_blocks_inbound", duration="10min", scale=0)
>>> s.truth["expected"].tolist()
['INBOUND_BLOCKED_SG_OR_NACL']
>>> db2 = s.topology.instance("db-2").eni.id
>>> ok = s.flows[s.flows["log_status"] == "OK"]
>>> ok.loc[ok["interface_id"] == db2, "action"].unique().tolist()
['REJECT']
"""

from __future__ import annotations

from ._simulation import DEFAULT_START, Simulation, scenarios, simulate
from ._topology import (
    Demand,
    EgressOnlyInternetGateway,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkAclRule,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Service,
    Subnet,
    Topology,
    TransitGateway,
)

__all__ = [
    "DEFAULT_START",
    "Demand",
    "EgressOnlyInternetGateway",
    "Instance",
    "InternetGateway",
    "NatGateway",
    "NetworkAcl",
    "NetworkAclRule",
    "NetworkInterface",
    "Route",
    "RouteTable",
    "SecurityGroup",
    "SecurityGroupRule",
    "Service",
    "Simulation",
    "Subnet",
    "Topology",
    "TransitGateway",
    "scenarios",
    "simulate",
]
