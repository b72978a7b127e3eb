"""Cohort retention, repeat purchase rate, purchase intervals, mix over time (hand-worked)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ParameterError
from segkit.evaluate import cohort_retention, mix_over_time, purchase_intervals
from segkit.loyalty import Tier, TierProgram

COLUMNS = {"customer": "id", "timestamp": "ts", "amount": "amount"}
NAN = np.nan

# a: Jan, Mar; b: Jan, Feb (and a return in Feb); c: Feb, Feb, Apr; d: only a return
TX = pd.DataFrame(
    {
        "id": ["a", "a", "b", "b", "b", "c", "c", "c", "d"],
        "ts": pd.to_datetime(
            [
                "2024-01-03",
                "2024-03-09",
                "2024-01-20",
                "2024-02-02",
                "2024-02-05",
                "2024-02-10",
                "2024-02-11",
                "2024-04-30",
                "2024-02-01",
            ]
        ),
        "amount": [10.0, 30.0, 20.0, 5.0, -8.0, 7.0, 3.0, 50.0, -4.0],
    }
)


def test_cohort_table_by_hand() -> None:
    t = cohort_retention(TX, **COLUMNS)
    assert t.customers.index.strftime("%Y-%m").tolist() == [
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
    ]
    np.testing.assert_array_equal(
        t.customers.to_numpy(),
        [[2, 1, 1, 0], [1, 0, 1, NAN], [0, 0, NAN, NAN], [0, NAN, NAN, NAN]],
    )
    np.testing.assert_array_equal(
        t.revenue.to_numpy(),
        [[30, -3, 30, 0], [10, 0, 50, NAN], [0, 0, NAN, NAN], [0, NAN, NAN, NAN]],
    )
    np.testing.assert_array_equal(t.customer_share.iloc[0].to_numpy(), [1.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(t.revenue_share.iloc[1, :3].to_numpy(), [1.0, 0.0, 5.0])
    # a and b bought on two days or more; c on three days
    assert t.repeat_rate.iloc[:2].tolist() == [1.0, 1.0]
    assert t.repeat_rate.attrs["overall"] == 1.0


def test_as_of_cuts_and_quarters() -> None:
    t = cohort_retention(TX, **COLUMNS, freq="QS", as_of="2024-03-31")
    assert t.customers.to_numpy().tolist() == [[3.0]]
    assert t.revenue.to_numpy().tolist() == [[67.0]]  # net: 10+30+20+5-8+7+3 (d has no cohort)


def test_repeat_rate_with_orders() -> None:
    lines = pd.DataFrame(
        {
            "id": [1, 1, 1, 2, 2],
            "order": ["x", "x", "y", "z", "w"],
            "ts": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-01"] + ["2024-01-05"] * 2),
            "amount": [5.0, 5.0, 6.0, 3.0, 4.0],
        }
    )
    by_day = cohort_retention(lines, **COLUMNS)
    by_order = cohort_retention(lines, **COLUMNS, order="order")
    assert by_day.repeat_rate.tolist() == [0.0]  # one purchase day each
    assert by_order.repeat_rate.tolist() == [1.0]  # two orders each


def test_purchase_intervals() -> None:
    gaps = purchase_intervals(TX, **COLUMNS)
    assert list(gaps.items()) == [("a", 66), ("b", 13), ("c", 1), ("c", 79)]


def test_mix_over_time_of_a_tier_replay() -> None:
    program = TierProgram([Tier("member"), Tier("vip", "revenue_365d >= 40")])
    panel = program.replay(TX, **COLUMNS, end="2024-04-30")
    mix = mix_over_time(panel)
    assert list(mix.columns) == ["member", "vip"]
    assert mix.loc[pd.Timestamp("2024-04-01")].tolist() == [2 / 3, 1 / 3]  # a has 40
    counts = mix_over_time(panel, share=False)
    assert counts.sum(axis=1).tolist() == [2.0, 3.0, 3.0, 3.0]


def test_heatmap() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = cohort_retention(TX, **COLUMNS).plot()
    assert ax.get_title() == "Cohort customer share"
    with pytest.raises(ParameterError, match=re.escape("what must be one of 'customers'")):
        cohort_retention(TX, **COLUMNS).plot("size")


def test_bad_freq() -> None:
    with pytest.raises(ParameterError, match=r"^freq must be a pandas frequency"):
        cohort_retention(TX, **COLUMNS, freq="monthly")
