"""The compiler proper: a visitor from AST nodes to typed, vectorised evaluators.

:class:`Compiler` walks a parsed rule once, checks every operand's type
against the schema (raising with a caret under the fault) and returns an
:class:`Expr` whose ``fn(ctx)`` computes the value on a
:class:`~segkit.tagging.context.RuleContext`. Sub-expressions of constants are
folded at compile time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import segkit.tagging.ast as ast
from segkit.errors import (
    RuleSyntaxError,
    RuleTypeError,
    UnknownColumnError,
)
from segkit.tagging._expr import (
    Expr,
    article,
    as_of_days,
    condition,
    constant,
    describe,
    false_of,
    memoized,
    null_constant,
    true_of,
)
from segkit.tagging._functions import FunctionCalls
from segkit.tagging._regex import PatternError, compile_pattern
from segkit.tagging._runtime import (
    ARITHMETIC,
    DURATION_DAYS,
    FLIP,
    NUMERIC,
    TRUE,
    Strings,
    Value,
    bool_not,
    bool_or,
    compare_objects,
    compare_str_const,
    compare_true,
    is_in,
    known_mask,
    list_contains,
)
from segkit.tagging._types import arithmetic_type, type_name
from segkit.tagging.context import RuleContext, unknown_column_message

__all__ = ["Compiler"]

_EPOCH_DATE = dt.date(1970, 1, 1)
_LEAVES = (ast.Literal, ast.DateLiteral, ast.Duration, ast.Column, ast.AsOf)
#: the comparison true exactly where ``op`` is false (both operands known)
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FIRST_DATE, _LAST_DATE = "1677-09-22", "2262-04-11"


class Compiler(FunctionCalls):
    """Compile a parsed rule against a schema; see the module docstring."""

    def __init__(self, text: str, schema: Any, tags: frozenset[str] | None) -> None:
        self.text = text
        self.schema = schema
        self.known_tags = tags
        self.columns: dict[str, None] = {}
        self.tags: dict[str, None] = {}
        self.uses_as_of = False
        # texts of sub-expressions several rules share: computed once per context
        self.shared: frozenset[str] = getattr(schema, "shared", frozenset())

    def error(self, cls: type[Exception], message: str, node: ast.Node) -> Exception:
        return cls(message, self.text, node.span[0], node.span[1])

    def visit(self, node: ast.Node) -> Expr:
        method: Callable[[Any], Expr] = getattr(self, f"_compile_{type(node).__name__.lower()}")
        expr = method(node)
        if self.shared and not expr.is_const and not isinstance(node, _LEAVES):
            key = str(node)
            if key in self.shared:
                return memoized(expr, key)
        return expr

    def join(self, op: str, left: Expr, right: Expr, node: ast.Node) -> Expr:
        """``left and right`` / ``left or right`` in Kleene logic, on true and false rows."""
        lt, lf, rt, rf = true_of(left), false_of(left), true_of(right), false_of(right)
        if op == "and":
            return condition(node, lambda ctx: lt(ctx) & rt(ctx), lambda ctx: lf(ctx) | rf(ctx))
        return condition(node, lambda ctx: lt(ctx) | rt(ctx), lambda ctx: lf(ctx) & rf(ctx))

    # -- leaves ----------------------------------------------------------
    def _compile_literal(self, node: ast.Literal) -> Expr:
        v = node.value
        if v is None:
            return constant("null", None, node)
        if isinstance(v, bool):
            return constant("bool", (np.bool_(v), TRUE), node)
        if isinstance(v, str):
            return constant("string", v, node)
        return constant("number", np.float64(v), node)

    def _compile_dateliteral(self, node: ast.DateLiteral) -> Expr:
        if not _FIRST_DATE <= node.value <= _LAST_DATE:  # ISO dates sort as text
            raise self.error(
                RuleSyntaxError,
                f"date {node.value} is outside {_FIRST_DATE} .. {_LAST_DATE}, the range of "
                "segkit's time policy; for 'never' test for a missing date (is null)",
                node,
            )
        days = (dt.date.fromisoformat(node.value) - _EPOCH_DATE).days
        return constant("datetime", np.float64(days), node)

    def _compile_duration(self, node: ast.Duration) -> Expr:
        return constant("duration", np.float64(node.amount * DURATION_DAYS[node.unit]), node)

    def _compile_asof(self, node: ast.AsOf) -> Expr:
        self.uses_as_of = True
        return Expr("datetime", as_of_days, node)

    def _compile_column(self, node: ast.Column) -> Expr:
        name = node.name
        kind = self.schema.type_of(name)
        if kind is None:
            raise self.error(
                UnknownColumnError, unknown_column_message(name, self.schema.names()), node
            )
        self.columns[name] = None
        if kind == "null":
            return Expr("null", lambda ctx: None, node)
        return Expr(kind, lambda ctx: ctx.column(name, kind), node)

    # -- operators -------------------------------------------------------
    def _compile_unary(self, node: ast.Unary) -> Expr:
        operand = self.visit(node.operand)
        if node.op == "not":
            self.require(operand, ("bool",), "'not'")
            if operand.type == "null":
                return null_constant("bool", node)
            negation = condition(node, false_of(operand), true_of(operand))
            return self.fold(negation, operand)
        self.require(operand, ("number", "duration"), "'-'")
        if operand.type == "null":
            return null_constant("number", node)
        return self.fold(Expr(operand.type, lambda ctx: -operand.fn(ctx), node), operand)

    def require(self, expr: Expr, kinds: tuple[str, ...], what: str) -> None:
        if expr.type != "null" and expr.type not in kinds:
            wanted = " or ".join(type_name(k) for k in kinds)
            raise self.error(
                RuleTypeError,
                f"{what} needs {article(wanted)}; got {describe(expr.node, expr.type)}",
                expr.node,
            )

    def fold(self, expr: Expr, *operands: Expr) -> Expr:
        """Evaluate ``expr`` once, at compile time, when all its operands are constants.

        Folded constants make ``l contains 1 + 1`` and ``s == lower('A')`` take
        the constant paths. Only numbers, dates, durations and conditions fold:
        their operations are the same on scalars as on columns.
        """
        if not all(o.is_const for o in operands) or expr.type not in (*NUMERIC, "bool"):
            return expr
        with np.errstate(all="ignore"):
            value = expr.fn(None)  # type: ignore[arg-type]  # constants never read ctx
        if expr.type == "bool":
            value = (np.bool_(value[0]), np.bool_(value[1]))
        else:
            value = np.float64(value)
        return constant(expr.type, value, expr.node)

    def _compile_binary(self, node: ast.Binary) -> Expr:
        op = node.op
        if op in ("and", "or"):
            left, right = self.visit(node.left), self.visit(node.right)
            self.require(left, ("bool",), f"'{op}'")
            self.require(right, ("bool",), f"'{op}'")
            return self.fold(self.join(op, left, right, node), left, right)
        if op in ast.COMPARISONS:
            return self.comparison(op, node.left, node.right, node)
        if op in ast.STRING_PREDICATES:
            return self.predicate(node)
        return self.arithmetic(node)

    def comparison(
        self, op: str, left_node: ast.Node, right_node: ast.Node, node: ast.Node
    ) -> Expr:
        left, right = self.visit(left_node), self.visit(right_node)
        lt, rt = left.type, right.type
        if "null" in (lt, rt):
            if "list" in (lt, rt):
                self.mismatch("compare", left, right, node)
            return null_constant("bool", node)
        if lt == rt == "bool" and op not in ("==", "!="):
            raise self.error(RuleTypeError, f"'{op}' cannot order booleans; use == or !=", node)
        if lt != rt or lt == "list":
            self.mismatch("compare", left, right, node)
        lf, rf = left.fn, right.fn
        if lt in NUMERIC:
            negated = NEGATE[op]
            numbers = condition(
                node,
                lambda ctx: compare_true(op, lf(ctx), rf(ctx), ctx),
                lambda ctx: compare_true(negated, lf(ctx), rf(ctx), ctx),
            )
            return self.fold(numbers, left, right)
        if lt == "bool":
            negate = op == "!="

            def compare_bools(ctx: RuleContext) -> Value:
                (av, ak), (bv, bk) = lf(ctx), rf(ctx)
                known = ak & bk
                same = (av == bv) != negate
                return same & known, known

            return self.fold(Expr("bool", compare_bools, node), left, right)
        # strings
        if right.is_const and not left.is_const:
            const = right.const
            return Expr("bool", lambda ctx: compare_str_const(op, lf(ctx), const), node)
        if left.is_const and not right.is_const:
            const, flipped = left.const, FLIP[op]
            return Expr("bool", lambda ctx: compare_str_const(flipped, rf(ctx), const), node)
        return Expr("bool", lambda ctx: compare_objects(op, lf(ctx), rf(ctx), ctx.n), node)

    def mismatch(self, verb: str, left: Expr, right: Expr, node: ast.Node) -> None:
        raise self.error(
            RuleTypeError,
            f"type mismatch: cannot {verb} {describe(left.node, left.type)} with "
            f"{describe(right.node, right.type)}",
            node,
        )

    def arithmetic(self, node: ast.Binary) -> Expr:
        op = node.op
        left, right = self.visit(node.left), self.visit(node.right)
        result = arithmetic_type(op, left.type, right.type)
        if result is None:
            raise self.error(
                RuleTypeError,
                f"type mismatch: cannot apply '{op}' to {describe(left.node, left.type)} and "
                f"{describe(right.node, right.type)}",
                node,
            )
        if "null" in (left.type, right.type):
            return null_constant(result, node)
        lf, rf = left.fn, right.fn
        function = ARITHMETIC[op]
        return self.fold(Expr(result, lambda ctx: function(lf(ctx), rf(ctx)), node), left, right)

    def predicate(self, node: ast.Binary) -> Expr:
        op = node.op
        left, right = self.visit(node.left), self.visit(node.right)
        if op == "contains" and left.type == "list":
            if right.type not in ("string", "number", "bool", "null"):
                raise self.error(
                    RuleTypeError,
                    f"'contains' cannot look for {describe(right.node, right.type)} in "
                    f"{describe(left.node, left.type)}",
                    node,
                )
            if right.type == "null":
                return null_constant("bool", node)
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
            return Expr("bool", lambda ctx: list_contains(lf(ctx), item, ctx.n), node)
        if left.type not in ("string", "null") or right.type not in ("string", "null"):
            bad = left if left.type not in ("string", "null") else right
            wanted = "a string (or a list on the left)" if op == "contains" else "a string"
            raise self.error(
                RuleTypeError,
                f"'{op}' needs {wanted} on both sides; got {describe(bad.node, bad.type)}",
                node,
            )
        if "null" in (left.type, right.type):
            return null_constant("bool", node)
        if op == "matches":
            if not right.is_const:
                raise self.error(
                    RuleTypeError, "the pattern of 'matches' must be a quoted string", node.right
                )
            try:
                found = compile_pattern(str(right.const))
            except PatternError as exc:
                raise self.error(RuleSyntaxError, str(exc), node.right) from None
            test: Callable[[str, str], bool] = lambda s, _pattern: found(s)  # noqa: E731
        else:
            test = _STRING_TESTS[op]
        lf, rf = left.fn, right.fn
        if right.is_const and not left.is_const:
            const = right.const

            def per_unique(ctx: RuleContext) -> Value:
                s = lf(ctx)
                hits = np.fromiter((test(u, const) for u in s.uniques), bool, len(s.uniques))
                return s.apply(hits, False), s.known()

            return Expr("bool", per_unique, node)

        def row_by_row(ctx: RuleContext) -> Value:
            n = ctx.n
            a, b = lf(ctx), rf(ctx)
            left_obj = a.objects() if isinstance(a, Strings) else np.full(n, a, dtype=object)
            right_obj = b.objects() if isinstance(b, Strings) else np.full(n, b, dtype=object)
            known = pd.notna(left_obj) & pd.notna(right_obj)
            value = np.zeros(n, dtype=bool)
            for i in np.flatnonzero(known):
                value[i] = test(left_obj[i], right_obj[i])
            return value, known

        return Expr("bool", row_by_row, node)

    def _compile_between(self, node: ast.Between) -> Expr:
        low = self.comparison(">=", node.operand, node.low, node)
        high = self.comparison("<=", node.operand, node.high, node)
        return self.fold(self.join("and", low, high, node), low, high)

    def _compile_inlist(self, node: ast.InList) -> Expr:
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
            return null_constant("bool", node)
        if all(i.is_const for i in items) and not operand.is_const:
            has_null = any(i.type == "null" for i in items)
            constants = [i.const for i in items if i.type != "null"]
            of = operand.fn
            kind = operand.type

            def in_constants(ctx: RuleContext) -> Value:
                value, known = is_in(kind, of(ctx), constants)
                if has_null:
                    known = value.copy()
                return bool_not((value, known)) if negated else (value, known)

            return Expr("bool", in_constants, node)
        equalities = [
            self.comparison("==", node.operand, item_node, node) for item_node in node.items
        ]

        def any_equal(ctx: RuleContext) -> Value:
            result = equalities[0].fn(ctx)
            for eq in equalities[1:]:
                result = bool_or(result, eq.fn(ctx))
            return bool_not(result) if negated else result

        return Expr("bool", any_equal, node)

    def _compile_isnull(self, node: ast.IsNull) -> Expr:
        operand = self.visit(node.operand)
        negated = node.negated
        kind = operand.type
        of = operand.fn

        def present(ctx: RuleContext) -> Value:
            return known_mask(kind, of(ctx), ctx.n)

        def missing(ctx: RuleContext) -> Value:
            return ~known_mask(kind, of(ctx), ctx.n)

        return (
            condition(node, missing, present) if not negated else condition(node, present, missing)
        )

    # -- functions -------------------------------------------------------


_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda s, sub: sub in s,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
