"""churn_drivers: hand-worked rules, pasting into a TagEngine, the planted effect, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.datasets import make_complaints, make_feedback, make_transactions
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.feedback import churn_drivers, feedback_features
from segkit.tagging import Rule, TagEngine


@pytest.fixture
def small() -> tuple[pd.DataFrame, pd.Series]:
    table = pd.DataFrame(
        {
            "complaints_open": [0, 0, 0, 0, 1, 1, 0, 1],
            "orders": [5, 3, 4, 6, 2, 5, 1, 3],
            "last_nps": [9, np.nan, 10, 8, 2, 3, np.nan, 4],
            "tier": ["a"] * 8,
        },
        index=pd.Index(list("abcdefgh"), name="cid"),
    )
    left = pd.Series([False, False, False, False, True, True, True, False], index=table.index)
    return table, left


def test_hand_worked_depth_one(small: tuple[pd.DataFrame, pd.Series]) -> None:
    table, left = small
    out = churn_drivers(table, left, features=["complaints_open"], max_depth=1)
    # complaints_open > 0: e, f, h -> 2 of 3 churned; overall 3 of 8.
    assert out[["when", "customers", "churned"]].values.tolist() == [
        ["complaints_open > 0", 3, 2],
        ["complaints_open <= 0", 5, 1],
    ]
    assert out["churn_rate"].tolist() == pytest.approx([2 / 3, 1 / 5])
    assert out["lift"].tolist() == pytest.approx([(2 / 3) / (3 / 8), (1 / 5) / (3 / 8)])
    assert out["support"].tolist() == [3 / 8, 5 / 8]
    assert out.attrs["churn_rate"] == 3 / 8
    assert out["summary"][0] == (
        "customers with complaints_open > 0 churned at 1.8× the overall rate (67% vs 38%)"
    )


def test_rules_paste_into_a_tag_engine(small: tuple[pd.DataFrame, pd.Series]) -> None:
    table, left = small
    out = churn_drivers(table, left, max_depth=3)
    assert len(out) >= 2
    engine = TagEngine([Rule(f"r{i}", when) for i, when in enumerate(out["when"])])
    tags = engine.apply(table)
    for i, row in out.iterrows():
        selected = tags[f"r{i}"].to_numpy()
        assert selected.sum() == row["customers"]
        assert left.to_numpy()[selected].sum() == row["churned"]


def test_churned_as_a_column_and_defaults(small: tuple[pd.DataFrame, pd.Series]) -> None:
    table, left = small
    with_column = table.assign(churned=left)
    a = churn_drivers(with_column, "churned", max_depth=2)
    b = churn_drivers(table, left, max_depth=2)
    pd.testing.assert_frame_equal(a, b)
    assert not any("tier" in w or "churned" in w for w in a["when"])


def test_missing_values_follow_the_rule_language(small: tuple[pd.DataFrame, pd.Series]) -> None:
    table, left = small
    out = churn_drivers(table, left, features=["last_nps"], max_depth=1)
    # b and g have no NPS answer: no rule on last_nps selects them.
    assert out["customers"].sum() == 6


@pytest.mark.parametrize(
    ("churned", "kwargs", "error", "message"),
    [
        pytest.param(
            pd.Series([True, False], index=["a", "b"]),
            {},
            SchemaError,
            r"churned is missing for 6 customer\(s\) of the table: \['c', 'd', 'e', 'f', 'g', "
            r"\.\.\. \(6 in all\)\]",
            id="missing",
        ),
        pytest.param(
            [0, 1, 2, 0, 0, 0, 0, 0], {}, SchemaError, r"True/False \(or 0/1\)", id="values"
        ),
        pytest.param([0, 1], {}, SchemaError, r"churned has shape \(2,\) for 8", id="length"),
        pytest.param(
            [0] * 8,
            {"features": ["tier"]},
            SchemaError,
            r"features \['tier'\] are not numeric",
            id="text",
        ),
        pytest.param(
            [0] * 8,
            {"features": ["ordrs"]},
            ColumnNotFoundError,
            "did you mean 'orders'",
            id="name",
        ),
        pytest.param(
            [0] * 8, {"max_depth": 0}, ParameterError, "'max_depth' parameter", id="depth"
        ),
        pytest.param(
            [0] * 8,
            {"min_support": 0.7},
            ParameterError,
            "min_support must be a share",
            id="support",
        ),
    ],
)
def test_bad_input(
    small: tuple[pd.DataFrame, pd.Series],
    churned: object,
    kwargs: dict[str, object],
    error: type,
    message: str,
) -> None:
    table, _ = small
    with pytest.raises(error, match=message):
        churn_drivers(table, churned, **kwargs)


def _calibration_table(lapse_bad_rate: float = 0.5, lapse_open_rate: float = 0.6) -> Any:
    tx = make_transactions(3000, seed=3, a=0.5, b=8)
    fb = make_feedback(tx, seed=3, lapse_bad_rate=lapse_bad_rate)
    cp = make_complaints(
        tx, seed=3, lapse_bad_rate=lapse_bad_rate, lapse_open_rate=lapse_open_rate
    )
    cal = "2024-12-31"
    summary = segkit.summarize(
        tx, customer="customer_id", timestamp="timestamp", amount="amount", as_of=cal
    )
    features = feedback_features(
        fb, cp, customer="customer_id", timestamp="timestamp", as_of=cal, customers=summary
    )
    table = summary[["orders", "recency_days"]].join(features)
    later = tx.loc[tx["timestamp"] >= pd.Timestamp("2025-01-01"), "customer_id"]
    churned = pd.Series(~table.index.isin(later), index=table.index)
    return table, churned


def test_recovers_the_planted_effect() -> None:
    table, churned = _calibration_table()
    features = ["complaints_open", "low_ratings_365d", "last_nps"]
    out = churn_drivers(table, churned, features=features, max_depth=1)
    top = out.iloc[0]
    assert top["when"] == "complaints_open > 0"
    assert top["lift"] > 1.7
    assert top["customers"] > 150
    # Nothing planted: an open complaint does not mark the customers who leave.
    table0, churned0 = _calibration_table(lapse_bad_rate=0.08, lapse_open_rate=0.03)
    null = churn_drivers(table0, churned0, features=["complaints_open"], max_depth=1)
    assert null["lift"].max() < 1.25
