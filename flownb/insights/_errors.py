"""Errors and warnings of the Logs Insights engine."""

from __future__ import annotations

__all__ = ["InsightsQueryError", "InsightsSyntaxError", "InsightsWarning", "line_and_column"]


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


class InsightsSyntaxError(ValueError):
    """A query that is not valid CloudWatch Logs Insights.

    The message names what is wrong and what was expected, then shows the
    query line with a caret under the offending column.

    Attributes
    ----------
    query : str
        The query text, as given.
    line, column : int
        1-based position of the problem.
    offset : int
        0-based character offset of the problem in ``query``.
    expected : str
        What the parser expected at that point (may be empty).

    Examples
    --------
    >>> import flownb
    >>> from flownb.insights import InsightsSyntaxError, query
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> try:
    ...     query(df, "stats count(*) by")
    ... except InsightsSyntaxError as exc:
    ...     error = exc
    >>> print(error)
    expected a field or an expression after 'by', got the end of the query (line 1, column 18)
      stats count(*) by
                       ^
    >>> error.line, error.column
    (1, 18)
    """

    def __init__(self, problem: str, query: str, offset: int, expected: str = "", hint: str = "") -> None:
        self.problem = problem
        self.query = query
        self.offset = offset
        self.expected = expected
        self.hint = hint
        self.line, self.column = line_and_column(query, offset)
        super().__init__(self._render())

    def _render(self) -> str:
        lines = self.query.split("\n")
        text = lines[self.line - 1] if self.line - 1 < len(lines) else ""
        where = f"line {self.line}, column {self.column}"
        caret = " " * (self.column - 1) + "^"
        msg = f"{self.problem} ({where})\n  {text}\n  {caret}"
        if self.hint:
            msg += f"\n{self.hint}"
        return msg

    def __reduce__(self):  # keep the error picklable (pytest-xdist, multiprocessing)
        return (type(self), (self.problem, self.query, self.offset, self.expected, self.hint))


class InsightsQueryError(ValueError):
    """A valid query that cannot run on these records (for example ``bin()`` with no timestamps).

    Examples
    --------
    >>> import flownb
    >>> from flownb.insights import query
    >>> df = flownb.samples.load("aws-docs/nat-gateway")   # a format without start/end
    >>> query(df, "stats count(*) by bin(5m)")
    Traceback (most recent call last):
    ...
    flownb.insights.InsightsQueryError: bin(5m) needs @timestamp, and these records have no 'start' column ...
    """


class InsightsWarning(UserWarning):
    """Something about the query a person should know: unknown fields, normalised quotes.

    Examples
    --------
    >>> import warnings
    >>> import flownb
    >>> from flownb.insights import InsightsWarning, query
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", InsightsWarning)
    ...     out = query(df, "filter action = ‘REJECT’ | fields srcadr")
    >>> [str(w.message)[:40] for w in caught]
    ['the query had typographic quotes; they w', 'no such field in these records, treated ']
    >>> out.attrs["unknown_fields"]
    ('srcadr',)
    """
