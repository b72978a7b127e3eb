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

The work is split by job: :mod:`~segkit.tagging._types` (the value types),
:mod:`~segkit.tagging.context` (where values are read from),
:mod:`~segkit.tagging._runtime` (the vectorised operations, and how values
are represented), :mod:`~segkit.tagging._visitor` (the AST visitor, with the function calls in
:mod:`~segkit.tagging._functions` and sub-expressions in
:mod:`~segkit.tagging._expr`) and
:mod:`~segkit.tagging._regex` (bounded-cost patterns); this module is the API.

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

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

import segkit.tagging.ast as ast
from segkit.errors import ParameterError, RuleEvaluationError, RuleSyntaxError, RuleTypeError
from segkit.tagging._expr import Expr, describe
from segkit.tagging._runtime import US_PER_DAY, Value, broadcast
from segkit.tagging._types import FUNCTIONS, TYPES, infer_type, type_name
from segkit.tagging._visitor import Compiler
from segkit.tagging.context import RuleContext, as_schema
from segkit.tagging.parser import MAX_DEPTH, parse

__all__ = ["FUNCTIONS", "TYPES", "CompiledRule", "RuleContext", "compile_rule", "infer_type"]

_MAX_TICKS = float(2**63 - 1)
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


class CompiledRule:
    """A type-checked rule, ready to evaluate on frames with the compiled schema.

    Create it with :func:`compile_rule`; see the module docstring for the API.
    """

    def __init__(
        self,
        text: str,
        node: ast.Node,
        expr: Expr,
        columns: tuple[str, ...],
        tags: tuple[str, ...],
        uses_as_of: bool,
        recipe: tuple[dict[str, str], tuple[str, ...] | None, str | None],
    ) -> None:
        self.text = text
        self.node = node
        self.type = expr.type
        self.columns = columns
        self.tags = tags
        self.uses_as_of = uses_as_of
        self._expr = expr
        # (column types, known tags, expect): enough to compile the rule again
        self._recipe = recipe

    def __repr__(self) -> str:
        return f"CompiledRule({self.text!r}, type={self.type!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Evaluators are closures; pickle the recipe and compile again on load.
        types, known_tags, expect = self._recipe
        return (_recompile, (self.text, types, known_tags, expect))

    def _context(self, df: Any, as_of: Any, tags: Any) -> RuleContext:
        if isinstance(df, RuleContext):
            if as_of is not None or tags is not None:
                raise ParameterError("pass as_of and tags to the RuleContext, not alongside it")
            return df
        return RuleContext(df, as_of=as_of, tags=tags)

    def _raw(self, ctx: RuleContext) -> Value:
        with np.errstate(all="ignore"):
            return broadcast(self._expr.fn(ctx), self.type, ctx.n)

    def kleene(
        self, df: Any, *, as_of: Any = None, tags: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(value, known)`` boolean arrays for a condition (see the module docs)."""
        if self.type not in ("bool", "null"):
            raise RuleTypeError(
                f"the rule is {type_name(self.type)}, not a condition: {self.text}"
            )
        ctx = self._context(df, as_of, tags)
        if self.type == "null":
            return np.zeros(ctx.n, dtype=bool), np.zeros(ctx.n, dtype=bool)
        value, known = self._raw(ctx)
        return value, known

    def mask(self, df: Any, *, as_of: Any = None, tags: Any = None) -> np.ndarray:
        """Return a boolean array, true exactly where the condition is true.

        Only the true rows are computed (no unknown/false bookkeeping), so this is
        the cheapest way to evaluate a condition. The array may be shared with
        the context's cache: do not modify it in place.
        """
        true_fn = self._expr.true_fn
        if true_fn is None or self.type != "bool":
            return self.kleene(df, as_of=as_of, tags=tags)[0]
        ctx = self._context(df, as_of, tags)
        with np.errstate(all="ignore"):
            value = true_fn(ctx)
        if np.ndim(value) == 0:
            return np.full(ctx.n, bool(value))
        result: np.ndarray = value
        return result

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
            with np.errstate(all="ignore"):
                ticks = np.round(raw * US_PER_DAY)
            null = np.isnan(ticks)
            too_far = ~null & ~(np.abs(ticks) < _MAX_TICKS)
            if too_far.any():
                row = int(np.flatnonzero(too_far)[0])
                what = "date" if kind == "datetime" else "duration"
                raise RuleEvaluationError(
                    f"the rule gives a {what} beyond what 64-bit microseconds hold (about "
                    f"292,000 years from 1970) at row {row}: {self.text}"
                )
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
    segkit.errors.RuleTypeError: type mismatch: cannot compare orders (number) with
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
    compiler = Compiler(text, as_schema(schema), known_tags)
    expr = compiler.visit(node)
    if expect == "bool" and expr.type not in ("bool", "null"):
        raise RuleTypeError(
            f"a rule must be a condition (true or false), but {describe(node, expr.type)} "
            "is not; compare it with something, e.g. x > 0",
            text,
            0,
            len(text),
        )
    if expect not in ("bool", None):
        raise ParameterError(f"expect must be 'bool' or None; got {expect!r}")
    schema_types = {c: compiler.schema.type_of(c) for c in compiler.columns}
    return CompiledRule(
        text,
        node,
        expr,
        tuple(compiler.columns),
        tuple(compiler.tags),
        compiler.uses_as_of,
        (schema_types, None if known_tags is None else tuple(sorted(known_tags)), expect),
    )


def _recompile(
    text: str, types: dict[str, str], tags: tuple[str, ...] | None, expect: str | None
) -> CompiledRule:
    return compile_rule(text, types, tags=tags, expect=expect)
