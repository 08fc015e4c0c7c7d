"""Errors and warnings raised while reading flow logs."""

from __future__ import annotations

__all__ = ["FlowLogParseError", "FlowLogParseWarning", "FlowLogSkipWarning", "FlowLogSourceError"]


class FlowLogParseError(ValueError):
    """A flow log line could not be parsed (raised with ``errors="raise"``).

    Attributes
    ----------
    source : str
        File (or object) the line came from.
    line : int
        1-based line number in that source (event number for CloudWatch payloads).
    reason : str
        What was wrong with the line.
    text : str
        The line itself.

    Examples
    --------
    >>> import io
    >>> import flownb
    >>> text = "version srcaddr dstaddr\\n2 10.0.0.1 10.0.0.2\\n2 10.0.0.1\\n"
    >>> try:
    ...     flownb.read_flow_logs(io.StringIO(text), errors="raise")
    ... except flownb.FlowLogParseError as e:
    ...     print(e.line, e.reason)
    3 expected 3 fields (version srcaddr dstaddr), found 2
    """

    def __init__(self, source: str, line: int, reason: str, text: str):
        self.source, self.line, self.reason, self.text = source, line, reason, text
        shown = text if len(text) <= 200 else text[:200] + "..."
        super().__init__(
            f"{source}:{line}: {reason}\n    {shown}\n"
            "Pass errors='warn' to keep the good records and see every bad line in df.flow.bad_lines."
        )


class FlowLogParseWarning(UserWarning):
    """Some lines could not be parsed; they are listed in ``df.flow.bad_lines``."""


class FlowLogSkipWarning(FlowLogParseWarning):
    """Files in a directory were not read: they are clearly not flow logs (a README, notes, images).

    The warning names them; name such a file explicitly to read it anyway.
    """


class FlowLogSourceError(FileNotFoundError):
    """A source named in ``read_flow_logs`` does not exist or holds no flow logs.

    Examples
    --------
    >>> import flownb
    >>> try:
    ...     flownb.read_flow_logs("no-such-folder/")
    ... except flownb.FlowLogSourceError as e:
    ...     print(e)
    no-such-folder/: no such file or directory.
    """
