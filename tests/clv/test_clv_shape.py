"""One method shape for every model: data first, the same options, the same checks."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from segkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
)
from segkit.errors import ParameterError

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # [FHL05] CDNOW estimates
BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # [FHS10]
CONTINUOUS = pd.DataFrame({"x": [0, 2, 5], "t_x": [0.0, 30.43, 35.0], "T": [38.86] * 3})
DISCRETE = pd.DataFrame({"frequency": [0, 3, 6], "recency": [0, 4, 6], "periods": [6, 6, 6]})

MODELS = [
    pytest.param(BetaGeo.from_params(BG), CONTINUOUS, id="BG/NBD"),
    pytest.param(ModifiedBetaGeo.from_params(BG), CONTINUOUS, id="MBG/NBD"),
    pytest.param(
        ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
        CONTINUOUS,
        id="Pareto/NBD",
    ),
    pytest.param(BetaGeoBetaBinom.from_params(BGBB), DISCRETE, id="BG/BB"),
]


@pytest.mark.parametrize(
    "cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom], ids=lambda c: c.__name__
)
@pytest.mark.parametrize(
    ("method", "first"),
    [
        ("p_alive", ["data", "t"]),
        ("expected_purchases", ["data", "t"]),
        ("probability_of_purchases", ["data", "n", "t"]),
        ("expected_purchases_new", ["t", "data"]),
    ],
)
def test_every_purchase_model_has_the_same_signature(cls: type, method: str, first: list) -> None:
    params = inspect.signature(getattr(cls, method)).parameters
    names = [n for n in params if n != "self"]
    assert names == [*first, "n_boot", "level", "seed"]
    assert [params[n].default for n in ("n_boot", "level", "seed")] == [0, 0.95, 0]


@pytest.mark.parametrize(("model", "data"), MODELS)
def test_predictions_are_series_on_the_data_index(model: object, data: pd.DataFrame) -> None:
    data = data.set_axis(["a", "b", "c"])
    for out in (
        model.p_alive(data),  # type: ignore[attr-defined]
        model.expected_purchases(data, 4),  # type: ignore[attr-defined]
        model.probability_of_purchases(data, 1, 4),  # type: ignore[attr-defined]
    ):
        assert isinstance(out, pd.Series)
        assert list(out.index) == ["a", "b", "c"]
    new = model.expected_purchases_new([1, 4])  # type: ignore[attr-defined]
    assert isinstance(new, pd.Series)
    assert list(new.index) == [1.0, 4.0]
    assert new.iloc[1] == model.expected_purchases_new(4)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("model", "data"), MODELS)
def test_old_call_order_still_works_with_a_deprecation_warning(
    model: object, data: pd.DataFrame
) -> None:
    new = model.expected_purchases(data, 4)  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match=r"expected_purchases\(data, t\)"):
        old = model.expected_purchases(4, data)  # type: ignore[attr-defined]
    pd.testing.assert_series_equal(old, new)
    with pytest.warns(DeprecationWarning, match=r"expected_purchases\(data, t\)"):
        keyword = model.expected_purchases(4, data=data)  # type: ignore[attr-defined]
    pd.testing.assert_series_equal(keyword, new)
    new_p = model.probability_of_purchases(data, 1, 4)  # type: ignore[attr-defined]
    with pytest.warns(DeprecationWarning, match=r"probability_of_purchases\(data, n, t\)"):
        old_p = model.probability_of_purchases(1, 4, data)  # type: ignore[attr-defined]
    pd.testing.assert_series_equal(old_p, new_p)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, d: m.p_alive(d, n_boot=-1), "n_boot must be an int >= 0"),
        (lambda m, d: m.expected_purchases(d, 4, n_boot=2.5), "n_boot must be an int >= 0"),
        (lambda m, d: m.expected_purchases(d, 4, level=1.0), "level must be a number strictly"),
        (lambda m, d: m.probability_of_purchases(d, 1, 4, seed="x"), "seed must be an int"),
        (lambda m, d: m.expected_purchases(d, [1, 2]), "t must be a single number"),
        (lambda m, d: m.expected_purchases(d, np.inf), "t must be finite and >= 0"),
        (lambda m, d: m.probability_of_purchases(d, -1, 4), "n must be a whole number >= 0"),
        (lambda m, d: m.expected_purchases_new([[1.0]]), "t must be one number or a 1-D"),
    ],
    ids=["n_boot<0", "n_boot-float", "level", "seed", "t-array", "t-inf", "n<0", "t-2d"],
)
@pytest.mark.parametrize(("model", "data"), MODELS)
def test_the_same_argument_checks_everywhere(
    model: object, data: pd.DataFrame, call: object, message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        call(model, data)  # type: ignore[operator]


def test_discrete_model_wants_whole_opportunities() -> None:
    model = BetaGeoBetaBinom.from_params(BGBB)
    with pytest.raises(
        ParameterError, match=r"t must be a whole number of periods >= 0; got 1\.5"
    ):
        model.expected_purchases(DISCRETE, 1.5)


def test_bootstrap_interval_on_every_prediction(cdnow_summary: pd.DataFrame) -> None:
    model = BetaGeo().fit(cdnow_summary)
    rows = cdnow_summary.iloc[:4]
    for out in (
        model.p_alive(rows, n_boot=4, seed=1),
        model.probability_of_purchases(rows, 1, 10, n_boot=4, seed=1),
        model.expected_purchases_new([10.0, 20.0], n_boot=4, seed=1),
    ):
        assert list(out.columns) == ["estimate", "lower", "upper"]
        assert (out["lower"] <= out["upper"]).all()
    spend = GammaGamma().fit(cdnow_summary).expected_spend(rows, n_boot=4, seed=1)
    assert list(spend.columns) == ["estimate", "lower", "upper"]
    assert (spend["lower"] <= spend["upper"]).all()


@pytest.mark.parametrize(
    ("model", "design"),
    [
        pytest.param(BetaGeo.from_params(BG), [10.0, 20.0, 30.0], id="BG/NBD"),
        pytest.param(BetaGeoBetaBinom.from_params(BGBB), [2, 4, 6], id="BG/BB"),
        pytest.param(ShiftedBetaGeo.from_params({"alpha": 0.7, "beta": 1.2}), [1, 3, 5], id="sBG"),
        pytest.param(GammaGamma.from_params({"p": 6.0, "q": 4.0, "gamma": 15.0}), [1, 2, 3]),
    ],
)
def test_simulate_takes_the_same_arguments(model: object, design: list) -> None:
    first = model.simulate(3, design, seed=4)  # type: ignore[attr-defined]
    again = model.simulate(3, design, params=None, seed=4)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 3
    with pytest.raises(ParameterError, match=r"must be one number or one per customer \(3\)"):
        model.simulate(3, design[:2])  # type: ignore[attr-defined]


def test_per_customer_opportunities_in_bgbb_simulate() -> None:
    sim = BetaGeoBetaBinom.from_params(BGBB).simulate(2000, [2, 6] * 1000, seed=1)
    assert (sim["recency"] <= sim["periods"]).all()
    assert sim.loc[sim["periods"] == 2, "frequency"].max() == 2


def test_old_simulate_keywords_warn() -> None:
    model = BetaGeoBetaBinom.from_params(BGBB)
    with pytest.warns(DeprecationWarning, match="'periods' is now called 'T'"):
        old = model.simulate(10, periods=6, seed=2)
    pd.testing.assert_frame_equal(old, model.simulate(10, 6, seed=2))
    spend = GammaGamma.from_params({"p": 6.0, "q": 4.0, "gamma": 15.0})
    with pytest.warns(DeprecationWarning, match=r"simulate\(n_customers, x\)"):
        old_spend = spend.simulate([1, 2, 3], seed=2)
    pd.testing.assert_frame_equal(old_spend, spend.simulate(3, [1, 2, 3], seed=2))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (BetaGeo(penalizer="a"), "'penalizer' parameter of BetaGeo must be a number in the range"),
        (
            ParetoNBD(covariates="age"),
            (
                "'covariates' parameter of ParetoNBD must be None or a list of column names; "
                "got 'age'"
            ),
        ),
        (
            ShiftedBetaGeo(penalizer=-1),
            "'penalizer' parameter of ShiftedBetaGeo must be a number in the range",
        ),
    ],
    ids=["penalizer", "covariates", "sbg"],
)
def test_constructor_options_are_checked_from_one_table(model: object, message: str) -> None:
    data = pd.DataFrame(
        {"x": [1, 0, 2], "t_x": [2.0, 0, 3], "T": [5.0, 5, 5], "age": [1.0, 2, 3]}
    ).assign(tenure=[1, 2, 3], churned=[True, False, True])
    with pytest.raises(ParameterError, match=message):
        model.fit(data)  # type: ignore[attr-defined]
