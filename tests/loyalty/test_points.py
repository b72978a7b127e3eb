"""PointsProgram: hand-worked ledgers, multipliers, caps, errors, and a FIFO property."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.loyalty import LEDGER_COLUMNS, LoyaltyWarning, Multiplier, PointsProgram
from segkit.tagging import RuleSyntaxError, UnknownColumnError

COLUMNS = {"customer": "id", "timestamp": "ts", "amount": "amount"}


def tx(*rows: tuple[object, str, float], **extra: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "ts": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            **extra,
        }
    )


def spent(*rows: tuple[object, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "ts": pd.to_datetime([r[1] for r in rows]),
            "points": [r[2] for r in rows],
        }
    )


def book(program: PointsProgram, data: pd.DataFrame, **kwargs: object) -> dict[str, float]:
    out = program.ledger(data, **COLUMNS, **kwargs)
    assert list(out.columns) == list(LEDGER_COLUMNS)
    return out.iloc[0].to_dict()


def row(earned: float, redeemed: float, expired: float, balance: float, soon: float) -> dict:
    return dict(zip(LEDGER_COLUMNS, (earned, redeemed, expired, balance, soon), strict=True))


# --------------------------------------------------------------------------- #
# Hand-worked ledgers
# --------------------------------------------------------------------------- #
def test_fifo_expiry() -> None:
    # lots: 100 on Jan 15 (expires Apr 15), 50 on Feb 10 (expires May 10);
    # 120 redeemed on Mar 1 take all of the first lot and 20 of the second.
    program = PointsProgram(1.0, expiry_months=3)
    data = tx((1, "2024-01-15", 100.0), (1, "2024-02-10", 50.0))
    red = spent((1, "2024-03-01", 120.0))
    # Apr 30: nothing of the first lot was left to expire; 30 expire on May 10
    assert book(program, data, redemptions=red, as_of="2024-04-30") == row(150, 120, 0, 30, 30)
    assert book(program, data, redemptions=red, as_of="2024-05-31") == row(150, 120, 30, 0, 0)
    # without the redemption the first lot expires whole
    assert book(program, data, as_of="2024-04-20") == row(150, 0, 100, 50, 50)


def test_redemption_larger_than_the_oldest_lot() -> None:
    # 40 (Jan 1) and 100 (Feb 1); 70 redeemed on Feb 15 = all 40 + 30 of the second
    program = PointsProgram(1.0, expiry_months=2)
    data = tx((1, "2024-01-01", 40.0), (1, "2024-02-01", 100.0))
    red = spent((1, "2024-02-15", 70.0))
    # Mar 1: the first lot's expiry finds nothing left; Apr 1: 70 of the second expire
    assert book(program, data, redemptions=red, as_of="2024-03-15") == row(140, 70, 0, 70, 70)
    assert book(program, data, redemptions=red, as_of="2024-04-15") == row(140, 70, 70, 0, 0)


def test_return_after_a_redemption_claws_back_only_what_is_left() -> None:
    # 100 earned, 80 redeemed, then the purchase is returned: 20 can be clawed back
    program = PointsProgram(1.0)
    data = tx((1, "2024-01-05", 100.0), (1, "2024-02-01", -100.0))
    red = spent((1, "2024-01-20", 80.0))
    assert book(program, data, redemptions=red) == row(80, 80, 0, 0, 0)


def test_return_takes_back_its_points() -> None:
    program = PointsProgram(2.0)
    data = tx((1, "2024-01-05", 100.0), (1, "2024-01-06", 50.0), (1, "2024-01-09", -50.0))
    assert book(program, data) == row(200, 0, 0, 200, 0)


def test_expiry_at_the_end_of_a_shorter_month() -> None:
    # Jan 31 + 1 month = Feb 29 (2024), same time of day
    program = PointsProgram(1.0, expiry_months=1)
    data = tx((1, "2024-01-31 10:00", 10.0))
    assert book(program, data, as_of="2024-02-29 09:59")["points_balance"] == 10
    assert book(program, data, as_of="2024-02-29 10:00")["points_expired"] == 10


def test_a_date_only_as_of_includes_that_whole_day() -> None:
    data = tx((1, "2024-03-09 15:00", 10.0), (1, "2024-03-10 09:00", 10.0))
    assert book(PointsProgram(1.0), data, as_of="2024-03-09")["points_earned"] == 10


def test_order_lines_are_netted_per_order() -> None:
    data = tx(
        (1, "2024-01-05", 30.0),
        (1, "2024-01-05", 30.0),
        (1, "2024-01-05", -10.0),
        (1, "2024-02-01", 20.0),
        order=["A", "A", "A", "B"],
    )
    program = PointsProgram(1.0, cap_per_order=40)
    assert book(program, data, order="order")["points_earned"] == 40 + 20
    assert book(program, data)["points_earned"] == 30 + 30 + 20 - 10


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        pytest.param("floor", [10, 10, 29], id="floor"),
        pytest.param("round", [11, 10, 30], id="round-half-up"),
        pytest.param("ceil", [11, 11, 30], id="ceil"),
    ],
)
def test_rounding(rounding, expected) -> None:
    data = tx((1, "2024-01-01", 10.5), (2, "2024-01-01", 10.4), (3, "2024-01-01", 29.99))
    out = PointsProgram(1.0, rounding=rounding).ledger(data, **COLUMNS)
    assert out["points_earned"].tolist() == expected


def test_no_float_artefacts_in_the_rate() -> None:
    # 29.99 * 100 is 2998.9999999999995 in floating point
    out = PointsProgram(100.0).ledger(tx((1, "2024-01-01", 29.99)), **COLUMNS)
    assert out["points_earned"].tolist() == [2999]


def test_multipliers_read_transactions_and_customers() -> None:
    data = tx(
        (1, "2024-03-05", 100.0),
        (1, "2024-04-05", 100.0),
        (2, "2024-03-05", 100.0),
        channel=["app", "web", "web"],
    )
    customers = pd.DataFrame(
        {"tier": ["gold", "silver"], "birth_month": [3, 7]}, index=pd.Index([1, 2], name="id")
    )
    multipliers = [
        Multiplier("tier == 'gold'", 1.5),
        Multiplier("birth_month == month", 2.0),
        Multiplier("channel == 'app'", 1.2),
    ]
    schema = {"tier": "string", "birth_month": "number", "channel": "string"}
    best = PointsProgram(1.0, multipliers=multipliers, schema=schema)
    out = best.ledger(data, **COLUMNS, customers=customers)
    # customer 1: March x2 (largest of 1.5, 2, 1.2), April x1.5; customer 2: none
    assert out["points_earned"].to_dict() == {1: 200 + 150, 2: 100}
    stacked = PointsProgram(1.0, multipliers=multipliers, schema=schema, stacking="multiply")
    out = stacked.ledger(data, **COLUMNS, customers=customers)
    assert out["points_earned"].to_dict() == {1: 360 + 150, 2: 100}


def test_caps() -> None:
    data = tx(
        (1, "2024-01-03", 60.0),
        (1, "2024-01-20", 60.0),
        (1, "2024-01-25", 90.0),
        (1, "2024-02-02", 60.0),
    )
    program = PointsProgram(1.0, cap_per_order=80, cap_per_month=100)
    # January: 60, then 40 of 60, then 0 of 80 (the order cap first); February: 60
    assert book(program, data)["points_earned"] == 160


def test_redemptions_larger_than_the_balance_are_cut_with_a_warning() -> None:
    data = tx((1, "2024-01-05", 50.0), (2, "2024-01-05", 50.0))
    red = spent((1, "2024-01-06", 80.0), (2, "2024-01-06", 10.0))
    with pytest.warns(LoyaltyWarning, match=r"cut to the balance for customers \[1\]$"):
        out = PointsProgram(1.0).ledger(data, **COLUMNS, redemptions=red)
    assert out["points_redeemed"].to_dict() == {1: 50, 2: 10}
    assert out["points_balance"].to_dict() == {1: 0, 2: 40}


def test_redemptions_by_unknown_customers_are_ignored_with_a_warning() -> None:
    data = tx((1, "2024-01-05", 50.0))
    red = spent((9, "2024-01-06", 10.0))
    with pytest.warns(LoyaltyWarning, match=r"customers without transactions are ignored: \[9\]"):
        out = PointsProgram(1.0).ledger(data, **COLUMNS, redemptions=red)
    assert out.index.tolist() == [1]


def test_liability() -> None:
    program = PointsProgram(1.0, expiry_months=1, point_value=0.02)
    data = tx((1, "2024-01-10", 100.0), (2, "2024-02-20", 30.0), (3, "2024-01-01", 10.0))
    got = program.liability(data, **COLUMNS, as_of="2024-02-25")
    # 1: 100 expiring Feb 10 -> gone; 2: 30 expiring Mar 20 (within 30 days); 3: gone
    assert got.to_dict() == {
        "customers_with_points": 1,
        "points_outstanding": 30.0,
        "value": 0.6,
        "points_expiring_30d": 30.0,
        "value_expiring_30d": 0.6,
    }
    ledger = program.ledger(data, **COLUMNS, as_of="2024-02-25")
    assert program.liability(ledger).equals(got)


def test_input_is_not_modified() -> None:
    data = tx((1, "2024-01-05", 50.0), (1, "2024-01-09", -5.0))
    red = spent((1, "2024-01-06", 10.0))
    before, red_before = data.copy(), red.copy()
    PointsProgram(1.0, expiry_months=1).ledger(data, **COLUMNS, redemptions=red)
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(red, red_before)


# --------------------------------------------------------------------------- #
# Definitions
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param(
            {"earn_rate": -1},
            ParameterError,
            "the 'earn_rate' parameter of PointsProgram must be a number in the range "
            "[0, inf); got -1",
            id="negative-rate",
        ),
        pytest.param(
            {"earn_rate": 1, "expiry_months": 0},
            ParameterError,
            "the 'expiry_months' parameter of PointsProgram must be an int in the range "
            "[1, inf) or None; got 0",
            id="expiry-0",
        ),
        pytest.param(
            {"earn_rate": 1, "rounding": "nearest"},
            ParameterError,
            "the 'rounding' parameter of PointsProgram must be one of 'floor', 'round', "
            "'ceil'; got 'nearest'",
            id="rounding",
        ),
        pytest.param(
            {"earn_rate": 1, "cap_per_month": 0},
            ParameterError,
            "the 'cap_per_month' parameter of PointsProgram must be a number in the range "
            "(0, inf) or None; got 0",
            id="cap-0",
        ),
        pytest.param(
            {"earn_rate": 1, "multipliers": [{"when": "amount > 10", "factor": 0}]},
            ParameterError,
            "the 'factor' parameter of Multiplier must be a number in the range (0, inf); got 0",
            id="factor-0",
        ),
        pytest.param(
            {"earn_rate": 1, "multipliers": [{"when": "amount > 10", "factr": 2}]},
            ParameterError,
            "PointsProgram.multipliers[0] has an unknown key 'factr' (did you mean 'factor'?); "
            "allowed: ['factor', 'when']",
            id="multiplier-key",
        ),
        pytest.param(
            {"earn_rate": 1, "schema": {"month": "number"}},
            ParameterError,
            "PointsProgram.schema column 'month' is provided by the ledger; leave it out of "
            "the schema",
            id="schema-clash",
        ),
        pytest.param(
            {"earn_rate": 1, "schema": "0"},
            ParameterError,
            "PointsProgram.schema must be a mapping of column name to type; got '0'",
            id="schema-text",
        ),
        pytest.param(
            {"earn_rate": 1, "schema": {"tier": 5}},
            ParameterError,
            "PointsProgram.schema: unknown type 5 in the schema",
            id="schema-type",
        ),
    ],
)
def test_bad_definitions(kwargs, error, message) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        PointsProgram.from_dict(kwargs)


def test_a_multiplier_naming_an_unknown_column() -> None:
    with pytest.raises(UnknownColumnError) as info:
        PointsProgram(
            1.0, multipliers=[Multiplier("teir == 'gold'", 1.5)], schema={"tier": "string"}
        )
    first = str(info.value).splitlines()[0]
    assert first.startswith("PointsProgram.multipliers[0].when: unknown column 'teir'")
    assert "did you mean 'tier'?" in first


def test_a_multiplier_that_does_not_parse() -> None:
    with pytest.raises(RuleSyntaxError, match=r"^PointsProgram\.multipliers\[1\]\.when: "):
        PointsProgram(1.0, multipliers=[Multiplier("amount > 1", 2), Multiplier("amount >", 2)])


def test_unknown_key_in_the_programme() -> None:
    with pytest.raises(ParameterError, match=r"unknown key 'expiry' \(did you mean"):
        PointsProgram.from_dict({"earn_rate": 1, "expiry": 12})


def test_missing_multiplier_column_in_the_data() -> None:
    program = PointsProgram(
        1.0, multipliers=[Multiplier("tier == 'gold'", 2)], schema={"tier": "string"}
    )
    with pytest.raises(ColumnNotFoundError, match=r"^column 'tier' not found in the transactions"):
        program.ledger(tx((1, "2024-01-01", 10.0)), **COLUMNS)


def test_bad_redemptions() -> None:
    red = spent((1, "2024-01-06", -5.0))
    with pytest.raises(SchemaError, match=r"^column 'points' of the redemptions must hold"):
        PointsProgram(1.0).ledger(tx((1, "2024-01-01", 10.0)), **COLUMNS, redemptions=red)


def test_a_schema_of_python_and_numpy_types_is_kept_as_rule_types_and_reads_back() -> None:
    import json

    import numpy as np

    schema = {"tier": str, "orders": int, "joined": "datetime64[ns]", "vip": np.dtype(bool)}
    program = PointsProgram(1.0, multipliers=[Multiplier("vip", 2.0)], schema=schema)
    assert program.schema == {
        "tier": "string",
        "orders": "number",
        "joined": "datetime",
        "vip": "bool",
    }
    # to_dict wrote "<class 'int'>" before, which from_dict refused
    assert PointsProgram.from_dict(json.loads(json.dumps(program.to_dict()))) == program


def test_json_and_yaml_round_trip(tmp_path) -> None:
    program = PointsProgram(
        2.0,
        rounding="round",
        multipliers=[Multiplier("month == 12", 2.0)],
        cap_per_month=500,
        expiry_months=12,
        point_value=0.005,
    )
    import json

    import yaml

    path = tmp_path / "points.json"
    path.write_text(json.dumps(program.to_dict()))
    assert PointsProgram.from_json(path) == program
    assert PointsProgram.from_yaml(yaml.safe_dump(program.to_dict())) == program
    with pytest.raises(
        ParameterError,
        match=r"^invalid JSON at line 1, column 2: Expecting property name enclosed in double",
    ):
        PointsProgram.from_json("{")
    with pytest.raises(ParameterError, match=r"^cannot read the points programme file"):
        PointsProgram.from_json(tmp_path / "missing.json")


# --------------------------------------------------------------------------- #
# Property: FIFO ledger = a plain loop, balance = earned - redeemed - expired >= 0
# --------------------------------------------------------------------------- #
START = pd.Timestamp("2024-01-01")
DAY = pd.Timedelta(days=1)


def _reference(
    events: list[tuple[int, int, float]],
    months: int | None,
    as_of: int,
    unit: pd.Timedelta = DAY,
) -> tuple:
    """A plain FIFO loop over (time, kind, points); kinds: 1 earn, 2 claw back, 3 redeem.

    Times count ``unit`` (days, or hours) from ``START``. A lot earned at time t
    expires at the same clock time ``months`` calendar months later.
    """

    def expires(time: int) -> int:
        if months is None:
            return 10**9
        stamp = START + unit * time + pd.DateOffset(months=months)
        return int((stamp - START) / unit)

    timeline = list(events) + [(expires(t), 0, 0.0) for t, k, _ in events if k == 1]
    lots: list[list[float]] = []  # [expiry time, points left], oldest first
    earned = redeemed = expired = clawed = 0.0
    for time, kind, pts in sorted(timeline, key=lambda e: (e[0], e[1])):
        if time > as_of:
            break
        if kind == 0:
            while lots and lots[0][0] <= time:
                expired += lots.pop(0)[1]
        elif kind == 1:
            lots.append([expires(time), pts])
            earned += pts
        else:
            take = min(pts, sum(p for _, p in lots))
            if kind == 2:
                clawed += take
            else:
                redeemed += take
            while take > 0:
                used = min(take, lots[0][1])
                lots[0][1] -= used
                take -= used
                if lots[0][1] == 0:
                    lots.pop(0)
    return earned - clawed, redeemed, expired, sum(p for _, p in lots)


EVENT = st.tuples(
    st.integers(0, 70),  # day
    st.sampled_from([1, 1, 2, 3]),  # earn, earn, return, redeem
    st.integers(1, 50).map(float),
)


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(EVENT, min_size=1, max_size=25),
    months=st.sampled_from([None, 1, 2]),
    as_of=st.integers(0, 100),
)
def test_ledger_equals_a_fifo_loop(events, months, as_of) -> None:
    day = lambda d: START + pd.Timedelta(days=d)  # noqa: E731
    buys = [(1, day(d), p if k == 1 else -p) for d, k, p in events if k in (1, 2)]
    redemptions = [(1, day(d), p) for d, k, p in events if k == 3]
    data = pd.DataFrame(buys or [(1, day(0), 0.0)], columns=["id", "ts", "amount"])
    red = pd.DataFrame(redemptions or [(1, day(0), 0.0)], columns=["id", "ts", "points"])
    program = PointsProgram(1.0, expiry_months=months)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)  # redemptions cut to the balance
        out = program.ledger(data, **COLUMNS, redemptions=red, as_of=day(as_of))
    got = out.iloc[0] if len(out) else pd.Series(0.0, index=list(LEDGER_COLUMNS))
    assert got["points_balance"] >= 0
    assert got["points_balance"] == pytest.approx(
        got["points_earned"] - got["points_redeemed"] - got["points_expired"]
    )
    want = _reference(events, months, as_of)
    assert tuple(got[list(LEDGER_COLUMNS[:4])]) == pytest.approx(want)


@settings(max_examples=50, deadline=None)
@given(
    stamps=st.lists(
        st.integers(pd.Timestamp("1700-01-01").value, pd.Timestamp("2250-01-01").value),
        min_size=1,
        max_size=50,
    ),
    months=st.integers(1, 40),
)
def test_calendar_arithmetic_equals_pandas(stamps, months) -> None:
    from segkit.loyalty._ledger import _calendar, add_months

    wall = np.array(stamps, dtype=np.int64)
    index = pd.DatetimeIndex(wall)
    assert (add_months(wall, months) == (index + pd.DateOffset(months=months)).asi8).all()
    month, weekday, day = _calendar(wall)
    assert (month == index.month).all()
    assert (weekday == index.day_of_week).all()
    assert (day == index.day).all()


def test_loyalty_is_a_public_submodule() -> None:
    import segkit

    assert "loyalty" in segkit.__all__
    assert segkit.loyalty.PointsProgram is PointsProgram


# --------------------------------------------------------------------------- #
# Returns claw back what the returned purchase earned
# --------------------------------------------------------------------------- #
BIRTHDAY = PointsProgram(1.0, multipliers=[Multiplier("month == 3", 2.0)])


@pytest.mark.parametrize(
    "order", [pytest.param("order", id="by-order"), pytest.param(None, id="no-order")]
)
def test_a_return_claws_back_the_points_its_purchase_earned(order: str | None) -> None:
    # 100 bought in March (x2: 200 points), returned in April (x1): 200 go, not 100
    data = tx((1, "2024-03-10", 100.0), (1, "2024-04-05", -100.0), order=["A", "A"])
    assert book(BIRTHDAY, data, order=order) == row(0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("returned_order", "clawed"),
    [pytest.param("A", 200, id="march-order"), pytest.param("B", 100, id="may-order")],
)
def test_order_ids_say_which_purchase_is_returned(returned_order: str, clawed: float) -> None:
    # A: 100 in March (x2: 200); B: 100 in May (100); one of them returned in June
    data = tx(
        (1, "2024-03-10", 100.0),
        (1, "2024-05-10", 100.0),
        (1, "2024-06-01", -100.0),
        order=["A", "B", returned_order],
    )
    got = book(BIRTHDAY, data, order="order")
    assert got == row(300 - clawed, 0, 0, 300 - clawed, 0)


def test_without_order_ids_a_return_claws_back_at_the_rate_earned_so_far() -> None:
    # 300 points on 200 bought (1.5 a unit) before the return of 100: 150 go
    data = tx((1, "2024-03-10", 100.0), (1, "2024-05-10", 100.0), (1, "2024-06-01", -100.0))
    assert book(BIRTHDAY, data) == row(150, 0, 0, 150, 0)
    # a cancellation booked as an order of its own matches no purchase: the same rule
    data["order"] = ["A", "B", "C-A"]
    assert book(BIRTHDAY, data, order="order") == row(150, 0, 0, 150, 0)


def test_a_partial_return_claws_back_pro_rata() -> None:
    # order A: 99.99 in March (x2 = 199.98, floor: 199 points); 33.33 of it returned in
    # April: floor(199 x 33.33 / 99.99) = 66; the rest (66.66) in May: 199 - 66 = 133 more
    data = tx(
        (1, "2024-03-10", 66.66),
        (1, "2024-03-10", 33.33),
        (1, "2024-04-05", -33.33),
        (1, "2024-05-05", -66.66),
        order=["A", "A", "A", "A"],
    )
    assert book(BIRTHDAY, data, order="order", as_of="2024-04-30") == row(133, 0, 0, 133, 0)
    assert book(BIRTHDAY, data, order="order") == row(0, 0, 0, 0, 0)


def test_a_return_after_a_redemption_of_its_points() -> None:
    # 200 earned in March (x2), 150 redeemed, then the whole order returned in April:
    # 200 to claw back, 50 left to take
    data = tx((1, "2024-03-10", 100.0), (1, "2024-04-05", -100.0), order=["A", "A"])
    red = spent((1, "2024-03-20", 150.0))
    got = book(BIRTHDAY, data, order="order", redemptions=red)
    assert got == row(150, 150, 0, 0, 0)


def test_a_return_claws_back_the_points_after_the_caps() -> None:
    # March: A 100 x2 = 200, cut to 150 by the order cap; B 100 x2 = 200 -> 150, then
    # cut to 50 by the monthly cap of 200. Returning B takes back 50, returning half
    # of A takes back 75.
    program = PointsProgram(
        1.0, multipliers=[Multiplier("month == 3", 2.0)], cap_per_order=150, cap_per_month=200
    )
    data = tx(
        (1, "2024-03-10", 100.0),
        (1, "2024-03-12", 100.0),
        (1, "2024-04-01", -100.0),
        (1, "2024-04-02", -50.0),
        order=["A", "B", "B", "A"],
    )
    assert book(program, data, order="order", as_of="2024-03-31") == row(200, 0, 0, 200, 0)
    assert book(program, data, order="order") == row(75, 0, 0, 75, 0)


def test_a_return_after_its_points_expired_takes_from_the_balance() -> None:
    # A: 100 on Jan 15 (expires Apr 15); B: 50 on Mar 1 (expires Jun 1). A is returned
    # on May 1: its 100 points expired on Apr 15, and the claw-back takes what is
    # there, oldest first: B's 50 (the balance never goes negative). (On Apr 30, B's
    # expiry is 32 days away: not within 30 days.)
    program = PointsProgram(1.0, expiry_months=3)
    data = tx(
        (1, "2024-01-15", 100.0),
        (1, "2024-03-01", 50.0),
        (1, "2024-05-01", -100.0),
        order=["A", "B", "A"],
    )
    assert book(program, data, order="order", as_of="2024-04-30") == row(150, 0, 100, 50, 0)
    assert book(program, data, order="order", as_of="2024-05-31") == row(100, 0, 100, 0, 0)


def test_a_later_purchase_line_of_an_order_earns_on_its_own() -> None:
    data = tx((1, "2024-03-10", 100.0), (1, "2024-04-05", 10.0), order=["A", "A"])
    assert book(BIRTHDAY, data, order="order")["points_earned"] == 200 + 10


PURCHASE = st.tuples(st.integers(0, 60), st.integers(1, 60).map(float))  # day, amount
RETURN = st.tuples(
    st.integers(0, 40),  # index of the purchase returned (modulo their number)
    st.integers(0, 30),  # days after the purchase
    st.sampled_from([0.25, 0.5, 1.0]),  # share of it returned
)


@settings(max_examples=150, deadline=None)
@given(
    buys=st.lists(PURCHASE, min_size=1, max_size=12),
    returns=st.lists(RETURN, max_size=6),
    redeems=st.lists(st.tuples(st.integers(0, 90), st.integers(1, 80).map(float)), max_size=4),
    months=st.sampled_from([None, 1, 2]),
)
def test_returns_by_order_equal_a_fifo_loop(buys, returns, redeems, months) -> None:
    """Orders earn x2 from 30 up; a return claws back its order's points pro rata."""
    day = lambda d: START + pd.Timedelta(days=d)  # noqa: E731
    program = PointsProgram(
        1.0, multipliers=[Multiplier("amount >= 30", 2.0)], expiry_months=months
    )
    earned = [np.floor(a * (2.0 if a >= 30 else 1.0)) for _, a in buys]
    rows = [(1, day(d) + pd.Timedelta(hours=1), a, f"o{i}") for i, (d, a) in enumerate(buys)]
    events = [(d * 24 + 1, 1, p) for (d, _), p in zip(buys, earned, strict=True)]
    returned: dict[int, float] = {}
    # in time order (returns on one day in list order), as the pro-rata shares add up
    timed = sorted(
        ((index % len(buys), after, share) for index, after, share in returns),
        key=lambda r: buys[r[0]][0] + r[1],
    )
    for i, after, share in timed:
        d, a = buys[i]
        amount = round(a * share, 2)
        before = returned.get(i, 0.0)
        returned[i] = before + amount
        clawed = np.floor(earned[i] * min(1.0, returned[i] / a)) - np.floor(
            earned[i] * min(1.0, before / a)
        )
        at = day(d + after) + pd.Timedelta(hours=2 + len(rows) / 100)  # after its purchase
        rows.append((1, at, -amount, f"o{i}"))
        events.append(((d + after) * 24 + 2, 2, clawed))
    data = pd.DataFrame(rows, columns=["id", "ts", "amount", "order"])
    red = pd.DataFrame(
        [(1, day(d), p) for d, p in redeems] or [(1, day(0), 0.0)], columns=["id", "ts", "points"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoyaltyWarning)
        out = program.ledger(
            data, **COLUMNS, order="order", redemptions=red, as_of=day(100).date()
        )  # a date: the whole of day 100
    got = out.iloc[0]
    assert got["points_balance"] >= 0
    assert got["points_balance"] == pytest.approx(
        got["points_earned"] - got["points_redeemed"] - got["points_expired"]
    )
    # the loop on an hourly clock: purchases at hour 1, returns at 2, redemptions at 0
    hourly = events + [(d * 24, 3, p) for d, p in redeems]
    want = _reference(hourly, months, 100 * 24 + 23, unit=pd.Timedelta(hours=1))
    assert tuple(got[list(LEDGER_COLUMNS[:4])]) == pytest.approx(want)


@pytest.mark.parametrize(
    "big", [pytest.param(7.7e9 + 0.37, id="7.7e9"), pytest.param(1.2e10, id="1.2e10")]
)
def test_a_whole_return_takes_back_every_point_after_a_large_ledger(big) -> None:
    # The amounts bought so far were a global running sum minus its value at the
    # customer's start: after a large first customer that lost the digits that decide
    # the floor, and b kept 1 point of a purchase returned in full.
    data = tx((1, "2024-01-01", big), (2, "2024-01-02", 40.1), (2, "2024-01-03", -40.1))
    out = PointsProgram(1.0).ledger(data, **COLUMNS)
    assert out.loc[2].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
