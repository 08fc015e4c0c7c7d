"""One conversation model: conversations(), diagnose() and the detectors name the same server (issue 14, point 2)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flownb
from flownb.analysis._flows import prepare

T0 = 1_700_000_000
HEAD = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status tcp-flags"
)


def _read(lines: list[str]) -> pd.DataFrame:
    return flownb.read_flow_logs(io.BytesIO(("\n".join([HEAD, *lines]) + "\n").encode()))


def _line(eni, src, dst, sp, dp, proto, nbytes, t, action, flags) -> str:
    return f"2 1 {eni} {src} {dst} {sp} {dp} {proto} 1 {nbytes} {T0 + t} {T0 + t + 60} {action} OK {flags}"


def servers_of_conversations(df: pd.DataFrame) -> dict:
    """(unordered endpoints, protocol) -> server endpoint, as flownb.conversations() says."""
    c = flownb.conversations(df)
    out = {}
    for row in c.itertuples():
        a, b = (str(row.client), int(row.client_port)), (str(row.server), int(row.server_port))
        out[(frozenset([a, b]), int(row.protocol))] = b
    return out


def servers_of_detectors(df: pd.DataFrame) -> dict:
    """The same, as the detectors' prepared view (flownb.analysis._flows.prepare) says."""
    f = prepare(df)
    a = f.a
    result = {}
    for i in range(len(a["row"])):
        resp = a["resp"][i]
        c_port = a["dport"][i] if resp else a["sport"][i]
        c = (str(f.addr[a["cli"][i]]), int(c_port))
        s = (str(f.addr[a["srv"][i]]), int(a["svc"][i]))
        result[(frozenset([c, s]), int(a["proto"][i]))] = s
    return result


endpoint = st.tuples(
    st.sampled_from(["10.0.0.5", "10.0.0.9", "203.0.113.7"]),
    st.sampled_from([22, 443, 5439, 9000, 40000, 50000, 51820, 60000]),
)


@settings(max_examples=150, deadline=None)
@given(
    a=endpoint,
    b=endpoint,
    proto=st.sampled_from([6, 17]),
    both=st.booleans(),
    flags=st.sampled_from([(0, 0), (2, 18), (18, 2), (3, 19)]),
    t_back=st.integers(-30, 30),
    enis=st.sampled_from([("eni-a", "eni-a"), ("eni-a", "eni-b"), ("eni-b", "eni-a")]),
    twice=st.booleans(),
)
def test_record_pairs_have_one_server(a, b, proto, both, flags, t_back, enis, twice):
    if a == b:
        return
    lines = [_line(enis[0], a[0], b[0], a[1], b[1], proto, 100, 0, "ACCEPT", flags[0])]
    if both:
        lines.append(_line(enis[1], b[0], a[0], b[1], a[1], proto, 300, t_back, "ACCEPT", flags[1]))
    if twice:  # the other ENI's copy of the first record (both ends in the VPC)
        lines.append(_line("eni-c", a[0], b[0], a[1], b[1], proto, 100, 0, "ACCEPT", flags[0]))
    df = _read(lines)
    assert servers_of_conversations(df) == servers_of_detectors(df)


def test_the_review_repro_names_one_server():
    # 10.0.0.5:9000 <-> 10.0.0.9:5439, both directions, no tcp-flags: conversations() said 5439, the
    # detectors 9000. Both ports are service ports; 10.0.0.5 spoke first, so 10.0.0.9:5439 serves.
    df = _read(
        [
            _line("eni-a", "10.0.0.5", "10.0.0.9", 9000, 5439, 6, 100, 0, "ACCEPT", 0),
            _line("eni-a", "10.0.0.9", "10.0.0.5", 5439, 9000, 6, 100, 5, "ACCEPT", 0),
        ]
    )
    assert servers_of_conversations(df) == servers_of_detectors(df)
    assert list(servers_of_conversations(df).values()) == [("10.0.0.9", 5439)]


