"""Flow logs straight from S3, in every delivery layout, listing only what a read needs.

AWS delivers flow logs to S3 under (VPC User Guide, "Flow log files"):

* ``[prefix/]AWSLogs/[org-id/]<account>/vpcflowlogs/<region>/YYYY/MM/DD[/HH]/``, or
* ``[prefix/]AWSLogs/[aws-organization-id=.../]aws-account-id=<account>/aws-service=vpcflowlogs/
  aws-region=<region>/year=YYYY/month=MM/day=DD[/hour=HH]/`` (Hive-compatible),

as text (``.log.gz``) or Parquet objects named with their delivery time. A read
walks these folders level by level (``ListObjectsV2`` with a ``/`` delimiter,
the folders of one level listed in parallel) and descends only into the
accounts, regions, years, months, days and hours that can hold records of the
requested range; a folder whose whole time span is inside the range is listed
in one go. Objects whose file-name time rules them out are not downloaded.
Objects are then downloaded and parsed in parallel with a bounded number in
flight, and their records filtered by time (see :mod:`flownb.io._select`).
A read builds one botocore session and one client for all its requests (its
signing and endpoint set-up are paid once, not per object), whose pool keeps a
connection alive per object in flight, reused from one object to the next.
Each object is fetched with one presigned (SigV4) GET sent on those connections,
which skips botocore's per-request pipeline; a GET that fails in any way is
asked again through ``get_object`` (retries, redirects, errors for people).
``benchmarks/s3_read.py`` measures this at S3's latency, against a reader that
fetches one object after another and against flowlogs-reader.

Use it through :func:`flownb.read_flow_logs`::

    df = flownb.read_flow_logs("s3://my-flow-logs/AWSLogs/", start="2024-05-01", end="2024-05-02",
                               accounts=["123456789012"], regions=["eu-west-1"])
"""

from __future__ import annotations

import os
import re
import warnings
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import _arrow, schema
from . import _aws
from ._engine import Errors, Input, read_frame, read_input
from ._errors import FlowLogSourceError
from ._layout import is_flow_log_name, key_info
from ._select import Selection, TimeLike
from ._text import Part

__all__ = ["list_flow_log_objects", "read_s3"]

#: Objects downloaded at once (each is held in memory only until it is parsed; parsing runs on one
#: thread per core). flownb's own choice: enough to hide S3's per-request latency (tens of ms, against
#: a few ms to parse an object), few enough to keep memory small.
WORKERS = 16
_DOWNLOAD_ATTEMPTS = 3

_YEAR = re.compile(r"^(?:year=)?(\d{4})$")
_MONTH = re.compile(r"^(?:month=)?(\d{2})$")
_DAY = re.compile(r"^(?:day=)?(\d{2})$")
_HOUR = re.compile(r"^(?:hour=)?(\d{2})$")
_ORG = re.compile(r"^(?:aws-organization-id=(.+)|(o-[a-z0-9]{10,32}))$")
_ACCOUNT = re.compile(r"^(?:aws-account-id=)?(\d{12})$")
_SERVICE = re.compile(r"^(?:aws-service=)?([A-Za-z0-9_-]+)$")
_REGION = re.compile(r"^(?:aws-region=)?([a-z]{2}(?:-[a-z]+)+-\d{1,2})$")


@dataclass(frozen=True)
class S3Object:
    """One listed object."""

    bucket: str
    key: str
    size: int

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_url(url: str) -> tuple[str, str]:
    """Bucket and key prefix of an ``s3://bucket/prefix`` URL."""
    if not url.startswith("s3://"):
        raise ValueError(f"S3 URLs must start with 's3://', got {url!r}")
    rest = url[5:]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"{url!r} names no bucket; S3 URLs look like s3://bucket/prefix/")
    return bucket, prefix


# --------------------------------------------------------------------------- where a prefix is


@dataclass(frozen=True)
class _Level:
    """What the next folder level below a prefix is, in the delivery layout."""

    kind: str  # free, org_or_account, service, region, year, month, day, hour, files
    year: int | None = None
    month: int | None = None
    day: int | None = None


