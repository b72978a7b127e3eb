"""Predictions: internal consistency, limits, covariates, bootstrap and lifetime value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from segkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    lifetime_value,
)
from segkit.errors import ParameterError

HISTORIES = pd.DataFrame(
    {
        "x": [0, 1, 2, 7, 30, 10000, 3, 0],
        "t_x": [0.0, 3.0, 30.43, 20.0, 38.0, 18000.0, 38.86, 0.0],
        "T": [38.86, 38.86, 38.86, 38.86, 38.86, 18262.5, 38.86, 0.0],
    },
    index=list("abcdefgh"),
)
CDNOW = {
    BetaGeo: {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    ModifiedBetaGeo: {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
    ParetoNBD: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}
MODELS = list(CDNOW)


@pytest.mark.parametrize("model", MODELS)
def test_purchase_probabilities_sum_to_one_and_give_the_mean(model: type) -> None:
    m = model.from_params(CDNOW[model])
    data = HISTORIES.iloc[:5]
    probs = np.column_stack([m.probability_of_purchases(data, n, 39.0) for n in range(200)])
    assert probs.min() >= 0
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(
        probs @ np.arange(200), m.expected_purchases(data, 39.0).to_numpy(), rtol=1e-7
    )


@pytest.mark.parametrize("model", MODELS)
def test_predictions_are_finite_on_extreme_histories(model: type) -> None:
    m = model.from_params(CDNOW[model])
    for values in (
        m.expected_purchases(HISTORIES, 52.0),
        m.p_alive(HISTORIES),
        m.p_alive(HISTORIES, t=52.0),
        m.probability_of_purchases(HISTORIES, 0, 52.0),
        m.probability_of_purchases(HISTORIES, 5, 52.0),
    ):
        assert np.isfinite(values).all()
        assert values.index.equals(HISTORIES.index)


@pytest.mark.parametrize("model", MODELS)
def test_p_alive_decreases_into_the_future(model: type) -> None:
    m = model.from_params(CDNOW[model])
    now = m.p_alive(HISTORIES)
    later = m.p_alive(HISTORIES, t=10.0)
    much_later = m.p_alive(HISTORIES, t=1000.0)
    assert (later <= now + 1e-15).all()
    assert (much_later <= later + 1e-15).all()
    assert m.p_alive(HISTORIES, t=0.0).equals(now)


@pytest.mark.parametrize("model", MODELS)
def test_new_customer_is_the_empty_history(model: type) -> None:
    m = model.from_params(CDNOW[model])
    empty = HISTORIES.loc[["h"]]
    assert float(m.expected_purchases(empty, 39.0).iloc[0]) == pytest.approx(
        m.expected_purchases_new(39.0), rel=1e-12
    )
    np.testing.assert_allclose(
        m.expected_purchases_new([0.0, 10.0, 39.0]),
        [0.0, m.expected_purchases_new(10.0), m.expected_purchases_new(39.0)],
    )


def test_bgnbd_future_p_alive_matches_integration() -> None:
    # P(alive at T+t) = P(alive at T) * E[exp(-lambda p t)] under the posterior
    r, alpha, a, b = CDNOW[BetaGeo].values()
    m = BetaGeo.from_params(CDNOW[BetaGeo])
    x, T, t = 2, 38.86, 26.0
    row = pd.DataFrame({"x": [x], "t_x": [30.43], "T": [T]})

    def integrand(p: float) -> float:
        return float(((alpha + T) / (alpha + T + p * t)) ** (r + x) * stats.beta.pdf(p, a, b + x))

    survive = integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-11)[0]
    expected = float(m.p_alive(row).iloc[0]) * survive
    assert float(m.p_alive(row, t=t).iloc[0]) == pytest.approx(expected, rel=1e-9)


def test_pareto_probability_quadrature_matches_adaptive_integration() -> None:
    r, alpha, s, beta = CDNOW[ParetoNBD].values()
    m = ParetoNBD.from_params(CDNOW[ParetoNBD])
    x, t_x, T, t, n = 7, 20.0, 38.86, 39.0, 3
    row = pd.DataFrame({"x": [x], "t_x": [t_x], "T": [T]})
    al, bt = alpha + T, beta + T

    def nbd(u: float) -> float:
        return float(stats.nbinom.pmf(n, r + x, al / (al + u)))

    def drop(u: float) -> float:
        return s / bt * (bt / (bt + u)) ** (s + 1) * nbd(u)

    inner = (bt / (bt + t)) ** s * nbd(t) + integrate.quad(drop, 0, t, epsrel=1e-12)[0]
    alive = float(m.p_alive(row).iloc[0])
    assert float(m.probability_of_purchases(row, n, t).iloc[0]) == pytest.approx(
        alive * inner, rel=1e-10
    )


def test_bad_horizon_and_count() -> None:
    m = BetaGeo.from_params(CDNOW[BetaGeo])
    with pytest.raises(ParameterError, match="t must be finite and >= 0"):
        m.expected_purchases(HISTORIES, -1.0)
    with pytest.raises(ParameterError, match="n must be a whole number >= 0"):
        m.probability_of_purchases(HISTORIES, 1.5, 10.0)


def test_from_params_checks_names() -> None:
    with pytest.raises(ParameterError, match=r"missing \['b'\], unknown \['beta'\]"):
        BetaGeo.from_params({"r": 1.0, "alpha": 1.0, "a": 1.0, "beta": 1.0})


def test_covariates_recover_the_effects() -> None:
    base = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    shifted = dict(base, alpha=10.0 * np.exp(-0.5), b=2.5 * np.exp(-0.7))
    data = pd.concat(
        [
            BetaGeo().simulate(6000, 40.0, params=base, seed=1).assign(web=0.0),
            BetaGeo().simulate(6000, 40.0, params=shifted, seed=2).assign(web=1.0),
        ],
        ignore_index=True,
    )
    model = BetaGeo(covariates=["web"]).fit(data)
    est, se = model.params_, model.standard_errors_
    assert list(est.index) == ["r", "alpha", "a", "b", "purchase:web", "dropout:web"]
    assert abs(est["purchase:web"] - 0.5) < 3 * se["purchase:web"]
    assert abs(est["dropout:web"] - 0.7) < 3 * se["dropout:web"]
    # a customer with web=1 is predicted as the shifted population
    at = BetaGeo.from_params(dict(zip(est.index, est, strict=True)), covariates=["web"])
    one = pd.DataFrame({"x": [2], "t_x": [30.0], "T": [40.0], "web": [1.0]})
    plain = BetaGeo.from_params(
        {
            "r": est["r"],
            "alpha": est["alpha"] * np.exp(-est["purchase:web"]),
            "a": est["a"],
            "b": est["b"] * np.exp(-est["dropout:web"]),
        }
    )
    assert float(at.expected_purchases(one, 20.0).iloc[0]) == pytest.approx(
        float(plain.expected_purchases(one, 20.0).iloc[0]), rel=1e-12
    )
    new = at.expected_purchases_new(20.0, one)
    assert float(new.iloc[0]) == pytest.approx(plain.expected_purchases_new(20.0), rel=1e-12)


def test_pareto_covariates_fit() -> None:
    base = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    shifted = dict(base, alpha=10.0 * np.exp(-0.5), beta=12.0 * np.exp(-0.7))
    data = pd.concat(
        [
            ParetoNBD().simulate(5000, 40.0, params=base, seed=3).assign(web=0.0),
            ParetoNBD().simulate(5000, 40.0, params=shifted, seed=4).assign(web=1.0),
        ],
        ignore_index=True,
    )
    model = ParetoNBD(covariates=["web"]).fit(data)
    est, se = model.params_, model.standard_errors_
    assert abs(est["purchase:web"] - 0.5) < 3 * se["purchase:web"]
    assert abs(est["dropout:web"] - 0.7) < 3 * se["dropout:web"]


def test_bootstrap_interval_is_seeded_and_covers(
    bgnbd: BetaGeo, cdnow_summary: pd.DataFrame
) -> None:
    rows = cdnow_summary.iloc[:4]
    first = bgnbd.expected_purchases(rows, 39, n_boot=20, seed=1)
    again = bgnbd.expected_purchases(rows, 39, n_boot=20, seed=1)
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == ["estimate", "lower", "upper"]
    assert (first["lower"] <= first["estimate"]).all()
    assert (first["estimate"] <= first["upper"]).all()
    alive = bgnbd.p_alive(rows, n_boot=20, seed=1)
    assert ((alive["lower"] <= alive["estimate"]) & (alive["upper"] <= 1.0)).all()
    draws = bgnbd.bootstrap_params(20, seed=1)
    assert draws.shape == (20, 4)
    # the spread of the replicates is of the size of the standard errors
    ratio = draws.std() / bgnbd.standard_errors_
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio.to_dict()


def test_lifetime_value(
    bgnbd: BetaGeo, gamma_gamma: GammaGamma, cdnow_summary: pd.DataFrame
) -> None:
    undiscounted = lifetime_value(
        bgnbd, gamma_gamma, cdnow_summary, horizon=12, period=52 / 12, discount_rate=0.0
    )
    direct = bgnbd.expected_purchases(cdnow_summary, 52.0) * gamma_gamma.expected_spend(
        cdnow_summary
    )
    np.testing.assert_allclose(undiscounted, direct, rtol=1e-10)
    discounted = lifetime_value(
        bgnbd, gamma_gamma, cdnow_summary, horizon=12, period=52 / 12, discount_rate=0.01
    )
    assert (discounted < undiscounted).all()
    assert discounted.index.equals(cdnow_summary.index)
    assert round(float(discounted.loc[1]), 2) == 36.19
    with pytest.raises(ParameterError, match="horizon must be an int >= 1"):
        lifetime_value(bgnbd, gamma_gamma, cdnow_summary, horizon=0, period=1.0, discount_rate=0)


def test_bgbb_lifetime_value_uses_whole_periods() -> None:
    data = BetaGeoBetaBinom().simulate(
        500, 6, params={"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    )
    model = BetaGeoBetaBinom().fit(data)
    spend = GammaGamma.from_params({"p": 6.0, "q": 4.0, "gamma": 15.0})
    value = lifetime_value(
        model,
        spend,
        data.assign(x=data["frequency"], repeat_aov=20.0),
        horizon=5,
        period=1,
        discount_rate=0.1,
    )
    assert (value > 0).all()


def test_bgnbd_expectation_is_continuous_at_a_equal_one() -> None:
    params = {"r": 0.243, "alpha": 4.414, "a": 1.0, "b": 2.426}
    at_one = BetaGeo.from_params(params).expected_purchases(HISTORIES.iloc[:5], 39.0)
    above, below = (
        BetaGeo.from_params(dict(params, a=a)).expected_purchases(HISTORIES.iloc[:5], 39.0)
        for a in (1.0 + 1e-3, 1.0 - 1e-3)
    )
    assert np.isfinite(at_one).all()
    np.testing.assert_allclose(at_one, (above + below) / 2, rtol=1e-5)


def test_bg_nbd_expectation_at_a_far_boundary_fit_is_finite():
    # A real fit on 17 customers ran to a ~ 4e6, b ~ 5e7: the power in eq. (10)
    # underflowed while its 2F1 overflowed, and every expectation was NaN.
    # Reference values: mpmath's 2F1 at 50 digits after Pfaff's transformation.
    from segkit.clv import BetaGeo

    model = BetaGeo()
    model.params_ = pd.Series(
        {
            "r": 0.33598011652526033,
            "alpha": 5.4799232528677635,
            "a": 3905211.430499625,
            "b": 53779072.10734076,
        }
    )
    data = pd.DataFrame({"x": [0, 19, 8], "t_x": [0.0, 83.43, 77.43], "T": [111.8, 149.7, 77.55]})
    params = [float(v) for v in model.params_]
    got = model._expected_alive(
        params, data["x"].to_numpy(float), data["T"].to_numpy(float), 90 / 7
    )
    np.testing.assert_allclose(
        got, [0.0366512132674509, 1.514209741526601, 1.2298704246481174], rtol=1e-9
    )


def test_bgbb_p_alive_at_a_future_opportunity() -> None:
    from segkit.datasets import load_donations

    data = load_donations()
    model = BetaGeoBetaBinom().fit(data, weights="weights")
    now = model.p_alive(data)
    pd.testing.assert_series_equal(model.p_alive(data, t=0), now)
    ga, de = model.params_["gamma"], model.params_["delta"]
    n = 6.0
    # alive at 7 and 8 and 9: (de+n)(de+n+1)(de+n+2) / ((ga+de+n)(ga+de+n+1)(ga+de+n+2))
    later = model.p_alive(data, t=2)
    ratio = (de + n + 1) * (de + n + 2) / ((ga + de + n + 1) * (ga + de + n + 2))
    np.testing.assert_allclose(later.to_numpy(), now.to_numpy() * ratio, rtol=1e-13)
    # a 6-of-6 donor: 0.93 alive in 2002 ([FHS10]), 0.82 still alive two years later
    assert round(float(later.iloc[-1]), 2) == 0.82


def test_penalizer_beyond_the_useful_range_is_refused() -> None:
    with pytest.raises(
        ParameterError, match="must be a number in the range \\[0, 1e\\+06\\]; got 1e\\+300"
    ):
        BetaGeo(penalizer=1e300).fit(pd.DataFrame({"x": [1, 0], "t_x": [2.0, 0], "T": [5.0, 5]}))
