"""Clean flow log text into contract-typed Arrow columns with the native tokenizer.

``flownb.io._tokenize`` (C, built with the package when a compiler is there)
parses a block of lines that are all clean records of one format into typed
column buffers without holding the GIL, so blocks are parsed on every core
while the next one is read or decompressed. It accepts only clean text (fields
of printable ASCII separated by single spaces, ``\\n`` line ends, ``-`` for a
missing value, numbers that fit their column, times in range) and gives up on
anything else: :func:`read_clean` then returns ``None`` and the reader falls
back to Arrow's CSV reader and, for text with bad lines, the careful path that
reports each one. Both give the same frame for clean text; the tests check it.
"""

from __future__ import annotations

import itertools
import mmap
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow

try:
    from . import _tokenize
except ImportError:  # built without a C compiler: the Arrow CSV path does the work
    _tokenize = None

__all__ = ["AVAILABLE", "read_clean"]

#: Whether the native tokenizer was built with this installation.
AVAILABLE = _tokenize is not None
#: Bytes of text per block: big enough to amortise the per-block work, small enough
#: to keep a few blocks in flight per core without raising the peak memory much.
BLOCK = 8 << 20

_KINDS = {
    pa.uint8(): ("B", np.uint8),
    pa.uint16(): ("H", np.uint16),
    pa.uint32(): ("I", np.uint32),
    pa.uint64(): ("Q", np.uint64),
    _arrow.TIMESTAMP: ("t", np.int64),
    _arrow.DICT: ("s", np.int32),
}


class _GiveUp(Exception):
    pass


class _Blocks:
    """Whole lines of a stream, about ``BLOCK`` bytes at a time (the last line may lack its newline).

    Iterating yields ``(buffer, lines)``: ``lines`` is a view into ``buffer``. Hand a
    buffer back with :meth:`recycle` once its lines are parsed, and the next block is
    read into it. Buffers are anonymous memory maps: the operating system provides
    only the pages a block fills (a small file costs no more than its text), and no
    page is cleared twice. Text already in memory (a ``BufferReader``, e.g. an S3
    object) is cut into views without any copy.
    """

    def __init__(self, stream: pa.NativeFile, skip_header: bool) -> None:
        self.stream = stream
        self.skip_header = skip_header
        self.free: list[mmap.mmap] = []

    def recycle(self, buffer: mmap.mmap | None) -> None:
        if buffer is not None:
            self.free.append(buffer)

    def __iter__(self) -> Iterator[tuple[mmap.mmap | None, memoryview]]:
        if isinstance(self.stream, pa.BufferReader):
            return self._in_memory(memoryview(self.stream.read_buffer()))
        return self._streamed()

    def _start(self, head: memoryview) -> int | None:
        """Where the records begin; None while the header line is not yet complete."""
        if bytes(head[:3]) == b"\xef\xbb\xbf":
            raise _GiveUp  # a BOM: the general paths strip it
        if not self.skip_header:
            return 0
        nl = bytes(head[: 1 << 16]).find(b"\n")
        return None if nl < 0 else nl + 1

    def _in_memory(self, text: memoryview) -> Iterator[tuple[None, memoryview]]:
        begin = self._start(text)
        if begin is None:
            if len(text) >= 1 << 16:
                raise _GiveUp  # no newline in the first 64 KiB: not a header line; let Arrow judge
            return
        while begin < len(text):
            cut = min(begin + BLOCK, len(text))
            if cut < len(text):
                nl = bytes(text[cut : cut + (1 << 16)]).find(b"\n")
                if nl < 0:
                    raise _GiveUp  # a line longer than 64 KiB is no flow log record
                cut += nl + 1
            yield None, text[begin:cut]
            begin = cut

    def _streamed(self) -> Iterator[tuple[mmap.mmap, memoryview]]:
        carry = b""
        first, header = True, self.skip_header
        while True:
            need = len(carry) + BLOCK
            try:
                buf = self.free.pop()  # parse threads hand buffers back (list.append/pop are atomic)
            except IndexError:
                buf = None
            if buf is None or len(buf) < need:
                buf = mmap.mmap(-1, max(need, BLOCK + (1 << 16)))
            buf[: len(carry)] = carry
            got = self.stream.readinto(memoryview(buf)[len(carry) : need])
            if not got:
                break
            begin, stop = 0, len(carry) + got  # the lines to parse are buf[begin:stop]
            if first or header:
                first = False
                start = self._start(memoryview(buf)[:stop])
                if start is None:  # the header line goes on past this block
                    if stop >= 1 << 16:
                        raise _GiveUp  # no newline in the first 64 KiB: not a header line; let Arrow judge
                    carry = bytes(buf[:stop])
                    continue
                begin, header = start, False
            cut = buf.rfind(b"\n", begin, stop) + 1
            if cut == 0:
                carry = bytes(buf[begin:stop])
                self.free.append(buf)
                continue
            carry = bytes(buf[cut:stop])
            yield buf, memoryview(buf)[begin:cut]
        if carry and not header:
            yield None, memoryview(carry)


