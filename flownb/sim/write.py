"""Write simulated records the way AWS delivers them: S3 text, S3 Hive prefixes, Parquet, CloudWatch streams.

Facts used (VPC User Guide, "Flow log files" and "Publish flow logs to
CloudWatch Logs"): S3 text objects are gzip files whose first line names the
fields; a new object is published about every 5 minutes; keys follow
``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`` or the Hive-compatible
``aws-account-id=.../aws-service=vpcflowlogs/aws-region=.../year=.../month=.../day=.../hour=...``;
file names are ``<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz``
(``.log.parquet`` for Parquet, whose columns are typed INT_32, INT_64 and
STRING). CloudWatch Logs gets one log stream per network interface, named
``<eni>-all``, one event per record (the record's text, without a header).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import schema

if TYPE_CHECKING:
    from .simulation import Simulation

__all__ = ["LAYOUTS", "record_lines", "write"]

LAYOUTS = ("s3", "s3-hive", "parquet", "cloudwatch")
_FILE_SECONDS = 300


def _string_table(df: pd.DataFrame) -> pa.Table:
    """Every column as text the way AWS writes it: integers, Unix seconds, '-' for missing."""
    arrays = []
    for col in df.columns:
        arr = (
            pa.array(df[col])
            if not isinstance(df[col].dtype, pd.CategoricalDtype)
            else pa.array(df[col].astype("string"))
        )
        if pa.types.is_timestamp(arr.type):
            arr = arr.cast(pa.int64())
        arr = pc.fill_null(arr.cast(pa.string()), "-")
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns])


def record_lines(df: pd.DataFrame) -> bytes:
    """The records as space-separated text lines (no header), as in an S3 object or a log event."""
    if not len(df):
        return b""
    buf = io.BytesIO()
    opts = pacsv.WriteOptions(include_header=False, delimiter=" ", quoting_style="none")
    pacsv.write_csv(_string_table(df), buf, opts)
    return buf.getvalue()


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def _prefix(sim: Simulation, when: pd.Timestamp, hive: bool) -> str:
    t = sim.topology
    if hive:
        return (
            f"AWSLogs/aws-account-id={t.account_id}/aws-service=vpcflowlogs/aws-region={t.region}/"
            f"year={when:%Y}/month={when:%m}/day={when:%d}/hour={when:%H}"
        )
    return f"AWSLogs/{t.account_id}/vpcflowlogs/{t.region}/{when:%Y}/{when:%m}/{when:%d}"


def _name(sim: Simulation, when: pd.Timestamp, data: bytes, suffix: str) -> str:
    t = sim.topology
    return f"{t.account_id}_vpcflowlogs_{t.region}_{t.flow_log_id}_{when:%Y%m%dT%H%MZ}_{_hash(data)}{suffix}"


def _groups(df: pd.DataFrame, seconds: int) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """Consecutive slices of the (time-ordered) records by delivery period."""
    if not len(df):
        return []
    secs = df["start"].astype("int64").to_numpy() if "start" in df else np.zeros(len(df), dtype=np.int64)
    bucket = secs // seconds * seconds
    order = np.argsort(bucket, kind="stable")
    bucket = bucket[order]
    cuts = np.flatnonzero(np.diff(bucket)) + 1
    out = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(bucket)], strict=True):
        out.append((pd.Timestamp(int(bucket[lo]), unit="s", tz="UTC"), df.iloc[order[lo:hi]]))
    return out


def _parquet_table(df: pd.DataFrame) -> pa.Table:
    """The records with AWS's Parquet types: INT_32, INT_64 and STRING."""
    arrays, names = [], []
    for col in df.columns:
        f = schema.FIELDS.get(str(col).replace("_", "-"))
        s = df[col]
        if f is not None and f.is_timestamp:
            arr = pa.array(s).cast(pa.int64())
        elif f is not None and f.is_integer:
            arr = pa.array(s).cast(pa.int64() if f.parquet == "INT_64" else pa.int32())
        else:
            arr = pa.array(s.astype("string")).cast(pa.string())
        arrays.append(arr)
        names.append(str(col))
    return pa.Table.from_arrays(arrays, names=names)


def write(sim: Simulation, directory: str, layout: str = "s3", *, compress: bool = True) -> list[str]:
    """Write a simulation's records in one of :data:`LAYOUTS`; see :meth:`Simulation.write`."""
    if layout not in LAYOUTS:
        import difflib

        close = difflib.get_close_matches(str(layout), LAYOUTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"'layout' must be one of {list(LAYOUTS)}, got {layout!r}{hint}")
    root = Path(directory)
    df = sim.flows
    header = (" ".join(sim.format) + "\n").encode()
    written: list[str] = []

    def put(rel: str, data: bytes) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(str(path))

    if layout in ("s3", "s3-hive"):
        for when, part in _groups(df, _FILE_SECONDS):
            body = header + record_lines(part)
            data = gzip.compress(body, mtime=0) if compress else body
            suffix = ".log.gz" if compress else ".log"
            put(f"{_prefix(sim, when, layout == 's3-hive')}/{_name(sim, when, body, suffix)}", data)
    elif layout == "parquet":
        for when, part in _groups(df, 3600):
            buf = io.BytesIO()
            pq.write_table(_parquet_table(part), buf, compression="snappy")
            data = buf.getvalue()
            put(f"{_prefix(sim, when, False)}/{_name(sim, when, data, '.log.parquet')}", data)
    else:
        if not len(df):
            return written
        lines = record_lines(df).decode().splitlines()
        ts = (df["start"].astype("int64").to_numpy() * 1000) if "start" in df else np.zeros(len(df), np.int64)
        ingest = (df["end"].astype("int64").to_numpy() * 1000 + 60_000) if "end" in df else ts
        enis = (
            df["interface_id"].astype("string").fillna("unknown").to_numpy()
            if "interface_id" in df
            else np.full(len(df), "all")
        )
        order = np.lexsort((np.arange(len(df)), ts, enis))
        streams: dict[str, list[str]] = {}
        for i in order.tolist():
            stream = f"{enis[i]}-all"
            event = {
                "logStreamName": stream,
                "timestamp": int(ts[i]),
                "message": lines[i],
                "ingestionTime": int(ingest[i]),
            }
            streams.setdefault(stream, []).append(json.dumps(event, separators=(",", ":")))
        for stream, events in streams.items():
            put(f"{stream}.jsonl", ("\n".join(events) + "\n").encode())
    return written
