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
    """A source named in ``read_flow_logs`` does not exist or holds no flow logs."""
