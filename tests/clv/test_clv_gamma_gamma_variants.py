"""Gamma-Gamma on individual transactions, with the first purchase, and with q > 1 kept."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from segkit.clv import BoundaryWarning, GammaGamma
from segkit.clv._gamma_gamma import _transaction_rows
from segkit.clv._likelihoods import _gamma_gamma_rows
from segkit.errors import ParameterError

TRUTH = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def _log(values: list[list[float]]) -> pd.DataFrame:
    """A transaction log: customer i buys once a day, on days 0, 1, ..."""
    rows = [
        (i, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), v)
        for i, vals in enumerate(values)
        for d, v in enumerate(vals)
    ]
    return pd.DataFrame(rows, columns=["customer", "date", "amount"])


def _simulated_log(n: int, seed: int, first_factor: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nu = rng.gamma(TRUTH["q"], 1.0 / TRUTH["gamma"], n)
    x = rng.integers(1, 6, n)
    values = [
        list(rng.gamma(TRUTH["p"], 1.0 / nu[i], x[i] + 1) * np.r_[first_factor, np.ones(x[i])])
        for i in range(n)
    ]
    return _log(values)


def test_transaction_likelihood_by_hand() -> None:
    # one customer, values 2 and 4, p = 1, q = 2, gamma = 3:
    # z^0 z^0 / Γ(1)^2 · 3^2 / Γ(2) · Γ(1·2 + 2) / (3 + 6)^4 = 9 · 6 / 9^4 = 54 / 6561
    ll, _ = _transaction_rows(
        1.0, 2.0, 3.0, np.array([2.0]), np.array([6.0]), np.array([math.log(8.0)])
    )
    assert float(ll[0]) == pytest.approx(math.log(54 / 6561), rel=1e-14)


def test_transaction_likelihood_is_the_average_times_the_split() -> None:
    # transaction LL = [FH13] eq. 1a for the mean + log x (the mean's Jacobian)
    #                + the Dirichlet(p, .., p) density of the shares z_j / s (over s^(x-1))
    z = np.array([3.0, 5.5, 11.0])
    p, q, v = 2.3, 3.1, 7.7
    x, s, m = 3.0, float(z.sum()), float(z.mean())
    trans, _ = _transaction_rows(
        p, q, v, np.array([x]), np.array([s]), np.array([np.log(z).sum()])
    )
    mean_ll, _ = _gamma_gamma_rows(p, q, v, np.array([x]), np.array([m]))
    split = gammaln(p * x) - x * gammaln(p) + (p - 1) * np.log(z).sum() - (p * x - 1) * np.log(s)
    assert float(trans[0]) == pytest.approx(float(mean_ll[0]) - np.log(x) + split, rel=1e-13)


def test_transaction_gradient_matches_finite_differences() -> None:
    x = np.array([1.0, 3.0, 7.0])
    s = np.array([10.0, 40.0, 90.0])
    log_sum = np.array([np.log(10.0), 3 * np.log(40.0 / 3) - 0.2, 7 * np.log(90 / 7) - 0.5])
    theta = np.log([2.0, 3.0, 20.0])
    _, grad = _transaction_rows(*np.exp(theta), x, s, log_sum)
    for k in range(3):
        step = np.zeros(3)
        step[k] = 1e-6
        up, _ = _transaction_rows(*np.exp(theta + step), x, s, log_sum)
        down, _ = _transaction_rows(*np.exp(theta - step), x, s, log_sum)
        np.testing.assert_allclose(grad[:, k], (up - down) / 2e-6, rtol=1e-6, atol=1e-7)


def test_one_repeat_transaction_each_gives_the_summary_fit() -> None:
    # with x = 1 for everybody the average is the transaction: the fits must agree
    rng = np.random.default_rng(4)
    first = rng.gamma(5.0, 4.0, 600)
    repeat = rng.gamma(TRUTH["p"], 1.0 / rng.gamma(TRUTH["q"], 1.0 / TRUTH["gamma"], 600))
    log = _log([[f, r] for f, r in zip(first, repeat, strict=True)])
    by_transaction = GammaGamma().fit_transactions(
        log, customer="customer", timestamp="date", amount="amount"
    )
    summary = GammaGamma().fit(pd.DataFrame({"x": 1.0, "repeat_aov": repeat}))
    np.testing.assert_allclose(by_transaction.params_, summary.params_, rtol=1e-6)
    assert by_transaction.log_likelihood_ == pytest.approx(summary.log_likelihood_, rel=1e-10)
    assert by_transaction.n_customers_ == 600


@pytest.mark.parametrize("seed", [1, 2])
def test_parameter_recovery_from_transactions(seed: int) -> None:
    log = _simulated_log(3000, seed)
    model = GammaGamma().fit_transactions(
        log, customer="customer", timestamp="date", amount="amount"
    )
    z = (model.params_ - pd.Series(TRUTH)) / model.standard_errors_
    assert (z.abs() < 3.5).all(), z.to_dict()


def test_include_first_uses_first_purchases_and_their_bias() -> None:
    # first baskets three times the repeat ones: with include_first the
    # population mean spend moves towards them (the documented bias)
    log = _simulated_log(2000, 3, first_factor=3.0)
    repeat = GammaGamma().fit_transactions(
        log, customer="customer", timestamp="date", amount="amount"
    )
    every = GammaGamma().fit_transactions(
        log, customer="customer", timestamp="date", amount="amount", include_first=True
    )
    assert every.include_first_
    assert not repeat.include_first_

    def mean(m: GammaGamma) -> float:
        return float(m.params_["gamma"] * m.params_["p"] / (m.params_["q"] - 1.0))

    truth = TRUTH["gamma"] * TRUTH["p"] / (TRUTH["q"] - 1.0)  # 30
    assert abs(mean(repeat) - truth) < 0.05 * truth
    assert mean(every) > 1.15 * truth


def test_cancelled_orders_are_not_purchases() -> None:
    log = _log([[10.0, 20.0, 30.0], [5.0, 8.0], [7.0, 9.0, 11.0]])
    log["order"] = np.arange(len(log))
    refund = pd.DataFrame(
        {"customer": [0], "date": [pd.Timestamp("2024-01-02")], "amount": [-20.0], "order": [1]}
    )
    with_refund = pd.concat([log, refund], ignore_index=True)
    model = GammaGamma().fit_transactions(
        with_refund, customer="customer", timestamp="date", amount="amount", order="order"
    )
    # customer 0's order on day 2 nets to 0: no purchase; they keep one repeat purchase (30)
    assert model._stats["x"].tolist() == [1.0, 1.0, 2.0]
    assert sorted(model._stats["s"].tolist()) == [8.0, 20.0, 30.0]
    pd.testing.assert_frame_equal(with_refund, pd.concat([log, refund], ignore_index=True))


def test_q_constraint_keeps_the_mean_finite() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.integers(1, 5, n).astype(float)
    nu = rng.gamma(0.8, 1.0 / 15.0, n)  # q < 1: the mean spend is infinite
    data = pd.DataFrame({"x": x, "repeat_aov": rng.gamma(6.0 * x, 1.0 / nu) / x})
    free = GammaGamma().fit(data)
    assert free.params_["q"] < 1.0
    with pytest.warns(BoundaryWarning, match="q_constraint keeps q above 1"):
        guarded = GammaGamma(q_constraint=True).fit(data)
    assert 1.0 < guarded.params_["q"] < 1.0 + 1e-6
    assert guarded.log_likelihood_ < free.log_likelihood_
    new = pd.DataFrame({"x": [0], "repeat_aov": [0.0]})
    assert np.isfinite(guarded.expected_spend(new)).all()


def test_q_constraint_changes_nothing_when_q_is_well_above_one() -> None:
    log = _simulated_log(1500, 5)
    kwargs = {"customer": "customer", "timestamp": "date", "amount": "amount"}
    free = GammaGamma().fit_transactions(log, **kwargs)
    guarded = GammaGamma(q_constraint=True).fit_transactions(log, **kwargs)
    np.testing.assert_allclose(guarded.params_, free.params_, rtol=1e-5)
    np.testing.assert_allclose(guarded.standard_errors_, free.standard_errors_, rtol=1e-3)


def test_q_constraint_option_is_checked() -> None:
    with pytest.raises(
        ParameterError, match="'q_constraint' parameter of GammaGamma must be a bool"
    ):
        GammaGamma(q_constraint="yes").fit(pd.DataFrame({"x": [1, 2], "repeat_aov": [3.0, 4.0]}))
    with pytest.raises(ParameterError, match="must be finite and above"):
        GammaGamma.from_params({"p": 6.0, "q": 0.9, "gamma": 15.0}, q_constraint=True)
