"""The contract's Arrow -> pandas conversion: what a reader's table becomes, whatever its chunks."""

from __future__ import annotations

import itertools

import pandas as pd
import pyarrow as pa

from flownb import _arrow

ACTIONS = ["ACCEPT", "REJECT", None, "ACCEPT", "REJECT", None, "ACCEPT"]
PORTS = [443, None, 22, 65535, None, 80, 0]
STARTS = [1_700_000_000, None, 1_700_000_060, 0, 32_503_679_999, None, 1]


def _chunked(values: list, typ: pa.DataType, cuts: tuple[int, ...]) -> pa.ChunkedArray:
    """The values in several chunks, some of them slices of a bigger array (offsets into its buffers)."""
    whole = pa.array([None, *values, None], typ if not pa.types.is_dictionary(typ) else pa.string())
    if pa.types.is_dictionary(typ):
        whole = whole.dictionary_encode().cast(typ)
    bounds = [0, *cuts, len(values)]
    return pa.chunked_array([whole.slice(1 + a, b - a) for a, b in itertools.pairwise(bounds)], typ)


def test_every_value_and_every_missing_one_in_its_place_across_chunks() -> None:
    for cuts in [(), (1,), (2, 2, 5), (3, 6)]:
        table = pa.table(
            {
                "action": _chunked(ACTIONS, _arrow.DICT, cuts),
                "dstport": _chunked(PORTS, pa.uint16(), cuts),
                "start": _chunked(STARTS, _arrow.TIMESTAMP, cuts),
            }
        )
        df = _arrow.to_pandas([table])
        assert df["action"].dtype == "category"
        assert [None if pd.isna(v) else v for v in df["action"]] == ACTIONS
        assert str(df["dstport"].dtype) == "UInt16"
        assert [None if pd.isna(v) else v for v in df["dstport"]] == PORTS
        assert str(df["start"].dtype) == "datetime64[s, UTC]"
        expected = [None if s is None else pd.Timestamp(s, unit="s", tz="UTC") for s in STARTS]
        assert [None if pd.isna(v) else v for v in df["start"]] == expected


def test_many_categories_keep_every_code() -> None:
    names = [f"eni-{i:08x}" for i in range(40_000)]
    table = pa.table({"interface_id": _chunked(names, _arrow.DICT, (10, 30_000))})
    column = _arrow.to_pandas([table])["interface_id"]
    assert list(column) == names
    assert len(column.cat.categories) == 40_000


def test_empty_table_keeps_contract_types() -> None:
    df = _arrow.to_pandas([_arrow.empty_table(["action", "dstport", "start"])])
    assert len(df) == 0
    assert [str(t) for t in df.dtypes] == ["category", "UInt16", "datetime64[s, UTC]"]
