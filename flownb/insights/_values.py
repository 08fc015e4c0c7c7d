"""Values during evaluation, and the one trick that keeps the engine fast.

An expression evaluates to a pandas Series (one value per record) or to a
Python scalar (a literal). Work that needs Python or string handling runs once
per *distinct* value (:func:`per_distinct`): on a categorical column that is
once per category, then mapped back to the rows through the category codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "as_bool",
    "as_number",
    "as_text",
    "distinct",
    "is_series",
    "missing",
    "per_distinct",
    "to_series",
]

STR = "str"  # pandas' string dtype (pyarrow-backed when pyarrow is installed)
_MOSTLY_UNIQUE_CHECK = 50_000  # above this many values, check whether factorizing is worth it


def is_series(v: Any) -> bool:
    return isinstance(v, pd.Series)


def missing(n: int, name: str | None = None) -> pd.Series:
    """A column of missing values (an unknown field): a categorical with no categories."""
    return pd.Series(
        pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype=STR)),
        name=name,
    )


_INT64_MIN, _INT64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)


def to_series(v: Any, n: int) -> pd.Series:
    """A scalar broadcast to ``n`` rows (Series are returned as they are)."""
    if is_series(v):
        return v
    if v is None:
        return missing(n)
    if isinstance(v, bool):
        return pd.Series(pd.array(np.full(n, v), dtype="boolean"))
    if isinstance(v, int) and _INT64_MIN <= v <= _INT64_MAX:
        return pd.Series(pd.array(np.full(n, v, dtype=np.int64), dtype="Int64"))
    if isinstance(v, int | float):  # an integer beyond 64 bits (say 2 ^ 63) is kept as a double
        v = float(v) if isinstance(v, float) or abs(v) < 2**1023 else math.copysign(math.inf, v)
        return pd.Series(pd.array(np.full(n, v, dtype=np.float64), dtype="Float64"))
    if isinstance(v, pd.Timestamp):
        return pd.Series(
            pd.DatetimeIndex(np.full(n, v.as_unit("ms").value, dtype="datetime64[ms]"), tz="UTC")
        )
    return pd.Series(
        pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([str(v)], dtype=STR))
    )


def is_stringish(s: pd.Series) -> bool:
    return (
        isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s.dtype) or s.dtype == object
    )


def is_datetime(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype)


def plain(s: pd.Series) -> pd.Series:
    """A column of MAP/LIST values (jsonParse) as JSON text, so it can be hashed, grouped and compared."""
    if s.dtype != object:
        return s
    values = s.tolist()
    if not any(isinstance(v, dict | list) for v in values):
        return s
    import json

    text = [None if v is None or v is pd.NA else json.dumps(v, separators=(",", ":")) if isinstance(v, dict | list)
            else str(v) for v in values]  # fmt: skip
    return pd.Series(pd.array(text, dtype=STR), index=s.index, name=s.name)


def distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Row codes (-1 = missing) and the distinct values they point to."""
    s = plain(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), pd.Series(s.cat.categories)
    if len(s) > _MOSTLY_UNIQUE_CHECK and s.iloc[:1000].nunique() > 900:
        # (nearly) every value differs, like @message: hashing them would only cost time
        codes = np.arange(len(s), dtype=np.int64)
        codes[s.isna().to_numpy()] = -1
        return codes, s.reset_index(drop=True)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(uniques)


def take(values: pd.Series, codes: np.ndarray, name: Any = None) -> pd.Series:
    """``values[codes]`` with -1 giving a missing value; strings come back categorical."""
    if (
        is_stringish(values)
        and not isinstance(values.dtype, pd.CategoricalDtype)
        and len(values) > _MOSTLY_UNIQUE_CHECK
    ):
        import pyarrow as pa

        arr = pa.array(values.astype(STR).to_numpy(na_value=None), type=pa.large_string())
        picked = arr.take(pa.array(codes, mask=codes < 0))
        return pd.Series(pd.array(picked, dtype=STR), name=name)
    if is_stringish(values) and not isinstance(values.dtype, pd.CategoricalDtype):
        vcodes, cats = pd.factorize(values.astype(STR), use_na_sentinel=True)
        vcodes = np.append(vcodes, -1)
        out = pd.Categorical.from_codes(vcodes[codes], categories=pd.Index(cats, dtype=STR))
        return pd.Series(out, name=name)
    arr = values.array
    if isinstance(arr, pd.arrays.NumpyExtensionArray):
        arr = pd.array(arr.to_numpy(), dtype=_nullable(arr.dtype.numpy_dtype))
    return pd.Series(arr.take(codes, allow_fill=True), name=name)


def _nullable(dtype: np.dtype) -> str | np.dtype:
    if dtype.kind == "b":
        return "boolean"
    if dtype.kind in "iu":
        return "Int64"
    if dtype.kind == "f":
        return "Float64"
    return dtype


