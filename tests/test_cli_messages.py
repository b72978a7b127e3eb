"""The command's messages speak to a command-line user (issue #17): options, not API
calls; progress lines in the language of --lang; counts with separators."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit.cli import main
from segkit.datasets import make_transactions

COLUMNS = ["--customer", "customer_id", "--timestamp", "timestamp", "--amount", "amount"]


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("segkit: error: ")
    return err.removeprefix("segkit: error: ").strip()


@pytest.fixture
def guests_csv(tmp_path: Path) -> Path:
    """A raw export: lines 1 and 3 have no customer id (guest checkouts)."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", None, "b", None, "a"],
            "timestamp": ["2024-01-02", "2024-01-03", "2024-01-05", "2024-02-01", "2024-03-01"],
            "amount": [10.0, 5.0, 7.5, 3.0, 12.0],
        }
    )
    source = tmp_path / "raw.csv"
    tx.to_csv(source, index=False)
    return source


@pytest.mark.parametrize(
    ("command", "output"), [("rfm", "x.csv"), ("report", "x.html")], ids=["rfm", "report"]
)
def test_guest_lines_say_pass_clean(tmp_path, guests_csv, capsys, command, output):
    out = tmp_path / output
    assert _error(capsys, [command, str(guests_csv), *COLUMNS, "-o", str(out)]) == (
        "column 'customer_id' has 2 missing customer id(s) at index [1, 3]; "
        "drop them first (pass --clean, which does this)"
    )
    assert not out.exists()


def test_guest_lines_with_clean_are_dropped_and_reported(tmp_path, guests_csv, capsys):
    out = tmp_path / "x.csv"
    assert main(["rfm", str(guests_csv), *COLUMNS, "--clean", "-o", str(out)]) == 0
    assert sorted(pd.read_csv(out)["customer_id"]) == ["a", "b"]
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "5 rows in, 3 rows out"


def test_the_api_keeps_its_own_hint(guests_csv):
    import segkit

    tx = pd.read_csv(guests_csv)
    with pytest.raises(segkit.errors.SchemaError, match=r"\(segkit\.clean_transactions does"):
        segkit.summarize(tx, customer="customer_id", timestamp="timestamp", amount="amount")


