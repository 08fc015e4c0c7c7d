"""A Spark subset (best effort, issue 15): top and timeseries on Spark local[2] give the pandas answer."""

from __future__ import annotations

import shutil
import warnings

import pytest

import flownb
from flownb.scale._testing import assert_same_result
from tests.scale.conftest import both

pytestmark = [
    pytest.mark.slow,
    # PySpark 4 warns that it does not fully support pandas 3 (its own code; flownb collects Arrow from it)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    # ... and its toPandas (which Ibis's to_pyarrow goes through) passes pandas 3 a deprecated copy= keyword
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark_pair(tmp_path_factory):
    df, _ = both(flownb.samples.path("aws-docs"), tmp_path_factory.mktemp("spark") / "store")
    store = next(tmp_path_factory.getbasetemp().glob("spark*/store"))
    return df, flownb.open_dataset(store, engine="spark", memory_limit="1GB")


@pytest.mark.parametrize(
    "kw",
    [
        dict(by="srcaddr", metric="bytes"),
        dict(by=["dstaddr", "dstport"], metric="flows", n=5),
        dict(by="dstport", metric="bps"),
    ],
)
def test_top_on_spark(spark_pair, kw):
    df, ds = spark_pair
    assert_same_result(flownb.top(df, **kw), flownb.top(ds, **kw))


def test_timeseries_on_spark(spark_pair):
    df, ds = spark_pair
    assert_same_result(
        flownb.timeseries(df, freq="1h", by="action"), flownb.timeseries(ds, freq="1h", by="action")
    )


@pytest.mark.parametrize("analysis", ["conversations", "service_view"])
def test_conversations_on_spark(spark_pair, analysis):
    # the one conversation model compiled once (flownb/scale/_conversations.py), run by Spark
    df, ds = spark_pair
    fn = getattr(flownb, analysis)
    assert_same_result(fn(df), fn(ds))
