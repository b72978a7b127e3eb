"""Errors raised by the rule language and the tag engine.

Every error is a :class:`~segkit.errors.SegkitError` (hence a ``ValueError``).
Errors that point into a rule's text carry the text and the character span,
and their message shows the rule with a caret line under the span::

    unknown column 'revenu' (did you mean 'revenue'?)
      revenu > 100
      ^^^^^^
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Any

from segkit.errors import SegkitError

_REPR = reprlib.Repr()
_REPR.maxlevel = 5
_REPR.maxstring = 200
_REPR.maxother = 200
_REPR.maxlong = 200

__all__ = [
    "RuleCycleError",
    "RuleError",
    "RuleEvaluationError",
    "RuleFileError",
    "RuleSyntaxError",
    "RuleTypeError",
    "UnknownColumnError",
    "UnknownFunctionError",
    "UnknownTagError",
    "excerpt",
]


def excerpt(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for quoting input in messages.

    Nested containers are shown to a few levels and a few items each, so that
    quoting a hostile value costs little whatever its size.

    Examples
    --------
    >>> excerpt("x" * 1000, limit=10)
    "'xxxxxxxxx... (1002 characters)"
    >>> excerpt([[[[[[[1]]]]]]])
    '[[[[[[...]]]]]]'
    """
    try:
        shown = _REPR.repr(value)
    except ValueError:  # an integer too long to print (sys.get_int_max_str_digits)
        return f"<{type(value).__name__} too large to print>"
    if len(shown) <= limit:
        return shown
    full = len(repr(value)) if isinstance(value, (str, bytes)) else None
    size = f" ({full} characters)" if full is not None else ""
    return shown[:limit] + "..." + size


def caret(text: str, start: int, end: int | None = None) -> str:
    """Return ``text`` with a caret line under characters ``start:end``.

    Long rules are shown as a window of at most 80 characters around the span.

    Examples
    --------
    >>> print(caret("revenu > 100", 0, 6))
      revenu > 100
      ^^^^^^
    """
    end = start + 1 if end is None or end <= start else end
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end == -1 else line_end
    line = text[line_start:line_end]
    s, e = start - line_start, min(end, line_end) - line_start
    e = max(e, s + 1)
    prefix = ""
    if len(line) > 80:
        lo = max(0, min(s - 30, len(line) - 80))
        line = line[lo : lo + 80]
        s, e = s - lo, min(e - lo, 80)
        prefix = "..."
    pad = " " * len(prefix)
    return f"  {prefix}{line}\n  {pad}{' ' * s}{'^' * max(1, e - s)}"


class RuleError(SegkitError):
    """Base of every rule-language and tag-engine error.

    Parameters
    ----------
    message : str
        What went wrong, in one sentence.
    text : str, optional
        The rule text; when given with ``start``, a caret line is appended.
    start, end : int, optional
        Character span of the fault within ``text``.
    """

    def __init__(
        self,
        message: str,
        text: str | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> None:
        self.message = message
        self.text = text
        self.start = start
        self.end = end
        full = message
        if text is not None and start is not None:
            full = f"{message}\n{caret(text, start, end)}"
        super().__init__(full)


class RuleSyntaxError(RuleError):
    """The rule text does not follow the grammar, or exceeds a length/nesting limit."""


class RuleTypeError(RuleError):
    """An operator or function got operands of the wrong type."""


class UnknownColumnError(RuleError, KeyError):
    """A rule names a column the frame does not have."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class UnknownFunctionError(RuleError):
    """A rule calls a function that is not on the allow-list."""


class UnknownTagError(RuleError):
    """``has_tag`` names a tag that no rule defines."""


class RuleEvaluationError(RuleError):
    """A compiled rule cannot be evaluated on the given input (e.g. ``as_of`` missing)."""


class RuleCycleError(RuleError):
    """Tags depend on each other through ``has_tag`` in a cycle."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        super().__init__("tags depend on each other in a cycle: " + " -> ".join(cycle))


class RuleFileError(RuleError):
    """A rule file or rule dictionary is malformed; the message names the rule and field."""
