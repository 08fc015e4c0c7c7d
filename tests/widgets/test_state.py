"""FilterState and apply_filters: what a filter keeps, and what it says about bad input."""

from __future__ import annotations

import ipaddress

import pandas as pd
import pytest

from flownb.widgets import FilterState, apply_filters
from flownb.widgets._state import filter_mask


def test_an_empty_state_keeps_everything_without_touching_the_input(demo):
    before = demo.copy()
    out = apply_filters(demo, FilterState())
    assert len(out) == len(demo) and out is not demo
    assert demo.equals(before)
    assert FilterState().is_empty


def test_each_field_filters_like_plain_pandas(demo):
    cases = [
        (FilterState(actions=("REJECT",)), demo["action"] == "REJECT"),
        (
            FilterState(protocols=("tcp",)),
            demo["protocol"] == 6,
        ),  # the demo has no UDP: a udp case filtered nothing
        (FilterState(protocols=(47,)), demo["protocol"] == 47),
        (FilterState(ports=(22, 3389)), demo["dstport"].isin([22, 3389]) | demo["srcport"].isin([22, 3389])),
        (
            FilterState(interfaces=(str(demo["interface_id"].iloc[0]),)),
            demo["interface_id"] == demo["interface_id"].iloc[0],
        ),
        (FilterState(direction="ingress"), demo["flow_direction"] == "ingress"),
    ]
    for state, expected in cases:
        got = apply_filters(demo, state)
        assert len(got) == int(expected.fillna(False).sum()), state
        assert 0 < len(got) < len(demo), f"{state} does not narrow the demo: the case tests nothing"


def test_src_and_dst_take_addresses_and_cidr_blocks(demo):
    net = ipaddress.ip_network("10.0.0.0/24")
    src = demo["srcaddr"].astype(str)
    inside = src.map(lambda a: isinstance(a, str) and ":" not in a and ipaddress.ip_address(a) in net)
    assert len(apply_filters(demo, FilterState(src="10.0.0.0/24"))) == inside.sum()
    one = src[inside].iloc[0]
    assert len(apply_filters(demo, FilterState(src=one))) == (src == one).sum()
    both = apply_filters(demo, FilterState(src="10.0.0.0/24", dst="10.0.0.0/24"))
    assert both["dstaddr"].astype(str).str.startswith("10.0.0.").all()


def test_time_range_keeps_records_overlapping_it(demo):
    a, b = pd.Timestamp("2025-06-02 10:00", tz="UTC"), pd.Timestamp("2025-06-02 11:00", tz="UTC")
    got = apply_filters(demo, FilterState(start="2025-06-02 10:00", end="2025-06-02T11:00:00Z"))
    assert ((got["end"] >= a) & (got["start"] < b)).all()
    assert len(got) == ((demo["end"] >= a) & (demo["start"] < b)).sum()


def test_values_are_normalised():
    s = FilterState(
        actions="reject", protocols=["TCP", 17], ports="22, 443", src=" 10.0.1.7 ", interfaces="eni-1"
    )
    assert s == FilterState(
        actions=("REJECT",), protocols=(6, 17), ports=(22, 443), src="10.0.1.7", interfaces=("eni-1",)
    )
    assert s.start is None and hash(s) == hash(
        FilterState(
            actions=("REJECT",), protocols=(6, 17), ports=(22, 443), src="10.0.1.7", interfaces=("eni-1",)
        )
    )
    assert FilterState(start="2025-06-02 10:00").start == pd.Timestamp("2025-06-02 10:00", tz="UTC")
    assert FilterState(src="10.0.1.9/24").src == "10.0.1.0/24"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"src": "10.0.0.256"}, "'src' must be an IP address"),
        ({"dst": "banana"}, "'dst' must be an IP address"),
        ({"protocols": ("tpc",)}, "protocols must be numbers 0-255 or one of"),
        ({"ports": (70000,)}, "ports must be whole numbers from 0 to 65535"),
        ({"actions": ("DROP",)}, "'actions' must be among"),
        ({"direction": "sideways"}, "'direction' must be"),
        ({"start": "yesterday-ish"}, "'start' must be a time"),
        ({"start": "2025-06-02 11:00", "end": "2025-06-02 10:00"}, "must be after"),
    ],
)
def test_bad_values_say_what_is_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FilterState(**kwargs)


def test_state_is_frozen():
    with pytest.raises(AttributeError):
        FilterState().src = "10.0.0.1"  # type: ignore[misc]


def test_filtering_by_a_field_the_format_lacks_is_explained(demo):
    with pytest.raises(
        ValueError, match=r"filtering by direction needs the column\(s\) \['flow_direction'\]"
    ):
        apply_filters(demo.drop(columns=["flow_direction"]), FilterState(direction="egress"))


def test_mask_is_none_when_nothing_is_filtered(demo):
    assert filter_mask(demo, FilterState()) is None
    assert filter_mask(demo, FilterState(actions=("ACCEPT",))).dtype == bool


def test_a_record_without_the_value_is_not_kept(demo):
    # missing actions, ENIs, addresses: filtering by a value never keeps a record that has none
    df = demo.head(20).copy()
    for col in ("action", "interface_id", "srcaddr"):
        df[col] = df[col].astype(object)
        df.loc[df.index[:5], col] = None
    states = [
        (FilterState(actions=("ACCEPT", "REJECT")), df["action"].notna()),
        (
            FilterState(interfaces=tuple(df["interface_id"].dropna().astype(str).unique())),
            df["interface_id"].notna(),
        ),
        (FilterState(src="0.0.0.0/0"), df["srcaddr"].notna()),
    ]
    for state, expected in states:
        got = apply_filters(df, state)
        assert got.index.tolist() == df.index[expected.to_numpy(dtype=bool)].tolist(), state
