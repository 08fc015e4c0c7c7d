"""CloudWatch Logs filter patterns: parse them, and match them against flow log events.

The syntax is the one the CloudWatch Logs User Guide documents in "Filter
pattern syntax for metric filters, subscription filters, filter log events and
Live Tail" (and, in older editions, "Filter and Pattern Syntax"), the parts that
apply to flow log records, which are space-delimited text:

* **term patterns**: ``REJECT``; several terms must all appear
  (``ERROR Exception``); ``?a ?b`` matches events with either; ``-term``
  excludes; terms with characters other than letters, digits and ``_`` go in
  double quotes (``"10.0.0.1"``, ``"Failed to process"``, a phrase). Matching
  is case sensitive and a term matches anywhere in the message (the guide's
  example: ``ERROR`` matches ``Exiting with ERRORCODE: -1``). An empty pattern
  or ``" "`` matches every event.
* **regular expressions** between percent signs, ``%REJECT|NODATA%``, alone or
  as a value in a space-delimited pattern. The guide allows letters, digits,
  the symbols ``: _ # = @ / ; , -`` and space, and the operators
  ``^ $ ? [ ] { } | \\ * + .``; parentheses are not supported, and a pattern
  holds at most two regular expressions.
* **space-delimited patterns**: ``[version, account, eni, source, destination,
  srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend,
  action="REJECT", flowlogstatus]``. Each slot names one space-separated field
  of the event; ``...`` stands for any number of fields; an empty slot is an
  unnamed field. A slot may carry conditions: ``=`` and ``!=`` on text (with
  ``*`` as a wildcard at the start and/or end: ``4*``, ``*html*``) or numbers,
  ``< <= > >=`` on numbers, and several conditions joined by ``&&`` and ``||``
  (``&&`` binds tighter; parentheses group). Without ``...``, an event with
  more fields than the pattern has slots matches with its last slot taking
  the rest of the event, and one with fewer fields does not match. Source:
  the current guide's "Using filter patterns to match terms in
  space-delimited log events": ``[w1=ERROR, w2]`` returns the event ``ERROR
  09/25/2014 12:00:02 Failed to process request`` (six fields), and the guide
  says to "include a blank w2 indicator after the w1 term", which is needed
  only because the last slot holds the rest. Field names are case sensitive:
  the guide's older copy wrote ``[w1=ERROR || W1=WARNING, w2]``, the current
  page ``[w1=ERROR || w1=WARNING, w2]``, so ``W1`` is refused as an unknown
  field with a message that says so.

* **JSON patterns** ``{ $.eventType = "UpdateTrail" }``: property selectors
  ``$.a.b`` and ``$.list[0]``, ``= != < <= > >=``, ``*`` wildcards in strings
  and numbers, ``IS NULL``/``IS TRUE``/``IS FALSE``, ``NOT EXISTS``, ``&&`` and
  ``||`` with parentheses. They match JSON log events (:func:`try_pattern`, or
  a MetricFilter given ``message`` events); flow log records are not JSON, so
  a JSON pattern matches none of them, as in CloudWatch.
* **Log events given as text** (the lessons, other log groups): characters
  between ``[]`` and between ``""`` are one field of a space-delimited event,
  so an Apache access log line has 7 fields.

Limits (the guide's "Supported regular expressions (regex) syntax" and
quotas): the characters a regex may hold, no parentheses, no multi-byte
characters, at most 2 regular expressions in one pattern and at most 5
patterns with a regular expression per log group
(:func:`check_regex_quota`), each refused with the limit named.

flownb's own readings, where the guide is silent, are marked "flownb:" below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._events import EventView

__all__ = ["FilterPatternError", "Pattern", "TextEvents", "parse_pattern", "split_fields", "text_views"]


class FilterPatternError(ValueError):
    """A filter pattern that CloudWatch Logs would not accept.

    The message names the position (0-based), shows the pattern with a caret
    under it and says what was expected there.

    Attributes
    ----------
    pattern : str
    position : int
    reason : str

    Examples
    --------
    >>> from flownb import monitoring
    >>> try:
    ...     monitoring.try_pattern("[version, account", "2 123456789010 eni-1235b8ca123456789")
    ... except monitoring.FilterPatternError as e:
    ...     print(e.position, e.reason)
    ...     print(e)
    17 unclosed '[': expected ',' or ']'
    unclosed '[': expected ',' or ']' (filter pattern, position 17):
      [version, account
                       ^
    """

    def __init__(self, pattern: str, position: int, reason: str):
        self.pattern = pattern
        self.position = position
        self.reason = reason
        super().__init__(f"{reason} (filter pattern, position {position}):\n  {pattern}\n  {' ' * position}^")


# --------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Value:
    """A condition's right-hand side."""

    kind: str  # "text", "number", "glob", "regex", "any"
    text: str
    number: float | None = None
    regex: re.Pattern | None = None


@dataclass(frozen=True)
class Cmp:
    name: str
    op: str
    value: Value
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # "&&" or "||"
    items: tuple


@dataclass(frozen=True)
class Slot:
    name: str | None  # None: unnamed field
    cond: object | None  # Cmp | BoolOp | None
    ellipsis: bool = False
    pos: int = 0


@dataclass(frozen=True)
class Term:
    text: str
    mode: str  # "and", "or", "not"
    regex: re.Pattern | None = None


@dataclass(frozen=True)
class Pattern:
    """A parsed filter pattern.

    ``kind`` is ``"all"`` (matches every event), ``"terms"``, ``"regex"`` or
    ``"delimited"``.
    """

    source: str
    kind: str
    terms: tuple[Term, ...] = ()
    slots: tuple[Slot, ...] = ()
    regex: re.Pattern | None = None
    json: object | None = None  # JsonCmp | JsonIs | JsonNotExists | BoolOp, for kind "json"

    @property
    def n_regex(self) -> int:
        """How many regular expressions the pattern holds (the guide's quotas count them)."""
        return self.source.count("%") // 2

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the space-delimited pattern's named slots, in order."""
        return tuple(s.name for s in self.slots if s.name)

    def slot_index(self, name: str) -> int | None:
        for i, s in enumerate(self.slots):
            if s.name == name:
                return i
        return None

    # ----------------------------------------------------------- matching

    def field_positions(self, n_tokens: int) -> dict[int, int] | None:
        """Map slot index -> token index for events of ``n_tokens`` fields; None when they cannot match."""
        slots = self.slots
        ell = [i for i, s in enumerate(slots) if s.ellipsis]
        if not ell:
            if len(slots) != n_tokens:
                return None
            return {i: i for i in range(len(slots))}
        e = ell[0]
        after = len(slots) - e - 1
        if e + after > n_tokens:
            return None
        out = {i: i for i in range(e)}
        out.update({e + 1 + j: n_tokens - after + j for j in range(after)})
        return out

    def fit(self, view: EventView) -> EventView:
        """``view`` with the fields past the last slot joined into it, for a pattern without ``...``.

        The guide's rule (module docstring): the last slot of a space-delimited
        pattern takes the rest of an event that has more fields than the pattern.
        """
        k = len(self.slots)
        if self.kind != "delimited" or not k or any(s.ellipsis for s in self.slots) or view.n_tokens <= k:
            return view
        if isinstance(view, TextEvents):
            return view
        parts = [view.token(i) for i in range(k - 1, view.n_tokens)]
        rest = pc.cast(pc.binary_join_element_wise(*parts, " "), pa.string())
        df = view.df.assign(__rest__=pd.array(rest, dtype="string"))
        fitted = EventView(df, [*view.columns[: k - 1], "__rest__"])
        fitted._text["__rest__"] = rest
        return fitted

    def token_of(self, view: EventView, ref: str) -> int | None:
        """Token index for a field reference (``name`` or a 1-based ``$N`` number as text)."""
        if ref.isdigit():
            k = int(ref) - 1
            return k if 0 <= k < view.n_tokens else None
        positions = self.field_positions(view.n_tokens)
        idx = self.slot_index(ref)
        if positions is None or idx is None:
            return None
        return positions.get(idx)

    def match(self, view: EventView) -> np.ndarray:
        """Boolean array: which events of ``view`` the pattern matches."""
        n = len(view.df)
        if self.kind == "all":
            return np.ones(n, dtype=bool)
        if self.kind == "json":
            docs = getattr(view, "docs", None)
            if docs is None:  # flow log records are space-delimited text, never JSON
                return np.zeros(n, dtype=bool)
            return np.fromiter((_json_eval(self.json, d) for d in docs), dtype=bool, count=n)
        if self.kind == "regex":
            assert self.regex is not None
            return _bool(pc.match_substring_regex(view.text(), self.regex.pattern))
        if self.kind == "terms":
            if isinstance(view, TextEvents):
                return view.match_terms(self.terms)
            out = np.ones(n, dtype=bool)
            any_of = np.zeros(n, dtype=bool)
            has_or = False
            for t in self.terms:
                if t.regex is not None:
                    hit = _bool(pc.match_substring_regex(view.text(), t.regex.pattern))
                elif " " in t.text or not t.text:
                    hit = _bool(pc.match_substring(view.text(), t.text))
                else:
                    # a term without a space is inside one field: test field by field, per category
                    hit = np.zeros(n, dtype=bool)
                    digits = set(t.text) <= set("0123456789-")
                    for i in range(view.n_tokens):
                        hit |= view.test(
                            i, lambda a, s=t.text: pc.match_substring(a, s), numeric_can_match=digits
                        )
                if t.mode == "and":
                    out &= hit
                elif t.mode == "not":
                    out &= ~hit
                else:
                    has_or = True
                    any_of |= hit
            if has_or:
                out &= any_of
            return out
        positions = self.field_positions(view.n_tokens)
        if positions is None:
            return np.zeros(n, dtype=bool)
        out = np.ones(n, dtype=bool)
        for slot in self.slots:
            if slot.cond is not None:
                out &= self._eval(slot.cond, view, positions)
        return out

    def _eval(self, node, view: EventView, positions: dict[int, int]) -> np.ndarray:
        if isinstance(node, BoolOp):
            parts = [self._eval(x, view, positions) for x in node.items]
            res = parts[0].copy()
            for p in parts[1:]:
                res = (res & p) if node.op == "&&" else (res | p)
            return res
        assert isinstance(node, Cmp)
        tok = positions[self.slot_index(node.name)]  # names are checked when parsing
        return _compare(view, tok, node.op, node.value)


def _bool(s: pd.Series | pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(s, pa.Array | pa.ChunkedArray):
        return pc.fill_null(s, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return s.fillna(False).to_numpy(dtype=bool)


def _compare(view: EventView, tok: int, op: str, value: Value) -> np.ndarray:
    n = len(view.df)
    if op in ("<", "<=", ">", ">="):
        num = view.number(tok)
        assert value.number is not None
        res = {"<": num < value.number, "<=": num <= value.number, ">": num > value.number}.get(
            op, num >= value.number
        )
        return _bool(res)
    # "=" or "!="
    if value.kind == "any":
        hit = np.ones(n, dtype=bool)
    elif value.kind == "number":
        hit = _bool(view.number(tok) == value.number)
    elif value.kind == "regex":
        assert value.regex is not None
        rx = value.regex.pattern
        hit = view.test(tok, lambda a: pc.match_substring_regex(a, rx))
    elif value.kind == "glob":
        core = value.text.strip("*")
        lead, trail = value.text.startswith("*"), value.text.endswith("*")
        if lead and trail:
            hit = view.test(tok, lambda a: pc.match_substring(a, core))
        elif lead:
            hit = view.test(tok, lambda a: pc.ends_with(a, core))
        else:
            hit = view.test(tok, lambda a: pc.starts_with(a, core))
    else:
        hit = view.test(tok, lambda a: pc.equal(a, value.text))
    return hit if op == "=" else ~hit


# --------------------------------------------------------------------------- JSON patterns
# CloudWatch Logs User Guide, filter pattern syntax, "Using filter patterns to match terms in JSON log
# events": { $.selector op value }, selectors $.a.b and $.list[0], && and || with parentheses (() > && > ||),
# IS NULL / IS TRUE / IS FALSE, NOT EXISTS; a selector that points to an array or an object does not match.


@dataclass(frozen=True)
class JsonCmp:
    selector: tuple  # keys (str) and indexes (int) after $
    op: str
    value: Value
    pos: int
    text: str = ""


@dataclass(frozen=True)
class JsonIs:
    selector: tuple
    what: str  # "NULL", "TRUE", "FALSE"
    pos: int


@dataclass(frozen=True)
class JsonNotExists:
    selector: tuple
    pos: int


_MISSING = object()


def _resolve(doc, selector: tuple):
    node = doc
    for key in selector:
        if isinstance(key, int):
            if not isinstance(node, list) or not -len(node) <= key < len(node):
                return _MISSING
            node = node[key]
        else:
            if not isinstance(node, dict) or key not in node:
                return _MISSING
            node = node[key]
    return node


def _scalar_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    import json

    return json.dumps(v)


def _glob(text: str, pattern: str) -> bool:
    if "*" not in pattern:
        return text == pattern
    rx = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, flags=re.S) is not None


def _json_eval(node, doc) -> bool:
    """Whether one parsed JSON event matches (a non-JSON event is None: it never matches)."""
    if doc is None:
        return False
    if isinstance(node, BoolOp):
        parts = (_json_eval(x, doc) for x in node.items)
        return all(parts) if node.op == "&&" else any(parts)
    if isinstance(node, JsonNotExists):
        return _resolve(doc, node.selector) is _MISSING
    v = _resolve(doc, node.selector)
    if v is _MISSING:
        return False
    if isinstance(node, JsonIs):
        return {"NULL": v is None, "TRUE": v is True, "FALSE": v is False}[node.what]
    assert isinstance(node, JsonCmp)
    if isinstance(v, dict | list):  # "If a property selector points to an array or object, [it] won't match"
        return False
    val = node.value
    if node.op in ("<", "<=", ">", ">="):
        if not isinstance(v, int | float) or isinstance(v, bool):
            return False
        assert val.number is not None
        return {"<": v < val.number, "<=": v <= val.number, ">": v > val.number, ">=": v >= val.number}[
            node.op
        ]
    if v is None:
        hit = False
    elif val.kind == "number":
        hit = isinstance(v, int | float) and not isinstance(v, bool) and float(v) == val.number
    elif val.kind == "regex":
        assert val.regex is not None
        hit = val.regex.search(_scalar_text(v)) is not None
    elif val.kind == "any":
        hit = True
    else:
        hit = _glob(_scalar_text(v), val.text)
    return hit if node.op == "=" else not hit


def json_value(doc, selector: tuple):
    """The value at ``selector`` in a parsed event (None when absent, an object or an array)."""
    v = _resolve(doc, selector) if doc is not None else _MISSING
    return None if v is _MISSING or isinstance(v, dict | list) else v


def parse_selector(text: str) -> tuple | None:
    """``$.a.b[0]`` as ("a", "b", 0); None when it is not a JSON property selector."""
    p = _Parser(text)
    try:
        sel = p.selector()
    except FilterPatternError:
        return None
    return sel if p.at_end() else None


# --------------------------------------------------------------------------- log events given as text

#: One field of a space-delimited event: characters between [] or "" are one field (the guide's rule).
_FIELD = re.compile(r"\[([^\]]*)\]|\"([^\"]*)\"|(\S+)")


def split_fields(message: str) -> list[str]:
    """The fields of a space-delimited log event; ``[...]`` and ``"..."`` are one field each.

    Examples
    --------
    >>> split_fields('127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534')
    ['127.0.0.1', 'Prod', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /index.html HTTP/1.0', '404', '1534']
    """
    out = []
    for m in _FIELD.finditer(message):
        out.append(next(g for g in m.groups() if g is not None))
    return out


class TextEvents(EventView):
    """Log events given as their messages (any log group): fields split as the guide defines them."""

    def __init__(self, messages: list[str], fields: list[list[str]] | None = None, docs: list | None = None):
        self.messages = messages
        rows = fields if fields is not None else [split_fields(m) for m in messages]
        width = max((len(r) for r in rows), default=0)
        frame = pd.DataFrame(
            {f"f{i}": pd.array([r[i] if i < len(r) else None for r in rows], dtype="string")
             for i in range(width)},
            index=pd.RangeIndex(len(messages)),
        )  # fmt: skip
        super().__init__(frame, list(frame.columns))
        self.docs = docs

    def text(self) -> pa.Array:
        return pa.array(self.messages, type=pa.string())

    def match_terms(self, terms: tuple[Term, ...]) -> np.ndarray:
        """Term patterns on the whole message (a term matches anywhere in it, case sensitive)."""
        text = self.text()
        n = len(self.messages)
        out = np.ones(n, dtype=bool)
        any_of = np.zeros(n, dtype=bool)
        has_or = False
        for t in terms:
            if t.regex is not None:
                hit = _bool(pc.match_substring_regex(text, t.regex.pattern))
            else:
                hit = _bool(pc.match_substring(text, t.text))
            if t.mode == "and":
                out &= hit
            elif t.mode == "not":
                out &= ~hit
            else:
                has_or = True
                any_of |= hit
        if has_or:
            out &= any_of
        return out


def text_views(messages: list[str], pattern: Pattern) -> list[tuple[np.ndarray, EventView]]:
    """Messages grouped so that a pattern can be matched: by field count (space-delimited), or parsed JSON."""
    n = len(messages)
    if pattern.kind == "json":
        import json

        docs = []
        for m in messages:
            try:
                docs.append(json.loads(m))
            except (ValueError, TypeError, RecursionError):
                docs.append(None)
        return [(np.arange(n), TextEvents(messages, [[] for _ in messages], docs))]
    if pattern.kind != "delimited":
        return [(np.arange(n), TextEvents(messages, [[] for _ in messages]))]
    fields = [split_fields(m) for m in messages]
    k = len(pattern.slots)
    if k and not any(s.ellipsis for s in pattern.slots):  # the last slot takes the rest of the event
        for i, f in enumerate(fields):
            if len(f) > k:
                spans = list(_FIELD.finditer(messages[i]))
                fields[i] = [*f[: k - 1], messages[i][spans[k - 1].start() :].rstrip()]
    counts = np.array([len(f) for f in fields], dtype=np.int64)
    groups = []
    for k in np.unique(counts):
        pos = np.flatnonzero(counts == k)
        groups.append((pos, TextEvents([messages[i] for i in pos], [fields[i] for i in pos])))
    return groups


# --------------------------------------------------------------------------- parsing

_WORD = re.compile(r"[A-Za-z0-9_]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Characters the CloudWatch Logs guide allows inside %regex% ("Supported regular expressions (regex)
# syntax"): letters, digits, the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \ * + .
# Parentheses are not supported, nor are multi-byte characters; a space is not in the list either.
_REGEX_OK = re.compile(r"[A-Za-z0-9:_#=@/;,\-^$?\[\]{}|\\*+.]")
#: At most 2 regular expressions in one space-delimited or JSON filter pattern (the guide's quota).
_MAX_REGEX = 2
#: At most 5 filter patterns that contain a regular expression per log group (metric and subscription
#: filters together; the guide's quota).
MAX_REGEX_PATTERNS_PER_LOG_GROUP = 5


class _Parser:
    def __init__(self, text: str):
        self.src = text
        self.i = 0
        self.n_regex = 0

    def fail(self, reason: str, pos: int | None = None) -> FilterPatternError:
        return FilterPatternError(self.src, self.i if pos is None else pos, reason)

    def skip_ws(self) -> None:
        while self.i < len(self.src) and self.src[self.i].isspace():
            self.i += 1

    def peek(self, k: int = 1) -> str:
        return self.src[self.i : self.i + k]

    def at_end(self) -> bool:
        return self.i >= len(self.src)

    # ---- pieces shared by both forms

    def quoted(self) -> str:
        start = self.i
        assert self.src[self.i] == '"'
        self.i += 1
        out = []
        while self.i < len(self.src):
            c = self.src[self.i]
            if c == "\\" and self.i + 1 < len(self.src):
                out.append(self.src[self.i + 1])
                self.i += 2
                continue
            if c == '"':
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise self.fail('unclosed double quote: expected a closing "', start)

    def regex(self) -> re.Pattern:
        start = self.i
        assert self.src[self.i] == "%"
        end = self.src.find("%", self.i + 1)
        if end < 0:
            raise self.fail("unclosed regular expression: expected a closing %", start)
        body = self.src[self.i + 1 : end]
        if not body:
            raise self.fail("empty regular expression: write something between the % signs", start)
        for k, c in enumerate(body):
            if c in "()":
                raise self.fail(
                    "parentheses are not supported in CloudWatch Logs regular expressions", start + 1 + k
                )
            if len(c.encode("utf-8")) > 1:
                raise self.fail(
                    f"'{c}' is a multi-byte character: CloudWatch Logs regular expressions do not support "
                    "multi-byte characters",
                    start + 1 + k,
                )
            if c == " ":
                raise self.fail(
                    "a space is not among the characters CloudWatch Logs allows in a regular expression "
                    "(letters, digits, : _ # = @ / ; , - and ^ $ ? [ ] { } | \\ * + .): write \\s for white space",
                    start + 1 + k,
                )
            if not _REGEX_OK.match(c):
                raise self.fail(
                    f"'{c}' is not allowed in a CloudWatch Logs regular expression (allowed: letters, "
                    "digits, : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .)",
                    start + 1 + k,
                )
        self.n_regex += 1
        if self.n_regex > _MAX_REGEX:
            raise self.fail(
                f"a filter pattern can hold at most {_MAX_REGEX} regular expressions (CloudWatch Logs quota)",
                start,
            )
        try:
            compiled = re.compile(body)
        except re.error as exc:
            raise self.fail(f"invalid regular expression: {exc.msg}", start + 1 + (exc.pos or 0)) from None
        self.i = end + 1
        return compiled

    # ---- term patterns

    def terms(self) -> Pattern:
        terms: list[Term] = []
        while True:
            self.skip_ws()
            if self.at_end():
                break
            mode = "and"
            c = self.peek()
            if c in "?-":
                mode = "or" if c == "?" else "not"
                self.i += 1
                self.skip_ws()
                if self.at_end():
                    raise self.fail(f"expected a term after '{c}'")
            c = self.peek()
            start = self.i
            if c == '"':
                text = self.quoted()
                if not text.strip() and mode == "and":
                    continue  # " " matches every event
                terms.append(Term(text, mode))
            elif c == "%":
                rx = self.regex()
                terms.append(Term(rx.pattern, mode, rx))
            else:
                m = _WORD.match(self.src, self.i)
                if not m:
                    end = self.i
                    while end < len(self.src) and not self.src[end].isspace():
                        end += 1
                    word = self.src[start:end]
                    bad = next((k for k, ch in enumerate(word) if not (ch.isalnum() or ch == "_")), 0)
                    raise self.fail(
                        f"'{word}' has characters other than letters, digits and '_': "
                        f'put it in double quotes ("{word}")',
                        start + bad,
                    )
                self.i = m.end()
                if not self.at_end() and not self.src[self.i].isspace():
                    end = self.i
                    while end < len(self.src) and not self.src[end].isspace():
                        end += 1
                    word = self.src[start:end]
                    raise self.fail(
                        f"'{word}' has characters other than letters, digits and '_': "
                        f'put it in double quotes ("{word}")',
                        self.i,
                    )
                terms.append(Term(m.group(), mode))
        if not terms:
            return Pattern(self.src, "all")
        if len(terms) == 1 and terms[0].regex is not None and terms[0].mode == "and":
            return Pattern(self.src, "regex", regex=terms[0].regex)
        return Pattern(self.src, "terms", terms=tuple(terms))

    # ---- JSON patterns

    def selector(self) -> tuple:
        """``$.a.b[0]``: the path after ``$`` (names may have letters, digits, '-' and '_')."""
        start = self.i
        if self.peek() != "$":
            raise self.fail("expected a property selector starting with '$.' (for example $.eventType)")
        self.i += 1
        path: list = []
        while self.peek() in (".", "["):
            if self.peek() == ".":
                self.i += 1
                if self.peek() == "`" or self.peek() == '"':
                    q = self.peek()
                    end = self.src.find(q, self.i + 1)
                    if end < 0:
                        raise self.fail(f"unclosed {q} in the property selector")
                    path.append(self.src[self.i + 1 : end])
                    self.i = end + 1
                    continue
                m = re.compile(r"[A-Za-z0-9_\-]+").match(self.src, self.i)
                if not m:
                    raise self.fail("expected a property name after '.' (letters, digits, '-', '_')")
                path.append(m.group())
                self.i = m.end()
            else:
                m = re.compile(r"\[\s*(\d+)\s*\]").match(self.src, self.i)
                if not m:
                    raise self.fail("expected an array index such as [0] (arrays count from 0)")
                path.append(int(m.group(1)))
                self.i = m.end()
        if not path:
            raise self.fail("a property selector needs a property after '$' (for example $.eventType)", start)
        return tuple(path)

    def json_pattern(self) -> Pattern:
        open_at = self.i
        self.i += 1  # {
        node = self.json_or()
        self.skip_ws()
        if self.peek() != "}":
            if self.at_end():
                raise self.fail("unclosed '{': expected '}' at the end of the JSON pattern", open_at)
            raise self.fail(f"unexpected '{self.peek()}': expected '&&', '||' or '}}'")
        self.i += 1
        self.skip_ws()
        if not self.at_end():
            raise self.fail("unexpected text after '}': a JSON pattern ends with '}'")
        return Pattern(self.src, "json", json=node)

    def json_or(self):
        items = [self.json_and()]
        while True:
            self.skip_ws()
            if self.peek(2) != "||":
                break
            self.i += 2
            items.append(self.json_and())
        return items[0] if len(items) == 1 else BoolOp("||", tuple(items))

    def json_and(self):
        items = [self.json_atom()]
        while True:
            self.skip_ws()
            if self.peek(2) != "&&":
                break
            self.i += 2
            items.append(self.json_atom())
        return items[0] if len(items) == 1 else BoolOp("&&", tuple(items))

    def json_atom(self):
        self.skip_ws()
        if self.peek() == "(":
            open_at = self.i
            self.i += 1
            inner = self.json_or()
            self.skip_ws()
            if self.peek() != ")":
                raise self.fail("expected ')' to close the '(' opened here", open_at)
            self.i += 1
            return inner
        start = self.i
        sel = self.selector()
        self.skip_ws()
        upper = self.src[self.i : self.i + 16].upper()
        if upper.startswith("IS NOT"):
            raise self.fail(
                "IS NOT is not supported in JSON filter patterns (the guide says so); use != or NOT EXISTS"
            )
        if upper.startswith("IS "):
            self.i += 3
            self.skip_ws()
            m = re.compile(r"(NULL|TRUE|FALSE)\b", re.I).match(self.src, self.i)
            if not m:
                raise self.fail("expected NULL, TRUE or FALSE after IS")
            self.i = m.end()
            return JsonIs(sel, m.group(1).upper(), start)
        if upper.startswith("NOT EXISTS"):
            self.i += len("NOT EXISTS")
            return JsonNotExists(sel, start)
        if upper.startswith("EXISTS"):
            raise self.fail("EXISTS is not supported in JSON filter patterns (the guide says so); use NOT EXISTS "
                            "or a comparison")  # fmt: skip
        op = next((c for c in ("!=", "<=", ">=", "=", "<", ">") if self.src.startswith(c, self.i)), None)
        if op is None:
            raise self.fail("expected an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS after the selector")
        op_at = self.i
        self.i += len(op)
        self.skip_ws()
        if self.at_end() or self.peek() in "&|)}":
            raise self.fail(f"expected a value after '{op}'")
        if self.peek() == "%":
            if op not in ("=", "!="):
                raise self.fail(f"a regular expression needs '=' or '!=', not '{op}'", op_at)
            rx = self.regex()
            return JsonCmp(sel, op, Value("regex", rx.pattern, regex=rx), start)
        if self.peek() == '"':
            text = self.quoted()
            value = Value("any", text) if text and text.strip("*") == "" else Value("text", text)
        else:
            end = self.i
            while end < len(self.src) and not (self.src[end].isspace() or self.src[end] in "&|)}"):
                end += 1
            text = self.src[self.i : end]
            self.i = end
            if _NUMBER.match(text):
                value = Value("number", text, float(text))
            elif text and text.strip("*") == "":
                value = Value("any", text)
            elif not re.fullmatch(r"[A-Za-z0-9_.*:\-]+", text):
                raise self.fail(
                    f"'{text}' must be in double quotes: strings with characters other than letters, digits "
                    "and '_' go in quotes",
                    op_at + len(op),
                )
            else:
                value = Value("text", text)
        if op in ("<", "<=", ">", ">=") and value.kind != "number":
            raise self.fail(f"'{op}' compares numbers: expected a number, got '{text}'", op_at)
        return JsonCmp(sel, op, value, start, text)

    # ---- space-delimited patterns

    def delimited(self) -> Pattern:
        assert self.peek() == "["
        open_at = self.i
        self.i += 1
        slots: list[Slot] = []
        refs: list[Cmp] = []
        while True:
            self.skip_ws()
            if self.at_end():
                raise self.fail("unclosed '[': expected ']' at the end of the pattern", open_at)
            c = self.peek()
            start = self.i
            if c == "]":
                # "[]" or a trailing comma: "[a, b,]" -> the last slot is an unnamed field
                if slots or self.src[open_at + 1 : self.i].strip():
                    slots.append(Slot(None, None, pos=start))
                self.i += 1
                break
            if c == ",":
                slots.append(Slot(None, None, pos=start))
                self.i += 1
                continue
            if self.peek(3) == "...":
                self.i += 3
                slots.append(Slot(None, None, ellipsis=True, pos=start))
            else:
                cond = self.or_expr(refs)
                name = _first_name(cond)
                slots.append(Slot(name, cond if not isinstance(cond, str) else None, pos=start))
            self.skip_ws()
            c = self.peek()
            if c == ",":
                self.i += 1
                self.skip_ws()
                if self.peek() == "]":
                    slots.append(Slot(None, None, pos=self.i))
                    self.i += 1
                    break
                continue
            if c == "]":
                self.i += 1
                break
            if self.at_end():
                raise self.fail("unclosed '[': expected ',' or ']'")
            raise self.fail(f"unexpected '{c}': expected ',' between fields or ']' to end the pattern")
        self.skip_ws()
        if not self.at_end():
            raise self.fail("unexpected text after ']': a space-delimited pattern ends with ']'")
        ells = [s for s in slots if s.ellipsis]
        if len(ells) > 1:
            raise self.fail(
                "flownb supports one '...' per pattern (where a second one would start is ambiguous)",
                ells[1].pos,
            )
        names = [s.name for s in slots if s.name]
        seen: set[str] = set()
        for s in slots:
            if s.name and s.name in seen:
                raise self.fail(f"field '{s.name}' is named twice", s.pos)
            if s.name:
                seen.add(s.name)
        for ref in refs:
            if ref.name not in seen:
                raise self.fail(
                    f"'{ref.name}' is not a field of this pattern; its fields are {names}", ref.pos
                )
        return Pattern(self.src, "delimited", slots=tuple(slots))

    def or_expr(self, refs: list[Cmp]):
        items = [self.and_expr(refs)]
        while True:
            self.skip_ws()
            if self.peek(2) == "||":
                self.i += 2
                items.append(self.and_expr(refs))
            else:
                break
        if len(items) == 1:
            return items[0]
        return BoolOp("||", tuple(_need_cond(self, x) for x in items))

    def and_expr(self, refs: list[Cmp]):
        items = [self.atom(refs)]
        while True:
            self.skip_ws()
            if self.peek(2) == "&&":
                self.i += 2
                items.append(self.atom(refs))
            else:
                break
        if len(items) == 1:
            return items[0]
        return BoolOp("&&", tuple(_need_cond(self, x) for x in items))

    def atom(self, refs: list[Cmp]):
        self.skip_ws()
        if self.peek() == "(":
            open_at = self.i
            self.i += 1
            inner = self.or_expr(refs)
            self.skip_ws()
            if self.peek() != ")":
                raise self.fail("expected ')' to close the '(' opened here", open_at)
            self.i += 1
            return _need_cond(self, inner)
        start = self.i
        m = _NAME.match(self.src, self.i)
        if not m:
            what = self.peek() or "the end of the pattern"
            raise self.fail(f"unexpected '{what}': expected a field name (letters, digits, '_')")
        name = m.group()
        self.i = m.end()
        self.skip_ws()
        op = None
        for cand in ("!=", "<=", ">=", "=", "<", ">"):
            if self.src.startswith(cand, self.i):
                op = cand
                break
        if op is None:
            return name  # a bare field name
        op_at = self.i
        self.i += len(op)
        self.skip_ws()
        value = self.value(op, op_at)
        cmp_ = Cmp(name, op, value, start)
        refs.append(cmp_)
        return cmp_

    def value(self, op: str, op_at: int) -> Value:
        start = self.i
        if self.at_end() or self.peek() in ",]&|)":
            raise self.fail(f"expected a value after '{op}'")
        c = self.peek()
        if c == "%":
            if op not in ("=", "!="):
                raise self.fail(f"a regular expression needs '=' or '!=', not '{op}'", op_at)
            rx = self.regex()
            return Value("regex", rx.pattern, regex=rx)
        if c == '"':
            text = self.quoted()
            quoted = True
        else:
            end = self.i
            while end < len(self.src) and not (
                self.src[end].isspace()
                or self.src[end] in ",])"
                or self.src.startswith("&&", end)
                or self.src.startswith("||", end)
            ):
                end += 1
            text = self.src[self.i : end]
            self.i = end
            quoted = False
        if op in ("<", "<=", ">", ">="):
            if not _NUMBER.match(text):
                raise self.fail(f"'{op}' compares numbers: expected a number, got '{text}'", start)
            return Value("number", text, float(text))
        if text and text.strip("*") == "":
            return Value("any", text)
        core = text.strip("*")
        if (text.startswith("*") or text.endswith("*")) and "*" not in core:
            return Value("glob", text)
        # flownb: the guide documents '*' at the start and/or end of a value; a '*' inside is literal
        if not quoted and _NUMBER.match(text):
            return Value("number", text, float(text))
        return Value("text", text)


def _first_name(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Cmp):
        return node.name
    return _first_name(node.items[0])


def _need_cond(p: _Parser, node):
    if isinstance(node, str):
        raise p.fail(f"'{node}' needs a condition here (for example {node}=value)")
    return node


def parse_pattern(pattern: str) -> Pattern:
    """Parse a CloudWatch Logs filter pattern.

    Raises
    ------
    FilterPatternError
        With the position of the problem and what was expected there.

    Examples
    --------
    >>> from flownb.monitoring._pattern import parse_pattern
    >>> parse_pattern("[..., action=REJECT, status]").field_names
    ('action', 'status')
    >>> parse_pattern('"REJECT" -ACCEPT').kind
    'terms'
    >>> parse_pattern("[a, b > x]")
    Traceback (most recent call last):
    ...
    flownb.monitoring._pattern.FilterPatternError: '>' compares numbers: expected a number, got 'x' (filter pattern, position 8):
      [a, b > x]
              ^
    """
    if not isinstance(pattern, str):
        raise TypeError(f"'pattern' must be a str, got {type(pattern).__name__}")
    p = _Parser(pattern)
    p.skip_ws()
    if p.at_end():
        return Pattern(pattern, "all")
    c = p.peek()
    if c == "{":
        return p.json_pattern()
    if c == "[":
        return p.delimited()
    return p.terms()
