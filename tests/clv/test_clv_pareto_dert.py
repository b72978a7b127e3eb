"""Pareto/NBD discounted expected residual transactions (Fader, Hardie & Lee 2005, eq. 2)."""

from __future__ import annotations

import itertools
from typing import Any

import mpmath
import numpy as np
import pandas as pd
import pytest

from segkit.clv import ParetoNBD
from segkit.clv._pareto_dert import dert_alive, residual_discount
from segkit.clv._pareto_likelihood import _pareto_rows

#: CDNOW estimates on the full 78 weeks, as in Fader, Hardie & Lee (2005, "RFM and CLV")
FHL = (0.5533, 10.5776, 0.6061, 11.6650)
#: 15 % a year compounded continuously, per week: the paper's delta
DELTA = 0.0027


def _h_mp(s: float, z: float) -> Any:
    """H(s, z) = z^s e^z Γ(1 - s, z) = z e^z E_s(z), in 30 digits."""
    mpmath.mp.dps = 30
    z_mp = mpmath.mpf(z)
    return z_mp * mpmath.exp(z_mp) * mpmath.expint(mpmath.mpf(s), z_mp)


@pytest.mark.parametrize(
    ("s", "z"),
    list(
        itertools.product(
            [1e-3, 0.4081, 0.6061, 1.0 - 1e-7, 1.0, 1.0 + 1e-7, 2.0, 3.0, 7.3, 150.0],
            [1e-7, 1e-3, 0.137, 1.0, 30.0, 1e4],
        )
    ),
)
def test_residual_discount_matches_mpmath(s: float, z: float) -> None:
    # including integer s, where Γ(1 - s) has poles and the closed forms cancel
    got = float(residual_discount(s, z))
    assert got == pytest.approx(float(_h_mp(s, z)), rel=1e-12)


def _dert_mp(
    r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float, delta: float
) -> tuple[Any, Any]:
    """DERT two ways in 30 digits: eq. 2 of the paper (Tricomi's U) and the definition.

    The definition integrates the discounted purchase rate of a customer alive at
    T: (r + x) / (alpha + T) * int_0^inf e^(-delta t) ((beta + T) / (beta + T + t))^s dt,
    times P(alive at T).
    """
    mpmath.mp.dps = 30
    r, alpha, s, beta, t_x, T, delta = map(mpmath.mpf, (r, alpha, s, beta, t_x, T, delta))
    rho = r + x
    integral = mpmath.mpf(0)
    if t_x < T:
        # scaled to order 1: mpmath's quadrature tolerance is absolute
        scale = (alpha + t_x) ** rho * (beta + t_x) ** (s + 1)
        integral = (
            mpmath.quad(lambda u: scale * (alpha + u) ** (-rho) * (beta + u) ** (-s - 1), [t_x, T])
            / scale
        )
    core = mpmath.gamma(rho) / mpmath.gamma(r) * alpha**r * beta**s
    likelihood = core * ((alpha + T) ** (-rho) * (beta + T) ** (-s) + s * integral)
    p_alive = core * (alpha + T) ** (-rho) * (beta + T) ** (-s) / likelihood
    b = beta + T
    residual = mpmath.quad(
        lambda t: mpmath.exp(-delta * t) * (b / (b + t)) ** s, [0, 1 / delta, mpmath.inf]
    )
    definition = p_alive * rho / (alpha + T) * residual
    closed = (
        alpha**r
        * beta**s
        * delta ** (s - 1)
        * mpmath.gamma(rho + 1)
        * mpmath.hyperu(s, s, delta * b)
        / (mpmath.gamma(r) * (alpha + T) ** (rho + 1) * likelihood)
    )
    return definition, closed


def _dert(params: tuple[float, ...], x: float, t_x: float, T: float, delta: float) -> float:
    _, _, log_alive = _pareto_rows(*params, np.array([x]), np.array([t_x]), np.array([T]))
    return float(np.exp(log_alive[0]) * dert_alive(*params, x, T, delta)[()])


CASES = {
    "fhl-x0": (FHL, 0, 0.0, 77.86, DELTA),
    "fhl-x2-recent": (FHL, 2, 70.0, 77.86, DELTA),
    "fhl-x7-lapsed": (FHL, 7, 35.0, 77.86, DELTA),
    "fhl-x20": (FHL, 20, 77.0, 77.86, DELTA),
    "s-one": ((0.55, 10.0, 1.0, 12.0), 3, 20.0, 40.0, DELTA),
    "s-two": ((0.55, 10.0, 2.0, 12.0), 3, 20.0, 40.0, DELTA),
    "days-high-rate": ((0.55, 74.0, 0.6, 81.7), 10, 300.0, 365.0, 0.01),
    "beta-huge": ((0.5275, 66.97, 1548.1, 4.85e8), 4, 900.0, 1000.0, 0.0004),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_dert_matches_the_paper_formula_and_the_definition(case: tuple[Any, ...]) -> None:
    params, x, t_x, T, delta = case
    definition, closed = _dert_mp(*params, x, t_x, T, delta)
    assert float(definition) == pytest.approx(float(closed), rel=1e-15)  # the two references
    assert _dert(params, x, t_x, T, delta) == pytest.approx(float(definition), rel=1e-11)


def test_dert_is_vectorised_and_orders_customers_as_the_paper() -> None:
    # iso-value logic (FHL 2005, Figure 6): more purchases and a more recent last
    # purchase both raise DERT; a customer who has been silent for long is worth less
    x = np.array([0.0, 1.0, 1.0, 7.0, 7.0])
    t_x = np.array([0.0, 10.0, 70.0, 35.0, 77.0])
    T = np.full(5, 77.86)
    _, _, log_alive = _pareto_rows(*FHL, x, t_x, T)
    value = np.exp(log_alive) * dert_alive(*FHL, x, T, DELTA)
    one = [
        _dert(FHL, float(a), float(b), float(c), DELTA) for a, b, c in zip(x, t_x, T, strict=True)
    ]
    np.testing.assert_allclose(value, one, rtol=1e-14)
    assert value[1] < value[2]  # same frequency, more recent
    assert value[3] < value[4]
    assert value[2] < value[4]  # same recency, more purchases


def test_dert_hook_of_the_model_is_dert_of_an_alive_customer() -> None:
    model = ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), FHL, strict=True)))
    x = np.array([0.0, 2.0])
    T = np.array([77.86, 40.0])
    got = model._dert_alive(list(FHL), x, T, DELTA)
    np.testing.assert_allclose(got, dert_alive(*FHL, x, T, DELTA), rtol=0)


def test_public_dert_of_the_pareto_model_matches_the_paper_formula() -> None:
    model = ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), FHL, strict=True)))
    data = pd.DataFrame({"x": [0, 2, 7], "t_x": [0.0, 70.0, 35.0], "T": [77.86, 77.86, 77.86]})
    got = model.dert(data, DELTA)
    for i, (x, t_x, T) in enumerate(data.itertuples(index=False)):
        _, closed = _dert_mp(*FHL, int(x), t_x, T, DELTA)
        assert float(got.iloc[i]) == pytest.approx(float(closed), rel=1e-11)
