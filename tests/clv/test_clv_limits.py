"""BG/NBD-family predictions at a limit of the parameter space (huge parameters).

A fit to customers who show no sign of dropping out lands at ``a -> 0``,
``b -> inf`` (and, with homogeneous rates, ``r, alpha -> inf``); scipy's
``hyp2f1`` returns NaN there and the predictions used to be NaN. The
reference values are the closed forms of Fader, Hardie & Lee (2005, eq. 10;
BG/NBD) and Batislam, Denizel & Filiztekin (2007; MBG/NBD), evaluated with
mpmath at 50 digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.clv import BetaGeo, ModifiedBetaGeo
from segkit.clv._hyp2f1 import hyp2f1_minus_one, safe_hyp2f1

mpmath = pytest.importorskip("mpmath")

#: a real BG/NBD fit at the limit (the reproduction of the issue)
LIMIT = {"r": 6.754988e6, "alpha": 4.066372e7, "a": 4.746849e-7, "b": 7.632586e5}
ROWS = pd.DataFrame({"x": [0.0, 1.0, 5.0, 40.0], "t_x": [0.0, 3.0, 30.0, 39.5], "T": 40.0})


def _mp_expected(p: dict[str, float], x: float, t_x: float, T: float, t: float, k: int) -> Any:
    """FHL05 eq. (10) (k = 0) and its MBG/NBD counterpart (k = 1), in mpmath."""
    with mpmath.workdps(50):
        r, alpha, a, b = (mpmath.mpf(p[n]) for n in ("r", "alpha", "a", "b"))
        x, t_x, T, t = (mpmath.mpf(v) for v in (x, t_x, T, t))
        c = a + b + x + k - 1
        ratio = (alpha + T) / (alpha + T + t)
        f = mpmath.hyp2f1(r + x, b + x + k, c, t / (alpha + T + t))
        top = c / (a - 1) * (1 - ratio ** (r + x) * f)
        if k == 0 and x == 0:
            return top
        odds = a / (b + x + k - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        return top / (1 + odds)


def _mp_p_alive(p: dict[str, float], x: float, t_x: float, T: float, t: float, k: int) -> Any:
    """P(alive at T + t): P(alive at T) times 2F1(r + x, a; a + b + x + k; -t/(alpha + T))."""
    with mpmath.workdps(50):
        r, alpha, a, b = (mpmath.mpf(p[n]) for n in ("r", "alpha", "a", "b"))
        x, t_x, T, t = (mpmath.mpf(v) for v in (x, t_x, T, t))
        survive = mpmath.hyp2f1(r + x, a, a + b + x + k, -t / (alpha + T))
        if k == 0 and x == 0:
            return survive
        odds = a / (b + x + k - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        return survive / (1 + odds)


def test_the_issue_reproduction_is_finite_and_exact() -> None:
    model = BetaGeo.from_params(LIMIT)
    data = pd.DataFrame({"x": [5.0], "t_x": [30.0], "T": [40.0]})
    got = float(model.expected_purchases(data, t=12.857).iloc[0])
    want = float(_mp_expected(LIMIT, 5.0, 30.0, 40.0, 12.857, 0))
    assert got == pytest.approx(want, rel=1e-10)


LIMITS = {
    "fit": LIMIT,
    "no-dropout": {"r": 0.8, "alpha": 9.0, "a": 3e-8, "b": 2e7},
    "homogeneous": {"r": 4e7, "alpha": 3e8, "a": 0.7, "b": 2.5},
}


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("name", LIMITS, ids=list(LIMITS))
@pytest.mark.parametrize("t", [0.5, 12.857, 40.0], ids=["t0.5", "t12.857", "t40"])
def test_expected_purchases_at_a_limit_match_mpmath(cls: Any, name: str, t: float) -> None:
    params = LIMITS[name]
    k = 1 if cls is ModifiedBetaGeo else 0
    got = cls.from_params(params).expected_purchases(ROWS, t=t).to_numpy()
    want = [float(_mp_expected(params, *row, t, k)) for row in ROWS.to_numpy()]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)


#: a shop's fit with hardly any dropout (a, b ~ 1e7, a / (a + b) ~ 0.3), report forecast
SHOP = {"r": 0.1638074, "alpha": 5.934085, "a": 5.474499e6, "b": 1.310470e7}


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
def test_expected_purchases_over_a_long_horizon_at_a_limit(cls: Any) -> None:
    # a recent customer (T = 10 weeks) a year ahead: t / (alpha + T) ~ 3, where the
    # series' terms shrink by ~0.6 a step; it was refused, and the horizons past
    # 30 weeks gave 0 (the report's forecast went negative month on month)
    rows = pd.DataFrame({"x": [0.0, 2.0], "t_x": [0.0, 6.0], "T": [10.0, 10.0]})
    k = 1 if cls is ModifiedBetaGeo else 0
    horizons = [4.0, 28.0, 32.0, 52.0]
    model = cls.from_params(SHOP)
    got = np.array([model.expected_purchases(rows, t=t).to_numpy() for t in horizons])
    want = [[float(_mp_expected(SHOP, *row, t, k)) for row in rows.to_numpy()] for t in horizons]
    want = np.array(want)
    # P(alive) (below 1 for x = 2, and for x = 0 in the MBG/NBD) comes from the
    # likelihood's log-gammas of arguments ~1e7 and carries ~2e-8; the 2F1 part is exact
    np.testing.assert_allclose(got[:, 0], want[:, 0], rtol=1e-10 if k == 0 else 1e-7, atol=0)
    np.testing.assert_allclose(got[:, 1], want[:, 1], rtol=1e-7, atol=0)
    assert (np.diff(got, axis=0) > 0).all()


@pytest.mark.parametrize("t", [200.0, 1000.0], ids=["t200", "t1000"])
def test_expected_purchases_far_ahead_with_rare_dropout(t: float) -> None:
    # a / (a + b) = 0.05 and t / (alpha + T) = 20, 100: both series forms shrink by
    # 0.9 and more a step; they gave 0
    params = {"r": 0.5, "alpha": 5.0, "a": 1e6, "b": 1.9e7}
    rows = pd.DataFrame({"x": [0.0], "t_x": [0.0], "T": [5.0]})
    got = float(BetaGeo.from_params(params).expected_purchases(rows, t=t).iloc[0])
    with mpmath.workdps(50):  # FHL05 eq. (10), x = 0, its 2F1 summed by mpmath after Pfaff
        r, alpha, a, b = (mpmath.mpf(params[n]) for n in ("r", "alpha", "a", "b"))
        al, c = alpha + 5, a + b - 1
        z = mpmath.mpf(t) / (al + t)
        f = mpmath.nsum(
            lambda k: (
                mpmath.rf(b, k) * mpmath.rf(r, k) / (mpmath.rf(c, k) * mpmath.factorial(k)) * z**k
            ),
            [0, mpmath.inf],
        )
        want = c / (a - 1) * (1 - (1 + t / al) ** -r * f)
    assert got == pytest.approx(float(want), rel=1e-10)


def _mp_pfaff_2f1(a: Any, b: Any, c: Any, z: Any) -> Any:
    """2F1(a, b; c; z) for z in [0, 1), summed by mpmath (huge c: hyp2f1 is slow there)."""
    return mpmath.nsum(
        lambda k: (
            mpmath.rf(a, k) * mpmath.rf(b, k) / (mpmath.rf(c, k) * mpmath.factorial(k)) * z**k
        ),
        [0, mpmath.inf],
    )


@pytest.mark.parametrize("t", [200.0, 2000.0], ids=["t200", "t2000"])
def test_predictions_far_ahead_with_a_narrow_dropout_probability(t: float) -> None:
    # p ~ Beta(2e5, 2e7): 1% dropout, the same for everyone. No 2F1 series sums
    # here (ratios near 1); the integral over p stepped over the beta's narrow
    # peak and gave P(alive) 0.003 for 0.707 and a year's purchases falling with t
    params = {"r": 0.5, "alpha": 1.0, "a": 2e5, "b": 1.98e7}
    rows = pd.DataFrame({"x": [0.0], "t_x": [0.0], "T": [1.0]})
    model = BetaGeo.from_params(params)
    with mpmath.workdps(30):
        r, alpha, a, b = (mpmath.mpf(params[n]) for n in ("r", "alpha", "a", "b"))
        al, c, tt = alpha + 1, a + b - 1, mpmath.mpf(t)
        z, power = tt / (al + tt), (1 + tt / al) ** -r  # Pfaff: argument -t/al to z
        expected = c / (a - 1) * (1 - power * _mp_pfaff_2f1(b, r, c, z))
        alive = power * _mp_pfaff_2f1(r, b, a + b, z)
    got = model.expected_purchases(rows, t=t).iloc[0]
    assert got == pytest.approx(float(expected), rel=1e-9)
    assert model.p_alive(rows, t=t).iloc[0] == pytest.approx(float(alive), rel=1e-9)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("name", LIMITS, ids=list(LIMITS))
def test_p_alive_ahead_at_a_limit_matches_mpmath(cls: Any, name: str) -> None:
    params = LIMITS[name]
    k = 1 if cls is ModifiedBetaGeo else 0
    got = cls.from_params(params).p_alive(ROWS, t=12.857).to_numpy()
    want = [float(_mp_p_alive(params, *row, 12.857, k)) for row in ROWS.to_numpy()]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["bgnbd", "mbgnbd"])
def test_new_customers_and_dert_at_the_limit_are_finite(cls: Any) -> None:
    model = cls.from_params(LIMIT)
    k = 1 if cls is ModifiedBetaGeo else 0
    new = float(model.expected_purchases_new(12.857))
    assert new == pytest.approx(float(_mp_expected(LIMIT, 0.0, 0.0, 0.0, 12.857, k)), rel=1e-10)
    dert = model.dert(ROWS, 0.01).to_numpy()
    # no dropout and a rate of x/T-ish: DERT ~ rate / delta, finite and increasing in x
    assert np.isfinite(dert).all()
    assert (np.diff(dert) > 0).all()


SERIES = [
    (-0.9999995, 6.75e6, 7.63e5, -3.16e-7),
    (-0.9999995, -6.0e6, 7.63e5, 3.16e-7),
    (4.7e-7, -5.99e6, 7.63e5, 0.03),
    (2.5e6, 3.1e6, 5.0e6, 1e-7),
    (1.5, 2.0e7, 3.0e7, -0.4),
]


@pytest.mark.parametrize("args", SERIES, ids=[f"case{i}" for i in range(len(SERIES))])
def test_the_series_matches_mpmath(args: tuple[float, ...]) -> None:
    value, ok = hyp2f1_minus_one(*args)
    assert bool(ok)
    with mpmath.workdps(50):
        want = mpmath.hyp2f1(*(mpmath.mpf(v) for v in args))
        assert float(value) == pytest.approx(float(want - 1), rel=1e-10)
        assert float(safe_hyp2f1(*args)) == pytest.approx(float(want), rel=1e-12)


def test_the_series_refuses_what_it_cannot_sum() -> None:
    # ratio a b z / c ~ 1e6 at first: the terms grow for a million steps
    _, ok = hyp2f1_minus_one(1e6, 1e6, 1.0, 0.9)
    assert not bool(ok)
    # the ratio tends to b z / c ~ -2.4 for the first million terms
    _, ok = hyp2f1_minus_one(4.7e-7, -5.99e6, 7.63e5, 0.3)
    assert not bool(ok)
    # beyond the unit disc it never converges
    _, ok = hyp2f1_minus_one(0.5, 0.5, 1.5, -3.0)
    assert not bool(ok)


def _never_drop_out() -> pd.DataFrame:
    # 300 customers buying at the same Poisson rate from their first purchase
    # to the end, none dropping out: the fit lands at the limit.
    rng = np.random.default_rng(13)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for cid in range(300):
        first = rng.uniform(0, 60)
        gaps = rng.exponential(14.0, 40)
        days = first + np.concatenate([[0.0], np.cumsum(gaps)])
        days = days[days < 365]
        rows += [(f"c{cid}", start + pd.Timedelta(days=float(d)), 20.0) for d in days]
    return pd.DataFrame(rows, columns=["customer", "ts", "amount"])


def test_profile_of_customers_who_never_drop_out_has_clv() -> None:
    tx = _never_drop_out()
    p = segkit.profile(
        tx, customer="customer", timestamp="ts", amount="amount", progress=False, lifecycle=None
    )
    assert not [n for n in p.notes if "not finite" in str(n)]
    assert np.isfinite(p.to_frame()["expected_purchases_90d"]).all()


def test_profile_note_names_the_predictions_that_are_not_finite(monkeypatch: Any) -> None:
    def some_nan(self: Any, data: pd.DataFrame, t: float) -> pd.Series:
        return pd.Series(np.where(np.arange(len(data)) < 7, np.nan, 1.0), index=data.index)

    monkeypatch.setattr(BetaGeo, "expected_purchases", some_nan)
    p = segkit.profile(
        _never_drop_out(),
        customer="customer",
        timestamp="ts",
        amount="amount",
        progress=False,
        lifecycle=None,
    )
    (note,) = [str(n) for n in p.notes if "not finite" in str(n)]
    assert note.endswith("; customers without a finite value: expected_purchases_90d (7)")


def _mp_mixture(kind: str, a: float, B: float, R: float, u: float) -> float:
    """E_p[φ(p)], p ~ Beta(a, B), by mpmath quadrature split every sd over ± 60 sd."""
    with mpmath.workdps(40):
        a_, B_, R_, u_ = (mpmath.mpf(v) for v in (a, B, R, u))
        log_beta = mpmath.log(mpmath.beta(a_, B_))

        def f(p: Any) -> Any:
            psi = (1 + p * u_) ** -R_
            phi = psi if kind == "survival" else (1 - psi) / p
            return (
                mpmath.exp((a_ - 1) * mpmath.log(p) + (B_ - 1) * mpmath.log1p(-p) - log_beta) * phi
            )

        mean = a_ / (a_ + B_)
        sd = mpmath.sqrt(a_ * B_ / ((a_ + B_) ** 2 * (a_ + B_ + 1)))
        cuts = [mean + k * sd for k in range(-60, 61) if 0 < mean + k * sd < 1]
        return float(mpmath.quad(f, [0, *cuts, 1]))


@pytest.mark.parametrize(
    ("a", "B", "R", "u"),
    [
        (999.0, 5e4, 2.0, 10.0),  # a narrow beta near 0: the halves were 12 % off
        (5e4, 999.0, 2.0, 10.0),
        (300.0, 1e4, 1e6 + 50, 52 / (1e6 + 52)),  # r and alpha huge, a year ahead
        (100.0, 100.0, 60.0, 3.0),  # φ pulls the integrand's peak 5 sd below the beta's
        (79.0, 790.0, 200.0, 1.0),  # just below the switch
        (81.0, 790.0, 200.0, 1.0),  # just above it
    ],
    ids=["near-0", "near-1", "huge-r", "peak-moved", "below-switch", "above-switch"],
)
@pytest.mark.parametrize("kind", ["survival", "expected"])
def test_beta_mixture_of_a_narrow_beta_matches_mpmath(
    kind: str, a: float, B: float, R: float, u: float
) -> None:
    from segkit.clv._beta_mixture import beta_mixture

    got = float(beta_mixture(kind, a, B, R, u))
    assert got == pytest.approx(_mp_mixture(kind, a, B, R, u), rel=1e-7)


@pytest.mark.parametrize(
    ("a", "B", "R", "u"),
    [
        (1.05, 107.0, 100.4, 0.03),  # a fit of many customers: x >= 100 repeat purchases
        (1.05, 294.0, 287.4, 0.34),  # a year ahead: the upper half ends after a few panels
        (0.6, 150.0, 1e4, 2.0),  # a rising lower end
        (3.0, 81.0, 500.0, 0.5),
        (25.0, 130.0, 150.0, 0.1),  # both halves hold mass: neither ends early
        (50.0, 50.0, 3.0, 0.5),
        (130.0, 25.0, 150.0, 0.1),
    ],
    ids=["many", "a-year-ahead", "a-below-1", "b-81", "a-25", "a-b-50", "b-25"],
)
@pytest.mark.parametrize("kind", ["survival", "expected", "deficit", "dert"])
def test_a_half_without_mass_ends_early_with_the_same_sum(
    kind: str, a: float, B: float, R: float, u: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quadrature stops early only where the result stays the same to the bit."""
    from segkit.clv import _beta_mixture

    early = float(_beta_mixture.beta_mixture(kind, a, B, R, u))
    monkeypatch.setattr(_beta_mixture, "_NEGLIGIBLE", 0.0)  # every half over its whole range
    whole = float(_beta_mixture.beta_mixture(kind, a, B, R, u))
    assert early == whole
    if kind in ("survival", "expected"):
        assert early == pytest.approx(_mp_mixture(kind, a, B, R, u), rel=1e-10)


