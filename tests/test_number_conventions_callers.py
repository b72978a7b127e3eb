"""Every way in reads numbers with one convention per column, and says so when it cannot.

The readers read a CSV file's money columns as text (pandas alone reads
"1.500" as 1.5), ``clean_transactions`` and the command line take the same
``decimal=`` / ``--decimal``, and a column that reads two ways stops with one
line naming the column and the option.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import segkit
from segkit.cli import main
from segkit.errors import ParameterError, SchemaError
from segkit.io import (
    read_online_retail,
    read_shopify_orders,
    read_tmall_orders,
    read_transactions,
)

#: A German export: whole euros with a dot grouping the thousands.
GERMAN = "Kunde;Datum;Betrag\nk1;2024-01-02;1.500\nk2;2024-01-03;250\nk3;2024-01-04;2.000\n"
COLUMNS = {"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"}
REFUSED = (
    "column 'Betrag' has numbers that read two ways: '1.500' at index 0 is 1500 if dots "
    "group thousands and 1.5 if a dot is the decimal point, and no value settles which "
    "(such as '2,50', '1.234,50', '12.50' or '0.500'); pass {option} ',' (German style, "
    "1.500 = 1500) or {option} '.' (1.500 = 1.5)"
)
RETAIL_DE = (
    "Invoice;StockCode;Description;Quantity;InvoiceDate;Price;Customer ID;Country\n"
    "536365;85123A;HEART;1.000;2010-12-01 08:26;2,55;17850;Germany\n"
    "536366;71053;LANTERN;6;2010-12-02 08:26;3,39;17850;Germany\n"
)


@pytest.fixture
def german(tmp_path: Path) -> Path:
    path = tmp_path / "umsatz.csv"
    path.write_text(GERMAN, encoding="utf-8")
    return path


def test_read_transactions_refuses_what_pandas_would_read_as_1_5(german):
    assert pd.read_csv(german, sep=";")["Betrag"].tolist() == [1.5, 250.0, 2.0]  # the trap
    with pytest.raises(SchemaError) as info:
        read_transactions(german, columns=COLUMNS)
    assert str(info.value) == REFUSED.format(option="decimal=").replace("= '", "='")


@pytest.mark.parametrize(
    ("decimal", "expected"), [(",", [1500.0, 250.0, 2000.0]), (".", [1.5, 250.0, 2.0])]
)
def test_read_transactions_with_the_convention_stated(german, decimal, expected):
    assert (
        read_transactions(german, columns=COLUMNS, decimal=decimal)["amount"].tolist() == expected
    )


def test_read_transactions_settled_by_another_value(tmp_path):
    path = tmp_path / "umsatz.csv"
    path.write_text(GERMAN + "k4;2024-01-05;2,50\n", encoding="utf-8")
    assert read_transactions(path, columns=COLUMNS)["amount"].tolist() == [
        1500.0,
        250.0,
        2000.0,
        2.5,
    ]


def test_read_transactions_checks_decimal_first(german):
    with pytest.raises(ParameterError, match=r"^decimal must be '\.' or ','"):
        read_transactions(german, columns=COLUMNS, decimal=";")


def test_online_retail_quantity_in_thousands(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL_DE, encoding="utf-8")
    with pytest.raises(
        SchemaError,
        match=r"^column 'Quantity' has numbers that read two ways: '1.000' at index 0 is 1000 ",
    ):
        read_online_retail(path)
    out = read_online_retail(path, decimal=",")
    assert out["quantity"].tolist() == [1000.0, 6.0]
    assert out["price"].tolist() == [2.55, 3.39]


def test_tmall_gbk_export(tmp_path):
    path = tmp_path / "orders.csv"
    text = (
        "订单编号,买家会员名,订单付款时间,买家实际支付金额,订单状态\n"
        '2968123456789012345,小明,2024-03-01 10:00:00,"1.500",交易成功\n'
        "2968123456789012346,tb_8848,2024-03-02 10:00:00,200,交易成功\n"
    )
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(
        SchemaError,
        match=r"^column '买家实际支付金额' has numbers that read two ways: '1.500' at index 0",
    ):
        read_tmall_orders(path)
    assert read_tmall_orders(path, decimal=".")["amount"].tolist() == [1.5, 200.0]
    assert read_tmall_orders(path, decimal=",")["amount"].tolist() == [1500.0, 200.0]


def test_shopify_export_resaved_in_a_german_locale(tmp_path):
    path = tmp_path / "orders_export.csv"
    path.write_text(
        "Name;Email;Financial Status;Created at;Total\n"
        "#1001;a@b.de;paid;2024-03-01 10:00:00 +0100;1.500\n"
        "#1002;c@d.de;paid;2024-03-02 10:00:00 +0100;2.000\n",
        encoding="utf-8",
    )
    with pytest.raises(
        SchemaError,
        match=r"^column 'Total' has numbers that read two ways: '1.500' at index '#1001'",
    ):
        read_shopify_orders(path)
    assert read_shopify_orders(path, decimal=",")["amount"].tolist() == [1500.0, 2000.0]


@pytest.mark.parametrize(
    ("money", "column", "target", "expected"),
    [
        ({"amount": "Betrag"}, "Betrag", "Betrag", [1500.0, 250.0, 2000.0]),
        ({"quantity": "Menge", "price": "Preis"}, "Preis", "amount", [1500.0, 500.0, 2000.0]),
    ],
)
def test_clean_transactions_refuses_and_reads_with_decimal(money, column, target, expected):
    raw = pd.DataFrame(
        {
            "Kunde": ["k1", "k2", "k3"],
            "Datum": ["2024-01-02", "2024-01-03", "2024-01-04"],
            "Betrag": ["1.500", "250", "2.000"],
            "Menge": ["1", "2", "1"],
            "Preis": ["1.500", "250", "2.000"],
        }
    )
    before = raw.copy()
    with pytest.raises(SchemaError) as info:
        segkit.clean_transactions(raw, customer="Kunde", timestamp="Datum", **money)
    assert str(info.value) == REFUSED.format(option="decimal=").replace("= '", "='").replace(
        "'Betrag'", repr(column)
    )
    clean, _ = segkit.clean_transactions(
        raw, customer="Kunde", timestamp="Datum", decimal=",", **money
    )
    assert clean[target].tolist() == expected
    pd.testing.assert_frame_equal(raw, before)


# --------------------------------------------------------------------------- #
# The command line: one line naming the column and --decimal
# --------------------------------------------------------------------------- #
def _rfm(path: Path, *extra: str) -> list[str]:
    out = path.parent / "out.csv"
    return ["rfm", str(path), "-o", str(out), "--as-of", "2024-02-01", *extra]


NAMED = ["--customer", "Kunde", "--timestamp", "Datum", "--amount", "Betrag"]


@pytest.mark.parametrize("extra", [[], ["--clean"]], ids=["text-amounts", "clean"])
def test_cli_refuses_in_one_line(german, capsys, extra):
    assert main(_rfm(german, *NAMED, *extra)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "segkit: error: " + REFUSED.format(option="--decimal")
    assert [line for line in err if line.startswith("segkit: error")] == err[-1:]


@pytest.mark.parametrize("extra", [[], ["--clean"]], ids=["text-amounts", "clean"])
def test_cli_reads_with_decimal(german, capsys, extra):
    assert main(_rfm(german, *NAMED, *extra, "--decimal", ",")) == 0, capsys.readouterr().err
    table = pd.read_csv(german.parent / "out.csv").set_index("Kunde")
    assert table["revenue"].to_dict() == {"k1": 1500.0, "k2": 250.0, "k3": 2000.0}


def test_cli_format_passes_decimal(tmp_path, capsys):
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL_DE, encoding="utf-8")
    argv = ["rfm", str(path), "--format", "online-retail", "-o", str(tmp_path / "o.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("segkit: error: column 'Quantity' has numbers that read two ways: ")
    assert err.endswith(
        "pass --decimal ',' (German style, 1.500 = 1500) or --decimal '.' (1.500 = 1.5)"
    )
    assert main([*argv, "--decimal", ","]) == 0
    table = pd.read_csv(tmp_path / "o.csv").set_index("customer_id")
    assert table["revenue"].to_dict() == {17850: 1000 * 2.55 + 6 * 3.39}


def test_cli_decimal_is_a_point_or_a_comma(german, capsys):
    with pytest.raises(SystemExit):
        main(_rfm(german, *NAMED, "--decimal", ";"))
    assert "argument --decimal: invalid choice: ';'" in capsys.readouterr().err


def test_cli_reads_plain_numbers_as_pandas_does(tmp_path, capsys):
    # Read as text to check the convention, plain numbers are numbers again: --clean
    # reports no conversion of them, and "0.500" settles the price column.
    path = tmp_path / "lines.csv"
    path.write_text(
        "c,t,o,q,p\n1,2024-01-02,A1,2,1.500\n1,2024-01-03,A2,1,0.500\n2,2024-01-04,A3,3,12\n",
        encoding="utf-8",
    )
    argv = ["rfm", str(path), "--customer", "c", "--timestamp", "t", "--quantity", "q"]
    argv += ["--price", "p", "--order", "o", "--clean", "-o", str(tmp_path / "out.csv")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "converted      3 values in 't'" in err
    assert "values in 'q'" not in err
    assert "values in 'p'" not in err
    table = pd.read_csv(tmp_path / "out.csv").set_index("c")
    assert table["revenue"].to_dict() == {1: 3.5, 2: 36.0}


def test_cli_decimal_is_not_for_dask_input(tmp_path, capsys):
    pytest.importorskip("dask")
    path = tmp_path / "log.parquet"
    when = pd.to_datetime(["2024-01-01", "2024-01-02"])
    pd.DataFrame({"c": [1, 2], "t": when, "a": [1.0, 2.0]}).to_parquet(path)
    argv = ["rfm", str(path), "--dask", "--customer", "c", "--timestamp", "t", "--amount", "a"]
    assert main([*argv, "--decimal", ",", "-o", str(tmp_path / "o.csv")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "segkit: error: --clean, --date-format and --pseudonymize read with pandas, and "
        "--encoding and --decimal read CSV files: not with Dask input"
    )


# --------------------------------------------------------------------------- #
# Money formats: no-break spaces and currencies around the number
# --------------------------------------------------------------------------- #
EXCEL_EUROS = ["12,50\u00a0€", "1\u202f234,50\u00a0€", "€\u00a03,10", "-0,90\u00a0€"]


def test_clean_transactions_keeps_excel_money_formats():
    # "amount not a number" before: all four lines dropped
    raw = pd.DataFrame(
        {"Kunde": ["k1", "k2", "k3", "k4"], "Datum": ["2024-01-02"] * 4, "Betrag": EXCEL_EUROS}
    )
    before = raw.copy()
    clean, report = segkit.clean_transactions(
        raw, customer="Kunde", timestamp="Datum", amount="Betrag"
    )
    assert clean["Betrag"].tolist() == [12.5, 1234.5, 3.1, -0.9]
    assert (report.n_input, report.n_output, len(report.dropped)) == (4, 4, 0)
    pd.testing.assert_frame_equal(raw, before)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (["100 ₽", "1 200,50 ₽", "руб. 3,5"], [100.0, 1200.5, 3.5]),
        (["Rs. 1,200", "Rs. 25.50", "₹300"], [1200.0, 25.5, 300.0]),
        (["S/ 100", "S/. 12.50", "₺100"], [100.0, 12.5, 100.0]),
    ],
)
def test_read_transactions_reads_currencies_of_any_script(tmp_path, written, expected):
    path = tmp_path / "orders.csv"
    lines = [f"k{i};2024-01-0{i + 1};{amount}" for i, amount in enumerate(written)]
    path.write_text("Kunde;Datum;Betrag\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert read_transactions(path, columns=COLUMNS)["amount"].tolist() == expected


def test_read_transactions_names_a_value_that_is_no_number(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Kunde;Datum;Betrag\nk1;2024-01-02;12 €\nk2;2024-01-03;E3\n", encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        read_transactions(path, columns=COLUMNS)
    assert str(info.value) == (
        "column 'Betrag' has 1 value(s) that are not amounts, in rows [1]: ['E3']"
    )


def test_cli_reads_excel_money_formats(tmp_path, capsys):
    path = tmp_path / "umsatz.csv"
    euros = [*EXCEL_EUROS[:3], "0,90\u00a0€"]
    rows = [f"k{i};2024-01-0{i + 1};{amount}" for i, amount in enumerate(euros)]
    path.write_text("Kunde;Datum;Betrag\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(_rfm(path, *NAMED, "--clean")) == 0, capsys.readouterr().err
    assert "amount not a number" not in capsys.readouterr().err
    table = pd.read_csv(tmp_path / "out.csv").set_index("Kunde")
    assert table["revenue"].to_dict() == {"k0": 12.5, "k1": 1234.5, "k2": 3.1, "k3": 0.9}


def test_cli_reads_plain_numbers_with_no_break_spaces(tmp_path, capsys):
    # "12\u00a0": a plain number to the convention check, and pandas alone cannot read it
    path = tmp_path / "umsatz.csv"
    rows = ["k0;2024-01-01;12\u00a0", "k1;2024-01-02;\u00a03.5", "k2;2024-01-03;7"]
    path.write_text("Kunde;Datum;Betrag\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(_rfm(path, *NAMED)) == 0, capsys.readouterr().err
    table = pd.read_csv(tmp_path / "out.csv").set_index("Kunde")
    assert table["revenue"].to_dict() == {"k0": 12.0, "k1": 3.5, "k2": 7.0}
