"""Lifecycle flows and current states of a Dask history, reduced on the cluster.

A replay on Dask (:meth:`Lifecycle.replay <segkit.lifecycle.Lifecycle.replay>`)
returns its panel or changes partitioned by customer. Neither
:func:`segkit.lifecycle.current` nor :func:`segkit.lifecycle.flows` needs the
whole history in one place:

* the current states are a map: each partition's customers from that
  partition's rows; so is the panel built from the changes
  (:func:`segkit.lifecycle.panel_of`);
* the flows are a reduction: each partition counts its customers' changes
  (:func:`segkit.lifecycle.flow_tally <segkit.lifecycle._flows.flow_tally>`:
  state counts, the from/to matrix, the moves, the stays per state), the
  counts add up, and the spells (one row per stay) are put in customer order.

A history that is not known to hold whole customers per partition is first
moved so (:func:`~segkit.dask.partition_by_customer`). Both results equal the
pandas functions on the history computed and sorted by customer
(``segkit._backend.local(history, by="customer")``), exactly.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import attrs
import pandas as pd

from segkit._backend import Call, register
from segkit._validation import require_frame
from segkit.dask._partition import Frame, by_customer, require_dask, same_customers
from segkit.dask._profile import default_text, gather
from segkit.lifecycle import current, panel_of
from segkit.lifecycle._flows import FlowTally, flow_plan, flow_tally, flows_of
from segkit.lifecycle._history import (
    first_states,
    given_periods,
    history_form,
    state_columns,
    states_in_order,
)

__all__ = ["current_dask", "flows_dask", "panel_of_dask"]


def _prepared(history: Frame) -> tuple[Frame, pd.DataFrame]:
    """The history with whole customers per partition, and its empty frame (checked)."""
    require_dask(history, "history")
    meta = require_frame(history._meta, "history")
    history_form(meta)  # the columns of neither replay output: the pandas message, no work
    return by_customer(history, "customer"), meta


def _periods(history: Frame, meta: pd.DataFrame) -> pd.DatetimeIndex:
    """The boundaries: those the replay stored, else every date in the history (one pass)."""
    periods = given_periods(meta)
    if periods is not None:
        return periods
    column = "period" if history_form(meta) == "panel" else "date"
    dates = pd.concat(gather(history[column].unique().to_delayed()))
    return pd.DatetimeIndex(pd.unique(dates)).sort_values()


def _states(history: Frame, meta: pd.DataFrame) -> list[str]:
    """The state names in the order pandas reads them (categorical: no pass over the data)."""
    categorical = all(isinstance(meta[c].dtype, pd.CategoricalDtype) for c in state_columns(meta))
    if categorical:
        return states_in_order(meta, [])
    delayed = import_module("dask").delayed
    return states_in_order(meta, gather([delayed(first_states)(p) for p in history.to_delayed()]))


def current_dask(history: Frame, *, states: Any = None) -> Frame:
    """:func:`segkit.lifecycle.current` of a Dask history: a map over its customers.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by customer, partitioned as the (whole-customer) history;
        ``segkit._backend.local`` sorts it by customer like the pandas result.
    """
    history, meta = _prepared(history)
    names = list(states) if states is not None else _states(history, meta)
    empty = current(meta, states=names)
    out = history.map_partitions(current, states=names, meta=empty)
    return same_customers(history, out)


def flows_dask(history: Frame, *, start: Any = None, end: Any = None) -> Any:
    """:func:`segkit.lifecycle.flows` of a Dask history, counted per partition.

    Returns
    -------
    Flows
        Equal to the pandas flows of the history computed and sorted by
        customer: the counts are added up, the spells (one row per stay,
        computed) sorted by customer.
    """
    history, meta = _prepared(history)
    plan = flow_plan(_periods(history, meta), _states(history, meta), start=start, end=end)
    delayed = import_module("dask").delayed
    tallies = gather([delayed(flow_tally)(piece, plan) for piece in history.to_delayed()])
    total = FlowTally.total(tallies or [flow_tally(meta, plan)])
    del tallies
    spells = total.spells.frame(plan.periods, plan.states)
    spells = spells.sort_values("customer", kind="stable").reset_index(drop=True)
    flows = flows_of(plan, total)
    return attrs.evolve(flows, spells=default_text(spells))


def _panel_part(part: pd.DataFrame, given: dict[str, Any]) -> pd.DataFrame:
    ordered = part.sort_values("customer", kind="stable")
    ordered.attrs.update(given)  # the boundaries, which a shuffle's partitions do not carry
    return panel_of(ordered)


def panel_of_dask(changes: Frame) -> Frame:
    """:func:`segkit.lifecycle.panel_of` of Dask changes: a map over their customers.

    Returns
    -------
    dask.dataframe.DataFrame
        The panel, lazily, partitioned as the (whole-customer) changes;
        ``segkit._backend.local(panel, by="customer")`` equals the pandas
        panel of the changes computed and sorted by customer.
    """
    require_dask(changes, "changes")
    empty = panel_of(changes._meta)  # the pandas checks (columns, boundaries), no work
    history = by_customer(changes, "customer")
    given = dict(changes._meta.attrs)
    return same_customers(history, history.map_partitions(_panel_part, given, meta=empty))


@register("lifecycle.panel_of")
def _panel_of(call: Call) -> Frame:
    return panel_of_dask(call.arguments()["changes"])


@register("lifecycle.current")
def _current(call: Call) -> Frame:
    arguments = call.arguments()
    return current_dask(arguments["history"], states=arguments["states"])


@register("lifecycle.states_and_flows")
def _states_and_flows(call: Call) -> tuple[Frame, Any]:
    arguments = call.arguments()
    history = arguments["history"]
    return current_dask(history, states=arguments["states"]), flows_dask(history)


@register("lifecycle.flows")
def _flows(call: Call) -> Any:
    arguments = call.arguments()
    return flows_dask(arguments["history"], start=arguments["start"], end=arguments["end"])
