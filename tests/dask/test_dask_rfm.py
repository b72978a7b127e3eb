"""RFMScorer on Dask: the fit is an exact value-count reduction, the transform a map."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit.dask import rfm_fit, rfm_transform
from segkit.errors import ColumnNotFoundError

from .conftest import COLUMNS, quiet, to_dask


@pytest.fixture(scope="module")
def table(transactions: pd.DataFrame) -> pd.DataFrame:
    return quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30")


@pytest.mark.usefixtures("client")
@pytest.mark.parametrize("bins", [3, 5, 9])
def test_fit_and_transform_equal_pandas(table: pd.DataFrame, bins: int) -> None:
    segments = {3: "rfm6", 5: "rfm11", 9: None}[bins]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # bins=9: too few distinct orders
        expected = segkit.RFMScorer(bins=bins, segments=segments).fit(table)
        fitted = rfm_fit(segkit.RFMScorer(bins=bins, segments=segments), to_dask(table, 5))
    for dim, edges in expected.bin_edges_.items():
        np.testing.assert_array_equal(fitted.bin_edges_[dim], edges)
    assert fitted.segment_map_ == expected.segment_map_
    np.testing.assert_array_equal(fitted.feature_names_in_, expected.feature_names_in_)
    scores = rfm_transform(fitted, to_dask(table, 5))
    pd.testing.assert_frame_equal(scores.compute(), expected.transform(table), check_exact=True)


@pytest.mark.usefixtures("client")
def test_too_few_distinct_values_warns_like_pandas(table: pd.DataFrame) -> None:
    with pytest.warns(UserWarning, match=r"column 'orders' has too few distinct values for 9"):
        rfm_fit(
            segkit.RFMScorer(bins=9, segments=None),
            to_dask(table.assign(orders=1 + table["orders"] % 3)),
        )


@pytest.mark.usefixtures("client")
def test_fixed_thresholds(table: pd.DataFrame) -> None:
    thresholds = {
        "recency": [30, 90, 180, 365],
        "frequency": [2, 3, 5, 8],
        "monetary": [50, 100, 250, 500],
    }
    expected = segkit.RFMScorer(method="fixed", thresholds=thresholds).fit(table)
    fitted = rfm_fit(segkit.RFMScorer(method="fixed", thresholds=thresholds), to_dask(table))
    pd.testing.assert_frame_equal(
        rfm_transform(fitted, to_dask(table)).compute(),
        expected.transform(table),
        check_exact=True,
    )


@pytest.mark.usefixtures("client")
def test_summary_from_dask_feeds_the_scorer(
    transactions: pd.DataFrame, table: pd.DataFrame
) -> None:
    lazy = segkit.summarize(to_dask(transactions), **COLUMNS, as_of="2025-06-30")
    fitted = rfm_fit(segkit.RFMScorer(), lazy)
    scores = rfm_transform(fitted, lazy).compute().sort_index()
    expected = segkit.RFMScorer().fit(table)
    pd.testing.assert_frame_equal(scores, expected.transform(table), check_exact=True)


def test_missing_column(table: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="revenue"):
        rfm_fit(segkit.RFMScorer(), to_dask(table.drop(columns="revenue")))
