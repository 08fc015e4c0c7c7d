"""Sample queries for flow logs: the ones AWS publishes, verbatim, and flownb's own, kept apart.

``AWS_SAMPLE_QUERIES`` holds only queries AWS publishes for VPC flow logs,
character for character as the CloudWatch Logs User Guide prints them
("Sample queries": "Queries for Amazon VPC Flow Logs" and "Queries for NAT
gateway", the latter taken by the guide from the AWS Knowledge Center article
"How can I find the top contributors to traffic through the NAT gateway in my
VPC?"). The copy read is the guide's page as published in the awsdocs
repository (its last version, March 2022); the placeholders stay as AWS wrote
them (``x.x.x.x`` is the NAT gateway's private address, ``y.y.`` the first two
octets of the VPC CIDR, and one query says ``xxx.xx.xx.xx`` for the first).
Queries that circulate as "AWS samples" but are not on that page (top 20
sources of rejected requests, average/min/max bytes, top 10 byte transfers) are
in ``FLOWNB_SAMPLE_QUERIES``, with flownb's own examples.

Examples
--------
>>> from flownb.insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES
>>> AWS_SAMPLE_QUERIES[0].title
'Find the top 15 packet transfers across hosts'
>>> print(AWS_SAMPLE_QUERIES[0].query)
stats sum(packets) as packetsTransferred by srcAddr, dstAddr
    | sort packetsTransferred  desc
    | limit 15
>>> sorted({q.group for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES})
['aws', 'flownb']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AWS_SAMPLE_QUERIES", "FLOWNB_SAMPLE_QUERIES", "SampleQuery", "sample_queries"]

_GUIDE = "CloudWatch Logs User Guide, Sample queries (CWL_QuerySyntax-examples)"
_NAT_NOTE = (
    "Replace x.x.x.x (and xxx.xx.xx.xx) with the private IP of your NAT gateway and y.y. with the first two "
    "octets of your VPC CIDR range; as written the query matches nothing."
)


@dataclass(frozen=True)
class SampleQuery:
    """A sample query: its title, text, group (``"aws"`` or ``"flownb"``), where it comes from, and a note.

    Examples
    --------
    AWS's first sample query, run on the bundled demo day:

    >>> import flownb
    >>> from flownb import insights
    >>> sample = insights.AWS_SAMPLE_QUERIES[0]
    >>> sample.title, sample.group
    ('Find the top 15 packet transfers across hosts', 'aws')
    >>> top = insights.query(flownb.samples.load("demo"), sample.query)
    >>> top.columns.tolist(), top.iloc[0, :2].tolist()
    (['srcAddr', 'dstAddr', 'packetsTransferred'], ['10.0.20.10', '10.0.0.220'])
    """

    title: str
    query: str
    group: str
    source: str
    note: str = ""


def _aws(title: str, query: str, note: str = "") -> SampleQuery:
    return SampleQuery(title, query, "aws", _GUIDE, note)


def _ours(title: str, query: str, source: str = "flownb's own example") -> SampleQuery:
    return SampleQuery(title, query, "flownb", source)


#: The VPC flow log and NAT gateway queries of the guide's "Sample queries" page, verbatim.
AWS_SAMPLE_QUERIES: tuple[SampleQuery, ...] = (
    _aws(
        "Find the top 15 packet transfers across hosts",
        "stats sum(packets) as packetsTransferred by srcAddr, dstAddr\n"
        "    | sort packetsTransferred  desc\n"
        "    | limit 15",
    ),
    _aws(
        "Find the top 15 byte transfers for hosts on a given subnet",
        'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24")\n'
        "    | stats sum(bytes) as bytesTransferred by dstAddr\n"
        "    | sort bytesTransferred desc\n"
        "    | limit 15",
        "192.0.2.0/24 is a documentation range: put your subnet's CIDR in its place.",
    ),
    _aws(
        "Find the IP addresses that use UDP as a data transfer protocol",
        "filter protocol=17 | stats count(*) by srcAddr",
    ),
    _aws(
        "Find the IP addresses where flow records were skipped during the capture window",
        'filter logStatus="SKIPDATA"\n    | stats count(*) by bin(1h) as t\n    | sort t',
    ),
    _aws(
        "Find the instances that are sending the most traffic through your NAT gateway",
        "filter (dstAddr like 'x.x.x.x' and srcAddr like 'y.y.') \n"
        "| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n"
        "| sort bytesTransferred desc\n"
        "| limit 10",
        _NAT_NOTE,
    ),
    _aws(
        "Determine the traffic that's going to and from the instances in your NAT gateways",
        "filter (dstAddr like 'x.x.x.x' and srcAddr like 'y.y.') or (srcAddr like 'xxx.xx.xx.xx' and dstAddr like 'y.y.')\n"
        "| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n"
        "| sort bytesTransferred desc\n"
        "| limit 10",
        _NAT_NOTE,
    ),
    _aws(
        "Determine the internet destinations that the instances in your VPC communicate with most often: uploads",
        "filter (srcAddr like 'x.x.x.x' and dstAddr not like 'y.y.') \n"
        "| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n"
        "| sort bytesTransferred desc\n"
        "| limit 10",
        _NAT_NOTE,
    ),
    _aws(
        "Determine the internet destinations that the instances in your VPC communicate with most often: downloads",
        "filter (dstAddr like 'x.x.x.x' and srcAddr not like 'y.y.') \n"
        "| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n"
        "| sort bytesTransferred desc\n"
        "| limit 10",
        _NAT_NOTE,
    ),
)

_CIRCULATING = (
    "printed as an AWS sample in study guides and the CloudWatch console; not on the guide page read"
)

#: flownb's examples, and queries that circulate as AWS samples without being on the guide's page.
FLOWNB_SAMPLE_QUERIES: tuple[SampleQuery, ...] = (
    _ours(
        "Top 20 sources of rejected requests",
        'filter action = "REJECT"\n| stats count(*) as numRejections by srcAddr\n| sort numRejections desc\n| limit 20',
        _CIRCULATING,
    ),
    _ours(
        "Top 10 byte transfers by source and destination",
        "stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n| sort bytesTransferred desc\n| limit 10",
        _CIRCULATING,
    ),
    _ours(
        "Average, min and max bytes by source and destination",
        "stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr",
        _CIRCULATING,
    ),
    _ours(
        "Top 15 byte transfers for hosts on 10.0.0.0/16",
        'filter isIpv4InSubnet(srcAddr, "10.0.0.0/16")\n| stats sum(bytes) as bytesTransferred by dstAddr\n'
        "| sort bytesTransferred desc\n| limit 15",
    ),
    _ours(
        "Skipped records per hour",
        'filter logStatus = "SKIPDATA"\n| stats count(*) by bin(1h) as t\n| sort t',
    ),
    _ours("Bytes every 5 minutes", "stats sum(bytes) as bytesTransferred by bin(5m) as t\n| sort t"),
    _ours(
        "Rejected records every 5 minutes",
        'filter action = "REJECT"\n| stats count(*) as rejected by bin(5m) as t\n| sort t',
    ),
    _ours(
        "New source-port pairs in the last half of the records",
        "stats count(*) as n by srcAddr, dstPort\n| diff\n| filter @diff = 'new'\n| sort n desc\n| limit 20",
    ),
    _ours(
        "Long flows (startTime to endTime)",
        "fields startTime, endTime, endTime - startTime as seconds, srcAddr, dstAddr, dstPort\n"
        "| sort seconds desc\n| limit 20",
    ),
)


def sample_queries(group: str | None = None) -> dict[str, str]:
    """Title -> query text, AWS's samples first; ``group`` ``"aws"`` or ``"flownb"`` keeps one group.

    Examples
    --------
    >>> from flownb.insights import sample_queries
    >>> len(sample_queries("aws")), "Bytes every 5 minutes" in sample_queries("flownb")
    (8, True)
    """
    if group not in (None, "aws", "flownb"):
        raise ValueError(f"group must be one of ['aws', 'flownb'] or None, got {group!r}")
    return {q.title: q.query for q in AWS_SAMPLE_QUERIES + FLOWNB_SAMPLE_QUERIES if group in (None, q.group)}
