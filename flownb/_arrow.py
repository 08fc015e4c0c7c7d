"""The DataFrame contract in Arrow: each column's Arrow type, and the conversion to the contract's pandas.

Readers (:mod:`flownb.io`) produce ``pyarrow.Table`` objects with these types,
and so does the VPC twin (:mod:`flownb.sim`); ``to_pandas`` turns one combined
table into the contract's dtypes in a single pass. It sits beside
:mod:`flownb.schema`, below both, so neither reaches into the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from . import schema

DICT = pa.dictionary(pa.int32(), pa.string())
TIMESTAMP = pa.timestamp("s", tz="UTC")
_INT_TYPES = {"UInt8": pa.uint8(), "UInt16": pa.uint16(), "UInt32": pa.uint32(), "UInt64": pa.uint64()}
_TO_PANDAS = {
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}
#: Timestamps outside this range are not flow log times (Unix seconds, years 1970-2999).
MAX_EPOCH = 32_503_680_000


def arrow_type(column: str) -> pa.DataType:
    """Arrow type a reader produces for a column (its final, contract type)."""
    dtype = schema.dtype_for(column)
    if dtype in _INT_TYPES:
        return _INT_TYPES[dtype]
    if dtype == schema.TIMESTAMP_DTYPE:
        return TIMESTAMP
    return DICT


def arrow_schema(columns: Sequence[str]) -> pa.Schema:
    """Arrow schema of the contract for these columns."""
    return pa.schema([pa.field(c, arrow_type(c)) for c in columns])


def empty_table(columns: Sequence[str]) -> pa.Table:
    """A table with no rows and the contract's types."""
    return arrow_schema(columns).empty_table()


