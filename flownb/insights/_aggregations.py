"""Grouping and the ``stats`` aggregation functions.

Records are grouped by integer codes: a categorical key contributes its
category codes, any other key its factorized codes; several keys combine into
one int64 per record, factorized once more into group ids. Aggregations then
work on the group ids with numpy (``bincount`` for counts and sums) or one
pandas groupby over the ids, never a Python loop per group or per record.

Readings of the CloudWatch Logs User Guide ("stats"), where it leaves room:

* ``pct``/``percentile`` is the nearest-rank percentile (a value that occurs in
  the data); ``count_distinct`` is exact (CloudWatch may approximate);
  ``stddev`` is the sample standard deviation. These are flownb's choices.
* A group of records that all lack the field gives a missing sum, min, max or
  average, and a count of 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._values import (
    STR,
    as_number,
    epoch_numbers,
    is_datetime,
    is_series,
    is_stringish,
    natural_ranks,
    plain,
    to_series,
)

__all__ = ["IMPLEMENTATIONS", "Groups", "aggregate", "group"]

_EXACT_FLOAT = 2**53


@dataclass
class Groups:
    """Group id of every record (0..n-1), the number of groups and each group's first record."""

    ids: np.ndarray
    n: int
    first: np.ndarray


def _key_codes(s: pd.Series) -> tuple[np.ndarray, int]:
    s = plain(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64) + 1, len(s.cat.categories) + 1
    if is_datetime(s):
        s = epoch_numbers(s, "ms")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def group(keys: list[pd.Series], n_rows: int) -> Groups:
    """Group ids of the records for the given key columns (missing values form a group)."""
    if not keys:
        if n_rows == 0:
            return Groups(np.zeros(0, dtype=np.int64), 0, np.zeros(0, dtype=np.int64))
        return Groups(np.zeros(n_rows, dtype=np.int64), 1, np.zeros(1, dtype=np.int64))
    acc = np.zeros(n_rows, dtype=np.int64)
    card = 1
    for s in keys:
        codes, k = _key_codes(s)
        if card * k >= 2**62:
            acc, uniq = pd.factorize(acc)
            acc = acc.astype(np.int64)
            card = len(uniq)
        acc = acc * k + codes
        card *= k
    ids, uniques = pd.factorize(acc, sort=False)
    ids = ids.astype(np.int64, copy=False)
    n = len(uniques)
    first = np.empty(n, dtype=np.int64)
    first[ids[::-1]] = np.arange(n_rows - 1, -1, -1, dtype=np.int64)
    return Groups(ids, n, first)


# -- aggregation functions -------------------------------------------------------------------
Agg = Callable[[Any, Groups, list[Any], "pd.Series | None"], pd.Series]
IMPLEMENTATIONS: dict[str, Agg] = {}


def _register(*names: str):
    def deco(fn: Agg) -> Agg:
        for name in names:
            IMPLEMENTATIONS[name.lower()] = fn
        return fn

    return deco


def aggregate(
    name: str, values: Any, groups: Groups, extra: list[Any], timestamps: pd.Series | None
) -> pd.Series:
    """Aggregate ``values`` (a Series, a scalar, or None for ``*``) per group."""
    return IMPLEMENTATIONS[name](values, groups, extra, timestamps).reset_index(drop=True)


def _valid_numbers(values: Any, groups: Groups) -> tuple[np.ndarray, np.ndarray, bool]:
    """(group ids, float or int values) of the records where the value is present."""
    num = as_number(to_series(values, len(groups.ids)))
    arr = num.array
    mask = np.asarray(arr.isna())
    data = arr.to_numpy(dtype="float64" if str(num.dtype) == "Float64" else "int64", na_value=0)
    keep = ~mask
    return groups.ids[keep], data[keep], str(num.dtype) != "Float64"


def _by_group(values: pd.Series, groups: Groups) -> pd.core.groupby.SeriesGroupBy:
    return values.reset_index(drop=True).groupby(groups.ids, sort=True)


