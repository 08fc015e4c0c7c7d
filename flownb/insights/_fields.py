"""Field names: what ``srcAddr``, ``@timestamp`` or ```log-status``` mean in a frame.

A name is looked up, in order, among the fields the query made (aliases,
``parse`` outputs, ``stats`` results), the system fields, the Logs Insights
names of the flow log fields (``srcAddr``), the frame's own column names
(``srcaddr``) and the AWS field names (``log-status``). A name found nowhere is
missing in every record, as in CloudWatch, and is reported back.

System fields (CloudWatch Logs User Guide, "Supported logs and discovered
fields"): ``@timestamp`` is the record's ``start``; ``@message`` is the record
as AWS writes it, rebuilt from the columns only when a query uses it;
``@logStream`` is the interface id unless the frame has a ``log_stream``
column; ``@log`` and ``@ingestionTime`` exist when the frame carries them.
"""

from __future__ import annotations

import difflib

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ._values import missing

__all__ = ["Records", "field_names", "message"]

_INSIGHTS = schema.insights_names()
_AWS_NAMES = {name: f.column for name, f in schema.FIELDS.items()}
_CONTRACT = {f.column for f in schema.FIELDS.values()}

#: system field -> frame columns that may hold it, first found wins
SYSTEM_FIELDS: dict[str, tuple[str, ...]] = {
    "@timestamp": ("@timestamp", "start"),
    "@message": ("@message",),
    "@logStream": ("@logStream", "log_stream", "interface_id"),
    "@log": ("@log", "log_group", "log"),
    "@ingestionTime": ("@ingestionTime", "ingestion_time"),
}


def message(frame: pd.DataFrame) -> pd.Series:
    """Each record's text as AWS writes it: the flow log fields in frame order, '-' for missing.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> message(df).iloc[0]
    '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK'
    """
    columns = [c for c in frame.columns if c in _CONTRACT]
    parts = []
    for c in columns:
        s = frame[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
            naive = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            ints = naive.dt.as_unit("s").to_numpy().view("int64")
            arr = pa.array(ints, mask=s.isna().to_numpy(), type=pa.int64())
        elif isinstance(s.dtype, pd.CategoricalDtype):
            cats = pa.array(s.cat.categories.astype("str").to_numpy(), type=pa.string())
            codes = s.cat.codes.to_numpy()
            arr = pc.take(cats, pa.array(codes, mask=codes < 0))
        else:
            arr = pa.array(s, from_pandas=True)
        parts.append(pc.fill_null(pc.cast(arr, pa.string()), "-"))
    if not parts:
        return pd.Series(pd.array([""] * len(frame), dtype="str"), index=frame.index, name="@message")
    joined = pc.binary_join_element_wise(*parts, " ")
    return pd.Series(pd.array(joined, dtype="str"), index=frame.index, name="@message")


def field_names(frame: pd.DataFrame) -> list[str]:
    """The names a query can use for the records' fields: the discovered Logs Insights names first.

    The system fields the frame supports (``@timestamp``, ``@message``,
    ``@logStream``, ...), then each flow log column by its Insights name
    (``startTime``, ``srcAddr``), then other columns by their own name.

    Examples
    --------
    >>> import flownb
    >>> from flownb.insights import field_names
    >>> field_names(flownb.samples.load("aws-docs/default-accept-reject"))[:6]
    ['@timestamp', '@message', '@logStream', 'version', 'accountId', 'interfaceId']
    """
    by_column = {f.column: f.insights for f in schema.FIELDS.values()}
    probe = Records(frame.iloc[:0])
    names = [n for n in SYSTEM_FIELDS if probe.has(n)]
    names += [by_column.get(c, c) for c in frame.columns if isinstance(c, str) and not c.startswith("@")]
    return list(dict.fromkeys(names))


class Records:
    """The working frame of a query and the names its fields go by."""

    def __init__(self, frame: pd.DataFrame, computed: set[str] | None = None) -> None:
        self.frame = frame
        self.computed: set[str] = set(computed or ())
        self.unknown: set[str] = set()
        self.timestamp: str | None = None  # column standing for @timestamp after stats ... by bin()

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, name: str) -> str | None:
        """The frame column that holds field ``name`` (None when there is none, or for @message)."""
        cols = self.frame.columns
        if name in self.computed and name in cols:
            return name
        if name == "@timestamp" and self.timestamp is not None:
            return self.timestamp
        if name in SYSTEM_FIELDS:
            return next((c for c in SYSTEM_FIELDS[name] if c in cols), None)
        for candidate in (_INSIGHTS.get(name), name, _AWS_NAMES.get(name), name.replace("-", "_")):
            if candidate is not None and candidate in cols:
                return candidate
        return None

    def has(self, name: str) -> bool:
        if name == "@message":
            return any(c in _CONTRACT for c in self.frame.columns) or "@message" in self.frame.columns
        return self.column(name) is not None or self._structure_path(name) is not None

    def get(self, name: str) -> pd.Series:
        """The values of field ``name`` (all missing for an unknown field, which is noted)."""
        col = self.column(name)
        if col is not None:
            s = self.frame[col]
            if name.startswith("@"):
                s = s.rename(name)
            return s
        if name == "@message" and any(c in _CONTRACT for c in self.frame.columns):
            return message(self.frame)
        inner = self._structure_path(name)
        if inner is not None:
            return inner
        self.unknown.add(name)
        return missing(len(self.frame), name).set_axis(self.frame.index)

    def _structure_path(self, name: str) -> pd.Series | None:
        """``json_message.events``: an entry of a MAP made by jsonParse (the longest field prefix wins)."""
        if "." not in name:
            return None
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            col = self.column(head)
            if col is not None and self.frame[col].dtype == object:
                from ._structures import get_path

                return get_path(self.frame[col], parts[cut:]).rename(name)
        return None

    def suggestions(self, name: str) -> list[str]:
        """Known names close to ``name`` (for the unknown-field note)."""
        known = set(self.computed) | {n for n, c in _INSIGHTS.items() if c in self.frame.columns}
        known |= {c for c in self.frame.columns if isinstance(c, str)}
        known |= {n for n in SYSTEM_FIELDS if self.column(n) is not None}
        lower = {k.lower(): k for k in known}
        if name.lower() in lower:
            return [lower[name.lower()]]
        return difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.7)


def contract_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in _CONTRACT]
