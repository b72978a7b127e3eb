"""category_affinity and segment_affinity: hand-worked shares, windows, lift, significance."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.affinity import category_affinity, segment_affinity
from segkit.errors import ParameterError, SchemaError
from segkit.tagging import Rule, TagEngine


@pytest.fixture
def lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 1, 2],
            "order_id": [10, 10, 11, 12, 13, 20],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-01-05",
                    "2024-02-20",
                    "2024-03-20",
                    "2024-03-25",
                    "2024-02-01",
                ]
            ),
            "amount": [30.0, 10.0, 60.0, 20.0, -60.0, 20.0],
            "category": ["shoes", "bags", "shoes", "bags", "shoes", "bags"],
        }
    )


def affinity(lines, **kwargs):
    kwargs.setdefault("as_of", "2024-03-31")
    return category_affinity(
        lines, customer="customer_id", timestamp="timestamp", amount="amount", **kwargs
    )


def test_hand_worked_shares_windows_and_ties(lines):
    out = affinity(lines, order="order_id", windows=[30])
    one, two = out.loc[1], out.loc[2]
    # Customer 1: shoes 30 + 60 - 60 = 30, bags 10 + 20 = 30; orders 10, 11, 12
    # (13 is a return). Spend ties, orders tie (2 each): the first name, bags.
    assert one["share_shoes"] == 0.5
    assert one["share_bags"] == 0.5
    assert one["order_share_shoes"] == pytest.approx(2 / 3)
    assert one["order_share_bags"] == pytest.approx(2 / 3)
    assert one["favourite_category"] == "bags"
    assert one["category_count"] == 2
    # Last 30 days: bags 20 on 20 March, the shoes return sinks shoes to 0.
    assert one["share_bags_30d"] == 1.0
    assert one["share_shoes_30d"] == 0.0
    assert one["order_share_bags_30d"] == 1.0
    assert one["favourite_category_30d"] == "bags"
    assert one["category_count_30d"] == 1
    # Customer 2 bought nothing in the window: shares are missing, the count is 0.
    assert two["share_bags"] == 1.0
    assert np.isnan(two["share_bags_30d"])
    assert np.isnan(two["order_share_bags_30d"])
    assert pd.isna(two["favourite_category_30d"])
    assert two["category_count_30d"] == 0
    assert list(out.columns) == [
        "share_bags",
        "share_shoes",
        "order_share_bags",
        "order_share_shoes",
        "favourite_category",
        "category_count",
        "share_bags_30d",
        "share_shoes_30d",
        "order_share_bags_30d",
        "order_share_shoes_30d",
        "favourite_category_30d",
        "category_count_30d",
    ]
    assert out.index.name == "customer_id"


def test_orders_are_days_without_an_order_column(lines):
    out = affinity(lines)
    # Three purchase days for customer 1 (the return on 25 March is not a
    # purchase); shoes on two of them.
    assert out.loc[1, "order_share_shoes"] == pytest.approx(2 / 3)


def test_as_of_cuts_later_lines(lines):
    out = affinity(lines, as_of="2024-02-25", order="order_id")
    assert out.loc[1, "share_shoes"] == pytest.approx(90 / 100)
    assert out.loc[1, "favourite_category"] == "shoes"


def test_favourite_by_orders_when_spend_ties():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "order_id": [1, 2, 3],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [10.0, 5.0, 5.0],
            "category": ["a", "b", "b"],
        }
    )
    assert affinity(tx, order="order_id").loc[1, "favourite_category"] == "b"


def test_favourites_are_the_labels_in_their_own_type(lines):
    out = affinity(lines, order="order_id")
    fav = out["favourite_category"]
    assert fav.dtype == lines["category"].dtype  # text stays text, no category dtype
    # a categorical item column: its values, ties going to the first in its order
    kinds = pd.CategoricalDtype(["shoes", "hats", "bags"], ordered=True)
    ordered = affinity(lines.assign(category=lines["category"].astype(kinds)), order="order_id")
    # customer 1 ties on spend and orders: the first value in the column's order wins
    assert fav.tolist() == ["bags", "bags"]
    assert ordered["favourite_category"].tolist() == ["shoes", "bags"]
    # numbers stay numbers; no spend (returns cancel every purchase): no favourite
    coded = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [10.0, -10.0, 5.0],
            "category": [7, 7, 9],
        }
    )
    assert affinity(coded)["favourite_category"].tolist()[1] == 9
    assert pd.isna(affinity(coded)["favourite_category"].tolist()[0])


def test_columns_serve_the_rule_language(lines):
    table = affinity(lines, order="order_id", windows=[30])
    tags = TagEngine(
        [
            Rule("bag_lover", "favourite_category == 'bags' and share_bags_30d > 0.5"),
            Rule("explorer", "category_count >= 2"),
        ]
    ).apply(table)
    assert tags["bag_lover"].tolist() == [True, False]
    assert tags["explorer"].tolist() == [True, False]


def test_labels_become_identifiers():
    tx = pd.DataFrame(
        {
            "c": [1, 1],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "a": [1.0, 3.0],
            "dept": ["Home & Garden", "Kids' toys"],
        }
    )
    out = category_affinity(
        tx, customer="c", timestamp="t", amount="a", item="dept", as_of="2024-02-01"
    )
    assert out.loc[1, "share_kids_toys"] == 0.75
    assert out.loc[1, "favourite_dept"] == "Kids' toys"
    assert "dept_count" in out


def test_input_is_not_mutated(lines):
    before = lines.copy()
    affinity(lines, order="order_id", windows=[7, 30])
    pd.testing.assert_frame_equal(lines, before)


def test_row_order_does_not_matter(lines):
    shuffled = lines.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(
        affinity(lines, order="order_id", windows=[30]),
        affinity(shuffled, order="order_id", windows=[30]),
    )


def test_null_item_names_the_rows(lines):
    lines.loc[3, "category"] = None
    with pytest.raises(
        SchemaError,
        match=r"column 'category' of the lines has 1 missing value\(s\) at index \[3\]",
    ):
        affinity(lines)


def test_colliding_labels(lines):
    lines.loc[0, "category"] = "Shoes"
    with pytest.raises(
        SchemaError,
        match=r"the category values 'Shoes' and 'shoes' give the same column name 'share_shoes'",
    ):
        affinity(lines)


@pytest.mark.parametrize("windows", [[0], [30.5], [True]], ids=["zero", "float", "bool"])
def test_bad_windows(lines, windows):
    with pytest.raises(ParameterError, match="windows must be positive whole numbers of days"):
        affinity(lines, windows=windows)


def test_nothing_before_as_of(lines):
    with pytest.raises(SchemaError, match="no line of the lines is on or before as_of"):
        affinity(lines, as_of="2023-01-01")


# -- segment_affinity --------------------------------------------------------- #
@pytest.fixture
def segmented():
    table = pd.DataFrame(
        {"segment": ["a"] * 4 + ["b"] * 4 + [None]},
        index=pd.Index(range(1, 10), name="customer_id"),
    )
    lines = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 5, 6, 9, 42],
            "category": ["toys", "toys", "toys", "toys", "wine", "toys", "wine", "wine", "toys"],
            "amount": [10.0, 10.0, 10.0, 10.0, 30.0, 10.0, 30.0, 5.0, 99.0],
        }
    )
    return table, lines


def hypergeom_two_sided(k: int, m: int, n: int, draws: int) -> float:
    def pmf(i: int) -> float:
        return comb(n, i) * comb(m - n, draws - i) / comb(m, draws)

    upper = sum(pmf(i) for i in range(k, min(n, draws) + 1))
    lower = sum(pmf(i) for i in range(k + 1))
    return min(1.0, 2 * min(upper, lower))


def test_segment_shares_lift_and_p_values(segmented):
    table, lines = segmented
    out = segment_affinity(table, lines, customer="customer_id", amount="amount")
    cells = out.set_index(["segment", "category"])
    # 8 segmented customers; toys bought by 1-5 (5), wine by 5 and 6 (2).
    # Customer 9 has no segment and 42 is not in the table.
    assert cells.loc[("a", "toys"), "buyers"] == 4
    assert cells.loc[("a", "toys"), "share"] == 1.0
    assert cells.loc[("a", "toys"), "overall_share"] == 5 / 8
    assert cells.loc[("a", "toys"), "lift"] == 1.6
    assert cells.loc[("b", "wine"), "lift"] == pytest.approx(0.5 / 0.25)
    assert cells.loc[("a", "wine"), "lift"] == 0.0
    for (segment, category), row in cells.iterrows():
        expected = hypergeom_two_sided(int(row["buyers"]), 8, int(row["overall_share"] * 8), 4)
        assert row["p_value"] == pytest.approx(expected), (segment, category)
    # Spend: segment b spent 30 + 30 on wine and 10 on toys.
    assert cells.loc[("b", "wine"), "spend"] == 60.0
    assert cells.loc[("b", "wine"), "spend_share"] == pytest.approx(60 / 70)
    assert out["segment"].tolist() == ["a", "a", "b", "b"]
    assert out["category"].tolist() == ["toys", "wine", "wine", "toys"]


def test_significance_flag_on_a_clear_difference():
    n = 200
    table = pd.DataFrame({"segment": ["a"] * n + ["b"] * n}, index=range(2 * n))
    # Segment a: 90% buy toys; b: 10%.
    buyers = [i for i in range(n) if i % 10] + [n + i for i in range(n) if i % 10 == 0]
    lines = pd.DataFrame({"customer_id": buyers, "category": "toys"})
    out = segment_affinity(table, lines, customer="customer_id").set_index("segment")
    assert out["significant"].tolist() == [True, True]
    same = pd.DataFrame({"customer_id": [0, n], "category": "toys"})
    again = segment_affinity(table, same, customer="customer_id")
    assert not again["significant"].any()
    assert again["p_value"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("alpha", [0, 1, 1.5], ids=["zero", "one", "above"])
def test_bad_alpha(segmented, alpha):
    table, lines = segmented
    with pytest.raises(ParameterError, match=r"alpha must be in \(0, 1\)"):
        segment_affinity(table, lines, customer="customer_id", alpha=alpha)


def test_segment_column_missing(segmented):
    table, lines = segmented
    with pytest.raises(SchemaError, match=r"'segmnt' \(did you mean 'segment'\?\)"):
        segment_affinity(table, lines, by="segmnt", customer="customer_id")


def test_time_policy_whole_day_and_calendar_windows():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(
                ["2024-03-01 23:00", "2024-03-02 10:00", "2024-03-31 15:00"]
            ),
            "amount": [1.0, 2.0, 4.0],
            "category": ["a", "b", "c"],
        }
    )
    # A date-only as_of is its whole day; a 30-day window is 2 to 31 March.
    out = affinity(tx, as_of="2024-03-31", windows=[30])
    assert out.loc[1, "share_c"] == 4 / 7
    assert out.loc[1, "share_b_30d"] == 2 / 6
    assert out.loc[1, "share_a_30d"] == 0.0
    # An instant cuts at that instant.
    assert affinity(tx, as_of="2024-03-31 12:00").loc[1, "share_c"] == 0.0


def test_segment_affinity_cuts_at_as_of(segmented):
    table, lines = segmented
    lines = lines.assign(timestamp=pd.to_datetime(["2024-01-01"] * 8 + ["2024-02-01"]))
    # Customer 42's line is not in the table anyway; move wine of customer 6 later.
    lines.loc[6, "timestamp"] = pd.Timestamp("2024-03-01 10:00")
    out = segment_affinity(
        table, lines, customer="customer_id", timestamp="timestamp", as_of="2024-02-29"
    ).set_index(["segment", "category"])
    assert out.loc[("b", "wine"), "buyers"] == 1
    whole_day = segment_affinity(
        table, lines, customer="customer_id", timestamp="timestamp", as_of="2024-03-01"
    ).set_index(["segment", "category"])
    assert whole_day.loc[("b", "wine"), "buyers"] == 2


# -- orders shared by customers, categorical items ----------------------------- #


def test_an_order_id_shared_by_two_customers_counts_once_for_each(lines):
    # Order 10 also has a line of customer 2: each customer's baskets are their
    # own (customer, order) pairs, as when the ids differ.
    shared = pd.concat([lines, lines.iloc[[0]].assign(customer_id=2)], ignore_index=True)
    apart = shared.assign(order_id=shared["order_id"] + 1000 * shared["customer_id"])
    out = affinity(shared, order="order_id")
    pd.testing.assert_frame_equal(out, affinity(apart, order="order_id"))
    # Customer 2: order 20 (bags) and order 10 (shoes).
    assert out.loc[2, "order_share_shoes"] == 0.5
    assert out.loc[2, "order_share_bags"] == 0.5
    assert out.loc[1, "order_share_shoes"] == pytest.approx(2 / 3)


def test_an_order_of_returns_only_is_no_basket(lines):
    out = affinity(lines, order="order_id")
    # Order 13 holds only the shoes return: three orders, two with shoes.
    assert out.loc[1, "order_share_shoes"] == pytest.approx(2 / 3)
    assert out.loc[2, "order_share_bags"] == 1.0


@pytest.mark.parametrize("order", ["order_id", None], ids=["orders", "days"])
def test_a_categorical_item_column_gives_the_same_table(lines, order):
    categories = ["shoes", "hats", "bags"]  # not in sorted order; "hats" never bought
    as_category = lines.assign(category=pd.Categorical(lines["category"], categories=categories))
    out = affinity(as_category, order=order)
    plain = affinity(lines, order=order)
    # Ties go to the first value in the categories' order (shoes), not the alphabet's.
    assert out["favourite_category"].tolist() == ["shoes", "bags"]
    assert plain["favourite_category"].tolist() == ["bags", "bags"]
    pd.testing.assert_frame_equal(
        out.drop(columns="favourite_category"),
        plain.drop(columns="favourite_category")[out.columns.drop("favourite_category")],
    )
    assert "share_hats" not in out


def test_item_codes_of_a_categorical_match_factorize():
    from segkit.affinity.categories import item_codes

    values = pd.Series(
        pd.Categorical(["b", "a", "c", "b", "a"], categories=["c", "z", "b", "a"], ordered=True)
    )
    codes, labels = item_codes(values, "category")
    expected_codes, expected_labels = pd.factorize(values, sort=True)
    assert codes.tolist() == expected_codes.tolist() == [1, 2, 0, 1, 2]
    assert labels.equals(pd.Index(expected_labels))
    assert list(labels) == ["c", "b", "a"]


@pytest.mark.parametrize("ordered", [False, True])
def test_item_codes_of_a_categorical_with_every_category_used_are_its_codes(ordered):
    """Every category occurs (its codes are the sorted codes) and one is unused: the same."""
    from segkit.affinity.categories import item_codes

    names = ["c", "z", "b", "a"]
    every = pd.Series(pd.Categorical(list("zbacbz"), categories=names, ordered=ordered))
    unused = pd.Series(pd.Categorical(list("zbacbz"), categories=[*names, "q"], ordered=ordered))
    for values in (every, unused):
        codes, labels = item_codes(values, "category")
        expected_codes, expected_labels = pd.factorize(values, sort=True)
        assert codes.tolist() == expected_codes.tolist() == [1, 2, 3, 0, 2, 1]
        assert labels.equals(pd.Index(expected_labels))
        assert isinstance(labels, pd.CategoricalIndex)
        assert list(labels.categories) == list(values.cat.categories)
        assert labels.ordered == ordered


@pytest.mark.parametrize("last", ["late", "never"])
def test_item_codes_of_a_long_categorical_find_a_category_past_the_first_blocks(last):
    """A category first seen after 200,000 lines (or never) is found as factorize finds it."""
    from segkit.affinity.categories import item_codes

    names = ["d", "b", "c", "a"]
    head = np.tile(np.array(["b", "c", "a"]), 70_000)  # 210,000 lines without "d"
    tail = ["d", "b"] if last == "late" else ["b", "c"]
    values = pd.Series(pd.Categorical([*head, *tail], categories=names))
    codes, labels = item_codes(values, "category")
    expected_codes, expected_labels = pd.factorize(values, sort=True)
    assert codes.tolist() == expected_codes.tolist()
    assert labels.equals(pd.Index(expected_labels))
    assert list(labels) == (names if last == "late" else ["b", "c", "a"])
    assert codes[:3].tolist() == ([1, 2, 3] if last == "late" else [0, 1, 2])


@pytest.mark.parametrize(
    ("n", "dtype"), [(3, np.int8), (128, np.int8), (129, np.int16), (300, np.int16)]
)
def test_item_codes_of_a_categorical_are_narrow(n, dtype):
    from segkit.affinity.categories import item_codes

    names = [f"c{i:03d}" for i in range(n)]
    rng = np.random.default_rng(n)
    values = pd.Series(pd.Categorical(rng.choice(names, size=2000), categories=names[::-1]))
    codes, labels = item_codes(values, "category")
    expected_codes, expected_labels = pd.factorize(values, sort=True)
    assert codes.dtype == dtype
    assert codes.tolist() == expected_codes.tolist()
    assert labels.equals(pd.Index(expected_labels))


def test_affinity_columns_of_narrow_codes_equal_those_of_int64_codes():
    from segkit.affinity.categories import category_affinity_columns, item_codes
    from segkit.affinity.segments import segment_affinity_columns
    from segkit.datasets import make_transactions
    from segkit.transactions import TransactionColumns

    frame = make_transactions(300, seed=2, lines_per_order=2.0)
    cols = TransactionColumns.read(
        frame, customer="customer_id", timestamp="timestamp", amount="amount", order="order_id"
    )
    narrow, labels = item_codes(frame["category"], "category")
    wide = narrow.astype(np.int64)
    assert narrow.dtype == np.int8
    kw = {"customer": "customer_id", "item": "category", "as_of": None, "windows": [30]}
    pd.testing.assert_frame_equal(
        category_affinity_columns(cols, narrow, labels, **kw),
        category_affinity_columns(cols, wide, labels, **kw),
        check_exact=True,
    )
    table = pd.DataFrame(
        {"segment": ["a", "b"] * (len(cols.customers) // 2) + ["a"] * (len(cols.customers) % 2)},
        index=cols.customers,
    )
    pd.testing.assert_frame_equal(
        segment_affinity_columns(table, cols, narrow, labels, item="category"),
        segment_affinity_columns(table, cols, wide, labels, item="category"),
        check_exact=True,
    )


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.integers(1, 7), st.floats(0.0, 1.0), st.booleans())
def test_rows_of_a_grid_written_over_it_are_those_rows(n, k, share, shuffled):
    """The rows picked in place (increasing rows, in blocks) equal a fancy-index copy."""
    from segkit.affinity.categories import _rows_of

    rng = np.random.default_rng(n * 10 + k)
    values = rng.normal(size=(n, k))
    rows = np.flatnonzero(rng.random(n) < share)
    if shuffled:
        rows = rng.permutation(rows)
    want = values[rows]
    got = _rows_of(values, rows)
    np.testing.assert_array_equal(got, want)
    increasing = rows.size < 2 or bool((np.diff(rows) > 0).all())
    in_place = increasing and rows.size > 0 and rows.size * 2 >= n  # else a copy of a few
    assert np.shares_memory(got, values) == in_place
    assert _rows_of(values, None) is values


def test_rows_of_a_grid_written_over_it_in_several_blocks():
    from segkit.affinity.categories import _rows_of

    rng = np.random.default_rng(1)
    values = rng.normal(size=(400_000, 1))  # blocks of 131,072 rows
    rows = np.flatnonzero(rng.random(values.shape[0]) < 0.9)
    want = values[rows]
    np.testing.assert_array_equal(_rows_of(values, rows), want)


@pytest.mark.parametrize("order_shares", [True, False])
def test_affinity_columns_of_given_customers_are_those_rows_of_every_customers(order_shares):
    """customers= gives the rows of those customers, in their order, to the bit; a customer
    with no line up to as_of has no shares, no favourite and a count of 0."""
    from segkit.affinity.categories import category_affinity_columns, item_codes
    from segkit.datasets import make_transactions
    from segkit.transactions import TransactionColumns

    frame = make_transactions(300, seed=4, lines_per_order=1.7)
    cols = TransactionColumns.read(
        frame, customer="customer_id", timestamp="timestamp", amount="amount", order="order_id"
    )
    items, labels = item_codes(frame["category"], "category")
    as_of = frame["timestamp"].quantile(0.05)  # some customers have no line yet
    kw = {"customer": "customer_id", "item": "category", "as_of": as_of, "windows": [30]}
    kw["order_shares"] = order_shares
    every = category_affinity_columns(cols, items, labels, **kw)
    later = cols.customers.difference(every.index)
    assert later.size > 0
    some = every.index[::-2].append(later[:3])  # reversed, every other one, and three later
    got = category_affinity_columns(cols, items, labels, **kw, customers=some)
    assert got.index.equals(some)
    pd.testing.assert_frame_equal(got.iloc[:-3], every.loc[some[:-3]], check_exact=True)
    empty = got.iloc[-3:]
    assert empty.filter(like="share_").isna().all().all()
    assert empty["category_count"].tolist() == [0, 0, 0]
    assert empty["favourite_category"].isna().all()
    with pytest.raises(ParameterError, match=r"customers: 1 customer\(s\) are not in the log"):
        category_affinity_columns(cols, items, labels, **kw, customers=pd.Index([-1]))
    # Every customer of the log, in another order, and most of them in the log's order
    # (moved up in place): each row is that customer's own.
    everyone = cols.customers
    shuffled = everyone[np.random.default_rng(0).permutation(everyone.size)]
    most = everyone[np.arange(everyone.size) % 5 != 0]
    full = category_affinity_columns(cols, items, labels, **kw, customers=everyone)
    for asked in (shuffled, list(most), most.to_numpy()):
        got = category_affinity_columns(cols, items, labels, **kw, customers=asked)
        want = full.loc[pd.Index(asked)].rename_axis("customer_id")  # (a list has no name)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    with pytest.raises(ParameterError, match=r"customers: 1 customer id\(s\) are given more"):
        category_affinity_columns(cols, items, labels, **kw, customers=most.append(most[:1]))


@pytest.mark.parametrize("block", [7, 1 << 20], ids=["many-blocks", "one-block"])
def test_segment_table_of_lines_and_of_columns_agree_to_the_last_bit(monkeypatch, block):
    import segkit.sums
    from segkit.affinity.categories import item_codes
    from segkit.affinity.segments import segment_affinity_columns
    from segkit.datasets import make_transactions
    from segkit.transactions import TransactionColumns

    monkeypatch.setattr(segkit.sums, "BLOCK", block)
    frame = make_transactions(400, seed=5, lines_per_order=1.8)
    frame.loc[frame.index[::13], "amount"] *= -1  # returns
    ids = frame["customer_id"].unique()
    # a third of the customers have no segment; the table's order is not the log's
    table = pd.DataFrame(
        {"segment": np.resize(["a", "b", None], ids.size)}, index=pd.Index(ids[::-1])
    )
    as_of = frame["timestamp"].quantile(0.8)
    lines = segment_affinity(
        table,
        frame,
        customer="customer_id",
        amount="amount",
        timestamp="timestamp",
        as_of=as_of,
    )
    cols = TransactionColumns.read(
        frame, customer="customer_id", timestamp="timestamp", amount="amount"
    )
    items, labels = item_codes(frame["category"], "category")
    columns = segment_affinity_columns(table, cols, items, labels, item="category", as_of=as_of)
    pd.testing.assert_frame_equal(columns, lines, check_exact=True)
    assert (columns["buyers"] > 0).any()
    assert (columns["spend"] > 0).any()


def test_segment_table_of_columns_leaves_out_a_value_first_seen_after_as_of():
    """A category whose lines all come after as_of is not in the table, as with the lines."""
    from segkit.affinity.categories import item_codes
    from segkit.affinity.segments import segment_affinity_columns
    from segkit.datasets import make_transactions
    from segkit.transactions import TransactionColumns

    frame = make_transactions(300, seed=6, lines_per_order=1.5)
    frame = frame.sort_values("timestamp", kind="stable").reset_index(drop=True)
    frame["category"] = frame["category"].cat.add_categories(["aaa-late"])
    frame.loc[frame.index[-5:], "category"] = "aaa-late"  # sorts first among the labels
    as_of = frame["timestamp"].iloc[-6]
    frame.loc[frame.index[-5:], "timestamp"] = as_of + pd.Timedelta(days=1)
    ids = frame["customer_id"].unique()
    table = pd.DataFrame({"segment": np.resize(["a", "b"], ids.size)}, index=pd.Index(ids))
    lines = segment_affinity(
        table, frame, customer="customer_id", amount="amount", timestamp="timestamp", as_of=as_of
    )
    cols = TransactionColumns.read(
        frame, customer="customer_id", timestamp="timestamp", amount="amount"
    )
    items, labels = item_codes(frame["category"], "category")
    assert "aaa-late" in list(labels)
    columns = segment_affinity_columns(table, cols, items, labels, item="category", as_of=as_of)
    pd.testing.assert_frame_equal(columns, lines, check_exact=True)
    assert "aaa-late" not in set(columns["category"])
    assert set(columns["category"]) == set(frame["category"].iloc[:-5])


def test_a_missing_categorical_item_names_the_row():
    from segkit.affinity.categories import item_codes

    values = pd.Series(pd.Categorical(["a", None, "b"]), index=[7, 8, 9])
    with pytest.raises(SchemaError, match=r"1 missing value\(s\) at index \[8\]"):
        item_codes(values, "category")


def test_an_order_id_shared_only_after_as_of_leaves_earlier_baskets_alone(lines):
    later = lines.iloc[[0]].assign(customer_id=2, timestamp=pd.Timestamp("2024-05-01"))
    shared = pd.concat([lines, later], ignore_index=True)
    pd.testing.assert_frame_equal(
        affinity(shared, order="order_id", windows=[30]),
        affinity(lines, order="order_id", windows=[30]),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_lines=st.integers(1, 120),
    with_order=st.booleans(),
    shared=st.booleans(),
    as_of_day=st.integers(0, 40),
)
def test_without_order_shares_the_other_columns_are_the_same(
    seed, n_lines, with_order, shared, as_of_day
):
    """The profile's path (no order shares: marks, and baskets only for tied spend)."""
    from segkit.affinity.categories import category_affinity_columns, item_codes
    from segkit.transactions import TransactionColumns

    rng = np.random.default_rng(seed)
    # Few customers, whole prices and zero or negative lines: many ties of the largest spend.
    orders = rng.integers(0, max(1, n_lines // 2), n_lines)
    owner = rng.integers(0, 6, orders.max() + 1)
    frame = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 6, n_lines) if shared else owner[orders],
            "order_id": orders,
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 40, n_lines), "D"),
            "amount": rng.choice([-5.0, 0.0, 5.0, 5.0, 10.0], n_lines),
            "category": rng.choice(["a", "b", "c", "d"], n_lines),
        }
    )
    cols = TransactionColumns.read(
        frame,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        order="order_id" if with_order else None,
    )
    items, labels = item_codes(frame["category"], "category")
    as_of = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=as_of_day)).date()
    kw = {"customer": "customer_id", "item": "category", "as_of": as_of, "windows": [7]}
    try:
        full = category_affinity_columns(cols, items, labels, **kw)
    except SchemaError:  # nothing on or before as_of
        return
    lean = category_affinity_columns(cols, items, labels, **kw, order_shares=False)
    expected = full[[c for c in full.columns if not c.startswith("order_share_")]]
    pd.testing.assert_frame_equal(lean, expected, check_exact=True)


