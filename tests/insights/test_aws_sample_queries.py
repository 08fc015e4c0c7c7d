"""The AWS-documented VPC flow log queries, run unchanged, against answers computed independently.

Queries: CloudWatch Logs User Guide, "Sample queries" -> "Queries for Amazon VPC
flow logs"; the NAT gateway queries of the AWS Knowledge Center article "How do
I find the top contributors to traffic through the NAT gateway in my VPC?"
(with its x.x.x.x placeholders filled in); the rejected-traffic query as study
guides print it, curly quotes included. Each answer is computed here with
DuckDB SQL or plain pandas over the same frame, never with flownb.
"""

from __future__ import annotations

import ipaddress

import pandas as pd
import pytest

from flownb.insights import InsightsWarning, query

from .conftest import records, run, settled

NAT = "10.0.0.220"  # the NAT gateway's private address in the synthetic VPC
VPC_PREFIX = "10.0."


def test_top_15_packet_transfers(flows, duck):
    ours = run(
        flows,
        """stats sum(packets) as packetsTransferred by srcAddr, dstAddr
        | sort packetsTransferred  desc
        | limit 15""",
    )
    theirs = duck.execute(
        "SELECT srcaddr, dstaddr, sum(packets) AS p FROM df GROUP BY srcaddr, dstaddr "
        "ORDER BY p DESC NULLS LAST LIMIT 15"
    ).df()
    assert list(ours.columns) == ["srcAddr", "dstAddr", "packetsTransferred"]
    assert records(ours) == records(theirs)


def test_top_15_byte_transfers_for_a_subnet(flows):
    ours = run(
        flows,
        """filter isIpv4InSubnet(srcAddr, "10.0.1.0/24")
        | stats sum(bytes) as bytesTransferred by dstAddr
        | sort bytesTransferred desc
        | limit 15""",
    )
    subnet = ipaddress.ip_network("10.0.1.0/24")

    def inside(a):
        try:
            return ipaddress.ip_address(a) in subnet
        except (ValueError, TypeError):
            return False

    src = flows["srcaddr"].astype(object)
    picked = flows[[inside(a) for a in src]]
    expected = (
        picked.groupby(picked["dstaddr"].astype(object), dropna=False)["bytes"]
        .sum()
        .sort_values(ascending=False, kind="stable")
        .head(15)
    )
    assert ours["dstAddr"].astype(object).tolist() == expected.index.tolist()
    assert ours["bytesTransferred"].tolist() == expected.tolist()


def test_ip_addresses_using_udp(flows, duck):
    ours = run(flows, "filter protocol=17 | stats count(*) by srcAddr")
    theirs = duck.execute("SELECT srcaddr, count(*) FROM df WHERE protocol = 17 GROUP BY srcaddr").df()
    assert list(ours.columns) == ["srcAddr", "count(*)"]
    assert sorted(records(ours)) == sorted(records(theirs))


def test_skipped_records_per_hour(flows):
    ours = run(
        flows,
        """filter logStatus="SKIPDATA"
        | stats count(*) by bin(1h) as t
        | sort t""",
    )
    skipped = flows[flows["log_status"] == "SKIPDATA"]
    expected = skipped.groupby(skipped["start"].dt.floor("1h")).size().sort_index()
    assert len(expected) > 1
    assert ours["t"].tolist() == expected.index.tolist()
    assert ours["count(*)"].tolist() == expected.tolist()
    assert str(ours["t"].dtype).startswith("datetime64") and str(ours["t"].dt.tz) == "UTC"


def test_average_min_max_bytes_by_source_and_destination(flows, duck):
    ours = run(flows, "stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr")
    theirs = duck.execute(
        "SELECT srcaddr, dstaddr, avg(bytes), min(bytes), max(bytes) FROM df GROUP BY srcaddr, dstaddr"
    ).df()
    assert list(ours.columns) == ["srcAddr", "dstAddr", "avg(bytes)", "min(bytes)", "max(bytes)"]
    key = lambda r: tuple("" if v is None else str(v) for v in r)  # noqa: E731
    assert sorted(records(ours), key=key) == sorted(records(theirs), key=key)


def test_top_20_sources_by_rejected_requests(flows, duck):
    ours = run(
        flows,
        """filter action="REJECT"
        | stats count(*) as numRejections by srcAddr
        | sort numRejections desc
        | limit 20""",
    )
    theirs = duck.execute(
        "SELECT srcaddr, count(*) AS n FROM df WHERE action = 'REJECT' GROUP BY srcaddr ORDER BY n DESC"
    ).df()
    # ties at the 20th place may be broken either way: compare counts, and the rows above the last count
    assert ours["numRejections"].tolist() == theirs["n"].head(20).tolist()
    last = ours["numRejections"].iloc[-1]
    above = set(theirs.loc[theirs["n"] > last, "srcaddr"])
    assert above <= set(ours["srcAddr"].astype(object))


