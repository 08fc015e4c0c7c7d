"""``flownb read FILES... [--format F] [--to out.parquet|out.csv]``."""

from __future__ import annotations

import argparse

from ._common import add_input_arguments, read_inputs, write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="read flow logs, summarise them, optionally write them typed")
    add_input_arguments(p)
    p.add_argument(
        "--to", default=None, metavar="OUT", help="write the records to OUT (.parquet, .csv, .json)"
    )
    p.add_argument("--show-bad", type=int, default=5, metavar="N", help="bad lines to list (default 5)")
    p.set_defaults(func=run)


def summary(df, show_bad: int = 5) -> str:
    """The text `flownb read` prints: rows, time range, formats, bad lines."""
    lines = [f"records: {len(df):,}"]
    if len(df) and "start" in df and df["start"].notna().any():
        lo, hi = df["start"].min(), df["end"].max() if "end" in df else df["start"].max()
        lines.append(f"time:    {lo:%Y-%m-%d %H:%M:%S} to {hi:%Y-%m-%d %H:%M:%S} UTC")
    if "interface_id" in df:
        lines.append(f"ENIs:    {df['interface_id'].nunique():,}")
    if "action" in df:
        counts = df["action"].value_counts()
        lines.append("actions: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if "log_status" in df:
        counts = df["log_status"].value_counts()
        lines.append("status:  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    lines.append(f"sources: {len(df.flow.sources):,}")
    for fmt in df.flow.formats:
        lines.append(f"format:  {fmt}")
    bad = df.flow.bad_lines
    lines.append(f"bad lines: {len(bad):,}")
    for row in bad.head(show_bad).itertuples():
        text = row.text if len(row.text) <= 100 else row.text[:100] + "..."
        lines.append(f"  {row.source}:{row.line}: {row.reason}\n      {text}")
    if len(bad) > show_bad:
        lines.append(f"  ... and {len(bad) - show_bad:,} more")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    df = read_inputs(args)
    print(summary(df, args.show_bad))
    if args.to:
        write_table(df, args.to)
        print(f"wrote {len(df):,} records to {args.to}")
    return 0
