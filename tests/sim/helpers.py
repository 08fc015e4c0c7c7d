"""Shared checks for the VPC twin tests."""

from __future__ import annotations

import pandas as pd


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns, dtypes (categories in the same order) and values.

    A fast stand-in for ``pandas.testing.assert_frame_equal``, which is slow on
    large categorical frames.
    """
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        assert str(a[col].dtype) == str(b[col].dtype), col
        if isinstance(a[col].dtype, pd.CategoricalDtype):
            assert list(a[col].cat.categories) == list(b[col].cat.categories), col
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))
