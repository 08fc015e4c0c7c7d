"""Baselines: how unusual is a value compared with its own history?

The detectors compare a count (rejected records in a bin, packets per minute,
bytes per hour) with the history of the same source. Three tools cover it:

* :func:`robust_z`, the modified z-score of Iglewicz and Hoaglin (1993): the
  distance from the median in units of the median absolute deviation. A few huge
  values (the attack itself) hardly move the median or the MAD, so an attack
  cannot hide by inflating its own baseline. Iglewicz and Hoaglin suggest
  reporting values with a modified z-score of 3.5 or more as outliers; that is
  where flownb's 3.5 defaults come from.
* :func:`ewma` and :func:`ewma_z`, an exponentially weighted moving average and
  the z-score of each value against the average and spread of the values before
  it: a baseline that follows slow drift (traffic growing over a day).
* :func:`prior_mean_std`, the mean and standard deviation of the values before
  each one (the "mean + 3 sigma of its history" rule of ``reject_spike``).

All take arrays or Series, optionally a ``by`` key to compute one baseline per
group (per source address, per ENI) in one vectorised pass, and never modify
their input.

Examples
--------
>>> import pandas as pd
>>> from flownb.analysis._baselines import robust_z
>>> counts = pd.Series([10, 12, 11, 9, 10, 250])
>>> robust_z(counts).round(1).tolist()
[-0.3, 1.0, 0.3, -1.0, -0.3, 161.5]
>>> bool(robust_z(counts).iloc[-1] >= 3.5)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ewma", "ewma_z", "mad", "prior_mean_std", "robust_z"]

#: 1 / Phi^-1(3/4): scales the MAD so that it estimates the standard deviation of normal data.
MAD_SCALE = 1.482602218505602
#: sqrt(pi / 2): scales the mean absolute deviation the same way (fallback when the MAD is 0).
MEANAD_SCALE = 1.2533141373155001


def _series(values: Sequence[float] | np.ndarray | pd.Series) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.astype("float64")
    return pd.Series(np.asarray(values, dtype="float64"))


def _wrap(result: np.ndarray, values: object) -> pd.Series | np.ndarray:
    if isinstance(values, pd.Series):
        return pd.Series(result, index=values.index, name=values.name)
    return result


def mad(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Median absolute deviation, scaled to estimate a standard deviation.

    Parameters
    ----------
    values : array-like of float
        Missing values are ignored.

    Returns
    -------
    float
        ``1.4826 * median(|x - median(x)|)``; NaN when there are no values.

    Examples
    --------
    >>> from flownb.analysis._baselines import mad
    >>> round(mad([1, 2, 3, 4, 100]), 3)
    1.483
    """
    x = _series(values).dropna().to_numpy()
    if len(x) == 0:
        return float("nan")
    return float(MAD_SCALE * np.median(np.abs(x - np.median(x))))


def robust_z(
    values: Sequence[float] | np.ndarray | pd.Series,
    reference: Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    by: Sequence[object] | np.ndarray | pd.Series | None = None,
) -> pd.Series | np.ndarray:
    """Modified z-score: ``(x - median) / (1.4826 * MAD)`` against a reference.

    Parameters
    ----------
    values : array-like of float
        The values to score.
    reference : array-like of float, optional
        The history to compare with; ``values`` themselves when omitted (the
        median and MAD resist the outliers being looked for).
    by : array-like, optional
        Group key, as long as ``values``: each value is scored against the
        values of its own group (``reference`` must then be omitted).

    Returns
    -------
    Series or ndarray
        Same shape and index as ``values``. When the MAD is 0 (more than half
        the history is one value) the scaled mean absolute deviation is used
        instead; when that is 0 too, values equal to the median score 0 and all
        others ±inf.

    Notes
    -----
    Iglewicz, B. and Hoaglin, D. (1993), *How to Detect and Handle Outliers*:
    modified z-scores of 3.5 or more are potential outliers. flownb's detectors
    use that cut-off by default.

    Examples
    --------
    >>> from flownb.analysis._baselines import robust_z
    >>> robust_z([100.0, 5000.0], reference=[90, 100, 110, 95, 105]).round(1).tolist()
    [0.0, 661.0]
    >>> robust_z([1, 1, 9, 2, 2, 30], by=["a", "a", "a", "b", "b", "b"]).round(2).tolist()
    [0.0, 0.0, 2.39, 0.0, 0.0, 2.39]
    """
    x = _series(values)
    if by is not None:
        if reference is not None:
            raise ValueError("'reference' must be omitted when 'by' is given: each group is its own history")
        if len(by) != len(x):
            raise ValueError(f"'by' must be as long as 'values' ({len(x)}), got {len(by)}")
        key = pd.Series(np.asarray(by), index=x.index)
        g = x.groupby(key, sort=False)
        med = g.transform("median")
        dev = (x - med).abs()
        gd = dev.groupby(key, sort=False)
        scale = gd.transform("median") * MAD_SCALE
        fallback = gd.transform("mean") * MEANAD_SCALE
        result = _z(x.to_numpy(), med.to_numpy(), scale.to_numpy(), fallback.to_numpy())
        return _wrap(result, values)
    ref = x if reference is None else _series(reference)
    ref = ref.dropna().to_numpy()
    if len(ref) == 0:
        return _wrap(np.full(len(x), np.nan), values)
    med = float(np.median(ref))
    dev = np.abs(ref - med)
    result = _z(x.to_numpy(), med, MAD_SCALE * float(np.median(dev)), MEANAD_SCALE * float(dev.mean()))
    return _wrap(result, values)


