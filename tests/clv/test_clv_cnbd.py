"""MBG/CNBD-k and BG/CNBD-k (Reutterer, Platzer & Schröder 2021; BTYDplus mbgcnbd)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

import segkit
from segkit.clv import (
    BetaGeo,
    BetaGeoCNBD,
    BoundaryWarning,
    ModifiedBetaGeo,
    ModifiedBetaGeoCNBD,
    bgnbd_log_likelihood,
    log_intertransaction_times,
    mbgnbd_log_likelihood,
)
from segkit.clv._cnbd import _cnbd_rows
from segkit.datasets import load_cdnow
from segkit.errors import ParameterError

X = np.array([0.0, 1.0, 3.0, 10.0, 0.0])
T_X = np.array([0.0, 5.0, 25.0, 39.0, 0.0])
T = np.array([10.0, 20.0, 30.0, 40.0, 5.0])
LITT = np.array([0.0, 1.6, 4.0, 11.0, 0.0])
THETA = np.log([0.5, 6.0, 0.9, 1.6])
PAIRS = [
    pytest.param(ModifiedBetaGeoCNBD, ModifiedBetaGeo, 1, id="MBG"),
    pytest.param(BetaGeoCNBD, BetaGeo, 0, id="BG"),
]


@pytest.mark.parametrize(
    ("shift", "reference"), [(1, mbgnbd_log_likelihood), (0, bgnbd_log_likelihood)]
)
def test_k1_likelihood_is_the_nbd_models(shift: int, reference: object) -> None:
    # k = 1: Poisson purchases, S2 = 1, no litt term: [BDF07] / [FHL05] eq. 6
    ll, grad, _ = _cnbd_rows(1, shift, np.exp(THETA), X, T_X, T, LITT)
    expected, expected_grad = reference(THETA, X, T_X, T)  # type: ignore[operator]
    assert float(ll.sum()) == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(grad.sum(axis=0), expected_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("shift", [0, 1], ids=["BG", "MBG"])
def test_gradient_matches_finite_differences(k: int, shift: int) -> None:
    _, grad, _ = _cnbd_rows(k, shift, np.exp(THETA), X, T_X, T, LITT)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        up = _cnbd_rows(k, shift, np.exp(THETA + step), X, T_X, T, LITT)[0]
        down = _cnbd_rows(k, shift, np.exp(THETA - step), X, T_X, T, LITT)[0]
        np.testing.assert_allclose(grad[:, i], (up - down) / 2e-6, rtol=1e-5, atol=1e-7)


def test_likelihood_by_hand_and_by_integration() -> None:
    # k = 2, r = alpha = a = b = 1 (MBG), one repeat purchase at t_x = 1, T = 2:
    # P2 = log B(1, 3) = -log 3, P3 = log Γ(3) = log 2, P4 = -3 log 3,
    # S1 = 1/2 (3/2)^3 = 27/16, S2 = 1 + 3 (1/3) = 2: L = 2 · 59/16 / 81 = 118/1296
    ll, _, log_alive = _cnbd_rows(
        2, 1, np.ones(4), np.array([1.0]), np.array([1.0]), np.array([2.0]), np.array([0.0])
    )
    assert float(ll[0]) == pytest.approx(math.log(118 / 1296), rel=1e-14)
    assert math.exp(float(log_alive[0])) == pytest.approx(32 / 59, rel=1e-14)

    # the story directly: an Erlang-2 gap of 1 (density lam^2 e^-lam), the coin at
    # the first purchase says stay, then drop at the repeat purchase or no cycle
    # completed in the last unit of time: e^-lam (1 + lam); lam ~ Exp(1), p ~ U(0, 1)
    def joint(p: float, lam: float) -> float:
        survive = math.exp(-lam) * (1.0 + lam)
        return lam**2 * math.exp(-lam) * (1 - p) * (p + (1 - p) * survive) * math.exp(-lam)

    value, _ = integrate.dblquad(joint, 0, np.inf, 0, 1, epsabs=1e-13, epsrel=1e-12)
    assert value == pytest.approx(118 / 1296, rel=1e-9)


@pytest.mark.parametrize(("cnbd", "nbd", "shift"), PAIRS)
def test_k1_predictions_are_the_nbd_models(cnbd: type, nbd: type, shift: int) -> None:
    params = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    one, other = cnbd.from_params(params, k=1), nbd.from_params(params)
    one.k_ = 1
    data = pd.DataFrame({"x": X, "t_x": T_X, "T": T})
    for method, args in [
        ("p_alive", ()),
        ("p_alive", (7.0,)),
        ("expected_purchases", (13.0,)),
        ("probability_of_purchases", (0, 13.0)),
        ("probability_of_purchases", (2, 13.0)),
    ]:
        np.testing.assert_allclose(
            getattr(one, method)(data, *args), getattr(other, method)(data, *args), rtol=1e-9
        )
    np.testing.assert_allclose(
        one.expected_purchases_new([1.0, 30.0]),
        other.expected_purchases_new([1.0, 30.0]),
        rtol=1e-9,
    )


def test_probabilities_sum_to_one_and_average_to_the_expectation() -> None:
    model = ModifiedBetaGeoCNBD.from_params({"r": 2.0, "alpha": 10.0, "a": 1.0, "b": 6.0}, k=3)
    model.k_ = 3
    data = pd.DataFrame({"x": X, "t_x": T_X, "T": T})
    probs = np.column_stack([model.probability_of_purchases(data, n, 20.0) for n in range(60)])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        probs @ np.arange(60), model.expected_purchases(data, 20.0).to_numpy(), rtol=1e-10
    )
    assert (model.p_alive(data, 20.0) <= model.p_alive(data)).all()


@pytest.mark.parametrize(
    ("cls", "k", "seed"),
    [(ModifiedBetaGeoCNBD, 2, 1), (ModifiedBetaGeoCNBD, 4, 2), (BetaGeoCNBD, 3, 3)],
    ids=["MBG-k2", "MBG-k4", "BG-k3"],
)
def test_parameter_recovery_and_k_from_simulate(cls: type, k: int, seed: int) -> None:
    truth = {"r": 2.0, "alpha": 10.0, "a": 1.0, "b": 6.0}
    data = cls(k=k).simulate(5000, 104.0, params=truth, seed=seed)
    model = cls().fit(data)
    assert model.k_ == k
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 3.5).all(), z.to_dict()
    assert model.p_alive(data).mean() == pytest.approx(data["alive"].mean(), abs=0.02)


def test_cdnow_shows_no_regularity() -> None:
    # BTYDplus demo/cdnow.R on the same 39-week calibration: "k=1 -> no
    # regularity detected for CDNow"; at k = 1 the estimates are the MBG/NBD's
    # (Batislam et al. 2007 values r, alpha, a, b = 0.525, 6.183, 0.891, 1.614)
    log = load_cdnow()
    table = segkit.summarize(
        log,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        unit="W",
    ).join(
        log_intertransaction_times(
            log, customer="customer_id", timestamp="date", as_of="1997-09-30", unit="W"
        )
    )
    model = ModifiedBetaGeoCNBD().fit(table)
    assert model.k_ == 1
    assert model.params_.round(3).to_dict() == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    assert model.log_likelihoods_.idxmax() == 1
    assert len(model.log_likelihoods_) == 3  # stopped after two falls in a row


def test_log_intertransaction_times_by_hand() -> None:
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "b"],
            "d": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-22", "2024-01-05"]
            ),
        }
    )
    litt = log_intertransaction_times(log, customer="c", timestamp="d", unit="W")
    # a: distinct days 0, 7, 21 -> gaps of 1 and 2 weeks; b: no repeat purchase
    assert litt.to_dict() == {"a": pytest.approx(math.log(2.0)), "b": 0.0}
    before = log_intertransaction_times(log, customer="c", timestamp="d", as_of="2024-01-10")
    assert before["a"] == pytest.approx(math.log(7.0))


def test_k_selection_needs_litt() -> None:
    data = pd.DataFrame({"x": X, "t_x": T_X, "T": T})
    with pytest.raises(ParameterError, match="choosing k needs the summed log"):
        ModifiedBetaGeoCNBD().fit(data, litt=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        fitted = ModifiedBetaGeoCNBD(k=2).fit(data, litt=None)
    assert fitted.k_ == 2
