"""DERT (discounted expected residual transactions) of the BG/NBD family and CLV from it.

DERT is defined in Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value
curves for customer base analysis", JMR 42(4), eq. (1)-(2), as
``int_0^inf e^(-delta s) dE[X(T, T+s]]``. For the BG/NBD segkit derives
``P(alive) E[lambda / (delta + p lambda)]`` under the posterior
``lambda ~ Gamma(r+x, alpha+T)``, ``p ~ Beta(a, b+x)`` (``b+x+1`` for the
MBG/NBD); the tests check it against a closed form, against a
double integral over (lambda, p) and against the definition integrated over
the published conditional expectation (FHL05 "Counting your customers" eq. 10).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from segkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, lifetime_value
from segkit.errors import ParameterError

FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW, weeks [FHL05]
WEEKLY_15 = math.log(1.15) / 52  # 15 % a year, continuously compounded per week
ROWS = pd.DataFrame({"x": [0, 2, 7, 40], "t_x": [0.0, 30.43, 35.0, 38.0], "T": [38.86] * 4})


def test_gompertz_constant_by_hand() -> None:
    # r = a = b = 1 and x = 0 (alive for sure): E_p[lambda / (delta + p lambda)]
    # = log(1 + lambda / delta) for p ~ U(0, 1); over lambda ~ Exp(alpha + T)
    # (integrating by parts) = e^c E1(c) with c = delta (alpha + T). With
    # c = 1 this is the Gompertz constant 0.596347362323194...
    model = BetaGeo.from_params({"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0})
    new = pd.DataFrame({"x": [0], "t_x": [0.0], "T": [0.0]})
    assert float(model.dert(new, 1.0).iloc[0]) == pytest.approx(0.5963473623231940743, rel=1e-13)


@pytest.mark.parametrize("delta", [1e-5, 0.01, 30.0], ids=["tiny", "small", "large"])
@pytest.mark.parametrize("age", [0.0, 10.0], ids=["new", "T=10"])
def test_closed_form_over_discount_rates(delta: float, age: float) -> None:
    model = BetaGeo.from_params({"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 1.0})
    row = pd.DataFrame({"x": [0], "t_x": [0.0], "T": [age]})
    c = delta * (2.0 + age)
    expected = math.exp(c) * special.exp1(c)
    assert float(model.dert(row, delta).iloc[0]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["BG/NBD", "MBG/NBD"])
def test_against_an_integral_over_the_dropout_probability(cls: type) -> None:
    # for a fixed p, E_lambda[lambda / (delta + p lambda)] = (R/p) U(1, 1-R, delta A / p)
    # (Tricomi's U, A&S 13.2.5, lambda ~ Gamma(R, A)); the remaining integral
    # over p ~ Beta(a, B) by adaptive quadrature
    model = cls.from_params(FHL)
    shift = 1 if cls is ModifiedBetaGeo else 0
    dert = model.dert(ROWS, WEEKLY_15).to_numpy()
    alive = model.p_alive(ROWS).to_numpy()
    for i, (x, age) in enumerate(zip(ROWS["x"], ROWS["T"], strict=True)):
        rr, aa = FHL["r"] + x, FHL["alpha"] + age
        drop = stats.beta(FHL["a"], FHL["b"] + x + shift)
        value, _ = integrate.quad(
            lambda p, rr=rr, aa=aa, drop=drop: (
                rr / p * special.hyperu(1.0, 1.0 - rr, WEEKLY_15 * aa / p) * drop.pdf(p)
            ),
            0.0,
            1.0,
            epsabs=0.0,
            epsrel=1e-12,
            limit=200,
        )
        assert dert[i] == pytest.approx(alive[i] * value, rel=1e-10)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["BG/NBD", "MBG/NBD"])
@pytest.mark.parametrize("row", [1, 3], ids=["x=2", "x=40"])
def test_against_the_definition_on_expected_purchases(cls: type, row: int) -> None:
    # DERT = int e^(-delta s) dE[X(s)] = delta int e^(-delta s) E[X(s)] ds
    # (by parts), with E[X(s)] the conditional expectation of [FHL05] eq. 10
    model = cls.from_params(FHL)
    one = ROWS.iloc[[row]]
    value, _ = integrate.quad(
        lambda s: (
            WEEKLY_15 * math.exp(-WEEKLY_15 * s) * float(model.expected_purchases(one, s).iloc[0])
        ),
        0,
        np.inf,
        limit=200,
        epsrel=1e-11,
    )
    assert float(model.dert(one, WEEKLY_15).iloc[0]) == pytest.approx(value, rel=1e-9)


def test_almost_no_dropout_is_the_mean_rate_over_delta() -> None:
    # b -> infinity: DERT -> E[lambda] / delta, less E[p] E[lambda^2] / delta^2 to first
    # order in p (the next term is ~1e-18 here)
    model = BetaGeo.from_params({"r": 0.5, "alpha": 3.0, "a": 1.0, "b": 1e9})
    value = model.dert(ROWS, 0.01).to_numpy()
    rr, aa, mean_p = 0.5 + ROWS["x"], 3.0 + ROWS["T"], 1.0 / (1.0 + 1e9 + ROWS["x"])
    limit = rr / (aa * 0.01) - mean_p * rr * (rr + 1.0) / aa**2 / 0.01**2
    np.testing.assert_allclose(value, limit, rtol=1e-8)


def test_lifetime_value_with_dert_is_spend_times_dert(cdnow_summary: pd.DataFrame) -> None:
    purchases = BetaGeo().fit(cdnow_summary)
    spend = GammaGamma().fit(cdnow_summary)
    clv = lifetime_value(purchases, spend, cdnow_summary, discount_rate=WEEKLY_15, method="dert")
    direct = purchases.dert(cdnow_summary, WEEKLY_15) * spend.expected_spend(cdnow_summary)
    np.testing.assert_array_equal(clv.to_numpy(), direct.to_numpy())
    assert clv.index.equals(cdnow_summary.index)
    # an unlimited horizon is worth more than the first year
    year = lifetime_value(
        purchases,
        spend,
        cdnow_summary,
        horizon=52,
        period=1.0,
        discount_rate=math.exp(WEEKLY_15) - 1.0,
    )
    assert (clv.to_numpy() >= year.to_numpy()).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"discount_rate": 0.0, "method": "dert"}, "discount_rate must be a number > 0; got 0.0"),
        (
            {"discount_rate": 0.01, "method": "dert", "horizon": 12},
            "has an unlimited horizon: leave out horizon and period",
        ),
        ({"discount_rate": 0.01, "method": "dcf"}, "'method' parameter of lifetime_value"),
    ],
    ids=["rate", "horizon", "method"],
)
def test_lifetime_value_dert_errors(kwargs: dict, message: str) -> None:
    purchases = BetaGeo.from_params(FHL)
    spend = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    data = ROWS.assign(repeat_aov=[0.0, 20.0, 30.0, 40.0])
    with pytest.raises(ParameterError, match=message):
        lifetime_value(purchases, spend, data, **kwargs)
