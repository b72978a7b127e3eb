"""States, transitions and the lifecycle machine evaluated for all customers at once."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._optional import import_optional
from segkit._validation import is_dask_collection, require_columns, require_frame, show_values
from segkit.errors import ParameterError, SegkitError, closest
from segkit.tagging import CompiledRule, RuleContext, compile_rule, parse
from segkit.tagging import ast as rule_ast
from segkit.tagging.errors import RuleError, UnknownColumnError

__all__ = [
    "FEATURE_COLUMNS",
    "WILDCARD",
    "Lifecycle",
    "LifecycleCycleError",
    "LifecycleError",
    "LifecycleWarning",
    "State",
    "Transition",
]

#: The ``source`` of a transition that leaves every (non-terminal) state.
WILDCARD = "*"

#: Columns that :meth:`Lifecycle.replay` computes at every period boundary, so
#: guards may use them without declaring a schema.
FEATURE_COLUMNS: dict[str, str] = {
    "orders": "purchases (rows with a non-negative amount) up to the boundary",
    "revenue": "net revenue up to the boundary (returns subtracted)",
    "avg_order_value": "revenue / orders (0 without a purchase)",
    "recency_days": "days from the last purchase to the boundary (null without a purchase)",
    "tenure_days": "days from the first purchase to the boundary (null without a purchase)",
    "days_since_signup": "days from the signup date to the boundary (null when unknown)",
    "orders_{N}d": "purchases in the N days up to the boundary, for any whole N",
    "revenue_{N}d": "net revenue in the N days up to the boundary, for any whole N",
}

_WINDOW = re.compile(r"^(orders|revenue)_([1-9][0-9]{0,4})d$")
_FIXED = tuple(k for k in FEATURE_COLUMNS if "{" not in k)


class LifecycleError(SegkitError):
    """A lifecycle definition is invalid, or states given to it are unknown."""


class LifecycleCycleError(LifecycleError):
    """Customers oscillate between states: the guards along a cycle are all true."""


class LifecycleWarning(UserWarning):
    """A lifecycle definition is legal but probably not what was meant."""


# --------------------------------------------------------------------------- #
# Values
# --------------------------------------------------------------------------- #
def _check_name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be a non-empty string; got {value!r}"
        )
    if value != value.strip():
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} {value!r} has leading or trailing spaces"
        )


def _check_state_name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _check_name(instance, attribute, value)
    if value == WILDCARD:
        raise LifecycleError("'*' is not a state name; it means 'any state' in a transition")


def _check_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be a string; got {value!r}"
        )


def _check_bool(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool | np.bool_):
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be True or False; got {value!r}"
        )


def _check_priority(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise LifecycleError(f"Transition.priority must be an int; got {value!r}")


def _guard_text(value: Any) -> str:
    """Guards are rule text; a list of conditions means any of them."""
    if isinstance(value, list | tuple):
        if not value or not all(isinstance(v, str) for v in value):
            raise LifecycleError(
                f"a guard must be rule text or a non-empty list of rule texts; got {value!r}"
            )
        if len(value) == 1:
            return str(value[0])
        return " or ".join(f"({v})" for v in value)
    return value  # type: ignore[no-any-return]


@attrs.frozen
class State:
    """A lifecycle stage.

    Parameters
    ----------
    name : str
        Unique name (not ``"*"``).
    description : str, optional
        What the stage means, for people (shown in docs and reports).
    terminal : bool, default False
        A terminal state has no transitions out; ``"*"`` transitions skip it.

    Examples
    --------
    >>> State("churned", description="No purchase for a year")
    State(name='churned', description='No purchase for a year', terminal=False)
    """

    name: str = attrs.field(validator=_check_state_name)
    description: str = attrs.field(default="", kw_only=True, validator=_check_str)
    terminal: bool = attrs.field(default=False, kw_only=True, validator=_check_bool)


@attrs.frozen
class Transition:
    """A move from one state to another when a guard (rule text) is true.

    Parameters
    ----------
    source : str
        The state it leaves, or ``"*"`` for every non-terminal state other
        than ``target``.
    target : str
        The state it enters.
    when : str
        The guard, in the rule language (``docs/rules.md``); a list of texts
        means any of them.
    priority : int, default 0
        Transitions out of a state are tried highest priority first; ties go
        by declaration order.

    Examples
    --------
    >>> Transition("new", "active", when="orders >= 2")
    Transition(source='new', target='active', when='orders >= 2', priority=0)
    """

    source: str = attrs.field(validator=_check_name)
    target: str = attrs.field(validator=_check_state_name)
    when: str = attrs.field(kw_only=True, converter=_guard_text, validator=_check_str)
    priority: int = attrs.field(default=0, kw_only=True, validator=_check_priority)

    @property
    def label(self) -> str:
        """``'source' -> 'target'``, as used in messages."""
        return f"{self.source!r} -> {self.target!r}"


# --------------------------------------------------------------------------- #
# The machine
# --------------------------------------------------------------------------- #
def _columns_of(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, rule_ast.Column):
            out.append(item.name)
        stack.extend(rule_ast.children(item))
    return out


def _as_states(states: Iterable[Any]) -> tuple[State, ...]:
    if isinstance(states, str | State) or not isinstance(states, Iterable):
        raise LifecycleError(f"states must be a list of State objects or names; got {states!r}")
    out = tuple(s if isinstance(s, State) else State(s) for s in states)
    if not out:
        raise LifecycleError("a lifecycle needs at least one state")
    return out


def _as_transitions(transitions: Iterable[Any]) -> tuple[Transition, ...]:
    if isinstance(transitions, Transition) or not isinstance(transitions, Iterable):
        raise LifecycleError(
            f"transitions must be a list of Transition objects; got {transitions!r}"
        )
    out = tuple(transitions)
    for t in out:
        if not isinstance(t, Transition):
            raise LifecycleError(f"transitions must be Transition objects; got {t!r}")
    return out


class Lifecycle:
    """A customer lifecycle: states, guarded transitions and an initial state.

    The guards are compiled once, at construction, against the columns that
    :meth:`replay` provides (:data:`FEATURE_COLUMNS`) plus ``schema``; a guard
    that does not compile raises the rule language's error with the
    transition named.

    Parameters
    ----------
    states : list of State or str
        The states, in display order.
    transitions : list of Transition
        The guarded moves. From each state, transitions (including ``"*"``
        ones) are tried highest ``priority`` first, ties in declaration order;
        the first whose guard is true fires.
    initial : str
        The state every customer starts in (a registered customer with no
        purchase yet, or at the first purchase).
    schema : mapping of str to type, optional
        Further columns guards may read, ``{column: dtype or type name}``
        (``"number"``, ``"string"``, ``"bool"``, ...). :meth:`replay` takes
        them from its ``customers`` table; :meth:`step` from ``features``.

    Attributes
    ----------
    states : tuple of State
    transitions : tuple of Transition
    initial : str
    names : tuple of str
        The state names.
    columns : tuple of str
        The columns the guards read.
    windows : tuple of int
        The day windows N of ``orders_{N}d`` / ``revenue_{N}d`` the guards read.

    Raises
    ------
    LifecycleError
        Duplicate or unknown state names, a transition out of a terminal state
        or into its own source.
    RuleSyntaxError, RuleTypeError, UnknownColumnError, UnknownFunctionError
        A guard does not compile; the message names the transition.

    Warns
    -----
    LifecycleWarning
        A state no transition can reach from the initial state, a
        non-terminal state with no transition out, or a state with several
        transitions of equal priority.

    Examples
    --------
    >>> import pandas as pd
    >>> lc = Lifecycle(
    ...     ["prospect", "buyer", State("repeat", terminal=True)],
    ...     [Transition("prospect", "buyer", when="orders >= 1"),
    ...      Transition("buyer", "repeat", when="orders >= 2")],
    ...     initial="prospect",
    ... )
    >>> features = pd.DataFrame({"orders": [0, 1, 3]}, index=["a", "b", "c"])
    >>> lc.step(features).tolist()
    ['prospect', 'buyer', 'repeat']
    """

    def __init__(
        self,
        states: Iterable[State | str],
        transitions: Iterable[Transition],
        *,
        initial: str,
        schema: Mapping[str, Any] | None = None,
    ) -> None:
        self.states = _as_states(states)
        self.transitions = _as_transitions(transitions)
        self.initial = initial
        self.schema = dict(schema or {})
        self.names = tuple(s.name for s in self.states)
        self._check_states()
        self._index = {name: i for i, name in enumerate(self.names)}
        self._order = self._check_transitions()
        self._rules, self.columns, self.windows = self._compile()
        self._build_lookup()
        self._warn()

    # -- construction -------------------------------------------------------
    def _check_states(self) -> None:
        seen: set[str] = set()
        for name in self.names:
            if name in seen:
                raise LifecycleError(f"state {name!r} is declared twice")
            seen.add(name)
        if len(self.names) > 127:
            raise LifecycleError(f"a lifecycle has at most 127 states; got {len(self.names)}")
        if not isinstance(self.initial, str) or self.initial not in seen:
            raise LifecycleError(
                f"initial state {self.initial!r} is not a state{self._hint(self.initial)}; "
                f"states: {list(self.names)}"
            )
        for key in self.schema:
            if key in _FIXED or _WINDOW.match(str(key)):
                raise LifecycleError(
                    f"schema column {key!r} is computed by replay; leave it out of the schema"
                )

    def _hint(self, name: Any) -> str:
        hint = closest(str(name), self.names)
        return f" (did you mean {hint!r}?)" if hint else ""

    def _check_transitions(self) -> list[list[int]]:
        terminal = {s.name for s in self.states if s.terminal}
        for t in self.transitions:
            for role, name in (("source", t.source), ("target", t.target)):
                if name not in self._index and not (role == "source" and name == WILDCARD):
                    raise LifecycleError(
                        f"transition {t.label}: unknown {role} state {name!r}"
                        f"{self._hint(name)}; states: {list(self.names)}"
                    )
            if t.source == t.target:
                raise LifecycleError(
                    f"transition {t.label} leads back into its own state; remove it"
                )
            if t.source in terminal:
                raise LifecycleError(
                    f"transition {t.label} leaves the terminal state {t.source!r}; remove "
                    "the transition or make the state non-terminal"
                )
        order: list[list[int]] = []
        for state in self.states:
            if state.terminal:
                order.append([])
                continue
            mine = [
                i
                for i, t in enumerate(self.transitions)
                if t.source == state.name or (t.source == WILDCARD and t.target != state.name)
            ]
            mine.sort(key=lambda i: (-self.transitions[i].priority, i))
            order.append(mine)
        return order

    def _compile(self) -> tuple[list[CompiledRule], tuple[str, ...], tuple[int, ...]]:
        rules: list[CompiledRule] = []
        columns: list[str] = []
        windows: set[int] = set()
        for t in self.transitions:
            try:
                node = parse(t.when)
                schema: dict[str, Any] = dict.fromkeys(_FIXED, "number")
                schema.update(self.schema)
                for name in _columns_of(node):
                    match = _WINDOW.match(name)
                    if match:
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
                match = _WINDOW.match(name)
                if match:
                    windows.add(int(match.group(2)))
        self._schema_all: dict[str, Any] = dict.fromkeys(_FIXED, "number")
        self._schema_all.update(self.schema)
        for w in sorted(windows):
            self._schema_all[f"orders_{w}d"] = self._schema_all[f"revenue_{w}d"] = "number"
        return rules, tuple(columns), tuple(sorted(windows))

    def _warn(self) -> None:
        reach = {self.initial}
        frontier = [self.initial]
        while frontier:
            here = self._index[frontier.pop()]
            for i in self._order[here]:
                target = self.transitions[i].target
                if target not in reach:
                    reach.add(target)
                    frontier.append(target)
        for state, order in zip(self.states, self._order, strict=True):
            if state.name not in reach:
                warnings.warn(
                    f"state {state.name!r} cannot be reached from the initial state "
                    f"{self.initial!r}",
                    LifecycleWarning,
                    stacklevel=3,
                )
            if not state.terminal and not order:
                warnings.warn(
                    f"state {state.name!r} has no transition out; mark it "
                    f"State({state.name!r}, terminal=True) if that is intended",
                    LifecycleWarning,
                    stacklevel=3,
                )
            priorities = [self.transitions[i].priority for i in order]
            tied = [i for i in order if priorities.count(self.transitions[i].priority) > 1]
            if tied:
                shown = ", ".join(self.transitions[i].label for i in tied)
                warnings.warn(
                    f"state {state.name!r} has transitions of equal priority ({shown}); they "
                    "are tried in declaration order; give them different priorities to make "
                    "the order explicit",
                    LifecycleWarning,
                    stacklevel=3,
                )

    # -- other shapes ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lifecycle:
        """Build a lifecycle from a dict (e.g. parsed YAML or JSON).

        The dict has ``initial`` (a state name), ``states`` (a list of names or
        of dicts with ``name``, ``description``, ``terminal``), ``transitions``
        (a list of dicts with ``from``, ``to``, ``when`` and optionally
        ``priority``) and optionally ``schema``.

        Examples
        --------
        >>> lc = Lifecycle.from_dict({
        ...     "initial": "new",
        ...     "states": ["new", {"name": "repeat", "terminal": True}],
        ...     "transitions": [{"from": "new", "to": "repeat", "when": "orders >= 2"}],
        ... })
        >>> lc.transitions[0]
        Transition(source='new', target='repeat', when='orders >= 2', priority=0)
        """
        if not isinstance(data, Mapping):
            raise LifecycleError(f"a lifecycle definition must be a mapping; got {data!r}")
        _check_keys(
            data,
            {"initial", "states", "transitions", "schema"},
            "lifecycle",
            {"initial", "states"},
        )
        states = []
        raw_states = data["states"]
        if not isinstance(raw_states, list):
            raise LifecycleError(f"'states' must be a list; got {raw_states!r}")
        for i, item in enumerate(raw_states):
            if isinstance(item, Mapping):
                _check_keys(item, {"name", "description", "terminal"}, f"states[{i}]", {"name"})
                states.append(
                    State(
                        item["name"],
                        description=item.get("description", "") or "",
                        terminal=item.get("terminal", False),
                    )
                )
            else:
                states.append(State(item))
        transitions = []
        raw = data.get("transitions") or []
        if not isinstance(raw, list):
            raise LifecycleError(f"'transitions' must be a list; got {raw!r}")
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise LifecycleError(f"transitions[{i}] must be a mapping; got {item!r}")
            _check_keys(
                item,
                {"from", "to", "when", "priority"},
                f"transitions[{i}]",
                {"from", "to", "when"},
            )
            transitions.append(
                Transition(
                    item["from"],
                    item["to"],
                    when=item["when"],
                    priority=item.get("priority", 0),
                )
            )
        return cls(states, transitions, initial=data["initial"], schema=data.get("schema"))

    @classmethod
    def from_yaml(cls, source: Any) -> Lifecycle:
        """Build a lifecycle from YAML text, a path, or an open file (needs PyYAML).

        See :meth:`from_dict` for the layout.
        """
        yaml = import_optional("yaml", extra="yaml", what="reading YAML")
        if hasattr(source, "read"):
            text = source.read()
        elif hasattr(source, "__fspath__") or (
            isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
        ):
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = source
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise LifecycleError(f"the lifecycle YAML does not parse: {exc}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """The definition as a plain dict; :meth:`from_dict` reads it back."""
        out: dict[str, Any] = {
            "initial": self.initial,
            "states": [
                {"name": s.name, "description": s.description, "terminal": s.terminal}
                for s in self.states
            ],
            "transitions": [
                {"from": t.source, "to": t.target, "when": t.when, "priority": t.priority}
                for t in self.transitions
            ],
        }
        if self.schema:
            out["schema"] = {k: str(v) for k, v in self.schema.items()}
        return out

    def to_mermaid(self) -> str:
        """A Mermaid state diagram of the lifecycle (guards as edge labels).

        ``"*"`` transitions are drawn from each state they leave.

        Examples
        --------
        >>> lc = Lifecycle(["new", State("repeat", terminal=True)],
        ...                [Transition("new", "repeat", when="orders >= 2")], initial="new")
        >>> print(lc.to_mermaid())
        stateDiagram-v2
            [*] --> new
            new --> repeat: orders >= 2
            repeat --> [*]
        """
        ids = {name: _mermaid_id(name, i) for i, name in enumerate(self.names)}
        lines = ["stateDiagram-v2"]
        for state in self.states:
            if ids[state.name] != state.name:
                lines.append(f'    state "{_mermaid_text(state.name)}" as {ids[state.name]}')
            if state.description:
                lines.append(f"    {ids[state.name]} : {_mermaid_text(state.description)}")
        lines.append(f"    [*] --> {ids[self.initial]}")
        for state, order in zip(self.states, self._order, strict=True):
            for i in order:
                t = self.transitions[i]
                lines.append(f"    {ids[state.name]} --> {ids[t.target]}: {_mermaid_text(t.when)}")
        lines += [f"    {ids[s.name]} --> [*]" for s in self.states if s.terminal]
        return "\n".join(lines)

    # -- dunder -----------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Lifecycle(states={list(self.names)}, transitions={len(self.transitions)}, "
            f"initial={self.initial!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lifecycle):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.states, self.transitions, self.initial))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.to_dict(),))

    # -- evaluation -----------------------------------------------------------
    def _state_codes(
        self, states: Any, what: str = "current"
    ) -> np.ndarray[Any, np.dtype[np.int8]]:
        """State names to codes (positions in :attr:`names`); missing is the initial state."""
        series = pd.Series(states) if not isinstance(states, pd.Series) else states
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        values = series.to_numpy(dtype=object)
        missing = pd.isna(values)
        codes = pd.Index(self.names).get_indexer(pd.Index(np.where(missing, self.initial, values)))
        if (codes < 0).any():
            bad = pd.unique(values[codes < 0])
            hint = closest(str(bad[0]), self.names)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise LifecycleError(
                f"{what} has states that are not in the lifecycle: "
                f"{show_values(list(bad))}{extra}; states: {list(self.names)}"
            )
        return codes.astype(np.int8)

    def _build_lookup(self) -> None:
        """Split guards into atoms; with at most 16 atoms, tabulate every outcome.

        A guard is split at its ``and``/``or`` operators into atoms (a rule is
        true exactly when, by Kleene logic, its ``and`` has both sides true or
        its ``or`` has one side true, so a guard's truth follows from its
        atoms' truth). Each distinct atom is evaluated once per date.
        ``_lookup[s, bits]`` is the state a customer in state ``s`` moves to
        when the atoms numbered by the set bits of ``bits`` are true (-1: none
        fires), so one hop is a table look-up per customer. The last row (state
        ``len(states)``) stands for customers not yet present.
        """
        texts = list(dict.fromkeys(t.when for t in self.transitions))
        self._guard_of = [texts.index(t.when) for t in self.transitions]
        first: dict[str, int] = {}
        for i, t in enumerate(self.transitions):
            first.setdefault(t.when, i)
        self._guards = [self._rules[first[text]] for text in texts]
        self._lookup: np.ndarray[Any, np.dtype[np.int8]] | None = None
        atoms: list[str] = []
        trees = [_split(parse(text), atoms) for text in texts]
        if len(atoms) > 16:
            return
        self._atoms = [compile_rule(atom, self._schema_all, tags=()) for atom in atoms]
        width = 1 << len(atoms)
        bits = np.arange(width)
        truth = [_truth(tree, bits) for tree in trees]
        lookup = np.full((len(self.states) + 1, width), -1, dtype=np.int8)
        for s, order in enumerate(self._order):
            for i in reversed(order):
                lookup[s, truth[self._guard_of[i]]] = self._index[self.transitions[i].target]
        self._lookup = lookup

    def _moves(self, ctx: RuleContext, n: int) -> _Moves:
        return _Moves(self, ctx, n)

    def _advance(
        self,
        moves: _Moves,
        codes: np.ndarray[Any, np.dtype[np.int8]],
        ids: Any,
        when: Any = None,
    ) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Fire transitions until none fires; raise on a cycle."""
        cur = codes.copy()
        nxt = moves(cur, None)
        rows = np.flatnonzero(nxt >= 0)  # the customers that moved in the last hop
        cur[rows] = nxt[rows]
        for _ in range(len(self.states) - 1):
            if rows.size == 0:
                return cur
            nxt = moves(cur[rows], rows)
            moved = nxt >= 0
            rows = rows[moved]
            cur[rows] = nxt[moved]
        if rows.size == 0:
            return cur
        # Whoever moved in every hop has passed more states than there are: a cycle.
        self._raise_cycle(moves, cur, rows, ids, when)
        return cur  # pragma: no cover - _raise_cycle always raises

    def _raise_cycle(
        self,
        moves: _Moves,
        cur: np.ndarray[Any, np.dtype[np.int8]],
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

    def step(self, features: Any, current: Any = None, *, as_of: Any = None) -> pd.Series:
        """Move every customer as far as the guards allow, at one date.

        Parameters
        ----------
        features : DataFrame
            The customer table at the date, one row per customer, with the
            columns the guards read. It is not modified.
        current : array-like or Series of str, optional
            Each customer's state (aligned by position, or by index for a
            Series); missing values, None and customers absent from a Series
            mean the initial state.
        as_of : date-like, optional
            The date ``as_of`` and ``days_since`` in guards refer to.

        Returns
        -------
        pandas.Series
            Categorical next states on ``features``' index, named ``"state"``.
            From each state the first true guard (by priority) fires, and
            firing repeats until no guard fires, so a customer can pass several
            states in one step.

        Raises
        ------
        LifecycleCycleError
            Some customers would move around a cycle forever; the message
            names them and the states.
        LifecycleError
            ``current`` holds names that are not states.
        ColumnNotFoundError
            ``features`` lacks a column the guards read.
        """
        df = require_frame(features, "features")
        require_columns(df, self.columns, "features")
        n = len(df)
        if current is None:
            codes = np.full(n, self._index[self.initial], dtype=np.int8)
        else:
            if isinstance(current, pd.Series) and not current.index.equals(df.index):
                current = current.reindex(df.index)
            codes = self._state_codes(current)
            if codes.size != n:
                raise LifecycleError(f"current has {codes.size} states; features has {n} rows")
        moves = self._moves(RuleContext(df, as_of=as_of), n)
        out = self._advance(moves, codes, df.index, as_of)
        return pd.Series(
            pd.Categorical.from_codes(out, categories=pd.Index(self.names)),
            index=df.index,
            name="state",
        )

    def replay(
        self,
        transactions: Any,
        *,
        customer: str,
        timestamp: str,
        amount: str,
        freq: Any = "MS",
        start: Any = None,
        end: Any = None,
        customers: Any = None,
        signup: str | None = "signup_date",
        output: str = "panel",
    ) -> pd.DataFrame:
        """Run the lifecycle over history, evaluating it at every period boundary.

        At each boundary the features of :data:`FEATURE_COLUMNS` are computed
        as of that boundary (rows with ``timestamp <= boundary``; nothing
        later leaks in), customers seen for the first time start in the
        initial state, and :meth:`step` moves everyone. Features are updated
        incrementally from one boundary to the next, so history is read once.

        Parameters
        ----------
        transactions : DataFrame
            One row per order line; not modified. Rows with a negative amount
            (returns) count towards revenue but are not purchases.
        customer, timestamp, amount : str
            Column names, as for :func:`segkit.summarize`.
        freq : str or DateOffset, default "MS"
            Period boundaries (a pandas frequency: ``"MS"`` month starts,
            ``"W-MON"``, ``"QS"``...).
        start, end : date-like, optional
            First and last boundary. Default: the first boundary on or after
            the earliest and the latest transaction. History before ``start``
            counts in the features at ``start``.
        customers : DataFrame, optional
            Registered customers (ids in the ``customer`` column or the
            index). Those with a ``signup`` date enter the initial state at the
            first boundary on or after it, even before any purchase; columns
            declared in the lifecycle's ``schema`` are read from here.
        signup : str or None, default "signup_date"
            The signup date column of ``customers``.
        output : {"panel", "changes"}, default "panel"
            ``"panel"``: one row per customer and period (from the customer's
            first period on) with columns ``customer``, ``period``, ``state``,
            ``previous_state`` (state at the previous boundary, null for the
            first) and ``changed``. ``"changes"``: only the rows where the
            state changed, as ``customer``, ``date``, ``from`` (null when the
            customer enters), ``to``: the same information in far less
            memory. Both are sorted by customer and date, with categorical
            states; ``attrs["periods"]`` holds the boundaries.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ColumnNotFoundError, SchemaError, ParameterError
            Bad columns or arguments.
        LifecycleCycleError
            Some customers would oscillate between states at a boundary.

        Examples
        --------
        >>> import pandas as pd
        >>> from segkit.lifecycle import default_lifecycle
        >>> tx = pd.DataFrame({"id": [1, 1, 2],
        ...                    "ts": pd.to_datetime(["2024-01-10", "2024-02-05", "2024-01-20"]),
        ...                    "amount": [20.0, 35.0, 15.0]})
        >>> panel = default_lifecycle().replay(tx, customer="id", timestamp="ts",
        ...                                    amount="amount", end="2024-09-01")
        >>> panel.pivot(index="period", columns="customer", values="state").iloc[[0, 1, 7]]
        customer          1        2
        period
        2024-02-01      new      new
        2024-03-01   active      new
        2024-09-01  at_risk  at_risk
        """
        if is_dask_collection(transactions):
            from segkit.dask import lifecycle_replay

            if customers is not None:
                raise ParameterError(
                    "customers= (registered prospects) is not supported on Dask yet; "
                    "replay the purchase history, or compute the prospects with pandas"
                )
            return lifecycle_replay(  # type: ignore[no-any-return]
                self,
                transactions,
                customer=customer,
                timestamp=timestamp,
                amount=amount,
                freq=freq,
                start=start,
                end=end,
                output=output,
            )
        from segkit.lifecycle._replay import replay

        return replay(
            self,
            transactions,
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            freq=freq,
            start=start,
            end=end,
            customers=customers,
            signup=signup,
            output=output,
        )

    def current(self, history: Any) -> pd.DataFrame:
        """Each customer's current state, previous different state and date of last change.

        Parameters
        ----------
        history : DataFrame
            The output of :meth:`replay` (either form).

        Returns
        -------
        pandas.DataFrame
            Indexed by customer, with ``state``, ``previous_state`` (null when
            the customer never left the state they entered in) and ``since``
            (the boundary at which they entered ``state``).
        """
        from segkit.lifecycle._flows import current

        return current(history, states=self.names)


class _Moves:
    """The state each customer moves to from a given state, at one date (-1: stays)."""

    def __init__(self, lifecycle: Lifecycle, ctx: RuleContext, n: int) -> None:
        self.lookup = lifecycle._lookup
        if self.lookup is not None:
            masks = [np.asarray(rule.mask(ctx), dtype=bool) for rule in lifecycle._atoms]
            self.width = self.lookup.shape[1]
            bits = np.zeros(n, dtype=np.uint16)
            for g, mask in enumerate(masks):
                bits |= mask.view(np.uint8).astype(np.uint16) << np.uint16(g)
            self.bits = bits
            self.flat = self.lookup.ravel()
            return
        # Many atoms: one row per state of first-firing targets.
        masks = [np.asarray(rule.mask(ctx), dtype=bool) for rule in lifecycle._guards]
        table = np.full((len(lifecycle.states) + 1, n), -1, dtype=np.int8)
        for s, order in enumerate(lifecycle._order):
            for i in reversed(order):
                target = np.int8(lifecycle._index[lifecycle.transitions[i].target])
                np.copyto(table[s], target, where=masks[lifecycle._guard_of[i]])
        self.table = table

    def __call__(
        self, cur: np.ndarray[Any, np.dtype[np.int8]], rows: np.ndarray[Any, Any] | None
    ) -> np.ndarray[Any, np.dtype[np.int8]]:
        """Next states of customers ``rows`` (all when None) now in states ``cur``."""
        if self.lookup is not None:
            bits = self.bits if rows is None else self.bits[rows]
            out: np.ndarray[Any, np.dtype[np.int8]] = self.flat[
                cur.astype(np.intp) * self.width + bits
            ]
            return out
        if rows is None:
            rows = np.arange(cur.size)
        picked: np.ndarray[Any, np.dtype[np.int8]] = self.table[cur, rows]
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


def _rebuild(data: dict[str, Any]) -> Lifecycle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LifecycleWarning)
        return Lifecycle.from_dict(data)


def _check_keys(
    item: Mapping[str, Any], allowed: set[str], where: str, required: set[str]
) -> None:
    for key in item:
        if key not in allowed:
            hint = closest(str(key), sorted(allowed))
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise LifecycleError(
                f"{where} has an unknown key {key!r}{extra}; allowed: {sorted(allowed)}"
            )
    for key in sorted(required):
        if key not in item:
            raise LifecycleError(f"{where} is missing the key {key!r}")


def _mermaid_id(name: str, i: int) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name not in {"state", "note", "end"}:
        return name
    return f"s{i}"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")