def _level(prefix: str) -> _Level:
    segments = [s for s in prefix.split("/") if s]
    # Anchor at the last AWSLogs folder, or just above a Hive account folder.
    anchor = None
    for i, s in enumerate(segments):
        if s == "AWSLogs":
            anchor = i + 1
        elif s.startswith(("aws-account-id=", "aws-organization-id=")) and anchor is None:
            anchor = i
    if anchor is None:
        return _Level("free")
    rest = segments[anchor:]
    steps = ["org_or_account", "service", "region", "year", "month", "day", "hour", "files"]
    pos = 0
    year = month = day = None
    for s in rest:
        kind = steps[min(pos, len(steps) - 1)]
        if kind == "org_or_account" and _ORG.match(s) and not _ACCOUNT.match(s):
            continue  # the organisation folder; the account comes next
        if kind == "year":
            year = int(_YEAR.match(s).group(1)) if _YEAR.match(s) else None
        elif kind == "month":
            month = int(_MONTH.match(s).group(1)) if _MONTH.match(s) else None
        elif kind == "day":
            day = int(_DAY.match(s).group(1)) if _DAY.match(s) else None
        pos += 1
    return _Level(steps[min(pos, len(steps) - 1)], year, month, day)


def _span(level: _Level, name: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Delivery-time span of a date folder named ``name`` at this level (None: not a date folder)."""
    try:
        if level.kind == "year" and (m := _YEAR.match(name)):
            a = pd.Timestamp(year=int(m.group(1)), month=1, day=1, tz="UTC")
            return a, a + pd.DateOffset(years=1)
        if level.kind == "month" and level.year and (m := _MONTH.match(name)):
            a = pd.Timestamp(year=level.year, month=int(m.group(1)), day=1, tz="UTC")
            return a, a + pd.DateOffset(months=1)
        if level.kind == "day" and level.year and level.month and (m := _DAY.match(name)):
            a = pd.Timestamp(year=level.year, month=level.month, day=int(m.group(1)), tz="UTC")
            return a, a + pd.Timedelta(days=1)
        if level.kind == "hour" and level.year and level.month and level.day and (m := _HOUR.match(name)):
            a = pd.Timestamp(
                year=level.year, month=level.month, day=level.day, hour=int(m.group(1)), tz="UTC"
            )
            return a, a + pd.Timedelta(hours=1)
    except ValueError:  # month=13 and the like: not a date folder
        return None
    return None


class _Seen:
    """What a walk saw and left out, to explain an empty result."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.regions: set[str] = set()
        self.days: set[str] = set()
        self.listed = 0  # objects and folders seen in any listing


def _decide(prefix: str, child: str, sel: Selection, seen: _Seen) -> Literal["skip", "walk", "flat"]:
    """For a sub-folder of ``prefix``: skip it, walk it level by level, or list everything under it."""
    level = _level(prefix)
    name = child[len(prefix) :].rstrip("/")
    kind = level.kind
    if kind == "free":  # above the layout (a user prefix, or AWSLogs itself): nothing to prune yet
        return "walk" if sel.active else "flat"
    if kind == "org_or_account":
        m = _ACCOUNT.match(name)
        if m:
            seen.accounts.add(m.group(1))
            if not sel.keeps_account(m.group(1)):
                return "skip"
        elif not _ORG.match(name):
            return "skip"  # not part of the delivery layout (AWS writes nothing else here)
        return "walk" if (sel.timed or sel.regions is not None or not m) else "flat"
    if kind == "service":
        m = _SERVICE.match(name)
        if not m or m.group(1) != "vpcflowlogs":
            return "skip"  # other services' logs (CloudTrail, ELB, ...) share the AWSLogs prefix
        return "walk" if (sel.timed or sel.regions is not None) else "flat"
    if kind == "region":
        m = _REGION.match(name)
        if m:
            seen.regions.add(m.group(1))
            if not sel.keeps_region(m.group(1)):
                return "skip"
        return "walk" if sel.timed else "flat"
    span = _span(level, name)
    if span is None:
        return "flat" if kind != "files" else "walk"
    if kind == "day":
        seen.days.add(f"{level.year:04d}-{level.month:02d}-{int(name.rsplit('=', 1)[-1]):02d}")
    if not sel.overlaps(*span):
        return "skip"
    return "flat" if sel.covers(*span) else "walk"


# --------------------------------------------------------------------------- listing


def _list(s3: Any, bucket: str, prefix: str, delimiter: bool) -> tuple[list[S3Object], list[str]]:
    objects: list[S3Object] = []
    folders: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        kwargs["Delimiter"] = "/"
    while True:
        page = _aws.call(
            s3.list_objects_v2, permission="s3:ListBucket", resource=f"s3://{bucket}/{prefix}", **kwargs
        )
        objects.extend(S3Object(bucket, o["Key"], int(o.get("Size", 0))) for o in page.get("Contents", []))
        folders.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        if not page.get("IsTruncated"):
            return objects, folders
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def list_flow_log_objects(
    url: str,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Iterable[str] | None = None,
    regions: str | Iterable[str] | None = None,
    client: Any = None,
) -> list[S3Object]:
    """List the flow log objects under an S3 URL that can hold records of the selection.

    Parameters
    ----------
    url : str
        ``s3://bucket/prefix/`` (any level of the delivery layout, or the bucket) or one object's URL.
    start, end : time, optional
        Range of record start times, ``[start, end)``; see :func:`flownb.read_flow_logs`.
    accounts, regions : str or list of str, optional
        Account IDs and regions to read (all when None).
    client : boto3 S3 client, optional
        Made from the user's normal credentials when not given.

    Returns
    -------
    list of S3Object
        Sorted by key.

    Examples
    --------
    The objects that may hold records of a day, from a bucket holding two (moto's in-process stand-in for
    S3 here; with AWS, leave ``client`` out):

    >>> import boto3
    >>> from moto import mock_aws
    >>> prefix = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/06/"
    >>> name = "123456789012_vpcflowlogs_us-east-1_fl-0_2025060{}T0000Z_0000.log.gz"
    >>> with mock_aws():
    ...     s3 = boto3.client("s3", region_name="us-east-1")
    ...     _ = s3.create_bucket(Bucket="my-flow-logs")
    ...     for day in (2, 9):
    ...         key = f"{prefix}0{day}/" + name.format(day)
    ...         _ = s3.put_object(Bucket="my-flow-logs", Key=key, Body=b"x" * 100)
    ...     objects = list_flow_log_objects("s3://my-flow-logs/AWSLogs/", start="2025-06-09",
    ...                                     end="2025-06-10", client=s3)
    >>> [(o.key.rsplit("_", 2)[1], o.size) for o in objects]
    [('20250609T0000Z', 100)]
    """
    sel = Selection.make(start, end, accounts, regions)
    return _walk(url, sel, client or _aws.client("s3", max_pool_connections=WORKERS + 4), _Seen())


def _walk(url: str, sel: Selection, s3: Any, seen: _Seen) -> list[S3Object]:
    bucket, prefix = parse_url(url)
    found: list[S3Object] = []
    if prefix and not prefix.endswith("/"):
        # An object, a folder given without its slash, or a key prefix.
        objects, folders = _list(s3, bucket, prefix, delimiter=True)
        seen.listed += len(objects) + len(folders)
        exact = [o for o in objects if o.key == prefix]
        if exact:
            return exact
        if folders == [prefix + "/"] and not objects:
            prefix = prefix + "/"
        else:
            found.extend(objects)
            frontier = [(f, "walk" if sel.active else "flat") for f in folders]
            return _finish_walk(s3, bucket, frontier, found, sel, seen)
    return _finish_walk(s3, bucket, [(prefix, "walk" if sel.active else "flat")], found, sel, seen)


def _finish_walk(
    s3: Any, bucket: str, frontier: list[tuple[str, str]], found: list[S3Object], sel: Selection, seen: _Seen
) -> list[S3Object]:
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="flownb-list") as pool:
        while frontier:
            results = list(
                pool.map(lambda item: (item, _list(s3, bucket, item[0], item[1] == "walk")), frontier)
            )
            frontier = []
            for (prefix, _mode), (objects, folders) in results:
                seen.listed += len(objects) + len(folders)
                found.extend(objects)
                for child in folders:
                    how = _decide(prefix, child, sel, seen)
                    if how != "skip":
                        frontier.append((child, how))
    keep = [
        o
        for o in found
        if is_flow_log_name(o.key) and o.size > 0 and not _other_service(o.key) and sel.keeps_key(o.key)
    ]
    return sorted(keep, key=lambda o: o.key)


