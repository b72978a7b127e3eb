"""CLV models on Dask: fit on compressed counts, predictions as a map, same numbers as pandas."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    lifetime_value,
)
from segkit.dask import clv_counts, clv_fit, clv_predict, lifetime_value_dask
from segkit.datasets import load_donations
from segkit.errors import ParameterError

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def table(transactions: pd.DataFrame) -> pd.DataFrame:
    return quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30", unit="W")


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_purchase_model_fit_and_predictions_equal_pandas(table: pd.DataFrame, model: type) -> None:
    expected = model().fit(table)
    lazy = to_dask(table, 4)
    fitted = clv_fit(model(), lazy)
    pd.testing.assert_series_equal(fitted.params_, expected.params_, check_exact=True)
    pd.testing.assert_series_equal(
        clv_predict(fitted, "p_alive", lazy).compute(), expected.p_alive(table), check_exact=True
    )
    pd.testing.assert_series_equal(
        clv_predict(fitted, "expected_purchases", lazy, 26).compute(),
        expected.expected_purchases(table, 26),
        check_exact=True,
    )
    pd.testing.assert_series_equal(
        clv_predict(fitted, "probability_of_purchases", lazy, 1, 26).compute(),
        expected.probability_of_purchases(table, 1, 26),
        check_exact=True,
    )


def test_gamma_gamma_and_lifetime_value_equal_pandas(table: pd.DataFrame) -> None:
    lazy = to_dask(table, 4)
    bg, gg = BetaGeo().fit(table), GammaGamma().fit(table)
    gg_dask = clv_fit(GammaGamma(), lazy)
    pd.testing.assert_series_equal(gg_dask.params_, gg.params_, check_exact=True)
    pd.testing.assert_series_equal(
        clv_predict(gg_dask, "expected_spend", lazy).compute(),
        gg.expected_spend(table),
        check_exact=True,
    )
    options = {"horizon": 12, "period": 52 / 12, "discount_rate": 0.01}
    pd.testing.assert_series_equal(
        lifetime_value_dask(clv_fit(BetaGeo(), lazy), gg_dask, lazy, **options).compute(),
        lifetime_value(bg, gg, table, **options),
        check_exact=True,
    )


def test_counts_are_small_and_add_up(table: pd.DataFrame) -> None:
    counts = clv_counts(to_dask(table, 4), ["x", "t_x", "T"])
    assert counts["__segkit_weight__"].sum() == len(table)
    assert len(counts) == len(table[["x", "t_x", "T"]].drop_duplicates())


def test_weights_column(table: pd.DataFrame) -> None:
    grouped = table.groupby(["x", "t_x", "T"], sort=False).size().rename("n").reset_index()
    expected = BetaGeo().fit(grouped, weights="n")
    fitted = clv_fit(BetaGeo(), to_dask(grouped, 3), weights="n")
    pd.testing.assert_series_equal(fitted.params_, expected.params_, check_exact=True)


def test_unknown_column_argument(table: pd.DataFrame) -> None:
    with pytest.raises(
        ParameterError, match=r"unknown column arguments \['recency'\] for BetaGeo.fit"
    ):
        clv_fit(BetaGeo(), to_dask(table), recency="t_x")


def test_covariates_are_kept_in_the_counts(table: pd.DataFrame) -> None:
    frame = table.assign(vip=(table.index % 3 == 0).astype(float))
    expected = BetaGeo(covariates=["vip"]).fit(frame)
    fitted = clv_fit(BetaGeo(covariates=["vip"]), to_dask(frame, 4))
    pd.testing.assert_series_equal(fitted.params_, expected.params_, check_exact=True)


def test_beta_geometric_beta_binomial_on_weighted_rows() -> None:
    donations = load_donations()
    expected = BetaGeoBetaBinom().fit(donations, weights="weights")
    fitted = clv_fit(BetaGeoBetaBinom(), to_dask(donations, 3), weights="weights")
    pd.testing.assert_series_equal(fitted.params_, expected.params_, check_exact=True)
