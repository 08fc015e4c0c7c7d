"""The non-aggregation functions, vectorised.

String and IP functions run once per distinct value of their first argument
(:func:`~flownb.insights._values.per_distinct`); numeric and time functions run
on whole masked arrays. Each implementation takes the evaluated arguments (a
Series per record or a Python scalar) and the number of rows.

Function list and meanings: CloudWatch Logs User Guide, "Boolean, comparison,
numeric, datetime, and other functions" and "IP address string functions".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _ip, _time
from ._values import (
    STR,
    as_number,
    as_text,
    full_text,
    is_datetime,
    is_series,
    per_distinct,
    to_series,
)

__all__ = ["IMPLEMENTATIONS", "call"]

Impl = Callable[[list[Any], int], Any]
IMPLEMENTATIONS: dict[str, Impl] = {}


def _register(*names: str):
    def deco(fn: Impl) -> Impl:
        for name in names:
            IMPLEMENTATIONS[name.lower()] = fn
        return fn

    return deco


def call(name: str, args: list[Any], n: int) -> Any:
    """Run function ``name`` (lower-case) on evaluated arguments."""
    return IMPLEMENTATIONS[name](args, n)


# -- helpers ------------------------------------------------------------------------
def _string_fn(args: list[Any], n: int, fn: Callable[..., pd.Series], py: Callable[..., Any]) -> Any:
    """``fn(distinct_values, *scalars)`` when only the first argument varies per record.

    ``py`` is the same function on plain Python values, used when every argument
    is a scalar. When later arguments vary per record too, the work runs once per
    distinct combination of them.
    """
    first, rest = args[0], args[1:]
    if not is_series(first) and not any(is_series(a) for a in rest):
        if first is None:
            return None
        return py(as_text(first), *rest)
    first = to_series(first, n)
    if not any(is_series(a) for a in rest):
        return per_distinct(first, lambda u: fn(u, *rest))
    # later arguments vary: once per distinct combination of them
    frame = pd.DataFrame({i: to_series(a, n).astype(STR) for i, a in enumerate(rest) if is_series(a)})
    combo = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    pieces = []
    for k in np.unique(combo):
        rows = np.flatnonzero(combo == k)
        scalars = list(rest)
        for i in frame.columns:
            v = frame[i].iloc[rows[0]]
            scalars[i] = None if pd.isna(v) else v
        part = per_distinct(first.iloc[rows], lambda u, s=scalars: fn(u, *s))
        pieces.append(part.astype(object).set_axis(first.index[rows]))
    if not pieces:  # no records at all
        return per_distinct(first, lambda u: fn(u, *[None] * len(rest)))
    return pd.concat(pieces).sort_index().set_axis(first.index)


def _int_arg(v: Any, default: int | None = None) -> int | None:
    num = as_number(v)
    if num is None:
        return default
    return int(num)


def _bool_series(values) -> pd.Series:
    return pd.Series(pd.array(np.asarray(values, dtype=bool), dtype="boolean"))


# -- strings ------------------------------------------------------------------------
@_register("concat")
def _concat(args, n):
    if not any(is_series(a) for a in args):
        return "".join("" if a is None else as_text(a) for a in args)
    if sum(is_series(a) for a in args) == 1:
        i = next(i for i, a in enumerate(args) if is_series(a))
        pre = "".join("" if a is None else as_text(a) for a in args[:i])
        post = "".join("" if a is None else as_text(a) for a in args[i + 1 :])
        return per_distinct(args[i], lambda u: pre + u.fillna("") + post)
    parts = [
        pc.fill_null(pa.array(full_text(a).to_numpy(na_value=None), type=pa.string()), "")
        if is_series(a)
        else pa.scalar("" if a is None else as_text(a))
        for a in args
    ]
    return pd.Series(pd.array(pc.binary_join_element_wise(*parts, ""), dtype=STR))


@_register("strlen")
def _strlen(args, n):
    return _string_fn(args, n, lambda u: u.str.len().astype("Int64"), lambda s: len(s))


@_register("toupper")
def _toupper(args, n):
    return _string_fn(args, n, lambda u: u.str.upper(), lambda s: s.upper())


@_register("tolower")
def _tolower(args, n):
    return _string_fn(args, n, lambda u: u.str.lower(), lambda s: s.lower())


def _trim(kind: str):
    def impl(args, n):
        def fn(u, chars=None):
            return getattr(u.str, kind)(None if chars is None else as_text(chars))

        def py(s, chars=None):
            return getattr(s, kind)(None if chars is None else as_text(chars))

        return _string_fn(args, n, fn, py)

    return impl


_register("trim")(_trim("strip"))
_register("ltrim")(_trim("lstrip"))
_register("rtrim")(_trim("rstrip"))


@_register("substr")
def _substr(args, n):
    def fn(u, start, length=None):
        a = _int_arg(start, 0)
        b = None if length is None else a + max(_int_arg(length, 0), 0)
        return u.str.slice(a, b)

    def py(s, start, length=None):
        a = _int_arg(start, 0)
        return s[a:] if length is None else s[a : a + max(_int_arg(length, 0), 0)]

    return _string_fn(args, n, fn, py)


@_register("replace")
def _replace(args, n):
    def fn(u, search, repl):
        if search is None or search == "":
            return u
        return u.str.replace(as_text(search), "" if repl is None else as_text(repl), regex=False)

    def py(s, search, repl):
        return s if not search else s.replace(as_text(search), "" if repl is None else as_text(repl))

    return _string_fn(args, n, fn, py)


@_register("strcontains")
def _strcontains(args, n):
    def fn(u, sub):
        if sub is None:
            return pd.Series(pd.array([pd.NA] * len(u), dtype="Int64"))
        return u.str.contains(as_text(sub), regex=False).astype("Int64")

    return _string_fn(args, n, fn, lambda s, sub: None if sub is None else int(as_text(sub) in s))


def _emptiness(blank: bool):
    def impl(args, n):
        v = args[0]
        if not is_series(v):
            return v is None or (as_text(v).strip() if blank else as_text(v)) == ""

        def fn(u):
            text = u.str.strip() if blank else u
            return (text.str.len() == 0).astype("boolean")

        res = per_distinct(v, fn)
        return res.fillna(True).astype("boolean")

    return impl


_register("isempty")(_emptiness(False))
_register("isblank")(_emptiness(True))


# -- numbers ------------------------------------------------------------------------
def _numeric(fn: Callable[[pd.Series], pd.Series], py: Callable[[float], Any]):
    def impl(args, n):
        v = as_number(args[0])
        if not is_series(v):
            return None if v is None else py(v)
        return fn(v)

    return impl


def _float_ufunc(ufunc, valid) -> Callable[[pd.Series], pd.Series]:
    def fn(v: pd.Series) -> pd.Series:
        f = v.astype("Float64")
        ok = valid(f).fillna(False)
        with np.errstate(all="ignore"):
            out = ufunc(f.where(ok, 1.0))
        return out.where(ok, pd.NA).astype("Float64")

    return fn


def _py_log(x):
    return float(np.log(x)) if x > 0 else None


def _py_sqrt(x):
    return float(np.sqrt(x)) if x >= 0 else None


_register("abs")(_numeric(lambda v: v.abs(), abs))
_register("ceil")(_numeric(lambda v: np.ceil(v.astype("Float64")).astype("Int64"), lambda x: int(np.ceil(x))))
_register("floor")(
    _numeric(lambda v: np.floor(v.astype("Float64")).astype("Int64"), lambda x: int(np.floor(x)))
)
_register("log")(_numeric(_float_ufunc(np.log, lambda f: f > 0), _py_log))
_register("sqrt")(_numeric(_float_ufunc(np.sqrt, lambda f: f >= 0), _py_sqrt))


def _extreme(which: str):
    def impl(args, n):
        nums = [as_number(a) for a in args]
        if not any(is_series(x) for x in nums):
            present = [x for x in nums if x is not None]
            return (max if which == "max" else min)(present) if present else None
        ints = all(
            isinstance(x, int) or (is_series(x) and str(x.dtype) == "Int64") for x in nums if x is not None
        )
        frame = pd.concat([to_series(x, n).astype("Float64").reset_index(drop=True) for x in nums], axis=1)
        out = frame.max(axis=1, skipna=True) if which == "max" else frame.min(axis=1, skipna=True)
        return out.astype("Int64") if ints else out.astype("Float64")

    return impl


_register("greatest")(_extreme("max"))
_register("least")(_extreme("min"))


# -- date and time --------------------------------------------------------------------
def _timestamps(v: Any, n: int) -> pd.Series:
    if is_series(v) and is_datetime(v):
        return v
    ms = as_number(v)
    stamps = pd.to_datetime(to_series(ms, n).astype("Float64"), unit="ms", utc=True, errors="coerce")
    return pd.Series(stamps).dt.as_unit("ms")


@_register("bin")
def _bin(args, n):
    ts, (amount, unit) = args
    return _time.floor(_timestamps(ts, n), amount, unit)


@_register("datefloor")
def _datefloor(args, n):
    ts, (amount, unit) = args
    return _time.floor(_timestamps(ts, n), amount, unit)


@_register("dateceil")
def _dateceil(args, n):
    ts, (amount, unit) = args
    return _time.ceil(_timestamps(ts, n), amount, unit)


@_register("frommillis")
def _frommillis(args, n):
    v = as_number(args[0])
    if not is_series(v):
        return None if v is None else pd.Timestamp(int(v), unit="ms", tz="UTC")
    return _timestamps(v, n)


@_register("tomillis")
def _tomillis(args, n):
    v = args[0]
    if is_series(v) and is_datetime(v):
        from ._values import epoch_numbers

        return epoch_numbers(v, "ms")
    return as_number(v)


@_register("now")
def _now(args, n):
    return int(_time.query_time().timestamp())


@_register("jsonparse")
def _jsonparse(args, n):
    from ._structures import parse_json

    return parse_json(args[0], n)


@_register("jsonstringify")
def _jsonstringify(args, n):
    from ._structures import stringify

    return stringify(args[0], n)


# -- IP addresses -----------------------------------------------------------------------
def _ip_valid(family: int | None):
    def impl(args, n):
        v = args[0]
        if not is_series(v):
            return bool(v is not None and _ip.valid(pd.Series([as_text(v)], dtype=STR), family).iloc[0])
        return per_distinct(v, lambda u: _ip.valid(u, family)).fillna(False).astype("boolean")

    return impl


_register("isvalidip")(_ip_valid(None))
_register("isvalidipv4")(_ip_valid(4))
_register("isvalidipv6")(_ip_valid(6))


def _ip_subnet(family: int | None):
    def impl(args, n):
        res = _string_fn(
            args,
            n,
            lambda u, cidr: _ip.in_subnet(u, cidr, family),
            lambda s, cidr: bool(_ip.in_subnet(pd.Series([s], dtype=STR), cidr, family).iloc[0]),
        )
        if is_series(res):
            return res.fillna(False).astype("boolean")
        return bool(res)

    return impl


_register("isipinsubnet")(_ip_subnet(None))
_register("isipv4insubnet")(_ip_subnet(4))
_register("isipv6insubnet")(_ip_subnet(6))


# -- general ------------------------------------------------------------------------------
@_register("ispresent")
def _ispresent(args, n):
    v = args[0]
    if not is_series(v):
        return v is not None
    return v.notna().astype("boolean")


@_register("coalesce")
def _coalesce(args, n):
    series = [a for a in args if is_series(a)]
    if not series:
        return next((a for a in args if a is not None), None)
    texty = any(not (pd.api.types.is_numeric_dtype(s.dtype) or is_datetime(s)) for s in series) or any(
        isinstance(a, str) for a in args
    )
    out = None
    for a in args:
        v = to_series(a, n)
        v = full_text(v) if texty else v
        out = v if out is None else out.fillna(v) if is_series(v) else out.fillna(a)
    return out