_SERVICE_IN_KEY = re.compile(
    r"(?:AWSLogs/(?:o-[a-z0-9]+/)?\d{12}/(?P<classic>[^/]+)/|/?aws-service=(?P<hive>[^/]+)/)"
)


def _other_service(key: str) -> bool:
    """True for another service's logs delivered beside flow logs (CloudTrail, ELB, ...)."""
    m = _SERVICE_IN_KEY.search(key)
    return bool(m) and (m["classic"] or m["hive"]) != "vpcflowlogs"


# --------------------------------------------------------------------------- reading


#: Clients whose presigned GET failed once: their objects go through ``get_object`` from then on.
_SLOW_CLIENTS: weakref.WeakSet[Any] = weakref.WeakSet()
#: Seconds a presigned GET stays valid: it is sent at once, so any short time does.
_PRESIGN_SECONDS = 900


def _presigned_get(s3: Any, obj: S3Object) -> bytes | None:
    """The object's bytes through a presigned GET on the client's own connections; None if that fails.

    ``get_object`` spends about 1.5 ms of CPU per object in botocore's request pipeline (event hooks,
    retry bookkeeping, parsing the response's headers into Python values), a sixth of what reading a
    5,000-record object costs. A presigned URL (SigV4, signed by the same client, so with the same
    credentials, endpoint and addressing) sent through the client's HTTP session skips it and costs
    about a third as much. The client's ``before-send`` handlers still see the request (as they see
    every request botocore sends), so stubs and moto answer it. Anything but a complete 200 answer
    gives None, and the caller asks again through ``get_object``, which retries, follows region
    redirects and raises botocore's errors; after such a failure the client uses only ``get_object``.
    """
    if s3 in _SLOW_CLIENTS:
        return None
    endpoint = getattr(s3, "_endpoint", None)
    session = getattr(endpoint, "http_session", None)
    if session is None:  # a botocore without the attributes this relies on: the usual path
        _SLOW_CLIENTS.add(s3)
        return None
    from botocore.awsrequest import AWSRequest
    from botocore.hooks import first_non_none_response

    try:
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": obj.bucket, "Key": obj.key}, ExpiresIn=_PRESIGN_SECONDS
        )
        request = AWSRequest(method="GET", url=url).prepare()
        answer = first_non_none_response(s3.meta.events.emit("before-send.s3.GetObject", request=request))
        response = answer if answer is not None else session.send(request)
        if response.status_code == 200:
            body = response.content
            size = response.headers.get("content-length")
            if size is None or int(size) == len(body):
                return body
    except Exception:  # whatever went wrong, get_object asks again and reports it
        pass
    _SLOW_CLIENTS.add(s3)
    return None


