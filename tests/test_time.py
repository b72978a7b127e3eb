"""The time policy (segkit._time, docs/time.md): one reading of as_of and of zones."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit._time import DAY_NS, parse_as_of, read_timestamps, to_zone, wall_clock
from segkit.errors import ParameterError, SchemaError
from segkit.events import event_features

COLS = {"customer": "cid", "timestamp": "ts", "amount": "amount"}


@pytest.mark.parametrize(
    "value",
    ["2010-12-09", " 2010-12-09 ", "20101209", dt.date(2010, 12, 9), np.datetime64("2010-12-09")],
    ids=["iso", "padded", "compact", "date", "datetime64-D"],
)
def test_a_date_is_the_whole_day(value):
    a = parse_as_of(value)
    assert a.date_only
    assert a.cut == pd.Timestamp("2010-12-10").value - 1
    assert a.reference == pd.Timestamp("2010-12-09").value
    assert a.label == "2010-12-09 (whole day)"


@pytest.mark.parametrize(
    "value",
    [
        "2010-12-09 00:00",
        "2010-12-09T00:00:00",
        pd.Timestamp("2010-12-09"),
        dt.datetime(2010, 12, 9),
        np.datetime64("2010-12-09T00:00", "ns"),
    ],
    ids=["text-time", "iso-T", "timestamp", "datetime", "datetime64-ns"],
)
def test_a_time_of_day_is_that_instant(value):
    a = parse_as_of(value)
    assert not a.date_only
    assert a.cut == a.reference == pd.Timestamp("2010-12-09").value


def test_aware_as_of_is_converted_to_the_data_zone():
    a = parse_as_of("2024-03-31 00:00+00:00", "Asia/Tokyo")
    assert a.cut == pd.Timestamp("2024-03-31 09:00").value
    assert str(a.stamp) == "2024-03-31 09:00:00+09:00"
    # The same value resolved again for data in another zone.
    b = parse_as_of(a, "America/New_York")
    assert b.cut == pd.Timestamp("2024-03-30 20:00").value


def test_days_since_whole_days_and_exact():
    wall = np.array([pd.Timestamp("2024-03-30 23:00").value, pd.Timestamp("2024-03-31").value])
    assert parse_as_of("2024-03-31").days_since(wall).tolist() == [1.0, 0.0]
    np.testing.assert_allclose(
        parse_as_of("2024-03-31 12:00").days_since(wall), [13 / 24, 0.5], rtol=0, atol=1e-12
    )


@pytest.mark.parametrize(
    ("value", "tz", "message"),
    [
        ("garbage", None, "as_of must be a date or timestamp; got 'garbage'"),
        (5, None, "as_of must be a date or timestamp; got 5"),
        (None, None, "as_of must be a date or timestamp; got None"),
        (pd.NaT, None, "as_of must be a date or timestamp; got NaT"),
        ("9999-12-31", None, "as_of '9999-12-31' is outside the dates segkit handles"),
        ("1500-01-01", None, "as_of '1500-01-01' is outside the dates segkit handles"),
        (
            "2024-03-31 00:00+09:00",
            None,
            "as_of 2024-03-31 00:00:00+09:00 is timezone-aware but the timestamps are naive",
        ),
    ],
    ids=["garbage", "number", "none", "nat", "year-9999", "year-1500", "aware-vs-naive"],
)
def test_bad_as_of(value, tz, message):
    with pytest.raises(ParameterError) as info:
        parse_as_of(value, tz)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "01/06/2011",
            (
                "as_of '01/06/2011' reads two ways (1 June 2011, or 6 January 2011 month first); "
                "write it year first: '2011-06-01' or '2011-01-06'"
            ),
        ),
        (
            "01.06.2011 18:00",
            (
                "as_of '01.06.2011 18:00' reads two ways (1 June 2011, or 6 January 2011 month "
                "first); write it year first: '2011-06-01 18:00' or '2011-01-06 18:00'"
            ),
        ),
        (
            "3-4-24",
            (
                "as_of '3-4-24' reads two ways (3 April 2024, or 4 March 2024 month first); "
                "write it year first: '2024-04-03' or '2024-03-04'"
            ),
        ),
    ],
    ids=["slashes", "dots-with-time", "two-digit-year"],
)
def test_a_day_and_month_that_read_two_ways_are_refused(value, message):
    # pandas reads 01/06/2011 as 6 January: the shop in Britain meant 1 June
    with pytest.raises(ParameterError) as info:
        parse_as_of(value)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "day"),
    [("31/12/2011", "2011-12-31"), ("12/31/2011", "2011-12-31"), ("06/06/2011", "2011-06-06"),
     ("2011/06/01", "2011-06-01"), ("2011-01-06", "2011-01-06")],
    ids=["day-first", "month-first", "same", "year-first-slashes", "iso"],
)  # fmt: skip
def test_a_day_and_month_that_read_one_way_are_read(value, day):
    a = parse_as_of(value)
    assert a.date_only
    assert str(a.stamp) == f"{day} 23:59:59.999999999"


@pytest.mark.parametrize(
    ("wall", "tz", "expected"),
    [
        ("2024-03-31 02:30", "Europe/Oslo", "2024-03-31 03:00:00+02:00"),  # gap: moves forward
        ("2024-11-03 01:30", "America/New_York", "2024-11-03 01:30:00-04:00"),  # overlap: first
        ("2023-10-01 00:00", "America/Asuncion", "2023-10-01 01:00:00-03:00"),
        ("2024-06-01 12:00", None, "2024-06-01 12:00:00"),
    ],
    ids=["oslo-gap", "new-york-overlap", "asuncion-midnight-gap", "naive"],
)
def test_dst_rule(wall, tz, expected):
    assert str(to_zone(pd.Timestamp(wall), tz)) == expected
    index = to_zone(pd.DatetimeIndex([wall]), tz)
    assert str(index[0]) == expected


def test_wall_clock_keeps_local_time():
    s = pd.Series(pd.to_datetime(["2024-03-31 05:00+08:00"]))
    assert wall_clock(s).iloc[0] == pd.Timestamp("2024-03-31 05:00")


def test_never_sentinel_in_a_column_is_named():
    with pytest.raises(SchemaError, match=r"outside 1677-09-22 \.\. 2262-04-11"):
        read_timestamps(pd.Series(["2024-01-01", "9999-12-31"]), "ts")


# --------------------------------------------------------------------------- #
# Every capability agrees on the same instants
# --------------------------------------------------------------------------- #
def _zoned(tz: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Purchases and events at the very same instants, in zone ``tz``."""
    local = pd.to_datetime(
        [
            "2024-03-01 08:00",
            "2024-03-09 23:30",  # New York: the evening before the DST change
            "2024-03-10 03:30",  # New York: just after it
            "2024-03-24 00:30",
            "2024-03-24 23:59",
            "2024-03-25 00:00",
            "2024-03-31 05:00",  # on the as_of day, local time
            "2024-03-31 23:30",
            "2024-04-01 05:00",  # after a date-only as_of: never counts
        ]
    ).tz_localize(tz)
    cid = [1, 1, 2, 2, 1, 3, 3, 1, 2]
    tx = pd.DataFrame({"cid": cid, "ts": local, "amount": 10.0})
    ev = pd.DataFrame({"cid": cid, "ts": local, "kind": "view"})
    return tx, ev