def test_a_window_without_lines_has_missing_shares_and_no_favourite(lines):
    # No line in the last 7 days before as_of: the window's spend is empty.
    out = affinity(lines, order="order_id", as_of="2024-06-30", windows=[7])
    assert out["share_shoes_7d"].isna().all()
    assert out["favourite_category_7d"].isna().all()
    assert out["category_count_7d"].tolist() == [0] * len(out)
    assert out["share_shoes"].notna().all()


@pytest.mark.parametrize("as_of", [None, "2024-06-30", "2023-03-31"], ids=["all", "mid", "early"])
def test_a_log_sorted_by_time_reads_slices_with_the_same_results(monkeypatch, as_of):
    """Lines up to as_of (and a window's) as slices of a log sorted by time, or as masks."""
    from segkit.affinity.categories import category_affinity_columns, item_codes
    from segkit.affinity.segments import segment_affinity_columns
    from segkit.datasets import make_transactions
    from segkit.transactions import TransactionColumns

    frame = make_transactions(400, seed=4, lines_per_order=2.0).sort_values(
        "timestamp", kind="stable"
    )
    kw_cols = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}

    def both() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        cols = TransactionColumns.read(frame, **kw_cols, order="order_id")
        items, labels = item_codes(frame["category"], "category")
        kw = {"customer": "customer_id", "item": "category", "as_of": as_of, "windows": [30]}
        full = category_affinity_columns(cols, items, labels, **kw)
        lean = category_affinity_columns(cols, items, labels, **kw, order_shares=False)
        table = pd.DataFrame(
            {"segment": np.where(np.arange(cols.customers.size) % 3 == 0, "a", "b")},
            index=cols.customers,
        )
        seg = segment_affinity_columns(table, cols, items, labels, item="category", as_of=as_of)
        return full, lean, seg

    sliced = both()
    assert TransactionColumns.read(frame, **kw_cols).by_time()
    monkeypatch.setattr(TransactionColumns, "by_time", lambda self: False)  # masks
    masked = both()
    for got, want in zip(sliced, masked, strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
