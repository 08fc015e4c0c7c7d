"""The curated notebooks: they run, their saved outputs still hold, they stay small and in sync.

- ``test_outputs_regress``: each saved ``.ipynb`` is executed again in a fresh kernel (no AWS account,
  no internet, ``FLOWNB_OFFLINE=1``), cleaned like the saved copy (``nbtools.clean``) and compared with
  the committed outputs through pytest-notebook's diffing; volatile parts (memory addresses, widget and
  chart ids, timings) are ignored, so a printed fact that changes (a count, a verdict) fails the test.
  The notebooks' own ``assert`` cells check their teaching claims and fail the execution.
- ``test_paired_with_jupytext``: each ``.ipynb`` has the same cells as its ``py:percent`` file.
- ``test_saved_notebook_is_small``: a size budget, and no widget state or JavaScript bundle saved.
- ``test_charts_are_saved_as_images``: every chart (or widget holding charts) is saved as a PNG too, so
  GitHub and the documentation site show it; the regression test compares the charts' specs (by title
  and digest, in the output's metadata), not their pixels, which depend on the machine's fonts.

Regenerate a saved notebook after an intended change: ``python -m tests.notebooks.nbtools 04``.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from . import nbtools

SOURCES = nbtools.sources()
IDS = [str(p.relative_to(nbtools.NOTEBOOKS).with_suffix("")) for p in SOURCES]

#: Parts of a notebook that legitimately change between runs.
DIFF_IGNORE = (
    "/metadata/language_info",
    "/metadata/widgets",
    "/cells/*/id",
    "/cells/*/metadata/execution",
    "/cells/*/execution_count",
    "/cells/*/outputs/*/execution_count",
    "/cells/*/outputs/*/data/application/vnd.jupyter.widget-view+json",
    # a chart's pixels depend on the fonts installed; its spec (metadata/flownb/charts) is compared instead
    "/cells/*/outputs/*/data/image/png",
)
#: (path, regex, replacement): memory addresses, element ids, timings.
DIFF_REPLACE = (
    ("/cells/*/outputs", r"0x[0-9a-fA-F]{6,}", "0xADDRESS"),
    ("/cells/*/outputs", r"\b[0-9a-f]{32}\b", "MODEL_ID"),
    ("/cells/*/outputs", r"(view|chart|altair-viz|vega)-[0-9a-f]{8,}", r"\1-ID"),
    (
        "/cells/*/outputs",
        r"ibis_read_parquet_[a-z0-9]+",
        "ibis_read_parquet_ID",
    ),  # Ibis names its views at random
    ("/cells/*/outputs", r"\b\d+(\.\d+)? ?(ms|µs|s) (elapsed|wall)", "TIME"),
)

KB = 1024
#: Saved notebook budget (the issue: "keep the saved outputs small"): text, small tables and the charts'
#: palette PNGs (each at most ``nbtools.IMAGE_BUDGET``; about 4-20 KiB each as saved today).
SIZE_BUDGET = 200 * KB


def test_every_notebook_is_here():
    names = {p.stem for p in SOURCES}
    assert "00_start_here" in names
    for py in SOURCES:
        assert py.with_suffix(".ipynb").exists(), (
            f"{py.name} has no saved .ipynb: run python -m tests.notebooks.nbtools"
        )


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_paired_with_jupytext(py):
    from_py = nbtools.read_source(py)
    saved = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert cells(saved) == cells(from_py), (
        f"{py.name} and {py.with_suffix('.ipynb').name} differ: edit the .py and run "
        f"python -m tests.notebooks.nbtools {py.stem}"
    )
    assert saved.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_saved_notebook_is_small(py):
    path = py.with_suffix(".ipynb")
    size = path.stat().st_size
    assert size <= SIZE_BUDGET, (
        f"{path.name} is {size / KB:.0f} KiB, over the {SIZE_BUDGET / KB:.0f} KiB budget"
    )
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "widget state is saved"
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            assert "application/javascript" not in data, f"cell {i}: a JavaScript output is saved"
            assert "application/vnd.jupyter.widget-view+json" not in data, f"cell {i}: a widget view is saved"
            assert "<script" not in json.dumps(data).lower(), f"cell {i}: a <script> is saved"
            assert out.get("output_type") != "error", f"cell {i}: an error is saved"


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_charts_are_saved_as_images(py):
    import base64

    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    source = py.read_text(encoding="utf-8")
    images = 0
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            charts = out.get("metadata", {}).get("flownb", {}).get("charts")
            png = out.get("data", {}).get("image/png")
            if charts:
                assert png, f"cell {i}: a chart is saved without its image"
                head = base64.b64decode(png)[:8]
                assert head == b"\x89PNG\r\n\x1a\n", f"cell {i}: the chart's image is not a PNG"
                assert all(c["title"] and c["spec"] for c in charts), f"cell {i}: a chart without a name"
                images += 1
    if "flownb.charts." in source or "FlowExplorer(" in source:
        assert images, f"{py.name} draws charts, but none is saved as an image"


@pytest.mark.slow  # each executes a notebook in a fresh kernel (up to a minute)
@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_outputs_regress(py):
    from pytest_notebook.diffing import diff_notebooks, diff_to_string, filter_diff
    from pytest_notebook.notebook import regex_replace_nb

    path = py.with_suffix(".ipynb")
    saved = nbformat.read(path, as_version=4)
    blank = nbformat.read(path, as_version=4)
    for cell in blank.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    phases: list[tuple[str, float]] = []
    executed, seconds = nbtools.execute(blank, py.parent, phases=phases)
    fresh = nbtools.clean(executed)
    fresh.metadata.pop("language_info", None)

    before = regex_replace_nb(saved, DIFF_REPLACE)
    after = regex_replace_nb(fresh, DIFF_REPLACE)
    diff = filter_diff(diff_notebooks(before, after), list(DIFF_IGNORE))
    assert not diff, (
        f"{path.name}: outputs changed (rebuild with python -m tests.notebooks.nbtools {py.stem} if intended):\n"
        + diff_to_string(before, diff, use_color=False)
    )
    # The budget is 60 s on a 2-core machine; a shared CI runner gets twice that.
    steps = ", ".join(f"{what} at {at:.1f} s" for what, at in phases)
    assert seconds < 2 * nbtools.TIME_BUDGET_S, f"{path.name} took {seconds:.0f} s: {steps}"
