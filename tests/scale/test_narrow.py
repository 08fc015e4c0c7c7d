"""detect, diagnose and evidence on a FlowDataset: the engine narrows, the pandas code decides.

Differential: the same files read by pandas and opened as a store give the same findings, the same
diagnosis (verdicts, explanation, next steps, timeline, evidence records) and the same evidence, on every
VPC-twin scenario and the AWS documentation samples. A dataset keeps no record order, so record frames are
compared as sets of rows (index and categories aside).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb.analysis.detectors import detect, evidence
from tests.scale.conftest import both

SCENARIOS = list(flownb.scenarios()["name"])
KEY = ["detector", "label", "start", "src", "dst", "dst_port", "protocol"]


@functools.cache
def _scenario(name: str) -> tuple[Path, pd.DataFrame]:
    folder = Path(tempfile.mkdtemp(prefix=f"flownb-narrow-{name}-"))
    sim = flownb.simulate(name, seed=5, duration="30min")
    sim.write(str(folder), layout="s3")
    return folder, sim.truth


def rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame's rows as plain values, in an order of their own (not the records'), columns by name
    (a store of several formats orders its columns by the union of its files)."""
    out = frame.reset_index(drop=True)[sorted(frame.columns)].copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    keys = out.astype(str)
    return out.iloc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)


