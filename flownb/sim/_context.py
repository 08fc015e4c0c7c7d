"""What a scenario works with while a simulation is built: the topology, the clock, injections and truth.

Examples
--------
>>> from flownb.sim._context import parse_duration
>>> parse_duration("90min"), parse_duration("1 day"), parse_duration(600)
(5400.0, 86400.0, 600.0)
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from .._durations import duration_seconds
from ._topology import Instance, Topology, ip_int, protocol_number
from ._traffic import Connections, Endpoints, ephemeral_ports, poisson_times

__all__ = ["TRUTH_COLUMNS", "Context", "Target", "parse_duration"]

TRUTH_COLUMNS = [
    "scenario",
    "label",
    "kind",
    "expected",
    "src",
    "dst",
    "dst_port",
    "protocol",
    "start",
    "end",
    "interface_id",
    "src_name",
    "dst_name",
    "details",
]


def parse_duration(value: Any, what: str = "duration") -> float:
    """Seconds in a duration given as seconds, ``"90min"``/``"1h"``/``"1 day"`` or a Timedelta.

    flownb's one duration parser (:func:`flownb._durations.duration_seconds`), as a float for the clock.
    """
    return float(duration_seconds(value, name=what, minimum=0))


@dataclass
class Target:
    """A resolved host: an interface of the VPC (``ep`` >= 0) or an outside address."""

    name: str
    ip: int
    ep: int = -1
    windows: bool = False
    instance: Instance | None = None

    @property
    def address(self) -> str:
        return f"{self.ip >> 24 & 255}.{self.ip >> 16 & 255}.{self.ip >> 8 & 255}.{self.ip & 255}"


@dataclass
class Context:
    """The state scenarios edit: the topology (phase 1), then the traffic and truth (phase 2)."""

    topo: Topology
    start: float
    end: float
    interval: int
    scale: float
    seed: int
    eps: Endpoints | None = None
    conns: list[Connections] = field(default_factory=list)
    truth: list[dict] = field(default_factory=list)
    skip: list[tuple[str, float, float]] = field(default_factory=list)
    skip_rate: float = 0.0
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    scenario: str = ""
    _events: int = 0

    @property
    def duration(self) -> float:
        return self.end - self.start

    def rng(self, name: str) -> np.random.Generator:
        """A random generator of its own for each scenario, so scenarios compose without changing each other."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def time(self, at: Any, what: str = "at") -> float:
        """A moment of the simulation: a fraction (0-1) of it, an offset (``"30min"``, seconds) or a timestamp."""
        if isinstance(at, bool):
            raise ValueError(f"'{what}' must be a fraction, an offset or a timestamp, got {at!r}")
        if isinstance(at, (float, int, np.floating, np.integer)):
            return self.start + (float(at) * self.duration if 0 <= at <= 1 else float(at))
        if isinstance(at, str):
            try:
                return self.start + pd.Timedelta(at).total_seconds()
            except ValueError:
                pass
        if isinstance(at, (str, pd.Timestamp, datetime)):
            try:
                ts = pd.Timestamp(at)
            except ValueError as exc:
                raise ValueError(
                    f"'{what}' must be a fraction (0.5), an offset ('30min') or a timestamp, got {at!r}"
                ) from exc
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            return ts.timestamp()
        return self.start + parse_duration(at, what)

    # -- hosts --------------------------------------------------------------
    def target(self, who: str | int) -> Target:
        """Resolve an instance (name, id, IP), an external group (its first host) or an outside IP."""
        who = str(who)
        for inst in self.topo.instances:
            if who in (inst.name, inst.id) or any(
                who in (e.private_ip, e.public_ip, e.id) for e in inst.interfaces
            ):
                ep = self._ep_of(inst)
                return Target(inst.name, ip_int(inst.private_ip), ep, inst.os == "windows", inst)
        if who in self.topo.external:
            return Target(who, ip_int(self.topo.external[who][0]))
        try:
            return Target(who, ip_int(who))
        except ValueError:
            pass
        names = [i.name for i in self.topo.instances] + list(self.topo.external)
        import difflib

        close = difflib.get_close_matches(who, names, n=3)
        hint = f"; did you mean {close}?" if close else f"; use one of {names} or an IP address"
        raise ValueError(f"{self.scenario}: no host {who!r} in this topology{hint}")

    def _ep_of(self, inst: Instance, k: int = 0) -> int:
        if self.eps is None:
            return -1
        eni = inst.interfaces[k]
        return next(i for i, e in enumerate(self.eps.enis) if e is eni)

    def ep_of_interface(self, eni_name_or_id: str) -> int:
        assert self.eps is not None
        for i, e in enumerate(self.eps.enis):
            if eni_name_or_id in (e.id, e.name):
                return i
        raise ValueError(f"{self.scenario}: no network interface {eni_name_or_id!r}")

    # -- injection ----------------------------------------------------------
    def new_event(self) -> int:
        self._events += 1
        return self._events - 1

    def connect(
        self,
        client: Target,
        server: Target,
        port: int | np.ndarray,
        protocol: str | int,
        times: np.ndarray,
        rng: np.random.Generator,
        *,
        event: int = -1,
        sport: int | np.ndarray | None = None,
        **values: Any,
    ) -> Connections:
        """Add connections from client to server at the given times; returns them."""
        n = len(times)
        proto = protocol_number(protocol)
        if sport is None:
            sport = ephemeral_ports(rng, np.full(n, client.windows)) if proto in (6, 17) else 0
        ep_s = values.pop("s_ep", server.ep)
        if server.ep < 0 and self.eps is not None and ep_s < 0:
            ep_s = self.eps.index_of_ip(np.full(n, server.ip, dtype=np.uint32))
        conns = Connections.make(
            n,
            t0=np.asarray(times, dtype=np.float64),
            c_ep=client.ep,
            s_ep=ep_s,
            c_ip=client.ip,
            s_ip=server.ip,
            c_port=sport,
            s_port=port if proto in (6, 17) else 0,
            proto=proto,
            event=event,
            **values,
        )
        self.conns.append(conns)
        return conns

    def arrivals(
        self,
        rng: np.random.Generator,
        per_hour: float,
        t_from: float | None = None,
        t_to: float | None = None,
    ) -> np.ndarray:
        """Poisson arrival times (no daily pattern) at ``per_hour``, at least one."""
        lo = self.start if t_from is None else t_from
        hi = self.end if t_to is None else t_to
        t = poisson_times(rng, lo, hi, per_hour / 60.0, profile=False)
        if not len(t):
            t = np.array([lo + (hi - lo) * rng.random()])
        return t

    def add_truth(
        self,
        label: str,
        kind: str,
        expected: str,
        src: str | None,
        dst: str | None,
        dst_port: int | None,
        protocol: str | int | None,
        start: float,
        end: float,
        *,
        interface_id: str | None = None,
        src_name: str | None = None,
        dst_name: str | None = None,
        details: str = "",
    ) -> None:
        self.truth.append(
            {
                "scenario": self.scenario,
                "label": label,
                "kind": kind,
                "expected": expected,
                "src": src,
                "dst": dst,
                "dst_port": dst_port,
                "protocol": None if protocol is None else protocol_number(protocol),
                "start": int(np.floor(start)),
                "end": int(np.floor(end)),
                "interface_id": interface_id,
                "src_name": src_name,
                "dst_name": dst_name,
                "details": details,
            }
        )

    def truth_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.truth, columns=TRUTH_COLUMNS)
        for col in (
            "scenario",
            "label",
            "kind",
            "expected",
            "src",
            "dst",
            "interface_id",
            "src_name",
            "dst_name",
            "details",
        ):
            df[col] = df[col].astype("string")
        df["dst_port"] = df["dst_port"].astype("UInt16")
        df["protocol"] = df["protocol"].astype("UInt8")
        for col in ("start", "end"):
            df[col] = pd.to_datetime(df[col].astype("int64"), unit="s", utc=True).astype("datetime64[s, UTC]")
        return df
