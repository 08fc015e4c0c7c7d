"""``flownb diagnose FILES... | --store STORE --src A --dst B [--port P] [--protocol tcp] [--start T] [--end T]``."""

from __future__ import annotations

import argparse

from ._common import add_input_arguments, dataset_or_frame, is_dataset, nothing_read


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diagnose",
        help="why can't A reach B? a verdict, the evidence records and what to check",
        description=(
            "Read flow logs and explain whether SRC reaches DST: security group or network ACL, "
            "no response, refused, asymmetric path, NAT or transit gateway, incomplete data."
        ),
    )
    add_input_arguments(p, store=True)
    p.add_argument("--src", required=True, help="client: IP address, CIDR block or ENI id")
    p.add_argument("--dst", required=True, help="server: IP address, CIDR block or ENI id")
    p.add_argument("--port", type=int, default=None, help="the server's port")
    p.add_argument("--protocol", default=None, help="tcp, udp, icmp, icmpv6 or a protocol number")
    p.add_argument("--start", default=None, help="only records from this time (UTC), e.g. '2025-06-02 00:10'")
    p.add_argument("--end", default=None, help="only records until this time (UTC)")
    p.add_argument(
        "--evidence", type=int, default=20, metavar="N", help="evidence records to print (default 20)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.connectivity import diagnose

    df = dataset_or_frame(args)
    if not is_dataset(df) and (empty := nothing_read(df)) is not None:
        print(empty)
        return 0
    d = diagnose(
        df, args.src, args.dst, port=args.port, protocol=args.protocol, start=args.start, end=args.end
    )
    print(d.to_text(evidence_rows=args.evidence))
    return 0
