"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys

import pandas as pd


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """FILES... and --format, the way every reading command takes them."""
    p.add_argument("files", nargs="+", metavar="FILES", help="flow log files, directories or glob patterns")
    p.add_argument(
        "--format",
        "-f",
        default=None,
        help="record format when files have no header line (AWS format string)",
    )


def read_inputs(args: argparse.Namespace) -> pd.DataFrame:
    from ..io import read_flow_logs

    return read_flow_logs(list(args.files), format=args.format, errors="warn", progress=sys.stderr.isatty())


def write_table(df: pd.DataFrame, path: str) -> None:
    """Write a frame to .parquet, .csv or .json, chosen by the file name."""
    if path.endswith(".parquet"):
        df.to_parquet(path, index=False)
    elif path.endswith((".csv", ".csv.gz")):
        df.to_csv(path, index=False)
    elif path.endswith((".json", ".jsonl")):
        df.to_json(path, orient="records", lines=True, date_format="iso")
    else:
        raise ValueError(f"--to: '{path}' must end in .parquet, .csv or .json")
