"""Provenance that travels with a flow DataFrame: bad lines, formats, sources.

It is stored in ``DataFrame.attrs["flownb"]`` as one small immutable object (no
DataFrame inside, since pandas compares ``attrs`` when concatenating), so it
survives filtering, copying, ``groupby`` and concatenation of frames from the
same read. Concatenating frames from *different* reads drops it, as pandas
drops any ``attrs`` that differ; use ``flownb.read_flow_logs([a, b])`` to read
several sources with their provenance combined.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Provenance", "attach", "provenance_of"]

_KEY = "flownb"


@dataclass(frozen=True)
class Provenance:
    """Where a frame's records came from and what could not be read."""

    bad_lines: tuple[tuple[str, int, str, str], ...] = ()
    formats: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: tuple[tuple[str, int, str], ...] = ()

    def __deepcopy__(self, memo: dict) -> Provenance:  # immutable: pandas deep-copies attrs on every op
        return self

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
    """The frame's provenance, or an empty one when it has none."""
    prov = df.attrs.get(_KEY)
    return prov if isinstance(prov, Provenance) else Provenance()
