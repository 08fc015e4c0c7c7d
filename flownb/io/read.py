"""``read_flow_logs``: every local source into one contract DataFrame.

Sources are expanded (files, directories laid out as S3 delivers them, globs,
lists, file-like objects) and read in parallel with a bounded number of files
in flight. While later files are read, the Arrow tables of the earlier ones
are converted to pandas a group at a time (:func:`read_frame`), and the pieces
are joined column by column at the end, so the Arrow and pandas copies of the
records never exist in full at once.
What a file holds is recognised from its content, not its name: gzip (one or
several members), Parquet, or text; other readers (CloudWatch exports and
subscription payloads) register themselves in :data:`CONTENT_READERS`.
"""

from __future__ import annotations

import functools
import glob
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from .._provenance import Provenance, attach
from . import _arrow, _inflate
from ._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSkipWarning, FlowLogSourceError
from .layout import is_flow_log_name
from .parquet import parse_parquet
from .text import Part, parse_careful, parse_text

if TYPE_CHECKING:
    from ._select import TimeLike

__all__ = ["CONTENT_READERS", "ContentReader", "read_flow_logs", "read_frame"]

Errors = Literal["raise", "warn", "ignore"]
_ERRORS = ("raise", "warn", "ignore")
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
#: Gzip inputs already in memory up to this compressed size are decompressed in one go (their text is
#: then read from memory); bigger ones and files on disk are decompressed as a stream. flownb's own
#: choice: S3 delivers flow log objects of a few MB at most, which this covers with room to spare.
INFLATE_AT_ONCE = 64 << 20


@dataclass(frozen=True)
class ContentReader:
    """A reader for one kind of text content, recognised from the first bytes.

    ``detect(head)`` gets up to 64 KiB of the decompressed content;
    ``parse(data, name, names)`` gets all of it and returns a :class:`Part`.
    """

    name: str
    detect: Callable[[bytes], bool]
    parse: Callable[[bytes, str, list[str] | None], Part]


#: Extra content kinds, tried in order before plain text. The cloud sources add theirs here.
CONTENT_READERS: list[ContentReader] = []


@dataclass(frozen=True)
class _Input:
    name: str
    path: str | None = None
    data: bytes | None = None

    def raw(self) -> pa.NativeFile:
        return pa.OSFile(self.path) if self.path is not None else pa.BufferReader(self.data)

    def head(self, n: int = 8) -> bytes:
        with self.raw() as f:
            return f.read(n)


def _expand(source: Any) -> list[_Input]:
    if isinstance(source, (str, os.PathLike)):
        return _expand_path(os.fspath(source))
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = getattr(source, "name", None)
        return [_Input(name=str(name) if isinstance(name, str) else "<file-like>", data=bytes(data))]
    if isinstance(source, (bytes, bytearray, memoryview)):
        return [_Input(name="<bytes>", data=bytes(source))]
    if isinstance(source, Iterable):
        out: list[_Input] = []
        for s in source:
            out.extend(_expand(s))
        return out
    raise TypeError(
        f"source must be a path, a directory, a glob pattern, a list of these or a binary file-like object, "
        f"got {type(source).__name__}"
    )


def _is_s3(source: Any) -> bool:
    """An s3:// URL, or a list of them only (read together from S3)."""
    if isinstance(source, str):
        return source.startswith("s3://")
    return (
        isinstance(source, (list, tuple))
        and bool(source)
        and all(isinstance(s, str) and s.startswith("s3://") for s in source)
    )


