"""Bad input, the caller's data, the estimator contract and boundary fits."""

from __future__ import annotations

import pickle
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from segkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    BoundaryWarning,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
)
from segkit.errors import (
    ColumnNotFoundError,
    ConvergenceError,
    NotFittedError,
    ParameterError,
    SchemaError,
)

GOOD = pd.DataFrame(
    {"x": [0, 1, 2, 5, 0, 3], "t_x": [0.0, 5.0, 20.0, 30.0, 0.0, 12.0], "T": [40.0] * 6},
    index=pd.Index([10, 11, 12, 13, 14, 15], name="customer"),
)

PURCHASE_MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]


def _bad(**changes: object) -> pd.DataFrame:
    df = GOOD.astype(float)
    for column, (row, value) in changes.items():
        df.loc[row, column] = value
    return df


@pytest.mark.parametrize("model", PURCHASE_MODELS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _bad(x=(12, -1)),
            "column 'x' of the data has 1 negative value(s) at index [12]: [-1.0]",
        ),
        (
            _bad(x=(12, 1.5)),
            "column 'x' must hold whole numbers at 1 row(s) of the data, index [12]: [1.5]",
        ),
        (
            _bad(t_x=(13, 41.0)),
            (
                "column 't_x' is larger than column 'T' at 1 row(s) of the data, index [13]: "
                "[(41.0, 40.0)]"
            ),
        ),
        (
            _bad(t_x=(14, 3.0)),
            (
                "column 't_x' must be 0 where column 'x' is 0 (no repeat purchase, so no time "
                "of the last one) at 1 row(s) of the data, index [14]: [3.0]"
            ),
        ),
        (
            _bad(T=(11, np.nan)),
            "column 'T' of the data has 1 missing value(s) at index [11]: [nan]",
        ),
        (GOOD.iloc[:0], "the data is empty: it has no rows to fit or predict on"),
        (
            GOOD.iloc[:1],
            "the data describes 1 customer(s); fitting a CLV model needs at least 2",
        ),
        (
            GOOD.assign(x=0, t_x=0.0),
            (
                "column 'x' is 0 for every customer: with no repeat purchases the purchase "
                "rate cannot be estimated"
            ),
        ),
    ],
    ids=["negative", "non-integer", "tx>T", "tx-without-x", "nan", "empty", "single", "all-zero"],
)
def test_bad_input_names_column_and_rows(model: type, data: pd.DataFrame, message: str) -> None:
    # segkit._validation may print numpy scalars as np.float64(...): accept both
    pattern = re.escape(message).replace(r"\[nan\]", r"\[(np\.float64\()?nan\)?\]")
    pattern = pattern.replace(r"\[\-1\.0\]", r"\[(np\.float64\()?\-1\.0\)?\]")
    with pytest.raises(SchemaError, match=pattern):
        model().fit(data)


def test_missing_column_suggests_the_closest() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"'tx' \(did you mean 't_x'\?\)"):
        BetaGeo().fit(GOOD, t_x="tx")


def test_string_column_is_refused() -> None:
    with pytest.raises(SchemaError, match="column 'x' of the data must be numeric"):
        BetaGeo().fit(GOOD.assign(x=GOOD["x"].astype(str)))


@pytest.mark.parametrize("model", [*PURCHASE_MODELS, GammaGamma, BetaGeoBetaBinom])
def test_bad_penalizer(model: type) -> None:
    data = GOOD.assign(repeat_aov=10.0, frequency=[0, 1, 1, 2, 0, 3], recency=[0, 1, 2, 4, 0, 5])
    data = data.assign(periods=6)
    with pytest.raises(
        ParameterError,
        match=r"'penalizer' parameter of \w+ must be a number in the range \[0, 1e\+06\]; got -1.0",
    ):
        model(penalizer=-1.0).fit(data)


