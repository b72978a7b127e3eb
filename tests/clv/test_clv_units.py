"""The time unit a purchase model was fitted in, and every calendar-time consumer of it.

A model fitted on the CDNOW calibration table in days and one fitted on the
same table in weeks describe the same customers: the scale parameters differ
by exactly the factor 7 (``alpha``, ``beta`` are times) and every forecast
in calendar time must agree.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeoCNBD,
    ParetoNBD,
    expected_transactions_over_time,
    lifetime_value,
)
from segkit.datasets import load_cdnow
from segkit.errors import ParameterError
from segkit.features import calibration_holdout, summarize
from segkit.report._forecast import monthly_by_segment

COLS = {"customer": "customer_id", "timestamp": "date", "amount": "amount"}
AS_OF = "1997-09-30"


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture(scope="module")
def tables(log: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {u: summarize(log, **COLS, as_of=AS_OF, unit=u) for u in ("D", "W")}


@pytest.fixture(scope="module", params=[BetaGeo, ParetoNBD], ids=["bgnbd", "pnbd"])
def pair(request: pytest.FixtureRequest, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    model = request.param
    return {
        "D": model(unit="D").fit(tables["D"]),
        "W": model(unit="W").fit(tables["W"]),
    }


def test_the_fits_differ_by_the_unit_only(pair: dict[str, Any]) -> None:
    days, weeks = pair["D"], pair["W"]
    assert days.unit_ == 1.0
    assert weeks.unit_ == 7.0
    scale = {"alpha", "beta"}  # times; r, s, a, b are shapes
    factor = [7.0 if name in scale else 1.0 for name in days.params_.index]
    np.testing.assert_allclose(days.params_ / weeks.params_, factor, rtol=1e-9)


def test_same_calendar_forecast_in_days_and_weeks(pair: dict[str, Any], log: pd.DataFrame) -> None:
    first = log.groupby("customer_id")["date"].min()
    by_day_model = expected_transactions_over_time(pair["D"], first, end="1998-06-30", freq="MS")
    by_week_model = expected_transactions_over_time(pair["W"], first, end="1998-06-30", freq="MS")
    pd.testing.assert_frame_equal(by_day_model, by_week_model, rtol=1e-9)
    assert by_week_model["expected_cumulative"].iloc[-1] > 1000  # not a vacuous agreement


def test_same_value_in_calendar_months(pair: dict[str, Any], tables: dict[str, Any]) -> None:
    spend = GammaGamma().fit(tables["W"][tables["W"]["x"] > 0])
    values = {
        u: lifetime_value(
            pair[u], spend, tables[u], horizon=12, period="M", discount_rate=0.01
        ).to_numpy()
        for u in ("D", "W")
    }
    np.testing.assert_allclose(values["D"], values["W"], rtol=1e-9)
    # "M" is 365.25/12 days: the weekly model's period is 365.25/12/7 weeks
    explicit = lifetime_value(
        pair["W"], spend, tables["W"], horizon=12, period=365.25 / 12 / 7, discount_rate=0.01
    )
    np.testing.assert_allclose(values["W"], explicit.to_numpy(), rtol=1e-15)


def test_same_dert_for_an_annual_rate(pair: dict[str, Any], tables: dict[str, Any]) -> None:
    annual = math.log(1.15)  # 15 % a year, continuously compounded
    days = pair["D"].dert(tables["D"], annual, rate_unit="Y")
    weeks = pair["W"].dert(tables["W"], annual, rate_unit="Y")
    np.testing.assert_allclose(days.to_numpy(), weeks.to_numpy(), rtol=1e-9)
    # per year is per 365.25 days: the weekly rate is annual * 7 / 365.25
    explicit = pair["W"].dert(tables["W"], annual * 7 / 365.25)
    np.testing.assert_allclose(weeks.to_numpy(), explicit.to_numpy(), rtol=1e-14)
    spend = GammaGamma().fit(tables["W"][tables["W"]["x"] > 0])
    clv = lifetime_value(
        pair["D"], spend, tables["D"], method="dert", discount_rate=annual, rate_unit="Y"
    )
    np.testing.assert_allclose(
        clv.to_numpy(), days.to_numpy() * spend.expected_spend(tables["D"]).to_numpy()
    )


def test_same_report_forecast_in_days_and_weeks(pair: dict[str, Any], tables: dict) -> None:
    table = tables["D"].assign(segment=np.where(tables["D"]["x"] > 1, "loyal", "other"))
    frames = [
        monthly_by_segment(
            SimpleNamespace(  # type: ignore[arg-type]
                profile=SimpleNamespace(models={"purchases": pair[u]}, as_of=AS_OF), table=table
            )
        )
        for u in ("D", "W")
    ]
    assert frames[0] is not None
    assert frames[1] is not None
    pd.testing.assert_frame_equal(frames[0], frames[1], rtol=1e-9)
    assert frames[0].shape == (2, 12)


def test_the_report_leaves_out_a_model_of_unknown_unit(tables: dict) -> None:
    model = BetaGeo().fit(tables["W"])
    model.unit_ = None  # e.g. a model pickled before models recorded their unit
    ctx = SimpleNamespace(
        profile=SimpleNamespace(models={"purchases": model}, as_of=AS_OF),
        table=tables["D"].assign(segment="all"),
    )
    assert monthly_by_segment(ctx) is None  # type: ignore[arg-type]


# ---- where the unit comes from ------------------------------------------------
def marked(frame: pd.DataFrame, days: float) -> pd.DataFrame:
    out = frame.copy()
    out.attrs["unit_days"] = days
    return out


def test_the_unit_is_read_from_the_summary_mark(tables: dict) -> None:
    assert BetaGeo().fit(marked(tables["W"], 7.0)).unit_ == 7.0
    assert BetaGeo().fit(marked(tables["W"], 30.4375)).unit_ == 30.4375
    unmarked = pd.DataFrame({c: tables["W"][c] for c in ("x", "t_x", "T")})
    assert BetaGeo().fit(unmarked).unit_ is None
    assert BetaGeo(unit="M").fit(unmarked).unit_ == 30.4375
    assert BetaGeo(unit=7).fit(marked(tables["W"], 7.0)).unit_ == 7.0  # both, agreeing


def test_from_params_and_clone_keep_the_unit() -> None:
    model = ParetoNBD.from_params({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}, unit="W")
    assert model.unit_ == 7.0
    assert clone(BetaGeo(unit=14)).get_params()["unit"] == 14
    assert (
        ParetoNBD.from_params({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}).unit_ is None
    )
    assert (
        BetaGeoBetaBinom.from_params(
            {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}
        ).unit_
        is None
    )


# ---- errors ---------------------------------------------------------------------
def test_data_in_weeks_for_a_model_in_days(tables: dict) -> None:
    model = BetaGeo(unit="D").fit(tables["D"])
    weeks = marked(tables["W"], 7.0)
    message = (
        "this BetaGeo was fitted in days but the data's t_x and T are in weeks "
        "(data.attrs['unit_days'] = 7): summarize the customers in days before predicting "
        "(if you converted the columns yourself, set data.attrs['unit_days'] to match)"
    )
    for predict in (
        lambda: model.p_alive(weeks),
        lambda: model.expected_purchases(weeks, 10),
        lambda: model.probability_of_purchases(weeks, 1, 10),
        lambda: model.dert(weeks, 0.001),
    ):
        with pytest.raises(ParameterError) as caught:
            predict()
        assert str(caught.value) == message
    assert weeks.attrs == {"unit_days": 7.0}  # the caller's frame is not touched
    # summarize marks its output: a weekly summary is refused without any help
    with pytest.raises(ParameterError) as caught:
        model.expected_purchases(tables["W"], 10)
    assert str(caught.value) == message


def test_summarize_marks_the_unit_the_model_records(tables: dict, log: pd.DataFrame) -> None:
    assert tables["W"].attrs["unit_days"] == 7.0
    assert BetaGeo().fit(tables["W"]).unit_ == 7.0
    assert ParetoNBD().fit(tables["D"]).unit_ == 1.0
    split = calibration_holdout(
        log, **COLS, calibration_end=AS_OF, observation_end="1998-06-30", unit="M"
    )
    assert BetaGeo().fit(split).unit_ == 365.25 / 12


def test_a_unit_option_against_the_mark(tables: dict) -> None:
    with pytest.raises(ParameterError) as caught:
        ModifiedBetaGeoCNBD(k=2, unit="D").fit(marked(tables["W"], 7.0), litt=None)
    assert str(caught.value) == (
        "ModifiedBetaGeoCNBD(unit='D') is in days, but the data's t_x and T are in weeks "
        "(data.attrs['unit_days'] = 7, as summarize(unit=...) marks it): summarize in the "
        "model's unit, or give the model the data's unit"
    )


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (0, "the 'unit' parameter of BetaGeo must be None or 'D', 'W', 'M' or a number of days"),
        ("Y", "the 'unit' parameter of BetaGeo must be None or 'D', 'W', 'M' or a number of days"),
    ],
)
def test_bad_unit_option(unit: Any, message: str, tables: dict) -> None:
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        BetaGeo(unit=unit).fit(tables["W"])


def test_consumers_need_a_known_unit(tables: dict, log: pd.DataFrame) -> None:
    model = BetaGeo().fit(tables["W"])
    model.unit_ = None
    spend = GammaGamma().fit(tables["W"][tables["W"]["x"] > 0])
    need = (
        "needs the time unit BetaGeo was fitted in, and it is not known: fit it with unit= "
        "(e.g. BetaGeo(unit='W')) or on a summarize() output, which records its unit"
    )
    first = log.groupby("customer_id")["date"].min()
    with pytest.raises(ParameterError) as caught:
        expected_transactions_over_time(model, first, end="1998-06-30")
    assert str(caught.value) == f"expected_transactions_over_time {need}"
    with pytest.raises(ParameterError) as caught:
        lifetime_value(model, spend, tables["W"], horizon=3, period="M", discount_rate=0.01)
    assert str(caught.value) == f"period='M' {need}"
    with pytest.raises(ParameterError) as caught:
        model.dert(tables["W"], 0.1, rate_unit="Y")
    assert str(caught.value) == f"dert(rate_unit='Y') {need}"
    # the explicit unit of the forecast still works for such a model
    weekly = expected_transactions_over_time(model, first, end="1997-06-30", unit="W")
    assert len(weekly) > 20


def test_forecast_unit_against_the_model(tables: dict, log: pd.DataFrame) -> None:
    model = BetaGeo(unit="D").fit(tables["D"])
    first = log.groupby("customer_id")["date"].min()
    with pytest.raises(ParameterError) as caught:
        expected_transactions_over_time(model, first, end="1998-06-30", unit="W")
    assert str(caught.value) == (
        "unit='W' (weeks) but the BetaGeo was fitted in days: leave out unit (the model's own "
        "is used) or refit"
    )


def test_rate_unit_only_with_dert(pair: dict[str, Any], tables: dict) -> None:
    spend = GammaGamma().fit(tables["W"][tables["W"]["x"] > 0])
    with pytest.raises(ParameterError, match="rate_unit is for method='dert'"):
        lifetime_value(
            pair["W"], spend, tables["W"], horizon=3, period=4, discount_rate=0.01, rate_unit="Y"
        )
    with pytest.raises(ParameterError, match="rate_unit must be one of 'D', 'W', 'M', 'Y'"):
        pair["W"].dert(tables["W"], 0.1, rate_unit="decade")
