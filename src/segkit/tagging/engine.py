"""The tag engine: many rules, one pass over the customer table.

:class:`TagEngine` orders tags so that a tag read through ``has_tag`` is
computed before the rules that read it (a cycle is an error at construction),
resolves exclusive groups (highest priority wins, ties go to the earlier rule),
and returns tags as boolean columns, lists or (customer, tag) pairs. Rules are
compiled once per :meth:`TagEngine.apply` against the frame's dtypes and share
one :class:`~segkit.tagging.compiler.RuleContext`, so every column is converted
once however many rules read it.

Examples
--------
>>> import pandas as pd
>>> from segkit.tagging import Rule, TagEngine
>>> customers = pd.DataFrame(
...     {"revenue": [1200.0, 80.0, None], "recency_days": [5, 200, 40]},
...     index=pd.Index(["a", "b", "c"], name="customer"),
... )
>>> engine = TagEngine([
...     Rule("vip", "revenue >= 1000"),
...     Rule("active", "recency_days <= 90", group="state", priority=1),
...     Rule("lapsed", "recency_days > 90", group="state"),
...     Rule("vip_active", "has_tag('vip') and has_tag('active')"),
... ])
>>> engine.apply(customers)
            vip  active  lapsed  vip_active
customer
a          True    True   False        True
b         False   False    True       False
c         False    True   False       False
>>> engine.apply(customers, output="list").tolist()
[['vip', 'active', 'vip_active'], ['lapsed'], ['active']]
"""

from __future__ import annotations

import graphlib
import os
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._validation import check_choice, require_frame
from segkit.errors import (
    ParameterError,
    RuleCycleError,
    RuleError,
    RuleFileError,
    UnknownTagError,
    did_you_mean,
    excerpt,
)
from segkit.tagging import ast
from segkit.tagging.compiler import CompiledRule, RuleContext, compile_rule
from segkit.tagging.parser import parse
from segkit.tagging.rules import (
    Rule,
    _as_rules,
    rules_from_dict,
    rules_from_json,
    rules_from_yaml,
    starter_rules,
)

__all__ = ["Coverage", "TagEngine", "coverage", "diff"]


def _tags_read(node: ast.Node) -> list[str]:
    """Tags named by ``has_tag('...')`` anywhere in ``node``."""
    return [
        current.args[0].value
        for current in ast.walk(node)
        if isinstance(current, ast.Call)
        and current.name == "has_tag"
        and len(current.args) == 1
        and isinstance(current.args[0], ast.Literal)
        and isinstance(current.args[0].value, str)
    ]


_LEAVES = (ast.Literal, ast.DateLiteral, ast.Duration, ast.Column, ast.AsOf)


def _shared_parts(nodes: Iterable[ast.Node]) -> frozenset[str]:
    """Texts of the sub-expressions that occur more than once among the rules.

    ``revenue is null`` in twenty rules is then computed once per apply.
    """
    counts: dict[str, int] = {}
    for node in nodes:
        for part in ast.walk(node):
            if not isinstance(part, _LEAVES):
                text = str(part)
                counts[text] = counts.get(text, 0) + 1
    return frozenset(text for text, count in counts.items() if count > 1)


@attrs.frozen(eq=False)
class Coverage:
    """How many customers carry each tag, and how tags overlap.

    Attributes
    ----------
    summary : DataFrame
        Indexed by tag, columns ``size`` (customers with the tag) and ``share``
        (size / customers).
    overlap : DataFrame
        Tag by tag: customers carrying both (the diagonal is ``size``).
    """

    summary: pd.DataFrame
    overlap: pd.DataFrame


