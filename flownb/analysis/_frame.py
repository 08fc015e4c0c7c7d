"""Shared vectorised helpers: column access as numpy arrays, group codes, per-group reductions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._cache import ColumnCache, per_categories
from .._cache import epoch_seconds as seconds
from .._columns import require_columns, require_frame, unknown_column
from ._addresses import codes_and_values, prefix_of

__all__ = [
    "cached_counter",
    "cached_data_rows",
    "cached_group_codes",
    "code_sums",
    "counter_buffers",
    "counter_weights",
    "data_rows",
    "distinct",
    "group_codes",
    "int_array",
    "isin",
    "require",
    "seconds",
    "utc_seconds",
    "value_ranks",
]

_CIDR_RE = re.compile(r"^(?P<col>[a-z_]+)/(?P<v4>\d{1,2})(?:/(?P<v6>\d{1,3}))?$")


def require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise the one missing-column error (:mod:`flownb._columns`) naming what needs the columns."""
    require_frame(df, what, strict=True)
    require_columns(df, columns, what)


def int_array(col: pd.Series | None, n: int, fill: int = -1, rows: np.ndarray | None = None) -> np.ndarray:
    """A nullable integer column as int64 with ``fill`` for missing (all ``fill`` when absent); with
    ``rows`` (positions), only those rows, taken before the widening (a quarter of the memory for the
    reader's UInt16 ports)."""
    if rows is None:
        if col is None:
            return np.full(n, fill, dtype=np.int64)
        return col.to_numpy(dtype=np.int64, na_value=fill)
    if col is None:
        return np.full(len(rows), fill, dtype=np.int64)
    arr = col.array
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if not (isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and data.dtype.kind in "iu"):
        return col.to_numpy(dtype=np.int64, na_value=fill)[rows]
    out = data.take(rows).astype(np.int64)
    missing = mask.take(rows)
    if missing.any():
        out[missing] = fill
    return out


def float_array(col: pd.Series | None, n: int) -> np.ndarray:
    """A counter column as float64, missing as 0 (exact up to 2**53)."""
    if col is None:
        return np.zeros(n, dtype=np.float64)
    return col.to_numpy(dtype=np.float64, na_value=0.0)


def counter_weights(col: pd.Series | None, n: int, rows: np.ndarray | None = None) -> np.ndarray:
    """A counter column as ``np.bincount`` weights without copying when nothing is missing; with
    ``rows`` (positions), only those rows (taken before the missing values are zeroed)."""
    if col is None:
        return np.zeros(n if rows is None else len(rows), dtype=np.float64)
    arr = col.array
    data = getattr(arr, "_data", None)
    mask = getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):
        if rows is not None:
            data, mask = data.take(rows), mask.take(rows)
        return data if not mask.any() else np.where(mask, 0, data)
    out = col.to_numpy(dtype=np.float64, na_value=0.0)
    return out if rows is None else out[rows]


