"""Files that come out of CloudWatch Logs, recognised from their content.

:func:`flownb.read_flow_logs` tries these readers (:data:`READERS`, listed in
:data:`flownb.io._engine.CONTENT_READERS`) on the decompressed content of every
file or object before plain text, so a user can point it at whatever they
downloaded:

``cloudwatch-subscription``
    Log events as JSON: CloudWatch Logs subscription payloads (CloudWatch Logs User Guide, "Real-time
    processing of log data with subscriptions"): the JSON ``DATA_MESSAGE`` with
    its ``logEvents``, one or several (concatenated as Amazon Data Firehose writes
    them to S3, one per line, or in a JSON array); the same base64 encoded and
    gzip compressed, as a Lambda function receives it (``{"awslogs": {"data":
    ...}}``), as a Firehose transformation receives it (``{"records": [{"data":
    ...}]}``) or bare. ``CONTROL_MESSAGE`` payloads (sent when a subscription is
    created) hold no records and are skipped. Also the JSON the AWS CLI prints
    for ``aws logs filter-log-events`` and ``get-log-events`` (``{"events":
    [...]}``) and JSON lines of events (``{"timestamp": ..., "message": ...}``).
``cloudwatch-export``
    A CloudWatch Logs export to S3 (``CreateExportTask``): each line is the
    event's ISO-8601 time, a space, and the message.
``cloudwatch-csv``
    A CSV download of log events or of a Logs Insights result (the console's
    ``timestamp,message`` or ``@timestamp,@message,...``).

gzip inside gzip (what Firehose writes when it compresses again the gzip payloads
CloudWatch Logs sends it) is decompressed by the engine before these readers look.

Records in payloads are log events, not lines of a file: bad ones are reported
with their **event number** (1-based, counted over the whole file in order)
in ``df.flow.bad_lines``.

Examples
--------
>>> import io, json, flownb
>>> payload = {"messageType": "DATA_MESSAGE", "logGroup": "/vpc/flow", "logStream": "eni-1-all",
...            "logEvents": [{"id": "1", "timestamp": 1418530010000, "message":
...            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
...            "1418530010 1418530070 ACCEPT OK"}]}
>>> df = flownb.read_flow_logs(io.BytesIO(json.dumps(payload).encode()))
>>> df[["srcaddr", "dstport", "action"]]
         srcaddr  dstport  action
0  172.31.16.139       22  ACCEPT
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .. import _arrow, schema
from ._text import ContentReader, Part, parse_text

__all__ = ["READERS", "parse_csv_export", "parse_events", "parse_export", "parse_subscription"]

_BOM = b"\xef\xbb\xbf"
_HEADERISH = re.compile(r"^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$")


# --------------------------------------------------------------------------- events -> Part


def parse_events(
    messages: Sequence[str],
    name: str,
    names: list[str] | None,
    *,
    numbers: np.ndarray | None = None,
    sources: Sequence[str] | None = None,
) -> tuple[Part, np.ndarray]:
    """Parse log event messages (one record each) into a :class:`Part`.

    Parameters
    ----------
    messages
        The events' messages.
    name
        Source name for the part (and for bad events when ``sources`` is not given).
    names
        AWS field names of the records (None: the default format).
    numbers
        What to call each event in bad-line reports (default: 1, 2, 3, ...).
    sources
        Source name of each event in bad-line reports (default: ``name``).

    Returns
    -------
    part, kept
        The part, and for each of its rows the index of the event it came from
        (so callers can add event columns such as the log stream).
    """
    n = len(messages)
    numbers = np.arange(1, n + 1) if numbers is None else np.asarray(numbers)
    fmt = names or list(schema.DEFAULT_FIELDS)
    bad: list[tuple[str, int, str, str]] = []

    def where(i: int) -> str:
        return sources[i] if sources is not None else name

    # One event, one line: flatten line breaks; an empty or header-like event is reported here so
    # that every line handed to the text parser is a record (or a bad record) of this format.
    clean = [m.replace("\r", " ").replace("\n", " ").strip() for m in messages]
    good_idx = []
    for i, m in enumerate(clean):
        if not m:
            bad.append((where(i), int(numbers[i]), "the log event is empty", messages[i]))
        elif _HEADERISH.match(m) and schema.looks_like_header(m.split()):
            bad.append((where(i), int(numbers[i]), "the log event is a header line, not a record", m))
        else:
            good_idx.append(i)
    idx = np.asarray(good_idx, dtype=np.int64)
    if len(idx) == 0:
        cols = [schema.column_name(f) for f in fmt]
        return Part(_arrow.empty_table(cols), [], _sorted(bad), [name]), idx
    buf = ("\n".join(clean[i] for i in good_idx) + "\n").encode("utf-8", errors="replace")
    part = parse_text(lambda: pa.BufferReader(buf), name, fmt)
    bad_lines = np.array([b[1] for b in part.bad], dtype=np.int64)
    keep = np.ones(len(idx), dtype=bool)
    keep[bad_lines - 1] = False
    kept = idx[keep]
    if part.table.num_rows != len(kept):  # pragma: no cover - the parser skipped a line it should not
        raise RuntimeError(
            f"{name}: {part.table.num_rows} records parsed from {len(kept)} events; please report this to flownb"
        )
    for _, line, reason, text in part.bad:
        i = int(idx[line - 1])
        bad.append((where(i), int(numbers[i]), reason, text))
    part.bad = _sorted(bad)
    part.notes = [
        (where(int(idx[line - 1])), int(numbers[idx[line - 1]]), what) for _, line, what in part.notes
    ]
    part.sources = [name]
    return part, kept


def _sorted(bad: list[tuple[str, int, str, str]]) -> list[tuple[str, int, str, str]]:
    return sorted(bad, key=lambda b: (b[0], b[1]))


# --------------------------------------------------------------------------- subscription payloads

_B64_GZIP = b"H4sI"  # base64 of the gzip magic bytes 1f 8b 08


def _first_nonblank(head: bytes) -> bytes:
    head = head[3:] if head.startswith(_BOM) else head
    return head.lstrip()


def detect_subscription(head: bytes) -> bool:
    """True for CloudWatch Logs subscription payloads (JSON, or base64 of gzip)."""
    start = _first_nonblank(head)
    if start.startswith(_B64_GZIP):
        return True
    if not start.startswith((b"{", b"[")):
        return False
    window = start[:4096]
    if any(k in window for k in (b'"messageType"', b'"logEvents"', b'"awslogs"', b'"recordId"', b'"events"')):
        return True
    return b'"message"' in window and (b'"timestamp"' in window or b'"logStreamName"' in window)


class _Payloads:
    """Walks a file of payloads, yielding DATA_MESSAGE dicts and collecting what could not be read."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str, str]] = []  # (payload number, reason, text)
        self.count = 0

    def walk(self, data: bytes) -> Iterator[dict]:
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        stripped = text.strip()
        if stripped.startswith(_B64_GZIP.decode()):
            for token in stripped.split():
                yield from self._encoded(token)
            return
        decoder = json.JSONDecoder()
        pos, end = 0, len(text)
        while True:
            while pos < end and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= end:
                return
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                self.count += 1
                self.problems.append(
                    (
                        self.count,
                        f"payload is not valid JSON ({exc.msg} at character {exc.pos})",
                        text[pos:][:200],
                    )
                )
                return
            yield from self._objects(obj)

    def _objects(self, obj: object) -> Iterator[dict]:
        if isinstance(obj, list):
            for item in obj:
                yield from self._objects(item)
            return
        if isinstance(obj, str) and obj.startswith(_B64_GZIP.decode()):
            yield from self._encoded(obj)
            return
        if not isinstance(obj, dict):
            self.count += 1
            self.problems.append((self.count, "payload is not a JSON object", json.dumps(obj)[:200]))
            return
        if isinstance(obj.get("awslogs"), dict) and "data" in obj["awslogs"]:  # a Lambda event
            yield from self._encoded(obj["awslogs"]["data"])
            return
        if isinstance(obj.get("records"), list):  # a Firehose transformation event
            for rec in obj["records"]:
                if isinstance(rec, dict) and "data" in rec:
                    yield from self._encoded(rec["data"])
                else:
                    yield from self._objects(rec)
            return
        if isinstance(obj.get("events"), list):  # `aws logs filter-log-events` / `get-log-events` output
            self.count += 1
            yield {"logEvents": obj["events"]}
            return
        if isinstance(obj.get("message"), str) and ("timestamp" in obj or "logStreamName" in obj):
            self.count += 1  # one log event per JSON object (JSON lines of events)
            yield {"logEvents": [obj]}
            return
        self.count += 1
        kind = obj.get("messageType", "DATA_MESSAGE" if "logEvents" in obj else None)
        if kind == "DATA_MESSAGE" and isinstance(obj.get("logEvents", []), list):
            yield obj
        elif kind != "CONTROL_MESSAGE":  # control messages only check the destination: nothing to read
            self.problems.append(
                (self.count, f"payload is not a CloudWatch Logs DATA_MESSAGE (messageType {kind!r})", "")
            )

    def _encoded(self, value: object) -> Iterator[dict]:
        try:
            raw = base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError) as exc:
            self.count += 1
            self.problems.append((self.count, f"payload data is not base64 ({exc})", str(value)[:200]))
            return
        if raw.startswith(b"\x1f\x8b"):
            d = zlib.decompressobj(wbits=31)
            try:
                raw = d.decompress(raw) + d.flush()
            except zlib.error as exc:
                self.count += 1
                self.problems.append((self.count, f"payload data is not valid gzip ({exc})", ""))
                return
            if not d.eof:
                self.count += 1
                self.problems.append((self.count, "payload data is truncated gzip", ""))
                return
        yield from self.walk(raw)


