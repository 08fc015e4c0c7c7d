"""Property tests for the filter pattern parser and matcher (Hypothesis)."""

from __future__ import annotations

import contextlib
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


# -- JSON patterns and log events given as text (issue 17) ----------------------------------------------
JSON_DOCS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False),
              st.text("abc*. ", max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner,
                                                                         max_size=3)),
    max_leaves=8,
)  # fmt: skip
SELECTOR = st.lists(st.one_of(st.sampled_from([".a", ".b", ".c"]), st.integers(0, 2).map(lambda i: f"[{i}]")),
                    min_size=1, max_size=3).map(lambda parts: "$" + "".join(parts))  # fmt: skip
CONDITION = st.one_of(
    st.tuples(SELECTOR, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
              st.sampled_from(["1", "-2.5", "1e3", '"x"', "*", "a*", '"*b*"', "%a|b%"])).map(" ".join),
    st.tuples(SELECTOR, st.sampled_from(["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"])).map(" ".join),
)  # fmt: skip
JSON_PATTERN = st.recursive(
    CONDITION,
    lambda inner: st.tuples(inner, st.sampled_from(["&&", "||"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    ),
    max_leaves=4,
).map(lambda body: "{ " + body + " }")


@settings(max_examples=300, deadline=None)
@given(
    pattern=JSON_PATTERN,
    docs=st.lists(JSON_DOCS.map(__import__("json").dumps) | st.text(max_size=6), max_size=4),
)
def test_json_patterns_match_or_refuse_never_an_internal_error(pattern, docs):
    from flownb.monitoring import try_pattern

    try:
        out = try_pattern(pattern, docs)
    except FilterPatternError:
        return
    assert set(out["eventNumber"]) <= set(range(1, len(docs) + 1))


@settings(max_examples=200, deadline=None)
@given(pattern=JSON_PATTERN)
def test_json_pattern_or_is_the_union_of_its_sides(pattern):
    """a || b matches exactly the events a or b matches (on the guide's example event)."""
    from flownb.monitoring import try_pattern

    from .test_guide_patterns import COMPOUND, EVENT

    inner = pattern[2:-2]
    try:
        both = try_pattern("{ " + inner + " || $.user.id = 1 }", [EVENT, COMPOUND])
        left = try_pattern(pattern, [EVENT, COMPOUND])
    except FilterPatternError:
        return
    assert set(both["eventNumber"]) == set(left["eventNumber"]) | {2}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text("ab [] \"x", max_size=12), st.just('a [b c] "d e" f')), max_size=5),
       st.text(PATTERN_CHARS, max_size=30))  # fmt: skip
def test_text_events_never_raise_anything_but_a_pattern_error(messages, pattern):
    from flownb.monitoring import try_pattern

    with contextlib.suppress(FilterPatternError):
        try_pattern(pattern, messages)
