"""``flownb top FILES... | --store STORE [--by srcaddr[,dstport]] [--metric bytes] [-n 10]``."""

from __future__ import annotations

import argparse

from ._common import add_input_arguments, dataset_or_frame, output_path, write_table

_METRICS = ("flows", "packets", "bytes", "bps", "pps", "bpp")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "top",
        help="top talkers: the keys with the most flows, packets, bytes or the highest rates",
        description="Rank keys (columns, several columns, or networks such as srcaddr/24) by a metric.",
    )
    add_input_arguments(p, store=True)
    p.add_argument(
        "--by",
        default="srcaddr",
        help="column(s) to group by, comma separated; 'srcaddr/24' groups addresses by network (default srcaddr)",
    )
    p.add_argument("--metric", default="bytes", choices=_METRICS, help="what to rank by (default bytes)")
    p.add_argument("-n", type=int, default=10, help="rows to show (default 10)")
    p.add_argument(
        "--to",
        default=None,
        type=output_path,
        metavar="OUT",
        help="also write the table to OUT (.parquet, .csv, .json)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..analysis._traffic import top

    df = dataset_or_frame(args)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    table = top(df, by=by if len(by) > 1 else by[0], metric=args.metric, n=args.n)
    shown = table.drop(columns=[c for c in ("first", "last") if c in table.columns])
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format
    ):
        print(shown.to_string(index=False) if len(shown) else "no traffic records")
    if args.to:
        write_table(table, args.to)
    return 0
