"""Errors raised by segkit: every error class, and the helpers that write their messages.

Every error segkit raises on bad input derives from :class:`SegkitError`, which
is itself a :class:`ValueError`, so ``except ValueError`` keeps working for
callers that do not know segkit. The classes are also importable from the
module that raises them (``segkit.tagging.RuleSyntaxError``,
``segkit.errors.SegmentMapError``, ``segkit.lifecycle.LifecycleError``).

Errors that point into a rule's text carry the text and the character span,
and their message shows the rule with a caret line under the span::

    unknown column 'revenu' (did you mean 'revenue'?)
      revenu > 100
      ^^^^^^
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

__all__ = [
    "CLIError",
    "ColumnNotFoundError",
    "ConvergenceError",
    "LifecycleCycleError",
    "LifecycleError",
    "MissingDependencyError",
    "NotFittedError",
    "ParameterError",
    "RuleCycleError",
    "RuleError",
    "RuleEvaluationError",
    "RuleFileError",
    "RuleSyntaxError",
    "RuleTypeError",
    "SchemaError",
    "SegkitError",
    "SegmentMapError",
    "UnknownColumnError",
    "UnknownFunctionError",
    "UnknownTagError",
    "caret",
    "closest",
    "did_you_mean",
    "excerpt",
]


class SegkitError(ValueError):
    """Root of every error segkit raises on bad input."""


class ParameterError(SegkitError):
    """An argument given to a segkit function or estimator is invalid."""


class SchemaError(SegkitError):
    """A column has the wrong type or holds values segkit cannot use."""


class MissingDependencyError(SegkitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class ColumnNotFoundError(SchemaError, KeyError):
    """A column named by the caller is not in the frame.

    Parameters
    ----------
    missing : iterable of str
        The columns that were asked for and not found.
    available : iterable of str
        The columns the frame has.
    what : str, optional
        What the frame is (used in the message), e.g. ``"transactions"``.
    """

    def __init__(
        self, missing: Iterable[str], available: Iterable[str], what: str = "frame"
    ) -> None:
        self.missing = [str(m) for m in missing]
        self.available = [str(a) for a in available]
        parts = [f"{name!r}{did_you_mean(name, self.available)}" for name in self.missing]
        shown = ", ".join(repr(a) for a in self.available[:30])
        if len(self.available) > 30:
            shown += f", ... ({len(self.available)} in all)"
        message = (
            f"column{'s' if len(parts) > 1 else ''} {', '.join(parts)} not found in the "
            f"{what}; available columns: [{shown}]"
        )
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class ConvergenceError(SegkitError):
    """A model fit did not reach an optimum."""


if TYPE_CHECKING:
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

    class NotFittedError(SegkitError, _SklearnNotFittedError):  # type: ignore[misc]
        """An estimator was used before ``fit``."""

else:

    def __getattr__(name: str) -> Any:
        # ``NotFittedError`` is both a SegkitError and scikit-learn's NotFittedError, so
        # ``except sklearn.exceptions.NotFittedError`` catches it. ``except`` matches on
        # the real base classes, so the class must subclass scikit-learn's; it is built
        # on first use, which keeps ``import segkit.errors`` from loading scikit-learn.
        if name == "NotFittedError":
            return _not_fitted_error()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _not_fitted_error() -> type[SegkitError]:
    cached = globals().get("NotFittedError")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    cls = type(
        "NotFittedError",
        (SegkitError, SklearnNotFittedError),
        {
            "__module__": __name__,
            "__qualname__": "NotFittedError",
            "__doc__": (
                "An estimator was used before ``fit``.\n\n"
                "It is both a :class:`SegkitError` and scikit-learn's ``NotFittedError`` "
                "(a ``ValueError`` and an ``AttributeError``)."
            ),
        },
    )
    globals()["NotFittedError"] = cls
    return cls


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``name``, or None when nothing is close.

    Examples
    --------
    >>> closest("revenu", ["orders", "revenue"])
    'revenue'
    """
    names = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` when a candidate is close to ``name``, else ``""``.

    The one way segkit suggests a name in a message.

    Examples
    --------
    >>> did_you_mean("revenu", ["orders", "revenue"])
    " (did you mean 'revenue'?)"
    >>> did_you_mean("zzz", ["orders"])
    ''
    """
    hint = closest(name, candidates)
    return f" (did you mean {hint!r}?)" if hint else ""


# --------------------------------------------------------------------------- #
# Capability errors
# --------------------------------------------------------------------------- #
class SegmentMapError(SegkitError):
    """A segment map is malformed, or does not cover the score grid exactly once."""


class LifecycleError(SegkitError):
    """A lifecycle definition is invalid, or states given to it are unknown."""


class LifecycleCycleError(LifecycleError):
    """Customers oscillate between states: the guards along a cycle are all true."""


class CLIError(SegkitError):
    """A bad command-line invocation."""


# --------------------------------------------------------------------------- #
# The rule language and the tag engine
# --------------------------------------------------------------------------- #
_REPR = reprlib.Repr()
_REPR.maxlevel = 5
_REPR.maxstring = 200
_REPR.maxother = 200
_REPR.maxlong = 200


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