def _download(s3: Any, obj: S3Object) -> bytes:
    data = _presigned_get(s3, obj)
    if data is not None:
        return data
    from botocore.exceptions import (
        ConnectionClosedError,
        IncompleteReadError,
        ReadTimeoutError,
        ResponseStreamingError,
    )

    for attempt in range(_DOWNLOAD_ATTEMPTS):
        response = _aws.call(
            s3.get_object, permission="s3:GetObject", resource=obj.url, Bucket=obj.bucket, Key=obj.key
        )
        try:
            return response["Body"].read()
        except (ResponseStreamingError, IncompleteReadError, ReadTimeoutError, ConnectionClosedError):
            if attempt == _DOWNLOAD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _with_key_columns(table: pa.Table, obj: S3Object) -> pa.Table:
    """Fill account_id and region from the key when the records do not carry them."""
    info = key_info(obj.key)
    for column, value in (("account_id", info.account_id), ("region", info.region)):
        if value is not None and column not in table.column_names:
            arr = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(table.num_rows, np.int32)), pa.array([value], pa.string())
            )
            table = table.append_column(pa.field(column, _arrow.DICT), arr)
    return table


def _read_object(
    s3: Any, obj: S3Object, names: list[str] | None, sel: Selection, parsing: ThreadPoolExecutor
) -> Part:
    from botocore.exceptions import ClientError

    try:
        data = _download(s3, obj)
    except ClientError as exc:
        if _aws.error_code(exc) not in ("NoSuchKey", "404"):
            raise
        cols = [schema.column_name(n) for n in (names or schema.DEFAULT_FIELDS)]
        why = "the object was deleted between listing and reading (NoSuchKey); skipped"
        return Part(_arrow.empty_table(cols), [], [(obj.url, 0, why, "")], [obj.url])
    # Downloads overlap freely; parsing is CPU work, done by one thread per core, so the memory it
    # needs comes and goes in a few threads' heaps instead of spreading over every download thread's.
    return parsing.submit(_parse_object, obj, data, names, sel).result()


