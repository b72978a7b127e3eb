"""Replay a lifecycle over history: the machine run at every evaluation point.

:func:`run_replay` is the entry behind :meth:`Lifecycle.replay`: it reads the
transactions and the customers, lays out the evaluation points
(:mod:`segkit.lifecycle._schedule`), takes the features at each point from
the incremental computation (:mod:`segkit.lifecycle._incremental`, exact per
:mod:`segkit.lifecycle._exact`), advances the machine, and returns the panel
or the changes (:mod:`segkit.lifecycle._panel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import check_choice
from segkit.errors import ParameterError
from segkit.lifecycle._flows import FlowCounter
from segkit.lifecycle._guards import Machine
from segkit.lifecycle._history import History
from segkit.lifecycle._incremental import feature_steps
from segkit.lifecycle._panel import changes_frame, changes_history, customer_universe, panel_frame
from segkit.lifecycle._schedule import MAX_POINTS, MAX_STEPS, Points, periods, zoned
from segkit.transactions import TransactionColumns

__all__ = [
    "MAX_POINTS",
    "MAX_STEPS",
    "Points",
    "ReplayOptions",
    "feature_steps",
    "periods",
    "replay_history",
    "run_replay",
    "zoned",
]

_Ints = np.ndarray[Any, np.dtype[np.int64]]


@attrs.frozen
class ReplayOptions:
    """The arguments of :meth:`Lifecycle.replay`, checked once and passed on as one value."""

    customer: str
    timestamp: str
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None
    order: str | None = None
    freq: Any = "MS"
    start: Any = None
    end: Any = None
    customers: Any = attrs.field(default=None, eq=False)
    signup: str | None = "signup_date"
    output: str = attrs.field(default="panel")
    columns_at: Any = attrs.field(default=None, eq=False)

    @output.validator
    def _check_output(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_choice("output", value, ("panel", "changes"), "Lifecycle.replay")

    def keywords(self) -> dict[str, Any]:
        """The options as keyword arguments of :meth:`Lifecycle.replay` (without ``customers``)."""
        out = attrs.asdict(self, recurse=False)
        del out["customers"], out["signup"], out["columns_at"]
        return out


#: ``column(k, when, states, features) -> values``: a guard column computed at
#: point ``k`` (label ``when``) from the states held before it (positions in
#: the state names, -1 for customers not yet present) and the features.
ColumnAt = Callable[[int, pd.Timestamp, np.ndarray[Any, Any], Mapping[str, Any]], Any]


def run_replay(
    machine: Machine,
    initial: int,
    transactions: Any,
    options: ReplayOptions,
) -> pd.DataFrame:
    """Run ``machine`` over history at every evaluation point (see :meth:`Lifecycle.replay`)."""
    out, _ = _replayed(machine, initial, transactions, options)
    return out if isinstance(out, pd.DataFrame) else changes_frame(out)


def replay_history(
    machine: Machine,
    initial: int,
    transactions: Any,
    options: ReplayOptions,
) -> tuple[History, FlowCounter]:
    """The changes of :func:`run_replay` as codes, and their flows counted on the way.

    ``options.output`` must be ``"changes"``. For a caller that wants the
    current states and the flows (``segkit.profile``:
    ``counter.result(history)``) without reading the changes back.
    """
    if options.output != "changes":
        raise ParameterError("replay_history gives the changes: pass output='changes'")
    out, counter = _replayed(machine, initial, transactions, options, count_flows=True)
    assert isinstance(out, History)
    assert counter is not None
    return out, counter


def _replayed(
    machine: Machine,
    initial: int,
    transactions: Any,
    options: ReplayOptions,
    *,
    count_flows: bool = False,
) -> tuple[pd.DataFrame | History, FlowCounter | None]:
    """The panel frame, or the changes as a :class:`History`.

    With ``count_flows`` the changes are also counted for the flows as they
    happen: the :class:`FlowCounter` comes second (None otherwise).
    """
    extra_at: Mapping[str, ColumnAt] = options.columns_at or {}
    if isinstance(transactions, TransactionColumns):
        cols = transactions  # read once by the caller (segkit.profile)
    else:
        cols = TransactionColumns.read(
            transactions,
            customer=options.customer,
            timestamp=options.timestamp,
            amount=options.amount,
            quantity=options.quantity,
            price=options.price,
            order=options.order,
        )
    extra = [c for c in machine.static if c not in extra_at]
    ids, codes, signup_ns, static = customer_universe(
        cols,
        options.customers,
        options.customer,
        options.signup if options.customers is not None else None,
        extra,
    )
    n = len(ids)
    points = periods(cols, options.freq, options.start, options.end, n)
    labels, keep = zoned(points.labels, cols.tz)
    labels, bounds, days = labels[keep], points.cuts[keep], points.days[keep]
    absent = len(machine.names)
    state = np.full(n, absent, dtype=np.int8)
    history = np.empty((bounds.size, n), dtype=np.int8) if options.output == "panel" else None
    moves: list[tuple[int, _Ints, np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []
    needed = [c for c in machine.columns if c not in static and c not in extra_at]
    counter = FlowCounter(n, bounds.size, absent) if count_flows else None
    steps = feature_steps(cols, codes, n, bounds, machine.windows, signup_ns, needed, days)
    for k, present, features in steps:
        before = state
        entering = present & (state == absent)
        current = state.copy()
        current[entering] = initial
        if extra_at:
            held = np.where(before == absent, -1, before)
            more = {name: f(k, labels[k], held, features) for name, f in extra_at.items()}
        else:
            more = {}
        frame = pd.DataFrame({**features, **static, **more}, copy=False)
        when = labels[k] if days[k] < 0 else labels[k].date()  # a date: the whole day
        state = machine.advance(frame, current, as_of=when, ids=ids)
        if history is not None:
            history[k] = state
        else:
            changed = np.flatnonzero(state != before)
            src, dst = before[changed], state[changed]
            moves.append((k, changed, src, dst))
            if counter is not None:
                counter.add(k, changed, np.where(src == absent, -1, src), dst)
    if history is not None:
        return panel_frame(machine.names, ids, labels, history, absent), counter
    return changes_history(machine.names, ids, labels, moves, absent), counter
