"""``flownb query FILES... | --store STORE -q 'QUERY' [--format F] [--csv|--json]``: Logs Insights on local files."""

from __future__ import annotations

import argparse
import sys
import warnings

from ._common import add_input_arguments, dataset_or_frame


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query",
        help="run a CloudWatch Logs Insights query on flow log files",
        description="Run a CloudWatch Logs Insights query, unchanged, on local flow log files.",
    )
    add_input_arguments(p, store=True)
    p.add_argument("-q", "--query", required=True, metavar="QUERY", help="the Logs Insights query")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="print the result as CSV")
    out.add_argument("--json", action="store_true", help="print the result as JSON lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..insights import InsightsWarning, parse, query

    parse(args.query)  # a malformed query fails before any file is read
    df = dataset_or_frame(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsightsWarning)
        result = query(df, args.query)
    for w in caught:
        print(f"flownb query: note: {w.message}", file=sys.stderr)
    if args.csv:
        result.to_csv(sys.stdout, index=False)
    elif args.json:
        text = result.to_json(orient="records", lines=True, date_format="iso")
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    else:
        print(result.to_string(index=False) if len(result) else "(no results)")
        print(f"\n{len(result):,} row{'s' if len(result) != 1 else ''}", file=sys.stderr)
    return 0
