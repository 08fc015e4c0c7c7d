"""estimate_cost against hand calculations from the price table (prices.json, us-east-1)."""

from __future__ import annotations

import pytest

from flownb.monitoring import estimate_cost
from flownb.monitoring.cost import cost_scenarios, load_prices

GB = 2**30


def test_price_table_is_dated_sourced_and_approximate():
    p = load_prices()
    assert p["approximate"] is True and p["as_of"] == "2025-06-01" and p["region"] == "us-east-1"
    assert "aws.amazon.com/cloudwatch/pricing" in p["sources"]["vended_log_delivery"]
    # the figures the hand calculations below use
    assert p["vended_log_delivery"]["cloudwatch"][:2] == [[10240, 0.50], [20480, 0.25]]
    assert p["vended_log_delivery"]["s3"][0] == [10240, 0.25]
    assert p["cloudwatch_logs_storage_per_gb_month"] == 0.03
    assert p["logs_insights_per_gb_scanned"] == 0.005
    assert p["parquet_conversion_per_gb"] == 0.035
    assert p["athena_per_tb_scanned"] == 5.0
    assert p["s3_storage_per_gb_month"]["STANDARD"] == 0.023


def test_cloudwatch_by_hand():
    e = estimate_cost(
        records_per_day=1_000_000,
        bytes_per_record=100,
        destination="cloudwatch",
        retention_days=30,
        queries_gb_scanned=10,
    )
    monthly_gb = 1_000_000 * 100 * 30 / GB  # 2.794 GB
    delivery = monthly_gb * 0.50
    storage = (1_000_000 * 100 / GB) * 0.15 * 30 * 0.03  # 30 days kept, compressed to 15 %
    queries = 10 * 0.005
    assert e.monthly_gb == pytest.approx(monthly_gb)
    assert e.total == pytest.approx(delivery + storage + queries)
    assert e.items["monthly_usd"].tolist() == pytest.approx([delivery, storage, queries])


def test_tiers_apply_to_the_monthly_volume():
    # 15 TB a month: 10 TB at 0.50 and 5 TB at 0.25
    per_day = 15 * 1024 * GB / (1024 * 30)
    e = estimate_cost(records_per_day=per_day, bytes_per_record=1024, destination="cloudwatch")
    delivery = e.items[e.items["item"].str.startswith("vended log delivery")]
    assert delivery["quantity"].tolist() == pytest.approx([10240, 5120])
    assert delivery["monthly_usd"].sum() == pytest.approx(10240 * 0.50 + 5120 * 0.25)  # 6400 USD


def test_reject_only_parquet_and_retention_change_the_bill():
    base = dict(records_per_day=10_000_000, bytes_per_record=120)
    gb_month = 10_000_000 * 120 * 30 / GB
    gb_day = 10_000_000 * 120 / GB
    s3 = estimate_cost(**base, destination="s3", retention_days=90)
    assert s3.total == pytest.approx(gb_month * 0.25 + gb_day * 0.15 * 90 * 0.023)
    pq = estimate_cost(**base, destination="s3-parquet", retention_days=90, queries_gb_scanned=2048)
    assert pq.total == pytest.approx(
        gb_month * 0.25 + gb_month * 0.035 + gb_day * 0.15 * 0.8 * 90 * 0.023 + 2 * 5.0
    )
    rej = estimate_cost(**base, destination="cloudwatch", traffic_type="REJECT", reject_fraction=0.2)
    assert rej.monthly_gb == pytest.approx(0.2 * gb_month)
    short = estimate_cost(**base, destination="cloudwatch", retention_days=7)
    long = estimate_cost(**base, destination="cloudwatch", retention_days=365)
    assert long.total - short.total == pytest.approx(gb_day * 0.15 * (365 - 7) * 0.03)
    glacier = estimate_cost(**base, destination="s3", retention_days=90, s3_storage_class="GLACIER_IR")
    assert glacier.total == pytest.approx(gb_month * 0.25 + gb_day * 0.15 * 90 * 0.004)


def test_measured_on_records(hand):
    # 6 records over 310 s (1700000000 to 1700000310), 3 of them REJECT
    e = estimate_cost(hand, traffic_type="REJECT")
    assert e.settings["records_per_day"] == pytest.approx(6 * 86400 / 310 * 0.5)
    lines = [
        "2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40001 22 6 10 840 1700000000 1700000060 REJECT OK",
        "2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40002 22 6 12 1000 1700000010 1700000070 ACCEPT OK",
        "2 111122223333 eni-bbb 198.51.100.7 10.0.1.9 5555 3389 6 3 180 1700000065 1700000125 REJECT OK",
        "2 111122223333 eni-bbb - - - - - - - 1700000070 1700000130 - NODATA",
        "2 111122223333 eni-bbb 10.0.1.9 8.8.8.8 53000 53 17 1 70 1700000200 1700000260 ACCEPT OK",
        "2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40003 443 6 20 5000 1700000250 1700000310 REJECT OK",
    ]
    assert e.settings["bytes_per_record"] == pytest.approx(sum(len(x) + 1 for x in lines) / 6)


def test_scenarios_put_the_cheapest_first():
    t = cost_scenarios(records_per_day=10_000_000, reject_fraction=0.1, retention_days=(30,))
    assert t["monthly_usd"].is_monotonic_increasing
    assert set(t["destination"]) == {"cloudwatch", "s3", "s3-parquet"}
    assert t.iloc[0]["traffic_type"] == "REJECT"


def test_report_says_it_is_approximate():
    e = estimate_cost(records_per_day=1000)
    text = repr(e)
    assert "Approximate: us-east-1 list prices as of 2025-06-01" in text
    assert "115 bytes per record" in text
    assert "approximate" in e._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (
            {"destination": "glacier"},
            "'destination' must be one of ['cloudwatch', 's3', 's3-parquet', 'firehose']",
        ),
        ({"traffic_type": "DENY"}, "'traffic_type' must be one of"),
        ({"traffic_type": "REJECT"}, "needs reject_fraction="),
        ({"retention_days": 0}, "'retention_days' must be a positive"),
        ({"s3_storage_class": "COLD"}, "'s3_storage_class' must be one of"),
    ],
)
def test_errors_name_the_choices(kwargs, words):
    with pytest.raises(ValueError) as info:
        estimate_cost(records_per_day=1000, **kwargs)
    assert words in str(info.value)
    with pytest.raises(ValueError, match="pass df"):
        estimate_cost()
