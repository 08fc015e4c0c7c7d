"""Hand-built flow log records for the detector tests."""

from __future__ import annotations

import io

import pandas as pd

import flownb

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
T0 = 1_750_000_000  # 2025-06-15 15:06:40 UTC


def rec(
    src: str,
    dst: str,
    sport: int,
    dport: int,
    *,
    proto: int = 6,
    packets: int = 1,
    nbytes: int = 40,
    t: int = 0,
    dur: int = 5,
    action: str = "ACCEPT",
    eni: str = "eni-0000000000000000a",
) -> str:
    return f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} {T0 + t} {T0 + t + dur} {action} OK"


def status(eni: str, t: int, what: str, dur: int = 59) -> str:
    return f"2 123456789012 {eni} - - - - - - - {T0 + t} {T0 + t + dur} - {what}"


def frame(lines: list[str]) -> pd.DataFrame:
    text = HEADER + "\n" + "\n".join(lines) + "\n"
    return flownb.read_flow_logs(io.BytesIO(text.encode()))


def web_traffic(n: int = 40, server: str = "10.0.0.10", t0: int = 0) -> list[str]:
    """Ordinary HTTPS: internet clients, each a request and its answer."""
    out = []
    for i in range(n):
        client = f"198.51.100.{i % 200 + 1}"
        port = 40000 + i
        t = t0 + i * 30
        out.append(rec(client, server, port, 443, packets=12, nbytes=2000, t=t))
        out.append(rec(server, client, 443, port, packets=10, nbytes=9000, t=t))
    return out


def names(findings: pd.DataFrame) -> list[str]:
    return sorted(set(findings["detector"]))
