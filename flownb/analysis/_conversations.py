"""The one conversation model: which side is the server, and which ENI's copy of a direction counts.

``conversations()`` (and through it ``service_view``, ``one_way_flows``,
``rejections`` and ``diagnose``) and the detectors' prepared view
(:mod:`flownb.analysis._flows`) pair records the same way and ask these two
functions, so they name the same server for the same records.

**The server side**, per conversation (the records of one endpoint pair and
protocol, both directions), the first rule that decides:

1. the TCP handshake when ``tcp_flags`` is logged: SYN without ACK comes from the
   client, SYN-ACK from the server (the VPC User Guide's flag values; votes of all
   records summed);
2. the more service-like port (:func:`flownb.analysis._ports.port_score`: a known
   service port, then below 1024, then below the Linux ephemeral range, as
   nfdump's ``-B`` guesses, refined);
3. who spoke first: the side whose earliest record starts first is the client (a
   conversation logged one way only: the sender is the client);
4. the lower port;
5. the lower address (by value), so the answer never depends on file order.

**The two ENIs' copies**: a connection between two ENIs of the VPC is logged on
both (the design's facts). Of each direction of each conversation, the records of
one ENI count: one that rejected it if any did (the ENI whose rules dropped the
traffic), else the one that logged the most bytes, ties by ENI id ascending.

Examples
--------
>>> import numpy as np
>>> from flownb.analysis._conversations import server_is_hi
>>> # 10.0.0.5:9000 <-> 10.0.0.9:5439 without tcp-flags: both are service ports, 9000 spoke first
>>> server_is_hi(lo_port=np.array([9000]), hi_port=np.array([5439]), lo_addr=np.array([0]),
...              hi_addr=np.array([1]), votes=np.zeros(1), spoke=np.array([1])).tolist()
[True]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..io import _native
from ._ports import port_score, server_vote

__all__ = [
    "ConversationTable",
    "conversation_codes",
    "conversation_table",
    "counted_eni",
    "handshake_votes",
    "server_is_hi",
]


class ConversationTable(NamedTuple):
    """The records' conversations (:func:`conversation_table`).

    Per record: ``conv`` (its conversation's code, in order of first appearance) and
    ``fwd`` (whether it flows from the lower endpoint); ``m`` conversations; per
    conversation: its lower and higher endpoint's address code and port (-1 missing) and
    its protocol (-1 missing), as int32 from the C extension (int64 from numpy). An endpoint
    is lower by address code, then by port.
    """

    conv: np.ndarray
    m: int
    fwd: np.ndarray
    lo_addr: np.ndarray
    lo_port: np.ndarray
    hi_addr: np.ndarray
    hi_port: np.ndarray
    proto: np.ndarray


def conversation_table(
    src: np.ndarray, sport: np.ndarray, dst: np.ndarray, dport: np.ndarray, proto: np.ndarray
) -> ConversationTable:
    """Per record: its conversation (the records of one endpoint pair and protocol, both directions).

    ``src``/``dst`` are address codes (>= 0), ports and protocol ints (-1 missing). The
    conversations are numbered in order of first appearance: the records of a conversation are
    close together in time, so per-conversation sums over the records stay in cache. One pass of
    the optional C extension (``flownb.io._tokenize``: a hash table of the conversation keys), else
    the same codes by numpy and ``pandas.factorize`` (:func:`_numpy_codes`).

    Examples
    --------
    >>> t = conversation_table(np.array([0, 1]), np.array([40000, 443]), np.array([1, 0]),
    ...                        np.array([443, 40000]), np.array([6, 6]))
    >>> t.conv.tolist(), t.m, t.fwd.tolist(), t.lo_port.tolist(), t.hi_port.tolist()
    ([0, 0], 1, [True, False], [40000], [443])
    """
    arrays = [np.ascontiguousarray(a, dtype=np.int64) for a in (src, sport, dst, dport, proto)]
    table = _native_table(*arrays)
    if table is not None:
        return table
    conv, m, fwd = _numpy_codes(*arrays)
    src, sport, dst, dport, proto = arrays
    # the first record of each conversation (codes are in order of first appearance): its ends
    seen = np.maximum.accumulate(conv) if len(conv) else conv
    new = np.ones(len(conv), dtype=bool)
    np.not_equal(seen[1:], seen[:-1], out=new[1:])
    first = np.flatnonzero(new)
    f = fwd[first]
    s_f, d_f, sp_f, dp_f = src[first], dst[first], sport[first], dport[first]
    return ConversationTable(
        conv,
        m,
        fwd,
        np.where(f, s_f, d_f),
        np.where(f, sp_f, dp_f),
        np.where(f, d_f, s_f),
        np.where(f, dp_f, sp_f),
        proto[first],
    )


def conversation_codes(
    src: np.ndarray, sport: np.ndarray, dst: np.ndarray, dport: np.ndarray, proto: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray]:
    """:func:`conversation_table`'s per-record part: the conversation codes, how many, and ``fwd``."""
    arrays = [np.ascontiguousarray(a, dtype=np.int64) for a in (src, sport, dst, dport, proto)]
    table = _native_table(*arrays)
    if table is not None:
        return table.conv, table.m, table.fwd
    return _numpy_codes(*arrays)


def _native_table(
    src: np.ndarray, sport: np.ndarray, dst: np.ndarray, dport: np.ndarray, proto: np.ndarray
) -> ConversationTable | None:
    """:func:`conversation_table` by the C extension; ``None`` when it is not built or a value is
    out of its range (address codes from 2**31, ports above 65535...)."""
    ext = _native._tokenize
    if ext is None:
        return None
    n = len(src)
    conv = np.empty(n, dtype=np.int64)
    fwd = np.empty(n, dtype=bool)
    ends = [np.empty(n, dtype=np.int32) for _ in range(5)]
    m = ext.conversation_codes(src, sport, dst, dport, proto, conv, fwd, *ends)
    if m < 0:
        return None
    return ConversationTable(conv, m, fwd, *(e[:m] for e in ends))


def _numpy_codes(
    src: np.ndarray, sport: np.ndarray, dst: np.ndarray, dport: np.ndarray, proto: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray]:
    """The codes of :func:`conversation_table` without the C extension: one hash of one integer per
    record (two when the addresses are too many for one integer)."""
    # an endpoint is address * 65537 + port + 1 (port -1 when missing); in place: fewer temporaries
    e_src = src * 65537
    e_src += sport
    e_src += 1
    e_dst = dst * 65537
    e_dst += dport
    e_dst += 1
    fwd = e_src <= e_dst
    lo = np.minimum(e_src, e_dst)
    hi = np.maximum(e_src, e_dst)
    del e_src, e_dst
    # protocols are 0-255 (-1 missing): coded over the ones present
    proto1 = proto + 1
    present = np.flatnonzero(np.bincount(proto1, minlength=257))
    n_p = max(len(present), 1)
    p_codes: np.ndarray | int = 0
    if n_p > 1:
        remap = np.zeros(257, dtype=np.int64)
        remap[present] = np.arange(len(present))
        p_codes = remap[proto1]
    if len(lo) == 0:
        return np.zeros(0, dtype=np.int64), 0, fwd
    span = int(hi.max()) + 1
    if (int(lo.max()) + 1) * span * n_p >= 2**63:  # many distinct addresses: the lower ends coded first
        lo, u_lo = _factorize(lo)
        if len(u_lo) * span * n_p >= 2**63:  # pragma: no cover - astronomically many
            hi, u_hi = _factorize(hi)
            span = len(u_hi)
    key = lo * span
    key += hi
    if n_p > 1:
        key *= n_p
        key += p_codes
    conv, uniq = _factorize(key)
    return conv, len(uniq), fwd


def handshake_votes(conv: np.ndarray, to_hi: np.ndarray, tcp_flags: np.ndarray | None, m: int) -> np.ndarray:
    """Per conversation, the summed handshake votes (> 0: the hi end is the server, < 0: the lo end).

    ``to_hi`` says which records flow from the lo end to the hi end; ``tcp_flags``
    is -1 where missing (or ``None`` when the format has no tcp-flags).
    """
    if tcp_flags is None:
        return np.zeros(m)
    vote = server_vote(tcp_flags, len(conv)).astype(np.int64)
    return np.bincount(conv, weights=np.where(to_hi, vote, -vote), minlength=m)


def server_is_hi(
    *,
    lo_port: np.ndarray,
    hi_port: np.ndarray,
    lo_addr: np.ndarray,
    hi_addr: np.ndarray,
    votes: np.ndarray,
    spoke: np.ndarray | Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Per conversation: is its hi end the server? (The rules are in the module docstring.)

    Parameters
    ----------
    lo_port, hi_port : int arrays
        The ports of the two ends (-1 missing).
    lo_addr, hi_addr : int arrays
        Address codes in ascending order of address value (for the last tie-break).
    votes : array
        :func:`handshake_votes`.
    spoke : int array, or a function of the undecided conversations' indices returning one
        +1 where the lo end sent first, -1 where the hi end did, 0 when equal or unknown.
    """
    score = port_score(hi_port).astype(np.int16) - port_score(lo_port)
    hi_server = np.where(votes != 0, votes > 0, score > 0)
    undecided = np.flatnonzero((votes == 0) & (score == 0))
    if len(undecided):
        first = spoke(undecided) if callable(spoke) else np.asarray(spoke)[undecided]
        lower = np.sign(lo_port[undecided] - hi_port[undecided])  # +1: hi has the lower port
        lower = np.where(lower != 0, lower, np.sign(lo_addr[undecided] - hi_addr[undecided]))
        hi_server[undecided] = np.where(first != 0, first > 0, lower >= 0)
    return hi_server


def counted_eni(
    cd: np.ndarray,
    eni: np.ndarray,
    nbytes: np.ndarray,
    reject: np.ndarray,
    size: int,
    several: np.ndarray | None = None,
) -> np.ndarray:
    """Per record: is it of the ENI whose copy of its conversation-direction counts?

    ``cd`` is each record's conversation-direction code (< ``size``); ``eni`` ENI
    codes in ascending order of ENI id (-1 missing: such records always count);
    ``nbytes`` the records' bytes; ``reject`` whether each was rejected. ``several``,
    when the caller has it, says per direction whether its records carry more than one
    ENI code (a missing id may count as one of them: a direction of one ENI and missing
    ids has one candidate, whose records all count, as without ``several``).
    """
    n = len(cd)
    keep = np.ones(n, dtype=bool)
    has = eni >= 0
    if not has.any():
        return keep
    ne = int(eni.max()) + 1
    if several is None:
        emin = np.full(size, ne, dtype=np.int64)
        emax = np.full(size, -1, dtype=np.int64)
        cd_has, eni_has = (cd, eni) if has.all() else (cd[has], eni[has])  # usually every record has one
        np.minimum.at(emin, cd_has, eni_has)
        np.maximum.at(emax, cd_has, eni_has)
        several = emin != emax
        multi = np.flatnonzero(has & several[cd])  # directions logged by more than one ENI
        if not len(multi):
            return keep
        two = _two_enis(cd[multi], eni[multi], nbytes[multi], reject[multi], emin, emax, size)
        if two is not None:
            keep[multi] = two
            return keep
    multi = np.flatnonzero(has & several[cd])  # directions logged by more than one ENI
    if not len(multi):
        return keep
    pair = cd[multi] * ne + eni[multi]
    k, uniq = _factorize(pair)
    b = np.bincount(k, weights=nbytes[multi].astype(np.float64), minlength=len(uniq))
    r = np.bincount(k, weights=reject[multi], minlength=len(uniq)) > 0
    u_cd, u_eni = uniq // ne, uniq % ne
    # best ENI per direction: rejected first, then most bytes, then the lowest ENI id (three
    # per-direction reductions, each over the candidates the previous one left: no sort)
    cand = np.zeros(size, dtype=bool)
    cand[u_cd[r]] = True
    ok = r == cand[u_cd]
    most = np.full(size, -1.0)
    np.maximum.at(most, u_cd[ok], b[ok])
    ok &= b == most[u_cd]
    best = np.full(size, ne, dtype=np.int64)
    np.minimum.at(best, u_cd[ok], u_eni[ok])
    keep[multi] = eni[multi] == best[cd[multi]]
    return keep


def _two_enis(
    cd: np.ndarray,
    eni: np.ndarray,
    nbytes: np.ndarray,
    reject: np.ndarray,
    emin: np.ndarray,
    emax: np.ndarray,
    size: int,
) -> np.ndarray | None:
    """:func:`counted_eni`'s choice for the records of directions logged by more than one ENI, when
    each such direction has two ENIs (its lowest ``emin`` and highest ``emax``: the usual case, both
    ends' ENIs); ``None`` otherwise. The same rules by per-direction bincounts, no hashing."""
    lo = eni == emin[cd]
    if not (lo | (eni == emax[cd])).all():
        return None
    w = nbytes.astype(np.float64)
    # per direction and ENI, in record order as counted_eni sums them (adding zeros changes no sum)
    b_lo = np.bincount(cd, weights=np.where(lo, w, 0.0), minlength=size)
    b_hi = np.bincount(cd, weights=np.where(lo, 0.0, w), minlength=size)
    r_lo = np.bincount(cd[lo & reject], minlength=size) > 0
    r_hi = np.bincount(cd[~lo & reject], minlength=size) > 0
    cand = r_lo | r_hi  # rejected first, then most bytes, then the lower ENI id
    ok_lo, ok_hi = r_lo == cand, r_hi == cand
    most = np.maximum(np.where(ok_lo, b_lo, -1.0), np.where(ok_hi, b_hi, -1.0))
    ok_lo &= b_lo == most
    best_lo = ok_lo[cd]
    return np.where(lo, best_lo, ~best_lo)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes in order of first appearance (see :func:`conversation_table` for why not sorted)."""
    import pandas as pd

    k, uniq = pd.factorize(values)
    return np.asarray(k, dtype=np.int64), np.asarray(uniq, dtype=np.int64)