def _reindexed(result: pd.Series, groups: Groups, dtype=None) -> pd.Series:
    out = result.reindex(np.arange(groups.n))
    return out.astype(dtype) if dtype is not None else out


@_register("count")
def _count(values, groups, extra, ts):
    if values is None:
        counts = np.bincount(groups.ids, minlength=groups.n)
    elif is_series(values):
        present = values.notna().to_numpy()
        counts = np.bincount(groups.ids[present], minlength=groups.n)
    else:
        counts = np.bincount(groups.ids, minlength=groups.n) * (values is not None)
    return pd.Series(pd.array(counts.astype(np.int64), dtype="Int64"))


def _sum_and_count(values, groups) -> tuple[pd.Series, np.ndarray]:
    ids, data, is_int = _valid_numbers(values, groups)
    counts = np.bincount(ids, minlength=groups.n)
    if is_int and (len(data) == 0 or np.abs(data).sum(dtype=np.float64) < _EXACT_FLOAT):
        sums = np.rint(np.bincount(ids, weights=data, minlength=groups.n)).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(sums, counts == 0)), counts
    if is_int:  # exact integer sums too large for float64: let pandas add them
        s = pd.Series(data).groupby(ids).sum()
        return _reindexed(s, groups).astype("Int64").where(counts > 0, pd.NA), counts
    sums = np.bincount(ids, weights=data, minlength=groups.n).astype(np.float64)  # int64 when empty
    return pd.Series(pd.arrays.FloatingArray(sums, counts == 0)), counts


@_register("sum")
def _sum(values, groups, extra, ts):
    return _sum_and_count(values, groups)[0]


@_register("avg")
def _avg(values, groups, extra, ts):
    sums, counts = _sum_and_count(values, groups)
    with np.errstate(all="ignore"):
        means = sums.astype("Float64").to_numpy(dtype="float64", na_value=0) / np.maximum(counts, 1)
    return pd.Series(pd.arrays.FloatingArray(means, counts == 0))


def _ordered_values(values, groups) -> pd.Series:
    """Values compared in their own order: numbers as numbers, timestamps as timestamps, else text."""
    s = to_series(values, len(groups.ids))
    if is_datetime(s) or pd.api.types.is_numeric_dtype(s.dtype):
        return s if is_datetime(s) else as_number(s)
    if is_stringish(s):
        return s.astype(STR)
    return s


def _extreme(how: str, numeric: bool):
    def impl(values, groups, extra, ts):
        s = to_series(values, len(groups.ids))
        s = as_number(s) if numeric and not is_datetime(s) else _ordered_values(s, groups)
        res = getattr(_by_group(s, groups), how)()
        return _reindexed(res, groups, s.dtype)

    return impl


def _sorts(how: str):
    """``sortsFirst``/``sortsLast``: the value that ``sort ... asc`` would put first (last) in each group.

    Text compares in the guide's natural order, as the ``sort`` command does (the "sort" page,
    ``CWL_QuerySyntax-Sort``; :func:`flownb.insights._values.natural_key`): ``eni-9`` sorts before
    ``eni-10``. The functions' own entry says only "the value that sorts first", so flownb reads it as
    the order of ``sort``. Numbers and timestamps compare by value; missing values are skipped.
    """

    def impl(values, groups, extra, ts):
        s = _ordered_values(to_series(values, len(groups.ids)), groups)
        if is_datetime(s) or pd.api.types.is_numeric_dtype(s.dtype):
            return _reindexed(getattr(_by_group(s, groups), how)(), groups, s.dtype)
        codes, uniques = pd.factorize(s.reset_index(drop=True), use_na_sentinel=True)
        ranks = natural_ranks(uniques)
        present = codes >= 0
        rank_of = pd.Series(ranks[codes[present]], copy=False)
        best = getattr(rank_of.groupby(groups.ids[present], sort=True), how)()
        by_rank = np.argsort(ranks)
        out = pd.Series(
            np.asarray(uniques, dtype=object)[by_rank[best.to_numpy().astype(np.int64)]], index=best.index
        )
        return _reindexed(out, groups, s.dtype)

    return impl


