"""The public entry points accept Dask input directly (no segkit.dask call needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit.clv import BetaGeo, GammaGamma, lifetime_value
from segkit.scorers import PointsScorer

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def tables(transactions):
    table = quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30", unit="W")
    dtable = quiet(
        segkit.summarize, to_dask(transactions), **COLUMNS, as_of="2025-06-30", unit="W"
    )
    return table, dtable


def test_summary_is_lazy_and_equal(tables):
    table, dtable = tables
    assert type(dtable).__module__.startswith("dask")
    pd.testing.assert_frame_equal(dtable.compute().sort_index(), table)


def test_rfm_fit_transform(tables):
    table, dtable = tables
    expected = segkit.RFMScorer().fit(table)
    fitted = segkit.RFMScorer().fit(dtable)
    for dim, edges in expected.bin_edges_.items():
        np.testing.assert_array_equal(fitted.bin_edges_[dim], edges)
    out = fitted.transform(dtable).compute().sort_index()
    pd.testing.assert_frame_equal(out, expected.transform(table))


def test_clv_fit_predict_and_value(tables):
    table, dtable = tables
    bg, dbg = BetaGeo().fit(table), BetaGeo().fit(dtable)
    pd.testing.assert_series_equal(dbg.params_, bg.params_)
    pd.testing.assert_series_equal(dbg.p_alive(dtable).compute().sort_index(), bg.p_alive(table))
    repeat = table[table["x"] > 0]
    gg, dgg = GammaGamma().fit(repeat), GammaGamma().fit(dtable[dtable["x"] > 0])
    pd.testing.assert_series_equal(dgg.params_, gg.params_)
    value = lifetime_value(bg, gg, table, horizon=3, period=4.0, discount_rate=0.01)
    dvalue = lifetime_value(dbg, dgg, dtable, horizon=3, period=4.0, discount_rate=0.01)
    pd.testing.assert_series_equal(dvalue.compute().sort_index(), value)


def test_tags_and_points(tables):
    table, dtable = tables
    engine = segkit.TagEngine(
        [segkit.Rule("regular", "orders >= 3"), segkit.Rule("big", "revenue > 200")]
    )
    pd.testing.assert_frame_equal(engine.apply(dtable).compute().sort_index(), engine.apply(table))
    points = PointsScorer({"orders >= 3": 5, "recency_days > 100": -2})
    pd.testing.assert_frame_equal(
        points.fit(dtable).transform(dtable).compute().sort_index(),
        points.fit(table).transform(table),
    )


def test_lifecycle_replay(transactions):
    life = segkit.default_lifecycle()
    kwargs = dict(**COLUMNS, start="2024-01-01", end="2025-06-01", output="changes")
    expected = life.replay(transactions, **kwargs)
    got = life.replay(to_dask(transactions), **kwargs).compute()
    key = ["customer", "date"] if "customer" in expected.columns else list(expected.columns[:2])
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    with pytest.raises(segkit.SegkitError, match="columns_at= is not supported on Dask"):
        life.replay(to_dask(transactions), **COLUMNS, columns_at={"x": lambda *a: 0})
