"""Golden cases for the rule language, as data: tests/tagging/golden/*.json.

Each file has a default ``frame`` (columns as JSON lists), ``dtypes``, ``as_of``
and ``tags``, and a list of ``cases``; a case is ``{expression, expected}`` or
``{expression, error, message}`` and may override ``frame``, ``dtypes``,
``as_of`` or ``tags``. Expected values: true/false/null for conditions,
numbers, strings, and dates/durations as their pandas ``str``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from segkit import tagging
from segkit.tagging import evaluate_rule as evaluate

GOLDEN = Path(__file__).parent / "golden"


def _load() -> list[Any]:
    params = []
    for path in sorted(GOLDEN.glob("*.json")):
        data = json.loads(path.read_text())
        for number, case in enumerate(data["cases"]):
            merged = {k: v for k, v in data.items() if k not in ("cases", "description")}
            merged.update(case)
            params.append(pytest.param(merged, id=f"{path.stem}-{number}-{case['expression']}"))
    return params


def _frame(columns: dict[str, list[Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    data = {}
    for name, values in columns.items():
        dtype = dtypes.get(name)
        if dtype is not None and dtype.startswith("datetime64"):
            data[name] = pd.Series(pd.to_datetime(values), dtype=dtype)
        elif dtype is not None and dtype.startswith("timedelta64"):
            data[name] = pd.Series(pd.to_timedelta(values), dtype=dtype)
        elif dtype == "object":
            series = pd.Series([None] * len(values), dtype=object)
            for i, v in enumerate(values):
                series.iloc[i] = v
            data[name] = series
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, pd.Timedelta)):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def test_there_are_at_least_150_golden_cases() -> None:
    assert len(_load()) >= 150


@pytest.mark.parametrize("case", _load())
def test_golden(case: dict[str, Any]) -> None:
    df = _frame(case["frame"], case.get("dtypes", {}))
    before = df.copy(deep=True)
    tags = case.get("tags")
    if "error" in case:
        error = getattr(tagging, case["error"])
        with pytest.raises(error) as info:
            evaluate(case["expression"], df, as_of=case.get("as_of"), tags=tags)
        assert str(info.value) == case["message"]
        return
    result = evaluate(case["expression"], df, as_of=case.get("as_of"), tags=tags)
    pd.testing.assert_frame_equal(df, before)
    assert result.index.equals(df.index)
    got = [_plain(v) for v in result.tolist()]
    expected = case["expected"]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if isinstance(e, bool) or e is None or isinstance(e, str):
            assert g == e, (got, expected)
            assert type(g) is type(e), (got, expected)
        else:
            assert g == pytest.approx(e, rel=1e-12, abs=1e-12), (got, expected)
