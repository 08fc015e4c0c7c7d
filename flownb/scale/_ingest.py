"""``flownb.ingest``: flow logs, file by file, into a Parquet store an engine can query.

Each source file (or S3 object) is parsed by the same loss-free reader as
:func:`flownb.read_flow_logs`, its records are split by account, region and hour
and written as Parquet in AWS's schema (see :mod:`flownb.scale._store`), its bad
lines are kept beside the data, and a line is appended to the manifest. Raw text
never reaches an engine unparsed: engines' CSV readers drop or null bad lines
silently, and one truncated gzip aborts a whole query (see
``docs/scale.md``).

Resumable: a second run skips the sources already in the manifest with the
same size and modification time (size for S3 objects); a run that is killed
leaves no half-written file visible, since every file is written under a
temporary name and renamed when whole, and only files the manifest names are
read. Memory stays bounded: at most ``2 * workers`` sources are in memory at
once, whatever the number of sources.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import schema
from ..io._errors import FlowLogParseError, FlowLogParseWarning, FlowLogSourceError
from ..io._layout import key_info
from ..io._select import Selection, TimeLike
from ..io._text import Part
from . import _store

__all__ = ["IngestReport", "ingest"]

#: Parquet compression of the store. zstd: about the size of gzip text's input at a fraction of the
#: decompression cost (measured in docs/scale.md); flownb's own choice.
COMPRESSION = "zstd"
_INT64_MAX = 2**63 - 1
_UNKNOWN = "unknown"


@dataclass
class IngestReport:
    """What one :func:`ingest` run did.

    Attributes
    ----------
    store : str
        The store's folder.
    sources : int
        Sources found (after pruning by ``start``, ``end``, ``accounts``, ``regions``).
    ingested, skipped : int
        Sources parsed and written by this run; sources already in the store.
    records, bad_lines : int
        Records written and lines kept aside by this run.
    files : int
        Parquet data files written by this run.

    Examples
    --------
    >>> import tempfile
    >>> import flownb
    >>> store = tempfile.mkdtemp() + "/store"
    >>> first = flownb.ingest(flownb.samples.path("aws-docs"), store)
    >>> first.sources, first.ingested, first.records, first.bad_lines
    (8, 8, 27, 0)
    >>> again = flownb.ingest(flownb.samples.path("aws-docs"), store)  # nothing new: nothing written
    >>> again.ingested, again.skipped, again.records
    (0, 8, 0)
    """

    store: str
    sources: int = 0
    ingested: int = 0
    skipped: int = 0
    records: int = 0
    bad_lines: int = 0
    files: int = 0
    seconds: float = 0.0
    bad_sources: list[str] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return (
            f"{self.store}: {self.ingested} of {self.sources} source(s) ingested, {self.skipped} already there; "
            f"{self.records:,} records in {self.files} file(s), {self.bad_lines} bad line(s) kept aside "
            f"({self.seconds:.1f} s)"
        )


@dataclass(frozen=True)
class _Source:
    """One input and its identity (what says whether it changed since it was ingested)."""

    name: str
    size: int
    version: str  # mtime_ns for files, size for S3 objects, a content hash for bytes
    item: Any  # what the reader takes

    def ident(self, sel: dict[str, Any]) -> str:
        key = json.dumps([self.name, self.size, self.version, sel], sort_keys=True)
        return hashlib.sha1(key.encode()).hexdigest()[:20]


def _selection_dict(sel: Selection) -> dict[str, Any]:
    return {
        "start": None if sel.start is None else sel.start.isoformat(),
        "end": None if sel.end is None else sel.end.isoformat(),
        "accounts": None if sel.accounts is None else sorted(sel.accounts),
        "regions": None if sel.regions is None else sorted(sel.regions),
    }


def _covers(done: dict[str, Any], want: dict[str, Any]) -> bool:
    """Did an earlier ingest with selection ``done`` keep every record ``want`` keeps?"""
    if done["start"] is not None and (want["start"] is None or want["start"] < done["start"]):
        return False
    if done["end"] is not None and (want["end"] is None or want["end"] > done["end"]):
        return False
    for k in ("accounts", "regions"):
        if done[k] is not None and (want[k] is None or not set(want[k]) <= set(done[k])):
            return False
    return True


def _hull(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The smallest selection keeping what either keeps (so a new ingest never drops what an old one kept)."""
    out: dict[str, Any] = {}
    out["start"] = None if a["start"] is None or b["start"] is None else min(a["start"], b["start"])
    out["end"] = None if a["end"] is None or b["end"] is None else max(a["end"], b["end"])
    for k in ("accounts", "regions"):
        out[k] = None if a[k] is None or b[k] is None else sorted(set(a[k]) | set(b[k]))
    return out


