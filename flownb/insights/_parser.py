"""A recursive-descent parser for CloudWatch Logs Insights queries.

The grammar, lowest precedence first::

    query      := command ('|' command)*
    command    := fields | display | filter | stats | sort | limit | parse | dedup
                | unnest | filldown | fillmissing | addtotals | lookup | diff | logcompare | json
    fields     := 'fields' item (',' item)*            item := expr ['as' name]
    display    := 'display' item (',' item)*
    filter     := 'filter' expr
    stats      := 'stats' item (',' item)* ['by' item (',' item)*]
    sort       := 'sort' expr ['asc' | 'desc'] (',' expr ['asc' | 'desc'])*
    limit      := 'limit' ['any'] NUMBER                 (1 to 100,000)
    parse      := 'parse' [expr] ( STRING 'as' names | REGEX ['as' names] ['multi']
                                 | 'logfmt' 'as' name | 'csv' 'as' names )      names := name (',' name)*
    json       := 'json' 'field' '=' field STRING 'as' name
    dedup      := 'dedup' field (',' field)*
    unnest     := 'unnest' field 'into' name
    filldown   := 'filldown' [pattern ([','] pattern)*]  pattern := name with '*' wildcards
    fillmissing:= 'fillmissing' ['with' value 'for' name (',' value 'for' name)*]
    addtotals  := 'addtotals' ('fieldname' '=' name | 'row' '=' bool | 'col' '=' bool)* [name (',' name)*]
    lookup     := 'lookup' name name 'as' name (',' name 'as' name)* 'OUTPUT' name (',' name)*
    diff       := 'diff' ['previousDay' | 'previousWeek' | 'previousMonth']
    logcompare := 'logcompare' 'timeshift' DURATION
    expr       := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | comparison
    comparison := sum [('=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=') sum
                      | ['not'] 'like' (STRING | REGEX) | '=~' (STRING | REGEX)
                      | ['not'] 'in' '[' expr (',' expr)* ']']
    sum        := product (('+' | '-') product)*
    product    := power (('*' | '/' | '%') power)*
    power      := unary ['^' power]
    unary      := '-' unary | primary
    primary    := (NUMBER | STRING | DURATION | field | name '(' [args] ')' | '(' expr ')') ('[' expr ']')*

Keywords are case-insensitive; field names are not. ``#`` starts a comment.
"""

from __future__ import annotations

import difflib
import ipaddress
import re

from . import _ast as A
from ._catalog import AGGREGATIONS, FUNCTIONS, UNSUPPORTED_COMMANDS, lookup
from ._errors import InsightsSyntaxError
from ._lexer import Lexer, Token

__all__ = ["parse"]

#: The query commands flownb runs (flownb/insights/SUPPORT.md says what each supports).
COMMANDS = (
    "fields",
    "display",
    "filter",
    "stats",
    "sort",
    "limit",
    "parse",
    "dedup",
    "unnest",
    "filldown",
    "fillmissing",
    "addtotals",
    "lookup",
    "diff",
    "logcompare",
    "json",
)
#: The most rows ``limit`` may ask for (CloudWatch Logs User Guide, "limit": "up to 100,000").
MAX_LIMIT = 100_000
DIFF_MODIFIERS = ("previousDay", "previousWeek", "previousMonth")
_KEYWORDS = {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}
_COMPARE = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")
#: The guide's "parse" page (CWL_QuerySyntax-Parse, 2026) names four modes: glob expressions, regular
#: expressions (with ``multi``), logfmt and CSV, and a ``json field=`` extraction; all run here.
_CAPTURE = re.compile(r"\\.|\[(?:\\.|[^\]])*\]|\((?!\?)|\(\?P<[^>]*>")


def _positional_groups(py_regex: str) -> tuple[str, int]:
    """``py_regex`` with its capture groups named ``_g0``, ``_g1``... in order, and how many there are.

    For ``parse f /re/ as a, b``: the guide's multi-match example
    (``parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi``) names an unnamed group with
    ``as``, so each capture group, named or not, takes the alias at its position. Escapes and
    character classes are skipped; ``(?:``, lookarounds and flags are not captures.
    """
    count = 0

    def rename(m: re.Match) -> str:
        nonlocal count
        text = m.group(0)
        if not text.startswith("("):
            return text
        count += 1
        return f"(?P<_g{count - 1}>"

    return _CAPTURE.sub(rename, py_regex), count


