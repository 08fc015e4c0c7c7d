"""Every text and Parquet file of ../shared/conformance reads exactly as its manifest says."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import flownb
from tests.conftest import CONFORMANCE, check_conformance, conformance_manifest

KINDS = ("text", "parquet")
ENTRIES = [e for e in conformance_manifest() if e["kind"] in KINDS]


def _read(entry: dict) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        return flownb.read_flow_logs(CONFORMANCE / entry["path"], format=entry.get("format"), errors="warn")


@pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_conformance_entry(entry: dict) -> None:
    check_conformance(_read(entry), entry, str(CONFORMANCE / entry["path"]))


@pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")
def test_conformance_types_follow_the_contract() -> None:
    for entry in ENTRIES:
        df = _read(entry)
        for col in df.columns:
            assert str(df[col].dtype) == flownb.schema.dtype_for(col), (entry["path"], col)


def test_conformance_skips_cleanly_without_shared(conformance_dir) -> None:
    # Runs only when the corpus is present; documents that the fixture is what skips otherwise.
    assert (conformance_dir / "manifest.json").exists()
