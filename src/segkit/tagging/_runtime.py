"""Runtime operations of compiled rules: column values and vectorised operators.

Values are represented column-wise: numbers, dates (days since 1970-01-01) and
durations (days) as float64 arrays with NaN for null; conditions as a pair of
boolean arrays ``(value, known)`` with ``value`` implying ``known`` (Kleene
logic); strings as factorized codes plus their distinct values
(:class:`Strings`), so string operations run once per distinct value; list
columns as :class:`Lists`. Scalars stand for constants and broadcast.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from segkit.tagging._types import LIST_TYPES


class KnownCache(Protocol):
    """What the runtime reads of a rule context: cached not-null masks of its columns
    (a :class:`~segkit.tagging.context.RuleContext`; a protocol keeps the import one way)."""

    known_cache: dict[int, tuple[Any, Any]]


US_PER_DAY = 86_400_000_000.0
DURATION_DAYS = {"d": 1.0, "w": 7.0, "h": 1.0 / 24.0}
NUMERIC = frozenset({"number", "datetime", "duration"})
TRUE = np.True_
FALSE = np.False_
UNKNOWN = (FALSE, FALSE)
NAN = np.float64("nan")
EPOCH = pd.Timestamp(0)

Value = Any


class Strings:
    """Strings as factorized codes (-1 for null) and their distinct values."""

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques

    def apply(self, result_per_unique: np.ndarray, fill: Any) -> np.ndarray:
        extended = np.append(result_per_unique, np.asarray([fill], dtype=result_per_unique.dtype))
        result: np.ndarray = extended[self.codes]
        return result

    def known(self) -> np.ndarray:
        return np.asarray(self.codes >= 0)

    def objects(self) -> np.ndarray:
        result: np.ndarray = np.append(self.uniques, np.asarray([None], dtype=object))[self.codes]
        return result


class Lists:
    """A list column: per row a known flag and a length; items flattened on first use.

    Items may be anything, lists and dicts included; ``contains`` compares
    only items of the constant's kind, so ``True`` never equals ``1``.
    """

    __slots__ = ("_flat", "known", "lengths", "objects")

    def __init__(self, objects: np.ndarray) -> None:
        self.objects = objects
        self.known = np.fromiter((isinstance(x, LIST_TYPES) for x in objects), bool, len(objects))
        self.lengths = np.fromiter(
            (len(x) if k else 0 for x, k in zip(objects, self.known, strict=True)),
            np.intp,
            len(objects),
        )
        self._flat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(items, item kind codes, owning row)`` of every item, in row order."""
        if self._flat is None:
            chained = itertools.chain.from_iterable(
                x for x, k in zip(self.objects, self.known, strict=True) if k
            )
            count = int(self.lengths.sum())
            items = np.fromiter(chained, dtype=object, count=count)
            kinds = np.fromiter((item_kind(x) for x in items), np.int8, count)
            owner = np.repeat(np.arange(len(self.objects)), self.lengths)
            self._flat = (items, kinds, owner)
        return self._flat


_KIND_BOOL, _KIND_STRING, _KIND_NUMBER = 1, 2, 3


def item_kind(value: Any) -> int:
    """A small code for the kind of a list item: boolean, string, number or other (0)."""
    if isinstance(value, (bool, np.bool_)):
        return _KIND_BOOL
    if isinstance(value, str):
        return _KIND_STRING
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _KIND_NUMBER
    return 0


def ticks_to_days(values: np.ndarray) -> np.ndarray:
    ticks = values.view(np.int64)
    days = ticks / US_PER_DAY
    days[np.isnat(values)] = np.nan
    return days


def null_array(kind: str, n: int) -> Value:
    if kind in NUMERIC:
        return np.full(n, np.nan)
    if kind == "bool":
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if kind == "string":
        return Strings(np.full(n, -1, dtype=np.intp), np.empty(0, dtype=object))
    return Lists(np.full(n, None, dtype=object))


# ---------------------------------------------------------------------------
# schema adapters


def num_known(x: Value, ctx: KnownCache | None = None) -> Value:
    """Where a number/date/duration value is not null (cached for columns)."""
    if np.ndim(x) == 0:
        return np.bool_(not np.isnan(x))
    if ctx is not None:
        cached = ctx.known_cache.get(id(x))
        if cached is not None and cached[0] is x:
            if cached[1] is None:  # a column's, found once (np.True_ when all are known)
                known = ~np.isnan(x)
                ctx.known_cache[id(x)] = (x, np.True_ if known.all() else known)
            return ctx.known_cache[id(x)][1]
    return ~np.isnan(x)


def both(a: Value, b: Value) -> Value:
    """``a & b`` for known-masks, skipping the work when one is a scalar."""
    if np.ndim(a) == 0:
        return b if a else a
    if np.ndim(b) == 0:
        return a if b else b
    return a & b


def bool_not(a: Value) -> Value:
    v, k = a
    return k & ~v, k


def bool_and(a: Value, b: Value) -> Value:
    av, ak = a
    bv, bk = b
    true = av & bv
    return true, true | (ak & ~av) | (bk & ~bv)


