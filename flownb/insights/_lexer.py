"""The lexer: query text to tokens, one token at a time.

The parser pulls tokens with :meth:`Lexer.next` and, where a regular
expression may appear (after ``like``, ``=~`` and in ``parse``), asks for one
with :meth:`Lexer.regex`: ``/`` is division everywhere else.

Pasted queries often carry typographic quotes and non-breaking spaces (web
pages, PDFs, word processors). Outside a string the lexer reads ‘ ’ ‚ ‛ as
``'``, “ ” „ ‟ as ``"`` and every Unicode space as a space, and records that
it did so in :attr:`Lexer.normalised`. Inside an ASCII-quoted string they are
kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import InsightsSyntaxError

__all__ = ["DURATION_UNITS", "Lexer", "Token"]

#: Duration units -> flownb's unit code (months, quarters and years are calendar units: see _time).
#: CloudWatch Logs User Guide, "stats" (the units of bin()): millisecond ms msec, second s sec,
#: minute m min, hour h hr, day d, week w, month mo mon, quarter q qtr, year y yr; "for all units and
#: abbreviations that include more than one character, adding s to pluralize is supported".
_UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "ms": ("millisecond", "ms", "msec"),
    "s": ("second", "s", "sec"),
    "m": ("minute", "m", "min"),
    "h": ("hour", "h", "hr"),
    "d": ("day", "d"),
    "w": ("week", "w"),
    "mo": ("month", "mo", "mon"),
    "q": ("quarter", "q", "qtr"),
    "y": ("year", "y", "yr"),
}
DURATION_UNITS: dict[str, str] = {
    spelling: code
    for code, names in _UNIT_NAMES.items()
    for name in names
    for spelling in ((name, name + "s") if len(name) > 1 else (name,))
}

_OPEN_QUOTES = {
    "'": "'",
    '"': '"',
    "‘": "’",
    "’": "’",
    "‚": "’",
    "‛": "’",
    "“": "”",
    "”": "”",
    "„": "”",
    "‟": "”",
}
_TYPOGRAPHIC_CLOSERS = {"’": "’‘'", "”": '”“"'}
_SYMBOLS = (
    "==",
    "!=",
    "<=",
    ">=",
    "<>",
    "=~",
    "|",
    ",",
    "(",
    ")",
    "[",
    "]",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
)


_DIGITS = "0123456789"


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in "\u200b\ufeff"


def _ident_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_@$"


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_@$."


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is IDENT, FIELD (backticks), STRING, NUMBER, DURATION, REGEX, SYMBOL or EOF."""

    kind: str
    value: object
    start: int
    end: int
    text: str

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind == "EOF":
            return "the end of the query"
        if self.kind == "STRING":
            return f"the string {self.text}"
        if self.kind in ("NUMBER", "DURATION"):
            return f"the {'number' if self.kind == 'NUMBER' else 'duration'} {self.text}"
        return f"'{self.text}'"


class Lexer:
    """Tokens of one query, read on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.normalised: set[str] = set()

    def error(self, problem: str, offset: int, expected: str = "", hint: str = "") -> InsightsSyntaxError:
        return InsightsSyntaxError(problem, self.text, offset, expected, hint)

    # -- whitespace and comments ----------------------------------------------
    def _skip(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if _is_space(ch):
                if ch not in " \t\n\r\f\v":
                    self.normalised.add("non-breaking spaces")
                self.pos += 1
            elif ch == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                return

    # -- tokens ---------------------------------------------------------------
    def next(self) -> Token:
        """The next token (EOF at the end)."""
        self._skip()
        text, start = self.text, self.pos
        if start >= len(text):
            return Token("EOF", None, start, start, "")
        ch = text[start]
        if ch in _OPEN_QUOTES:
            return self._string(start)
        if ch == "`":
            end = text.find("`", start + 1)
            if end < 0:
                raise self.error("this backtick-quoted field name is never closed", start, "a closing `")
            if end == start + 1:
                raise self.error("empty field name between backticks", start, "a field name")
            self.pos = end + 1
            return Token("FIELD", text[start + 1 : end], start, end + 1, text[start : end + 1])
        if ch in _DIGITS or (ch == "." and start + 1 < len(text) and text[start + 1] in _DIGITS):
            return self._number(start)
        if _ident_start(ch):
            end = start + 1
            while end < len(text) and _ident_char(text[end]):
                end += 1
            self.pos = end
            word = text[start:end]
            return Token("IDENT", word, start, end, word)
        for sym in _SYMBOLS:
            if text.startswith(sym, start):
                self.pos = start + len(sym)
                return Token("SYMBOL", sym, start, self.pos, sym)
        raise self.error(f"unexpected character {ch!r}", start, "a command, a field, a value or an operator")

    def _string(self, start: int) -> Token:
        text = self.text
        opener = text[start]
        closer = _OPEN_QUOTES[opener]
        closers = _TYPOGRAPHIC_CLOSERS.get(closer, closer)
        if opener not in "'\"":
            self.normalised.add("typographic quotes")
        out: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in "'\"\\" + closer:
                out.append(text[i + 1])
                i += 2
                continue
            if ch in closers:
                self.pos = i + 1
                return Token("STRING", "".join(out), start, i + 1, text[start : i + 1])
            if ch == "\n" and opener not in "'\"":
                break
            out.append(ch)
            i += 1
        raise self.error(
            "this string is never closed",
            start,
            f"a closing {closer}",
            hint="Close the string with the same quote that opened it.",
        )

    def _number(self, start: int) -> Token:
        text, i, n = self.text, start, len(self.text)
        while i < n and text[i] in _DIGITS:
            i += 1
        is_float = False
        if i < n and text[i] == "." and i + 1 < n and text[i + 1] in _DIGITS:
            is_float = True
            i += 1
            while i < n and text[i] in _DIGITS:
                i += 1
        if i < n and text[i] in "eE" and i + 1 < n and (text[i + 1] in _DIGITS or text[i + 1] in "+-"):
            j = i + 1 + (text[i + 1] in "+-")
            if j < n and text[j] in _DIGITS:
                is_float = True
                i = j
                while i < n and text[i] in _DIGITS:
                    i += 1
        digits = text[start:i]
        value: int | float = float(digits) if is_float else int(digits)
        if i < n and text[i].isalpha():
            j = i
            while j < n and text[j].isalpha():
                j += 1
            unit = text[i:j]
            if unit.lower() not in DURATION_UNITS:
                raise self.error(
                    f"'{text[start:j]}' is neither a number nor a duration",
                    i,
                    "a duration unit (ms, s, m, h, d, w, mo, q, y)",
                )
            self.pos = j
            return Token("DURATION", (value, DURATION_UNITS[unit.lower()]), start, j, text[start:j])
        self.pos = i
        return Token("NUMBER", value, start, i, digits)

    def regex(self, start: int) -> Token:
        """A ``/regex/`` literal starting at ``start`` (which holds the ``/``)."""
        text = self.text
        i = start + 1
        in_class = False
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                self.pos = i + 1
                return Token("REGEX", text[start + 1 : i], start, i + 1, text[start : i + 1])
            elif ch == "\n":
                break
            i += 1
        raise self.error("this regular expression is never closed", start, "a closing /")
