"""Files people open: formula injection, ids and money in the CRM file, Excel, escaping."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit._writers import escape_formula, escape_formulas, write_table
from segkit.errors import ParameterError, SegkitError
from segkit.io import write_crm

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("cell", HOSTILE, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_formula_cells_get_a_leading_quote(cell):
    assert escape_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-12.5", "+3", "1e5", "plain", "", "a=b", 5, None], ids=str)
def test_other_cells_unchanged(cell):
    assert escape_formula(cell) == cell


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": pd.Categorical(["=evil()", "lost"]),
            "name": ["@cmd", "Ann"],
            "revenue": [-12.346, 3.0],
            "clv": [10.004, 2 / 3],
            "p_alive": [0.98765, 0.5],
        },
        index=pd.Index([7.0, 9.0], name="customer_id"),
    )


def test_escape_formulas_covers_cells_headers_and_index():
    frame = pd.DataFrame({"=h": ["=x"]}, index=pd.Index(["=id"], name="@n"))
    out = escape_formulas(frame)
    assert out.columns.tolist() == ["'=h"]
    assert out.iloc[0, 0] == "'=x"
    assert out.index.tolist() == ["'=id"]
    assert out.index.name == "'@n"
    assert frame.iloc[0, 0] == "=x"  # the caller's frame is untouched


def test_write_crm_escapes_by_default_and_opts_out(tmp_path):
    table = _table()
    tags = pd.DataFrame({"=evil()": [True, False]}, index=table.index)
    safe = tmp_path / "safe.csv"
    write_crm(table, safe, tags=tags, columns=["segment", "name"])
    assert safe.read_text().splitlines() == [
        "Customer ID,segment,name,Tag",
        "7,'=evil(),'@cmd,'=evil()",
        "9,lost,Ann,",
    ]
    raw = tmp_path / "raw.csv"
    write_crm(table, raw, tags=tags, columns=["segment", "name"], escape_formulas=False)
    assert raw.read_text().splitlines()[1] == "7,=evil(),@cmd,=evil()"


def test_write_crm_ids_as_read_and_money_in_cents(tmp_path):
    out = write_crm(_table(), columns=["revenue", "clv", "p_alive"])
    assert out["Customer ID"].tolist() == [7, 9]
    assert out["revenue"].tolist() == [-12.35, 3.0]
    assert out["clv"].tolist() == [10.0, 0.67]
    assert out["p_alive"].tolist() == [0.98765, 0.5]  # not money: unchanged
    target = tmp_path / "crm.csv"
    write_crm(_table(), target, columns=["clv"])
    assert target.read_text().splitlines()[1:] == ["7,10.0", "9,0.67"]


def test_write_crm_string_ids_stay_strings():
    table = pd.DataFrame({"segment": ["a"]}, index=pd.Index(["007"], name="id"))
    assert write_crm(table, columns=["segment"])["Customer ID"].tolist() == ["007"]


def test_write_crm_column_named_like_the_id_column():
    table = _table().rename(columns={"name": "Customer ID"})
    with pytest.raises(ParameterError) as info:
        write_crm(table, columns=["Customer ID"])
    assert str(info.value) == (
        "column 'Customer ID' would replace the id column of the same name; pass another "
        "id_name= (e.g. id_name='Customer ID (CRM)')"
    )


def test_write_crm_not_a_frame():
    with pytest.raises(
        ParameterError,
        match=r"^write_crm needs the customer table as a pandas DataFrame, got list$",
    ):
        write_crm([1, 2])  # type: ignore[arg-type]


def test_write_crm_missing_folder(tmp_path):
    target = tmp_path / "missing" / "crm.csv"
    with pytest.raises(SegkitError) as info:
        write_crm(_table(), target, columns=["segment"])
    assert str(info.value) == (
        f"the folder {str(target.parent)!r} of the CRM file does not exist; create it first"
    )


def test_write_crm_to_a_folder_leaves_nothing(tmp_path):
    with pytest.raises(SegkitError, match=r"is a folder; give a file name inside it$"):
        write_crm(_table(), tmp_path, columns=["segment"])
    assert list(tmp_path.iterdir()) == []


def test_write_crm_bom_and_umask(tmp_path):
    target = tmp_path / "crm.csv"
    old = os.umask(0o027)
    try:
        write_crm(_table(), target, columns=["segment"], encoding="utf-8-sig")
    finally:
        os.umask(old)
    assert target.read_bytes().startswith("\ufeffCustomer ID".encode())
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_crm_xlsx(tmp_path):
    pytest.importorskip("openpyxl")
    target = tmp_path / "crm.xlsx"
    write_crm(_table(), target, columns=["segment", "clv"])
    back = pd.read_excel(target)
    assert back.columns.tolist() == ["Customer ID", "segment", "clv"]
    assert back["segment"].tolist() == ["'=evil()", "lost"]
    assert back["Customer ID"].tolist() == [7, 9]


def _profile() -> segkit.Profile:
    tx = segkit.datasets.make_transactions(60, seed=4)
    return segkit.profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        clv=False,
        lifecycle=None,
        rules=None,
        progress=False,
    )


def test_profile_to_csv_escapes(tmp_path):
    p = _profile()
    p.table["segment"] = p.table["segment"].astype(object)
    p.table.iloc[0, p.table.columns.get_loc("segment")] = "=cmd|' /C calc'!A0"
    target = tmp_path / "t.csv"
    p.to_csv(target)
    assert "'=cmd|' /C calc'!A0" in target.read_text()
    p.to_csv(target, escape_formulas=False)
    assert ",=cmd|' /C calc'!A0" in target.read_text()


XSS = "<img src=x onerror=alert(1)>"


def test_repr_html_escapes_segment_names():
    p = _profile()
    p.table["segment"] = np.where(np.arange(len(p.table)) % 2 == 0, XSS, "</td><script>x</script>")
    html = p._repr_html_()
    assert "<img" not in html
    assert "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_xlsx_keeps_every_digit_of_long_integer_ids(tmp_path):
    # Excel stores numbers as doubles: 9007199254740993 (2**53 + 1) would come back ...992.
    openpyxl = pytest.importorskip("openpyxl")
    ids = pd.Index([123456789012345678, 9007199254740993, 7], name="cid")
    table = pd.DataFrame({"orders": [1, 2, 3], "order_no": [2**60 + 1, 5, 6]}, index=ids)
    target = tmp_path / "ids.xlsx"
    write_table(table, target)
    sheet = openpyxl.load_workbook(target).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["123456789012345678", 1, "1152921504606846977"],
        ["9007199254740993", 2, "5"],
        ["7", 3, "6"],
    ]
    assert table.index.dtype == "int64"  # the caller's table is not modified
    assert table["order_no"].dtype == "int64"


def test_xlsx_small_integer_ids_stay_numbers(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "ids.xlsx"
    write_table(pd.DataFrame({"n": [1, 2]}, index=pd.Index([2**53, 3], name="cid")), target)
    sheet = openpyxl.load_workbook(target).active
    assert [c.value for c in sheet["A"]][1:] == [2**53, 3]
