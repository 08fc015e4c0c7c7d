"""Helpers shared by the subcommands: input arguments, reading with a report, output files, safe text."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TextIO

import pandas as pd

#: Output files the commands write, by how their name ends.
OUTPUT_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".json", ".jsonl")

# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional overrides that can rewrite
# what a terminal shows; they are printed escaped, never raw.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class StrictFailure(Exception):
    """``--strict`` and the input gave no records or bad lines: exit status 1 after the report."""


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``), so a terminal shows it as it is.

    Examples
    --------
    >>> printable("eni-1\\x1b[31m red")
    'eni-1\\\\x1b[31m red'
    """
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                       f"\\u{ord(m.group()):04x}", text)  # fmt: skip


class SafeStream:
    """A text stream that escapes control characters before they reach a terminal."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def add_input_arguments(p: argparse.ArgumentParser, *, store: bool = False) -> None:
    """FILES..., --format and --strict, the way every reading command takes them.

    ``store=True`` adds ``--store STORE`` and ``--engine`` (a store written by ``flownb ingest``, queried
    out of core instead of reading FILES); FILES are then optional (see :func:`dataset_or_frame`).
    """
    p.add_argument(
        "files",
        nargs="*" if store else "+",
        metavar="FILES",
        help="flow log files, directories or glob patterns",
    )
    if store:
        p.add_argument(
            "--store",
            default=None,
            metavar="STORE",
            help="query a store written by 'flownb ingest' (or a folder of AWS Parquet) instead of FILES",
        )
        p.add_argument(
            "--engine", default="duckdb", choices=("duckdb",), help="engine for --store (default duckdb)"
        )
    p.add_argument(
        "--format",
        "-f",
        default=None,
        help="record format when files have no header line (AWS format string)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when no record was read or a line could not be parsed",
    )


def output_path(path: str) -> str:
    """An argparse type for ``--to``: the file name must say a format flownb writes (checked before reading)."""
    if not path.endswith(OUTPUT_SUFFIXES):
        raise argparse.ArgumentTypeError(
            f"'{path}' must end in .parquet, .csv or .json (the format to write)"
        )
    return path


def read_inputs(args: argparse.Namespace, *, strict_now: bool = True) -> pd.DataFrame:
    """Read the command's FILES; warn on stderr when nothing was read or lines were bad.

    With ``--strict`` such a read raises :class:`StrictFailure` (exit status 1), unless ``strict_now``
    is false: then the command checks :func:`input_problems` itself once it has printed its report.
    """
    from ..io import read_flow_logs

    df = read_flow_logs(list(args.files), format=args.format, errors="warn", progress=sys.stderr.isatty())
    problems = input_problems(df)
    for line in problems:
        print(f"flownb {args.command}: warning: {line}", file=sys.stderr)
    if problems and strict_now and getattr(args, "strict", False):
        raise StrictFailure(problems[0])
    return df


def input_problems(df: pd.DataFrame) -> list[str]:
    """Sentences about what went wrong while reading (none when every line gave a record)."""
    from ..io._sniff import separator_hint

    bad = df.flow.bad_lines
    out = []
    if len(df) == 0:
        sources = len(df.flow.sources)
        why = "they hold only lines that could not be parsed" if len(bad) else "they are empty"
        out.append(f"no records were read from {sources:,} file(s): {why}")
    if len(bad):
        hint = separator_hint(bad["text"].head(100))
        first = bad.iloc[0]
        out.append(
            f"{len(bad):,} line(s) could not be parsed and were left out; first: "
            f"{printable(str(first['source']))}:{first['line']}: {printable(str(first['reason']))}"
            + (f" ({hint})" if hint else "")
        )
    return out


def nothing_read(df: pd.DataFrame) -> str | None:
    """The sentence commands print instead of their result when no record was read, else None."""
    if len(df):
        return None
    return f"nothing was read: 0 records in {len(df.flow.sources):,} file(s), so there is nothing to analyse"


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


def is_dataset(obj: object) -> bool:
    """Is this a FlowDataset (``--store``) rather than a frame read from FILES?"""
    from .._dispatch import is_dataset as check

    return check(obj)


def dataset_or_frame(args: argparse.Namespace):
    """The records a command with ``store=True`` inputs works on: a FlowDataset for --store, else a frame."""
    if getattr(args, "store", None):
        if args.files:
            raise ValueError("give FILES or --store STORE, not both")
        from ..scale import open_dataset

        return open_dataset(args.store, engine=args.engine)
    if not args.files:
        raise ValueError("give flow log FILES, or --store STORE (a store written by 'flownb ingest')")
    return read_inputs(args)
