"""Property tests for the filter pattern parser and matcher (Hypothesis)."""

from __future__ import annotations

import io
import operator

from hypothesis import given, settings
from hypothesis import strategies as st

import flownb
from flownb.monitoring import FilterPatternError, MetricFilter
from flownb.monitoring._pattern import parse_pattern

from .conftest import HAND_RECORDS

DF = flownb.read_flow_logs(io.BytesIO(HAND_RECORDS.encode()), errors="raise")
LINES = HAND_RECORDS.splitlines()[1:]
BYTES = [840, 1000, 180, None, 70, 5000]

PATTERN_CHARS = st.sampled_from(list('[]{}(),.=!<>&|?-"%*$ \\abcXYZ019_'))


@settings(max_examples=300, deadline=None)
@given(st.text(PATTERN_CHARS, max_size=40))
def test_any_text_parses_or_raises_a_pattern_error(text):
    try:
        parse_pattern(text)
    except FilterPatternError as err:
        assert 0 <= err.position <= len(text)
        assert str(err).splitlines()[-1].index("^") == err.position + 2


WORDS = st.sampled_from(
    ["REJECT", "ACCEPT", "NODATA", "OK", "eni", "aaa", "22", "5000", "111122223333", "zzz"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "?", "-"]), WORDS), min_size=1, max_size=4))
def test_term_patterns_agree_with_substring_search_on_the_lines(terms):
    pattern = " ".join(prefix + word for prefix, word in terms)
    got = MetricFilter(pattern, metric_name="M").matches(DF).tolist()
    want = []
    for line in LINES:
        ok = all(w in line for p, w in terms if p == "")
        ok = ok and not any(w in line for p, w in terms if p == "-")
        ors = [w for p, w in terms if p == "?"]
        if ors:
            ok = ok and any(w in line for w in ors)
        want.append(ok)
    assert got == want


OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(OPS)), st.integers(min_value=0, max_value=6000))
def test_numeric_conditions_agree_with_the_bytes_column(op, k):
    got = (
        MetricFilter(f"[..., bytes{op}{k}, start, end, action, status]", metric_name="M").matches(DF).tolist()
    )
    # '-' is not a number: no comparison holds, and '!=' does
    want = [(op == "!=") if b is None else OPS[op](b, k) for b in BYTES]
    assert got == want
