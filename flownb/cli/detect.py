"""``flownb detect FILES... | --store STORE [--partition 1h] [--detectors a,b] [--set name=value] [--intel FILE] [--to out.csv]``."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from ._common import add_input_arguments, dataset_or_frame, is_dataset, nothing_read, output_path, write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "detect",
        help="run the anomaly and threat detectors and print their findings",
        description="Run flownb's detectors (scans, sweeps, brute force, floods, exfiltration, beacons, ...) "
        "over flow log files and print one line per finding.",
    )
    add_input_arguments(p, store=True)
    p.add_argument(
        "--detectors",
        "-d",
        default=None,
        metavar="A,B",
        help="comma-separated detector names (default: all)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a threshold, e.g. --set min_ports=30 or --set vertical_scan__window=10min (repeatable)",
    )
    p.add_argument(
        "--intel",
        default=None,
        metavar="FILE",
        help="threat list for intel_match: one IP address or CIDR block per line (# comments)",
    )
    p.add_argument(
        "--local",
        action="append",
        default=[],
        metavar="CIDR",
        help="a CIDR block to treat as local besides the private ranges (repeatable)",
    )
    p.add_argument(
        "--partition",
        default=None,
        metavar="HOURS",
        help="with --store: run the detectors one block of time at a time (e.g. 1h, 1D) to bound memory; "
        "an episode crossing a block's edge is then two findings (default: one run, the whole store)",
    )
    p.add_argument(
        "--to",
        default=None,
        type=output_path,
        metavar="OUT",
        help="also write the findings to OUT (.csv, .json, .parquet)",
    )
    p.set_defaults(func=run)


def _value(text: str) -> object:
    """'30' -> 30, '0.5' -> 0.5, '[22, 2222]' -> list, 'true' -> True, anything else stays a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def thresholds(pairs: list[str]) -> dict[str, object]:
    """Parse ``--set name=value`` options."""
    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set must look like NAME=VALUE, got '{pair}'")
        out[name.strip()] = _value(value.strip())
    return out


def read_intel(path: str) -> list[str]:
    """Addresses and CIDR blocks of a threat list file."""
    lines = Path(path).read_text().splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


def render(findings) -> str:
    """The text `flownb detect` prints: a count per severity, then one block per finding."""
    if findings.empty:
        return "no findings"
    counts = findings["severity"].value_counts()
    head = ", ".join(f"{counts[s]} {s}" for s in ("High", "Medium", "Low") if counts.get(s, 0))
    lines = [f"{len(findings)} finding(s): {head}"]
    for row in findings.itertuples(index=False):
        where = " ".join(
            part
            for part in (
                f"src={row.src}" if row.src is not None and str(row.src) != "<NA>" else "",
                f"dst={row.dst}" if row.dst is not None and str(row.dst) != "<NA>" else "",
                f"port={row.dst_port}" if str(row.dst_port) != "<NA>" else "",
            )
            if part
        )
        label = f" [{row.label}]" if str(row.label) != "<NA>" else ""
        lines.append(
            f"{row.severity:<6} {row.detector}{label} {row.start:%Y-%m-%d %H:%M:%S}..{row.end:%H:%M:%S} "
            f"{where} records={row.evidence_count}\n       {row.summary}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..analysis.detectors import detect

    kw = thresholds(args.set)
    if args.intel:
        kw["indicators"] = read_intel(args.intel)
    names = [n.strip() for n in args.detectors.split(",") if n.strip()] if args.detectors else None
    if names is not None and "indicators" in kw and "intel_match" not in names:
        kw.pop("indicators")
    df = dataset_or_frame(args)
    if not is_dataset(df) and (empty := nothing_read(df)) is not None:
        print(empty)
        return 0
    if args.partition is not None:
        if not is_dataset(df):
            raise ValueError("--partition needs --store (FILES are read into memory whole)")
        kw["partition"] = args.partition
    findings = detect(df, names, local_networks=args.local or None, **kw)
    print(render(findings))
    if args.to:
        write_table(findings, args.to)
        print(f"wrote {len(findings):,} findings to {args.to}")
    return 0
