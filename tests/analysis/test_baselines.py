"""Baselines: robust z-scores, EWMA and prior mean/std behave as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flownb.analysis._baselines import ewma, ewma_z, mad, prior_mean_std, robust_z


def test_robust_z_resists_the_outlier_it_is_looking_for():
    history = [100, 104, 98, 101, 97, 103, 99, 102, 100, 5000]
    z = robust_z(history)
    assert z[-1] > 3.5 and (np.abs(z[:-1]) < 3.5).all()
    # a mean/std z-score would be fooled: the outlier inflates the std
    x = np.array(history, dtype=float)
    assert (x[-1] - x.mean()) / x.std() < 3.5


def test_robust_z_keeps_the_series_index_and_name():
    s = pd.Series([1.0, 2.0, 3.0, 40.0], index=list("abcd"), name="bytes")
    z = robust_z(s)
    assert isinstance(z, pd.Series) and list(z.index) == list("abcd") and z.name == "bytes"


def test_robust_z_against_a_reference_history():
    z = robust_z([10.0, 100.0], reference=[9, 10, 11, 10, 10, 12, 8])
    assert z[0] == 0 and z[1] > 50


def test_robust_z_when_half_the_history_is_one_value():
    # MAD 0: the mean absolute deviation takes over; all-equal history gives inf for anything else
    assert np.isfinite(robust_z([0, 0, 0, 0, 5, 6])).all()
    z = robust_z([7.0, 8.0], reference=[7, 7, 7])
    assert z[0] == 0 and np.isinf(z[1]) and z[1] > 0


def test_robust_z_by_group_scores_each_group_against_itself():
    values = [10, 11, 9, 10, 50, 1000, 1100, 900, 1000, 1050]
    groups = ["a"] * 5 + ["b"] * 5
    z = robust_z(values, by=groups)
    assert z[4] > 3.5  # 50 is huge for group a
    assert (np.abs(z[5:]) < 3.5).all()  # 1000s are normal for group b


def test_robust_z_rejects_by_with_reference_and_length_mismatch():
    with pytest.raises(ValueError, match="'reference' must be omitted"):
        robust_z([1, 2], reference=[1], by=[0, 0])
    with pytest.raises(ValueError, match="'by' must be as long"):
        robust_z([1, 2], by=[0])


def test_missing_values_stay_missing():
    z = robust_z([1.0, np.nan, 2.0, 3.0])
    assert np.isnan(z[1]) and np.isfinite(z[[0, 2, 3]]).all()
    assert np.isnan(mad([]))


def test_ewma_follows_the_recurrence():
    out = ewma([10, 20, 30], alpha=0.5)
    assert out.tolist() == [10.0, 15.0, 22.5]
    by = ewma([10, 20, 100, 200], alpha=0.5, by=["a", "a", "b", "b"])
    assert by.tolist() == [10.0, 15.0, 100.0, 150.0]
    with pytest.raises(ValueError, match="'alpha' must be in"):
        ewma([1], alpha=0)


def test_ewma_z_scores_only_against_earlier_values():
    values = [10, 11, 9, 10, 11, 10, 9, 10, 80, 10]
    z = ewma_z(values, alpha=0.3, min_periods=5)
    assert np.isnan(z[:5]).all()
    assert z[8] > 5 and abs(z[7]) < 3


def test_prior_mean_std_per_group():
    out = prior_mean_std([2, 4, 6, 10, 20], by=["a", "a", "a", "b", "b"])
    assert out["n"].tolist() == [0, 1, 2, 0, 1]
    assert out["mean"].tolist()[1:3] == [2.0, 3.0] and out["mean"].tolist()[4] == 10.0
    assert out["std"].tolist()[2] == 1.0


@given(
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=50),
    st.integers(1, 1000),
    st.integers(-1000, 1000),
)
def test_robust_z_is_invariant_to_shift_and_scale(values, scale, shift):
    x = np.array(values, dtype=float)
    z1 = robust_z(x)
    z2 = robust_z(x * scale + shift)
    finite = np.isfinite(z1) & np.isfinite(z2)
    assert np.allclose(z1[finite], z2[finite], rtol=1e-6, atol=1e-6)
    assert (np.isinf(z1) == np.isinf(z2)).all()


def test_inputs_are_not_modified():
    s = pd.Series([1.0, 2.0, 30.0])
    before = s.copy()
    robust_z(s)
    ewma(s)
    ewma_z(s, min_periods=1)
    prior_mean_std(s)
    pd.testing.assert_series_equal(s, before)
