"""Shared fixtures: the conformance corpus beside the repository, temporary flow log files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"


def conformance_manifest() -> list[dict]:
    """Entries of ../shared/conformance/manifest.json, or [] when the corpus is absent."""
    manifest = CONFORMANCE / "manifest.json"
    if not manifest.exists():
        return []
    return json.loads(manifest.read_text())["files"]


@pytest.fixture
def conformance_dir() -> Path:
    if not (CONFORMANCE / "manifest.json").exists():
        pytest.skip("../shared/conformance is absent (as in a user's clone): nothing to check against")
    return CONFORMANCE
