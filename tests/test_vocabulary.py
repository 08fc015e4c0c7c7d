"""The vocabulary below the layers: each notion decided once, and every layer agrees (issue 14, point 3)."""

from __future__ import annotations

import ipaddress

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flownb
from flownb import _durations, _protocols, _scope, _units
from flownb.analysis import _netclass
from flownb.charts._common import network_labels
from flownb.widgets import FilterState, apply_filters

T0 = 1_700_000_000


def _records(rows: list[tuple]) -> pd.DataFrame:
    """Flow log records (srcaddr, dstaddr, srcport, dstport, protocol, bytes) read by flownb's reader."""
    import io

    head = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    lines = [head] + [
        f"2 1 eni-a {s} {d} {sp} {dp} {p} 1 {b} {T0} {T0 + 60} ACCEPT OK" for s, d, sp, dp, p, b in rows
    ]
    return flownb.read_flow_logs(io.BytesIO(("\n".join(lines) + "\n").encode()))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("10.0.1.5", "private"),
        ("172.31.255.255", "private"),
        ("172.32.0.1", "public"),
        ("192.168.0.1", "private"),
        ("100.64.0.0", "shared"),
        ("100.127.255.255", "shared"),
        ("100.128.0.0", "public"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("224.0.0.5", "multicast"),
        ("255.255.255.255", "reserved"),
        ("203.0.113.7", "public"),  # documentation range: the AWS docs' internet hosts
        ("fd12:3456::1", "private"),  # IPv6 unique local (RFC 4193)
        ("fe80::1", "link-local"),
        ("::1", "loopback"),
        ("2600:1f18::1", "public"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped: the scope of its IPv4 address
        ("eni-0123", None),
    ],
)
def test_one_scope_for_every_address(address, expected):
    assert _scope.scope(address) == expected
    assert _scope.scopes([address]).tolist() == [expected]


def test_shared_address_space_is_the_same_in_enrich_detectors_and_charts():
    # 100.64.1.5 was 'shared' in enrich, 'local' in the detectors and 'internet' in the Sankey chart
    df = _records(
        [("100.64.1.5", "10.0.0.9", 40000, 443, 6, 100), ("52.94.236.248", "10.0.0.9", 40001, 443, 6, 1)]
    )
    scopes = flownb.enrich(df)["src_scope"].astype(str).tolist()
    assert scopes == ["shared", "public"]
    cls = _netclass.classify(["100.64.1.5", "52.94.236.248"])
    assert cls["is_public"].tolist() == [False, True]
    assert network_labels(["100.64.1.5", "52.94.236.248"]).tolist() == ["100.64.1.0/24", "internet"]


def test_cidr_membership_is_one_rule():
    values = ["10.0.1.5", "10.0.2.5", "fd00::1", "fd01::1", "junk"]
    nets = [ipaddress.ip_network("10.0.1.0/24"), ipaddress.ip_network("fd00::/16")]
    assert _scope.in_networks(values, nets).tolist() == [True, False, True, False, False]
    assert _netclass.in_networks(values, nets).tolist() == [True, False, True, False, False]


def _ipaddress_int(value: object) -> int:
    """What Python's ipaddress makes of a text: its integer, or -1 when it is no IPv4 address."""
    try:
        return int(ipaddress.IPv4Address(value)) if isinstance(value, str) else -1
    except ValueError:
        return -1


_QUAD_PARTS = st.sampled_from(
    ["0", "00", "01", "9", "10", "99", "100", "199", "249", "250", "255", "256", "999"]
)
_ADDRESS_LIKE = st.one_of(
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.lists(_QUAD_PARTS, min_size=3, max_size=5).map(".".join),
    st.text(alphabet="0123456789.:/ax\x00-+", max_size=17),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ADDRESS_LIKE, max_size=40), st.integers(0, 3))
def test_ipv4_texts_read_as_python_reads_them(values, cut):
    """Addresses are classified and ordered from their texts' bytes: exactly the addresses Python's
    ipaddress accepts (no leading zeros, numbers 0-255), in the order Python sorts the texts."""
    import pyarrow as pa

    expected = [_ipaddress_int(v) for v in values]
    assert _scope.ipv4_ints(values).tolist() == expected
    texts = pa.array(values, type=pa.string())
    assert _scope.ipv4_ints(texts.slice(cut)).tolist() == expected[cut:]
    assert _scope.ipv4_ints(texts.cast(pa.large_string())).tolist() == expected
    order = _scope.ipv4_text_order(texts)
    assert ((order >= 0) == (np.array(expected, dtype=np.int64) >= 0)).all()
    quads = [v for v, k in zip(values, order.tolist(), strict=True) if k >= 0]
    by_key = [v for _, v in sorted(zip(order[order >= 0].tolist(), quads, strict=True))]
    assert by_key == sorted(quads)


