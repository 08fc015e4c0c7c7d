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
  (``&&`` binds tighter; parentheses group). Without ``...`` the pattern
  matches only events with exactly as many fields as it has slots.

JSON patterns (``{ $.x = 1 }``) do not apply to flow log records and are
refused with that explanation.

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

__all__ = ["FilterPatternError", "Pattern", "parse_pattern"]


class FilterPatternError(ValueError):
    """A filter pattern that CloudWatch Logs would not accept.

    The message names the position (0-based), shows the pattern with a caret
    under it and says what was expected there.

    Attributes
    ----------
    pattern : str
    position : int
    reason : str
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
        if self.kind == "regex":
            assert self.regex is not None
            return _bool(pc.match_substring_regex(view.text(), self.regex.pattern))
        if self.kind == "terms":
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


# --------------------------------------------------------------------------- parsing

_WORD = re.compile(r"[A-Za-z0-9_]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Characters the CloudWatch Logs guide allows inside %regex%: letters, digits, the symbols
# : _ # = @ / ; , - and space, and the operators ^ $ ? [ ] { } | \ * + .
_REGEX_OK = re.compile(r"[A-Za-z0-9:_#=@/;,\- ^$?\[\]{}|\\*+.]")
_MAX_REGEX = 2


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
            if not _REGEX_OK.match(c):
                raise self.fail(
                    f"'{c}' is not allowed in a CloudWatch Logs regular expression (allowed: letters, "
                    "digits, space, : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .)",
                    start + 1 + k,
                )
        self.n_regex += 1
        if self.n_regex > _MAX_REGEX:
            raise self.fail(f"a filter pattern can hold at most {_MAX_REGEX} regular expressions", start)
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
        raise p.fail(
            "JSON filter patterns ({ $.field = value }) match JSON log events; flow log records are "
            "space-delimited text: use a [field, field=value, ...] pattern or terms"
        )
    if c == "[":
        return p.delimited()
    return p.terms()
