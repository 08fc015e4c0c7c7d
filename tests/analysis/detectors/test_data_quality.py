"""Data quality: SKIPDATA and silent gaps."""

from __future__ import annotations

import flownb
from flownb.analysis import detectors as D
from flownb.analysis.detectors import detect, evidence

from .helpers import frame, status, unpaired_traffic, web_traffic


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


def test_random_unpaired_traffic_gives_a_bounded_set_of_findings_and_says_why():
    # issue 16's report: random addresses and ports, 20 % REJECT, no responses; before episodes,
    # about half a million findings per million records
    df = unpaired_traffic(60_000, seed=3)
    out = detect(df)
    assert len(out) <= 1000
    one_way = out[out["label"] == "LogStatus:OneWay"]
    assert len(one_way) == 1 and one_way.iloc[0].detector == "data_quality"
    assert one_way.iloc[0].evidence_count == len(evidence(df, one_way.iloc[0])) > 10_000
    assert "unidirectional_transfer" not in set(out["detector"])
    # at most one finding per detector, entity and hour (the suppressed rows have no entity)
    real = out[out["entity"].notna()]
    hour = real["start"].dt.floor("h")
    assert not real.assign(hour=hour).duplicated(["detector", "entity", "hour"]).any()


def test_paired_traffic_is_not_called_one_way():
    sim = flownb.simulate("baseline", seed=0, duration="1h")
    assert (D.data_quality(sim.flows)["label"] != "LogStatus:OneWay").all()


def test_timestamps_out_of_order_are_one_finding_with_their_records():
    from .helpers import rec

    ok = web_traffic(60)
    backwards = [rec("10.0.0.7", "10.0.0.8", 41000 + i, 5432, t=i * 60, dur=-30) for i in range(5)]
    overlong = [rec("10.0.0.7", "10.0.0.9", 42000, 5432, t=100, dur=3 * 3600)]
    df = frame(ok + backwards + overlong)
    out = D.data_quality(df)
    assert list(out["label"]) == ["LogStatus:OutOfOrder"]
    hit = out.iloc[0]
    assert hit["count"] == hit["evidence_count"] == 6 and hit["severity"] == "Medium"  # 6 of 126 records
    assert "end before they start" in hit["summary"] and "(5 end before" in hit["summary"]
    ev = evidence(df, hit)
    assert len(ev) == 6 and set(ev["dstport"]) == {5432}
    # the same records in any file order: no finding (AWS delivers them out of order within minutes)
    shuffled = frame(ok[::-1])
    assert D.data_quality(shuffled).empty
    assert (detect(df)["label"] == "LogStatus:OutOfOrder").sum() == 1


def test_a_few_records_out_of_order_are_low():
    from .helpers import rec

    df = frame([*web_traffic(100), rec("10.0.0.7", "10.0.0.8", 41000, 5432, t=60, dur=-30)])
    assert D.data_quality(df).iloc[0]["severity"] == "Low"
