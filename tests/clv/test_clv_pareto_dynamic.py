"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from segkit.clv import ParetoNBD, ParetoNBDDynamic
from segkit.clv._pareto_dynamic_likelihood import dynamic_rows
from segkit.clv._pareto_likelihood import _pareto_rows
from segkit.errors import SchemaError

CDNOW = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
P = tuple(CDNOW.values())


def _customers(n: int, seed: int) -> pd.DataFrame:
    data = ParetoNBD().simulate(n, T=np.linspace(20.0, 40.0, n), params=CDNOW, seed=seed)
    data.index = pd.Index([f"c{i}" for i in range(n)], name="customer")
    return data[["x", "t_x", "T"]]


def _periods(data: pd.DataFrame, starts: np.ndarray, **columns: Any) -> pd.DataFrame:
    """One row per customer and period start, with the given covariate columns."""
    frame = pd.DataFrame(
        {
            "customer": np.repeat(data.index.to_numpy(), starts.size),
            "start": np.tile(starts, len(data)),
        }
    )
    for name, value in columns.items():
        frame[name] = value if np.ndim(value) == 0 else np.asarray(value, dtype=float)
    return frame


def _rows(
    model: ParetoNBDDynamic, theta: np.ndarray, data: pd.DataFrame, cov: pd.DataFrame
) -> Any:
    _, paths, *_ = model._paths(data, cov, None, "customer", "start", "t")
    return dynamic_rows(theta, paths, len(model.purchase_covariates or []))


MODEL = {"purchase_covariates": ["mail"], "dropout_covariates": ["season"]}


@pytest.mark.parametrize(
    "starts",
    [
        np.array([0.0]),
        np.arange(0.0, 45.0),
        np.r_[0.0, np.sort(np.random.default_rng(1).uniform(0, 45, 30))],
    ],
    ids=["one-period", "weekly", "irregular"],
)
def test_zero_covariates_give_the_static_likelihood(starts: np.ndarray) -> None:
    # Bachmann et al. (2021): with gamma' z = 0 the model is the Pareto/NBD; the
    # integral is split at every period edge and must add up to the same value
    data = _customers(200, seed=3)
    rng = np.random.default_rng(4)
    # values that change from period to period (so that no periods are merged),
    # with coefficients 0
    cov = _periods(
        data,
        starts,
        mail=rng.normal(size=len(data) * starts.size),
        season=rng.normal(size=len(data) * starts.size),
    )
    theta = np.r_[np.log(P), 0.0, 0.0]
    ll, grad, log_alive, _ = _rows(ParetoNBDDynamic(**MODEL), theta, data, cov)
    ref_ll, ref_grad, ref_alive = _pareto_rows(
        *P, *(data[c].to_numpy() for c in ("x", "t_x", "T"))
    )
    np.testing.assert_allclose(ll, ref_ll, rtol=1e-13)
    np.testing.assert_allclose(grad[:, :4], ref_grad, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(log_alive, ref_alive, rtol=1e-12, atol=1e-13)


def test_constant_covariates_rescale_alpha_and_beta() -> None:
    # constant z: the clocks run at a = e^(gp z), b = e^(gd z), and the likelihood is
    # the Pareto/NBD's with alpha / a and beta / b (Fader & Hardie 2007, note 019)
    data = _customers(150, seed=4)
    z = np.random.default_rng(2).normal(size=len(data))
    cov = _periods(data, np.arange(0.0, 45.0, 3.0), mail=np.repeat(z, 15), season=np.repeat(z, 15))
    gp, gd = 0.5, -0.8
    ll, _, log_alive, _ = _rows(ParetoNBDDynamic(**MODEL), np.r_[np.log(P), gp, gd], data, cov)
    r, alpha, s, beta = P
    ref_ll, _, ref_alive = _pareto_rows(
        r,
        alpha * np.exp(-gp * z),
        s,
        beta * np.exp(-gd * z),
        *(data[c].to_numpy() for c in ("x", "t_x", "T")),
    )
    # the dynamic likelihood leaves out the purchase-time factor e^(gp z x) when no
    # purchase times are given; the static one has it inside alpha^r / (alpha + T)^(r+x)
    np.testing.assert_allclose(ll + gp * z * data["x"].to_numpy(), ref_ll, rtol=1e-12)
    np.testing.assert_allclose(log_alive, ref_alive, rtol=1e-11, atol=1e-13)


def test_gradient_matches_finite_differences() -> None:
    data = _customers(120, seed=5)
    rng = np.random.default_rng(3)
    starts = np.arange(0.0, 45.0)
    cov = _periods(
        data,
        starts,
        mail=rng.integers(0, 2, len(data) * starts.size),
        season=np.tile(np.sin(starts / 8.0), len(data)),
    )
    model = ParetoNBDDynamic(**MODEL)
    theta = np.r_[np.log(P), 0.4, -0.3]

    def total(th: np.ndarray) -> float:
        return float(_rows(model, th, data, cov)[0].sum())

    grad = _rows(model, theta, data, cov)[1].sum(axis=0)
    h = 1e-3
    numeric = []
    for j in range(theta.size):
        e = np.zeros(theta.size)
        e[j] = h
        numeric.append(
            (
                -total(theta + 2 * e)
                + 8 * total(theta + e)
                - 8 * total(theta - e)
                + total(theta - 2 * e)
            )
            / (12 * h)
        )
    np.testing.assert_allclose(grad, numeric, rtol=1e-7, atol=1e-7)


def _simulated(
    n: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float]]:
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"c{i}" for i in range(n)], name="customer")
    T = pd.Series(rng.uniform(30.0, 52.0, n).round(2), index=ids)
    weeks = np.arange(0.0, 60.0)
    cov = _periods(
        pd.DataFrame(index=ids),
        weeks,
        mail=(rng.uniform(size=n * weeks.size) < 0.3),
        season=np.tile(weeks % 26 < 8, n),
    )
    truth = {
        "r": 0.8,
        "alpha": 8.0,
        "s": 0.7,
        "beta": 12.0,
        "purchase:mail": 0.6,
        "dropout:season": 0.8,
    }
    customers, purchases = ParetoNBDDynamic(**MODEL).simulate(
        T, covariates=cov, params=truth, seed=seed
    )
    return customers, purchases, cov, truth


