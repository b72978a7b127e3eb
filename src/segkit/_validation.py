"""Input checks shared by every public entry point.

Each check raises a :class:`~segkit.errors.SegkitError` subclass whose message
names the column, the value or the position at fault.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit import errors
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError

__all__ = [
    "as_pandas",
    "check_fitted",
    "numeric_column",
    "require_columns",
    "require_frame",
    "show_values",
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
    options = list(choices)
    if value not in options:
        raise ParameterError(
            f"the {name!r} parameter of {owner} must be one of "
            f"{', '.join(repr(o) for o in options)}; got {value!r}"
        )


def check_int(name: str, value: Any, owner: str, low: int, high: int | None = None) -> int:
    """Raise :class:`ParameterError` unless ``value`` is an int in ``[low, high]``."""
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if ok and value >= low and (high is None or value <= high):
        return int(value)
    upper = "inf)" if high is None else f"{high}]"
    raise ParameterError(
        f"the {name!r} parameter of {owner} must be an int in the range [{low}, {upper}; "
        f"got {value!r}"
    )
