"""CloudWatch's structure types, MAP and LIST: ``jsonParse``, ``jsonStringify``, ``a.b`` and ``a[0]``.

CloudWatch Logs User Guide, "Boolean, comparison, numeric, datetime, and other
functions" -> "Structure types" and "JSON functions": ``jsonParse`` turns a
field holding a JSON string into a MAP or a LIST; ``map.attribute`` reads an
entry of a MAP (backticks around a name with special characters), ``list[0]``
an element of a LIST; ``jsonStringify`` turns a MAP or LIST back into a JSON
string; ``unnest`` expands a LIST into one record per element.

Here a MAP is a Python ``dict`` and a LIST a Python ``list`` in an object
column. JSON text is parsed once per distinct text; walking into parsed values
is Python work per record, the one place in the engine that is (flow log
records are not JSON; the commands exist for JSON log groups and the lessons).
A text that is not JSON gives a missing value, as does a path that does not
exist (flownb's choice: the guide does not say).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from ._values import STR, distinct, is_series

__all__ = ["from_python", "get_path", "index", "is_structure", "parse_json", "stringify"]


def is_structure(s: pd.Series) -> bool:
    """True for an object column that holds parsed JSON (MAP or LIST values)."""
    if s.dtype != object or len(s) == 0:
        return False
    return any(isinstance(v, dict | list) for v in s.head(1000))


def _loads(text: Any) -> Any:
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    try:
        return json.loads(str(text))
    except (ValueError, RecursionError):
        return None


def parse_json(v: Any, n: int) -> Any:
    """``jsonParse``: a MAP (dict) or LIST (list) per record, missing where the text is not JSON."""
    if not is_series(v):
        return _loads(v)
    if is_structure(v):
        return v
    codes, uniques = distinct(v)
    parsed = [_loads(u) for u in uniques.tolist()]
    values = np.empty(len(parsed) + 1, dtype=object)
    values[: len(parsed)] = parsed
    values[len(parsed)] = None
    return pd.Series(values[np.where(codes < 0, len(parsed), codes)], index=v.index, dtype=object)


def _dumps(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def stringify(v: Any, n: int) -> Any:
    """``jsonStringify``: a MAP or LIST as compact JSON text."""
    if not is_series(v):
        return _dumps(v)
    if v.dtype != object:
        return v
    return pd.Series(pd.array([_dumps(x) for x in v.tolist()], dtype=STR), index=v.index)


def _step(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        return value.get(str(key))
    if isinstance(value, list):
        try:
            i = int(key)
        except (TypeError, ValueError):
            return None
        return value[i] if -len(value) <= i < len(value) else None
    return None


def get_path(s: pd.Series, path: list[str]) -> pd.Series:
    """``map.a.b``: the entry at ``path`` of each record's MAP (missing where there is none)."""
    out = []
    for value in s.tolist():
        for key in path:
            value = _step(value, key)
            if value is None:
                break
        out.append(value)
    return from_python(out, s.index)


def index(values: Any, key: Any, n: int) -> Any:
    """``list[i]`` (or ``map["key"]``) for each record."""
    if not is_series(values):
        return _step(values, key)
    if is_series(key):
        keys = key.tolist()
        return from_python([_step(v, k) for v, k in zip(values.tolist(), keys, strict=True)], values.index)
    return from_python([_step(v, key) for v in values.tolist()], values.index)


def from_python(items: list[Any], index_: Any = None) -> pd.Series:
    """Python values as a typed column: numbers, booleans or strings when they all are, else objects."""
    present = [x for x in items if x is not None]
    if present and all(isinstance(x, bool) for x in present):
        return pd.Series(pd.array(items, dtype="boolean"), index=index_)
    if present and all(
        isinstance(x, int) and not isinstance(x, bool) and -(2**63) <= x < 2**63 for x in present
    ):
        return pd.Series(pd.array(items, dtype="Int64"), index=index_)
    if present and all(isinstance(x, int | float) and not isinstance(x, bool) for x in present):
        return pd.Series(
            pd.array([None if x is None else float(x) for x in items], dtype="Float64"), index=index_
        )
    if present and all(isinstance(x, str) for x in present):
        return pd.Series(pd.array(items, dtype=STR), index=index_)
    values = np.empty(len(items), dtype=object)
    values[:] = items
    if not present:
        return pd.Series(pd.array([None] * len(items), dtype=STR), index=index_)
    return pd.Series(values, index=index_, dtype=object)