def _expand_path(path: str) -> list[_Input]:
    if path.startswith("s3://"):
        raise FlowLogSourceError(
            f"{path}: s3:// URLs cannot be mixed with local files in one read; read them in separate "
            "calls (a list of s3:// URLs only is fine) and combine the frames."
        )
    p = Path(path).expanduser()
    if p.is_file():
        return [_Input(name=str(p), path=str(p))]
    if p.is_dir():
        from ._sniff import skip_reason

        files = sorted(f for f in p.rglob("*") if f.is_file() and is_flow_log_name(str(f.relative_to(p))))
        skipped = [(f, why) for f in files if (why := skip_reason(f)) is not None]
        if skipped:
            files = [f for f in files if f not in {s for s, _ in skipped}]
            named = ", ".join(f"{f.relative_to(p)} ({why})" for f, why in skipped[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            warnings.warn(
                f"{path}: skipped {len(skipped)} file(s) that are not flow logs: {named}{more}; "
                "name a file to read it anyway.",
                FlowLogSkipWarning,
                stacklevel=4,
            )
        if not files:
            raise FlowLogSourceError(f"{path}: the directory holds no flow log files (looked recursively).")
        return [_Input(name=str(f), path=str(f)) for f in files]
    if any(ch in path for ch in "*?["):
        matches = sorted(m for m in glob.glob(os.path.expanduser(path), recursive=True) if Path(m).is_file())
        if not matches:
            raise FlowLogSourceError(f"{path}: no file matches this pattern.")
        return [_Input(name=m, path=m) for m in matches]
    parent = p.parent
    hint = ""
    if parent.is_dir():
        import difflib

        close = difflib.get_close_matches(p.name, [c.name for c in parent.iterdir()], n=3)
        if close:
            hint = f" Did you mean {', '.join(str(parent / c) for c in close)}?"
    raise FlowLogSourceError(f"{path}: no such file or directory.{hint}")


def _read_input(inp: _Input, names: list[str] | None) -> Part:
    magic = inp.head(4)
    if magic.startswith(_PARQUET_MAGIC):
        src = inp.path if inp.path is not None else pa.BufferReader(inp.data)
        return parse_parquet(src, inp.name)
    gz = magic.startswith(_GZIP_MAGIC)
    if gz and inp.data is not None and len(inp.data) <= INFLATE_AT_ONCE:
        # An object already in memory (from S3, a file-like): decompress it once here, instead of
        # once per look at its head and once more to parse it.
        text, problem = _inflate.gunzip(inp.data)
        if problem is not None:
            return _damaged(text, problem, inp.name, names)
        inp = _Input(name=inp.name, data=text)
        del text
        gz = False
    inflater = _inflate.backend()

    def open_stream() -> Any:
        raw = inp.raw()
        return inflater.open(raw) if gz else raw

    try:
        with open_stream() as s:
            head = s.read(1 << 16)
        for reader in CONTENT_READERS:
            if reader.detect(head):
                with open_stream() as s:
                    return reader.parse(s.read(), inp.name, names)
        return parse_text(open_stream, inp.name, names)
    except inflater.errors:
        if not gz:
            raise
        with inp.raw() as f:
            data, problem = _inflate.gunzip_prefix(f.read(), inflater)
        if problem is None:  # the stream refused what is valid gzip (Arrow's: zero padding at the end)
            return _read_input(_Input(name=inp.name, data=data), names)
        return _damaged(data, problem, inp.name, names)


def _damaged(data: bytes, problem: str, name: str, names: list[str] | None) -> Part:
    """The records of what could be decompressed, and the problem as a bad line after them."""
    part = parse_careful(data, name, names)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    part.bad.append((name, lines + 1, problem, ""))
    return part


def _bounded_map(fn: Callable[[_Input], Part], items: Sequence[_Input], workers: int) -> Iterator[Part]:
    """Like ``Executor.map`` but with at most ``2 * workers`` items in flight (memory stays bounded)."""
    if workers <= 1 or len(items) <= 1:
        for it in items:
            yield fn(it)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flownb-read") as pool:
        pending: list[Future[Part]] = []
        it = iter(items)
        for item in it:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                break
        while pending:
            fut = pending.pop(0)
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(fn, nxt))
            yield fut.result()


def _parts(
    inputs: Sequence[Any],
    names: list[str] | None,
    *,
    errors: Errors,
    progress: bool | None,
    workers: int | None,
    read: Callable[[Any, list[str] | None], Part] | None,
    total_desc: str,
) -> Iterator[Part]:
    read = read or _read_input
    workers = workers or min(len(inputs), os.cpu_count() or 1, 8)
    show = progress if progress is not None else len(inputs) >= 50
    bar = None
    if show and len(inputs) > 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(inputs), desc=f"Reading {total_desc}", unit="file")
    try:
        for part in _bounded_map(lambda i: read(i, names), list(inputs), workers):
            if errors == "raise" and part.bad:
                src, line, reason, text = part.bad[0]
                raise FlowLogParseError(src, line, reason, text)
            yield part
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def read_frame(
    inputs: Sequence[Any],
    names: list[str] | None,
    *,
    errors: Errors = "warn",
    progress: bool | None = None,
    workers: int | None = None,
    read: Callable[[Any, list[str] | None], Part] | None = None,
    total_desc: str = "flow log files",
    stacklevel: int = 3,
) -> pd.DataFrame:
    """Read inputs in parallel into the contract DataFrame, converting to pandas as the parts arrive.

    Inputs are read ``workers`` at a time, in order; with ``errors="raise"`` the
    first bad line raises :class:`FlowLogParseError`. ``read(input, names)``
    reads one input (default: a local file or an in-memory object) and
    ``total_desc`` names the inputs on the progress bar. The Arrow tables of the parts read so
    far are converted to pandas a group of about :data:`GROUP_BYTES` at a time
    while the next inputs are read, so the Arrow copy of the records never
    exists in full beside the pandas one: the peak stays near the final frame
    (plus one group and the inputs in flight), not near twice it.
    """
    frames = _Frames()
    parts = []
    for part in _parts(
        inputs, names, errors=errors, progress=progress, workers=workers, read=read, total_desc=total_desc
    ):
        frames.add(part)
        parts.append(part)
    return _with_provenance(frames.frame(), parts, errors, stacklevel=stacklevel + 1)


