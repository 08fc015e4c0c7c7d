"""estimate_cost against hand calculations from the price table (prices.json, us-east-1)."""

from __future__ import annotations

import pytest

from flownb.monitoring import estimate_cost
from flownb.monitoring._cost import cost_scenarios, load_prices, price_table

GB = 2**30


def test_price_table_is_dated_sourced_and_approximate():
    p = load_prices()
    assert p["approximate"] is True and p["as_of"] == "2025-06-01" and p["region"] == "us-east-1"
    assert p["region_name"] == "US East (N. Virginia)"
    assert "aws.amazon.com/cloudwatch/pricing" in p["vended_log_delivery"]["cloudwatch"]["source"]["url"]
    # the figures the hand calculations below use
    assert p["vended_log_delivery"]["cloudwatch"]["tiers_gb"][:2] == [[10240, 0.50], [20480, 0.25]]
    assert p["vended_log_delivery"]["s3"]["tiers_gb"][0] == [10240, 0.25]
    assert p["cloudwatch_logs_storage_per_gb_month"]["STANDARD"]["usd"] == 0.03
    assert p["logs_insights_per_gb_scanned"]["usd"] == 0.005
    assert p["parquet_conversion_per_gb"]["usd"] == 0.035
    assert p["athena_per_tb_scanned"]["usd"] == 5.0
    assert p["s3_storage_per_gb_month"]["STANDARD"]["usd"] == 0.023


def test_every_price_names_its_page_the_date_it_was_read_and_whether_it_is_confirmed():
    t = price_table()
    assert len(t) >= 25 and t["url"].str.startswith("https://").all() and (t["source"] != "").all()
    assert t["confirmed"].isin([True, False]).all()
    unread = t["read_on"].isna()
    assert not t.loc[unread, "confirmed"].any()  # a page not read confirms nothing
    assert t.loc[~unread, "read_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    unconfirmed = t[~t["confirmed"].astype(bool)]
    assert (unconfirmed["note"].str.len() > 20).all()  # each says why
    assert (
        t.loc[t["price"] == "CloudWatch Logs storage, INFREQUENT_ACCESS", "usd"].isna().all()
    )  # no figure read


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
    assert set(t["destination"]) == {"cloudwatch", "cloudwatch-ia", "s3", "s3-parquet"}
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
            "'destination' must be one of ['cloudwatch', 'cloudwatch-ia', 's3', 's3-parquet', 'firehose']",
        ),
        ({"traffic_type": "DENY"}, "'traffic_type' must be one of"),
        ({"traffic_type": "REJECT"}, "needs reject_fraction="),
        ({"retention_days": 0}, "'retention_days' must be a positive"),
        ({"s3_storage_class": "COLD"}, "'s3_storage_class' must be one of"),
        ({"aggregation_interval": 300}, "'aggregation_interval' must be one of [60, 600], got 300"),
        ({"objects_per_day": 0}, "'objects_per_day' must be > 0"),
        ({"queries_per_month": -1}, "'queries_per_month' must be >= 0"),
    ],
)
def test_errors_name_the_choices(kwargs, words):
    with pytest.raises(ValueError) as info:
        estimate_cost(records_per_day=1000, **kwargs)
    assert words in str(info.value)
    with pytest.raises(ValueError, match="pass df"):
        estimate_cost()


# ----------------------------------------------------------------- limits issue 19 asks the model to say
BASE = dict(records_per_day=10_000_000, bytes_per_record=120)
GB_DAY = 10_000_000 * 120 / GB  # raw GB a day


def storage(e, cls):
    return e.items.set_index("item").loc[f"S3 storage ({cls})"]


@pytest.mark.parametrize(
    ("cls", "minimum"), [("STANDARD_IA", 30), ("GLACIER_IR", 90), ("GLACIER", 90), ("DEEP_ARCHIVE", 180)]
)
def test_short_retention_in_a_colder_class_is_billed_for_its_minimum_duration(cls, minimum):
    week = estimate_cost(**BASE, destination="s3", retention_days=7, s3_storage_class=cls)
    assert storage(week, cls)["quantity"] == pytest.approx(GB_DAY * 0.15 * minimum)  # not 7 days
    assert any(f"at least {minimum} days" in a for a in week.assumptions)
    year = estimate_cost(**BASE, destination="s3", retention_days=365, s3_storage_class=cls)
    assert storage(year, cls)["quantity"] == pytest.approx(GB_DAY * 0.15 * 365)  # the minimum no longer bites


