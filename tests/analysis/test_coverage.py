"""coverage(): OK, NODATA, SKIPDATA and gaps per ENI and window."""

from __future__ import annotations

from flownb.analysis import coverage

from .test_traffic import T0, frame, rec


def test_coverage_marks_ok_nodata_skipdata_and_gaps():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 443, eni="eni-a", start=T0 - T0 % 600),
            {"interface_id": "eni-a", "start": T0 - T0 % 600 + 1200, "end": T0 - T0 % 600 + 1260,
             "log_status": "NODATA"},
            {"interface_id": "eni-b", "start": T0 - T0 % 600 + 600, "end": T0 - T0 % 600 + 660,
             "log_status": "SKIPDATA"},
        ]
    )  # fmt: skip
    c = coverage(df, freq="10min")
    got = {
        (str(e), i): s
        for (e, s), i in zip(zip(c["interface_id"], c["status"], strict=True), [0, 1, 2] * 2, strict=True)
    }
    assert got == {
        ("eni-a", 0): "OK",
        ("eni-a", 1): "GAP",
        ("eni-a", 2): "NODATA",
        ("eni-b", 0): "GAP",
        ("eni-b", 1): "SKIPDATA",
        ("eni-b", 2): "GAP",
    }
