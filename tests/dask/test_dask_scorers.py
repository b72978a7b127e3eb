"""PointsScorer and PsychographicScorer on Dask: maps, equal to pandas."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

from sklearn.base import clone

import segkit
from segkit.dask import scorer_fit, scorer_transform
from segkit.scorers import PointsScorer, PsychographicScorer

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def table(transactions: pd.DataFrame) -> pd.DataFrame:
    return quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30", windows=(90,))


@pytest.mark.parametrize(
    "scorer",
    [
        PointsScorer(
            {"orders >= 3": 10, "revenue_90d > 0": 5, "recency_days > 365": -20}, clip=(-10, 12)
        ),
        PsychographicScorer(
            {"loyal": {"orders >= 5": 2, "x": 1}, "lapsing": {"recency_days > 180": 3}}
        ),
    ],
    ids=["points", "profile"],
)
def test_transform_equals_pandas(table: pd.DataFrame, scorer: Any) -> None:
    expected = scorer.fit(table).transform(table)
    lazy = to_dask(table, 4)
    got = scorer_transform(scorer_fit(clone(scorer), lazy), lazy)
    pd.testing.assert_frame_equal(got.compute(), expected, check_exact=True)