def test_caller_data_is_not_modified(cdnow_summary: pd.DataFrame) -> None:
    before = cdnow_summary.copy(deep=True)
    for model in (BetaGeo(), ParetoNBD(), ModifiedBetaGeo()):
        model.fit(cdnow_summary)
        model.expected_purchases(cdnow_summary, 10)
        model.p_alive(cdnow_summary, t=5)
        model.probability_of_purchases(cdnow_summary, 1, 10)
    GammaGamma().fit(cdnow_summary).expected_spend(cdnow_summary)
    pd.testing.assert_frame_equal(cdnow_summary, before)


def test_predictions_align_on_the_input_index(bgnbd: BetaGeo) -> None:
    shuffled = GOOD.sample(frac=1.0, random_state=3)
    out = bgnbd.expected_purchases(shuffled, 10)
    assert out.index.equals(shuffled.index)
    np.testing.assert_array_equal(
        out.loc[GOOD.index].to_numpy(), bgnbd.expected_purchases(GOOD, 10).to_numpy()
    )


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError, match="this BetaGeo instance is not fitted yet"):
        BetaGeo().p_alive(GOOD)


@pytest.mark.parametrize("fixture", ["bgnbd", "pareto", "mbgnbd", "gamma_gamma"])
def test_pickle_round_trip(fixture: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(fixture)
    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(again.params_, model.params_)
    if fixture != "gamma_gamma":
        pd.testing.assert_series_equal(
            again.expected_purchases(GOOD, 5), model.expected_purchases(GOOD, 5)
        )


def test_clone_and_get_params() -> None:
    model = ParetoNBD(penalizer=0.01, covariates=["age"], unit="W")
    assert model.get_params() == {"penalizer": 0.01, "covariates": ["age"], "unit": "W"}
    assert clone(model).get_params() == model.get_params()


def test_compression_does_not_change_the_fit(cdnow_summary: pd.DataFrame) -> None:
    plain = BetaGeo().fit(cdnow_summary)
    counts = cdnow_summary.groupby(["x", "t_x", "T"]).size().rename("n").reset_index()
    weighted = BetaGeo().fit(counts, weights="n")
    assert plain.n_distinct_ == len(counts) == 1016
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-7)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)


