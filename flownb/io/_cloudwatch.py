"""Flow logs in CloudWatch Logs: read a log group's events, or run a Logs Insights query there.

When flow logs are published to CloudWatch Logs, each ENI (or transit gateway
attachment) gets its own log stream in the log group and each record is one
log event whose message is the record text (VPC User Guide, "Publish flow logs
to CloudWatch Logs"). :func:`read_cloudwatch` pages through ``FilterLogEvents``
and parses the messages with the same typed parser as files; the record format
is looked up with ``ec2:DescribeFlowLogs`` when not given. :func:`query_cloudwatch`
runs a Logs Insights query in CloudWatch (``StartQuery``, then
``GetQueryResults`` until it completes) for comparison with :func:`flownb.query`.

Both need boto3 (the ``aws`` extra: ``pip install 'boto3>=1.34'``) and the user's normal AWS
credentials and region.
"""

from __future__ import annotations

import contextlib
import difflib
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from .._provenance import Provenance, attach, provenance_of
from . import _aws
from ._engine import Errors, finish
from ._errors import FlowLogSourceError
from ._exports import parse_events
from ._select import Selection, TimeLike

__all__ = ["query_cloudwatch", "read_cloudwatch"]

_ERRORS = ("raise", "warn", "ignore")

#: Log stream names per FilterLogEvents request (the API's limit).
_STREAMS_PER_CALL = 100
#: Event times (milliseconds) are searched this much beyond ``end``: AWS stamps a flow log event with
#: a time inside the record's aggregation interval (up to 10 minutes), so a record that starts
#: before ``end`` may carry a later event time. Records are then filtered by their own ``start``.
_EVENT_TIME_SLACK = pd.Timedelta(minutes=11)


def _ms(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000_000)


def _format_for(ec2: Any, log_group: str) -> tuple[list[str], str | None]:
    """The record format of the flow logs that publish to a log group, and a note when it was assumed."""
    from botocore.exceptions import BotoCoreError, ClientError

    formats: list[str] = []
    try:
        kwargs: dict[str, Any] = {"Filters": [{"Name": "log-group-name", "Values": [log_group]}]}
        while True:
            page = _aws.call(
                ec2.describe_flow_logs, permission="ec2:DescribeFlowLogs", resource=log_group, **kwargs
            )
            formats.extend(f["LogFormat"] for f in page.get("FlowLogs", []) if f.get("LogFormat"))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    except _aws.FlowLogAccessError as exc:
        return list(schema.DEFAULT_FIELDS), (
            f"{log_group}: could not look up the flow log's record format, because {exc.permission or 'ec2:DescribeFlowLogs'} "
            "is not allowed; the default format is assumed. If the records use a custom format, pass it as "
            "format='${version} ${account-id} ...'."
        )
    except (ClientError, BotoCoreError, FlowLogSourceError) as exc:
        return list(schema.DEFAULT_FIELDS), (
            f"{log_group}: could not look up the flow log's record format ({exc}); the default format is "
            "assumed. Pass format='...' if the records use another one."
        )
    distinct = list(dict.fromkeys(formats))
    if not distinct:
        return list(schema.DEFAULT_FIELDS), (
            f"{log_group}: no flow log in this account and region publishes to this log group "
            "(ec2:DescribeFlowLogs), so the default format is assumed. Pass format='...' if the records "
            "use another one."
        )
    note = None
    if len(distinct) > 1:
        note = (
            f"{log_group}: {len(distinct)} flow logs with different formats publish to this log group; "
            f"reading with the first one ({distinct[0]}). Pass format='...' to choose."
        )
    return schema.parse_format(distinct[0]), note


def _missing_group(logs: Any, log_group: str) -> FlowLogSourceError:
    hint = ""
    try:
        names: list[str] = []
        for page in logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"MaxItems": 500}):
            names.extend(g["logGroupName"] for g in page.get("logGroups", []))
        close = difflib.get_close_matches(log_group, names, n=3, cutoff=0.5)
        flow = [n for n in names if "flow" in n.lower()][:5]
        if close:
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?"
        elif flow:
            hint = f" Log groups with 'flow' in their name: {', '.join(repr(c) for c in flow)}."
    except Exception:  # the hint is a courtesy: never hide the real problem behind another one
        pass
    region = getattr(getattr(logs, "meta", None), "region_name", "?")
    return FlowLogSourceError(
        f"CloudWatch Logs log group {log_group!r} does not exist in region {region} for these credentials."
        f"{hint} Check the name, the region (AWS_REGION) and the account."
    )


