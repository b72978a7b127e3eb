"""Input checks shared by every public entry point.

Each check raises a :class:`~segkit.errors.SegkitError` subclass whose message
names the column, the value or the position at fault.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd

from segkit import errors
from segkit.errors import (
    ColumnNotFoundError,
    ParameterError,
    SchemaError,
    SegkitError,
    did_you_mean,
    excerpt,
)

__all__ = [
    "Interval",
    "Options",
    "Satisfies",
    "as_pandas",
    "check_fitted",
    "check_keys",
    "numeric_column",
    "require_columns",
    "require_frame",
    "same_id_kind",
    "show_values",
    "validate_params",
]


def as_pandas(data: Any, what: str = "data") -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame, converting Polars/PyArrow tables once.

    Optional backends are never imported to ask the question: only a module that
    the caller already imported is consulted.
    """
    if isinstance(data, pd.DataFrame):
        return data
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(data, polars.DataFrame):
        return data.to_pandas()  # type: ignore[no-any-return]
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None and isinstance(data, pyarrow.Table):
        return data.to_pandas()  # type: ignore[no-any-return]
    raise SchemaError(
        f"{what} must be a pandas DataFrame (or a Polars/PyArrow table); got {type(data).__name__}"
    )


def require_frame(data: Any, what: str = "data") -> pd.DataFrame:
    """Check that ``data`` is a DataFrame with unique, string-like column labels."""
    df = as_pandas(data, what)
    if isinstance(df.columns, pd.MultiIndex):
        raise SchemaError(
            f"{what} has MultiIndex columns; flatten them first, e.g. "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns]"
        )
    duplicated = df.columns[df.columns.duplicated()].unique()
    if len(duplicated):
        raise SchemaError(f"{what} has duplicated column names: {[str(c) for c in duplicated]}")
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise :class:`ColumnNotFoundError` naming every missing column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnNotFoundError(missing, [str(c) for c in df.columns], what)


def show_values(values: Sequence[Any] | pd.Index | pd.Series, limit: int = 5) -> str:
    """Format a few offending values for an error message."""
    head = values.iloc[:limit] if isinstance(values, pd.Series) else values[:limit]
    items = head.tolist() if hasattr(head, "tolist") else list(head)  # numpy scalars -> Python
    text = ", ".join(repr(v) for v in items)
    if len(values) > limit:
        text += f", ... ({len(values)} in all)"
    return f"[{text}]"


