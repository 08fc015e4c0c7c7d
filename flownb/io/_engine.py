"""The reading engine every source shares: what one input holds, and parts into one contract DataFrame.

An input (a file, or bytes already in memory such as an S3 object) is
recognised from its content, not its name: gzip (one or several members, gzip
inside gzip too), Parquet, CloudWatch Logs exports and payloads
(:mod:`flownb.io._exports`), or flow log text (:mod:`flownb.io._text`). Inputs are
read in parallel with a bounded number in flight (:func:`read_frame`); while
later ones are read, the Arrow tables of the earlier ones are converted to
pandas a group at a time, and the pieces are joined column by column at the
end (the columns on one thread per core), so the Arrow and pandas copies of the
records never exist in full at once.

The front doors import this module: :func:`flownb.read_flow_logs` (local
sources, :mod:`flownb.io._read`), :mod:`flownb.io._s3`, :mod:`flownb.io._cloudwatch`
and the Parquet store's ingest; it imports none of them.
"""

from __future__ import annotations

import collections
import functools
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import _arrow
from .._provenance import Provenance, attach
from . import _exports as exports
from . import _inflate, _sniff
from ._errors import FlowLogParseError, FlowLogParseWarning
from ._parquet import parse_parquet
from ._text import ContentReader, Part, parse_careful, parse_text

__all__ = [
    "CONTENT_READERS",
    "ERRORS",
    "GROUP_BYTES",
    "INFLATE_AT_ONCE",
    "INFLATE_FILE_AT_ONCE",
    "Errors",
    "Input",
    "bounded_map",
    "finish",
    "read_frame",
    "read_input",
]

Errors = Literal["raise", "warn", "ignore"]
ERRORS = ("raise", "warn", "ignore")
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
#: Gzip inputs already in memory up to this compressed size are decompressed in one go (their text is
#: then read from memory); bigger ones and files on disk are decompressed as a stream. flownb's own
#: choice: S3 delivers flow log objects of a few MB at most, which this covers with room to spare.
INFLATE_AT_ONCE = 64 << 20
#: Gzip files on disk up to this size are read and decompressed in one go too: one inflate of the whole
#: file instead of a stream reopened for each look at its head (each reopening inflates the fast
#: libraries' whole read buffer again). Bigger files are streamed, so their text is never held in full.
#: flownb's own choice: above S3's flow log objects (a few MB), below the files a user concatenates.
INFLATE_FILE_AT_ONCE = 8 << 20


#: The kinds of content recognised before plain text, tried in order: gzip inside gzip, then
#: CloudWatch Logs' files (:data:`flownb.io._exports.READERS`). Another reader may be appended.
CONTENT_READERS: list[ContentReader] = []


@dataclass(frozen=True)
class Input:
    """One input to read: a file (``path``) or bytes in memory (``data``), named in bad-line reports."""

    name: str
    path: str | None = None
    data: bytes | None = None

    def raw(self) -> pa.NativeFile:
        return pa.OSFile(self.path) if self.path is not None else pa.BufferReader(self.data)

    def head(self, n: int = 8) -> bytes:
        with self.raw() as f:
            return f.read(n)


def read_input(inp: Input, names: list[str] | None) -> Part:
    """Read one input, whatever it holds, into a :class:`~flownb.io._text.Part`; lose nothing.

    Damaged gzip keeps the records of what could be decompressed, and the damage is reported as a bad
    line after them. ``names``: the record format of text without a header line (None: the default).
    """
    magic = inp.head(4)
    if magic.startswith(PARQUET_MAGIC):
        src = inp.path if inp.path is not None else pa.BufferReader(inp.data)
        return parse_parquet(src, inp.name)
    gz = magic.startswith(GZIP_MAGIC)
    if gz and inp.path is not None and os.path.getsize(inp.path) <= INFLATE_FILE_AT_ONCE:
        with inp.raw() as f:
            inp = Input(name=inp.name, data=f.read())
    if gz and inp.data is not None and len(inp.data) <= INFLATE_AT_ONCE:
        # An object already in memory (from S3, a file-like): decompress it once here, instead of
        # once per look at its head and once more to parse it.
        text, problem = _inflate.gunzip(inp.data)
        if problem is not None:
            return _damaged(text, problem, inp.name, names)
        inp = Input(name=inp.name, data=text)
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
            return read_input(Input(name=inp.name, data=data), names)
        return _damaged(data, problem, inp.name, names)


def _damaged(data: bytes, problem: str, name: str, names: list[str] | None) -> Part:
    """The records of what could be decompressed, and the problem as a bad line after them."""
    part = parse_careful(data, name, names)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    part.bad.append((name, lines + 1, problem, ""))
    return part