def read_cloudwatch(
    log_group: str,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    log_stream_names: Sequence[str] | None = None,
    log_stream_prefix: str | None = None,
    filter_pattern: str | None = None,
    format: str | Sequence[str] | None = None,
    progress: bool = True,
    errors: Errors = "warn",
) -> pd.DataFrame:
    """Read flow log records from a CloudWatch Logs log group.

    Parameters
    ----------
    log_group : str
        Name of the log group the flow log publishes to.
    start, end : datetime, pandas Timestamp, ISO-8601 string or Unix seconds, optional
        Keep the records whose ``start`` is in ``[start, end)`` (naive times are UTC).
        Events are searched by their time (from ``start`` to a few minutes after
        ``end``, as an event can be stamped later than its record's start).
    log_stream_names : list of str, optional
        Read only these log streams (one per ENI: ``eni-0123...-all``).
    log_stream_prefix : str, optional
        Read only the log streams whose name starts with this (not with ``log_stream_names``).
    filter_pattern : str, optional
        A CloudWatch Logs filter pattern applied by CloudWatch (``"REJECT"``,
        ``"[version, account, eni, source, destination, srcport, destport=22, ...]"``).
    format : str or list of str, optional
        Record format. ``None``: looked up with ``ec2:DescribeFlowLogs`` for this
        log group; if that is not allowed, the default format is assumed and a
        :class:`FlowLogSourceWarning` says so.
    progress : bool, default True
        Show a progress bar (a widget in Jupyter, text in a terminal) counting events.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with events that cannot be parsed, as in :func:`flownb.read_flow_logs`.
        Bad events are listed in ``df.flow.bad_lines`` with the source
        ``"<log group> [<log stream>]"`` and their event number in that stream (1-based).

    Returns
    -------
    pandas.DataFrame
        The record fields typed per the DataFrame contract, then ``log_stream``
        (category), ``timestamp`` and ``ingestion_time`` (the events' times, UTC,
        millisecond resolution; Logs Insights' ``@logStream``, ``@timestamp`` and
        ``@ingestionTime``).

    Raises
    ------
    FlowLogSourceError
        The log group does not exist (with the closest names), or AWS kept throttling.
    FlowLogAccessError
        No credentials, or ``logs:FilterLogEvents`` is not allowed.

    Examples
    --------
    AWS's two example records as events of one ENI's log stream, read back (moto's in-process stand-in
    for CloudWatch Logs here, in a Region of its own; with AWS, the same call without the ``with``):

    >>> import os, time
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> import boto3, flownb
    >>> from moto import mock_aws
    >>> lines = Path(flownb.samples.path("aws-docs/default-accept-reject")).read_text().splitlines()[1:]
    >>> stream = "eni-1235b8ca123456789-all"
    >>> with mock_aws(), mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
    ...     logs = boto3.client("logs")
    ...     _ = logs.create_log_group(logGroupName="/vpc/flow-logs")
    ...     _ = logs.create_log_stream(logGroupName="/vpc/flow-logs", logStreamName=stream)
    ...     events = [{"timestamp": int(time.time()) * 1000, "message": line} for line in lines]
    ...     _ = logs.put_log_events(logGroupName="/vpc/flow-logs", logStreamName=stream, logEvents=events)
    ...     df = flownb.read_cloudwatch("/vpc/flow-logs", format=flownb.schema.DEFAULT_FORMAT, progress=False)
    >>> df[["srcaddr", "dstport", "action", "log_stream"]].values.tolist()
    [['172.31.16.139', 22, 'ACCEPT', 'eni-1235b8ca123456789-all'], ['172.31.9.69', 3389, 'REJECT', 'eni-1235b8ca123456789-all']]
    """
    if errors not in _ERRORS:
        raise ValueError(f"'errors' must be one of {list(_ERRORS)}, got {errors!r}")
    if log_stream_names is not None and log_stream_prefix is not None:
        raise ValueError(
            "pass either 'log_stream_names' or 'log_stream_prefix', not both (CloudWatch Logs accepts one)"
        )
    if isinstance(log_stream_names, str):
        log_stream_names = [log_stream_names]
    sel = Selection.make(start, end)
    logs = _aws.client("logs")
    if format is not None:
        names, note = schema.parse_format(format), None
    else:
        names, note = _format_for(_aws.client("ec2"), log_group)
    if note and errors != "ignore":
        warnings.warn(note, _aws.FlowLogSourceWarning, stacklevel=2)

    base: dict[str, Any] = {"logGroupName": log_group}
    if sel.start is not None:
        base["startTime"] = _ms(sel.start)
    if sel.end is not None:
        base["endTime"] = _ms(sel.end + _EVENT_TIME_SLACK)
    if filter_pattern:
        base["filterPattern"] = filter_pattern
    if log_stream_prefix:
        base["logStreamNamePrefix"] = log_stream_prefix
    batches: list[dict[str, Any]] = [base]
    if log_stream_names:
        names_list = list(log_stream_names)
        batches = [
            {**base, "logStreamNames": names_list[i : i + _STREAMS_PER_CALL]}
            for i in range(0, len(names_list), _STREAMS_PER_CALL)
        ]

    messages: list[str] = []
    streams: list[str] = []
    stamps: list[int] = []
    ingested: list[int] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"Reading {log_group}", unit=" events")
    try:
        for kwargs in batches:
            while True:
                try:
                    page = _aws.call(
                        logs.filter_log_events,
                        permission="logs:FilterLogEvents",
                        resource=log_group,
                        **kwargs,
                    )
                except Exception as exc:
                    if _aws.error_code(exc) == "ResourceNotFoundException":
                        raise _missing_group(logs, log_group) from exc
                    raise
                events = page.get("events", [])
                for e in events:
                    stream = e.get("logStreamName", "")
                    if log_stream_prefix and not stream.startswith(log_stream_prefix):
                        continue
                    messages.append(e.get("message", ""))
                    streams.append(stream)
                    stamps.append(int(e.get("timestamp", 0)))
                    ingested.append(int(e.get("ingestionTime", 0)))
                if bar is not None:
                    bar.update(len(events))
                token = page.get("nextToken")
                if not token or token == kwargs.get("nextToken"):
                    break
                kwargs = {**kwargs, "nextToken": token}
    finally:
        if bar is not None:
            bar.close()
    return _frame(log_group, messages, streams, stamps, ingested, names, sel, errors)


