"""Address work done once per distinct value, then mapped back to every record.

``ipaddress`` is pure Python, so nothing here calls it per record: a column's
distinct values (its categories, or ``pd.factorize`` of it) are classified, and
the answer is spread over the records with an integer ``take``.

Scopes are decided once, in :mod:`flownb._scope` (IANA special-purpose
registries, RFC 1918 / RFC 6598 / RFC 4193; documentation ranges are *public*).

Examples
--------
>>> import pandas as pd
>>> from flownb.analysis._addresses import scope_of, prefix_of
>>> s = pd.Series(["10.0.1.5", "203.0.113.5", "100.64.0.1", "fe80::1", None], dtype="category")
>>> scope_of(s).tolist()
['private', 'public', 'shared', 'link-local', nan]
>>> prefix_of(s, 24, 64).tolist()[:2]
['10.0.1.0/24', '203.0.113.0/24']
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _scope as _scopes
from .._cache import per_categories

__all__ = [
    "SCOPES",
    "Endpoint",
    "appearance_codes",
    "codes_and_values",
    "map_distinct",
    "matches",
    "parse_endpoint",
    "prefix_of",
    "ranked_codes",
    "scope_of",
]

#: Address scopes, in the order they are listed (decided in :mod:`flownb._scope`).
SCOPES = _scopes.SCOPES
_scope = _scopes.scope  # one address's scope, for a single endpoint


def codes_and_values(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values they index."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        values = pd.Index(np.asarray(cats, dtype=object), dtype=object) if cats.dtype != object else cats
        return np.asarray(col.cat.codes, dtype=np.int64), values
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def ranked_codes(columns: list[pd.Series]) -> tuple[list[np.ndarray], pd.Index]:
    """Codes of several address columns over one table of their distinct values, in ascending order.

    The table is sorted as Python sorts texts (so code order is value order: no rule
    that breaks ties by code depends on file order); ``-1`` codes a missing value.
    Only the columns' distinct values are touched (a categorical's categories), and
    dotted IPv4 texts are ordered as 60-bit integers (4 bits a character), so a
    million distinct addresses take a fraction of a second, not the seconds a string
    sort takes.

    Examples
    --------
    >>> s = pd.Series(["10.0.0.9", "10.0.0.10", None], dtype="category")
    >>> codes, values = ranked_codes([s, pd.Series(["8.8.8.8", "10.0.0.9", "10.0.0.9"])])
    >>> [c.tolist() for c in codes], values.tolist()
    ([[1, 0, -1], [2, 1, 1]], ['10.0.0.10', '10.0.0.9', '8.8.8.8'])
    """
    parts, shared, table, _ = _shared_table(columns)
    return _spread(parts, shared), table


def _shared_table(
    columns: list[pd.Series],
) -> tuple[list[tuple[np.ndarray, pd.Index]], np.ndarray, pd.Index, np.ndarray]:
    """Each column's (codes, distinct values); the shared code of every distinct value, column after
    column; the shared table in ascending order; and where each of its values first is among the
    columns' distinct values (see :func:`_table_of`)."""
    parts = [
        (np.asarray(col.cat.codes, dtype=np.int64), col.cat.categories)
        if isinstance(col.dtype, pd.CategoricalDtype)
        else codes_and_values(col)
        for col in columns
    ]
    values = [v for _, v in parts]
    if all(isinstance(col.dtype, pd.CategoricalDtype) for col in columns):
        # categories never change: the table of a frame's address columns is made once for all calls
        shared, table, first = per_categories("ranked address table", values, lambda: _table_of(values))
    else:
        shared, table, first = _table_of(values)
    return parts, shared, table, first


def _table_of(values: list[pd.Index]) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """The shared code of every distinct value of ``values``, one index after the other; the shared
    table in ascending order (see :func:`ranked_codes`); and the first place of each of its values
    among those of ``values``, one index after the other.

    Dotted IPv4 texts are ordered by integers that sort as the texts do
    (:func:`flownb._scope.ipv4_text_order`), other texts of digits and dots by their characters
    (:func:`_ipv4_text_keys`), other texts by pyarrow's sort.
    """
    import pyarrow as pa

    try:
        texts = [_arrow_texts(v) for v in values]
        every = pa.concat_arrays([t.cast(pa.large_string()) for t in texts]) if texts else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        every = None  # not all texts: pandas' sorted factorize below
    if every is None or every.null_count:
        allv = pd.Index(np.concatenate([np.asarray(v, dtype=object) for v in values]), dtype=object)
        shared, uniq = pd.factorize(allv, sort=True)
        table = pd.Index(np.asarray(uniq, dtype=object), dtype=object)
        shared = np.asarray(shared, dtype=np.int64).reshape(-1)
        first = np.full(len(table), len(shared), dtype=np.int64)
        np.minimum.at(first, shared, np.arange(len(shared)))
    else:
        keys: np.ndarray | None = _scopes.ipv4_text_order(every)
        if keys is None or not len(keys) or keys.min() < 0:  # not all dotted quads
            keys = _ipv4_text_keys(every)
        if keys is None:  # other texts (IPv6): pyarrow's sort, in UTF-8 byte order (code point order)
            import pyarrow.compute as pc

            keys = np.asarray(pc.rank(every, sort_keys="ascending", tiebreaker="dense"), dtype=np.int64)
        shared, first = _dense(keys)
        # each distinct text from where it first is (one Python text each, made once)
        table = pd.Index(every.take(pa.array(first)).to_numpy(zero_copy_only=False), dtype=object)
    shared.flags.writeable = False  # shared by every later call (per_categories)
    first.flags.writeable = False
    return shared, table, first


