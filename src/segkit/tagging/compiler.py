"""Compiler: AST to vectorised column operations, type-checked against a schema.

The public entry point is :func:`compile_rule`::

    compile_rule(rule, schema, *, tags=None, expect="bool") -> CompiledRule

``rule`` is rule text or an AST node; ``schema`` is a DataFrame, a
:class:`RuleContext`, or a mapping ``{column: dtype or type name}`` where a
type name is one of ``"number" "string" "bool" "datetime" "duration" "list"``.
Every type, column and function error is raised here, at compile time, with a
caret under the offending part of the rule.

A :class:`CompiledRule` has

* ``text``, ``node``: the rule as printed text and as AST;
* ``type``: the result type (``"bool"`` for conditions);
* ``columns``: the columns it reads, in order of first use;
* ``tags``: the tags it reads through ``has_tag``; ``uses_as_of``;
* ``evaluate(df, *, as_of=None, tags=None) -> Series``: the three-valued result
  (a nullable ``boolean`` Series for conditions, ``<NA>`` where unknown);
* ``kleene(df, ...) -> (value, known)``: two boolean arrays; a row is true when
  ``value``, false when ``known & ~value`` and unknown when ``~known``;
* ``mask(df, ...) -> ndarray[bool]``: true exactly where the rule is true
  (unknown does not match).

``df`` may also be a :class:`RuleContext`, which caches converted columns so
that many rules evaluated over one frame convert each column once.

Values are represented column-wise: numbers, dates (days since 1970-01-01) and
durations (days) as float64 arrays with NaN for null; conditions as a pair of
boolean arrays ``(value, known)`` with ``value`` implying ``known`` (Kleene
logic); strings as factorized codes plus their distinct values, so string
operations run once per distinct value; list columns as flattened items with
the row that owns each.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"orders": [1, 5, None], "city": ["Oslo", "Rome", None]})
>>> rule = compile_rule("orders > 2 or city == 'Oslo'", df)
>>> rule.columns
('orders', 'city')
>>> rule.evaluate(df).tolist()
[True, True, <NA>]
>>> rule.mask(df)
array([ True,  True, False])
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_frame
from segkit.errors import ParameterError, closest
from segkit.tagging import ast
from segkit.tagging.errors import (
    RuleEvaluationError,
    RuleSyntaxError,
    RuleTypeError,
    UnknownColumnError,
    UnknownFunctionError,
    UnknownTagError,
)
from segkit.tagging.parser import MAX_DEPTH, parse

__all__ = ["FUNCTIONS", "TYPES", "CompiledRule", "RuleContext", "compile_rule", "infer_type"]

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

#: Longest regular expression accepted by ``matches``.
MAX_PATTERN_LENGTH = 200

_US_PER_DAY = 86_400_000_000.0
_DURATION_DAYS = {"d": 1.0, "w": 7.0, "h": 1.0 / 24.0}
_NUMERIC = frozenset({"number", "datetime", "duration"})
_LIST_TYPES = (list, tuple, set, frozenset, np.ndarray)
_TRUE = np.True_
_FALSE = np.False_
_UNKNOWN = (_FALSE, _FALSE)
_NAN = np.float64("nan")
_EPOCH = pd.Timestamp(0)

Value = Any
_NODE_TYPES = (
    ast.Literal,
    ast.DateLiteral,
    ast.Duration,
    ast.Column,
    ast.AsOf,
    ast.Unary,
    ast.Binary,
    ast.Between,
    ast.InList,
    ast.IsNull,
    ast.Call,
)
Evaluator = Callable[["RuleContext"], Value]


# ---------------------------------------------------------------------------
# column types
# ---------------------------------------------------------------------------
def _dtype_type(dtype: Any) -> str | None:
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
        return _dtype_type(dtype.categories.dtype)
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


def _value_type(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, (dt.date, np.datetime64)):
        return "datetime"
    if isinstance(value, (dt.timedelta, np.timedelta64)):
        return "duration"
    if isinstance(value, _LIST_TYPES):
        return "list"
    return type(value).__name__


def infer_type(series: pd.Series) -> str:
    """Return the rule type of a column: from its dtype, or from its values for object columns.

    Examples
    --------
    >>> infer_type(pd.Series([["a"], None]))
    'list'
    >>> infer_type(pd.Series([1.5, None]))
    'number'
    """
    found = _dtype_type(series.dtype)
    if found is not None:
        return found
    values = series.iloc[:1000].dropna()
    if values.empty:
        values = series.dropna()
    if values.empty:
        return "null"
    kinds = {_value_type(v) for v in values.iloc[:1000]}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind in TYPES:
            return kind
    raise RuleTypeError(
        f"column {series.name!r} holds values of types {sorted(kinds)}; "
        "rules need one type per column"
    )


# ---------------------------------------------------------------------------
# evaluation context
# ---------------------------------------------------------------------------
class _Str:
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


class _List:
    """A list column: per row a known flag and a length; items flattened with their row."""

    __slots__ = ("items", "known", "lengths", "objects", "owner")

    def __init__(self, objects: np.ndarray) -> None:
        self.objects = objects
        self.known = np.fromiter((isinstance(x, _LIST_TYPES) for x in objects), bool, len(objects))
        self.lengths = np.fromiter(
            (len(x) if k else 0 for x, k in zip(objects, self.known, strict=True)),
            np.intp,
            len(objects),
        )
        flat = list(
            itertools.chain.from_iterable(x for x, k in zip(objects, self.known, strict=True) if k)
        )
        self.owner = np.repeat(np.arange(len(objects)), self.lengths)
        flat_array = np.empty(len(flat), dtype=object)
        flat_array[:] = flat
        codes, uniques = pd.factorize(flat_array, use_na_sentinel=True)
        self.items = _Str(np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object))


def _to_days(value: Any, what: str) -> float:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{what} must be a date or timestamp; got {value!r}") from exc
    if pd.isna(stamp):
        raise ParameterError(f"{what} must be a date, not missing")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return float((stamp - _EPOCH) / pd.Timedelta(microseconds=1)) / _US_PER_DAY


class RuleContext:
    """A frame prepared for evaluating compiled rules: converted columns are cached.

    Parameters
    ----------
    df : DataFrame
        The customer table. It is never modified.
    as_of : date-like, optional
        The evaluation date that ``as_of`` and ``days_since`` refer to.
    tags : DataFrame or mapping of str to boolean array-like, optional
        Tags that ``has_tag`` may read, aligned with ``df``'s rows.
    """

    def __init__(self, df: Any, *, as_of: Any = None, tags: Any = None) -> None:
        self.df = require_frame(df)
        self.n = len(self.df)
        self.as_of = None if as_of is None else _to_days(as_of, "as_of")
        self.tags: dict[str, np.ndarray] = {}
        if tags is not None:
            items = tags.items() if isinstance(tags, (Mapping, pd.DataFrame)) else None
            if items is None:
                raise ParameterError("tags must be a DataFrame or a mapping of tag to booleans")
            for name, values in items:
                self.set_tag(str(name), values)
        self._types: dict[str, str] = {}
        self._cache: dict[tuple[str, str], Value] = {}
        # id(column array) -> (array, known mask or np.True_ when it has no nulls)
        self._known: dict[int, tuple[np.ndarray, Value]] = {}

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
                raise UnknownColumnError(_unknown_column_message(name, self.names()))
            if actual != kind and actual != "null":
                raise RuleTypeError(
                    f"column {name!r} holds {_a(actual)} values, but the rule was compiled "
                    f"for {_a(kind)}"
                )
            value = self._convert(self.df[name], kind)
            if kind in _NUMERIC:
                known = ~np.isnan(value)
                self._known[id(value)] = (value, np.True_ if known.all() else known)
            self._cache[key] = value
        return self._cache[key]

    def _convert(self, series: pd.Series, kind: str) -> Value:
        n = self.n
        if self.type_of(str(series.name)) == "null":
            return _null_array(kind, n)
        if kind == "number":
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        if kind == "datetime":
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            elif not pd.api.types.is_datetime64_dtype(series.dtype):
                series = pd.to_datetime(series)
            stamps = series.to_numpy(dtype="datetime64[us]")
            return _ticks_to_days(stamps)
        if kind == "duration":
            return _ticks_to_days(series.to_numpy(dtype="timedelta64[us]"))
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
                return _Str(codes, np.asarray(series.cat.categories, dtype=object))
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            return _Str(np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object))
        if kind == "list":
            return _List(series.to_numpy(dtype=object))
        raise AssertionError(kind)  # pragma: no cover


def _ticks_to_days(values: np.ndarray) -> np.ndarray:
    ticks = values.view(np.int64)
    days = ticks / _US_PER_DAY
    days[np.isnat(values)] = np.nan
    return days


def _null_array(kind: str, n: int) -> Value:
    if kind in _NUMERIC:
        return np.full(n, np.nan)
    if kind == "bool":
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if kind == "string":
        return _Str(np.full(n, -1, dtype=np.intp), np.empty(0, dtype=object))
    return _List(np.full(n, None, dtype=object))


# ---------------------------------------------------------------------------
# schema adapters
# ---------------------------------------------------------------------------
class _MappingSchema:
    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._types: dict[str, str] = {}
        for name, dtype in mapping.items():
            kind = _dtype_type(dtype)
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


def _schema(schema: Any) -> Any:
    if isinstance(schema, RuleContext):
        return schema
    if isinstance(schema, Mapping):
        return _MappingSchema(schema)
    return RuleContext(schema)


# ---------------------------------------------------------------------------
# compiled expressions
# ---------------------------------------------------------------------------
class _Expr:
    """A compiled sub-expression: its type, its evaluator and, for constants, its value."""

    __slots__ = ("const", "fn", "is_const", "node", "type")

    def __init__(
        self,
        kind: str,
        fn: Evaluator,
        node: ast.Node,
        *,
        const: Value = None,
        is_const: bool = False,
    ) -> None:
        self.type = kind
        self.fn = fn
        self.node = node
        self.const = const
        self.is_const = is_const


def _constant(kind: str, value: Value, node: ast.Node) -> _Expr:
    return _Expr(kind, lambda ctx: value, node, const=value, is_const=True)


def _null_constant(kind: str, node: ast.Node) -> _Expr:
    if kind == "bool":
        return _constant("bool", _UNKNOWN, node)
    if kind in _NUMERIC:
        return _constant(kind, _NAN, node)
    return _constant("null", None, node)


def _a(kind: str) -> str:
    return {
        "number": "number",
        "string": "string",
        "bool": "boolean",
        "datetime": "date",
        "duration": "duration",
        "list": "list",
        "null": "null",
    }[kind]


def _unknown_column_message(name: str, available: list[str]) -> str:
    hint = closest(name, available)
    shown = ", ".join(repr(a) for a in available[:20])
    if len(available) > 20:
        shown += f", ... ({len(available)} in all)"
    suggestion = f" (did you mean {hint!r}?)" if hint else ""
    return f"unknown column {name!r}{suggestion}; available columns: [{shown}]"


def _describe(node: ast.Node, kind: str) -> str:
    text = str(node)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({_a(kind)})"


def _num_known(x: Value, ctx: RuleContext | None = None) -> Value:
    """Where a number/date/duration value is not null (cached for columns)."""
    if np.ndim(x) == 0:
        return np.bool_(not np.isnan(x))
    if ctx is not None:
        cached = ctx._known.get(id(x))
        if cached is not None and cached[0] is x:
            return cached[1]
    return ~np.isnan(x)


def _both(a: Value, b: Value) -> Value:
    """``a & b`` for known-masks, skipping the work when one is a scalar."""
    if np.ndim(a) == 0:
        return b if a else a
    if np.ndim(b) == 0:
        return a if b else b
    return a & b


def _bool_not(a: Value) -> Value:
    v, k = a
    return k & ~v, k


def _bool_and(a: Value, b: Value) -> Value:
    av, ak = a
    bv, bk = b
    true = av & bv
    return true, true | (ak & ~av) | (bk & ~bv)


def _bool_or(a: Value, b: Value) -> Value:
    av, ak = a
    bv, bk = b
    true = av | bv
    return true, true | ((ak & ~av) & (bk & ~bv))


_NUM_COMPARE: dict[str, Callable[[Value, Value], Value]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare_numbers(op: str, a: Value, b: Value, ctx: RuleContext | None = None) -> Value:
    known = _both(_num_known(a, ctx), _num_known(b, ctx))
    with np.errstate(invalid="ignore"):
        value = _NUM_COMPARE[op](a, b)
    if op == "!=":
        value = value & known
    return value, known


def _compare_str_const(op: str, s: _Str, const: str) -> Value:
    per_unique = np.asarray(_NUM_COMPARE[op](s.uniques, const), dtype=bool)
    return s.apply(per_unique, False), s.known()


def _compare_objects(op: str, a: Value, b: Value, n: int) -> Value:
    """Compare two string operands row by row (either may be a constant)."""
    left = a.objects() if isinstance(a, _Str) else np.full(n, a, dtype=object)
    right = b.objects() if isinstance(b, _Str) else np.full(n, b, dtype=object)
    known = pd.notna(left) & pd.notna(right)
    value = np.zeros(n, dtype=bool)
    if known.any():
        value[known] = np.asarray(_NUM_COMPARE[op](left[known], right[known]), dtype=bool)
    return value, known


def _broadcast(value: Value, kind: str, n: int) -> Value:
    if kind == "bool":
        v, k = value
        return np.broadcast_to(v, (n,)).copy(), np.broadcast_to(k, (n,)).copy()
    if kind in _NUMERIC:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    if kind == "string":
        if isinstance(value, _Str):
            return value
        return _Str(np.zeros(n, dtype=np.intp), np.asarray([value], dtype=object))
    if kind == "null":
        return np.full(n, None, dtype=object)
    return value


class _Compiler:
    def __init__(self, text: str, schema: Any, tags: frozenset[str] | None) -> None:
        self.text = text
        self.schema = schema
        self.known_tags = tags
        self.columns: dict[str, None] = {}
        self.tags: dict[str, None] = {}
        self.uses_as_of = False

    def error(self, cls: type[Exception], message: str, node: ast.Node) -> Exception:
        return cls(message, self.text, node.span[0], node.span[1])

    def visit(self, node: ast.Node) -> _Expr:
        method: Callable[[Any], _Expr] = getattr(self, f"_compile_{type(node).__name__.lower()}")
        return method(node)

    # -- leaves ----------------------------------------------------------
    def _compile_literal(self, node: ast.Literal) -> _Expr:
        v = node.value
        if v is None:
            return _constant("null", None, node)
        if isinstance(v, bool):
            return _constant("bool", (np.bool_(v), _TRUE), node)
        if isinstance(v, str):
            return _constant("string", v, node)
        return _constant("number", np.float64(v), node)

    def _compile_dateliteral(self, node: ast.DateLiteral) -> _Expr:
        return _constant("datetime", np.float64(_to_days(node.value, "date")), node)

    def _compile_duration(self, node: ast.Duration) -> _Expr:
        return _constant("duration", np.float64(node.amount * _DURATION_DAYS[node.unit]), node)

    def _compile_asof(self, node: ast.AsOf) -> _Expr:
        self.uses_as_of = True
        return _Expr("datetime", _as_of, node)

    def _compile_column(self, node: ast.Column) -> _Expr:
        name = node.name
        kind = self.schema.type_of(name)
        if kind is None:
            raise self.error(
                UnknownColumnError, _unknown_column_message(name, self.schema.names()), node
            )
        self.columns[name] = None
        if kind == "null":
            return _Expr("null", lambda ctx: None, node)
        return _Expr(kind, lambda ctx: ctx.column(name, kind), node)

    # -- operators -------------------------------------------------------
    def _compile_unary(self, node: ast.Unary) -> _Expr:
        operand = self.visit(node.operand)
        if node.op == "not":
            self.require(operand, ("bool",), "'not'")
            if operand.type == "null":
                return _null_constant("bool", node)
            return self.fold(_Expr("bool", lambda ctx: _bool_not(operand.fn(ctx)), node))
        self.require(operand, ("number", "duration"), "'-'")
        if operand.type == "null":
            return _null_constant("number", node)
        return self.fold(_Expr(operand.type, lambda ctx: -operand.fn(ctx), node))

    def require(self, expr: _Expr, kinds: tuple[str, ...], what: str) -> None:
        if expr.type != "null" and expr.type not in kinds:
            wanted = " or ".join(_a(k) for k in kinds)
            raise self.error(
                RuleTypeError,
                f"{what} needs {_article(wanted)}; got {_describe(expr.node, expr.type)}",
                expr.node,
            )

    def fold(self, expr: _Expr) -> _Expr:
        """Evaluate an expression of constants once, at compile time."""
        return expr

    def _compile_binary(self, node: ast.Binary) -> _Expr:
        op = node.op
        if op in ("and", "or"):
            left, right = self.visit(node.left), self.visit(node.right)
            self.require(left, ("bool",), f"'{op}'")
            self.require(right, ("bool",), f"'{op}'")
            lf = left.fn if left.type == "bool" else _unknown_fn
            rf = right.fn if right.type == "bool" else _unknown_fn
            combine = _bool_and if op == "and" else _bool_or
            return _Expr("bool", lambda ctx: combine(lf(ctx), rf(ctx)), node)
        if op in ast.COMPARISONS:
            return self.comparison(op, node.left, node.right, node)
        if op in ast.STRING_PREDICATES:
            return self.predicate(node)
        return self.arithmetic(node)

    def comparison(
        self, op: str, left_node: ast.Node, right_node: ast.Node, node: ast.Node
    ) -> _Expr:
        left, right = self.visit(left_node), self.visit(right_node)
        lt, rt = left.type, right.type
        if "null" in (lt, rt):
            if "list" in (lt, rt):
                self.mismatch("compare", left, right, node)
            return _null_constant("bool", node)
        if lt == rt == "bool" and op not in ("==", "!="):
            raise self.error(RuleTypeError, f"'{op}' cannot order booleans; use == or !=", node)
        if lt != rt or lt == "list":
            self.mismatch("compare", left, right, node)
        lf, rf = left.fn, right.fn
        if lt in _NUMERIC:
            return _Expr("bool", lambda ctx: _compare_numbers(op, lf(ctx), rf(ctx), ctx), node)
        if lt == "bool":
            negate = op == "!="

            def compare_bools(ctx: RuleContext) -> Value:
                (av, ak), (bv, bk) = lf(ctx), rf(ctx)
                known = ak & bk
                same = (av == bv) != negate
                return same & known, known

            return _Expr("bool", compare_bools, node)
        # strings
        if right.is_const and not left.is_const:
            const = right.const
            return _Expr("bool", lambda ctx: _compare_str_const(op, lf(ctx), const), node)
        if left.is_const and not right.is_const:
            const, flipped = left.const, _FLIP[op]
            return _Expr("bool", lambda ctx: _compare_str_const(flipped, rf(ctx), const), node)
        return _Expr("bool", lambda ctx: _compare_objects(op, lf(ctx), rf(ctx), ctx.n), node)

    def mismatch(self, verb: str, left: _Expr, right: _Expr, node: ast.Node) -> None:
        raise self.error(
            RuleTypeError,
            f"type mismatch: cannot {verb} {_describe(left.node, left.type)} with "
            f"{_describe(right.node, right.type)}",
            node,
        )

    def arithmetic(self, node: ast.Binary) -> _Expr:
        op = node.op
        left, right = self.visit(node.left), self.visit(node.right)
        result = _arithmetic_type(op, left.type, right.type)
        if result is None:
            raise self.error(
                RuleTypeError,
                f"type mismatch: cannot apply '{op}' to {_describe(left.node, left.type)} and "
                f"{_describe(right.node, right.type)}",
                node,
            )
        if "null" in (left.type, right.type):
            return _null_constant(result, node)
        lf, rf = left.fn, right.fn
        function = _ARITHMETIC[op]
        return _Expr(result, lambda ctx: function(lf(ctx), rf(ctx)), node)

    def predicate(self, node: ast.Binary) -> _Expr:
        op = node.op
        left, right = self.visit(node.left), self.visit(node.right)
        if op == "contains" and left.type == "list":
            if right.type not in ("string", "number", "bool", "null"):
                raise self.error(
                    RuleTypeError,
                    f"'contains' cannot look for {_describe(right.node, right.type)} in "
                    f"{_describe(left.node, left.type)}",
                    node,
                )
            if right.type == "null":
                return _null_constant("bool", node)
            if not right.is_const:
                raise self.error(
                    RuleTypeError,
                    "'contains' on a list column needs a constant value on the right, "
                    "e.g. interests contains 'travel'",
                    node.right,
                )
            item = right.const[0] if right.type == "bool" else right.const
            if right.type == "number" and float(item).is_integer():
                item = int(item)
            lf = left.fn
            return _Expr("bool", lambda ctx: _list_contains(lf(ctx), item, ctx.n), node)
        if left.type not in ("string", "null") or right.type not in ("string", "null"):
            bad = left if left.type not in ("string", "null") else right
            wanted = "a string (or a list on the left)" if op == "contains" else "a string"
            raise self.error(
                RuleTypeError,
                f"'{op}' needs {wanted} on both sides; got {_describe(bad.node, bad.type)}",
                node,
            )
        if "null" in (left.type, right.type):
            return _null_constant("bool", node)
        if op == "matches":
            if not right.is_const:
                raise self.error(
                    RuleTypeError, "the pattern of 'matches' must be a quoted string", node.right
                )
            pattern = str(right.const)
            if len(pattern) > MAX_PATTERN_LENGTH:
                raise self.error(
                    RuleSyntaxError,
                    f"regular expression is too long ({len(pattern)} characters; the limit "
                    f"is {MAX_PATTERN_LENGTH})",
                    node.right,
                )
            try:
                re.search(pattern, "")
            except re.error as exc:
                raise self.error(
                    RuleSyntaxError, f"invalid regular expression: {exc}", node.right
                ) from None
        test = _STRING_TESTS[op]
        lf, rf = left.fn, right.fn
        if right.is_const and not left.is_const:
            const = right.const

            def per_unique(ctx: RuleContext) -> Value:
                s = lf(ctx)
                hits = np.fromiter((test(u, const) for u in s.uniques), bool, len(s.uniques))
                return s.apply(hits, False), s.known()

            return _Expr("bool", per_unique, node)

        def row_by_row(ctx: RuleContext) -> Value:
            n = ctx.n
            a, b = lf(ctx), rf(ctx)
            left_obj = a.objects() if isinstance(a, _Str) else np.full(n, a, dtype=object)
            right_obj = b.objects() if isinstance(b, _Str) else np.full(n, b, dtype=object)
            known = pd.notna(left_obj) & pd.notna(right_obj)
            value = np.zeros(n, dtype=bool)
            for i in np.flatnonzero(known):
                value[i] = test(left_obj[i], right_obj[i])
            return value, known

        return _Expr("bool", row_by_row, node)

    def _compile_between(self, node: ast.Between) -> _Expr:
        low = self.comparison(">=", node.operand, node.low, node)
        high = self.comparison("<=", node.operand, node.high, node)
        lf, hf = low.fn, high.fn
        return _Expr("bool", lambda ctx: _bool_and(lf(ctx), hf(ctx)), node)

    def _compile_inlist(self, node: ast.InList) -> _Expr:
        operand = self.visit(node.operand)
        items = [self.visit(i) for i in node.items]
        kinds = {i.type for i in items} - {"null"}
        for item in items:
            if item.type != "null" and operand.type != "null" and item.type != operand.type:
                self.mismatch("compare", operand, item, node)
            if item.type == "list":
                self.mismatch("compare", operand, item, node)
        if operand.type == "list":
            self.mismatch("compare", operand, items[0], node)
        negated = node.negated
        if operand.type == "null" or not kinds:
            return _null_constant("bool", node)
        if all(i.is_const for i in items) and not operand.is_const:
            has_null = any(i.type == "null" for i in items)
            constants = [i.const for i in items if i.type != "null"]
            of = operand.fn
            kind = operand.type

            def in_constants(ctx: RuleContext) -> Value:
                value, known = _is_in(kind, of(ctx), constants)
                if has_null:
                    known = value.copy()
                return _bool_not((value, known)) if negated else (value, known)

            return _Expr("bool", in_constants, node)
        equalities = [
            self.comparison("==", node.operand, item_node, node) for item_node in node.items
        ]

        def any_equal(ctx: RuleContext) -> Value:
            result = equalities[0].fn(ctx)
            for eq in equalities[1:]:
                result = _bool_or(result, eq.fn(ctx))
            return _bool_not(result) if negated else result

        return _Expr("bool", any_equal, node)

    def _compile_isnull(self, node: ast.IsNull) -> _Expr:
        operand = self.visit(node.operand)
        negated = node.negated
        kind = operand.type
        of = operand.fn

        def is_null(ctx: RuleContext) -> Value:
            known = _known(kind, of(ctx), ctx.n)
            result = known if negated else ~known
            return result, np.ones_like(result, dtype=bool)

        return _Expr("bool", is_null, node)

    # -- functions -------------------------------------------------------
    def _compile_call(self, node: ast.Call) -> _Expr:
        name = node.name
        if name not in FUNCTIONS:
            hint = closest(name, FUNCTIONS)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise self.error(
                UnknownFunctionError,
                f"unknown function {name!r}{suggestion}; available functions: "
                f"{', '.join(FUNCTIONS)}",
                node,
            )
        if name == "has_tag":
            return self.has_tag(node)
        args = [self.visit(a) for a in node.args]
        arity = _ARITY[name]
        if len(args) < arity[0] or (arity[1] is not None and len(args) > arity[1]):
            if arity[1] is None:
                wanted = f"at least {arity[0]} arguments"
            else:
                wanted = f"{arity[0]} argument{'s' if arity[0] > 1 else ''}"
            raise self.error(RuleTypeError, f"{name}() takes {wanted}; got {len(args)}", node)
        return getattr(self, f"_call_{name}")(node, args)  # type: ignore[no-any-return]

    def has_tag(self, node: ast.Call) -> _Expr:
        if len(node.args) != 1 or not (
            isinstance(node.args[0], ast.Literal) and isinstance(node.args[0].value, str)
        ):
            raise self.error(
                RuleTypeError, "has_tag() takes one quoted tag name, e.g. has_tag('vip')", node
            )
        tag = node.args[0].value
        assert isinstance(tag, str)
        if self.known_tags is not None and tag not in self.known_tags:
            hint = closest(tag, self.known_tags)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            raise self.error(UnknownTagError, f"unknown tag {tag!r}{suggestion}", node.args[0])
        self.tags[tag] = None

        def read_tag(ctx: RuleContext) -> Value:
            if tag not in ctx.tags:
                raise RuleEvaluationError(
                    f"the rule reads has_tag({tag!r}) but no tag {tag!r} was given"
                )
            return ctx.tags[tag], _TRUE

        return _Expr("bool", read_tag, node)

    def unary_number(
        self, node: ast.Call, args: list[_Expr], fn: Callable[[Value], Value]
    ) -> _Expr:
        arg = args[0]
        kinds: tuple[str, ...] = ("number", "duration") if node.name == "abs" else ("number",)
        self.require(arg, kinds, f"{node.name}()")
        kind = "number" if arg.type == "null" else arg.type
        if arg.type == "null":
            return _null_constant(kind, node)
        af = arg.fn
        return _Expr(kind, lambda ctx: fn(af(ctx)), node)

    def _call_abs(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.unary_number(node, args, np.abs)

    def _call_log(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.unary_number(node, args, _safe(np.log, lambda x: x > 0))

    def _call_log1p(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.unary_number(node, args, _safe(np.log1p, lambda x: x > -1))

    def _call_sqrt(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.unary_number(node, args, _safe(np.sqrt, lambda x: x >= 0))

    def same_type(self, node: ast.Call, args: list[_Expr], allowed: tuple[str, ...]) -> str:
        kinds = [a.type for a in args if a.type != "null"]
        for arg in args:
            self.require(arg, allowed, f"{node.name}()")
        for arg in args:
            if arg.type != "null" and arg.type != kinds[0]:
                first = next(a for a in args if a.type == kinds[0])
                raise self.error(
                    RuleTypeError,
                    f"type mismatch: {node.name}() got {_describe(first.node, first.type)} and "
                    f"{_describe(arg.node, arg.type)}",
                    node,
                )
        return kinds[0] if kinds else "null"

    def extreme(self, node: ast.Call, args: list[_Expr], fn: Any) -> _Expr:
        kind = self.same_type(node, args, ("number", "datetime", "duration"))
        if kind == "null" or any(a.type == "null" for a in args):
            return _null_constant("number" if kind == "null" else kind, node)
        fns = [a.fn for a in args]

        def reduce(ctx: RuleContext) -> Value:
            result = fns[0](ctx)
            for f in fns[1:]:
                result = fn(result, f(ctx))
            return result

        return _Expr(kind, reduce, node)

    def _call_min(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.extreme(node, args, np.minimum)

    def _call_max(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.extreme(node, args, np.maximum)

    def _call_coalesce(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        kind = self.same_type(node, args, ("number", "datetime", "duration", "bool", "string"))
        args = [a for a in args if a.type != "null"]
        if not args:
            return _constant("null", None, node)
        fns = [a.fn for a in args]

        def coalesce(ctx: RuleContext) -> Value:
            n = ctx.n
            result = _broadcast(fns[0](ctx), kind, n)
            for f in fns[1:]:
                other = _broadcast(f(ctx), kind, n)
                if kind == "bool":
                    v, k = result
                    ov, ok = other
                    result = np.where(k, v, ov), k | ok
                elif kind == "string":
                    left, right = result.objects(), other.objects()
                    merged = np.where(pd.isna(left), right, left)
                    codes, uniques = pd.factorize(merged, use_na_sentinel=True)
                    result = _Str(
                        np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)
                    )
                else:
                    result = np.where(np.isnan(result), other, result)
            return result

        return _Expr(kind, coalesce, node)

    def string_map(self, node: ast.Call, args: list[_Expr], fn: Callable[[str], str]) -> _Expr:
        arg = args[0]
        self.require(arg, ("string",), f"{node.name}()")
        if arg.type == "null":
            return _constant("null", None, node)
        if arg.is_const:
            return _constant("string", fn(arg.const), node)
        af = arg.fn

        def mapped(ctx: RuleContext) -> Value:
            s = af(ctx)
            uniques = np.empty(len(s.uniques), dtype=object)
            uniques[:] = [fn(u) for u in s.uniques]
            return _Str(s.codes, uniques)

        return _Expr("string", mapped, node)

    def _call_lower(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.string_map(node, args, str.lower)

    def _call_upper(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        return self.string_map(node, args, str.upper)

    def _call_len(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        arg = args[0]
        self.require(arg, ("string", "list"), "len()")
        if arg.type == "null":
            return _null_constant("number", node)
        af = arg.fn
        if arg.type == "list":

            def list_len(ctx: RuleContext) -> Value:
                lst = af(ctx)
                return np.where(lst.known, lst.lengths.astype(np.float64), np.nan)

            return _Expr("number", list_len, node)
        if arg.is_const:
            return _constant("number", np.float64(len(arg.const)), node)

        def str_len(ctx: RuleContext) -> Value:
            s = af(ctx)
            lengths = np.fromiter((len(u) for u in s.uniques), np.float64, len(s.uniques))
            return s.apply(lengths, np.nan)

        return _Expr("number", str_len, node)

    def _call_days_since(self, node: ast.Call, args: list[_Expr]) -> _Expr:
        arg = args[0]
        self.require(arg, ("datetime",), "days_since()")
        self.uses_as_of = True
        if arg.type == "null":
            return _null_constant("number", node)
        af = arg.fn
        return _Expr("number", lambda ctx: _as_of(ctx) - af(ctx), node)


def _article(text: str) -> str:
    return ("an " if text[0] in "aeiou" else "a ") + text


def _unknown_fn(ctx: RuleContext) -> Value:
    return _UNKNOWN


def _as_of(ctx: RuleContext) -> Value:
    if ctx.as_of is None:
        raise RuleEvaluationError(
            "the rule uses as_of (or days_since) but no as_of date was given; "
            "pass as_of='YYYY-MM-DD'"
        )
    return np.float64(ctx.as_of)


def _safe(
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


_ARITHMETIC: dict[str, Callable[[Value, Value], Value]] = {
    "+": _quiet(np.add),
    "-": _quiet(np.subtract),
    "*": _quiet(np.multiply),
    "/": _divide,
    "%": _modulo,
}

_ARITHMETIC_TYPES = {
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


def _arithmetic_type(op: str, left: str, right: str) -> str | None:
    if left == "null" and right == "null":
        return "number"
    if left == "null" or right == "null":
        other = right if left == "null" else left
        candidates = {
            result
            for (o, lt, rt), result in _ARITHMETIC_TYPES.items()
            if o == op and (lt if left != "null" else rt) == other
        }
        if not candidates:
            return None
        return other if other in candidates else sorted(candidates)[0]
    return _ARITHMETIC_TYPES.get((op, left, right))


_ARITY: dict[str, tuple[int, int | None]] = {
    "abs": (1, 1),
    "log": (1, 1),
    "log1p": (1, 1),
    "sqrt": (1, 1),
    "min": (2, None),
    "max": (2, None),
    "coalesce": (2, None),
    "lower": (1, 1),
    "upper": (1, 1),
    "len": (1, 1),
    "days_since": (1, 1),
}

_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda s, sub: sub in s,
    "startswith": str.startswith,
    "endswith": str.endswith,
    "matches": lambda s, pattern: re.search(pattern, s) is not None,
}


def _list_contains(lst: _List, item: Any, n: int) -> Value:
    items = lst.items
    per_unique = np.fromiter(
        (_same_item(u, item) for u in items.uniques), bool, len(items.uniques)
    )
    hit = items.apply(per_unique, False)
    value = np.zeros(n, dtype=bool)
    value[lst.owner[hit]] = True
    return value, lst.known


def _same_item(u: Any, item: Any) -> bool:
    if isinstance(u, (bool, np.bool_)) != isinstance(item, (bool, np.bool_)):
        return False
    if isinstance(u, str) != isinstance(item, str):
        return False
    try:
        return bool(u == item)
    except (TypeError, ValueError):
        return False


def _is_in(kind: str, values: Value, constants: list[Value]) -> Value:
    if kind in _NUMERIC:
        known = _num_known(values)
        return np.isin(values, np.asarray(constants, dtype=np.float64)) & known, known
    if kind == "bool":
        v, k = values
        wanted = {bool(c[0]) for c in constants}
        hit = (v & (True in wanted)) | (~v & k & (False in wanted))
        return hit, k
    per_unique = np.asarray(pd.Index(values.uniques, dtype=object).isin(constants), dtype=bool)
    return values.apply(per_unique, False), values.known()


def _known(kind: str, value: Value, n: int) -> np.ndarray:
    if kind == "null":
        return np.zeros(n, dtype=bool)
    if kind in _NUMERIC:
        return np.broadcast_to(_num_known(value), (n,)).copy()
    if kind == "bool":
        return np.broadcast_to(value[1], (n,)).copy()
    if kind == "string":
        return value.known() if isinstance(value, _Str) else np.ones(n, dtype=bool)
    return np.asarray(value.known).copy()


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
class CompiledRule:
    """A type-checked rule, ready to evaluate on frames with the compiled schema.

    Create it with :func:`compile_rule`; see the module docstring for the API.
    """

    def __init__(
        self,
        text: str,
        node: ast.Node,
        expr: _Expr,
        columns: tuple[str, ...],
        tags: tuple[str, ...],
        uses_as_of: bool,
    ) -> None:
        self.text = text
        self.node = node
        self.type = expr.type
        self.columns = columns
        self.tags = tags
        self.uses_as_of = uses_as_of
        self._expr = expr
        self._rebuild: tuple[dict[str, str], tuple[str, ...] | None, str | None] = ({}, None, None)

    def __repr__(self) -> str:
        return f"CompiledRule({self.text!r}, type={self.type!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Evaluators are closures; pickle the recipe and compile again on load.
        types, known_tags, expect = self._rebuild
        return (_recompile, (self.text, types, known_tags, expect))

    def _context(self, df: Any, as_of: Any, tags: Any) -> RuleContext:
        if isinstance(df, RuleContext):
            if as_of is not None or tags is not None:
                raise ParameterError("pass as_of and tags to the RuleContext, not alongside it")
            return df
        return RuleContext(df, as_of=as_of, tags=tags)

    def _raw(self, ctx: RuleContext) -> Value:
        with np.errstate(all="ignore"):
            return _broadcast(self._expr.fn(ctx), self.type, ctx.n)

    def kleene(
        self, df: Any, *, as_of: Any = None, tags: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(value, known)`` boolean arrays for a condition (see the module docs)."""
        if self.type not in ("bool", "null"):
            raise RuleTypeError(f"the rule is {_a(self.type)}, not a condition: {self.text}")
        ctx = self._context(df, as_of, tags)
        if self.type == "null":
            return np.zeros(ctx.n, dtype=bool), np.zeros(ctx.n, dtype=bool)
        value, known = self._raw(ctx)
        return value, known

    def mask(self, df: Any, *, as_of: Any = None, tags: Any = None) -> np.ndarray:
        """Return a boolean array, true exactly where the condition is true."""
        return self.kleene(df, as_of=as_of, tags=tags)[0]

    def evaluate(self, df: Any, *, as_of: Any = None, tags: Any = None) -> pd.Series:
        """Evaluate on ``df`` and return a Series aligned on its index.

        Conditions give a nullable ``boolean`` Series (``<NA>`` for unknown),
        numbers ``Float64``, dates ``datetime64[us]``, durations
        ``timedelta64[us]``, strings ``str`` and lists ``object``.
        """
        ctx = self._context(df, as_of, tags)
        index = ctx.df.index
        kind = self.type
        if kind == "null":
            return pd.Series([None] * ctx.n, index=index, dtype=object)
        raw = self._raw(ctx)
        if kind == "bool":
            value, known = raw
            return pd.Series(pd.arrays.BooleanArray(value, ~known), index=index)
        if kind == "number":
            return pd.Series(pd.array(raw, dtype="Float64"), index=index)
        if kind in ("datetime", "duration"):
            ticks = np.round(raw * _US_PER_DAY)
            null = np.isnan(ticks)
            ints = np.where(null, 0, ticks).astype(np.int64)
            unit = "datetime64[us]" if kind == "datetime" else "timedelta64[us]"
            out = ints.view(unit).copy()
            out[null] = np.datetime64("NaT") if kind == "datetime" else np.timedelta64("NaT")
            return pd.Series(out, index=index)
        if kind == "string":
            return pd.Series(raw.objects(), index=index, dtype="str")
        return pd.Series(raw.objects, index=index, dtype=object)