def _frame(
    log_group: str,
    messages: list[str],
    streams: list[str],
    stamps: list[int],
    ingested: list[int],
    names: list[str],
    sel: Selection,
    errors: Errors,
) -> pd.DataFrame:
    stream_arr = np.asarray(streams, dtype=object)
    # Each event is numbered within its stream, in the order read (1-based).
    numbers = (
        pd.Series(stream_arr, dtype=object).groupby(stream_arr, sort=False).cumcount().to_numpy() + 1
        if len(stream_arr)
        else np.zeros(0, dtype=np.int64)
    )
    labels = {s: f"{log_group} [{s}]" for s in dict.fromkeys(streams)}
    part, kept = parse_events(
        messages, log_group, names, numbers=numbers, sources=[labels[s] for s in streams]
    )
    part.sources = list(labels.values()) or [log_group]
    if errors == "raise" and part.bad:
        from ._errors import FlowLogParseError

        src, line, reason, text = part.bad[0]
        raise FlowLogParseError(src, line, reason, text)
    df = finish([part], errors, stacklevel=4)
    prov = provenance_of(df)
    df["log_stream"] = pd.Categorical(stream_arr[kept]) if len(kept) else pd.Categorical([])
    for column, values in (("timestamp", stamps), ("ingestion_time", ingested)):
        ms = np.asarray(values, dtype=np.int64)[kept].astype("datetime64[ms]")
        df[column] = pd.Series(ms, index=df.index).dt.tz_localize("UTC")
    if sel.timed:
        # Records are filtered by their start; a format without start has only the event time.
        t = df["start"] if "start" in df else df["timestamp"]
        keep = pd.Series(True, index=df.index)
        if sel.start is not None:
            keep &= t >= sel.start
        if sel.end is not None:
            keep &= t < sel.end
        df = df[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
    attach(df, Provenance(prov.bad_lines, prov.formats, prov.sources, prov.notes))
    return df


# --------------------------------------------------------------------------- Logs Insights in CloudWatch

_DONE = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}