def per_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn`` applied to the distinct values of ``s`` (as strings), mapped back to every row.

    ``fn`` receives a Series of the distinct values (pandas string dtype) and
    returns a Series of the same length.
    """
    codes, uniques = distinct(s)
    if not is_stringish(uniques):
        uniques = _stringify(uniques)
    result = fn(uniques.astype(STR).reset_index(drop=True))
    return take(pd.Series(result).reset_index(drop=True), codes)


def _stringify(values: pd.Series) -> pd.Series:
    if is_datetime(values):
        return values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23) + "Z"
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.astype("Float64")
        whole = v.notna() & (v == v.round(0))
        text = v.astype(STR)
        return text.where(~whole.fillna(False), v.round(0).astype("Int64").astype(STR))
    return values.astype(STR)


def as_text(v: Any, n: int | None = None) -> Any:
    """Strings: Series stay categorical where they are; scalars become str (None stays None)."""
    if is_series(v):
        if is_stringish(v):
            return plain(v)
        return per_distinct(v, lambda u: u)
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"
    return str(v)


def full_text(v: pd.Series) -> pd.Series:
    """A Series as a plain pandas string Series (for element-wise string work on two columns)."""
    v = as_text(v)
    if isinstance(v.dtype, pd.CategoricalDtype):
        return v.astype(STR)
    return v.astype(STR)


def epoch_unit(s: pd.Series) -> str:
    """Timestamps become numbers in arithmetic: ``start``/``end`` in seconds (as AWS writes them), others in ms."""
    return "s" if s.name in ("start", "end") else "ms"


def epoch_numbers(v: pd.Series, unit: str) -> pd.Series:
    """Timestamps as epoch numbers in ``unit`` (``"s"`` or ``"ms"``), masked Int64."""
    naive = v.dt.tz_localize(None) if getattr(v.dt, "tz", None) is not None else v
    ints = naive.dt.as_unit(unit).to_numpy().view("int64")
    mask = v.isna().to_numpy()
    return pd.Series(pd.arrays.IntegerArray(np.where(mask, 0, ints), mask), index=v.index)


def as_number(v: Any) -> Any:
    """Numbers: masked Int64/Float64 Series, or a Python int/float/None."""
    if is_series(v):
        if is_datetime(v):
            return epoch_numbers(v, epoch_unit(v))
        dtype = v.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return v.astype("Int64")
        if pd.api.types.is_integer_dtype(dtype):
            if str(dtype) in ("Int64", "int64"):
                return v.astype("Int64") if str(dtype) == "int64" else v
            if str(dtype) in ("UInt64", "uint64"):
                big = v.max(skipna=True)
                if big is not pd.NA and big is not None and int(big) >= 2**63:
                    return v.astype("Float64")
            return v.astype("Int64")
        if pd.api.types.is_float_dtype(dtype):
            return v.astype("Float64")
        return per_distinct(v, lambda u: pd.to_numeric(u, errors="coerce").astype("Float64"))
    if v is None or isinstance(v, bool):
        return None if v is None else int(v)
    if isinstance(v, int | float):
        return v
    if isinstance(v, pd.Timestamp):
        return v.as_unit("ms").value
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return int(f) if f.is_integer() and "." not in str(v) and "e" not in str(v).lower() else f


def as_bool(v: Any) -> Any:
    """Truth values: a masked boolean Series, or True/False/None."""
    if is_series(v):
        if pd.api.types.is_bool_dtype(v.dtype):
            return v.astype("boolean")
        if pd.api.types.is_numeric_dtype(v.dtype):
            return as_number(v) != 0
        if is_datetime(v):
            return v.notna().astype("boolean").where(v.notna(), pd.NA)
        return per_distinct(v, lambda u: pd.Series(pd.array(u.str.len() > 0, dtype="boolean")))
    if v is None:
        return None
    if isinstance(v, str):
        return len(v) > 0
    return bool(v)


def boolean(values: np.ndarray, mask: np.ndarray | None = None, index=None) -> pd.Series:
    """A masked boolean Series from numpy values and a missing mask."""
    if mask is None:
        mask = np.zeros(len(values), dtype=bool)
    return pd.Series(
        pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(mask, dtype=bool)), index=index
    )


# The guide's "sort" page (CloudWatch Logs User Guide, CWL_QuerySyntax-Sort): "an updated version of
# natural sorting". Ascending: every non-number value before every number value ("values that include
# only numbers"); non-number values compared in chunks, runs of digits against runs of digits "by their
# length first and then by their numerical value", everything else by Unicode value (the page's example:
# "2345 is compared with @ in the unicode order"). flownb's readings where the page is silent: a number
# value is ASCII digits with an optional leading minus and decimal part (``-3``, ``1.5``), ordered by
# value, equal values (``01``, ``1``) by their text; a digit is ``0``-``9`` only.
_NUMBER_VALUE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DIGIT_RUN = re.compile(r"[0-9]+")


def _digit_chunk(m: re.Match[str]) -> str:
    # "0" keeps the chunk where a digit sorts against any other character; then its length, then the
    # digits (equal lengths compare by value as text)
    run = m.group(0)
    return "0" + chr(min(len(run), 0x10FFFF)) + run


def natural_key(text: str) -> tuple[Any, ...]:
    """The key that orders ``text`` as the guide's ``sort`` does (ascending).

    Examples
    --------
    >>> sorted(["a10", "2", "a9", "b"], key=natural_key)
    ['a9', 'a10', 'b', '2']
    """
    if _NUMBER_VALUE.fullmatch(text):
        return (1, float(text), text)
    return (0, _DIGIT_RUN.sub(_digit_chunk, text))


def natural_ranks(texts: Any) -> np.ndarray:
    """The rank (0, 1, ...) of each of ``texts`` in the guide's natural order (see :func:`natural_key`)."""
    values = [str(t) for t in texts]
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[sorted(range(len(values)), key=lambda i: natural_key(values[i]))] = np.arange(len(values))
    return ranks