def compile_rule(
    rule: str | ast.Node,
    schema: Any,
    *,
    tags: Iterable[str] | None = None,
    expect: str | None = "bool",
) -> CompiledRule:
    """Type-check a rule against a schema and compile it to column operations.

    Parameters
    ----------
    rule : str or Node
        Rule text, or an AST from :func:`~segkit.tagging.parse`.
    schema : DataFrame, RuleContext or mapping
        Where column types come from: a frame (types from dtypes; object
        columns from their values), or ``{column: dtype or type name}``.
    tags : iterable of str, optional
        Tag names ``has_tag`` may refer to; None accepts any tag name (it must
        then be given at evaluation).
    expect : {"bool", None}, default "bool"
        ``"bool"`` requires a condition; None accepts an expression of any type.

    Returns
    -------
    CompiledRule

    Raises
    ------
    RuleSyntaxError, RuleTypeError, UnknownColumnError, UnknownFunctionError, UnknownTagError
        All with the rule text and a caret under the fault.

    Examples
    --------
    >>> compile_rule("orders > 'ten'", {"orders": "int64"})
    Traceback (most recent call last):
    ...
    segkit.tagging.errors.RuleTypeError: type mismatch: cannot compare orders (number) with
    'ten' (string)
      orders > 'ten'
      ^^^^^^^^^^^^^^
    """
    if isinstance(rule, str):
        text = rule
        node = parse(rule)
    else:
        if not isinstance(rule, _NODE_TYPES):
            raise ParameterError(
                f"rule must be rule text or an AST node; got {type(rule).__name__}"
            )
        if rule.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"rule nests too deeply (more than {MAX_DEPTH} levels)")
        text = str(rule)
        node = parse(text)  # re-parse to recover spans for error carets
        if node != rule:  # pragma: no cover - printing round-trips by construction
            raise RuleSyntaxError(f"the AST does not print back to itself: {text}")
    known_tags = None if tags is None else frozenset(tags)
    compiler = _Compiler(text, _schema(schema), known_tags)
    expr = compiler.visit(node)
    if expect == "bool" and expr.type not in ("bool", "null"):
        raise RuleTypeError(
            f"a rule must be a condition (true or false), but {_describe(node, expr.type)} "
            "is not; compare it with something, e.g. x > 0",
            text,
            0,
            len(text),
        )
    if expect not in ("bool", None):
        raise ParameterError(f"expect must be 'bool' or None; got {expect!r}")
    compiled = CompiledRule(
        text,
        node,
        expr,
        tuple(compiler.columns),
        tuple(compiler.tags),
        compiler.uses_as_of,
    )
    schema_types = {c: compiler.schema.type_of(c) for c in compiled.columns}
    compiled._rebuild = (
        schema_types,
        None if known_tags is None else tuple(sorted(known_tags)),
        expect,
    )
    return compiled


def _recompile(
    text: str, types: dict[str, str], tags: tuple[str, ...] | None, expect: str | None
) -> CompiledRule:
    return compile_rule(text, types, tags=tags, expect=expect)
