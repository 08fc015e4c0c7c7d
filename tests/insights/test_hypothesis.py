"""Random queries from the grammar, and random junk: only the documented errors ever come out."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flownb.insights import InsightsQueryError, InsightsSyntaxError, InsightsWarning, parse, query
from flownb.insights._catalog import AGGREGATIONS, FUNCTIONS

FIELDS = [
    "srcAddr", "dstAddr", "srcPort", "dstPort", "protocol", "packets", "bytes", "start", "end", "action",
    "logStatus", "interfaceId", "accountId", "version", "srcaddr", "bytes", "@timestamp", "@message",
    "@logStream", "`log-status`", "nope", "x.y",
]  # fmt: skip
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6).filter(
    lambda w: w not in {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}
)
SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="'\"\\\n\r`", blacklist_categories=("Cs",)), max_size=8
)

field = st.sampled_from(FIELDS)
number = st.one_of(
    st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}")
)
string = SAFE_TEXT.map(lambda s: f"'{s}'") | SAFE_TEXT.map(lambda s: f'"{s}"')
duration = st.tuples(
    st.integers(1, 90), st.sampled_from(["ms", "s", "m", "h", "d", "w", "mo", "q", "y"])
).map(lambda t: f"{t[0]}{t[1]}")
subnet = st.sampled_from(["'10.0.0.0/8'", "'10.0.1.0/24'", "'2001:db8::/32'", "'0.0.0.0/0'", "srcAddr"])
regex = st.sampled_from(["/10\\./", "/^eni-/", "/(?i)reject/", "/[0-9]+$/", "/a|b/"])


@st.composite
def _call(draw, args_strategy) -> str:
    sig = draw(st.sampled_from(sorted(FUNCTIONS.values(), key=lambda s: s.name)))
    hi = sig.max_args if sig.max_args is not None else sig.min_args + 2
    n = draw(st.integers(sig.min_args, hi))
    args = []
    for i in range(n):
        if i == sig.duration_arg:
            args.append(draw(duration))
        elif i == sig.subnet_arg:
            args.append(draw(subnet))
        else:
            args.append(draw(args_strategy))
    if sig.name == "bin":
        args = [draw(duration)]
    return f"{sig.name}({', '.join(str(a) for a in args)})"


def _extend(inner):
    return st.one_of(
        st.tuples(
            inner, st.sampled_from(["+", "-", "*", "/", "%", "^", "=", "!=", "<", "<=", ">", ">="]), inner
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, st.sampled_from(["like", "not like", "=~"]), st.one_of(string, regex)).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        st.tuples(inner, st.booleans(), st.lists(st.one_of(number, string), min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} {'not in' if t[1] else 'in'} [{', '.join(map(str, t[2]))}]"
        ),
        _call(inner),
    )


expr = st.recursive(st.one_of(field, number.map(str), string), _extend, max_leaves=6)
alias = WORD.map(lambda w: f" as {w}")


@st.composite
def aggregation(draw) -> str:
    sig = draw(st.sampled_from(sorted(AGGREGATIONS.values(), key=lambda s: s.name)))
    if sig.name == "count" and draw(st.booleans()):
        return "count(*)"
    args = [draw(expr)]
    if sig.number_arg is not None:
        args.append(str(draw(st.integers(0, 100))))
    return f"{sig.name}({', '.join(args)})"


PATTERN = st.one_of(field, WORD.map(lambda w: w + "*"), st.just("*"))
JSONISH = st.sampled_from(
    ["@message", "jsonParse(@message)", "jsonParse('[1, 2, 3]')", "jsonParse('{\"a\": [1]}')"]
)


@st.composite
def new_command(draw, diff_left: list[int]) -> str:
    """The commands added for issue 17 (unnest, filldown, fillmissing, addtotals, lookup, diff, limit any)."""
    kinds = ["unnest", "filldown", "fillmissing", "addtotals", "lookup", "limit any", "parse multi"]
    if diff_left[0] > 0:
        kinds.append("diff")
    kind = draw(st.sampled_from(kinds))
    if kind == "unnest":
        return f"unnest {draw(st.one_of(field, JSONISH.map(lambda j: f'({j})')))} into {draw(WORD)}"
    if kind == "filldown":
        return "filldown " + " ".join(draw(st.lists(PATTERN, max_size=3)))
    if kind == "fillmissing":
        if draw(st.booleans()):
            return f"fillmissing with {draw(st.one_of(number.map(str), string))} for {draw(WORD)}"
        return "fillmissing"
    if kind == "addtotals":
        opts = draw(st.lists(st.sampled_from(["row=true", "row=false", "col=true", "col=false",
                                              "fieldname=T"]), max_size=2))  # fmt: skip
        return "addtotals " + " ".join(opts) + " " + ", ".join(draw(st.lists(field, max_size=2)))
    if kind == "lookup":
        return (
            f"lookup ports port as {draw(field)} OUTPUT {draw(st.sampled_from(['service', 'port', 'nope']))}"
        )
    if kind == "limit any":
        return f"limit any {draw(st.integers(1, 50))}"
    if kind == "parse multi":
        return f"parse {draw(field)} /(?<{draw(WORD)}>[0-9]+)/ multi"
    diff_left[0] -= 1
    return draw(st.sampled_from(["diff", "diff previousDay", "diff previousWeek", "diff previousMonth",
                                 "logcompare timeshift 1h", "logcompare timeshift 7d", "logcompare timeshift 1mo"]))  # fmt: skip


@st.composite
def command(draw, stats_left: list[int], diff_left: list[int] | None = None) -> str:
    kinds = ["fields", "display", "filter", "sort", "limit", "dedup", "parse"]
    if stats_left[0] > 0:
        kinds.append("stats")
    if diff_left is not None:
        kinds.append("new")
    kind = draw(st.sampled_from(kinds))
    if kind == "new":
        return draw(new_command(diff_left))
    if kind in ("fields", "display"):
        items = draw(st.lists(st.tuples(expr, st.one_of(st.just(""), alias)), min_size=1, max_size=3))
        return f"{kind} " + ", ".join(e + a for e, a in items)
    if kind == "filter":
        return f"filter {draw(expr)}"
    if kind == "sort":
        keys = draw(st.lists(st.tuples(expr, st.sampled_from(["", " asc", " desc"])), min_size=1, max_size=2))
        return "sort " + ", ".join(e + d for e, d in keys)
    if kind == "limit":
        return f"limit {draw(st.integers(1, 50))}"
    if kind == "dedup":
        return "dedup " + ", ".join(draw(st.lists(field, min_size=1, max_size=3)))
    if kind == "parse":
        names = draw(st.lists(WORD, min_size=1, max_size=3, unique=True))
        glob = " ".join("*" for _ in names)
        mode = draw(st.sampled_from(["glob", "regex", "regex as", "csv", "json"]))
        if mode == "glob":
            return f"parse @message '{glob}' as {', '.join(names)}"
        if mode == "csv":
            return f"parse {draw(st.sampled_from(['', '@message ', 'srcAddr ']))}csv as {', '.join(names)}"
        if mode == "json":
            path = ".".join(draw(st.lists(WORD, min_size=1, max_size=2)))
            return f"json field={draw(field)} '{path}' as {names[0]}"
        if mode == "regex as":
            groups = " ".join("(\\S+)" for _ in names)
            multi = draw(st.sampled_from(["", " multi"]))
            return f"parse {draw(field)} /{groups}/ as {', '.join(names)}{multi}"
        groups = " ".join(f"(?<{n}>\\S+)" for n in names)
        return f"parse {draw(field)} /{groups}/"
    stats_left[0] -= 1
    aggs = draw(st.lists(st.tuples(aggregation(), st.one_of(st.just(""), alias)), min_size=1, max_size=3))
    text = "stats " + ", ".join(a + al for a, al in aggs)
    by = draw(st.lists(st.one_of(field, duration.map(lambda d: f"bin({d})"), expr), max_size=2))
    if by:
        text += " by " + ", ".join(by)
    return text


@st.composite
def queries(draw, new_commands: bool = False) -> str:
    stats_left = [2]
    diff_left = [1] if new_commands else None
    n = draw(st.integers(1, 4))
    parts = [draw(command(stats_left, diff_left)) for _ in range(n)]
    sep = draw(st.sampled_from([" | ", "\n| ", " |\n  ", " # note\n | "]))
    return sep.join(parts)


@pytest.fixture(scope="module")
def small(flows) -> pd.DataFrame:
    return flows.head(300)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=queries())
def test_random_queries_run_or_raise_a_documented_error(small, text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", InsightsWarning)  # unknown fields are expected here
        try:
            out = query(small, text)
        except (InsightsSyntaxError, InsightsQueryError):
            return
    assert isinstance(out, pd.DataFrame)
    assert len(out) <= 10_000


PORTS = pd.DataFrame({"port": ["22", "443", "3389"], "service": ["ssh", "https", "rdp"]})


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=queries(new_commands=True))
def test_random_queries_with_the_new_commands_run_or_raise_a_documented_error(small, text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", InsightsWarning)
        try:
            out = query(small, text, tables={"ports": PORTS}, now="2023-11-14T22:00:00Z")
        except (InsightsSyntaxError, InsightsQueryError):
            return
    assert isinstance(out, pd.DataFrame)
    assert len(out) <= 10_000


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False),
              st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    docs=st.lists(st.one_of(JSON_VALUES.map(__import__("json").dumps), st.text(max_size=10)), min_size=1, max_size=5),
    path=st.sampled_from(["j", "j.a", "j.a.b", "j[0]", "j.a[1]", "j[0].a", "j.`a.b`"]),
    tail=st.sampled_from(["", " | unnest v into e | display e", " | filter ispresent(v)",
                          " | stats count(*) as n by v", " | fields jsonStringify(v) as s"]),
)  # fmt: skip
def test_json_values_and_paths_never_raise_an_internal_error(docs, path, tail):
    df = pd.DataFrame({"@message": pd.array(docs, dtype="str")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", InsightsWarning)
        try:
            out = query(df, f"fields jsonParse(@message) as j | fields {path} as v{tail}")
        except (InsightsSyntaxError, InsightsQueryError):
            return
    assert isinstance(out, pd.DataFrame)


def _assert_positioned(err: InsightsSyntaxError, text: str) -> None:
    lines = text.split("\n")
    assert 1 <= err.line <= len(lines)
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1
    assert "^" in str(err)


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=60))
def test_junk_never_raises_anything_but_a_positioned_syntax_error(text):
    try:
        parse(text)
    except InsightsSyntaxError as err:
        _assert_positioned(err, text)


@settings(max_examples=300, deadline=None)
@given(head=st.sampled_from(list("0123456789|,()[]=<>+*/%^!~;:?")), tail=st.text(max_size=40))
def test_junk_that_cannot_start_a_command_always_fails_with_a_position(head, tail):
    text = head + tail
    with pytest.raises(InsightsSyntaxError) as info:
        parse(text)
    _assert_positioned(info.value, text)


@settings(max_examples=200, deadline=None)
@given(text=queries(), cut=st.integers(0, 200))
def test_truncated_queries_fail_cleanly(text, cut):
    piece = text[: cut % (len(text) + 1)]
    try:
        parse(piece)
    except InsightsSyntaxError as err:
        _assert_positioned(err, piece)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(alphabet=st.sampled_from(list('ab= "\\\\x1\t')), max_size=30), min_size=1, max_size=6)
)
def test_parse_logfmt_never_fails_inside_and_gives_text_values(messages):
    # "parse" page, logfmt mode: any text gives a map of text values or no map, never an internal error
    df = pd.DataFrame({"@timestamp": pd.date_range("2026-01-01", periods=len(messages), freq="1s", tz="UTC"),
                       "@message": pd.array(messages, dtype="str")})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = query(df, "parse logfmt as m | fields m.a as a, jsonStringify(m) as s")
    assert len(out) == len(messages)
    assert all(isinstance(v, str) for v in out["a"].dropna())
