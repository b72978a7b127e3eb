"""The command line on raw shop exports (issue #11): what a new user tried.

The cleaning report and the readers' line on stderr speak the language of
--lang; --date-format reads the timestamps of every --format and of --events;
ids are written as they were read (a leading zero keeps two customers apart).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import segkit
from segkit.cleaning import REASONS
from segkit.cli import main
from segkit.cli._messages import NAMES_ZH
from segkit.errors import ParameterError
from segkit.io import read_transactions

RETAIL = (
    "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    "536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
    "536365,71053,LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n"
    "536365,84406B,CUPID,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n"
    "536365,84406B,CUPID,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n"
    "C536379,71053,LANTERN,-6,12/13/2010 9:41,3.39,17850.0,United Kingdom\n"
    "536380,22633,WARMER,2,12/14/2010 10:00,1.85,,United Kingdom\n"
    "536381,22632,WARMER,1,12/14/2010 11:00,1.85,13047.0,France\n"
)
TMALL = (
    "订单编号,买家会员名,订单付款时间,买家实际支付金额,订单状态\n"
    "2968123456789012345,小明,01/02/2024 10:00,10.00,交易成功\n"
    "2968123456789012346,007,03/02/2024 10:00,20.00,交易成功\n"
    "2968123456789012347,小明,,30.00,交易关闭\n"
)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().err


def test_cleaning_report_speaks_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source = tmp_path / "retail.csv"
    source.write_text(RETAIL, encoding="utf-8")
    argv = [
        "rfm",
        str(source),
        "--format",
        "online-retail",
        "--clean",
        "-o",
        str(tmp_path / "x.csv"),
    ]
    err = _run([*argv, "--lang", "zh"], capsys).splitlines()
    assert err[0] == "已从 Online Retail 导出文件读入 7 行（--format online-retail）"
    assert err[1] == "清洗：读入 7 行，保留 5 行（行数与金额）"
    rows = {line.split()[0]: line.split()[1:] for line in err[2:]}
    assert rows["保留"] == ["5", "行", f"{15.3 + 2 * 20.34 - 20.34 + 1.85:,.2f}"]
    assert rows["其中退货"] == ["1", "行", "-20.34"]
    assert rows["缺少客户编号"] == ["1", "行", "3.70"]
    assert rows["重复行"] == ["1", "行", "20.34"]
    assert rows["合计"] == ["7", "行", f"{15.3 + 3 * 20.34 - 20.34 + 3.7 + 1.85:,.2f}"]
    assert not [line for line in err if "rows" in line or "kept" in line]


def test_cleaning_report_in_english_is_the_reports_own(tmp_path, capsys):
    source = tmp_path / "retail.csv"
    source.write_text(RETAIL, encoding="utf-8")
    err = _run(
        [
            "rfm",
            str(source),
            "--format",
            "online-retail",
            "--clean",
            "-o",
            str(tmp_path / "x.csv"),
        ],
        capsys,
    )
    raw = segkit.io.read_online_retail(source)
    _, report = segkit.clean_transactions(
        raw, customer="customer_id", timestamp="timestamp", quantity="quantity", price="price",
        order="order_id", cancel_prefix="C",
    )  # fmt: skip
    expected = str(report).splitlines()
    assert err.splitlines()[1 : 1 + len(expected)] == expected


def test_every_cleaning_outcome_has_a_chinese_name():
    assert [r for r in ("kept", "returns", *REASONS, "total") if r not in NAMES_ZH] == []


def test_tmall_line_speaks_chinese(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.encode("gbk"))
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--format", "tmall", "--date-format", "%d/%m/%Y %H:%M"]
    err = _run([*argv, "--lang", "zh", "-o", str(out)], capsys)
    assert err.splitlines()[0] == (
        "已从天猫/淘宝订单导出文件读入 2 个订单（--format tmall）；未计入 1 个订单：交易关闭 1"
    )
    err = _run([*argv, "-o", str(out)], capsys)
    assert err.splitlines()[0] == (
        "read 2 orders from the Tmall/Taobao order export (--format tmall); "
        "left out 1 orders: closed (交易关闭) 1"
    )


def test_date_format_reads_a_tmall_export(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.encode("gb18030"))
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--format", "tmall", "--as-of", "2024-02-03", "-o", str(out)]
    assert main(argv) == 2  # 1 February or 2 January?
    assert "read two ways" in (err := capsys.readouterr().err)
    assert "; pass the right one, e.g. --date-format '%m/%d/%Y %H:%M'" in err
    assert main([*argv, "--date-format", "%d/%m/%Y %H:%M"]) == 0
    table = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    assert table["last_purchase"].to_dict() == {
        "007": "2024-02-03 10:00:00",
        "小明": "2024-02-01 10:00:00",
    }
    assert table.loc["007", "recency_days"] == 0  # the whole of 3 February is inside as_of
    capsys.readouterr()
    assert main([*argv, "--date-format", "%Y-%m-%d"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "segkit: error: column '订单付款时间' has 2 value(s) not in --date-format '%Y-%m-%d', "
        "in rows [0, 1]: ['01/02/2024 10:00', '03/02/2024 10:00']"
    )


def test_date_format_reads_a_shopify_export(tmp_path, capsys):
    source = tmp_path / "orders_export.csv"
    source.write_text(
        "Name,Email,Created at,Total\n"
        "#1001,a@x.com,09/03/2024 23:30:00 -0500,5\n"
        "#1002,a@x.com,11/03/2024 00:10:00 -0400,7\n",
        encoding="utf-8",
    )
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--format", "shopify", "--as-of", "2024-03-11", "-o", str(out)]
    assert main([*argv, "--date-format", "%d/%m/%Y %H:%M:%S %z"]) == 0
    table = pd.read_csv(out, index_col=0)
    assert table.loc["a@x.com", "first_purchase"] == "2024-03-09 23:30:00"  # the shop's days
    assert table.loc["a@x.com", "last_purchase"] == "2024-03-11 00:10:00"
    assert table.loc["a@x.com", "orders"] == 2


def test_date_format_with_offsets_that_change_is_no_traceback(tmp_path, capsys):
    source = tmp_path / "tx.csv"
    source.write_text(
        "cid,ts,amount\n1,2024-03-09 10:00:00 -0500,5\n1,2024-03-11 10:00:00 -0400,7\n",
        encoding="utf-8",
    )
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--customer", "cid", "--timestamp", "ts", "--amount", "amount"]
    assert main([*argv, "--date-format", "%Y-%m-%d %H:%M:%S %z", "-o", str(out)]) == 0
    assert pd.read_csv(out)["last_purchase"].tolist() == ["2024-03-11 10:00:00"]
    assert main([*argv, "--date-format", "%Y-%m-%d %Q", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(
        "segkit: error: --date-format '%Y-%m-%d %Q' is not a date format"
    )


def test_date_format_reads_the_events_too(tmp_path, capsys):
    tx = tmp_path / "tx.csv"
    tx.write_text(
        "cid,ts,amount\n1,01/02/2024,5\n2,03/02/2024,7\n1,05/02/2024,9\n", encoding="utf-8"
    )
    events = tmp_path / "events.csv"
    events.write_text(
        "cid,ts,event\n1,02/02/2024,view\n2,04/02/2024,view\n2,04/02/2024,cart\n",
        encoding="utf-8",
    )
    argv = ["report", str(tx), "--customer", "cid", "--timestamp", "ts", "--amount", "amount",
            "--events", str(events), "--as-of", "2024-02-05", "--no-lifecycle", "--quiet",
            "--date-format", "%d/%m/%Y", "-o", str(tmp_path / "r.html"),
            "--table", str(tmp_path / "t.csv")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    table = pd.read_csv(tmp_path / "t.csv", index_col=0)
    assert table["view_30d"].to_dict() == {1: 1, 2: 1}
    assert table["cart_30d"].to_dict() == {1: 0, 2: 1}


def test_ids_with_a_leading_zero_stay_apart(tmp_path, capsys):
    source = tmp_path / "tx.csv"
    source.write_text(
        "cid,ts,amount,order\n0012,2024-01-02,5,0001\n12,2024-01-03,7,1\n0012,2024-01-05,9,0002\n",
        encoding="utf-8",
    )
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--customer", "cid", "--timestamp", "ts", "--amount", "amount",
            "--order", "order", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    table = pd.read_csv(out, dtype={"cid": str}).set_index("cid")
    assert table["orders"].to_dict() == {"0012": 2, "12": 1}
    assert table["revenue"].to_dict() == {"0012": 14.0, "12": 7.0}


def test_encoding_reads_a_cp1252_export(tmp_path, capsys):
    source = tmp_path / "retail.csv"
    source.write_bytes(RETAIL.replace("HEART", "CAFÉ £ HEART").encode("cp1252"))
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--format", "online-retail", "--clean", "-o", str(out)]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "segkit: error: the file is neither UTF-8 nor GBK/GB18030 text; pass its encoding, "
        "e.g. --encoding 'big5' or --encoding 'cp1252'"
    )
    assert main([*argv, "--encoding", "cp1252"]) == 0
    assert pd.read_csv(out, index_col=0)["orders"].to_dict() == {13047: 1, 17850: 1}
    assert main([*argv, "--encoding", "nope"]) == 2
    assert "unknown encoding 'nope'" in capsys.readouterr().err


def test_amounts_written_as_text_are_read_as_the_readers_do(tmp_path, capsys):
    source = tmp_path / "eur.csv"
    source.write_text(
        "Kunde;Bestellung;Datum;Betrag;Menge;Preis\n"
        "K1;B1;2024-01-02;1.234,56;2;617,28\n"
        "K1;B2;2024-01-05;9,50;1;9,50\n"
        "K2;B3;2024-01-03;12,00;3;4,00\n",
        encoding="utf-8",
    )
    out = tmp_path / "x.csv"
    argv = ["rfm", str(source), "--customer", "Kunde", "--timestamp", "Datum",
            "--order", "Bestellung", "-o", str(out)]  # fmt: skip
    assert main([*argv, "--amount", "Betrag"]) == 0
    assert pd.read_csv(out, index_col=0)["revenue"].to_dict() == {"K1": 1244.06, "K2": 12.0}
    assert main([*argv, "--quantity", "Menge", "--price", "Preis"]) == 0
    assert pd.read_csv(out, index_col=0)["revenue"].to_dict() == {"K1": 1244.06, "K2": 12.0}
    source.write_text(source.read_text().replace("9,50;1", "neun;1"), encoding="utf-8")
    capsys.readouterr()
    assert main([*argv, "--amount", "Betrag"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "segkit: error: column 'Betrag' has 1 value(s) that are not amounts, in rows [1]: "
        "['neun']; pass --clean to drop and report those rows"
    )


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "2 of the lines dropped for a missing customer id belong to orders (Name) that "),
        ("zh", "因缺少客户编号而去除的行中，有 2 行所属的订单（Name）在另一行写有客户"),
    ],
)
def test_clean_says_when_an_export_names_the_customer_on_the_first_line_only(
    tmp_path, capsys, lang, line
):
    source = tmp_path / "orders_export.csv"
    source.write_text(
        "Name,Email,Created at,Lineitem quantity,Lineitem price\n"
        "#1001,a@x.com,2024-03-01 10:00:00 +0100,1,10\n"
        "#1001,,2024-03-01 10:00:00 +0100,2,5\n"
        "#1002,b@x.com,2024-03-02 10:00:00 +0100,1,7\n"
        "#1002,,2024-03-02 10:00:00 +0100,1,3\n"
        "#1003,,2024-03-03 10:00:00 +0100,1,4\n",  # a guest order: not counted
        encoding="utf-8",
    )
    argv = ["rfm", str(source), "--customer", "Email", "--timestamp", "Created at",
            "--quantity", "Lineitem quantity", "--price", "Lineitem price", "--order", "Name",
            "--clean", "--lang", lang, "-o", str(tmp_path / "x.csv")]  # fmt: skip
    err = _run(argv, capsys)
    assert len([e for e in err.splitlines() if e.startswith(line)]) == 1


@pytest.mark.parametrize(
    ("fmt", "export", "encoding", "customers", "expected"),
    [
        pytest.param(
            "tmall",
            TMALL.replace("01/02/2024", "2024-02-01").replace("03/02/2024", "2024-02-03"),
            "gbk",
            "买家会员名,城市\n小明,杭州\n007,上海\n",
            {"007": "上海", "小明": "杭州"},
            id="tmall-买家会员名",
        ),
        pytest.param(
            "shopify",
            "Name,Email,Created at,Total\n"
            "#1001,Ann@Example.com,2024-02-01 10:00:00 +0100,5\n"
            "#1002,bo@example.com,2024-02-03 10:00:00 +0100,7\n",
            "utf-8",
            "Email,city\n ann@example.com,Oslo\nBO@EXAMPLE.COM,Bergen\n",
            {"ann@example.com": "Oslo", "bo@example.com": "Bergen"},
            id="shopify-Email",
        ),
    ],
)
def test_customers_file_keyed_as_the_export_names_its_customers(
    tmp_path, capsys, fmt, export, encoding, customers, expected
):
    source = tmp_path / "orders.csv"
    source.write_bytes(export.encode(encoding))
    people = tmp_path / "customers.csv"
    people.write_bytes(customers.encode(encoding))
    by = customers.split(",")[1].split("\n")[0]
    table = tmp_path / "t.csv"
    argv = ["report", str(source), "--format", fmt, "--customers", str(people), "--by", by,
            "--no-lifecycle", "--quiet", "-o", str(tmp_path / "r.html"), "--table", str(table)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    written = pd.read_csv(table, dtype={"customer_id": str}).set_index("customer_id")
    assert written[by].to_dict() == expected


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_date_format_is_an_error(tmp_path, capsys, blank):
    source = tmp_path / "orders.csv"
    source.write_bytes(TMALL.encode("gb18030"))
    argv = ["rfm", str(source), "--format", "tmall", "-o", str(tmp_path / "x.csv")]
    assert main([*argv, "--date-format", blank]) == 2
    assert capsys.readouterr().err.splitlines() == [
        (
            "segkit: error: --date-format is empty: give the timestamp column's format, e.g. "
            "'%d/%m/%Y %H:%M', or leave the option out to read one format inferred for the "
            "whole column"
        )
    ]


def test_an_empty_date_format_is_refused_by_the_readers():
    raw = pd.DataFrame({"c": [1], "d": ["2024-01-01"], "a": [1.0]})
    columns = {"customer": "c", "timestamp": "d", "amount": "a"}
    with pytest.raises(ParameterError) as info:
        read_transactions(raw, columns=columns, date_format="")
    assert str(info.value) == (
        "date_format '' is empty: give the column's format, e.g. '%d/%m/%Y %H:%M', or leave "
        "it out to read one format inferred for the column"
    )


@pytest.mark.parametrize("by", ["Country", "country"])
def test_by_the_exports_country_with_format_online_retail(tmp_path, capsys, by):
    # the export calls it Country, the reader country: --by takes either
    source = tmp_path / "retail.csv"
    source.write_text(RETAIL, encoding="utf-8")
    table, report = tmp_path / "t.csv", tmp_path / "r.html"
    argv = ["report", str(source), "--format", "online-retail", "--clean", "--by", by,
            "--no-lifecycle", "--quiet", "-o", str(report), "--table", str(table)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    written = pd.read_csv(table).set_index("customer_id")
    assert written["country"].to_dict() == {13047: "France", 17850: "United Kingdom"}
    assert "<h2>By country</h2>" in report.read_text(encoding="utf-8")
