"""Every error of the command is one line with exit status 2, found before any work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from segkit.cli import main
from segkit.datasets import make_transactions

COLUMNS = ["--customer", "customer_id", "--timestamp", "timestamp", "--amount", "amount"]


@pytest.fixture
def tx_csv(tmp_path: Path) -> Path:
    source = tmp_path / "tx.csv"
    make_transactions(40, seed=3).to_csv(source, index=False)
    return source


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("segkit: error: ")
    return err.removeprefix("segkit: error: ").strip()


def _no_partials(folder: Path) -> None:
    assert [p.name for p in folder.rglob("*") if "partial" in p.name or p.suffix == ".tmp"] == []


def test_empty_csv(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = tmp_path / "r.html"
    assert _error(capsys, ["report", str(empty), *COLUMNS, "-o", str(out)]) == (
        f"the transactions file {empty} is empty"
    )


def test_header_only_csv(tmp_path, capsys):
    header = tmp_path / "header.csv"
    header.write_text("customer_id,timestamp,amount\n")
    out = tmp_path / "o.csv"
    assert _error(capsys, ["rfm", str(header), *COLUMNS, "-o", str(out)]) == (
        f"the transactions file {header} has no rows"
    )


def test_output_is_a_folder(tmp_path, tx_csv, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    message = _error(capsys, ["report", str(tx_csv), *COLUMNS, "-o", str(folder)])
    assert message == f"the output {str(folder)!r} is a folder; give a file name inside it"
    _no_partials(tmp_path)


def test_output_folder_missing(tmp_path, tx_csv, capsys):
    target = tmp_path / "nowhere" / "o.csv"
    message = _error(capsys, ["rfm", str(tx_csv), *COLUMNS, "-o", str(target)])
    assert message == (
        f"the folder {str(target.parent)!r} of the output does not exist; create it first"
    )


@pytest.mark.skipif(os.geteuid() == 0 or sys.platform == "win32", reason="root may write anywhere")
def test_output_unwritable(tmp_path, tx_csv, capsys):  # pragma: no cover - CI runs as root
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    message = _error(capsys, ["rfm", str(tx_csv), *COLUMNS, "-o", str(locked / "o.csv")])
    assert message == f"cannot write the output to {str(locked)!r}: permission denied"


def test_table_is_a_folder_fails_before_the_report(tmp_path, tx_csv, capsys):
    report = tmp_path / "r.html"
    message = _error(
        capsys,
        ["report", str(tx_csv), *COLUMNS, "-o", str(report), "--table", str(tmp_path)],
    )
    assert message == f"the table {str(tmp_path)!r} is a folder; give a file name inside it"
    assert not report.exists()
    _no_partials(tmp_path)


@pytest.mark.parametrize("as_of", ["9999-12-31", "not a date"], ids=["year-9999", "garbage"])
def test_as_of_out_of_range(tmp_path, tx_csv, capsys, as_of):
    message = _error(
        capsys, ["rfm", str(tx_csv), *COLUMNS, "--as-of", as_of, "-o", str(tmp_path / "o.csv")]
    )
    assert message == (
        f"--as-of {as_of!r} is not a date segkit can use: give a date between 1677-09-21 and "
        "2262-04-11, e.g. 2024-06-30"
    )


def test_as_of_that_reads_two_ways(tmp_path, tx_csv, capsys):
    out = tmp_path / "o.csv"
    message = _error(
        capsys, ["rfm", str(tx_csv), *COLUMNS, "--as-of", "01/06/2011", "-o", str(out)]
    )
    assert message == (
        "--as-of '01/06/2011' reads two ways (1 June 2011, or 6 January 2011 month first); "
        "write it year first: '2011-06-01' or '2011-01-06'"
    )
    assert not out.exists()


@pytest.mark.parametrize("days", ["100000000", "0", "-5"], ids=["huge", "zero", "negative"])
def test_holdout_days_out_of_range(tmp_path, tx_csv, capsys, days):
    message = _error(
        capsys,
        ["report", str(tx_csv), *COLUMNS, "--holdout-days", days, "-o", str(tmp_path / "r.html")],
    )
    assert message == f"--holdout-days must be between 1 and 36,525 (100 years); got {int(days):,}"


def test_demo_out_unwritable(capsys):
    message = _error(capsys, ["demo", "--out", "/proc/x"])
    assert message.startswith("cannot create the folder '/proc/x': ")


def test_missing_rules_file(tmp_path, tx_csv, capsys):
    message = _error(
        capsys,
        ["report", str(tx_csv), *COLUMNS, "--rules", "nope.yaml", "-o", str(tmp_path / "r.html")],
    )
    assert message == "no such rules file: nope.yaml"


def test_yaml_rules_without_pyyaml(tmp_path, tx_csv, capsys, monkeypatch):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n")
    monkeypatch.setitem(sys.modules, "yaml", None)
    message = _error(
        capsys,
        ["report", str(tx_csv), *COLUMNS, "--rules", str(rules), "-o", str(tmp_path / "r.html")],
    )
    assert message == (
        f"reading the rules file {rules} needs PyYAML; install it with pip install 'segkit-crm[yaml]'"
    )


def test_xlsx_without_openpyxl(tmp_path, tx_csv, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    target = tmp_path / "o.xlsx"
    message = _error(capsys, ["rfm", str(tx_csv), *COLUMNS, "-o", str(target)])
    assert message == (
        f"writing {target} needs openpyxl; install it with pip install 'segkit-crm[excel]'"
    )


def test_table_permissions_follow_the_umask(tmp_path, tx_csv, capsys):
    old = os.umask(0o022)
    try:
        target = tmp_path / "o.csv"
        assert main(["rfm", str(tx_csv), *COLUMNS, "-o", str(target)]) == 0
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
    _no_partials(tmp_path)


def test_xlsx_output(tmp_path, tx_csv, capsys):
    pytest.importorskip("openpyxl")
    target = tmp_path / "o.xlsx"
    assert main(["rfm", str(tx_csv), *COLUMNS, "-o", str(target)]) == 0
    assert len(pd.read_excel(target, index_col=0)) == 40


def test_bom_for_excel(tmp_path, tx_csv, capsys):
    target = tmp_path / "o.csv"
    assert main(["rfm", str(tx_csv), *COLUMNS, "--bom", "-o", str(target)]) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfcustomer_id,")


def test_xlsx_input_and_ids_as_read(tmp_path, capsys):
    pytest.importorskip("openpyxl")
    tx = make_transactions(30, seed=3)
    tx["customer_id"] = tx["customer_id"].astype(float)  # what a reader makes of gappy ids
    source = tmp_path / "tx.xlsx"
    tx.to_excel(source, index=False)
    target = tmp_path / "o.csv"
    assert main(["rfm", str(source), *COLUMNS, "-o", str(target)]) == 0
    ids = [line.split(",")[0] for line in target.read_text().splitlines()[1:]]
    assert ids
    assert all(i.isdigit() for i in ids), ids[:3]


def test_rfm_min_group_merges_small_segments(tmp_path, capsys):
    tx = make_transactions(300, seed=2)
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False)
    target = tmp_path / "o.csv"
    assert main(["rfm", str(source), *COLUMNS, "--min-group", "40", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    counts = {}
    for line in out.splitlines()[2:]:
        tokens = line.split()
        first = next((i for i, t in enumerate(tokens) if t.isdigit()), None)
        if first:
            counts[" ".join(tokens[:first])] = int(tokens[first])
    assert "other" in counts
    assert min(n for n in counts.values() if n) >= 40
    full = pd.read_csv(target, index_col=0)["segment"].value_counts()
    assert counts["other"] == int(full[full < 40].sum())
