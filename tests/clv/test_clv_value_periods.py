"""lifetime_value over periods: the documented sum, to the last bit, for every purchase model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, lifetime_value

HORIZON, PERIOD, RATE = 12, 52 / 12, 0.01


def by_the_formula(purchases, spend, data: pd.DataFrame) -> np.ndarray:
    """sum_k spend * (E[Y(k u)] - E[Y((k-1) u)]) / (1 + d)^k, one expected_purchases per k."""
    cumulative = [
        purchases.expected_purchases(data, k * PERIOD).to_numpy() for k in range(1, HORIZON + 1)
    ]
    factors = (1.0 + RATE) ** -np.arange(1.0, HORIZON + 1.0)
    total = factors[0] * cumulative[0]
    for k in range(1, HORIZON):
        total += factors[k] * (cumulative[k] - cumulative[k - 1])
    return total * spend.expected_spend(data).to_numpy()


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_equals_the_formula(cdnow_summary: pd.DataFrame, model: type) -> None:
    purchases = model().fit(cdnow_summary)
    spend = GammaGamma().fit(cdnow_summary[cdnow_summary["x"] > 0])
    got = lifetime_value(
        purchases, spend, cdnow_summary, horizon=HORIZON, period=PERIOD, discount_rate=RATE
    )
    np.testing.assert_array_equal(got.to_numpy(), by_the_formula(purchases, spend, cdnow_summary))
    assert got.index.equals(cdnow_summary.index)


def test_with_covariates_equals_the_formula(cdnow_summary: pd.DataFrame) -> None:
    data = cdnow_summary.assign(z=np.where(cdnow_summary.index % 2 == 0, 0.5, -0.5))
    purchases = BetaGeo(covariates=["z"]).fit(data)
    spend = GammaGamma().fit(data[data["x"] > 0])
    got = lifetime_value(
        purchases, spend, data, horizon=HORIZON, period=PERIOD, discount_rate=RATE
    )
    np.testing.assert_array_equal(got.to_numpy(), by_the_formula(purchases, spend, data))