def test_compressing_once_merges_the_same_rows_once_with_the_same_results(
    cdnow_summary: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segkit.clv import _data, lifetime_value

    data = cdnow_summary

    def everything() -> list[pd.Series]:
        purchases = BetaGeo().fit(data)
        spend = GammaGamma().fit(data)
        return [
            purchases.p_alive(data),
            purchases.expected_purchases(data, 13.0),
            spend.expected_spend(data),
            lifetime_value(purchases, spend, data, horizon=12, period=4.0, discount_rate=0.01),
            pd.Series(purchases.params_),
        ]

    plain = everything()
    calls: list[int] = []
    real = _data._compress

    def counted(arrays: Any, weights: Any) -> Any:
        calls.append(len(arrays))
        return real(arrays, weights)

    alive: list[int] = []
    real_alive = BetaGeo._log_alive

    def alive_counted(self: Any, *args: Any) -> Any:
        alive.append(1)
        return real_alive(self, *args)

    monkeypatch.setattr(_data, "_compress", counted)
    monkeypatch.setattr(BetaGeo, "_log_alive", alive_counted)
    with _data.compressing_once():
        once = everything()
    # (x, t_x, T) merged once for the fit, P(alive), E[X] and the CLV; (x, m) once
    assert sorted(calls) == [2, 3]
    # P(alive) on the distinct rows once for the three predictions
    assert alive == [1]
    for a, b in zip(plain, once, strict=True):
        pd.testing.assert_series_equal(a, b, check_exact=True)
        assert a.to_numpy().tobytes() == b.to_numpy().tobytes()
    assert _data._MEMO.get() is None  # the inputs kept are dropped with the block


def test_compressing_once_never_serves_other_rows() -> None:
    from segkit.clv._data import compress, compressing_once

    x = np.array([0.0, 1.0, 1.0, 2.0])
    w = np.ones(4)
    with compressing_once():
        first = compress([x], w)
        first[0][0][0] = 99.0  # the caller's copy: the block keeps its own
        x[3] = 1.0  # the caller changes the input in place: different bits, merged anew
        changed = compress([x], w)
        negative = compress([np.array([-0.0, 1.0, 1.0, 1.0])], w)  # -0.0 == 0.0, other bits
        again = compress([np.array([0.0, 1.0, 1.0, 1.0])], w)
    assert changed[0][0].tolist() == [0.0, 1.0]
    assert changed[1].tolist() == [1.0, 3.0]
    assert changed[2].tolist() == [0, 1, 1, 1]
    assert np.signbit(negative[0][0][0])
    assert not np.signbit(again[0][0][0])
    assert again[0][0].tolist() == [0.0, 1.0]


def test_remembered_serves_only_the_same_tag_and_bits() -> None:
    from segkit.clv._data import compressing_once, remembered

    x = np.array([1.0, 2.0])
    computed: list[str] = []

    def compute(name: str) -> Any:
        computed.append(name)
        return x * 2.0

    assert remembered("a", [x], lambda: compute("outside")).tolist() == [2.0, 4.0]
    with compressing_once():
        first = remembered("a", [x], lambda: compute("a"))
        first[0] = 99.0  # the caller's copy: the block keeps its own
        again = remembered("a", [x.copy()], lambda: compute("again"))
        other_tag = remembered(("a", 1.0), [x], lambda: compute("other tag"))
        other_bits = remembered("a", [np.array([1.0, 3.0])], lambda: compute("other bits"))
    after = remembered("a", [x], lambda: compute("after"))
    assert computed == ["outside", "a", "other tag", "other bits", "after"]
    assert again.tolist() == [2.0, 4.0]
    assert other_tag.tolist() == other_bits.tolist() == after.tolist() == [2.0, 4.0]


def test_standard_errors_and_intervals(bgnbd: BetaGeo) -> None:
    se = bgnbd.standard_errors_
    assert se.round(4).to_dict() == {"r": 0.0126, "alpha": 0.3782, "a": 0.1857, "b": 0.7054}
    ci = bgnbd.confidence_intervals(0.95)
    assert list(ci.columns) == ["estimate", "lower", "upper"]
    assert (ci["lower"] < ci["estimate"]).all()
    assert (ci["estimate"] < ci["upper"]).all()
    assert round(float(ci.loc["r", "lower"]), 3) == 0.219
    with pytest.raises(ParameterError, match="level must be a number strictly between 0 and 1"):
        bgnbd.confidence_intervals(1.5)


def test_nobody_dropped_out_gives_limit_and_warning() -> None:
    # customers buy steadily to the end: no sign of dropout
    rng = np.random.default_rng(5)
    n = 400
    T = np.full(n, 52.0)
    x = rng.poisson(10.0, n)
    t_x = np.where(x > 0, 52.0 - rng.exponential(0.3, n).clip(0, 1), 0.0)
    data = pd.DataFrame({"x": x, "t_x": t_x, "T": T})
    with pytest.warns(BoundaryWarning, match="the data show no sign of customers dropping out"):
        model = BetaGeo().fit(data)
    p_dropout = model.params_["a"] / (model.params_["a"] + model.params_["b"])
    assert p_dropout < 1e-6
    assert np.isnan(model.standard_errors_[["a", "b"]]).any()
    assert model.p_alive(data).min() > 0.999


def test_convergence_error_says_what_to_try(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: BetaGeo, theta: np.ndarray, stats: dict) -> tuple[float, np.ndarray]:
        return float("nan"), np.zeros_like(theta)

    monkeypatch.setattr(BetaGeo, "_loglik", broken)
    with pytest.raises(ConvergenceError, match="try a small 'penalizer'"):
        BetaGeo().fit(GOOD)


def test_gamma_gamma_missing_spend() -> None:
    data = GOOD.assign(repeat_aov=[0.0, 10.0, np.nan, 12.0, 0.0, 15.0])
    with pytest.raises(
        SchemaError,
        match=re.escape(
            "column 'repeat_aov' must be a number where x > 0; 1 row(s) are not, index [12]: [nan]"
        ),
    ):
        GammaGamma().fit(data)


def test_gamma_gamma_customers_outside_the_model_get_the_population_mean() -> None:
    # issue 19: repeat purchases that average 0 (free items) or less cannot be
    # described by a Gamma spend; the fit leaves them out and the prediction
    # gives them the population mean gamma p / (q - 1), never an exception
    rows = GammaGamma().simulate(
        2000, [1, 2, 3, 5] * 500, params={"p": 6.0, "q": 4.0, "gamma": 15.0}
    )
    odd = pd.DataFrame({"x": [2, 3], "repeat_aov": [0.0, -3.0]}, index=[900_001, 900_002])
    data = pd.concat([rows, odd])
    with pytest.warns(UserWarning, match="Gamma-Gamma: 2 customer\\(s\\) with repeat purchases"):
        model = GammaGamma().fit(data)
    reference = GammaGamma().fit(rows)
    pd.testing.assert_series_equal(model.params_, reference.params_)
    p, q, v = model.params_.to_numpy()
    spend = model.expected_spend(data)
    assert spend.loc[900_001] == spend.loc[900_002] == pytest.approx(v * p / (q - 1), rel=1e-14)
    pd.testing.assert_series_equal(spend.loc[rows.index], model.expected_spend(rows))


def test_gamma_gamma_infinite_mean_gives_nan_with_a_warning() -> None:
    model = GammaGamma.from_params({"p": 6.0, "q": 0.8, "gamma": 15.0})
    data = pd.DataFrame({"x": [0, 2, 2], "repeat_aov": [0.0, 10.0, 0.0]})
    with pytest.warns(UserWarning, match="q = 0.8 <= 1, so the population mean spend is infinite"):
        spend = model.expected_spend(data)
    assert np.isnan(spend.iloc[0])
    assert np.isnan(spend.iloc[2])
    assert spend.iloc[1] == pytest.approx((15.0 + 20.0) * 6.0 / (12.0 - 0.2), rel=1e-14)


def test_gamma_gamma_missing_spend_column() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"'aov' \(did you mean 'x'\?\)|'aov'"):
        GammaGamma().fit(GOOD, repeat_aov="aov")


