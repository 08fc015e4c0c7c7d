"""Shared fixtures: the conformance corpus beside the repository, temporary flow log files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"


def conformance_manifest() -> list[dict]:
    """Entries of ../shared/conformance/manifest.json, or [] when the corpus is absent."""
    manifest = CONFORMANCE / "manifest.json"
    if not manifest.exists():
        return []
    return json.loads(manifest.read_text())["files"]


def _py(value):
    """A frame cell as the manifest writes it (None for missing, ISO-8601 UTC for times)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if hasattr(value, "item"):
        return value.item()
    return value


def check_conformance(df: pd.DataFrame, entry: dict, source_name: str) -> None:
    """Assert a frame is what the manifest entry says a correct reader returns."""
    expect = entry["expect"]
    bad = df.flow.bad_lines
    assert len(df) == expect["rows"]
    assert len(bad) == expect["bad_lines"], bad.to_string()
    if "bad_line_numbers" in expect:  # line numbers, or event numbers for CloudWatch payloads
        assert list(bad["line"]) == expect["bad_line_numbers"]
        assert (bad["source"] == source_name).all()
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


@pytest.fixture
def conformance_dir() -> Path:
    if not (CONFORMANCE / "manifest.json").exists():
        pytest.skip("../shared/conformance is absent (as in a user's clone): nothing to check against")
    return CONFORMANCE


# Property tests explore new examples on developers' machines; CI replays a fixed sequence so a
# red build always means a change, never a newly drawn example (those are found locally first).
try:
    from hypothesis import settings as _hsettings

    _hsettings.register_profile("ci", derandomize=True, print_blob=True)
    import os as _os

    if _os.environ.get("CI"):
        _hsettings.load_profile("ci")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


def pytest_collection_modifyitems(items):
    """Slow tests first (stable otherwise): in parallel runs they start early and no worker ends on one."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