# ---------------------------------------------------------------------------------------------- sources


def _local_sources(source: Any, sel: Selection) -> list[_Source]:
    from ..io._read import _expand

    out = []
    for inp in _expand(source):
        if inp.path is not None:
            if not sel.keeps_key(inp.path):
                continue
            st = os.stat(inp.path)
            out.append(_Source(str(Path(inp.path).resolve()), st.st_size, str(st.st_mtime_ns), inp))
        else:
            digest = hashlib.sha1(inp.data or b"").hexdigest()
            out.append(_Source(f"{inp.name}:{digest[:12]}", len(inp.data or b""), digest, inp))
    return out


def _s3_sources(urls: Sequence[str], sel: Selection) -> tuple[list[_Source], Any]:
    from ..io import _aws
    from ..io import _s3 as s3

    client = _aws.client("s3", max_pool_connections=s3.WORKERS + 4)
    seen = s3._Seen()
    objects = sorted(
        {o.url: o for u in urls for o in s3._walk(u, sel, client, seen)}.values(),
        key=lambda o: (o.bucket, o.key),
    )
    if not objects and seen.listed == 0:
        raise FlowLogSourceError(
            f"{', '.join(urls)}: no objects under this prefix. Check the bucket and prefix."
        )
    return [_Source(o.url, o.size, str(o.size), o) for o in objects], client


def _reader(is_s3: bool, client: Any, names: list[str] | None, sel: Selection) -> Any:
    if is_s3:
        from ..io import _s3 as s3

        def read(src: _Source) -> Part:
            return s3._parse_object(src.item, s3._download(client, src.item), names, sel)

    else:
        from ..io._engine import read_input

        def read(src: _Source) -> Part:
            return sel.filter_part(read_input(src.item, names))

    return read


# ---------------------------------------------------------------------------------------------- writing


def _to_store_types(table: pa.Table, name: str) -> tuple[pa.Table, list[tuple[str, int, str, str]]]:
    """Cast a contract-typed table to AWS's Parquet types; rows whose counters do not fit go to bad lines."""
    bad: list[tuple[str, int, str, str]] = []
    too_big = None
    for col in table.column_names:
        if _store.data_type(col) == pa.int64() and pa.types.is_uint64(table.schema.field(col).type):
            over = pc.fill_null(pc.greater(table[col], pa.scalar(_INT64_MAX, pa.uint64())), False)
            too_big = over if too_big is None else pc.or_(too_big, over)
    if too_big is not None and pc.any(too_big).as_py():
        rows = table.filter(too_big).to_pylist()
        for r in rows:
            text = " ".join("-" if v is None else str(v) for v in r.values())
            bad.append((name, 0, "a counter is larger than AWS's Parquet INT_64 can hold", text))
        table = table.filter(pc.invert(too_big))
    arrays, fields = [], []
    for col, arr in zip(table.column_names, table.columns, strict=True):
        target = _store.data_type(col)
        if pa.types.is_timestamp(arr.type):
            arr = arr.cast(pa.int64())
        elif pa.types.is_dictionary(arr.type) and target == pa.string():
            # strings stay dictionary-encoded: Parquet writes them as STRING with its dictionary encoding
            # anyway, and no string is materialised on the way
            arrays.append(arr)
            fields.append(pa.field(col, arr.type))
            continue
        arrays.append(arr.cast(target))
        fields.append(pa.field(col, target))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields)), bad


def _constant(table: pa.Table, column: str, fallback: str) -> str | None:
    """The one value of a column (``fallback`` when absent or all missing), None when it varies."""
    if column not in table.column_names:
        return fallback
    values = pc.unique(table[column].combine_chunks())
    if pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    if len(values) == 1:
        v = values[0].as_py()
        return fallback if v is None else str(v)
    return None


