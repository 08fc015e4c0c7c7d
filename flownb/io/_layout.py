"""Where flow log files sit: the S3 delivery layouts, on disk or as object keys.

AWS delivers flow logs to S3 under one of two prefixes (VPC User Guide,
"Flow log files" for Amazon S3):

* classic: ``[prefix/]AWSLogs/[aws-organization-id/]<account>/vpcflowlogs/<region>/YYYY/MM/DD[/HH]/<file>``
* Hive-compatible: ``[prefix/]AWSLogs/[aws-organization-id=.../]aws-account-id=<account>/aws-service=vpcflowlogs/
  aws-region=<region>/year=YYYY/month=MM/day=DD[/hour=HH]/<file>``

and names each object ``<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz``
(or ``.parquet``). This module turns a path or key into those parts, so readers
can fill account and region, and prune by time without opening objects.

Examples
--------
>>> info = key_info("AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/"
...                 "123456789012_vpcflowlogs_us-east-1_fl-0abc_20240501T1205Z_ab12cd34.log.gz")
>>> info.account_id, info.region, info.file_time.isoformat()
('123456789012', 'us-east-1', '2024-05-01T12:05:00+00:00')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["KeyInfo", "is_flow_log_name", "key_info"]

_CLASSIC = re.compile(
    r"AWSLogs/(?:(?P<org>o-[a-z0-9]+)/)?(?P<account>\d{12})/vpcflowlogs/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})(?:/(?P<h>\d{2}))?/"
)
_HIVE = re.compile(
    r"(?:aws-organization-id=(?P<org>[^/]+)/)?aws-account-id=(?P<account>\d{12})/aws-service=vpcflowlogs/"
    r"aws-region=(?P<region>[a-z0-9-]+)/year=(?P<y>\d{4})/month=(?P<m>\d{2})/day=(?P<d>\d{2})"
    r"(?:/hour=(?P<h>\d{2}))?/"
)
_FILE = re.compile(
    r"(?P<account>\d{12})_vpcflowlogs_(?P<region>[a-z0-9-]+)_(?P<flowlog>fl-[0-9a-f]+)_"
    r"(?P<ts>\d{8}T\d{4}Z)_(?P<hash>[0-9a-f]+)"
)


@dataclass(frozen=True)
class KeyInfo:
    """What a delivery path says about its records."""

    layout: str | None = None  # "classic", "hive" or None
    account_id: str | None = None
    region: str | None = None
    organization_id: str | None = None
    day: datetime | None = None
    hour: int | None = None
    flow_log_id: str | None = None
    file_time: datetime | None = None


def key_info(key: str) -> KeyInfo:
    """Parse an S3 key or a local path laid out the way flow logs are delivered."""
    key = key.replace("\\", "/")
    parts: dict[str, object] = {}
    for layout, rx in (("classic", _CLASSIC), ("hive", _HIVE)):
        m = rx.search(key)
        if m:
            parts.update(
                layout=layout,
                account_id=m["account"],
                region=m["region"],
                organization_id=m["org"],
                day=datetime(int(m["y"]), int(m["m"]), int(m["d"]), tzinfo=UTC),
                hour=int(m["h"]) if m["h"] else None,
            )
            break
    fm = _FILE.search(key.rsplit("/", 1)[-1])
    if fm:
        parts.setdefault("account_id", fm["account"])
        parts.setdefault("region", fm["region"])
        parts["flow_log_id"] = fm["flowlog"]
        parts["file_time"] = datetime.strptime(fm["ts"], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    return KeyInfo(**parts)  # type: ignore[arg-type]


_SKIP_SUFFIXES = (".md5", ".crc", ".tmp", ".swp", ".pyc")


def is_flow_log_name(name: str) -> bool:
    """False for files that are never flow logs (hidden files, checksums, editor droppings)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return bool(base) and not base.startswith((".", "_SUCCESS")) and not base.endswith(_SKIP_SUFFIXES)
