"""The detectors' working view of a flow log frame: integer arrays, each connection counted once.

Every detector asks the same questions of the records (which side started the
connection, did anything come back, is this address public), so they are
answered once here, vectorised, and shared:

* **addresses** are coded over one table of distinct strings, using
  ``pkt_srcaddr``/``pkt_dstaddr`` when present (the original addresses behind a
  NAT or transit gateway), and classified once per distinct value; with
  ``flow_direction`` (version 5) the ENIs' own addresses count as local even
  when globally routable (IPv6);
* **duplicates** are dropped: a connection between two ENIs of the VPC is logged
  on both; of each direction of each 5-tuple only one ENI's records are kept
  (one that rejected it, if either did); a NAT gateway's two legs of one flow
  are joined (see ``_nat_legs``);
* **conversations** pair the two directions of a 5-tuple; the side that started
  it (the *client*) is found from the TCP flags when logged (SYN without ACK
  starts, SYN-ACK answers), else from the ports (a known service port is the
  server's, else the lower port is; a lone record from a service port to a high
  non-service port is a reply);
* **what came back**: for each record, whether the reverse direction was seen,
  with which flags and whether it was rejected.

Only records with addresses (``log-status`` OK) are kept in the arrays; the
``status`` frame keeps every record with an ENI and a time for the data quality
checks.

Examples
--------
>>> import flownb
>>> from flownb.analysis._flows import prepare
>>> f = prepare(flownb.samples.load("aws-docs/tcp-flags-sequence"))
>>> f.n, f.a["resp"].tolist()
(8, [False, True, False, True, True, False, False, True])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flownb._cache import per_categories
from flownb.analysis import _netclass
from flownb.analysis._addresses import appearance_codes
from flownb.analysis._conversations import conversation_table, counted_eni, handshake_votes, server_is_hi
from flownb.analysis._frame import value_ranks

__all__ = [
    "Flows",
    "factorize",
    "isin",
    "key",
    "lexorder",
    "nunique",
    "prepare",
    "seconds",
    "sorted_codes",
    "unique",
]

_EMPTY_I = np.zeros(0, dtype=np.int64)


@dataclass
class Flows:
    """Prepared records: a dict of equal-length numpy arrays plus lookup tables."""

    a: dict[str, np.ndarray]
    addr: np.ndarray  # address string by code
    addr_local: np.ndarray  # bool by code
    addr_public: np.ndarray  # bool by code
    status: pd.DataFrame  # row, eni (code), start, end, status (STATUS_* code) of every record with an ENI
    agg: int  # aggregation interval in seconds (60 or 600)
    span: tuple[int, int]  # first start, last end (seconds)
    columns: frozenset[str] = field(default_factory=frozenset)
    eni_names: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))

    @property
    def n(self) -> int:
        return len(self.a["row"])

    def frame(self, mask: np.ndarray | None, names: Sequence[str]) -> pd.DataFrame:
        """A DataFrame of some columns for the rows in ``mask`` (all rows when None)."""
        if mask is None:
            return pd.DataFrame({k: self.a[k] for k in names}, copy=False)
        return pd.DataFrame({k: self.a[k][mask] for k in names}, copy=False)

    def code_of(self, address: object) -> int:
        """Code of an address string (-1 when absent)."""
        if address is None or address is pd.NA or (isinstance(address, float) and np.isnan(address)):
            return -1
        hits = np.flatnonzero(self.addr == str(address))
        return int(hits[0]) if len(hits) else -2


def seconds(s: pd.Series) -> np.ndarray:
    """Unix seconds of a timestamp column (int64; missing -> minimum int64)."""
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min)
    values = s.to_numpy(dtype="datetime64[s]", na_value=np.datetime64("NaT"))
    return values.view("int64")


def _int(df: pd.DataFrame, col: str, n: int) -> np.ndarray:
    if col not in df:
        return np.full(n, -1, dtype=np.int64)
    s = df[col]
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype="int64", na_value=-1)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan).astype("int64")


def factorize(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense codes 0..k-1 for int64 values, and k."""
    if len(values) == 0:
        return _EMPTY_I, 0
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64), len(uniques)


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0..k-1 of int64 values in ascending order of value, and the distinct values.

    By one sort (numpy's sort is vectorised): about twice as fast as a hash factorize of a
    million distinct keys, and the codes never depend on the order of the rows.

    Examples
    --------
    >>> [a.tolist() for a in sorted_codes(np.array([30, 10, 30, 20]))]
    [[2, 0, 2, 1], [10, 20, 30]]
    """
    if len(values) == 0:
        return _EMPTY_I, np.asarray(values)[:0]
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    codes = np.empty(len(values), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes, ordered[new]


def key(*arrays: np.ndarray) -> np.ndarray:
    """One int64 per row identifying the combination of several small non-negative (or -1) int arrays."""
    n = len(arrays[0])
    out = np.zeros(n, dtype=np.int64)
    used = 0
    for arr in arrays:
        v = arr.astype(np.int64) + 1
        width = max(int(v.max()).bit_length(), 1) if n else 1
        if used + width > 62:
            out, k = factorize(out)
            used = max(int(k).bit_length(), 1)
        out = (out << width) | v
        used += width
    return out


def lexorder(*keys: np.ndarray) -> np.ndarray:
    """The order ``np.lexsort(keys[::-1])`` gives (keys most significant first), by packed integers.

    The keys are packed, most significant first, into as few 63-bit integers as hold
    them; one ``argsort`` orders by the first, and only runs of equal values are
    ordered by the next. ``np.lexsort`` sorts once per key: 6 keys of 1M rows take
    0.5 s, this 0.05 s. Rows equal in every key keep their input order (stable).

    Examples
    --------
    >>> lexorder(np.array([2, 1, 2, 1]), np.array([0, 5, -3, 5])).tolist()
    [1, 3, 2, 0]
    """
    n = len(keys[0])
    if n == 0:
        return _EMPTY_I
    return _distinct_order(_pack([*keys, np.arange(n)]))  # the row last: no two rows are equal


def _distinct_order(words: list[np.ndarray]) -> np.ndarray:
    """The order of rows by packed words, most significant first; rows differ in the last word's bits."""
    n = len(words[0])
    order = np.argsort(words[0])  # numpy's vectorised sort: no row equals another in every word
    if len(words) == 1:
        return order
    w0 = words[0][order]
    tie = np.zeros(n, dtype=bool)
    tie[1:] = w0[1:] == w0[:-1]  # equal to the row before
    if not tie.any():
        return order
    tied = tie.copy()
    tied[:-1] |= tie[1:]  # in a run of two or more equal rows
    pos = np.flatnonzero(tied)
    run = np.cumsum(~tie)[pos]  # the run each tied row belongs to, ascending along the order
    sub = order[pos]
    rest = [w[sub] for w in words[1:]]
    if len(rest) == 1 and int(run.max()).bit_length() + int(rest[0].max()).bit_length() <= 63:
        sub_order = np.argsort((run << int(rest[0].max()).bit_length()) | rest[0])
    else:  # np.lexsort on the tied rows only, usually few
        sub_order = np.lexsort([*rest[::-1], run])
    order[pos] = sub[sub_order]
    return order


def _pack(keys: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Non-negative int64 words holding the keys' order, most significant key in the high bits."""
    words: list[np.ndarray] = []
    word: np.ndarray | None = None
    used = 0
    for k in keys:
        k = np.asarray(k)
        if k.dtype == bool:
            k = k.astype(np.int64)
        lo, hi = int(k.min()), int(k.max())
        if hi - lo >= 2**62:  # a very wide key (a missing time's int64 minimum): its dense ranks
            k = np.unique(k, return_inverse=True)[1].reshape(-1)
            lo, hi = 0, int(k.max())
        width = max((hi - lo).bit_length(), 1)
        v = k.astype(np.int64)  # a copy: shifted and or-ed in place below (fewer temporaries)
        if lo:
            v -= lo
        if word is None or used + width > 63:
            if word is not None:
                words.append(word)
            word, used = v, width
        else:
            word <<= width
            word |= v
            used += width
    assert word is not None
    words.append(word)
    return words


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based ``np.unique`` is slow on wide int64)."""
    s = np.sort(values)
    if len(s) == 0:
        return s
    return s[np.concatenate(([True], s[1:] != s[:-1]))]


def isin(values: np.ndarray, test: np.ndarray) -> np.ndarray:
    """``np.isin`` for large int64 arrays, by hashing."""
    if len(test) == 0:
        return np.zeros(len(values), dtype=bool)
    return pd.Index(unique(test)).get_indexer(values) >= 0


def nunique(group: np.ndarray, values: np.ndarray, ngroups: int) -> np.ndarray:
    """Distinct ``values`` per group (group codes 0..ngroups-1), as an array of length ngroups."""
    if len(group) == 0:
        return np.zeros(ngroups, dtype=np.int64)
    width = int(values.max()) + 2
    pairs = unique(group.astype(np.int64) * width + values.astype(np.int64) + 1)
    return np.bincount(pairs // width, minlength=ngroups)


STATUS_OK, STATUS_NODATA, STATUS_SKIPDATA, STATUS_OTHER = 0, 1, 2, 3


def _empty_status() -> pd.DataFrame:
    return pd.DataFrame(
        {"row": _EMPTY_I, "eni": _EMPTY_I, "start": _EMPTY_I, "end": _EMPTY_I, "status": np.zeros(0, np.int8)}
    )


def prepare(df: pd.DataFrame, local_networks: Sequence[str] | str | None = None) -> Flows:
    """Build the detectors' working view of ``df`` (never modifies ``df``)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"'df' must be a pandas DataFrame of flow log records, got {type(df).__name__}")
    nets = _netclass.parse_networks(local_networks, "local_networks")
    n = len(df)
    cols = frozenset(df.columns)
    start_all = seconds(df["start"]) if "start" in df else np.full(n, np.iinfo(np.int64).min)
    end_all = seconds(df["end"]) if "end" in df else start_all
    nat = np.iinfo(np.int64).min

    # --- status frame (data quality) -------------------------------------------------
    if "interface_id" in df and "start" in df:
        eni_codes, eni_names = pd.factorize(df["interface_id"], use_na_sentinel=True)
        if "log_status" in df:
            status = df["log_status"]
            code = np.full(n, STATUS_OTHER, dtype=np.int8)
            for value, c in (("OK", STATUS_OK), ("NODATA", STATUS_NODATA), ("SKIPDATA", STATUS_SKIPDATA)):
                code[(status == value).to_numpy(dtype=bool, na_value=False)] = c
        else:
            code = np.full(n, STATUS_OK, dtype=np.int8)
        st = pd.DataFrame(
            {
                "row": np.arange(n, dtype=np.int64),
                "eni": eni_codes.astype(np.int64),
                "start": start_all,
                "end": end_all,
                "status": code,
            }
        )
        st = st[(eni_codes >= 0) & (start_all != nat)].reset_index(drop=True)
        eni_names = np.asarray(pd.Index(eni_names).astype(object), dtype=object)
    else:
        st = _empty_status()
        eni_names = np.array([], dtype=object)

    # --- addresses -------------------------------------------------------------------
    addr_cols = [c for c in ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr") if c in df]
    if "srcaddr" not in df or "dstaddr" not in df:
        table = np.array([], dtype=object)
        addr_rank = np.zeros(0, dtype=np.int64)
        src = dst = np.full(n, -1, dtype=np.int64)
    else:
        # one table of the distinct addresses (in order of appearance), and each one's rank by value
        codes, table, addr_rank = appearance_codes([df[c] for c in addr_cols])
        by = dict(zip(addr_cols, codes, strict=True))
        src, dst = by["srcaddr"], by["dstaddr"]
        if "pkt_srcaddr" in by:
            src = np.where(by["pkt_srcaddr"] >= 0, by["pkt_srcaddr"], src)
        if "pkt_dstaddr" in by:
            dst = np.where(by["pkt_dstaddr"] >= 0, by["pkt_dstaddr"], dst)

    addr_local, addr_public = _classes(df, addr_cols, table, addr_rank, nets)
    if "flow_direction" in df and len(table):
        # the ENI's own address is the source of its egress records and the destination of its
        # ingress records: local even when globally routable (a VPC's IPv6 addresses)
        direction = df["flow_direction"]
        own = np.concatenate(
            [
                by["srcaddr"][(direction == "egress").to_numpy(dtype=bool, na_value=False)],
                by["dstaddr"][(direction == "ingress").to_numpy(dtype=bool, na_value=False)],
            ]
        )
        own = own[own >= 0]
        addr_local = addr_local.copy()
        addr_local[own] = True
        addr_public = addr_public & ~addr_local
    keep = (src >= 0) & (dst >= 0)
    # each column read once (the NAT-leg join and the arrays share them)
    ints = {c: _int(df, c, n) for c in ("srcport", "dstport", "protocol", "packets", "bytes", "tcp_flags")}
    eni_all = _eni_codes(df) if "interface_id" in df else None
    if "srcaddr" in df and "dstaddr" in df and eni_all is not None:
        drop, new_dst, new_dport = _nat_legs(
            ints, eni_all, by["srcaddr"], by["dstaddr"], dst, start_all, n, addr_local
        )
        keep &= ~drop
    else:
        new_dst = new_dport = None
    if "log_status" in df:
        status = df["log_status"]
        keep &= (status.isna() | (status == "OK")).to_numpy(dtype=bool, na_value=True)
    rows = np.flatnonzero(keep)
    a: dict[str, np.ndarray] = {
        "row": rows,
        "src": src[rows],
        "dst": dst[rows],
        "sport": ints["srcport"][rows],
        "dport": ints["dstport"][rows],
        "proto": ints["protocol"][rows],
        "packets": np.clip(ints["packets"][rows], 0, None),
        "bytes": np.clip(ints["bytes"][rows], 0, None),
        "start": start_all[rows],
        "end": end_all[rows],
        "flags": ints["tcp_flags"][rows],
    }
    if new_dst is not None:
        a["dst"] = new_dst[rows]
        a["dport"] = new_dport[rows]
    if "action" in df:
        action = df["action"]
        a["reject"] = (action == "REJECT").to_numpy(dtype=bool, na_value=False)[rows]
        a["accept"] = (action == "ACCEPT").to_numpy(dtype=bool, na_value=False)[rows]
    else:
        a["reject"] = np.zeros(len(rows), dtype=bool)
        a["accept"] = np.ones(len(rows), dtype=bool)
    eni = eni_all[rows] if eni_all is not None else np.full(len(rows), -1, dtype=np.int64)

    a = _conversations(a, eni, addr_rank)
    m = len(a["row"])
    a["src_local"] = addr_local[a["src"]] if m else np.zeros(0, bool)
    a["dst_local"] = addr_local[a["dst"]] if m else np.zeros(0, bool)
    a["src_public"] = addr_public[a["src"]] if m else np.zeros(0, bool)
    a["dst_public"] = addr_public[a["dst"]] if m else np.zeros(0, bool)

    dur = a["end"] - a["start"]
    valid = (a["start"] != nat) & (a["end"] != nat)
    agg = 600 if valid.any() and np.median(dur[valid]) > 120 else 60
    times = np.concatenate([a["start"][valid], st["start"].to_numpy()])
    ends = np.concatenate([a["end"][valid], st["end"].to_numpy()])
    span = (int(times.min()), int(ends.max())) if len(times) else (0, 0)
    return Flows(a, table, addr_local, addr_public, st, agg, span, cols, eni_names)


def _classes(
    df: pd.DataFrame,
    addr_cols: list[str],
    table: np.ndarray,
    rank: np.ndarray,
    nets: tuple[_netclass.Network, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Per address code: local, public (:func:`flownb.analysis._netclass.classify`).

    For categorical address columns the classes depend on their categories only: they are made once
    per frame, by value (``rank`` is each code's rank by value), and reused by later calls on it
    (``evidence()`` prepares the frame again; a million distinct addresses take a second to classify).
    """
    cols = [df[c] for c in addr_cols]
    if not len(table) or not all(isinstance(c.dtype, pd.CategoricalDtype) for c in cols):
        cls = _netclass.classify(table, nets)
        return cls["is_local"].to_numpy(), cls["is_public"].to_numpy()

    def by_value() -> tuple[np.ndarray, np.ndarray]:
        values = np.empty(len(table), dtype=object)
        values[rank] = table
        cls = _netclass.classify(values, nets)
        return cls["is_local"].to_numpy(), cls["is_public"].to_numpy()

    local, public = per_categories(f"address classes {nets!r}", [c.cat.categories for c in cols], by_value)
    return local[rank], public[rank]


def _eni_codes(df: pd.DataFrame) -> np.ndarray:
    """ENI codes in ascending order of ENI id (-1 missing), so no choice depends on file order."""
    col = df["interface_id"]
    return np.where(np.asarray(col.isna(), dtype=bool), -1, value_ranks(col)).astype(np.int64)


def _nat_legs(
    ints: dict[str, np.ndarray],
    eni: np.ndarray,
    raw_src: np.ndarray,
    raw_dst: np.ndarray,
    dst: np.ndarray,
    start: np.ndarray,
    n: int,
    addr_local: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join the two legs a NAT gateway's ENI logs for one translated flow.

    A NAT gateway's ENI logs each flow twice in the same interval with the same
    counters: the leg from the instance to the gateway (``I -> N``) and the
    translated leg from the gateway to the peer (``N -> P``), and the same for
    the answers. Without ``pkt-*`` fields the translated leg looks like the
    gateway's own traffic. For each such pair (same ENI, start, protocol,
    packets and bytes; the first leg's destination is the second leg's local
    source; same service port) the second leg is dropped and the first is
    given the peer as destination, so the flow reads ``I -> P`` like the
    instance's own record and is counted once. ``ints`` holds the frame's integer
    columns (as :func:`_int` reads them) and ``eni`` its ENI codes (:func:`_eni_codes`).
    """
    dport = ints["dstport"]
    out_dst, out_dport = dst.copy(), dport.copy()
    drop = np.zeros(n, dtype=bool)
    if n == 0:
        return drop, out_dst, out_dport
    sport, proto, packets, nbytes = ints["srcport"], ints["protocol"], ints["packets"], ints["bytes"]
    ok = (eni >= 0) & (raw_src >= 0) & (raw_dst >= 0) & (packets > 0)
    # cheap pre-filter: rows sharing (ENI, start, packets, bytes) with another row, by a hash
    with np.errstate(over="ignore"):
        h = ((start * 1_000_003 + packets) * 1_000_033 + nbytes) * 31 + eni
    h = np.where(ok, h, np.iinfo(np.int64).min)
    hs = np.sort(h)
    dup = hs[1:][(hs[1:] == hs[:-1]) & (hs[1:] != np.iinfo(np.int64).min)]
    if len(dup) == 0:
        return drop, out_dst, out_dport
    idx = np.flatnonzero(ok & isin(h, dup))
    if len(idx) < 2:
        return drop, out_dst, out_dport
    k, nk = factorize(key(eni[idx], start[idx] - start[idx].min(), proto[idx], packets[idx], nbytes[idx]))
    multi = np.bincount(k, minlength=nk)[k] > 1
    idx, k = idx[multi], k[multi]
    if len(idx) < 2:
        return drop, out_dst, out_dport
    legs = pd.DataFrame({"k": k, "i": idx, "n_": raw_dst[idx]})
    second = pd.DataFrame({"k": k, "j": idx, "n_": raw_src[idx]})
    pairs = legs.merge(second, on=["k", "n_"])
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    good = (
        (i != j)
        & (raw_src[i] != raw_dst[j])
        & (raw_dst[j] != raw_dst[i])
        & addr_local[raw_dst[i]]
        & ((dport[i] == dport[j]) | (sport[i] == sport[j]))
    )
    i, j = i[good], j[good]
    # a record is the second leg of at most one pair, and a dropped record is never a first leg
    j, first = np.unique(j, return_index=True)  # small: pairs only
    i = i[first]
    keep_pair = ~isin(i, j)
    i, j = i[keep_pair], j[keep_pair]
    drop[j] = True
    out_dst[i] = raw_dst[j]
    out_dport[i] = dport[j]
    return drop, out_dst, out_dport


def _conversations(a: dict[str, np.ndarray], eni: np.ndarray, addr_rank: np.ndarray) -> dict[str, np.ndarray]:
    """Keep one ENI's copy of each direction; orient each conversation client -> server.

    Both are the one conversation model (:mod:`flownb.analysis._conversations`), the
    rules ``flownb.conversations`` uses. ``eni`` codes are in ascending order of ENI
    id; ``addr_rank`` ranks the address codes by value.
    """
    m = len(a["row"])
    if m == 0:
        for k in ("conv", "resp", "rev", "rev_flags", "rev_reject", "cli", "srv", "svc"):
            a[k] = np.zeros(0, dtype=bool if k in ("resp", "rev", "rev_reject") else np.int64)
        return a
    src, dst, sp, dp, pr = a["src"], a["dst"], a["sport"], a["dport"], a["proto"]
    # orientation 0: (src, sport) is the lower end of the conversation
    table = conversation_table(src, sp, dst, dp, pr)
    conv, nconv, fwd = table.conv, table.m, table.fwd
    o = (~fwd).astype(np.int64)
    d2 = conv * 2 + o
    if (eni >= 0).any() and np.bincount(d2, minlength=2 * nconv).max() > 1:
        keep = counted_eni(d2, eni, a["bytes"], a["reject"], 2 * nconv)
        if not keep.all():
            kept = np.flatnonzero(keep)  # row numbers once: gathering by them beats masking each array
            a = {k: v[kept] for k, v in a.items()}
            conv, d2, fwd = conv[kept], d2[kept], fwd[kept]
            o = (~fwd).astype(np.int64)
    size = 2 * nconv
    count = np.bincount(d2, minlength=size)
    flags = np.where(a["flags"] >= 0, a["flags"], 0)
    ored = np.zeros(size, dtype=np.int64)
    np.bitwise_or.at(ored, d2, flags)
    rejected = np.bincount(d2[a["reject"]], minlength=size) > 0
    # per conversation: its two ends (every conversation keeps records of one ENI at least), and the
    # earliest start of each direction (who spoke first)
    lo_c, hi_c, port_lo, port_hi = table.lo_addr, table.hi_addr, table.lo_port, table.hi_port
    first = np.full(size, np.iinfo(np.int64).max)
    np.minimum.at(first, d2, a["start"])
    rank = np.append(addr_rank, -1)
    hi_server = server_is_hi(
        lo_port=port_lo,
        hi_port=port_hi,
        lo_addr=rank[lo_c],
        hi_addr=rank[hi_c],
        votes=handshake_votes(conv, o == 0, a["flags"], nconv),
        spoke=np.sign(first[1::2] - first[0::2]),
    )
    client = np.where(hi_server, 0, 1)  # 0: the lower end is the client
    resp = o != client[conv]
    rev = d2 ^ 1
    a["conv"] = conv
    a["resp"] = resp
    a["rev"] = count[rev] > 0
    a["rev_flags"] = np.where(a["rev"], ored[rev] & 22, -1)  # SYN, RST, ACK bits of the reverse direction
    a["rev_reject"] = rejected[rev]
    a["cli"] = np.where(resp, a["dst"], a["src"])
    a["srv"] = np.where(resp, a["src"], a["dst"])
    a["svc"] = np.where(resp, a["sport"], a["dport"])
    return a
