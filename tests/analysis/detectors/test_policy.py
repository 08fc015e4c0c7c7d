"""Policy and intel: threat lists, unusual protocols, public resolvers."""

from __future__ import annotations

import pytest

from flownb.analysis import detectors as D

from .helpers import frame, rec, web_traffic


def test_intel_match_needs_a_list_and_orients_the_conversation():
    lines = web_traffic(5)
    df = frame(lines)
    assert D.intel_match(df).empty
    out = D.intel_match(df, indicators=["198.51.100.0/30"])
    assert sorted(out["src"]) == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    assert set(out["dst"]) == {"10.0.0.10"} and set(out["dst_port"]) == {443}
    assert out["evidence_count"].tolist() == [2, 2, 2]  # request and answer
    with pytest.raises(ValueError, match="'indicators' must hold IP addresses"):
        D.intel_match(df, indicators=["evil.example"])


def test_unusual_protocol_and_allow_list():
    gre = [
        rec("10.0.0.10", "193.29.57.9", 0, 0, proto=47, packets=100, nbytes=50000, t=m * 60) for m in range(3)
    ]
    out = D.unusual_protocol(frame(gre + web_traffic(3)))
    assert len(out) == 1 and out.iloc[0].protocol == 47 and out.iloc[0].severity == "Medium"
    assert D.unusual_protocol(frame(gre), allowed=[1, 6, 17, 47]).empty


def test_unapproved_dns_with_allow_list():
    q = [rec("10.0.1.10", "8.8.8.8", 40000 + i, 53, proto=17, t=i * 10) for i in range(5)]
    q += [rec("8.8.8.8", "10.0.1.10", 53, 40000 + i, proto=17, t=i * 10) for i in range(5)]
    out = D.unapproved_dns(frame(q))
    assert len(out) == 1 and (out.iloc[0].src, out.iloc[0].dst, out.iloc[0].score) == (
        "10.0.1.10",
        "8.8.8.8",
        5.0,
    )
    assert D.unapproved_dns(frame(q), allowed_resolvers=["8.8.8.0/24"]).empty