def appearance_codes(columns: list[pd.Series]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """:func:`ranked_codes` numbered in order of first appearance instead (the first column's values
    in their order, then the next column's new ones...), with each code's rank by value.

    Returns the codes of each column (-1 missing), the table (object array) and the ranks.

    Examples
    --------
    >>> codes, table, rank = appearance_codes([pd.Series(["b", "a"]), pd.Series(["c", "a", None])])
    >>> [c.tolist() for c in codes], table.tolist(), rank.tolist()
    ([[0, 1], [2, 1, -1]], ['b', 'a', 'c'], [1, 0, 2])
    """
    parts, shared, values, first = _shared_table(columns)
    # a value's appearance code: how many values first appear before it (no sort: first places differ)
    firsts = np.zeros(len(shared), dtype=bool)
    firsts[first] = True
    recode = (np.cumsum(firsts) - 1)[first]  # value code -> appearance code
    order = np.empty(len(values), dtype=np.int64)  # appearance code -> value code
    order[recode] = np.arange(len(values))
    table = np.asarray(values, dtype=object)[order]
    return _spread(parts, recode[shared]), table, order


def _spread(parts: list[tuple[np.ndarray, pd.Index]], shared: np.ndarray) -> list[np.ndarray]:
    """Each column's codes over the shared table, from the shared codes of its distinct values."""
    out, offset = [], 0
    for codes, values in parts:
        size = len(values)
        remap = np.append(shared[offset : offset + size], -1)
        offset += size
        out.append(remap[codes])  # a missing value's code -1 picks the appended -1
    return out


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's index among the sorted distinct keys, and the first place of each distinct key.

    Keys below 2**32 (and fewer than 2**31 of them) are sorted together with their places in one
    uint64 (numpy sorts values several times faster than it argsorts them).
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = np.asarray(keys)
    if n < 1 << 31 and int(keys.min()) >= 0 and int(keys.max()) < 1 << 32:
        packed = np.sort((keys.astype(np.uint64) << np.uint64(31)) | np.arange(n, dtype=np.uint64))
        order = (packed & np.uint64((1 << 31) - 1)).astype(np.int64)
        ordered = packed >> np.uint64(31)
    else:
        order = np.argsort(keys)
        ordered = keys[order]
    new = np.ones(n, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    return inverse, np.minimum.reduceat(order, starts)  # the smallest place in each run of equal keys


def _arrow_texts(values: pd.Index) -> Any:
    """The values as a pyarrow string array (zero-copy for pandas' arrow strings)."""
    import pyarrow as pa

    arr = values.array
    if hasattr(arr, "__arrow_array__"):
        out = pa.array(arr)
    else:
        out = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    if isinstance(out, pa.ChunkedArray):
        out = out.combine_chunks()
    if not pa.types.is_string(out.type) and not pa.types.is_large_string(out.type):
        raise TypeError("not texts")
    return out


def _ipv4_text_keys(texts: Any) -> np.ndarray | None:
    """Integers ordered as the texts are, when every text is 1 to 15 digits and dots (else None).

    Each text becomes 16 four-bit characters, first character most significant: 0 past the end,
    1 a dot, 2-11 the digits (:func:`flownb._scope.dot_digit_texts` reads them), so the order of
    the integers is the order of the texts, character by character.
    """
    n = len(texts)
    keys = np.zeros(n, dtype=np.uint64)
    for at in range(0, n, _scopes.BLOCK):  # blocks that stay in the processor's cache
        block = texts.slice(at, _scopes.BLOCK)
        rows, chars, good = _scopes.dot_digit_texts(block, 1, 15)
        if len(rows) < len(block) or not good.all():
            return None
        ends = _scopes._top(chars) * np.uint64(15)  # the dots and past the end: 14 -> 1, 15 -> 0
        digits = ((chars & ~ends) + (np.uint64(0x2222222222222222) & ~ends)) | (~chars & ends)
        # the first character the most significant: swap the two halves of each byte, then the bytes
        low = np.uint64(0x0F0F0F0F0F0F0F0F)
        swapped = ((digits >> np.uint64(4)) & low) | ((digits & low) << np.uint64(4))
        keys[at : at + len(block)] = swapped.byteswap()
    return keys


def map_distinct(col: pd.Series, func: Callable[[Any], Any], *, dtype: str | None = None) -> pd.Series:
    """Apply ``func`` to each distinct value of ``col`` and spread the answers over its rows.

    ``func`` sees each value once; missing values stay missing. The result is a
    ``category`` column unless ``dtype`` says otherwise.
    """
    codes, values = codes_and_values(col)
    answers = [func(v) for v in values]
    if dtype in (None, "category"):
        cats = list(dict.fromkeys(a for a in answers if a is not None))
        pos = {c: i for i, c in enumerate(cats)}
        table = np.array([pos[a] if a is not None else -1 for a in answers] + [-1], dtype=np.int64)
        out_codes = table[codes]  # codes == -1 picks the trailing -1
        return pd.Series(
            pd.Categorical.from_codes(out_codes, categories=pd.Index(cats, dtype=object)),
            index=col.index,
            name=col.name,
        )
    arr = pd.array([*answers, None], dtype=dtype)
    taken = arr.take(np.where(codes < 0, len(answers), codes))
    return pd.Series(taken, index=col.index, name=col.name)


def scope_of(col: pd.Series) -> pd.Series:
    """Address scope of each address: private, shared, link-local, loopback, multicast, reserved, public.

    The scopes are decided in :mod:`flownb._scope`, once per distinct address.
    """
    codes, values = codes_and_values(col)
    per_value = _scopes.scope_codes(np.asarray(values, dtype=object)).astype(np.int64)
    used = np.unique(per_value[per_value >= 0])
    remap = np.full(len(SCOPES) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    table = np.append(remap[per_value], -1)  # a missing address (code -1) picks the trailing -1
    return pd.Series(
        pd.Categorical.from_codes(table[codes], categories=pd.Index([SCOPES[i] for i in used], dtype=object)),
        index=col.index,
        name=col.name,
    )


def _prefix(text: str, v4: int, v6: int) -> str | None:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    bits = v4 if addr.version == 4 else v6
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def prefix_of(col: pd.Series, v4: int, v6: int) -> pd.Series:
    """The network (``"10.0.1.0/24"``) each address belongs to, for IPv4 /v4 and IPv6 /v6 prefixes."""
    return map_distinct(col, lambda v: _prefix(str(v), v4, v6))


@dataclass(frozen=True)
class Endpoint:
    """What ``diagnose`` was asked about: an ENI id, or an address / CIDR block."""

    text: str
    eni: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @property
    def is_single_address(self) -> bool:
        return self.network is not None and self.network.num_addresses == 1

    def __str__(self) -> str:
        return self.text


def parse_endpoint(value: Any, *, name: str) -> Endpoint:
    """Read an IP address, a CIDR block or an ENI id (``eni-...``).

    Raises
    ------
    ValueError
        Naming the argument and the forms it accepts.
    """
    text = str(value).strip()
    if text.startswith("eni-"):
        return Endpoint(text, eni=text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{name} must be an IP address ('10.0.1.5'), a CIDR block ('10.0.1.0/24') or an ENI id "
            f"('eni-0123456789abcdef0'), got {value!r}"
        ) from None
    return Endpoint(text if "/" in text else str(net.network_address), network=net)


def matches(col: pd.Series, networks: list) -> np.ndarray:
    """Boolean array: is each address in one of ``networks`` (``ipaddress`` networks)?

    Single addresses are looked up in a hash of the column's distinct values;
    CIDR blocks parse only the distinct values the column actually uses. Addresses
    are compared as AWS writes them (the canonical text form).
    """
    if not networks or len(col) == 0:
        return np.zeros(len(col), dtype=bool)
    if isinstance(col.dtype, pd.CategoricalDtype):  # the codes as they are: no int64 copy
        codes, values = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, values = codes_and_values(col)
    singles = sorted({str(n.network_address) for n in networks if n.num_addresses == 1})
    blocks = [n for n in networks if n.num_addresses > 1]
    table = np.zeros(len(values) + 1, dtype=bool)  # the last entry: code -1, a missing value
    if singles:
        table[:-1] = np.asarray(pd.Index(values).isin(singles), dtype=bool)
    if blocks:
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values)))
        todo = used[~table[used]]
        table[todo] = _scopes.in_networks(np.asarray(values, dtype=object)[todo].astype(str), blocks)
    return table[codes]
