"""The command line on raw shop exports: offsets that change with summer time, --format."""

from __future__ import annotations

import pandas as pd

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
