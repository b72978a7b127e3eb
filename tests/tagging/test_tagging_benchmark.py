"""The tagging benchmark still runs (tiny sizes) and every contender gives segkit's tags."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_tagging.py"


def test_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_tagging", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(
        ["--customers", "3000", "--repeat", "1", "--pandas-eval", "--rule-engine",
         "--re-customers", "300", "--re-rules", "5"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "load before: " in out
    assert "cells where segkit and DataFrame.eval loop disagree: 0" in out
    for contender, module_name in (("Polars", "polars"), ("DuckDB", "duckdb")):
        if importlib.util.find_spec(module_name) is not None:
            assert f"cells where segkit and {contender} disagree: 0" in out
    if "rule-engine not installed" not in out:
        assert "cells where segkit and rule-engine disagree: 0" in out