def parse_subscription(data: bytes, name: str, names: list[str] | None) -> Part:
    """Parse CloudWatch Logs subscription payloads: every event of every DATA_MESSAGE."""
    walker = _Payloads()
    messages: list[str] = []
    payload_bad: list[tuple[str, int, str, str]] = []

    def report_new_problems() -> None:
        # A payload that is not events is numbered by where its events would have been.
        for number, reason, text in walker.problems[len(payload_bad) :]:
            payload_bad.append(
                (name, len(messages) + 1, f"{reason} (payload {number}); the rest was read", text)
            )

    for payload in walker.walk(data):
        report_new_problems()
        for event in payload.get("logEvents") or []:
            message = event.get("message") if isinstance(event, dict) else None
            messages.append(message if isinstance(message, str) else "")
    report_new_problems()
    part, _ = parse_events(messages, name, names)
    part.bad = sorted(part.bad + payload_bad, key=lambda b: b[1])
    return part


# --------------------------------------------------------------------------- export to S3

_ISO = rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})"
_ISO_LINE = re.compile(rb"^" + _ISO + rb" ")
_ISO_PREFIXES = re.compile(rb"(?m)^" + _ISO + rb" ")


def detect_export(head: bytes) -> bool:
    """True when the first line starts with an ISO-8601 time and a space (a CloudWatch Logs export)."""
    start = _first_nonblank(head)
    return bool(_ISO_LINE.match(start)) and not start.startswith(b"{")


