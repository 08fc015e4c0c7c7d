"""Every documented non-aggregation function, against plain Python on each record."""

from __future__ import annotations

import ipaddress
import math
import re

import pandas as pd
import pytest

from flownb.insights import FUNCTIONS

from .conftest import named_columns, run, settled


def _py(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v


def column(flows, expr: str) -> list:
    out = run(flows, f"fields {expr} as v | sort @timestamp desc | limit 10000")
    return [_py(v) for v in out["v"].astype(object)]


def base(flows, col: str, expr: str) -> list:
    """``col`` of every record in the order ``column(flows, expr)`` shows them (ties settled by value)."""
    ordered = settled(flows, named_columns(expr))
    return [_py(v) for v in ordered[col].astype(object)]


def test_the_catalogue_lists_the_documented_functions():
    assert set(FUNCTIONS) == {
        "concat", "ltrim", "rtrim", "trim", "strlen", "toupper", "tolower", "substr", "replace",
        "strcontains", "isempty", "isblank", "abs", "ceil", "floor", "greatest", "least", "log", "sqrt",
        "bin", "datefloor", "dateceil", "fromMillis", "toMillis", "isValidIp", "isValidIpV4",
        "isValidIpV6", "isIpInSubnet", "isIpv4InSubnet", "isIpv6InSubnet", "ispresent", "coalesce",
        "now", "jsonParse", "jsonStringify",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("expr", "col", "fn"),
    [
        ("strlen(interfaceId)", "interface_id", len),
        ("toupper(interfaceId)", "interface_id", str.upper),
        ("tolower(toupper(srcAddr))", "srcaddr", str.lower),
        ("substr(interfaceId, 4)", "interface_id", lambda s: s[4:]),
        ("substr(interfaceId, 4, 3)", "interface_id", lambda s: s[4:7]),
        ("replace(srcAddr, '.', '-')", "srcaddr", lambda s: s.replace(".", "-")),
        ("strcontains(srcAddr, '10.0.1.')", "srcaddr", lambda s: int("10.0.1." in s)),
        ("trim(concat('  ', action, ' '))", "action", str.strip),
        ("ltrim(concat('  ', action, ' '))", "action", lambda s: s + " "),
        ("rtrim(concat('  ', action, ' '))", "action", lambda s: "  " + s),
        ("trim(interfaceId, 'e0')", "interface_id", lambda s: s.strip("e0")),
        ("concat(srcAddr, ':', srcPort)", None, None),
    ],
)
def test_string_functions(flows, expr, col, fn):
    got = column(flows, expr)
    if col is None:
        src, port = base(flows, "srcaddr", expr), base(flows, "srcport", expr)
        expected = [
            f"{'' if s is None else s}:{'' if p is None else p}" for s, p in zip(src, port, strict=True)
        ]
    else:
        expected = [None if v is None else fn(v) for v in base(flows, col, expr)]
    assert got == expected


def test_isempty_and_isblank(flows):
    got = column(flows, "isempty(srcAddr)")
    assert got == [v is None for v in base(flows, "srcaddr", "srcAddr")]
    assert column(flows, "isblank(concat(' ', ' '))")[:3] == [True, True, True]
    assert column(flows, "isblank(action)") == [v is None for v in base(flows, "action", "action")]


@pytest.mark.parametrize(
    ("expr", "fn"),
    [
        ("abs(0 - bytes)", lambda b: b),
        ("ceil(bytes / 1000)", lambda b: math.ceil(b / 1000)),
        ("floor(bytes / 1000)", lambda b: math.floor(b / 1000)),
        ("log(bytes)", math.log),
        ("sqrt(bytes)", math.sqrt),
    ],
)
def test_numeric_functions(flows, expr, fn):
    got = column(flows, expr)
    expected = [None if b is None else fn(b) for b in base(flows, "bytes", expr)]
    assert [g is None for g in got] == [e is None for e in expected]
    assert [g for g in got if g is not None] == pytest.approx([e for e in expected if e is not None])


def test_log_and_sqrt_of_impossible_values_are_missing(flows):
    out = run(flows, "fields log(0) as a, sqrt(-1) as b, 1 / 0 as c | limit 1")
    assert out.isna().all(axis=None)


def test_greatest_and_least_skip_missing_values(flows):
    got = column(flows, "greatest(srcPort, dstPort)")
    expected = [
        None if s is None and d is None else max(x for x in (s, d) if x is not None)
        for s, d in zip(
            base(flows, "srcport", "srcPort dstPort"), base(flows, "dstport", "srcPort dstPort"), strict=True
        )
    ]
    assert got == expected
    assert column(flows, "least(bytes, 100000)") == [
        100000 if b is None else min(b, 100000) for b in base(flows, "bytes", "bytes")
    ]


@pytest.mark.parametrize(
    ("expr", "freq", "how"),
    [
        ("bin(15m)", "15min", "floor"),
        ("datefloor(@timestamp, 1h)", "1h", "floor"),
        ("dateceil(@timestamp, 1h)", "1h", "ceil"),
        ("datefloor(@timestamp, 1d)", "1D", "floor"),
        ("datefloor(@timestamp, 90s)", "90s", "floor"),
    ],
)
def test_time_functions(flows, expr, freq, how):
    got = column(flows, expr)
    starts = pd.Series(base(flows, "start", expr))
    expected = getattr(starts.dt, how)(freq)
    assert got == expected.tolist()


def test_calendar_periods():
    df = pd.DataFrame(
        {
            "start": pd.to_datetime(["2024-05-17 13:45:00", "2024-02-29 23:59:59"], utc=True).astype(
                "datetime64[s, UTC]"
            )
        }
    )
    out = run(
        df,
        "fields datefloor(@timestamp, 1mo) as m, datefloor(@timestamp, 1q) as q, "
        "datefloor(@timestamp, 1y) as y, datefloor(@timestamp, 1w) as w, dateceil(@timestamp, 1mo) as cm",
    )
    by_time = out.set_index(out["m"].dt.month)
    row = by_time.loc[5]
    assert (str(row["m"].date()), str(row["q"].date()), str(row["y"].date())) == (
        "2024-05-01",
        "2024-04-01",
        "2024-01-01",
    )
    assert str(row["w"].date()) == "2024-05-13"  # the Monday of that week
    assert str(row["cm"].date()) == "2024-06-01"


def test_millis_round_trip(flows):
    got = column(flows, "toMillis(@timestamp)")
    assert got == [int(t.timestamp() * 1000) for t in base(flows, "start", "@timestamp")]
    assert column(flows, "fromMillis(toMillis(@timestamp))") == base(flows, "start", "@timestamp")


def _ip(v):
    try:
        return ipaddress.ip_address(v)
    except (ValueError, TypeError):
        return None


@pytest.mark.parametrize(
    ("expr", "fn"),
    [
        ("isValidIp(srcAddr)", lambda a: a is not None),
        ("isValidIpV4(srcAddr)", lambda a: a is not None and a.version == 4),
        ("isValidIpV6(srcAddr)", lambda a: a is not None and a.version == 6),
        (
            "isIpInSubnet(srcAddr, '10.0.0.0/16')",
            lambda a: a is not None and a in ipaddress.ip_network("10.0.0.0/16"),
        ),
        (
            "isIpv4InSubnet(srcAddr, '10.0.1.0/24')",
            lambda a: a is not None and a in ipaddress.ip_network("10.0.1.0/24"),
        ),
        (
            "isIpv4InSubnet(srcAddr, '203.0.113.16/28')",
            lambda a: a is not None and a in ipaddress.ip_network("203.0.113.16/28"),
        ),
        (
            "isIpv6InSubnet(srcAddr, '2001:db8:1234::/48')",
            lambda a: a is not None and a in ipaddress.ip_network("2001:db8:1234::/48"),
        ),
        (
            "isIpInSubnet(srcAddr, '2001:db8:ffff::/64')",
            lambda a: a is not None and a in ipaddress.ip_network("2001:db8:ffff::/64"),
        ),
    ],
)
def test_ip_functions(flows, expr, fn):
    got = column(flows, expr)
    expected = [fn(_ip(v)) for v in base(flows, "srcaddr", expr)]
    assert got == expected
    assert any(expected)


def test_invalid_addresses_are_not_valid():
    df = pd.DataFrame(
        {"srcaddr": pd.Categorical(["1.2.3.4", "256.1.1.1", "01.2.3.4", "1.2.3", "::1", "::g", "x", None])}
    )
    out = run(df, "fields isValidIp(srcAddr) as ip, isValidIpV4(srcAddr) as v4, isValidIpV6(srcAddr) as v6")
    assert out["ip"].tolist() == [True, False, False, False, True, False, False, False]
    assert out["v4"].tolist() == [True, False, False, False, False, False, False, False]


def test_ispresent_and_coalesce(flows):
    assert column(flows, "ispresent(srcAddr)") == [v is not None for v in base(flows, "srcaddr", "srcAddr")]
    got = column(flows, "coalesce(srcAddr, logStatus)")
    expected = [
        s if s is not None else st
        for s, st in zip(
            base(flows, "srcaddr", "srcAddr logStatus"),
            base(flows, "log_status", "srcAddr logStatus"),
            strict=True,
        )
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("condition", "fn"),
    [
        ("srcAddr like '203.0.113'", lambda s: "203.0.113" in s),
        ("srcAddr like /^10\\.0\\.[12]\\./", lambda s: re.search(r"^10\.0\.[12]\.", s) is not None),
        ("srcAddr =~ /(?i)DB8/", lambda s: "db8" in s),
        ("srcAddr not like '10.'", lambda s: "10." not in s),
        ("srcAddr in ['10.0.1.10', '10.0.2.11']", lambda s: s in ("10.0.1.10", "10.0.2.11")),
        ("srcAddr not in ['10.0.1.10', '10.0.2.11']", lambda s: s not in ("10.0.1.10", "10.0.2.11")),
    ],
)
def test_pattern_and_list_operators(flows, condition, fn):
    out = run(flows, f"filter {condition} | stats count(*) as n")
    expected = sum(1 for s in flows["srcaddr"].astype(object) if s is not None and not pd.isna(s) and fn(s))
    assert out["n"].tolist() == [expected]


def test_numeric_in_list_and_comparisons(flows):
    out = run(flows, "filter dstPort in [22, 3389] and bytes >= 1000 and packets < 100 | stats count(*) as n")
    expected = flows["dstport"].isin([22, 3389]) & (flows["bytes"] >= 1000) & (flows["packets"] < 100)
    assert out["n"].tolist() == [int(expected.fillna(False).sum())]


def test_timestamp_compared_with_a_date_string(flows):
    cut = flows["start"].min() + pd.Timedelta("2h")
    out = run(flows, f"filter @timestamp >= '{cut.isoformat()}' | stats count(*) as n")
    assert out["n"].tolist() == [int((flows["start"] >= cut).sum())]


def test_arguments_that_vary_per_record(flows):
    got = column(flows, "substr(interfaceId, protocol % 7)")
    expected = [
        None if s is None else (s[p % 7 :] if p is not None else s)
        for s, p in zip(
            base(flows, "interface_id", "interfaceId protocol"),
            base(flows, "protocol", "interfaceId protocol"),
            strict=True,
        )
    ]
    assert got == expected
