"""``top``'s first/last and rates for keys whose records lack a start or an end: NaT and NaN on both paths.

A key with no ``end`` used to show a "last" of about year -292 billion (the smallest int64 read as
seconds) on pandas and the engine alike; now both say NaT, and the rates that need the active time
are missing rather than a number over a made-up duration.
"""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.scale._testing import assert_same_result
from tests.scale.conftest import both

# version account eni src dst srcport dstport protocol packets bytes start end action log-status
_LINES = [
    "2 1 eni-a 10.0.0.1 10.0.0.9 40000 443 6 10 1000 1748822400 - ACCEPT OK",  # no end at all
    "2 1 eni-a 10.0.0.1 10.0.0.9 40001 443 6 10 1000 1748822460 - ACCEPT OK",
    "2 1 eni-a 10.0.0.2 10.0.0.9 40002 443 6 5 500 - 1748822470 ACCEPT OK",  # no start at all
    "2 1 eni-a 10.0.0.3 10.0.0.9 40003 443 6 4 400 1748822400 1748822440 ACCEPT OK",  # both
    "2 1 eni-a 10.0.0.3 10.0.0.9 40004 443 6 4 400 - 1748822500 ACCEPT OK",  # one start missing
]


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("missing-times")
    (folder / "a.log").write_text("\n".join(_LINES) + "\n")
    return both(folder / "a.log", folder / "store")


@pytest.mark.parametrize("metric", ["bytes", "bps"])
def test_first_last_are_nat_and_rates_missing_without_a_start_or_end(frames, metric):
    df, ds = frames
    for source in (df, ds):
        t = flownb.top(source, by="srcaddr", metric=metric, n=None).set_index("srcaddr")
        t.index = t.index.astype(str)
        assert pd.isna(t.loc["10.0.0.1", "last"])  # not year -292 billion
        assert t.loc["10.0.0.1", "first"] == pd.Timestamp(1748822400, unit="s", tz="UTC")
        assert pd.isna(t.loc["10.0.0.2", "first"])
        assert t.loc["10.0.0.2", "last"] == pd.Timestamp(1748822470, unit="s", tz="UTC")
        assert t.loc[["10.0.0.1", "10.0.0.2"], ["bps", "pps"]].isna().all().all()
        # a missing start among known ones: the first known start, and the rate over the known span
        assert t.loc["10.0.0.3", "first"] == pd.Timestamp(1748822400, unit="s", tz="UTC")
        assert t.loc["10.0.0.3", "bps"] == pytest.approx(800 * 8 / 100)
        assert t["last"].dropna().dt.year.min() >= 2025
    assert_same_result(
        flownb.top(df, by="srcaddr", metric=metric, n=None),
        flownb.top(ds, by="srcaddr", metric=metric, n=None),
    )


@pytest.mark.parametrize("metric", ["flows", "bytes"])
def test_ranking_only_is_the_same_on_both_paths(frames, metric):
    # top(counters=False): the keys, their records, the metric and share, on pandas and the engine alike
    df, ds = frames
    got = flownb.top(ds, by="srcaddr", metric=metric, n=None, counters=False)
    assert list(got.columns) == list(dict.fromkeys(["srcaddr", "flows", metric, "share"]))
    assert_same_result(flownb.top(df, by="srcaddr", metric=metric, n=None, counters=False), got)
