"""summarize_columns(columns=...): the same rows and values as summarize, fewer columns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.datasets import make_transactions
from segkit.errors import ParameterError
from segkit.features import TransactionColumns, summarize_columns

COLUMNS = {
    "customer": "customer_id",
    "timestamp": "timestamp",
    "amount": "amount",
    "order": "order_id",
}
TX = make_transactions(400, seed=11, lines_per_order=2.5)


def lines(kind: str) -> pd.DataFrame:
    """Order lines with refunds (a part, a whole order after the cut), in several layouts."""
    refund = TX.drop_duplicates("order_id").iloc[::7]  # every 7th order: a line refunded later
    later = refund["timestamp"] + pd.Timedelta(days=40)
    tx = pd.concat([TX, refund.assign(amount=-refund["amount"], timestamp=later)])
    tx = tx.sort_values("timestamp", kind="stable")
    if kind == "shuffled":
        tx = tx.sample(frac=1.0, random_state=3)
    elif kind == "zoned":
        tx = tx.assign(
            timestamp=tx["timestamp"].dt.tz_localize(
                "Europe/Berlin", nonexistent="shift_forward", ambiguous=False
            )
        )
    elif kind == "no order":
        tx = tx.drop(columns="order_id")
    return tx.reset_index(drop=True)


def full(tx: pd.DataFrame, columns: dict[str, str], as_of: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # customers with only returns
        return segkit.summarize(tx, **columns, as_of=as_of, windows=[30])


@pytest.mark.parametrize("kind", ["sorted", "shuffled", "zoned", "no order"])
@pytest.mark.parametrize(
    "wanted",
    [
        ["recency_days", "orders", "revenue"],
        ["avg_order_value"],
        ["revenue", "x", "orders_30d"],
    ],
    ids=["rfm", "aov", "with purchase days"],
)
def test_the_same_rows_and_values_as_summarize(kind: str, wanted: list[str]) -> None:
    tx = lines(kind)
    columns = {k: v for k, v in COLUMNS.items() if v in tx.columns}
    cols = TransactionColumns.read(tx, **columns)
    as_of = "2024-03-15"
    expected = full(tx, columns, as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        got = summarize_columns(cols, as_of=as_of, windows=[30], columns=wanted)
    in_order = [c for c in expected.columns if c in wanted]
    pd.testing.assert_frame_equal(got, expected[in_order], check_exact=True)
    assert got.attrs["unit_days"] == 1.0


def test_a_refund_after_the_cut_still_counts_the_order_then() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "order_id": [10, 10, 20],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-07"]),
            "amount": [30.0, -30.0, 12.5],
        }
    )
    cols = TransactionColumns.read(tx, **COLUMNS)
    then = summarize_columns(cols, as_of="2024-01-31", columns=["orders", "revenue"])
    assert then.to_dict("index") == {
        1: {"orders": 1, "revenue": 30.0},
        2: {"orders": 1, "revenue": 12.5},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # customer 1 has only a refunded order
        now = summarize_columns(cols, columns=["orders", "recency_days"])
    assert now.index.tolist() == [2]
    assert now.loc[2, "recency_days"] == 34.0


def test_only_returns_warn_as_summarize_does() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "order_id": [10, 20],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-01-07"]),
            "amount": [30.0, -5.0],
        }
    )
    cols = TransactionColumns.read(tx, **COLUMNS)
    with pytest.warns(UserWarning, match=r"1 customer\(s\) have only returns"):
        got = summarize_columns(cols, columns=["orders"])
    assert got["orders"].tolist() == [1]


def test_a_column_the_summary_lacks_is_a_parameter_error() -> None:
    cols = TransactionColumns.read(TX, **COLUMNS)
    with pytest.raises(
        ParameterError,
        match=r"columns: the summary has no column 'order' \(did you mean 'orders'\?\); columns: "
        r"\['first_purchase', 'last_purchase', 'orders', ",
    ):
        summarize_columns(cols, columns=["order"])
    with pytest.raises(ParameterError, match="no column 'orders_90d'"):
        summarize_columns(cols, windows=[30], columns=["orders_90d"])


def test_the_columns_read_are_not_modified() -> None:
    cols = TransactionColumns.read(TX, **COLUMNS)
    before = {name: np.copy(getattr(cols, name)) for name in ("codes", "wall", "amount", "order")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # customers with only returns
        summarize_columns(cols, as_of="2024-02-01", columns=["orders", "revenue", "recency_days"])
    for name, values in before.items():
        np.testing.assert_array_equal(getattr(cols, name), values)
