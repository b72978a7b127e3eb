"""The Lifecycle: a declared state machine, stepped at one date or replayed over history."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import did_you_mean
from segkit.lifecycle._definition import (
    FIXED,
    WILDCARD,
    WINDOW,
    LifecycleError,
    LifecycleWarning,
    State,
    Transition,
    as_states,
    as_transitions,
)
from segkit.lifecycle._flows import FlowCounter
from segkit.lifecycle._flows import current as _current
from segkit.lifecycle._guards import Machine
from segkit.lifecycle._history import History
from segkit.lifecycle._io import definition_from_dict, definition_to_dict, read_yaml, to_mermaid
from segkit.lifecycle._replay import ReplayOptions, replay_history, run_replay

__all__ = ["Lifecycle"]


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
        self.states = as_states(states)
        self.transitions = as_transitions(transitions)
        self.initial = initial
        self.schema = dict(schema or {})
        self.names = tuple(s.name for s in self.states)
        self._check_states()
        self._index = {name: i for i, name in enumerate(self.names)}
        self._order = self._check_transitions()
        self._machine = Machine(self.names, self.transitions, self._order, self.schema)
        self.columns = self._machine.columns
        self.windows = self._machine.windows
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
            if key in FIXED or WINDOW.match(str(key)):
                raise LifecycleError(
                    f"schema column {key!r} is computed by replay; leave it out of the schema"
                )

    def _hint(self, name: Any) -> str:
        return did_you_mean(str(name), self.names)

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
        states, transitions, initial, schema = definition_from_dict(data)
        return cls(states, transitions, initial=initial, schema=schema)

    @classmethod
    def from_yaml(cls, source: Any) -> Lifecycle:
        """Build a lifecycle from YAML text, a path, or an open file (needs PyYAML).

        See :meth:`from_dict` for the layout.
        """
        return cls.from_dict(read_yaml(source))

    def to_dict(self) -> dict[str, Any]:
        """The definition as a plain dict; :meth:`from_dict` reads it back."""
        return definition_to_dict(self.states, self.transitions, self.initial, self.schema)

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
        return to_mermaid(self.states, self.transitions, self._order, self.initial)

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
            extra = did_you_mean(str(bad[0]), self.names)
            raise LifecycleError(
                f"{what} has states that are not in the lifecycle: "
                f"{show_values(list(bad))}{extra}; states: {list(self.names)}"
            )
        return codes.astype(np.int8)

    @dispatch("Lifecycle.step", on="features")
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
        out = self._machine.advance(df, codes, as_of=as_of)
        return pd.Series(
            pd.Categorical.from_codes(out, categories=pd.Index(self.names)),
            index=df.index,
            name="state",
        )

    @dispatch("Lifecycle.replay", on="transactions")
    def replay(
        self,
        transactions: Any,
        *,
        customer: str,
        timestamp: str,
        amount: str | None = None,
        order: str | None = None,
        freq: Any = "MS",
        start: Any = None,
        end: Any = None,
        customers: Any = None,
        signup: str | None = "signup_date",
        output: str = "panel",
        columns_at: Mapping[str, Any] | None = None,
        quantity: str | None = None,
        price: str | None = None,
    ) -> pd.DataFrame:
        """Run the lifecycle over history, evaluating it at every period boundary.

        At each boundary the features of :data:`FEATURE_COLUMNS` are computed
        as of that boundary (rows with ``timestamp <= boundary``; nothing
        later leaks in), customers seen for the first time start in the
        initial state, and :meth:`step` moves everyone. Features are updated
        incrementally from one boundary to the next, so history is read once.

        Parameters
        ----------
        transactions : DataFrame or TransactionColumns
            One row per order line; not modified. Rows with a negative amount
            (returns) count towards revenue but are not purchases. A caller
            that has already read the log (:meth:`TransactionColumns.read
            <segkit.transactions.TransactionColumns.read>`, as
            :func:`segkit.profile` does once for all its steps) may pass those
            columns instead; they are used as read.
        customer, timestamp, amount : str
            Column names, as for :func:`segkit.summarize` (with
            TransactionColumns only ``customer`` is read again: the id column
            of ``customers``).
        quantity, price : str, optional
            Instead of ``amount``: the line amount is ``quantity * price``.
        order : str, optional
            Order id column: ``orders`` (and ``orders_{N}d``) count distinct
            order ids with a purchase line, as :func:`segkit.summarize` does,
            instead of lines.
        freq : str or DateOffset, default "MS"
            Period boundaries (a pandas frequency: ``"MS"`` month starts,
            ``"W-MON"``, ``"QS"``...), on the data's wall clock. A boundary
            in a DST gap moves to the first instant after it (and is one
            point with a boundary there); see ``docs/time.md``.
        start : date-like, optional
            The first boundary is the first on or after ``start``. Default:
            the first on or after the earliest transaction. History before it
            counts in the features there.
        end : date-like, optional
            The last evaluation point, after the boundaries before it, read by
            the time policy: a date means that whole day, a timestamp that
            instant. Default: the latest transaction, so the replay never runs
            past the data and its last point agrees with
            :func:`segkit.summarize` at that ``as_of``.
        customers : DataFrame, optional
            Registered customers (ids in the ``customer`` column or the
            index). Those with a ``signup`` date enter the initial state at the
            first boundary on or after it, even before any purchase; columns
            declared in the lifecycle's ``schema`` are read from here.
        signup : str or None, default "signup_date"
            The signup date column of ``customers``.
        columns_at : mapping of str to callable, optional
            Further guard columns computed at each evaluation point, such as
            a review-date flag: ``{name: f}`` with ``f(k, when, states,
            features)`` returning one value per customer, where ``k`` is the
            point's position, ``when`` its label, ``states`` each customer's
            state before the point (positions in :attr:`names`, -1 when not
            yet present) and ``features`` the computed feature arrays (only
            those the guards read). The names must be declared in ``schema``.
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
            Bad columns or arguments; customer ids of different types in the
            transactions and ``customers`` ("1" and 1); a ``freq`` so fine for
            the span that the work is unreasonable (more than 20,000 points
            or 2e9 customer-steps).
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
        options = ReplayOptions(
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            quantity=quantity,
            price=price,
            order=order,
            freq=freq,
            start=start,
            end=end,
            customers=customers,
            signup=signup,
            output=output,
            columns_at=columns_at,
        )
        return run_replay(self._machine, self._index[self.initial], transactions, options)

    def _replay_history(self, transactions: Any, **options: Any) -> tuple[History, FlowCounter]:
        """:meth:`replay` with ``output="changes"`` on pandas: the changes as integer codes.

        With the flows counted on the way, for a caller that wants the current
        states and the flows (``segkit.profile``: ``counter.result(history)``)
        and builds the frame with :func:`segkit.lifecycle._panel.changes_frame`.
        """
        settings = ReplayOptions(output="changes", **options)
        return replay_history(self._machine, self._index[self.initial], transactions, settings)

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
        return _current(history, states=self.names)


def _rebuild(data: dict[str, Any]) -> Lifecycle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LifecycleWarning)
        return Lifecycle.from_dict(data)
