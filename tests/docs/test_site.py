"""The documentation site builds, lists every public name and renders every notebook.

The site is built once per test session, the way ``python3 tasks.py docs`` builds it (offline, warnings
as errors), into a temporary directory; the tests then read the HTML a reader would open.
"""

from __future__ import annotations

import html
import importlib
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDE = sorted((DOCS / "guide").glob("*.md"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, f"the documentation does not build:\n{proc.stderr[-6000:]}"
    return out


def public_names() -> dict[str, object]:
    """Every name of ``flownb.__all__`` and of the public sub-packages' ``__all__``, found independently."""
    import pkgutil

    import flownb

    spaces = ["flownb"] + [
        m.name
        for m in pkgutil.walk_packages(flownb.__path__, "flownb.")
        if m.ispkg and not any(p.startswith("_") for p in m.name.split("."))
    ]
    names: dict[str, object] = {}
    while spaces:
        ns = spaces.pop()
        mod = importlib.import_module(ns)
        for name in getattr(mod, "__all__", ()):
            value = getattr(mod, name)
            names[f"{ns}.{name}"] = value
            if isinstance(value, types.ModuleType) and f"{value.__name__}" not in names:
                spaces.append(value.__name__)
    return names


def page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_the_reference_lists_every_public_name(site):
    names = json.loads((DOCS / "api" / "names.json").read_text(encoding="utf-8"))
    missing = sorted(set(public_names()) - set(names))
    assert not missing, f"public names missing from the API reference: {missing}"
    for full, info in names.items():
        ns = full.rpartition(".")[0]
        listing = (site / "api" / f"{ns}.html").read_text(encoding="utf-8")
        target = info["documented_as"]
        anchor = f"#module-{target}" if info["kind"] == "module" else f"#{target}"
        assert f'{anchor}"' in listing, f"{full} is not linked from the {ns} page of the reference"
        if info["kind"] != "module":
            page = site / "api" / "generated" / f"{target}.html"
            assert page.exists(), f"{target} has no page in the reference"
            assert f'id="{target}"' in page.read_text(encoding="utf-8"), (
                f"{target}'s page does not describe it"
            )


def test_every_notebook_page_renders_with_its_saved_outputs(site):
    import nbformat

    notebooks = sorted(
        p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    assert len(notebooks) >= 10
    for nb_path in notebooks:
        rel = nb_path.relative_to(ROOT / "notebooks").with_suffix(".html")
        page = site / "notebooks" / rel
        assert page.exists(), f"{rel} was not rendered"
        text = page.read_text(encoding="utf-8")
        nb = nbformat.read(nb_path, as_version=4)
        title = next(c.source.splitlines()[0].lstrip("# ") for c in nb.cells if c.cell_type == "markdown")
        assert html.escape(title, quote=False) in text or title in page_text(page), f"{rel}: title missing"
        # myst-nb renders the outputs of one cell in one "cell_output" block: one per cell with outputs
        saved = sum(1 for c in nb.cells if c.cell_type == "code" and c.get("outputs"))
        shown = text.count('class="cell_output')
        assert shown == saved, f"{rel}: {saved} cells with saved outputs, {shown} rendered"
        assert "Traceback (most recent call last)" not in page_text(page), f"{rel} shows a traceback"
        # the charts, saved as PNGs beside their interactive note (tests/notebooks/nbtools.py), are images here
        charts = sum(
            "image/png" in out.get("data", {})
            for c in nb.cells
            if c.cell_type == "code"
            for out in c.get("outputs", [])
        )
        images = [
            (src, alt)
            for alt, src in re.findall(r'<img\b[^>]*\balt="([^"]*)"[^>]*\bsrc="([^"]+)"', text)
            if src.endswith(".png") and (page.parent / html.unescape(src)).is_file()
        ]
        assert len(images) == charts, f"{rel}: {charts} saved chart images, {len(images)} shown as images"
        unnamed = [src for src, alt in images if not alt.startswith(("Chart: ", "Charts: "))]
        assert not unnamed, f"{rel}: chart images without the chart's title as their text: {unnamed}"


def test_the_lists_come_from_the_registries(site):
    from flownb.analysis import VERDICTS
    from flownb.analysis.detectors import DETECTORS

    verdicts = page_text(site / "lists" / "verdicts.html")
    assert all(code in verdicts for code in VERDICTS)
    detectors = page_text(site / "lists" / "detectors.html")
    assert all(name in detectors for name in DETECTORS)
    assert "Zeek" in detectors and "GuardDuty" in detectors  # the sources of the defaults are quoted
    from flownb.insights import AGGREGATIONS, COMMANDS, FUNCTIONS

    insights = page_text(site / "lists" / "insights-support.html")
    missing = [name for name in (*COMMANDS, *FUNCTIONS, *AGGREGATIONS) if name not in insights]
    assert not missing, f"the Logs Insights support page does not list {missing}"


def test_home_page_has_the_readmes_thirty_second_example(site):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"```python\n(.*?)```", readme.split("## In 30 seconds", 1)[1], flags=re.S)[0]
    home = page_text(site / "index.html")
    for line in block.strip().splitlines():
        assert line.strip() in home, f"the home page lacks the README's line {line!r}"


@pytest.mark.parametrize("page", GUIDE, ids=[p.stem for p in GUIDE])
def test_guide_code_runs(page):
    """Each guide page's Python blocks run in order, as a reader would paste them."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict = {"__name__": f"guide_{page.stem}"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)


def test_the_readme_says_how_to_build_the_site():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 tasks.py docs" in readme
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert '"docs": docs' in tasks and '"-W"' in tasks  # the command builds with warnings as errors