def query_cloudwatch(
    log_group: str | Sequence[str],
    query: str,
    start: TimeLike,
    end: TimeLike,
    *,
    timeout: float = 120.0,
    poll_interval: float = 1.0,
    limit: int | None = None,
) -> pd.DataFrame:
    """Run a CloudWatch Logs Insights query in CloudWatch and return its results as a DataFrame.

    Parameters
    ----------
    log_group : str or list of str
        Log group(s) to query.
    query : str
        The query, in the Logs Insights query language (the same text
        :func:`flownb.query` runs locally).
    start, end : datetime, pandas Timestamp, ISO-8601 string or Unix seconds
        Time range of the events searched (naive times are UTC).
    timeout : float, default 120
        Seconds to wait for the query to complete before stopping it and raising
        ``TimeoutError`` (CloudWatch itself stops queries after 60 minutes).
    poll_interval : float, default 1
        Seconds between ``GetQueryResults`` calls while the query runs.
    limit : int, optional
        Most rows to return (CloudWatch's default is 1,000, its maximum 10,000).

    Returns
    -------
    pandas.DataFrame
        One column per result field in the order CloudWatch returns them (the
        hidden ``@ptr`` left out), typed like :func:`flownb.query`'s results:
        flow log fields get their contract dtype (``dstPort`` ``UInt16``),
        ``@timestamp`` and ``bin(...)`` UTC timestamps, other numbers ``Int64``
        or ``Float64``, ``@message`` ``str``, other text ``category``. ``df.attrs["cloudwatch"]``
        holds the query id and CloudWatch's statistics (records matched and
        scanned, bytes scanned).

    Raises
    ------
    ValueError
        CloudWatch rejected the query (its message says where).
    TimeoutError
        The query did not complete within ``timeout`` seconds (it is stopped).

    Examples
    --------
    AWS's two example records as events of the last minute, queried (moto's in-process stand-in for
    CloudWatch Logs here, in a Region of its own; with AWS, the same call without the ``with``):

    >>> import os, time
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> import boto3, flownb
    >>> from moto import mock_aws
    >>> lines = Path(flownb.samples.path("aws-docs/default-accept-reject")).read_text().splitlines()[1:]
    >>> now = int(time.time())
    >>> with mock_aws(), mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
    ...     logs = boto3.client("logs")
    ...     _ = logs.create_log_group(logGroupName="/vpc/flow-logs")
    ...     _ = logs.create_log_stream(logGroupName="/vpc/flow-logs", logStreamName="eni-1235b8ca123456789-all")
    ...     events = [{"timestamp": now * 1000, "message": line} for line in lines]
    ...     _ = logs.put_log_events(logGroupName="/vpc/flow-logs", logStreamName="eni-1235b8ca123456789-all",
    ...                             logEvents=events)
    ...     found = flownb.query_cloudwatch("/vpc/flow-logs", "fields @timestamp, @message | limit 5",
    ...                                     start=now - 60, end=now + 60)
    >>> sorted(message.split()[12] for message in found["@message"])  # the action field
    ['ACCEPT', 'REJECT']
    >>> str(found["@timestamp"].dtype)
    'datetime64[ms, UTC]'
    """
    sel = Selection.make(start, end)
    lo, hi = sel.start, sel.end
    if lo is None or hi is None:
        raise ValueError("'start' and 'end' are required: Logs Insights queries need a time range")
    groups = [log_group] if isinstance(log_group, str) else list(log_group)
    logs = _aws.client("logs")
    kwargs: dict[str, Any] = {
        "logGroupNames": groups,
        "startTime": int(lo.timestamp()),
        "endTime": int(np.ceil(hi.timestamp())),
        "queryString": query,
    }
    if limit is not None:
        kwargs["limit"] = int(limit)
    resource = ", ".join(groups)
    try:
        started = _aws.call(logs.start_query, permission="logs:StartQuery", resource=resource, **kwargs)
    except Exception as exc:
        code = _aws.error_code(exc)
        if code == "ResourceNotFoundException":
            raise _missing_group(logs, groups[0]) from exc
        if code in ("MalformedQueryException", "InvalidParameterException"):
            detail = exc.response.get("Error", {}).get("Message", str(exc))  # type: ignore[attr-defined]
            raise ValueError(f"CloudWatch rejected the query: {detail}\n    {query}") from exc
        raise
    query_id = started["queryId"]
    deadline = time.monotonic() + timeout
    while True:
        result = _aws.call(
            logs.get_query_results, permission="logs:GetQueryResults", resource=resource, queryId=query_id
        )
        status = result.get("status", "Unknown")
        if status in _DONE:
            break
        if time.monotonic() >= deadline:
            # Stopping is best effort: the timeout is what the user must hear about.
            with contextlib.suppress(Exception):
                _aws.client("logs", max_attempts=1).stop_query(queryId=query_id)
            raise TimeoutError(
                f"The Logs Insights query on {resource} did not complete within {timeout:g} s and was "
                "stopped. Pass a larger timeout=, or a shorter time range."
            )
        time.sleep(poll_interval)
    if status != "Complete":
        raise ValueError(
            f"The Logs Insights query on {resource} ended with status {status!r}. Check the query in the "
            f"CloudWatch console (query id {query_id}).\n    {query}"
        )
    df = _results_frame(result.get("results", []))
    df.attrs["cloudwatch"] = {"query_id": query_id, **dict(result.get("statistics", {}))}
    return df