class TagEngine:
    """Apply a set of tag rules to a customer table.

    Parameters
    ----------
    rules : iterable of Rule
        The rules, in priority-tie order. Rules with the same tag are or-ed;
        all rules of one tag must share the same ``group``.

    Raises
    ------
    RuleCycleError
        Tags depend on each other through ``has_tag`` in a cycle.
    UnknownTagError
        ``has_tag`` names a tag that no rule sets.
    RuleFileError
        The rules of one tag are in different groups.

    Attributes
    ----------
    rules : tuple of Rule
    tags : tuple of str
        Every tag, in order of first appearance (the column order of ``apply``).
    order : tuple of str
        Tags in evaluation order (dependencies first).
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = _as_rules(rules)
        if not self.rules:
            raise ParameterError("TagEngine needs at least one rule")
        self.tags = tuple(dict.fromkeys(r.tag for r in self.rules))
        self._nodes = tuple(parse(r.when) for r in self.rules)  # cached by text
        group_of: dict[str, str | None] = {}
        for number, rule in enumerate(self.rules, 1):
            if rule.tag in group_of and group_of[rule.tag] != rule.group:
                raise RuleFileError(
                    f"rule #{number} (tag {excerpt(rule.tag)}): tag {excerpt(rule.tag)} is in "
                    f"group {group_of[rule.tag]!r} in an earlier rule and in {rule.group!r} here; "
                    "all rules of a tag must share one group"
                )
            group_of[rule.tag] = rule.group
        self._group_of = group_of
        self._units = self._order_units()
        self._shared = _shared_parts(self._nodes)
        self.order = tuple(t for unit in self._units for t in self._unit_tags(unit))

    # -- construction ----------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> TagEngine:
        """Build an engine from ``{"rules": [...]}`` (see :mod:`segkit.tagging.rules`)."""
        return cls(rules_from_dict(data))

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> TagEngine:
        """Build an engine from a JSON file path or JSON text."""
        return cls(rules_from_json(source))

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str]) -> TagEngine:
        """Build an engine from a YAML file path or YAML text (safe loading)."""
        return cls(rules_from_yaml(source))

    @classmethod
    def starter(
        cls, columns: Iterable[Any] | None = None, *, exclude_groups: Iterable[str] = ()
    ) -> TagEngine:
        """The starter rule library, optionally only the rules ``columns`` can serve.

        See :func:`segkit.tagging.rules.starter_rules`.
        """
        return cls(starter_rules(columns, exclude_groups=exclude_groups))

    def to_dict(self) -> dict[str, Any]:
        """The rules as ``{"rules": [...]}``, readable by :meth:`from_dict`."""
        return {"rules": [r.to_dict() for r in self.rules]}

    def __repr__(self) -> str:
        return f"TagEngine({len(self.rules)} rules, {len(self.tags)} tags)"

    def _unit_of(self, tag: str) -> str:
        group = self._group_of[tag]
        return f"group:{group}" if group is not None else f"tag:{tag}"

    def _unit_tags(self, unit: str) -> list[str]:
        if unit.startswith("tag:"):
            return [unit[4:]]
        return [t for t in self.tags if self._unit_of(t) == unit]

    @staticmethod
    def _label(unit: str) -> str:
        kind, name = unit.split(":", 1)
        return repr(name) if kind == "tag" else f"group {name!r}"

    def _order_units(self) -> tuple[str, ...]:
        units = list(dict.fromkeys(self._unit_of(t) for t in self.tags))
        deps: dict[str, list[str]] = {u: [] for u in units}
        for number, (rule, node) in enumerate(zip(self.rules, self._nodes, strict=True), 1):
            for tag in _tags_read(node):
                if tag not in self._group_of:
                    suggestion = did_you_mean(tag, self.tags)
                    raise UnknownTagError(
                        f"rule #{number} (tag {excerpt(rule.tag)}): has_tag({tag!r}) names a tag "
                        f"that no rule sets{suggestion}"
                    )
                dep = self._unit_of(tag)
                unit = self._unit_of(rule.tag)
                if dep not in deps[unit]:
                    deps[unit].append(dep)
        try:
            return tuple(graphlib.TopologicalSorter(deps).static_order())
        except graphlib.CycleError as exc:
            cycle = list(reversed(exc.args[1]))  # graphlib lists it against the arrows
            raise RuleCycleError([self._label(u) for u in cycle]) from None

    # -- evaluation --------------------------------------------------------
    def _compile(self, ctx: RuleContext) -> list[CompiledRule]:
        compiled = []
        for number, rule in enumerate(self.rules, 1):
            try:
                compiled.append(compile_rule(rule.when, ctx, tags=self.tags))
            except RuleError as exc:
                raise type(exc)(
                    f"rule #{number} (tag {excerpt(rule.tag)}): {exc.message}",
                    exc.text,
                    exc.start,
                    exc.end,
                ) from None
        return compiled

    def check(self, df: Any) -> None:
        """Type-check every rule against ``df``'s columns and dtypes, without evaluating.

        Raises
        ------
        RuleError
            Naming every rule that does not fit; the class is that of the first problem.
        """
        ctx = RuleContext(df)
        problems: list[RuleError] = []
        for number, rule in enumerate(self.rules, 1):
            try:
                compile_rule(rule.when, ctx, tags=self.tags)
            except RuleError as exc:
                problems.append(
                    type(exc)(
                        f"rule #{number} (tag {excerpt(rule.tag)}): {exc.message}",
                        exc.text,
                        exc.start,
                        exc.end,
                    )
                )
        if len(problems) == 1:
            raise problems[0]
        if problems:
            message = f"{len(problems)} rules do not fit the frame:\n" + "\n".join(
                str(p) for p in problems
            )
            raise type(problems[0])(message)

    def _run(
        self, df: Any, as_of: Any
    ) -> tuple[RuleContext, dict[str, np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
        """Evaluate every rule; return the context, tag masks, rule masks and group winners."""
        ctx = RuleContext(df, as_of=as_of)
        ctx.shared = self._shared
        compiled = self._compile(ctx)
        masks: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(self.rules)
        winners: dict[str, np.ndarray] = {}
        result: dict[str, np.ndarray] = {}
        by_unit: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            by_unit.setdefault(self._unit_of(rule.tag), []).append(i)
        for unit in self._units:
            indices = by_unit[unit]
            for i in indices:
                masks[i] = compiled[i].mask(ctx)
            if unit.startswith("tag:"):
                tag = unit[4:]
                if len(indices) == 1:
                    mask = masks[indices[0]]
                else:
                    mask = np.logical_or.reduce([masks[i] for i in indices])
                result[tag] = mask
                ctx.set_tag(tag, mask)
                continue
            winner = np.full(ctx.n, -1, dtype=np.intp)
            taken = np.zeros(ctx.n, dtype=bool)
            for i in sorted(indices, key=lambda j: (-self.rules[j].priority, j)):
                new = masks[i] & ~taken
                winner[new] = i
                taken |= new
            winners[unit] = winner
            for tag in self._unit_tags(unit):
                ids = [i for i in indices if self.rules[i].tag == tag]
                result[tag] = np.isin(winner, ids)
                ctx.set_tag(tag, result[tag])
        return ctx, result, masks, winners

    @dispatch("map", on="df")
    def apply(self, df: Any, *, as_of: Any = None, output: str = "wide") -> Any:
        """Tag every customer.

        Parameters
        ----------
        df : DataFrame
            The customer table, one row per customer; it is not modified.
        as_of : date-like, optional
            Evaluation date for ``as_of`` and ``days_since`` in the rules.
        output : {"wide", "list", "long"}, default "wide"
            ``"wide"``: a boolean DataFrame, one column per tag; ``"list"``: a
            Series holding each customer's tags as a list; ``"long"``: a
            DataFrame of (customer, tag) pairs. All follow ``df``'s index.
        """
        check_choice("output", output, ("wide", "list", "long"), "TagEngine.apply")
        if output == "long" and getattr(getattr(df, "index", None), "name", None) == "tag":
            raise ParameterError(
                "the frame's index is named 'tag', the name of the tag column of "
                "output='long'; rename the index first, e.g. df.rename_axis('customer')"
            )
        ctx, result, _, _ = self._run(df, as_of)
        index = ctx.df.index
        if output == "wide":
            # The tag masks become the frame's columns as they are (no copy into a
            # matrix); a mask two tags share (identical rules) is copied once.
            seen: set[int] = set()
            columns = {}
            for tag in self.tags:
                mask = result[tag]
                if id(mask) in seen or not mask.flags.writeable:
                    mask = mask.copy()
                seen.add(id(mask))
                columns[tag] = mask
            return pd.DataFrame(columns, index=index, copy=False)
        matrix = np.column_stack([result[tag] for tag in self.tags])
        names = np.asarray(self.tags, dtype=object)
        if output == "list":
            return pd.Series(
                [names[row].tolist() for row in matrix], index=index, dtype=object, name="tags"
            )
        rows, cols = np.nonzero(matrix)
        customer = index.name if index.name is not None else "customer"
        return pd.DataFrame(
            {customer: index.take(rows), "tag": pd.Categorical(names[cols], categories=self.tags)}
        )

    def explain(self, df: Any, customer: Any, *, as_of: Any = None) -> pd.DataFrame:
        """Explain one customer's tags rule by rule.

        Returns
        -------
        DataFrame
            One row per rule: ``tag``, ``group``, ``priority``, ``rule`` (its
            text), ``result`` (``"true"``, ``"false"`` or ``"unknown"``),
            ``status`` (``"matched"``, ``"not matched"``, or for exclusive
            groups ``"won"`` / ``"shadowed"`` when true but outranked) and
            ``values`` (the columns and tags the rule read, with this
            customer's values).
        """
        frame = require_frame(df)
        if customer not in frame.index:
            raise ParameterError(f"customer {customer!r} is not in the frame's index")
        row = frame.loc[[customer]]
        if len(row) != 1:
            raise ParameterError(f"customer {customer!r} appears {len(row)} times in the index")
        ctx, result, _, winners = self._run(row, as_of)
        compiled = self._compile(ctx)
        records = []
        for i, (rule, rule_compiled) in enumerate(zip(self.rules, compiled, strict=True)):
            value, known = rule_compiled.kleene(ctx)
            outcome = "unknown" if not known[0] else ("true" if value[0] else "false")
            if rule.group is None:
                status = "matched" if value[0] else "not matched"
            elif not value[0]:
                status = "not matched"
            else:
                won = winners[self._unit_of(rule.tag)][0] == i
                status = "won" if won else "shadowed"
            values: dict[str, Any] = {}
            for column in rule_compiled.columns:
                cell = row[column].iloc[0]
                values[column] = None if _is_missing(cell) else cell
            for tag in rule_compiled.tags:
                values[f"has_tag({tag!r})"] = bool(result[tag][0])
            records.append(
                {
                    "tag": rule.tag,
                    "group": rule.group,
                    "priority": rule.priority,
                    "rule": rule.when,
                    "result": outcome,
                    "status": status,
                    "values": values,
                }
            )
        out = pd.DataFrame.from_records(records)
        out.index = pd.RangeIndex(1, len(out) + 1, name="rule")
        return out

    def coverage(self, tags: pd.DataFrame) -> Coverage:
        """Size, share and overlap of each tag; see :func:`coverage`."""
        return coverage(tags)


def _is_missing(value: Any) -> bool:
    if isinstance(value, (list, tuple, np.ndarray, set, dict)):
        return False
    return bool(pd.isna(value))


def _wide(tags: Any, what: str) -> pd.DataFrame:
    if isinstance(tags, pd.Series):  # output="list"
        names = list(dict.fromkeys(t for row in tags for t in row))
        return pd.DataFrame(
            {n: [n in row for row in tags] for n in names}, index=tags.index, dtype=bool
        )
    frame = require_frame(tags, what)
    bad = [c for c in frame.columns if not pd.api.types.is_bool_dtype(frame[c].dtype)]
    if bad:
        raise ParameterError(
            f"{what} must be boolean tag columns (TagEngine.apply output='wide'); "
            f"column {bad[0]!r} is {frame[bad[0]].dtype}"
        )
    return frame.isin([True]) if frame.isna().any().any() else frame


def coverage(tags: Any) -> Coverage:
    """Size, share and pairwise overlap of tags.

    Parameters
    ----------
    tags : DataFrame or Series
        ``TagEngine.apply`` output, wide (boolean columns) or list.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [True, True, False, False], "b": [True, False, False, False]})
    >>> cov = coverage(t)
    >>> cov.summary
         size  share
    tag
    a       2   0.50
    b       1   0.25
    >>> cov.overlap.loc["a", "b"]
    np.int64(1)
    """
    wide = _wide(tags, "tags")
    matrix = wide.to_numpy(dtype=np.int64)
    n = len(wide)
    size = matrix.sum(axis=0)
    index = pd.Index([str(c) for c in wide.columns], name="tag")
    share = size / n if n else np.zeros(len(size))
    summary = pd.DataFrame({"size": size, "share": share}, index=index)
    overlap = pd.DataFrame(matrix.T @ matrix, index=index, columns=index.rename(None))
    return Coverage(summary, overlap)


def diff(before: Any, after: Any) -> pd.DataFrame:
    """Per tag, which customers gained it and which lost it between two taggings.

    Parameters
    ----------
    before, after : DataFrame or Series
        ``TagEngine.apply`` outputs (wide or list). Customers and tags missing
        from one side count as untagged there.

    Returns
    -------
    DataFrame
        Indexed by tag: ``before`` and ``after`` (customers tagged), ``gained``
        and ``lost`` (counts), ``gained_ids`` and ``lost_ids`` (lists of
        customer ids, in index order).

    Examples
    --------
    >>> old = pd.DataFrame({"vip": [True, False, True]}, index=[1, 2, 3])
    >>> new = pd.DataFrame({"vip": [True, True, False]}, index=[1, 2, 3])
    >>> diff(old, new)[["gained", "lost", "gained_ids", "lost_ids"]]
         gained  lost gained_ids lost_ids
    tag
    vip       1     1        [2]      [3]
    """
    old = _wide(before, "before")
    new = _wide(after, "after")
    index = old.index.union(new.index, sort=False)
    tags = list(dict.fromkeys([*map(str, old.columns), *map(str, new.columns)]))
    old = old.reindex(index=index, columns=tags, fill_value=False)
    new = new.reindex(index=index, columns=tags, fill_value=False)
    records: dict[str, list[Any]] = {
        k: [] for k in ("before", "after", "gained", "lost", "gained_ids", "lost_ids")
    }
    for tag in tags:
        o = old[tag].to_numpy(dtype=bool)
        n = new[tag].to_numpy(dtype=bool)
        gained, lost = n & ~o, o & ~n
        records["before"].append(int(o.sum()))
        records["after"].append(int(n.sum()))
        records["gained"].append(int(gained.sum()))
        records["lost"].append(int(lost.sum()))
        records["gained_ids"].append(index[gained].tolist())
        records["lost_ids"].append(index[lost].tolist())
    return pd.DataFrame(records, index=pd.Index(tags, name="tag"))
