"""The native tokenizer: the same frame as Arrow's CSV reader on clean text, and a clean hand-over on the rest."""

from __future__ import annotations

import gzip
import os
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import flownb
from flownb import _arrow, schema
from flownb.io import _native
from flownb.io import _text as text
from flownb.samples import path as sample_path

needs_native = pytest.mark.skipif(
    not _native.AVAILABLE and os.environ.get("FLOWNB_REQUIRE_NATIVE") != "1",
    reason="flownb.io._tokenize was not built (no C compiler when flownb was installed)",
)

DEFAULT_COLS = [schema.column_name(f) for f in schema.DEFAULT_FIELDS]
REC = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
NODATA = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"


def _stream(data: bytes):
    return lambda: pa.BufferReader(data)


def _both(data: bytes, cols: list[str], skip: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    native = _native.read_clean(_stream(data), cols, skip_header=bool(skip))
    assert native is not None, "the native tokenizer gave up on clean text"
    arrow = text._arrow_csv(_stream(data), cols, skip)
    return _arrow.to_pandas([native]), _arrow.to_pandas([arrow])


def _lines(n: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.05:
            out.append(
                f"2 12345678901{i % 3} eni-{i % 7:017x} - - - - - - - {1_600_000_000 + i} {1_600_000_060 + i} - NODATA"
            )
        else:
            src = (
                f"10.0.{rng.integers(0, 4)}.{rng.integers(0, 255)}"
                if rng.random() < 0.7
                else f"2001:db8::{i % 50:x}"
            )
            out.append(
                f"2 12345678901{i % 3} eni-{i % 7:017x} {src} 10.1.0.{i % 9} {rng.integers(0, 65536)} "
                f"{rng.integers(0, 65536)} {rng.choice([6, 17, 1])} {rng.integers(1, 10**6)} "
                f"{rng.integers(0, 2**63)} {1_600_000_000 + i} {1_600_000_060 + i} "
                f"{rng.choice(['ACCEPT', 'REJECT'])} OK"
            )
    return ("\n".join(out) + "\n").encode()


@needs_native
def test_same_frame_as_arrow_on_generated_records():
    native, arrow = _both(_lines(3000), DEFAULT_COLS)
    pd.testing.assert_frame_equal(native, arrow)
    assert native["srcaddr"].isna().sum() > 0 and native["bytes"].max() > 2**32


@needs_native
@pytest.mark.parametrize("block", [64, 1000, 1 << 20])
@pytest.mark.parametrize("source", ["in memory", "streamed"])
def test_block_boundaries_and_threads_change_nothing(monkeypatch, block, source):
    data = (schema.DEFAULT_FORMAT + "\n").encode() + _lines(2000, seed=1)
    monkeypatch.setattr(_native, "BLOCK", block)
    if source == "in memory":
        native, arrow = _both(data, DEFAULT_COLS, skip=1)
    else:  # a gzip stream is read block by block into recycled buffers
        packed = gzip.compress(data)
        table = _native.read_clean(
            lambda: pa.CompressedInputStream(pa.BufferReader(packed), "gzip"), DEFAULT_COLS, skip_header=True
        )
        assert table is not None
        native, arrow = (
            _arrow.to_pandas([table]),
            _arrow.to_pandas([text._arrow_csv(_stream(data), DEFAULT_COLS, 1)]),
        )
    pd.testing.assert_frame_equal(native, arrow)
    assert len(native) == 2000


@needs_native
@pytest.mark.parametrize(
    "sample", ["aws-docs/default-accept-reject.log", "aws-docs/ipv6.log", "aws-docs/nodata-skipdata.log"]
)
def test_bundled_samples_read_natively_as_before(monkeypatch, sample):
    fast = flownb.read_flow_logs(sample_path(sample))
    monkeypatch.setattr(_native, "_tokenize", None)
    slow = flownb.read_flow_logs(sample_path(sample))
    pd.testing.assert_frame_equal(fast, slow)


@needs_native
def test_values_longer_than_the_inline_key_are_told_apart():
    # IPv6 addresses that share their first 24 bytes must still be different categories.
    a, b = "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7335"
    data = f"{a} 1\n{b} 2\n{a} 3\n{b} 4\n".encode()
    native, _ = _both(data, ["srcaddr", "dstport"])
    assert native["srcaddr"].tolist() == [a, b, a, b]
    assert list(native["srcaddr"].cat.categories) == [a, b]


@needs_native
def test_number_limits_are_exact():
    data = b"18446744073709551615 65535 255 32503679999\n0 0 0 0\n"
    native, arrow = _both(data, ["bytes", "dstport", "protocol", "start"])
    pd.testing.assert_frame_equal(native, arrow)
    assert native["bytes"].iloc[0] == 2**64 - 1


@needs_native
@pytest.mark.parametrize(
    "line",
    [
        REC.replace(" 22 ", "  22 "),  # two spaces
        REC + " ",  # trailing space
        REC + "\r",  # CRLF
        REC.replace(" 22 ", " 70000 "),  # port out of range
        REC.replace(" 6 ", " 256 "),  # protocol out of range
        REC.replace(" 4249 ", " 18446744073709551616 "),  # bytes beyond 2**64 - 1
        REC.replace(" 4249 ", " 123456789012345678901 "),  # 21 digits
        REC.replace(" 4249 ", " 42x9 "),  # not a number
        REC.replace(" 4249 ", " -5 "),  # negative
        REC.replace(" 1418530010 ", " 32503680000 "),  # a time past the year 2999
        REC.replace("ACCEPT", "ACCÉPT"),  # not ASCII
        REC.replace("eni-", "eni\x01"),  # a control byte
        REC.rsplit(" ", 1)[0],  # a field short
        REC + " OK",  # a field too many
        "",  # a blank line
    ],
)
def test_gives_up_on_anything_unclean(line):
    data = f"{REC}\n{line}\n{NODATA}\n".encode()
    assert _native.read_clean(_stream(data), DEFAULT_COLS, skip_header=False) is None


@needs_native
def test_bom_and_missing_final_newline():
    assert _native.read_clean(_stream(b"\xef\xbb\xbf" + REC.encode()), DEFAULT_COLS, False) is None
    native, arrow = _both(REC.encode(), DEFAULT_COLS)  # no newline at the end
    pd.testing.assert_frame_equal(native, arrow)
    assert len(native) == 1


def test_unclean_text_is_still_read_whole_with_bad_lines_reported(tmp_path):
    p = tmp_path / "mixed.log"
    p.write_text(f"{schema.DEFAULT_FORMAT}\n{REC}\n{REC.replace(' 22 ', ' 70000 ')}\n{NODATA}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = flownb.read_flow_logs(p)
    assert len(df) == 2
    assert df.flow.bad_lines["line"].tolist() == [3]
    assert any(issubclass(w.category, flownb.FlowLogParseWarning) for w in caught)


def test_without_the_extension_the_reader_gives_the_same_frame(monkeypatch, tmp_path):
    p = tmp_path / "a.log"
    p.write_bytes((schema.DEFAULT_FORMAT + "\n").encode() + _lines(500, seed=2))
    fast = flownb.read_flow_logs(p)
    monkeypatch.setattr(_native, "_tokenize", None)
    assert _native.read_clean(lambda: pa.OSFile(str(p)), DEFAULT_COLS, True) is None
    slow = flownb.read_flow_logs(p)
    pd.testing.assert_frame_equal(fast, slow)


def test_the_extension_is_built_where_a_compiler_was_there():
    """CI (tasks.py sets FLOWNB_REQUIRE_NATIVE when a C compiler exists) must measure the native path."""
    if os.environ.get("FLOWNB_REQUIRE_NATIVE") != "1":
        pytest.skip("only checked where tasks.py found a C compiler (FLOWNB_REQUIRE_NATIVE=1)")
    assert _native.AVAILABLE


_PROPERTY_COLS = ["version", "srcaddr", "dstport", "packets", "start", "action"]
# bytes that matter to a tokenizer: digits, separators, '-', letters, line ends, control and non-ASCII bytes
_ALPHABET = b"0123456789 -\n\r\t.:abcACEPTRJ\x00\x7f\xc3\xa9"


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=40).map(lambda b: bytes(_ALPHABET[x % len(_ALPHABET)] for x in b)),
            st.tuples(
                st.integers(0, 300),
                st.sampled_from(["10.0.0.1", "-", "2001:db8::1", "x"]),
                st.integers(0, 70000),
                st.integers(0, 2**64),
                st.integers(0, 33_000_000_000),
                st.sampled_from(["ACCEPT", "REJECT", "-", "DROP"]),
            ).map(lambda t: " ".join(map(str, t)).encode()),
        ),
        max_size=12,
    ),
    st.booleans(),
)
def test_any_text_is_either_parsed_as_arrow_parses_it_or_handed_over(lines, final_newline):
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    assume(data.strip())  # blank text never reaches a parser: the reader returns an empty frame first
    native = _native.read_clean(_stream(data), _PROPERTY_COLS, skip_header=False)
    if native is None:
        return  # handed over to the general paths, which the reader tests cover
    arrow = text._arrow_csv(_stream(data), _PROPERTY_COLS, 0)  # must accept what the tokenizer accepted
    pd.testing.assert_frame_equal(_arrow.to_pandas([native]), _arrow.to_pandas([arrow]))


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("fields", [["interface-id", "srcaddr", "action"], ["interface-id", "srcaddr"]])
def test_repeated_header_of_a_format_of_strings_only_starts_a_new_segment(
    monkeypatch, tmp_path, native, fields
):
    # Concatenated objects of a strings-only format: the second header line parses as a record on the
    # fast paths, so it must be recognised and the careful path must take over.
    if not native:
        monkeypatch.setattr(_native, "_tokenize", None)
    rows = [["eni-1", "10.0.0.1", "ACCEPT"], ["eni-2", "10.0.0.2", "REJECT"]]
    header = " ".join(fields)
    body = [" ".join(r[: len(fields)]) for r in rows]
    p = tmp_path / "strings.log"
    p.write_text(f"{header}\n{body[0]}\n{header}\n{body[1]}\n")
    df = flownb.read_flow_logs(p)
    assert df["interface_id"].tolist() == ["eni-1", "eni-2"]
    assert df["srcaddr"].tolist() == ["10.0.0.1", "10.0.0.2"]
    assert df.flow.bad_lines.empty


