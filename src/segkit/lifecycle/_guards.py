"""Guards compiled once, and the runtime that moves every customer at one date.

A :class:`Machine` is what :meth:`Lifecycle.step` and the replay runner
execute: states as small integer codes, the compiled guards, and a look-up
table from (state, which guard atoms are true) to the next state. It knows
nothing of YAML, Mermaid or transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import show_values
from segkit.errors import RuleError, UnknownColumnError
from segkit.lifecycle._definition import (
    FIXED,
    WINDOW,
    LifecycleCycleError,
    Transition,
)
from segkit.tagging import CompiledRule, RuleContext, compile_rule, parse
from segkit.tagging import ast as rule_ast

__all__ = ["Machine"]

_Codes = np.ndarray[Any, np.dtype[np.int8]]


def _columns_of(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, rule_ast.Column):
            out.append(item.name)
        stack.extend(rule_ast.children(item))
    return out


class Machine:
    """Compiled guards of a state machine over integer state codes.

    Parameters
    ----------
    names : sequence of str
        The state names; a state's code is its position.
    transitions : sequence of Transition
    order : sequence of list of int
        For each state, the transitions (positions) tried from it, first to
        fire first.
    schema : mapping
        Columns beyond :data:`FEATURE_COLUMNS` that guards may read.

    Attributes
    ----------
    columns : tuple of str
        The columns the guards read.
    windows : tuple of int
        The day windows N of ``orders_{N}d`` / ``revenue_{N}d`` the guards read.
    static : tuple of str
        The columns read from ``schema`` (not computed by the replay).
    """

    def __init__(
        self,
        names: Sequence[str],
        transitions: Sequence[Transition],
        order: Sequence[list[int]],
        schema: Mapping[str, Any],
    ) -> None:
        self.names = tuple(names)
        self.transitions = tuple(transitions)
        self.order = [list(o) for o in order]
        self.schema = dict(schema)
        index = {name: i for i, name in enumerate(self.names)}
        self.targets = [index[t.target] for t in self.transitions]
        self.rules, self.columns, self.windows = self._compile()
        self.static = tuple(c for c in self.columns if c in self.schema)
        self._build_lookup()

    def _compile(self) -> tuple[list[CompiledRule], tuple[str, ...], tuple[int, ...]]:
        rules: list[CompiledRule] = []
        columns: list[str] = []
        windows: set[int] = set()
        for t in self.transitions:
            try:
                node = parse(t.when)
                schema: dict[str, Any] = dict.fromkeys(FIXED, "number")
                schema.update(self.schema)
                for name in _columns_of(node):
                    if WINDOW.match(name):
                        schema[name] = "number"
                rule = compile_rule(t.when, schema, tags=())
            except RuleError as exc:
                message = f"guard of transition {t.label}: {exc.message}"
                if isinstance(exc, UnknownColumnError):
                    message += (
                        "; replay also provides orders_{N}d and revenue_{N}d for any whole N, "
                        "and the columns declared in schema="
                    )
                raise type(exc)(message, exc.text, exc.start, exc.end) from None
            rules.append(rule)
            for name in rule.columns:
                if name not in columns:
                    columns.append(name)
                match = WINDOW.match(name)
                if match:
                    windows.add(int(match.group(2)))
        self.schema_all: dict[str, Any] = dict.fromkeys(FIXED, "number")
        self.schema_all.update(self.schema)
        for w in sorted(windows):
            self.schema_all[f"orders_{w}d"] = self.schema_all[f"revenue_{w}d"] = "number"
        return rules, tuple(columns), tuple(sorted(windows))

    def _build_lookup(self) -> None:
        """Split guards into atoms; with at most 16 atoms, tabulate every outcome.

        A guard is split at its ``and``/``or`` operators into atoms (a rule is
        true exactly when, by Kleene logic, its ``and`` has both sides true or
        its ``or`` has one side true, so a guard's truth follows from its
        atoms' truth). Each distinct atom is evaluated once per date.
        ``lookup[s, bits]`` is the state a customer in state ``s`` moves to
        when the atoms numbered by the set bits of ``bits`` are true (-1: none
        fires), so one hop is a table look-up per customer. The last row (state
        ``len(states)``) stands for customers not yet present.
        """
        texts = list(dict.fromkeys(t.when for t in self.transitions))
        self.guard_of = [texts.index(t.when) for t in self.transitions]
        first: dict[str, int] = {}
        for i, t in enumerate(self.transitions):
            first.setdefault(t.when, i)
        self.guards = [self.rules[first[text]] for text in texts]
        self.lookup: _Codes | None = None
        atoms: list[str] = []
        trees = [_split(parse(text), atoms) for text in texts]
        if len(atoms) > 16:
            return
        self.atoms = [compile_rule(atom, self.schema_all, tags=()) for atom in atoms]
        width = 1 << len(atoms)
        bits = np.arange(width)
        truth = [_truth(tree, bits) for tree in trees]
        lookup = np.full((len(self.names) + 1, width), -1, dtype=np.int8)
        for s, order in enumerate(self.order):
            for i in reversed(order):
                lookup[s, truth[self.guard_of[i]]] = self.targets[i]
        self.lookup = lookup

    def advance(
        self, features: pd.DataFrame, codes: _Codes, *, as_of: Any = None, ids: Any = None
    ) -> _Codes:
        """Fire transitions until none fires, for every customer (row of ``features``).

        ``codes`` are the states at the start; the result is a new array.
        Raises :class:`LifecycleCycleError` naming the customers (``ids``,
        default the index of ``features``) who would move around a cycle
        forever.
        """
        moves = _Moves(self, RuleContext(features, as_of=as_of), len(features))
        cur = codes.copy()
        nxt = moves(cur, None)
        rows = np.flatnonzero(nxt >= 0)  # the customers that moved in the last hop
        cur[rows] = nxt[rows]
        for _ in range(len(self.names) - 1):
            if rows.size == 0:
                return cur
            nxt = moves(cur[rows], rows)
            moved = nxt >= 0
            rows = rows[moved]
            cur[rows] = nxt[moved]
        if rows.size == 0:
            return cur
        # Whoever moved in every hop has passed more states than there are: a cycle.
        self._raise_cycle(moves, cur, rows, features.index if ids is None else ids, as_of)
        return cur  # pragma: no cover - _raise_cycle always raises

    def _raise_cycle(
        self,
        moves: _Moves,
        cur: _Codes,
        stuck: np.ndarray[Any, np.dtype[np.intp]],
        ids: Any,
        when: Any,
    ) -> None:
        first = stuck[:1]
        path = [int(cur[first[0]])]
        while True:
            nxt = int(moves(np.array([path[-1]], dtype=np.int8), first)[0])
            if nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                break
            path.append(nxt)
        names = " -> ".join(repr(self.names[c]) for c in cycle)
        if isinstance(when, pd.Timestamp) and when == when.normalize():
            when = when.strftime("%Y-%m-%d")
        at = f" at {when}" if when is not None else ""
        raise LifecycleCycleError(
            f"customers {show_values(list(pd.Index(ids)[stuck]))} oscillate between states "
            f"{names}{at}: every guard along this cycle is true; make the guards exclusive"
        )


class _Moves:
    """The state each customer moves to from a given state, at one date (-1: stays)."""

    def __init__(self, machine: Machine, ctx: RuleContext, n: int) -> None:
        self.lookup = machine.lookup
        if self.lookup is not None:
            masks = [np.asarray(rule.mask(ctx), dtype=bool) for rule in machine.atoms]
            self.width = self.lookup.shape[1]
            bits = np.zeros(n, dtype=np.uint16)
            for g, mask in enumerate(masks):
                bits |= mask.view(np.uint8).astype(np.uint16) << np.uint16(g)
            self.bits = bits
            self.flat = self.lookup.ravel()
            return
        # Many atoms: one row per state of first-firing targets.
        masks = [np.asarray(rule.mask(ctx), dtype=bool) for rule in machine.guards]
        table = np.full((len(machine.names) + 1, n), -1, dtype=np.int8)
        for s, order in enumerate(machine.order):
            for i in reversed(order):
                target = np.int8(machine.targets[i])
                np.copyto(table[s], target, where=masks[machine.guard_of[i]])
        self.table = table

    def __call__(self, cur: _Codes, rows: np.ndarray[Any, Any] | None) -> _Codes:
        """Next states of customers ``rows`` (all when None) now in states ``cur``."""
        if self.lookup is not None:
            bits = self.bits if rows is None else self.bits[rows]
            out: _Codes = self.flat[cur.astype(np.intp) * self.width + bits]
            return out
        if rows is None:
            rows = np.arange(cur.size)
        picked: _Codes = self.table[cur, rows]
        return picked


def _split(node: Any, atoms: list[str]) -> Any:
    """A guard as a tree of ``("and" | "or", left, right)`` over atom numbers."""
    if isinstance(node, rule_ast.Binary) and node.op in ("and", "or"):
        return (node.op, _split(node.left, atoms), _split(node.right, atoms))
    text = str(node)
    if text not in atoms:
        atoms.append(text)
    return atoms.index(text)


def _truth(tree: Any, bits: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Where the guard is true, for every pattern of true atoms in ``bits``."""
    if isinstance(tree, int):
        return np.asarray((bits >> tree) & 1 == 1)
    op, left, right = tree
    if op == "and":
        return _truth(left, bits) & _truth(right, bits)
    return _truth(left, bits) | _truth(right, bits)
