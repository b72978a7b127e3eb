"""flows(), current() and the plots, on the hand-built history of test_lifecycle_replay."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ParameterError, SchemaError
from segkit.lifecycle import (
    ENTERED,
    Flows,
    current,
    default_lifecycle,
    flows,
    plot_flows,
    plot_state_counts,
    states_and_flows,
)
from segkit.lifecycle._flows import _km_quantiles

LC = default_lifecycle(active_days=30, at_risk_days=60, churn_days=90, loyal_orders=3)
NAMES = list(LC.names)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# The changes of the hand-built history (see test_lifecycle_replay.py), written out.
CHANGES = pd.DataFrame(
    [
        ("A", ts("2024-02-01"), None, "new"),
        ("A", ts("2024-04-01"), "new", "at_risk"),
        ("A", ts("2024-05-01"), "at_risk", "churned"),
        ("B", ts("2024-02-01"), None, "active"),
        ("B", ts("2024-03-01"), "active", "loyal"),
        ("B", ts("2024-05-01"), "loyal", "at_risk"),
        ("B", ts("2024-06-01"), "at_risk", "churned"),
        ("B", ts("2024-07-01"), "churned", "reactivated"),
        ("B", ts("2024-08-01"), "reactivated", "loyal"),
        ("C", ts("2024-03-01"), None, "prospect"),
        ("C", ts("2024-06-01"), "prospect", "new"),
        ("C", ts("2024-08-01"), "new", "at_risk"),
        ("C", ts("2024-09-01"), "at_risk", "churned"),
        ("F", ts("2024-01-01"), None, "new"),
        ("F", ts("2024-04-01"), "new", "churned"),
    ],
    columns=["customer", "date", "from", "to"],
).assign(
    **{
        "from": lambda d: pd.Categorical(d["from"], categories=NAMES),
        "to": lambda d: pd.Categorical(d["to"], categories=NAMES),
    }
)
CHANGES.attrs["periods"] = pd.date_range("2024-01-01", "2024-09-01", freq="MS")


def test_counts_per_period() -> None:
    counts = flows(CHANGES).counts
    assert list(counts.columns) == NAMES
    assert counts.loc["2024-04-01"].to_dict() == {
        "prospect": 1,
        "new": 0,
        "active": 0,
        "loyal": 1,
        "at_risk": 1,
        "churned": 1,
        "reactivated": 0,
    }
    assert counts.sum(axis=1).tolist() == [1, 3, 4, 4, 4, 4, 4, 4, 4]


def test_matrix_over_the_whole_history() -> None:
    matrix = flows(CHANGES).matrix
    assert matrix.to_dict() == {"loyal": {"new": 0, ENTERED: 1}, "churned": {"new": 1, ENTERED: 2}}


def test_matrix_and_moves_between_two_dates() -> None:
    f = flows(CHANGES, start="2024-03-15", end="2024-07-01")
    assert (f.start, f.end) == (ts("2024-03-01"), ts("2024-07-01"))
    assert f.matrix.to_dict() == {
        "new": {"prospect": 1, "new": 0, "loyal": 0},
        "churned": {"prospect": 0, "new": 2, "loyal": 0},
        "reactivated": {"prospect": 0, "new": 0, "loyal": 1},
    }
    # by date, then in the lifecycle's state order (categorical, not alphabetical)
    assert list(f.moves["from"].cat.categories) == NAMES
    moves = f.moves.astype({"from": object, "to": object})
    assert moves.values.tolist() == [
        [ts("2024-04-01"), "new", "at_risk", 1],
        [ts("2024-04-01"), "new", "churned", 1],
        [ts("2024-05-01"), "loyal", "at_risk", 1],
        [ts("2024-05-01"), "at_risk", "churned", 1],
        [ts("2024-06-01"), "prospect", "new", 1],
        [ts("2024-06-01"), "at_risk", "churned", 1],
        [ts("2024-07-01"), "churned", "reactivated", 1],
    ]
    assert f.matrix.to_numpy().sum() == 4  # every customer present at the end, once


def test_moves_from_the_start_include_entries() -> None:
    moves = flows(CHANGES).moves
    entries = moves[moves["from"].isna()]
    assert entries["customers"].sum() == 4
    assert moves["customers"].sum() == len(CHANGES)


def test_spells_and_time_in_state() -> None:
    f = flows(CHANGES)
    b = f.spells[f.spells["customer"] == "B"]
    assert b["state"].astype(str).tolist() == [
        "active",
        "loyal",
        "at_risk",
        "churned",
        "reactivated",
        "loyal",
    ]
    assert b["days"].tolist() == [29.0, 61.0, 31.0, 30.0, 31.0, 31.0]
    assert b["completed"].tolist() == [True, True, True, True, True, False]
    t = f.time_in_state
    assert t.loc["new"].to_dict() == {
        "spells": 3,
        "completed": 3,
        "q25_days": 60.0,
        "median_days": 61.0,
        "q75_days": 91.0,
    }
    # 'churned' stays mostly go on: Kaplan-Meier gives no median rather than a biased one
    assert t.loc["churned", "spells"] == 4
    assert np.isnan(t.loc["churned", "median_days"])


def test_spells_built_on_access_are_the_same_after_a_pickle_and_from_pieces() -> None:
    import pickle

    from segkit.lifecycle._flows import FlowTally, Stays, flow_plan, flow_tally, flows_of

    expected = flows(CHANGES).spells
    # a Flows pickled before its spells were read builds the same table
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(flows(CHANGES))).spells, expected)
    # two pieces holding different customers, counted apart and joined (as on Dask)
    f = flows(CHANGES)
    plan = flow_plan(f.counts.index, NAMES)
    first = CHANGES["customer"].isin(["A", "B"])
    parts = [flow_tally(CHANGES[first], plan), flow_tally(CHANGES[~first], plan)]
    total = FlowTally.total(parts)
    assert isinstance(total.spells, Stays)
    assert len(total.spells) == len(expected)
    joined = flows_of(plan, total).spells
    order = joined.sort_values(["customer", "start"], kind="stable").index
    pd.testing.assert_frame_equal(
        joined.loc[order].reset_index(drop=True),
        expected.sort_values(["customer", "start"], kind="stable").reset_index(drop=True),
    )


def test_states_and_flows_read_once_equal_current_and_flows() -> None:
    history = CHANGES
    states, moved = states_and_flows(history, states=NAMES)
    pd.testing.assert_frame_equal(states, current(history, states=NAMES), check_exact=True)
    expected = flows(history)
    for name in ("matrix", "moves", "counts", "spells", "time_in_state"):
        pd.testing.assert_frame_equal(getattr(moved, name), getattr(expected, name))
    assert (moved.start, moved.end) == (expected.start, expected.end)


@pytest.mark.parametrize(
    ("days", "done", "expected"),
    [
        ([1, 2, 3, 4], [True] * 4, [1.0, 2.0, 3.0]),
        ([1, 2, 3, 4], [True, False, True, True], [1.0, 3.0, 4.0]),
        ([5, 5, 5], [False] * 3, [np.nan] * 3),
        ([], [], [np.nan] * 3),
    ],
)
def test_kaplan_meier_quantiles(days, done, expected) -> None:
    got = _km_quantiles(np.array(days, dtype=float), np.array(done, dtype=bool), (0.25, 0.5, 0.75))
    np.testing.assert_array_equal(got, expected)


def test_current_from_changes() -> None:
    now = current(CHANGES)
    assert now.loc["F"].tolist() == ["churned", "new", ts("2024-04-01")]
    assert list(now["state"].cat.categories) == NAMES


def test_panel_and_changes_give_the_same_flows() -> None:
    from segkit.datasets import make_customers, make_transactions

    lc = default_lifecycle()
    tx = make_transactions(400, seed=5)
    kw = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    customers = make_customers(400, seed=5)
    panel = lc.replay(tx, **kw, customers=customers)
    changes = lc.replay(tx, **kw, customers=customers, output="changes")
    a, b = flows(panel, start="2024-01-01"), flows(changes, start="2024-01-01")
    pd.testing.assert_frame_equal(a.counts, b.counts)
    pd.testing.assert_frame_equal(a.matrix, b.matrix)
    pd.testing.assert_frame_equal(a.time_in_state, b.time_in_state)
    per_period = panel.groupby("period", observed=True)["state"].value_counts().unstack()
    per_period.columns = per_period.columns.astype(str)
    pd.testing.assert_frame_equal(
        b.counts,
        per_period.loc["2024-01-01":, NAMES].rename_axis(index=None, columns=None),
        check_dtype=False,
        check_freq=False,
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"start": "2023-01-01"},
            ParameterError,
            "start (2023-01-01 00:00:00) is before the first period (2024-01-01 00:00:00)",
        ),
        (
            {"start": "2024-05-01", "end": "2024-02-01"},
            ParameterError,
            "end (2024-02-01 00:00:00) is before start (2024-05-01 00:00:00)",
        ),
    ],
)
def test_flow_errors(kwargs, error, message) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        flows(CHANGES, **kwargs)


def test_history_must_come_from_replay() -> None:
    with pytest.raises(SchemaError, match=r"^history must be the output of Lifecycle.replay"):
        flows(pd.DataFrame({"customer": [1], "state": ["a"]}))


def test_plots_return_axes() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = flows(CHANGES)
    assert isinstance(f, Flows)
    ax = plot_state_counts(CHANGES)
    assert ax.get_title() == "Customers by lifecycle state"
    ax2 = f.plot()
    assert ax2.get_title() == "Lifecycle flows 2024-01-01 \u2192 2024-09-01"
    _, ax3 = plt.subplots()
    assert plot_flows(f, ax=ax3) is ax3
    assert f.plot_counts(ax=ax3) is ax3
    plt.close("all")


@pytest.mark.parametrize(
    ("seed", "freq", "ids", "cut"),
    [
        (1, "MS", "int", False),
        (2, "W", "str", False),
        (3, "QS", "int", False),
        (4, "MS", "str", True),
        (5, "W", "int", True),
    ],
    ids=["monthly-int", "weekly-str", "quarterly-int", "monthly-cut-tz", "weekly-cut-tz"],
)
def test_flows_counted_during_the_replay_equal_those_read_from_its_changes(seed, freq, ids, cut):
    from segkit.datasets import make_customers, make_transactions
    from segkit.lifecycle._panel import changes_frame

    tx = make_transactions(150, seed=seed, lines_per_order=1.5)
    people = make_customers(170, seed=seed)  # some never buy: prospects
    if ids == "str":
        tx = tx.assign(customer_id="c" + tx["customer_id"].astype(str))
        people.index = "c" + people.index.astype(str)
    window = {}
    if cut:  # a replay from and to dates inside the history, on a zone's wall clock
        tx = tx.assign(timestamp=tx["timestamp"].dt.tz_localize("Asia/Tokyo"))
        stamps = tx["timestamp"].sort_values()
        window = {"start": stamps.iloc[len(tx) // 4], "end": stamps.iloc[3 * len(tx) // 4]}
    cols = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    machine = default_lifecycle(active_days=30, at_risk_days=60, churn_days=120)
    history, counter = machine._replay_history(
        tx, **cols, order="order_id", freq=freq, customers=people, signup="signup_date", **window
    )
    changes = changes_frame(history)
    assert changes["from"].isna().sum() > 0
    assert (changes["to"] == "churned").sum() > 0
    states, moved = counter.result(history, machine.names)
    want_states, want = states_and_flows(changes, states=machine.names)
    pd.testing.assert_frame_equal(states, want_states, check_exact=True)
    for name in ("matrix", "moves", "counts", "spells", "time_in_state"):
        pd.testing.assert_frame_equal(getattr(moved, name), getattr(want, name), check_exact=True)
    assert (moved.start, moved.end) == (want.start, want.end)