def bounded_map(fn: Callable[[Input], Part], items: Sequence[Input], workers: int) -> Iterator[Part]:
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
    read = read or read_input
    workers = _workers(inputs, workers)
    show = progress if progress is not None else len(inputs) >= 50
    bar = None
    if show and len(inputs) > 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(inputs), desc=f"Reading {total_desc}", unit="file")
    try:
        for part in bounded_map(lambda i: read(i, names), list(inputs), workers):
            if errors == "raise" and part.bad:
                src, line, reason, text = part.bad[0]
                raise FlowLogParseError(src, line, reason, text)
            yield part
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def _workers(inputs: Sequence[Any], workers: int | None) -> int:
    """The inputs read at once: ``workers``, or one per core (at most 8) and no more than there are inputs."""
    return workers or min(len(inputs), os.cpu_count() or 1, 8)


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
    (plus one group and the inputs in flight), not near twice it. The last
    parts (fewer left to read than there are reading threads, so a core is
    free) are converted as each arrives: what is left to do after the last
    read is then one part's conversion and the join, not a whole group's.
    """
    frames = _Frames()
    parts = []
    tail = len(inputs) - _workers(inputs, workers)
    for i, part in enumerate(
        _parts(
            inputs, names, errors=errors, progress=progress, workers=workers, read=read, total_desc=total_desc
        )
    ):
        frames.add(part, now=i >= tail)
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

    def add(self, part: Part, *, now: bool = False) -> None:
        """Take over a part's table (the part keeps its provenance only); ``now``: convert it at once."""
        table, part.table = part.table, None
        if table is None:
            return
        self.tables.append(table)
        self.nbytes += table.nbytes
        del table
        if now or self.nbytes >= GROUP_BYTES:
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
    (as :func:`flownb._arrow.combine` orders them); a column a piece lacks is
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

    # The joins run on up to one thread per core (copying and hashing release the interpreter lock):
    # after the last input is read this join is all that is left, and on one thread it kept a core
    # idle. Each thread holds one new column at a time; the first takes the biggest columns first and
    # the others the smallest first, so that two big new columns are seldom held at once. The price:
    # the join threads' allocations come from heaps of their own, so the first read of a process peaks
    # higher (benchmarks/s3_read.py's 200 objects: RSS 1.55-1.69x the frame, against 1.42-1.54x joined
    # in this thread; later reads alike). FLOWNB_JOIN_THREADS=1 joins here.
    threads = _join_threads(len(order))
    columns: dict[str, Any] = {}
    if threads <= 1:
        columns = {name: join(name) for name in order}
    else:
        queue = collections.deque(sorted(order, key=lambda n: -sum(_nbytes(a) for a in arrays[n])))
        lock = threading.Lock()

        def work(biggest_first: bool) -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    name = queue.popleft() if biggest_first else queue.pop()
                columns[name] = join(name)

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="flownb-join") as pool:
            for done in [pool.submit(work, i == 0) for i in range(threads)]:
                done.result()
    return pd.DataFrame({name: columns.pop(name) for name in order}, columns=order, copy=False)


def _join_threads(columns: int) -> int:
    """Threads joining columns: one per core, at most 8 and no more than there are columns.

    The environment variable ``FLOWNB_JOIN_THREADS`` (a positive number) overrides it; ``1`` joins in the
    calling thread, as benchmarks do to compare.
    """
    forced = os.environ.get("FLOWNB_JOIN_THREADS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return min(int(forced), columns)
    return max(1, min(os.cpu_count() or 1, 8, columns))


def _nbytes(array: Any) -> int:
    """Bytes of a pandas array's data (codes for a categorical), the measure of the work to join it."""
    return int(array.codes.nbytes) if isinstance(array, pd.Categorical) else int(array.nbytes)


def _union_categories(cats: list[pd.Categorical]) -> pd.Categorical:
    """One categorical of all values; categories in order of first appearance.

    The union is found with Arrow's hashing on the categories as Arrow strings,
    and each piece's codes are translated with one ``take``: no Python string
    objects are made (pandas' own union would turn millions of categories into
    them, and keep them with the result).
    """
    dicts = [pa.array(c.categories.array, pa.large_string()) for c in cats]
    every = pa.chunked_array(dicts, pa.large_string())
    categories = pc.unique(every)
    code_type = _arrow.code_type(len(categories))
    # One lookup of every piece's categories at once: index_in hashes its value set on each call, which
    # for columns of many distinct values (addresses) cost ten times more than the lookups themselves.
    where_all = pc.index_in(every, value_set=categories).to_numpy(zero_copy_only=False).astype(code_type)
    codes = np.empty(sum(len(c) for c in cats), code_type)
    pos = start = 0
    for cat, values in zip(cats, dicts, strict=True):
        # A code of -1 (missing) picks the -1 appended at the end.
        translate = np.append(where_all[start : start + len(values)], code_type(-1))
        start += len(values)
        np.take(translate, cat.codes, out=codes[pos : pos + len(cat)], mode="wrap")
        pos += len(cat)
    kind = next((c.categories.dtype for c in cats if len(c.categories)), cats[0].categories.dtype)
    index = pd.Index(pd.array(categories, dtype=kind), copy=False)
    return pd.Categorical.from_codes(codes, dtype=_arrow.categorical_dtype(index), validate=False)


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


def _parse_nested_gzip(data: bytes, name: str, names: list[str] | None) -> Part:
    """Decompress once more and read what is inside, recognised from its content.

    Amazon Data Firehose writes gzip inside gzip when it compresses (again) the gzip payloads
    CloudWatch Logs sends it.
    """
    return read_input(Input(name=name, data=data), names)


CONTENT_READERS.extend(
    [
        ContentReader("nested-gzip", lambda head: head.startswith(GZIP_MAGIC), _parse_nested_gzip),
        *exports.READERS,
        _sniff.BINARY,  # last: content that none of the others recognises and that is not text
    ]
)
