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
    """Some lines could not be parsed; they are listed in ``df.flow.bad_lines``.

    Examples
    --------
    >>> import io, warnings
    >>> from pathlib import Path
    >>> import flownb
    >>> text = Path(flownb.samples.path("aws-docs/default-accept-reject")).read_text()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     df = flownb.read_flow_logs(io.StringIO(text + "2 123456789010 eni-1235b8ca123456789\\n"))
    >>> len(df), caught[0].category.__name__
    (2, 'FlowLogParseWarning')
    >>> df.flow.bad_lines[["line", "reason"]].values.tolist()
    [[4, 'expected 14 fields (version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status), found 3']]
    """


class FlowLogSkipWarning(FlowLogParseWarning):
    """Files in a directory were not read: they are clearly not flow logs (a README, notes, images).

    The warning names them; name such a file explicitly to read it anyway.

    Examples
    --------
    >>> import shutil, tempfile, warnings
    >>> from pathlib import Path
    >>> import flownb
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = shutil.copy(flownb.samples.path("aws-docs/default-accept-reject"), folder / "flows.log")
    >>> _ = (folder / "README.md").write_text("# where these logs come from\\n")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     df = flownb.read_flow_logs(str(folder))
    >>> len(df), caught[0].category.__name__
    (2, 'FlowLogSkipWarning')
    >>> print(str(caught[0].message).split(": ", 1)[1])
    skipped 1 file(s) that are not flow logs: README.md (a document, not a flow log); name a file to read it anyway.
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