@needs_native
@pytest.mark.parametrize("library", ["isal", "zlib"])
def test_a_bad_block_late_in_a_stream_gives_up_and_leaves_no_thread(monkeypatch, library):
    # The reader thread inflates ahead of the parsers: a give-up (or damaged gzip) in a late block must
    # reach the caller, stop the reader before the stream closes, and leave no thread behind.
    import threading

    from flownb.io import _inflate

    monkeypatch.setattr(_native, "BLOCK", 1 << 12)
    inflater = _inflate.use(library)
    try:
        good = (schema.DEFAULT_FORMAT + "\n").encode() + _lines(2000, seed=2)
        bad = good + b"2 not a clean record\n" + _lines(200, seed=3)
        before = threading.active_count()
        for data, expect in ((good, 2000), (bad, None)):
            packed = gzip.compress(data)
            table = _native.read_clean(
                lambda p=packed: inflater.open(pa.BufferReader(p)), DEFAULT_COLS, skip_header=True
            )
            assert (None if table is None else table.num_rows) == expect
        truncated = gzip.compress(good)[:-4000]
        with pytest.raises(inflater.errors):
            _native.read_clean(lambda: inflater.open(pa.BufferReader(truncated)), DEFAULT_COLS, True)
        assert threading.active_count() == before
    finally:
        _inflate.use(None)
