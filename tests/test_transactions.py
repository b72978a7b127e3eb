"""The transaction model (segkit.transactions): orders, returns, quantity x price, sums."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segkit
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.transactions import TransactionColumns, group_sum, money_parts, parts_sum

LINES = {"customer": "cid", "timestamp": "ts", "order": "inv"}


@pytest.fixture
def lines() -> pd.DataFrame:
    """Order lines by hand: equal line totals, a cancellation invoice, a return line."""
    return pd.DataFrame(
        {
            "cid": [1, 1, 1, 1, 1, 2, 2, 2, 2],
            "inv": ["A1", "A1", "A1", "C9", "A2", "B1", "B1", "B2", "B3"],
            "ts": pd.to_datetime(
                [
                    "2024-01-02 10:00", "2024-01-02 10:00", "2024-01-02 10:00",  # 3 lines
                    "2024-01-03 09:00",  # cancels one line of A1
                    "2024-01-20 15:00",
                    "2024-01-05 12:00", "2024-01-05 12:00",  # two lines, equal totals
                    "2024-01-05 18:00",  # a second order the same day
                    "2024-01-25 08:00",  # refunded in full inside the order: net 0
                ]
            ),
            "qty": [2, 2, 1, -1, 3, 1, 1, 4, 1],
            "price": [5.0, 5.0, 7.5, 7.5, 0.1, 12.0, 12.0, 2.5, 9.0],
        }
    )  # fmt: skip


def _with_refund(lines: pd.DataFrame) -> pd.DataFrame:
    refund = pd.DataFrame(
        {
            "cid": [2],
            "inv": ["B3"],
            "ts": [pd.Timestamp("2024-01-26")],
            "qty": [-1],
            "price": [9.0],
        }
    )
    return pd.concat([lines, refund], ignore_index=True)


def test_orders_are_distinct_ids_with_positive_net(lines):
    tx = _with_refund(lines)
    s = segkit.summarize(tx, **LINES, quantity="qty", price="price", as_of="2024-01-31")
    # Customer 1: A1 and A2 are orders; the cancellation invoice C9 is a return.
    assert s.loc[1, "orders"] == 2
    assert s.loc[1, "revenue"] == pytest.approx(10 + 10 + 7.5 - 7.5 + 0.3)
    assert s.loc[1, "x"] == 1  # purchase days Jan 2 and Jan 20
    # Customer 2: B1 (two equal lines) and B2 count; B3 nets to zero: not an order.
    assert s.loc[2, "orders"] == 2
    assert s.loc[2, "revenue"] == 34.0
    assert s.loc[2, "x"] == 0  # B1 and B2 are on the same day
    assert s.loc[2, "last_purchase"] == pd.Timestamp("2024-01-05 18:00")
    assert s.loc[2, "avg_order_value"] == 17.0


def test_net_is_taken_up_to_as_of(lines):
    tx = _with_refund(lines)
    before = segkit.summarize(tx, **LINES, quantity="qty", price="price", as_of="2024-01-25")
    # The refund of B3 comes after as_of: B3 was an order then.
    assert before.loc[2, "orders"] == 3
    assert before.loc[2, "x"] == 1


def test_quantity_times_price_equals_the_amount_column(lines):
    by_parts = segkit.summarize(lines, **LINES, quantity="qty", price="price", windows=(7,))
    given_amount = lines.assign(amount=lines["qty"] * lines["price"])
    by_amount = segkit.summarize(given_amount, **LINES, amount="amount", windows=(7,))
    pd.testing.assert_frame_equal(by_parts, by_amount)


def test_without_order_every_non_negative_row_is_a_purchase(lines):
    tx = lines.assign(amount=lines["qty"] * lines["price"])
    s = segkit.summarize(tx, customer="cid", timestamp="ts", amount="amount")
    assert s["orders"].tolist() == [4, 4]


def test_calibration_holdout_counts_orders_the_same_way(lines):
    ch = segkit.calibration_holdout(
        lines, **LINES, quantity="qty", price="price",
        calibration_end="2024-01-10", observation_end="2024-01-31",
    )  # fmt: skip
    assert ch["orders"].tolist() == [1, 2]
    assert ch["x_holdout"].tolist() == [1, 1]


@pytest.mark.parametrize(
    "amounts",
    [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0.2, 0.3, 0.1]],
    ids=["up", "down", "mixed"],
)
def test_sums_do_not_depend_on_row_order(amounts):
    tx = pd.DataFrame({"cid": 1, "ts": pd.Timestamp("2024-01-01"), "amount": amounts})
    s = segkit.summarize(tx, customer="cid", timestamp="ts", amount="amount")
    assert s.loc[1, "revenue"] == 0.6


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(-1e6, 1e6, allow_nan=False, width=32)),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_group_sum_is_permutation_invariant(rows, rnd):
    codes = np.array([c for c, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.float64)
    perm = list(range(len(rows)))
    rnd.shuffle(perm)
    a = group_sum(codes, values, 4)
    b = group_sum(codes[perm], values[perm], 4)
    assert a.tolist() == b.tolist()
    np.testing.assert_allclose(a, np.bincount(codes, weights=values, minlength=4), atol=1e-3)


_MONEY = st.one_of(
    st.integers(-(10**7), 10**7).map(lambda c: c / 100),  # cents
    st.integers(-(10**7), 10**7).map(lambda c: c / 10_000),  # 1/10,000
    st.floats(-1e6, 1e6, allow_nan=False),  # anything
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), _MONEY, st.booleans()), min_size=1, max_size=60),
    st.integers(1, 7),
)
def test_group_sum_by_blocks_and_rows_equals_one_pass(rows, block):
    """Block-wise sums, and a mask of rows, give the sums of the rows in one pass."""
    codes = np.array([c for c, _, _ in rows], dtype=np.int64)
    values = np.array([v for _, v, _ in rows], dtype=np.float64)
    keep = np.array([k for _, _, k in rows], dtype=bool)
    one_pass = parts_sum(codes, *money_parts(values), 6)
    keep_pass = parts_sum(codes[keep], *money_parts(values[keep]), 6)
    with blocks_of(block):
        assert group_sum(codes, values, 6).tolist() == one_pass.tolist()
        assert group_sum(codes, values, 6, keep).tolist() == keep_pass.tolist()
        cents = np.round(values, 2)
        assert (
            group_sum(codes, cents, 6, keep, cents=True).tolist()
            == group_sum(codes[keep], cents[keep], 6).tolist()
        )


@contextmanager
def blocks_of(rows: int) -> Iterator[None]:
    """Set the rows per block of the block-wise reductions (small: many blocks)."""
    import segkit.sums as module

    saved, module.BLOCK = module.BLOCK, rows
    try:
        yield
    finally:
        module.BLOCK = saved


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-5, 40), min_size=1, max_size=80),
    st.sampled_from(["int64", "int32", "int8", "uint16", "uint64"]),
)
def test_order_codes_number_ids_in_order_of_first_appearance(ids, dtype):
    info = np.iinfo(dtype)
    # clipped as Python ints: np.clip of int64 against uint64's max overflows on numpy 2
    raw = np.array([min(max(i, int(info.min)), int(info.max)) for i in ids], dtype=dtype)
    tx = pd.DataFrame({"cid": 1, "ts": pd.Timestamp("2024-01-01"), "a": 1.0, "o": raw})
    cols = TransactionColumns.read(tx, customer="cid", timestamp="ts", amount="a", order="o")
    assert cols.order is not None
    assert cols.order.tolist() == pd.factorize(raw)[0].tolist()


@pytest.mark.parametrize(
    "ids",
    [
        [3, 3, 4, 3, 5, 6, 4, 7],  # order numbers counted up; returns come back to old ones
        [3, 5, 4, 6],  # a gap filled later
        [4, 3, 5, 5],  # the smallest id is not the first
        [-2, -1, -1, 0, -2, 1],
        [7],
    ],
)
def test_order_numbers_counted_up_keep_their_order(ids):
    raw = np.array(ids)
    tx = pd.DataFrame({"cid": 1, "ts": pd.Timestamp("2024-01-01"), "a": 1.0, "o": raw})
    cols = TransactionColumns.read(tx, customer="cid", timestamp="ts", amount="a", order="o")
    assert cols.order is not None
    assert cols.order.tolist() == pd.factorize(raw)[0].tolist()


@pytest.mark.parametrize("ids", [[5, 3, 4, 3], [5, 9, 3, 3], [0, 2, 1], [7, 7]])
def test_integer_customer_ids_are_numbered_in_sorted_order(ids):
    tx = pd.DataFrame({"cid": ids, "ts": pd.Timestamp("2024-01-01"), "a": 1.0})
    cols = TransactionColumns.read(tx, customer="cid", timestamp="ts", amount="a")
    assert cols.customers.tolist() == sorted(set(ids))
    assert cols.codes.tolist() == [sorted(set(ids)).index(i) for i in ids]


def test_wide_integer_order_ids_are_numbered_too():
    raw = np.array([10**12, 5, 10**12, -(10**15), 5])
    tx = pd.DataFrame({"cid": 1, "ts": pd.Timestamp("2024-01-01"), "a": 1.0, "o": raw})
    cols = TransactionColumns.read(tx, customer="cid", timestamp="ts", amount="a", order="o")
    assert cols.order is not None
    assert cols.order.tolist() == [0, 1, 0, 2, 1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(-300, 900), st.booleans()),
        min_size=1,
        max_size=50,
    )
)
def test_count_orders_counts_customer_order_pairs(rows):
    """An order id several customers share counts once for each of them."""
    tx = pd.DataFrame(rows, columns=["cid", "inv", "cents", "inside"])
    tx["ts"] = pd.Timestamp("2024-01-01")
    tx["amount"] = tx["cents"] / 100
    cols = TransactionColumns.read(
        tx, customer="cid", timestamp="ts", amount="amount", order="inv"
    )
    inside = tx["inside"].to_numpy()
    net = tx.groupby(["inv"])["cents"].transform("sum")
    buy = (net > 0) & (tx["cents"] >= 0)
    np.testing.assert_array_equal(cols.purchases(), buy.to_numpy())
    for mask in (None, inside):
        sel = buy if mask is None else buy & inside
        want = tx[sel].drop_duplicates(["cid", "inv"]).groupby("cid").size()
        want = want.reindex(cols.customers, fill_value=0).to_numpy()
        np.testing.assert_array_equal(cols.count_orders(mask), want)
    owner = cols.order_owner()
    shared = tx.groupby("inv")["cid"].nunique()
    assert (owner < 0).sum() == (shared > 1).sum()
    # A subset counts as a log of its own rows would (it starts from what the whole log knows).
    half = (len(tx) + 1) // 2
    for keep in (slice(0, half), np.arange(len(tx)) % 3 != 1):
        part = cols.subset(keep)
        alone = TransactionColumns.read(
            tx[keep].reset_index(drop=True), customer="cid", timestamp="ts", amount="amount",
            order="inv",
        )  # fmt: skip
        got = pd.Series(part.count_orders(), index=part.customers)
        want = pd.Series(alone.count_orders(), index=alone.customers)
        pd.testing.assert_series_equal(got[got > 0], want[want > 0])


def test_sum_amount_is_group_sum():
    tx = make_lines_with_odd_amounts()
    cols = TransactionColumns.read(tx, customer="cid", timestamp="ts", amount="a", order="o")
    n = len(cols.customers)
    late = cols.wall > cols.wall[2]
    assert cols.sum_amount().tolist() == group_sum(cols.codes, cols.amount, n).tolist()
    assert (
        cols.sum_amount(rows=late).tolist()
        == group_sum(cols.codes[late], cols.amount[late], n).tolist()
    )
    # cents add exactly (0.1 + 0.2 is 0.3), other amounts as they are
    assert cols.sum_amount(cols.order, cols.n_orders).tolist() == [10.5, 0.3, 1 / 3]


def make_lines_with_odd_amounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cid": ["a", "a", "b", "b", "c"],
            "ts": pd.date_range("2024-01-01", periods=5, freq="D"),
            "a": [10.0, 0.5, 0.1, 0.2, 1 / 3],
            "o": [7, 7, 8, 8, 9],
        }
    )


def test_group_sum_cents_are_exact():
    values = np.array([0.1] * 10 + [0.2] * 5)
    assert group_sum(np.zeros(15, dtype=np.int64), values, 1).tolist() == [2.0]


def test_decimal_amounts_are_numbers(lines):
    tx = lines.assign(
        amount=[Decimal(str(q * p)) for q, p in zip(lines["qty"], lines["price"], strict=True)]
    )
    s = segkit.summarize(tx, **LINES, amount="amount")
    assert s.loc[2, "revenue"] == 43.0


def test_integer_column_names(lines):
    tx = lines.assign(amount=lines["qty"] * lines["price"])[["cid", "ts", "amount"]]
    tx.columns = [5, 6, 7]
    s = segkit.summarize(tx, customer=5, timestamp=6, amount=7)
    assert s.index.name == 5
    assert s["orders"].tolist() == [4, 4]


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "message"),
    [
        (None, {"amount": "qty", "quantity": "qty", "price": "price"}, ParameterError,
         "pass amount='qty' or quantity= and price=, not both"),
        (None, {"quantity": "qty"}, ParameterError, "quantity= needs price= too"),
        (None, {"price": "price"}, ParameterError, "price= needs quantity= too"),
        (None, {}, ParameterError, "name the money columns"),
        ({"qty": ["2", "2", "x", "-1", "3", "1", "1", "4", "one"]},
         {"quantity": "qty", "price": "price"}, SchemaError,
         "column 'qty' of the transactions must be numeric, not"),
        ({"inv": ["A1", None, "A1", "C9", "A2", "B1", "B1", None, "B3"]},
         {"quantity": "qty", "price": "price"}, SchemaError,
         "column 'inv' has 2 missing order id(s) at index [1, 7]"),
        ({"cid": [[1], [1], [1], [1], [1], [2], [2], [2], [2]]},
         {"quantity": "qty", "price": "price"}, SchemaError,
         "column 'cid' holds unhashable customer ids (lists or dicts)"),
        (None, {"quantity": "qtty", "price": "price"}, ColumnNotFoundError, "qtty"),
    ],
    ids=["both", "quantity-only", "price-only", "none", "text-quantity", "null-order",
         "list-ids", "typo"],
)  # fmt: skip
def test_bad_input_is_named(lines, change, kwargs, error, message):
    tx = lines if change is None else lines.assign(**change)
    before = tx.copy()
    with pytest.raises(error) as info:
        segkit.summarize(tx, **LINES, **kwargs)
    assert message in str(info.value)
    pd.testing.assert_frame_equal(tx, before)


def test_text_quantity_names_the_rows(lines):
    tx = lines.assign(qty=["2", "2", "x", "-1", "3", "1", "1", "4", "one"])
    with pytest.raises(SchemaError) as info:
        segkit.summarize(tx, **LINES, quantity="qty", price="price")
    assert "index [2, 8] holds ['x', 'one']" in str(info.value)


# --------------------------------------------------------------------------- #
# One count everywhere: summarize, the replay's features and profile
# --------------------------------------------------------------------------- #
def test_summarize_replay_and_profile_count_orders_alike():
    from segkit.datasets import make_transactions
    from segkit.lifecycle._replay import feature_steps, periods
    from segkit.transactions import TransactionColumns

    tx = make_transactions(
        400, seed=8, start="2023-01-01", end="2023-12-31", products=80, lines_per_order=3,
        cancel_rate=0.05, return_rate=0.03,
    )  # fmt: skip
    sales = tx[tx["quantity"] > 0]
    # The shape the test is about: several lines per order, equal line totals, cancellations.
    assert sales.groupby("order_id").size().max() >= 3
    assert sales.duplicated(["order_id", "amount"]).any()
    assert tx["order_id"].astype(str).str.startswith("C").any()
    columns = {"customer": "customer_id", "timestamp": "timestamp", "order": "order_id"}
    as_of = "2023-10-31"
    want = segkit.summarize(tx, **columns, amount="amount", as_of=as_of)
    # Orders are distinct order ids with a positive net, never lines.
    assert (want["orders"] < sales[sales["timestamp"] <= "2023-11-01"]
            .groupby("customer_id").size().reindex(want.index)).any()  # fmt: skip

    cols = TransactionColumns.read(tx, **columns, amount="amount")
    points = periods(cols, "MS", "2023-02-01", as_of)
    steps = list(feature_steps(cols, cols.codes, len(cols.customers), points.cuts, (), None,
                               None, points.days))  # fmt: skip
    _, _, last = steps[-1]
    has = last["_first"] != np.iinfo(np.int64).max
    assert cols.customers[has].equals(want.index)
    np.testing.assert_array_equal(last["orders"][has], want["orders"].to_numpy())
    # The replay adds revenue period by period: equal up to float rounding of the sums.
    np.testing.assert_allclose(last["revenue"][has], want["revenue"].to_numpy(), atol=1e-9)

    table = segkit.profile(tx, **columns, amount="amount", as_of=as_of, lifecycle=None).table
    for column in ("orders", "x", "revenue"):
        pd.testing.assert_series_equal(
            table[column], want[column], check_names=False, check_index_type=False
        )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # customer
            st.integers(0, 6),  # order id (an id may be shared by customers)
            st.integers(0, 9),  # day
            st.sampled_from([-7.5, -2.0, 0.0, 2.0, 5.0, 7.5, 0.1]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(-1, 10),
    st.sampled_from(["", "purchases", "purchases and orders"]),
    st.booleans(),
)
def test_the_purchases_of_the_rows_up_to_a_cut_are_those_of_those_rows_alone(
    rows, cut, first, own
):
    """until(cut) takes the first rows' purchases (and orders counted) from the whole log's
    (orders spanning the cut added up again); they equal those of a log of the first rows."""
    rows = sorted(rows, key=lambda r: r[2])  # a log sorted by time: the first rows
    frame = pd.DataFrame(rows, columns=["cid", "inv", "day", "amount"])
    if own:  # every customer's order ids their own
        frame["inv"] = frame["cid"] * 7 + frame["inv"]
    frame["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], "D")
    kw = {"customer": "cid", "timestamp": "ts", "amount": "amount", "order": "inv"}
    cols = TransactionColumns.read(frame, **kw)
    if first:  # the whole log's purchases (and orders counted) are known before the cut
        cols.purchase_mask()
    if first == "purchases and orders":
        cols.count_orders()
    stamp = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cut)
    prefix = cols.until(stamp.as_unit("ns").value)
    # Kept unless an order with lines after the cut has an id several customers share.
    later = set(frame.loc[frame["ts"] > stamp, "inv"])
    shared = set(frame.groupby("inv")["cid"].nunique().loc[lambda s: s > 1].index)
    kept = "customer_orders" in prefix._derived
    assert kept == (first == "purchases and orders" and not (later & shared))
    inside = frame[frame["ts"] <= stamp]
    if inside.empty:
        return
    alone = TransactionColumns.read(inside.reset_index(drop=True), **kw)
    assert prefix.purchase_mask().tolist() == alone.purchase_mask().tolist()
    # The orders with a positive net among these rows (by order id: the codes may differ)
    ids = frame["inv"].to_numpy()
    positive = prefix.positive_orders()
    assert positive.size == prefix.n_orders
    got = {ids[i] for i in range(len(inside)) if positive[prefix.order[i]]}
    want = {
        inside["inv"].iloc[i]
        for i in range(len(inside))
        if alone.positive_orders()[alone.order[i]]
    }
    assert got == want
    assert want == set(inside.groupby("inv")["amount"].sum().loc[lambda s: s > 1e-9].index)
    counted = pd.Series(prefix.count_orders(), index=prefix.customers)  # every customer's
    assert counted.reindex(alone.customers).tolist() == alone.count_orders().tolist()
    # ... and over some of those rows: the later half (a slice), every other row (a mask)
    half = slice(len(inside) // 2, None)
    mask = np.arange(len(inside)) % 2 == 0
    for rows in (half, mask):
        counted = pd.Series(prefix.count_orders(rows), index=prefix.customers)
        assert counted.reindex(alone.customers).tolist() == alone.count_orders(rows).tolist()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # customer
            st.integers(0, 9),  # day
            st.sampled_from([-7.55, -2.0, 0.0, 0.01, 2.1, 5.0, 7.5, 19.99, 1e9 + 0.07]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(-1, 10),
    st.booleans(),
)
def test_the_revenue_of_the_rows_up_to_a_cut_is_that_of_those_rows_alone(rows, cut, first):
    """until(cut) takes its revenue from the whole log's less the later rows' (whole
    hundredths, exact): the same bits as a log of the first rows only."""
    rows = sorted(rows, key=lambda r: r[1])  # a log sorted by time: the first rows
    frame = pd.DataFrame(rows, columns=["cid", "day", "amount"])
    frame["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], "D")
    kw = {"customer": "cid", "timestamp": "ts", "amount": "amount"}
    cols = TransactionColumns.read(frame, **kw)
    if first:  # the whole log's revenue is known before the cut
        cols.sum_amount()
    stamp = pd.Timestamp("2024-01-01") + pd.Timedelta(days=cut)
    prefix = cols.until(stamp.as_unit("ns").value)
    assert ("customer_cents" in prefix._derived) == first  # (the whole log: this one)
    inside = frame[frame["ts"] <= stamp]
    if inside.empty:
        return
    alone = TransactionColumns.read(inside.reset_index(drop=True), **kw)
    got = pd.Series(prefix.sum_amount(), index=prefix.customers).reindex(alone.customers)
    want = alone.sum_amount()
    assert got.to_numpy().view(np.int64).tolist() == want.view(np.int64).tolist()
    expected = inside.groupby("cid")["amount"].apply(lambda a: sum(map(Decimal, map(str, a))))
    assert [Decimal(str(round(v, 2))) for v in want] == expected.tolist()


def test_the_revenue_up_to_a_cut_is_summed_again_when_hundredths_could_be_inexact():
    """Sums of whole hundredths past 2**53 round: the log's less the later rows' would not
    be the first rows' own sum (off by up to ~100 here), so those are summed again."""
    n = 30_000  # 20,000 lines of 1e10 + 0.01 (odd hundredths): 2e16 hundredths > 2**53
    frame = pd.DataFrame(
        {
            "cid": np.r_[np.zeros(n, dtype=np.int64), 1],
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n + 1), "s"),
            "amount": np.r_[np.full(n, 1e10 + 0.01), 0.07],
        }
    )
    frame.loc[1::3, "amount"] = 0.01
    kw = {"customer": "cid", "timestamp": "ts", "amount": "amount"}
    cols = TransactionColumns.read(frame, **kw)
    cols.sum_amount()
    assert "customer_cents" in cols._derived
    for at in (n // 4, n // 2, 3 * n // 4):
        cut = frame["ts"].iloc[at]
        prefix = cols.until(cut.value)
        assert "customer_cents" not in prefix._derived
        alone = TransactionColumns.read(frame[frame["ts"] <= cut], **kw)
        got, want = prefix.sum_amount()[:1], alone.sum_amount()
        assert got.view(np.int64).tolist() == want.view(np.int64).tolist()
