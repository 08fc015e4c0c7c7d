"""Fixtures of the scale tests: the same files read by pandas and opened as a store."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

import flownb


def both(source, store: Path, *, format=None) -> tuple[pd.DataFrame, object]:
    """(the pandas frame, the dataset) of the same files: read_flow_logs vs ingest + open_dataset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        df = flownb.read_flow_logs(source, format=format)
        flownb.ingest(source, store, format=format, errors="ignore")
    return df, flownb.open_dataset(store, memory_limit="512MB", threads=1)
