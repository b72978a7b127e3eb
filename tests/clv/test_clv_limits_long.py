"""BG/NBD-family predictions with huge ``r`` and ``alpha`` (rates the same for everyone) far ahead.

With ``r`` and ``alpha`` of order 1e6-1e10 (``r / alpha`` moderate) and
moderate ``a``, ``b``, the closed forms' 2F1 have a parameter of order ``-r``
and, at horizons of 1000 and more, scipy returned NaN. The references are
the closed forms of Fader, Hardie & Lee (2005, eq. 10; BG/NBD) and
Batislam, Denizel & Filiztekin (2007; MBG/NBD) in mpmath at 50 digits
where mpmath sums them in seconds (t = 1000, 10000), and beyond that the
models' defining integrals over the dropout probability (the gamma average
in closed form, ``E_p[(1 + p t/A)^-R]`` and ``E_p[(1 - (1 + p t/A)^-R) / p]``)
integrated by mpmath's tanh-sinh quadrature at 40 digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BetaGeoCNBD, ModifiedBetaGeo, ModifiedBetaGeoCNBD
from segkit.clv._beta_mixture import beta_mixture
from segkit.clv._continuous import log_rising

mpmath = pytest.importorskip("mpmath")

HUGE = {
    "r1e10": {"r": 1e10, "alpha": 2e10, "a": 0.8, "b": 2.5},
    "r1e6": {"r": 1e6, "alpha": 2e6, "a": 2.0, "b": 5.0},
    "r3e7": {"r": 3e7, "alpha": 1e8, "a": 0.5, "b": 0.9},
}
ROWS = pd.DataFrame({"x": [0.0, 1.0, 5.0, 20.0], "t_x": [0.0, 10.0, 30.0, 38.0], "T": 40.0})


def _odds(p: dict[str, Any], x: Any, t_x: Any, T: Any, k: int) -> Any:
    """a / (b + x + k - 1) ((alpha + T) / (alpha + t_x))^(r + x): P(alive) = 1 / (1 + odds)."""
    if k == 0 and x == 0:
        return mpmath.mpf(0)
    return p["a"] / (p["b"] + x + k - 1) * ((p["alpha"] + T) / (p["alpha"] + t_x)) ** (p["r"] + x)


def _mp(p: dict[str, float], row: Any, t: float, k: int, what: str, closed: bool) -> float:
    """E[X(T, T+t)] or P(alive at T+t) given (x, t_x, T), in mpmath."""
    with mpmath.workdps(50 if closed else 40):
        q = {n: mpmath.mpf(v) for n, v in p.items()}
        x, t_x, T, tt = (mpmath.mpf(v) for v in (*row, t))
        R, A, B = q["r"] + x, q["alpha"] + T, q["b"] + x + k
        a = q["a"]
        if closed and what == "expected":
            c = a + B - 1
            z = tt / (A + tt)
            given_alive = c / (a - 1) * (1 - (A / (A + tt)) ** R * mpmath.hyp2f1(R, B, c, z))
        elif closed:
            given_alive = mpmath.hyp2f1(R, a, a + B, -tt / A)
        else:
            u = tt / A
            power = 1 if what == "expected" else 0

            def f(s: Any) -> Any:
                psi = mpmath.exp(-R * mpmath.log1p(s * u))
                phi = -mpmath.expm1(-R * mpmath.log1p(s * u)) / s if power else psi
                return s ** (a - 1) * (1 - s) ** (B - 1) * phi

            scale = R * u + B
            cuts = [mpmath.mpf(10) ** j / scale for j in range(-3, 3)]
            points = sorted({mpmath.mpf(0), *[c for c in cuts if c < 0.5], mpmath.mpf(1) / 2})
            given_alive = mpmath.quad(f, [*points, mpmath.mpf(1)]) / mpmath.beta(a, B)
        return float(given_alive / (1 + _odds(q, x, t_x, T, k)))


CLOSED = [1000.0, 10000.0]
QUADRATURE = [1e5, 1e6]


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("name", HUGE)
@pytest.mark.parametrize(
    "t", CLOSED + [pytest.param(t, marks=pytest.mark.slow) for t in QUADRATURE]
)  # the mpmath quadratures take 1-10 s each
@pytest.mark.parametrize("what", ["expected", "p_alive"])
def test_long_horizons_match_mpmath(cls: Any, name: str, t: float, what: str) -> None:
    params = HUGE[name]
    k = 1 if cls is ModifiedBetaGeo else 0
    model = cls.from_params(params)
    if what == "expected":
        got = model.expected_purchases(ROWS, t).to_numpy()
    else:
        got = model.p_alive(ROWS, t).to_numpy()
    want = [_mp(params, row, t, k, what, t in CLOSED) for row in ROWS.to_numpy()]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
def test_new_customers_far_ahead(cls: Any) -> None:
    params = HUGE["r1e10"]
    k = 1 if cls is ModifiedBetaGeo else 0
    ts = [1000.0, 1e5]
    got = cls.from_params(params).expected_purchases_new(ts).to_numpy()
    want = [_mp(params, (0.0, 0.0, 0.0), t, k, "expected", t == 1000.0) for t in ts]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
def test_finite_at_every_horizon(cls: Any) -> None:
    model = cls.from_params(HUGE["r1e10"])
    for t in [1e3, 1e5, 1e7, 1e9]:
        expected = model.expected_purchases(ROWS, t).to_numpy()
        alive = model.p_alive(ROWS, t).to_numpy()
        assert np.isfinite(expected).all()
        assert np.isfinite(alive).all()
    # the horizon only adds purchases and removes survivors
    e = np.array([model.expected_purchases(ROWS, t).to_numpy() for t in [1e3, 1e5, 1e7]])
    assert (np.diff(e, axis=0) > 0).all()
    dert = model.dert(ROWS, 0.01).to_numpy()
    assert np.isfinite(dert).all()
    assert (dert > 0).all()


@pytest.mark.parametrize("t", [1.0, 50.0, 2000.0])
def test_moderate_r_is_integrated_over_p_exactly(t: float) -> None:
    # from r + x = 100 on the predictions given alive are integrals over p; at
    # r = 500 the 2F1 forms were already 1e-10 off at t = 1
    params = {"r": 500.0, "alpha": 1000.0, "a": 0.8, "b": 2.5}
    model = BetaGeo.from_params(params)
    rows = ROWS.iloc[:3]
    want = [_mp(params, row, t, 0, "expected", True) for row in rows.to_numpy()]
    np.testing.assert_allclose(model.expected_purchases(rows, t), want, rtol=1e-13, atol=0)
    want = [_mp(params, row, t, 0, "p_alive", True) for row in rows.to_numpy()]
    np.testing.assert_allclose(model.p_alive(rows, t), want, rtol=1e-13, atol=0)


def test_dert_by_the_mixture_matches_the_closed_form_integral() -> None:
    # r small enough for the 2F1 path: the DERT integrated over p agrees with it
    params = [50.0, 100.0, 0.8, 2.5]
    x = np.array([0.0, 3.0])
    T = np.full(2, 40.0)
    delta = 0.01
    closed = BetaGeo()._dert_alive(params, x, T, delta)
    A = 100.0 + T
    mixed = (
        (50.0 + x) / (delta * A) * beta_mixture("dert", 0.8, 2.5 + x, 50.0 + x, 1 / (delta * A))
    )
    np.testing.assert_allclose(mixed, closed, rtol=1e-11)


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD], ids=["bgcnbd", "mbgcnbd"])
@pytest.mark.parametrize("name", HUGE)
@pytest.mark.parametrize("t", CLOSED)
def test_cnbd_with_k_1_at_the_limit_matches_the_closed_form(cls: Any, name: str, t: float) -> None:
    # k = 1 is the BG/NBD (MBG/NBD): the CNBD-k sums must agree at the limit too; they
    # lost ~1e-5 to gammaln(R + j) - gammaln(R) and R (log(A) - log(alpha + t_x)) there
    params = HUGE[name]
    k = 1 if cls is ModifiedBetaGeoCNBD else 0
    model = cls.from_params(params, k=1)
    want_e = [_mp(params, row, t, k, "expected", True) for row in ROWS.to_numpy()]
    want_a = [_mp(params, row, t, k, "p_alive", True) for row in ROWS.to_numpy()]
    np.testing.assert_allclose(model.expected_purchases(ROWS, t), want_e, rtol=1e-10, atol=0)
    np.testing.assert_allclose(model.p_alive(ROWS, t), want_a, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cls", [BetaGeoCNBD, ModifiedBetaGeoCNBD], ids=["bgcnbd", "mbgcnbd"])
def test_cnbd_k_3_at_the_limit_is_finite_and_smooth_in_r(cls: Any) -> None:
    base = HUGE["r1e10"]
    model = cls.from_params(base, k=3)
    # r and alpha 1e-6 apart in relative terms, same mean rate: predictions 1e-6-close
    near = cls.from_params(
        {**base, "r": base["r"] * 1.000001, "alpha": base["alpha"] * 1.000001}, k=3
    )
    for t in [1000.0, 1e4]:
        got = model.expected_purchases(ROWS, t).to_numpy()
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, near.expected_purchases(ROWS, t).to_numpy(), rtol=1e-6)


def _mp_probability(p: dict[str, float], row: Any, t: float, n: int, k: int) -> float:
    """P(X(T, T+t] = n | x, t_x, T): alive, n purchases then stay or a drop after the n-th."""
    with mpmath.workdps(40):
        q = {name: mpmath.mpf(v) for name, v in p.items()}
        x, t_x, T, tt = (mpmath.mpf(v) for v in (*row, t))
        R, A, B, a = q["r"] + x, q["alpha"] + T, q["b"] + x + k, q["a"]
        share = tt / (A + tt)

        def pmf(j: int) -> Any:
            log = mpmath.loggamma(R + j) - mpmath.loggamma(R) - mpmath.loggamma(j + 1)
            return mpmath.exp(log + R * mpmath.log(1 - share) + j * mpmath.log(share))

        if n == 0:
            inner = pmf(0)
        else:
            stay = mpmath.beta(a, B + n - 1) / mpmath.beta(a, B)
            drop = mpmath.beta(a + 1, B + n - 1) / mpmath.beta(a, B)
            inner = stay * pmf(n) + drop * mpmath.betainc(n + 1, R, 0, share, regularized=True)
        alive = 1 / (1 + _odds(q, x, t_x, T, k))
        return float(alive * inner + (1 - alive) * (n == 0))


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("name", HUGE)
@pytest.mark.parametrize("n", [0, 2, 7])
def test_probability_of_purchases_at_the_limit(cls: Any, name: str, n: int) -> None:
    # the negative binomial pmf's log Γ(r+n)/Γ(r) lost 2.5e-6 at r = 1e10 as a gammaln difference
    params = HUGE[name]
    k = 1 if cls is ModifiedBetaGeo else 0
    model = cls.from_params(params)
    for t in [10.0, 1000.0]:
        got = model.probability_of_purchases(ROWS, n, t).to_numpy()
        want = [_mp_probability(params, row, t, n, k) for row in ROWS.to_numpy()]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)


@pytest.mark.parametrize("r", [0.5, 1e6, 1e10, 1e14])
@pytest.mark.parametrize("n", [0, 1, 3, 50, 1000, 5000])
def test_log_rising_factorial(r: float, n: int) -> None:
    with mpmath.workdps(40):
        want = float(mpmath.loggamma(mpmath.mpf(r) + n) - mpmath.loggamma(mpmath.mpf(r)))
    got = float(log_rising(r, n))
    assert got == pytest.approx(want, rel=1e-13, abs=1e-13)