@pytest.mark.parametrize("freq", [300, "5min", "5m", "PT5M", pd.Timedelta("5min")])
def test_one_duration_parser_for_analysis_charts_and_alarms(freq):
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    series = flownb.timeseries(df, freq=freq)
    assert (series["time"].diff().dropna() == pd.Timedelta("5min")).all()
    assert _durations.duration_seconds(freq) == 300
    chart = flownb.charts.traffic_timeline(df, freq=freq).to_dict()
    assert "per 5 min bin" in str(chart["title"])
    assert flownb.Alarm(threshold=1, comparison=">", period=freq, evaluation_periods=1).period == 300


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1d", 86400),
        ("1D", 86400),
        ("1H", 3600),
        ("2w", 1209600),
        ("90 min", 5400),
        ("1.5h", 5400),
        ("P1D", 86400),
    ],
)
def test_day_hour_and_week_spellings_are_read_without_pandas_deprecation_warnings(text, seconds):
    # pandas 3 warns on its own aliases "d", "H" and "w"; a user's "1d" is not theirs to change
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _durations.duration_seconds(text) == seconds


def test_capital_m_is_refused_as_ambiguous():
    with pytest.raises(ValueError, match="months or minutes; write 'min'"):
        _durations.duration_seconds("3M")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", r"'freq' must be a duration: a number of seconds \(300\), '5min'"),
        (0, "'freq' must be at least 1 second, got 0"),
        (1.5, "'freq' must be a whole number of seconds, got 1.5"),
        (True, "'freq' must be a duration"),
    ],
)
def test_durations_are_refused_with_one_sentence(value, message):
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    for call in (
        lambda: flownb.timeseries(df, freq=value),
        lambda: flownb.charts.traffic_timeline(df, freq=value),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_ipv6_icmp_is_one_protocol_everywhere():
    assert _protocols.protocol_number("ipv6-icmp") == _protocols.protocol_number("icmpv6") == 58
    df = _records([("2600:1f18::1", "2600:1f18::2", 0, 0, 58, 10), ("10.0.0.1", "10.0.0.2", 1, 2, 6, 10)])
    kept = apply_filters(df, FilterState(protocols=("ipv6-icmp",)))
    assert kept["protocol"].tolist() == [58]
    assert FilterState(protocols=("ipv6-icmp",)).protocols == (58,)
    d = flownb.diagnose(df, "2600:1f18::1", "2600:1f18::2", protocol="ipv6-icmp")
    assert d.verdict != "NO_TRAFFIC_SEEN"
    with pytest.raises(ValueError, match=r"protocols must be numbers 0-255 or one of"):
        FilterState(protocols=("tpc",))


def test_linux_ephemeral_ports_are_the_vpc_user_guide_range():
    assert _protocols.EPHEMERAL_LINUX == (32768, 61000)
    from flownb.analysis import _ports

    assert _ports.EPHEMERAL_LINUX is _protocols.EPHEMERAL_LINUX
    assert _ports.port_score(np.array([32767, 32768, 61000])).tolist() == [1, 0, 0]


def test_one_missing_column_error_in_analysis_charts_and_filters():
    df = flownb.samples.load("aws-docs/sg-nacl-ping").drop(columns=["start"])
    calls = {
        "timeseries()": lambda: flownb.timeseries(df),
        "traffic timeline": lambda: flownb.charts.traffic_timeline(df),
        "filtering by time": lambda: apply_filters(df, FilterState(start="2015-05-29")),
    }
    for call in calls.values():
        with pytest.raises(
            ValueError, match=r"needs the column\(s\) \['start'\], which these records do not have"
        ):
            call()
    with pytest.raises(
        ValueError, match=r"by: 'scraddr' is not a column of the records; did you mean \['srcaddr'"
    ):
        flownb.top(df, by="scraddr")


def test_human_units():
    assert [_units.human_bytes(n) for n in (0, 999, 1000, 1_234_567, 5e12)] == [
        "0 B",
        "999 B",
        "1.0 kB",
        "1.2 MB",
        "5.0 TB",
    ]
    assert [_units.human_count(n) for n in (12, 45_600, 1_200_000)] == ["12", "45.6 k", "1.2 M"]
    assert [_units.bin_text(s) for s in (30, 60, 300, 3600, 86400, 172800)] == [
        "30 s",
        "1 min",
        "5 min",
        "1 h",
        "1 day",
        "2 days",
    ]
    assert [_units.span_text(s) for s in (42, 300, 5400, 172800)] == ["42 s", "5 min", "1.5 h", "2.0 days"]


def test_a_missing_optional_package_names_the_pip_command(monkeypatch):
    import sys

    from flownb._optional import import_optional

    monkeypatch.setitem(sys.modules, "altair", None)
    with pytest.raises(
        ImportError,
        match=r'needs the .altair. package, which is not installed: pip install "altair>=6\.0,<7"',
    ):
        import_optional("altair", "flownb.charts")
