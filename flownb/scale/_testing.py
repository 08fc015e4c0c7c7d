"""``assert_same_result``: the contract of the differential tests, offered to users too."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["assert_same_result"]


def assert_same_result(expected: pd.DataFrame, got: pd.DataFrame, *, rel: float = 1e-9) -> None:
    """Assert two analysis results are the same: rows, order, values, dtypes; floats within ``rel``.

    Integers, strings, timestamps and the row order must be identical, and so
    must each column's dtype (a categorical's categories may differ: an engine
    knows only the values present). Floats are equal within ``rel`` relative
    difference (summation order differs between engines), NaN equal to NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> assert_same_result(pd.DataFrame({"x": [0.1 + 0.2]}), pd.DataFrame({"x": [0.3]}))
    """
    assert list(got.columns) == list(expected.columns), (
        f"columns differ: {list(got.columns)} != {list(expected.columns)}"
    )
    assert len(got) == len(expected), f"{len(got)} rows, expected {len(expected)}"
    for col in expected.columns:
        a, b = expected[col], got[col]
        if isinstance(a.dtype, pd.CategoricalDtype):
            assert isinstance(b.dtype, pd.CategoricalDtype), f"{col}: dtype {b.dtype}, expected category"
            va, vb = a.astype(object).tolist(), b.astype(object).tolist()
            va = [
                None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v for v in va
            ]
            vb = [
                None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v for v in vb
            ]
            _same(col, va, vb)
            continue
        assert str(a.dtype) == str(b.dtype), f"{col}: dtype {b.dtype}, expected {a.dtype}"
        if pd.api.types.is_float_dtype(a.dtype):
            x, y = a.to_numpy(dtype=np.float64), b.to_numpy(dtype=np.float64)
            ok = (np.isnan(x) & np.isnan(y)) | (x == y) | np.isclose(x, y, rtol=rel, atol=0.0)
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                raise AssertionError(f"{col}: row {i} is {y[i]!r}, expected {x[i]!r} (within rel={rel})")
        else:
            _same(col, a.tolist(), b.tolist())


def _same(col: str, va: list, vb: list) -> None:
    for i, (x, y) in enumerate(zip(va, vb, strict=True)):
        xn = x is None or x is pd.NA or x is pd.NaT
        yn = y is None or y is pd.NA or y is pd.NaT
        if xn and yn:
            continue
        if xn != yn or x != y:
            raise AssertionError(f"{col}: row {i} is {y!r}, expected {x!r}")
