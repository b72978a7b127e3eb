"""Demand forecast over calendar time (expected_transactions_over_time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, ParetoNBD, expected_transactions_over_time
from segkit.datasets import load_cdnow
from segkit.errors import ParameterError, SchemaError
from segkit.features import summarize

PUBLISHED_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # [FHL05] CDNOW


def test_hand_worked_weekly_forecast() -> None:
    model = ParetoNBD.from_params(PUBLISHED_PNBD)
    first = pd.Series(pd.to_datetime(["1997-01-01", "1997-01-01", "1997-02-01"]), index=[7, 8, 9])
    weekly = expected_transactions_over_time(model, first, end="1997-03-02", unit="W")
    # weeks (Monday-Sunday) from the one holding 1997-01-01 to the one holding 1997-03-02
    assert weekly.index[0] == pd.Timestamp("1996-12-30")
    assert weekly.index[-1] == pd.Timestamp("1997-02-24")
    # by the end of the last week (1997-03-03): ages 61 and 30 days
    by_end = 2 * model.expected_purchases_new(61 / 7) + model.expected_purchases_new(30 / 7)
    assert weekly["expected_cumulative"].iloc[-1] == pytest.approx(by_end, rel=1e-13)
    # by the end of the first week (1997-01-06): 5 days for the first two, 0 for the third
    assert weekly["expected"].iloc[0] == pytest.approx(
        2 * model.expected_purchases_new(5 / 7), rel=1e-13
    )
    np.testing.assert_allclose(weekly["expected"].cumsum(), weekly["expected_cumulative"])


def test_cdnow_tracking_with_actuals_and_cohorts() -> None:
    log = load_cdnow()
    table = summarize(
        log,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        unit="W",
    )
    model = BetaGeo().fit(table)
    first = log.groupby("customer_id")["date"].min()
    monthly = expected_transactions_over_time(
        model,
        first,
        end="1998-06-30",
        freq="MS",
        unit="W",
        transactions=log,
        customer="customer_id",
        timestamp="date",
    )
    assert list(monthly.columns) == [
        "expected",
        "expected_cumulative",
        "actual",
        "actual_cumulative",
    ]
    assert monthly.index[0] == pd.Timestamp("1997-01-01")
    assert len(monthly) == 18
    # actual repeat purchase days: distinct days after each customer's first
    days = log.assign(day=log["date"].dt.floor("D"))[["customer_id", "day"]].drop_duplicates()
    repeats = len(days) - days["customer_id"].nunique()
    assert monthly["actual_cumulative"].iloc[-1] == repeats
    # the fit describes the calibration period: cumulative within 5% at its end
    sept = monthly.loc["1997-09-01"]
    assert sept["expected_cumulative"] == pytest.approx(sept["actual_cumulative"], rel=0.05)
    cohorts = first.dt.to_period("M").astype(str)
    by_cohort = expected_transactions_over_time(
        model, first, end="1998-06-30", freq="MS", unit="W", by=cohorts
    )
    assert set(by_cohort.index.get_level_values("group")) == {"1997-01", "1997-02", "1997-03"}
    total = by_cohort.groupby(level="period")["expected"].sum()
    np.testing.assert_allclose(total.to_numpy(), monthly["expected"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"freq": "Q"}, ParameterError, "freq must be one of"),
        ({"unit": 0}, ParameterError, "unit must be one of 'D' \\(days\\), 'W' \\(weeks\\), 'M'"),
        (
            {"end": "1990-01-01"},
            ParameterError,
            r"end \(1990-01-01\) is before the first purchase",
        ),
        ({"transactions": pd.DataFrame()}, ParameterError, "pass customer= and timestamp="),
    ],
    ids=["freq", "unit", "end", "transactions-columns"],
)
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    model = ParetoNBD.from_params(PUBLISHED_PNBD, unit="W")
    first = pd.Series(pd.to_datetime(["1997-01-01"]))
    options = {"end": "1997-03-01", **kwargs}
    with pytest.raises(error, match=match):
        expected_transactions_over_time(model, first, **options)


def test_first_purchases_that_are_not_dates() -> None:
    model = ParetoNBD.from_params(PUBLISHED_PNBD, unit="W")
    with pytest.raises(SchemaError, match=r"1 value\(s\) that are not dates, e.g. \['soon'\]"):
        expected_transactions_over_time(model, pd.Series(["1997-01-01", "soon"]), end="1997-03-01")
