"""Write simulated records the way AWS delivers them: S3 text, S3 Hive prefixes, Parquet, CloudWatch streams.

Facts used (VPC User Guide, "Flow log files" and "Publish flow logs to
CloudWatch Logs"): S3 text objects are gzip files whose first line names the
fields; a new object is published about every 5 minutes; keys follow
``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`` or the Hive-compatible
``aws-account-id=.../aws-service=vpcflowlogs/aws-region=.../year=.../month=.../day=.../hour=...``;
file names are ``<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz``
(``.log.parquet`` for Parquet, whose columns are typed INT_32, INT_64 and
STRING). CloudWatch Logs gets one log stream per network interface, named
``<eni>-all``, one event per record (the record's text, without a header);
the ``cloudwatch`` layout writes each stream as a subscription would deliver
it (CloudWatch Logs User Guide, "Subscriptions"): JSON lines, each a
``DATA_MESSAGE`` with the log group, the log stream and a minute of its
``logEvents`` (id, timestamp in milliseconds, message).

Examples
--------
>>> import flownb
>>> from flownb.sim._write import record_lines
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> print(record_lines(df).decode().splitlines()[0])
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..io import write_parquet
from ._topology import Topology

__all__ = ["LAYOUTS", "record_lines", "write"]

LAYOUTS = ("s3", "s3-hive", "parquet", "cloudwatch")
_FILE_SECONDS = 300
#: gzip level of the S3 text objects: 1, fast (files about a third larger than at level 9).
_GZIP_LEVEL = 1


def _string_table(df: pd.DataFrame) -> pa.Table:
    """Every column as text the way AWS writes it: integers, Unix seconds, '-' for missing."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    arrays = []
    for col in table.columns:
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if pa.types.is_dictionary(col.type):
            col = col.dictionary_decode()
        elif pa.types.is_timestamp(col.type):
            col = col.cast(pa.int64())
        arrays.append(pc.fill_null(col.cast(pa.string()), "-"))
    return pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns])


def _lines(table: pa.Table) -> bytes:
    if not table.num_rows:
        return b""
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, delimiter=" ", quoting_style="none"))
    return buf.getvalue()


def record_lines(df: pd.DataFrame) -> bytes:
    """The records as space-separated text lines (no header), as in an S3 object or a log event."""
    return _lines(_string_table(df)) if len(df) else b""


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def _prefix(t: Topology, when: pd.Timestamp, hive: bool) -> str:
    if hive:
        return (
            f"AWSLogs/aws-account-id={t.account_id}/aws-service=vpcflowlogs/aws-region={t.region}/"
            f"year={when:%Y}/month={when:%m}/day={when:%d}/hour={when:%H}"
        )
    return f"AWSLogs/{t.account_id}/vpcflowlogs/{t.region}/{when:%Y}/{when:%m}/{when:%d}"


def _name(t: Topology, when: pd.Timestamp, data: bytes, suffix: str) -> str:
    return f"{t.account_id}_vpcflowlogs_{t.region}_{t.flow_log_id}_{when:%Y%m%dT%H%MZ}_{_hash(data)}{suffix}"


def _slices(df: pd.DataFrame, seconds: int) -> list[tuple[pd.Timestamp, int, int]]:
    """(period start, first row, end row) of consecutive runs of records in one delivery period."""
    if not len(df):
        return []
    secs = df["start"].astype("int64").to_numpy() if "start" in df else np.zeros(len(df), dtype=np.int64)
    bucket = secs // seconds * seconds
    cuts = np.flatnonzero(np.diff(bucket)) + 1
    return [
        (pd.Timestamp(int(bucket[lo]), unit="s", tz="UTC"), int(lo), int(hi))
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(bucket)], strict=True)
    ]


