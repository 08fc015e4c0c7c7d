"""gzip inflate with the fastest library installed: ISA-L, then zlib-ng, then zlib.

AWS delivers flow logs to S3 as gzip text objects, several gzip members
concatenated in one object being valid (VPC User Guide, "Flow log files"; RFC
1952, section 2.2), so inflating is the largest cost of a read after parsing.
Two libraries on the package index inflate faster than zlib and release the GIL
while they work, so the objects of a read are inflated on every core at once:

* ``isal`` (python-isal: bindings to Intel's ISA-L, whose inflate is written in
  assembly) inflated flownb's benchmark file at about 3.5x zlib's speed;
* ``zlib-ng`` (python-zlib-ng) at about 2.5x.

Both are in the ``fast`` extra (``pip install 'isal>=1.6'``). When neither is
installed, Arrow's gzip stream (built on zlib) inflates files and Python's
``zlib`` the objects already in memory; the records and the damage reports are
the same with every library. Measured by ``benchmarks/read.py``, which times
each library in one run.

The choice can be forced with :func:`use` (tests and benchmarks do).
"""

from __future__ import annotations

import functools
import importlib
import io
import zlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["NAMES", "Inflater", "backend", "gunzip", "gunzip_prefix", "use"]

#: The libraries flownb can inflate with, fastest first.
NAMES = ("isal", "zlib-ng", "zlib")
_MODULES = {"isal": ("isal.isal_zlib", "isal.igzip"), "zlib-ng": ("zlib_ng.zlib_ng", "zlib_ng.gzip_ng")}
_GZIP_MAGIC = b"\x1f\x8b"
#: Bytes of compressed input the C reader takes from the file at a time (GzipFile's own size in isal).
_READ_SIZE = 512 << 10


@dataclass(frozen=True)
class Inflater:
    """One inflate library: a zlib-like module and, for the fast ones, its gzip module."""

    name: str
    zlib: Any
    gzip: Any | None = None

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        """What the library raises on damaged gzip data (truncated, corrupt, trailing junk)."""
        return (OSError, EOFError, self.zlib.error)

    def open(self, raw: pa.NativeFile) -> Any:
        """A stream of the decompressed content of ``raw`` (every member); closing it closes ``raw``."""
        if self.gzip is None:
            return pa.CompressedInputStream(raw, "gzip")
        # The library's C reader, which GzipFile wraps in an io.BufferedReader: called directly, a
        # block of text is inflated straight into the caller's buffer (about 10% less CPU than
        # through the BufferedReader, measured on the 1,000,000-record benchmark file). Same
        # members, same checks, same errors; GzipFile where a version lacks it.
        reader = getattr(self.zlib, "_GzipReader", None)
        if reader is None:
            return _Stream(self.gzip.GzipFile(fileobj=raw, mode="rb"), raw)
        return _Stream(reader(raw, _READ_SIZE), raw)


class _Stream(io.RawIOBase):
    """A fast library's gzip reader over a raw file, closing both together."""

    def __init__(self, gz: Any, raw: pa.NativeFile) -> None:
        self._gz, self._raw = gz, raw

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._gz.readinto(b)

    def read(self, size: int | None = -1) -> bytes:
        return self._gz.read(-1 if size is None else size)

    def close(self) -> None:
        if not self.closed:
            try:
                self._gz.close()
            finally:
                self._raw.close()
        super().close()


def _load(name: str) -> Inflater | None:
    if name == "zlib":
        return Inflater("zlib", zlib)
    try:
        zmod, gmod = (importlib.import_module(m) for m in _MODULES[name])
    except ImportError:
        return None
    return Inflater(name, zmod, gmod)


_forced: Inflater | None = None


def backend() -> Inflater:
    """The library forced with :func:`use`, else the fastest installed (see :data:`NAMES`)."""
    return _forced or _fastest()


@functools.cache
def _fastest() -> Inflater:
    for name in NAMES:
        found = _load(name)
        if found is not None:
            return found
    raise AssertionError("unreachable: zlib is always there")  # pragma: no cover


