"""Every ``cloudwatch-subscription`` file of ../shared/conformance reads exactly as its manifest says."""

from __future__ import annotations

import base64
import gzip
import io
import json
import warnings

import pandas as pd
import pytest

import flownb
from tests.conftest import CONFORMANCE, check_conformance, conformance_manifest

ENTRIES = [e for e in conformance_manifest() if e["kind"] == "cloudwatch-subscription"]
SKIP = pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")


def _read(source, entry: dict) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        return flownb.read_flow_logs(source, format=entry.get("format"), errors="warn")


def _check(df: pd.DataFrame, entry: dict, source_name: str) -> None:
    check_conformance(df, entry, source_name)
    for col in df.columns:
        assert str(df[col].dtype) == flownb.schema.dtype_for(col), col


@SKIP
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_subscription_payload_as_saved(entry: dict) -> None:
    path = CONFORMANCE / entry["path"]
    _check(_read(path, entry), entry, str(path))


@SKIP
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_subscription_payload_as_lambda_and_firehose_receive_it(entry: dict) -> None:
    # CloudWatch Logs sends the payload gzip-compressed; Lambda gets it base64 encoded in
    # {"awslogs": {"data": ...}}, a Firehose transformation in {"records": [{"data": ...}]},
    # and Firehose writes the compressed payloads one after another into an S3 object.
    raw = (CONFORMANCE / entry["path"]).read_bytes()
    packed = base64.b64encode(gzip.compress(raw)).decode()
    control = gzip.compress(json.dumps({"messageType": "CONTROL_MESSAGE", "logEvents": []}).encode())
    variants = {
        "gzip": gzip.compress(raw),
        "lambda": json.dumps({"awslogs": {"data": packed}}).encode(),
        "firehose-event": json.dumps({"records": [{"recordId": "1", "data": packed}]}).encode(),
        "bare-base64": packed.encode(),
        "firehose-object": control + gzip.compress(raw),
    }
    for label, data in variants.items():
        df = _read(io.BytesIO(data), entry)
        assert len(df) == entry["expect"]["rows"], label
        assert list(df.columns) == entry["expect"]["columns"], label
        assert len(df.flow.bad_lines) == entry["expect"]["bad_lines"], label
