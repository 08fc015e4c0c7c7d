"""What an input clearly is not: binary data, a README in a folder of logs, a CSV file.

Three small judgements made before (or after) parsing, so that a wrong input
gives one sentence instead of thousands of bad lines:

- :func:`binary_reason`: content that is not text (an image, an archive, an
  executable). As the content reader :data:`BINARY`, it turns the whole input into
  one bad line that says so and shows the first bytes.
- :func:`skip_reason`: a file met while reading a *directory* that is clearly
  not a flow log (a README, notes, an image). Named files are always read.
- :func:`separator_hint`: bad lines whose fields are separated by commas or
  tabs (flow logs are space-separated, as AWS writes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .. import _arrow, schema
from ._text import ContentReader, Part

__all__ = ["BINARY", "binary_reason", "separator_hint", "skip_reason"]

#: Share of control characters and undecodable bytes above which content is taken for binary. flownb's
#: own choice: flow log text has none at all, so a few percent is far from text and close to any binary.
BINARY_SHARE = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")  # ESC: terminal colours in a text log are still text
_CONTROL_BYTES = bytes(b for b in range(256) if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)

#: File names and suffixes that are never flow logs when met inside a directory (compared lowercased).
_NOT_LOG_STEMS = ("readme", "license", "licence", "changelog", "notice", "authors", "copying")
_NOT_LOG_SUFFIXES = (
    ".md", ".rst", ".html", ".htm", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".ico", ".tif", ".tiff",
    ".py", ".ipynb", ".sh", ".toml", ".yaml", ".yml", ".ini", ".cfg",
)  # fmt: skip


def _first_bytes(head: bytes, n: int = 16) -> str:
    return " ".join(f"{b:02x}" for b in head[:n])


def binary_reason(head: bytes) -> str | None:
    """Why ``head`` (the first bytes of decompressed content) is not text, or None when it is text.

    Examples
    --------
    >>> binary_reason(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR")
    'not text: first bytes 89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52 (flow logs are text, gzip or Parquet)'
    >>> binary_reason(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\\n") is None
    True
    """
    if not head:
        return None
    sample = head[: 1 << 16]
    text = sample[:-3] if len(sample) > 3 else sample  # a multi-byte character may be cut at the end
    # Counted with C loops (bytes.translate, str.count): this runs on the head of every file and object read.
    controls = len(text) - len(text.translate(None, _CONTROL_BYTES))
    undecodable = 0 if text.isascii() else text.decode("utf-8", errors="replace").count("\ufffd")
    if (controls + undecodable) <= BINARY_SHARE * max(len(text), 1) or any(
        map(_looks_like_log, text.split(b"\n"))
    ):
        return None  # text, or flow log lines among junk: those are read and the junk reported line by line
    return f"not text: first bytes {_first_bytes(head)} (flow logs are text, gzip or Parquet)"


def _looks_like_log(line: bytes) -> bool:
    """A clean line that is a flow log header or starts like a record (a number, then several fields)."""
    try:
        tokens = line.decode("ascii").split()
    except UnicodeDecodeError:
        return False
    return schema.looks_like_header(tokens) or (len(tokens) >= 4 and tokens[0].isdigit())


def _parse_binary(data: bytes, name: str, names: list[str] | None) -> Part:
    reason = binary_reason(data[: 1 << 16]) or "not text"
    cols = [schema.column_name(f) for f in (names or schema.DEFAULT_FIELDS)]
    return Part(_arrow.empty_table(cols), [], [(name, 1, reason, "")], [name])


#: The reading engine tries this content reader last (:data:`flownb.io._engine.CONTENT_READERS`): nested
#: gzip and CloudWatch's payloads and exports are recognised first.
BINARY = ContentReader("binary", lambda head: binary_reason(head) is not None, _parse_binary)


def skip_reason(path: Path) -> str | None:
    """Why a file met in a directory is clearly not a flow log, or None to read it.

    Documents, images and code are skipped by name; a ``.txt`` file is read only
    when its first line is a flow log header or starts like a record or an export
    line (a digit, a date, a JSON object).

    Examples
    --------
    >>> skip_reason(Path("flow-logs/README.md"))
    'a document, not a flow log'
    >>> skip_reason(Path("flow-logs/eni-1.log")) is None
    True
    """
    name = path.name.lower()
    if name.split(".", 1)[0] in _NOT_LOG_STEMS:
        return "a document, not a flow log"
    if name.endswith(_NOT_LOG_SUFFIXES):
        return "a document, not a flow log" if name.endswith((".md", ".rst", ".pdf")) else "not a flow log"
    if name.endswith(".txt"):
        try:
            with open(path, "rb") as f:
                head = f.read(4096)
        except OSError:
            return None
        first = next((ln.strip() for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()), "")
        if first and not (first[0].isdigit() or first[0] in "{[-" or schema.looks_like_header(first.split())):
            return "text without a flow log header"
    return None


def separator_hint(texts: Iterable[str]) -> str | None:
    """The likely cause when bad lines are comma- or tab-separated, or None.

    Examples
    --------
    >>> separator_hint(["2,123456789010,eni-1,10.0.0.1", "2,123456789010,eni-1,10.0.0.2"])
    "fields are separated by ','; flow logs are space-separated"
    """
    lines = [t for t in texts if t]
    if not lines:
        return None
    for sep, shown in ((",", "','"), ("\t", "tabs")):
        if sum(1 for t in lines if t.count(sep) >= 2 and t.count(" ") < t.count(sep)) * 2 > len(lines):
            return f"fields are separated by {shown}; flow logs are space-separated"
    return None