def use(name: str | None) -> Inflater:
    """Force one library of :data:`NAMES`, or with None look again for the fastest installed; returns it.

    Raises ``ModuleNotFoundError`` naming the extra when the library is not installed.

    Examples
    --------
    >>> from flownb.io import _inflate
    >>> _inflate.use("zlib").name
    'zlib'
    >>> _inflate.use(None).name in _inflate.NAMES
    True
    """
    global _forced
    _fastest.cache_clear()
    if name is None:
        _forced = None
        return backend()
    if name not in NAMES:
        raise ValueError(f"'name' must be one of {list(NAMES)}, got {name!r}")
    found = _load(name)
    if found is None:
        raise ModuleNotFoundError(
            f"the {name} library is not installed: pip install '{name}'"
            + (" (flownb's 'fast' extra holds it)" if name == "isal" else "")
        )
    _forced = found
    return found


def gunzip(data: bytes | memoryview) -> tuple[bytes, str | None]:
    """Decompress every gzip member of ``data``; on damage, what was readable and what was lost.

    Returns ``(text, problem)``: ``problem`` is None when the whole of ``data``
    was valid gzip (zero bytes padding the end are allowed, as gzip allows them),
    else a sentence for the bad-lines report, and ``text`` holds the members
    (and the part of a member) read before the damage.
    """
    inflater = backend()
    if inflater.gzip is not None:
        reader = getattr(inflater.zlib, "_GzipReader", None)
        try:
            if reader is None:
                return inflater.gzip.decompress(data), None
            return _inflate_into(reader, data), None
        except inflater.errors:
            pass  # find out exactly what is readable, below
    return gunzip_prefix(data, inflater)


def _inflate_into(reader: Any, data: bytes | memoryview) -> bytes:
    """Every member of ``data`` inflated by the library's C reader into one buffer sized in advance.

    The last member's trailer holds its length (ISIZE, RFC 1952 section 2.3.1): for
    the usual single member that is the whole text, so the text is inflated in
    place once, where ``decompress`` grows its output step by step (measured: 0.11 s
    of CPU instead of 0.19 s for the 40 objects of ``benchmarks/read.py``). More
    members than that are appended. The buffer is Arrow's, left
    uninitialised: a ``bytearray`` would first be cleared while holding the
    interpreter lock (0.35 ms for a 2.8 MB text, which the inflating threads wait
    for), and the inflate fills every byte that is kept anyway.
    """
    view = memoryview(data)
    size = int.from_bytes(view[-4:], "little") if len(view) >= 18 else 0
    # deflate expands 1032:1 at most; +1 shows the end
    out = pa.allocate_buffer(min(size, 1032 * len(view)) + 1)
    stream = reader(data)
    got = 0
    with memoryview(out) as whole:
        while got < len(whole):
            with whole[got:] as rest:
                n = stream.readinto(rest)
            if not n:  # the usual end: the text fitted
                # An Arrow buffer: read as bytes everywhere (through BufferReader and len), never changed.
                return out.slice(0, got)
            got += n
        # More text than the last member holds: several members; the rest is appended (one more copy).
        return b"".join((whole, stream.read()))


def gunzip_prefix(raw: bytes | memoryview, inflater: Inflater | None = None) -> tuple[bytes, str | None]:
    """Decompress as many gzip members as are readable; say what was lost.

    Each member's CRC-32 and length are checked as it is read (a mismatch is
    reported as corrupt data).
    """
    z = (inflater or backend()).zlib
    chunks: list[bytes] = []
    view = memoryview(raw)
    pos = 0
    problem = None
    while pos < len(view):
        d = z.decompressobj(wbits=31)
        try:
            chunks.append(d.decompress(view[pos:]))
            chunks.append(d.flush())
        except z.error as exc:
            problem = f"gzip data is corrupt ({exc}); the rest of the object is lost"
            break
        if not d.eof:
            problem = "gzip data is truncated; the rest of the object is lost"
            break
        rest = d.unused_data
        pos = len(view) - len(rest)
        if rest and not rest.startswith(_GZIP_MAGIC):
            if rest.strip(b"\x00"):
                problem = "trailing bytes after the last gzip member were not gzip data"
            break
    chunks = [c for c in chunks if c]
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), problem
