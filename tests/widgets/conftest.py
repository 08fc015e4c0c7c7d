"""Widget tests run without a browser: set control values in Python, read state, frames and chart specs."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb


@pytest.fixture(scope="session")
def demo() -> pd.DataFrame:
    return flownb.samples.load("demo")


def brush(jchart, start: pd.Timestamp, end: pd.Timestamp, name: str = "brush") -> None:
    """What the browser sends when a time range is brushed (as altair's own JupyterChart tests do)."""
    lo, hi = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    jchart._vl_selections = {
        name: {
            "value": {"time": [lo, hi]},
            "store": [
                {"unit": "", "fields": [{"field": "time", "channel": "x", "type": "R"}], "values": [[lo, hi]]}
            ],
        }
    }


def chart_rows(chart) -> list[dict]:
    spec = chart.to_dict()
    return [row for rows in spec.get("datasets", {}).values() for row in rows]
