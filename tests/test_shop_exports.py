"""Readers for shop exports: encodings, "Online Retail", Tmall/Taobao, odd numbers and dates."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import segkit
from segkit.errors import ColumnNotFoundError, SchemaError
from segkit.io import (
    detect_encoding,
    read_online_retail,
    read_shopify_orders,
    read_tmall_orders,
    read_transactions,
)

CN = pd.DataFrame(
    {
        "会员": ["小明", "小红", "小明"],
        "日期": ["2024-03-01", "2024-03-02", "2024-03-05"],
        "金额": ["￥128.00", "59.90", "(10.00)"],
    }
)
CN_COLUMNS = {"customer": "会员", "timestamp": "日期", "amount": "金额"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_chinese_csv_in_every_encoding_excel_writes(tmp_path, encoding):
    path = tmp_path / "orders.csv"
    path.write_bytes(CN.to_csv(index=False).encode(encoding))
    tx = read_transactions(path, columns=CN_COLUMNS)
    assert tx["customer_id"].tolist() == ["小明", "小红", "小明"]
    assert tx["amount"].tolist() == [128.0, 59.9, -10.0]
    s = segkit.summarize(tx, customer="customer_id", timestamp="timestamp", amount="amount")
    assert s.loc["小明", "revenue"] == 118.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty: no header and no rows"),
        (b"\x00\x01\x02binary", "looks binary or UTF-16 without a byte-order mark"),
        (b"\x81\x30\xff\xff\xfe", "neither UTF-8 nor GBK/GB18030"),
    ],
    ids=["empty", "binary", "unknown-encoding"],
)
def test_unreadable_files_are_one_line(tmp_path, data, message):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(SchemaError) as info:
        read_transactions(path, columns=CN_COLUMNS)
    assert message in str(info.value)


JP = "会員ID,注文日時,合計金額\n山田,2023/07/13 02:26:24,2480\nさとう,2023/07/14 10:00:00,980\n"
JP_COLUMNS = {"customer": "会員ID", "timestamp": "注文日時", "amount": "合計金額"}


def test_a_japanese_shift_jis_file_read_as_gbk_says_so(tmp_path):
    # Shift_JIS bytes decode as GBK too, as rare characters: 会員ID would read 夛堳ID
    path = tmp_path / "orders.csv"
    path.write_bytes(JP.encode("cp932"))
    message = (
        "the file is not UTF-8 and is read as GBK/GB18030, in which most of its characters "
        "are rare ones ('会員ID' reads '夛堳ID'): if it is Japanese Shift_JIS, read it with "
        "the encoding cp932 (encoding='cp932'; on the command line --encoding cp932)"
    )
    with (
        pytest.warns(UserWarning, match=re.escape(message)) as seen,
        pytest.raises(ColumnNotFoundError),
    ):
        read_transactions(path, columns=JP_COLUMNS)
    assert [str(w.message) for w in seen] == [message]
    tx = read_transactions(path, columns=JP_COLUMNS, encoding="cp932")
    assert tx["customer_id"].tolist() == ["山田", "さとう"]
    assert tx["amount"].tolist() == [2480.0, 980.0]


def test_yen_amounts_of_a_shift_jis_file_are_read(tmp_path):
    # Japanese code pages put the yen sign at 0x5C, which cp932 decodes as a backslash
    path = tmp_path / "orders.csv"
    text = JP.replace(",2480", ',"\\2,480"').replace(",980", ",\\980")
    path.write_bytes(text.encode("cp932"))
    assert b'"\x5c2,480"' in path.read_bytes()
    tx = read_transactions(path, columns=JP_COLUMNS, encoding="cp932")
    assert tx["amount"].tolist() == [2480.0, 980.0]


def test_chinese_text_with_rare_characters_is_still_gbk():
    names = "张三,欧阳娜娜,王堃,李喆,赵玥,周珺,吴祎,郑翀,冯旻,陈赟,交易成功,订单付款时间"
    assert detect_encoding(names.encode("gbk")) == "gb18030"


def test_traditional_chinese_in_gbk_is_read_with_at_most_a_hint(tmp_path):
    # 偉 is 0x82A5 in GBK, ぇ in cp932: such a file is no error
    path = tmp_path / "orders.csv"
    path.write_bytes("ID,Date,Amount\n張偉,2024-03-01,10\n陳僑,2024-03-02,20\n".encode("gbk"))
    columns = {"customer": "ID", "timestamp": "Date", "amount": "Amount"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tx = read_transactions(path, columns=columns)
    assert tx["customer_id"].tolist() == ["張偉", "陳僑"]
    assert tx["amount"].tolist() == [10.0, 20.0]


def test_detect_encoding():
    assert detect_encoding("订单编号".encode("gbk")) == "gb18030"
    assert detect_encoding("订单编号".encode("utf-16")) == "utf-16"
    assert detect_encoding(b"plain") == "utf-8"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.5E3", 1500.0), ("(12.50)", -12.5), ("1,234.50", 1234.5), ("1.234,50", 1234.5),
     ("12,5", 12.5), ("-£3.10", -3.1), ("12 EUR", 12.0)],
    ids=["exponent", "accounting-negative", "thousands", "decimal-comma", "short-comma",
         "pound", "currency-code"],
)  # fmt: skip
def test_amount_text_as_exports_write_it(text, value):
    raw = pd.DataFrame({"c": [1], "t": ["2024-01-01"], "a": [text]})
    tx = read_transactions(raw, columns={"customer": "c", "timestamp": "t", "amount": "a"})
    assert tx["amount"].tolist() == [value]


def test_one_date_format_per_column():
    raw = pd.DataFrame({"c": [1, 2], "t": ["01/02/2024", "13/02/2024"], "a": [1.0, 2.0]})
    cols = {"customer": "c", "timestamp": "t", "amount": "a"}
    # 13/02 settles it: day first for the whole column (not 2 January for the first row).
    assert read_transactions(raw, columns=cols)["timestamp"].tolist() == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-13"),
    ]
    with pytest.raises(SchemaError, match="has dates that read two ways"):
        read_transactions(raw.assign(t=["01/02/2024", "02/03/2024"]), columns=cols)
    with pytest.raises(SchemaError, match="mixes date formats"):
        read_transactions(raw.assign(t=["2024-02-01", "13/02/2024"]), columns=cols)


def test_never_date_is_named_with_a_hint():
    raw = pd.DataFrame({"c": [1, 2], "t": ["2024-01-01", "9999-12-31"], "a": [1.0, 2.0]})
    with pytest.raises(SchemaError, match="a 'never' date such as 9999-12-31"):
        read_transactions(raw, columns={"customer": "c", "timestamp": "t", "amount": "a"})


def test_shopify_numeric_order_names(tmp_path):
    export = pd.DataFrame(
        {
            "Name": [1001, 1001, 1002],
            "Email": ["ann@example.com", None, "bo@example.com"],
            "Created at": ["2024-03-01 10:00:00 +0100"] * 2 + ["2024-03-02 09:30:00 +0100"],
            "Total": [40.0, None, 20.0],
            "Lineitem quantity": [1, 2, 1],
            "Lineitem price": [20.0, 10.0, 20.0],
        }
    )
    path = tmp_path / "orders_export.csv"
    export.to_csv(path, index=False)
    lines = read_shopify_orders(path, lines=True)
    assert lines["order_id"].tolist() == ["1001", "1001", "1002"]
    assert lines["amount"].tolist() == [20.0, 20.0, 20.0]


RETAIL_CSV = """Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536365,84406B,CREAM CUPID HEARTS,6,12/1/2010 8:26,3.39,17850,United Kingdom
536365,84406B,CREAM CUPID HEARTS,6,12/1/2010 8:26,3.39,17850,United Kingdom
C536379,71053,WHITE METAL LANTERN,-6,12/13/2010 9:41,3.39,17850,United Kingdom
536380,22633,HAND WARMER,2,12/14/2010 10:00,1.85,,United Kingdom
536381,22632,HAND WARMER RED,1,12/14/2010 11:00,1.85,13047,France
"""


def test_online_retail_to_customer_table(tmp_path):
    path = tmp_path / "online_retail.csv"
    path.write_text(RETAIL_CSV, encoding="utf-8")
    raw = read_online_retail(path)
    assert raw["order_id"].tolist()[4] == "C536379"
    assert raw["timestamp"].tolist()[4] == pd.Timestamp("2010-12-13 09:41")
    clean, report = segkit.clean_transactions(
        raw, customer="customer_id", timestamp="timestamp", quantity="quantity",
        price="price", order="order_id", cancel_prefix="C",
    )  # fmt: skip
    assert report.counts.to_dict() == {"duplicate row": 1, "missing customer id": 1}
    s = segkit.summarize(clean, customer="customer_id", timestamp="timestamp",
                         amount="amount", order="order_id")  # fmt: skip
    assert s.index.tolist() == [13047, 17850]
    assert s.loc[17850, "orders"] == 1
    assert s.loc[17850, "revenue"] == pytest.approx(15.3 + 20.34 + 20.34 - 20.34)


def test_tmall_closed_and_refunded_orders_are_not_purchases(tmp_path):
    export = pd.DataFrame(
        {
            "订单编号": ['="2968123456789012345"', "2968123456789012346", "2968123456789012347",
                     "2968123456789012348"],
            "买家会员名": ["小明", "小明", "tb_8848", "小红"],
            "订单付款时间": ["2024-03-01 10:00:00", "2024-03-05 12:00:00", None,
                       "2024-03-06 09:00:00"],
            "买家实际支付金额": ["128.00", "59.90", "20.00", "88.00"],
            "订单状态": ["交易成功", "交易关闭", "等待买家付款", "卖家已发货，等待买家确认"],
        }
    )  # fmt: skip
    path = tmp_path / "ExportOrderList.csv"
    path.write_bytes(export.to_csv(index=False).encode("gbk"))
    orders = read_tmall_orders(path)
    assert orders["order_id"].tolist() == ["2968123456789012345", "2968123456789012348"]
    assert orders["customer_id"].tolist() == ["小明", "小红"]
    assert orders["amount"].tolist() == [128.0, 88.0]
    everything = read_tmall_orders(path, keep_all=True)
    assert len(everything) == 4


def test_cli_cleans_a_raw_export(tmp_path, capsys):
    from segkit.cli import main

    source = tmp_path / "online_retail.csv"
    source.write_text(RETAIL_CSV, encoding="utf-8")
    target = tmp_path / "rfm.csv"
    code = main(
        ["rfm", str(source), "--customer", "Customer ID", "--timestamp", "InvoiceDate",
         "--quantity", "Quantity", "--price", "Price", "--order", "Invoice", "--clean",
         "--cancel-prefix", "C", "-o", str(target)]
    )  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "7 rows in, 5 rows out" in err
    assert "missing customer id" in err
    assert "duplicate row" in err
    written = target.read_text(encoding="utf-8").splitlines()
    # Ids as read: 17850, not 17850.0.
    assert [line.split(",")[0] for line in written[1:]] == ["13047", "17850"]
    table = pd.read_csv(target, index_col=0)
    assert table.loc[17850, "orders"] == 1


def test_cli_quantity_without_clean_and_bad_money_flags(tmp_path, capsys):
    from segkit.cli import main

    source = tmp_path / "lines.csv"
    pd.DataFrame(
        {"c": [1, 1, 2], "t": ["2024-01-01", "2024-01-02", "2024-01-02"], "q": [2, 1, 3],
         "p": [1.5, 2.0, 1.0]}
    ).to_csv(source, index=False)  # fmt: skip
    target = tmp_path / "rfm.csv"
    base = ["rfm", str(source), "--customer", "c", "--timestamp", "t", "-o", str(target)]
    assert main([*base, "--quantity", "q", "--price", "p"]) == 0
    assert pd.read_csv(target, index_col=0)["revenue"].tolist() == [5.0, 3.0]
    capsys.readouterr()
    assert main([*base, "--quantity", "q"]) == 2
    assert "quantity= needs price= too" in capsys.readouterr().err


@pytest.mark.parametrize("blank", ["", " ", "-", None], ids=["empty", "space", "dash", "missing"])
def test_tmall_blank_payment_time_is_not_paid(tmp_path, blank):
    export = pd.DataFrame(
        {
            "订单编号": ["1001", "1002", "1003", "1004", "1005"],
            "买家会员名": ["小明", "小明", "小红", "小红", "小红"],
            "订单付款时间": ["2024-03-01 10:00:00", blank, "2024-03-02 09:30:00",
                       "2024-03-03 08:00:00", blank],
            "买家实际支付金额": ["128.00", "20.00", "59.90", "30.00", "0.00"],
            "订单状态": ["交易成功", "交易成功", "交易成功", "退款成功", "交易关闭"],
        }
    )  # fmt: skip
    before = export.copy()
    in_memory = read_tmall_orders(export)
    pd.testing.assert_frame_equal(export, before)  # the caller's frame is not modified
    path = tmp_path / "orders.csv"
    path.write_bytes(export.to_csv(index=False).encode("gb18030"))
    for orders in (in_memory, read_tmall_orders(path)):
        assert orders["order_id"].tolist() == ["1001", "1003"]
        assert orders.attrs["left_out"] == {
            "not paid (no 订单付款时间)": 1,
            "closed (交易关闭)": 1,
            "waiting for payment (等待买家付款)": 0,
            "refund (退款)": 1,
        }
        assert len(orders) + sum(orders.attrs["left_out"].values()) == len(export)
    everything = read_tmall_orders(export, keep_all=True)
    assert everything["timestamp"].isna().tolist() == [False, True, False, False, True]


def test_cli_date_format_reads_a_short_ambiguous_export(tmp_path, capsys):
    from segkit.cli import main

    source = tmp_path / "december.csv"
    source.write_text(
        "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID\n"
        "1,A,2,12/1/2010 8:26,1.25,12346.0\n"
        "2,B,1,12/2/2010 9:00,3.00,12347.0\n"
        "3,A,1,12/9/2010 23:59,1.25,12346.0\n",
        encoding="utf-8",
    )
    args = ["rfm", str(source), "--customer", "Customer ID", "--timestamp", "InvoiceDate",
            "--quantity", "Quantity", "--price", "Price", "--order", "Invoice", "--clean",
            "--as-of", "2010-12-09", "-o", str(tmp_path / "rfm.csv")]  # fmt: skip
    assert main(args) == 2  # 1 February or 12 January? refused, with the option named
    assert "--date-format '%m/%d/%Y %H:%M'" in capsys.readouterr().err
    assert main([*args, "--date-format", "%m/%d/%Y %H:%M"]) == 0
    table = pd.read_csv(tmp_path / "rfm.csv", index_col=0)
    assert table.index.tolist() == [12346, 12347]
    assert table.loc[12346, "orders"] == 2  # the whole of Dec 9 is inside as_of
    assert table.loc[12346, "recency_days"] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(source.read_text().replace("12/2/2010 9:00", "2010-12-02"), encoding="utf-8")
    assert main([*args[:1], str(bad), *args[2:], "--date-format", "%m/%d/%Y %H:%M"]) == 2
    assert "not in --date-format" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("title", "shown"),
    [("订单报表 2024-10-27\n", "'订单报表 2024-10-27'"), ("订单报表,,,\n", "'订单报表'")],
    ids=["title-alone", "title-in-a-merged-cell"],
)
def test_a_title_line_above_the_header_is_named(tmp_path, title, shown):
    # Excel exports often carry a report title on line 1, the header on line 2
    path = tmp_path / "orders.csv"
    path.write_bytes((title + CN.to_csv(index=False).replace("会员,日期,金额", "会员,日期,金额,备注")
                      .replace("\n", ",\n").replace("备注,", "备注")).encode("gbk"))  # fmt: skip
    with pytest.raises(SchemaError) as info:
        read_transactions(path, columns=CN_COLUMNS)
    assert str(info.value) == (
        f"line 1 of orders.csv looks like a title above the header ({shown}; line 2 has 4 "
        "columns): delete the line(s) above the header and read the file again"
    )


def test_a_semicolon_header_over_decimal_commas_is_no_title(tmp_path):
    # line 2 has three ','-fields ("1.234,56" and "617,28" split), but line 1 is
    # the ';' header of as many fields as the lines below
    path = tmp_path / "eur.csv"
    path.write_text(
        "Kunde;Datum;Betrag;Preis\nK1;2024-01-02;1.234,56;617,28\nK2;2024-01-03;9,50;9,50\n",
        encoding="utf-8",
    )
    tx = read_transactions(
        path, columns={"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"}
    )
    assert tx["customer_id"].tolist() == ["K1", "K2"]
    assert tx["amount"].tolist() == [1234.56, 9.5]


def test_tmall_orders_left_out_may_say_dash_for_their_amount(tmp_path):
    export = pd.DataFrame(
        {
            "订单编号": ["1001", "1002", "1003"],
            "买家会员名": ["小明", "小红", "小红"],
            "订单付款时间": ["2024-03-01 10:00:00", "", "2024-03-02 09:30:00"],
            "买家实际支付金额": ["128.00", "-", "-"],
            "订单状态": ["交易成功", "交易关闭", "交易关闭"],
        }
    )  # fmt: skip
    path = tmp_path / "orders.csv"
    path.write_bytes(export.to_csv(index=False).encode("gbk"))
    orders = read_tmall_orders(path)
    assert orders["order_id"].tolist() == ["1001"]
    assert orders["amount"].tolist() == [128.0]
    assert orders.attrs["left_out"]["closed (交易关闭)"] == 2
    everything = read_tmall_orders(path, keep_all=True)
    assert everything["amount"].isna().tolist() == [False, True, True]
    # a kept order still needs a number
    export.loc[0, "买家实际支付金额"] = "-"
    with pytest.raises(
        SchemaError, match=r"'买家实际支付金额' has 1 value\(s\) that are not numbers"
    ):
        read_tmall_orders(export)
