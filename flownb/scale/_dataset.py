"""``flownb.open_dataset``: flow logs on disk as a lazy :class:`FlowDataset`, queried by an engine.

A dataset is a list of Parquet files (pruned by account, region and time from
their folder names, before any engine sees them), a chain of filters, and an
engine that runs what the analyses ask for. Nothing is read until a result is
asked for (``len(ds)``, ``ds.head()``, ``ds.to_pandas()``, ``flownb.top(ds)``).

The engine is DuckDB through Ibis (embedded, out of core: it spills to
``temp_directory`` beyond ``memory_limit``). Every analysis is one Ibis
expression, so ``ds.show_sql(flownb.top, dialect="athena")`` shows the SQL the
same question would run on Athena (Trino). Needs the ``scale`` extra (the README's extras table).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import _arrow, schema
from .._extras import missing
from .._provenance import Provenance, attach
from ..io._errors import FlowLogSourceError
from ..io._select import Selection, TimeLike
from . import _store

__all__ = ["ENGINES", "ROW_CAP", "FlowDataset", "open_dataset"]

ENGINES = ("duckdb", "spark", "athena")
#: ``to_pandas()`` without ``limit`` refuses more rows than this (flownb's own choice: about 0.6 GB as
#: a contract frame, 55 bytes a record); pass ``limit=`` or narrow the dataset with ``filter``.
ROW_CAP = 10_000_000


def _ibis() -> Any:
    try:
        import ibis
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise missing("ibis-framework", "open_dataset", "scale") from None
    return ibis


@dataclasses.dataclass(frozen=True)
class _Engine:
    """One engine connection, shared by a dataset and the datasets filtered from it."""

    name: str
    con: Any
    views: dict = dataclasses.field(default_factory=dict, compare=False)

    def table(self, files: tuple[str, ...], columns: tuple[str, ...]) -> Any:
        """The Ibis table over these Parquet files (one view per distinct file list).

        No files (everything pruned, or only bad lines ingested): an empty table of ``columns``.
        """
        view = self.views.get(files)
        if view is None and self.name == "spark" and files:
            view = self._spark_table(files)
            self.views[files] = view
        if view is None:
            if files:
                view = self.con.read_parquet(list(files), union_by_name=True, hive_partitioning=False)
            else:
                empty = pa.schema([pa.field(c, _store.data_type(c)) for c in columns]).empty_table()
                view = _ibis().memtable(empty)
            self.views[files] = view
        return view

    def _spark_table(self, files: tuple[str, ...]) -> Any:
        """Spark reads the files as they are (mergeSchema for several formats); the folder names it would
        take as partition columns are left out, as on DuckDB."""
        session = self.con._session
        names = list(dict.fromkeys(n for f in files for n in pq.read_schema(f).names))
        frame = session.read.option("mergeSchema", "true").parquet(*files).select(*names)
        name = f"flownb_records_{len(self.views)}"
        frame.createOrReplaceTempView(name)
        return self.con.table(name)


def _connect(
    engine: str, memory_limit: str | None, temp_directory: str | None, threads: int | None
) -> _Engine:
    if engine not in ENGINES:
        raise ValueError(f"'engine' must be one of {list(ENGINES)}, got {engine!r}")
    ibis = _ibis()
    if engine == "spark":
        # best effort (issue 15): Spark in local mode here, a cluster's session elsewhere
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - the extra is installed in the tests
            raise missing("pyspark", "open_dataset(engine='spark')", "spark") from None
        builder = SparkSession.builder.master(f"local[{threads or 2}]").appName("flownb")
        builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
        if memory_limit is not None:
            memory = memory_limit.lower().replace("gb", "g").replace("mb", "m")
            builder = builder.config("spark.driver.memory", memory)
        return _Engine("spark", ibis.pyspark.connect(builder.getOrCreate()))
    config: dict[str, Any] = {"preserve_insertion_order": False}
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    if temp_directory is not None:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_directory)
    if threads is not None:
        config["threads"] = int(threads)
    return _Engine("duckdb", ibis.duckdb.connect(**config))


@dataclasses.dataclass(frozen=True)
class _File:
    path: str
    key: str  # the path from the store or folder root, with the delivery layout's folders


class FlowDataset:
    """Flow log records on disk, filtered lazily and queried by an engine.

    Made by :func:`open_dataset`. The public analyses (``flownb.top``,
    ``flownb.timeseries``, ...) accept a dataset wherever they accept a
    DataFrame and return the same result; :meth:`to_pandas` brings records into
    memory as the DataFrame contract says.

    Examples
    --------
    >>> import tempfile, flownb
    >>> from flownb.samples import path
    >>> store = tempfile.mkdtemp() + "/store"
    >>> _ = flownb.ingest(path("aws-docs"), store)
    >>> ds = flownb.open_dataset(store)
    >>> len(ds), len(ds.filter(actions=("REJECT",)))
    (27, 2)
    >>> rejected = ds.filter(actions=("REJECT",)).to_pandas()  # in no particular order
    >>> rejected.sort_values("dstport", ignore_index=True)[["srcaddr", "dstport", "action"]]
             srcaddr  dstport  action
    0  172.31.16.139        0  REJECT
    1    172.31.9.69     3389  REJECT
    """

    _flownb_dataset = True  # what flownb._dispatch recognises

    def __init__(
        self,
        engine: _Engine,
        files: Sequence[_File],
        *,
        root: str,
        store: bool,
        where: tuple[Callable[[Any], Any], ...] = (),
        described: tuple[str, ...] = (),
        columns: Sequence[str] = (),
    ) -> None:
        self._engine = engine
        self._columns = tuple(columns)  # of an empty dataset (the files say, otherwise)
        self._files = tuple(files)
        self._root = root
        self._is_store = store
        self._where = where
        self._described = described

    # ------------------------------------------------------------------ what it is

    @property
    def engine(self) -> str:
        """The engine's name (``"duckdb"``)."""
        return self._engine.name

    @property
    def files(self) -> list[str]:
        """The Parquet files the dataset reads (after pruning by account, region and time)."""
        return [f.path for f in self._files]

    @property
    def columns(self) -> list[str]:
        """The record columns (the union over the files, in the order of the first file that has each)."""
        return list(self.table().columns)

    def table(self) -> Any:
        """The Ibis table expression of the filtered records (for your own Ibis work)."""
        t = self._engine.table(tuple(f.path for f in self._files), self._columns)
        for w in self._where:
            t = t.filter(w(t))
        return t

    def __repr__(self) -> str:
        what = f"store {self._root}" if self._is_store else self._root
        filt = f", filtered by {'; '.join(self._described)}" if self._described else ""
        return f"FlowDataset({what}: {len(self._files)} file(s) on {self.engine}{filt})"

    # ------------------------------------------------------------------ results

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """The number of records (runs a query)."""
        return int(self.table().count().to_pyarrow().as_py())

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` records (in no particular order) as a contract DataFrame."""
        return self.to_pandas(limit=n)

    def to_pandas(self, *, limit: int | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The records as the DataFrame contract says (dtypes, ``df.flow`` provenance).

        Parameters
        ----------
        limit : int, optional
            At most this many records. Without it, more than :data:`ROW_CAP`
            records raise a ``ValueError`` (narrow the dataset with :meth:`filter`).
        columns : list of str, optional
            Only these columns.

        Returns
        -------
        DataFrame
            In no particular order (an engine keeps none).
        """
        t = self.table()
        if columns is not None:
            missing = [c for c in columns if c not in t.columns]
            if missing:
                raise ValueError(f"columns: {missing} are not in the dataset; it has {list(t.columns)}")
            t = t.select(*columns)
        if limit is not None:
            if not isinstance(limit, (int, np.integer)) or limit < 0:
                raise ValueError(f"'limit' must be a non-negative integer, got {limit!r}")
            t = t.limit(int(limit))
        else:
            n = self.count()
            if n > ROW_CAP:
                raise ValueError(
                    f"the dataset holds {n:,} records, more than to_pandas() brings into memory without a "
                    f"limit ({ROW_CAP:,}); pass limit=, narrow it with ds.filter(start=..., end=...), or run the "
                    "analysis on the dataset itself (flownb.top(ds), ...)"
                )
        df = to_contract(t.to_pyarrow())
        return attach(df, self.provenance())

    def provenance(self) -> Provenance:
        """Bad lines, formats and sources of a store's files (empty for Parquet opened as it is)."""
        if not self._is_store:
            return Provenance(sources=[f.path for f in self._files])
        manifest = _store.read_manifest(self._root)
        used = {f.key for f in self._files}
        entries = [e for e in manifest.values() if used.intersection(e["files"]) or not e["files"]]
        bad, notes = [], []
        for e in entries:
            for side, out in ((_store.BAD_LINES, bad), (_store.NOTES, notes)):
                p = Path(self._root) / side / f"{e['id']}.parquet"
                if p.exists():
                    out.extend(tuple(r.values()) for r in pq.read_table(p).to_pylist())
        formats = dict.fromkeys(f for e in entries for f in e["formats"])
        return Provenance(bad, tuple(formats), [e["source"] for e in entries], notes)

    @property
    def bad_lines(self) -> pd.DataFrame:
        """Every line the ingest could not parse (source, line, reason, text)."""
        return self.provenance().bad_lines_frame()

    # ------------------------------------------------------------------ narrowing

    def _with(self, files: Sequence[_File], where: Callable[[Any], Any] | None, what: str) -> FlowDataset:
        return FlowDataset(
            self._engine,
            files,
            root=self._root,
            store=self._is_store,
            where=self._where + ((where,) if where is not None else ()),
            described=(*self._described, what) if what else self._described,
            columns=self._columns if files else self.columns,
        )

    def filter(self, state: Any = None, /, **fields: Any) -> FlowDataset:
        """The records a :class:`~flownb.FilterState` keeps, as a new dataset.

        Give a ``FilterState`` or its fields as keywords (``start``, ``end``,
        ``actions``, ``protocols``, ``ports``, ``src``, ``dst``, ``interfaces``,
        ``direction``), with the same meaning as in
        :func:`flownb.apply_filters` (a record is kept when its window
        overlaps ``[start, end)``). Files whose folders rule the time out are
        not read at all.

        Examples
        --------
        >>> import tempfile, flownb
        >>> from flownb.samples import path
        >>> store = tempfile.mkdtemp() + "/store"
        >>> _ = flownb.ingest(path("aws-docs"), store)
        >>> len(flownb.open_dataset(store).filter(protocols=["icmp"], src="203.0.113.0/24"))
        1
        """
        from .._filter import FilterState

        if state is None:
            state = FilterState(**fields)
        elif fields:
            state = dataclasses.replace(state, **fields)
        if not isinstance(state, FilterState):
            raise TypeError(f"'state' must be a FilterState, got {type(state).__name__}")
        files = self._files
        if state.start is not None or state.end is not None:
            # a record's window may start before 'start' and reach into the range: widen the pruning by
            # the longest aggregation interval (10 minutes, VPC User Guide) plus the delivery slack
            lo = None if state.start is None else state.start - pd.Timedelta(minutes=10)
            sel = Selection.make(lo, state.end)
            files = [f for f in files if _keeps(f, sel, exact=self._is_store)]
        ds = self._with(files, None, "")
        cols = set(ds.columns)
        preds = _state_predicates(state, cols, ds)
        what = repr(state).removeprefix("FilterState(").removesuffix(")")
        if not preds:
            return self._with(files, None, what if what else "")

        def where(t: Any) -> Any:
            out = None
            for p in preds:
                m = p(t)
                out = m if out is None else out & m
            return out

        return self._with(files, where, what)

    def where(self, predicate: Callable[[Any], Any], what: str = "a predicate") -> FlowDataset:
        """Records for which ``predicate(table)`` (an Ibis boolean expression) holds, as a new dataset."""
        return self._with(self._files, predicate, what)

    # ------------------------------------------------------------------ SQL

    def show_sql(
        self, analysis: Callable[..., Any] | None = None, /, *, dialect: str | None = None, **kw: Any
    ) -> str:
        """The SQL an analysis (or the records, without one) runs, in ``dialect``.

        Parameters
        ----------
        analysis : callable, optional
            A public analysis that accepts a dataset (``flownb.top``,
            ``flownb.timeseries``); ``kw`` are its keywords.
        dialect : str, optional
            An SQL dialect Ibis compiles to: ``"duckdb"`` (the default: this
            dataset's engine), ``"athena"``, ``"trino"``, ``"pyspark"``...
            Compiled from the same expression, never translated from text.

        Examples
        --------
        >>> import tempfile, flownb
        >>> from flownb.samples import path
        >>> store = tempfile.mkdtemp() + "/store"
        >>> _ = flownb.ingest(path("aws-docs"), store)
        >>> sql = flownb.open_dataset(store).show_sql(flownb.top, by="dstport", dialect="athena")
        >>> "GROUP BY" in sql and "ORDER BY" in sql
        True
        """
        ibis = _ibis()
        if analysis is None:
            expr = self.table()
        else:
            from .._dispatch import expression

            expr = expression(analysis, self, **kw)
        return str(ibis.to_sql(expr, dialect=dialect or self.engine))


def _state_predicates(state: Any, cols: set[str], ds: FlowDataset) -> list[Callable[[Any], Any]]:
    """Ibis predicates for a FilterState, with apply_filters' meaning."""
    ibis = _ibis()
    preds: list[Callable[[Any], Any]] = []

    def need(col: str, what: str) -> None:
        if col not in cols:
            raise ValueError(f"filtering by {what} needs the '{col}' column, which these records lack")

    if state.start is not None or state.end is not None:
        need("start", "time")
        lo = None if state.start is None else int(state.start.timestamp())
        hi = None if state.end is None else int(state.end.timestamp())
        has_end = "end" in cols

        def time_pred(t: Any) -> Any:
            st = t.start
            en = t.end.fill_null(st) if has_end else st
            m = st.notnull()
            if lo is not None:
                m &= en >= lo
            if hi is not None:
                m &= st < hi
            return m

        preds.append(time_pred)
    if state.actions:
        need("action", "action")
        acts = list(state.actions)
        preds.append(lambda t: t.action.isin(acts).fill_null(False))
    if state.protocols:
        need("protocol", "protocol")
        protos = [int(p) for p in state.protocols]
        preds.append(lambda t: t.protocol.isin(protos).fill_null(False))
    if state.ports:
        if "srcport" not in cols and "dstport" not in cols:
            raise ValueError(
                "filtering by port needs the 'srcport' or 'dstport' column, which these records lack"
            )
        ports = [int(p) for p in state.ports]
        pcols = [c for c in ("srcport", "dstport") if c in cols]

        def port_pred(t: Any) -> Any:
            m = ibis.literal(False)
            for c in pcols:
                m |= t[c].isin(ports).fill_null(False)
            return m

        preds.append(port_pred)
    for name, col in (("src", "srcaddr"), ("dst", "dstaddr")):
        value = getattr(state, name)
        if value is not None:
            need(col, f"'{name}'")
            preds.append(_network_predicate(col, ipaddress.ip_network(value, strict=False), ds))
    if state.interfaces:
        need("interface_id", "interface")
        enis = list(state.interfaces)
        preds.append(lambda t: t.interface_id.isin(enis).fill_null(False))
    if state.direction is not None:
        need("flow_direction", "direction")
        d = state.direction
        preds.append(lambda t: (t.flow_direction == d).fill_null(False))
    return preds


def ipv4_number(col: Any) -> Any:
    """An IPv4 address column as a 32-bit number (null for anything else), in portable SQL."""
    ibis = _ibis()
    parts = col.split(".")
    octets = [parts[i].try_cast("int64") for i in range(4)]
    valid = (parts.length() == 4) & ~col.contains(":")
    for o in octets:
        valid &= o.notnull() & (o >= 0) & (o <= 255)
    number = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3]
    return ibis.ifelse(valid, number, ibis.null("int64"))


def _network_predicate(col: str, net: Any, ds: FlowDataset) -> Callable[[Any], Any]:
    """Addresses in a network: a number range for IPv4; the matching distinct addresses for IPv6."""
    if net.version == 4:
        lo, hi = int(net.network_address), int(net.broadcast_address)

        def v4(t: Any) -> Any:
            n = ipv4_number(t[col])
            return ((n >= lo) & (n <= hi)).fill_null(False)

        return v4
    # IPv6: the engine lists the distinct IPv6 addresses, Python decides which are in the network
    t = ds.table()
    values = t.filter(t[col].contains(":")).select(col).distinct().to_pyarrow()[col].to_pylist()
    inside = []
    for v in values:
        try:
            if ipaddress.ip_address(v) in net:
                inside.append(v)
        except ValueError:
            continue
    return lambda t: t[col].isin(inside).fill_null(False) if inside else _ibis().literal(False)


def to_contract(table: pa.Table) -> pd.DataFrame:
    """An engine's result table (AWS Parquet types) as the DataFrame contract's dtypes.

    Integers become the registry's sized unsigned types, ``start``/``end`` Unix
    seconds UTC timestamps, strings categoricals (categories sorted by value).
    Columns that are not flow log fields keep their type.
    """
    arrays, fields = [], []
    for name, col in zip(table.column_names, table.columns, strict=True):
        target = _arrow.arrow_type(name) if _is_field(name) else None
        if target is None:
            arrays.append(col)
            fields.append(pa.field(name, col.type))
            continue
        if pa.types.is_null(col.type):
            col = pa.nulls(len(col), target)
        elif target == _arrow.TIMESTAMP:
            col = (
                col.cast(pa.int64()).cast(target) if not pa.types.is_timestamp(col.type) else col.cast(target)
            )
        elif target == _arrow.DICT:
            col = _sorted_dictionary(col.cast(pa.string()))
        else:
            col = col.cast(target)
        arrays.append(col)
        fields.append(pa.field(name, target))
    return _arrow.to_pandas([pa.Table.from_arrays(arrays, schema=pa.schema(fields))])


def _is_field(name: str) -> bool:
    try:
        schema.field(name)
    except KeyError:
        return False
    return True


def _sorted_dictionary(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Dictionary-encode strings with the dictionary sorted by value."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    values = pc.unique(arr).drop_null()
    values = values.take(pc.sort_indices(values))
    idx = pc.index_in(arr, value_set=values).cast(pa.int32())
    return pa.DictionaryArray.from_arrays(idx, values.cast(pa.string()))


def _keeps(f: _File, sel: Selection, *, exact: bool) -> bool:
    """Can the file hold records of the selection? A store's hour folders hold the records that *start* in
    that hour (exact); AWS's folders are named by delivery time (the reader's margins apply)."""
    if not exact:
        return sel.keeps_key(f.key)
    from ..io._layout import key_info

    info = key_info(f.key)
    if not (sel.keeps_account(info.account_id) and sel.keeps_region(info.region)):
        return False
    if not sel.timed or info.day is None or info.hour is None:
        return True
    a = pd.Timestamp(info.day) + pd.Timedelta(hours=info.hour)
    if a == pd.Timestamp(0, tz="UTC"):  # records without a start time are kept in the 1970 folder
        return True
    return (sel.end is None or a < sel.end) and (sel.start is None or a + pd.Timedelta(hours=1) > sel.start)


def _store_files(root: Path) -> tuple[list[_File], list[str]]:
    """The store's committed files, and the union of its sources' columns."""
    manifest = _store.read_manifest(root)
    rels = sorted({f for e in manifest.values() for f in e["files"]})
    columns = list(dict.fromkeys(c for e in manifest.values() for c in e.get("columns", [])))
    return [_File(str(root / r), r) for r in rels], columns


def _parquet_files(source: Any) -> tuple[list[_File], str]:
    if isinstance(source, (list, tuple)):
        out = []
        for s in source:
            out.extend(_parquet_files(s)[0])
        return out, ", ".join(map(str, source))
    text = os.fspath(source)
    if text.startswith("s3://"):
        raise FlowLogSourceError(
            f"{text}: open_dataset reads local stores and Parquet folders in this version; for flow logs in "
            "S3 use flownb.ingest(url, store) (any format) or query them where they are with Athena "
            "(flownb.athena_ddl)."
        )
    p = Path(text).expanduser()
    if p.is_file():
        return [_File(str(p), str(p))], str(p)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*.parquet") if f.is_file() and not f.name.startswith("."))
        return [_File(str(f), f.relative_to(p).as_posix()) for f in files], str(p)
    raise FlowLogSourceError(f"{text}: no such file or directory.")


def open_dataset(
    store_or_path: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    engine: str = "duckdb",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
    memory_limit: str | None = "2GB",
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
    **athena: Any,
) -> FlowDataset:
    """Open a store written by :func:`flownb.ingest`, or AWS-delivered Parquet as it is, lazily.

    Parameters
    ----------
    store_or_path : path or list of paths
        A store folder, or a folder (any delivery layout) or files of Parquet flow logs.
    engine : {"duckdb", "spark", "athena"}, default "duckdb"
        The engine that runs the analyses: embedded DuckDB through Ibis,
        (best effort) PySpark through Ibis, in local mode (``threads`` cores),
        or Amazon Athena through Ibis and PyAthena: ``store_or_path`` is then
        the ``s3://.../AWSLogs/`` location of a table made by
        :func:`flownb.scale.athena_ddl`, and ``athena`` its keywords.
    start, end : time, optional
        Keep records whose ``start`` is in ``[start, end)``, as
        :func:`flownb.read_flow_logs` does; files whose folders rule the range
        out are never opened.
    accounts, regions : str or list of str, optional
        Keep these accounts and regions (from the folders, and from the
        ``account_id``/``region`` columns where the records have them).
    memory_limit : str, default "2GB"
        DuckDB's memory limit; beyond it, work spills to ``temp_directory``.
    temp_directory : path, optional
        Where DuckDB spills (default: DuckDB's own, beside its database).
    threads : int, optional
        DuckDB's threads (default: one per core).
    **athena
        For ``engine="athena"`` (see :func:`flownb.scale._athena.open_athena`):
        ``table`` (``database.name``), ``s3_staging_dir`` (where Athena writes
        results: each query is an ``UNLOAD`` to Parquet there, read with
        pyarrow), ``region_name``, ``work_group``, ``layout`` and ``fields`` and
        ``hourly`` (as given to ``athena_ddl``), ``max_scan_bytes`` (refuse a
        query whose time range holds more), ``show_scan`` (say on stderr what
        each query scans at most, and costs, before it runs; default True).

    Returns
    -------
    FlowDataset

    Examples
    --------
    >>> import tempfile, flownb
    >>> from flownb.samples import path
    >>> store = tempfile.mkdtemp() + "/store"
    >>> _ = flownb.ingest(path("aws-docs"), store)
    >>> ds = flownb.open_dataset(store, start="2019-08-26", end="2019-08-27")
    >>> len(ds), len(ds.files)
    (6, 3)
    """
    if engine == "athena":
        from ._athena import open_athena

        return open_athena(
            os.fspath(store_or_path), start=start, end=end, accounts=accounts, regions=regions, **athena
        )
    if athena:
        raise TypeError(
            f"open_dataset() got unexpected keyword(s) {sorted(athena)} (they are engine='athena''s)"
        )
    eng = _connect(engine, memory_limit, None if temp_directory is None else str(temp_directory), threads)
    single = not isinstance(store_or_path, (list, tuple))
    if single and _store.is_store(store_or_path):
        root = Path(store_or_path).expanduser().resolve()
        (files, columns), name, is_store = _store_files(root), str(root), True
    else:
        files, name = _parquet_files(store_or_path)
        is_store, columns = False, []
        if not files:
            raise FlowLogSourceError(
                f"{name}: no Parquet files here (flownb.ingest makes a store of text logs)."
            )
    sel = Selection.make(start, end, accounts, regions)
    if sel.active:
        files = [f for f in files if _keeps(f, sel, exact=is_store)]
    ds = FlowDataset(eng, files, root=name, store=is_store, columns=columns)
    if not sel.active or not files:
        return ds
    cols = set(ds.columns)
    lo = None if sel.start is None else int(sel.start.ceil("s").timestamp())
    hi = None if sel.end is None else int(sel.end.ceil("s").timestamp())
    accts = None if sel.accounts is None else sorted(sel.accounts)
    regs = None if sel.regions is None else sorted(sel.regions)

    def where(t: Any) -> Any:
        m = _ibis().literal(True)
        if sel.timed and "start" in cols:
            if lo is not None:
                m &= (t.start >= lo).fill_null(False)
            if hi is not None:
                m &= (t.start < hi).fill_null(False)
        if accts is not None and "account_id" in cols:
            m &= t.account_id.isin(accts).fill_null(False)
        if regs is not None and "region" in cols:
            m &= t.region.isin(regs).fill_null(False)
        return m

    what = ", ".join(
        f"{k}={v}"
        for k, v in (("start", sel.start), ("end", sel.end), ("accounts", accts), ("regions", regs))
        if v is not None
    )
    return ds._with(files, where, what)