def _batch(block: memoryview | bytes, kinds: str, schema: pa.Schema) -> pa.RecordBatch:
    result = _tokenize.parse_block(block, kinds, _arrow.MAX_EPOCH)
    if result is None:
        raise _GiveUp
    _rows, columns = result
    arrays = []
    for field, kind, (values, mask, uniques) in zip(schema, kinds, columns, strict=True):
        data = np.frombuffer(values, dtype=_KINDS[field.type][1])
        missing = None if mask is None else np.frombuffer(mask, dtype=np.bool_)
        if kind == "s":
            indices = pa.array(data, type=pa.int32(), mask=missing)
            offsets, chars = uniques
            dictionary = pa.StringArray.from_buffers(
                len(offsets) // 4 - 1, pa.py_buffer(offsets), pa.py_buffer(chars)
            )
            arrays.append(pa.DictionaryArray.from_arrays(indices, dictionary))
        elif kind == "t":
            arrays.append(pa.array(data, type=pa.int64(), mask=missing).view(_arrow.TIMESTAMP))
        else:
            arrays.append(pa.array(data, type=field.type, mask=missing))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def read_clean(
    open_stream: Callable[[], pa.NativeFile], columns: list[str], skip_header: bool
) -> pa.Table | None:
    """Parse a whole text stream of clean records, or return ``None`` if it is not all clean.

    Parameters
    ----------
    open_stream
        Returns a fresh Arrow input stream over the (decompressed) text.
    columns
        The contract column names of the format, in order.
    skip_header
        Whether the first line is a header line to skip.
    """
    if _tokenize is None:
        return None
    schema = _arrow.arrow_schema(columns)
    kinds = "".join(_KINDS[f.type][0] for f in schema)
    workers = max(1, min(os.cpu_count() or 1, 8))
    try:
        with open_stream() as stream:
            blocks = _Blocks(stream, skip_header)
            it = iter(blocks)
            first = next(it, None)
            second = next(it, None) if first is not None else None
            if first is None or second is None:  # one block: no threads needed
                batches = [] if first is None else [_batch(first[1], kinds, schema)]
                return pa.Table.from_batches(batches, schema=schema)
            head = [first, second]
            del first, second  # the pipeline recycles their buffers
            batches = _pipeline(blocks, itertools.chain(head, it), kinds, schema, workers)
    except _GiveUp:
        return None
    return pa.Table.from_batches(batches, schema=schema)


_END = object()


def _pipeline(
    blocks: _Blocks,
    it: Iterator[tuple[mmap.mmap | None, memoryview]],
    kinds: str,
    schema: pa.Schema,
    workers: int,
) -> list[pa.RecordBatch]:
    """Parse the blocks of ``it`` on ``workers`` threads while a thread of its own reads them.

    Reading (for gzip: inflating, which drops the GIL) never waits on a parse: it
    stops only when ``workers + 2`` blocks are in flight, so the reader keeps
    a core busy from the first block to the last while the parsers share the
    rest. A buffer goes back to the reader as soon as its block is parsed.
    The batches come back in the order of the text.
    """
    slots = threading.Semaphore(workers + 2)
    futures: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = threading.Event()

    def free(buffer: mmap.mmap | None) -> Callable[[Future[pa.RecordBatch]], None]:
        def done(_: Future[pa.RecordBatch]) -> None:
            blocks.recycle(buffer)
            slots.release()

        return done

    def read(pool: ThreadPoolExecutor) -> None:
        try:
            while True:
                slots.acquire()
                if stop.is_set():
                    break
                item = next(it, None)
                if item is None:
                    break
                fut = pool.submit(_batch, item[1], kinds, schema)
                fut.add_done_callback(free(item[0]))
                futures.put(fut)
                del item, fut
        except BaseException as exc:  # handed to the caller, who raises it
            futures.put(exc)
        futures.put(_END)

    batches: list[pa.RecordBatch] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flownb-parse") as pool:
        reader = threading.Thread(target=read, args=(pool,), name="flownb-read-blocks", daemon=True)
        reader.start()
        try:
            while (got := futures.get()) is not _END:
                if isinstance(got, BaseException):
                    raise got
                batches.append(got.result())
        finally:
            stop.set()
            slots.release()  # a reader waiting for a slot sees ``stop``
            reader.join()  # it reads the stream: let it finish before the stream closes
            while not futures.empty():
                got = futures.get()
                if isinstance(got, Future):
                    got.cancel()
    return batches