def test_the_upper_half_of_a_beta_with_hundreds_of_b_ends_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from segkit.clv import _beta_mixture

    nodes: list[int] = []  # per half: the quadrature nodes of each row
    real = _beta_mixture._log_integrand

    def counted(kind: str, a: Any, B: Any, R: Any, u: Any, log_p: Any, log_q: Any) -> Any:
        if np.ndim(log_p) == 2:
            nodes.append(int(np.shape(log_p)[1]))
        return real(kind, a, B, R, u, log_p, log_q)

    monkeypatch.setattr(_beta_mixture, "_log_integrand", counted)
    B = np.linspace(107.0, 294.0, 50)
    _beta_mixture.beta_mixture("expected", np.full(50, 1.05), B, B - 6.6, np.full(50, 0.3))
    lower, upper = nodes
    assert lower >= 40 * 16  # e^-a y falls slowly: the whole range
    assert upper <= 10 * 16  # (1 - p)^(B - 1) is 0 in double precision after a few panels


def test_predictions_are_continuous_where_the_integral_changes_method() -> None:
    # a 0.2 % step in a moved P(alive ahead) and expected purchases by 12 % at a = 1000
    rows = pd.DataFrame({"x": [50.0], "t_x": [51.0], "T": [52.0]})
    values = []
    for a in (79.9, 80.1, 999.0, 1001.0):
        model = BetaGeo.from_params({"r": 1e6, "alpha": 1e6, "a": a, "b": 5e4})
        values.append(
            (
                float(model.p_alive(rows, t=52.0).iloc[0]),
                float(model.expected_purchases(rows, 52.0).iloc[0]),
            )
        )
    values = np.array(values)
    # the predictions move by about the step in a (0.25 % and 0.2 %), not by 12 %
    assert np.abs(values[1] / values[0] - 1).max() < 5e-3
    assert np.abs(values[3] / values[2] - 1).max() < 5e-3
