"""Seeded generator of default-format flow log records for the benchmarks.

The traffic looks like a small production VPC: a few hundred ENIs with private
addresses, clients and servers on well-known ports, public peers (many of them
internet scanners), about 5 % REJECT and 1 % NODATA/SKIPDATA records. It is the
benchmarks' own generator (independent of flownb's VPC twin) so the parser is
measured on data it did not write.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def records(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    n_eni = 300
    enis = np.array([f"eni-{x:017x}" for x in rng.integers(0, 2**64 - 1, n_eni, dtype=np.uint64)])
    eni_ip = np.array([f"10.0.{i // 250}.{i % 250 + 4}" for i in range(n_eni)])
    n_pub = 20000
    pub = np.array([f"{a}.{b}.{c}.{d}" for a, b, c, d in rng.integers(1, 255, (n_pub, 4))])
    eni_idx = rng.integers(0, n_eni, n)
    local = eni_ip[eni_idx]
    peer_is_pub = rng.random(n) < 0.4
    peer = np.where(peer_is_pub, pub[rng.zipf(1.3, n) % n_pub], eni_ip[rng.integers(0, n_eni, n)])
    server_ports = np.array([443, 80, 22, 3306, 5432, 6379, 8080, 53, 123, 3389])
    sport = server_ports[rng.integers(0, len(server_ports), n)]
    eport = rng.integers(32768, 61000, n)
    inbound = rng.random(n) < 0.5
    src = np.where(inbound, peer, local)
    dst = np.where(inbound, local, peer)
    srcport = np.where(inbound, eport, sport)
    dstport = np.where(inbound, sport, eport)
    proto = np.where(sport == 53, 17, np.where(sport == 123, 17, 6))
    packets = rng.integers(1, 2000, n)
    nbytes = packets * rng.integers(40, 1500, n)
    start = 1_700_000_000 + np.sort(rng.integers(0, 86400, n))
    end = start + rng.integers(0, 60, n)
    action = np.where(rng.random(n) < 0.05, "REJECT", "ACCEPT")
    status = np.full(n, "OK", dtype=object)
    special = rng.random(n)
    status[special < 0.01] = "NODATA"
    status[special < 0.001] = "SKIPDATA"
    account = "123456789012"
    out = []
    for i in range(n):
        if status[i] == "OK":
            out.append(
                f"2 {account} {enis[eni_idx[i]]} {src[i]} {dst[i]} {srcport[i]} {dstport[i]} {proto[i]} "
                f"{packets[i]} {nbytes[i]} {start[i]} {end[i]} {action[i]} OK"
            )
        else:
            out.append(f"2 {account} {enis[eni_idx[i]]} - - - - - - - {start[i]} {end[i]} - {status[i]}")
    return out


def write(directory: str | os.PathLike, n: int = 1_000_000, seed: int = 0) -> tuple[Path, Path]:
    """Write ``flows.log`` and ``flows.log.gz`` (S3 style, with a header line); reuse existing ones."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / f"flows-{n}-{seed}.log"
    gz = directory / f"flows-{n}-{seed}.log.gz"
    if not log.exists():
        text = HEADER + "\n" + "\n".join(records(n, seed)) + "\n"
        log.write_text(text)
    if not gz.exists():
        with open(log, "rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
            dst.write(src.read())
    return log, gz