def same_findings(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(rows(a), rows(b), check_dtype=False)
    # the order detect promises (severity, then start) holds on both
    pd.testing.assert_frame_equal(
        a[["severity", "start"]].reset_index(drop=True), b[["severity", "start"]].reset_index(drop=True)
    )


def same_diagnosis(d1, d2) -> None:
    assert d1.verdict == d2.verdict
    assert d1.verdicts == d2.verdicts
    assert d1.explanation == d2.explanation
    assert d1.next_steps == d2.next_steps
    assert d1.details == d2.details
    pd.testing.assert_frame_equal(rows(d1.evidence), rows(d2.evidence), check_dtype=False)
    pd.testing.assert_frame_equal(rows(d1.timeline), rows(d2.timeline), check_dtype=False)


def _pairs(df: pd.DataFrame, truth: pd.DataFrame) -> list[dict]:
    """Questions a user would ask: the truth's pairs and the busiest conversations, with and without port."""
    out = []
    if {"src", "dst"} <= set(truth.columns):
        for r in truth.head(2).itertuples():
            if isinstance(r.src, str) and isinstance(r.dst, str):
                out.append(dict(src=r.src, dst=r.dst))
    data = df[df["srcaddr"].notna() & df["dstaddr"].notna()]
    busy = data.groupby(["srcaddr", "dstaddr", "dstport"], observed=True).size().sort_values(ascending=False)
    for (s, d, p), _ in busy.head(2).items():
        out.append(dict(src=str(s), dst=str(d), port=int(p)))
        out.append(dict(src=str(s), dst=f"{d}/24" if ":" not in str(d) else str(d)))
    if "interface_id" in df and len(busy):
        (s, _d, _p) = busy.index[0]
        eni = df.loc[df["srcaddr"] == s, "interface_id"].dropna()
        if len(eni):
            out.append(dict(src=str(eni.iloc[0]), dst=str(busy.index[0][1])))
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_twin_scenarios_detect_diagnose_and_evidence_agree(name, tmp_path):
    folder, truth = _scenario(name)
    df, ds = both(folder, tmp_path / "store")
    found = detect(df)
    same_findings(found, detect(ds))
    for _, f in found.head(4).iterrows():
        pd.testing.assert_frame_equal(rows(evidence(df, f)), rows(evidence(ds, f)), check_dtype=False)
    for q in _pairs(df, truth):
        same_diagnosis(flownb.analysis.diagnose(df, **q), flownb.analysis.diagnose(ds, **q))
    if len(df):
        lo, hi = df["start"].min(), df["end"].max()
        q = dict(src=_pairs(df, truth)[0]["src"], dst=_pairs(df, truth)[0]["dst"])
        mid = lo + (hi - lo) / 2
        same_diagnosis(
            flownb.analysis.diagnose(df, **q, start=mid, end=hi),
            flownb.analysis.diagnose(ds, **q, start=mid, end=hi),
        )


@pytest.mark.parametrize(
    "sample, src, dst, kw",
    [
        ("aws-docs/sg-nacl-ping", "203.0.113.12", "172.31.16.139", dict(protocol="icmp")),
        ("aws-docs/nat-gateway", "10.0.1.5", "203.0.113.5", {}),
        ("aws-docs", "172.31.9.69", "172.31.16.139", {}),
    ],
)
def test_documentation_samples_diagnose_the_same(sample, src, dst, kw, tmp_path):
    df, ds = both(flownb.samples.path(sample), tmp_path / "store")
    same_diagnosis(flownb.analysis.diagnose(df, src, dst, **kw), flownb.analysis.diagnose(ds, src, dst, **kw))


def test_errors_are_the_pandas_paths(tmp_path):
    df, ds = both(flownb.samples.path("aws-docs/sg-nacl-ping"), tmp_path / "store")
    for call in (
        lambda x: flownb.analysis.diagnose(x, "not an address", "10.0.0.1"),
        lambda x: flownb.analysis.diagnose(x, "10.0.0.1", "10.0.0.2", interval=5),
        lambda x: detect(x, "no_such_detector"),
        lambda x: evidence(x, {"detector": "nope"}),
    ):
        with pytest.raises(ValueError) as expected:
            call(df)
        with pytest.raises(ValueError) as got:
            call(ds)
        assert str(got.value) == str(expected.value)


def test_detect_in_day_blocks_finds_what_one_run_finds(tmp_path):
    # the detectors' own guarantee (windows anchored at the epoch), at the scale of a dataset
    attacks = ["baseline", "port_scan", "port_sweep", "ssh_brute_force", "rdp_brute_force"]
    folder = tmp_path / "logs"
    for seed, day in ((0, "2025-06-02"), (1, "2025-06-03")):
        sim = flownb.simulate(attacks, seed=seed, start=f"{day}T00:00:00Z", duration="1 day", scale=0.1)
        sim.write(str(folder / day), layout="s3")
    df, ds = both(folder, tmp_path / "store")
    whole = detect(df)
    assert {"vertical_scan", "horizontal_sweep", "brute_force"} <= set(whole["detector"])
    same_findings(whole, detect(ds, partition="1D"))
    same_findings(whole, detect(ds))
    # max_findings holds for the whole dataset, not per block: the same strongest findings, one row for the rest
    capped, blocks = detect(df, max_findings=2), detect(ds, partition="1D", max_findings=2)
    assert (blocks.groupby("detector", observed=True).size() <= 3).all()
    cols = [c for c in capped.columns if c != "summary"]
    same_findings(capped[cols], blocks[cols])
    with pytest.raises(ValueError, match="whole number of hours"):
        detect(ds, partition="7min")


def test_command_line_store_options(tmp_path):
    both(flownb.samples.path("aws-docs/sg-nacl-ping"), tmp_path / "store")
    store = str(tmp_path / "store")

    def cli(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "flownb", *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    files = str(flownb.samples.path("aws-docs/sg-nacl-ping"))
    q = ["--src", "203.0.113.12", "--dst", "172.31.16.139", "--protocol", "icmp"]
    assert cli("diagnose", "--store", store, *q) == cli("diagnose", files, *q)
    assert cli("detect", "--store", store) == cli("detect", files)
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in cli("diagnose", "--store", store, *q)


#: The window-local detectors (flownb.scale._narrow.WINDOW_LOCAL): in hour blocks, exactly one run's findings.
LEFT_OUT = ["count", "evidence_count"]
WINDOWED = ["vertical_scan", "horizontal_sweep", "brute_force", "exposed_port_probe", "intel_match"]


@pytest.mark.parametrize(
    "attacks, seed",
    [
        (["baseline", "port_scan", "ssh_brute_force", "port_sweep"], 1),
        (["baseline", "rdp_brute_force", "exposed_port_probe", "port_scan"], 2),
    ],
)
def test_detect_in_hour_blocks_joins_episodes_across_the_edges(attacks, seed, tmp_path):
    # the same traffic started so that the middle of an attack's finding falls on an hour's edge
    start = pd.Timestamp("2025-06-02T00:30:00Z")
    first = detect(flownb.simulate(attacks, seed=seed, start=start, duration="2h", scale=0.1).flows, WINDOWED)
    middle = first["start"].iloc[0] + (first["end"].iloc[0] - first["start"].iloc[0]) / 2
    start += middle.ceil("1h") - middle
    sim = flownb.simulate(attacks, seed=seed, start=start, duration="2h", scale=0.1)
    sim.write(str(tmp_path / "logs"), layout="s3")
    df, ds = both(tmp_path / "logs", tmp_path / "store")
    whole = detect(df, WINDOWED)
    crossing = (whole["start"].dt.floor("1h") != whole["end"].dt.floor("1h")).sum()
    assert crossing >= 1  # the scenario does cross an edge
    for part in ("1h", "1D"):
        blocks = detect(ds, WINDOWED, partition=part)
        same_findings(whole.drop(columns=LEFT_OUT), blocks.drop(columns=LEFT_OUT))
        # and their counts: the episode crossing the edge is decided on its entity's own records
        # (run_detect), so the half-window-offset windows that straddle the edge count whole
        same_findings(whole, blocks)
    capped, blocks = (
        detect(df, WINDOWED, max_findings=1),
        detect(ds, WINDOWED, partition="1h", max_findings=1),
    )
    same_findings(capped.drop(columns=LEFT_OUT), blocks.drop(columns=LEFT_OUT))
    same_findings(capped, blocks)


def test_detect_in_hour_blocks_decides_the_entities_in_small_batches_alike(tmp_path, monkeypatch):
    # the candidates of the window-local detectors are decided a batch of records at a time
    # (flownb.scale._narrow._BATCH_RECORDS): batches of a few records give the one run's findings too
    from flownb.scale import _narrow

    attacks = ["baseline", "port_scan", "ssh_brute_force", "port_sweep"]
    sim = flownb.simulate(
        attacks, seed=1, start=pd.Timestamp("2025-06-02T00:40:00Z"), duration="2h", scale=0.1
    )
    sim.write(str(tmp_path / "logs"), layout="s3")
    df, ds = both(tmp_path / "logs", tmp_path / "store")
    whole = detect(df, WINDOWED)
    assert len(whole) >= 3
    monkeypatch.setattr(_narrow, "_BATCH_RECORDS", 50)
    same_findings(whole, detect(ds, WINDOWED, partition="1h"))