def test_two_enis_copies_count_once():
    # the same 1,000 bytes logged on the sender's ENI and on the receiver's: counted once, everywhere
    df = _read(
        [
            _line("eni-a", "10.0.0.5", "10.0.0.9", 40000, 443, 6, 1000, 0, "ACCEPT", 2),
            _line("eni-b", "10.0.0.5", "10.0.0.9", 40000, 443, 6, 1000, 0, "ACCEPT", 2),
        ]
    )
    c = flownb.conversations(df)
    assert int(c["bytes_to_server"].sum()) == 1000
    assert prepare(df).n == 1


@pytest.mark.parametrize(
    "scenario", ["baseline", "nacl_blocks_return", "connection_refused", "port_scan", "ssh_brute_force"]
)
def test_twin_scenarios_have_one_server(scenario):
    df = flownb.simulate(scenario, seed=0, duration="20min").flows
    conv, det = servers_of_conversations(df), servers_of_detectors(df)
    shared = conv.keys() & det.keys()  # the detectors see NAT-ed flows by their original addresses
    assert len(shared) >= 0.8 * len(conv)
    assert {k: conv[k] for k in shared} == {k: det[k] for k in shared}
    # and diagnose() orients the same way: its requests go to the server conversations() names
    c = flownb.conversations(df)
    row = c.iloc[0]
    d = flownb.diagnose(
        df, str(row.client), str(row.server), port=int(row.server_port), protocol=int(row.protocol)
    )
    assert d.verdict != "NO_TRAFFIC_SEEN"


def test_address_classes_same_for_categories_and_texts_and_on_a_second_prepare():
    """The prepared view's local/public classes (kept per frame for categorical addresses) are the
    ones of the plain texts, with or without ``local_networks``, and a second prepare agrees."""
    df = _read(
        [
            _line("eni-a", "10.0.0.5", "203.0.113.9", 40000, 443, 6, 100, 0, "ACCEPT", 2),
            _line("eni-a", "203.0.113.9", "10.0.0.5", 443, 40000, 6, 900, 0, "ACCEPT", 18),
            _line("eni-b", "198.51.100.7", "10.0.1.8", 5555, 22, 6, 60, 60, "REJECT", 2),
            _line("eni-b", "2600:1f18::5", "8.8.8.8", 5000, 53, 17, 80, 120, "ACCEPT", 0),
        ]
    )
    assert isinstance(df["srcaddr"].dtype, pd.CategoricalDtype)
    texts = df.astype({"srcaddr": object, "dstaddr": object})

    def classes(frame, nets=None):
        f = prepare(frame, nets)
        return {str(f.addr[i]): (bool(f.addr_local[i]), bool(f.addr_public[i])) for i in range(len(f.addr))}

    want = {
        "10.0.0.5": (True, False),
        "203.0.113.9": (False, True),
        "198.51.100.7": (False, True),
        "10.0.1.8": (True, False),
        "2600:1f18::5": (False, True),
        "8.8.8.8": (False, True),
    }
    assert classes(df) == classes(df) == classes(texts) == want
    vpc6 = classes(df, ["2600:1f18::/32"])
    assert vpc6 == classes(texts, ["2600:1f18::/32"]) == want | {"2600:1f18::5": (True, False)}
    assert classes(df) == want  # the classes with local_networks are kept apart from those without


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_counted_copy_is_the_same_with_two_or_more_enis_per_direction(seed, enis):
    """The two-ENI shortcut of counted_eni picks the copy the general rule picks (rejected, most bytes, lowest id)."""
    import numpy as np

    from flownb.analysis._conversations import counted_eni

    rng = np.random.default_rng(seed)
    n, size = int(rng.integers(1, 300)), int(rng.integers(1, 30))
    cd, eni = rng.integers(0, size, n), rng.integers(-1, enis, n)
    nbytes, reject = rng.integers(0, 4, n) * 1500, rng.random(n) < 0.2
    has = eni >= 0
    lo, hi = np.full(size, enis), np.full(size, -1)
    np.minimum.at(lo, cd[has], eni[has])
    np.maximum.at(hi, cd[has], eni[has])
    general = counted_eni(cd, eni, nbytes, reject, size, several=(lo != hi) & (hi >= 0))
    assert (counted_eni(cd, eni, nbytes, reject, size) == general).all()