def _parse_object(obj: S3Object, data: bytes, names: list[str] | None, sel: Selection) -> Part:
    part = read_input(Input(name=obj.url, data=data), names)
    part.table = _with_key_columns(part.table, obj)
    return sel.filter_part(part)


def read_s3(
    url: str | Sequence[str],
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Iterable[str] | None = None,
    regions: str | Iterable[str] | None = None,
    format: str | Sequence[str] | None = None,
    errors: Errors = "warn",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Read the flow logs under an S3 URL; the S3 half of :func:`flownb.read_flow_logs`.

    See :func:`flownb.read_flow_logs` for the parameters. Needs ``s3:ListBucket``
    on the bucket and ``s3:GetObject`` on the objects.

    Examples
    --------
    A quarter of an hour of the VPC twin in a bucket, laid out as AWS delivers it, and five minutes of it
    read back (moto's in-process stand-in for S3 here; with AWS, the same call without ``mock_aws``):

    >>> import tempfile
    >>> from pathlib import Path
    >>> import boto3, flownb
    >>> from moto import mock_aws
    >>> sim = flownb.simulate("baseline", duration="15min", scale=0.1)
    >>> folder = Path(tempfile.mkdtemp())
    >>> files = sim.write(str(folder))  # AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/*.log.gz
    >>> with mock_aws():
    ...     s3 = boto3.client("s3", region_name="us-east-1")
    ...     _ = s3.create_bucket(Bucket="my-flow-logs")
    ...     for f in files:
    ...         s3.upload_file(f, "my-flow-logs", str(Path(f).relative_to(folder)))
    ...     df = read_s3("s3://my-flow-logs/AWSLogs/", start="2025-06-02T00:05Z", end="2025-06-02T00:10Z",
    ...                  progress=False)
    >>> len(sim.flows), len(df), str(df["start"].min()), str(df["start"].max())
    (160, 60, '2025-06-02 00:05:08+00:00', '2025-06-02 00:09:53+00:00')
    """
    sel = Selection.make(start, end, accounts, regions)
    names = schema.parse_format(format) if format is not None else None
    s3 = _aws.client("s3", max_pool_connections=WORKERS + 4)
    seen = _Seen()
    urls = [url] if isinstance(url, str) else list(dict.fromkeys(url))
    objects = sorted(
        {o.url: o for u in urls for o in _walk(u, sel, s3, seen)}.values(), key=lambda o: (o.bucket, o.key)
    )
    url = ", ".join(urls)
    if not objects:
        if seen.listed == 0:
            raise FlowLogSourceError(
                f"{url}: no objects under this prefix. Check the bucket and prefix "
                "(flow logs are delivered under .../AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/)."
            )
        if errors != "ignore":
            warnings.warn(_nothing_selected(url, sel, seen), _aws.FlowLogSourceWarning, stacklevel=3)
    with ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="flownb-parse") as parsing:
        return read_frame(
            objects,
            names,
            errors=errors,
            progress=progress,
            workers=min(WORKERS, max(len(objects), 1)),
            read=lambda obj, names: _read_object(s3, obj, names, sel, parsing),
            total_desc="S3 objects",
            stacklevel=4,
        )


def _nothing_selected(url: str, sel: Selection, seen: _Seen) -> str:
    wanted = []
    if sel.timed:
        wanted.append(f"from {sel.start or 'the beginning'} to {sel.end or 'now'}")
    if sel.accounts is not None:
        wanted.append(f"accounts {sorted(sel.accounts)}")
    if sel.regions is not None:
        wanted.append(f"regions {sorted(sel.regions)}")
    found = []
    if seen.accounts:
        found.append(f"accounts {sorted(seen.accounts)}")
    if seen.regions:
        found.append(f"regions {sorted(seen.regions)}")
    if seen.days:
        days = sorted(seen.days)
        found.append(f"days {days[0]} to {days[-1]}" if len(days) > 1 else f"day {days[0]}")
    there = f" The prefix holds {', '.join(found)}." if found else ""
    return f"{url}: no flow log objects match {' and '.join(wanted) or 'the filters'}.{there} Read 0 records."
