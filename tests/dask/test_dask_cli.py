"""``segkit rfm`` and ``segkit report`` on a Parquet folder or glob (or ``--dask``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

from segkit.cli import main
from segkit.datasets import make_transactions

pytestmark = pytest.mark.usefixtures("client")

COLUMNS = ["--customer", "customer_id", "--timestamp", "timestamp", "--order", "order_id"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same 300 customers' lines as one Parquet file and as a folder of three."""
    tx = make_transactions(300, seed=2).drop(columns=["category"])
    root = tmp_path_factory.mktemp("parquet")
    one = root / "all.parquet"
    tx.to_parquet(one, index=False)
    folder = root / "tx"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(tx)), 3)):
        tx.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    return one, folder


@pytest.mark.parametrize(
    ("source", "extra"),
    [
        pytest.param("folder", [], id="folder"),
        pytest.param("glob", [], id="glob"),
        pytest.param("file", ["--dask"], id="file-dask"),
        pytest.param("folder", ["--quantity", "quantity", "--price", "price"], id="qty-price"),
    ],
)
def test_rfm_on_dask_writes_the_pandas_table(
    files: tuple[Path, Path], tmp_path: Path, source: str, extra: list[str]
) -> None:
    one, folder = files
    money = ["--amount", "amount"] if not extra or extra == ["--dask"] else []
    if "--quantity" in extra:  # a price column, and no amount column to clash with
        frame = pd.read_parquet(one).drop(columns="amount").assign(price=2.5)
        one = tmp_path / "priced.parquet"
        frame.to_parquet(one, index=False)
        folder = tmp_path / "priced"
        folder.mkdir()
        frame.to_parquet(folder / "part-0.parquet", index=False)
    path = {"folder": str(folder), "glob": str(folder / "part-*.parquet"), "file": str(one)}
    expected, got = tmp_path / "expected.csv", tmp_path / "got.csv"
    flags = [*COLUMNS, *money, *[e for e in extra if e != "--dask"], "--as-of", "2025-06-30"]
    assert main(["rfm", str(one), *flags, "-o", str(expected)]) == 0
    dask_flag = ["--dask"] if "--dask" in extra else []
    assert main(["rfm", path[source], *flags, *dask_flag, "-o", str(got)]) == 0
    assert got.read_text() == expected.read_text()


@pytest.mark.slow
def test_report_of_a_parquet_folder_equals_the_pandas_report(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    one, folder = files
    flags = [*COLUMNS, "--amount", "amount", "--as-of", "2025-06-30", "--quiet"]
    pages, tables = {}, {}
    for name, source in (("pandas", one), ("dask", folder)):
        pages[name], tables[name] = tmp_path / f"{name}.html", tmp_path / f"{name}.csv"
        out = ["-o", str(pages[name]), "--table", str(tables[name])]
        assert main(["report", str(source), *flags, *out]) == 0
    # The one documented difference: summarize on Dask does not warn about customers
    # with only returns (the warning would be raised on a worker), so no such note.
    returns_only = re.compile(r"<li>3 customer\(s\) have only returns [^<]*</li>")
    assert len(returns_only.findall(pages["pandas"].read_text())) == 1
    assert pages["dask"].read_text() == returns_only.sub("", pages["pandas"].read_text())
    assert tables["dask"].read_text() == tables["pandas"].read_text()


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        pytest.param(lambda d: d / "*.csv", [], "no such file: ", id="glob-matches-nothing"),
        pytest.param(
            lambda d: d,
            ["--clean"],
            "--clean, --date-format and --pseudonymize read with pandas",
            id="clean",
        ),
        pytest.param(
            lambda d: d / "tx.csv",
            ["--dask"],
            "Dask input must be Parquet files (.parquet or .pq); ",
            id="csv-dask",
        ),
    ],
)
def test_what_dask_input_cannot_do_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, extra, message
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    make_transactions(20, seed=1).to_parquet(folder / "a.parquet", index=False)
    make_transactions(20, seed=1).to_csv(folder / "tx.csv", index=False)
    (folder / "sub").mkdir()
    source = make(folder / "sub") if "glob" in message or message.startswith("no") else None
    source = source if source is not None else make(folder)
    code = main(
        ["rfm", str(source), *COLUMNS, "--amount", "amount", *extra, "-o", str(tmp_path / "o.csv")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"segkit: error: {message}")
    assert len(err.strip().splitlines()) == 1
