"""Log-likelihoods: analytic gradients, exact values, stability at extremes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

from segkit.clv import (
    bgbb_log_likelihood,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
    mbgnbd_log_likelihood,
    pareto_nbd_log_likelihood,
)
from segkit.clv._pareto_likelihood import _pareto_rows

RNG = np.random.default_rng(20240601)
N = 40
X = RNG.integers(0, 25, N).astype(float)
T = RNG.uniform(1.0, 80.0, N)
TX = np.where(X > 0, RNG.uniform(0.0, 1.0, N) * T, 0.0)
TX[5] = T[5] if X[5] > 0 else TX[5]  # t_x = T
W = RNG.integers(1, 4, N).astype(float)

CONTINUOUS = [
    ("bgnbd", bgnbd_log_likelihood, [0.243, 4.414, 0.793, 2.426]),
    ("mbgnbd", mbgnbd_log_likelihood, [0.525, 6.183, 0.891, 1.614]),
    ("pareto-cdnow", pareto_nbd_log_likelihood, [0.553, 10.578, 0.606, 11.669]),
    ("pareto-alpha>beta", pareto_nbd_log_likelihood, [0.553, 30.0, 0.606, 3.0]),
    ("pareto-alpha<beta", pareto_nbd_log_likelihood, [2.0, 3.0, 1.5, 40.0]),
    ("pareto-z-near-1", pareto_nbd_log_likelihood, [0.553, 500.0, 0.606, 0.669]),
    ("pareto-fit-limit", pareto_nbd_log_likelihood, [0.5275, 66.97, 1548.1, 4.85e8]),
    ("pareto-alpha-huge", pareto_nbd_log_likelihood, [0.553, 5e8, 0.606, 11.669]),
]


def _numeric_gradient(func: Callable[..., Any], theta: np.ndarray, *args: Any) -> np.ndarray:
    out = np.zeros_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        out[i] = (func(theta + step, *args)[0] - func(theta - step, *args)[0]) / 2e-6
    return out


@pytest.mark.parametrize(("name", "func", "params"), CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_gradient_matches_finite_differences(
    name: str, func: Callable[..., Any], params: list[float]
) -> None:
    theta = np.log(params)
    _, grad = func(theta, X, TX, T, W)
    numeric = _numeric_gradient(func, theta, X, TX, T, W)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-5)


def test_bgbb_gradient_matches_finite_differences() -> None:
    x = np.array([0, 1, 1, 2, 3, 6, 4.0])
    t_x = np.array([0, 1, 4, 4, 5, 6, 9.0])
    n = np.array([6, 6, 6, 6, 6, 6, 11.0])
    theta = np.log([1.204, 0.750, 0.657, 2.783])
    _, grad = bgbb_log_likelihood(theta, x, t_x, n, [3, 1, 2, 1, 1, 5, 1])
    numeric = _numeric_gradient(bgbb_log_likelihood, theta, x, t_x, n, [3, 1, 2, 1, 1, 5, 1])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_gamma_gamma_gradient_matches_finite_differences() -> None:
    x = np.array([1, 2, 3, 10, 50.0])
    m = np.array([12.5, 30.0, 18.2, 40.0, 22.0])
    theta = np.log([6.25, 3.74, 15.44])
    _, grad = gamma_gamma_log_likelihood(theta, x, m)
    numeric = _numeric_gradient(gamma_gamma_log_likelihood, theta, x, m)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def _pareto_mp(r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float) -> Any:
    """Pareto/NBD log-likelihood in 60-digit arithmetic, straight from the note's formula.

    Fader & Hardie (2005) note 009, eq. (22): the A_0 term is the difference of
    two Gauss hypergeometric functions, evaluated here without any
    transformation (the extra precision absorbs the cancellation).
    """
    mpmath.mp.dps = 60
    r, alpha, s, beta, t_x, T = map(mpmath.mpf, (r, alpha, s, beta, t_x, T))
    e = r + s + x
    if alpha >= beta:
        second, big = s + 1, alpha
    else:
        second, big = r + x, beta

    def piece(t: Any) -> Any:
        return mpmath.hyp2f1(e, second, e + 1, abs(alpha - beta) / (big + t)) / (big + t) ** e

    a0 = piece(t_x) - piece(T)
    head = (
        mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha) + s * mpmath.log(beta)
    )
    return head + mpmath.log((alpha + T) ** (-(r + x)) * (beta + T) ** (-s) + s / (r + s + x) * a0)


PARETO_CASES = [
    (0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86),
    (0.553, 10.578 * 7, 0.606, 11.669 * 7, 10000, 100.0, 18262.5),
    (0.553, 10.578 * 7, 0.606, 11.669 * 7, 10000, 18262.5, 18262.5),
    (0.553, 10.578 * 7, 0.606, 11.669 * 7, 0, 0.0, 18262.5),
    (0.553, 500.0, 0.606, 0.669, 10000, 0.0, 365.0),
    (0.553, 500.0, 0.606, 0.669, 3, 1.0, 18262.5),
    (2.0, 3.0, 1.5, 40.0, 100, 5.0, 365.0),
    (0.2, 1.0, 0.3, 1.0, 1, 0.5, 1.0),
]


@pytest.mark.parametrize("case", PARETO_CASES)
def test_pareto_value_matches_high_precision_quadrature(case: tuple[float, ...]) -> None:
    r, alpha, s, beta, x, t_x, T = case
    ll, _ = pareto_nbd_log_likelihood(np.log([r, alpha, s, beta]), [x], [t_x], [T])
    assert ll == pytest.approx(float(_pareto_mp(r, alpha, s, beta, int(x), t_x, T)), rel=1e-11)


def _bgnbd_mp(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float) -> Any:
    mpmath.mp.dps = 50
    r, alpha, a, b, t_x, T = map(mpmath.mpf, (r, alpha, a, b, t_x, T))
    head = mpmath.loggamma(r + x) - mpmath.loggamma(r) + r * mpmath.log(alpha)
    first = mpmath.beta(a, b + x) / mpmath.beta(a, b) * (alpha + T) ** (-(r + x))
    second = (
        mpmath.beta(a + 1, b + x - 1) / mpmath.beta(a, b) * (alpha + t_x) ** (-(r + x))
        if x > 0
        else 0
    )
    return head + mpmath.log(first + second)


@pytest.mark.parametrize(
    ("x", "t_x", "T"),
    [(2, 30.43, 38.86), (10000, 50.0, 18262.5), (0, 0.0, 18262.5), (1, 1.0, 1.0)],
)
def test_bgnbd_value_matches_high_precision(x: int, t_x: float, T: float) -> None:
    params = [0.243, 4.414, 0.793, 2.426]
    ll, _ = bgnbd_log_likelihood(np.log(params), [x], [t_x], [T])
    assert ll == pytest.approx(float(_bgnbd_mp(*params, x, t_x, T)), rel=1e-12)


def _grid() -> list[tuple[float, float, float]]:
    return [
        (float(x), t_x, T)
        for x, T in itertools.product([0, 1, 100, 10000], [1.0, 365.0, 18262.5])
        for t_x in ([0.0] if x == 0 else [0.0, T / 2, T])
    ]


GRID = _grid()


@pytest.mark.parametrize(("name", "func", "params"), CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
@pytest.mark.parametrize("unit", [1.0, 7.0], ids=["weeks", "days"])
def test_extreme_grid_is_finite(
    name: str, func: Callable[..., Any], params: list[float], unit: float
) -> None:
    x, t_x, T = (np.array(c) for c in zip(*GRID, strict=True))
    scaled = np.array(params) * np.array([1.0, unit, 1.0, unit])
    ll, grad = func(np.log(scaled), x, t_x, T)
    assert np.isfinite(ll)
    assert np.all(np.isfinite(grad))
    # and row by row (a sum can hide nothing, but a row can)
    for row in GRID:
        value, g = func(np.log(scaled), [row[0]], [row[1]], [row[2]])
        assert np.isfinite(value), row
        assert np.all(np.isfinite(g)), row


def test_weights_equal_repeated_rows() -> None:
    theta = np.log([0.243, 4.414, 0.793, 2.426])
    once, g_once = bgnbd_log_likelihood(theta, X, TX, T, W)
    rep = W.astype(int)
    twice, g_twice = bgnbd_log_likelihood(
        theta, np.repeat(X, rep), np.repeat(TX, rep), np.repeat(T, rep)
    )
    assert once == pytest.approx(twice, rel=1e-13)
    np.testing.assert_allclose(g_once, g_twice, rtol=1e-12)


def _pareto_mp_quad(
    r: float, alpha: float, s: float, beta: float, x: int, t_x: float, T: float
) -> Any:
    """Pareto/NBD log-likelihood with the integral of [FH05] eq. (22) by 40-digit quadrature.

    The integration range is cut at geometrically spaced points from ``t_x``
    so that the adaptive rule resolves the integrand wherever it is steep.
    """
    mpmath.mp.dps = 40
    r, alpha, s, beta, t_x, T = map(mpmath.mpf, (r, alpha, s, beta, t_x, T))
    rho = r + x
    integral = mpmath.mpf(0)
    if t_x < T:
        k0 = min(alpha, beta) + t_x
        cuts = [t_x + k0 * mpmath.mpf(2) ** (j / 4) for j in range(-80, 400)]
        points = [t_x, *(c for c in cuts if c < T), T]
        integral = mpmath.quad(lambda u: (alpha + u) ** (-rho) * (beta + u) ** (-s - 1), points)
    head = mpmath.loggamma(rho) - mpmath.loggamma(r) + r * mpmath.log(alpha) + s * mpmath.log(beta)
    return head + mpmath.log((alpha + T) ** (-rho) * (beta + T) ** (-s) + s * integral)


E20 = float(np.exp(20.0))  # the largest value of a parameter the optimiser tries
PARETO_HARD = {
    "dropout-to-zero-beta": (0.553, 10.578, 0.606, E20, 2, 30.43, 38.86),
    "dropout-to-zero-beta-x0": (0.553, 10.578, 0.606, E20, 0, 0.0, 38.86),
    "dropout-to-zero-beta-close": (0.553, 10.578, 0.606, E20, 2, 38.86 - 1e-9, 38.86),
    "dropout-to-zero-s": (0.553, 10.578, 1e-8, 0.01, 2, 0.43, 38.86),
    "alpha-at-bound": (0.553, E20, 0.606, 11.669, 2, 30.43, 38.86),
    "alpha-huge-beta-tiny-x50": (0.553, 1000.0, 0.606, 0.001, 50, 1.0, 380.0),
    "alpha-huge-beta-tiny-x500": (0.553, 1000.0, 5.0, 0.001, 500, 300.0, 380.0),
    "beta-huge-s-large": (2.0, 0.01, 50.0, 1e5, 3, 1.0, 1000.0),
    "both-huge": (0.01, 5e7, 1e-6, 4e8, 7, 100.0, 500.0),
    "short-history": (1.0, 30.0, 1.0, 3e5, 1, 0.001, 0.002),
    # where a boundary fit ends (s and beta both large, s / beta -> 0): binomial pieces
    "fit-limit": (0.5275, 66.97, 1548.1, 4.85e8, 2, 30.0, 1000.0),
    "fit-limit-x0": (0.5275, 66.97, 1548.1, 4.85e8, 0, 0.0, 1095.0),
    "alpha-huge-binomial": (0.553, 5e8, 0.606, 11.669, 3, 10.0, 500.0),
    # max(s + 1, 1) (alpha + T) / (beta - alpha) just below / above 1/2
    "binomial-edge-inside": (0.553, 10.0, 0.6, 369.2, 1, 20.0, 100.0),
    "binomial-edge-outside": (0.553, 10.0, 0.6, 350.0, 1, 20.0, 100.0),
    "r-integer-beta-huge": (1.0, 10.0, 0.6, 1e7, 0, 0.0, 100.0),
    "r-integer-beta-huge-x1": (1.0, 10.0, 0.6, 1e7, 1, 50.0, 100.0),
}


@pytest.mark.slow  # 2-10 s a case: nine 40-digit quadratures
@pytest.mark.parametrize("case", PARETO_HARD.values(), ids=PARETO_HARD.keys())
def test_pareto_near_z_one_matches_mpmath(case: tuple[float, ...]) -> None:
    # z = |alpha - beta| / (max + t) close to 1: the region where the series
    # converges slowly and the likelihood switches to quadrature
    r, alpha, s, beta, x, t_x, T = case
    log_params = np.log([r, alpha, s, beta])
    ll, grad = pareto_nbd_log_likelihood(log_params, [x], [t_x], [T])
    ref = _pareto_mp_quad(r, alpha, s, beta, int(x), t_x, T)
    assert ll == pytest.approx(float(ref), rel=1e-10, abs=1e-10)
    h = mpmath.mpf("1e-15")
    for j in range(4):
        up, down = list(case), list(case)
        up[j] = float(mpmath.mpf(case[j]) * mpmath.exp(h))
        down[j] = float(mpmath.mpf(case[j]) * mpmath.exp(-h))
        # central difference of the 40-digit value (parameters rounded to double
        # cancel out: the step is taken on the double values themselves)
        num = _pareto_mp_quad(*up[:4], int(x), t_x, T) - _pareto_mp_quad(*down[:4], int(x), t_x, T)
        den = mpmath.log(mpmath.mpf(up[j])) - mpmath.log(mpmath.mpf(down[j]))
        assert grad[j] == pytest.approx(float(num / den), rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("case", PARETO_HARD.values(), ids=PARETO_HARD.keys())
def test_pareto_value_is_accurate_to_1e_13(case: tuple[float, ...]) -> None:
    # alpha^r beta^s is taken into the powers analytically: s log(beta) ~ 3e4 at
    # the fit limit would otherwise leave ~1e-12 of rounding in every row
    r, alpha, s, beta, x, t_x, T = case
    ll, _ = pareto_nbd_log_likelihood(np.log([r, alpha, s, beta]), [x], [t_x], [T])
    ref = float(_pareto_mp_quad(r, alpha, s, beta, int(x), t_x, T))
    assert abs(ll - ref) <= 1e-13 * max(1.0, abs(ref))


@pytest.mark.parametrize(
    "params",
    [[0.5275, 66.97, 1548.1, 4.85e8], [0.553, 5e8, 0.606, 11.669], [0.553, 10.0, 0.6, 369.2]],
    ids=["beta-huge", "alpha-huge", "binomial-edge"],
)
def test_pareto_rows_per_row_parameters_equal_shared_ones(params: list[float]) -> None:
    # per-row parameters (the covariate path) compute both pieces of a row
    # separately; they must agree with the shared-parameter path, which
    # evaluates each distinct (x, t) once
    x = np.array([0, 1, 2, 5, 40, 3.0])
    t_x = np.array([0.0, 10.0, 99.0, 50.0, 100.0, 100.0])
    T = np.array([100.0, 100.0, 100.0, 60.0, 100.0, 100.0])
    shared = _pareto_rows(*params, x, t_x, T)
    per_row = _pareto_rows(*(np.full(x.size, p) for p in params), x, t_x, T)
    for a, b in zip(shared, per_row, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


def test_pareto_likelihood_under_raising_error_state() -> None:
    case = PARETO_HARD["dropout-to-zero-beta"]
    expected = pareto_nbd_log_likelihood(np.log(case[:4]), [case[4]], [case[5]], [case[6]])
    with np.errstate(all="raise"):
        got = pareto_nbd_log_likelihood(np.log(case[:4]), [case[4]], [case[5]], [case[6]])
    assert got[0] == expected[0]
