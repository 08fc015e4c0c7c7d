"""The typed text parser: space-separated flow log records into Arrow, losing nothing.

Two paths share one result type:

* the **fast path** hands the whole stream to Arrow's multithreaded CSV reader
  with the final column types (so ports arrive as ``uint16``, ``-`` as null).
  It is taken when every line is a clean record of one format;
* the **careful path** runs when the fast path sees anything unusual (a line
  with the wrong number of fields, a value that does not fit its type, runs of
  spaces, repeated header lines from concatenated objects, binary junk). It
  splits lines with Arrow compute kernels, vectorised per column, validates
  every value and reports each bad line with its 1-based number, reason and
  text. Good lines around bad ones are kept.

Facts used: AWS writes fields separated by single spaces, ``-`` for a value
that does not apply, and a header line naming the fields at the top of every
S3 text object (VPC User Guide, "Flow log records" and "Flow log files").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import _arrow, schema
from . import _native

__all__ = ["ContentReader", "Part", "parse_text"]

_BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 22


@dataclass
class Part:
    """What one source yields: a contract-typed Arrow table plus its provenance."""

    table: pa.Table
    formats: list[str] = dc_field(default_factory=list)
    bad: list[tuple[str, int, str, str]] = dc_field(default_factory=list)
    sources: list[str] = dc_field(default_factory=list)
    notes: list[tuple[str, int, str]] = dc_field(default_factory=list)


@dataclass(frozen=True)
class ContentReader:
    """A reader for one kind of content, recognised from its first bytes (see ``flownb.io._engine``).

    ``detect(head)`` gets up to 64 KiB of the decompressed content;
    ``parse(data, name, names)`` gets all of it and returns a :class:`Part`.
    """

    name: str
    detect: Callable[[bytes], bool]
    parse: Callable[[bytes, str, list[str] | None], Part]


#: Extra content kinds, tried in order before plain text. The cloud sources add theirs here.


class _NeedsCarefulPath(Exception):
    pass


def _fast_type(column: str) -> pa.DataType:
    t = _arrow.arrow_type(column)
    return pa.int64() if t == _arrow.TIMESTAMP else t


def _header_of(head: bytes) -> list[str] | None:
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    tokens = first.decode("utf-8", errors="replace").split()
    return schema.parse_format(tokens) if schema.looks_like_header(tokens) else None


def parse_text(
    open_stream: Callable[[], pa.NativeFile],
    name: str,
    names: list[str] | None,
) -> Part:
    """Parse one text source (already decompressed by ``open_stream``).

    Parameters
    ----------
    open_stream
        Returns a fresh Arrow input stream over the decompressed text each time it is called.
    name
        Source name used in bad-line reports.
    names
        AWS field names to use when the text has no header line (None: the default format).
    """
    with open_stream() as s:
        head = s.read(1 << 16)
    head = head[3:] if head.startswith(_BOM) else head
    if not head.strip():
        cols = [schema.column_name(n) for n in (names or schema.DEFAULT_FIELDS)]
        return Part(_arrow.empty_table(cols), [], [], [name])
    header = _header_of(head)
    fmt = header or names or list(schema.DEFAULT_FIELDS)
    try:
        table = _fast(open_stream, fmt, skip=1 if header else 0)
        return Part(table, [schema.format_string(fmt)], [], [name])
    except _NeedsCarefulPath:
        pass
    with open_stream() as s:
        data = s.read()
    return parse_careful(data, name, names)


def _fast(open_stream: Callable[[], pa.NativeFile], fmt: list[str], skip: int) -> pa.Table:
    cols = [schema.column_name(n) for n in fmt]
    table = _native.read_clean(open_stream, cols, skip_header=bool(skip))
    if table is None:
        table = _arrow_csv(open_stream, cols, skip)
    # A repeated header line makes any number column fail to parse; in a format of strings only it
    # parses as a record, so look for the field names among the values there.
    only_strings = all(_arrow.arrow_type(c) == _arrow.DICT for c in cols)
    for name, col in zip(table.column_names, table.columns, strict=True):
        if _arrow.arrow_type(name) != _arrow.DICT:
            continue
        allowed = schema.ENUMS.get(name)
        for chunk in col.chunks:
            values = chunk.dictionary  # distinct values: tiny for enumerated fields
            if allowed and (len(values) > len(allowed) or not set(values.to_pylist()) <= set(allowed)):
                raise _NeedsCarefulPath
            if (
                only_strings
                and pc.any(pc.is_in(values, value_set=pa.array([name, name.replace("_", "-")]))).as_py()
            ):
                raise _NeedsCarefulPath
    return table


def _arrow_csv(open_stream: Callable[[], pa.NativeFile], cols: list[str], skip: int) -> pa.Table:
    """Arrow's multithreaded CSV reader with the final column types (times checked and cast after)."""
    try:
        with open_stream() as s:
            table = pacsv.read_csv(
                s,
                read_options=pacsv.ReadOptions(column_names=cols, skip_rows=skip, block_size=_BLOCK),
                parse_options=pacsv.ParseOptions(delimiter=" ", quote_char=False, double_quote=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: _fast_type(c) for c in cols},
                    null_values=["-"],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise _NeedsCarefulPath from exc
    arrays = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if _arrow.arrow_type(name) == _arrow.TIMESTAMP:
            mm = pc.min_max(col)
            lo, hi = mm["min"].as_py(), mm["max"].as_py()
            if lo is not None and (lo < 0 or hi >= _arrow.MAX_EPOCH):
                raise _NeedsCarefulPath
            col = col.cast(_arrow.TIMESTAMP)
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=_arrow.arrow_schema(cols))


