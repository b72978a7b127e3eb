"""Errors raised by segkit.

Every error segkit raises on bad input derives from :class:`SegkitError`, which
is itself a :class:`ValueError`, so ``except ValueError`` keeps working for
callers that do not know segkit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "ColumnNotFoundError",
    "ConvergenceError",
    "NotFittedError",
    "ParameterError",
    "SchemaError",
    "SegkitError",
    "closest",
]


class SegkitError(ValueError):
    """Root of every error segkit raises on bad input."""


class ParameterError(SegkitError):
    """An argument given to a segkit function or estimator is invalid."""


class SchemaError(SegkitError):
    """A column has the wrong type or holds values segkit cannot use."""


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
        parts = []
        for name in self.missing:
            hint = closest(name, self.available)
            parts.append(f"{name!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
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


class NotFittedError(SegkitError, _SklearnNotFittedError):  # type: ignore[misc]
    """An estimator was used before ``fit``.

    It is both a :class:`SegkitError` and scikit-learn's ``NotFittedError``.
    """


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
