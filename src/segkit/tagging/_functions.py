"""Function calls of the rule language: ``abs`` ... ``days_since`` and ``has_tag``.

:class:`FunctionCalls` is the part of the compiler that type-checks and
compiles calls to the allow-listed functions (:data:`FUNCTIONS`); the
operators are compiled by :class:`~segkit.tagging._visitor.Compiler`, which
inherits from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import segkit.tagging.ast as ast
from segkit.errors import (
    RuleEvaluationError,
    RuleTypeError,
    UnknownFunctionError,
    UnknownTagError,
    did_you_mean,
)
from segkit.tagging._expr import (
    Expr,
    condition,
    constant,
    days_since_column,
    days_since_days,
    describe,
    null_constant,
)
from segkit.tagging._runtime import Strings, Value, broadcast, safe
from segkit.tagging._types import FUNCTIONS
from segkit.tagging.context import RuleContext

__all__ = ["FunctionCalls"]

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


class FunctionCalls:
    """Compile function calls; the visitor supplies ``visit``, ``require``, ``fold``, ``error``."""

    known_tags: frozenset[str] | None
    tags: dict[str, None]
    uses_as_of: bool

    def visit(self, node: ast.Node) -> Expr:
        raise NotImplementedError  # pragma: no cover - provided by the visitor

    def error(self, cls: type[Exception], message: str, node: ast.Node) -> Exception:
        raise NotImplementedError  # pragma: no cover - provided by the visitor

    def require(self, expr: Expr, kinds: tuple[str, ...], what: str) -> None:
        raise NotImplementedError  # pragma: no cover - provided by the visitor

    def fold(self, expr: Expr, *operands: Expr) -> Expr:
        raise NotImplementedError  # pragma: no cover - provided by the visitor

    def _compile_call(self, node: ast.Call) -> Expr:
        name = node.name
        if name not in FUNCTIONS:
            suggestion = did_you_mean(name, FUNCTIONS)
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

    def has_tag(self, node: ast.Call) -> Expr:
        if len(node.args) != 1 or not (
            isinstance(node.args[0], ast.Literal) and isinstance(node.args[0].value, str)
        ):
            raise self.error(
                RuleTypeError, "has_tag() takes one quoted tag name, e.g. has_tag('vip')", node
            )
        tag = node.args[0].value
        assert isinstance(tag, str)
        if self.known_tags is not None and tag not in self.known_tags:
            suggestion = did_you_mean(tag, self.known_tags)
            raise self.error(UnknownTagError, f"unknown tag {tag!r}{suggestion}", node.args[0])
        self.tags[tag] = None

        def read_tag(ctx: RuleContext) -> Value:
            if tag not in ctx.tags:
                raise RuleEvaluationError(
                    f"the rule reads has_tag({tag!r}) but no tag {tag!r} was given"
                )
            return ctx.tags[tag]

        return condition(node, read_tag, lambda ctx: ~read_tag(ctx))

    def unary_number(self, node: ast.Call, args: list[Expr], fn: Callable[[Value], Value]) -> Expr:
        arg = args[0]
        kinds: tuple[str, ...] = ("number", "duration") if node.name == "abs" else ("number",)
        self.require(arg, kinds, f"{node.name}()")
        kind = "number" if arg.type == "null" else arg.type
        if arg.type == "null":
            return null_constant(kind, node)
        af = arg.fn
        return self.fold(Expr(kind, lambda ctx: fn(af(ctx)), node), arg)

    def _call_abs(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.unary_number(node, args, np.abs)

    def _call_log(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.unary_number(node, args, safe(np.log, lambda x: x > 0))

    def _call_log1p(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.unary_number(node, args, safe(np.log1p, lambda x: x > -1))

    def _call_sqrt(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.unary_number(node, args, safe(np.sqrt, lambda x: x >= 0))

    def same_type(self, node: ast.Call, args: list[Expr], allowed: tuple[str, ...]) -> str:
        kinds = [a.type for a in args if a.type != "null"]
        for arg in args:
            self.require(arg, allowed, f"{node.name}()")
        for arg in args:
            if arg.type != "null" and arg.type != kinds[0]:
                first = next(a for a in args if a.type == kinds[0])
                raise self.error(
                    RuleTypeError,
                    f"type mismatch: {node.name}() got {describe(first.node, first.type)} and "
                    f"{describe(arg.node, arg.type)}",
                    node,
                )
        return kinds[0] if kinds else "null"

    def extreme(self, node: ast.Call, args: list[Expr], fn: Any) -> Expr:
        kind = self.same_type(node, args, ("number", "datetime", "duration"))
        if kind == "null" or any(a.type == "null" for a in args):
            return null_constant("number" if kind == "null" else kind, node)
        fns = [a.fn for a in args]

        def reduce(ctx: RuleContext) -> Value:
            result = fns[0](ctx)
            for f in fns[1:]:
                result = fn(result, f(ctx))
            return result

        return self.fold(Expr(kind, reduce, node), *args)

    def _call_min(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.extreme(node, args, np.minimum)

    def _call_max(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.extreme(node, args, np.maximum)

    def _call_coalesce(self, node: ast.Call, args: list[Expr]) -> Expr:
        kind = self.same_type(node, args, ("number", "datetime", "duration", "bool", "string"))
        args = [a for a in args if a.type != "null"]
        if not args:
            return constant("null", None, node)
        fns = [a.fn for a in args]

        def coalesce(ctx: RuleContext) -> Value:
            n = ctx.n
            result = broadcast(fns[0](ctx), kind, n)
            for f in fns[1:]:
                other = broadcast(f(ctx), kind, n)
                if kind == "bool":
                    v, k = result
                    ov, ok = other
                    result = np.where(k, v, ov), k | ok
                elif kind == "string":
                    left, right = result.objects(), other.objects()
                    merged = np.where(pd.isna(left), right, left)
                    codes, uniques = pd.factorize(merged, use_na_sentinel=True)
                    result = Strings(
                        np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)
                    )
                else:
                    result = np.where(np.isnan(result), other, result)
            return result

        return Expr(kind, coalesce, node)

    def string_map(self, node: ast.Call, args: list[Expr], fn: Callable[[str], str]) -> Expr:
        arg = args[0]
        self.require(arg, ("string",), f"{node.name}()")
        if arg.type == "null":
            return constant("null", None, node)
        if arg.is_const:
            return constant("string", fn(arg.const), node)
        af = arg.fn

        def mapped(ctx: RuleContext) -> Value:
            s = af(ctx)
            uniques = np.empty(len(s.uniques), dtype=object)
            uniques[:] = [fn(u) for u in s.uniques]
            return Strings(s.codes, uniques)

        return Expr("string", mapped, node)

    def _call_lower(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.string_map(node, args, str.lower)

    def _call_upper(self, node: ast.Call, args: list[Expr]) -> Expr:
        return self.string_map(node, args, str.upper)

    def _call_len(self, node: ast.Call, args: list[Expr]) -> Expr:
        arg = args[0]
        self.require(arg, ("string", "list"), "len()")
        if arg.type == "null":
            return null_constant("number", node)
        af = arg.fn
        if arg.type == "list":

            def list_len(ctx: RuleContext) -> Value:
                lst = af(ctx)
                return np.where(lst.known, lst.lengths.astype(np.float64), np.nan)

            return Expr("number", list_len, node)
        if arg.is_const:
            return constant("number", np.float64(len(arg.const)), node)

        def str_len(ctx: RuleContext) -> Value:
            s = af(ctx)
            lengths = np.fromiter((len(u) for u in s.uniques), np.float64, len(s.uniques))
            return s.apply(lengths, np.nan)

        return Expr("number", str_len, node)

    def _call_days_since(self, node: ast.Call, args: list[Expr]) -> Expr:
        arg = args[0]
        self.require(arg, ("datetime",), "days_since()")
        self.uses_as_of = True
        if arg.type == "null":
            return null_constant("number", node)
        if isinstance(arg.node, ast.Column):  # exact, as summarize counts recency_days
            name = arg.node.name
            return Expr("number", lambda ctx: days_since_column(ctx, name), node)
        af = arg.fn
        return Expr("number", lambda ctx: days_since_days(ctx, af(ctx)), node)
