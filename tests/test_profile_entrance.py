"""profile() resolves its as_of once, at the entrance, and every step uses it."""

from __future__ import annotations

import pandas as pd

import segkit

# Customer 1 buys on Mar 1 and Mar 20; customer 2 buys on Mar 5 and returns on
# Mar 28 10:00 (the latest row). A view on Mar 27 is 1 day before the return.
TX = pd.DataFrame(
    {
        "id": [1, 1, 2, 2],
        "ts": ["2024-03-01 09:00", "2024-03-20 09:00", "2024-03-05 12:00", "2024-03-28 10:00"],
        "amount": [10.0, 20.0, 30.0, -5.0],
    }
)
EVENTS = pd.DataFrame(
    {
        "id": [1, 2],
        "ts": pd.to_datetime(["2024-03-27 12:00", "2024-03-21 09:00"]),
        "event": ["view", "view"],
    }
)
COLUMNS = {"customer": "id", "timestamp": "ts", "amount": "amount"}


def run() -> segkit.Profile:
    before = TX.copy()
    p = segkit.profile(
        TX, **COLUMNS, events=EVENTS, clv=False, rules=None, progress=False, event_windows=(7,)
    )
    pd.testing.assert_frame_equal(TX, before)  # the caller's frame is not modified
    return p


def test_default_as_of_is_the_latest_row_for_every_step() -> None:
    p = run()
    latest = pd.Timestamp("2024-03-28 10:00")
    assert p.options.as_of is None  # as given
    assert p.as_of == latest
    expected = segkit.summarize(TX, **COLUMNS)
    pd.testing.assert_series_equal(p.table["recency_days"], expected["recency_days"])
    assert p.table.loc[1, "recency_days"] == 8 + 1 / 24
    # the replay ends at the same instant, not at the last purchase (Mar 20)
    assert p.panel is not None
    assert p.panel["period"].max() == latest
    # the events' 7-day window ends there too: (Mar 21 10:00, Mar 28 10:00]
    assert p.table.loc[1, "view_7d"] == 1
    assert p.table.loc[2, "view_7d"] == 0


def test_text_timestamps_are_read_once_with_the_same_result() -> None:
    parsed = TX.assign(ts=pd.to_datetime(TX["ts"]))
    a = run()
    b = segkit.profile(
        parsed,
        **COLUMNS,
        events=EVENTS,
        clv=False,
        rules=None,
        progress=False,
        event_windows=(7,),
    )
    pd.testing.assert_frame_equal(a.table, b.table)
