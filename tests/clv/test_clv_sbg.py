"""sBG (Fader & Hardie 2007, "How to project customer retention")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from segkit.clv import ShiftedBetaGeo, tenures_from_survivors
from segkit.errors import ParameterError, SchemaError

# [FH07] Table 1: customers of each 1,000-strong cohort still active at the
# start (year 0) and at the end of years 1-12
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
# [FH07]: estimates from years 0-7, with their log-likelihoods
PUBLISHED = {
    "regular": (REGULAR, 0.704, 1.182, -1680.3),
    "high-end": (HIGH_END, 0.668, 3.806, -1611.2),
}


@pytest.mark.parametrize("name", PUBLISHED, ids=PUBLISHED)
def test_reproduces_the_published_estimates_and_projection(name: str) -> None:
    survivors, alpha, beta, ll = PUBLISHED[name]
    model = ShiftedBetaGeo().fit(tenures_from_survivors(survivors[:8]), weights="customers")
    assert round(float(model.params_["alpha"]), 3) == alpha
    assert round(float(model.params_["beta"]), 3) == beta
    assert round(model.log_likelihood_, 1) == ll
    # the paper's point: fitted on 7 years, the sBG projects years 8-12 closely
    projected = 1000 * model.survival_curve(12)["survival"].to_numpy()[8:]
    actual = np.array(survivors[8:], dtype=float)
    assert np.all(np.abs(projected / actual - 1) < 0.045)
    np.testing.assert_allclose(projected, np.sort(projected)[::-1])


def test_curve_derl_and_elasticity_by_hand() -> None:
    a, b = 0.668, 3.806
    model = ShiftedBetaGeo.from_params({"alpha": a, "beta": b})
    curve = model.survival_curve(3)
    assert curve["survival"].iloc[0] == 1.0
    assert curve["survival"].iloc[1] == pytest.approx(b / (a + b), rel=1e-14)
    assert curve["retention"].iloc[2] == pytest.approx((b + 1) / (a + b + 1), rel=1e-14)
    assert curve["churn"].iloc[1] == pytest.approx(a / (a + b), rel=1e-14)
    d, m = 0.1, 4
    k = np.arange(0, 4000)
    # renewals m made: the next payment is made with P(T > m+1 | T > m), and so on
    terms = np.exp(betaln(a, b + m + 1 + k) - betaln(a, b + m)) / (1 + d) ** k
    assert model.derl(m, d) == pytest.approx(terms.sum(), rel=1e-12)
    eps = 1e-6
    bumped = (terms * (1 + eps) ** (k + 1)).sum()
    assert model.retention_elasticity(m, d) == pytest.approx(
        (bumped / terms.sum() - 1) / eps, rel=1e-5
    )
    np.testing.assert_allclose(model.derl([0, m], d), [model.derl(0, d), model.derl(m, d)])


def test_parameter_recovery_from_simulate() -> None:
    truth = {"alpha": 0.7, "beta": 1.2}
    data = ShiftedBetaGeo().simulate(20_000, 10, params=truth, seed=3)
    model = ShiftedBetaGeo().fit(data)
    np.testing.assert_allclose(model.params_.to_numpy(), [0.7, 1.2], rtol=0.06)


def test_several_cohorts_with_censoring() -> None:
    frame = pd.DataFrame({"1997": REGULAR[:8], "2000": REGULAR[:5] + [np.nan] * 3})
    tenures = tenures_from_survivors(frame)
    assert tenures.groupby("cohort")["customers"].sum().to_dict() == {"1997": 1000, "2000": 1000}
    model = ShiftedBetaGeo().fit(tenures, weights="customers")
    assert model.n_customers_ == 2000


@pytest.mark.parametrize(
    ("survivors", "match"),
    [
        ([1000], "must be at least two counts"),
        ([1000, 1200], "grow at period 1 \\(1000 -> 1200\\)"),
    ],
    ids=["short", "growing"],
)
def test_bad_survivors(survivors: list[int], match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        tenures_from_survivors(survivors)


def test_bad_inputs() -> None:
    with pytest.raises(SchemaError, match="column 'tenure' must hold whole numbers of periods"):
        ShiftedBetaGeo().fit(pd.DataFrame({"tenure": [0, 2], "churned": [True, False]}))
    with pytest.raises(SchemaError, match="nobody cancelled"):
        ShiftedBetaGeo().fit(pd.DataFrame({"tenure": [3, 2], "churned": [False, False]}))
    model = ShiftedBetaGeo.from_params({"alpha": 0.7, "beta": 1.2})
    with pytest.raises(ParameterError, match="discount_rate must be a number > 0"):
        model.derl(1, 0.0)
    with pytest.raises(ParameterError, match="renewals must be whole numbers"):
        model.derl(1.5, 0.1)
