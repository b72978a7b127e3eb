"""Lifecycle.step: priorities, ties, several hops in one step, cycles."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ColumnNotFoundError
from segkit.lifecycle import (
    Lifecycle,
    LifecycleCycleError,
    LifecycleError,
    LifecycleWarning,
    State,
    Transition,
    default_lifecycle,
)


@pytest.fixture
def features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "orders": [0, 1, 2, 6, 6, 3, 1],
            "recency_days": [np.nan, 10.0, 5.0, 20.0, 200.0, 400.0, 30.0],
            "orders_90d": [0, 1, 2, 3, 0, 0, 1],
        },
        index=pd.Index(list("abcdefg"), name="customer_id"),
    )


def test_default_from_scratch_passes_several_states(features) -> None:
    out = default_lifecycle().step(features)
    assert out.tolist() == ["prospect", "new", "active", "loyal", "at_risk", "churned", "new"]
    assert out.index.equals(features.index)
    assert out.name == "state"
    assert list(out.cat.categories) == list(default_lifecycle().names)


def test_default_from_given_states(features) -> None:
    current = ["prospect", "at_risk", "churned", "reactivated", "loyal", "new", None]
    out = default_lifecycle().step(features, current)
    # b: won back; c: won back and bought twice in 90 days; d: also loyal; f: two hops
    assert out.tolist() == ["prospect", "active", "active", "loyal", "at_risk", "churned", "new"]


def test_current_series_is_aligned_by_index(features) -> None:
    current = pd.Series(["churned"] * 7, index=features.index[::-1])
    current["b"] = "at_risk"
    out = default_lifecycle().step(features, current)
    assert out["b"] == "active"
    assert out["c"] == "active"
    assert out["g"] == "reactivated"


def test_inputs_are_not_mutated(features) -> None:
    before = features.copy()
    current = pd.Series(["new"] * 7, index=features.index)
    kept = current.copy()
    default_lifecycle().step(features, current)
    pd.testing.assert_frame_equal(features, before)
    pd.testing.assert_series_equal(current, kept)


def test_priority_then_declaration_order() -> None:
    states = ["a", "b", "c", State("z", terminal=True)]
    df = pd.DataFrame({"orders": [5]})
    lc = Lifecycle(
        states,
        [
            Transition("a", "b", when="orders >= 1"),
            Transition("a", "c", when="orders >= 1", priority=3),
            Transition("b", "z", when="orders >= 1"),
            Transition("c", "z", when="orders >= 9"),
        ],
        initial="a",
    )
    assert lc.step(df).tolist() == ["c"]
    with pytest.warns(LifecycleWarning, match="equal priority"):
        tied = Lifecycle(
            states,
            [
                Transition("a", "b", when="orders >= 1"),
                Transition("a", "c", when="orders >= 1"),
                Transition("b", "z", when="orders >= 9"),
                Transition("c", "z", when="orders >= 9"),
            ],
            initial="a",
        )
    assert tied.step(df).tolist() == ["b"]


def test_null_guard_does_not_fire() -> None:
    lc = Lifecycle(
        ["a", State("b", terminal=True)],
        [Transition("a", "b", when="recency_days < 10")],
        initial="a",
    )
    df = pd.DataFrame({"recency_days": [np.nan, 3.0]})
    assert lc.step(df).tolist() == ["a", "b"]


def test_oscillation_is_reported_not_looped() -> None:
    lc = Lifecycle(
        ["a", "b"],
        [Transition("a", "b", when="orders >= 1"), Transition("b", "a", when="orders >= 2")],
        initial="a",
    )
    df = pd.DataFrame({"orders": [0, 1, 2, 3]}, index=["w", "x", "y", "z"])
    assert lc.step(df.iloc[:2]).tolist() == ["a", "b"]
    message = (
        "customers ['y', 'z'] oscillate between states 'a' -> 'b' -> 'a' at 2024-01-01: every "
        "guard along this cycle is true; make the guards exclusive"
    )
    with pytest.raises(LifecycleCycleError, match=f"^{re.escape(message)}$"):
        lc.step(df, as_of="2024-01-01")


def test_longer_cycle_found_after_a_lead_in() -> None:
    lc = Lifecycle(
        ["s", "a", "b", "c"],
        [
            Transition("s", "a", when="orders >= 1"),
            Transition("a", "b", when="orders >= 1"),
            Transition("b", "c", when="orders >= 1"),
            Transition("c", "a", when="orders >= 1"),
        ],
        initial="s",
    )
    with pytest.raises(LifecycleCycleError, match=r"between states '(a|b|c)' -> .* -> '\1'"):
        lc.step(pd.DataFrame({"orders": [1]}))


def test_many_guards_use_the_table_path() -> None:
    names = [f"s{i}" for i in range(20)]
    transitions = [
        Transition(names[i], names[i + 1], when=f"orders >= {i + 1}") for i in range(19)
    ]
    lc = Lifecycle([*names[:-1], State("s19", terminal=True)], transitions, initial="s0")
    assert lc._machine.lookup is None
    out = lc.step(pd.DataFrame({"orders": [0, 3, 25]}))
    assert out.tolist() == ["s0", "s3", "s19"]


@pytest.mark.parametrize(
    ("current", "message"),
    [
        (
            ["prospect", "activ"],
            (
                "current has states that are not in the lifecycle: ['activ'] (did you mean "
                "'active'?); states: ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned', "
                "'reactivated']"
            ),
        ),
        (["new"], "current has 1 states; features has 2 rows"),
    ],
)
def test_bad_current(current, message) -> None:
    df = pd.DataFrame({"orders": [1, 1], "recency_days": [1.0, 1.0], "orders_90d": [1, 1]})
    with pytest.raises(LifecycleError, match=f"^{re.escape(message)}$"):
        default_lifecycle().step(df, current)


def test_missing_feature_columns_are_named() -> None:
    with pytest.raises(
        ColumnNotFoundError,
        match="^"
        + re.escape(
            "columns 'recency_days', 'orders_90d' (did you mean 'orders'?) not found in the "
            "features; available columns: ['orders']"
        ),
    ):
        default_lifecycle().step(pd.DataFrame({"orders": [1]}))
