"""Frames with NODATA records (flow_direction missing) go through every analysis, as the demo does."""

from __future__ import annotations

import pandas as pd

import flownb


def _mixed() -> pd.DataFrame:
    df = flownb.samples.load("demo")
    assert df["flow_direction"].isna().any() and (df["log_status"] == "NODATA").any()
    return df


def test_enrich_and_rejections_accept_nodata_rows():
    df = _mixed()
    enriched = flownb.enrich(df)
    assert len(enriched) == len(df)
    rej = flownb.rejections(df)
    # every rejected record, NODATA rows around them or not, is in exactly one row of rejections()
    assert int(rej["records"].sum()) == int((df["action"] == "REJECT").sum()) > 0


def test_network_metrics_accept_nodata_rows():
    df = _mixed()
    m = flownb.network_metrics(df)
    ok = df[df["log_status"] == "OK"]
    accepted = ok[ok["action"] == "ACCEPT"]
    assert len(m) > 0
    # every accepted byte is counted once, in or out of its interface
    counted = int(m.filter(regex=r"^bytes_(in|out)$").sum().sum())
    assert counted == int(accepted["bytes"].sum()) > 0