def test_bgbb_recency_after_periods() -> None:
    data = pd.DataFrame({"frequency": [1, 2], "recency": [7, 3], "periods": [6, 6]})
    with pytest.raises(SchemaError, match="column 'recency' is larger than column 'periods'"):
        BetaGeoBetaBinom().fit(data)


def test_fit_emits_no_warning_on_reference_data(cdnow_summary: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ParetoNBD().fit(cdnow_summary)


def test_bgbb_old_column_keywords_warn_and_still_work() -> None:
    from segkit.datasets import load_donations

    data = load_donations().rename(columns={"frequency": "f", "recency": "r", "periods": "p"})
    new = BetaGeoBetaBinom().fit(data, x="f", t_x="r", n="p", weights="weights")
    with pytest.warns(DeprecationWarning, match="the keyword 'recency' is now called 't_x'"):
        old = BetaGeoBetaBinom().fit(data, x="f", recency="r", n="p", weights="weights")
    pd.testing.assert_series_equal(old.params_, new.params_)
    with pytest.raises(ParameterError, match="pass 'x' only \\('frequency' is its old name\\)"):
        BetaGeoBetaBinom().fit(data, x="f", frequency="f", t_x="r", n="p")


def test_lifetime_value_old_unit_keyword_warns() -> None:
    from segkit.clv import lifetime_value

    bg = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    data = pd.DataFrame({"x": [2, 0], "t_x": [30.43, 0.0], "T": [38.86, 38.86]})
    data = data.assign(repeat_aov=[20.0, 0.0])
    new = lifetime_value(bg, gg, data, horizon=3, period=4.0, discount_rate=0.01)
    with pytest.warns(DeprecationWarning, match="'unit' is now called 'period'"):
        old = lifetime_value(bg, gg, data, horizon=3, unit=4.0, discount_rate=0.01)
    pd.testing.assert_series_equal(old, new)
    with pytest.raises(ParameterError, match="pass 'period' only"):
        lifetime_value(bg, gg, data, horizon=3, period=4.0, unit=4.0, discount_rate=0.01)
