"""Traffic summaries checked against results computed by hand on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import flownb
from flownb import schema
from flownb.analysis import conversations, service_view, timeseries, top

T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def frame(rows: list[dict]) -> pd.DataFrame:
    """A contract frame from dicts of AWS column names (ints for start/end, None for '-')."""
    df = pd.DataFrame(rows)
    for c in df.columns:
        dtype = schema.dtype_for(c)
        if dtype == schema.TIMESTAMP_DTYPE:
            df[c] = pd.to_datetime(df[c], unit="s", utc=True).astype(dtype)
        else:
            df[c] = df[c].astype(dtype)
    return df


def rec(
    src,
    dst,
    sport,
    dport,
    *,
    proto=6,
    packets=1,
    nbytes=100,
    start=T0,
    end=None,
    action="ACCEPT",
    eni="eni-a",
    status="OK",
    **extra,
) -> dict:
    return {
        "interface_id": eni,
        "srcaddr": src,
        "dstaddr": dst,
        "srcport": sport,
        "dstport": dport,
        "protocol": proto,
        "packets": packets,
        "bytes": nbytes,
        "start": start,
        "end": start + 10 if end is None else end,
        "action": action,
        "log_status": status,
        **extra,
    }


@pytest.fixture
def small() -> pd.DataFrame:
    return frame(
        [
            rec("10.0.0.1", "10.0.1.5", 40000, 443, packets=10, nbytes=1000, start=T0, end=T0 + 10),
            rec("10.0.1.5", "10.0.0.1", 443, 40000, packets=20, nbytes=8000, start=T0, end=T0 + 10),
            rec("10.0.0.1", "10.0.1.6", 40001, 22, packets=5, nbytes=500, start=T0 + 30, end=T0 + 40),
            rec(
                "10.0.0.2",
                "10.0.1.5",
                50000,
                443,
                packets=1,
                nbytes=60,
                start=T0 + 60,
                end=T0 + 60,
                action="REJECT",
            ),
            {"interface_id": "eni-a", "start": T0, "end": T0 + 60, "log_status": "NODATA"},
        ]
    )


def test_top_sums_bytes_per_source_largest_first(small):
    t = top(small, by="srcaddr", metric="bytes")
    assert t["srcaddr"].astype(str).tolist() == ["10.0.1.5", "10.0.0.1", "10.0.0.2"]
    assert t["bytes"].tolist() == [8000, 1500, 60]
    assert t["flows"].tolist() == [1, 2, 1]
    assert t["packets"].tolist() == [20, 15, 1]
    assert t["share"].sum() == pytest.approx(1.0)
    assert t.loc[1, "share"] == pytest.approx(1500 / 9560)


def test_top_rates_use_first_to_last_activity(small):
    t = top(small, by="srcaddr", metric="bps").set_index(t_col := "srcaddr")
    t.index = t.index.astype(str)
    # 10.0.0.1: 1500 bytes from T0 to T0+40 -> 1500*8/40 bits per second
    assert t.loc["10.0.0.1", "bps"] == pytest.approx(1500 * 8 / 40)
    assert t.loc["10.0.0.1", "pps"] == pytest.approx(15 / 40)
    assert t.loc["10.0.0.1", "bpp"] == pytest.approx(100.0)
    # a single-instant flow counts as one second
    assert t.loc["10.0.0.2", "bps"] == pytest.approx(480.0)
    assert t_col == "srcaddr"


def test_top_by_several_columns_and_n(small):
    t = top(small, by=["dstaddr", "dstport"], metric="flows", n=1)
    assert len(t) == 1
    assert (str(t.loc[0, "dstaddr"]), int(t.loc[0, "dstport"]), int(t.loc[0, "flows"])) == (
        "10.0.1.5",
        443,
        2,
    )


def test_top_by_network_prefix(small):
    t = top(small, by="dstaddr/24", metric="bytes")
    got = dict(zip(t["dstaddr/24"].astype(str), t["bytes"].astype(int), strict=True))
    assert got == {"10.0.1.0/24": 1000 + 500 + 60, "10.0.0.0/24": 8000}


def test_top_skips_nodata_and_does_not_touch_input(small):
    before = small.copy()
    t = top(small, by="interface_id", metric="flows")
    assert t["flows"].tolist() == [4]
    pd.testing.assert_frame_equal(small, before)


def test_top_errors_are_for_people(small):
    with pytest.raises(ValueError, match="metric must be one of"):
        top(small, metric="octets")
    with pytest.raises(ValueError, match="did you mean"):
        top(small, by="srcadr")


def test_timeseries_spreads_each_record_over_its_window():
    df = frame(
        [rec("10.0.0.1", "10.0.0.2", 1000, 80, nbytes=1200, start=T0 - T0 % 60 + 30, end=T0 - T0 % 60 + 150)]
    )
    ts = timeseries(df, freq="1min", metric="bytes")
    # 120 s window: 30 s in the first minute, 60 s in the second, 30 s in the third
    assert ts["bytes"].tolist() == pytest.approx([300.0, 600.0, 300.0])
    assert ts["time"].diff().dropna().eq(pd.Timedelta("1min")).all()
    assert str(ts["time"].dtype) == "datetime64[s, UTC]"


def test_timeseries_keeps_the_total_and_fills_quiet_bins(small):
    ts = timeseries(small, freq="10s", metric="bytes")
    assert ts["bytes"].sum() == pytest.approx(9560)
    assert (ts["bytes"] == 0).any()  # the gap between T0+40 and T0+60


def test_timeseries_by_column_and_flows(small):
    ts = timeseries(small, freq="1min", metric="flows", by="action")
    total = ts.groupby("action", observed=True)["flows"].sum()
    assert total["ACCEPT"] >= 3 and total["REJECT"] == 1
    bps = timeseries(small, freq="1min", metric="bps")
    by = timeseries(small, freq="1min", metric="bytes")
    assert bps["bps"].to_numpy() == pytest.approx(by["bytes"].to_numpy() * 8 / 60)


def test_conversations_pairs_directions_and_finds_the_server(small):
    c = conversations(small)
    https = c[c["server_port"] == 443].set_index("client")
    https.index = https.index.astype(str)
    row = https.loc["10.0.0.1"]
    assert str(row["server"]) == "10.0.1.5" and row["client_port"] == 40000
    assert (row["bytes_to_server"], row["bytes_to_client"]) == (1000, 8000)
    assert (row["packets_to_server"], row["packets_to_client"]) == (10, 20)
    assert (row["action_to_server"], row["action_to_client"]) == ("ACCEPT", "ACCEPT")
    rejected = https.loc["10.0.0.2"]
    assert rejected["action_to_server"] == "REJECT" and pd.isna(rejected["action_to_client"])
    assert len(c) == 3 and c["records"].sum() == 4


def test_conversations_do_not_count_twice_what_two_enis_logged():
    # one connection between two ENIs of the VPC: each direction logged on both
    rows = []
    for eni in ("eni-client", "eni-server"):
        rows.append(rec("10.0.0.1", "10.0.1.5", 40000, 5432, nbytes=700, packets=7, eni=eni))
        rows.append(rec("10.0.1.5", "10.0.0.1", 5432, 40000, nbytes=9000, packets=9, eni=eni))
    c = conversations(frame(rows))
    assert len(c) == 1
    assert (c.loc[0, "bytes_to_server"], c.loc[0, "bytes_to_client"]) == (700, 9000)
    assert c.loc[0, "n_interfaces"] == 2
    assert str(c.loc[0, "interfaces"]) == "eni-client, eni-server"


def test_conversations_trust_the_handshake_over_ports():
    # both ports ephemeral-looking: the SYN-ACK (18) says 50001 is the server
    df = frame(
        [
            rec("10.0.0.9", "10.0.0.8", 50001, 60000, tcp_flags=18),
            rec("10.0.0.8", "10.0.0.9", 60000, 50001, tcp_flags=2),
        ]
    )
    c = conversations(df)
    assert (str(c.loc[0, "server"]), int(c.loc[0, "server_port"])) == ("10.0.0.9", 50001)


def test_conversations_on_the_aws_handshake_sample():
    c = conversations(flownb.samples.load("aws-docs/tcp-flags-sequence"))
    assert set(c["server_port"]) == {5001}
    assert set(c["server"].astype(str)) == {"10.0.0.62"}
    assert sorted(c["client_port"].tolist()) == [43416, 43418, 43638]


def test_service_view_collapses_client_ports():
    rows = [rec("10.0.0.1", "10.0.1.5", p, 443, nbytes=100) for p in (40000, 40001, 40002)]
    rows += [rec("10.0.1.5", "10.0.0.1", 443, p, nbytes=1000) for p in (40000, 40001, 40002)]
    v = service_view(frame(rows))
    assert len(v) == 1
    assert v.loc[0, "connections"] == 3
    assert (v.loc[0, "bytes_to_server"], v.loc[0, "bytes_to_client"]) == (300, 3000)
    assert v.loc[0, "service"] == "https"


def test_empty_frames_give_empty_answers(small):
    none = small[small["log_status"] == "NODATA"]
    assert conversations(none).empty
    assert top(none).empty
    assert len(timeseries(none)) == 0


def test_cli_top_prints_the_table(capsys):
    from flownb.cli import main
    from flownb.samples import path

    assert main(["top", path("aws-docs/tcp-flags-sequence"), "--by", "srcaddr", "--metric", "bytes"]) == 0
    out = capsys.readouterr().out
    assert "52.213.180.42" in out and "23,397,117" not in out and "23397117" in out.replace(",", "")


def test_conversations_of_a_large_frame_keep_every_client_port():
    # 200k records of one client and server: one conversation per client port, every record counted.
    # (Whether this is vectorised is measured by benchmarks/analysis.py against pandas, not asserted here.)
    rng = np.random.default_rng(0)
    n = 200_000
    df = frame(
        [rec("10.0.0.1", "10.0.0.2", 1, 2)]  # one row, then tiled
    )
    df = df.loc[df.index.repeat(n)].reset_index(drop=True)
    df["srcport"] = pd.array(rng.integers(1024, 65535, n), dtype="UInt16")
    c = conversations(df)
    assert c["records"].sum() == n
    assert len(c) == df["srcport"].nunique()


addresses = st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.1.7", "203.0.113.9", "2600:1f18::5"])
records = st.lists(
    st.fixed_dictionaries(
        {
            "src": addresses,
            "dst": addresses,
            "sport": st.sampled_from([22, 443, 5432, 40000, 50001, 60999]),
            "dport": st.sampled_from([22, 443, 5432, 40000, 50001, 60999]),
            "proto": st.sampled_from([6, 17]),
            "packets": st.integers(1, 10_000),
            "nbytes": st.integers(40, 10_000_000),
            "start": st.integers(T0, T0 + 3600),
            "length": st.integers(0, 600),
            "eni": st.sampled_from(["eni-a", "eni-b"]),
            "action": st.sampled_from(["ACCEPT", "REJECT"]),
        }
    ),
    min_size=1,
    max_size=40,
)


def _frame_of(items: list[dict]) -> pd.DataFrame:
    return frame(
        [
            rec(i["src"], i["dst"], i["sport"], i["dport"], proto=i["proto"], packets=i["packets"],
                nbytes=i["nbytes"], start=i["start"], end=i["start"] + i["length"], eni=i["eni"],
                action=i["action"])
            for i in items
        ]
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(records)
def test_summaries_keep_every_byte(items):
    df = _frame_of(items)
    total = int(df["bytes"].sum())
    assert int(top(df, by="srcaddr", n=None)["bytes"].sum()) == total
    assert int(top(df, by=["dstaddr/16", "protocol"], n=None)["bytes"].sum()) == total
    assert timeseries(df, freq="1min")["bytes"].sum() == pytest.approx(total, rel=1e-9)
    c = conversations(df)
    assert int(c["records"].sum()) == len(df)
    # each direction counted once per conversation: never more than what the records hold
    assert int(c["bytes_to_server"].sum() + c["bytes_to_client"].sum()) <= total
    one_eni = df[df["interface_id"] == "eni-a"]
    if len(one_eni):
        c1 = conversations(one_eni)
        assert int(c1["bytes_to_server"].sum() + c1["bytes_to_client"].sum()) == int(one_eni["bytes"].sum())


@settings(max_examples=40, deadline=None)
@given(records)
def test_conversation_orientation_does_not_depend_on_record_order(items):
    df = _frame_of(items)
    a = conversations(df)
    b = conversations(df.iloc[::-1].reset_index(drop=True))
    key = ["client", "client_port", "server", "server_port", "protocol"]

    def norm(c: pd.DataFrame) -> list:
        return sorted(map(tuple, c[key].astype(str).to_numpy().tolist()))

    assume(df["start"].is_unique)  # "who spoke first" breaks ties only when times differ
    assert norm(a) == norm(b)


# -- ties are broken by key value, ascending: the same files read in two orders give the same answers

_HEAD = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
_FILE_A = [  # ENI eni-b logs first here, and 10.0.0.9 appears before 10.0.0.3
    "2 1 eni-b 10.0.0.9 10.0.0.3 7000 7000 17 1 100 1700000000 1700000060 ACCEPT OK",
    "2 1 eni-b 10.0.0.3 10.0.0.9 7000 7000 17 1 100 1700000000 1700000060 ACCEPT OK",
    "2 1 eni-b 198.51.100.7 10.0.0.9 40000 443 6 2 500 1700000000 1700000060 ACCEPT OK",
]
_FILE_B = [  # equal bytes per source and per port: every ranking below has ties
    "2 1 eni-a 10.0.0.3 10.0.0.9 7000 7000 17 1 100 1700000000 1700000060 ACCEPT OK",
    "2 1 eni-a 203.0.113.5 10.0.0.3 40000 443 6 2 500 1700000000 1700000060 ACCEPT OK",
    "2 1 eni-a 10.0.0.9 10.0.0.3 7000 7000 17 1 100 1700000000 1700000060 ACCEPT OK",
]


def _two_orders(tmp_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join([_HEAD, *_FILE_A]) + "\n")
    b.write_text("\n".join([_HEAD, *_FILE_B]) + "\n")
    return flownb.read_flow_logs([a, b]), flownb.read_flow_logs([b, a])


def _values(out: pd.DataFrame) -> list:
    return out.astype(object).astype(str).to_numpy().tolist()


def test_rankings_do_not_depend_on_the_order_of_the_files(tmp_path):
    ab, ba = _two_orders(tmp_path)
    assert list(ab["srcaddr"].cat.categories) != list(ba["srcaddr"].cat.categories)  # the reads differ
    for by in ("srcaddr", "dstaddr", ["dstaddr", "dstport"], "srcaddr/24", "interface_id"):
        first, second = top(ab, by=by, n=None), top(ba, by=by, n=None)
        assert _values(first) == _values(second), by
    ranked = top(ab, by="srcaddr", n=None)
    # 203.0.113.5 and 198.51.100.7 both sent 500 bytes: the lower address comes first
    assert ranked["srcaddr"].astype(str).tolist()[:2] == ["198.51.100.7", "203.0.113.5"]
    for f in (conversations, service_view):
        assert _values(f(ab)) == _values(f(ba)), f.__name__
    assert _values(timeseries(ab, by="srcaddr")) == _values(timeseries(ba, by="srcaddr"))


def test_conversation_ties_go_to_the_lower_port_then_the_lower_address(tmp_path):
    ab, ba = _two_orders(tmp_path)
    for df in (ab, ba):
        c = conversations(df)
        peer = c[c["protocol"] == 17].iloc[0]  # UDP 7000 <-> 7000, same start: nothing else decides
        assert (str(peer["server"]), str(peer["client"])) == ("10.0.0.3", "10.0.0.9")
        assert str(peer["interfaces"]) == "eni-a, eni-b"
        # equal first times: by client address, ascending
        assert c["client"].astype(str).tolist() == ["10.0.0.9", "198.51.100.7", "203.0.113.5"]


def _reference_series(df: pd.DataFrame, f: int, metric: str) -> dict[int, float]:
    """Bin by bin, record by record: what timeseries() must give (a slow, obvious reference)."""
    out: dict[int, float] = {}
    for r in df.itertuples():
        s, e = int(r.start.timestamp()), int(r.end.timestamp())
        e = max(e, s)
        first, last = s // f, (max(s // f, -((-e) // f) - 1) if e > s else s // f)
        for k in range(first, last + 1):
            share = 1.0 if e == s else (min(e, (k + 1) * f) - max(s, k * f)) / (e - s)
            add = 1.0 if metric == "flows" else float(getattr(r, metric)) * share
            out[k * f] = out.get(k * f, 0.0) + add
    return out


@settings(max_examples=60, deadline=None)
@given(records, st.sampled_from([30, 60, 300]), st.sampled_from(["flows", "bytes", "packets"]))
def test_timeseries_equals_the_bin_by_bin_reference(items, f, metric):
    df = _frame_of(items)
    got = timeseries(df, freq=f, metric=metric)
    ref = _reference_series(df, f, metric)
    got_d = {int(t.timestamp()): v for t, v in zip(got["time"], got[metric], strict=True)}
    assert set(ref) <= set(got_d)
    for k, v in got_d.items():
        assert v == pytest.approx(ref.get(k, 0.0), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("metric", ["flows", "packets", "bytes"])
def test_top_n_counts_of_the_keys_shown_are_those_of_every_key(metric):
    # ranked by an additive metric, top() sums the other counters over the shown keys' records only:
    # the very numbers the full table gives those keys
    df = flownb.samples.load("demo")
    everything = flownb.top(df, by="srcaddr", metric=metric, n=None)
    shown = flownb.top(df, by="srcaddr", metric=metric, n=5)
    pd.testing.assert_frame_equal(shown, everything.head(5).assign(share=shown["share"]), check_exact=True)
    np.testing.assert_array_equal(shown["share"], everything["share"].head(5))


@pytest.mark.parametrize("metric", ["flows", "packets", "bytes", "bps"])
def test_top_ranking_only_gives_the_same_keys_order_and_numbers(metric):
    # counters=False (what the port heatmap asks: which ports, in which order) is the full result's
    # ranking columns, on a frame and on filtered views large and small (the widgets' cached columns)
    from flownb._cache import ColumnCache

    df = flownb.samples.load("demo")
    cache = ColumnCache(df)
    rng = np.random.default_rng(0)
    for source in (df, cache.subset(rng.random(len(df)) < 0.8), cache.subset(rng.random(len(df)) < 0.1)):
        for n in (3, None):
            full = flownb.top(source, by="dstport", metric=metric, n=n)
            ranking = flownb.top(source, by="dstport", metric=metric, n=n, counters=False)
            if metric == "bps":  # rates rank on every counter: nothing left out
                pd.testing.assert_frame_equal(ranking, full, check_exact=True)
            else:
                cols = list(dict.fromkeys(["dstport", "flows", metric, "share"]))
                pd.testing.assert_frame_equal(ranking, full[cols], check_exact=True)