def test_simulate_returns_consistent_histories() -> None:
    customers, purchases, _, _ = _simulated(300, seed=6)
    counts = purchases.groupby("customer").size().reindex(customers.index, fill_value=0)
    np.testing.assert_array_equal(counts.to_numpy(), customers["x"].to_numpy())
    last = purchases.groupby("customer")["t"].max().reindex(customers.index, fill_value=0.0)
    np.testing.assert_allclose(last.to_numpy(), customers["t_x"].to_numpy())
    assert (customers["t_x"] <= customers["T"]).all()


@pytest.mark.slow  # ~10 s: 2,000 customers x 60 weekly periods
def test_parameters_are_recovered_from_simulated_data() -> None:
    customers, purchases, cov, truth = _simulated(2000, seed=7)
    data = customers[["x", "t_x", "T"]]
    model = ParetoNBDDynamic(**MODEL).fit(data, covariates=cov, repeat_purchases=purchases)
    # likelihood-ratio test of the truth: 2 (LL(estimate) - LL(truth)) ~ chi2(6);
    # the dropout side (s, beta, its coefficient) is weakly identified in 40 weeks,
    # so Wald intervals there are a poor yardstick
    _, paths, *_ = model._paths(data, cov, purchases, "customer", "start", "t")
    theta = np.r_[
        np.log([truth[k] for k in ("r", "alpha", "s", "beta")]),
        truth["purchase:mail"],
        truth["dropout:season"],
    ]
    ll_truth = float(dynamic_rows(theta, paths, 1)[0].sum())
    assert 0.0 <= 2.0 * (model.log_likelihood_ - ll_truth) < chi2.ppf(0.999, 6)
    for name in ("r", "alpha", "purchase:mail"):
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - truth[name]) < 3.5 * se, (name, est, se)
    # the fitted P(alive) matches the simulated share alive
    alive = model.p_alive(customers, covariates=cov)
    assert float(alive.mean()) == pytest.approx(float(customers["alive"].mean()), abs=0.03)