def counter_buffers(col: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A counter column for the C extension: values, missing mask (empty: none), kind (0 absent,
    1 uint64, 2 int64, 3 float64), without a copy for the reader's nullable integers."""
    if col is None:
        return np.zeros(0), np.zeros(0, dtype=bool), 0
    arr = col.array
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and data.dtype in (np.uint64, np.int64):
        kind = 1 if data.dtype == np.uint64 else 2
        missing = np.ascontiguousarray(mask, dtype=bool) if mask.any() else mask[:0]
        return np.ascontiguousarray(data), missing, kind
    return np.ascontiguousarray(counter_weights(col, n), dtype=np.float64), np.zeros(0, dtype=bool), 3


def code_sums(
    codes: np.ndarray, valid: np.ndarray, k: int, weights: np.ndarray | pd.Series | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per code 0..k-1: how many rows, and the sum of their ``weights`` (``None`` without weights).

    ``weights`` is an array, or a counter column (missing values 0) of as many rows as ``codes``.
    Rows with code -1 or not ``valid`` are left out. ``np.bincount`` twice, or one pass of the C
    extension (``flownb.io._tokenize.code_sums``: the same sums, added in row order) when it is built.
    """
    from ..io import _native

    ext = _native._tokenize
    kinds = {np.dtype(np.uint64): 1, np.dtype(np.int64): 2, np.dtype(np.float64): 3}
    if ext is not None and codes.dtype.kind == "i" and codes.itemsize in (1, 2, 4, 8):
        if weights is None:
            w, missing, kind = np.zeros(0), np.zeros(0, dtype=bool), 0
        elif isinstance(weights, pd.Series):
            w, missing, kind = counter_buffers(weights, len(codes))
        else:
            w, missing = np.ascontiguousarray(weights), np.zeros(0, dtype=bool)
            kind = kinds.get(w.dtype, 0)
        if weights is None or kind:
            counts, sums = np.empty(k + 1, dtype=np.int64), np.empty(k + 1)
            ext.code_sums(
                np.ascontiguousarray(codes),
                codes.itemsize,
                np.ascontiguousarray(valid, dtype=bool),
                k,
                w,
                missing,
                kind,
                counts,
                sums,
            )
            return counts[:k], None if weights is None else sums[:k]
    bucketed = np.where(valid & (codes >= 0), codes, k)
    counts = np.bincount(bucketed, minlength=k + 1)[:k]
    if weights is None:
        return counts, None
    if isinstance(weights, pd.Series):
        weights = counter_weights(weights, len(codes))
    return counts, np.bincount(bucketed, weights=weights, minlength=k + 1)[:k]


def utc_seconds(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Epoch seconds as a ``datetime64[s, UTC]`` array (the smallest int64 is NaT), without parsing."""
    return pd.array(np.asarray(values, dtype=np.int64).view("M8[s]")).tz_localize("UTC")


def isin(col: pd.Series, values: list) -> np.ndarray:
    """``col.isin(values)`` as a bool array; for a categorical, one lookup table over its codes."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        table = np.zeros(len(col.cat.categories) + 1, dtype=bool)
        pos = col.cat.categories.get_indexer(pd.Index(list(values), dtype=object))
        table[pos[pos >= 0]] = True
        return table[col.cat.codes.to_numpy()]
    return np.asarray(col.isin(list(values)), dtype=bool)


def distinct(col: pd.Series, mask: np.ndarray) -> list[str]:
    """The distinct non-missing values of ``col`` where ``mask`` is true, as sorted strings."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()[mask]
        used = np.unique(codes[codes >= 0])
        return sorted(str(col.cat.categories[i]) for i in used)
    return sorted({str(v) for v in col[mask].dropna().unique()})


def value_ranks(col: pd.Series) -> np.ndarray:
    """Dense rank of each value of ``col``, ascending by value (missing last).

    The tie-break of every ranking in flownb: equal metrics are ordered by key
    value, ascending, as an engine's ``ORDER BY`` would, never by the order in
    which a category first appeared in the files (which follows file order).
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        # the ranks of the categories, once per categories object (every later call on the frame)
        table = per_categories(
            "value ranks", [col.cat.categories], lambda: _category_ranks(col.cat.categories)
        )
        return table[col.cat.codes.to_numpy()]
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        # texts: pyarrow's sort (UTF-8 byte order is code point order, as Python compares), because
        # numpy's argsort of millions of distinct Python strings (addresses) takes seconds
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            arr = pa.array(np.asarray(col, dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = None  # not all texts: pandas below
        if arr is not None:
            valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            ranks = pc.rank(arr.drop_null(), sort_keys="ascending", tiebreaker="dense")
            dense = np.asarray(ranks.to_numpy(), dtype=np.int64) - 1
            out = np.full(len(arr), int(dense.max()) + 1 if len(dense) else 0, dtype=np.int64)
            out[valid] = dense
            return out
    codes, uniques = pd.factorize(col, sort=True, use_na_sentinel=True)
    return np.where(codes < 0, len(uniques), codes).astype(np.int64)


def _category_ranks(categories: pd.Index) -> np.ndarray:
    """Each category's dense rank by value, and one more entry (code -1, missing) ranked last."""
    cats = np.asarray(categories, dtype=object)
    ranks = np.unique(cats, return_inverse=True)[1].reshape(-1) if len(cats) else np.zeros(0, dtype=np.int64)
    table = np.append(np.asarray(ranks, dtype=np.int64), len(cats))
    table.flags.writeable = False  # shared by every later call (per_categories)
    return table


def data_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows that describe traffic: log-status OK (or absent) and both addresses present."""
    n = len(df)
    mask = np.ones(n, dtype=bool)
    if "log_status" in df:
        ls = df["log_status"]
        if isinstance(ls.dtype, pd.CategoricalDtype):
            # by comparing the codes (categories are distinct: one is OK at most), not by a lookup table
            codes = ls.cat.codes.to_numpy()
            mask = codes < 0  # missing: traffic
            for ok in np.flatnonzero(np.asarray(ls.cat.categories == "OK", dtype=bool)):
                mask |= codes == ok
        else:
            mask &= np.asarray((ls == "OK") | ls.isna(), dtype=bool)
    for c in ("srcaddr", "dstaddr"):
        if c in df:
            col = df[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                mask &= col.cat.codes.to_numpy() >= 0
            else:
                mask &= np.asarray(col.notna(), dtype=bool)
    return mask


def _one_key(df: pd.DataFrame, key: str) -> tuple[np.ndarray, pd.Series]:
    """Codes (-1 missing) and labels of one grouping key: a column or 'column/24[/64]'."""
    m = _CIDR_RE.match(key)
    if m and m["col"] in df.columns:
        v4 = int(m["v4"])
        v6 = int(m["v6"]) if m["v6"] else 64
        if not (0 <= v4 <= 32 and 0 <= v6 <= 128):
            raise ValueError(f"by: '{key}' must use an IPv4 prefix length 0-32 (and IPv6 0-128)")
        col = prefix_of(df[m["col"]], v4, v6).rename(key)
        codes, values = codes_and_values(col)
        return codes, pd.Series(pd.Categorical(values), name=key)
    if key not in df.columns:
        raise unknown_column(key, df.columns, "by", " (write 'srcaddr/24' to group addresses by network)")
    col = df[key]
    if isinstance(col.dtype, pd.CategoricalDtype):  # the codes and categories as they are
        cats = np.arange(len(col.cat.categories))
        return np.asarray(col.cat.codes, dtype=np.int64), pd.Series(
            pd.Categorical.from_codes(cats, dtype=col.dtype), name=key
        )
    codes, values = codes_and_values(col)
    return codes, pd.Series(pd.array(values, dtype=col.dtype), name=key)


def group_codes(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """One integer code per row for the combination of ``by`` keys (-1 when a key is missing),
    and a frame of the keys' values, one row per code."""
    parts = [_one_key(df, k) for k in by]
    if len(parts) == 1:
        codes, labels = parts[0]
        return codes, labels.to_frame()
    missing = np.zeros(len(df), dtype=bool)
    combined = np.zeros(len(df), dtype=np.int64)
    sizes = []
    for codes, labels in parts:
        missing |= codes < 0
        sizes.append(max(len(labels), 1))
    total = 1
    for s in sizes:
        total *= s
    if total < 2**62:
        for (codes, _), s in zip(parts, sizes, strict=True):
            combined = combined * s + np.maximum(codes, 0)
        uniq_codes = np.full(len(df), -1, dtype=np.int64)
        valid = ~missing
        if total <= 1 << 22:  # few combinations: a lookup table instead of hashing every row
            uniques = np.flatnonzero(np.bincount(combined[valid], minlength=total))
            table = np.full(total, -1, dtype=np.int64)
            table[uniques] = np.arange(len(uniques))
            uniq_codes[valid] = table[combined[valid]]
        else:
            found, uniques = pd.factorize(combined[valid])
            uniq_codes[valid] = found
        # decode the combined values back into per-key codes
        rest = np.asarray(uniques, dtype=np.int64)
        per_key = []
        for s in reversed(sizes):
            per_key.append(rest % s)
            rest = rest // s
        per_key.reverse()
    else:  # pragma: no cover - astronomically many distinct keys
        frame = pd.DataFrame({i: c for i, (c, _) in enumerate(parts)})
        uniq_codes = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(np.int64)
        uniq_codes[missing] = -1
        first = pd.Series(np.arange(len(df))).groupby(uniq_codes).first()
        first = first[first.index >= 0].to_numpy()
        per_key = [c[first] for c, _ in parts]
    labels = pd.DataFrame(
        {lab.name: lab.take(k).reset_index(drop=True) for (_, lab), k in zip(parts, per_key, strict=True)}
    )
    return uniq_codes, labels


# ------------------------------------------------------- on the column cache (a frame or a view of it)
def cached_data_rows(rec: ColumnCache) -> np.ndarray:
    """:func:`data_rows` of the full frame, once, restricted to the view's rows."""
    return rec.array("data_rows", data_rows)


def cached_group_codes(rec: ColumnCache, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """:func:`group_codes` of the full frame, once (codes restricted to the view's rows; every key's label)."""
    name = ("group_codes", *keys)
    full = rec.table(name, lambda frame: group_codes(frame, keys))
    return rec.array(name, lambda _frame: full[0]), full[1]


def cached_counter(rec: ColumnCache, col: str) -> np.ndarray:
    """A counter column as bincount weights (missing or absent: 0), once for the full frame."""
    return rec.array(("counter", col), lambda frame: counter_weights(frame.get(col), len(frame)))
