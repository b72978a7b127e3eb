from __future__ import annotations

import pandas as pd
import pytest

from segkit.cli import main
from segkit.datasets import make_transactions


def test_demo_prints_segments(capsys, tmp_path):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "CDNOW sample, 6,919 transactions of 2,357 customers" in out
    assert "champions" in out
    table = pd.read_csv(tmp_path / "customers.csv", index_col=0)
    assert len(table) == 2357
    assert {"r_score", "segment", "x", "T"} <= set(table.columns)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_rfm_command(tmp_path, capsys, suffix):
    tx = make_transactions(300, seed=2)
    source = tmp_path / f"tx{suffix}"
    if suffix == ".csv":
        tx.to_csv(source, index=False)
    else:
        tx.to_parquet(source)
    target = tmp_path / "out.csv"
    code = main(
        [
            "rfm",
            str(source),
            "--customer",
            "customer_id",
            "--timestamp",
            "timestamp",
            "--amount",
            "amount",
            "--order",
            "order_id",
            "-o",
            str(target),
        ]
    )
    assert code == 0
    result = pd.read_csv(target, index_col=0)
    # An order is an order id with a positive net amount: customers whose orders
    # are all returns have no purchase and are left out (with a warning).
    net = tx.groupby(["customer_id", "order_id"])["amount"].sum()
    buyers = net[net > 0].index.get_level_values("customer_id").nunique()
    assert buyers == 297
    assert len(result) == buyers
    captured = capsys.readouterr()
    assert "wrote 297 customers" in captured.out
    assert "3 customer(s) have only returns" in captured.err


def test_bad_column_is_one_line(tmp_path, capsys):
    source = tmp_path / "tx.csv"
    make_transactions(20, seed=1).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    target.write_text("keep me")
    code = main(
        [
            "rfm",
            str(source),
            "--customer",
            "customer",
            "--timestamp",
            "timestamp",
            "--amount",
            "amount",
            "-o",
            str(target),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "segkit: error: column 'customer' (did you mean 'customer_id'?) not found in the transactions"
    )
    assert err.count("\n") == 1
    assert target.read_text() == "keep me"


def test_missing_file(capsys):
    assert (
        main(
            [
                "rfm",
                "nope.csv",
                "--customer",
                "a",
                "--timestamp",
                "b",
                "--amount",
                "c",
                "-o",
                "x.csv",
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == "segkit: error: no such file: nope.csv\n"


def test_semicolon_csv_with_bom(tmp_path):
    source = tmp_path / "tx.csv"
    rows = "".join(f"{i};2024-0{i + k}-01;{10 * i}\n" for i in range(1, 5) for k in range(i))
    source.write_bytes(("\ufeffid;when;value\n" + rows).encode())
    target = tmp_path / "o.csv"
    args = ["rfm", str(source), "--customer", "id", "--timestamp", "when", "--amount", "value"]
    assert main([*args, "--bins", "2", "--segments", "none", "-o", str(target)]) == 0
    result = pd.read_csv(target, index_col="id")
    assert result["f_score"].tolist() == [1, 1, 2, 2]
    assert "segment" not in result.columns


def test_warnings_are_one_line(tmp_path, capsys):
    source = tmp_path / "tx.csv"
    source.write_text("id,when,value\n1,2024-01-01,10\n2,2024-01-02,5\n3,2024-01-03,7\n")
    target = tmp_path / "o.csv"
    args = ["rfm", str(source), "--customer", "id", "--timestamp", "when", "--amount", "value"]
    assert main([*args, "--segments", "none", "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert "segkit: warning: RFMScorer: column 'orders' has too few distinct values" in err
    assert "Traceback" not in err


def test_debug_shows_traceback(tmp_path):
    from segkit.errors import SegkitError

    with pytest.raises(SegkitError):
        main(
            [
                "--debug",
                "rfm",
                str(tmp_path / "none.csv"),
                "--customer",
                "a",
                "--timestamp",
                "b",
                "--amount",
                "c",
                "-o",
                "x.csv",
            ]
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "segkit: error: the following arguments are required: command"),
        (["frob"], "segkit: error: argument command: invalid choice: 'frob'"),
        (["rfm", "x.csv"], "segkit rfm: error: the following arguments are required: -o/--output"),
        (
            ["rfm", "x.csv", "--format", "taobao", "-o", "o.csv"],
            "segkit rfm: error: argument --format: invalid choice: 'taobao'",
        ),
        (
            [
                "rfm",
                "x.csv",
                "--customer",
                "a",
                "--timestamp",
                "b",
                "--amount",
                "c",
                "-o",
                "o.csv",
                "--bins",
                "five",
            ],
            "segkit rfm: error: argument --bins: invalid int value: 'five'",
        ),
    ],
)
def test_usage_errors_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message.split(": error")[0])
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16"], ids=["gbk", "gb18030", "utf16"])
def test_rfm_reads_chinese_encodings_like_segkit_io(tmp_path, capsys, encoding):
    tx = pd.DataFrame(
        {
            "客户": ["张三", "张三", "李四"],
            "时间": ["2024-03-01", "2024-03-05", "2024-03-02"],
            "金额": [10.0, 20.0, 5.0],
        }
    )
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False, encoding=encoding)
    target = tmp_path / "out.csv"
    code = main(
        [
            "rfm",
            str(source),
            "--customer",
            "客户",
            "--timestamp",
            "时间",
            "--amount",
            "金额",
            "-o",
            str(target),
        ]
    )
    assert code == 0
    result = pd.read_csv(target, index_col=0)
    assert sorted(result.index) == ["张三", "李四"]
    assert "wrote 2 customers" in capsys.readouterr().out
