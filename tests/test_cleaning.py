"""clean_transactions: no genuine line lost, cancellations kept as returns, a balanced report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segkit
from segkit import cleaning
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import group_sum

RETAIL = {
    "customer": "Customer ID",
    "timestamp": "InvoiceDate",
    "quantity": "Quantity",
    "price": "Price",
    "order": "Invoice",
}


@pytest.fixture
def raw() -> pd.DataFrame:
    """An "Online Retail"-shaped export, by hand."""
    return pd.DataFrame(
        {
            "Invoice": ["536365", "536365", "536365", "536365", "C536379", "536380", "536381",
                        "536382"],
            "StockCode": ["85123A", "71053", "71053", "84406B", "71053", "22633", "22632",
                          "21730"],
            "Quantity": [6, 6, 6, 8, -6, 2, 1, 3],
            "InvoiceDate": ["12/1/2010 8:26", "12/1/2010 8:26", "12/1/2010 8:26",
                            "12/1/2010 8:26", "12/13/2010 9:41", "12/14/2010 10:00",
                            "12/14/2010 11:00", "12/15/2010 12:00"],
            "Price": [2.55, 3.39, 3.39, 2.75, 3.39, 1.85, 1.85, 4.25],
            "Customer ID": [17850.0, 17850.0, 17850.0, 17850.0, 17850.0, np.nan, 13047.0,
                            13047.0],
        }
    )  # fmt: skip


def test_equal_line_totals_are_kept_exact_duplicates_dropped(raw):
    # Row 0 (85123A) and row 1 (71053) differ; row 2 repeats row 1 on every column.
    raw.loc[0, "Price"] = 3.39
    before = raw.copy()
    clean, report = segkit.clean_transactions(raw, **RETAIL)
    pd.testing.assert_frame_equal(raw, before)
    assert report.dropped["reason"].to_dict() == {2: "duplicate row", 5: "missing customer id"}
    assert {0, 1} <= set(clean.index)  # same total 20.34, different products
    assert clean.loc[0, "amount"] == clean.loc[1, "amount"] == pytest.approx(20.34)


def test_cancellations_are_kept_as_returns(raw):
    clean, report = segkit.clean_transactions(raw, **RETAIL, drop_duplicates=False)
    assert clean.loc[4, "amount"] == pytest.approx(-20.34)
    s = segkit.summarize(clean, customer="Customer ID", timestamp="InvoiceDate",
                         amount="amount", order="Invoice")  # fmt: skip
    assert s.loc[17850, "orders"] == 1  # the C invoice is a return, not an order
    assert s.loc[17850, "revenue"] == pytest.approx(15.3 + 20.34 * 2 + 22.0 - 20.34)
    assert report.summary.loc["returns", "rows"] == 1


def test_cancel_prefix_makes_positive_cancellation_lines_returns(raw):
    raw.loc[4, "Quantity"] = 6  # some exports write cancelled quantities unsigned
    clean, _ = segkit.clean_transactions(raw, **RETAIL, cancel_prefix="C")
    assert clean.loc[4, "amount"] == pytest.approx(-20.34)


def test_report_balances_rows_and_revenue(raw):
    clean, report = segkit.clean_transactions(raw, **RETAIL)
    t = report.summary
    reasons = t.drop(index=["kept", "returns", "total"])
    assert t.loc["kept", "rows"] + reasons["rows"].sum() == t.loc["total", "rows"] == len(raw)
    assert t.loc["kept", "revenue"] + reasons["revenue"].sum() == t.loc["total", "revenue"]
    assert t.loc["total", "revenue"] == pytest.approx((raw["Quantity"] * raw["Price"]).sum())
    assert report.revenue_kept == pytest.approx(clean["amount"].sum())
    assert t.loc["missing customer id", "revenue"] == pytest.approx(3.7)
    assert "8 rows in, 6 rows out" in str(report)


def test_ids_and_dates_as_read(raw):
    clean, report = segkit.clean_transactions(raw, **RETAIL)
    assert clean["Customer ID"].dtype == np.int64
    assert clean["Customer ID"].tolist()[:1] == [17850]
    # One format for the column: month first (12/13/2010 settles it).
    assert clean.loc[4, "InvoiceDate"] == pd.Timestamp("2010-12-13 09:41")
    assert clean.loc[0, "InvoiceDate"] == pd.Timestamp("2010-12-01 08:26")
    assert report.changed["InvoiceDate"] == 8


def test_numbers_as_exports_write_them():
    raw = pd.DataFrame(
        {
            "c": [1, 1, 1, 1],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "a": ["1.5E3", "(12.50)", "1,234.50", "£3"],
        }
    )
    clean, _ = segkit.clean_transactions(raw, customer="c", timestamp="t", amount="a")
    assert clean["a"].tolist() == [1500.0, -12.5, 1234.5, 3.0]


def test_never_dates_and_after_as_of():
    raw = pd.DataFrame(
        {
            "c": [1, 1, 1],
            "t": ["2024-01-01 10:00", "9999-12-31", "2024-01-02 09:00"],
            "a": [1.0, 2.0, 3.0],
        }
    )
    clean, report = segkit.clean_transactions(
        raw, customer="c", timestamp="t", amount="a", as_of="2024-01-01"
    )
    assert report.dropped["reason"].to_dict() == {1: "timestamp out of range", 2: "after as_of"}
    assert clean.index.tolist() == [0]


def test_named_duplicate_columns(raw):
    # Compared on (Invoice, Quantity, Price) only, rows 1 and 2 and the rest agree.
    _, report = segkit.clean_transactions(
        raw, **RETAIL, duplicate_columns=["Invoice", "Quantity", "Price"]
    )
    assert report.counts.to_dict() == {"duplicate row": 1, "missing customer id": 1}


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "message"),
    [
        (None, {"amount": "Price"}, ParameterError, "pass amount='Price' or quantity= and price="),
        ({"Quantity": ["6", "6", "six", "8", "-6", "2", "1", "x"]}, {}, SchemaError,
         "column 'Quantity' of the transactions is not numeric at index [2, 7]: ['six', 'x']"),
        ({"Price": [2.55, 3.39, 3.39, 2.75, 3.39, 1.85, 1.85, "n/a"]}, {}, SchemaError,
         "column 'Price' of the transactions is not numeric at index [7]: ['n/a']"),
        ({"Invoice": ["536365", None, "536365", "536365", "C536379", "536380", None, "1"]}, {},
         SchemaError, "column 'Invoice' has 2 missing order id(s) at index [1, 6]"),
        (None, {"as_of": "garbage"}, ParameterError,
         "as_of must be a date or timestamp; got 'garbage'"),
        ({"InvoiceDate": ["01/02/2024"] * 4 + ["02/03/2024"] * 4}, {}, SchemaError,
         "column 'InvoiceDate' has dates that read two ways"),
        (None, {"duplicate_columns": ["Invoce"]}, SchemaError, "Invoce"),
    ],
    ids=["amount-and-quantity", "text-quantity", "text-price", "null-order", "garbage-as_of",
         "ambiguous-dates", "unknown-duplicate-column"],
)  # fmt: skip
def test_bad_input_is_named(raw, change, kwargs, error, message):
    tx = raw if change is None else raw.assign(**change)
    before = tx.copy()
    args = {**RETAIL, **kwargs}
    if "amount" in kwargs:
        args.pop("quantity")
        args.pop("price")
        args["quantity"] = "Quantity"
    with pytest.raises(error) as info:
        segkit.clean_transactions(tx, **args)
    assert message in str(info.value)
    pd.testing.assert_frame_equal(tx, before)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, None]),
            st.sampled_from(["o1", "o2", "o3"]),
            st.sampled_from(["p1", "p2"]),
            st.sampled_from([-1, 1, 2]),
            st.sampled_from([0.5, 1.25, 2.0]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([None, ["o", "q"], ["c", "o", "p"]]),
)
def test_no_dropped_duplicate_differs_from_a_kept_row(rows, compared):
    raw = pd.DataFrame(rows, columns=["c", "o", "p", "q", "pr"]).assign(
        t=pd.Timestamp("2024-01-01")
    )
    clean, report = segkit.clean_transactions(
        raw, customer="c", timestamp="t", quantity="q", price="pr", order="o",
        duplicate_columns=compared,
    )  # fmt: skip
    columns = compared if compared is not None else list(raw.columns)
    text = raw[columns].astype(str).to_numpy()
    kept = {tuple(r) for r in text[clean.index]}
    dups = report.dropped.index[report.dropped["reason"] == "duplicate row"]
    for i in dups:
        assert tuple(text[i]) in kept
    # The report balances rows and revenue.
    t = report.summary
    rest = t.drop(index=["kept", "returns", "total"])
    assert t.loc["kept", "rows"] + rest["rows"].sum() == len(raw)
    assert t.loc["kept", "revenue"] + rest["revenue"].sum() == pytest.approx(
        t.loc["total", "revenue"], abs=1e-9
    )


def test_rows_equal_on_the_key_but_not_in_a_text_column_are_kept():
    # Rows 0 and 1 agree on customer, timestamp, amount and order (the cheap
    # columns the duplicate search hashes first) and differ only in the note;
    # rows 2 and 3 repeat rows 0 and 1 on every column.
    raw = pd.DataFrame(
        {
            "c": [1, 1, 1, 1, 1],
            "t": pd.to_datetime(["2024-01-01 10:00"] * 5),
            "amount": [5.0, 5.0, 5.0, 5.0, 6.0],
            "o": ["A", "A", "A", "A", "A"],
            "note": ["red", "blue", "red", "blue", "red"],
        }
    )
    clean, report = segkit.clean_transactions(
        raw, customer="c", timestamp="t", amount="amount", order="o"
    )
    assert clean.index.tolist() == [0, 1, 4]
    assert report.dropped["reason"].to_dict() == {2: "duplicate row", 3: "duplicate row"}
    assert report.summary.loc["duplicate row"].tolist() == [2, 10.0]


@pytest.mark.parametrize(
    ("values", "dropped"),
    [
        ([0.0, -0.0, 1.0], [1]),
        ([np.nan, -np.nan, 1.0], [1]),  # two NaN bit patterns
        (pd.to_datetime([None, None, "2024-01-02"]).tz_localize("Asia/Tokyo"), [1]),
        (pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]).tz_localize("UTC"), [2]),
        (pd.Categorical(["x", "y", "x"]), [2]),
        (np.array([7, 8, 7], dtype=np.int32), [2]),
        (np.array([True, False, False]), [2]),
        ([1.5, 2.5, 3.5], []),
    ],
    ids=["signed-zero", "nan", "nat-tz", "tz-aware", "categorical", "int32", "bool", "distinct"],
)
def test_duplicates_compare_extra_columns_as_pandas_does(values, dropped):
    # The extra column decides: the rows are equal everywhere else. Equal as
    # pandas compares (0.0 == -0.0, NaN == NaN, NaT == NaT) is a duplicate.
    raw = pd.DataFrame(
        {"c": [1, 1, 1], "t": pd.Timestamp("2024-01-01"), "amount": 2.0, "extra": values}
    )
    _, report = segkit.clean_transactions(raw, customer="c", timestamp="t", amount="amount")
    assert report.dropped.index.tolist() == dropped


def test_cancel_prefix_negates_quantity_and_blank_quantity_is_missing():
    raw = pd.DataFrame(
        {
            "Invoice": ["1", "C1", "2"],
            "Quantity": ["2", "2", ""],
            "Price": [3.0, 3.0, 4.0],
            "InvoiceDate": ["2010-12-01", "2010-12-02", "2010-12-03"],
            "Customer ID": [1.0, 1.0, 1.0],
        }
    )
    clean, report = segkit.clean_transactions(
        raw,
        customer="Customer ID",
        timestamp="InvoiceDate",
        quantity="Quantity",
        price="Price",
        order="Invoice",
        cancel_prefix="C",
    )
    assert clean["Quantity"].tolist() == [2.0, -2.0]
    assert clean["amount"].tolist() == [6.0, -6.0]
    assert (clean["amount"] == clean["Quantity"] * clean["Price"]).all()
    assert report.dropped["reason"].tolist() == ["missing amount"]


@pytest.fixture
def small_chunks(monkeypatch):
    """Passes over the rows a few rows at a time, so chunk edges fall everywhere."""
    monkeypatch.setattr(cleaning, "_CHUNK", 3)


def _shop(seed: int, n: int = 400) -> pd.DataFrame:
    """Order lines with many exact duplicates, equal line totals and every money grid."""
    rng = np.random.default_rng(seed)
    price = rng.choice([2.5, 3.39, 0.1234, 1 / 3, 7.0], n)
    return pd.DataFrame(
        {
            "c": rng.choice([1.0, 2.0, 3.0, np.nan], n),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
            "q": rng.choice([-1, 1, 2], n),
            "pr": price,
            "o": rng.choice(["A", "B", "C1"], n),
            "kind": pd.Categorical(rng.choice(["x", "y"], n)),
            "note": rng.choice(["red", "blue"], n),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_duplicates_are_what_pandas_finds_in_any_chunking(seed, small_chunks):
    raw = _shop(seed).dropna(subset=["c"])
    _, report = segkit.clean_transactions(
        raw, customer="c", timestamp="t", quantity="q", price="pr", order="o"
    )
    dropped = report.dropped.index[report.dropped["reason"] == "duplicate row"]
    assert dropped.tolist() == raw.index[raw.duplicated()].tolist()
    assert len(dropped) > 10  # the case is not empty


@pytest.mark.parametrize("seed", [0, 1])
def test_each_outcome_revenue_is_the_group_sum_of_its_rows(seed, small_chunks):
    raw = _shop(seed)
    raw.loc[raw.index[::17], "pr"] = np.inf
    raw.loc[raw.index[5::19], "q"] = np.nan
    clean, report = segkit.clean_transactions(
        raw, customer="c", timestamp="t", quantity="q", price="pr", order="o"
    )
    amount = (raw["q"] * raw["pr"]).to_numpy()
    amount = np.where(np.isfinite(amount), amount, 0.0)

    def money(positions):
        return group_sum(np.zeros(len(positions), dtype=np.int64), amount[positions], 1)[0]

    reason = report.dropped["reason"].reindex(raw.index).to_numpy()
    t = report.summary
    assert set(t.index) >= {"duplicate row", "missing customer id", "infinite amount"}
    for outcome in t.index.drop(["kept", "returns", "total"]):
        assert t.loc[outcome, "revenue"] == money(np.flatnonzero(reason == outcome))
        assert t.loc[outcome, "rows"] == (reason == outcome).sum()
    kept = raw.index.get_indexer(clean.index)
    assert t.loc["kept", "revenue"] == money(kept)
    assert t.loc["returns", "revenue"] == money(kept[amount[kept] < 0])
    assert t.loc["total", "revenue"] == money(np.arange(len(raw)))


def test_rows_sharing_a_hash_slot_are_told_apart():
    # Keys equal in their top bits share a slot of the small table: only equal keys count.
    top = np.uint64(0xABC) << np.uint64(52)
    key = np.array([5, 6, 5, 7, 6, 8], dtype=np.uint64) | top
    assert cleaning._shared(key).tolist() == [0, 1, 2, 4]
    assert cleaning._shared(np.arange(10, dtype=np.uint64)).tolist() == []


def test_the_cleaned_frame_shares_no_memory_with_the_input(raw):
    before = raw.copy()
    clean, _ = segkit.clean_transactions(raw, **RETAIL)
    for name in ("StockCode", "Invoice", "Quantity"):
        assert not np.shares_memory(clean[name].to_numpy(), raw[name].to_numpy())
    clean.loc[:, "Price"] = 0.0
    clean.loc[:, "StockCode"] = "x"
    pd.testing.assert_frame_equal(raw, before)
