"""Calendar units: one rule (segkit._time.unit_days) in summarize, calibration_holdout and CLV."""

from __future__ import annotations

import pandas as pd
import pytest

import segkit
from segkit._time import unit_days
from segkit.clv import BetaGeo, expected_transactions_over_time
from segkit.errors import ParameterError

LOG = pd.DataFrame(
    {
        "customer": ["a", "a", "a", "b"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-31", "2024-03-01", "2024-02-10"]),
        "amount": [10.0, 20.0, 30.0, 5.0],
    }
)
COLS = {"customer": "customer", "timestamp": "date", "amount": "amount"}


@pytest.mark.parametrize(
    ("unit", "days"),
    [("D", 1.0), ("W", 7.0), ("M", 30.4375), (14, 14.0), (0.5, 0.5)],
    ids=["day", "week", "month", "fortnight", "half-day"],
)
def test_unit_days(unit: object, days: float) -> None:
    assert unit_days(unit) == days


@pytest.mark.parametrize("unit", ["Y", 0, -7, float("inf"), True, None], ids=str)
def test_bad_units(unit: object) -> None:
    with pytest.raises(ParameterError, match=r"unit must be one of 'D' \(days\), 'W'"):
        unit_days(unit)


def test_summarize_in_months_by_hand() -> None:
    # a: first 2024-01-01, last 2024-03-01 (60 days later); as of 2024-03-31
    # (end of day: 90 days + 1 day after the first purchase's midnight)
    table = segkit.summarize(LOG, **COLS, as_of="2024-03-31", unit="M")
    days = segkit.summarize(LOG, **COLS, as_of="2024-03-31", unit="D")
    assert table.loc["a", "t_x"] == pytest.approx(60 / 30.4375, rel=1e-15)
    pd.testing.assert_series_equal(table["T"], days["T"] / 30.4375)
    fortnights = segkit.summarize(LOG, **COLS, as_of="2024-03-31", unit=14)
    pd.testing.assert_series_equal(fortnights["t_x"], days["t_x"] / 14)


def test_calibration_holdout_in_months() -> None:
    split = segkit.calibration_holdout(
        LOG, **COLS, calibration_end="2024-01-31", observation_end="2024-03-31", unit="M"
    )
    days = segkit.calibration_holdout(
        LOG, **COLS, calibration_end="2024-01-31", observation_end="2024-03-31", unit="D"
    )
    assert split["duration_holdout"].iloc[0] == pytest.approx(60 / 30.4375, rel=1e-15)
    pd.testing.assert_series_equal(split["T"], days["T"] / 30.4375)


def test_a_model_in_months_forecasts_as_the_same_model_in_days() -> None:
    # alpha is a time scale: alpha in days = alpha in months x 30.4375
    months = BetaGeo.from_params({"r": 0.5, "alpha": 2.0, "a": 0.8, "b": 2.5})
    days = BetaGeo.from_params({"r": 0.5, "alpha": 2.0 * 30.4375, "a": 0.8, "b": 2.5})
    first = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-15"]), index=["a", "b"])
    by_month = expected_transactions_over_time(
        months, first, end="2024-12-31", freq="MS", unit="M"
    )
    by_day = expected_transactions_over_time(days, first, end="2024-12-31", freq="MS", unit="D")
    pd.testing.assert_frame_equal(by_month, by_day, rtol=1e-12)
