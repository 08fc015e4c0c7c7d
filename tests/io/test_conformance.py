"""Every text and Parquet file of ../shared/conformance reads exactly as its manifest says."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import flownb
from tests.conftest import CONFORMANCE, conformance_manifest

KINDS = ("text", "parquet")
ENTRIES = [e for e in conformance_manifest() if e["kind"] in KINDS]


def _read(entry: dict) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        return flownb.read_flow_logs(CONFORMANCE / entry["path"], format=entry.get("format"), errors="warn")


def _py(value):
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if hasattr(value, "item"):
        return value.item()
    return value


@pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_conformance_entry(entry: dict) -> None:
    expect = entry["expect"]
    df = _read(entry)
    bad = df.flow.bad_lines
    assert len(df) == expect["rows"]
    assert len(bad) == expect["bad_lines"], bad.to_string()
    if "bad_line_numbers" in expect:
        assert list(bad["line"]) == expect["bad_line_numbers"]
        assert (bad["source"] == str(CONFORMANCE / entry["path"])).all()
        assert bad["reason"].str.len().gt(0).all()
    if "columns" in expect:
        assert list(df.columns) == expect["columns"]
    for col, total in expect.get("sum", {}).items():
        assert int(df[col].sum()) == total, col
    for col, counts in expect.get("count", {}).items():
        got = {k: int(v) for k, v in df[col].value_counts().items() if v}
        assert got == counts, col
    for v in expect.get("values", []):
        assert _py(df[v["column"]].iloc[v["row"]]) == v["value"], v


@pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")
def test_conformance_types_follow_the_contract() -> None:
    for entry in ENTRIES:
        df = _read(entry)
        for col in df.columns:
            assert str(df[col].dtype) == flownb.schema.dtype_for(col), (entry["path"], col)


def test_conformance_skips_cleanly_without_shared(conformance_dir) -> None:
    # Runs only when the corpus is present; documents that the fixture is what skips otherwise.
    assert (conformance_dir / "manifest.json").exists()
