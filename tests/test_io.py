from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.io import read_ga4, read_shopify_orders, read_transactions, write_crm

DATA = Path(__file__).parent / "data"


def test_shopify_orders():
    orders = read_shopify_orders(DATA / "shopify_orders_export.csv")
    assert orders["order_id"].tolist() == ["#1002", "#1001", "#1004"]  # #1003 was voided
    assert orders["customer_id"].tolist() == [
        "bo@example.com",
        "ann@example.com",
        "ann@example.com",
    ]
    assert orders["amount"].tolist() == [0.0, 53.91, 20.0]
    # "Created at" is +0100 in March and +0200 in April (summer time): the
    # shop's wall clock as written, not UTC (docs/time.md).
    assert orders["timestamp"].tolist() == [
        pd.Timestamp("2024-03-02 09:30"),
        pd.Timestamp("2024-03-01 10:00"),
        pd.Timestamp("2024-04-10 08:00"),
    ]
    assert orders["source"].tolist() == ["web", "web", "pos"]
    assert orders.attrs["left_out"] == {
        "voided (Financial Status)": 1,
        "no e-mail (no customer)": 0,
    }
    # bo's only order was refunded in full: a net of 0 is no order.
    with pytest.warns(UserWarning, match=r"\['bo@example.com'\]"):
        s = segkit.summarize(
            orders,
            customer="customer_id",
            timestamp="timestamp",
            amount="amount",
            order="order_id",
        )
    assert "bo@example.com" not in s.index
    assert s.loc["ann@example.com", "orders"] == 2
    assert s.loc["ann@example.com", "revenue"] == pytest.approx(73.91)


def test_shopify_lines():
    lines = read_shopify_orders(DATA / "shopify_orders_export.csv", lines=True)
    # the line items, then one line per refunded order carrying its Refunded Amount
    assert lines["order_id"].tolist() == ["#1002", "#1001", "#1001", "#1004", "#1002", "#1004"]
    assert lines["product"].tolist() == ["Cream", "Mask", "Soap", "Soap", "(refund)", "(refund)"]
    assert lines["amount"].tolist() == [20.0, 28.9, 20.0, 30.0, -20.0, -10.0]
    assert lines["quantity"].tolist() == [1.0, 1.0, 2.0, 3.0, 0.0, 0.0]
    assert lines["customer_id"].tolist()[2] == "ann@example.com"


def test_shopify_lines_count_the_orders_of_the_order_rows():
    """An order refunded in full is no purchase in either shape (bo's #1002)."""
    columns = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    summaries = []
    for lines in (False, True):
        export = read_shopify_orders(DATA / "shopify_orders_export.csv", lines=lines)
        with pytest.warns(UserWarning, match=r"\['bo@example.com'\]"):
            summaries.append(segkit.summarize(export, **columns, order="order_id"))
    orders, from_lines = summaries
    assert from_lines.index.tolist() == orders.index.tolist() == ["ann@example.com"]
    assert from_lines["orders"].tolist() == orders["orders"].tolist() == [2]
    # lines leave out shipping (5.00 on #1001) and taxes, which Total holds
    assert from_lines.loc["ann@example.com", "revenue"] == pytest.approx(28.9 + 20.0 + 30.0 - 10.0)
    assert orders.loc["ann@example.com", "revenue"] == pytest.approx(53.91 + 30.0 - 10.0)


def test_shopify_missing_column():
    raw = pd.read_csv(DATA / "shopify_orders_export.csv").drop(columns="Email")
    with pytest.raises(
        ColumnNotFoundError, match="column 'Email' not found in the Shopify orders export"
    ):
        read_shopify_orders(raw)


@pytest.mark.parametrize("nested", [False, True])
def test_ga4(nested):
    raw = pd.DataFrame(
        {
            "event_name": ["session_start", "page_view", "add_to_cart", "purchase", "purchase"],
            "event_timestamp": [1_700_000_000_000_000 + i * 1_000_000 for i in range(5)],
            "user_id": [None, None, "u1", "u1", None],
            "user_pseudo_id": ["p1", "p1", "p1", "p1", "p2"],
        }
    )
    revenue = [None, None, None, 42.5, 10.0]
    ids = [None, None, None, "T1", "T2"]
    if nested:
        raw["ecommerce"] = [
            None if r is None else {"purchase_revenue": r, "transaction_id": t}
            for r, t in zip(revenue, ids, strict=True)
        ]
    else:
        raw["ecommerce.purchase_revenue"] = revenue
        raw["ecommerce.transaction_id"] = ids
    tx, ev = read_ga4(raw, events=["page_view", "add_to_cart"])
    assert tx.values.tolist() == [
        ["u1", "T1", pd.Timestamp(1_700_000_003, unit="s", tz="UTC"), 42.5],
        ["p2", "T2", pd.Timestamp(1_700_000_004, unit="s", tz="UTC"), 10.0],
    ]
    assert ev["event"].tolist() == ["page_view", "add_to_cart"]
    assert ev["customer_id"].tolist() == ["p1", "u1"]


def test_ga4_pseudo_id_only():
    raw = pd.DataFrame(
        {
            "event_name": ["page_view"],
            "event_timestamp": [1],
            "user_id": ["u"],
            "user_pseudo_id": ["p"],
        }
    )
    _, ev = read_ga4(raw, customer="user_pseudo_id")
    assert ev["customer_id"].tolist() == ["p"]


