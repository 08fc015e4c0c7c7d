"""gzip objects read the same with every inflate library, and nothing is lost when one is damaged."""

from __future__ import annotations

import gzip
import io
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb import schema
from flownb.io import _engine, _inflate

HEADER = schema.DEFAULT_FORMAT
REC = "2 123456789010 eni-1235b8ca123456789 172.31.16.{i} 172.31.16.21 {p} 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
INSTALLED = [n for n in _inflate.NAMES if _inflate._load(n) is not None]
HIDDEN = ("isal", "isal.isal_zlib", "isal.igzip", "zlib_ng", "zlib_ng.zlib_ng", "zlib_ng.gzip_ng")


def body(n: int, first: int = 0) -> bytes:
    return (
        HEADER + "\n" + "".join(REC.format(i=(first + k) % 250, p=1024 + first + k) + "\n" for k in range(n))
    ).encode()


@pytest.fixture(params=INSTALLED)
def library(request):
    """Each installed inflate library in turn (always zlib, the fallback)."""
    _inflate.use(request.param)
    yield request.param
    _inflate.use(None)


def read(source, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        return flownb.read_flow_logs(source, **kwargs)


@pytest.fixture(params=["whole", "streamed"])
def files_read(request, monkeypatch):
    """Files on disk inflated whole (small ones, as S3 delivers them) or streamed (big ones)."""
    if request.param == "streamed":
        monkeypatch.setattr(_engine, "INFLATE_FILE_AT_ONCE", 0)
    return request.param


def as_file_and_bytes(tmp_path: Path, data: bytes):
    """The same gzip data as a file on disk and in memory (decompressed at once)."""
    path = tmp_path / "AWSLogs" / "x.log.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return [("file", path, str(path)), ("memory", io.BytesIO(data), "<file-like>")]


def test_the_fast_libraries_are_found_when_installed():
    assert _inflate.use(None).name == INSTALLED[0]
    assert "zlib" in INSTALLED


def test_without_isal_or_zlib_ng_zlib_reads_the_same(tmp_path, monkeypatch):
    data = gzip.compress(body(300)) + gzip.compress(body(200, 300))
    path = tmp_path / "a.log.gz"
    path.write_bytes(data)
    fast = flownb.read_flow_logs(path, errors="raise")
    with monkeypatch.context() as m:
        for name in HIDDEN:
            m.setitem(sys.modules, name, None)  # as if not installed: importing them fails
        assert _inflate.use(None).name == "zlib"
        slow = flownb.read_flow_logs(path, errors="raise")
        with pytest.raises(
            ModuleNotFoundError,
            match=r"isal library is not installed: pip install 'isal' \(flownb's 'fast' extra",
        ):
            _inflate.use("isal")
    assert _inflate.use(None).name == INSTALLED[0]
    pd.testing.assert_frame_equal(fast, slow)
    assert len(slow) == 500


def test_several_members_and_zero_padding(tmp_path, library, files_read):
    data = gzip.compress(body(1000)) + gzip.compress(body(10, 1000)) + b"\x00" * 64
    for kind, source, _name in as_file_and_bytes(tmp_path, data):
        df = flownb.read_flow_logs(source, errors="raise")
        assert len(df) == 1010, kind
        assert df["srcport"].tolist() == list(range(1024, 2034)), kind


def test_big_file_streams_across_blocks(tmp_path, library, monkeypatch):
    # Smaller blocks than the text, so the streamed path hands several blocks to the parser threads.
    from flownb.io import _native

    monkeypatch.setattr(_native, "BLOCK", 1 << 14)
    monkeypatch.setattr(_engine, "INFLATE_FILE_AT_ONCE", 0)  # as a file too big to inflate whole
    data = gzip.compress(body(3000)[:-1])  # the last line without its newline
    df = flownb.read_flow_logs(as_file_and_bytes(tmp_path, data)[0][1], errors="raise")
    assert df["srcport"].tolist() == list(range(1024, 4024))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: d[: len(d) // 2], "gzip data is truncated"),
        (lambda d: d + b"not gzip at all", "trailing bytes after the last gzip member"),
        (lambda d: d[: len(d) - 6] + bytes(b ^ 0xFF for b in d[-6:]), "gzip data is corrupt"),
    ],
    ids=["truncated", "trailing junk", "bad checksum"],
)
def test_damaged_gzip_keeps_the_readable_records_and_names_the_file(
    tmp_path, library, files_read, damage, reason
):
    first = gzip.compress(body(500))
    data = first + damage(gzip.compress(body(2000, 500)))
    for kind, source, name in as_file_and_bytes(tmp_path, data):
        with pytest.warns(flownb.FlowLogParseWarning):
            df = flownb.read_flow_logs(source)
        assert df["srcport"].tolist()[:500] == list(range(1024, 1524)), kind  # the intact member, all of it
        if reason != "trailing bytes after the last gzip member":
            assert len(df) < 2500, kind
        else:
            assert len(df) == 2500, kind
        bad = df.flow.bad_lines
        assert bad["source"].iloc[-1] == name, kind
        assert reason in bad["reason"].iloc[-1], kind


def test_directory_of_gzip_objects(tmp_path, library):
    for k in range(12):
        (tmp_path / f"part-{k:02d}.log.gz").write_bytes(gzip.compress(body(100, 100 * k)))
    df = read(tmp_path, errors="raise", progress=False)
    assert df["srcport"].tolist() == list(range(1024, 2224))


def test_gunzip_reports_what_it_read():
    data = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    assert _inflate.gunzip(data) == (b"a\nb\n", None)
    text, problem = _inflate.gunzip(data[:-3])
    assert text.startswith(b"a\n") and "truncated" in problem
    with pytest.raises(ValueError, match=r"'name' must be one of \['isal', 'zlib-ng', 'zlib'\], got 'lz4'"):
        _inflate.use("lz4")


@pytest.mark.parametrize(
    "members",
    [[b""], [b"x" * 100_000], [b"a" * 300_000, b"b\n"], [b"a\n", b"", b"c" * 70_000], [b"z" * 5000] * 7],
)
def test_gunzip_gives_every_member_whatever_the_last_member_says(library, members):
    # The text is inflated into a buffer sized from the last member's length field: a first member
    # bigger than the last, empty members and zero padding must still give every byte.
    data = b"".join(gzip.compress(m) for m in members)
    for tail in (b"", b"\x00" * 16):
        text, problem = _inflate.gunzip(data + tail)
        assert problem is None
        assert bytes(text) == b"".join(members)
