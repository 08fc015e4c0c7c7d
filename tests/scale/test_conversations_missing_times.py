"""``conversations``' first and last for conversations whose records lack a start or an end, on both paths.

A conversation with no ``end`` used to show a "last" of about year -292 billion (the smallest int64 read
as seconds); now both paths say NaT, and ``first`` is the earliest start that is known, as ``top`` does.
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
    "2 1 eni-a 10.0.0.9 10.0.0.1 443 40000 6 10 1000 1748822460 - ACCEPT OK",
    "2 1 eni-a 10.0.0.2 10.0.0.9 40002 443 6 5 500 - 1748822470 ACCEPT OK",  # no start at all
    "2 1 eni-a 10.0.0.3 10.0.0.9 40003 443 6 4 400 1748822400 1748822440 ACCEPT OK",  # both
    "2 1 eni-a 10.0.0.9 10.0.0.3 443 40003 6 4 400 - 1748822500 ACCEPT OK",  # one start missing
]


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conv-missing-times")
    (folder / "a.log").write_text("\n".join(_LINES) + "\n")
    return both(folder / "a.log", folder / "store")


def _at(t: pd.Timestamp | int) -> pd.Timestamp:
    return pd.Timestamp(t, unit="s", tz="UTC")


def test_first_last_are_nat_without_a_start_or_end_and_known_times_otherwise(frames):
    df, ds = frames
    for source in (df, ds):
        c = flownb.conversations(source).set_index("client")
        c.index = c.index.astype(str)
        assert pd.isna(c.loc["10.0.0.1", "last"])  # not year -292 billion
        assert c.loc["10.0.0.1", "first"] == _at(1748822400)
        assert pd.isna(c.loc["10.0.0.2", "first"])
        assert c.loc["10.0.0.2", "last"] == _at(1748822470)
        # a missing start among known ones: the earliest known start
        assert c.loc["10.0.0.3", "first"] == _at(1748822400)
        assert c.loc["10.0.0.3", "last"] == _at(1748822500)
        assert c["last"].dropna().dt.year.min() >= 2025
        s = flownb.service_view(source).set_index("client")
        s.index = s.index.astype(str)
        assert pd.isna(s.loc["10.0.0.1", "last"])
        assert pd.isna(s.loc["10.0.0.2", "first"])
        assert s.loc["10.0.0.3", "first"] == _at(1748822400)
    assert_same_result(flownb.conversations(df), flownb.conversations(ds))
    assert_same_result(flownb.service_view(df), flownb.service_view(ds))