#: Arrow bytes converted to pandas at a time by :func:`read_frame`. flownb's own choice: small beside
#: the frames people read from many objects (so the two copies never coexist in full), big enough that
#: the per-conversion work is negligible.
GROUP_BYTES = 8 << 20


class _Frames:
    """Arrow tables in, pandas pieces out a group at a time, one contract DataFrame at the end."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []
        self.nbytes = 0
        self.pieces: list[pd.DataFrame] = []

    def add(self, part: Part) -> None:
        """Take over a part's table (the part keeps its provenance only)."""
        table, part.table = part.table, None
        if table is None:
            return
        self.tables.append(table)
        self.nbytes += table.nbytes
        del table
        if self.nbytes >= GROUP_BYTES:
            self._convert()

    def _convert(self) -> None:
        holder = [_arrow.combine(self.tables)]
        self.tables, self.nbytes = [], 0
        self.pieces.append(_arrow.to_pandas(holder))
        _trim()

    def frame(self) -> pd.DataFrame:
        """The records added so far as one contract DataFrame (the pieces are used up)."""
        if self.tables or not self.pieces:
            self._convert()
        pieces, self.pieces = self.pieces, []
        return _concat_pieces(pieces)


def _concat_pieces(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate contract frames column by column, freeing each piece's column once it is copied.

    Columns are the union of the pieces' columns in order of first appearance
    (as :func:`flownb.io._arrow.combine` orders them); a column a piece lacks is
    missing there. String columns stay categorical (the union of the categories).
    The list is emptied.
    """
    if len(pieces) == 1:
        return pieces.pop()
    order = list(dict.fromkeys(c for p in pieces for c in p.columns))
    # Take the columns out of the pieces, so that each column's memory goes once it is joined.
    arrays = {
        name: [p[name].array if name in p.columns else _missing(name, len(p)) for p in pieces]
        for name in order
    }
    pieces.clear()

    def join(name: str) -> Any:
        parts = arrays.pop(name)
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            joined = _union_categories(parts)
        else:
            joined = type(parts[0])._concat_same_type(parts)
        del parts
        _trim()
        return joined

    # One column at a time, in this thread: joining columns on several threads at once was faster, but
    # its peak held two new columns at once and its allocations went to other threads' heaps.
    columns = {name: join(name) for name in order}
    return pd.DataFrame(columns, columns=order, copy=False)


def _union_categories(cats: list[pd.Categorical]) -> pd.Categorical:
    """One categorical of all values; categories in order of first appearance.

    The union is found with Arrow's hashing on the categories as Arrow strings,
    and each piece's codes are translated with one ``take``: no Python string
    objects are made (pandas' own union would turn millions of categories into
    them, and keep them with the result).
    """
    dicts = [pa.array(c.categories.array, pa.large_string()) for c in cats]
    categories = pc.unique(pa.chunked_array(dicts, pa.large_string()))
    code_type = _code_type(len(categories))
    codes = np.empty(sum(len(c) for c in cats), code_type)
    pos = 0
    for cat, values in zip(cats, dicts, strict=True):
        where = pc.index_in(values, value_set=categories).to_numpy(zero_copy_only=False)
        # A code of -1 (missing) picks the -1 appended at the end.
        translate = np.append(where.astype(code_type), code_type(-1))
        np.take(translate, cat.codes, out=codes[pos : pos + len(cat)], mode="wrap")
        pos += len(cat)
    kind = next((c.categories.dtype for c in cats if len(c.categories)), cats[0].categories.dtype)
    index = pd.Index(pd.array(categories, dtype=kind), copy=False)
    return pd.Categorical.from_codes(codes, dtype=_arrow.categorical_dtype(index), validate=False)


def _code_type(n: int) -> type[np.signedinteger]:
    """The smallest integer type pandas uses for the codes of ``n`` categories."""
    for t in (np.int8, np.int16, np.int32):
        if n < np.iinfo(t).max:
            return t
    return np.int64


@functools.cache
def _libc_trim() -> Callable[[], Any] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to do
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def _trim() -> None:
    """Give the memory just freed back to the operating system (the allocators keep it otherwise)."""
    pa.default_memory_pool().release_unused()
    trim = _libc_trim()
    if trim is not None:
        trim()


def _missing(name: str, n: int) -> Any:
    """A column of ``n`` missing values with the contract type of ``name`` (a pandas array)."""
    return _arrow.to_pandas([pa.table({name: pa.nulls(n, _arrow.arrow_type(name))})])[name].array


def finish(parts: list[Part], errors: Errors, *, stacklevel: int = 3) -> pd.DataFrame:
    """Combine parts into the contract DataFrame with its provenance; warn about bad lines."""
    frames = _Frames()
    for p in parts:  # let to_pandas free each table's Arrow memory as it converts it
        frames.add(p)
    return _with_provenance(frames.frame(), parts, errors, stacklevel=stacklevel + 1)


def _with_provenance(df: pd.DataFrame, parts: list[Part], errors: Errors, *, stacklevel: int) -> pd.DataFrame:
    """Attach the parts' provenance to the frame; warn about bad lines and notes."""
    bad = tuple(b for p in parts for b in p.bad)
    formats = tuple(dict.fromkeys(f for p in parts for f in p.formats))
    sources = tuple(s for p in parts for s in p.sources)
    notes = tuple(n for p in parts for n in p.notes)
    attach(df, Provenance(bad_lines=bad, formats=formats, sources=sources, notes=notes))
    if notes and errors == "warn":
        src, line, what = notes[0]
        warnings.warn(
            f"{len(notes)} value(s) in NODATA/SKIPDATA records did not fit their field and were set to missing "
            f"(the records are kept). First: {src}:{line}: {what}.",
            FlowLogParseWarning,
            stacklevel=stacklevel,
        )
    if bad and errors == "warn":
        per_source: dict[str, int] = {}
        for src, *_ in bad:
            per_source[src] = per_source.get(src, 0) + 1
        where = ", ".join(f"{n} in {s}" for s, n in list(per_source.items())[:3])
        if len(per_source) > 3:
            where += f", and more in {len(per_source) - 3} other sources"
        src, line, reason, _ = bad[0]
        warnings.warn(
            f"{len(bad)} line(s) could not be parsed and were left out ({where}); "
            f"{len(df)} records were read. First: {src}:{line}: {reason}. "
            "See df.flow.bad_lines for every one.",
            FlowLogParseWarning,
            stacklevel=stacklevel,
        )
    return df


def read_flow_logs(
    source: Any,
    *,
    format: str | Sequence[str] | None = None,
    errors: Errors = "warn",
    progress: bool | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read VPC or Transit Gateway flow logs into one typed DataFrame.

    Parameters
    ----------
    source : path, directory, glob pattern, binary file-like object, or a list of these
        Directories are read recursively, including the layouts S3 delivery creates
        (``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/...`` and the Hive-style
        ``aws-account-id=.../aws-region=.../year=.../...``). Files may be plain text,
        gzip (several members concatenated too) or Parquet, recognised by content,
        as are CloudWatch Logs exports, CSV downloads and subscription payloads
        (see :mod:`flownb.io.exports`). An ``s3://bucket/prefix/`` URL (or a list
        of them) reads the objects under it, in any delivery layout, with the
        user's normal AWS credentials (needs boto3, the ``aws`` extra: ``pip install 'boto3>=1.34'``; see
        :mod:`flownb.io.s3`).
    format : str or list of str, optional
        Record format of text without a header line: an AWS format string
        (``"${version} ${srcaddr} ..."``), space-separated field names, or a list
        of names. ``None``: each file's header line (AWS writes one in every S3
        object), else the default version 2 format.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with lines that cannot be parsed. ``"warn"`` keeps the good
        records, issues one :class:`FlowLogParseWarning` and lists every bad line
        in ``df.flow.bad_lines``; ``"raise"`` raises :class:`FlowLogParseError`
        at the first bad line; ``"ignore"`` keeps them in ``df.flow.bad_lines``
        without a warning.
    progress : bool, optional
        Show a progress bar; by default shown when 50 or more files are read.
    start, end : datetime, pandas Timestamp, ISO-8601 string or Unix seconds, optional
        Keep the records whose ``start`` is in ``[start, end)`` (naive times are
        UTC). Files and S3 objects whose delivery folder or file name rules them
        out are not read at all; on S3 only the folders of the range are listed.
    accounts, regions : str or list of str, optional
        Keep these accounts (12-digit IDs as strings) and regions, judged from the
        delivery layout of the path or key and from the ``account_id`` and
        ``region`` columns when the records have them. From S3, ``account_id``
        and ``region`` columns are added from the key when the records lack them.

    Returns
    -------
    pandas.DataFrame
        One row per record, columns named as the AWS fields with ``-`` replaced
        by ``_``, typed per the DataFrame contract; ``df.flow`` holds the bad
        lines, formats and sources.

    Examples
    --------
    >>> import flownb
    >>> from flownb.samples import path
    >>> df = flownb.read_flow_logs(path("aws-docs/default-accept-reject.log"))
    >>> df[["srcaddr", "dstport", "action"]]
            srcaddr  dstport  action
    0  172.31.16.139       22  ACCEPT
    1    172.31.9.69     3389  REJECT
    >>> str(df["dstport"].dtype), str(df["start"].dtype)
    ('UInt16', 'datetime64[s, UTC]')
    """
    if errors not in _ERRORS:
        raise ValueError(f"'errors' must be one of {list(_ERRORS)}, got {errors!r}")
    names = schema.parse_format(format) if format is not None else None
    if _is_s3(source):
        from .s3 import read_s3

        return read_s3(source, format=format, errors=errors, progress=progress, start=start, end=end,
                       accounts=accounts, regions=regions)  # fmt: skip
    from ._select import Selection

    sel = Selection.make(start, end, accounts, regions)
    inputs = _expand(source)
    if sel.active:
        inputs = [i for i in inputs if i.path is None or sel.keeps_key(i.path)]
    read = (lambda i, n: sel.filter_part(_read_input(i, n))) if sel.active else None
    return read_frame(inputs, names, errors=errors, progress=progress, read=read)
