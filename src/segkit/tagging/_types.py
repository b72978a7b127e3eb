"""The value types of the rule language: column typing and the typing of operators.

A column's rule type comes from its dtype; an object column is typed from all
of its values (one type per column, nulls aside). Arithmetic result types are
a table, :data:`ARITHMETIC_TYPES`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import ParameterError, RuleTypeError

__all__ = [
    "ARITHMETIC_TYPES",
    "FUNCTIONS",
    "LIST_TYPES",
    "TYPES",
    "arithmetic_type",
    "dtype_type",
    "infer_type",
    "type_name",
    "value_type",
    "value_type_of_class",
]

#: Python classes a list column may hold per row.
LIST_TYPES = (list, tuple, set, frozenset, np.ndarray)

#: The value types of the rule language.
TYPES = ("number", "string", "bool", "datetime", "duration", "list", "null")

#: Allow-listed functions (``date(...)`` is a literal form, not a function).
FUNCTIONS = (
    "abs",
    "log",
    "log1p",
    "sqrt",
    "min",
    "max",
    "coalesce",
    "lower",
    "upper",
    "len",
    "days_since",
    "has_tag",
)


def dtype_type(dtype: Any) -> str | None:
    """Map a dtype to a rule type, or None when the values must be inspected."""
    if isinstance(dtype, str) and dtype in TYPES:
        return dtype
    if dtype is str:
        return "string"
    if dtype is bool:
        return "bool"
    if dtype in (int, float):
        return "number"
    try:
        dtype = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        raise ParameterError(f"unknown type {dtype!r} in the schema") from None
    if isinstance(dtype, pd.CategoricalDtype):
        return dtype_type(dtype.categories.dtype)
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    if pd.api.types.is_object_dtype(dtype):
        return None
    raise ParameterError(f"columns of dtype {dtype} cannot be used in rules")


def value_type(value: Any) -> str:
    """The rule type of one value (its class name when it has none)."""
    return value_type_of_class(type(value))


def infer_type(series: pd.Series) -> str:
    """Return the rule type of a column: from its dtype, or from its values for object columns.

    An object column is typed from every one of its values (nulls aside): it
    must hold one type. Timestamps in an object column must share one time
    zone (or all be naive).

    Raises
    ------
    RuleTypeError
        The column mixes types (the message names the first row of each) or
        time zones.

    Examples
    --------
    >>> infer_type(pd.Series([["a"], None]))
    'list'
    >>> infer_type(pd.Series([1.5, None]))
    'number'
    >>> infer_type(pd.Series(["a", 5, None]))
    Traceback (most recent call last):
    ...
    segkit.errors.RuleTypeError: column None holds values of types ['number', 'string'] \
(first number at row 1, first string at row 0); rules need one type per column
    """
    found = dtype_type(series.dtype)
    if found is not None:
        return found
    values = series.to_numpy(dtype=object)
    present = np.flatnonzero(~pd.isna(values))
    if present.size == 0:
        return "null"
    values = values[present]
    # one Python type per distinct class, looked up once per class
    classes = dict.fromkeys(map(type, values))
    kinds = {value_type_of_class(c) for c in classes}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind in TYPES:
            if kind == "datetime":
                _check_one_zone(series.name, values, present)
            return kind
        kinds = {kind}
    first = _first_rows(values, present, classes)
    described = ", ".join(f"first {k} at row {first[k]}" for k in sorted(first))
    raise RuleTypeError(
        f"column {series.name!r} holds values of types {sorted(first)} ({described}); "
        "rules need one type per column"
    )


def value_type_of_class(cls: type) -> str:
    """The rule type of values of class ``cls`` (its name when it has none)."""
    if issubclass(cls, (bool, np.bool_)):
        return "bool"
    if issubclass(cls, str):
        return "string"
    if issubclass(cls, (int, float, np.integer, np.floating)):
        return "number"
    if issubclass(cls, (dt.date, np.datetime64)):
        return "datetime"
    if issubclass(cls, (dt.timedelta, np.timedelta64)):
        return "duration"
    if issubclass(cls, LIST_TYPES):
        return "list"
    return cls.__name__


def _first_rows(values: np.ndarray, rows: np.ndarray, classes: dict[type, None]) -> dict[str, int]:
    kind_of = {c: value_type_of_class(c) for c in classes}
    first: dict[str, int] = {}
    for position, value in enumerate(values):
        kind = kind_of[type(value)]
        if kind not in first:
            first[kind] = int(rows[position])
            if len(first) == len(set(kind_of.values())):
                break
    return first


def _check_one_zone(name: Any, values: np.ndarray, rows: np.ndarray) -> None:
    zones = [str(getattr(v, "tzinfo", None)) for v in values]
    distinct = dict.fromkeys(zones)
    if len(distinct) > 1:
        first, other = list(distinct)[:2]
        row = int(rows[zones.index(other)])
        raise RuleTypeError(
            f"column {name!r} holds timestamps in several time zones ({first!r} and "
            f"{other!r} at row {row}); convert them to one zone first, e.g. "
            "pd.to_datetime(column, utc=True)"
        )


def type_name(kind: str) -> str:
    return {
        "number": "number",
        "string": "string",
        "bool": "boolean",
        "datetime": "date",
        "duration": "duration",
        "list": "list",
        "null": "null",
    }[kind]


ARITHMETIC_TYPES = {
    ("+", "number", "number"): "number",
    ("-", "number", "number"): "number",
    ("*", "number", "number"): "number",
    ("/", "number", "number"): "number",
    ("%", "number", "number"): "number",
    ("-", "datetime", "datetime"): "duration",
    ("+", "datetime", "duration"): "datetime",
    ("-", "datetime", "duration"): "datetime",
    ("+", "duration", "datetime"): "datetime",
    ("+", "duration", "duration"): "duration",
    ("-", "duration", "duration"): "duration",
    ("*", "duration", "number"): "duration",
    ("*", "number", "duration"): "duration",
    ("/", "duration", "number"): "duration",
    ("/", "duration", "duration"): "number",
}


def arithmetic_type(op: str, left: str, right: str) -> str | None:
    if left == "null" and right == "null":
        return "number"
    if left == "null" or right == "null":
        other = right if left == "null" else left
        candidates = {
            result
            for (o, lt, rt), result in ARITHMETIC_TYPES.items()
            if o == op and (lt if left != "null" else rt) == other
        }
        if not candidates:
            return None
        return other if other in candidates else sorted(candidates)[0]
    return ARITHMETIC_TYPES.get((op, left, right))