AS_OFS = [
    "2024-03-31",
    "2024-03-31 00:00",
    "2024-03-31 12:00",
    pd.Timestamp("2024-03-31 12:00", tz="UTC"),
    "2024-03-10",
    dt.date(2024, 3, 24),
]
AS_OF_IDS = ["date", "naive-midnight", "naive-noon", "aware-utc", "dst-day", "date-object"]


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize("as_of", AS_OFS, ids=AS_OF_IDS)
def test_purchase_and_event_windows_count_the_same_instants(tz, as_of):
    tx, ev = _zoned(tz)
    windows = (1, 7, 30)
    s = segkit.summarize(tx, **COLS, as_of=as_of, windows=windows)
    e = event_features(
        ev, customer="cid", timestamp="ts", event="kind", as_of=as_of, windows=windows,
        customers=s.index,
    )  # fmt: skip
    for w in windows:
        # One row per line here, so orders in a window are the rows in it.
        assert s[f"orders_{w}d"].tolist() == e[f"view_{w}d"].tolist(), w
        # The window holds exactly the rows with days_since < w.
        assert ((s["recency_days"] < w) == (s[f"orders_{w}d"] > 0)).all()


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize("as_of", AS_OFS, ids=AS_OF_IDS)
def test_days_since_last_purchase_equals_recency_days(tz, as_of):
    tx, _ = _zoned(tz)
    s = segkit.summarize(tx, **COLS, as_of=as_of)
    a = parse_as_of(as_of, tz)
    wall = wall_clock(s["last_purchase"]).to_numpy(dtype="datetime64[ns]").view(np.int64)
    assert a.days_since(wall).tolist() == s["recency_days"].tolist()


def test_whole_day_by_hand_new_york():
    tx, _ = _zoned("America/New_York")
    s = segkit.summarize(tx, **COLS, as_of="2024-03-31", windows=(7,))
    # Customer 1 bought at 23:30 on the as_of day: recency 0 whole days.
    assert s.loc[1, "recency_days"] == 0.0
    # 7 calendar days: Mar 25 .. Mar 31 -> customer 3's two lines, customer 1's last one.
    assert s["orders_7d"].tolist() == [1, 0, 2]
    # Customer 2's line on Apr 1 05:00 is left out; Mar 24 00:30 is 7 days before.
    assert s.loc[2, "recency_days"] == 7.0
    assert s.loc[2, "orders"] == 2


