"""The command line on raw shop exports: offsets that change with summer time, --format."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.cli import main

#: Shopify's "Created at" across New York's change to summer time (2024-03-10).
SHOPIFY_DST = (
    "Name,Email,Created at,Total\n"
    "#1001,ann@example.com,2024-03-09 23:30:00 -0500,10.00\n"
    "#1002,bo@example.com,2024-03-10 03:30:00 -0400,20.00\n"
    "#1003,ann@example.com,2024-03-11 10:00:00 -0400,5.00\n"
    "#1004,cy@example.com,2024-03-08 09:00:00 -0500,7.50\n"
)


def test_clean_keeps_every_row_whose_offset_changes_with_summer_time(tmp_path, capsys):
    source = tmp_path / "orders_export.csv"
    source.write_text(SHOPIFY_DST, encoding="utf-8")
    target = tmp_path / "out.csv"
    argv = ["rfm", str(source), "--customer", "Email", "--timestamp", "Created at"]
    argv += ["--amount", "Total", "--order", "Name", "--clean", "--as-of", "2024-03-11"]
    assert main([*argv, "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert "4 rows in, 4 rows out" in err
    assert "unparseable" not in err
    table = pd.read_csv(target, index_col=0)
    # The shop's wall clock as written: ann's first order is on 9 March (04:30 on
    # 10 March in UTC), so her tenure is 2 whole days to the date-only as_of.
    assert table.loc["ann@example.com", "first_purchase"] == "2024-03-09 23:30:00"
    assert table.loc["ann@example.com", "last_purchase"] == "2024-03-11 10:00:00"
    assert table["tenure_days"].to_dict() == {
        "ann@example.com": 2.0,
        "bo@example.com": 1.0,
        "cy@example.com": 3.0,
    }
    assert table["orders"].to_dict() == {
        "ann@example.com": 2,
        "bo@example.com": 1,
        "cy@example.com": 1,
    }


def test_no_clean_reads_the_same_wall_clock(tmp_path, capsys):
    source = tmp_path / "orders_export.csv"
    source.write_text(SHOPIFY_DST, encoding="utf-8")
    target = tmp_path / "out.csv"
    argv = ["rfm", str(source), "--customer", "Email", "--timestamp", "Created at"]
    argv += ["--amount", "Total", "--order", "Name", "--as-of", "2024-03-11"]
    assert main([*argv, "-o", str(target)]) == 0
    table = pd.read_csv(target, index_col=0)
    assert table.loc["ann@example.com", "first_purchase"] == "2024-03-09 23:30:00"
    assert table.loc["ann@example.com", "tenure_days"] == 2.0


#: A Tmall/Taobao export as Excel writes it on a Chinese Windows: GBK. Two of
#: 小红's orders are no purchases: closed (交易关闭) and refunded (退款成功).
TMALL = pd.DataFrame(
    {
        "订单编号": [f"29680000000000000{i}" for i in range(1, 6)],
        "买家会员名": ["小明", "小明", "小红", "小红", "小红"],
        "订单付款时间": [
            "2024-03-01 10:00:00",
            "2024-03-05 12:00:00",
            "2024-03-02 09:00:00",
            "2024-03-06 20:00:00",
            "2024-03-04 08:00:00",
        ],
        "买家实际支付金额": ["128.00", "59.90", "88.00", "300.00", "45.00"],
        "订单状态": ["交易成功", "交易成功", "交易成功", "交易关闭", "退款成功"],
    }
)


def _rfm(argv: list[str], target) -> pd.DataFrame:
    assert main(["rfm", *argv, "--as-of", "2024-03-11", "-o", str(target)]) == 0
    return pd.read_csv(target, index_col=0)


def test_format_tmall_reads_gbk_and_leaves_out_closed_and_refunded(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.to_csv(index=False).encode("gbk"))
    table = _rfm([str(source), "--format", "tmall"], tmp_path / "out.csv")
    err = capsys.readouterr().err
    assert (
        "read 3 orders from the Tmall/Taobao order export (--format tmall); left out 2 "
        "orders: closed (交易关闭) 1, refund (退款) 1"
    ) in err
    assert table.index.name == "customer_id"
    assert table["orders"].to_dict() == {"小明": 2, "小红": 1}
    assert table["revenue"].to_dict() == {"小明": pytest.approx(187.9), "小红": 88.0}


def test_format_tmall_with_clean_reports_both(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.to_csv(index=False).encode("gbk"))
    table = _rfm([str(source), "--format", "tmall", "--clean"], tmp_path / "out.csv")
    err = capsys.readouterr().err
    assert "left out 2 orders" in err
    assert "3 rows in, 3 rows out" in err
    assert table["orders"].to_dict() == {"小明": 2, "小红": 1}


SHOPIFY = (
    "Name,Email,Financial Status,Created at,Total,Lineitem quantity,Lineitem price\n"
    "#1001,Ann@Example.com,paid,2024-03-09 23:30:00 -0500,10.00,1,10.00\n"
    "#1002,,paid,2024-03-10 03:30:00 -0400,20.00,1,20.00\n"
    "#1003,ann@example.com,paid,2024-03-11 10:00:00 -0400,5.00,1,5.00\n"
    "#1004,cy@example.com,voided,2024-03-08 09:00:00 -0500,7.50,1,7.50\n"
    "#1005,cy@example.com,paid,2024-03-08 09:00:00 -0500,7.50,1,7.50\n"
)


def test_format_shopify(tmp_path, capsys):
    source = tmp_path / "orders_export.csv"
    source.write_text(SHOPIFY, encoding="utf-8")
    table = _rfm([str(source), "--format", "shopify"], tmp_path / "out.csv")
    err = capsys.readouterr().err
    assert (
        "read 3 orders from the Shopify orders export (--format shopify); left out 2 orders: "
        "voided (Financial Status) 1, no e-mail (no customer) 1"
    ) in err
    assert table["orders"].to_dict() == {"ann@example.com": 2, "cy@example.com": 1}
    assert table["revenue"].to_dict() == {"ann@example.com": 15.0, "cy@example.com": 7.5}
    # The shop's wall clock as written (docs/time.md), not UTC.
    assert table.loc["ann@example.com", "first_purchase"] == "2024-03-09 23:30:00"


def test_format_online_retail_cancellations_are_returns(tmp_path, capsys):
    source = tmp_path / "online_retail.csv"
    source.write_text(
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "536365,85123A,HEART,6,2010-12-01 08:26,2.55,17850,United Kingdom\n"
        "536365,71053,LANTERN,6,2010-12-01 08:26,2.55,17850,United Kingdom\n"
        "536366,22633,WARMER,2,2010-12-02 09:00,1.85,13047,United Kingdom\n"
        "C536379,22633,WARMER,-1,2010-12-03 09:41,1.85,13047,United Kingdom\n"
        "536370,22728,ALARM,4,2010-12-03 10:00,3.75,,France\n",
        encoding="utf-8",
    )
    argv = [str(source), "--format", "online-retail", "--clean"]
    assert main(["rfm", *argv, "--as-of", "2010-12-09", "-o", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "read 5 lines from the Online Retail export (--format online-retail)" in err
    assert "5 rows in, 4 rows out" in err  # the guest line has no customer
    table = pd.read_csv(tmp_path / "o.csv", index_col=0)
    assert table["orders"].to_dict() == {13047: 1, 17850: 1}
    assert table["revenue"].to_dict() == {13047: pytest.approx(1.85), 17850: pytest.approx(30.6)}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["rfm", "{src}", "-o", "o.csv"],
            "segkit: error: name the columns (--customer and --timestamp), or read a shop's "
            "export with --format (tmall, shopify, online-retail)",
            id="neither",
        ),
        pytest.param(
            ["rfm", "{src}", "--format", "tmall", "--customer", "x", "-o", "o.csv"],
            "segkit: error: --format tmall names the columns itself; leave out --customer",
            id="both",
        ),
        pytest.param(
            ["rfm", "{src}", "--format", "shopify", "-o", "o.csv"],
            "columns 'Name', 'Email', 'Created at', 'Total' not found in the Shopify orders export",
            id="not-that-shop",
        ),
    ],
)
def test_format_errors_are_one_line(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.to_csv(index=False).encode("gbk"))
    assert main([a.replace("{src}", str(source)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
