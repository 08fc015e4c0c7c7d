"""Amazon Athena for flow logs in S3: the CREATE TABLE, the SQL of an analysis, and the scan it costs.

:func:`athena_ddl` writes the ``CREATE EXTERNAL TABLE`` that AWS documents for
flow logs (Athena User Guide, "Create and query a table for Amazon VPC flow
logs using partition projection", and "Create tables for flow logs in Apache
Parquet format" for the Hive-compatible Parquet layout), generated from
flownb's field registry for any format: both S3 layouts (``default``:
``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/``; ``hive``:
``aws-account-id=/aws-service=vpcflowlogs/aws-region=/year=/month=/day=[/hour=]``),
text or Parquet, with partition projection so no ``MSCK REPAIR`` is needed.
The column types are AWS's (``version int``, ports ``int``, ``protocol``,
counters and times ``bigint``, everything else ``string``); Athena has no
unsigned types. A store written by :func:`flownb.ingest` is the Hive layout in
Parquet, hourly: uploaded to S3, it is read by ``athena_ddl(url, layout="hive",
file_format="parquet", hourly=True)``.

:func:`athena_sql` compiles a flownb analysis for such a table, from the same
Ibis expression that runs on DuckDB (never translated from text, see
``docs/scale.md``). :func:`scan_estimate` lists the objects a time range
covers and says, before anything runs, the most a query scans and what Athena
charges for it.

Athena's text SerDe turns a value that does not parse into NULL without a
word: for "never lose data silently", prefer Parquet delivery or
``flownb.ingest``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from .. import schema
from .._extras import missing

__all__ = ["ScanEstimate", "athena_ddl", "athena_sql", "open_athena", "scan_estimate"]

_PARQUET_SERDE = (
    "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n"
    "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n"
    "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'"
)
#: Where AWS's own DDLs differ from the Parquet type of a field (Athena User Guide examples): protocol bigint.
_ATHENA_TYPE_OVERRIDES = {"protocol": "bigint"}
_TABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def athena_type(column: str) -> str:
    """The Athena (Hive DDL) type of a flow log column."""
    if column in _ATHENA_TYPE_OVERRIDES:
        return _ATHENA_TYPE_OVERRIDES[column]
    try:
        f = schema.field(column)
    except KeyError:
        return "string"
    return {"INT_32": "int", "INT_64": "bigint"}.get(f.parquet, "string")


def _columns(fields: str | Sequence[str] | None) -> list[str]:
    names = schema.parse_format(fields) if fields is not None else list(schema.DEFAULT_FIELDS)
    return [schema.column_name(n) for n in names]


def _enum_or_injected(name: str, values: Sequence[str] | None, what: str, rx: re.Pattern) -> list[str]:
    if values is None:
        # injected: Athena takes the value from each query's WHERE clause (Athena User Guide, "Supported
        # types for partition projection"), so queries must name the account and region
        return [f'"projection.{name}.type"="injected"']
    values = [values] if isinstance(values, str) else list(values)
    for v in values:
        if not rx.match(v):
            raise ValueError(
                f"'{what}' must hold {'12-digit account IDs' if what == 'accounts' else 'region names'}, got {v!r}"
            )
    if not values:
        raise ValueError(f"'{what}' is empty: pass None to let each query name its {what}")
    return [f'"projection.{name}.type"="enum"', f'"projection.{name}.values"="{",".join(values)}"']


def athena_ddl(
    location: str,
    *,
    layout: str = "default",
    file_format: str = "text",
    fields: str | Sequence[str] | None = None,
    table: str = "vpc_flow_logs",
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
    since: str = "2024/01/01",
    hourly: bool = False,
) -> str:
    """The Athena ``CREATE EXTERNAL TABLE`` for flow logs in S3, with partition projection.

    Parameters
    ----------
    location : str
        The ``s3://bucket/[prefix/]AWSLogs/`` prefix the flow log delivers to.
    layout : {"default", "hive"}
        The S3 layout the flow log was created with (Hive-compatible prefixes or not).
    file_format : {"text", "parquet"}
        The flow log's file format.
    fields : str or list of str, optional
        The record format (an AWS format string or field names), in the order
        the flow log writes them (it matters for text); default: the default
        format (version 2). One table per record format.
    table : str, default "vpc_flow_logs"
        ``name`` or ``database.name``.
    accounts, regions : str or list of str, optional
        The accounts and regions to project. ``None``: injected projection,
        each query names them in its ``WHERE`` clause.
    since : str, default "2024/01/01"
        First day of the projected date range (``yyyy/MM/dd``; the range ends ``NOW``).
    hourly : bool, default False
        Hive layout with hourly partitions (``hour=HH``), as flownb's store writes.

    Returns
    -------
    str
        The statement, to run once in Athena (console, PyAthena, or ``aws athena start-query-execution``).

    Examples
    --------
    >>> from flownb.scale import athena_ddl
    >>> print(athena_ddl("s3://my-flow-logs/AWSLogs/", accounts="111111111111", regions="eu-west-1"))
    CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs (
      `version` int,
      `account_id` string,
    ...
    PARTITIONED BY (`accid` string, `aws_region` string, `day` string)
    ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
    LOCATION 's3://my-flow-logs/AWSLogs/'
    TBLPROPERTIES (
      "skip.header.line.count"="1",
      "projection.enabled"="true",
      "projection.accid.type"="enum",
      "projection.accid.values"="111111111111",
      "projection.aws_region.type"="enum",
      "projection.aws_region.values"="eu-west-1",
      "projection.day.type"="date",
      "projection.day.range"="2024/01/01,NOW",
      "projection.day.format"="yyyy/MM/dd",
      "projection.day.interval"="1",
      "projection.day.interval.unit"="DAYS",
      "storage.location.template"="s3://my-flow-logs/AWSLogs/${accid}/vpcflowlogs/${aws_region}/${day}"
    )
    """
    if layout not in ("default", "hive"):
        raise ValueError(f"'layout' must be one of ['default', 'hive'], got {layout!r}")
    if file_format not in ("text", "parquet"):
        raise ValueError(f"'file_format' must be one of ['text', 'parquet'], got {file_format!r}")
    if not isinstance(location, str) or not location.startswith("s3://"):
        raise ValueError(f"'location' must be an s3:// URL (the AWSLogs/ prefix), got {location!r}")
    if not _TABLE_RE.match(table):
        raise ValueError(f"'table' must be a name or database.name of letters, digits and _, got {table!r}")
    if not re.match(r"^\d{4}/\d{2}/\d{2}$", since):
        raise ValueError(f"'since' must be a day written yyyy/MM/dd, got {since!r}")
    base = location.rstrip("/")
    cols = _columns(fields)
    column_lines = ",\n".join(f"  `{c}` {athena_type(c)}" for c in cols)
    props = ['"skip.header.line.count"="1"'] if file_format == "text" else []
    props.append('"projection.enabled"="true"')
    props += _enum_or_injected("accid", accounts, "accounts", _ACCOUNT_RE)
    props += _enum_or_injected("aws_region", regions, "regions", _REGION_RE)
    if layout == "default":
        partitions = "`accid` string, `aws_region` string, `day` string"
        props += [
            '"projection.day.type"="date"',
            f'"projection.day.range"="{since},NOW"',
            '"projection.day.format"="yyyy/MM/dd"',
            '"projection.day.interval"="1"',
            '"projection.day.interval.unit"="DAYS"',
            f'"storage.location.template"="{base}/${{accid}}/vpcflowlogs/${{aws_region}}/${{day}}"',
        ]
    else:
        y0 = since[:4]
        parts = ["`accid` string", "`aws_region` string", "`year` string", "`month` string", "`day` string"]
        props += [
            '"projection.year.type"="integer"',
            f'"projection.year.range"="{y0},2100"',
            '"projection.month.type"="integer"',
            '"projection.month.range"="1,12"',
            '"projection.month.digits"="2"',
            '"projection.day.type"="integer"',
            '"projection.day.range"="1,31"',
            '"projection.day.digits"="2"',
        ]
        template = (
            f"{base}/aws-account-id=${{accid}}/aws-service=vpcflowlogs/aws-region=${{aws_region}}/"
            "year=${year}/month=${month}/day=${day}"
        )
        if hourly:
            parts.append("`hour` string")
            props += [
                '"projection.hour.type"="integer"',
                '"projection.hour.range"="0,23"',
                '"projection.hour.digits"="2"',
            ]
            template += "/hour=${hour}"
        props.append(f'"storage.location.template"="{template}"')
        partitions = ", ".join(parts)
    row_format = "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '" if file_format == "text" else _PARQUET_SERDE
    properties = ",\n".join(f"  {p}" for p in props)
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {table} (\n{column_lines}\n)\n"
        f"PARTITIONED BY ({partitions})\n{row_format}\nLOCATION '{base}/'\nTBLPROPERTIES (\n{properties}\n)"
    )


class _Unbound:
    """A dataset over a table the engine is not connected to: enough to compile an analysis's SQL."""

    _flownb_dataset = True

    def __init__(self, table: str, columns: list[str]) -> None:
        from ._dataset import _ibis

        ibis = _ibis()
        db, _, name = table.rpartition(".")
        self._table = ibis.table({c: _ibis_type(c) for c in columns}, name=name, database=db or None)
        self.columns = columns

    def table(self) -> Any:
        return self._table


def _ibis_type(column: str) -> str:
    return {"int": "int32", "bigint": "int64", "string": "string"}[athena_type(column)]


def athena_sql(
    analysis: Any, /, *, table: str = "vpc_flow_logs", fields: str | Sequence[str] | None = None, **kw: Any
) -> str:
    """The Athena (Trino) SQL of a flownb analysis over a table made by :func:`athena_ddl`.

    Compiled by Ibis from the same expression that runs on DuckDB. Analyses
    whose keywords need the data first (networks such as ``by="srcaddr/24"``)
    run on a dataset only.

    Examples
    --------
    >>> import flownb
    >>> from flownb.scale import athena_sql
    >>> sql = athena_sql(flownb.top, table="flowlogs.vpc_flow_logs", by="dstport", metric="flows")
    >>> 'FROM "flowlogs"."vpc_flow_logs"' in sql and "LIMIT 10" in sql
    True
    """
    from .._dispatch import expression
    from ._dataset import _ibis

    if not _TABLE_RE.match(table):
        raise ValueError(f"'table' must be a name or database.name of letters, digits and _, got {table!r}")
    expr = expression(analysis, _Unbound(table, _columns(fields)), **kw)
    return str(_ibis().to_sql(expr, dialect="athena"))


@dataclasses.dataclass(frozen=True)
class ScanEstimate:
    """The most an Athena query over a time range scans, and what it costs, before it runs.

    Attributes
    ----------
    objects, bytes : int
        The objects the partitions of the range hold, and their total size (a
        text query scans all of it; a Parquet query scans only the columns it reads).
    dollars : float
        ``bytes`` at Athena's price per TB scanned (``flownb.monitoring`` prices, with their source).

    Examples
    --------
    An hour of a bucket of hourly objects (moto's in-process stand-in for S3; with AWS, leave ``client``
    out): the listing prunes the other hours before any query runs.

    >>> import boto3
    >>> from moto import mock_aws
    >>> from flownb.scale import scan_estimate
    >>> with mock_aws():
    ...     s3 = boto3.client("s3", region_name="us-east-1")
    ...     _ = s3.create_bucket(Bucket="my-flow-logs")
    ...     for hour in range(3):
    ...         key = ("AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/06/02/123456789012_vpcflowlogs_"
    ...                f"us-east-1_fl-0_20250602T0{hour}00Z_0000.log.gz")
    ...         _ = s3.put_object(Bucket="my-flow-logs", Key=key, Body=b"x" * 1000)
    ...     estimate = scan_estimate("s3://my-flow-logs/AWSLogs/", start="2025-06-02T01:00Z",
    ...                              end="2025-06-02T02:00Z", client=s3)
    >>> estimate.objects, estimate.bytes, estimate.price_per_tb
    (2, 2000, 5.0)
    >>> print(estimate)
    at most 0.000 GB in 2 objects: up to $0.0000 at $5 per TB scanned
    """

    objects: int
    bytes: int
    dollars: float
    price_per_tb: float

    def __str__(self) -> str:
        return (
            f"at most {self.bytes / 1e9:,.3f} GB in {self.objects:,} objects: up to ${self.dollars:,.4f} "
            f"at ${self.price_per_tb:g} per TB scanned"
        )


def scan_estimate(
    location: str,
    *,
    start: Any = None,
    end: Any = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
    client: Any = None,
) -> ScanEstimate:
    """What an Athena query over ``[start, end)`` scans at most, from the S3 listing (nothing runs).

    Examples
    --------
    A day of a bucket that holds two (moto's in-process stand-in for S3 here; with AWS, leave ``client``
    out): Athena bills at least 10 MB a query, so a tiny scan costs that minimum.

    >>> import boto3
    >>> from moto import mock_aws
    >>> prefix = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/06/"
    >>> name = "123456789012_vpcflowlogs_us-east-1_fl-0_2025060{}T0000Z_0000.log.gz"
    >>> with mock_aws():
    ...     s3 = boto3.client("s3", region_name="us-east-1")
    ...     _ = s3.create_bucket(Bucket="my-flow-logs")
    ...     for day in (2, 9):
    ...         _ = s3.put_object(Bucket="my-flow-logs", Key=f"{prefix}0{day}/" + name.format(day),
    ...                           Body=b"x" * 5_000_000)
    ...     estimate = scan_estimate("s3://my-flow-logs/AWSLogs/", start="2025-06-09", end="2025-06-10",
    ...                              client=s3)
    >>> estimate.objects, estimate.bytes, round(estimate.dollars / estimate.price_per_tb * 2**40 / 2**20)  # MB
    (1, 5000000, 10)
    """
    import json
    from importlib import resources

    from ..io._s3 import list_flow_log_objects

    objects = list_flow_log_objects(
        location, start=start, end=end, accounts=accounts, regions=regions, client=client
    )
    size = sum(o.size for o in objects)
    prices = json.loads(resources.files("flownb.monitoring").joinpath("prices.json").read_text())
    price = float(prices["athena_per_tb_scanned"]["usd"])
    minimum = float(prices.get("athena_minimum_mb_per_query", {}).get("mb", 0)) * 2**20
    # a TB of 1024 GB, as flownb.estimate_cost counts; scans are billed at least the minimum per query
    return ScanEstimate(len(objects), size, max(size, minimum) / 2**40 * price, price)


# ---------------------------------------------------------------------------------------------- the engine

#: The partition columns of each layout's table (as :func:`athena_ddl` writes them).
_PARTITIONS = {
    "default": ("accid", "aws_region", "day"),
    "hive": ("accid", "aws_region", "year", "month", "day"),
}


def _athena_backend() -> Any:
    """Ibis's Athena backend, with a hook that shows what a query scans (and can refuse it) before it runs.

    Ibis runs every query through PyAthena's ``ArrowCursor`` with ``unload=True``: the SELECT is wrapped in
    ``UNLOAD (...) TO 's3://<staging>/unload/...' WITH (format = 'PARQUET')`` and the Parquet files are read
    by pyarrow, not fetched row by row through ``GetQueryResults``.
    """
    try:
        from ibis.backends.athena import Backend  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise missing("pyathena", "open_dataset(engine='athena')", "athena") from None

    class FlownbAthena(Backend):
        _flownb_before: Any = None

        def do_connect(
            self,
            *,
            s3_staging_dir: str,
            schema_name: str = "default",
            catalog_name: str = "awsdatacatalog",
            **config: Any,
        ) -> None:
            """Ibis's connection, without the two queries it runs to learn the catalog and database (each
            billed at Athena's 10 MB minimum) and without an S3 filesystem for in-memory tables (flownb
            uploads none)."""
            import os

            import pyathena
            from pyathena.arrow.cursor import ArrowCursor

            config.setdefault("cursor_class", ArrowCursor)
            self.con = pyathena.connect(
                s3_staging_dir=s3_staging_dir, schema_name=schema_name, catalog_name=catalog_name, **config
            )
            self._s3_staging_dir = s3_staging_dir.removesuffix("/")
            self._memtable_volume = f"flownb-{os.getpid()}"
            self._memtable_catalog, self._memtable_database = catalog_name, schema_name
            self._memtable_volume_path = "/".join(
                (self._s3_staging_dir, catalog_name, schema_name, self._memtable_volume)
            )
            self._post_connect(memtable_volume=self._memtable_volume)

        def to_pyarrow(self, expr: Any, /, **kw: Any) -> Any:
            if self._flownb_before is not None:
                self._flownb_before(
                    self.compile(expr, **{k: v for k, v in kw.items() if k in ("limit", "params")})
                )
            return super().to_pyarrow(expr, **kw)

    return FlownbAthena


def open_athena(
    location: str,
    *,
    table: str = "vpc_flow_logs",
    s3_staging_dir: str | None = None,
    region_name: str | None = None,
    work_group: str | None = None,
    layout: str = "default",
    fields: str | Sequence[str] | None = None,
    hourly: bool = False,
    start: Any = None,
    end: Any = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
    max_scan_bytes: int | None = None,
    show_scan: bool = True,
    connection: Any = None,
    client: Any = None,
) -> Any:
    """The FlowDataset of an Athena table over flow logs in S3 (``open_dataset(..., engine="athena")``).

    Each query is compiled by Ibis to Athena's SQL (Trino), runs in Athena, and comes back through
    ``UNLOAD`` to Parquet in ``s3_staging_dir``, read with pyarrow. Before it runs, the most it can scan is
    said (:func:`scan_estimate` over the time range, from the S3 listing) on stderr, and a query over more
    than ``max_scan_bytes`` is refused.
    """
    from ..io._select import Selection
    from ._dataset import FlowDataset, _Engine, _ibis

    if layout not in _PARTITIONS:
        raise ValueError(f"'layout' must be one of {sorted(_PARTITIONS)}, got {layout!r}")
    if not isinstance(location, str) or not location.startswith("s3://"):
        raise ValueError(
            f"an Athena dataset is opened by its table's S3 location (s3://.../AWSLogs/), got {location!r}"
        )
    if not _TABLE_RE.match(table):
        raise ValueError(f"'table' must be a name or database.name of letters, digits and _, got {table!r}")
    if connection is None:
        if s3_staging_dir is None or not str(s3_staging_dir).startswith("s3://"):
            raise ValueError(
                "engine='athena' needs s3_staging_dir='s3://bucket/prefix/': where Athena writes the results "
                "(UNLOAD to Parquet) that flownb then reads"
            )
        config: dict[str, Any] = {"s3_staging_dir": str(s3_staging_dir)}
        if region_name is not None:
            config["region_name"] = region_name
        if work_group is not None:
            config["work_group"] = work_group
        connection = _athena_backend()().connect(**config)
    ibis = _ibis()
    sel = Selection.make(start, end, accounts, regions)
    columns = _columns(fields)
    parts = _PARTITIONS[layout] + (("hour",) if layout == "hive" and hourly else ())
    schema = {c: _ibis_type(c) for c in columns} | {p: "string" for p in parts}
    db, _, name = table.rpartition(".")
    import ibis.expr.operations as ops  # type: ignore[import-untyped]

    # the schema is the format's (as athena_ddl wrote the table): no Glue lookup
    t = ops.DatabaseTable(
        name, schema=ibis.schema(schema), source=connection, namespace=ops.Namespace(database=db or None)
    ).to_expr()
    accts = None if sel.accounts is None else sorted(sel.accounts)
    regs = None if sel.regions is None else sorted(sel.regions)
    days = _day_range(sel)

    def before(sql: str) -> None:
        est = scan_estimate(location, start=start, end=end, accounts=accts, regions=regs, client=client)
        if show_scan:
            import sys

            print(f"Athena: this query scans {est}", file=sys.stderr)
        if max_scan_bytes is not None and est.bytes > max_scan_bytes:
            raise ValueError(
                f"this Athena query would scan {est} (the objects of its time range), more than "
                f"max_scan_bytes={max_scan_bytes:,}; narrow start/end, accounts or regions, or raise the limit"
            )

    connection._flownb_before = before
    engine = _Engine("athena", connection, {(): t})
    ds = FlowDataset(engine, [], root=f"{location} as {table}", store=False, columns=list(schema))
    lo = None if sel.start is None else int(sel.start.ceil("s").timestamp())
    hi = None if sel.end is None else int(sel.end.ceil("s").timestamp())

    def where(t: Any) -> Any:
        m = ibis.literal(True)
        if accts is not None:
            m &= t.accid.isin(accts)
        if regs is not None:
            m &= t.aws_region.isin(regs)
        if days is not None:  # partition pruning: Athena reads only these days' objects
            lo_day, hi_day = days
            if layout == "default":
                m &= (t.day >= lo_day) & (t.day <= hi_day)
            else:
                ymd = t.year.concat("/", t.month, "/", t.day)
                m &= (ymd >= lo_day) & (ymd <= hi_day)
        if lo is not None:
            m &= (t.start >= lo).fill_null(False)
        if hi is not None:
            m &= (t.start < hi).fill_null(False)
        return m

    what = ", ".join(
        f"{k}={v}"
        for k, v in (("start", sel.start), ("end", sel.end), ("accounts", accts), ("regions", regs))
        if v is not None
    )
    return ds._with([], where, what) if what else ds


def _day_range(sel: Any) -> tuple[str, str] | None:
    """The ``yyyy/MM/dd`` days whose folders can hold records of the selection's time range: the folders are
    named by delivery time (up to a day after a record's start, with the reader's margins: a day each side)."""
    import pandas as pd

    if sel.start is None and sel.end is None:
        return None
    lo = "0000/00/00" if sel.start is None else (sel.start - pd.Timedelta(days=1)).strftime("%Y/%m/%d")
    hi = "9999/99/99" if sel.end is None else (sel.end + pd.Timedelta(days=1)).strftime("%Y/%m/%d")
    return lo, hi
