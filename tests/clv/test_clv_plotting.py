"""Plots: each returns the Axes it drew on, with the numbers behind it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, lifetime_value
from segkit.clv.plotting import (
    period_transactions,
    plot_calibration_holdout,
    plot_clv_distribution,
    plot_frequency_recency_matrix,
    plot_p_alive_matrix,
    plot_period_transactions,
)
from segkit.datasets import load_cdnow, load_donations
from segkit.errors import ParameterError
from segkit.features import calibration_holdout

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    yield
    plt.close("all")


def test_period_transactions_table(bgnbd: BetaGeo, cdnow_summary: pd.DataFrame) -> None:
    table = period_transactions(bgnbd, cdnow_summary, max_frequency=7)
    assert table["actual"].sum() == 2357
    assert table["model"].sum() == pytest.approx(2357, rel=1e-9)
    assert int(table.loc[0, "actual"]) == 1411
    # the BG/NBD fits the frequency histogram closely
    assert round(float(table.loc[0, "model"])) == 1408
    ax = plot_period_transactions(bgnbd, cdnow_summary)
    assert len(ax.patches) == 16
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "7+"


def test_period_transactions_bgbb() -> None:
    donations = load_donations()
    model = BetaGeoBetaBinom().fit(donations, weights="weights")
    expanded = donations.loc[donations.index.repeat(donations["weights"])]
    table = period_transactions(model, expanded, max_frequency=6)
    np.testing.assert_allclose(table["model"].sum(), 11104, rtol=1e-9)
    assert int(table.loc[0, "actual"]) == 3464


def test_calibration_holdout_plot(bgnbd: BetaGeo) -> None:
    split = calibration_holdout(
        load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        unit="W",
    )
    ax = plot_calibration_holdout(bgnbd, split)
    actual, model = ax.get_lines()
    assert len(actual.get_xdata()) == 8
    assert model.get_ydata()[0] == pytest.approx(
        bgnbd.expected_purchases(split[split["x"] == 0], 39.0).mean()
    )


def test_matrix_plots(bgnbd: BetaGeo) -> None:
    ax = plot_frequency_recency_matrix(bgnbd, t=10)
    image = ax.get_images()[0].get_array()
    assert image.shape[1] == 1 + int(ax.get_xlim()[1] - 0.5)
    assert np.nanmax(image) > np.nanmin(image)
    ax = plot_p_alive_matrix(bgnbd, T=38.86, max_x=10)
    image = ax.get_images()[0].get_array()
    assert image.shape == (41, 11)
    assert float(np.nanmin(image)) >= 0.0
    assert float(np.nanmax(image)) == pytest.approx(1.0)


def test_clv_distribution(
    bgnbd: BetaGeo, gamma_gamma: GammaGamma, cdnow_summary: pd.DataFrame
) -> None:
    clv = lifetime_value(
        bgnbd, gamma_gamma, cdnow_summary, horizon=12, period=52 / 12, discount_rate=0.01
    )
    ax = plot_clv_distribution(clv, bins=20)
    assert len(ax.patches) == 20
    with pytest.raises(ParameterError, match="bins must be an int >= 1"):
        plot_clv_distribution(clv, bins=0)


def test_tracking_plot_draws_expected_and_actual() -> None:
    from segkit.clv import ParetoNBD, expected_transactions_over_time
    from segkit.clv.plotting import plot_tracking

    log = load_cdnow()
    model = ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    first = log.groupby("customer_id")["date"].min()
    weekly = expected_transactions_over_time(
        model,
        first,
        end="1998-06-30",
        unit="W",
        transactions=log,
        customer="customer_id",
        timestamp="date",
    )
    ax = plot_tracking(weekly)
    expected, actual = ax.get_lines()
    np.testing.assert_array_equal(expected.get_ydata(), weekly["expected_cumulative"].to_numpy())
    np.testing.assert_array_equal(actual.get_ydata(), weekly["actual_cumulative"].to_numpy())
    cohorts = first.dt.to_period("Q").astype(str)
    by = expected_transactions_over_time(
        model, first, end="1997-12-31", unit="W", by=cohorts, freq="MS"
    )
    lines = plot_tracking(by, cumulative=False).get_lines()
    assert len(lines) == by.index.get_level_values("group").nunique()
    with pytest.raises(ParameterError, match="expected_transactions_over_time"):
        plot_tracking(pd.DataFrame({"x": [1]}))
