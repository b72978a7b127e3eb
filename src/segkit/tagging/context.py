"""Where compiled rules read their input: :class:`RuleContext` and schema adapters.

A :class:`RuleContext` wraps one frame for evaluation and caches each column
converted to its runtime representation, so many rules over one frame convert
each column once. At compile time a schema may also be a mapping of column to
dtype or type name (:class:`MappingSchema`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import DAY_NS, NAT, AsOf, parse_as_of, wall_clock_ns
from segkit._validation import require_frame
from segkit.errors import (
    ParameterError,
    RuleEvaluationError,
    RuleTypeError,
    SchemaError,
    UnknownColumnError,
    did_you_mean,
)
from segkit.tagging._runtime import (
    NUMERIC,
    Lists,
    Strings,
    Value,
    null_array,
    ticks_to_days,
)
from segkit.tagging._types import TYPES, dtype_type, infer_type, type_name

__all__ = [
    "MappingSchema",
    "RuleContext",
    "as_schema",
    "declared_schema",
    "unknown_column_message",
]


class RuleContext:
    """A frame prepared for evaluating compiled rules: converted columns are cached.

    Parameters
    ----------
    df : DataFrame
        The customer table. It is never modified.
    as_of : date-like, optional
        The evaluation date that ``as_of`` and ``days_since`` refer to, read by
        the time policy (:func:`segkit._time.parse_as_of`): a date without a
        time is that whole day, and ``days_since`` then counts whole calendar
        days; a timestamp is that instant. Timezone-aware columns are read on
        their own wall clock; a timezone-aware ``as_of`` is converted to their
        zone (with no such column, it is read on its own wall clock).
    tags : DataFrame or mapping of str to boolean array-like, optional
        Tags that ``has_tag`` may read, aligned with ``df``'s rows.
    """

    def __init__(self, df: Any, *, as_of: Any = None, tags: Any = None) -> None:
        self.df = require_frame(df)
        self.n = len(self.df)
        self.as_of_resolved: AsOf | None = None
        #: days since 1970-01-01 of the point durations count to (None: no as_of)
        self.as_of: float | None = None
        if as_of is not None:
            zone = self._zone(as_of)
            if zone is None and _aware(as_of):  # no zone in the frame: its own wall clock
                as_of = pd.Timestamp(as_of).tz_localize(None)
            self.as_of_resolved = parse_as_of(as_of, zone)
            self.as_of = self.as_of_resolved.reference / DAY_NS
        self.tags: dict[str, np.ndarray] = {}
        if tags is not None:
            items = tags.items() if isinstance(tags, (Mapping, pd.DataFrame)) else None
            if items is None:
                raise ParameterError("tags must be a DataFrame or a mapping of tag to booleans")
            for name, values in items:
                self.set_tag(str(name), values)
        self._types: dict[str, str] = {}
        self._cache: dict[tuple[str, str], Value] = {}
        #: texts of sub-expressions that several rules share (set by the tag engine
        #: before compiling); their values are computed once, into ``memo``
        self.shared: frozenset[str] = frozenset()
        self.memo: dict[tuple[str, str], Value] = {}
        # id(column array) -> (array, known mask or np.True_ when it has no nulls;
        # None until a rule first asks: num_known)
        self.known_cache: dict[int, tuple[np.ndarray, Value | None]] = {}

    def _zone(self, as_of: Any) -> Any:
        """The zone of the frame's timezone-aware columns (None when there are none)."""
        zones = {
            str(dtype.tz): dtype.tz
            for dtype in self.df.dtypes
            if isinstance(dtype, pd.DatetimeTZDtype)
        }
        if len(zones) <= 1:
            return next(iter(zones.values()), None)
        if _aware(as_of):
            raise ParameterError(
                f"as_of {as_of!s} is timezone-aware but the frame's timestamps are in several "
                f"zones ({', '.join(sorted(zones))}); pass a naive as_of, read on each "
                "column's wall clock"
            )
        return None

    def wall_ns(self, name: str) -> np.ndarray:
        """Datetime column ``name`` as wall-clock nanoseconds (int64; NaT as the minimum)."""
        key = (name, "wall_ns")
        if key not in self._cache:
            try:
                ticks = wall_clock_ns(self.df[name], name)
            except SchemaError as exc:
                raise RuleEvaluationError(str(exc)) from None
            self._cache[key] = ticks
        value: np.ndarray = self._cache[key]
        return value

    def set_tag(self, name: str, values: Any) -> None:
        """Make tag ``name`` (one boolean per row) available to ``has_tag``."""
        if isinstance(values, np.ndarray) and values.dtype == bool:
            array = values
        else:  # missing values (None, NaN, <NA>) mean "does not have the tag"
            raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else None
            raw = np.asarray(values, dtype=object) if raw is None else raw
            present = np.asarray(pd.notna(raw), dtype=bool)
            array = np.zeros(raw.shape, dtype=bool)
            array[present] = raw[present].astype(bool)
        if array.shape != (self.n,):
            raise ParameterError(
                f"tag {name!r} has {array.size} values; the frame has {self.n} rows"
            )
        self.tags[name] = array

    def type_of(self, name: str) -> str | None:
        """The rule type of column ``name``, or None when the frame has no such column."""
        if name not in self._types:
            if name not in self.df.columns:
                return None
            self._types[name] = infer_type(self.df[name])
        return self._types[name]

    def names(self) -> list[str]:
        return [str(c) for c in self.df.columns]

    def column(self, name: str, kind: str) -> Value:
        """Column ``name`` converted to the representation of type ``kind`` (cached)."""
        key = (name, kind)
        if key not in self._cache:
            actual = self.type_of(name)
            if actual is None:
                raise UnknownColumnError(unknown_column_message(name, self.names()))
            if actual != kind and actual != "null":
                raise RuleTypeError(
                    f"column {name!r} holds {type_name(actual)} values, but the rule was compiled "
                    f"for {type_name(kind)}"
                )
            value = self._convert(self.df[name], kind)
            if kind in NUMERIC:  # where it is known: found when first asked (num_known)
                self.known_cache[id(value)] = (value, None)
            self._cache[key] = value
        return self._cache[key]

    def _convert(self, series: pd.Series, kind: str) -> Value:
        n = self.n
        if self.type_of(str(series.name)) == "null":
            return null_array(kind, n)
        if kind == "number":
            if pd.api.types.is_integer_dtype(series.dtype) and n:
                _check_exact(series)
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        if kind == "datetime":  # on the column's own wall clock (the time policy)
            ticks = self.wall_ns(str(series.name))
            days = ticks / DAY_NS
            days[ticks == NAT] = np.nan
            return days
        if kind == "duration":
            return ticks_to_days(series.to_numpy(dtype="timedelta64[us]"))
        if kind == "bool":
            if series.dtype == bool:
                values = series.to_numpy()
                return values, np.ones(n, dtype=bool)
            known = series.notna().to_numpy()
            values = series.isin([True]).to_numpy(dtype=bool) & known
            return values, known
        if kind == "string":
            if isinstance(series.dtype, pd.CategoricalDtype):
                codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
                return Strings(codes, np.asarray(series.cat.categories, dtype=object))
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            return Strings(np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object))
        if kind == "list":
            return Lists(series.to_numpy(dtype=object))
        raise AssertionError(kind)  # pragma: no cover


