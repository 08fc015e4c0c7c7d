"""The verdicts: one table entry per verdict, with its meaning, when it applies, its explanation and next steps.

The table's order is the priority: the first verdict that applies is the main one
(``INCOMPLETE_DATA`` also outranks the verdicts that rest on an absence, listed in
its ``outranks``). A rule sees the :class:`Facts` of a set of records (the whole
window asked about, or one window of the timeline) and the verdicts of higher
priority already found; it returns whether it applies and may note details
(which ENIs) for its explanation.

Adding a verdict is one :class:`Verdict` entry here (and its test).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._addresses import codes_and_values
from .._frame import float_array, int_array, isin, seconds
from .._ports import EPHEMERAL_NACL, protocol_label
from ._records import Pair, action_codes, address_proof, enis_of, public_destination

__all__ = [
    "ANNOTATIONS",
    "TABLE",
    "VERDICTS",
    "Cells",
    "Facts",
    "Options",
    "Verdict",
    "codes_of",
    "evaluate",
    "explain",
    "next_steps",
    "notes",
    "pair_cells",
]

_ICMP = (1, 58)


@dataclass(frozen=True)
class Options:
    """The thresholds the rules use (keyword arguments of :func:`flownb.diagnose`)."""

    #: Bytes per packet of a TCP segment with no payload and no options (a RST; a SYN-ACK carries
    #: the MSS option, so it is longer): a 20-byte IPv4 header or a 40-byte IPv6 header, plus the
    #: 20-byte TCP header (RFC 791, RFC 8200, RFC 9293).
    rst_sizes: tuple[int, int] = (40, 60)
    #: Largest bytes per packet of a request that carries no data: SYNs with options (60 IPv4, 80 IPv6).
    syn_max: int = 80
    #: Seconds between the two legs of one flow on a NAT gateway's interface.
    nat_leg_window: float = 5.0
    #: Slack around a window when looking for SKIPDATA and for records of an interface: one
    #: aggregation interval at most (600 s, the VPC User Guide's longest).
    interval_slack: float = 600.0


@dataclass
class Facts:
    """What the records of one window say: the pair's masks cut to ``scope``.

    ``near`` is the scope give or take one window: whether a request was answered at all is
    looked for there, because an interface's aggregation intervals need not line up with the
    windows (a response may be logged in the interval after its request's).
    """

    p: Pair
    scope: np.ndarray
    lo: Any
    hi: Any
    options: Options
    near: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p, s = self.p, self.scope
        near = s if self.near is None else self.near
        base = _base(p)
        self.req = p.req & s
        self.resp = p.resp & s
        self.rows = self.req | self.resp
        self.egress = p.egress
        self.accept, self.reject = base["accept"], base["reject"]
        self.bpa = self.rows & base["bpa"]
        self.direct = base["direct"]
        self.flags = base["flags"]
        self.tcp = p.proto == 6 or (
            p.proto is None
            and "protocol" in p.df
            and self.rows.any()
            and bool((p.proto_arr[self.rows] == 6).all())
        )
        self.request_passed = bool((p.req & near & self.accept).any())
        self.responded = bool((p.resp & near).any())
        self.answered = self.resp & self.accept
        self.answered_near = bool((p.resp & near & self.accept).any())
        self.carried_data = bool(
            self.tcp
            and carried_data(base["packets"], base["bytes"], self.req & self.accept, self.options.syn_max)
        )

    def on(self, mask: np.ndarray) -> list[str]:
        """The ENIs that wrote the records of ``mask`` (sorted), or a placeholder without interface-id."""
        return sorted(self.enis(mask)) or ["the interface"]

    def enis(self, mask: np.ndarray) -> set[str]:
        base = _base(self.p)
        codes = base["eni_codes"]
        if codes is None:
            return set()
        used = np.unique(codes[mask])
        return {str(base["eni_names"][c]) for c in used if c >= 0}


# ---- the cells the rules decide on ------------------------------------------------------------------


@dataclass
class Cells:
    """Records grouped into cells: the windows of one pair's timeline, or the pairs of a whole VPC.

    Every rule decides for all cells at once from these per-record arrays (``cell`` says which
    cell a record belongs to); the whole window of :func:`flownb.diagnose` is one cell.
    """

    n: int
    cell: np.ndarray
    req: np.ndarray
    resp: np.ndarray
    egress: np.ndarray
    accept: np.ndarray
    reject: np.ndarray
    bpa: np.ndarray
    direct: np.ndarray
    igw: np.ndarray
    v6: np.ndarray
    tcp: np.ndarray  # per cell: every record of the cell is TCP
    eni: np.ndarray | None  # ENI codes (-1 missing); None: the format has no interface-id
    flags: np.ndarray | None
    packets: np.ndarray | None
    nbytes: np.ndarray | None
    start: np.ndarray  # epoch seconds, -inf when missing
    end: np.ndarray  # epoch seconds, +inf when missing
    lo: np.ndarray  # per cell: the window's bounds (NaN: the cell's records' own span)
    hi: np.ndarray
    options: Options
    #: per cell: cell k-1 is the window just before cell k (answers are looked for one window either side)
    adjacent: np.ndarray | None = None
    #: (cells, lo, hi) -> per cell: was the destination's ENI writing records then
    dst_logging: Callable[[Cells, np.ndarray, np.ndarray], np.ndarray] | None = None
    #: (cells, lo, hi) -> per cell: SKIPDATA on an ENI of the cell then
    skipped: Callable[[Cells, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray] | None = None
    #: only each cell's main verdict is wanted (the report): a costly rule may leave a cell False where a
    #: verdict above it that it does not outrank applies; the skipped callable gets the cells to ask
    main_only: bool = False

    def any(self, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[self.cell[mask]] = True
        return out

    def count(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.cell[mask], minlength=self.n)

    def near(self, per_cell: np.ndarray) -> np.ndarray:
        """True where the cell or an adjacent window is."""
        if self.adjacent is None or self.n < 2:
            return per_cell
        out = per_cell.copy()
        adj = self.adjacent[1:]
        out[1:] |= per_cell[:-1] & adj
        out[:-1] |= per_cell[1:] & adj
        return out

    def span(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: the earliest start and latest end of the records of ``mask`` (NaN where none)."""
        lo = np.full(self.n, np.inf)
        hi = np.full(self.n, -np.inf)
        np.minimum.at(lo, self.cell[mask], self.start[mask])
        np.maximum.at(hi, self.cell[mask], self.end[mask])
        none = ~self.any(mask)
        lo[none] = np.nan
        hi[none] = np.nan
        return lo, hi

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: its window, or where it has none, the span of its records."""
        if not (np.isnan(self.lo).any() or np.isnan(self.hi).any()):  # every cell has its window
            return self.lo, self.hi
        rlo, rhi = self.span(self.req | self.resp)
        return np.where(np.isnan(self.lo), rlo, self.lo), np.where(np.isnan(self.hi), rhi, self.hi)

    def eni_pairs(self, mask: np.ndarray) -> np.ndarray:
        """The distinct (cell, ENI) keys of the records of ``mask``."""
        ok = mask & (self.eni >= 0)
        return np.sort(pd.unique(self.cell[ok].astype(np.int64) * self.eni_base + self.eni[ok]))

    @property
    def eni_base(self) -> int:
        return int(self.eni.max()) + 2 if self.eni is not None and len(self.eni) else 1

    def memo(self, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        cache = self.__dict__.setdefault("_memo", {})
        if name not in cache:
            cache[name] = make()
        return cache[name]


def _request_passed(c: Cells) -> np.ndarray:
    return c.memo("passed", lambda: c.near(c.any(c.req & c.accept)))


def _responded(c: Cells) -> np.ndarray:
    return c.memo("responded", lambda: c.near(c.any(c.resp)))


def _carried(c: Cells) -> np.ndarray:
    """Per cell: did most accepted request records carry data (more bytes per packet than a SYN)?
    Then the handshake had completed: TCP sends data only after the SYN-ACK. Most records, not
    one: a lone odd-sized packet (a retransmission with data, a middlebox) proves nothing."""

    def make() -> np.ndarray:
        if c.packets is None or c.nbytes is None:
            return np.zeros(c.n, dtype=bool)
        ok = c.req & c.accept & (c.packets > 0)
        rows = np.flatnonzero(ok)
        big = c.nbytes[rows] > c.options.syn_max * c.packets[rows]
        # one pass: each cell's (records with data) - (records without), positive when most carried data
        # (so also only where there is one); whole numbers, exact in float64 below 2**53 records
        lead = np.bincount(c.cell[rows], weights=np.where(big, 1.0, -1.0), minlength=c.n)
        return c.tcp & (lead > 0)

    return c.memo("carried", make)


def _unanswered(c: Cells) -> np.ndarray:
    """Requests passed, no response logged near them, and nothing says the handshake completed."""
    return _request_passed(c) & ~_responded(c) & ~_carried(c)


def _rule_bpa(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    return c.any(c.bpa)


def _rule_rejected(request: bool, egress: bool) -> Callable[[Cells, dict[str, np.ndarray]], np.ndarray]:
    def rule(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
        return c.any(_rejected_mask(c, request, egress))

    return rule


def _rejected_mask(x: Any, request: bool, egress: bool) -> np.ndarray:
    """Rejected requests (or responses) leaving (or arriving at) their ENI, not by Block Public Access."""
    return (x.req if request else x.resp) & (x.egress if egress else ~x.egress) & x.reject & ~x.bpa


def _rule_refused(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    """Answers that are resets only: from tcp-flags (RST, never SYN-ACK) where the records have them;
    otherwise from sizes: every answer packet a bare header (``rst_sizes``) and no data sent."""
    answered = c.resp & c.accept
    out = np.zeros(c.n, dtype=bool)
    with_flags = np.zeros(c.n, dtype=bool)
    if c.flags is not None:
        known = answered & (c.flags >= 0)
        with_flags = c.any(known)
        rst = c.any(known & (c.flags & 4 == 4))
        synack = c.any(known & (c.flags & 18 == 18))
        out |= with_flags & rst & ~synack
    if c.packets is not None and c.nbytes is not None:
        sized = answered & (c.packets > 0)
        bare = np.where(c.v6, c.options.rst_sizes[1], c.options.rst_sizes[0]) * c.packets
        odd = c.any(sized & (c.nbytes != bare))
        out |= ~with_flags & c.any(sized) & ~odd & ~_carried(c)
    return out & c.tcp


def _rule_asymmetric(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    """The two directions on different interfaces: requests left the source through one ENI and the
    responses came back through another, or requests arrived at the destination on one ENI and the
    responses left through another (a gateway interface's legs are not counted)."""
    if c.eni is None:
        return np.zeros(c.n, dtype=bool)
    ok = c.accept & c.direct
    out = np.zeros(c.n, dtype=bool)
    for first, second in ((c.req & c.egress, c.resp & ~c.egress), (c.req & ~c.egress, c.resp & c.egress)):
        a, b = first & ok, second & ok
        cand = c.any(a) & c.any(b)  # only cells with both directions can be asymmetric
        if not cand.any():
            continue
        in_cand = cand[c.cell]
        a, b = a & in_cand, b & in_cand
        shared = np.intersect1d(c.eni_pairs(a), c.eni_pairs(b), assume_unique=True)
        both = np.zeros(c.n, dtype=bool)
        both[(shared // c.eni_base).astype(np.int64)] = True
        out |= cand & ~both
    return out


def _rule_not_delivered(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    """Requests that left, never arrived on the destination's ENI while that ENI was logging then.

    This rests on the source's interface logging the request it sent. AWS documents that a packet
    the route table cannot deliver never reaches the destination's interface (so the destination logs
    nothing), not whether the source's interface writes an egress record for it; when it does not,
    nothing is seen at all and the verdict is NO_TRAFFIC_SEEN (notebook 04, "What flow logs cannot tell").
    """
    cand = _unanswered(c) & ~c.any(c.req & ~c.egress)
    if c.eni is None or c.dst_logging is None or not cand.any():
        return np.zeros(c.n, dtype=bool)
    lo, hi = c.span(c.req & c.accept)  # the minutes of the requests
    return cand & c.dst_logging(c, lo, hi)


def _rule_no_response(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    blocked = found["OUTBOUND_BLOCKED_SG_OR_NACL"] | found["INBOUND_BLOCKED_SG_OR_NACL"]
    return _unanswered(c) & ~found["NOT_DELIVERED"] & ~blocked


def _rule_unexpected_egress(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    return c.any(c.req & c.igw)


def _rule_reachable(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    inferred = _request_passed(c) & ~_responded(c) & _carried(c)  # TCP sent data: it was answered
    answered = c.near(c.any(c.resp & c.accept))
    blocked = (
        found["NACL_OUTBOUND_BLOCKS_RETURN"]
        | found["NACL_INBOUND_BLOCKS_RETURN"]
        | found["CONNECTION_REFUSED"]
    )
    return inferred | (answered & _request_passed(c) & ~blocked)


def _rule_incomplete(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    if c.skipped is None:
        return np.zeros(c.n, dtype=bool)
    lo, hi = c.bounds()
    ask = None
    if c.main_only:  # it can be the main verdict only where none above applies, or one it outranks first
        me = _POSITION["INCOMPLETE_DATA"]
        first = np.full(c.n, me, dtype=np.int64)
        for j in range(me - 1, -1, -1):
            first[found[TABLE[j].code]] = j
        open_to = np.zeros(me + 1, dtype=bool)
        open_to[[_POSITION[x] for x in TABLE[me].outranks if _POSITION[x] < me] + [me]] = True
        ask = open_to[first]
    return c.skipped(c, lo, hi, ask)


def _rule_nothing(c: Cells, found: dict[str, np.ndarray]) -> np.ndarray:
    return ~c.any(c.req | c.resp)


# ---- what the explanation names: the details of one cell ------------------------------------------


def _note_bpa(f: Facts) -> None:
    f.details["bpa"] = f.on(f.bpa)


def _note_rejected(key: str, request: bool, egress: bool) -> Callable[[Facts], None]:
    def note(f: Facts) -> None:
        f.details[key] = f.on(_rejected_mask(f, request, egress))

    return note


def _note_asymmetric(f: Facts) -> None:
    acc, eg, d = f.accept, f.egress, f.direct
    sent_on, back_on = f.enis(f.req & eg & acc & d), f.enis(f.resp & ~eg & acc & d)
    recv_on, reply_on = f.enis(f.req & ~eg & acc & d), f.enis(f.resp & eg & acc & d)
    if sent_on and back_on and not (back_on & sent_on):
        f.details["asym"] = ("source", sorted(sent_on), sorted(back_on))
    else:
        f.details["asym"] = ("destination", sorted(recv_on), sorted(reply_on))


def _request_span(f: Facts) -> tuple[Any, Any]:
    p = f.p
    if "start" in p.df and "end" in p.df:
        sent = f.req & f.accept
        return p.df["start"][sent].min(), p.df["end"][sent].max()
    return f.lo, f.hi


def _note_not_delivered(f: Facts) -> None:
    lo, hi = _request_span(f)
    p = f.p
    f.details["b_enis"] = [e for e in p.b_enis if logging_between(p, e, lo, hi, f.options.interval_slack)]


def _note_no_response(f: Facts) -> None:
    f.details["delivered"] = bool((f.req & ~f.egress & f.accept).any())
    f.details["b_enis_quiet"] = list(f.p.b_enis)  # the destination's ENIs, not logging at that time


def _note_unexpected_egress(f: Facts) -> None:
    f.details["igw"] = f.on(f.req & _base(f.p)["igw"])


def _note_reachable(f: Facts) -> None:
    if f.request_passed and not f.responded and f.carried_data:
        f.details["inferred_answer"] = True


def _note_incomplete(f: Facts) -> None:
    p = f.p
    lo, hi = f.lo, f.hi
    if "start" in p.df and "end" in p.df and f.rows.any():
        lo = lo if lo is not None else p.df["start"][f.rows].min()
        hi = hi if hi is not None else p.df["end"][f.rows].max()
    watch = watched_enis(p)
    skipped = skipdata(p, sorted(watch) if watch else None, lo, hi, f.options.interval_slack)
    f.details["skipped"] = skipped


def watched_enis(p: Pair) -> set[str]:
    """The ENIs whose SKIPDATA makes the pair's absence unprovable: those of its records, of src and
    dst, and any ENI with SKIPDATA whose own address is src's or dst's. Empty when none is known:
    then any ENI's skipped records might have been theirs."""
    if "watched" not in p.cache:
        watch = set(p.involved_enis) | set(p.a_enis) | set(p.b_enis)
        eni, _, _ = _skip_table(p)
        skip_enis = sorted({str(e) for e in eni if e is not None and not pd.isna(e)})
        if skip_enis and not watch & set(skip_enis) and "interface_id" in p.full:
            for eps, nets, other in ((p.a, p.nets_a, p.nets_b), (p.b, p.nets_b, p.nets_a)):
                if eps.eni is None:
                    watch |= set(enis_of(p.full, nets, eps, exclude=other, within=skip_enis))
        p.cache["watched"] = watch
    return p.cache["watched"]


def pair_cells(
    p: Pair,
    cell: np.ndarray,
    n: int,
    lo: np.ndarray,
    hi: np.ndarray,
    options: Options,
    adjacent: np.ndarray | None = None,
) -> Cells:
    """The cells of one pair's records (``cell`` per record of ``p.df``; -1: in no cell)."""
    base = _base(p)
    use = cell >= 0
    idx = np.flatnonzero(use)
    cell = cell[idx].astype(np.int64)

    def take(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else a[idx]

    if p.proto == 6:
        tcp = np.ones(n, dtype=bool)
    elif p.proto is None and "protocol" in p.df:
        not_tcp = np.bincount(cell[p.proto_arr[idx] != 6], minlength=n) > 0
        tcp = ~not_tcp & (np.bincount(cell, minlength=n) > 0)
    else:
        tcp = np.zeros(n, dtype=bool)
    st, en = base["times"]
    if "interface_id" in p.df and not p.b_enis and not p.cache.get("b_searched"):
        p.b_enis = enis_of(p.full, p.nets_b, p.b, exclude=p.nets_a)
        p.cache["b_searched"] = True
    return Cells(
        n=n,
        cell=cell,
        req=p.req[idx],
        resp=p.resp[idx],
        egress=p.egress[idx],
        accept=base["accept"][idx],
        reject=base["reject"][idx],
        bpa=(base["bpa"] & (p.req | p.resp))[idx],
        direct=base["direct"][idx],
        igw=base["igw"][idx],
        v6=base["v6"][idx],
        tcp=tcp,
        eni=take(base["eni_codes"]),
        flags=take(base["flags"]),
        packets=take(base["packets"]),
        nbytes=take(base["bytes"]),
        start=st[idx],
        end=en[idx],
        lo=lo,
        hi=hi,
        options=options,
        adjacent=adjacent,
        dst_logging=lambda c, a, b: _logging_cells(p, p.b_enis, a, b, options.interval_slack),
        skipped=lambda c, a, b, ask: _skipped_cells(p, a, b, options.interval_slack),
    )


def _counts_overlapping(st: np.ndarray, en: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per window [lo, hi]: how many records [st, en] overlap it (a NaN bound is unbounded)."""
    st_sorted = st if _is_sorted(st) else np.sort(st)
    en_sorted = en if _is_sorted(en) else np.sort(en)
    lo, hi = np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)
    # records starting by hi, minus those that ended before lo (those started before hi too)
    return np.searchsorted(st_sorted, hi, side="right") - np.searchsorted(en_sorted, lo, side="left")


def _is_sorted(a: np.ndarray) -> bool:
    return len(a) < 2 or bool((a[1:] >= a[:-1]).all())


def _logging_cells(p: Pair, enis: list[str], lo: np.ndarray, hi: np.ndarray, slack: float) -> np.ndarray:
    out = np.zeros(len(lo), dtype=bool)
    for e in enis:
        key = ("times", e)
        if key not in p.cache:
            p.cache[key] = _times(p.full, np.flatnonzero(isin(p.full["interface_id"], [e])))
        st, en = p.cache[key]
        out |= _counts_overlapping(st, en, lo - slack, hi + slack) > 0
    return out


def _skipped_cells(p: Pair, lo: np.ndarray, hi: np.ndarray, slack: float) -> np.ndarray:
    eni, st, en = _skip_table(p)
    if not len(eni):
        return np.zeros(len(lo), dtype=bool)
    watch = watched_enis(p)
    if watch:
        keep = np.isin(eni.astype(str), sorted(watch))
        st, en = st[keep], en[keep]
    return _counts_overlapping(st, en, lo - slack, hi + slack) > 0


# ---- explanations ----------------------------------------------------------------------------------


@dataclass
class Context:
    """What explanations and next steps read: the pair, the facts, and words for both."""

    p: Pair
    f: Facts
    verdicts: list[str]

    @property
    def a_text(self) -> str:
        p = self.p
        return f"{p.a} ({', '.join(p.addrs_a)})" if p.a.eni and p.addrs_a else str(p.a)

    @property
    def b_text(self) -> str:
        p = self.p
        return f"{p.b} ({', '.join(p.addrs_b)})" if p.b.eni and p.addrs_b else str(p.b)

    @property
    def proto_name(self) -> str:
        p = self.p
        if p.proto is not None:
            return protocol_label(p.proto)
        rows = p.rows
        if "protocol" in p.df and rows.any():
            vals = p.df["protocol"][rows].dropna().unique()
            if len(vals) == 1:
                return protocol_label(int(vals[0]))
        return "the traffic"

    @property
    def is_icmp(self) -> bool:
        return self.proto_name in ("ICMP", "ICMPv6")

    def server_port(self) -> int | None:
        p = self.p
        if p.port is not None:
            return p.port
        if p.req.any() and "dstport" in p.df:
            ports = pd.unique(p.dp[p.req & (p.dp >= 0)])
            if len(ports) == 1:
                return int(ports[0])
        return None

    @property
    def service(self) -> str:
        if self.is_icmp:
            return self.proto_name
        port = self.server_port()
        if port is not None:
            return f"{self.proto_name} port {port}"
        return self.proto_name if self.proto_name != "the traffic" else "any port"

    def subnet_id(self, eni: str) -> str | None:
        df = self.p.df
        if "subnet_id" in df and "interface_id" in df:
            vals = df.loc[df["interface_id"] == eni, "subnet_id"].dropna().unique()
            if len(vals):
                return str(vals[0])
        return None

    def subnet(self, eni: str) -> str:
        sid = self.subnet_id(eni)
        return f"subnet {sid} ({eni})" if sid else f"the subnet of {eni}"

    def client_ports(self) -> str:
        p = self.p
        if self.is_icmp or "srcport" not in p.df:
            return ""
        ports = p.sp[p.req & (p.sp >= 0)]
        if not len(ports):
            return ""
        lo, hi = int(ports.min()), int(ports.max())
        return f" (the client used port {lo})" if lo == hi else f" (the client used ports {lo}-{hi})"

    @property
    def ephemeral(self) -> str:
        lo, hi = EPHEMERAL_NACL
        return "" if self.is_icmp else f" on ports {lo}-{hi}"

    def reachability_command(self) -> str:
        p = self.p
        src = p.a.eni or (p.a_enis[0] if len(p.a_enis) == 1 else f"<ENI or instance id of {p.a}>")
        parts = ["aws", "ec2", "create-network-insights-path", "--source", src]
        dst_eni = p.b.eni or (p.b_enis[0] if len(p.b_enis) == 1 else None)
        if dst_eni:
            parts += ["--destination", dst_eni]
        if p.b.network is not None and p.b.is_single_address:
            parts += ["--destination-ip", str(p.b.network.network_address)]
        elif p.addrs_b:
            parts += ["--destination-ip", p.addrs_b[0]]
        parts += ["--protocol", "udp" if self.proto_name == "UDP" else "tcp"]
        port = self.server_port()
        if port is not None and not self.is_icmp:
            parts += ["--destination-port", str(port)]
        return " ".join(x if x.startswith("<") else shlex.quote(x) for x in parts)

    def analyse(self) -> list[str]:
        return [
            self.reachability_command(),
            "aws ec2 start-network-insights-analysis --network-insights-path-id <NetworkInsightsPathId from the output>",
        ]


def _eni_arg(eni: str) -> str:
    return eni if eni.startswith("eni-") else "<eni-id>"


def _x_bpa(c: Context) -> list[str]:
    return [
        f"Traffic between {c.a_text} and {c.b_text} was rejected with reject-reason BPA on "
        f"{', '.join(c.f.details['bpa'])}: VPC Block Public Access blocks internet traffic to and from this VPC "
        "or subnet.",
        "Security groups and network ACLs are not the cause; add a BPA exclusion for the subnet or VPC if the "
        "traffic is intended.",
    ]


def _x_nacl_out(c: Context) -> list[str]:
    enis = c.f.details["nacl_out"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was accepted, but the response was rejected "
        f"leaving {', '.join(enis)}.",
        "Security groups are stateful and always let the response to an accepted request out, so a network ACL "
        "is dropping it.",
        f"The network ACL of {c.subnet(enis[0])} must allow outbound {c.proto_name} to {c.p.a}{c.ephemeral}"
        f"{c.client_ports()}.",
    ]


def _x_nacl_in(c: Context) -> list[str]:
    enis = c.f.details["nacl_in"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left and was answered, but the response was "
        f"rejected arriving at {', '.join(enis)}.",
        "Security groups are stateful and always let the response to an accepted request in, so a network ACL "
        "is dropping it.",
        f"The network ACL of {c.subnet(enis[0])} must allow inbound {c.proto_name} from {c.p.b}{c.ephemeral}"
        f"{c.client_ports()}.",
    ]


def _x_out_blocked(c: Context) -> list[str]:
    enis = c.f.details["out_blocked"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was rejected leaving {', '.join(enis)}.",
        "A single REJECT cannot say whether the security group's outbound rules or the network ACL's outbound "
        f"rules of {c.subnet(enis[0])} dropped it: check both, or let Reachability Analyzer name the rule.",
    ]


def _x_in_blocked(c: Context) -> list[str]:
    enis = c.f.details["in_blocked"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was rejected arriving at {', '.join(enis)}.",
        "A single REJECT cannot say whether the security group's inbound rules or the network ACL's inbound "
        f"rules of {c.subnet(enis[0])} dropped it: the security group must allow {c.service} from {c.p.a}, and so "
        "must the network ACL; Reachability Analyzer can name the rule.",
    ]


def _x_refused(c: Context) -> list[str]:
    return [
        f"{c.b_text} answered {c.a_text}'s connection attempts on {c.service} with a TCP reset (RST) and never "
        "with SYN-ACK: the network path is open, but nothing listens on that port.",
        "Check that the service runs and listens on the right address and port on the destination host.",
    ]


def _x_asym(c: Context) -> list[str]:
    where, one, other = c.f.details["asym"]
    if where == "source":
        first = (
            f"Requests from {c.a_text} to {c.b_text} ({c.service}) left through {', '.join(one)}, but the "
            f"responses came back through {', '.join(other)}."
        )
    else:
        first = (
            f"Requests from {c.a_text} to {c.b_text} ({c.service}) arrived on {', '.join(one)}, but the "
            f"responses left through {', '.join(other)}."
        )
    return [
        first,
        "Route tables send the two directions different ways (another interface, a firewall appliance or a "
        "different gateway); stateful devices on one path drop what they did not see start. Make the routes "
        "symmetric.",
    ]


def _x_not_delivered(c: Context) -> list[str]:
    enis = c.f.details["b_enis"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left the source accepted, but "
        f"{', '.join(enis)}, which holds the destination address and was writing flow logs in the same "
        "minutes, never recorded it.",
        "; ".join(address_proof(c.p.full, e, c.p.nets_b) for e in enis) + ".",
        "Something between drops it before any security group or network ACL of the destination sees it: a "
        "missing or blackhole route, a wrong target, a firewall or gateway on the path.",
    ]


def _x_no_response(c: Context) -> list[str]:
    if c.f.details.get("delivered"):
        return [
            f"The request from {c.a_text} to {c.b_text} ({c.service}) reached the destination's interface and "
            "was accepted, but no response was ever logged.",
            "The security groups and network ACLs let it in; the host did not answer (service down, a host "
            "firewall, or a UDP service that stays silent).",
        ]
    quiet = c.f.details.get("b_enis_quiet")
    where = (
        f"{', '.join(quiet)}, which holds the destination address, wrote no records in those minutes"
        if quiet
        else "the destination's interface is not in these records"
    )
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left the source accepted, and no response was "
        f"ever logged; {where}.",
        "Either the destination did not answer, or something beyond the source drops the traffic (routes, "
        "gateways, the remote side's firewall).",
    ]


def _x_unexpected_egress(c: Context) -> list[str]:
    return [
        f"Traffic from {c.a_text} to the private address {c.b_text} left through an internet gateway "
        f"(traffic-path 2 or 8) on {', '.join(c.f.details['igw'])}.",
        "Private destinations should be reached through the VPC, a peering, a transit gateway or a VPN; check "
        "the route table.",
    ]


def _x_reachable(c: Context) -> list[str]:
    if c.f.details.get("inferred_answer"):
        return [
            f"{c.a_text} reaches {c.b_text} ({c.service}): the requests were accepted and carried data, which TCP "
            "sends only after the server has answered the handshake.",
            "The responses themselves are not in these records (the other interface is not logged here).",
        ]
    return [f"{c.a_text} reaches {c.b_text} ({c.service}): requests and responses were both accepted."]


def _x_incomplete(c: Context) -> list[str]:
    skipped = c.f.details["skipped"]
    s = [
        f"Records were skipped (SKIPDATA) on {', '.join(skipped)} in this window, so not seeing "
        f"traffic between {c.a_text} and {c.b_text} proves nothing."
    ]
    own = [e for e in skipped if e in c.p.b_enis or e in c.p.a_enis]
    if own:
        s.append(
            "; ".join(address_proof(c.p.full, e, c.p.nets_b if e in c.p.b_enis else c.p.nets_a) for e in own)
            + "."
        )
    rest = [v for v in c.verdicts if v in VERDICTS and v != "INCOMPLETE_DATA"]
    if rest:
        s.append(f"With the records there are, it looks like {rest[0]}: {VERDICTS[rest[0]]}.")
    return s


def _x_nothing(c: Context) -> list[str]:
    p = c.p
    if (p.a.eni and not p.addrs_a) or (p.b.eni and not p.addrs_b):
        missing = [str(e.eni) for e, ad in ((p.a, p.addrs_a), (p.b, p.addrs_b)) if e.eni and not ad]
        return [
            f"{' and '.join(missing)} has no traffic records in the data, so its address is unknown.",
            "Check the interface id, the time range, and that the flow log covers that interface.",
        ]
    svc = c.service
    return [
        f"No record in the data shows traffic from {c.a_text} to {c.b_text}"
        + (f" ({svc})." if svc != "the traffic" else "."),
        "Either nothing was sent, the time window or interfaces logged do not cover it, or the traffic is of a "
        "kind flow logs never record (Amazon DNS, instance metadata, time sync, DHCP).",
    ]


# ---- next steps ------------------------------------------------------------------------------------


def _n_nacl(way: str) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        eni = c.f.details["nacl_out" if way == "outbound" else "nacl_in"][0]
        subnet = c.subnet_id(eni)
        lo, hi = EPHEMERAL_NACL
        return [
            f"aws ec2 describe-network-acls --filters Name=association.subnet-id,Values={subnet}"
            if subnet
            else f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
            "--query 'NetworkInterfaces[].SubnetId'",
            f"Add an {way} rule allowing {c.proto_name} "
            + ("" if c.is_icmp else f"ports {lo}-{hi} ")
            + f"{'to' if way == 'outbound' else 'from'} {c.p.a if way == 'outbound' else c.p.b}, numbered below "
            "any deny that matches.",
        ]

    return steps


def _n_blocked(key: str) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        eni = c.f.details[key][0]
        return [
            f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
            "--query 'NetworkInterfaces[].[SubnetId,Groups]'",
            "Check the security group rules and the subnet's network ACL rules for this traffic, or let "
            "Reachability Analyzer say which:",
            *c.analyse(),
        ]

    return steps


def _n_refused(c: Context) -> list[str]:
    return [f"On {c.p.b}: check that the service listens (ss -ltnp / netstat -an) on {c.service}."]


_ROUTES = (
    "Compare the route tables of both subnets: aws ec2 describe-route-tables --filters "
    "Name=association.subnet-id,Values=<subnet>"
)


def _n_path(first: Callable[[Context], list[str]]) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        return [*first(c), "Reachability Analyzer checks the configuration along the path:", *c.analyse()]

    return steps


def _n_bpa(c: Context) -> list[str]:
    return [
        "aws ec2 describe-vpc-block-public-access-options",
        "aws ec2 describe-vpc-block-public-access-exclusions",
    ]


def _n_egress(c: Context) -> list[str]:
    return ["aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<the source's subnet>"]


def _n_none(c: Context) -> list[str]:
    return []


# ---- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One verdict: its code, what it means, when it applies, and what to say and do about it."""

    code: str
    meaning: str
    #: (cells, the verdicts of higher priority found so far) -> per cell: does it apply
    applies: Callable[[Cells, dict[str, np.ndarray]], np.ndarray]
    explain: Callable[[Context], list[str]]
    next_steps: Callable[[Context], list[str]]
    #: verdicts of higher priority that this one outranks when both apply
    outranks: tuple[str, ...] = ()
    #: does the verdict say something is broken (the connectivity report lists those)
    failing: bool = True
    #: fills the details its explanation names (ENIs, ...) from the records of one cell
    note: Callable[[Facts], None] | None = None
    #: the fix in one line, for the connectivity report: ``{client}``, ``{server}``, ``{service}``,
    #: ``{proto}`` and ``{ephemeral}`` are filled in
    fix: str = ""


#: Every verdict, in priority order (most decisive first).
TABLE: tuple[Verdict, ...] = (
    Verdict(
        "BLOCKED_BY_VPC_BPA",
        "VPC Block Public Access rejected the traffic",
        _rule_bpa,
        _x_bpa,
        _n_bpa,
        note=_note_bpa,
        fix="Add a VPC Block Public Access exclusion for the subnet or VPC of {server}, if this traffic is intended",
    ),
    Verdict(
        "NACL_OUTBOUND_BLOCKS_RETURN",
        "the destination's network ACL drops the response on its way out",
        _rule_rejected(
            request=False,
            egress=True,
        ),
        _x_nacl_out,
        _n_nacl("outbound"),
        note=_note_rejected("nacl_out", request=False, egress=True),
        fix="Allow outbound {proto}{ephemeral} to {client} in the network ACL of {server}'s subnet",
    ),
    Verdict(
        "NACL_INBOUND_BLOCKS_RETURN",
        "the source's network ACL drops the response on its way in",
        _rule_rejected(
            request=False,
            egress=False,
        ),
        _x_nacl_in,
        _n_nacl("inbound"),
        note=_note_rejected("nacl_in", request=False, egress=False),
        fix="Allow inbound {proto}{ephemeral} from {server} in the network ACL of {client}'s subnet",
    ),
    Verdict(
        "OUTBOUND_BLOCKED_SG_OR_NACL",
        "the request is rejected leaving the source (security group or network ACL)",
        _rule_rejected(
            request=True,
            egress=True,
        ),
        _x_out_blocked,
        _n_blocked("out_blocked"),
        note=_note_rejected("out_blocked", request=True, egress=True),
        fix="Allow {service} to {server} outbound in the security group of {client} and its subnet's network ACL",
    ),
    Verdict(
        "INBOUND_BLOCKED_SG_OR_NACL",
        "the request is rejected arriving at the destination (security group or network ACL)",
        _rule_rejected(
            request=True,
            egress=False,
        ),
        _x_in_blocked,
        _n_blocked("in_blocked"),
        note=_note_rejected("in_blocked", request=True, egress=False),
        fix="Allow {service} from {client} inbound in the security group of {server} and its subnet's network ACL",
    ),
    Verdict(
        "CONNECTION_REFUSED",
        "the destination answered with a TCP reset: nothing listens on the port",
        _rule_refused,
        _x_refused,
        _n_refused,
        fix="Start (or fix the listening address of) the service on {server} {service}: nothing listens there",
    ),
    Verdict(
        "ASYMMETRIC_PATH",
        "the response comes back on a different path than the request left on",
        _rule_asymmetric,
        _x_asym,
        _n_path(
            lambda c: [_ROUTES],
        ),
        note=_note_asymmetric,
        fix="Make the routes between {client} and {server} symmetric (the route tables of both subnets)",
    ),
    Verdict(
        "NOT_DELIVERED",
        "the request left the source but never reached the destination's interface",
        _rule_not_delivered,
        _x_not_delivered,
        _n_path(
            lambda c: [_ROUTES],
        ),
        note=_note_not_delivered,
        fix="Fix the route from {client}'s subnet to {server} (a missing or blackhole route, a wrong target)",
    ),
    Verdict(
        "NO_RESPONSE",
        "the request was accepted but nothing answered",
        _rule_no_response,
        _x_no_response,
        _n_path(
            lambda c: [
                f"On {c.p.b}: check that the service runs and that no host firewall drops {c.service}."
            ],
        ),
        note=_note_no_response,
        fix="Check that the service on {server} {service} runs and that no host firewall drops it",
    ),
    Verdict(
        "UNEXPECTED_EGRESS_PATH",
        "traffic to a private address left through an internet gateway",
        _rule_unexpected_egress,
        _x_unexpected_egress,
        _n_egress,
        note=_note_unexpected_egress,
        fix="Route {server} through the VPC, a peering, a transit gateway or a VPN, not the internet gateway",
    ),
    Verdict(
        "REACHABLE",
        "requests and responses both pass",
        _rule_reachable,
        _x_reachable,
        _n_none,
        failing=False,
        note=_note_reachable,
    ),
    Verdict(
        "INCOMPLETE_DATA",
        "records were skipped (SKIPDATA): the absence of traffic proves nothing",
        _rule_incomplete,
        _x_incomplete,
        _n_path(
            lambda c: [
                "Read the records of a window without SKIPDATA (flownb.coverage(df) shows which windows are complete)."
            ]
        ),
        outranks=("NOT_DELIVERED", "NO_RESPONSE", "NO_TRAFFIC_SEEN"),
        failing=False,
        note=_note_incomplete,
    ),
    Verdict(
        "NO_TRAFFIC_SEEN",
        "no records between the two in the data",
        _rule_nothing,
        _x_nothing,
        _n_path(
            lambda c: [
                "Check the time window and that flow logs are enabled on both interfaces (flownb.coverage(df))."
            ]
        ),
        failing=False,
    ),
)

_BY_CODE = {v.code: v for v in TABLE}
_POSITION = {v.code: j for j, v in enumerate(TABLE)}

#: Verdict codes (DESIGN.md) and what each means, most decisive first.
VERDICTS: dict[str, str] = {v.code: v.meaning for v in TABLE}

#: Annotations that appear in ``Diagnosis.verdicts`` only, never as the main verdict.
ANNOTATIONS: dict[str, str] = {
    "VIA_NAT_GATEWAY": "the traffic goes through a NAT gateway (legs joined on pkt-* fields and time)",
    "VIA_TRANSIT_GATEWAY": "the traffic goes through a transit gateway (original addresses in pkt-* fields)",
}


def evaluate(cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """Every rule for every cell: ``found`` (cells x verdicts, in table order) and the main verdict's
    position per cell (-1 where none applies)."""
    found: dict[str, np.ndarray] = {}
    for v in TABLE:
        found[v.code] = np.asarray(v.applies(cells, found), dtype=bool)
    matrix = np.column_stack([found[v.code] for v in TABLE]) if cells.n else np.zeros((0, len(TABLE)), bool)
    # the first verdict that applies: each one, from the last to the first, over those after it
    main = np.full(cells.n, -1, dtype=np.int64)
    for j in range(len(TABLE) - 1, -1, -1):
        main[found[TABLE[j].code]] = j
    for j, v in enumerate(TABLE):
        if v.outranks:
            beats = np.zeros(len(TABLE) + 1, dtype=bool)  # (the last: no verdict, main -1)
            beats[[_POSITION[c] for c in v.outranks]] = True
            main[beats[main] & found[v.code]] = j
    return matrix, main


def codes_of(matrix_row: np.ndarray, main: int) -> list[str]:
    """The verdict codes of one cell, the main one first."""
    if main < 0:
        return []
    return [TABLE[main].code, *[v.code for j, v in enumerate(TABLE) if matrix_row[j] and j != main]]


def notes(f: Facts, codes: list[str]) -> None:
    """Fill ``f.details`` with what the explanations of ``codes`` name."""
    for code in codes:
        note = _BY_CODE[code].note
        if note is not None:
            note(f)


def explain(main: str, verdicts: list[str], f: Facts) -> str:
    """The explanation of the main verdict, with what the gateways and missing directions add."""
    p = f.p
    c = Context(p, f, verdicts)
    s = _BY_CODE[main].explain(c)
    if main != "NO_TRAFFIC_SEEN":  # what the version 11 next hop and reject-reason prove
        from ._nexthop import evidence

        s += evidence(p, f)
    if p.via_nat and main != "NO_TRAFFIC_SEEN":
        s.append(
            "The traffic goes through a NAT gateway: its records carry the original addresses in pkt-srcaddr and "
            "pkt-dstaddr, and its leg to the destination was joined on address, port and time."
        )
    if p.via_tgw and main != "NO_TRAFFIC_SEEN":
        s.append(
            "The traffic crosses a transit gateway, which does not change the addresses: its attachment "
            "interface is a hop that writes its own address in srcaddr/dstaddr and the packet's in "
            "pkt-srcaddr/pkt-dstaddr."
        )
    if p.assumed and main not in ("REACHABLE", "NO_TRAFFIC_SEEN"):
        s.append(
            "Some records do not say which side their interface is on (no flow-direction field); they were read "
            "from the destination's interface, as in the AWS examples."
        )
    return " ".join(s[:5])


def next_steps(main: str, verdicts: list[str], f: Facts) -> list[str]:
    c = Context(f.p, f, verdicts)
    steps = _BY_CODE[main].next_steps(c)
    if main != "NO_TRAFFIC_SEEN":
        from ._nexthop import no_route_step

        route = no_route_step(f.p, f)
        if route is not None:
            steps.insert(0, route)
    if c.is_icmp and c.reachability_command() in steps:
        steps.append(
            "Reachability Analyzer analyses TCP and UDP only: test the ping's path with the port of a service."
        )
    return steps


# ---- record tests the rules share ------------------------------------------------------------------


def carried_data(
    packets: np.ndarray | None, nbytes: np.ndarray | None, requests: np.ndarray, syn_max: int
) -> bool:
    """Did the client send data (more bytes per packet than a SYN) in most request records?
    Then the handshake had completed: TCP sends data only after the SYN-ACK."""
    if packets is None or nbytes is None or not requests.any():
        return False
    pk, by = packets[requests], nbytes[requests]
    ok = pk > 0
    # most records, not one: a lone odd-sized packet (a retransmission with data, a middlebox)
    # is no proof of a completed handshake
    return bool(ok.any() and (by[ok] / pk[ok] > syn_max).mean() > 0.5)


def _seconds(ts: Any) -> float | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).timestamp()


def _overlap(start: np.ndarray, end: np.ndarray, lo: Any, hi: Any, slack: float) -> np.ndarray:
    """Which of the records [start, end] (epoch seconds) overlap [lo - slack, hi + slack]; None is unbounded."""
    keep = np.ones(len(start), dtype=bool)
    lo_s, hi_s = _seconds(lo), _seconds(hi)
    if lo_s is not None:
        keep &= end >= lo_s - slack
    if hi_s is not None:
        keep &= start <= hi_s + slack
    return keep


def _times(df: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of ``rows`` (indices) in epoch seconds; a missing time never excludes a record."""
    if "start" not in df or "end" not in df:
        n = len(rows)
        return np.full(n, -np.inf), np.full(n, np.inf)
    st = seconds(df["start"].iloc[rows]).astype(np.float64)
    en = seconds(df["end"].iloc[rows]).astype(np.float64)
    missing = np.iinfo(np.int64).min
    st[st == missing] = -np.inf
    en[en == missing] = np.inf
    return st, en


def _skip_table(p: Pair) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frame's SKIPDATA records, found once per diagnosis: their ENI, start and end."""
    if "skip" not in p.cache:
        df = p.full
        if "log_status" in df:
            rows = np.flatnonzero(isin(df["log_status"], ["SKIPDATA"]))
        else:
            rows = np.zeros(0, dtype=np.int64)
        if "interface_id" in df:
            enis = df["interface_id"].iloc[rows].astype(object).to_numpy()
        else:
            enis = np.full(len(rows), "(an ENI of these records)", dtype=object)
        p.cache["skip"] = (enis, *_times(df, rows))
    return p.cache["skip"]


def skipdata(p: Pair, enis: list[str] | None, lo: Any, hi: Any, slack: float) -> list[str]:
    """ENIs (of ``enis``, or any when None) with SKIPDATA records between ``lo`` and ``hi``
    (give or take ``slack`` seconds; either may be None: unbounded)."""
    eni, st, en = _skip_table(p)
    if not len(eni):
        return []
    hit = _overlap(st, en, lo, hi, slack)
    if enis is not None:
        hit &= np.isin(eni, list(enis))
    return sorted({str(e) for e in eni[hit] if e is not None and not pd.isna(e)})


def logging_between(p: Pair, eni: str, lo: Any, hi: Any, slack: float) -> bool:
    """Did ``eni`` write any record (traffic, NODATA or SKIPDATA) overlapping [lo, hi], give or take ``slack``?"""
    df = p.full
    if "interface_id" not in df:
        return False
    key = ("times", eni)
    if key not in p.cache:
        p.cache[key] = _times(df, np.flatnonzero(isin(df["interface_id"], [eni])))
    st, en = p.cache[key]
    return bool(len(st) and _overlap(st, en, lo, hi, slack).any())


def _igw(p: Pair) -> np.ndarray:
    """Requests out through an internet gateway (traffic-path 2 or 8) to a destination that is not public."""
    if "traffic_path" not in p.df:
        return np.zeros(p.n, dtype=bool)
    tp = int_array(p.df["traffic_path"], p.n)
    return p.req & p.egress & np.isin(tp, (2, 8)) & ~public_destination(p.df, p.req)


def _is_v6(col: pd.Series) -> np.ndarray:
    codes, values = codes_and_values(col)
    table = np.append(is_v6_text(values), False)
    return table[np.where(codes < 0, len(values), codes)]


def is_v6_text(values: Any) -> np.ndarray:
    """Per value: is it an IPv6 address text (has a colon)? Vectorised: random traffic has a million
    distinct addresses."""
    import pyarrow as pa
    import pyarrow.compute as pc

    objs = np.asarray(values, dtype=object)
    try:
        arr = pa.array(objs, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all texts: one at a time
        return np.array([":" in str(v) for v in objs], dtype=bool)
    colon = pc.fill_null(pc.match_substring(arr, ":"), False)
    return np.asarray(colon.to_numpy(zero_copy_only=False), dtype=bool)


def _base(p: Pair) -> dict[str, Any]:
    """Per-record arrays every window's facts share, computed once per diagnosis."""
    if "base" not in p.cache:
        action = action_codes(p.df)
        if "reject_reason" in p.df:
            bpa = np.asarray(p.df["reject_reason"].astype(object) == "BPA", dtype=bool)
        else:
            bpa = np.zeros(p.n, dtype=bool)
        df = p.df
        if "interface_id" in df:
            eni_codes, eni_names = codes_and_values(df["interface_id"])
        else:
            eni_codes, eni_names = None, None
        has_sizes = "packets" in df and "bytes" in df
        p.cache["base"] = {
            "eni_codes": eni_codes,
            "eni_names": eni_names,
            "packets": float_array(df["packets"], p.n) if has_sizes else None,
            "bytes": float_array(df["bytes"], p.n) if has_sizes else None,
            "v6": _is_v6(df["srcaddr"]),
            "accept": action == 1,
            "reject": action == 2,
            "bpa": bpa,
            "direct": ~(p.nat_leg | p.translated),
            "flags": int_array(p.df.get("tcp_flags"), p.n) if "tcp_flags" in p.df else None,
            "times": _times(df, np.arange(p.n)),
            "igw": _igw(p),
        }
    return p.cache["base"]