def numeric_column(
    df: pd.DataFrame,
    column: str,
    what: str = "data",
    *,
    allow_nan: bool = False,
    allow_negative: bool = True,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return a column as float64, raising a :class:`SchemaError` on bad values.

    Booleans, strings, NaN (unless ``allow_nan``), infinities and (unless
    ``allow_negative``) negative numbers are rejected with the offending rows.
    """
    series = df[column]
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not (
        pd.api.types.is_numeric_dtype(dtype)
        or (
            isinstance(dtype, pd.CategoricalDtype)
            and pd.api.types.is_numeric_dtype(dtype.categories.dtype)
        )
    ):
        hint = ""
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            hint = f"; convert it first, e.g. pd.to_numeric(df[{column!r}], errors='coerce')"
        raise SchemaError(f"column {column!r} of the {what} must be numeric, not {dtype}{hint}")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if allow_nan:
        bad &= ~np.isnan(values)
    if not allow_negative:
        bad |= values < 0
    if bad.any():
        where = df.index[bad]
        shown = values[bad]
        kinds = []
        if np.isnan(shown).any():
            kinds.append("missing")
        if np.isinf(shown).any():
            kinds.append("infinite")
        if not allow_negative and (np.isfinite(shown) & (shown < 0)).any():
            kinds.append("negative")
        raise SchemaError(
            f"column {column!r} of the {what} has {int(bad.sum())} {'/'.join(kinds)} "
            f"value(s) at index {show_values(where)}: {show_values(shown.tolist())}"
        )
    return values


def check_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`~segkit.errors.NotFittedError` unless ``estimator`` has ``attribute``."""
    if not hasattr(estimator, attribute):
        raise errors.NotFittedError(
            f"this {type(estimator).__name__} instance is not fitted yet; call 'fit' "
            "with appropriate arguments before using this estimator"
        )


def check_choice(name: str, value: Any, choices: Iterable[Any], owner: str) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``choices``."""
    constraint = Options(tuple(choices))
    if not constraint.accepts(value):
        raise _violation(name, owner, [constraint], value)


def check_int(name: str, value: Any, owner: str, low: int, high: int | None = None) -> int:
    """Raise :class:`ParameterError` unless ``value`` is an int in ``[low, high]``."""
    constraint = Interval(int, low, high)
    if not constraint.accepts(value):
        raise _violation(name, owner, [constraint], value)
    return int(value)


# --------------------------------------------------------------------------- #
# Parameter constraints: one table per estimator, one checker
# --------------------------------------------------------------------------- #
@attrs.frozen
class Interval:
    """A number of ``kind`` (``int`` or ``float``) in a range; bools are not numbers here."""

    kind: type
    low: float | None
    high: float | None
    closed: Literal["both", "left", "right", "neither"] = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self._types()):
            return False
        raw: Any = value  # a numbers.Real: compare it as a Python number
        number: float = float(raw) if self.kind is float else int(raw)
        if not np.isfinite(number):
            return False
        low_ok = self.low is None or (
            number >= self.low if self.closed in ("both", "left") else number > self.low
        )
        high_ok = self.high is None or (
            number <= self.high if self.closed in ("both", "right") else number < self.high
        )
        return bool(low_ok and high_ok)

    def _types(self) -> tuple[type, ...]:
        return (numbers.Integral,) if self.kind is int else (numbers.Real,)

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        noun = "an int" if self.kind is int else "a number"
        return f"{noun} in the range {left}{low}, {high}{right}"


@attrs.frozen
class Options:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:  # unhashable or incomparable values
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@attrs.frozen
class Satisfies:
    """Any value for which ``check`` is true, described in words.

    ``hint``, when given, turns a refused value into a suggestion appended to
    the message (e.g. ``" (did you mean features=['revenue']?)"``), or ``""``.
    """

    check: Callable[[Any], bool]
    description: str
    hint: Callable[[Any], str] | None = None

    def accepts(self, value: Any) -> bool:
        return bool(self.check(value))

    def describe(self) -> str:
        return self.description


#: common constraints
COLUMN = Satisfies(lambda v: isinstance(v, str), "a column name (str)")
NONE = Satisfies(lambda v: v is None, "None")
BOOL = Satisfies(lambda v: isinstance(v, bool | np.bool_), "a bool")
Constraint = Interval | Options | Satisfies


def validate_params(
    estimator: Any,
    constraints: Mapping[str, Sequence[Constraint]],
    *,
    error: type[SegkitError] = ParameterError,
) -> None:
    """Check an estimator's parameters against its ``_parameter_constraints`` table.

    Each parameter must satisfy one of its constraints; the error (a
    ``ParameterError`` unless ``error`` says otherwise) names the parameter,
    the estimator, what is allowed and what was given. Value objects (a
    :class:`~segkit.rfm.SegmentMap`) call it from ``__attrs_post_init__``.

    Examples
    --------
    >>> class Scorer:
    ...     _parameter_constraints = {"bins": [Interval(int, 2, 9)]}
    ...     def __init__(self, bins=5):
    ...         self.bins = bins
    >>> validate_params(Scorer(bins=1), Scorer._parameter_constraints)
    Traceback (most recent call last):
    ...
    segkit.errors.ParameterError: the 'bins' parameter of Scorer must be an int in ...; got 1
    """
    owner = type(estimator).__name__
    for name, allowed in constraints.items():
        value = getattr(estimator, name)
        if not any(constraint.accepts(value) for constraint in allowed):
            raise _violation(name, owner, allowed, value, error)


def _violation(
    name: str,
    owner: str,
    allowed: Sequence[Any],
    value: Any,
    error: type[SegkitError] = ParameterError,
) -> SegkitError:
    wanted = [c.describe() for c in allowed]
    text = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
    hints = "".join(
        c.hint(value) for c in allowed if isinstance(c, Satisfies) and c.hint is not None
    )
    return error(f"the {name!r} parameter of {owner} must be {text}; got {value!r}{hints}")


def check_keys(
    item: Mapping[Any, Any],
    allowed: Iterable[str],
    where: str,
    *,
    required: Iterable[str] = (),
    error: type[SegkitError] = ParameterError,
    noun: str = "key",
) -> None:
    """Raise ``error`` on an unknown key (suggesting the closest allowed one) or a missing one.

    The one key checker of every from-dict reader (segment maps, rule files,
    lifecycle definitions, loyalty programmes, profile options). ``noun`` names
    what a key is (``"field"``, ``"option"``). A hostile key is quoted cut short.

    Examples
    --------
    >>> check_keys({"nmae": "x"}, ["name", "bins"], "segment map")
    Traceback (most recent call last):
    ...
    segkit.errors.ParameterError: segment map has an unknown key 'nmae' (did you mean 'name'?)...
    """
    names = sorted(allowed)
    for key in item:
        if key not in names:
            hint = did_you_mean(str(key)[:100], names)
            raise error(f"{where} has an unknown {noun} {excerpt(key)}{hint}; allowed: {names}")
    for key in sorted(required):
        if key not in item:
            raise error(f"{where} is missing the {noun} {key!r}")


def _id_kind(index: pd.Index) -> str:
    if isinstance(index, pd.CategoricalIndex):
        index = index.categories
    kind = pd.api.types.infer_dtype(index, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "numbers"
    if kind == "string":
        return "strings"
    return kind


def same_id_kind(
    ids: pd.Index, table: pd.Index, customer: Any, what: str = "customers table"
) -> None:
    """Refuse customer ids that cannot match: "1" and 1 are different customers to pandas.

    ``ids`` are the transactions' ids, ``table`` those of ``what`` (a customers
    table, events, feedback).

    Raises
    ------
    SchemaError
        Either side mixes types, or the two sides hold different types.
    """
    mine, theirs = _id_kind(ids), _id_kind(table)
    for kind, where in ((mine, "transactions"), (theirs, what)):
        if kind not in ("numbers", "strings", "empty"):
            raise SchemaError(
                f"the customer ids ({customer!r}) of the {where} mix types ({kind}); "
                "make them all strings or all integers"
            )
    if "empty" not in (mine, theirs) and mine != theirs:
        example = (
            f"customers.index = customers.index.astype({'str' if mine == 'strings' else 'int'})"
            if what == "customers table"
            else f"{what}[{customer!r}] = {what}[{customer!r}].astype("
            f"{'str' if mine == 'strings' else 'int'})"
        )
        raise SchemaError(
            f"the customer ids ({customer!r}) of the transactions are {mine} but those of the "
            f"{what} are {theirs}; make them one type, e.g. {example}"
        )