def test_cleaning_report_counts_have_separators(tmp_path, capsys):
    tx = make_transactions(400, seed=4)
    tx.loc[tx.index[:3], "customer_id"] = None
    assert len(tx) > 1000  # the row counts need a separator
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False)
    out = tmp_path / "x.csv"
    assert main(["rfm", str(source), *COLUMNS, "--clean", "-o", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"{len(tx):,} rows in, {len(tx) - 3:,} rows out"
    kept = next(line for line in lines if line.split()[0] == "kept")
    assert kept.split()[1] == f"{len(tx) - 3:,}"


@pytest.fixture
def country_csv(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    tx = make_transactions(60, seed=2)
    ids = sorted(tx["customer_id"].unique())
    country = {c: ("UK" if i % 3 else "France") for i, c in enumerate(ids)}
    tx["Country"] = tx["customer_id"].map(country)
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False)
    return source, tx


def test_by_a_column_of_the_transactions(tmp_path, country_csv, capsys):
    source, _ = country_csv
    out = tmp_path / "r.html"
    argv = ["report", str(source), *COLUMNS, "--quiet", "--by", "Country", "-o", str(out)]
    assert main(argv) == 0
    html = out.read_text()
    assert "<h2>By Country</h2>" in html
    assert "France" in html


def test_by_with_several_values_per_customer(tmp_path, country_csv, capsys):
    source, tx = country_csv
    first = tx["customer_id"].value_counts().index[0]  # a customer with several lines
    mine = tx.index[tx["customer_id"] == first]
    assert len(mine) >= 3
    tx.loc[mine[:1], "Country"] = "Spain"  # one line of Spain, the rest of France
    tx.loc[mine[1:], "Country"] = "France"
    tx.to_csv(source, index=False)
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    argv = ["report", str(source), *COLUMNS, "--quiet", "--by", "Country", "-o", str(out),
            "--table", str(table)]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"--by 'Country': 1 customer(s) have more than one 'Country' in the transactions "
        f"(e.g. {int(first)}); each is counted under the one on most of their lines (ties: "
        "the later purchase); a --customers file can give one value each"
    )
    countries = pd.read_csv(table, index_col=0)["Country"]
    assert countries[int(first)] == "France"
    # everyone else has one country, the one of their lines
    rest = tx[tx["customer_id"] != first].groupby("customer_id")["Country"].agg(set)
    assert {c: {v} for c, v in countries.drop(int(first)).items()} == rest.to_dict()
    # a tie goes to the later line
    tx.loc[mine, "Country"] = ["Spain", "France"] * (len(mine) // 2) + ["Spain"] * (len(mine) % 2)
    last = tx.loc[mine[-1], "Country"]
    if len(mine) % 2:  # an odd count is no tie: Spain has one line more
        last = "Spain"
    tx.to_csv(source, index=False)
    assert main(argv) == 0
    assert pd.read_csv(table, index_col=0)["Country"][int(first)] == last


def test_by_without_customers_and_not_in_the_transactions(tmp_path, country_csv, capsys):
    source, _ = country_csv
    out = tmp_path / "r.html"
    argv = ["report", str(source), *COLUMNS, "--quiet", "--by", "region", "-o", str(out)]
    assert _error(capsys, argv) == (
        "--by 'region': no column 'region' in the transactions, and --by reads a column of "
        "the --customers file, which was not given; pass --customers FILE with that column"
    )
    assert not out.exists()


def test_rfm_progress_in_chinese(tmp_path, country_csv, capsys):
    source, tx = country_csv
    out = tmp_path / "x.csv"
    assert main(["rfm", str(source), *COLUMNS, "--lang", "zh", "-o", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"已将 {tx['customer_id'].nunique():,} 位客户写入 {out}"


def test_rfm_progress_in_english(tmp_path, country_csv, capsys):
    source, tx = country_csv
    out = tmp_path / "x.csv"
    assert main(["rfm", str(source), *COLUMNS, "-o", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"wrote {tx['customer_id'].nunique():,} customers to {out}"


def test_report_progress_in_chinese(tmp_path, country_csv, capsys):
    source, tx = country_csv
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    argv = ["report", str(source), *COLUMNS, "--quiet", "--lang", "zh", "-o", str(out)]
    assert main([*argv, "--table", str(table)]) == 0
    n = tx["customer_id"].nunique()
    assert capsys.readouterr().out.splitlines()[-2:] == [
        f"已将 {n:,} 位客户的报告写入 {out}",
        f"已将客户表写入 {table}",
    ]


def test_rfm_file_in_chinese_names_each_segment_beside_its_key(tmp_path, country_csv):
    from segkit.report._i18n import Locale
    from segkit.rfm import load_segment_map

    source, _ = country_csv
    en, zh = tmp_path / "en.csv", tmp_path / "zh.csv"
    assert main(["rfm", str(source), *COLUMNS, "-o", str(en)]) == 0
    assert main(["rfm", str(source), *COLUMNS, "--lang", "zh", "-o", str(zh)]) == 0
    english = pd.read_csv(en, encoding="utf-8-sig")
    chinese = pd.read_csv(zh, encoding="utf-8-sig")
    assert "segment_name" not in english.columns
    # the key stays (a CRM import keys on it); the name in Chinese follows it
    at = list(english.columns).index("segment") + 1
    assert list(chinese.columns) == [*english.columns[:at], "segment_name", *english.columns[at:]]
    pd.testing.assert_frame_equal(chinese.drop(columns="segment_name"), english)
    loc = Locale("zh", segment_map=load_segment_map("rfm11"))
    assert chinese["segment_name"].tolist() == [loc.segment(s) for s in english["segment"]]
    champions = english["segment"] == "champions"
    assert champions.any()
    assert chinese.loc[champions, "segment_name"].eq("冠军客户").all()


_LINES = "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID\n"


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        pytest.param(
            ["12/1/2010 8:26", "12/2/2010 9:00", "12/9/2010 10:00"],
            "column 'InvoiceDate' has dates that read two ways ('%d/%m/%Y %H:%M' or "
            "'%m/%d/%Y %H:%M', e.g. ['12/1/2010 8:26', '12/2/2010 9:00']); pass the right one, "
            "e.g. --date-format '%m/%d/%Y %H:%M'",
            id="two-ways",
        ),
        pytest.param(
            ["13/12/2010 8:26", "2010-12-14 9:00", "15/12/2010 10:00"],
            "column 'InvoiceDate' mixes date formats ('%d/%m/%Y %H:%M' and 'ISO 8601', e.g. at "
            "index [1]); write them one way",
            id="mixed",
        ),
    ],
)
def test_date_messages_speak_of_the_option_not_of_pandas(tmp_path, capsys, dates, message):
    source = tmp_path / "retail.csv"
    lines = [f"5363{i},85123A,6,{d},2.55,1785{i}.0" for i, d in enumerate(dates)]
    source.write_text(_LINES + "\n".join(lines) + "\n", encoding="utf-8")
    argv = ["rfm", str(source), "--format", "online-retail", "-o", str(tmp_path / "x.csv")]
    assert _error(capsys, argv) == message


@pytest.mark.parametrize(
    ("clean", "message"),
    [
        ([], "column 'Quantity' has 1 value(s) that are not amounts, in rows [1]: ['six']"),
        (
            ["--clean"],
            "column 'Quantity' of the transactions is not numeric at index [1]: ['six']",
        ),
    ],
    ids=["plain", "clean"],
)
def test_a_quantity_that_is_no_number_is_not_sent_to_clean(tmp_path, capsys, clean, message):
    # --clean drops amounts that are no number; it refuses quantities and prices that are
    # none (their line is genuine, its amount unknown): the way out is the file itself
    source = tmp_path / "retail.csv"
    rows = [
        "536365,85123A,6,13/12/2010 8:26,2.55,17850",
        "536366,71053,six,14/12/2010 9:00,3.39,1",
    ]
    source.write_text(_LINES + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["rfm", str(source), "--customer", "Customer ID", "--timestamp", "InvoiceDate",
            "--quantity", "Quantity", "--price", "Price", *clean, "-o", str(tmp_path / "x.csv")]  # fmt: skip
    assert _error(capsys, argv) == f"{message}; fix those values in the file"


def test_by_ties_go_to_the_later_purchase_in_a_newest_first_export(tmp_path, capsys):
    # an export listing the newest order first: "the later line" is the older order
    lines = "\n".join(
        [
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
            "536404,A,Mug,1,2010-12-04 10:00,5.00,12347.0,Iceland",
            "536403,A,Mug,1,2010-12-03 10:00,5.00,12347.0,Norway",
            "536402,A,Mug,1,2010-12-02 10:00,5.00,12348.0,Finland",
            "536401,A,Mug,1,2010-12-01 10:00,5.00,12348.0,Finland",
        ]
    )
    source = tmp_path / "online_retail.csv"
    source.write_text(lines + "\n", encoding="utf-8")
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    argv = ["report", str(source), "--format", "online-retail", "--quiet", "--by", "Country",
            "-o", str(out), "--table", str(table)]  # fmt: skip
    assert main(argv) == 0
    assert "1 customer(s) have more than one 'country'" in capsys.readouterr().err
    by = pd.read_csv(table, index_col=0)["country"]
    assert by.to_dict() == {12347: "Iceland", 12348: "Finland"}
