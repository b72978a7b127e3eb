"""Compiled sub-expressions (:class:`Expr`) and the small helpers the compiler shares."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from segkit._time import AsOf
from segkit.tagging import ast
from segkit.tagging._runtime import NAN, NUMERIC, UNKNOWN, Value
from segkit.tagging._types import type_name
from segkit.tagging.context import RuleContext
from segkit.tagging.errors import RuleEvaluationError

__all__ = [
    "Evaluator",
    "Expr",
    "article",
    "as_of_days",
    "constant",
    "days_since_column",
    "days_since_days",
    "describe",
    "null_constant",
    "unknown_fn",
]

Evaluator = Callable[[RuleContext], Value]


class Expr:
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
