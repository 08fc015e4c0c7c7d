"""Expressions: from syntax tree nodes to Series (one value per record) or scalars."""

from __future__ import annotations

import operator
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _ast as A
from . import _functions
from ._aggregations import Groups, aggregate
from ._catalog import AGGREGATIONS
from ._errors import InsightsQueryError
from ._fields import Records
from ._values import (
    as_bool,
    as_number,
    as_text,
    full_text,
    is_datetime,
    is_series,
    is_stringish,
    per_distinct,
)

__all__ = ["Evaluator"]

_CMP = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Evaluator:
    """Evaluates expressions over a :class:`Records`; in ``stats`` also over groups."""

    def __init__(self, records: Records, groups: Groups | None = None) -> None:
        self.records = records
        self.groups = groups

    @property
    def n(self) -> int:
        return len(self.records)

    def __call__(self, node: A.Expr) -> Any:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    # -- leaves ------------------------------------------------------------------------
    def _literal(self, node: A.Literal) -> Any:
        return node.value

    def _field(self, node: A.Field) -> pd.Series:
        return self.records.get(node.name)

    def _duration(self, node: A.Duration) -> tuple[float, str]:
        return (node.amount, node.unit)

    def _regex(self, node: A.Regex) -> str:
        return node.pattern

    # -- operators ------------------------------------------------------------------------
    def _unary(self, node: A.Unary) -> Any:
        v = as_number(self(node.operand))
        if is_series(v):
            return -v
        return None if v is None else -v

    def _not(self, node: A.Not) -> Any:
        v = as_bool(self(node.operand))
        if is_series(v):
            return ~v
        return None if v is None else not v

    def _binary(self, node: A.Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            return logic(op, as_bool(self(node.left)), as_bool(self(node.right)))
        left, right = self(node.left), self(node.right)
        if op in _CMP:
            return compare(op, left, right, self.n if self.groups is None else self.groups.n)
        return arithmetic(op, left, right)

    def _like(self, node: A.Like) -> Any:
        value = self(node.operand)
        is_regex = isinstance(node.pattern, A.Regex)
        pattern = node.pattern.pattern if is_regex else str(node.pattern.value)
        if not is_series(value):
            if value is None:
                return None
            text = as_text(value)
            hit = re.search(_py_regex(pattern), text) is not None if is_regex else pattern in text
            return (not hit) if node.negated else hit
        res = per_distinct(value, lambda u: contains(u, pattern, is_regex))
        return ~res if node.negated else res

    def _inlist(self, node: A.InList) -> Any:
        value = self(node.operand)
        items = [self(i) for i in node.items]
        if not is_series(value):
            if value is None:
                return None
            hit = any(compare("=", value, i, 1) for i in items)
            return (not hit) if node.negated else hit
        if is_stringish(value):
            wanted = {as_text(i) for i in items if i is not None}
            res = per_distinct(
                value, lambda u: pd.Series(pd.array(u.isin(wanted).to_numpy(), dtype="boolean"))
            )
        else:
            nums = as_number(value)
            wanted_n = [x for x in (as_number(i) for i in items) if x is not None]
            hits = nums.isin(wanted_n).to_numpy(dtype=bool)
            res = pd.Series(pd.arrays.BooleanArray(hits, nums.isna().to_numpy()), index=value.index)
        return ~res if node.negated else res

    # -- calls ---------------------------------------------------------------------------
    def _call(self, node: A.Call) -> Any:
        if node.name in AGGREGATIONS:
            return self._aggregate(node)
        args = [self(a) for a in node.args]
        if node.name == "bin":
            args = [self.timestamps(node), *args]
        return _functions.call(node.name, args, self.n)

    def timestamps(self, node: A.Expr) -> pd.Series:
        ts = self.records.get("@timestamp") if self.records.has("@timestamp") else None
        if ts is None or not is_datetime(ts):
            raise InsightsQueryError(
                f"{node.text} needs @timestamp, and these records have no 'start' column "
                "(the flow log format did not include start)"
            )
        return ts

    def _aggregate(self, node: A.Call) -> pd.Series:
        if self.groups is None:  # after stats: `sort count(*) desc` names the stats result column
            if self.records.column(node.text) is not None:
                return self.records.get(node.text)
            raise InsightsQueryError(
                f"{node.text} is not a column of the stats result; aggregations outside stats can only "
                "name a stats column, written exactly as in stats (or give it a name with 'as')"
            )
        inner = Evaluator(self.records)
        values = None
        if node.args and not isinstance(node.args[0], A.Star):
            values = inner(node.args[0])
        extra = [inner(a) for a in node.args[1:]]
        ts = None
        if node.name in ("earliest", "latest"):
            ts = self.timestamps(node).reset_index(drop=True)
        return aggregate(node.name, values, self.groups, extra, ts)

    def _star(self, node: A.Star) -> None:
        return None

    def _index(self, node: A.Index) -> Any:
        from ._structures import index

        return index(self(node.operand), self(node.index), self.n)


# -- operator helpers ------------------------------------------------------------------------
def _py_regex(pattern: str) -> str:
    from ._parser import to_python_regex

    return to_python_regex(pattern)


def contains(u: pd.Series, pattern: str, is_regex: bool) -> pd.Series:
    """Substring or regex search over distinct values (RE2 via pyarrow; Python re when RE2 cannot)."""
    if not is_regex:
        return pd.Series(pd.array(u.str.contains(pattern, regex=False).to_numpy(dtype=bool), dtype="boolean"))
    py = _py_regex(pattern)
    arr = pa.array(u.to_numpy(na_value=None), type=pa.string())
    try:
        hits = pc.match_substring_regex(arr, py).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # lookarounds, backreferences: not RE2
        rx = re.compile(py)
        hits = np.array([v is not None and rx.search(v) is not None for v in arr.to_pylist()], dtype=bool)
    return pd.Series(pd.array(np.asarray(hits, dtype=bool), dtype="boolean"))


def logic(op: str, a: Any, b: Any) -> Any:
    if not is_series(a) and not is_series(b):
        if op == "and":
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    a = pd.NA if a is None else a
    b = pd.NA if b is None else b
    return (a & b) if op == "and" else (a | b)


def _numeric_like(v: Any) -> bool:
    if is_series(v):
        return pd.api.types.is_numeric_dtype(v.dtype) or pd.api.types.is_bool_dtype(v.dtype)
    return (isinstance(v, int | float) and not isinstance(v, bool)) or isinstance(v, bool)


def _timestamp(v: Any) -> pd.Timestamp | None:
    try:
        t = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    if t is pd.NaT:
        return None
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def compare(op: str, a: Any, b: Any, n: int) -> Any:
    """``a op b`` with CloudWatch's loose typing; a missing value on either side gives a missing result."""
    fn = _CMP[op]
    if not is_series(a) and not is_series(b):
        if a is None or b is None:
            return None
        if _numeric_like(a) or _numeric_like(b):
            x, y = as_number(a), as_number(b)
            if x is not None and y is not None:
                return fn(x, y)
        return fn(as_text(a), as_text(b))
    if not is_series(a):  # keep the series on the left
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return compare(flipped, b, a, n)
    if b is None:
        return _unknown(a)
    if not is_series(b):
        if is_datetime(a):
            if isinstance(b, str):
                t = _timestamp(b)
                if t is not None:
                    return _masked(fn(a, t), a)
            y = as_number(b)
            return _unknown(a) if y is None else fn(as_number(a), y)
        if _numeric_like(a) or (isinstance(b, int | float) and not isinstance(b, bool)):
            y = as_number(b)
            if y is not None:
                return fn(as_number(a), y)
            if not is_stringish(a):
                return _unknown(a)
        text = as_text(b)
        return per_distinct(
            a, lambda u: pd.Series(pd.array(fn(u, text).to_numpy(dtype=bool), dtype="boolean"))
        )
    if is_datetime(a) and is_datetime(b):
        return _masked(fn(a, b), a, b)
    if _numeric_like(a) or _numeric_like(b) or is_datetime(a) or is_datetime(b):
        return fn(as_number(a), as_number(b))
    x, y = full_text(a), full_text(b)
    return _masked(fn(x, y), x, y)


def _unknown(a: pd.Series) -> pd.Series:
    """Neither true nor false: a comparison that has no meaning (a timestamp against a word)."""
    return pd.Series(pd.arrays.BooleanArray(np.zeros(len(a), bool), np.ones(len(a), bool)), index=a.index)


def _masked(result: Any, *operands: pd.Series) -> pd.Series:
    values = np.asarray(pd.Series(result).fillna(False).to_numpy(dtype=bool))
    mask = np.zeros(len(values), dtype=bool)
    for o in operands:
        mask |= o.isna().to_numpy()
    return pd.Series(pd.arrays.BooleanArray(values, mask), index=operands[0].index)


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``+ - * / % ^`` on numbers; division or modulo by zero gives a missing value."""
    x, y = as_number(a), as_number(b)
    if not is_series(x) and not is_series(y):
        if x is None or y is None:
            return None
        if op in ("/", "%") and y == 0:
            return None
        if op == "^" and not (isinstance(x, int) and isinstance(y, int) and 0 <= y <= 64):
            x, y = float(x), float(y)  # a double, as a huge integer power would take unbounded time
        try:
            return {
                "+": operator.add,
                "-": operator.sub,
                "*": operator.mul,
                "/": operator.truediv,
                "%": operator.mod,
                "^": operator.pow,
            }[op](x, y)
        except (OverflowError, ZeroDivisionError):
            return None
    if x is None or y is None:
        other = x if is_series(x) else y
        return pd.Series(pd.array([pd.NA] * len(other), dtype="Float64"), index=other.index)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "^":
        with np.errstate(all="ignore"):
            xf = x.astype("Float64") if is_series(x) else float(x)
            return (xf**y).astype("Float64") if is_series(xf) or is_series(y) else xf**y
    zero = y == 0
    with np.errstate(all="ignore"):
        res = (x / y) if op == "/" else (x % y)
    if is_series(zero):
        return res.mask(zero.fillna(False).to_numpy(dtype=bool))
    if zero:
        return pd.Series(pd.array([pd.NA] * len(res), dtype="Float64"), index=res.index)
    return res
