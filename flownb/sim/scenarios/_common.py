"""Helpers the scenarios share: hosts, windows, injected connections and their truth."""

from __future__ import annotations

import ipaddress
from typing import Any

import numpy as np
import pandas as pd

from .._context import Context, Target, parse_duration
from .._topology import Instance, protocol_number
from . import Injector


def _instance(ctx: Context, who: str, what: str) -> Instance:
    t = ctx.target(who)
    if t.instance is None:
        raise ValueError(f"{ctx.scenario}: {what} must be an instance of the topology, got {who!r}")
    return t.instance


def _ephemeral_rules(rules: list, lo_min: int = 1024) -> list:
    return [
        r
        for r in rules
        if r.action == "allow"
        and protocol_number(r.protocol) in (6, -1)
        and r.ports[1] == 65535
        and lo_min <= r.ports[0] <= 49152
    ]


def _remove_ephemeral_rules(ctx: Context, acl: Any, direction: str) -> str:
    """Remove a network ACL's ephemeral-port allow rules in one direction; return their numbers as text."""
    current = getattr(acl, direction)
    gone = _ephemeral_rules(current)
    if not gone:
        raise ValueError(
            f"{ctx.scenario}: the network ACL {acl.name} has no {direction} ephemeral-port rule to remove"
        )
    setattr(acl, direction, [r for r in current if r not in gone])
    return ", ".join(str(r.number) for r in gone)


def _window(ctx: Context, at: Any, length: Any) -> tuple[float, float]:
    t0 = ctx.time(at)
    t1 = min(ctx.end, t0 + parse_duration(length, "length"))
    if t0 >= ctx.end:
        raise ValueError(f"{ctx.scenario}: 'at' falls after the end of the simulation")
    return t0, t1


def _free_address(cidr: str, used: set[str], host: int = 50) -> str:
    """An address of the subnet no interface has (from .50 on; AWS reserves the first four and the last)."""
    net = ipaddress.IPv4Network(cidr)
    for k in range(host, net.num_addresses - 1):
        ip = str(net.network_address + k)
        if ip not in used:
            used.add(ip)
            return ip
    raise ValueError(f"subnet {cidr} has no free address left")


def _at_least_one(ctx: Context, **values: Any) -> None:
    for name, value in values.items():
        rate = name.startswith("per_") or name.endswith("_per_minute")
        if not isinstance(value, (int, float, np.integer, np.floating)) or (
            value <= 0 if rate else value < 1
        ):
            what = "more than 0" if rate else "1 or more"
            raise ValueError(f"{ctx.scenario}: '{name}' must be {what}, got {value!r}")


def _change_window(ctx: Context, at: Any, length: Any) -> tuple[float, float] | None:
    """The time a change is in force (``at``/``length``), or None for the whole simulation."""
    if at is None and length is None:
        return None
    t0 = ctx.time(0.0 if at is None else at)
    t1 = ctx.end if length is None else min(ctx.end, t0 + parse_duration(length, "length"))
    if not ctx.start <= t0 < ctx.end:
        raise ValueError(f"{ctx.scenario}: 'at' must fall inside the simulation, got {at!r}")
    ctx.windows[ctx.scenario] = (t0, t1)
    return (t0, t1)


def _verdict_injector(
    client: str,
    server: str,
    port: int,
    protocol: str,
    per_hour: float,
    expected: str,
    label: str,
    details: str,
    kind: str = "verdict",
    duration: float = 1.0,
    window: tuple[float, float] | None = None,
    **conn: Any,
) -> Injector:
    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        c, s = ctx.target(client), ctx.target(server)
        times = ctx.arrivals(rng, per_hour, *(window or (None, None)))
        ev = ctx.new_event()
        n = len(times)
        ctx.connect(
            c,
            s,
            port,
            protocol,
            times,
            rng,
            event=ev,
            dur=duration * np.exp(0.5 * rng.standard_normal(n)),
            req_bytes=(800 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            resp_bytes=(6000 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            **conn,
        )
        eni = s.instance.eni.id if s.instance is not None else (c.instance.eni.id if c.instance else None)
        when = ""
        if window is not None:
            lo, hi = (pd.Timestamp(t, unit="s", tz="UTC") for t in window)
            when = f"; in force from {lo:%Y-%m-%d %H:%M:%S} to {hi:%Y-%m-%d %H:%M:%S} UTC only"
        ctx.add_truth(
            label,
            kind,
            expected,
            c.address,
            s.address,
            port,
            protocol,
            float(times.min()),
            float(times.max()),
            interface_id=eni,
            src_name=c.name,
            dst_name=s.name,
            details=details + when,
        )

    return inject


def _detector_truth(
    ctx: Context,
    label: str,
    detector: str,
    src: Target,
    dst: Target | None,
    port: int | None,
    protocol: str | int | None,
    t0: float,
    t1: float,
    details: str,
    interface: str | None = None,
) -> None:
    if interface is None:
        inst = dst.instance if dst is not None and dst.instance is not None else src.instance
        interface = inst.eni.id if inst is not None else None
    ctx.add_truth(
        label,
        "detector",
        detector,
        src.address,
        None if dst is None else dst.address,
        port,
        protocol,
        t0,
        t1,
        interface_id=interface,
        src_name=src.name,
        dst_name=None if dst is None else dst.name,
        details=details,
    )
