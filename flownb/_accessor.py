"""The ``df.flow`` accessor, registered when flownb is imported."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._provenance import provenance_of

__all__ = ["FlowAccessor"]


@pd.api.extensions.register_dataframe_accessor("flow")
class FlowAccessor:
    """Flow log helpers on any DataFrame: ``df.flow.bad_lines``, ``df.flow.query(...)``, ...

    Examples
    --------
    >>> import flownb
    >>> from flownb.samples import path
    >>> df = flownb.read_flow_logs(path("aws-docs/default-accept-reject.log"))
    >>> df.flow.sources == (path("aws-docs/default-accept-reject.log"),)
    True
    >>> len(df.flow.bad_lines)
    0
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    @property
    def bad_lines(self) -> pd.DataFrame:
        """Lines that could not be parsed: source, line (1-based), reason, text."""
        return provenance_of(self._df).bad_lines_frame()

    @property
    def formats(self) -> tuple[str, ...]:
        """The record format(s) read, as AWS format strings."""
        return tuple(provenance_of(self._df).formats)

    @property
    def sources(self) -> tuple[str, ...]:
        """The files or objects the records came from."""
        return tuple(provenance_of(self._df).sources)

    def query(self, query: str, **kwargs: Any) -> pd.DataFrame:
        """Run a CloudWatch Logs Insights query on the frame (see :func:`flownb.query`)."""
        from .insights import query as _query

        return _query(self._df, query, **kwargs)

    def enrich(self, **kwargs: Any) -> pd.DataFrame:
        """Add derived columns (see :func:`flownb.enrich`)."""
        from .analysis._enrich import enrich as _enrich

        return _enrich(self._df, **kwargs)
