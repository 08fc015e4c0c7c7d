"""``flownb.simulate``: flow log records of a modelled VPC, with the ground truth of what was injected."""

from __future__ import annotations

import html
import ipaddress
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _arrow
from .._provenance import Provenance, attach
from . import scenarios as _sc
from ._context import Context, parse_duration
from ._paths import Legs, connection_legs, never_logged_mask
from ._records import format_fields, merge_same_flow, split_intervals, status_records, to_table
from ._topology import Topology
from ._traffic import Connections, Endpoints, baseline_connections
from ._write import write

__all__ = ["DEFAULT_START", "Simulation", "scenarios", "simulate"]

#: Default start of a simulation: a fixed Monday, so results never depend on today's date.
DEFAULT_START = "2025-06-02T00:00:00Z"
_INTERVALS = (60, 600)


@dataclass
class Simulation:
    """The result of :func:`simulate`.

    Attributes
    ----------
    flows : pandas.DataFrame
        The records, typed per the DataFrame contract, as ``read_flow_logs``
        returns them for the files :meth:`write` produces.
    truth : pandas.DataFrame
        One row per injected event: scenario, label, kind (``verdict``,
        ``annotation``, ``timeline``, ``detector``, or ``consequence``: normal
        traffic a scenario's change broke besides its target, found by
        evaluating it against that change alone), expected (the verdict code
        or detector name), src, dst, dst_port, protocol, start, end,
        interface_id, src_name, dst_name, details.
    topology : Topology
        The VPC as simulated, with every scenario's change applied (a change
        given a window with ``at``/``length`` is in force only then).

    Examples
    --------
    The records of a port scan, and the ground truth of what was injected:

    >>> import flownb
    >>> s = flownb.simulate("port_scan", duration="10min", scale=0)
    >>> s.truth[["kind", "expected", "src_name", "dst_name"]].values.tolist()
    [['detector', 'vertical_scan', '185.220.101.45', 'web-1']]
    >>> scanner = s.flows["srcaddr"] == "185.220.101.45"
    >>> int(s.flows.loc[scanner, "dstport"].nunique()) > 100
    True
    """

    flows: pd.DataFrame
    truth: pd.DataFrame
    topology: Topology
    scenario: tuple[str, ...]
    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    interval: int
    format: tuple[str, ...]

    def write(
        self, directory: str, layout: str = "s3", *, compress: bool = True, prefix: str = ""
    ) -> list[str]:
        """Write the records the way AWS delivers them; returns the files written.

        Parameters
        ----------
        directory : str
            Where to write (created if needed).
        layout : {"s3", "s3-hive", "parquet", "cloudwatch"}
            ``"s3"``: gzip text objects with a header line under
            ``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/``, one every
            5 minutes; ``"s3-hive"``: the same under Hive-compatible prefixes
            with hourly partitions; ``"parquet"``: hourly Parquet objects in the
            S3 layout; ``"cloudwatch"``: one JSON-lines file per log stream (one
            stream per ENI, ``<eni>-all.json``), each line a CloudWatch Logs
            subscription ``DATA_MESSAGE`` holding a minute of events (timestamp
            and message). CloudWatch events carry no header: read them back
            with ``read_flow_logs(directory, format=sim.format)``.
        compress : bool, default True
            gzip the S3 text objects (``.log.gz``); False writes ``.log``.
        prefix : str, optional
            A folder before ``AWSLogs/`` (the S3 prefix a flow log may be given).

        Examples
        --------
        >>> import tempfile, flownb
        >>> from flownb.sim import simulate
        >>> sim = simulate("nacl_blocks_return", duration="10min")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     files = sim.write(d, layout="s3")
        ...     back = flownb.read_flow_logs(d)
        >>> len(back) == len(sim.flows)
        True
        """
        return write(
            self.flows, self.topology, self.format, directory, layout, compress=compress, prefix=prefix
        )

    def __repr__(self) -> str:
        return (
            f"<Simulation {'+'.join(self.scenario)} seed={self.seed}: {len(self.flows):,} records, "
            f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC, interval {self.interval}s, "
            f"{len(self.truth)} truth rows>"
        )

    def _repr_html_(self) -> str:
        counts = self.flows["action"].value_counts().to_dict() if "action" in self.flows else {}
        truth = self.truth[["scenario", "label", "kind", "expected", "src", "dst", "dst_port"]].to_html(
            index=False
        )
        return (
            f"<div><b>Simulation</b> {html.escape(' + '.join(self.scenario))} (seed {self.seed}): "
            f"{len(self.flows):,} records from {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC, "
            f"{self.interval} s intervals; actions {html.escape(str(counts))}<br/>"
            f"<b>Ground truth</b>{truth}</div>"
        )