def test_ga4_missing_revenue():
    raw = pd.DataFrame(
        {"event_name": ["purchase"], "event_timestamp": [1], "user_pseudo_id": ["p"]}
    )
    with pytest.raises(ColumnNotFoundError, match=r"'ecommerce.purchase_revenue'"):
        read_ga4(raw)


def test_read_transactions_csv_with_bom_and_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffKunde;Datum;Betrag\nk1;2024-01-02;1.234,50\nk2;2024-01-03;7,00\n".encode()
    )
    tx = read_transactions(
        path, columns={"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"}
    )
    assert tx["customer_id"].tolist() == ["k1", "k2"]
    assert tx["amount"].tolist() == [1234.5, 7.0]
    assert tx["timestamp"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_read_transactions_parquet_and_keep(tmp_path):
    path = tmp_path / "tx.parquet"
    pd.DataFrame(
        {
            "c": [1, 2],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "a": [1.0, 2.0],
            "ch": ["web", "pos"],
        }
    ).to_parquet(path)
    tx = read_transactions(
        path, columns={"customer": "c", "timestamp": "t", "amount": "a"}, keep=["ch"]
    )
    assert list(tx.columns) == ["customer_id", "timestamp", "amount", "ch"]


def test_read_transactions_errors(tmp_path):
    raw = pd.DataFrame({"c": [1], "t": ["2024-01-01"], "a": ["12 EUR"]})
    with pytest.raises(ParameterError, match="columns has unknown keys \\['when'\\]"):
        read_transactions(raw, columns={"customer": "c", "when": "t", "amount": "a"})
    with pytest.raises(ParameterError, match="columns must name the 'timestamp' column"):
        read_transactions(raw, columns={"customer": "c", "amount": "a"})
    with pytest.raises(ColumnNotFoundError, match="'tt' \\(did you mean 't'\\?\\)"):
        read_transactions(raw, columns={"customer": "c", "timestamp": "tt", "amount": "a"})
    assert read_transactions(raw, columns={"customer": "c", "timestamp": "t", "amount": "a"})[
        "amount"
    ].tolist() == [12.0]
    bad = raw.assign(a=["n/a"])
    with pytest.raises(
        SchemaError,
        match="column 'a' has 1 value\\(s\\) that are not amounts, in rows \\[0\\]: \\['n/a'\\]",
    ):
        read_transactions(bad, columns={"customer": "c", "timestamp": "t", "amount": "a"})
    with pytest.raises(ParameterError, match="no such file"):
        read_transactions(
            tmp_path / "missing.csv", columns={"customer": "c", "timestamp": "t", "amount": "a"}
        )


def test_read_transactions_order_lines_to_the_customer_table(tmp_path):
    """quantity x price lines, a cancellation, a guest line: read, cleaned, counted."""
    source = tmp_path / "lines.csv"
    source.write_text(
        "Invoice,Item,Qty,Unit,Buyer,When\n"
        "A1,x,2,1.50,0012,2024-01-02 10:00\n"
        "A1,y,1,3.00,0012,2024-01-02 10:00\n"
        "A1,y,1,3.00,0012,2024-01-02 10:00\n"
        "CA2,y,-1,3.00,0012,2024-01-05 09:00\n"
        "A3,x,4,1.50,12,2024-01-06 11:00\n"
        "A4,x,1,1.50,,2024-01-06 12:00\n",
        encoding="utf-8",
    )
    columns = {"customer": "Buyer", "timestamp": "When", "quantity": "Qty", "price": "Unit",
               "order": "Invoice"}  # fmt: skip
    lines = read_transactions(source, columns=columns, keep=["Item"])
    assert lines["customer_id"].tolist()[:5] == ["0012", "0012", "0012", "0012", "12"]
    clean, report = segkit.clean_transactions(
        lines, customer="customer_id", timestamp="timestamp", quantity="quantity",
        price="price", order="order_id", cancel_prefix="C",
    )  # fmt: skip
    assert report.counts.to_dict() == {"duplicate row": 1, "missing customer id": 1}
    table = segkit.summarize(
        clean, customer="customer_id", timestamp="timestamp", amount="amount",
        order="order_id", as_of="2024-01-06",
    )  # fmt: skip
    assert table["orders"].to_dict() == {"0012": 1, "12": 1}
    assert table["revenue"].to_dict() == {"0012": 3.0, "12": 6.0}


def test_write_crm(tmp_path):
    table = pd.DataFrame(
        {"segment": ["champions", "lost", None], "lifecycle_state": ["loyal", "churned", "new"]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    tags = pd.DataFrame(
        {"vip": [True, False, False], "newsletter": [True, pd.NA, False]}, index=table.index
    )
    before = table.copy()
    path = tmp_path / "crm.csv"
    out = write_crm(table, path, tags=tags, separator=";")
    pd.testing.assert_frame_equal(table, before)
    assert path.read_text().splitlines() == [
        "Customer ID,segment,lifecycle_state,Tag",
        "a,champions,loyal,vip;newsletter",
        "b,lost,churned,",
        "c,,new,",
    ]
    assert len(out) == 3
    with pytest.raises(ColumnNotFoundError):
        write_crm(table, columns=["segmnt"])
    assert not np.any([p.name.endswith(".partial") for p in tmp_path.iterdir()])
