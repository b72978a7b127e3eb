"""Replays under the time policy: the end point, DST, order lines, id types, unreasonable work."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.errors import ParameterError, SchemaError
from segkit.lifecycle import Lifecycle, State, Transition, default_lifecycle, flows

COLUMNS = {"customer": "id", "timestamp": "ts", "amount": "amount"}
COUNTER = Lifecycle(
    ["none", "one", State("many", terminal=True)],
    [
        Transition("none", "one", when="orders == 1"),
        Transition("none", "many", when="orders >= 2", priority=1),
        Transition("one", "many", when="orders >= 2"),
    ],
    initial="none",
)


def _tx(stamps: list[str], tz: str | None = None, ids: list[object] | None = None) -> pd.DataFrame:
    ts = pd.to_datetime(stamps)
    if tz is not None:
        ts = ts.tz_localize(tz)
    return pd.DataFrame({"id": ids or [1] * len(stamps), "ts": ts, "amount": [10.0] * len(stamps)})


def test_default_end_is_the_latest_transaction_and_matches_summarize() -> None:
    tx = _tx(["2024-01-10 10:00", "2024-03-09 15:30"])
    panel = default_lifecycle().replay(tx, **COLUMNS)
    assert panel.attrs["periods"][-1] == pd.Timestamp("2024-03-09 15:30")
    assert pd.Timestamp("2024-04-01") not in panel.attrs["periods"]


def test_a_date_only_end_is_that_whole_day() -> None:
    tx = _tx(["2024-01-10 10:00", "2024-03-09 15:30"])
    panel = COUNTER.replay(tx, **COLUMNS, end="2024-03-09")
    last = panel[panel["period"] == panel["period"].max()]
    assert last["period"].tolist() == [pd.Timestamp("2024-03-09")]
    assert last["state"].astype(str).tolist() == ["many"]  # the 15:30 purchase counts
    early = COUNTER.replay(tx, **COLUMNS, end="2024-03-09 12:00")
    assert early["state"].astype(str).tolist()[-1] == "one"


def test_the_whole_day_end_reads_recency_in_whole_days_like_summarize() -> None:
    lc = Lifecycle(
        ["a", State("b", terminal=True)],
        [Transition("a", "b", when="recency_days >= 1")],
        initial="a",
    )
    tx = _tx(["2024-03-08 23:00"])
    # 1 calendar day to 2024-03-09 (whole day), although only one hour to its start
    assert segkit.summarize(tx, **COLUMNS, as_of="2024-03-09")["recency_days"].tolist() == [1.0]
    panel = lc.replay(tx, **COLUMNS, end="2024-03-09")
    assert panel["state"].astype(str).tolist()[-1] == "b"


@pytest.mark.parametrize(
    ("tz", "freq", "stamps", "moved"),
    [
        # the 2023-10-01 00:00 month start does not exist in Asuncion
        pytest.param(
            "America/Asuncion",
            "MS",
            ["2023-08-15 12:00", "2023-10-20 12:00"],
            ("2023-10-01 01:00", -3),
            id="asuncion-MS",
        ),
        # Santiago skips 2024-09-08 00:00 (to 01:00)
        pytest.param(
            "America/Santiago",
            "W-SUN",
            ["2024-08-30 12:00", "2024-09-12 12:00"],
            ("2024-09-08 01:00", -3),
            id="santiago-W",
        ),
        pytest.param(
            "America/Santiago",
            "D",
            ["2024-09-06 12:00", "2024-09-10 12:00"],
            ("2024-09-08 01:00", -3),
            id="santiago-D",
        ),
    ],
)
def test_boundaries_in_a_dst_gap_move_forward(tz, freq, stamps, moved) -> None:
    tx = _tx(stamps, tz)
    panel = default_lifecycle().replay(tx, **COLUMNS, freq=freq)
    periods = pd.DatetimeIndex(list(panel.attrs["periods"]))
    label, offset = moved
    assert pd.Timestamp(label).tz_localize(tz) in periods
    assert pd.Timestamp(label).tz_localize(tz).utcoffset() == pd.Timedelta(hours=offset)
    assert periods.is_monotonic_increasing
    assert not periods.has_duplicates
    flows(panel)  # the labels read back


def test_hourly_boundaries_over_the_oslo_spring_gap_are_one_point() -> None:
    tx = _tx(["2024-03-31 00:30", "2024-03-31 04:30"], "Europe/Oslo")
    panel = COUNTER.replay(tx, **COLUMNS, freq="h", end="2024-03-31 05:00")
    periods = [str(p) for p in panel.attrs["periods"]]
    # 02:00 never happened: it moves to 03:00, which is already a boundary
    assert periods == [
        "2024-03-31 01:00:00+01:00",
        "2024-03-31 03:00:00+02:00",
        "2024-03-31 04:00:00+02:00",
        "2024-03-31 05:00:00+02:00",
    ]
    assert panel["state"].astype(str).tolist() == ["one", "one", "one", "many"]


def test_hourly_boundaries_over_the_oslo_autumn_overlap() -> None:
    tx = _tx(["2024-10-27 00:30", "2024-10-27 03:30"], "Europe/Oslo")
    panel = COUNTER.replay(tx, **COLUMNS, freq="h", end="2024-10-27 04:00")
    periods = [str(p) for p in panel.attrs["periods"]]
    assert periods == [
        "2024-10-27 01:00:00+02:00",
        "2024-10-27 02:00:00+02:00",  # the first of the two 02:00
        "2024-10-27 03:00:00+01:00",
        "2024-10-27 04:00:00+01:00",
    ]


def test_order_lines_count_as_orders_like_summarize() -> None:
    tx = pd.DataFrame(
        {
            "id": [1, 1, 1, 1, 2, 2],
            "order": ["A", "A", "A", "B", "C", "C"],
            "ts": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-01-05",
                    "2024-01-05",
                    "2024-02-10",
                    "2024-02-03",
                    "2024-02-03",
                ]
            ),
            # equal line totals in one order; B is a cancellation
            "amount": [5.0, 5.0, 7.0, -5.0, 20.0, 20.0],
        }
    )
    lines = COUNTER.replay(tx, **COLUMNS, end="2024-02-29")
    orders = COUNTER.replay(tx, **COLUMNS, order="order", end="2024-02-29")
    assert lines.groupby("customer")["state"].last().astype(str).to_dict() == {
        1: "many",
        2: "many",
    }
    assert orders.groupby("customer")["state"].last().astype(str).to_dict() == {
        1: "one",
        2: "one",
    }
    summary = segkit.summarize(tx, **COLUMNS, order="order", as_of="2024-02-29")
    assert summary["orders"].tolist() == [1, 1]


@pytest.mark.parametrize(
    ("tx_ids", "table_ids", "message"),
    [
        pytest.param(
            [1, 2],
            ["1", "3"],
            "the customer ids ('id') of the transactions are numbers but those of the customers "
            "table are strings; make them one type, e.g. customers.index = "
            "customers.index.astype(int)",
            id="numbers-vs-strings",
        ),
        pytest.param(
            ["1", "2"],
            [1, 3],
            "the customer ids ('id') of the transactions are strings but those of the customers "
            "table are numbers; make them one type, e.g. customers.index = "
            "customers.index.astype(str)",
            id="strings-vs-numbers",
        ),
        pytest.param(
            [1, 2],
            [1, "1"],
            "the customer ids ('id') of the customers table mix types (mixed-integer); make them "
            "all strings or all integers",
            id="mixed-table",
        ),
    ],
)
def test_customer_ids_of_another_type_are_refused(tx_ids, table_ids, message) -> None:
    tx = _tx(["2024-01-10", "2024-02-10"], ids=tx_ids)
    customers = pd.DataFrame(
        {"signup_date": pd.to_datetime(["2024-01-01", "2024-01-02"])},
        index=pd.Index(table_ids, dtype=object, name="id"),
    )
    with pytest.raises(SchemaError, match=f"^{re.escape(message)}$"):
        default_lifecycle().replay(tx, **COLUMNS, customers=customers)


def test_unreasonable_work_is_refused_before_it_starts() -> None:
    ids = np.arange(20_000)
    tx = pd.DataFrame(
        {"id": ids, "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(ids, "min"), "amount": 1.0}
    )
    with pytest.raises(ParameterError, match=r"customer-steps; at most 20,000 points and"):
        default_lifecycle().replay(tx, **COLUMNS, freq="min", start="2020-01-01")


def test_columns_at_adds_guard_columns_per_point() -> None:
    seen: list[tuple[int, list[int]]] = []

    def december(k, when, states, features):
        seen.append((k, states.tolist()))
        return np.full(states.size, when.month == 12)

    lc = Lifecycle(
        ["open", State("festive", terminal=True)],
        [Transition("open", "festive", when="is_december")],
        initial="open",
        schema={"is_december": "bool"},
    )
    tx = _tx(["2023-10-10", "2023-10-11"], ids=[1, 2])
    panel = lc.replay(tx, **COLUMNS, end="2024-01-15", columns_at={"is_december": december})
    assert history_of(panel) == {
        "2023-11-01": "open",
        "2023-12-01": "festive",
        "2024-01-01": "festive",
        "2024-01-15": "festive",
    }
    # the states before each point: -1 before a customer is present
    assert seen[0] == (0, [-1, -1])
    assert seen[1] == (1, [0, 0])
    assert seen[2] == (2, [1, 1])


def history_of(panel: pd.DataFrame) -> dict[str, str]:
    mine = panel[panel["customer"] == 1]
    return dict(
        zip(mine["period"].dt.strftime("%Y-%m-%d"), mine["state"].astype(str), strict=True)
    )
