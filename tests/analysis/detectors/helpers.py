"""Hand-built flow log records for the detector tests."""

from __future__ import annotations

import io

import numpy as np
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


#: Ports the random traffic aims at half of the time (the other half: any port).
_COMMON_PORTS = (22, 23, 25, 53, 80, 123, 443, 445, 1433, 3306, 3389, 5432, 6379, 8080, 8443, 9200)


def unpaired_lines(n: int, seed: int = 0, *, t0: int = T0, duration: int = 86400) -> list[str]:
    """Uniformly random default-format records with no responses: what a new user tries first.

    Random private (10.0.0.0/8) and public source and destination addresses,
    random ports (half of the destinations on a common service port), TCP, UDP
    and ICMP, 20 % REJECT, times uniform over ``duration`` seconds and in no
    order, 100 ENIs, no record ever answered. The traffic of issue 16's
    report (about 518,000 findings on 1,000,000 records before episodes).
    """
    rng = np.random.default_rng(seed)

    def addresses(k: int) -> np.ndarray:
        private = rng.random(k) < 0.5
        a = np.where(private, 10, rng.integers(1, 224, k))
        a = np.where(~private & np.isin(a, (10, 100, 127, 169, 172, 192)), 23, a)
        b, c, d = rng.integers(0, 256, (3, k))
        return np.char.add(
            np.char.add(np.char.add(a.astype(str), "."), np.char.add(b.astype(str), ".")),
            np.char.add(np.char.add(c.astype(str), "."), d.astype(str)),
        )

    src, dst = addresses(n), addresses(n)
    enis = np.array([f"eni-{x:017x}" for x in rng.integers(0, 2**60, 100)])[rng.integers(0, 100, n)]
    proto = rng.choice([6, 17, 1], n, p=[0.8, 0.15, 0.05])
    common = np.array(_COMMON_PORTS)[rng.integers(0, len(_COMMON_PORTS), n)]
    dport = np.where(rng.random(n) < 0.5, common, rng.integers(0, 65536, n))
    sport = rng.integers(1024, 65536, n)
    dport = np.where(proto == 1, 0, dport)
    sport = np.where(proto == 1, 0, sport)
    packets = rng.integers(1, 2000, n)
    nbytes = packets * rng.integers(40, 1500, n)
    start = t0 + rng.integers(0, duration, n)
    end = start + rng.integers(0, 60, n)
    action = np.where(rng.random(n) < 0.2, "REJECT", "ACCEPT")
    return [
        f"2 123456789012 {e} {s} {d} {sp} {dp} {p} {pk} {b} {t} {te} {a} OK"
        for e, s, d, sp, dp, p, pk, b, t, te, a in zip(
            enis, src, dst, sport, dport, proto, packets, nbytes, start, end, action, strict=True
        )
    ]


def unpaired_traffic(n: int, seed: int = 0) -> pd.DataFrame:
    """:func:`unpaired_lines` read as flow log records."""
    return frame(unpaired_lines(n, seed))
