"""The replay's features at a point equal summarize(as_of=point), to the last bit, on order lines."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segkit
from segkit.errors import SchemaError
from segkit.features import TransactionColumns
from segkit.lifecycle import default_lifecycle
from segkit.lifecycle._replay import feature_steps, periods

COMPARED = (
    "orders",
    "revenue",
    "avg_order_value",
    "recency_days",
    "tenure_days",
    "orders_30d",
    "revenue_30d",
)

# A: order 1 in January (two lines with the same total), refunded in full on
# Feb 10 (a line of order 1): one order at Feb 1, none at Mar 1.
# B: order 2 (Jan 20: 0.1, 0.1, 0.3) partly refunded on Feb 8 (-0.1, same order);
# order 3 (Feb 5) cancelled by invoice C3 on Feb 6 (a return; order 3 still counts).
# C: order 4 (Jan 15 10:00 and 10:05): still one order.
LINES = pd.DataFrame(
    {
        "customer": ["A", "A", "A", "B", "B", "B", "B", "B", "B", "C", "C"],
        "invoice": ["1", "1", "1", "2", "2", "2", "2", "3", "C3", "4", "4"],
        "ts": pd.to_datetime(
            [
                "2024-01-10 09:00",
                "2024-01-10 09:00",
                "2024-02-10 12:00",
                "2024-01-20 08:00",
                "2024-01-20 08:00",
                "2024-01-20 08:00",
                "2024-02-08 08:00",
                "2024-02-05 10:00",
                "2024-02-06 10:00",
                "2024-01-15 10:00",
                "2024-01-15 10:05",
            ]
        ),
        "amount": [25.0, 25.0, -50.0, 0.1, 0.1, 0.3, -0.1, 40.0, -40.0, 15.0, 15.0],
    }
)
COLUMNS = {"customer": "customer", "timestamp": "ts", "amount": "amount", "order": "invoice"}


def replay_features(
    tx: pd.DataFrame, columns: dict[str, str], end: object = None
) -> list[tuple[object, pd.DataFrame]]:
    """(as_of, features by customer) at every point of a monthly replay."""
    cols = TransactionColumns.read(tx, **columns)
    points = periods(cols, "MS", None, end, len(cols.customers))
    out = []
    steps = feature_steps(
        cols, cols.codes, len(cols.customers), points.cuts, (30,), None, None, points.days
    )
    for k, _, features in steps:
        if points.days[k] >= 0:
            as_of: object = pd.Timestamp(int(points.days[k]), unit="D").date()
        else:
            as_of = pd.Timestamp(int(points.cuts[k]), unit="ns")
        frame = pd.DataFrame({name: features[name] for name in COMPARED}, index=cols.customers)
        out.append((as_of, frame[frame["recency_days"].notna()]))
    return out


def summary(tx: pd.DataFrame, columns: dict[str, str], as_of: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # customers with only returns
        return segkit.summarize(tx, **columns, as_of=as_of, windows=[30])


def test_a_refund_after_the_boundary_does_not_change_the_counts_there() -> None:
    points = replay_features(LINES, COLUMNS, end="2024-03-01")
    got = {str(as_of): frame for as_of, frame in points}
    feb, mar = got["2024-02-01 00:00:00"], got["2024-03-01"]
    assert feb.loc["A", "orders"] == 1
    assert feb.loc["A", "revenue"] == 50.0
    assert "A" not in mar.index  # refunded in full: no purchase left
    assert feb.loc["B", "revenue"] == 0.5  # 0.1 + 0.1 + 0.3, exactly
    assert mar.loc["B", "revenue"] == 0.4  # the 0.1 refund, exactly
    assert mar.loc["B", ["orders", "orders_30d"]].tolist() == [2, 1]
    # the refund line of Feb 8 is a return, not a purchase date: Feb 5 to Mar 1
    assert mar.loc["B", "recency_days"] == 25.0
    assert feb.loc["C", "orders"] == 1


@pytest.mark.parametrize("by_time", [False, True], ids=["as given", "sorted by time"])
def test_every_point_equals_summarize_on_the_hand_example(by_time: bool) -> None:
    lines = LINES.sort_values("ts", kind="stable") if by_time else LINES
    assert TransactionColumns.read(lines, **COLUMNS).by_time() == by_time
    for as_of, frame in replay_features(lines, COLUMNS, end="2024-03-01"):
        expected = summary(LINES, COLUMNS, as_of)[list(COMPARED)]
        pd.testing.assert_frame_equal(
            frame, expected, check_exact=True, check_dtype=False, check_names=False
        )


@st.composite
def order_lines(draw: st.DrawFn) -> pd.DataFrame:
    prices = st.sampled_from([0.1, 0.2, 0.7, 1 / 3, 2.5, 19.99, 1e-5])
    rows = []
    for number in range(draw(st.integers(1, 25))):
        who = draw(st.integers(0, 5))
        minute = draw(st.integers(0, 60 * 24 * 120))
        when = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=minute)
        price = draw(prices)
        lines = draw(st.integers(1, 3))
        # Now and then an id another customer's order has too (shared order ids).
        ident = draw(st.sampled_from([number] * 4 + [0]))
        rows += [(who, f"O{ident}", when, price) for _ in range(lines)]  # equal totals
        kind = draw(st.sampled_from(["none", "part", "full", "invoice"]))
        later = when + pd.Timedelta(days=draw(st.integers(0, 70)))
        if kind == "part":
            rows.append((who, f"O{ident}", later, -price))
        elif kind == "full":
            rows.append((who, f"O{ident}", later, -price * lines))
        elif kind == "invoice":
            rows.append((who, f"C{number}", later, -price))
    return pd.DataFrame(rows, columns=["customer", "invoice", "ts", "amount"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tx=order_lines(),
    with_order=st.booleans(),
    by_time=st.booleans(),
    end=st.sampled_from([None, "2024-02-20"]),  # a replay that ends before the latest row
)
def test_every_point_equals_summarize(
    tx: pd.DataFrame, with_order: bool, by_time: bool, end: str | None
) -> None:
    columns = dict(COLUMNS) if with_order else {k: v for k, v in COLUMNS.items() if k != "order"}
    # Sums do not depend on the row order; a log sorted by time takes shortcuts.
    shuffled = tx.sample(frac=1.0, random_state=0)
    lines = shuffled.sort_values("ts", kind="stable") if by_time else shuffled
    for as_of, frame in replay_features(lines, columns, end=end):
        if frame.empty:  # no purchase yet (or all refunded): summarize says so
            with pytest.raises(SchemaError, match="no purchases"):
                summary(tx, columns, as_of)
            continue
        expected = summary(tx, columns, as_of)[list(COMPARED)]
        pd.testing.assert_frame_equal(
            frame, expected, check_exact=True, check_dtype=False, check_names=False
        )


def test_profile_summarize_and_replay_agree_on_order_lines() -> None:
    tx = segkit.datasets.make_transactions(300, seed=3, lines_per_order=3)
    columns = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    columns["order"] = "order_id"
    as_of = "2023-06-30"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = segkit.profile(
            tx, **columns, as_of=as_of, progress=False, clv=False, rules=None
        ).table
    expected = summary(tx, columns, as_of)
    for name in ("orders", "x", "revenue", "recency_days"):
        pd.testing.assert_series_equal(table[name], expected[name], check_exact=True)
    last = replay_features(tx, columns, end=as_of)[-1]
    assert str(last[0]) == as_of
    pd.testing.assert_frame_equal(
        last[1], expected[list(COMPARED)], check_exact=True, check_dtype=False, check_names=False
    )
    panel = default_lifecycle().replay(tx, **columns, end=as_of)
    assert panel["period"].max() == pd.Timestamp(as_of)


def test_quantity_and_price_replay_like_the_amount() -> None:
    lines = LINES.assign(quantity=2.0, price=LINES["amount"] / 2).drop(columns="amount")
    money = {k: v for k, v in COLUMNS.items() if k != "amount"}
    before = lines.copy()
    got = default_lifecycle().replay(lines, **money, quantity="quantity", price="price")
    pd.testing.assert_frame_equal(lines, before)  # not modified
    pd.testing.assert_frame_equal(got, default_lifecycle().replay(LINES, **COLUMNS))


@pytest.mark.parametrize(
    ("money", "error", "message"),
    [
        (
            {"amount": "amount", "quantity": "amount", "price": "amount"},
            "ParameterError",
            "not both",
        ),
        ({"quantity": "amount"}, "ParameterError", "needs price="),
        ({"quantity": "note", "price": "amount"}, "SchemaError", "column 'note'"),
    ],
    ids=["both", "no-price", "text-quantity"],
)
def test_bad_money_columns_in_replay(money: dict[str, str], error: str, message: str) -> None:
    columns = {k: v for k, v in COLUMNS.items() if k != "amount"}
    with pytest.raises(getattr(segkit.errors, error), match=message):
        default_lifecycle().replay(LINES.assign(note="x"), **columns, **money)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tx=order_lines(),
    with_order=st.booleans(),
    by_time=st.booleans(),
    end=st.sampled_from([None, "2024-02-20"]),
)
def test_the_columns_a_machine_reads_equal_those_of_every_feature(
    tx: pd.DataFrame, with_order: bool, by_time: bool, end: str | None
) -> None:
    """A replay that reads a few columns (no tenure: no first purchase dates) gives them,
    and the customers present, as the replay of every feature does."""
    import numpy as np

    columns = dict(COLUMNS) if with_order else {k: v for k, v in COLUMNS.items() if k != "order"}
    lines = tx.sort_values("ts", kind="stable") if by_time else tx
    cols = TransactionColumns.read(lines, **columns)
    points = periods(cols, "MS", None, end, len(cols.customers))
    read = ["orders", "recency_days", "orders_30d"]

    def steps(needed: list[str] | None) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
        out = []
        for _, present, features in feature_steps(
            cols, cols.codes, len(cols.customers), points.cuts, (30,), None, needed, points.days
        ):
            out.append((present.copy(), {name: np.array(features[name]) for name in read}))
        return out

    every, few = steps(None), steps(read)
    assert len(every) == len(few) == points.cuts.size
    for (present, features), (present_few, features_few) in zip(every, few, strict=True):
        assert present.tolist() == present_few.tolist()
        for name in read:
            np.testing.assert_array_equal(features_few[name], features[name])