def bool_or(a: Value, b: Value) -> Value:
    av, ak = a
    bv, bk = b
    true = av | bv
    return true, true | ((ak & ~av) & (bk & ~bv))


NUM_COMPARE: dict[str, Callable[[Value, Value], Value]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def compare_numbers(op: str, a: Value, b: Value, ctx: KnownCache | None = None) -> Value:
    known = both(num_known(a, ctx), num_known(b, ctx))
    with np.errstate(invalid="ignore"):
        value = NUM_COMPARE[op](a, b)
    if op == "!=":
        value = value & known
    return value, known


def compare_true(op: str, a: Value, b: Value, ctx: KnownCache | None = None) -> Value:
    """Where ``a op b`` is true for numbers (a comparison with NaN is never true)."""
    with np.errstate(invalid="ignore"):
        value = NUM_COMPARE[op](a, b)
    if op == "!=":
        value = value & both(num_known(a, ctx), num_known(b, ctx))
    return value


def compare_str_const(op: str, s: Strings, const: str) -> Value:
    per_unique = np.asarray(NUM_COMPARE[op](s.uniques, const), dtype=bool)
    return s.apply(per_unique, False), s.known()


def compare_objects(op: str, a: Value, b: Value, n: int) -> Value:
    """Compare two string operands row by row (either may be a constant)."""
    left = a.objects() if isinstance(a, Strings) else np.full(n, a, dtype=object)
    right = b.objects() if isinstance(b, Strings) else np.full(n, b, dtype=object)
    known = pd.notna(left) & pd.notna(right)
    value = np.zeros(n, dtype=bool)
    if known.any():
        value[known] = np.asarray(NUM_COMPARE[op](left[known], right[known]), dtype=bool)
    return value, known


def broadcast(value: Value, kind: str, n: int) -> Value:
    if kind == "bool":
        v, k = value
        return np.broadcast_to(v, (n,)).copy(), np.broadcast_to(k, (n,)).copy()
    if kind in NUMERIC:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    if kind == "string":
        if isinstance(value, Strings):
            return value
        return Strings(np.zeros(n, dtype=np.intp), np.asarray([value], dtype=object))
    if kind == "null":
        return np.full(n, None, dtype=object)
    return value


def safe(
    fn: Callable[[Value], Value], valid: Callable[[Value], Value]
) -> Callable[[Value], Value]:
    def apply(x: Value) -> Value:
        with np.errstate(all="ignore"):
            return np.where(valid(x), fn(x), np.nan)

    return apply


def _divide(a: Value, b: Value) -> Value:
    with np.errstate(all="ignore"):
        result = np.true_divide(a, b)
    zero = b == 0
    if np.ndim(zero) == 0:
        return np.nan if zero else result
    if np.ndim(result) == 0:
        result = np.full(zero.shape, result)
    result[zero] = np.nan
    return result


def _modulo(a: Value, b: Value) -> Value:
    with np.errstate(all="ignore"):
        return np.where(b == 0, np.nan, np.mod(a, b))


def _quiet(fn: Callable[[Value, Value], Value]) -> Callable[[Value, Value], Value]:
    def apply(a: Value, b: Value) -> Value:
        with np.errstate(all="ignore"):
            return fn(a, b)

    return apply


ARITHMETIC: dict[str, Callable[[Value, Value], Value]] = {
    "+": _quiet(np.add),
    "-": _quiet(np.subtract),
    "*": _quiet(np.multiply),
    "/": _divide,
    "%": _modulo,
}


def list_contains(lst: Lists, item: Any, n: int) -> Value:
    """Rows whose list holds an item equal to ``item`` and of the same kind."""
    items, kinds, owner = lst.flat()
    same_kind = np.flatnonzero(kinds == item_kind(item))
    equal = np.asarray(items[same_kind] == item, dtype=bool)
    value = np.zeros(n, dtype=bool)
    value[owner[same_kind[equal]]] = True
    return value, lst.known


def is_in(kind: str, values: Value, constants: list[Value]) -> Value:
    if kind in NUMERIC:
        known = num_known(values)
        return np.isin(values, np.asarray(constants, dtype=np.float64)) & known, known
    if kind == "bool":
        v, k = values
        wanted = {bool(c[0]) for c in constants}
        hit = (v & (True in wanted)) | (~v & k & (False in wanted))
        return hit, k
    per_unique = np.asarray(pd.Index(values.uniques, dtype=object).isin(constants), dtype=bool)
    return values.apply(per_unique, False), values.known()


def known_mask(kind: str, value: Value, n: int) -> np.ndarray:
    if kind == "null":
        return np.zeros(n, dtype=bool)
    if kind in NUMERIC:
        return np.broadcast_to(num_known(value), (n,)).copy()
    if kind == "bool":
        return np.broadcast_to(value[1], (n,)).copy()
    if kind == "string":
        return value.known() if isinstance(value, Strings) else np.ones(n, dtype=bool)
    return np.asarray(value.known).copy()


# ---------------------------------------------------------------------------
# public API