def write(
    flows: pd.DataFrame,
    topology: Topology,
    format: Sequence[str],
    directory: str,
    layout: str = "s3",
    *,
    compress: bool = True,
    prefix: str = "",
) -> list[str]:
    """Write records of a topology's flow log in one of :data:`LAYOUTS`; returns the files written.

    ``flows`` are the records (contract columns), ``format`` their AWS field
    names (the header line of the text objects); the topology gives the
    account, region, flow log ID and VPC named in keys, file names and log
    groups. :meth:`flownb.sim.Simulation.write` calls this with its own; see
    there for the layouts.
    """
    if layout not in LAYOUTS:
        import difflib

        close = difflib.get_close_matches(str(layout), LAYOUTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"'layout' must be one of {list(LAYOUTS)}, got {layout!r}{hint}")
    root = Path(directory)
    df = flows
    if "start" in df and not df["start"].is_monotonic_increasing:  # delivery files hold consecutive periods
        df = df.sort_values("start", kind="stable")
    header = (" ".join(format) + "\n").encode()
    written: list[str] = []

    lead = prefix.strip("/") + "/" if prefix.strip("/") else ""
    if ".." in lead.split("/"):
        raise ValueError(f"'prefix' must stay inside the directory, got {prefix!r}")

    def put(rel: str, data: bytes) -> None:
        path = root / (lead + rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(str(path))

    if layout in ("s3", "s3-hive"):
        text = _string_table(df)
        for when, lo, hi in _slices(df, _FILE_SECONDS):
            body = header + _lines(text.slice(lo, hi - lo))
            data = gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0) if compress else body
            suffix = ".log.gz" if compress else ".log"
            put(f"{_prefix(topology, when, layout == 's3-hive')}/{_name(topology, when, body, suffix)}", data)
    elif layout == "parquet":
        for when, lo, hi in _slices(df, 3600):
            buf = io.BytesIO()
            write_parquet(df.iloc[lo:hi], buf)
            data = buf.getvalue()
            put(f"{_prefix(topology, when, False)}/{_name(topology, when, data, '.log.parquet')}", data)
    else:
        if not len(df):
            return written
        text = _string_table(df)
        message = pc.binary_join_element_wise(*text.columns, " ")
        if pc.any(pc.match_substring_regex(message, r'["\\]')).as_py():  # pragma: no cover - never in records
            raise ValueError("a record holds a quote or a backslash; it cannot be written as a log event")
        ts = (df["start"].astype("int64").to_numpy() * 1000) if "start" in df else np.zeros(len(df), np.int64)
        enis = (
            df["interface_id"].astype("string").fillna("unknown").to_numpy(dtype=object)
            if "interface_id" in df
            else np.full(len(df), "all", dtype=object)
        )
        codes, names = pd.factorize(enis, sort=True)
        minute = ts // 60_000
        order = np.lexsort((np.arange(len(df)), ts, codes))
        ids = pa.array([f"{t}{k:08d}" for t, k in zip(ts.tolist(), range(len(ts)), strict=True)])
        event = pc.binary_join_element_wise(
            '{"id":"',
            ids,
            '","timestamp":',
            pa.array(ts).cast(pa.string()),
            ',"message":"',
            message,
            '"}',
            "",
        ).take(pa.array(order))
        event = event.combine_chunks() if isinstance(event, pa.ChunkedArray) else event
        sc, sm = codes[order], minute[order]
        cuts = np.flatnonzero((np.diff(sc) != 0) | (np.diff(sm) != 0)) + 1
        starts = np.r_[0, cuts].astype(np.int32)
        offsets = pa.array(np.r_[starts, len(order)].astype(np.int32))
        batches = pc.binary_join(pa.ListArray.from_arrays(offsets, event), ",")
        topo = topology
        group = f"/vpc/flow-logs/{topo.id}"
        head = (
            f'{{"messageType":"DATA_MESSAGE","owner":"{topo.account_id}","logGroup":"{group}","logStream":"'
        )
        stream_of = pa.array([f"{names[c]}-all" for c in sc[starts]])
        lines = pc.binary_join_element_wise(
            head, stream_of, '","subscriptionFilters":["flownb"],"logEvents":[', batches, "]}", ""
        )
        group_codes = sc[starts]
        gcuts = np.flatnonzero(np.diff(group_codes)) + 1
        for lo, hi in zip(np.r_[0, gcuts], np.r_[gcuts, len(group_codes)], strict=True):
            part = lines.slice(lo, hi - lo)
            joined = pc.binary_join(
                pa.ListArray.from_arrays(pa.array([0, len(part)], pa.int32()), part), "\n"
            )
            put(f"{names[group_codes[lo]]}-all.json", joined[0].as_buffer().to_pybytes() + b"\n")
    return written