# --------------------------------------------------------------------------- careful path

_WS = re.compile(r"[ \t]+")


def parse_careful(data: bytes, name: str, names: list[str] | None) -> Part:
    """Parse text line by line with vectorised validation; report every bad line.

    Used when the fast path refuses a source, and directly by readers that
    already hold the text in memory.
    """
    if data.startswith(_BOM):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    raw = pa.array(text.split("\n"), pa.large_string() if len(text) >= 2**31 - 1 else pa.string())
    del text
    raw = pc.utf8_rtrim(raw, characters="\r")
    norm = pc.utf8_trim(pc.replace_substring_regex(raw, _WS.pattern, " "), characters=" ")
    # Blank means spaces and tabs only: a line of control characters is junk to report, not blank.
    nonblank = pc.utf8_length(norm).to_numpy(zero_copy_only=False) > 0
    tokens = pc.split_pattern(norm, " ")
    ntok = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    first = pc.list_element(pc.if_else(pa.array(nonblank), tokens, pa.scalar([""], tokens.type)), 0)
    is_header = (
        pc.and_(
            pc.is_in(first, value_set=pa.array(list(schema.FIELDS))),
            pc.match_substring_regex(norm, r"^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$"),
        )
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    junk = pc.match_substring_regex(raw, "[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]").to_numpy(
        zero_copy_only=False
    )
    is_header &= nonblank & ~junk
    # A header of one or two names must be followed by a line of its width, so a stray word that
    # happens to be a field name is reported as a bad line, not obeyed as a format.
    lines_with_text = np.flatnonzero(nonblank & ~junk)
    candidates = np.flatnonzero(is_header)
    if len(candidates):
        pos = np.searchsorted(lines_with_text, candidates) + 1
        has_next = pos < len(lines_with_text)
        nxt = lines_with_text[np.minimum(pos, len(lines_with_text) - 1)]
        same_width = ntok[nxt] == ntok[candidates]
        short = ntok[candidates] < 3
        first = candidates == lines_with_text[0]
        # Inside the text, a one-name line is never taken as a header (it is far likelier a stray word).
        lone = (ntok[candidates] < 2) & ~first
        is_header[candidates[(short & ~(has_next & same_width)) | lone]] = False
    header_rows = np.flatnonzero(is_header)
    segment = np.cumsum(is_header)
    formats = [names or list(schema.DEFAULT_FIELDS)]
    formats += [schema.parse_format(norm[int(i)].as_py().split()) for i in header_rows]
    record = nonblank & ~is_header

    notes: list[tuple[str, int, str]] = []
    bad_rows: list[np.ndarray] = []
    bad_reasons: list[np.ndarray] = []
    tables: list[pa.Table] = []
    used_formats: list[str] = []
    for seg, fmt in enumerate(formats):
        in_seg = record & (segment == seg)
        if not in_seg.any():
            continue
        n = len(fmt)
        rows = np.flatnonzero(in_seg)
        binary = junk[rows]
        if binary.any():
            bad_rows.append(rows[binary])
            bad_reasons.append(
                np.full(int(binary.sum()), "line holds binary data, not UTF-8 text", dtype=object)
            )
            rows = rows[~binary]
        wrong = ntok[rows] != n
        if wrong.any():
            w = rows[wrong]
            bad_rows.append(w)
            bad_reasons.append(
                np.array([f"expected {n} fields ({' '.join(fmt)}), found {k}" for k in ntok[w]], dtype=object)
            )
            rows = rows[~wrong]
        if len(rows) == 0:
            continue
        flat = pc.list_flatten(tokens.take(pa.array(rows)))
        cols = [schema.column_name(f) for f in fmt]
        results = []
        for j, col in enumerate(cols):
            values = flat.take(pa.array(np.arange(j, len(rows) * n, n)))
            results.append(convert_column(col, values))
        arrays, row_bad, reasons, lenient = settle(cols, results)
        notes.extend((name, int(rows[i]) + 1, why) for i, why in lenient)
        if row_bad.any():
            bad_rows.append(rows[row_bad])
            bad_reasons.append(reasons[row_bad])
        keep = pa.array(~row_bad)
        table = pa.Table.from_arrays(arrays, schema=_arrow.arrow_schema(cols)).filter(keep)
        tables.append(table)
        used_formats.append(schema.format_string(fmt))
    bad: list[tuple[str, int, str, str]] = []
    if bad_rows:
        rows = np.concatenate(bad_rows)
        why = np.concatenate(bad_reasons)
        order = np.argsort(rows, kind="stable")
        texts = raw.take(pa.array(rows[order])).to_pylist()
        bad = [(name, int(r) + 1, str(w), t) for r, w, t in zip(rows[order], why[order], texts, strict=True)]
    if not tables:
        cols = [schema.column_name(f) for f in formats[-1]]
        tables = [_arrow.empty_table(cols)]
    return Part(_arrow.combine(tables), list(dict.fromkeys(used_formats)), bad, [name], notes)


#: Fields that describe traffic; AWS writes '-' for them in NODATA and SKIPDATA records.
_TRAFFIC = {"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action", "tcp_flags"}
_IDLE = pa.array(["NODATA", "SKIPDATA"])


def settle(
    cols: list[str], results: list[tuple[pa.Array, np.ndarray, np.ndarray]]
) -> tuple[list[pa.Array], np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """Decide which rows are bad from per-column conversion results.

    A value that does not fit a traffic field of a NODATA or SKIPDATA record
    (where AWS writes '-') does not make the record bad: the record is kept, the
    value becomes missing and a note says so. Every other invalid value makes
    its line bad, with the first failing column as the reason.
    """
    n = len(results[0][0]) if results else 0
    idle = np.zeros(n, dtype=bool)
    if "log_status" in cols:
        status = results[cols.index("log_status")][0]
        idle = (
            pc.is_in(status.cast(pa.string()), value_set=_IDLE)
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
        )
    row_bad = np.zeros(n, dtype=bool)
    reasons = np.full(n, None, dtype=object)
    lenient: list[tuple[int, str]] = []
    arrays = []
    for col, (arr, invalid, why) in zip(cols, results, strict=True):
        if col in _TRAFFIC and (invalid & idle).any():
            soft = invalid & idle
            lenient.extend(
                (int(i), f"{why[i]}; set to missing in this {'NODATA/SKIPDATA'} record")
                for i in np.flatnonzero(soft)
            )
            arr = pc.if_else(pa.array(soft), pa.scalar(None, arr.type), arr)
            invalid = invalid & ~idle
        new = invalid & ~row_bad
        if new.any():
            reasons[new] = why[new]
            row_bad |= invalid
        arrays.append(arr)
    return arrays, row_bad, reasons, lenient


_DIGITS = r"^[0-9]{1,20}$"


def convert_column(column: str, values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Convert one column of string tokens; return (array, invalid mask, reasons)."""
    target = _arrow.arrow_type(column)
    missing = pc.equal(values, "-").to_numpy(zero_copy_only=False)
    n = len(values)
    invalid = np.zeros(n, dtype=bool)
    why = np.full(n, None, dtype=object)
    field_name = column.replace("_", "-")
    if target == _arrow.DICT:
        allowed = schema.ENUMS.get(column)
        arr = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), values)
        if allowed:
            ok = pc.is_in(arr, value_set=pa.array(list(allowed))).to_numpy(zero_copy_only=False) | missing
            invalid = ~ok
            if invalid.any():
                got = values.filter(pa.array(invalid)).to_pylist()
                why[invalid] = [f"{field_name}: '{g}' is not one of {', '.join(allowed)}" for g in got]
        return arr.dictionary_encode().cast(_arrow.DICT), invalid, why
    digits = pc.match_substring_regex(values, _DIGITS).to_numpy(zero_copy_only=False)
    not_number = ~digits & ~missing
    # 20-digit values may overflow uint64: check those few exactly, with Python ints.
    long = digits & (pc.utf8_length(values).to_numpy(zero_copy_only=False) == 20)
    safe = pc.if_else(pa.array(digits & ~long), values, pa.scalar("0"))
    nums = pc.cast(safe, pa.uint64()).to_numpy(zero_copy_only=False).copy()
    big = np.zeros(n, dtype=bool)
    if long.any():
        idx = np.flatnonzero(long)
        ints = [int(t) for t in values.take(pa.array(idx)).to_pylist()]
        big[idx] = [v > 2**64 - 1 for v in ints]
        nums[idx] = np.array([min(v, 2**64 - 1) for v in ints], dtype=np.uint64)
    if target == _arrow.TIMESTAMP:
        out_of_range = digits & (big | (nums >= _arrow.MAX_EPOCH))
        limit = "a Unix time in seconds"
    else:
        maxv = schema.field(column).max_value
        out_of_range = digits & (big | (nums > np.uint64(maxv)))
        limit = f"in the range 0-{maxv}"
    invalid = not_number | out_of_range
    if invalid.any():
        got = values.filter(pa.array(invalid)).to_pylist()
        kinds = np.where(not_number[invalid], "is not a number", f"is not {limit}")
        why[invalid] = [f"{field_name}: '{g}' {k}" for g, k in zip(got, kinds, strict=True)]
    null_mask = pa.array(missing | invalid)
    arr = pa.array(nums, pa.uint64())
    arr = pc.if_else(null_mask, pa.scalar(None, pa.uint64()), arr)
    arr = arr.cast(pa.int64()).cast(target) if target == _arrow.TIMESTAMP else arr.cast(target, safe=False)
    return arr, invalid, why