def _results_frame(rows: list[list[dict[str, str]]]) -> pd.DataFrame:
    """CloudWatch's result rows as a frame typed like :func:`flownb.query`'s.

    Flow log fields (by their Insights name: ``srcAddr``, ``dstPort``) get
    their contract dtype; ``@timestamp``-like fields and ``bin(...)`` become UTC
    timestamps; other numbers ``Int64`` or ``Float64``; ``@message`` ``str``; other
    text ``category``.
    """
    records = [{c["field"]: c.get("value") for c in row if c.get("field") != "@ptr"} for row in rows]
    columns: list[str] = []
    for r in records:
        columns.extend(k for k in r if k not in columns)
    df = pd.DataFrame(records, columns=columns, dtype=object)
    fields = schema.insights_names()
    for col in columns:
        values = df[col].where(df[col].notna() & (df[col] != ""), None)
        if col in ("@timestamp", "@ingestionTime"):
            df[col] = _times(values).astype("datetime64[ms, UTC]")
        elif col.startswith("bin("):
            df[col] = _times(values).astype("datetime64[s, UTC]")
        elif col in fields and schema.dtype_for(fields[col]) != schema.STRING_DTYPE:
            dtype = schema.dtype_for(fields[col])
            if dtype == schema.TIMESTAMP_DTYPE:
                df[col] = pd.to_datetime(pd.to_numeric(values), unit="s", utc=True).astype(dtype)
            else:
                df[col] = pd.to_numeric(values).astype(dtype)
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            if len(values) and numbers.notna().sum() == values.notna().sum() and values.notna().any():
                is_int = bool((numbers.dropna() % 1 == 0).all())
                df[col] = numbers.astype("Int64") if is_int else numbers.astype("Float64")
            elif col == "@message":  # one per event: categories make no sense
                df[col] = values.astype("str")
            else:
                df[col] = values.astype("category")
    return df


def _times(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    if len(text) and text.str.fullmatch(r"\d{10,16}").fillna(True).all():  # epoch ms (some emulators)
        return pd.to_datetime(pd.to_numeric(text), unit="ms", utc=True)
    return pd.to_datetime(text, utc=True, format="ISO8601")
