"""``flownb read FILES... [--format F] [--to out.parquet|out.csv]``."""

from __future__ import annotations

import argparse

import pandas as pd

from ._common import add_input_arguments, input_problems, output_path, printable, read_inputs, write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="read flow logs, summarise them, optionally write them typed")
    add_input_arguments(p)
    p.add_argument(
        "--to",
        default=None,
        type=output_path,
        metavar="OUT",
        help="write the records to OUT (.parquet, .csv, .json)",
    )
    p.add_argument("--show-bad", type=int, default=5, metavar="N", help="bad lines to list (default 5)")
    p.set_defaults(func=run)


def summary(df: pd.DataFrame, show_bad: int = 5) -> str:
    """The text `flownb read` prints: rows, time range, formats, bad lines (control characters escaped)."""
    from ..io._sniff import separator_hint

    lines = [f"records: {len(df):,}"]
    if len(df) and "start" in df and df["start"].notna().any():
        lo, hi = df["start"].min(), df["end"].max() if "end" in df else df["start"].max()
        lines.append(f"time:    {lo:%Y-%m-%d %H:%M:%S} to {hi:%Y-%m-%d %H:%M:%S} UTC")
    if "interface_id" in df and len(df):
        lines.append(f"ENIs:    {df['interface_id'].nunique():,}")
    for col, label in (("action", "actions: "), ("log_status", "status:  ")):
        counts = df[col].value_counts() if col in df else pd.Series(dtype=int)
        if counts.sum():
            lines.append(label + ", ".join(f"{printable(str(k))} {v:,}" for k, v in counts.items() if v))
    lines.append(f"sources: {len(df.flow.sources):,}")
    for fmt in df.flow.formats:
        lines.append(f"format:  {fmt}")
    bad = df.flow.bad_lines
    hint = separator_hint(bad["text"].head(100)) if len(bad) else None
    lines.append(f"bad lines: {len(bad):,}" + (f" ({hint})" if hint else ""))
    for row in bad.head(show_bad).itertuples():
        text = row.text if len(row.text) <= 100 else row.text[:100] + "..."
        where = f"  {printable(row.source)}:{row.line}: {printable(row.reason)}"
        lines.append(where + (f"\n      {printable(text)}" if text else ""))
    if len(bad) > show_bad:
        lines.append(f"  ... and {len(bad) - show_bad:,} more")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    df = read_inputs(args, strict_now=False)
    print(summary(df, args.show_bad))
    if args.to:
        write_table(df, args.to)
        print(f"wrote {len(df):,} records to {args.to}")
    return 1 if args.strict and input_problems(df) else 0