def scenarios() -> pd.DataFrame:
    """The scenarios :func:`simulate` knows, with a one-line description and their parameters.

    Examples
    --------
    >>> import flownb.sim as sim
    >>> table = sim.scenarios()
    >>> table.loc[table["name"] == "nacl_blocks_return", "category"].item()
    'connectivity'
    """
    rows = [
        {
            "name": n,
            "category": cat,
            "description": d,
            "parameters": ", ".join(f"{k}={v!r}" for k, v in p.items()),
        }
        for n, cat, d, p in _sc.scenario_table()
    ]
    return pd.DataFrame(rows, columns=["name", "category", "description", "parameters"])


def _split_overrides(names: list[str], overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {n: {} for n in names}
    for key, value in overrides.items():
        if key in _sc.SCENARIOS:
            if key not in names:
                raise ValueError(
                    f"overrides for {key!r} given, but {key!r} is not among the scenarios {names}"
                )
            if not isinstance(value, dict):
                raise ValueError(f"'{key}' must be a dict of that scenario's parameters, got {value!r}")
            per[key].update(value)
            continue
        takers = [n for n in names if key in _sc.SCENARIOS[n].parameters]
        if not takers:
            import difflib

            known = sorted({p for n in names for p in _sc.SCENARIOS[n].parameters})
            close = difflib.get_close_matches(key, known, n=3)
            hint = f"; did you mean {close}?" if close else ""
            raise ValueError(
                f"no scenario among {names} takes the parameter {key!r}; they take {known}{hint}"
            )
        for n in takers:
            per[n].setdefault(key, value)
    for n in names:
        params = _sc.SCENARIOS[n].parameters
        bad = [k for k in per[n] if k not in params]
        if bad:
            raise ValueError(f"scenario {n!r} takes {sorted(params)}, got {bad}")
    return per


def _epochs(
    base: Topology, names: list[str], per: dict[str, dict[str, Any]], ctx: Context
) -> list[tuple[float, float, Topology]]:
    """Stretches of time with the VPC in force during each, when some changes last only a while.

    Scenarios given ``at``/``length`` change the VPC only then: each stretch
    between window edges gets a copy of the topology with the changes active
    in it (and every change without a window) applied again.
    """
    if not ctx.windows:
        return [(-np.inf, np.inf, ctx.topo)]
    edges = sorted(
        {ctx.start, ctx.end, *(t for w in ctx.windows.values() for t in w if ctx.start < t < ctx.end)}
    )
    out = []
    for lo, hi in itertools.pairwise(edges):
        epoch = Context(base.copy(), ctx.start, ctx.end, ctx.interval, ctx.scale, ctx.seed)
        for n in names:
            w = ctx.windows.get(n)
            if w is None or (w[0] < hi and w[1] > lo):
                epoch.scenario = n
                _sc.SCENARIOS[n].func(epoch, **per[n])
        out.append((lo, hi, epoch.topo))
    first, last = out[0], out[-1]
    out[0] = (-np.inf, first[1], first[2])
    out[-1] = (last[0], np.inf, last[2])
    return out


def _fingerprint(topo: Topology) -> str:
    """What decides whether traffic flows: rules, routes, interfaces, services and host firewalls."""
    hosts = [
        (i.name, [(v.port, v.protocol, v.listening) for v in i.services], i.firewall_drops)
        for i in topo.instances
    ]
    return topo.describe() + repr(hosts) + repr([(e.id, e.security_groups) for e in topo.interfaces()])


def _consequences(
    ctx: Context,
    changers: list[str],
    conns: Connections,
    outcome: np.ndarray,
    n_base: int,
    base: Topology,
    per: dict[str, dict[str, Any]],
) -> None:
    """Truth rows (kind ``consequence``) for the normal traffic a scenario's change broke besides its target.

    A rule edited for one pair often stops others (removing a subnet's outbound ephemeral-port rule
    also stops its hosts' own requests to ports 1024 and above). The baseline's own connections that
    fail are grouped by client, server, port, protocol and the verdict the twin expects, with the
    connectivity scenarios in force when they started.
    """
    from ._paths import OUTCOMES
    from ._topology import ip_int
    from ._traffic import KIND_NORMAL, NEVER_LOGGED

    if not changers or n_base == 0:
        return
    quiet = np.array([ip_int(a) for a in (*NEVER_LOGGED, ctx.topo.dns_server)], dtype=np.uint32)
    is_base = np.zeros(len(conns), dtype=bool)
    is_base[:n_base] = True
    idx = np.flatnonzero(is_base & (outcome > 0) & (conns.kind == KIND_NORMAL) & ~np.isin(conns.s_ip, quiet))
    if not len(idx):
        return
    t0 = conns.t0[idx]
    frame = pd.DataFrame(
        {
            "c": conns.c_ip[idx],
            "s": conns.s_ip[idx],
            "port": conns.s_port[idx],
            "proto": conns.proto[idx],
            "code": outcome[idx],
            "t0": t0,
            "t1": t0 + conns.dur[idx],
        }
    )
    keys = ["c", "s", "port", "proto", "code"]
    group = frame.groupby(keys, sort=True).ngroup().to_numpy()
    # the cause is looked for on up to 16 connections of each group, spread over its time
    order = np.lexsort((t0, group))
    sizes = np.bincount(group)
    firsts = np.cumsum(sizes) - sizes
    picks = np.concatenate(
        [
            f + np.unique(np.linspace(0, m - 1, min(16, m)).round().astype(np.int64))
            for f, m in zip(firsts, sizes, strict=True)
        ]
    )
    samp = order[picks]
    failed = conns.take(idx[samp])
    main_ids = [e.id for e in Endpoints(ctx.topo).enis]
    in_force = np.zeros(len(idx), dtype=np.int64)
    cause = np.zeros(len(samp), dtype=np.int64)
    for j, n in enumerate(changers):
        w = ctx.windows.get(n)
        on = np.ones(len(idx), bool) if w is None else (t0 >= w[0]) & (t0 < w[1])
        in_force |= on.astype(np.int64) << j
        # which change breaks it: the same failure with this scenario's change alone (interfaces
        # matched by id; a connection of an interface the change alone does not have is not its)
        alone = Context(base.copy(), ctx.start, ctx.end, ctx.interval, ctx.scale, ctx.seed)
        alone.scenario = n
        _sc.SCENARIOS[n].func(alone, **per[n])
        alone_eps = Endpoints(alone.topo)
        where = {e.id: k for k, e in enumerate(alone_eps.enis)}
        remap = np.array([where.get(i, -1) for i in main_ids] + [-1], dtype=np.int32)
        mine = failed.take(np.arange(len(samp)))
        lost = np.zeros(len(samp), dtype=bool)
        for col in ("c_ep", "s_ep", "r_ep"):
            ep = getattr(mine, col)
            moved = np.where(ep >= 0, remap[ep], -1).astype(np.int32)
            lost |= (ep >= 0) & (moved < 0)
            setattr(mine, col, moved)
        got = np.zeros(len(samp), dtype=np.int8)
        connection_legs(alone.topo, alone_eps, mine, np.random.default_rng(0), got)
        cause |= (on[samp] & ~lost & (got == outcome[idx[samp]])).astype(np.int64) << j
    frame["in_force"] = in_force
    agg = frame.groupby(keys, sort=True).agg(
        n=("t0", "size"), start=("t0", "min"), end=("t1", "max"), forced=("in_force", np.bitwise_or.reduce)
    )
    by_cause = pd.DataFrame({"g": group[samp], "cause": cause}).groupby("g", sort=True)["cause"]
    agg["every"] = by_cause.agg(np.bitwise_and.reduce).to_numpy()
    agg["some"] = by_cause.agg(np.bitwise_or.reduce).to_numpy()
    agg = agg.reset_index()

    def name_of(ip: str) -> str:
        for inst in ctx.topo.instances:
            if any(e.private_ip == ip for e in inst.interfaces):
                return inst.name
        for group, addrs in ctx.topo.external.items():
            if ip in addrs:
                return group
        return "internet"

    targets = {
        (t["src"], t["dst"], t["dst_port"], t["expected"]) for t in ctx.truth if t["kind"] == "verdict"
    }
    previous = ctx.scenario
    rows: list[dict[str, Any]] = agg.to_dict("records")  # type: ignore[assignment]
    for row in rows:
        # the changes that break all of the pair's failures, else any of them, else those in force
        mask = int(row["every"]) or int(row["some"]) or int(row["forced"])
        who = [n for j, n in enumerate(changers) if mask >> j & 1] or ["baseline"]
        src, dst = str(ipaddress.IPv4Address(int(row["c"]))), str(ipaddress.IPv4Address(int(row["s"])))
        if (src, dst, int(row["port"]), OUTCOMES[int(row["code"])]) in targets:
            continue  # the fault's own pair: its verdict row says it
        ctx.scenario = "+".join(who)
        code = OUTCOMES[int(row["code"])]
        ctx.add_truth(
            f"also broken: {name_of(src)} -> {name_of(dst)}:{int(row['port'])}",
            "consequence",
            code,
            src,
            dst,
            int(row["port"]),
            int(row["proto"]),
            float(np.floor(row["start"])),
            float(np.ceil(row["end"])),
            src_name=name_of(src),
            dst_name=name_of(dst),
            details=f"{int(row['n'])} connections of the normal traffic failed ({code}) while "
            f"{' + '.join(who)} was in force",
        )
    ctx.scenario = previous


def simulate(
    scenario: str | Sequence[str] = "baseline",
    *,
    seed: int = 0,
    start: Any = DEFAULT_START,
    duration: Any = "1h",
    interval: int = 60,
    format: str | Sequence[str] | None = None,
    topology: Topology | None = None,
    scale: float = 1.0,
    skipdata_rate: float = 0.0,
    **overrides: Any,
) -> Simulation:
    """Simulate the flow logs of a VPC, with scenarios injected and their ground truth.

    Every scenario runs on top of the topology's normal traffic (the
    ``baseline``); ``scale=0`` leaves only what the scenarios inject.

    Parameters
    ----------
    scenario : str or list of str, default "baseline"
        One or several names from :func:`scenarios` (``["port_scan", "exfiltration"]``).
    seed : int, default 0
        The same arguments and seed give the same records, byte for byte.
    start : timestamp or str, default "2025-06-02T00:00:00Z"
        Start of the simulated period (UTC).
    duration : str, Timedelta or seconds, default "1h"
        Length of the period (``"1h"``, ``"1 day"``).
    interval : {60, 600}, default 60
        The flow log's maximum aggregation interval in seconds.
    format : str or list of str, optional
        Record format: ``None`` (the default v2 format), ``"v3"``, ``"v4"``,
        ``"v5"``, ``"v11"`` (every field up to that version), an AWS format
        string or a list of field names. Version 11 adds ``interface-type``,
        the ``next-hop-*`` fields (the interface a record's packets go to, or
        come from; ``-`` for an internet gateway or no route) and the tag fields
        (``instance-tag``: the instance's name, ``instance-tag-2``: its role,
        ``interface-tag``: the interface's name).
    topology : Topology, optional
        The VPC to simulate (default :meth:`Topology.default`); it is copied,
        never changed.
    scale : float, default 1.0
        Multiplier of the baseline traffic rates.
    skipdata_rate : float, default 0.0
        Chance that an interface's interval is SKIPDATA (records dropped).
    **overrides
        Scenario parameters (``target="web-2"``), or a dict per scenario
        (``port_scan={"target": "web-2"}``). Times (``at``) are a fraction of
        the period (``0.5``), an offset from its start (``"10h05min"``, seconds)
        or a timestamp; lengths are durations (``"45min"``). Connectivity
        scenarios change the VPC for the whole period, or from ``at`` for
        ``length`` when given.

    Returns
    -------
    Simulation
        ``.flows``, ``.truth``, ``.topology`` and ``.write(directory, layout=...)``.

    Examples
    --------
    >>> import flownb.sim as sim
    >>> s = sim.simulate("nacl_blocks_return", duration="15min", scale=0)
    >>> s.truth.loc[0, ["expected", "src", "dst"]].tolist()
    ['NACL_OUTBOUND_BLOCKS_RETURN', '10.0.10.10', '10.0.20.10']
    >>> db = s.flows[(s.flows["interface_id"] == s.topology.instance("db-1").eni.id) & (s.flows["log_status"] == "OK")]
    >>> sorted(set(zip(db["dstport"].astype(int) == 5432, db["action"])))
    [(False, 'REJECT'), (True, 'ACCEPT')]
    """
    names = [scenario] if isinstance(scenario, str) else list(scenario)
    if not names:
        raise ValueError("'scenario' must name at least one scenario (see flownb.scenarios())")
    _sc.check_names(names)
    names = list(dict.fromkeys(names))
    if interval not in _INTERVALS:
        raise ValueError(f"'interval' must be one of {list(_INTERVALS)}, got {interval!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"'seed' must be an integer, got {seed!r}")
    if scale < 0:
        raise ValueError(f"'scale' must be 0 or more, got {scale!r}")
    if not 0 <= skipdata_rate <= 1:
        raise ValueError(f"'skipdata_rate' must be between 0 and 1, got {skipdata_rate!r}")
    fields = format_fields(format)
    secs = parse_duration(duration)
    if secs < interval:
        raise ValueError(f"'duration' must be at least one interval ({interval} s), got {duration!r}")
    t_start = pd.Timestamp(start)
    t_start = t_start.tz_localize("UTC") if t_start.tzinfo is None else t_start.tz_convert("UTC")
    t_start = t_start.floor("s")
    s0 = float(t_start.timestamp())
    s1 = s0 + float(np.floor(secs))
    per = _split_overrides(names, overrides)

    base = topology or Topology.default()
    topo = base.copy()
    ctx = Context(topo, s0, s1, interval, float(scale), int(seed), skip_rate=skipdata_rate)
    injectors = []
    changers = []  # the scenarios that change the VPC (its rules, routes or services)
    for n in names:  # phase 1: topology edits
        ctx.scenario = n
        before = _fingerprint(topo)
        injectors.append((n, _sc.SCENARIOS[n].func(ctx, **per[n])))
        if _fingerprint(topo) != before:
            changers.append(n)
    ctx.eps = eps = Endpoints(topo)
    epochs = _epochs(base, names, per, ctx)
    base_rng = np.random.default_rng([int(seed), 0])
    conns = [baseline_connections(topo, eps, base_rng, s0, s1, float(scale))]
    for n, inj in injectors:  # phase 2: injected traffic and truth
        ctx.scenario = n
        if inj is not None:
            inj(ctx)
    conns += ctx.conns
    all_conns = Connections.concat(conns)

    path_rng = np.random.default_rng([int(seed), 1])
    outcome = np.zeros(len(all_conns), dtype=np.int8)
    if len(epochs) == 1:
        legs = connection_legs(topo, eps, all_conns, path_rng, outcome)
    else:  # changes in force for a while: each stretch of time is evaluated against its own VPC
        parts = []
        for lo, hi, epoch_topo in epochs:
            sel = np.flatnonzero((all_conns.t0 >= lo) & (all_conns.t0 < hi))
            got = np.zeros(len(sel), dtype=np.int8)
            parts.append(
                connection_legs(epoch_topo, Endpoints(epoch_topo), all_conns.take(sel), path_rng, got)
            )
            outcome[sel] = got
        legs = Legs.concat(parts)
    _consequences(ctx, changers, all_conns, outcome, len(conns[0]), base, per)
    hide = never_logged_mask(topo, legs)
    if hide.any():
        legs = legs.take(np.flatnonzero(~hide))
    phase = np.random.default_rng([int(seed), 2]).integers(0, interval, len(eps)).astype(np.float64)
    rec = merge_same_flow(split_intervals(legs, phase, interval, s0, s1), phase, interval)
    eni_index = {e.id: k for k, e in enumerate(eps.enis)}
    skips = [(eni_index[e], a, b) for e, a, b in ctx.skip]
    rec = status_records(
        rec, len(eps), phase, interval, s0, s1, skips, skipdata_rate, np.random.default_rng([int(seed), 3])
    )
    table = to_table(rec, fields, topo, eps)
    flows = _arrow.to_pandas(table)
    from ..schema import format_string

    attach(
        flows,
        Provenance(formats=(format_string(fields),), sources=(f"simulate:{'+'.join(names)}:seed={seed}",)),
    )
    return Simulation(
        flows=flows,
        truth=ctx.truth_frame(),
        topology=topo,
        scenario=tuple(names),
        seed=int(seed),
        start=t_start,
        end=pd.Timestamp(s1, unit="s", tz="UTC"),
        interval=interval,
        format=tuple(fields),
    )
