"""The one error for a column that is not there, with a "did you mean" hint (narwhals' wording habit).

Two cases, one wording: a function needs fields the records' format lacks
(:func:`require_columns`), or a person named a column that does not exist
(:func:`unknown_column`).

Examples
--------
>>> import pandas as pd
>>> from flownb._columns import require_columns, unknown_column
>>> df = pd.DataFrame({"srcaddr": [], "dst_port": []})
>>> require_columns(df, ["dstport"], "top()")
Traceback (most recent call last):
...
ValueError: top() needs the column(s) ['dstport'], which these records do not have (their columns: ['srcaddr', 'dst_port']). Did you mean ['dst_port']? Read flow logs whose format includes these fields.
>>> print(unknown_column("scraddr", ["srcaddr", "dstaddr"], "by"))
by: 'scraddr' is not a column of the records; did you mean ['srcaddr', 'dstaddr']?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["did_you_mean", "require_columns", "require_frame", "unknown_column"]


def did_you_mean(name: str, choices: Iterable[object], cutoff: float = 0.6) -> str:
    """'; did you mean ['x']?' when some choices are close to ``name``, else ''."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=cutoff)
    return f"; did you mean {close}?" if close else ""


def require_frame(df: Any, what: str, *, strict: bool = False) -> None:
    """Raise a TypeError unless ``df`` is a pandas DataFrame (or, unless ``strict``, has ``columns``)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame) and (strict or not hasattr(df, "columns")):
        raise TypeError(
            f"{what} needs a pandas DataFrame (a flow log DataFrame, as flownb.read_flow_logs returns), "
            f"got {type(df).__name__}"
        )


def require_columns(df: Any, columns: Sequence[str], what: str) -> None:
    """Raise a ValueError naming the columns ``what`` needs that ``df`` lacks, and what to do."""
    require_frame(df, what)
    present = list(df.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        others = [p for p in present if p not in columns]
        close = sorted({m for c in missing for m in difflib.get_close_matches(c, others, n=3, cutoff=0.8)})
        hint = f" Did you mean {close}?" if close else ""
        raise ValueError(
            f"{what} needs the column(s) {missing}, which these records do not have (their columns: "
            f"{present}).{hint} Read flow logs whose format includes these fields."
        )


def unknown_column(name: str, columns: Iterable[object], what: str, extra: str = "") -> ValueError:
    """The error for a column a person named that the records do not have (raise it)."""
    return ValueError(f"{what}: '{name}' is not a column of the records{did_you_mean(name, columns)}{extra}")