def conform(table: pa.Table) -> pa.Table:
    """Cast every column of a table to its contract type (dictionary strings, sized ints, timestamps)."""
    arrays, fields = [], []
    for name, col in zip(table.column_names, table.columns, strict=True):
        target = arrow_type(name)
        if not col.type.equals(target):
            if target == DICT and not pa.types.is_dictionary(col.type):
                col = col.cast(pa.string()).dictionary_encode() if col.num_chunks else col.cast(DICT)
                col = col.cast(DICT)
            else:
                col = col.cast(target)
        arrays.append(col)
        fields.append(pa.field(name, target))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def combine(tables: Iterable[pa.Table]) -> pa.Table:
    """Concatenate tables whose formats may differ: the union of columns, in order of first appearance."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return empty_table(
            list(schema.DEFAULT_FIELDS and [schema.column_name(f) for f in schema.DEFAULT_FIELDS])
        )
    if len(tables) == 1:
        return tables[0]
    order: list[str] = []
    for t in tables:
        order.extend(c for c in t.column_names if c not in order)
    full = []
    for t in tables:
        names = t.column_names  # a new list at each access: taken once per table
        if names == order:
            full.append(t)
            continue
        have = set(names)
        for c in order:
            if c not in have:
                t = t.append_column(pa.field(c, arrow_type(c)), pa.nulls(t.num_rows, arrow_type(c)))
        full.append(t.select(order))
    return pa.concat_tables(full)


def to_pandas(table: pa.Table | list[pa.Table]) -> pd.DataFrame:
    """Convert a table in contract types to the contract's pandas DataFrame.

    Each column is converted on its own, straight into the pandas array the
    contract asks for (dictionary strings into a ``Categorical`` from their
    codes, sized integers into masked arrays), and its Arrow memory is freed as
    soon as it is converted, so the peak stays near the size of the result.
    Pass the table inside a one-element list to hand it over (the list is
    emptied): then no reference outside keeps the Arrow buffers alive.
    """
    if isinstance(table, list):
        table = table.pop()
    if any(pa.types.is_dictionary(f.type) for f in table.schema):
        table = table.unify_dictionaries()
    names = table.column_names
    columns = table.columns
    del table
    out = {}
    for i, name in enumerate(names):
        col, columns[i] = columns[i], None
        out[name] = _column_to_pandas(col)
        del col
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(out, copy=False)


def categorical_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """The unordered categorical dtype of categories known to be distinct (an Arrow dictionary's)."""
    # pandas checks that categories are distinct by hashing them as Python strings, which for Arrow
    # strings makes (and keeps, in the index's cache) one Python object per category. Ours are
    # distinct by construction: skip the check where this pandas allows it.
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(categories, False) if fast is not None else pd.CategoricalDtype(categories)


def code_type(n: int) -> type[np.signedinteger]:
    """The smallest integer type pandas uses for the codes of ``n`` categories."""
    for t in (np.int8, np.int16, np.int32):
        if n < np.iinfo(t).max:
            return t
    return np.int64


_NAT = np.iinfo(np.int64).min


def _column_to_pandas(col: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """One column in contract types to its pandas array, with one copy of the values.

    The result's arrays are allocated once at their final size and type, and each
    chunk's values are copied (cast) straight into their place; missing values
    come from the chunks' validity bitmaps. No intermediate joined or cast copy
    is made, and the copies run without the interpreter lock (numpy's casts), so
    the reading threads keep parsing meanwhile.
    """
    typ = col.type
    if pa.types.is_dictionary(typ):
        return _dictionary_to_pandas(col)
    if typ in _TO_PANDAS:
        dtype = np.dtype(typ.to_pandas_dtype())
        data, mask = _fill(col, dtype, dtype, 0)
        return _TO_PANDAS[typ].construct_array_type()(data, mask, copy=False)
    if pa.types.is_timestamp(typ) and typ.tz is not None and typ.unit == "s":
        data, _ = _fill(col, np.dtype(np.int64), np.dtype(np.int64), _NAT)
        return _datetimes(data.view("M8[s]"), typ.tz)
    return col.to_pandas().array


def _dictionary_to_pandas(col: pa.ChunkedArray) -> pd.Categorical:
    chunks = col.chunks
    if chunks:
        categories = pd.Index(chunks[0].dictionary.to_pandas())
        if categories.dtype != "str":
            categories = categories.astype("str")
    else:
        categories = pd.Index([], dtype="str")
    # after unify_dictionaries every chunk shares one dictionary of distinct strings: the codes are
    # valid, and already of the type pandas keeps for this many categories (no cast in from_codes)
    index = np.dtype(col.type.index_type.to_pandas_dtype())
    codes, _ = _fill(col, np.dtype(code_type(len(categories))), index, -1, indices=True)
    return pd.Categorical.from_codes(codes, dtype=categorical_dtype(categories), validate=False)


def _datetimes(values: np.ndarray, tz: str) -> pd.api.extensions.ExtensionArray:
    """Timezone-aware datetimes over ``values`` (UTC instants as ``datetime64[s]``), without a copy."""
    dtype = pd.DatetimeTZDtype("s", tz)
    simple_new = getattr(pd.arrays.DatetimeArray, "_simple_new", None)
    if simple_new is not None:
        return simple_new(values, dtype=dtype)
    return pd.array(values).tz_localize("UTC").tz_convert(tz)  # pragma: no cover - other pandas


def _fill(
    col: pa.ChunkedArray, dtype: np.dtype, source: np.dtype, missing: int, *, indices: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A column's values cast into one new array of ``dtype``, and the mask of its missing values.

    ``source`` is the numpy type of the chunks' values (their indices for a dictionary column,
    ``indices``); missing values are ``missing`` in the result.
    """
    n = len(col)
    data = np.empty(n, dtype)
    mask = np.zeros(n, np.bool_)
    pos = 0
    for chunk in col.chunks:
        if indices:
            chunk = chunk.indices
        k = len(chunk)
        if not k:
            continue
        validity, values = chunk.buffers()[:2]
        src = np.frombuffer(values, source, k, chunk.offset * source.itemsize)
        out = data[pos : pos + k]
        np.copyto(out, src, casting="unsafe")
        if chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, np.uint8), count=chunk.offset + k, bitorder="little")
            missed = mask[pos : pos + k]
            np.equal(bits[chunk.offset :], 0, out=missed)
            np.copyto(out, missing, where=missed, casting="unsafe")
        pos += k
    return data, mask
