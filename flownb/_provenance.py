"""Provenance that travels with a flow DataFrame: bad lines, formats, sources.

It is stored in ``DataFrame.attrs["flownb"]`` as one small mapping of tuples
(no DataFrame inside, since pandas compares ``attrs`` when concatenating, and
JSON-serialisable, since ``to_parquet`` writes ``attrs`` into the file), so it
survives filtering, copying, ``groupby``, concatenation of frames from the same
read and a Parquet round trip. Concatenating frames from *different* reads
drops it, as pandas drops any ``attrs`` that differ; read several sources in one
``flownb.read_flow_logs([a, b])`` call to keep their provenance together.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["Provenance", "attach", "provenance_of"]

_KEY = "flownb"
_FIELDS = ("bad_lines", "formats", "sources", "notes")


class Provenance(dict):
    """Where a frame's records came from and what could not be read.

    A ``dict`` of tuples (``bad_lines``: (source, line, reason, text);
    ``formats``; ``sources``; ``notes``: (source, line, what)), treated as
    immutable: pandas deep-copies ``attrs`` on every operation, so copying
    returns the same object.
    """

    def __init__(
        self,
        bad_lines: Any = (),
        formats: Any = (),
        sources: Any = (),
        notes: Any = (),
    ) -> None:
        super().__init__(
            bad_lines=tuple(tuple(b) for b in bad_lines),
            formats=tuple(formats),
            sources=tuple(sources),
            notes=tuple(tuple(n) for n in notes),
        )

    def __deepcopy__(self, memo: dict) -> Provenance:
        return self

    bad_lines = property(lambda self: self["bad_lines"])
    formats = property(lambda self: self["formats"])
    sources = property(lambda self: self["sources"])
    notes = property(lambda self: self["notes"])

    def bad_lines_frame(self) -> pd.DataFrame:
        """The bad lines as a DataFrame with columns source, line, reason, text."""
        return pd.DataFrame(list(self.bad_lines), columns=["source", "line", "reason", "text"]).astype(
            {"source": "str", "line": "int64", "reason": "str", "text": "str"}
        )


def attach(df: pd.DataFrame, prov: Provenance) -> pd.DataFrame:
    """Store provenance on a frame (in place) and return it."""
    df.attrs[_KEY] = prov
    return df


def provenance_of(df: pd.DataFrame) -> Provenance:
    """The frame's provenance (also after a Parquet round trip), or an empty one."""
    prov = df.attrs.get(_KEY)
    if isinstance(prov, Provenance):
        return prov
    if isinstance(prov, dict):
        return Provenance(**{k: prov.get(k, ()) for k in _FIELDS})
    return Provenance()
