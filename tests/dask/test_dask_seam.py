"""Capabilities reached through the seam (segkit._backend) on a real LocalCluster.

Each capability's own function or method takes the Dask frame; results equal
pandas exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit.errors import ParameterError
from segkit.lifecycle import default_lifecycle

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def table(transactions: pd.DataFrame) -> pd.DataFrame:
    return quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30", windows=(90,))


def test_summarize_through_its_own_function(transactions: pd.DataFrame) -> None:
    expected = quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30", windows=(90,))
    lazy = segkit.summarize(to_dask(transactions), **COLUMNS, as_of="2025-06-30", windows=(90,))
    pd.testing.assert_frame_equal(lazy.compute().sort_index(), expected)


def test_rfm_through_fit_and_transform(table: pd.DataFrame) -> None:
    expected_scorer = segkit.RFMScorer().fit(table)
    scorer = segkit.RFMScorer().fit(to_dask(table, 5))
    for dim, edges in expected_scorer.bin_edges_.items():
        np.testing.assert_array_equal(scorer.bin_edges_[dim], edges)
    got = scorer.transform(to_dask(table, 5)).compute().sort_index()
    pd.testing.assert_frame_equal(got, expected_scorer.transform(table))


def test_band_scorer_is_a_map(table: pd.DataFrame) -> None:
    scorer = segkit.BandScorer(column="revenue", edges=[0, 50, 200, 1_000, 1e9])
    expected = scorer.fit(table).transform(table)
    lazy_scorer = segkit.BandScorer(column="revenue", edges=[0, 50, 200, 1_000, 1e9])
    got = lazy_scorer.fit(to_dask(table, 4)).transform(to_dask(table, 4)).compute()
    assert lazy_scorer.bands_ == scorer.bands_
    pd.testing.assert_frame_equal(got.sort_index(), expected)


def test_kmeans_predict_is_a_map(table: pd.DataFrame) -> None:
    seg = segkit.KMeansSegmenter(
        n_clusters=3, features=["recency_days", "orders", "revenue"], random_state=0
    ).fit(table)
    got = seg.predict(to_dask(table, 4)).compute().sort_index()
    pd.testing.assert_series_equal(got, seg.predict(table))


@pytest.mark.parametrize("with_current", [False, True], ids=["from-scratch", "from-states"])
def test_lifecycle_step_is_a_map(table: pd.DataFrame, with_current: bool) -> None:
    lifecycle = default_lifecycle()
    features = table[["orders", "recency_days", "orders_90d"]]
    current = None
    if with_current:
        current = lifecycle.step(features.iloc[::2], as_of="2025-06-30").astype(object)
    expected = lifecycle.step(features, current, as_of="2025-06-30")
    got = lifecycle.step(to_dask(features, 4), current, as_of="2025-06-30").compute()
    pd.testing.assert_series_equal(got.sort_index(), expected)


def test_lifecycle_step_refuses_positional_states(table: pd.DataFrame) -> None:
    features = table[["orders", "recency_days", "orders_90d"]]
    with pytest.raises(ParameterError, match="current must be None or a pandas Series"):
        default_lifecycle().step(to_dask(features, 2), ["new"] * len(features))


def test_the_layer_is_imported_by_the_seam_only_when_dask_input_arrives() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd, dask.dataframe as dd, segkit\n"
        "t = pd.DataFrame({'c': [1, 2], 'd': pd.to_datetime(['2024-01-01'] * 2), 'a': [1.0, 2]})\n"
        "segkit.summarize(t, customer='c', timestamp='d', amount='a')\n"
        "before = 'segkit.dask' in sys.modules\n"
        "segkit.summarize(dd.from_pandas(t, npartitions=1), customer='c', timestamp='d', "
        "amount='a')\n"
        "print(before, 'segkit.dask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
