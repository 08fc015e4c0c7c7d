"""``flownb report connectivity FILES... [--start T] [--end T] [--min-windows N]``: what is broken, anywhere."""

from __future__ import annotations

import argparse

from ._common import add_input_arguments, nothing_read, read_inputs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="reports over a whole VPC: 'report connectivity' lists every failing client, server and port",
        description="Reports over all the records read.",
    )
    kinds = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    c = kinds.add_parser(
        "connectivity",
        help="every (client, server, port, protocol) with a failing verdict, the worst first, with its fix",
        description=(
            "Read flow logs and list every client, server, port and protocol that failed (security group or "
            "network ACL, refused, no response, not delivered, ...): when, how many connections, and the fix."
        ),
    )
    add_input_arguments(c)
    c.add_argument("--start", default=None, help="only records from this time (UTC), e.g. '2025-06-02 00:10'")
    c.add_argument("--end", default=None, help="only records until this time (UTC)")
    c.add_argument(
        "--min-windows",
        type=int,
        default=5,
        metavar="N",
        help="report a pair that never worked only after N windows of retries (default 5)",
    )
    c.set_defaults(func=run_connectivity)


def run_connectivity(args: argparse.Namespace) -> int:
    from ..analysis.connectivity import connectivity_report

    df = read_inputs(args)
    if (empty := nothing_read(df)) is not None:
        print(empty)
        return 0
    r = connectivity_report(df, start=args.start, end=args.end, min_windows=args.min_windows)
    print(text(r))
    return 0


def text(r) -> str:
    """The report as lines a terminal shows: one block per failing pair."""
    from .._protocols import protocol_label

    if not len(r):
        return "No failing pairs: every connection in these records was answered (or was one-off blocked traffic)."
    lines = [f"{len(r)} failing pair(s), the worst first:"]
    for i, row in enumerate(r.itertuples(), 1):
        port = "" if row.port is None or str(row.port) == "<NA>" else f":{row.port}"
        lines.append(
            f"{i:>3}. {row.client} -> {row.server}{port} ({protocol_label(int(row.protocol))})  {row.verdict}"
        )
        lines.append(
            f"     {row.start:%Y-%m-%d %H:%M} to {row.end:%H:%M} UTC; {row.failed} failed connection(s), "
            f"{row.clients} client(s) failing alike, {row.windows} window(s)"
        )
        lines.append(f"     fix: {row.fix}")
    return "\n".join(lines)