def parse_export(data: bytes, name: str, names: list[str] | None) -> Part:
    """Parse a CloudWatch Logs export: drop each line's time prefix, keep line numbers."""
    if data.startswith(_BOM):
        data = data[3:]
    body = _ISO_PREFIXES.sub(b"", data)
    del data
    return parse_text(lambda: pa.BufferReader(body), name, names or list(schema.DEFAULT_FIELDS))


# --------------------------------------------------------------------------- CSV downloads

_CSV_HEADER = re.compile(rb'^"?@?timestamp"?\s*,(.*,)?\s*"?@?message"?\s*(,.*)?$', re.IGNORECASE)


def detect_csv_export(head: bytes) -> bool:
    """True for a CSV with ``timestamp`` and ``message`` columns (``@timestamp``, ``@message`` too)."""
    first = _first_nonblank(head).split(b"\n", 1)[0].rstrip(b"\r")
    return bool(_CSV_HEADER.match(first))


def parse_csv_export(data: bytes, name: str, names: list[str] | None) -> Part:
    """Parse a CSV download of log events: each ``message`` is one record; bad ones keep their CSV line."""
    if data.startswith(_BOM):
        data = data[3:]
    table = pacsv.read_csv(
        pa.BufferReader(data),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    column = next(c for c in table.column_names if c.lstrip("@").lower() == "message")
    messages = [m if m is not None else "" for m in table[column].cast(pa.string()).to_pylist()]
    # Line of each row in the file (header is line 1); a value with a line break spans several.
    lines = np.arange(2, len(messages) + 2)
    if any("\n" in m for m in messages):
        extra = np.cumsum([0, *[m.count("\n") for m in messages[:-1]]])
        lines = lines + extra
    part, _ = parse_events(messages, name, names, numbers=lines)
    return part


#: CloudWatch Logs' files, in the order the engine tries them (:data:`flownb.io._engine.CONTENT_READERS`).
READERS = (
    ContentReader("cloudwatch-subscription", detect_subscription, parse_subscription),
    ContentReader("cloudwatch-export", detect_export, parse_export),
    ContentReader("cloudwatch-csv", detect_csv_export, parse_csv_export),
)
