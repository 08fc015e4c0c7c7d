"""The field registry: every flow log field AWS writes, in one place.

Every other module asks this registry what a field is called, which pandas
dtype it gets, which version introduced it and which name CloudWatch Logs
Insights gives it. Nothing else in flownb hard-codes a field list.

Sources (facts, not code):

* Amazon VPC User Guide, "Flow log records" -> "Available fields"
  (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html):
  VPC fields of versions 2 to 11 and the Parquet data types listed there.
  Versions 2 to 5 were checked against the User Guide's own text (its 2023
  copy in awsdocs/amazon-vpc-user-guide), version 7 and the traffic-path codes
  against a verbatim copy of the table. The current table, with versions 8 to
  11, could not be read from AWS here (only its top is reachable): the
  versions of ``reject-reason`` (8), ``resource-id`` (9), ``encryption-status``
  (10) and the version 11 fields of June 2026 (``interface-type``, the
  ``next-hop-*`` fields, ``instance-tag``, ``interface-tag``, ``asg-tag`` and
  their ``-2`` variants, all STRING) come from three independent copies that
  cite that table, and the EC2 API change of 2026-06-09 that added
  ``TagFieldSpecifications`` to CreateFlowLogs. Check the table before relying
  on a version 8 to 11 detail.
* Amazon VPC Transit Gateways guide, "Transit Gateway Flow Logs records"
  (version 6 fields, ``packets-lost-*``).
* CloudWatch Logs User Guide, "Supported logs and discovered fields"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html)
  for the Logs Insights names of the default-format fields, the only ones
  AWS documents: ``version``, ``accountId``, ``interfaceId``, ``srcAddr``,
  ``dstAddr``, ``srcPort``, ``dstPort``, ``protocol``, ``packets``, ``bytes``,
  ``startTime``, ``endTime``, ``action``, ``logStatus``. The time fields are
  *not* the camel case of the AWS name (``start`` -> ``startTime``). For the
  custom-format fields the page is silent; flownb names them by the camel case
  of the AWS name (``pkt-srcaddr`` -> ``pktSrcaddr``, ``next-hop-vpc-id`` ->
  ``nextHopVpcId``): check what your own log group discovers before relying on
  one of those names in CloudWatch. flownb's column names (``start``,
  ``srcaddr``) and the AWS names (``log-status``) stay accepted as aliases.

Examples
--------
>>> from flownb import schema
>>> schema.field("dstport").dtype
'UInt16'
>>> schema.DEFAULT_FORMAT.split()[:3]
['version', 'account-id', 'interface-id']
>>> schema.parse_format("${srcaddr} ${dstaddr}")
['srcaddr', 'dstaddr']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as _dc_field

__all__ = [
    "ACTIONS",
    "DEFAULT_FIELDS",
    "DEFAULT_FORMAT",
    "DOCUMENTED_INSIGHTS_NAMES",
    "ENUMS",
    "FIELDS",
    "FLOW_DIRECTIONS",
    "LOG_STATUSES",
    "TCP_FLAGS",
    "TRAFFIC_PATHS",
    "TYPES",
    "Field",
    "column_name",
    "dtype_for",
    "field",
    "format_string",
    "insights_names",
    "parse_format",
]

# pandas dtypes used by the DataFrame contract (DESIGN.md). Masked nullable
# integers everywhere; timestamps are second-resolution UTC (AWS writes seconds).
TIMESTAMP_DTYPE = "datetime64[s, UTC]"
STRING_DTYPE = "category"


@dataclass(frozen=True)
class Field:
    """One flow log field.

    Attributes
    ----------
    name : str
        AWS name as written in a format string (``log-status``).
    column : str
        DataFrame, Parquet and Athena column name (``log_status``).
    version : int
        Flow log version that introduced the field (6 for Transit Gateway, 2 to
        11 for VPC fields; see the module docstring for how each was checked).
    dtype : str
        pandas dtype of the column: ``UInt8``, ``UInt16``, ``UInt64``,
        ``datetime64[s, UTC]`` or ``category``.
    meaning : str
        One line of what the field holds.
    insights : str
        The name CloudWatch Logs Insights discovers the field under
        (``startTime`` for ``start``); documented by AWS for the default-format
        fields only, the camel case of the AWS name for the others (see the
        module docstring).
    scope : str
        ``"vpc"``, ``"tgw"`` or ``"both"``.
    parquet : str
        Parquet type AWS writes (``INT_32``, ``INT_64``, ``STRING``).
    values : tuple of str
        Allowed values for enumerated string fields (empty when open).

    Examples
    --------
    >>> from flownb import schema
    >>> f = schema.field("tcp-flags")
    >>> f.column, f.dtype, f.version, f.insights
    ('tcp_flags', 'UInt16', 3, 'tcpFlags')
    >>> schema.field("log-status").values
    ('OK', 'NODATA', 'SKIPDATA')
    """

    name: str
    version: int
    dtype: str
    meaning: str
    insights: str = ""
    scope: str = "vpc"
    parquet: str = "STRING"
    values: tuple[str, ...] = ()
    column: str = _dc_field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", self.name.replace("-", "_"))
        if not self.insights:
            object.__setattr__(self, "insights", _camel(self.name))

    @property
    def is_integer(self) -> bool:
        """True for the integer fields (ports, counters, codes)."""
        return self.dtype.startswith("UInt")

    @property
    def is_timestamp(self) -> bool:
        """True for ``start`` and ``end``."""
        return self.dtype == TIMESTAMP_DTYPE

    @property
    def max_value(self) -> int | None:
        """Largest value the integer dtype holds, None for other fields."""
        return {"UInt8": 2**8 - 1, "UInt16": 2**16 - 1, "UInt32": 2**32 - 1, "UInt64": 2**64 - 1}.get(
            self.dtype
        )


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


#: The values of ``action``: the security groups and network ACLs let the traffic through, or not.
ACTIONS = ("ACCEPT", "REJECT")
#: The values of ``log-status``: data logged, no traffic in the interval, or records skipped.
LOG_STATUSES = ("OK", "NODATA", "SKIPDATA")
#: The values of ``type``: the traffic's IP version, or Elastic Fabric Adapter traffic.
TYPES = ("IPv4", "IPv6", "EFA")
#: The values of ``flow-direction``, relative to the interface that logged the record.
FLOW_DIRECTIONS = ("ingress", "egress")

#: traffic-path codes and their meaning (VPC User Guide, "Available fields").
TRAFFIC_PATHS = {
    1: "Through another resource in the same VPC",
    2: "Through an internet gateway or a gateway VPC endpoint",
    3: "Through a virtual private gateway",
    4: "Through an intra-region VPC peering connection",
    5: "Through an inter-region VPC peering connection",
    6: "Through a local gateway",
    7: "Through a gateway VPC endpoint (Nitro-based instances only)",
    8: "Through an internet gateway (Nitro-based instances only)",
}

#: TCP flag bits as AWS documents them for tcp-flags (OR-ed over the interval).
#: Flow logs record FIN, SYN, RST and SYN-ACK; PSH, ACK, URG appear in the bitmask
#: definition only.
TCP_FLAGS = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "ACK": 16, "URG": 32}

#: encryption-status codes (Amazon VPC User Guide, VPC encryption controls, read in copies of the page):
#: '-' means the status is unknown or encryption controls are off. For interface and gateway endpoints
#: AWS does not look at packet data: it infers 2 from the port used (TCP 443).
ENCRYPTION_STATUSES = {
    0: "Not encrypted",
    1: "Encrypted by the Nitro hardware",
    2: "Encrypted at the application layer (TLS)",
    3: "Encrypted by both",
}

_U8, _U16, _U64, _TS, _S = "UInt8", "UInt16", "UInt64", TIMESTAMP_DTYPE, STRING_DTYPE

_FIELD_LIST: list[Field] = [
    # ---- version 2: the default format, in the default order ---------------
    Field(
        "version",
        2,
        _U8,
        "Flow log version (the highest version among the format's fields).",
        "version",
        "both",
        "INT_32",
    ),
    Field(
        "account-id",
        2,
        _S,
        "AWS account that owns the network interface ('unknown' for some AWS services).",
        "accountId",
        "both",
    ),
    Field("interface-id", 2, _S, "Network interface (ENI) the traffic was recorded on.", "interfaceId"),
    Field(
        "srcaddr",
        2,
        _S,
        "Source address of incoming traffic, or of the interface for outgoing traffic.",
        "srcAddr",
        "both",
    ),
    Field(
        "dstaddr",
        2,
        _S,
        "Destination address of outgoing traffic, or of the interface for incoming traffic.",
        "dstAddr",
        "both",
    ),
    Field("srcport", 2, _U16, "Source port.", "srcPort", "both", "INT_32"),
    Field("dstport", 2, _U16, "Destination port.", "dstPort", "both", "INT_32"),
    Field(
        "protocol",
        2,
        _U8,
        "IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).",
        "protocol",
        "both",
        "INT_32",
    ),
    Field("packets", 2, _U64, "Packets transferred during the flow.", "packets", "both", "INT_64"),
    Field("bytes", 2, _U64, "Bytes transferred during the flow.", "bytes", "both", "INT_64"),
    Field(
        "start",
        2,
        _TS,
        "Time the first packet of the flow was received within the aggregation interval.",
        "startTime",
        "both",
        "INT_64",
    ),
    Field(
        "end",
        2,
        _TS,
        "Time the last packet of the flow was received within the aggregation interval.",
        "endTime",
        "both",
        "INT_64",
    ),
    Field(
        "action",
        2,
        _S,
        "ACCEPT or REJECT: whether security groups and network ACLs let the traffic pass.",
        "action",
        "vpc",
        values=ACTIONS,
    ),
    Field(
        "log-status",
        2,
        _S,
        "OK, NODATA (no traffic in the interval) or SKIPDATA (records were skipped).",
        "logStatus",
        "both",
        values=LOG_STATUSES,
    ),
    # ---- version 3 ----------------------------------------------------------
    Field("vpc-id", 3, _S, "VPC of the network interface.", "vpcId"),
    Field("subnet-id", 3, _S, "Subnet of the network interface.", "subnetId"),
    Field(
        "instance-id", 3, _S, "Instance the network interface is attached to, if you own it.", "instanceId"
    ),
    Field(
        "tcp-flags",
        3,
        "UInt16",
        "TCP flags OR-ed over the interval: FIN 1, SYN 2, RST 4, SYN-ACK 18.",
        "tcpFlags",
        "both",
        "INT_32",
    ),
    Field("type", 3, _S, "Traffic type: IPv4, IPv6 or EFA.", "type", "both", values=TYPES),
    Field(
        "pkt-srcaddr",
        3,
        _S,
        "Packet-level (original) source address, e.g. behind a NAT gateway.",
        "pktSrcAddr",
    ),
    Field("pkt-dstaddr", 3, _S, "Packet-level (original) destination address.", "pktDstAddr"),
    # ---- version 4 ----------------------------------------------------------
    Field("region", 4, _S, "Region of the network interface.", "region", "both"),
    Field("az-id", 4, _S, "Availability Zone ID of the network interface.", "azId"),
    Field(
        "sublocation-type",
        4,
        _S,
        "wavelength, outpost or localzone, when the interface is in one.",
        "sublocationType",
    ),
    Field("sublocation-id", 4, _S, "ID of the sublocation.", "sublocationId"),
    # ---- version 5 ----------------------------------------------------------
    Field(
        "pkt-src-aws-service",
        5,
        _S,
        "AWS service owning pkt-srcaddr's IP range (AMAZON, S3, EC2, ...).",
        "pktSrcAwsService",
        "both",
    ),
    Field(
        "pkt-dst-aws-service", 5, _S, "AWS service owning pkt-dstaddr's IP range.", "pktDstAwsService", "both"
    ),
    Field(
        "flow-direction",
        5,
        _S,
        "ingress or egress, relative to the interface.",
        "flowDirection",
        "both",
        values=FLOW_DIRECTIONS,
    ),
    Field(
        "traffic-path",
        5,
        _U8,
        "Path egress traffic takes to its destination (codes 1-8).",
        "trafficPath",
        "vpc",
        "INT_32",
    ),
    # ---- version 7: Amazon ECS ---------------------------------------------
    Field("ecs-cluster-arn", 7, _S, "ARN of the ECS cluster of the task.", "ecsClusterArn"),
    Field("ecs-cluster-name", 7, _S, "Name of the ECS cluster.", "ecsClusterName"),
    Field(
        "ecs-container-instance-arn",
        7,
        _S,
        "ARN of the ECS container instance (EC2 launch type).",
        "ecsContainerInstanceArn",
    ),
    Field("ecs-container-instance-id", 7, _S, "ID of the ECS container instance.", "ecsContainerInstanceId"),
    Field("ecs-container-id", 7, _S, "Docker runtime ID of the task's first container.", "ecsContainerId"),
    Field(
        "ecs-second-container-id",
        7,
        _S,
        "Docker runtime ID of the task's second container.",
        "ecsSecondContainerId",
    ),
    Field("ecs-service-name", 7, _S, "ECS service the task belongs to.", "ecsServiceName"),
    Field("ecs-task-definition-arn", 7, _S, "ARN of the task definition.", "ecsTaskDefinitionArn"),
    Field("ecs-task-arn", 7, _S, "ARN of the ECS task.", "ecsTaskArn"),
    Field("ecs-task-id", 7, _S, "ID of the ECS task.", "ecsTaskId"),
    # ---- version 8 ----------------------------------------------------------
    Field(
        "reject-reason",
        8,
        _S,
        "Why traffic was rejected: BPA (VPC Block Public Access), EC (encryption controls) or '-'.",
        "rejectReason",
    ),
    # ---- versions 9 and 10 ----------------------------------------------------
    Field(
        "resource-id",
        9,
        _S,
        "Resource the traffic was recorded for (e.g. a regional NAT gateway, whose records have interface-id '-').",
        "resourceId",
    ),
    Field(
        "encryption-status",
        10,
        _U8,
        "0 not encrypted, 1 Nitro, 2 application TLS (inferred from port 443 for endpoints), 3 both, '-' unknown.",
        "encryptionStatus",
        "vpc",
        "INT_32",
    ),
    # ---- version 11 (June 2026): interface type, next hop, EC2 tags --------------
    # Custom formats only. The tag fields hold the values of the tag keys the flow log names in
    # TagFieldSpecifications (CreateFlowLogs), at most two per resource type (the -2 fields).
    Field(
        "interface-type",
        11,
        _S,
        "Type of the interface that recorded the flow (e.g. nat_gateway, network_load_balancer, "
        "regional_nat_gateway, transit_gateway, vpc_endpoint).",
        "interfaceType",
    ),
    Field(
        "next-hop-interface-id",
        11,
        _S,
        "Network interface of the flow's next hop (the receiver of egress traffic, the sender of ingress traffic).",
        "nextHopInterfaceId",
    ),
    Field("next-hop-subnet-id", 11, _S, "Subnet of the next-hop interface.", "nextHopSubnetId"),
    Field("next-hop-az-id", 11, _S, "Availability Zone ID of the next-hop interface.", "nextHopAzId"),
    Field("next-hop-vpc-id", 11, _S, "VPC of the next-hop interface.", "nextHopVpcId"),
    Field(
        "next-hop-interface-type",
        11,
        _S,
        "Type of the next-hop interface (e.g. regional_nat_gateway).",
        "nextHopInterfaceType",
    ),
    Field(
        "instance-tag",
        11,
        _S,
        "Value of an EC2 instance tag whose key the flow log names in TagFieldSpecifications.",
        "instanceTag",
    ),
    Field(
        "instance-tag-2",
        11,
        _S,
        "Value of a second EC2 instance tag named in TagFieldSpecifications.",
        "instanceTag2",
    ),
    Field(
        "interface-tag",
        11,
        _S,
        "Value of a network interface tag whose key the flow log names in TagFieldSpecifications.",
        "interfaceTag",
    ),
    Field(
        "interface-tag-2",
        11,
        _S,
        "Value of a second network interface tag named in TagFieldSpecifications.",
        "interfaceTag2",
    ),
    Field(
        "asg-tag",
        11,
        _S,
        "Value of an Auto Scaling group tag whose key the flow log names in TagFieldSpecifications.",
        "asgTag",
    ),
    Field(
        "asg-tag-2",
        11,
        _S,
        "Value of a second Auto Scaling group tag named in TagFieldSpecifications.",
        "asgTag2",
    ),
    # ---- Transit Gateway flow logs (version 6) ------------------------------
    Field("resource-type", 6, _S, "Resource type of the record (TransitGateway).", "resourceType", "tgw"),
    Field("tgw-id", 6, _S, "Transit gateway.", "tgwId", "tgw"),
    Field("tgw-attachment-id", 6, _S, "Transit gateway attachment.", "tgwAttachmentId", "tgw"),
    Field("tgw-src-vpc-account-id", 6, _S, "Account of the source VPC.", "tgwSrcVpcAccountId", "tgw"),
    Field("tgw-dst-vpc-account-id", 6, _S, "Account of the destination VPC.", "tgwDstVpcAccountId", "tgw"),
    Field("tgw-src-vpc-id", 6, _S, "Source VPC.", "tgwSrcVpcId", "tgw"),
    Field("tgw-dst-vpc-id", 6, _S, "Destination VPC.", "tgwDstVpcId", "tgw"),
    Field("tgw-src-subnet-id", 6, _S, "Source subnet.", "tgwSrcSubnetId", "tgw"),
    Field("tgw-dst-subnet-id", 6, _S, "Destination subnet.", "tgwDstSubnetId", "tgw"),
    Field("tgw-src-eni", 6, _S, "Network interface of the source attachment.", "tgwSrcEni", "tgw"),
    Field("tgw-dst-eni", 6, _S, "Network interface of the destination attachment.", "tgwDstEni", "tgw"),
    Field("tgw-src-az-id", 6, _S, "Availability Zone of the source.", "tgwSrcAzId", "tgw"),
    Field("tgw-dst-az-id", 6, _S, "Availability Zone of the destination.", "tgwDstAzId", "tgw"),
    Field(
        "tgw-pair-attachment-id",
        6,
        _S,
        "The attachment on the other side of the flow.",
        "tgwPairAttachmentId",
        "tgw",
    ),
    Field(
        "packets-lost-no-route",
        6,
        _U64,
        "Packets dropped because no route matched.",
        "packetsLostNoRoute",
        "tgw",
        "INT_64",
    ),
    Field(
        "packets-lost-blackhole",
        6,
        _U64,
        "Packets dropped by a blackhole route.",
        "packetsLostBlackhole",
        "tgw",
        "INT_64",
    ),
    Field(
        "packets-lost-mtu-exceeded",
        6,
        _U64,
        "Packets dropped because they exceeded the MTU.",
        "packetsLostMtuExceeded",
        "tgw",
        "INT_64",
    ),
    Field(
        "packets-lost-ttl-expired",
        6,
        _U64,
        "Packets dropped because their TTL expired.",
        "packetsLostTtlExpired",
        "tgw",
        "INT_64",
    ),
]

#: Every known field, by AWS name, in registry order.
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}
_BY_COLUMN: dict[str, Field] = {f.column: f for f in _FIELD_LIST}

#: The default (version 2) format, as AWS writes it in S3 header lines.
DEFAULT_FIELDS: tuple[str, ...] = tuple(f.name for f in _FIELD_LIST if f.version == 2)
#: The default format as a space-separated field list (``--log-format`` without the ``${...}``).
DEFAULT_FORMAT = " ".join(DEFAULT_FIELDS)

#: Enumerated values per column, used to validate records.
ENUMS: dict[str, tuple[str, ...]] = {f.column: f.values for f in _FIELD_LIST if f.values}

_FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_HEADER_TOKEN_RE = re.compile(r"^[a-z][a-z0-9-]*$")
_FORMAT_TOKEN_RE = re.compile(r"\$\{([^}]*)\}")


def column_name(name: str) -> str:
    """DataFrame column name for an AWS field name (``log-status`` -> ``log_status``).

    Examples
    --------
    >>> from flownb import schema
    >>> schema.column_name("pkt-srcaddr")
    'pkt_srcaddr'
    """
    return name.strip().replace("-", "_")


def field(name: str) -> Field:
    """Look up a field by AWS name or column name.

    Raises
    ------
    KeyError
        With the closest known names when the field is unknown.

    Examples
    --------
    >>> from flownb import schema
    >>> f = schema.field("dstport")
    >>> f.name, f.version, f.insights
    ('dstport', 2, 'dstPort')
    """
    f = FIELDS.get(name) or _BY_COLUMN.get(name) or _BY_COLUMN.get(column_name(name))
    if f is None:
        import difflib

        close = difflib.get_close_matches(name, list(FIELDS) + list(_BY_COLUMN), n=3)
        hint = f"; did you mean one of {close}?" if close else ""
        raise KeyError(f"'{name}' is not a flow log field{hint}")
    return f


def dtype_for(column: str) -> str:
    """pandas dtype of a column: the registry's for known fields, ``category`` otherwise.

    Examples
    --------
    >>> from flownb import schema
    >>> schema.dtype_for("srcport"), schema.dtype_for("packets")
    ('UInt16', 'UInt64')
    """
    f = _BY_COLUMN.get(column) or FIELDS.get(column)
    return f.dtype if f is not None else STRING_DTYPE


def parse_format(spec: str | Sequence[str]) -> list[str]:
    """Turn a format into a list of AWS field names.

    Accepts an AWS format string (``"${version} ${account-id} ..."``), space
    separated names (``"version account-id"``, as in S3 header lines), or a
    list of names. Column-style names (``log_status``) are mapped back to AWS
    names when they are known. Unknown names are kept: they become string
    columns.

    Raises
    ------
    ValueError
        When the format is empty or a name is not a plausible field name.

    Examples
    --------
    >>> from flownb import schema
    >>> schema.parse_format("${version} ${srcaddr} ${log-status}")
    ['version', 'srcaddr', 'log-status']
    >>> schema.parse_format("version srcaddr log_status")
    ['version', 'srcaddr', 'log-status']
    """
    if isinstance(spec, str):
        text = spec.strip()
        tokens = _FORMAT_TOKEN_RE.findall(text) if "${" in text else text.replace(",", " ").split()
    else:
        tokens = [str(t) for t in spec]
    names: list[str] = []
    for tok in tokens:
        tok = tok.strip()
        if tok.startswith("${") and tok.endswith("}"):
            tok = tok[2:-1]
        if not _FIELD_NAME_RE.match(tok):
            raise ValueError(
                f"format: '{tok}' is not a field name; write the format as AWS does, for example "
                f"'${{version}} ${{srcaddr}}' or 'version srcaddr'"
            )
        known = FIELDS.get(tok) or _BY_COLUMN.get(tok)
        names.append(known.name if known else tok)
    if not names:
        raise ValueError("format: no fields given; for the default format pass format=None")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"format: field(s) {dupes} appear more than once")
    return names


def format_string(names: Iterable[str]) -> str:
    """AWS format string for field names (``${version} ${srcaddr}``).

    Examples
    --------
    >>> from flownb import schema
    >>> schema.format_string(["version", "srcaddr", "action"])
    '${version} ${srcaddr} ${action}'
    """
    return " ".join("${" + n + "}" for n in names)


#: The Logs Insights names AWS documents for flow log fields (default format only), in the default order
#: (CloudWatch Logs User Guide, "Supported logs and discovered fields").
DOCUMENTED_INSIGHTS_NAMES: tuple[str, ...] = (
    "version",
    "accountId",
    "interfaceId",
    "srcAddr",
    "dstAddr",
    "srcPort",
    "dstPort",
    "protocol",
    "packets",
    "bytes",
    "startTime",
    "endTime",
    "action",
    "logStatus",
)


def insights_names() -> dict[str, str]:
    """Map of Logs Insights field name -> DataFrame column, for every known field.

    Examples
    --------
    >>> insights_names()["startTime"], insights_names()["srcAddr"]
    ('start', 'srcaddr')
    """
    return {f.insights: f.column for f in _FIELD_LIST}


def looks_like_header(tokens: Sequence[str]) -> bool:
    """True when a line's tokens are a header line (field names, the first one known)."""
    if not tokens or tokens[0] not in FIELDS:
        return False
    return all(t in FIELDS or _HEADER_TOKEN_RE.match(t) for t in tokens)
