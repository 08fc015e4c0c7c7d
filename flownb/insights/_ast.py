"""The syntax tree of a Logs Insights query.

Every node keeps its span in the query text (``start``, ``end``): result
columns are named by the text of their expression, as CloudWatch names them
(``count(*)``, ``sum(bytes)``, ``bin(5m)``), and errors point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Addtotals",
    "Binary",
    "Call",
    "Command",
    "Dedup",
    "Diff",
    "Display",
    "Duration",
    "Expr",
    "Field",
    "Fields",
    "Filldown",
    "Fillmissing",
    "Filter",
    "InList",
    "Index",
    "Item",
    "Like",
    "Limit",
    "Literal",
    "Lookup",
    "Not",
    "Parse",
    "Query",
    "Regex",
    "Sort",
    "SortKey",
    "Star",
    "Stats",
    "Unary",
    "Unnest",
    "walk",
]


@dataclass(frozen=True)
class Expr:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Literal(Expr):
    """A number or a string."""

    value: int | float | str


@dataclass(frozen=True)
class Regex(Expr):
    """A ``/regex/`` literal; ``pattern`` is the text between the slashes."""

    pattern: str


@dataclass(frozen=True)
class Duration(Expr):
    """``5m``, ``1h``: ``amount`` of ``unit`` (ms, s, m, h, d, w, mo, q, y)."""

    amount: int | float
    unit: str


@dataclass(frozen=True)
class Field(Expr):
    """A field reference (``srcAddr``, ``@timestamp``, ```log-status```)."""

    name: str


@dataclass(frozen=True)
class Index(Expr):
    """``list[0]``: an element of a LIST (from ``jsonParse``), or a MAP entry by key."""

    operand: Expr
    index: Expr


@dataclass(frozen=True)
class Star(Expr):
    """The ``*`` of ``count(*)``."""


@dataclass(frozen=True)
class Call(Expr):
    """A function or aggregation call; ``name`` is lower-case, ``args`` the arguments."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary(Expr):
    """``-x``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Not(Expr):
    """``not x``."""

    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    """Arithmetic (``+ - * / % ^``), comparison (``= != < <= > >=``) or logic (``and``, ``or``)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Like(Expr):
    """``x like 'text'`` (substring), ``x like /re/`` or ``x =~ /re/`` (regex search)."""

    operand: Expr
    pattern: Literal | Regex
    negated: bool = False


@dataclass(frozen=True)
class InList(Expr):
    """``x in [a, b]`` and ``x not in [a, b]``."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class Item:
    """An expression with an optional ``as`` alias; ``name`` is the result column name."""

    expr: Expr
    alias: str | None = None

    @property
    def name(self) -> str:
        if self.alias is not None:
            return self.alias
        return self.expr.name if isinstance(self.expr, Field) else self.expr.text


@dataclass(frozen=True)
class SortKey:
    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class Command:
    start: int
    end: int
    keyword: str


@dataclass(frozen=True)
class Fields(Command):
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Display(Command):
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Filter(Command):
    condition: Expr | None = None


@dataclass(frozen=True)
class Stats(Command):
    aggregations: tuple[Item, ...] = ()
    by: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Sort(Command):
    keys: tuple[SortKey, ...] = ()


@dataclass(frozen=True)
class Limit(Command):
    """``limit N`` (the N first records of the order so far) or ``limit any N`` (any N)."""

    count: int = 0
    any: bool = False


@dataclass(frozen=True)
class Parse(Command):
    """``parse [field] 'glob*pattern' as a, b`` or ``parse [field] /(?<a>...)/``."""

    source: Expr | None = None
    pattern: str = ""
    is_regex: bool = False
    names: tuple[str, ...] = ()
    regex: str = ""  # the pattern as a regular expression with named groups
    multi: bool = False  # ``parse f /re/ multi``: one record per match
    mode: str = ""  # "logfmt" (names holds the map), "csv" (one name per value), else glob or regex


@dataclass(frozen=True)
class JsonField(Command):
    """``json field=name "key.subkey" as alias``: one value read from a field holding JSON (or a MAP)."""

    source: Expr | None = None
    path: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Dedup(Command):
    fields: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Unnest(Command):
    """``unnest field into name``: one record per element of a LIST."""

    source: Expr | None = None
    name: str = ""


@dataclass(frozen=True)
class Filldown(Command):
    """``filldown [field ...]``: the last non-missing value carried forward (``*`` wildcards allowed)."""

    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fillmissing(Command):
    """``fillmissing [with value for field, ...]``: a row for every empty ``bin()`` after stats."""

    values: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True)
class Addtotals(Command):
    """``addtotals [fieldname=Name] [row=bool] [col=bool] [field, ...]``."""

    fieldname: str = "Total"
    row: bool = True
    col: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lookup(Command):
    """``lookup table lookupField as logField, ... OUTPUT field, ...``."""

    table: str = ""
    keys: tuple[tuple[str, str], ...] = ()  # (field in the table, field in the records)
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diff(Command):
    """``diff`` (the preceding period of the same length), ``diff previousDay|previousWeek|previousMonth``,
    or ``logcompare timeshift 7d`` (``modifier`` "timeshift", ``shift`` the duration)."""

    modifier: str = ""
    shift: tuple[float, str] | None = None


@dataclass(frozen=True)
class Query:
    """A parsed query: its commands in order, and the (normalised) text.

    Examples
    --------
    >>> from flownb import insights
    >>> q = insights.parse("filter action = 'REJECT' | stats count(*) as rejects by srcAddr | limit 3")
    >>> [type(command).__name__ for command in q.commands]
    ['Filter', 'Stats', 'Limit']
    >>> q.commands[0].condition.text
    "action = 'REJECT'"
    """

    commands: tuple[Command, ...]
    text: str
    normalised: tuple[str, ...] = field(default=())


def walk(node: object):
    """Every expression node under ``node`` (an expression, item, key or command), depth first."""
    if isinstance(node, Item | SortKey):
        yield from walk(node.expr)
        return
    if isinstance(node, Command):
        for value in vars(node).values():
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, Expr | Item | SortKey):
                    yield from walk(item)
        return
    if not isinstance(node, Expr):
        return
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Unary | Not):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Like):
        yield from walk(node.operand)
        yield from walk(node.pattern)
    elif isinstance(node, Index):
        yield from walk(node.operand)
        yield from walk(node.index)
    elif isinstance(node, InList):
        yield from walk(node.operand)
        for item in node.items:
            yield from walk(item)
