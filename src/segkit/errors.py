"""Errors raised by segkit.

Every error segkit raises on bad input derives from :class:`SegkitError`, which
is itself a :class:`ValueError`, so ``except ValueError`` keeps working for
callers that do not know segkit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

__all__ = [
    "ColumnNotFoundError",
    "ConvergenceError",
    "MissingDependencyError",
    "NotFittedError",
    "ParameterError",
    "SchemaError",
    "SegkitError",
    "closest",
    "did_you_mean",
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
