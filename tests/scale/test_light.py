"""``import flownb`` stays light: the engines load only when a dataset is opened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(out.split())


def test_import_flownb_loads_no_engine():
    loaded = _loaded_after("import flownb")
    assert not {m for m in loaded if m.split(".")[0] in ("duckdb", "ibis", "sqlglot", "pyathena", "pyspark")}
    assert "flownb.scale" not in loaded


def test_ingest_needs_no_engine():
    loaded = _loaded_after("import flownb\nflownb.ingest")
    assert "flownb.scale" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("duckdb", "ibis")}


def test_top_on_a_dataframe_loads_no_engine():
    loaded = _loaded_after("import flownb\nflownb.top(flownb.samples.load('demo'))")
    assert not {m for m in loaded if m.split(".")[0] in ("duckdb", "ibis")}


def test_filtering_a_dataset_never_loads_the_widgets(tmp_path):
    # the one-way layers: FlowDataset.filter takes its FilterState from the records layer (flownb._filter)
    code = (
        "import flownb\n"
        f"flownb.ingest(flownb.samples.path('aws-docs'), {str(tmp_path / 'store')!r})\n"
        f"ds = flownb.open_dataset({str(tmp_path / 'store')!r})\n"
        "assert len(ds.filter(flownb.FilterState(actions='REJECT'))) == 2\n"
        "assert len(ds.filter(actions='REJECT', ports=[3389])) == 1"
    )
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.startswith("flownb.widgets")}


def test_filter_state_is_the_same_class_everywhere():
    import flownb
    import flownb.widgets
    import flownb.widgets._state

    assert flownb.FilterState is flownb.widgets.FilterState is flownb.widgets._state.FilterState
    assert flownb.apply_filters is flownb.widgets.apply_filters
