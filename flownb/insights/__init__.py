"""CloudWatch Logs Insights, locally: the real query language on flow log DataFrames.

``query(df, "filter action = 'REJECT' | stats count(*) by srcAddr")`` runs a
Logs Insights query, unchanged, on records in a DataFrame and returns what
CloudWatch would show, as a DataFrame. The same is ``df.flow.query(...)``.

The pieces, one job each: ``_lexer`` (text to tokens), ``_parser``
(recursive descent to the syntax tree in ``_ast``), ``_catalog`` (the
documented functions), ``_fields`` (what a field name means in a frame),
``_evaluate``, ``_functions``, ``_ip``, ``_time``, ``_structures`` and
``_aggregations`` (vectorised evaluation), ``_engine`` (the commands).
``SUPPORT.md`` next to this file lists every command and function of the
current CloudWatch Logs User Guide, whether flownb runs it, and why not.

Examples
--------
>>> import flownb
>>> from flownb.insights import query
>>> df = flownb.samples.load("aws-docs/default-accept-reject")
>>> query(df, "filter action = 'REJECT' | fields srcAddr, dstPort")
       srcAddr  dstPort
0  172.31.9.69     3389
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._dispatch import accepts_dataset
from ._ast import Query
from ._catalog import AGGREGATIONS as _AGGREGATIONS
from ._catalog import FUNCTIONS as _FUNCTIONS
from ._errors import InsightsQueryError, InsightsSyntaxError, InsightsWarning
from ._fields import field_names
from ._parser import COMMANDS, parse
from ._samples import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES, SampleQuery, sample_queries

__all__ = [
    "AGGREGATIONS",
    "AWS_SAMPLE_QUERIES",
    "COMMANDS",
    "FLOWNB_SAMPLE_QUERIES",
    "FUNCTIONS",
    "InsightsQueryError",
    "InsightsSyntaxError",
    "InsightsWarning",
    "Query",
    "SampleQuery",
    "field_names",
    "parse",
    "query",
    "sample_queries",
]

for _cls in (InsightsQueryError, InsightsSyntaxError, InsightsWarning):
    _cls.__module__ = __name__  # tracebacks say flownb.insights.InsightsSyntaxError
del _cls

#: The functions a query can call (canonical spelling).
FUNCTIONS: tuple[str, ...] = tuple(s.name for s in _FUNCTIONS.values())
#: The aggregation functions of ``stats`` (canonical spelling).
AGGREGATIONS: tuple[str, ...] = tuple(s.name for s in _AGGREGATIONS.values())


@accepts_dataset
def query(
    df: pd.DataFrame,
    query: str,
    *,
    start: Any = None,
    end: Any = None,
    tables: Mapping[str, Any] | None = None,
    now: Any = None,
) -> pd.DataFrame:
    """Run a CloudWatch Logs Insights query on flow log records.

    Parameters
    ----------
    df : pandas.DataFrame
        Flow log records (the DataFrame contract: :func:`flownb.read_flow_logs`).
        It is not modified.
    query : str
        The query, exactly as typed in the CloudWatch console: commands
        (``fields``, ``display``, ``filter``, ``stats``, ``sort``, ``limit``,
        ``parse``, ``dedup``, ``unnest``, ``filldown``, ``fillmissing``,
        ``addtotals``, ``lookup``, ``diff``, ``logcompare``, ``json``) separated by ``|``; see
        ``flownb/insights/SUPPORT.md`` for every command and function of the
        guide and why the few others cannot run locally. Fields go by their Logs
        Insights names (``srcAddr``, ``dstPort``, ``logStatus``), the frame's
        column names (``srcaddr``) or the system fields ``@timestamp`` (the
        record's start), ``@message`` (the record's text) and ``@logStream``.
        Typographic quotes and non-breaking spaces are accepted (with an
        :class:`InsightsWarning`).
    start, end : timestamp-like, optional
        The query's time range on ``@timestamp``, both ends included, like the
        time range CloudWatch asks for. ``diff`` compares this range with the
        one before it.
    tables : mapping of str to DataFrame or path, optional
        The lookup tables ``lookup`` may name: a DataFrame, or the path of a
        CSV file with a header row (what CloudWatch's lookup tables hold).
    now : timestamp-like, optional
        The time the query runs, for ``now()`` (default: the clock when the
        query starts). Give it to make a query with ``now()`` repeatable.

    Returns
    -------
    pandas.DataFrame
        Columns named as CloudWatch names them (``count(*)``, ``sum(bytes)``,
        or the ``as`` alias), typed (numbers stay numbers, ``@timestamp`` and
        ``bin()`` are UTC timestamps). Without ``fields``/``display``/``stats``:
        ``@timestamp`` and ``@message``, newest first. At most 10,000 rows
        unless ``limit`` says otherwise. ``result.attrs["unknown_fields"]``
        lists field names that matched nothing (also warned about, since
        CloudWatch silently treats them as missing).

    Raises
    ------
    InsightsSyntaxError
        The query is malformed (a ``ValueError`` showing the line, a caret
        under the column and what was expected), or uses a command that only
        CloudWatch can run (``pattern``, ``anomaly``, ``unmask``,
        ``filterIndex``, ``SOURCE``, ``join``).
    InsightsQueryError
        The query cannot run on these records (e.g. ``bin()`` without a
        ``start`` column, or ``lookup`` of a table not given in ``tables``).

    Notes
    -----
    Comparisons with a missing value are neither true nor false, so
    ``filter`` drops such records (as SQL does; CloudWatch documents no rule).
    Sorting puts missing values last. ``dedup`` keeps every record that lacks
    one of its fields.

    Examples
    --------
    The AWS sample query "top 20 source IP addresses with the highest number of
    rejected requests" (CloudWatch Logs User Guide, "Sample queries"):

    >>> import flownb
    >>> from flownb.insights import query
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> query(df, '''
    ...     filter action="REJECT"
    ...     | stats count(*) as numRejections by srcAddr
    ...     | sort numRejections desc
    ...     | limit 20''')
             srcAddr  numRejections
    0  172.31.16.139              1
    >>> query(df, "stats sum(bytes), avg(packets) by bin(1h)")
                        bin(1h)  sum(bytes)  avg(packets)
    0 2015-05-29 16:00:00+00:00         672           4.0
    """
    from ._engine import run

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    return run(parse(query), df, start=start, end=end, tables=tables, now=now)
