"""Flow log records as AWS writes them, from legs: intervals, NODATA, SKIPDATA, any format.

Facts used (VPC User Guide, "Flow log records"): a record covers one
interface, one direction of one flow, one aggregation interval (60 s or
600 s); ``start``/``end`` are the first and last packet seen in it;
``tcp-flags`` is the OR of the flags seen in the interval; an interface with
no traffic in an interval gets a NODATA record, and an interval whose records
were dropped for capacity a SKIPDATA record; ``-`` (missing) fills the fields
that do not apply; ``version`` is the highest version among the format's
fields.

Examples
--------
>>> from flownb.sim._records import format_fields
>>> format_fields("v3")[-4:]
['tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .. import _arrow, schema
from ._columns import Columns
from ._paths import Legs
from ._topology import Topology
from ._traffic import Endpoints

__all__ = ["FORMATS", "Records", "format_fields", "split_intervals", "to_table"]

OK, NODATA, SKIPDATA = 0, 1, 2
_STATUS = np.array(["OK", "NODATA", "SKIPDATA"], dtype=object)

_V3_EXTRA = ["vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr"]
_V4_EXTRA = ["region", "az-id", "sublocation-type", "sublocation-id"]
_V5_EXTRA = ["pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path"]
#: Named formats: the default (v2) and "every field up to version N", as the console adds them.
FORMATS: dict[str, list[str]] = {
    "v2": list(schema.DEFAULT_FIELDS),
    "v3": [*schema.DEFAULT_FIELDS, *_V3_EXTRA],
    "v4": [*schema.DEFAULT_FIELDS, *_V3_EXTRA, *_V4_EXTRA],
    "v5": [*schema.DEFAULT_FIELDS, *_V3_EXTRA, *_V4_EXTRA, *_V5_EXTRA],
}
#: Version 11: every VPC field up to version 11 (ECS, reject reason, resource, encryption, next hop, tags).
FORMATS["v11"] = FORMATS["v5"] + [
    f.name
    for f in schema.FIELDS.values()
    if 5 < f.version <= 11 and f.scope in ("vpc", "both") and f.name not in FORMATS["v5"]
]
FORMATS["default"] = FORMATS["v2"]


def format_fields(fmt: str | Sequence[str] | None) -> list[str]:
    """AWS field names of a format: ``None``/``"default"``/``"v2"``..``"v5"``/``"v11"``, a format string or a list."""
    if fmt is None:
        return list(FORMATS["v2"])
    if isinstance(fmt, str) and fmt.strip().lower() in FORMATS:
        return list(FORMATS[fmt.strip().lower()])
    return schema.parse_format(fmt)


@dataclass
class Records(Columns):
    """Flow log records as arrays (addresses as integers, times in Unix seconds)."""

    eni: np.ndarray
    egress: np.ndarray
    accept: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    pkt_src: np.ndarray
    pkt_dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray
    packets: np.ndarray
    bytes: np.ndarray
    start: np.ndarray
    end: np.ndarray
    flags: np.ndarray
    path: np.ndarray
    status: np.ndarray
    hop: np.ndarray
    v6: np.ndarray


def _gather(legs: Legs, idx: np.ndarray, **computed: np.ndarray) -> Records:
    same = (
        "eni",
        "egress",
        "accept",
        "src",
        "dst",
        "pkt_src",
        "pkt_dst",
        "sport",
        "dport",
        "proto",
        "path",
        "hop",
        "v6",
    )
    cols = {name: getattr(legs, name)[idx] for name in same}
    return Records(**cols, **computed, status=np.zeros(len(idx), dtype=np.int8))


def split_intervals(legs: Legs, phase: np.ndarray, interval: int, start: float, end: float) -> Records:
    """One record per leg and aggregation interval it spans, packets and bytes shared out by time."""
    ph = phase[legs.eni]
    t1_all = np.minimum(np.maximum(legs.t1, legs.t0), end - 1e-6)
    k0 = np.floor((legs.t0 - ph) / interval).astype(np.int64)
    k1 = np.maximum(np.floor((t1_all - ph) / interval).astype(np.int64), k0)
    nwin = k1 - k0 + 1
    inside = legs.t0 < end
    parts = []
    # most legs fall in one interval: their record is the leg itself
    one = np.flatnonzero(inside & (nwin == 1))
    if len(one):
        s0 = np.floor(legs.t0[one]).astype(np.int64)
        pk = np.maximum(legs.packets[one], 1)
        parts.append(
            _gather(
                legs,
                one,
                packets=pk,
                bytes=np.maximum(legs.bytes[one], 40 * pk),
                start=s0,
                end=np.maximum(np.floor(t1_all[one]).astype(np.int64), s0),
                flags=(legs.f_first[one] | legs.f_last[one]).astype(np.int16),
            )
        )
    many = np.flatnonzero(inside & (nwin > 1))
    if len(many):
        nw = nwin[many]
        rep = np.repeat(many, nw)
        offs = np.arange(len(rep)) - np.repeat(np.cumsum(nw) - nw, nw)
        wstart = ph[rep] + (k0[rep] + offs) * interval
        t0, t1 = legs.t0[rep], t1_all[rep]
        s = np.maximum(t0, wstart)
        e = np.minimum(t1, wstart + interval - 1e-6)
        span = np.maximum(t1 - t0, 1e-9)
        n = nwin[rep]
        first, last = offs == 0, offs == n - 1
        fs = np.where(first, 0.0, (s - t0) / span)
        fe = np.where(last, 1.0, (e - t0) / span)
        P = np.maximum(legs.packets[rep], n)
        B = np.maximum(legs.bytes[rep], 40 * P)
        # packets by time, then bytes by packets: a leg of equal packets (SYN retries) keeps their size
        cum_hi = np.where(last, P, np.floor(P * fe).astype(np.int64))
        cum_lo = np.floor(P * fs).astype(np.int64)
        pk = np.maximum(cum_hi - cum_lo, 1)
        by = (B * cum_hi) // P - (B * cum_lo) // P
        by = np.where(by < 40 * pk, np.maximum(B // P, 40) * pk, by)
        flags = legs.f_mid[rep].copy()
        flags[first] = legs.f_first[rep[first]]
        flags[last] = legs.f_last[rep[last]]
        flags[first & last] = legs.f_first[rep[first & last]] | legs.f_last[rep[first & last]]
        sf = np.floor(s).astype(np.int64)
        parts.append(
            _gather(
                legs,
                rep,
                packets=pk,
                bytes=by,
                start=sf,
                end=np.maximum(np.floor(e).astype(np.int64), sf),
                flags=flags.astype(np.int16),
            )
        )
    if not parts:
        return _gather(
            legs,
            np.zeros(0, dtype=np.int64),
            **{k: np.zeros(0, np.int64) for k in ("packets", "bytes", "start", "end")},
            flags=np.zeros(0, np.int16),
        )
    return parts[0] if len(parts) == 1 else Records.concat(parts)


def merge_same_flow(rec: Records, phase: np.ndarray, interval: int) -> Records:
    """Aggregate records of the same interface, direction, 5-tuple and interval into one, as AWS does.

    Two connections rarely share a 5-tuple within one interval (a client
    reusing a source port); AWS then writes one record: packets and bytes
    summed, flags OR-ed, the earliest start and the latest end.
    """
    if len(rec) < 2:
        return rec
    win = _window_of(rec, phase, interval)
    cols = (rec.eni, rec.egress, rec.src, rec.dst, rec.sport, rec.dport, rec.proto, win, rec.accept, rec.v6)
    key = np.zeros(len(rec), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in cols:
            key = key * np.uint64(0x9E3779B97F4A7C15) + c.astype(np.int64).view(np.uint64)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    same = np.flatnonzero(ks[1:] == ks[:-1])
    if not len(same):
        return rec
    # confirm each candidate pair field by field (a hash can collide)
    a, b = order[same], order[same + 1]
    equal = np.ones(len(a), dtype=bool)
    for c in cols:
        equal &= c[a] == c[b]
    a, b = a[equal], b[equal]
    if not len(a):
        return rec
    # chains (three or more copies) fold onto the first row of each run of equal keys
    keep = np.ones(len(rec), dtype=bool)
    target = np.arange(len(rec))
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        root = target[x]
        target[y] = root
        keep[y] = False
        rec.packets[root] += rec.packets[y]
        rec.bytes[root] += rec.bytes[y]
        rec.flags[root] |= rec.flags[y]
        rec.start[root] = min(rec.start[root], rec.start[y])
        rec.end[root] = max(rec.end[root], rec.end[y])
    return rec.take(np.flatnonzero(keep))


def _window_of(rec: Records, phase: np.ndarray, interval: int) -> np.ndarray:
    return np.floor((rec.start - phase[rec.eni]) / interval).astype(np.int64)


def status_records(
    rec: Records,
    n_eni: int,
    phase: np.ndarray,
    interval: int,
    start: float,
    end: float,
    skip: list[tuple[int, float, float]],
    skip_rate: float,
    rng: np.random.Generator,
) -> Records:
    """Add NODATA for idle intervals and SKIPDATA for skipped ones (whose records are dropped)."""
    win = _window_of(rec, phase, interval)
    k_lo = np.floor((start - phase) / interval).astype(np.int64)
    k_hi = np.floor((end - 1e-6 - phase) / interval).astype(np.int64)
    counts = k_hi - k_lo + 1
    all_eni = np.repeat(np.arange(n_eni), counts)
    all_k = np.repeat(k_lo, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    span = int(counts.max()) + 2 if n_eni else 1
    key_all = all_eni * span + (all_k - np.repeat(k_lo, counts))
    key_rec = rec.eni.astype(np.int64) * span + (win - k_lo[rec.eni])
    skipped = rng.random(len(all_k)) < skip_rate if skip_rate > 0 else np.zeros(len(all_k), dtype=bool)
    wstart_all = phase[all_eni] + all_k * interval
    for eni, t_from, t_to in skip:
        skipped |= (all_eni == eni) & (wstart_all + interval > t_from) & (wstart_all < t_to)
    size = n_eni * span
    busy_flag = np.zeros(size, dtype=bool)
    busy_flag[key_rec[(key_rec >= 0) & (key_rec < size)]] = True
    skip_flag = np.zeros(size, dtype=bool)
    skip_flag[key_all[skipped]] = True
    busy = busy_flag[key_all]
    # NODATA spans its whole interval; an idle interval cut by the start or end of the period gets none
    whole = (wstart_all >= start) & (wstart_all + interval <= end)
    nodata = ~busy & ~skipped & whole
    inside = (key_rec >= 0) & (key_rec < size)
    drop = np.zeros(len(key_rec), dtype=bool)
    drop[inside] = skip_flag[key_rec[inside]]
    kept = rec.take(np.flatnonzero(~drop)) if drop.any() else rec
    parts = [kept]
    for mask, status in ((nodata, NODATA), (skipped, SKIPDATA)):
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        ws = wstart_all[idx]
        s = np.maximum(ws, start)
        e = np.minimum(ws + interval - 1, end - 1)
        z = np.zeros(len(idx))
        parts.append(
            Records(
                eni=all_eni[idx].astype(np.int32),
                egress=z.astype(bool),
                accept=z.astype(bool),
                src=z.astype(np.uint32),
                dst=z.astype(np.uint32),
                pkt_src=z.astype(np.uint32),
                pkt_dst=z.astype(np.uint32),
                sport=z.astype(np.int32),
                dport=z.astype(np.int32),
                proto=z.astype(np.int16),
                packets=z.astype(np.int64),
                bytes=z.astype(np.int64),
                start=np.floor(s).astype(np.int64),
                end=np.maximum(np.floor(e), np.floor(s)).astype(np.int64),
                flags=z.astype(np.int16),
                path=z.astype(np.int8),
                status=np.full(len(idx), status, dtype=np.int8),
                hop=np.full(len(idx), -1, dtype=np.int32),
                v6=z.astype(bool),
            )
        )
    out = Records.concat(parts)
    # time order, then interface; records of one interface and second keep the order they were made in
    order = np.argsort(out.start.astype(np.int64) * 65536 + out.eni, kind="stable")
    return out.take(order)


# ------------------------------------------------------------------ table ----


def _ip_strings(u: np.ndarray) -> np.ndarray:
    """Dotted-quad strings of sorted unique IPv4 addresses (integers)."""
    a, b, c, d = (u >> 24) & 255, (u >> 16) & 255, (u >> 8) & 255, u & 255
    strs = np.array(
        [
            f"{w}.{x}.{y}.{z}"
            for w, x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), d.tolist(), strict=True)
        ],
        dtype=object,
    )
    return strs


def _dictionary(codes: np.ndarray, values: Sequence[object], valid: np.ndarray | None) -> pa.Array:
    """A dictionary array whose categories are in order of first appearance (as the reader builds them)."""
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=object)
    listed = values.tolist()
    if len(set(listed)) != len(listed):  # repeated values: point codes at each value's first copy
        seen: dict[object, int] = {}
        canon = np.array([seen.setdefault(v, i) for i, v in enumerate(listed)], dtype=np.int64)
        codes = canon[codes]
    values_ok = np.array([v is not None for v in listed], dtype=bool)
    ok = values_ok[codes] if len(codes) else np.zeros(0, dtype=bool)
    valid = ok if valid is None else (valid & ok)
    n = len(codes)
    first = np.full(len(values), n, dtype=np.int64)
    pos = np.flatnonzero(valid)
    np.minimum.at(first, codes[pos], pos)
    order = np.flatnonzero(first < n)
    order = order[np.argsort(first[order], kind="stable")]
    remap = np.zeros(len(values), dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    idx = pa.array(remap[codes] if n else np.zeros(0, np.int32), type=pa.int32(), mask=~valid)
    return pa.DictionaryArray.from_arrays(idx, pa.array(values[order].tolist(), type=pa.string()))


def format_version(names: Sequence[str]) -> int:
    """The ``version`` AWS writes for a format: the highest version among its fields (at least 2).

    The VPC User Guide ("Flow log records", field ``version``): the default format is version 2;
    a custom format has "the highest version among the specified fields", which includes the
    version 10 ``encryption-status`` and the version 11 fields of the field registry.
    """
    versions = [schema.FIELDS[n].version for n in names if n in schema.FIELDS]
    return max([2, *versions])


_IP_FIELDS = {"srcaddr": "src", "dstaddr": "dst", "pkt-srcaddr": "pkt_src", "pkt-dstaddr": "pkt_dst"}


def to_table(rec: Records, names: Sequence[str], topo: Topology, eps: Endpoints) -> pa.Table:
    """The records as an Arrow table in the DataFrame contract's types, columns in format order."""
    n = len(rec)
    ok = rec.status == OK
    eni_ids = [e.id for e in eps.enis]
    subnets = [topo.subnet(e.subnet) for e in eps.enis]
    cols: dict[str, pa.Array] = {}
    ip_cache: dict[str, np.ndarray] = {}

    six = rec.v6.astype(np.int64) << 32

    def ips(attr: str) -> pa.Array:
        if not ip_cache:  # the addresses of every address column, made into text once
            wanted = [a for n, a in _IP_FIELDS.items() if n in names]
            keys = np.concatenate([getattr(rec, a).astype(np.int64) | six for a in wanted])
            ip_cache["u"] = u = np.unique(keys)
            strs = _ip_strings((u & 0xFFFFFFFF).astype(np.uint32))
            for k in np.flatnonzero(u >> 32):  # IPv6 packets: the address each stand-in is for
                strs[k] = topo.ipv6_address(int(u[k] & 0xFFFFFFFF))
            ip_cache["s"] = strs
        inv = np.searchsorted(ip_cache["u"], getattr(rec, attr).astype(np.int64) | six)
        return _dictionary(inv, ip_cache["s"], ok)

    def ints(values: np.ndarray, column: str, valid: np.ndarray | None = ok) -> pa.Array:
        t = _arrow.arrow_type(column)
        return pa.array(values, type=t, mask=None if valid is None else ~valid, from_pandas=False)

    def per_eni(values: list[str | None]) -> pa.Array:
        return _dictionary(rec.eni, values, None)

    def const(value: str | None, valid: np.ndarray | None = None) -> pa.Array:
        return _dictionary(np.zeros(n, dtype=np.int64), [value], valid)

    def next_hop(values: list[str | None]) -> pa.Array:
        """A field of the next-hop interface; ``-`` where there is none (an internet gateway, no route)."""
        return _dictionary(np.maximum(rec.hop, 0), values, ok & (rec.hop >= 0))

    nat_ids = {id(g.interface) for g in topo.nat_gateways}
    tgw_ids = {id(e) for e in topo.transit_gateway_interfaces()}
    #: interface-type (version 11): only the service interfaces have one; an instance's interface has '-'
    eni_types = [
        "nat_gateway" if id(e) in nat_ids else "transit_gateway" if id(e) in tgw_ids else None
        for e in eps.enis
    ]

    builders = {
        "version": lambda: ints(np.full(n, format_version(names)), "version", None),
        "account-id": lambda: const(topo.account_id),
        "interface-id": lambda: per_eni(eni_ids),
        "srcaddr": lambda: ips("src"),
        "dstaddr": lambda: ips("dst"),
        "srcport": lambda: ints(rec.sport, "srcport"),
        "dstport": lambda: ints(rec.dport, "dstport"),
        "protocol": lambda: ints(rec.proto, "protocol"),
        "packets": lambda: ints(rec.packets, "packets"),
        "bytes": lambda: ints(rec.bytes, "bytes"),
        "start": lambda: pa.array(rec.start, type=pa.int64()).cast(_arrow.TIMESTAMP),
        "end": lambda: pa.array(rec.end, type=pa.int64()).cast(_arrow.TIMESTAMP),
        "action": lambda: _dictionary(np.where(rec.accept, 0, 1), ["ACCEPT", "REJECT"], ok),
        "log-status": lambda: _dictionary(rec.status, list(_STATUS), None),
        "vpc-id": lambda: const(topo.id),
        "subnet-id": lambda: per_eni([s.id for s in subnets]),
        "instance-id": lambda: per_eni([e.instance_id for e in eps.enis]),
        "tcp-flags": lambda: ints(rec.flags, "tcp-flags"),
        "type": lambda: _dictionary(rec.v6.astype(np.int64), ["IPv4", "IPv6"], ok),
        "pkt-srcaddr": lambda: ips("pkt_src"),
        "pkt-dstaddr": lambda: ips("pkt_dst"),
        "region": lambda: const(topo.region),
        "az-id": lambda: per_eni([s.az_id for s in subnets]),
        "flow-direction": lambda: _dictionary(np.where(rec.egress, 1, 0), ["ingress", "egress"], ok),
        "traffic-path": lambda: ints(rec.path, "traffic-path", ok & rec.egress & (rec.path > 0)),
        "interface-type": lambda: per_eni(eni_types),
        "next-hop-interface-id": lambda: next_hop(eni_ids),
        "next-hop-subnet-id": lambda: next_hop([s.id for s in subnets]),
        "next-hop-az-id": lambda: next_hop([s.az_id for s in subnets]),
        "next-hop-vpc-id": lambda: next_hop([topo.id] * len(eni_ids)),
        "next-hop-interface-type": lambda: next_hop(eni_types),
        # the twin's TagFieldSpecifications: the Name tag of instances and interfaces, and the instances' role
        "instance-tag": lambda: per_eni([i.name if i is not None else None for i in eps.instance]),
        "instance-tag-2": lambda: per_eni([i.role if i is not None else None for i in eps.instance]),
        "interface-tag": lambda: per_eni([e.name for e in eps.enis]),
    }
    for name in names:
        col = schema.column_name(name)
        build = builders.get(name)
        if build is not None:
            cols[col] = build()
        else:
            cols[col] = pa.nulls(n, _arrow.arrow_type(col))
    return pa.Table.from_arrays(list(cols.values()), schema=_arrow.arrow_schema(list(cols)))
