"""Compiled sub-expressions (:class:`Expr`) and the small helpers the compiler shares."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import segkit.tagging.ast as ast
from segkit._time import AsOf
from segkit.errors import RuleEvaluationError
from segkit.tagging._runtime import NAN, NUMERIC, UNKNOWN, Value
from segkit.tagging._types import type_name
from segkit.tagging.context import RuleContext

__all__ = [
    "Evaluator",
    "Expr",
    "article",
    "as_of_days",
    "condition",
    "constant",
    "days_since_column",
    "days_since_days",
    "describe",
    "false_of",
    "memoized",
    "null_constant",
    "true_of",
    "unknown_fn",
]

Evaluator = Callable[[RuleContext], Value]


class Expr:
    """A compiled sub-expression: its type, its evaluator and, for constants, its value.

    A condition's ``fn`` gives ``(value, known)``. Conditions built by
    :func:`condition` also carry ``true_fn`` and ``false_fn``, the rows where
    they are true and where they are false, so that a tag (which needs only
    the true rows) never computes what it does not need, and ``not`` costs
    nothing (it swaps the two).
    """

    __slots__ = ("const", "false_fn", "fn", "is_const", "node", "true_fn", "type")

    def __init__(
        self,
        kind: str,
        fn: Evaluator,
        node: ast.Node,
        *,
        const: Value = None,
        is_const: bool = False,
        true_fn: Evaluator | None = None,
        false_fn: Evaluator | None = None,
    ) -> None:
        self.type = kind
        self.fn = fn
        self.node = node
        self.const = const
        self.is_const = is_const
        self.true_fn = true_fn
        self.false_fn = false_fn


def condition(node: ast.Node, true: Evaluator, false: Evaluator) -> Expr:
    """A condition given by the rows where it is true and the rows where it is false."""

    def pair(ctx: RuleContext) -> Value:
        value = true(ctx)
        return value, value | false(ctx)

    return Expr("bool", pair, node, true_fn=true, false_fn=false)


def true_of(expr: Expr) -> Evaluator:
    """Where condition ``expr`` is true (a null operand is never true)."""
    if expr.type != "bool":
        return _never
    if expr.true_fn is not None:
        return expr.true_fn
    fn = expr.fn
    return lambda ctx: fn(ctx)[0]


def false_of(expr: Expr) -> Evaluator:
    """Where condition ``expr`` is false (a null operand is never false)."""
    if expr.type != "bool":
        return _never
    if expr.false_fn is not None:
        return expr.false_fn
    fn = expr.fn

    def false(ctx: RuleContext) -> Value:
        value, known = fn(ctx)
        return known & ~value

    return false


def _never(ctx: RuleContext) -> Value:
    return np.False_


def memoized(expr: Expr, key: str) -> Expr:
    """``expr`` with its evaluators cached in the context under ``key`` (shared parts)."""
    value_fn = _cached(expr.fn, (key, "value"))
    assert value_fn is not None
    return Expr(
        expr.type,
        value_fn,
        expr.node,
        true_fn=_cached(expr.true_fn, (key, "true")),
        false_fn=_cached(expr.false_fn, (key, "false")),
    )


def _cached(evaluator: Evaluator | None, slot: tuple[str, str]) -> Evaluator | None:
    if evaluator is None:
        return None

    def cached(ctx: RuleContext) -> Value:
        memo = ctx.memo
        if slot not in memo:
            memo[slot] = evaluator(ctx)
        return memo[slot]

    return cached


def constant(kind: str, value: Value, node: ast.Node) -> Expr:
    return Expr(kind, lambda ctx: value, node, const=value, is_const=True)


def null_constant(kind: str, node: ast.Node) -> Expr:
    if kind == "bool":
        return constant("bool", UNKNOWN, node)
    if kind in NUMERIC:
        return constant(kind, NAN, node)
    return constant("null", None, node)


def describe(node: ast.Node, kind: str) -> str:
    text = str(node)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type_name(kind)})"


def article(text: str) -> str:
    return ("an " if text[0] in "aeiou" else "a ") + text


def unknown_fn(ctx: RuleContext) -> Value:
    return UNKNOWN


def as_of_days(ctx: RuleContext) -> Value:
    if ctx.as_of is None:
        raise RuleEvaluationError(
            "the rule uses as_of (or days_since) but no as_of date was given; "
            "pass as_of='YYYY-MM-DD'"
        )
    return np.float64(ctx.as_of)


def _resolved(ctx: RuleContext) -> AsOf:
    as_of_days(ctx)  # raises when there is no as_of
    assert ctx.as_of_resolved is not None
    return ctx.as_of_resolved


def days_since_column(ctx: RuleContext, name: str) -> Value:
    """``days_since(column)``: the time policy's count, as ``summarize`` gives ``recency_days``.

    Whole calendar days for a date-only ``as_of``, exact fractions for an instant.
    """
    wall = ctx.wall_ns(name)
    days = np.asarray(_resolved(ctx).days_since(wall), dtype=np.float64)
    days[wall == np.iinfo(np.int64).min] = np.nan
    return days


def days_since_days(ctx: RuleContext, days: Value) -> Value:
    """``days_since`` of a computed date (days since 1970-01-01, wall clock)."""
    resolved = _resolved(ctx)
    if resolved.day is not None:
        return resolved.day - np.floor(days)
    return np.float64(ctx.as_of) - days
