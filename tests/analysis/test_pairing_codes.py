"""The integer codes under the pairing: address tables, sorted codes, lexicographic orders.

What a user would notice if they were wrong: conversations, the report and the detectors
would pair or order records differently from the texts' order (or by file order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flownb.analysis._addresses import appearance_codes, ranked_codes
from flownb.analysis._conversations import conversation_codes
from flownb.analysis._flows import lexorder, sorted_codes

_IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_TEXTS = st.one_of(_IPV4, st.sampled_from(["::1", "fe80::1", "2001:db8::7", "10.0.0.1", "10.0.0.10"]))


def _column(values: list, categorical: bool) -> pd.Series:
    s = pd.Series(values, dtype=object)
    return s.astype("category") if categorical else s


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.one_of(_TEXTS, st.none()), max_size=12), min_size=1, max_size=4),
    st.booleans(),
)
def test_ranked_codes_follow_python_text_order(columns, categorical):
    cols = [_column(c, categorical) for c in columns]
    codes, values = ranked_codes(cols)
    assert list(values) == sorted(set(values))
    for col, c in zip(cols, codes, strict=True):
        assert [values[i] if i >= 0 else None for i in c] == [None if pd.isna(v) else v for v in col]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(_TEXTS, st.none()), max_size=12), min_size=1, max_size=4))
def test_appearance_codes_match_a_factorize_of_the_distinct_values(columns):
    cols = [_column(c, True) for c in columns]
    codes, table, rank = appearance_codes(cols)
    cats = pd.Index(np.concatenate([np.asarray(c.cat.categories, dtype=object) for c in cols]), dtype=object)
    expected = pd.unique(cats)
    assert table.tolist() == list(expected)
    assert rank.tolist() == pd.Index(table).argsort().argsort().tolist()
    for col, c in zip(cols, codes, strict=True):
        assert [table[i] if i >= 0 else None for i in c] == [None if pd.isna(v) else v for v in col]


def test_ranked_codes_on_arrow_strings_in_several_chunks():
    chunked = pd.arrays.ArrowStringArray(pa.chunked_array([["10.0.0.9", "10.0.0.10"], ["8.8.8.8"]]))
    col = pd.Series(pd.Categorical(chunked))
    codes, values = ranked_codes([col])
    assert values.tolist() == ["10.0.0.10", "10.0.0.9", "8.8.8.8"]
    assert codes[0].tolist() == [1, 0, 2]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_lexorder_is_numpys_lexsort(data):
    n = data.draw(st.integers(1, 40))
    keys = [
        np.array(data.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), dtype=np.int64)
        for lo, hi in data.draw(
            st.lists(
                st.sampled_from([(0, 2), (-5, 5), (-(2**40), 2**40), (-(2**62), 2**62), (0, 2**31)]),
                min_size=1,
                max_size=6,
            )
        )
    ]
    assert lexorder(*keys).tolist() == np.lexsort(keys[::-1]).tolist()
    codes, distinct = sorted_codes(keys[0])
    u, inv = np.unique(keys[0], return_inverse=True)
    assert codes.tolist() == inv.tolist() and distinct.tolist() == u.tolist()


def test_conversation_codes_pair_both_directions_whatever_the_row_order():
    # 10.0.0.1:40000 -> 10.0.0.2:443 and its answer, twice in different row orders; a UDP flow apart
    src = np.array([0, 1, 0, 0])
    dst = np.array([1, 0, 1, 1])
    sp = np.array([40000, 443, 40000, 40000])
    dp = np.array([443, 40000, 443, 443])
    proto = np.array([6, 6, 6, 17])
    conv, n, fwd = conversation_codes(src, sp, dst, dp, proto)
    assert n == 2 and conv.tolist() == [0, 0, 0, 1] and fwd.tolist() == [True, False, True, True]
    r = np.array([3, 1, 2, 0])
    conv_r, n_r, _ = conversation_codes(src[r], sp[r], dst[r], dp[r], proto[r])
    # the same conversations whatever the row order (numbered in order of appearance)
    assert n_r == 2 and conv_r.tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("n", [0, 1])
def test_small_inputs(n):
    a = np.arange(n, dtype=np.int64)
    assert lexorder(a, a).tolist() == list(range(n))
    assert sorted_codes(a)[0].tolist() == list(range(n))


def _without_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    from flownb.io import _native

    monkeypatch.setattr(_native, "_tokenize", None)


_PORTS = st.sampled_from([-1, 0, 22, 53, 443, 40000, 65535])


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), _PORTS, st.integers(0, 5), _PORTS, st.sampled_from([-1, 0, 6, 17, 255])),
        max_size=40,
    ),
    st.sampled_from([0, 2**20, 2**31 - 8, 2**31]),
)
def test_conversation_table_same_with_and_without_the_extension(rows, offset):
    # the C extension's hash table and the numpy path number the same conversations the same way
    # (offset 2**31: address codes beyond the extension's range, the numpy path takes over)
    from flownb.analysis._conversations import conversation_table

    cols = [np.array([r[i] for r in rows], dtype=np.int64) for i in range(5)]
    cols[0] += offset
    cols[2] += offset
    native = conversation_table(*cols)
    with pytest.MonkeyPatch.context() as mp:
        _without_extension(mp)
        plain = conversation_table(*cols)
    assert native.m == plain.m
    for name, a, b in zip(native._fields, native, plain, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b)), name
    # every record's conversation has its two endpoints and protocol
    lo = (plain.lo_addr, plain.lo_port)
    hi = (plain.hi_addr, plain.hi_port)
    c, f = plain.conv, plain.fwd
    assert np.array_equal(np.where(f, cols[0], cols[2]), lo[0][c]) and np.array_equal(cols[4], plain.proto[c])
    assert np.array_equal(np.where(f, cols[3], cols[1]), hi[1][c])


def _frames_for_the_extension() -> dict[str, pd.DataFrame]:
    import flownb

    rng = np.random.default_rng(7)
    mixed = pd.concat(
        [flownb.samples.load(name) for name in flownb.samples.list().iloc[:, 0]], ignore_index=True
    )
    mixed = mixed.iloc[rng.permutation(len(mixed))].reset_index(drop=True)
    gaps = mixed.copy()  # missing counters, actions and ENIs
    for col, share in (("bytes", 0.2), ("packets", 0.1), ("action", 0.1), ("interface_id", 0.1)):
        if col in gaps:
            gaps.loc[rng.random(len(gaps)) < share, col] = None
    twin = flownb.simulate("nacl_blocks_return", seed=0, duration="20min").flows
    # one connection logged by two ENIs (both ends in the VPC), one of them rejecting
    copies = twin.copy()
    copies["interface_id"] = copies["interface_id"].astype(object) + "-peer"
    copies.loc[copies.index % 3 == 0, "action"] = "REJECT"
    copies.loc[copies.index % 5 == 0, "bytes"] = copies["bytes"] * 2
    both = pd.concat([twin, copies], ignore_index=True)
    return {"samples": mixed, "gaps": gaps, "twin": twin, "two ENIs": both}


@pytest.mark.parametrize("name", ["samples", "gaps", "twin", "two ENIs"])
def test_conversations_and_detectors_same_without_the_extension(monkeypatch, name):
    # what a user sees (conversations, the detectors' view) does not depend on the C extension
    from flownb.analysis import conversations
    from flownb.analysis._flows import prepare

    df = _frames_for_the_extension()[name]
    native_conv, native_flows = conversations(df), prepare(df)
    _without_extension(monkeypatch)
    plain_conv = conversations(df)
    pd.testing.assert_frame_equal(plain_conv, native_conv)
    assert len(plain_conv) > 5
    plain_flows = prepare(df)
    assert native_flows.a.keys() == plain_flows.a.keys()
    for k in native_flows.a:
        assert np.array_equal(native_flows.a[k], plain_flows.a[k]), k


@pytest.mark.parametrize("name", ["samples", "gaps"])
def test_top_same_without_the_extension(monkeypatch, name):
    # top's one-pass sums by key (C extension) are numpy's bincount sums, on frames and filtered views
    from flownb._cache import ColumnCache
    from flownb.analysis import top

    df = _frames_for_the_extension()[name]
    cache = ColumnCache(df)
    views = {
        "frame": df,
        "large view": cache.subset(np.arange(len(df)) % 10 != 0),
        "small view": cache.subset(np.arange(len(df)) % 10 == 0),
    }
    cases = [("srcaddr", "bytes"), ("dstport", "flows"), (["srcaddr", "dstaddr"], "bps"), ("srcaddr", "pps")]
    cases += [("interface_id", "bpp"), ("srcaddr/24", "packets")]
    native = [top(views[v], by=by, metric=m, n=None) for v in views for by, m in cases]
    _without_extension(monkeypatch)
    plain = [top(views[v], by=by, metric=m, n=None) for v in views for by, m in cases]
    for (v, (by, m)), got, expected in zip(
        [(v, c) for v in views for c in cases], plain, native, strict=True
    ):
        pd.testing.assert_frame_equal(got, expected, obj=f"top({v}, {by}, {m})")
        assert len(got) > 1
