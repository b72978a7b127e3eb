"""``flows`` and ``current`` of a Dask lifecycle history: reduced on the cluster, exact."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

from segkit._backend import held, is_dask_collection, local
from segkit.dask._partition import by_customer
from segkit.errors import SchemaError
from segkit.lifecycle import Flows, current, default_lifecycle, flows, panel_of, states_and_flows

from .conftest import COLUMNS, to_dask

pytestmark = pytest.mark.usefixtures("client")

LC = default_lifecycle()
END = "2025-06-30"
PARTS = ("matrix", "moves", "counts", "spells", "time_in_state")


def assert_same_flows(got: Flows, expected: Flows) -> None:
    for name in PARTS:
        pd.testing.assert_frame_equal(
            getattr(got, name), getattr(expected, name), check_exact=True
        )
    assert (got.start, got.end) == (expected.start, expected.end)


@pytest.fixture(scope="module", params=["panel", "changes"])
def history(request: Any, transactions: pd.DataFrame) -> Any:
    """A replay on Dask (partitioned by customer, categorical states)."""
    return LC.replay(to_dask(transactions, 4), **COLUMNS, end=END, output=request.param)


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), ("2024-06-15", None), ("2024-01-01", "2025-01-01")],
    ids=["whole", "from-a-date", "between-dates"],
)
def test_flows_equal_pandas_on_the_collected_history(history: Any, start: Any, end: Any) -> None:
    expected = flows(local(history, by="customer"), start=start, end=end)
    assert_same_flows(flows(history, start=start, end=end), expected)


def test_current_is_a_map_equal_to_pandas(history: Any) -> None:
    collected = local(history, by="customer")
    got = LC.current(history)
    assert is_dask_collection(got)
    pd.testing.assert_frame_equal(local(got), LC.current(collected), check_exact=True)
    pd.testing.assert_frame_equal(local(current(history)), current(collected), check_exact=True)


def test_states_and_flows_equal_pandas(history: Any) -> None:
    collected = local(history, by="customer")
    states, moved = states_and_flows(history, states=LC.names)
    assert is_dask_collection(states)
    pd.testing.assert_frame_equal(local(states), LC.current(collected), check_exact=True)
    assert_same_flows(moved, flows(collected))


def test_any_dask_history_counts_as_pandas(transactions: pd.DataFrame) -> None:
    """Rows of a customer in several partitions, text states, boundaries lost: still exact."""
    panel = LC.replay(transactions, **COLUMNS, end=END)
    plain = panel.astype({"state": object, "previous_state": object}).sample(
        frac=1, random_state=3
    )
    plain.attrs = {}
    lazy = to_dask(plain.sort_values("period", kind="stable"), 5)
    collected = local(lazy, by="customer")
    assert collected.attrs == {}
    assert_same_flows(flows(lazy), flows(collected))
    pd.testing.assert_frame_equal(local(current(lazy)), current(collected), check_exact=True)


def test_a_frame_of_other_columns_is_refused_before_any_work(transactions: pd.DataFrame) -> None:
    lazy = to_dask(transactions, 2)
    for function in (flows, current):
        with pytest.raises(SchemaError, match=r"history must be the output of Lifecycle\.replay"):
            function(lazy)


def test_a_start_after_the_end_is_the_pandas_error(history: Any) -> None:
    with pytest.raises(ValueError, match=r"end \(2024-01-01 00:00:00\) is before start"):
        flows(history, start="2025-01-01", end="2024-01-01")


def test_the_panel_of_dask_changes_is_built_on_the_cluster(transactions: pd.DataFrame) -> None:
    changes = LC.replay(to_dask(transactions, 4), **COLUMNS, end=END, output="changes")
    panel = panel_of(changes)
    assert is_dask_collection(panel)
    expected = LC.replay(transactions, **COLUMNS, end=END, output="panel")
    collected = local(panel, by="customer")
    pd.testing.assert_frame_equal(collected, expected, check_exact=True)
    assert collected.attrs == expected.attrs
    moved = local(changes, by="customer").sample(frac=1, random_state=5)
    shuffled = to_dask(moved.sort_values("date", kind="stable"), 3)  # customers split
    pd.testing.assert_frame_equal(local(panel_of(shuffled), by="customer"), expected)


def test_a_replay_and_its_persisted_copy_are_not_shuffled_again(history: Any) -> None:
    kept = held(history)
    assert kept is not history
    assert by_customer(history, "customer") is history
    assert by_customer(kept, "customer") is kept
    pd.testing.assert_frame_equal(
        local(kept, by="customer"), local(history, by="customer"), check_exact=True
    )