def _nat_expected(flows, condition) -> pd.Series:
    src, dst = flows["srcaddr"].astype(object).fillna(""), flows["dstaddr"].astype(object).fillna("")
    picked = flows[condition(src, dst)]
    sums = picked.groupby([picked["srcaddr"].astype(object), picked["dstaddr"].astype(object)])["bytes"].sum()
    return sums.sort_values(ascending=False, kind="stable")


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (  # instances sending the most traffic through the NAT gateway
            f"filter (dstAddr like '{NAT}' and srcAddr like '{VPC_PREFIX}')",
            lambda s, d: d.str.contains(NAT, regex=False) & s.str.contains(VPC_PREFIX, regex=False),
        ),
        (  # traffic to and from those instances
            f"filter (dstAddr like '{NAT}' and srcAddr like '{VPC_PREFIX}') "
            f"or (srcAddr like '{NAT}' and dstAddr like '{VPC_PREFIX}')",
            lambda s, d: (
                (d.str.contains(NAT, regex=False) & s.str.contains(VPC_PREFIX, regex=False))
                | (s.str.contains(NAT, regex=False) & d.str.contains(VPC_PREFIX, regex=False))
            ),
        ),
        (  # internet destinations the instances reach most
            f"filter (srcAddr like '{NAT}' and dstAddr not like '{VPC_PREFIX}')",
            lambda s, d: s.str.contains(NAT, regex=False) & ~d.str.contains(VPC_PREFIX, regex=False),
        ),
    ],
    ids=["to-nat", "to-and-from", "internet-destinations"],
)
def test_nat_gateway_top_contributors(flows, text, condition):
    ours = run(
        flows,
        text
        + """
        | stats sum(bytes) as bytesTransferred by srcAddr, dstAddr
        | sort bytesTransferred desc
        | limit 10""",
    )
    expected = _nat_expected(flows, condition).head(10)
    assert len(ours) == len(expected) > 0
    assert ours["bytesTransferred"].tolist() == expected.tolist()
    pairs = list(zip(ours["srcAddr"].astype(object), ours["dstAddr"].astype(object), strict=True))
    assert pairs == expected.index.tolist()


def test_single_record_per_connection_with_dedup(flows):
    eni = flows["interface_id"].astype(object).value_counts().index[0]
    ours = run(
        flows,
        f"""fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes
        | filter interfaceId = '{eni}'
        | sort @timestamp desc
        | dedup srcAddr, dstAddr, srcPort, dstPort, protocol""",
    )
    conn = ["srcaddr", "dstaddr", "srcport", "dstport", "protocol"]
    picked = settled(flows[flows["interface_id"] == eni], ["interface_id", "bytes", *conn])
    complete = picked[conn].notna().all(axis=1)
    keep = ~picked[conn].astype(object).duplicated(keep="first") | ~complete
    expected = picked[keep]
    assert ours["@timestamp"].tolist() == expected["start"].tolist()
    assert ours["bytes"].tolist() == expected["bytes"].tolist()
    assert len(ours) < len(picked)  # something was deduplicated


def test_rejected_traffic_as_study_guides_print_it(flows):
    text = (
        "fields @timestamp, srcaddr, dstaddr, srcport, dstport, action, protocol "
        "| filter action = ‘REJECT’ | sort @timestamp desc | limit 20"
    )
    with pytest.warns(InsightsWarning, match="typographic quotes") as caught:
        ours = query(flows, text)
    assert len(caught) == 1  # said once
    cols = ["start", "srcaddr", "dstaddr", "srcport", "dstport", "action", "protocol"]
    expected = settled(flows[flows["action"] == "REJECT"], cols).head(20)
    assert list(ours.columns) == ["@timestamp", *cols[1:]]
    assert records(ours) == records(expected[cols])


def test_double_curly_quotes_and_non_breaking_spaces(flows):
    with pytest.warns(InsightsWarning, match="non-breaking spaces and typographic quotes"):
        ours = query(flows, "filter\u00a0action = “REJECT” | stats count(*)")
    assert ours["count(*)"].tolist() == [int((flows["action"] == "REJECT").sum())]


# -- the sample list the QueryConsole shows (flownb.insights, issue 17 point 4) ------------------------------
def test_the_aws_group_holds_the_guides_flow_log_and_nat_queries_verbatim():
    from flownb.insights import AWS_SAMPLE_QUERIES

    texts = [q.query for q in AWS_SAMPLE_QUERIES]
    assert len(texts) == 8 and {q.group for q in AWS_SAMPLE_QUERIES} == {"aws"}
    # the guide's spacing and placeholders are kept as printed ("Sample queries" page)
    assert "| sort packetsTransferred  desc" in texts[0]
    assert texts[1].startswith('filter isIpv4InSubnet(srcAddr, "192.0.2.0/24")')
    assert texts[2] == "filter protocol=17 | stats count(*) by srcAddr"
    assert "srcAddr like 'xxx.xx.xx.xx'" in texts[5]
    assert all("Sample queries" in q.source for q in AWS_SAMPLE_QUERIES)
    assert all(q.note for q in AWS_SAMPLE_QUERIES[4:])  # each NAT query says which placeholders to replace


def test_every_sample_query_runs_and_the_groups_are_apart(flows):
    from flownb.insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES, sample_queries

    titles = [q.title for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES]
    assert len(titles) == len(set(titles))
    assert list(sample_queries()) == titles  # AWS's first
    assert set(sample_queries("aws")).isdisjoint(sample_queries("flownb"))
    for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES:
        out = run(flows, q.query)
        assert isinstance(out, pd.DataFrame), q.title
    with pytest.raises(ValueError, match="group must be one of"):
        sample_queries("AWS")


def test_the_nat_samples_as_written_match_nothing_until_filled_in(flows):
    from flownb.insights import AWS_SAMPLE_QUERIES

    assert all(len(run(flows, q.query)) == 0 for q in AWS_SAMPLE_QUERIES[4:])