def parse(text: str) -> A.Query:
    """Parse a Logs Insights query into its syntax tree.

    Parameters
    ----------
    text : str
        The query, as typed in the CloudWatch console.

    Returns
    -------
    Query
        The commands in order.

    Raises
    ------
    InsightsSyntaxError
        With the line, the column, a caret and what was expected.

    Examples
    --------
    >>> from flownb.insights import parse
    >>> q = parse("filter action = 'REJECT' | stats count(*) as n by srcAddr")
    >>> [c.keyword for c in q.commands]
    ['filter', 'stats']
    >>> q.commands[1].aggregations[0].name, q.commands[1].by[0].name
    ('n', 'srcAddr')
    """
    if not isinstance(text, str):
        raise TypeError(f"the query must be a str, got {type(text).__name__}")
    return _Parser(text).query()


def to_python_regex(pattern: str) -> str:
    """AWS/Java named groups ``(?<name>...)`` as Python's ``(?P<name>...)``."""
    return _NAMED_GROUP.sub("(?P<", pattern)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lx = Lexer(text)
        self.tok: Token = self.lx.next()
        self.stats_seen = 0

    # -- token helpers ----------------------------------------------------------
    def advance(self) -> Token:
        tok = self.tok
        self.tok = self.lx.next()
        return tok

    def at_word(self, *words: str) -> bool:
        return self.tok.kind == "IDENT" and str(self.tok.value).lower() in words

    def at_sym(self, *syms: str) -> bool:
        return self.tok.kind == "SYMBOL" and self.tok.value in syms

    def fail(self, expected: str, tok: Token | None = None, problem: str = "", hint: str = ""):
        tok = tok or self.tok
        problem = problem or f"expected {expected}, got {tok.describe()}"
        return InsightsSyntaxError(problem, self.text, tok.start, expected, hint)

    def fail_at(self, node: A.Expr, problem: str, expected: str = "", hint: str = ""):
        return InsightsSyntaxError(problem, self.text, node.start, expected, hint)

    def expect_sym(self, sym: str, expected: str) -> Token:
        if not self.at_sym(sym):
            raise self.fail(expected)
        return self.advance()

    def span(self, start: int, end: int) -> str:
        return self.text[start:end]

    # -- query and commands -------------------------------------------------------
    def query(self) -> A.Query:
        if self.tok.kind == "EOF":
            raise self.fail(
                "a command (" + ", ".join(COMMANDS) + ")",
                problem="the query is empty: expected a command (" + ", ".join(COMMANDS) + ")",
            )
        self._seen: list[A.Command] = []
        commands = [self.command()]
        self._seen.append(commands[-1])
        while self.at_sym("|"):
            self.advance()
            commands.append(self.command())
            self._seen.append(commands[-1])
        if self.tok.kind != "EOF":
            raise self.fail(
                "'|' and the next command, or the end of the query",
                hint="Commands are separated by '|'; string values need quotes.",
            )
        return A.Query(tuple(commands), self.text, tuple(sorted(self.lx.normalised)))

    def command(self) -> A.Command:
        tok = self.tok
        if tok.kind != "IDENT":
            raise self.fail("a command (" + ", ".join(COMMANDS) + ")")
        word = str(tok.value).lower()
        if word in UNSUPPORTED_COMMANDS:
            raise self.fail(
                "",
                problem=f"'{tok.text}' cannot run outside CloudWatch: it {UNSUPPORTED_COMMANDS[word]}",
                hint="flownb runs " + ", ".join(COMMANDS) + " locally (flownb/insights/SUPPORT.md); "
                "run this query in CloudWatch (flownb.query_cloudwatch) instead.",
            )
        if word not in COMMANDS:
            close = difflib.get_close_matches(word, COMMANDS, n=1)
            hint = f"Did you mean '{close[0]}'?" if close else ""
            raise self.fail(
                "a command (" + ", ".join(COMMANDS) + ")",
                problem=f"unknown command '{tok.text}'; expected one of " + ", ".join(COMMANDS),
                hint=hint,
            )
        self.advance()
        cmd = getattr(self, "cmd_" + word)(tok)
        return cmd

    def items(self, what: str, allow_alias: bool = True) -> tuple[A.Item, ...]:
        out = [self.item(what, allow_alias)]
        while self.at_sym(","):
            self.advance()
            out.append(self.item(what, allow_alias))
        return tuple(out)

    def item(self, what: str, allow_alias: bool = True) -> A.Item:
        if self.tok.kind == "EOF" or self.at_sym("|", ","):
            raise self.fail(what)
        expr = self.expr()
        alias = None
        if allow_alias and self.at_word("as"):
            self.advance()
            alias = self.name("a name after 'as'")
        return A.Item(expr, alias)

    def name(self, expected: str) -> str:
        if self.tok.kind in ("IDENT", "FIELD"):
            return str(self.advance().value)
        raise self.fail(expected)

    def cmd_fields(self, tok: Token) -> A.Command:
        items = self.items("a field or an expression after 'fields'")
        self.check_scalar(items)
        return A.Fields(tok.start, self.tok.start, "fields", items)

    def cmd_display(self, tok: Token) -> A.Command:
        items = self.items("a field after 'display'")
        self.check_scalar(items)
        return A.Display(tok.start, self.tok.start, "display", items)

    def cmd_filter(self, tok: Token) -> A.Command:
        if self.tok.kind == "EOF" or self.at_sym("|"):
            raise self.fail("a condition after 'filter'")
        cond = self.expr()
        self.check_scalar([A.Item(cond)])
        return A.Filter(tok.start, self.tok.start, "filter", cond)

    def cmd_stats(self, tok: Token) -> A.Command:
        self.stats_seen += 1
        if self.stats_seen > 2:
            raise self.fail("", tok, problem="a query can have at most two stats commands (as in CloudWatch)")
        aggs = self.items("an aggregation such as count(*) after 'stats'")
        for item in aggs:
            self.check_aggregate(item.expr, inside=False)
            if not any(isinstance(n, A.Call) and n.name in AGGREGATIONS for n in A.walk(item.expr)):
                raise self.fail_at(
                    item.expr,
                    f"'{item.expr.text}' is not an aggregation",
                    "an aggregation function",
                    hint="stats needs functions such as count(*), sum(bytes), avg(packets), pct(bytes, 95).",
                )
        by: tuple[A.Item, ...] = ()
        if self.at_word("by"):
            self.advance()
            by = self.items("a field or an expression after 'by'")
            self.check_scalar(by)
        return A.Stats(tok.start, self.tok.start, "stats", aggs, by)

    def cmd_sort(self, tok: Token) -> A.Command:
        keys = []
        while True:
            if self.tok.kind == "EOF" or self.at_sym("|", ","):
                raise self.fail("a field to sort by")
            expr = self.expr()
            desc = False
            if self.at_word("asc", "desc"):
                desc = str(self.advance().value).lower() == "desc"
            keys.append(A.SortKey(expr, desc))
            if not self.at_sym(","):
                break
            self.advance()
        self.check_scalar([A.Item(k.expr) for k in keys])
        return A.Sort(tok.start, self.tok.start, "sort", tuple(keys))

    def cmd_limit(self, tok: Token) -> A.Command:
        any_ = False
        if self.at_word("any"):
            self.advance()
            any_ = True
        if self.tok.kind != "NUMBER" or not isinstance(self.tok.value, int) or self.tok.value < 1:
            raise self.fail("a whole number of rows (1 or more) after 'limit" + (" any'" if any_ else "'"))
        if int(self.tok.value) > MAX_LIMIT:  # type: ignore[arg-type]
            raise self.fail(
                "",
                problem=f"limit takes at most {MAX_LIMIT:,} rows, got {int(self.tok.value):,}",  # type: ignore[arg-type]
                hint="CloudWatch Logs User Guide, 'limit': you can specify a limit value of up to 100,000.",
            )
        n = int(self.advance().value)  # type: ignore[arg-type]
        return A.Limit(tok.start, self.tok.start, "limit", n, any_)

    def word(self, expected: str) -> Token:
        """A plain name (not a keyword): a field, a table or an option name."""
        if self.tok.kind in ("IDENT", "FIELD") and not (
            self.tok.kind == "IDENT" and self.at_word(*_KEYWORDS)
        ):
            return self.advance()
        raise self.fail(expected)

    def cmd_unnest(self, tok: Token) -> A.Command:
        if self.tok.kind == "EOF" or self.at_sym("|"):
            raise self.fail("a field holding a list after 'unnest'")
        source = self.primary()
        self.check_scalar([A.Item(source)])
        if not self.at_word("into"):
            raise self.fail("'into' and a name for each element", hint="unnest field into unnested_field")
        self.advance()
        name = self.name("a field name after 'into'")
        return A.Unnest(tok.start, self.tok.start, "unnest", source, name)

    def cmd_filldown(self, tok: Token) -> A.Command:
        patterns: list[str] = []
        while not (self.tok.kind == "EOF" or self.at_sym("|")):
            if self.at_sym(",") and patterns:
                self.advance()
                continue
            if self.at_sym("*"):
                star = self.advance()
                text = "*"
                end = star.end
            else:
                t = self.word("a field name or a wildcard pattern such as cpu* after 'filldown'")
                text, end = str(t.value), t.end
            while self.tok.start == end and (self.at_sym("*") or self.tok.kind == "IDENT"):
                t = self.advance()  # cpu*, *_bytes, a*b: the pieces of one pattern, written without spaces
                text += str(t.value) if t.kind == "IDENT" else "*"
                end = t.end
            patterns.append(text)
        return A.Filldown(tok.start, self.tok.start, "filldown", tuple(patterns))

    def cmd_fillmissing(self, tok: Token) -> A.Command:
        values: list[tuple[str, A.Expr]] = []
        if self.at_word("with"):
            self.advance()
            while True:
                if self.tok.kind == "EOF" or self.at_sym("|", ","):
                    raise self.fail("a value after 'with' (fillmissing with 0 for field)")
                value = self.additive()
                if not isinstance(value, A.Literal):
                    raise self.fail_at(
                        value, f"'{value.text}' is not a value: fillmissing fills in constants"
                    )
                if not self.at_word("for"):
                    raise self.fail("'for' and the field to fill", hint="fillmissing with 0 for avg_latency")
                self.advance()
                values.append((self.name("a field name after 'for'"), value))
                if not self.at_sym(","):
                    break
                self.advance()
        elif not (self.tok.kind == "EOF" or self.at_sym("|")):
            raise self.fail("'with', '|' or the end of the query after 'fillmissing'")
        return A.Fillmissing(tok.start, self.tok.start, "fillmissing", tuple(values))

    def cmd_addtotals(self, tok: Token) -> A.Command:
        opts: dict[str, object] = {"fieldname": "Total", "row": True, "col": False}
        fields: list[str] = []
        while not (self.tok.kind == "EOF" or self.at_sym("|")):
            if self.at_sym(",") and fields:
                self.advance()
                continue
            t = self.word("an option (fieldname=, row=, col=) or a field name after 'addtotals'")
            key = str(t.value)
            if key.lower() in opts and self.at_sym("="):
                self.advance()
                v = self.word(f"a value after '{key}='")
                if key.lower() == "fieldname":
                    opts["fieldname"] = str(v.value)
                elif str(v.value).lower() in ("true", "false"):
                    opts[key.lower()] = str(v.value).lower() == "true"
                else:
                    raise self.fail("", v, problem=f"{key}= takes true or false, got '{v.text}'")
                continue
            fields.append(key)
        return A.Addtotals(
            tok.start, self.tok.start, "addtotals", str(opts["fieldname"]), bool(opts["row"]),
            bool(opts["col"]), tuple(fields),
        )  # fmt: skip

    def cmd_lookup(self, tok: Token) -> A.Command:
        table = self.word("the name of a lookup table after 'lookup'")
        keys: list[tuple[str, str]] = []
        while True:
            lookup_field = self.word("a field of the lookup table to match on")
            if not self.at_word("as"):
                raise self.fail(
                    "'as' and the log field it matches",
                    hint="lookup table lookupField as logField OUTPUT outputField, ...",
                )
            self.advance()
            keys.append((str(lookup_field.value), self.name("the log field to match after 'as'")))
            if not self.at_sym(","):
                break
            self.advance()
        if not (self.tok.kind == "IDENT" and str(self.tok.value).upper() == "OUTPUT"):
            raise self.fail("'OUTPUT' and the lookup table fields to add to the results")
        self.advance()
        outputs = [str(self.word("a lookup table field after 'OUTPUT'").value)]
        while self.at_sym(","):
            self.advance()
            outputs.append(str(self.word("a lookup table field").value))
        return A.Lookup(tok.start, self.tok.start, "lookup", str(table.value), tuple(keys), tuple(outputs))

    def cmd_diff(self, tok: Token) -> A.Command:
        modifier = ""
        if self.tok.kind == "IDENT" and not (self.tok.kind == "EOF" or self.at_sym("|")):
            word = str(self.tok.value)
            match = [m for m in DIFF_MODIFIERS if m.lower() == word.lower()]
            if not match:
                raise self.fail(
                    "",
                    problem=f"unknown diff modifier '{word}'; expected one of " + ", ".join(DIFF_MODIFIERS),
                )
            self.advance()
            modifier = match[0]
        if any(isinstance(c, A.Diff) for c in getattr(self, "_seen", ())):
            raise self.fail("", tok, problem="a query can have one diff or logcompare command")
        return A.Diff(tok.start, self.tok.start, "diff", modifier)

    def cmd_logcompare(self, tok: Token) -> A.Command:
        if not self.at_word("timeshift"):
            raise self.fail("'timeshift' and a duration such as 7d after 'logcompare'")
        self.advance()
        if self.tok.kind != "DURATION":
            raise self.fail("a duration such as 1h or 7d after 'timeshift'")
        amount, unit = self.advance().value  # type: ignore[misc]
        if amount <= 0 or unit == "ms":
            raise self.fail("", problem="timeshift needs a positive duration of a second or more")
        if any(isinstance(c, A.Diff) for c in getattr(self, "_seen", ())):
            raise self.fail("", tok, problem="a query can have one diff or logcompare command")
        return A.Diff(tok.start, self.tok.start, "logcompare", "timeshift", (amount, unit))

    def cmd_dedup(self, tok: Token) -> A.Command:
        fields = []
        while True:
            if self.tok.kind not in ("IDENT", "FIELD") or self.at_word(*_KEYWORDS):
                raise self.fail("a field name after 'dedup'")
            t = self.advance()
            fields.append(A.Field(t.start, t.end, t.text, str(t.value)))
            if not self.at_sym(","):
                break
            self.advance()
        return A.Dedup(tok.start, self.tok.start, "dedup", tuple(fields))

    def cmd_parse(self, tok: Token) -> A.Command:
        source: A.Expr | None = None
        if not (self.tok.kind == "STRING" or self.at_sym("/")):
            if self.tok.kind == "EOF" or self.at_sym("|"):
                raise self.fail("a field and a pattern after 'parse'")
            source = self.primary()
            if isinstance(source, A.Field) and source.name.lower() == "logfmt" and self.at_word("as"):
                return self.parse_logfmt(tok, None)  # ``parse logfmt as m``: the mode, on @message
            if isinstance(source, A.Field) and source.name.lower() == "csv" and self.at_word("as"):
                return self.parse_csv(tok, None)  # ``parse csv as a, b``: the mode, on @message
            self.check_scalar([A.Item(source)])
        if self.tok.kind == "IDENT" and str(self.tok.value).lower() == "logfmt":
            self.advance()
            return self.parse_logfmt(tok, source)
        if self.tok.kind == "IDENT" and str(self.tok.value).lower() == "csv":
            self.advance()
            return self.parse_csv(tok, source)
        if self.at_sym("/"):
            rtok = self.lx.regex(self.tok.start)
            self.tok = self.lx.next()
            pattern = str(rtok.text[1:-1])
            py = to_python_regex(pattern)
            self.check_regex(A.Regex(rtok.start, rtok.end, rtok.text, pattern))
            compiled = re.compile(py)
            names = tuple(compiled.groupindex)
            if self.at_word("as"):  # ``parse f /(\\d+)/ as n [multi]``: each capture group takes an alias
                atok = self.advance()
                aliases = [self.name("a field name after 'as'")]
                while self.at_sym(","):
                    self.advance()
                    aliases.append(self.name("a field name"))
                py, groups = _positional_groups(py)
                if groups != len(aliases):
                    raise self.fail(
                        "",
                        atok,
                        problem=f"the regular expression has {groups} capture group"
                        f"{'s' if groups != 1 else ''} but 'as' names {len(aliases)} field"
                        f"{'s' if len(aliases) != 1 else ''}: each group (...) takes one name, in order",
                    )
                names = tuple(aliases)
            if not names:
                raise self.fail(
                    "",
                    rtok,
                    problem="a parse regular expression needs named groups such as (?<user>\\S+) "
                    "or 'as' and a name for each group",
                )
            multi = False
            if self.at_word("multi"):
                self.advance()
                multi = True
            return A.Parse(tok.start, self.tok.start, "parse", source, pattern, True, names, py, multi)
        if self.tok.kind != "STRING":
            raise self.fail("a pattern: a string with * (glob) or a /regular expression/")
        ptok = self.advance()
        pattern = str(ptok.value)
        stars = pattern.count("*")
        if not self.at_word("as"):
            raise self.fail(
                f"'as' and {stars or 'the'} field name{'s' if stars != 1 else ''} for the * in the pattern"
            )
        self.advance()
        names = [self.name("a field name after 'as'")]
        while self.at_sym(","):
            self.advance()
            names.append(self.name("a field name"))
        if stars == 0 or stars != len(names):
            raise self.fail(
                "",
                ptok,
                problem=f"the pattern has {stars} '*' but 'as' names {len(names)} field"
                f"{'s' if len(names) != 1 else ''}: each * needs one name",
            )
        parts = pattern.split("*")
        regex = re.escape(parts[0])
        for i, part in enumerate(parts[1:]):
            last = i == len(parts) - 2
            regex += f"(?P<_g{i}>{'.*' if last else '.*?'})" + re.escape(part)
        return A.Parse(tok.start, self.tok.start, "parse", source, pattern, False, tuple(names), regex)

    def parse_logfmt(self, tok: Token, source: A.Expr | None) -> A.Command:
        """``parse [field] logfmt as m`` (the guide's "parse" page, logfmt mode): one MAP named ``m``."""
        if not self.at_word("as"):
            raise self.fail("'as' and a name for the map after 'logfmt'")
        self.advance()
        name = self.name("a name for the map after 'as'")
        if self.at_sym(","):
            raise self.fail(
                "'|' or the end of the query", problem="logfmt mode makes one map: 'as' takes one name"
            )
        return A.Parse(
            tok.start, self.tok.start, "parse", source, "logfmt", False, (name,), "", False, "logfmt"
        )

    def parse_csv(self, tok: Token, source: A.Expr | None) -> A.Command:
        """``parse [field] csv as a, b, c`` (the guide's "parse" page, CSV mode): one field per value."""
        if not self.at_word("as"):
            raise self.fail("'as' and a name for each comma-separated value after 'csv'")
        self.advance()
        names = [self.name("a field name after 'as'")]
        while self.at_sym(","):
            self.advance()
            names.append(self.name("a field name"))
        return A.Parse(
            tok.start, self.tok.start, "parse", source, "csv", False, tuple(names), "", False, "csv"
        )

    def cmd_json(self, tok: Token) -> A.Command:
        """``json field=name "key.subkey" as alias`` (the guide's "parse" page, JSON field extraction)."""
        if not self.at_word("field"):
            raise self.fail(
                "'field=' and the field holding JSON", hint='json field=payload "user.name" as username'
            )
        self.advance()
        if not self.at_sym("="):
            raise self.fail("'=' after 'field'")
        self.advance()
        if self.tok.kind not in ("IDENT", "FIELD"):
            raise self.fail("the name of the field holding JSON after 'field='")
        ftok = self.advance()
        source = A.Field(ftok.start, ftok.end, ftok.text, str(ftok.value))
        if self.tok.kind != "STRING":
            raise self.fail('the key path to extract, as a string ("user.name")')
        ptok = self.advance()
        path = str(ptok.value)
        if not path or any(not part for part in path.split(".")):
            raise self.fail(
                "", ptok, problem=f"the key path {path!r} has an empty key: write keys joined by '.'"
            )
        if not self.at_word("as"):
            raise self.fail("'as' and a name for the extracted value")
        self.advance()
        name = self.name("a field name after 'as'")
        return A.JsonField(tok.start, self.tok.start, "json", source, tuple(path.split(".")), name)

    # -- checks -----------------------------------------------------------------------
    def check_scalar(self, items) -> None:
        for item in items:
            for node in A.walk(item.expr):
                if isinstance(node, A.Call) and node.name in AGGREGATIONS and not self.stats_seen:
                    raise self.fail_at(
                        node,
                        f"the aggregation {node.text} can only be used in stats",
                        hint="Aggregations (count, sum, avg, ...) belong in a stats command.",
                    )
                if isinstance(node, A.Star) and not self.stats_seen:
                    raise self.fail_at(node, "'*' can only be used in count(*)", "a field or a value")

    def check_aggregate(self, node: A.Expr, inside: bool) -> None:
        if isinstance(node, A.Call) and node.name in AGGREGATIONS:
            if inside:
                raise self.fail_at(node, f"aggregations cannot be nested: {node.text}")
            for arg in node.args:
                self.check_aggregate(arg, inside=True)
            return
        if isinstance(node, A.Field) and not inside:
            raise self.fail_at(
                node,
                f"'{node.text}' must be inside an aggregation function in stats, or after 'by'",
                hint=f"For example sum({node.text}), or stats ... by {node.text}.",
            )
        for child in _children(node):
            self.check_aggregate(child, inside)

    # -- expressions ---------------------------------------------------------------------
    def expr(self) -> A.Expr:
        left = self.and_expr()
        while self.at_word("or"):
            self.advance()
            right = self.and_expr()
            left = A.Binary(left.start, right.end, self.span(left.start, right.end), "or", left, right)
        return left

    def and_expr(self) -> A.Expr:
        left = self.not_expr()
        while self.at_word("and"):
            self.advance()
            right = self.not_expr()
            left = A.Binary(left.start, right.end, self.span(left.start, right.end), "and", left, right)
        return left

    def not_expr(self) -> A.Expr:
        if self.at_word("not") or self.at_sym("!"):
            tok = self.advance()
            operand = self.not_expr()
            return A.Not(tok.start, operand.end, self.span(tok.start, operand.end), operand)
        return self.comparison()

    def comparison(self) -> A.Expr:
        left = self.additive()
        if self.tok.kind == "SYMBOL" and self.tok.value in _COMPARE:
            op = _COMPARE[str(self.advance().value)]
            right = self.additive()
            return A.Binary(left.start, right.end, self.span(left.start, right.end), op, left, right)
        negated = False
        if self.at_word("not"):
            negated = True
            self.advance()
            if not self.at_word("like", "in"):
                raise self.fail("'like' or 'in' after 'not'")
        if self.at_word("like") or (not negated and self.at_sym("=~")):
            is_tilde = self.at_sym("=~")
            self.advance()
            pattern = self.pattern(
                "a string or a /regular expression/ after " + ("'=~'" if is_tilde else "'like'")
            )
            if is_tilde and isinstance(pattern, A.Literal):
                pattern = self.as_regex(pattern)
            end = pattern.end
            return A.Like(left.start, end, self.span(left.start, end), left, pattern, negated)
        if self.at_word("in"):
            self.advance()
            self.expect_sym("[", "'[' and a list of values after 'in'")
            items = []
            if not self.at_sym("]"):
                items.append(self.additive())
                while self.at_sym(","):
                    self.advance()
                    items.append(self.additive())
            close = self.expect_sym("]", "',' or ']' to close the list")
            for item in items:
                if not isinstance(item, A.Literal | A.Unary):
                    raise self.fail_at(item, f"'{item.text}' is not a value: 'in' takes a list of values")
            return A.InList(
                left.start, close.end, self.span(left.start, close.end), left, tuple(items), negated
            )
        return left

    def as_regex(self, lit: A.Literal) -> A.Regex:
        node = A.Regex(lit.start, lit.end, lit.text, str(lit.value))
        self.check_regex(node)
        return node

    def check_regex(self, node: A.Regex) -> None:
        try:
            re.compile(to_python_regex(node.pattern))
        except re.error as exc:
            # the caret goes under the character the regex engine stopped at (1 for the opening / or quote)
            pos = exc.pos or 0
            converted = to_python_regex(node.pattern)
            pos -= converted[:pos].count("(?P<") - node.pattern[:pos].count("(?P<")  # undo (?< -> (?P<
            offset = node.start + 1 + max(pos, 0)
            raise InsightsSyntaxError(
                f"this regular expression is not valid: {exc.msg}",
                self.text,
                offset,
                "a valid regular expression",
            ) from None

    def pattern(self, expected: str) -> A.Literal | A.Regex:
        if self.at_sym("/"):
            rtok = self.lx.regex(self.tok.start)
            self.tok = self.lx.next()
            node = A.Regex(rtok.start, rtok.end, rtok.text, rtok.text[1:-1])
        elif self.tok.kind == "STRING":
            tok = self.advance()
            return A.Literal(tok.start, tok.end, tok.text, str(tok.value))
        else:
            raise self.fail(expected)
        self.check_regex(node)
        return node

    def additive(self) -> A.Expr:
        left = self.product()
        while self.at_sym("+", "-"):
            op = str(self.advance().value)
            right = self.product()
            left = A.Binary(left.start, right.end, self.span(left.start, right.end), op, left, right)
        return left

    def product(self) -> A.Expr:
        left = self.power()
        while self.at_sym("*", "/", "%"):
            op = str(self.advance().value)
            right = self.power()
            left = A.Binary(left.start, right.end, self.span(left.start, right.end), op, left, right)
        return left

    def power(self) -> A.Expr:
        base = self.unary()
        if self.at_sym("^"):
            self.advance()
            exp = self.power()
            return A.Binary(base.start, exp.end, self.span(base.start, exp.end), "^", base, exp)
        return base

    def unary(self) -> A.Expr:
        if self.at_sym("-"):
            tok = self.advance()
            operand = self.unary()
            if isinstance(operand, A.Literal) and isinstance(operand.value, int | float):
                return A.Literal(tok.start, operand.end, self.span(tok.start, operand.end), -operand.value)
            return A.Unary(tok.start, operand.end, self.span(tok.start, operand.end), "-", operand)
        return self.primary()

    def primary(self) -> A.Expr:
        tok = self.tok
        if tok.kind in ("NUMBER", "STRING"):
            self.advance()
            return A.Literal(tok.start, tok.end, tok.text, tok.value)  # type: ignore[arg-type]
        if tok.kind == "DURATION":
            self.advance()
            amount, unit = tok.value  # type: ignore[misc]
            return A.Duration(tok.start, tok.end, tok.text, amount, unit)
        return self.postfix(self.atom())

    def postfix(self, node: A.Expr) -> A.Expr:
        """``list[0]``, ``map["key"]``: element access on a LIST or MAP (CloudWatch's structure types)."""
        while self.at_sym("[") and self.tok.start == node.end:
            self.advance()
            index = self.expr()
            close = self.expect_sym("]", "']' to close the index")
            node = A.Index(node.start, close.end, self.span(node.start, close.end), node, index)
        return node

    def atom(self) -> A.Expr:
        tok = self.tok
        if tok.kind == "FIELD":
            self.advance()
            return A.Field(tok.start, tok.end, tok.text, str(tok.value))
        if self.at_sym("("):
            self.advance()
            inner = self.expr()
            close = self.expect_sym(")", "')' to close the parenthesis")
            # keep the parentheses in the text (column names), the node otherwise unchanged
            return _with_span(inner, tok.start, close.end, self.span(tok.start, close.end))
        if tok.kind == "IDENT":
            word = str(tok.value)
            if word.lower() in _KEYWORDS:
                raise self.fail(
                    "a field or a value", problem=f"expected a field or a value, got the keyword '{word}'"
                )
            self.advance()
            if self.at_sym("("):
                return self.call(tok)
            return A.Field(tok.start, tok.end, tok.text, word)
        raise self.fail("a field or a value")

    def call(self, name_tok: Token) -> A.Expr:
        sig = lookup(str(name_tok.value))
        if sig is None:
            known = [s.name for s in (*FUNCTIONS.values(), *AGGREGATIONS.values())]
            close = difflib.get_close_matches(str(name_tok.value), known, n=1, cutoff=0.6)
            close = close or [k for k in known if k.lower() == str(name_tok.value).lower()]
            raise self.fail(
                "",
                name_tok,
                problem=f"unknown function '{name_tok.text}'",
                hint=f"Did you mean {close[0]}()?"
                if close
                else "See flownb.insights.FUNCTIONS for the list.",
            )
        self.advance()  # (
        args: list[A.Expr] = []
        if self.at_sym("*") and sig.name == "count":
            star = self.advance()
            args.append(A.Star(star.start, star.end, "*"))
        elif not self.at_sym(")"):
            args.append(self.expr())
            while self.at_sym(","):
                self.advance()
                args.append(self.expr())
        close = self.expect_sym(")", f"',' or ')' in the arguments of {sig.name}()")
        node = A.Call(
            name_tok.start, close.end, self.span(name_tok.start, close.end), sig.name.lower(), tuple(args)
        )
        self.check_call(node, sig, close)
        return node

    def check_call(self, node: A.Call, sig, close: Token) -> None:
        n = len(node.args)
        if n < sig.min_args or (sig.max_args is not None and n > sig.max_args):
            want = (
                f"{sig.min_args}"
                if sig.min_args == sig.max_args
                else f"at least {sig.min_args}"
                if sig.max_args is None
                else f"{sig.min_args} to {sig.max_args}"
            )
            raise self.fail(
                "",
                close if n < sig.min_args else self.tok,
                problem=f"{sig.name}() takes {want} argument{'s' if want != '1' else ''}, got {n}",
                hint=sig.help,
            )
        for i, arg in enumerate(node.args):
            if isinstance(arg, A.Duration) and i != sig.duration_arg:
                raise self.fail_at(
                    arg,
                    f"a duration such as {arg.text} is only allowed as the period of bin(), datefloor() or dateceil()",
                )
        if sig.duration_arg is not None and sig.duration_arg < n:
            arg = node.args[sig.duration_arg]
            if not isinstance(arg, A.Duration) or arg.amount <= 0:
                raise self.fail_at(
                    arg, f"{sig.name}() needs a period such as 5m or 1h, got '{arg.text}'", "a duration"
                )
        if sig.number_arg is not None:
            arg = node.args[sig.number_arg]
            if (
                not (isinstance(arg, A.Literal) and isinstance(arg.value, int | float))
                or not 0 <= arg.value <= 100
            ):
                raise self.fail_at(
                    arg, f"{sig.name}() needs a percentile between 0 and 100, got '{arg.text}'"
                )
        if sig.subnet_arg is not None:
            arg = node.args[sig.subnet_arg]
            if isinstance(arg, A.Literal):
                try:
                    net = ipaddress.ip_network(str(arg.value), strict=False)
                except ValueError:
                    raise self.fail_at(
                        arg, f'{arg.text} is not a subnet in CIDR notation (such as "10.0.0.0/8")'
                    ) from None
                if sig.family and net.version != sig.family:
                    raise self.fail_at(arg, f"{sig.name}() needs an IPv{sig.family} subnet, got {arg.text}")


def _children(node: A.Expr):
    if isinstance(node, A.Call):
        return node.args
    if isinstance(node, A.Unary | A.Not):
        return (node.operand,)
    if isinstance(node, A.Binary):
        return (node.left, node.right)
    if isinstance(node, A.Like):
        return (node.operand,)
    if isinstance(node, A.InList):
        return (node.operand, *node.items)
    if isinstance(node, A.Index):
        return (node.operand, node.index)
    return ()


def _with_span(node: A.Expr, start: int, end: int, text: str) -> A.Expr:
    from dataclasses import replace

    return replace(node, start=start, end=end, text=text)