_register("min")(_extreme("min", True))
_register("max")(_extreme("max", True))
_register("sortsfirst")(_sorts("min"))
_register("sortslast")(_sorts("max"))


@_register("stddev")
def _stddev(values, groups, extra, ts):
    s = as_number(to_series(values, len(groups.ids))).astype("Float64")
    return _reindexed(_by_group(s, groups).std(ddof=1), groups, "Float64")


@_register("count_distinct")
def _count_distinct(values, groups, extra, ts):
    s = to_series(values, len(groups.ids))
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = pd.Series(s.cat.codes.to_numpy()).where(s.notna().to_numpy())
    res = _by_group(s, groups).nunique(dropna=True)
    return _reindexed(res, groups).fillna(0).astype("Int64")


@_register("pct", "percentile")
def _pct(values, groups, extra, ts):
    p = float(extra[0])
    s = _ordered_values(values, groups)
    keep = s.notna().to_numpy()
    ids = groups.ids[keep]
    kept = s[keep].reset_index(drop=True)
    if is_datetime(kept):
        order_values = epoch_numbers(kept, "ms").to_numpy(dtype="int64")
    elif pd.api.types.is_numeric_dtype(kept.dtype):
        order_values = kept.astype("Float64").to_numpy(dtype="float64")
    else:
        order_values = pd.factorize(kept, sort=True)[0]
    order = np.lexsort((order_values, ids))
    counts = np.bincount(ids, minlength=groups.n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.clip(np.ceil(p / 100.0 * counts).astype(np.int64) - 1, 0, None)
    has = counts > 0
    pos = (
        order[np.minimum(starts + rank, max(len(order) - 1, 0))]
        if len(order)
        else np.zeros(groups.n, dtype=np.int64)
    )
    picked = kept.take(pos[has]) if len(order) else kept.iloc[:0]
    out = pd.Series([pd.NA] * groups.n, dtype=kept.dtype if len(kept) else "Float64")
    out[np.flatnonzero(has)] = picked.to_numpy()
    return out


def _at_time(latest: bool):
    def impl(values, groups, extra, ts):
        s = to_series(values, len(groups.ids)).reset_index(drop=True)
        if ts is None:
            raise_for_time()
        t = epoch_numbers(ts, "ms")
        tvals = t.to_numpy(
            dtype="int64", na_value=np.iinfo(np.int64).max if not latest else np.iinfo(np.int64).min
        )
        present = s.notna().to_numpy()
        rows = np.flatnonzero(present)
        ids = groups.ids[rows]
        keyt = tvals[rows] if not latest else -tvals[rows]
        # records of the same @timestamp: the smallest value is the earliest, the largest the latest
        # (flownb's rule, so the answer never depends on the order the records were read in)
        rank = _value_rank(s.iloc[rows])
        order = rows[np.lexsort((rank if not latest else -rank, keyt, ids))]
        first_of_group = np.ones(len(order), dtype=bool)
        gids = groups.ids[order]
        first_of_group[1:] = gids[1:] != gids[:-1]
        chosen = order[first_of_group]
        out = s.iloc[:0].reindex(np.arange(groups.n))
        if isinstance(s.dtype, pd.CategoricalDtype):
            out = out.astype(s.dtype)
        out.iloc[groups.ids[chosen]] = s.iloc[chosen].to_numpy()
        return out

    return impl


def _value_rank(s: pd.Series) -> np.ndarray:
    """Float keys that order present values as ``sort`` does: numbers and times by value, else by text."""
    if is_datetime(s):
        return epoch_numbers(s, "ms").to_numpy(dtype="float64")
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Float64").to_numpy(dtype="float64")
    text = plain(s).astype(str).to_numpy()
    return pd.factorize(text, sort=True)[0].astype(np.float64)


def raise_for_time():
    from ._errors import InsightsQueryError

    raise InsightsQueryError("earliest() and latest() need @timestamp, and these records have none")


_register("earliest")(_at_time(False))
_register("latest")(_at_time(True))
