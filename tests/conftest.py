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