def test_events_after_a_date_only_as_of_never_leak():
    # Issue 18.8: an event at 05:00 Shanghai on the next day is after the as_of day.
    ev = pd.DataFrame(
        {
            "cid": [1, 1],
            "ts": pd.to_datetime(["2024-03-31 23:00", "2024-04-01 05:00"]).tz_localize(
                "Asia/Shanghai"
            ),
            "kind": "view",
        }
    )
    out = event_features(ev, customer="cid", timestamp="ts", event="kind",
                         as_of="2024-03-31", windows=(1, 30))  # fmt: skip
    assert out.to_dict("list") == {"view_1d": [1], "view_30d": [1]}
    tx = ev.drop(columns="kind").assign(amount=5.0)
    s = segkit.summarize(tx, **COLS, as_of="2024-03-31")
    assert s.loc[1, "orders"] == 1


def test_as_of_in_a_dst_gap_does_not_crash():
    # Issue 18.5: 02:30 never happened in Oslo on 2024-03-31.
    tx = pd.DataFrame(
        {
            "cid": [1, 1],
            "ts": pd.to_datetime(["2024-03-30 12:00", "2024-03-31 04:00"]).tz_localize(
                "Europe/Oslo"
            ),
            "amount": [1.0, 2.0],
        }
    )
    s = segkit.summarize(tx, **COLS, as_of="2024-03-31 02:30")
    assert s.loc[1, "orders"] == 1
    assert s.loc[1, "recency_days"] == pytest.approx(14.5 / 24)


def test_calibration_end_date_is_inclusive_for_intraday_data():
    tx = pd.DataFrame(
        {
            "cid": [1, 1, 1],
            "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-31 18:00", "2024-02-10 09:00"]),
            "amount": [1.0, 2.0, 4.0],
        }
    )
    ch = segkit.calibration_holdout(
        tx, **COLS, calibration_end="2024-01-31", observation_end="2024-02-29"
    )
    assert ch.loc[1, "x"] == 1  # the purchase at 18:00 on Jan 31 is in the calibration
    assert ch.loc[1, "x_holdout"] == 1
    assert ch.loc[1, "T"] == 30.0
    assert ch.loc[1, "duration_holdout"] == 29.0


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        (90, "windows must be a list of whole numbers of days, e.g. windows=[90]; got 90"),
        ((90000000,), "windows of 90000000 days reaches outside the dates segkit handles"),
        ((0,), "windows must be positive whole numbers of days; got 0"),
    ],
    ids=["scalar", "overflow", "zero"],
)
def test_bad_windows(tiny, windows, message):
    with pytest.raises(ParameterError) as info:
        segkit.summarize(tiny, **COLS, windows=windows)
    assert message in str(info.value)


def test_long_window_counts_everything(tiny):
    s = segkit.summarize(tiny, **COLS, windows=(90000,))
    assert s["orders_90000d"].tolist() == s["orders"].tolist()
    assert s["revenue_90000d"].tolist() == s["revenue"].tolist()


def test_days_constant():
    assert pd.Timedelta(days=1).value == DAY_NS


@pytest.mark.parametrize(
    ("texts", "walls"),
    [
        pytest.param(
            ["2024-03-09 23:30:00 -0500", "2024-03-11 10:00:00 -0400"],
            ["2024-03-09 23:30:00", "2024-03-11 10:00:00"],
            id="shopify-new-york-spring-forward",
        ),
        pytest.param(
            ["2024-10-26T09:00+02:00", "2024-10-28T09:00+01:00", "2024-10-29T09:00Z"],
            ["2024-10-26 09:00:00", "2024-10-28 09:00:00", "2024-10-29 09:00:00"],
            id="iso-berlin-fall-back-and-z",
        ),
    ],
)
def test_text_whose_offsets_change_is_its_written_wall_clock(texts, walls):
    stamps = read_timestamps(pd.Series(texts), "ts")
    assert stamps.tz is None
    assert stamps.wall.tolist() == [pd.Timestamp(w).value for w in walls]


def test_text_with_one_offset_keeps_it():
    stamps = read_timestamps(pd.Series(["2024-03-09 23:30:00 -0500"] * 2), "ts")
    assert str(stamps.tz) == "UTC-05:00"
    assert stamps.wall.tolist() == [pd.Timestamp("2024-03-09 23:30").value] * 2


def test_summarize_on_text_whose_offsets_change_counts_the_shops_days():
    raw = pd.DataFrame(
        {
            "cid": [1, 1, 2],
            "ts": [
                "2024-03-09 23:30:00 -0500",  # 04:30 on 10 March in UTC
                "2024-03-11 10:00:00 -0400",
                "2024-03-10 03:30:00 -0400",
            ],
            "amount": [10.0, 5.0, 20.0],
        }
    )
    s = segkit.summarize(raw, **COLS, as_of="2024-03-11")
    assert s["tenure_days"].tolist() == [2.0, 1.0]
    assert s["recency_days"].tolist() == [0.0, 1.0]
    assert str(s.loc[1, "first_purchase"]) == "2024-03-09 23:30:00"