def _key_value(table: pa.Table, column: str, fallback: str) -> pa.Array:
    if column in table.column_names:
        return pc.fill_null(table[column].combine_chunks().cast(pa.string()), fallback)
    return pa.array(np.full(table.num_rows, fallback, dtype=object), pa.string())


def _partitions(table: pa.Table, src: _Source) -> Iterator[tuple[str, pa.Table]]:
    """(partition folder, rows) for every account, region and hour of the records."""
    if table.num_rows == 0:
        return
    info = key_info(src.name)
    acc1 = _constant(table, "account_id", info.account_id or _UNKNOWN)
    reg1 = _constant(table, "region", info.region or _UNKNOWN)
    if acc1 is not None and reg1 is not None:  # the usual case: one account and region per source
        if "start" in table.column_names:
            h = pc.fill_null(table["start"].cast(pa.int64()), 0).to_numpy(zero_copy_only=False) // 3600
        else:
            h = np.zeros(table.num_rows, np.int64)
        if len(h) > 1 and not (h[1:] >= h[:-1]).all():
            order = np.argsort(h, kind="stable")
            table, h = table.take(pa.array(order)), h[order]
        change = np.flatnonzero(h[1:] != h[:-1]) + 1
        for lo, hi in itertools.pairwise([0, *change.tolist(), table.num_rows]):
            yield _store.partition_dir(acc1, reg1, int(h[lo])), table.slice(lo, hi - lo)
        return
    account = _key_value(table, "account_id", info.account_id or _UNKNOWN)
    region = _key_value(table, "region", info.region or _UNKNOWN)
    if "start" in table.column_names:
        hour = pc.fill_null(pc.divide(table["start"], 3600), 0)
    else:
        hour = pa.array(np.zeros(table.num_rows, np.int64))
    keys = pa.table({"a": account, "r": region, "h": hour})
    groups = keys.group_by(["a", "r", "h"]).aggregate([]).to_pylist()
    if len(groups) == 1:
        g = groups[0]
        yield _store.partition_dir(g["a"], g["r"], g["h"]), table
        return
    order = pc.sort_indices(keys, [("a", "ascending"), ("r", "ascending"), ("h", "ascending")])
    table, keys = table.take(order), keys.take(order)
    a, r, h = (keys[c].to_numpy(zero_copy_only=False) for c in ("a", "r", "h"))
    change = np.flatnonzero((a[1:] != a[:-1]) | (r[1:] != r[:-1]) | (h[1:] != h[:-1])) + 1
    bounds = [0, *change.tolist(), table.num_rows]
    for lo, hi in itertools.pairwise(bounds):
        yield _store.partition_dir(str(a[lo]), str(r[lo]), int(h[lo])), table.slice(lo, hi - lo)


def _write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file under a temporary name, then rename it: never half a file under its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    # dictionary encoding for the strings only: numbers compress as well without it, and it halves the
    # time to write (measured here: 46 ms instead of 84 ms for 50,000 records, and 23 % smaller).
    # Statistics (min/max, what engines prune row groups by) for the numbers only: computing them over
    # strings took a third of the write, and a file's strings (addresses, ENIs, ACCEPT..REJECT) span a
    # range that prunes nothing; times and ports keep theirs. Version 1 data pages, the form every engine
    # reads: 43 ms instead of 116 ms for 50,000 records (benchmarks/scale.py's records, load 9), same size.
    strings = [f.name for f in table.schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)]
    numbers = [f.name for f in table.schema if f.name not in strings]
    pq.write_table(
        table,
        tmp,
        compression=COMPRESSION,
        use_dictionary=strings,
        write_statistics=numbers or False,
        data_page_version="1.0",
    )
    os.replace(tmp, path)


