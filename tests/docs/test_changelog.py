"""The version is one semantic version, said the same way by the package, its build and the changelog."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import flownb

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

#: MAJOR.MINOR.PATCH, optionally with PEP 440's spelling of a development pre-release (semver's ``-dev.N``).
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(\.dev\d+)?$")


def released() -> list[tuple[str, str]]:
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", CHANGELOG, flags=re.M)


def test_version_is_semantic():
    assert SEMVER.match(flownb.__version__), (
        f"flownb.__version__ {flownb.__version__!r} is not MAJOR.MINOR.PATCH"
    )


def test_the_build_takes_the_version_from_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"], (
        "pyproject.toml repeats the version: keep it in flownb.__version__"
    )
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "flownb.__version__"}


def test_changelog_names_the_current_version_first():
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", CHANGELOG, flags=re.M)
    assert headings, "CHANGELOG.md has no version sections"
    first, rest = headings[0]
    version = flownb.__version__
    if ".dev" in version:
        assert first == "Unreleased" and f"({version})" in rest, (
            f"a development version ({version}) is the changelog's '## [Unreleased] ({version})' section"
        )
    else:
        assert first == version, f"CHANGELOG.md's newest section is {first}, the package says {version}"


def test_released_versions_increase_downwards_and_are_linked():
    versions = [tuple(map(int, v.split("."))) for v, _ in released()]
    assert versions, "no released version in CHANGELOG.md"
    assert versions == sorted(versions, reverse=True), "released versions are not newest first"
    dates = [d for _, d in released()]
    assert dates == sorted(dates, reverse=True)
    base = tuple(map(int, SEMVER.match(flownb.__version__).groups()[:3]))
    assert base >= versions[0], "the package's version is older than the newest release in the changelog"
    for v, _ in released():
        assert re.search(rf"^\[{re.escape(v)}\]: \S+", CHANGELOG, flags=re.M), f"[{v}] has no link at the end"


def test_sections_use_keep_a_changelog_kinds():
    kinds = set(re.findall(r"^### (.+)$", CHANGELOG, flags=re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds
