"""Numerical robustness: error states, flat likelihoods, the Pareto/NBD near z = 1."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BoundaryWarning, ModifiedBetaGeo, ParetoNBD

TRUTH: dict[str, tuple[Any, dict[str, float]]] = {
    "bgnbd": (BetaGeo, {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}),
    "mbgnbd": (ModifiedBetaGeo, {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}),
    "pareto": (ParetoNBD, {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}),
}


@pytest.mark.parametrize("name", TRUTH, ids=TRUTH)
def test_fit_and_predictions_under_raising_error_state(name: str) -> None:
    cls, params = TRUTH[name]
    data = cls().simulate(400, T=40.0, params=params, seed=1)
    model = cls().fit(data)
    expected = [
        model.p_alive(data),
        model.p_alive(data, 10.0),
        model.expected_purchases(data, 10.0),
        model.probability_of_purchases(data, 2, 10.0),
    ]
    with np.errstate(all="raise"):
        again = cls().fit(data)
        got = [
            again.p_alive(data),
            again.p_alive(data, 10.0),
            again.expected_purchases(data, 10.0),
            again.probability_of_purchases(data, 2, 10.0),
        ]
        new = again.expected_purchases_new(np.array([0.0, 1.0, 10.0]))
    pd.testing.assert_series_equal(again.params_, model.params_)
    for left, right in zip(got, expected, strict=True):
        pd.testing.assert_series_equal(left, right)
    np.testing.assert_array_equal(new, model.expected_purchases_new(np.array([0.0, 1.0, 10.0])))


def test_bgnbd_warns_when_the_data_hardly_determine_a_parameter() -> None:
    # 150 customers with few repeat purchases: the likelihood is nearly flat in
    # (a, b); a 95% interval spanning eight orders of magnitude must not pass silently
    data = BetaGeo().simulate(
        150, T=30.0, params={"r": 0.5, "alpha": 5.0, "a": 0.3, "b": 8.0}, seed=2
    )
    with pytest.warns(
        BoundaryWarning,
        match=r"BG/NBD: the data hardly determine a, b \(95% intervals a in \[5\.35e-05, 1\.13e\+05\]; b in \[0\.000712, 6\.26e\+06\]\)",
    ):
        model = BetaGeo().fit(data)
    assert model.standard_errors_["b"] > 300


def test_well_determined_fit_does_not_warn() -> None:
    data = BetaGeo().simulate(3000, T=40.0, params=TRUTH["bgnbd"][1], seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BetaGeo().fit(data)


def test_pareto_boundary_fit_agrees_with_the_likelihood_limit() -> None:
    # customers who almost never drop out: the fit moves towards s/beta -> 0,
    # where every row's integral lies in the quadrature region (z near 1)
    rng = np.random.default_rng(0)
    T = rng.integers(1, 3 * 365 + 1, 2000).astype(np.float64)
    truth = {"r": 0.553, "alpha": 74.0, "s": 0.606, "beta": 1e7}
    data = ParetoNBD().simulate(2000, T, params=truth, seed=1)
    data["t_x"] = np.minimum(np.ceil(data["t_x"]), data["T"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        model = ParetoNBD().fit(data)
    assert model.params_["s"] / model.params_["beta"] * 1095 < 0.01
    assert model.params_["r"] == pytest.approx(0.553, rel=0.15)
    assert model.params_["alpha"] == pytest.approx(74.0, rel=0.15)
    alive = model.p_alive(data)
    assert float(alive.min()) > 0.9


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
def test_bg_p_alive_far_ahead_is_finite_and_matches_mpmath(cls: Any) -> None:
    import mpmath

    params = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    model = cls.from_params(params)
    data = pd.DataFrame({"x": [0, 3], "t_x": [0.0, 30.0], "T": [40.0, 40.0]})
    now = model.p_alive(data)
    shift = 1 if cls is ModifiedBetaGeo else 0
    previous = now.to_numpy()
    for t in [25.0, 50.0, 1e6, 1e20, 1e300]:  # alpha + T = 50: both sides of the switch
        got = model.p_alive(data, t)
        assert np.isfinite(got).all()
        assert (got.to_numpy() <= previous).all()
        previous = got.to_numpy()
        for i, x in enumerate([0, 3]):
            # P(alive at T + t | alive at T) = 2F1(r + x, a; a + b + x + shift; -t/(alpha + T))
            survive = mpmath.hyp2f1(0.5 + x, 0.8, 3.3 + x + shift, -t / 50.0)
            assert float(got.iloc[i]) == pytest.approx(float(now.iloc[i] * survive), rel=1e-12)