def test_fit_recovers_the_purchase_effect_of_a_small_data_set() -> None:
    customers, purchases, cov, truth = _simulated(400, seed=8)
    model = ParetoNBDDynamic(**MODEL).fit(
        customers[["x", "t_x", "T"]], covariates=cov, repeat_purchases=purchases
    )
    est, se = model.params_["purchase:mail"], model.standard_errors_["purchase:mail"]
    assert abs(est - truth["purchase:mail"]) < 3.5 * se
    assert np.isfinite(model.log_likelihood_)


def test_predictions_with_zero_covariates_equal_the_static_model() -> None:
    data = _customers(100, seed=9)
    cov = _periods(data, np.arange(0.0, 80.0, 2.0), mail=0.0, season=0.0)
    model = ParetoNBDDynamic.from_params(
        {**CDNOW, "purchase:mail": 0.5, "dropout:season": 1.0}, **MODEL
    )
    static = ParetoNBD.from_params(CDNOW)
    np.testing.assert_allclose(
        model.p_alive(data, covariates=cov), static.p_alive(data), rtol=1e-12
    )
    np.testing.assert_allclose(
        model.expected_purchases(data, 26.0, covariates=cov),
        static.expected_purchases(data, 26.0),
        rtol=1e-10,
    )


def test_future_covariates_drive_expected_purchases() -> None:
    # a mailing in every future week raises the purchase rate by e^0.5 while alive;
    # with no dropout effect the expectation scales by exactly that factor
    data = _customers(50, seed=10)
    quiet = _periods(data, np.arange(0.0, 80.0), mail=0.0, season=0.0)
    mailed = quiet.copy()
    mailed.loc[mailed["start"] >= 40.0, "mail"] = 1.0  # after every customer's T
    model = ParetoNBDDynamic.from_params(
        {**CDNOW, "purchase:mail": 0.5, "dropout:season": 0.0}, **MODEL
    )
    base = model.expected_purchases(data, 10.0, covariates=quiet)
    more = model.expected_purchases(data, 10.0, covariates=mailed)
    assert (more >= base).all()
    inside = data["T"] + 10.0 <= 40.0  # customers whose whole window is before the mailings
    np.testing.assert_allclose(more[inside], base[inside], rtol=1e-14)
    after = data["T"] >= 40.0
    assert after.any()
    np.testing.assert_allclose(more[after], np.exp(0.5) * base[after], rtol=1e-12)


def test_inputs_are_checked_and_left_unchanged() -> None:
    data = _customers(20, seed=11)
    cov = _periods(data, np.arange(0.0, 45.0), mail=0.0, season=0.0)
    before_data, before_cov = data.copy(), cov.copy()
    model = ParetoNBDDynamic.from_params(
        {**CDNOW, "purchase:mail": 0.1, "dropout:season": 0.1}, **MODEL
    )
    model.p_alive(data, covariates=cov)
    pd.testing.assert_frame_equal(data, before_data)
    pd.testing.assert_frame_equal(cov, before_cov)
    with pytest.raises(SchemaError, match=r"customer 'c0' has no rows in covariates"):
        model.p_alive(data, covariates=cov[cov["customer"] != "c0"])
    late = cov[~((cov["customer"] == "c1") & (cov["start"] == 0.0))]
    with pytest.raises(SchemaError, match=r"covariates of customer 'c1' start at 'start' = 1"):
        model.p_alive(data, covariates=late)
    stranger = pd.concat([cov, cov.iloc[[0]].assign(customer="zz")], ignore_index=True)
    with pytest.raises(SchemaError, match=r"names customer 'zz', who is not in data"):
        model.p_alive(data, covariates=stranger)
    with pytest.raises(SchemaError, match=r"covariates has no column 'season'"):
        model.p_alive(data, covariates=cov.drop(columns="season"))
    buys = pd.DataFrame({"customer": ["c0"], "t": [1.0]})
    with pytest.raises(SchemaError, match=r"repeat_purchases must list each customer's x"):
        ParetoNBDDynamic(**MODEL).fit(data, covariates=cov, repeat_purchases=buys)
    buys = pd.DataFrame({"customer": ["nobody"], "t": [1.0]})
    with pytest.raises(SchemaError, match=r"names customer 'nobody', who is not in data"):
        ParetoNBDDynamic(**MODEL).fit(data, covariates=cov, repeat_purchases=buys)
