from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.datasets import (
    load_donations,
    make_customers,
    make_events,
    make_transactions,
)
from segkit.errors import ParameterError


def test_load_cdnow(cdnow):
    assert cdnow.shape == (6919, 4)
    assert cdnow.dtypes.to_dict() == {
        "customer_id": np.dtype("int64"),
        "date": np.dtype("datetime64[ns]"),
        "quantity": np.dtype("int64"),
        "amount": np.dtype("float64"),
    }
    assert cdnow["customer_id"].nunique() == 2357
    assert cdnow["amount"].sum() == pytest.approx(244_091.94, abs=0.01)
    assert cdnow.iloc[0].tolist() == [1, pd.Timestamp("1997-01-01"), 2, 29.33]


def test_load_donations():
    d = load_donations()
    assert list(d.columns) == ["frequency", "recency", "periods", "weights"]
    assert len(d) == 22
    assert d["weights"].sum() == 11104
    assert (d["periods"] == 6).all()


def test_make_transactions_is_deterministic():
    a = make_transactions(500, seed=11)
    b = make_transactions(500, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(make_transactions(500, seed=12))


def test_make_transactions_shape_and_story():
    tx = make_transactions(2000, seed=3, start="2023-01-01", end="2024-12-31")
    assert tx["customer_id"].nunique() == 2000
    assert tx["timestamp"].between("2023-01-01", "2025-02-01").all()
    assert tx["timestamp"].is_monotonic_increasing
    purchases = tx[tx["amount"] >= 0]
    returns = tx[tx["amount"] < 0]
    assert 0.02 < len(returns) / len(purchases) < 0.06
    # A return refers to an order of the same customer.
    orders = purchases.groupby("order_id")["customer_id"].first()
    assert (orders.loc[returns["order_id"]].to_numpy() == returns["customer_id"].to_numpy()).all()
    assert set(tx["channel"].cat.categories) == {"online", "offline"}
    # Heterogeneity: many one-time buyers and a long tail of frequent ones.
    per_customer = purchases.groupby("customer_id")["order_id"].nunique()
    assert 0.2 < (per_customer == 1).mean() < 0.6
    assert per_customer.max() > 20


def test_companion_tables_describe_the_same_customers():
    tx = make_transactions(400, seed=9)
    people = make_customers(400, seed=9)
    events = make_events(400, seed=9)
    first = tx[tx["amount"] >= 0].groupby("customer_id")["timestamp"].min()
    assert (people.loc[first.index, "signup_date"] <= first).all()
    assert len(people) == 440
    assert people["interests"].map(type).eq(list).all()
    assert events["customer_id"].between(1, 400).all()
    first_event = events.groupby("customer_id")["timestamp"].min()
    assert (first_event >= first.loc[first_event.index] - pd.Timedelta(seconds=1)).all()


def test_summarize_recovers_bgnbd_story():
    tx = make_transactions(3000, seed=4)
    s = segkit.summarize(tx, customer="customer_id", timestamp="timestamp", amount="amount")
    assert (s["t_x"] <= s["T"]).all()
    assert s["x"].mean() > 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 0}, "n_customers must be at least 1"),
        ({"n_customers": 2.5}, "n_customers must be an int"),
        ({"start": "2024-01-01", "end": "2023-01-01"}, "end .* must be after start"),
        ({"r": -1}, "r must be positive"),
        ({"return_rate": 1.5}, "return_rate must be in"),
    ],
)
def test_bad_generator_arguments(kwargs, message):
    kwargs = {"n_customers": 10, **kwargs}
    with pytest.raises(ParameterError, match=message):
        make_transactions(**kwargs)


# --------------------------------------------------------------------------- #
# Export-shaped order lines (products=)
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def export_lines():
    return make_transactions(
        800, seed=5, products=120, lines_per_order=3, cancel_rate=0.05, guest_rate=0.05
    )


def test_export_lines_amount_is_quantity_times_price(export_lines):
    tx = export_lines
    assert list(tx.columns) == [
        "customer_id", "order_id", "timestamp", "amount", "quantity", "category", "channel",
        "product_id", "price",
    ]  # fmt: skip
    np.testing.assert_array_equal(tx["amount"], (tx["quantity"] * tx["price"]).round(2))
    assert (tx["price"] > 0).all()
    assert set(tx["product_id"]) <= set(range(1, 121))


def test_export_lines_have_equal_line_totals_of_different_products(export_lines):
    sales = export_lines[export_lines["quantity"] > 0]
    twins = sales[sales.duplicated(["order_id", "amount"], keep=False)]
    assert len(twins) > 100
    # Same order and line total, but never the same product twice in a row.
    per = twins.groupby(["order_id", "amount"])["product_id"].nunique()
    assert (per >= 2).mean() > 0.9


def test_export_lines_cancellations_reverse_an_earlier_order(export_lines):
    tx = export_lines
    ids = tx["order_id"].astype(str)
    cancel = tx[ids.str.startswith("C")]
    assert len(cancel) > 0
    assert (cancel["quantity"] < 0).all()
    assert (cancel["amount"] < 0).all()
    # Every other order id is a plain number.
    assert ids[~ids.str.startswith("C")].str.fullmatch(r"\d+").all()
    # Each cancellation invoice reverses lines a customer bought before it.
    for _, inv in cancel.groupby("order_id"):
        who = inv["customer_id"].iloc[0]
        earlier = tx[(tx["timestamp"] <= inv["timestamp"].min()) & (tx["quantity"] > 0)]
        if pd.isna(who):
            continue
        bought = earlier[earlier["customer_id"] == who]
        assert set(inv["product_id"]) <= set(bought["product_id"])


def test_export_lines_guests_have_no_customer(export_lines):
    guests = export_lines["customer_id"].isna()
    assert export_lines["customer_id"].dtype == np.float64
    assert 0.02 < guests.mean() < 0.1
    # A guest order has no customer on any of its lines.
    per_order = export_lines.assign(g=guests).groupby("order_id")["g"].agg(["min", "max"])
    assert (per_order["min"] == per_order["max"]).all()


def test_export_lines_default_shape_is_unchanged():
    plain = make_transactions(300, seed=2)
    assert list(plain.columns) == [
        "customer_id", "order_id", "timestamp", "amount", "quantity", "category", "channel",
    ]  # fmt: skip
    assert plain["order_id"].dtype == np.int64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cancel_rate": 0.1}, "cancel_rate and guest_rate need products=..."),
        ({"products": 0}, "products must be a positive int; got 0"),
        ({"products": 5, "guest_rate": 1.0}, "guest_rate must be in [0, 1); got 1.0"),
        ({"products": 5, "equal_totals": -0.1}, "equal_totals must be in [0, 1); got -0.1"),
    ],
    ids=["cancel-without-products", "zero-products", "guest-rate", "equal-totals"],
)
def test_export_lines_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError) as info:
        make_transactions(10, seed=0, **kwargs)
    assert message in str(info.value)


def test_export_lines_are_all_genuine(export_lines):
    # Every line is a purchase, a return or a cancellation the generator made: none is
    # written twice, so cleaning drops the guest lines only and loses no revenue.
    assert not export_lines.duplicated().any()
    clean, report = segkit.clean_transactions(
        export_lines, customer="customer_id", timestamp="timestamp", quantity="quantity",
        price="price", order="order_id", cancel_prefix="C", amount_name="line_amount",
    )  # fmt: skip
    assert report.counts.to_dict() == {
        "missing customer id": int(export_lines["customer_id"].isna().sum())
    }
    assert len(clean) == export_lines["customer_id"].notna().sum()