def _write_source(root: Path, src: _Source, sid: str, part: Part) -> tuple[dict[str, Any], int]:
    """Write a parsed source's data and sidecars; the manifest entry (not yet appended) and its file count."""
    table, too_big = _to_store_types(part.table, src.name) if part.table is not None else (None, [])
    bad = list(part.bad) + too_big
    files = []
    records = 0
    if table is not None:
        for folder, rows in _partitions(table, src):
            rel = f"{folder}/part-{sid}.parquet"
            _write_atomic(rows, root / rel)
            files.append(rel)
            records += rows.num_rows
    if bad:
        _write_atomic(
            pa.table({k: [b[i] for b in bad] for i, k in enumerate(("source", "line", "reason", "text"))}),
            root / _store.BAD_LINES / f"{sid}.parquet",
        )
    if part.notes:
        notes = part.notes
        _write_atomic(
            pa.table({k: [n[i] for n in notes] for i, k in enumerate(("source", "line", "what"))}),
            root / _store.NOTES / f"{sid}.parquet",
        )
    entry = {
        "source": src.name,
        "id": sid,
        "size": src.size,
        "version": src.version,
        "records": records,
        "bad_lines": len(bad),
        "notes": len(part.notes),
        "formats": list(part.formats),
        "columns": [] if table is None else table.column_names,
        "files": files,
        "ingested_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return entry, len(files)


def _append(root: Path, entry: dict[str, Any]) -> None:
    """Append one complete line to the manifest (the source is then committed).

    One ``write`` of a whole line: a killed process leaves the line whole or absent (the operating
    system keeps what was written). The manifest is synced to disk once, at the end of the run
    (:func:`_sync`); a machine that crashes before may lose the last lines, whose sources the next
    ingest then writes again under the same names.
    """
    with (root / _store.MANIFEST).open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def _sync(root: Path) -> None:
    path = root / _store.MANIFEST
    if path.exists():
        with path.open("a") as f:
            os.fsync(f.fileno())


def _sweep(root: Path, manifest: dict[str, dict[str, Any]]) -> None:
    """Delete what an interrupted ingest left: temporary files and files no manifest entry names."""
    keep = {f for e in manifest.values() for f in e.get("files", [])}
    ids = {e["id"] for e in manifest.values()}
    data = root / _store.DATA
    if data.exists():
        for path in data.rglob("*"):
            if not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if path.name.endswith(".tmp") or (path.name.startswith("part-") and rel not in keep):
                path.unlink()
    for side in (_store.BAD_LINES, _store.NOTES):
        folder = root / side
        if folder.exists():
            for path in folder.iterdir():
                if path.name.endswith(".tmp") or path.name.removesuffix(".parquet") not in ids:
                    path.unlink()
    # Rewrite a manifest whose last line was cut short, so later appends start on a fresh line.
    path = root / _store.MANIFEST
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
            os.replace(tmp, path)


def _drop_old(root: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """After a changed source is committed again, delete the files of its previous version."""
    for rel in set(old.get("files", [])) - set(new["files"]):
        with contextlib.suppress(FileNotFoundError):
            (root / rel).unlink()
    if old["id"] != new["id"]:
        for side in (_store.BAD_LINES, _store.NOTES):
            with contextlib.suppress(FileNotFoundError):
                (root / side / f"{old['id']}.parquet").unlink()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One ingest at a time per store (an advisory lock on a file in the store)."""
    import fcntl

    with (root / ".lock").open("w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FlowLogSourceError(
                f"{root}: another ingest is writing to this store; wait for it to finish, then run again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _prepare_store(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise FlowLogSourceError(f"{root}: the store must be a folder, and this is a file.")
    if root.is_dir() and any(root.iterdir()) and not _store.is_store(root):
        raise FlowLogSourceError(
            f"{root}: this folder holds other files and is not a flownb store; give an empty or new folder."
        )
    root.mkdir(parents=True, exist_ok=True)
    marker = root / _store.MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"flownb_store": _store.STORE_VERSION}) + "\n", encoding="utf-8")


def ingest(
    source: Any,
    store: str | os.PathLike,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
    format: str | Sequence[str] | None = None,
    errors: str = "warn",
    progress: bool | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Parse flow logs once, file by file, into a Parquet store that :func:`open_dataset` queries.

    Parameters
    ----------
    source : path, directory, glob pattern, s3:// URL, or a list of these
        What :func:`flownb.read_flow_logs` reads (text, gzip or Parquet, any
        delivery layout).
    store : path
        A new or empty folder, or a store written before (then only what is new
        is ingested).
    start, end, accounts, regions : optional
        Keep only these records, as in :func:`flownb.read_flow_logs`; sources
        whose delivery folder rules them out are not read.
    format : str, optional
        Record format of text files without a header line.
    errors : {"warn", "raise", "ignore"}, default "warn"
        Bad lines are always kept in the store (``ds.bad_lines``); ``"warn"``
        says how many at the end, ``"raise"`` stops at the first source with one
        (the sources before it stay committed).
    progress : bool, optional
        A progress bar (by default when 50 or more sources are read).
    workers : int, optional
        Sources parsed at once (default: the number of cores, at most 8).

    Returns
    -------
    IngestReport

    Examples
    --------
    >>> import tempfile, flownb
    >>> from flownb.samples import path
    >>> store = tempfile.mkdtemp() + "/store"
    >>> flownb.ingest(path("aws-docs"), store).records
    27
    >>> flownb.ingest(path("aws-docs"), store).skipped > 0      # a second run adds nothing
    True
    """
    if errors not in ("raise", "warn", "ignore"):
        raise ValueError(f"'errors' must be one of ['raise', 'warn', 'ignore'], got {errors!r}")
    t0 = time.perf_counter()
    names = schema.parse_format(format) if format is not None else None
    sel = Selection.make(start, end, accounts, regions)
    want = _selection_dict(sel)
    from ..io._read import _is_s3

    is_s3 = _is_s3(source)
    if is_s3:
        sources, client = _s3_sources([source] if isinstance(source, str) else list(source), sel)
    else:
        sources, client = _local_sources(source, sel), None
    root = Path(store).expanduser().resolve()
    _prepare_store(root)
    report = IngestReport(store=str(root), sources=len(sources))
    with _locked(root):
        manifest = _store.read_manifest(root)
        _sweep(root, manifest)
        todo: list[tuple[_Source, Selection, str]] = []
        for src in sources:
            old = manifest.get(src.name)
            if old is not None and old["size"] == src.size and old["version"] == src.version:
                if _covers(old["selection"], want):
                    report.skipped += 1
                    continue
                hull = _hull(old["selection"], want)
                s = Selection.make(hull["start"], hull["end"], hull["accounts"], hull["regions"])
                todo.append((src, s, src.ident(hull)))
            else:
                todo.append((src, sel, src.ident(want)))
        _run(root, todo, manifest, names, is_s3, client, errors, progress, workers, report)
    report.seconds = time.perf_counter() - t0
    if report.bad_lines and errors == "warn":
        warnings.warn(
            f"{report.bad_lines} line(s) in {len(report.bad_sources)} source(s) could not be parsed; they are kept "
            f"in {root / _store.BAD_LINES} (see open_dataset(store).bad_lines). First source: "
            f"{report.bad_sources[0]}.",
            FlowLogParseWarning,
            stacklevel=2,
        )
    return report


def _run(
    root: Path,
    todo: list[tuple[_Source, Selection, str]],
    manifest: dict[str, dict[str, Any]],
    names: list[str] | None,
    is_s3: bool,
    client: Any,
    errors: str,
    progress: bool | None,
    workers: int | None,
    report: IngestReport,
) -> None:
    from ..io._engine import bounded_map

    readers: dict[int, Any] = {}

    def read(job: tuple[_Source, Selection, str]) -> tuple[_Source, Selection, Part, dict[str, Any], int]:
        """Parse one source and write its files (in a worker); the main thread commits it."""
        src, s, sid = job
        fn = readers.get(id(s))
        if fn is None:
            fn = readers[id(s)] = _reader(is_s3, client, names, s)
        part = fn(src)
        if errors == "raise" and part.bad:
            return src, s, part, {}, 0
        entry, nfiles = _write_source(root, src, sid, part)
        part.table = None
        return src, s, part, entry, nfiles

    workers = workers or min(os.cpu_count() or 1, 8)
    show = progress if progress is not None else len(todo) >= 50
    bar = None
    if show and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="Ingesting flow log files", unit="file", file=sys.stderr)
    try:
        for src, s, part, entry, nfiles in bounded_map(read, todo, workers):
            if errors == "raise" and part.bad:
                raise FlowLogParseError(*part.bad[0])
            entry["selection"] = _selection_dict(s)
            _append(root, entry)
            old = manifest.get(src.name)
            if old is not None:
                _drop_old(root, old, entry)
            manifest[src.name] = entry
            report.ingested += 1
            report.records += entry["records"]
            report.files += nfiles
            if entry["bad_lines"]:
                report.bad_lines += entry["bad_lines"]
                report.bad_sources.append(src.name)
            if bar is not None:
                bar.update(1)
    finally:
        _sync(root)
        if bar is not None:
            bar.close()
