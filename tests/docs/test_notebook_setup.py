"""The notebooks' chart set-up is one call that flownb.charts owns (issue 22, point 8)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "notebooks").rglob("*.py"))


def test_no_notebook_repeats_altairs_renderer_set_up():
    assert SOURCES
    for py in SOURCES:
        text = py.read_text(encoding="utf-8")
        assert "renderers.enable" not in text, (
            f"{py.name}: call flownb.charts.enable_jupyter_renderer() instead"
        )
        assert text.count("enable_jupyter_renderer()") <= 1, f"{py.name} sets the renderer up more than once"


def test_the_set_up_call_enables_offline_widgets_when_asked(monkeypatch):
    import altair as alt

    import flownb.charts

    before = alt.renderers.active
    try:
        monkeypatch.setenv("FLOWNB_OFFLINE", "1")
        flownb.charts.enable_jupyter_renderer()
        assert alt.renderers.active == "jupyter"
        assert alt.renderers.options.get("offline") is True
        monkeypatch.setenv("FLOWNB_OFFLINE", "0")
        flownb.charts.enable_jupyter_renderer()
        assert alt.renderers.options.get("offline") is False
    finally:
        alt.renderers.enable(before)
