"""Every function the query language has: its name, arity and kind.

The list is the one the CloudWatch Logs User Guide documents ("Boolean,
comparison, numeric, datetime, and other functions" and "stats" aggregation
functions). The parser checks calls against it; ``_functions`` and
``_aggregations`` implement the entries.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AGGREGATIONS", "FUNCTIONS", "UNSUPPORTED_COMMANDS", "Signature", "lookup"]


@dataclass(frozen=True)
class Signature:
    """A function: canonical spelling, arity (``max_args`` None = any), kind and argument rules."""

    name: str
    min_args: int
    max_args: int | None
    kind: str  # "scalar" or "aggregate"
    duration_arg: int | None = None  # index of an argument that must be a duration literal
    number_arg: int | None = None  # index of an argument that must be a number literal
    subnet_arg: int | None = None  # index of an argument that must be a CIDR string literal
    family: int | None = None  # 4 or 6 for the family-specific subnet functions
    help: str = ""


def _s(name, lo, hi, **kw) -> Signature:
    return Signature(name, lo, hi, "scalar", **kw)


def _a(name, lo, hi, **kw) -> Signature:
    return Signature(name, lo, hi, "aggregate", **kw)


_SCALARS = [
    # strings
    _s("concat", 1, None, help="concat(a, b, ...): the strings joined"),
    _s("ltrim", 1, 2, help="ltrim(s[, chars]): s without leading white space (or chars)"),
    _s("rtrim", 1, 2, help="rtrim(s[, chars]): s without trailing white space (or chars)"),
    _s("trim", 1, 2, help="trim(s[, chars]): s without leading and trailing white space (or chars)"),
    _s("strlen", 1, 1, help="strlen(s): length in characters"),
    _s("toupper", 1, 1, help="toupper(s)"),
    _s("tolower", 1, 1, help="tolower(s)"),
    _s("substr", 2, 3, help="substr(s, start[, length]): start is 0-based"),
    _s("replace", 3, 3, help="replace(s, search, replacement): every occurrence"),
    _s("strcontains", 2, 2, help="strcontains(s, sub): 1 if s contains sub, else 0"),
    _s("isempty", 1, 1, help="isempty(s): true if missing or empty"),
    _s("isblank", 1, 1, help="isblank(s): true if missing, empty or only white space"),
    # numbers
    _s("abs", 1, 1),
    _s("ceil", 1, 1),
    _s("floor", 1, 1),
    _s("greatest", 1, None),
    _s("least", 1, None),
    _s("log", 1, 1, help="log(x): natural logarithm"),
    _s("sqrt", 1, 1),
    # date and time
    _s("bin", 1, 1, duration_arg=0, help="bin(period): @timestamp rounded down to the period"),
    _s("datefloor", 2, 2, duration_arg=1, help="datefloor(t, period)"),
    _s("dateceil", 2, 2, duration_arg=1, help="dateceil(t, period)"),
    _s("fromMillis", 1, 1, help="fromMillis(ms): the timestamp of epoch milliseconds"),
    _s("toMillis", 1, 1, help="toMillis(t): epoch milliseconds of a timestamp"),
    _s("now", 0, 0, help="now(): the time the query started, in epoch seconds"),
    # JSON (structure types MAP and LIST)
    _s("jsonParse", 1, 1, help="jsonParse(s): the JSON text s as a MAP or a LIST"),
    _s("jsonStringify", 1, 1, help="jsonStringify(m): a MAP or LIST as JSON text"),
    # IP addresses
    _s("isValidIp", 1, 1),
    _s("isValidIpV4", 1, 1),
    _s("isValidIpV6", 1, 1),
    _s("isIpInSubnet", 2, 2, subnet_arg=1),
    _s("isIpv4InSubnet", 2, 2, subnet_arg=1, family=4),
    _s("isIpv6InSubnet", 2, 2, subnet_arg=1, family=6),
    # general
    _s("ispresent", 1, 1, help="ispresent(field): true if the record has the field"),
    _s("coalesce", 1, None, help="coalesce(a, b, ...): the first value that is present"),
]

_AGGREGATES = [
    _a("avg", 1, 1),
    _a("count", 0, 1, help="count(*) or count(field): records, or records with the field"),
    _a("count_distinct", 1, 1),
    _a("max", 1, 1),
    _a("min", 1, 1),
    _a("pct", 2, 2, number_arg=1, help="pct(field, p): the p-th percentile"),
    _a("percentile", 2, 2, number_arg=1, help="percentile(field, p): the p-th percentile"),
    _a("stddev", 1, 1),
    _a("sum", 1, 1),
    _a("earliest", 1, 1, help="earliest(field): the value in the record with the earliest @timestamp"),
    _a("latest", 1, 1, help="latest(field): the value in the record with the latest @timestamp"),
    _a("sortsFirst", 1, 1, help="sortsFirst(field): the value that sorts first"),
    _a("sortsLast", 1, 1, help="sortsLast(field): the value that sorts last"),
]

FUNCTIONS: dict[str, Signature] = {s.name.lower(): s for s in _SCALARS}
AGGREGATIONS: dict[str, Signature] = {s.name.lower(): s for s in _AGGREGATES}

#: Commands of the current guide that need CloudWatch itself, and why flownb cannot run them
#: (CloudWatch Logs User Guide, "CloudWatch Logs Insights language query syntax" and each command's page).
UNSUPPORTED_COMMANDS: dict[str, str] = {
    "pattern": "clusters log events with CloudWatch's own machine-learning patterns",
    "anomaly": "uses CloudWatch's trained anomaly models (it follows pattern)",
    "unmask": "reveals data masked by a CloudWatch data protection policy",
    "filterindex": "uses CloudWatch field indexes of a log group",
    "source": "selects log groups inside CloudWatch",
    "join": "joins events of another log group (SOURCE ...); flownb queries one frame",
}


def lookup(name: str) -> Signature | None:
    """The signature of a function or aggregation, by case-insensitive name."""
    key = name.lower()
    return FUNCTIONS.get(key) or AGGREGATIONS.get(key)