def test_seven_days_in_deep_archive_cost_more_than_seven_days_in_standard():
    deep = estimate_cost(**BASE, destination="s3", retention_days=7, s3_storage_class="DEEP_ARCHIVE")
    std = estimate_cost(**BASE, destination="s3", retention_days=7)
    assert storage(deep, "DEEP_ARCHIVE")["quantity"] / storage(std, "STANDARD")["quantity"] == pytest.approx(
        180 / 7
    )
    items = deep.items.set_index("item")
    # 40 KB per archived object: 32 KB at the archive rate, 8 KB at S3 Standard's
    assert items.loc["DEEP_ARCHIVE index, 32 KB/object", "quantity"] == pytest.approx(
        288 * 32 * 1024 / GB * 180
    )
    assert items.loc["S3 metadata, 8 KB/object (STANDARD)", "usd_per_unit"] == 0.023


def test_small_objects_are_billed_as_128_kb_in_the_infrequent_access_classes():
    small = dict(records_per_day=100_000, bytes_per_record=120)  # 1.7 GB a month raw: objects of about 6 KB
    e = estimate_cost(**small, destination="s3", retention_days=60, s3_storage_class="STANDARD_IA")
    assert storage(e, "STANDARD_IA")["quantity"] == pytest.approx(288 * 128 * 1024 / GB * 60)
    assert any("billed as 128 KB" in a for a in e.assumptions)
    std = estimate_cost(**small, destination="s3", retention_days=60)
    assert (
        storage(e, "STANDARD_IA")["monthly_usd"] > storage(std, "STANDARD")["monthly_usd"]
    )  # colder is dearer here


def test_intelligent_tiering_adds_its_monitoring_fee_for_objects_of_128_kb_or_more():
    e = estimate_cost(**BASE, destination="s3", retention_days=30, s3_storage_class="INTELLIGENT_TIERING")
    fee = e.items.set_index("item").loc["S3 Intelligent-Tiering monitoring"]
    assert fee["quantity"] == pytest.approx(288 * 30 / 1000) and fee["usd_per_unit"] == 0.0025
    small = estimate_cost(records_per_day=1000, destination="s3", s3_storage_class="INTELLIGENT_TIERING")
    assert small.items.set_index("item").loc["S3 Intelligent-Tiering monitoring", "quantity"] == 0


def test_athena_bills_at_least_10_mb_a_query():
    few = estimate_cost(**BASE, destination="s3", queries_gb_scanned=0.1, queries_per_month=1000)
    athena = few.items.set_index("item").loc["Athena scanning"]
    assert athena["quantity"] == pytest.approx(1000 * 10 / 1024 / 1024)  # TB: 1,000 queries x 10 MB
    big = estimate_cost(**BASE, destination="s3", queries_gb_scanned=500, queries_per_month=10)
    assert big.items.set_index("item").loc["Athena scanning", "quantity"] == pytest.approx(500 / 1024)


def test_parquet_saves_20_percent_only_above_100_kb_per_aggregation_period():
    big = estimate_cost(**BASE, destination="s3-parquet", retention_days=30)
    assert storage(big, "STANDARD")["quantity"] == pytest.approx(GB_DAY * 0.15 * 0.8 * 30)
    tiny = dict(records_per_day=20_000, bytes_per_record=120)  # about 2 KB of Parquet per 10 minutes
    small = estimate_cost(**tiny, destination="s3-parquet", retention_days=30)
    text = estimate_cost(**tiny, destination="s3", retention_days=30)
    assert storage(small, "STANDARD")["quantity"] == pytest.approx(storage(text, "STANDARD")["quantity"])
    assert any("Parquet no smaller" in a for a in small.assumptions)


def test_infrequent_access_log_class_is_a_destination_of_its_own():
    ia = estimate_cost(**BASE, destination="cloudwatch-ia")
    std = estimate_cost(**BASE, destination="cloudwatch")
    first = ia.items.iloc[0]
    assert first["item"] == "vended log delivery to cloudwatch-ia" and first["usd_per_unit"] == 0.25
    assert ia.total < std.total
    assert any("subset of CloudWatch Logs features" in a for a in ia.assumptions)
    assert any("Standard log class rate" in a for a in ia.assumptions)  # no IA storage figure was readable


def test_the_report_flags_prices_that_could_not_be_confirmed():
    e = estimate_cost(**BASE, destination="s3")
    assert e.unconfirmed == e.items["item"].tolist()  # none of the pricing pages could be read
    assert (
        "could not be confirmed on AWS's pricing pages" in repr(e)
        and "could not be confirmed" in e._repr_html_()
    )
    own = {**load_prices(), "athena_per_tb_scanned": 4.0}  # a figure of your own: neither confirmed nor not
    mine = estimate_cost(**BASE, destination="s3", prices=own)
    assert mine.items.set_index("item").loc["Athena scanning", "confirmed"] is None
