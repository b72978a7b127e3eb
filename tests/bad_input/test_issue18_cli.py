"""The bad-input matrix, issue #18: the ReDoS bound (item 1) and the command line (items 2, 17).

The ReDoS patterns run in a subprocess with a time bound, so a regression
fails instead of hanging. The command line must end in one line on stderr and
exit 2, leave nothing behind and not touch its input.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest


def tx() -> pd.DataFrame:
    stamps = ["2023-08-01 10:00", "2023-09-15 12:00", "2023-10-01 09:00", "2023-11-02 10:00"]
    return pd.DataFrame(
        {"cid": [1, 1, 2, 2], "ts": pd.to_datetime(stamps), "amount": [10.0, 20.0, 5.0, 7.0]}
    )


# --------------------------------------------------------------------------- #
# 1. ReDoS, with a time bound, in a subprocess (a regression fails, never hangs)
# --------------------------------------------------------------------------- #
REDOS = textwrap.dedent(
    """
    import pandas as pd
    from segkit.errors import RuleSyntaxError
    from segkit.tagging import evaluate_rule
    frame = pd.DataFrame({"email": ["a" * 40 + "!", "a" * 5000 + "!", "aaa"]})
    for pattern in ["^(a+)+$", "^(a|a)*$", "^([a-z]+)*[0-9]$", "(a*)*b", "(x+x+)+y"]:
        try:
            print(evaluate_rule(f"email matches '{pattern}'", frame).tolist())
        except RuleSyntaxError as exc:  # the vetted subset, without google-re2
            print("refused:", str(exc).splitlines()[0])
    """
)
ANSWERS = [
    "[False, False, True]",
    "[False, False, True]",
    "[False, False, False]",
    "[False, False, False]",
    "[False, False, False]",
]


def test_redos_is_bounded_in_a_subprocess() -> None:
    """18.01-redos-nested-quantifiers: answered (google-re2) or refused, within 60 s."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", REDOS], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    if importlib.util.find_spec("re2") is not None:
        assert lines == ANSWERS
    else:
        assert len(lines) == len(ANSWERS)
        for line, answer in zip(lines, ANSWERS, strict=True):
            assert line == answer or line.startswith("refused: ")
        assert lines[0].startswith("refused: ")


# --------------------------------------------------------------------------- #
# 17. The command line: one line on stderr, exit 2, nothing left behind
# --------------------------------------------------------------------------- #
ARGS = ["--customer", "cid", "--timestamp", "ts", "--amount", "amount"]
CLI = [
    pytest.param(["rfm", "{empty}", *ARGS, "-o", "o.csv"], "is empty", id="18.17-cli-empty-csv"),
    pytest.param(
        ["rfm", "{src}", *ARGS, "-o", "{dir}"], "is a folder", id="18.17-cli-output-folder"
    ),
    pytest.param(
        ["report", "{src}", *ARGS, "--quiet", "-o", "{dir}"],
        "is a folder",
        id="18.17-cli-report-output-folder",
    ),
    pytest.param(
        ["rfm", "{src}", *ARGS, "-o", "/proc/segkit-x.csv"],
        "/proc/segkit-x.csv",
        id="18.17-cli-unwritable-output",
    ),
    pytest.param(
        ["rfm", "{src}", *ARGS, "--as-of", "9999-12-31", "-o", "o.csv"],
        "--as-of '9999-12-31' is not a date segkit can use",
        id="18.17-cli-as-of-9999",
    ),
    pytest.param(
        ["report", "{src}", *ARGS, "--holdout-days", "100000000", "-o", "o.html"],
        "--holdout-days must be between 1 and 36,525",
        id="18.17-cli-holdout-days-10-8",
    ),
    pytest.param(
        ["demo", "--quiet", "--out", "/proc/segkit-x"],
        "cannot create the folder '/proc/segkit-x'",
        id="18.17-cli-demo-out-proc",
    ),
]


@pytest.mark.parametrize(("argv", "fragment"), CLI)
@pytest.mark.filterwarnings("ignore")
def test_cli_errors(argv: list[str], fragment: str, tmp_path: Path, capsys: Any, monkeypatch: Any):
    from segkit.cli import main

    monkeypatch.chdir(tmp_path)
    src = tmp_path / "tx.csv"
    tx().to_csv(src, index=False)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "out").mkdir()
    argv = [a.format(src=src, empty=tmp_path / "empty.csv", dir=tmp_path / "out") for a in argv]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("segkit: error: ")
    assert fragment in err[-1]
    assert not [line for line in err if "Traceback" in line]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .partial left behind
    assert list((tmp_path / "out").iterdir()) == []
    pd.testing.assert_frame_equal(pd.read_csv(src, parse_dates=["ts"]), tx())


def test_cli_table_escapes_formulas(tmp_path: Path, capsys: Any) -> None:
    """18.02-cli-table: the CLI's --table file escapes formula cells."""
    from segkit.cli import main

    src = tmp_path / "tx.csv"
    tx().assign(cid=["=1+1"] * 2 + ["@b"] * 2).to_csv(src, index=False)
    argv = ["report", str(src), *ARGS, "--quiet", "--no-lifecycle", "-o", str(tmp_path / "r.html")]
    assert main([*argv, "--table", str(tmp_path / "t.csv")]) == 0
    ids = pd.read_csv(tmp_path / "t.csv", dtype=str)["cid"].tolist()
    assert ids == ["'=1+1", "'@b"]
