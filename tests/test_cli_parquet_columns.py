"""The CLI reads from a Parquet file only the columns it uses."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.cli import _read_table, main
from segkit.datasets import make_transactions

pytest.importorskip("pyarrow")

NEEDED = ["customer_id", "timestamp", "amount", "order_id"]


@pytest.fixture
def parquet(tmp_path):
    tx = make_transactions(200, seed=4).assign(note="free text nobody reads")
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    return path, tx


@pytest.mark.parametrize(
    ("optional", "expected"),
    [
        pytest.param([], NEEDED, id="needed-only"),
        pytest.param(["category"], [*NEEDED, "category"], id="with-category"),
        pytest.param(["category", "product"], [*NEEDED, "category"], id="absent-optional"),
    ],
)
def test_only_the_columns_used_are_read(parquet, optional, expected):
    path, tx = parquet
    frame = _read_table(str(path), columns=(NEEDED, optional))
    assert list(frame.columns) == expected
    pd.testing.assert_frame_equal(frame, tx[expected])


def test_a_missing_column_reads_all_so_the_error_names_them(parquet, tmp_path, capsys):
    path, tx = parquet
    assert list(_read_table(str(path), columns=(["customer", "timestamp"], []))) == list(tx)
    code = main(
        [
            "rfm",
            str(path),
            "--customer",
            "customer",
            "--timestamp",
            "timestamp",
            "--amount",
            "amount",
            "-o",
            str(tmp_path / "out.csv"),
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith(
        "segkit: error: column 'customer' (did you mean 'customer_id'?) not found in the transactions"
    )


def test_rfm_on_a_column_subset_matches_the_whole_file(parquet, tmp_path):
    path, tx = parquet
    csv = tmp_path / "tx.csv"
    tx.to_csv(csv, index=False)
    outputs = []
    for source, name in ((path, "a.csv"), (csv, "b.csv")):
        args = ["rfm", str(source), "--customer", "customer_id", "--timestamp", "timestamp"]
        args += ["--amount", "amount", "--order", "order_id", "-o", str(tmp_path / name)]
        assert main(args) == 0
        outputs.append(pd.read_csv(tmp_path / name, index_col=0))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
