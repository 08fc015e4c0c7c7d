"""The layout of a flownb Parquet store, shared by :func:`ingest` and :func:`open_dataset`.

A store is a folder::

    flownb-store.json                 marks the folder as a store (format version)
    _manifest.jsonl                   one JSON line per ingested source, appended when it is complete
    _bad_lines/<id>.parquet           the lines of that source that could not be parsed (source, line, reason, text)
    _notes/<id>.parquet               values of NODATA/SKIPDATA records set to missing (source, line, what)
    AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/
            year=YYYY/month=MM/day=DD/hour=HH/part-<id>.parquet

The data folders are AWS's Hive-compatible S3 layout (VPC User Guide, "Flow log
files"), and the files hold AWS's Parquet column names and types (VPC User Guide,
"Parquet data types": INT_32 ports and codes, INT_64 counters and times in Unix
seconds, STRING otherwise), so a store uploaded to S3 is read by the same
Athena table as AWS-delivered Parquet. Unlike AWS, whose folders are named by
*delivery* time, a store's hour folder is the hour of each record's ``start``.

The manifest is the commit log: a source's files are visible to
:func:`open_dataset` only once its line is written, and the last line of a
source wins. Files that no line names (left by an interrupted ingest) are never
read, and are deleted by the next ingest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import schema

__all__ = ["MANIFEST", "MARKER", "data_type", "is_store", "read_manifest"]

MARKER = "flownb-store.json"
MANIFEST = "_manifest.jsonl"
BAD_LINES = "_bad_lines"
NOTES = "_notes"
DATA = "AWSLogs"
STORE_VERSION = 1

_PARQUET_TYPES = {"INT_32": pa.int32(), "INT_64": pa.int64()}


def data_type(column: str) -> pa.DataType:
    """The Parquet (Arrow) type AWS writes for a column; strings for fields the registry does not know."""
    try:
        f = schema.field(column)
    except KeyError:
        return pa.string()
    return _PARQUET_TYPES.get(f.parquet, pa.string())


def is_store(path: str | os.PathLike) -> bool:
    """True when ``path`` is a folder written by :func:`flownb.ingest`."""
    return (Path(path) / MARKER).is_file()


def read_manifest(store: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The latest complete manifest entry of each source (source name -> entry).

    A last line cut short by an interrupted ingest is not an entry.
    """
    path = Path(store) / MANIFEST
    out: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # cut short: that source is not complete
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[entry["source"]] = entry
    return out


def partition_dir(account: str, region: str, hour: int) -> str:
    """The data folder (relative to the store) of an account, a region and an hour (Unix hours)."""
    import datetime as _dt

    t = _dt.datetime.fromtimestamp(hour * 3600, tz=_dt.UTC)
    return (
        f"{DATA}/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/"
        f"year={t:%Y}/month={t:%m}/day={t:%d}/hour={t:%H}"
    )