def _aware(value: Any) -> bool:
    """Whether ``value`` is a timezone-aware time (False when it is not a time at all)."""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.tzinfo is not None
    if isinstance(value, str):
        try:
            return pd.Timestamp(value).tzinfo is not None
        except (TypeError, ValueError):
            return False
    return False


def _check_exact(series: pd.Series) -> None:
    """Refuse integers that 64-bit floats (the rules' numbers) would round."""
    low, high = series.min(), series.max()
    if pd.isna(low) or (int(low) >= -_EXACT and int(high) <= _EXACT):
        return
    value = int(high) if int(high) > _EXACT else int(low)
    raise RuleEvaluationError(
        f"column {series.name!r} holds the integer {value}, beyond 2**53, where rules (which "
        "compute in 64-bit floats) would round it silently; compare it as text instead "
        "(convert the column with .astype(str))"
    )


_EXACT = 2**53


class MappingSchema:
    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._types: dict[str, str] = {}
        for name, dtype in mapping.items():
            kind = dtype_type(dtype)
            if kind is None:
                raise ParameterError(
                    f"the schema gives column {name!r} the object dtype; give a type name "
                    f"instead, one of {', '.join(repr(t) for t in TYPES[:-1])}"
                )
            self._types[str(name)] = kind

    def type_of(self, name: str) -> str | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return list(self._types)


def declared_schema(value: Any, owner: str) -> dict[str, Any]:
    """Check a ``schema=`` parameter now: a mapping of column name to a known type.

    A programme that compiles rules later (loyalty points, tiers) calls this
    from its attrs converter, so a schema that is not a mapping, or that names
    an unknown type, is refused when the programme is built, naming ``owner``.
    The types are kept as the rule types' names (``int`` and ``"int64"`` are
    ``"number"``), which the programme's ``to_dict`` writes and reads back.
    """
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"{owner}.schema must be a mapping of column name to type; got {value!r:.100}"
        )
    try:
        MappingSchema(value)
    except ParameterError as exc:
        raise ParameterError(f"{owner}.schema: {exc}") from None
    return {str(k): dtype_type(v) for k, v in value.items()}


def as_schema(schema: Any) -> Any:
    if isinstance(schema, RuleContext):
        return schema
    if isinstance(schema, Mapping):
        return MappingSchema(schema)
    return RuleContext(schema)


# ---------------------------------------------------------------------------
def unknown_column_message(name: str, available: list[str]) -> str:
    shown = ", ".join(repr(a) for a in available[:20])
    if len(available) > 20:
        shown += f", ... ({len(available)} in all)"
    return f"unknown column {name!r}{did_you_mean(name, available)}; available columns: [{shown}]"
