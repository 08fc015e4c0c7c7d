"""``read_flow_logs``: the front door for every source, local files and S3 alike.

Local sources are expanded here (files, directories laid out as S3 delivers
them, globs, lists, file-like objects) and read by the engine
(:mod:`flownb.io._engine`), which recognises what each holds from its content;
``s3://`` URLs go to :func:`flownb.io._s3.read_s3`. The dependencies run one way:
this module imports :mod:`flownb.io._s3` and the engine, and neither imports it.
"""

from __future__ import annotations

import glob
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import schema
from ._engine import ERRORS, Errors, Input, read_frame, read_input
from ._errors import FlowLogSkipWarning, FlowLogSourceError
from ._layout import is_flow_log_name
from ._s3 import read_s3

if TYPE_CHECKING:
    from ._select import TimeLike

__all__ = ["read_flow_logs"]


def _expand(source: Any) -> list[Input]:
    if isinstance(source, (str, os.PathLike)):
        return _expand_path(os.fspath(source))
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = getattr(source, "name", None)
        return [Input(name=str(name) if isinstance(name, str) else "<file-like>", data=bytes(data))]
    if isinstance(source, (bytes, bytearray, memoryview)):
        return [Input(name="<bytes>", data=bytes(source))]
    if isinstance(source, Iterable):
        out: list[Input] = []
        for s in source:
            out.extend(_expand(s))
        return out
    raise TypeError(
        f"source must be a path, a directory, a glob pattern, a list of these or a binary file-like object, "
        f"got {type(source).__name__}"
    )


def _is_s3(source: Any) -> bool:
    """An s3:// URL, or a list of them only (read together from S3)."""
    if isinstance(source, str):
        return source.startswith("s3://")
    return (
        isinstance(source, (list, tuple))
        and bool(source)
        and all(isinstance(s, str) and s.startswith("s3://") for s in source)
    )


def _expand_path(path: str) -> list[Input]:
    if path.startswith("s3://"):
        raise FlowLogSourceError(
            f"{path}: s3:// URLs cannot be mixed with local files in one read; read them in separate "
            "calls (a list of s3:// URLs only is fine) and combine the frames."
        )
    p = Path(path).expanduser()
    if p.is_file():
        return [Input(name=str(p), path=str(p))]
    if p.is_dir():
        from ._sniff import skip_reason

        files = sorted(f for f in p.rglob("*") if f.is_file() and is_flow_log_name(str(f.relative_to(p))))
        skipped = [(f, why) for f in files if (why := skip_reason(f)) is not None]
        if skipped:
            files = [f for f in files if f not in {s for s, _ in skipped}]
            named = ", ".join(f"{f.relative_to(p)} ({why})" for f, why in skipped[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            warnings.warn(
                f"{path}: skipped {len(skipped)} file(s) that are not flow logs: {named}{more}; "
                "name a file to read it anyway.",
                FlowLogSkipWarning,
                stacklevel=4,
            )
        if not files:
            raise FlowLogSourceError(f"{path}: the directory holds no flow log files (looked recursively).")
        return [Input(name=str(f), path=str(f)) for f in files]
    if any(ch in path for ch in "*?["):
        matches = sorted(m for m in glob.glob(os.path.expanduser(path), recursive=True) if Path(m).is_file())
        if not matches:
            raise FlowLogSourceError(f"{path}: no file matches this pattern.")
        return [Input(name=m, path=m) for m in matches]
    parent = p.parent
    hint = ""
    if parent.is_dir():
        import difflib

        close = difflib.get_close_matches(p.name, [c.name for c in parent.iterdir()], n=3)
        if close:
            hint = f" Did you mean {', '.join(str(parent / c) for c in close)}?"
    raise FlowLogSourceError(f"{path}: no such file or directory.{hint}")


def read_flow_logs(
    source: Any,
    *,
    format: str | Sequence[str] | None = None,
    errors: Errors = "warn",
    progress: bool | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    accounts: str | Sequence[str] | None = None,
    regions: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read VPC or Transit Gateway flow logs into one typed DataFrame.

    Parameters
    ----------
    source : path, directory, glob pattern, binary file-like object, or a list of these
        Directories are read recursively, including the layouts S3 delivery creates
        (``AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/...`` and the Hive-style
        ``aws-account-id=.../aws-region=.../year=.../...``). Files may be plain text,
        gzip (several members concatenated too) or Parquet, recognised by content,
        as are CloudWatch Logs exports, CSV downloads and subscription payloads
        (see :mod:`flownb.io._exports`). An ``s3://bucket/prefix/`` URL (or a list
        of them) reads the objects under it, in any delivery layout, with the
        user's normal AWS credentials (needs boto3, the ``aws`` extra: ``pip install 'boto3>=1.34'``; see
        :mod:`flownb.io._s3`).
    format : str or list of str, optional
        Record format of text without a header line: an AWS format string
        (``"${version} ${srcaddr} ..."``), space-separated field names, or a list
        of names. ``None``: each file's header line (AWS writes one in every S3
        object), else the default version 2 format.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with lines that cannot be parsed. ``"warn"`` keeps the good
        records, issues one :class:`FlowLogParseWarning` and lists every bad line
        in ``df.flow.bad_lines``; ``"raise"`` raises :class:`FlowLogParseError`
        at the first bad line; ``"ignore"`` keeps them in ``df.flow.bad_lines``
        without a warning.
    progress : bool, optional
        Show a progress bar; by default shown when 50 or more files are read.
    start, end : datetime, pandas Timestamp, ISO-8601 string or Unix seconds, optional
        Keep the records whose ``start`` is in ``[start, end)`` (naive times are
        UTC). Files and S3 objects whose delivery folder or file name rules them
        out are not read at all; on S3 only the folders of the range are listed.
    accounts, regions : str or list of str, optional
        Keep these accounts (12-digit IDs as strings) and regions, judged from the
        delivery layout of the path or key and from the ``account_id`` and
        ``region`` columns when the records have them. From S3, ``account_id``
        and ``region`` columns are added from the key when the records lack them.

    Returns
    -------
    pandas.DataFrame
        One row per record, columns named as the AWS fields with ``-`` replaced
        by ``_``, typed per the DataFrame contract; ``df.flow`` holds the bad
        lines, formats and sources.

    Examples
    --------
    >>> import flownb
    >>> from flownb.samples import path
    >>> df = flownb.read_flow_logs(path("aws-docs/default-accept-reject.log"))
    >>> df[["srcaddr", "dstport", "action"]]
            srcaddr  dstport  action
    0  172.31.16.139       22  ACCEPT
    1    172.31.9.69     3389  REJECT
    >>> str(df["dstport"].dtype), str(df["start"].dtype)
    ('UInt16', 'datetime64[s, UTC]')
    """
    if errors not in ERRORS:
        raise ValueError(f"'errors' must be one of {list(ERRORS)}, got {errors!r}")
    names = schema.parse_format(format) if format is not None else None
    if _is_s3(source):
        return read_s3(source, format=format, errors=errors, progress=progress, start=start, end=end,
                       accounts=accounts, regions=regions)  # fmt: skip
    from ._select import Selection

    sel = Selection.make(start, end, accounts, regions)
    inputs = _expand(source)
    if sel.active:
        inputs = [i for i in inputs if i.path is None or sel.keeps_key(i.path)]
    read = (lambda i, n: sel.filter_part(read_input(i, n))) if sel.active else None
    return read_frame(inputs, names, errors=errors, progress=progress, read=read)
