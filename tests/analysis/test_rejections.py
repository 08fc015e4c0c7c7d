"""rejections() and one_way_flows(): rejected and unanswered traffic with its likely cause."""

from __future__ import annotations

from flownb.analysis import one_way_flows, rejections

from .test_traffic import frame, rec


def test_one_way_flows_are_requests_without_answers():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 443),
            rec("10.0.1.1", "10.0.0.5", 443, 40000),
            rec("10.0.0.5", "10.0.1.2", 40001, 8080, packets=3),
        ]
    )
    one = one_way_flows(df)
    assert one["server"].astype(str).tolist() == ["10.0.1.2"]
    assert one["server_port"].tolist() == [8080]


def test_rejections_name_the_likely_cause():
    df = frame(
        [
            # on eni-db: requests in accepted, answers out rejected (network ACL)
            rec("10.0.0.5", "10.0.1.1", 40000, 5432, eni="eni-db"),
            rec("10.0.1.1", "10.0.0.5", 5432, 40000, eni="eni-db", action="REJECT"),
            rec("10.0.0.6", "10.0.1.1", 40001, 5432, eni="eni-db"),
            rec("10.0.1.1", "10.0.0.6", 5432, 40001, eni="eni-db", action="REJECT"),
            # a request rejected arriving (security group or network ACL)
            rec("198.51.100.7", "10.0.1.1", 50000, 22, eni="eni-db", action="REJECT"),
        ]
    )
    r = rejections(df)
    assert r["records"].sum() == 3
    causes = dict(zip(r["kind"].astype(str), r["likely_cause"].astype(str), strict=True))
    assert causes["response"].startswith("network ACL outbound")
    assert causes["request"] == "security group or network ACL inbound rules"
    assert set(r["port"]) == {5432, 22}
