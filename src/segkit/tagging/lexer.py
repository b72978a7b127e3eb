"""Lexer: rule text to a list of tokens with character spans.

Tokens are plain frozen records ``Token(kind, value, start, end)``. Kinds:

``number``   int or float literal (``value`` is the Python number)
``duration`` ``90d``, ``12w``, ``6h`` (``value`` is ``(amount, unit)``)
``string``   single- or double-quoted string (``value`` is the unescaped text)
``name``     identifier or backtick-quoted column name (``value`` is the name)
``keyword``  ``and or not between in is null true false contains startswith
             endswith matches as_of`` (``value`` is the keyword)
``op``       ``+ - * / % == != < <= > >= ( ) [ ] ,``
``eof``      end of input
"""

from __future__ import annotations

import attrs

from segkit.errors import RuleSyntaxError

__all__ = ["KEYWORDS", "MAX_RULE_LENGTH", "Token", "tokenize"]

#: Longest rule text accepted, in characters.
MAX_RULE_LENGTH = 10_000

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "between",
        "in",
        "is",
        "null",
        "true",
        "false",
        "contains",
        "startswith",
        "endswith",
        "matches",
        "as_of",
    }
)

_DURATION_UNITS = frozenset("dwh")
_TWO_CHAR_OPS = frozenset({"==", "!=", "<=", ">="})
_ONE_CHAR_OPS = frozenset("+-*/%<>()[],")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_INT64_MAX = 2**63 - 1


@attrs.frozen
class Token:
    """One token: its kind, its value and its span ``[start, end)`` in the text."""

    kind: str
    value: object
    start: int
    end: int


def _is_ident_start(ch: str) -> bool:
    return ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_ident_char(ch: str) -> bool:
    return _is_ident_start(ch) or ("0" <= ch <= "9")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``eof`` token.

    Raises
    ------
    RuleSyntaxError
        On a character that starts no token, an unterminated string or name,
        a malformed number, or text longer than :data:`MAX_RULE_LENGTH`.

    Examples
    --------
    >>> [t.value for t in tokenize("orders >= 3 and `last city` == 'Oslo'")]
    ['orders', '>=', 3, 'and', 'last city', '==', 'Oslo', None]
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"a rule must be a string; got {type(text).__name__}")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            f"rule is too long ({len(text)} characters; the limit is {MAX_RULE_LENGTH})"
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif "0" <= ch <= "9" or (ch == "." and i + 1 < n and "0" <= text[i + 1] <= "9"):
            tokens.append(_number(text, i))
            i = tokens[-1].end
        elif _is_ident_start(ch):
            j = i + 1
            while j < n and _is_ident_char(text[j]):
                j += 1
            word = text[i:j]
            kind = "keyword" if word in KEYWORDS else "name"
            tokens.append(Token(kind, word, i, j))
            i = j
        elif ch in "'\"":
            tokens.append(_string(text, i))
            i = tokens[-1].end
        elif ch == "`":
            tokens.append(_backtick(text, i))
            i = tokens[-1].end
        elif text[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token("op", text[i : i + 2], i, i + 2))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("op", ch, i, i + 1))
            i += 1
        elif ch == ".":
            raise RuleSyntaxError(
                "unexpected '.'; the rule language has no attribute access", text, i, i + 1
            )
        elif ch == "=":
            raise RuleSyntaxError("unexpected '='; use '==' to compare", text, i, i + 1)
        else:
            raise RuleSyntaxError(f"unexpected character {ch!r}", text, i, i + 1)
    tokens.append(Token("eof", None, n, n))
    return tokens


def _number(text: str, i: int) -> Token:
    n = len(text)
    j = i
    while j < n and "0" <= text[j] <= "9":
        j += 1
    is_float = False
    if j < n and text[j] == ".":
        is_float = True
        j += 1
        while j < n and "0" <= text[j] <= "9":
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and "0" <= text[k] <= "9":
            is_float = True
            j = k
            while j < n and "0" <= text[j] <= "9":
                j += 1
    raw = text[i:j]
    if j < n and text[j] in _DURATION_UNITS and not (j + 1 < n and _is_ident_char(text[j + 1])):
        if is_float:
            raise RuleSyntaxError(
                "a duration needs a whole number, e.g. 36h instead of 1.5d", text, i, j + 1
            )
        amount = int(raw) if len(raw) <= 20 else 10**20  # never int() a 4,300-digit text
        if amount > 1_000_000:
            raise RuleSyntaxError("duration is too long", text, i, j + 1)
        return Token("duration", (amount, text[j]), i, j + 1)
    if j < n and (_is_ident_char(text[j]) or text[j] == "."):
        k = j
        while k < n and (_is_ident_char(text[k]) or text[k] == "."):
            k += 1
        raise RuleSyntaxError(
            f"malformed number {text[i:k]!r} (durations use d, w or h, e.g. 90d)", text, i, k
        )
    if is_float:
        value: float | int = float(raw)
        if value in (float("inf"), float("-inf")):
            raise RuleSyntaxError("number is too large", text, i, j)
    else:
        value = int(raw) if len(raw) <= 20 else _INT64_MAX + 1  # int() refuses 4,300 digits
        if value > _INT64_MAX:
            raise RuleSyntaxError("integer is too large (the limit is 2**63 - 1)", text, i, j)
    return Token("number", value, i, j)


def _string(text: str, i: int) -> Token:
    quote = text[i]
    parts: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == quote:
            return Token("string", "".join(parts), i, j + 1)
        if ch == "\\":
            if j + 1 < n and text[j + 1] in _ESCAPES:
                parts.append(_ESCAPES[text[j + 1]])
                j += 2
                continue
            raise RuleSyntaxError(
                "unknown escape in string (use \\\\, \\', \\\", \\n or \\t)", text, j, j + 2
            )
        parts.append(ch)
        j += 1
    raise RuleSyntaxError("unterminated string", text, i, n)


def _backtick(text: str, i: int) -> Token:
    parts: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        if text[j] == "`":
            if j + 1 < n and text[j + 1] == "`":  # a doubled backtick is a literal one
                parts.append("`")
                j += 2
                continue
            name = "".join(parts)
            if not name:
                raise RuleSyntaxError("empty column name", text, i, j + 1)
            return Token("name", name, i, j + 1)
        parts.append(text[j])
        j += 1
    raise RuleSyntaxError("unterminated `column name`", text, i, n)
