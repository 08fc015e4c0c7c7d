"""``flownb ingest SOURCE STORE [--start T] [--end T] [--account ID] [--region R]``."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="parse flow logs once into a Parquet store that open_dataset, --store and Athena query",
        description=(
            "Parse flow log files, folders or s3:// prefixes file by file into a Hive-partitioned Parquet store "
            "(AWS's Parquet schema), keeping bad lines beside the data. A second run ingests only what is new."
        ),
    )
    p.add_argument(
        "source", nargs="+", metavar="SOURCE", help="flow log files, folders, glob patterns or s3:// URLs"
    )
    p.add_argument(
        "store", metavar="STORE", help="the store's folder (new, empty, or a store written before)"
    )
    p.add_argument("--format", "-f", default=None, help="record format when files have no header line")
    p.add_argument("--start", default=None, help="keep records starting at or after this time (UTC)")
    p.add_argument("--end", default=None, help="keep records starting before this time (UTC)")
    p.add_argument("--account", action="append", default=None, help="keep this account (repeat for more)")
    p.add_argument("--region", action="append", default=None, help="keep this region (repeat for more)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when the new sources gave no record or a line could not be parsed",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..scale import ingest

    source = args.source[0] if len(args.source) == 1 else list(args.source)
    report = ingest(
        source,
        args.store,
        start=args.start,
        end=args.end,
        accounts=args.account,
        regions=args.region,
        format=args.format,
        errors="ignore",
        progress=sys.stderr.isatty(),
    )
    print(report)
    if report.bad_lines:
        print(f"{report.bad_lines} bad line(s) kept in {report.store}/_bad_lines", file=sys.stderr)
    empty = report.ingested > 0 and report.records == 0  # sources already in the store are not read again
    if empty:
        print(
            f"flownb ingest: warning: no records were read from {report.ingested:,} new source(s)",
            file=sys.stderr,
        )
    return 1 if args.strict and (empty or report.bad_lines) else 0
