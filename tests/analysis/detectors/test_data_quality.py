"""Data quality: SKIPDATA and silent gaps."""

from __future__ import annotations

from flownb.analysis import detectors as D
from flownb.analysis.detectors import evidence

from .helpers import frame, status


def test_data_quality_skipdata_windows_and_gaps():
    eni, other = "eni-0000000000000000a", "eni-0000000000000000b"
    lines = [status(eni, m * 60, "NODATA") for m in range(10)]
    lines += [status(eni, 600 + m * 60, "SKIPDATA") for m in range(3)]
    lines += [status(eni, 780 + m * 60, "NODATA") for m in range(5)]
    lines += [status(other, 0, "NODATA"), status(other, 2400, "NODATA")]  # 39 min of silence
    out = D.data_quality(frame(lines))
    by = {r.label: r for r in out.itertuples()}
    assert by["LogStatus:SKIPDATA"].src == eni and by["LogStatus:SKIPDATA"].evidence_count == 3
    assert by["LogStatus:Gap"].src == other and by["LogStatus:Gap"].score == 2400 - 59
    df = frame(lines)
    for i in range(len(out)):
        assert len(evidence(df, out.iloc[i])) == out.iloc[i].evidence_count
