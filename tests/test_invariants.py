"""Invariants of every public function: inputs are never modified, row order never matters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.clv import BetaGeo, GammaGamma, ParetoNBD, lifetime_value
from segkit.datasets import make_customers, make_events, make_transactions

COLS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    tx = make_transactions(600, seed=11)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # customers with only returns
        table = segkit.summarize(tx, **COLS, unit="W", windows=(90,))
    return {
        "tx": tx,
        "table": table,
        "people": make_customers(600, seed=11),
        "events": make_events(600, seed=11),
    }


def _quiet(func: Callable[[], Any]) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return func()


# name -> (input key, function of the input frame giving a per-customer result)
CALLS: dict[str, tuple[str, Callable[[pd.DataFrame, dict[str, Any]], Any]]] = {
    "summarize": ("tx", lambda d, w: segkit.summarize(d, **COLS, windows=(30,))),
    "calibration_holdout": (
        "tx",
        lambda d, w: segkit.calibration_holdout(d, **COLS, calibration_end="2024-12-31"),
    ),
    "clean_transactions": (
        "tx",
        lambda d, w: segkit.clean_transactions(d, **COLS)[0].set_index("order_id", append=True),
    ),
    "RFMScorer": ("table", lambda d, w: segkit.RFMScorer().fit(d).transform(d)),
    "BetaGeo": ("table", lambda d, w: BetaGeo().fit(d).expected_purchases(d, 10)),
    "ParetoNBD": ("table", lambda d, w: ParetoNBD().fit(d).p_alive(d)),
    "lifetime_value": (
        "table",
        lambda d, w: lifetime_value(
            BetaGeo().fit(d), GammaGamma().fit(d), d, horizon=3, period=4.0, discount_rate=0.01
        ),
    ),
    "TagEngine": (
        "table",
        lambda d, w: segkit.TagEngine.starter(columns=d).apply(d, as_of="2025-12-31"),
    ),
    "PointsScorer": (
        "table",
        lambda d, w: (
            segkit.PointsScorer({"orders >= 3": 2, "recency_days > 200": -1}).fit(d).transform(d)
        ),
    ),
    "KMeansSegmenter": (
        "table",
        lambda d, w: segkit.KMeansSegmenter(n_clusters=3, random_state=0).fit(d).predict(d),
    ),
    "segment_summary": ("table", lambda d, w: segkit.segment_summary(d, d["x"].clip(upper=3))),
    "event_features": (
        "events",
        lambda d, w: segkit.event_features(
            d, customer="customer_id", timestamp="timestamp", event="event", as_of="2025-06-30"
        ),
    ),
    "replay": (
        "tx",
        lambda d, w: (
            segkit.default_lifecycle()
            .replay(d, **COLS, start="2024-01-01", end="2025-06-01", output="panel")
            .set_index(["customer", "period"])
        ),
    ),
    "profile": (
        "tx",
        lambda d, w: segkit.profile(d, **COLS, customers=w["people"], lifecycle=None).table,
    ),
}


def _frames_equal_up_to_order(a: Any, b: Any) -> None:
    if isinstance(a, pd.Series):
        a, b = a.to_frame(), b.to_frame()
    a = a.sort_index(kind="stable")
    b = b.sort_index(kind="stable")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(CALLS))
def test_input_unchanged_and_order_free(world, name):
    key, call = CALLS[name]
    data = world[key]
    before = data.copy(deep=True)
    first = _quiet(lambda: call(data, world))
    pd.testing.assert_frame_equal(data, before)  # values, dtypes, index, column order
    shuffled = data.sample(frac=1.0, random_state=5)
    second = _quiet(lambda: call(shuffled, world))
    _frames_equal_up_to_order(first, second)


@pytest.mark.parametrize("name", ["make_transactions", "simulate", "KMeansSegmenter"])
def test_seeded_functions_repeat_exactly(name, world):
    if name == "make_transactions":
        pd.testing.assert_frame_equal(
            make_transactions(300, seed=4), make_transactions(300, seed=4)
        )
    elif name == "simulate":
        bg = BetaGeo().fit(world["table"])
        pd.testing.assert_frame_equal(bg.simulate(200, 52, seed=3), bg.simulate(200, 52, seed=3))
    else:
        t = world["table"]
        a = segkit.KMeansSegmenter(n_clusters="auto", random_state=1).fit(t)
        b = segkit.KMeansSegmenter(n_clusters="auto", random_state=1).fit(t)
        np.testing.assert_array_equal(a.labels_, b.labels_)