def _z(x: np.ndarray, med: object, scale: object, fallback: object) -> np.ndarray:
    scale = np.where(np.asarray(scale) > 0, scale, fallback)
    diff = x - med
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / scale
        degenerate = np.where(diff > 0, np.inf, np.where(diff < 0, -np.inf, 0.0))
    z = np.where(np.asarray(scale) > 0, z, degenerate)
    return np.where(np.isnan(x), np.nan, z)


def ewma(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    alpha: float = 0.3,
    by: Sequence[object] | np.ndarray | pd.Series | None = None,
) -> pd.Series | np.ndarray:
    """Exponentially weighted moving average: ``m_t = alpha * x_t + (1 - alpha) * m_{t-1}``.

    Parameters
    ----------
    values : array-like of float
        Values in time order (within each group when ``by`` is given).
    alpha : float
        Weight of the newest value, in (0, 1]; 0.3 is flownb's own choice
        (about the last 6 values matter).
    by : array-like, optional
        Group key: one average per group.

    Examples
    --------
    >>> from flownb.analysis._baselines import ewma
    >>> ewma([10, 10, 20], alpha=0.5).tolist()
    [10.0, 10.0, 15.0]
    """
    _check_alpha(alpha)
    x = _series(values)
    if by is None:
        out = x.ewm(alpha=alpha, adjust=False).mean()
    else:
        key = pd.Series(np.asarray(by), index=x.index)
        out = x.groupby(key, sort=False).transform(lambda s: s.ewm(alpha=alpha, adjust=False).mean())
    return _wrap(out.to_numpy(), values)


def ewma_z(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    alpha: float = 0.3,
    min_periods: int = 5,
    by: Sequence[object] | np.ndarray | pd.Series | None = None,
) -> pd.Series | np.ndarray:
    """z-score of each value against the EWMA mean and EWM standard deviation of the values before it.

    Parameters
    ----------
    values : array-like of float
        Values in time order.
    alpha : float
        Smoothing weight (see :func:`ewma`).
    min_periods : int
        Prior values needed before a score is given (NaN before that); 5 is
        flownb's own choice.
    by : array-like, optional
        Group key: one baseline per group.

    Examples
    --------
    >>> from flownb.analysis._baselines import ewma_z
    >>> z = ewma_z([10, 11, 9, 10, 11, 10, 60])
    >>> bool(z[-1] > 10), bool(np.isnan(z[0]))
    (True, True)
    """
    _check_alpha(alpha)
    x = _series(values)

    def one(s: pd.Series) -> pd.Series:
        prior = s.shift(1)
        m = prior.ewm(alpha=alpha, adjust=False, min_periods=min_periods).mean()
        sd = prior.ewm(alpha=alpha, adjust=False, min_periods=min_periods).std()
        return (s - m) / sd

    if by is None:
        out = one(x)
    else:
        key = pd.Series(np.asarray(by), index=x.index)
        out = x.groupby(key, sort=False, group_keys=False).apply(one)
    arr = out.to_numpy(dtype="float64")
    return _wrap(np.where(np.isfinite(arr) | np.isinf(arr), arr, np.nan), values)


def prior_mean_std(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    by: Sequence[object] | np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Count, mean and (population) standard deviation of the values before each value.

    Parameters
    ----------
    values : array-like of float
        Values in time order (within each group).
    by : array-like, optional
        Group key: histories do not cross groups.

    Returns
    -------
    DataFrame
        Columns ``n``, ``mean``, ``std`` aligned with ``values``; ``mean`` and
        ``std`` are NaN where there is no history yet.

    Examples
    --------
    >>> from flownb.analysis._baselines import prior_mean_std
    >>> prior_mean_std([2, 4, 6]).round(2).to_dict("list")
    {'n': [0, 1, 2], 'mean': [nan, 2.0, 3.0], 'std': [nan, 0.0, 1.0]}
    """
    x = _series(values).fillna(0.0)
    if by is None:
        key = pd.Series(np.zeros(len(x), dtype=np.int8), index=x.index)
    else:
        key = pd.Series(np.asarray(by), index=x.index)
    g = x.groupby(key, sort=False)
    n = g.cumcount().to_numpy()
    s = g.cumsum().to_numpy() - x.to_numpy()
    ss = (x * x).groupby(key, sort=False).cumsum().to_numpy() - x.to_numpy() ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, s / n, np.nan)
        var = np.where(n > 0, ss / n - mean**2, np.nan)
    std = np.sqrt(np.clip(var, 0, None))
    out = pd.DataFrame({"n": n, "mean": mean, "std": std})
    if isinstance(values, pd.Series):
        out.index = values.index
    return out


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha <= 1:
        raise ValueError(f"'alpha' must be in (0, 1], got {alpha!r}")
