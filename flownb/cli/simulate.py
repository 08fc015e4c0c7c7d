"""``flownb simulate --scenario port_scan --duration 2h --layout s3 --out DIR`` (and ``--list``)."""

from __future__ import annotations

import argparse
import ast
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="write simulated flow logs of a modelled VPC, with a scenario injected and its ground truth",
        description="Simulate a VPC's flow logs (security groups and network ACLs evaluated as AWS does) "
        "and write them as AWS delivers them.",
    )
    p.add_argument("--list", action="store_true", help="list the scenarios and their parameters, then exit")
    p.add_argument(
        "--describe",
        action="store_true",
        help="print the VPC (after the scenarios' changes) and the truth, then exit",
    )
    p.add_argument(
        "--scenario",
        "-s",
        action="append",
        default=None,
        metavar="NAME",
        help="scenario to inject (repeat, or separate with commas, to combine; default baseline)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes; default 0)")
    p.add_argument("--start", default=None, help="start time, UTC (default 2025-06-02T00:00:00Z)")
    p.add_argument("--duration", default="1h", help="length, e.g. 2h, 90min, '1 day' (default 1h)")
    p.add_argument("--interval", type=int, default=60, choices=(60, 600), help="aggregation interval in s")
    p.add_argument(
        "--format", "-f", default=None, help="record format: v2 (default), v3, v4, v5, v11 or a format string"
    )
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiplier of the normal traffic (0: injected only)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario parameter, e.g. --set target=web-2 --set ports=1000",
    )
    p.add_argument(
        "--layout",
        default="s3",
        choices=("s3", "s3-hive", "parquet", "cloudwatch"),
        help="how to write the records (default s3: gzip text objects in the AWSLogs/... layout)",
    )
    p.add_argument("--out", "-o", default=None, metavar="DIR", help="directory to write into")
    p.add_argument("--prefix", default="", help="S3 prefix before AWSLogs/ (s3, s3-hive and parquet layouts)")
    p.add_argument(
        "--truth",
        default=None,
        type=_truth_path,
        metavar="FILE",
        help="also write the ground truth (.csv or .parquet)",
    )
    p.set_defaults(func=run)


def _truth_path(path: str) -> str:
    """An argparse type for ``--truth``: refused before anything is simulated when flownb cannot write it."""
    if not path.endswith((".csv", ".csv.gz", ".parquet")):
        raise argparse.ArgumentTypeError(f"'{path}' must end in .csv or .parquet (the format to write)")
    return path


def _value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``["target=web-2", "ports=1000"]`` -> ``{"target": "web-2", "ports": 1000}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set: '{item}' must look like KEY=VALUE, for example --set target=web-2")
        out[key.strip()] = _value(value.strip())
    return out


def run(args: argparse.Namespace) -> int:
    from ..sim import scenarios, simulate
    from ..sim._simulation import DEFAULT_START

    if args.list:
        for row in scenarios().itertuples():
            print(f"{row.name:<20} {row.category:<13} {row.description}")
            if row.parameters:
                print(f"{'':<34} {row.parameters}")
        return 0
    if not args.out and not args.describe:
        raise ValueError("--out DIR is required (or --list to see the scenarios, --describe to see the VPC)")
    names = [n.strip() for s in (args.scenario or ["baseline"]) for n in s.split(",") if n.strip()]
    sim = simulate(
        names,
        seed=args.seed,
        start=args.start or DEFAULT_START,
        duration=args.duration,
        interval=args.interval,
        format=args.format,
        scale=args.scale,
        **parse_settings(args.set),
    )
    print(f"simulated: {' + '.join(sim.scenario)} (seed {sim.seed})")
    print(f"records:   {len(sim.flows):,} from {sim.start:%Y-%m-%d %H:%M} to {sim.end:%Y-%m-%d %H:%M} UTC")
    if args.describe:
        print(sim.topology.describe())
    else:
        files = sim.write(args.out, layout=args.layout, prefix=args.prefix)
        print(f"wrote:     {len(files):,} {args.layout} file(s) under {args.out}")
    if len(sim.truth):
        print("truth:")
        for row in sim.truth.itertuples():
            port = "" if row.dst_port is None or str(row.dst_port) == "<NA>" else f":{row.dst_port}"
            print(f"  {row.expected:<28} {row.src or '-'} -> {row.dst or '-'}{port}  {row.label}")
    if args.truth:
        if args.truth.endswith(".parquet"):
            sim.truth.to_parquet(args.truth, index=False)
        elif args.truth.endswith((".csv", ".csv.gz")):
            sim.truth.to_csv(args.truth, index=False)
        else:
            raise ValueError(f"--truth: '{args.truth}' must end in .csv or .parquet")
        print(f"truth written to {args.truth}")
    return 0
