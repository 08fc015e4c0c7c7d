"""Parquet flow logs: AWS's own Parquet files and Parquet written by other tools; and writing AWS's.

AWS writes Parquet with underscore column names and typed columns (ports and
protocol INT_32, packets, bytes, start and end INT_64; VPC User Guide,
"Parquet data types"). Other tools write numbers as strings, with '-', 'None'
or '' for missing: those columns are validated like text, and a value that does
not fit is reported with its row number, as a bad line.

:func:`write_parquet` writes records the way AWS does (the VPC twin delivers its
``parquet`` layout with it).
"""

from __future__ import annotations

import os
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import _arrow, schema
from ._text import Part, convert_column, settle

__all__ = ["aws_parquet_table", "parse_parquet", "write_parquet"]

_MISSING = ["-", "None", "none", "null", "NULL", "", "nan", "NaN"]


def parse_parquet(source: object, name: str) -> Part:
    """Read one Parquet file (path, buffer or file-like) into contract types."""
    table = pq.read_table(source)
    cols = [schema.column_name(c) for c in table.column_names]
    table = table.rename_columns(cols)
    n = table.num_rows
    results = []
    for col, arr in zip(cols, table.columns, strict=True):
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        target = _arrow.arrow_type(col)
        if target == _arrow.DICT:
            values = arr if pa.types.is_string(arr.type) else arr.cast(pa.string())
            conv, invalid, why = convert_column(col, pc.fill_null(values, "-"))
        elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            values = pc.utf8_trim_whitespace(arr.cast(pa.string()))
            values = pc.if_else(pc.is_in(values, value_set=pa.array(_MISSING)), pa.scalar("-"), values)
            conv, invalid, why = convert_column(col, pc.fill_null(values, "-"))
        elif pa.types.is_timestamp(arr.type):
            conv = arr.cast(_arrow.TIMESTAMP, safe=False)
            invalid, why = np.zeros(n, dtype=bool), np.full(n, None, dtype=object)
        elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            conv, invalid, why = _numeric(col, arr, target)
        else:
            conv, invalid, why = convert_column(col, pc.fill_null(arr.cast(pa.string()), "-"))
        results.append((conv, invalid, why))
    arrays, bad_mask, reasons, lenient = (
        settle(cols, results) if results else ([], np.zeros(n, bool), None, [])
    )
    out = pa.Table.from_arrays(arrays, schema=_arrow.arrow_schema(cols))
    bad = []
    if bad_mask.any():
        idx = np.flatnonzero(bad_mask)
        rows = table.take(pa.array(idx)).to_pylist()
        bad = [
            (name, int(i) + 1, str(reasons[i]), " ".join("-" if v is None else str(v) for v in r.values()))
            for i, r in zip(idx, rows, strict=True)
        ]
        out = out.filter(pa.array(~bad_mask))
    notes = [(name, i + 1, why) for i, why in lenient]
    return Part(
        out, ["parquet: " + schema.format_string([c.replace("_", "-") for c in cols])], bad, [name], notes
    )


def _numeric(col: str, arr: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Range-check a typed numeric Parquet column and cast it to its contract type."""
    n = len(arr)
    vals = arr.cast(pa.float64()).to_numpy(zero_copy_only=False)
    present = ~np.isnan(vals)
    upper = _arrow.MAX_EPOCH - 1 if target == _arrow.TIMESTAMP else schema.field(col).max_value
    with np.errstate(invalid="ignore"):
        invalid = present & ((vals < 0) | (vals > upper) | (vals != np.floor(vals)))
    why = np.full(n, None, dtype=object)
    if invalid.any():
        what = "a Unix time in seconds" if target == _arrow.TIMESTAMP else f"in the range 0-{upper}"
        why[invalid] = [f"{col.replace('_', '-')}: '{v:g}' is not {what}" for v in vals[invalid]]
    clean = pc.if_else(pa.array(invalid), pa.scalar(None, arr.type), arr)
    if target == _arrow.TIMESTAMP:
        out = clean.cast(pa.int64(), safe=False).cast(target)
    else:
        out = clean.cast(target, safe=False)
    return out, invalid, why


def aws_parquet_table(df: pd.DataFrame) -> pa.Table:
    """The records as an Arrow table with AWS's Parquet column types.

    Integer fields are ``INT_32`` or ``INT_64`` as the field registry says
    (ports and protocol INT_32; packets, bytes, start and end INT_64), times
    are Unix seconds, every other field is a string (VPC User Guide, "Parquet
    data types"); columns keep their names and order.
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    arrays = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        f = schema.FIELDS.get(name.replace("_", "-"))
        if f is not None and f.is_timestamp:
            col = col.cast(pa.int64())
        elif f is not None and f.is_integer:
            col = col.cast(pa.int64() if f.parquet == "INT_64" else pa.int32())
        else:
            if pa.types.is_dictionary(col.type):
                col = col.dictionary_decode()
            col = col.cast(pa.string())
        arrays.append(col)
    return pa.Table.from_arrays(arrays, names=table.column_names)


def write_parquet(
    df: pd.DataFrame,
    where: str | os.PathLike[str] | IO[bytes],
    *,
    compression: str = "snappy",
    compression_level: int | None = None,
) -> None:
    """Write flow log records as a Parquet file the way AWS delivers them.

    Parameters
    ----------
    df : pandas.DataFrame
        Records in the DataFrame contract (as :func:`flownb.read_flow_logs` returns them).
    where : path or binary file-like object
        The file to write.
    compression : str, default "snappy"
        Parquet compression codec; AWS writes Snappy (VPC User Guide, "Flow log files").
    compression_level : int, optional
        Level for codecs that take one (``"zstd"``, ``"gzip"``).

    Examples
    --------
    >>> import io, flownb
    >>> from flownb.io._parquet import write_parquet
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> buf = io.BytesIO()
    >>> write_parquet(df, buf)
    >>> back = flownb.read_flow_logs(io.BytesIO(buf.getvalue()))
    >>> back[["srcaddr", "dstport", "action"]]
             srcaddr  dstport  action
    0  172.31.16.139       22  ACCEPT
    1    172.31.9.69     3389  REJECT
    >>> back.equals(df)
    True
    """
    pq.write_table(aws_parquet_table(df), where, compression=compression, compression_level=compression_level)
