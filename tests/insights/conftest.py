"""Flow log records for the Logs Insights tests, and DuckDB over the same frame."""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

import flownb

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def synthetic_lines(n: int = 4000, seed: int = 7) -> list[str]:
    """Default-format records: two private subnets, a NAT gateway, public peers, IPv6, NODATA/SKIPDATA."""
    rng = np.random.default_rng(seed)
    enis = [f"eni-{i:017x}" for i in range(1, 13)]
    local = [f"10.0.1.{i}" for i in range(10, 22)] + [f"10.0.2.{i}" for i in range(10, 22)]
    public = [f"203.0.113.{i}" for i in range(1, 40)] + [f"198.51.100.{i}" for i in range(1, 20)]
    v6 = ["2001:db8:1234:a100::10", "2001:db8:1234:a102::20", "2001:db8:ffff::1"]
    nat = "10.0.0.220"
    lines = []
    t0 = 1_700_000_000
    for _ in range(n):
        eni = enis[rng.integers(len(enis))]
        start = t0 + int(rng.integers(0, 6 * 3600))
        end = start + int(rng.integers(1, 60))
        kind = rng.random()
        if kind < 0.03:
            lines.append(f"2 123456789010 {eni} - - - - - - - {start} {end} - NODATA")
            continue
        if kind < 0.05:
            lines.append(f"2 123456789010 {eni} - - - - - - - {start} {end} - SKIPDATA")
            continue
        proto = int(rng.choice([6, 6, 6, 17, 1]))
        if kind < 0.08:
            src, dst = v6[rng.integers(3)], v6[rng.integers(3)]
        elif kind < 0.25:
            src, dst = (
                (local[rng.integers(len(local))], nat)
                if rng.random() < 0.5
                else (nat, public[rng.integers(len(public))])
            )
        elif rng.random() < 0.5:
            src, dst = public[rng.integers(len(public))], local[rng.integers(len(local))]
        else:
            src, dst = local[rng.integers(len(local))], local[rng.integers(len(local))]
        sport = (
            int(rng.choice([22, 443, 80, 53, 3389, 5432]))
            if rng.random() < 0.5
            else int(rng.integers(32768, 61000))
        )
        dport = (
            int(rng.choice([22, 443, 80, 53, 3389, 5432]))
            if sport >= 32768
            else int(rng.integers(32768, 61000))
        )
        if proto == 1:
            sport = dport = 0
        packets = int(rng.integers(1, 5000))
        nbytes = packets * int(rng.integers(40, 1500))
        action = "REJECT" if rng.random() < 0.12 else "ACCEPT"
        lines.append(
            f"2 123456789010 {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} {start} {end} {action} OK"
        )
    return lines


@pytest.fixture(scope="session")
def flows(tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("insights") / "flows.log"
    path.write_text(HEADER + "\n" + "\n".join(synthetic_lines()) + "\n")
    return flownb.read_flow_logs(str(path), errors="raise")


@pytest.fixture(scope="session")
def duck(flows):
    con = duckdb.connect()
    con.register("df", flows)
    return con


def run(df: pd.DataFrame, text: str, **kwargs) -> pd.DataFrame:
    """flownb.insights.query with warnings as errors (the tests expect none unless they say so)."""
    from flownb.insights import query

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return query(df, text, **kwargs)


def records(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain Python tuples (NA -> None, numbers -> float, timestamps -> epoch seconds)."""
    out = []
    for row in frame.itertuples(index=False):
        values = []
        for v in row:
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
                values.append(None)
            elif isinstance(v, pd.Timestamp):
                values.append(int(v.timestamp()))
            elif isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
                values.append(round(float(v), 6))
            else:
                values.append(v)
        out.append(tuple(values))
    return out


def settled(frame: pd.DataFrame, named: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """The records in the order the engine settles them (``flownb.insights._engine``'s docstring).

    Newest first; records of the same second by the columns the query names,
    then by the others, each ascending in the order of the column names; text by
    code point, categories by their text, missing values last.
    """
    named = sorted(set(named) - {"start"})
    rest = sorted(c for c in frame.columns if c not in named and c != "start")
    keys = {}
    for c in ["start", *named, *rest]:
        s = frame[c]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or s.dtype == object
            or pd.api.types.is_string_dtype(s.dtype)
        ):
            s = s.astype(object).where(s.notna(), None).map(lambda v: None if v is None else str(v))
        keys[f"__k{len(keys)}"] = s
    order = pd.DataFrame(keys, index=frame.index).sort_values(
        list(keys), ascending=[False] + [True] * (len(keys) - 1), na_position="last", kind="stable"
    )
    return frame.loc[order.index]


def named_columns(expr: str) -> tuple[str, ...]:
    """The flow log columns an expression names by their Logs Insights names (``srcAddr`` -> ``srcaddr``)."""
    import re

    from flownb import schema

    names = schema.insights_names()
    return tuple(names[w] for w in re.findall(r"[A-Za-z_@][\w]*", expr) if w in names) + (
        ("start",) if "@timestamp" in expr else ()
    )
