"""``event_features`` on a Dask event log: equal to pandas once sorted by customer."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit._backend import local
from segkit.datasets import make_events

from .conftest import to_dask

pytestmark = pytest.mark.usefixtures("client")

WHO = {"customer": "customer_id", "timestamp": "timestamp", "event": "event"}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return make_events(300, seed=4)


@pytest.mark.parametrize(
    ("kinds", "as_of", "windows"),
    [
        pytest.param("categorical", "2025-06-30", (7, 30, 90), id="categorical-date"),
        pytest.param("text", "2025-06-30 12:00", (30,), id="text-instant"),
        pytest.param("unused-category", "2024-12-31", (7, 365), id="unused-category"),
    ],
)
def test_event_features_on_dask_equal_pandas(
    events: pd.DataFrame, kinds: str, as_of: str, windows: tuple[int, ...]
) -> None:
    frame = events
    if kinds == "text":
        frame = events.assign(event=events["event"].astype(str))
    elif kinds == "unused-category":
        frame = events.assign(event=events["event"].cat.add_categories(["wishlist"]))
    expected = segkit.event_features(frame, **WHO, as_of=as_of, windows=windows)
    lazy = segkit.event_features(to_dask(frame, 4), **WHO, as_of=as_of, windows=windows)
    assert type(lazy).__module__.startswith("dask")
    pd.testing.assert_frame_equal(local(lazy), expected, check_exact=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"customers": [1, 2]}, "customers= is not supported on Dask", id="customers"),
        pytest.param({"event": "kind"}, "'kind'", id="missing-column"),
        pytest.param({"windows": ()}, "windows must name at least one window", id="no-window"),
    ],
)
def test_bad_calls_fail_before_any_work(
    events: pd.DataFrame, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {**WHO, "as_of": "2025-06-30", **change}
    with pytest.raises(segkit.SegkitError, match=message):
        segkit.event_features(to_dask(events, 2), **arguments)


@pytest.mark.slow
def test_profile_with_a_dask_event_log(transactions: pd.DataFrame, events: pd.DataFrame) -> None:
    columns = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    options = {"as_of": "2025-06-30", "lifecycle": None, "category": None, "clv": False}
    expected = segkit.profile(transactions, **columns, events=events, **options)
    got = segkit.profile(to_dask(transactions, 3), **columns, events=to_dask(events, 3), **options)
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True)
    assert "page_view_30d" in got.table.columns
