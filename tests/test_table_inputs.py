"""PyArrow tables (and Polars frames, when installed) are accepted at every entry point."""

from __future__ import annotations

import pandas as pd
import pytest

import segkit
from segkit.clv import BetaGeo
from segkit.datasets import make_events, make_transactions

COLS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


@pytest.fixture(scope="module")
def data():
    tx = make_transactions(400, seed=2)
    table = segkit.summarize(tx, **COLS, unit="W")
    return tx, table, make_events(400, seed=2)


def _arrow(frame: pd.DataFrame):
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pandas(frame, preserve_index=False)


def _polars(frame: pd.DataFrame):
    pl = pytest.importorskip("polars")
    return pl.from_pandas(frame)


ENTRY_POINTS = {
    "summarize": lambda tx, table, ev: segkit.summarize(tx, **COLS)["orders"],
    "clean_transactions": lambda tx, table, ev: segkit.clean_transactions(tx, **COLS)[0]["amount"],
    "RFMScorer": lambda tx, table, ev: segkit.RFMScorer().fit(table).transform(table)["rfm_code"],
    "BetaGeo": lambda tx, table, ev: BetaGeo().fit(table).p_alive(table),
    "TagEngine": lambda tx, table, ev: segkit.TagEngine([segkit.Rule("a", "orders > 2")]).apply(
        table
    )["a"],
    "PointsScorer": lambda tx, table, ev: (
        segkit.PointsScorer({"orders > 2": 3}).fit(table).transform(table)["points"]
    ),
    "event_features": lambda tx, table, ev: segkit.event_features(
        ev, customer="customer_id", timestamp="timestamp", event="event", as_of="2025-01-01"
    )["page_view_30d"],
    "replay": lambda tx, table, ev: segkit.default_lifecycle().replay(
        tx, **COLS, output="changes"
    )["to"],
    "segment_summary": lambda tx, table, ev: segkit.segment_summary(table, "x")["customers"],
}


@pytest.mark.parametrize("convert", [_arrow, _polars], ids=["pyarrow", "polars"])
@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_same_result_as_pandas(data, name, convert):
    tx, table, ev = data
    expected = ENTRY_POINTS[name](tx, table, ev)
    table_flat = table.reset_index()
    got = ENTRY_POINTS[name](convert(tx), convert(table_flat), convert(ev))
    assert list(got.astype(str)) == list(expected.astype(str))
