"""Parquet flow logs: AWS's own Parquet files and Parquet written by other tools.

AWS writes Parquet with underscore column names and typed columns (ports and
protocol INT_32, packets, bytes, start and end INT_64; VPC User Guide,
"Parquet data types"). Other tools write numbers as strings, with '-', 'None'
or '' for missing: those columns are validated like text, and a value that does
not fit is reported with its row number, as a bad line.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema
from . import _arrow
from .text import Part, convert_column, settle

__all__ = ["parse_parquet"]

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
