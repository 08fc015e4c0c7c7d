"""Property tests: any format round-trips; junk never crashes the reader and is always reported."""

from __future__ import annotations

import warnings

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flownb
from flownb import schema

FIELDS = list(schema.FIELDS.values())
_IDS = st.from_regex(r"[a-z]{2,4}-[0-9a-f]{8,17}", fullmatch=True)
_IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_IPV6 = st.from_regex(r"2001:db8:[0-9a-f]{1,4}::[0-9a-f]{1,4}", fullmatch=True)


def value_strategy(f: schema.Field) -> st.SearchStrategy:
    """Valid values for one field, as text, '-' included."""
    if f.is_integer:
        vals = st.integers(0, f.max_value)
    elif f.is_timestamp:
        vals = st.integers(0, 4_000_000_000)
    elif f.values:
        vals = st.sampled_from(f.values)
    elif f.column in {"srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"}:
        vals = st.one_of(_IPV4, _IPV6)
    elif f.column.endswith("account_id"):
        vals = st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), st.just("unknown"))
    else:
        vals = _IDS
    return st.one_of(vals.map(str), st.just("-")) if f.name != "version" else vals.map(str)


@st.composite
def formats_and_records(draw):
    fields = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=12, unique_by=lambda f: f.name))
    rows = draw(st.lists(st.tuples(*[value_strategy(f) for f in fields]), min_size=1, max_size=20))
    return fields, rows


def expected_value(f: schema.Field, text: str):
    if text == "-":
        return None
    if f.is_integer:
        return int(text)
    if f.is_timestamp:
        return pd.Timestamp(int(text), unit="s", tz="UTC")
    return text


def as_python(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") and not isinstance(v, pd.Timestamp) else v


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=formats_and_records(), header=st.booleans(), gz=st.booleans())
def test_any_subset_and_order_of_fields_reads_back(tmp_path_factory, data, header, gz):
    fields, rows = data
    names = [f.name for f in fields]
    text = "\n".join(" ".join(r) for r in rows) + "\n"
    if header:
        text = " ".join(names) + "\n" + text
    path = tmp_path_factory.mktemp("p") / ("f.log.gz" if gz else "f.log")
    if gz:
        import gzip

        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    df = flownb.read_flow_logs(path, format=None if header else names, errors="raise")
    assert list(df.columns) == [f.column for f in fields]
    assert len(df) == len(rows)
    for j, f in enumerate(fields):
        assert str(df[f.column].dtype) == f.dtype
        got = [as_python(v) for v in df[f.column].tolist()]
        assert got == [expected_value(f, r[j]) for r in rows], f.name


JUNK = st.one_of(
    st.binary(min_size=1, max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.text(min_size=1, max_size=60).filter(lambda s: "\n" not in s and "\r" not in s and s.strip()),
    st.just("2 123456789010 eni-1 1.2.3.4 5.6.7.8 99999 22 6 1 1 1 2 ACCEPT OK"),
)
GOOD = "2 123456789010 eni-1 10.0.0.{i} 10.0.0.9 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.lists(JUNK, min_size=1, max_size=8), n_good=st.integers(1, 10), seed=st.randoms())
def test_junk_never_crashes_and_every_junk_line_is_reported(tmp_path_factory, junk, n_good, seed):
    lines = [GOOD.format(i=i).encode() for i in range(n_good)]
    junk_lines = [j if isinstance(j, bytes) else j.encode() for j in junk]
    mixed = [(line, False) for line in lines] + [(j, True) for j in junk_lines]
    seed.shuffle(mixed)
    body = b"\n".join(line for line, _ in mixed) + b"\n"
    path = tmp_path_factory.mktemp("j") / "mixed.log"
    path.write_bytes(schema.DEFAULT_FORMAT.encode() + b"\n" + body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        df = flownb.read_flow_logs(path)
    bad = df.flow.bad_lines
    junk_numbers = [i + 2 for i, (line, is_junk) in enumerate(mixed) if is_junk and line.strip(b" \t")]
    # Every good record is kept; every junk line that is not blank or a valid record is reported by number.
    assert len(df) + len(bad) >= n_good
    kept = {a for a in df["srcaddr"].dropna().astype(str) if a.startswith("10.0.0.")}
    assert {f"10.0.0.{i}" for i in range(n_good)} <= kept
    reported = set(bad["line"])
    assert reported <= set(junk_numbers)
    assert len(df) + len(bad) == n_good + len(junk_numbers)
