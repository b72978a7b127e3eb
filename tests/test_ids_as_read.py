"""Customer ids come out as they were read: 12346.0 from a CSV is the customer 12346."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.lifecycle import default_lifecycle

CSV = """Invoice,InvoiceDate,Customer ID,Amount
1,2024-01-05 10:00,12346,10.0
2,2024-01-06 11:00,,5.0
3,2024-02-07 12:00,12347,20.0
4,2024-03-08 13:00,12346,7.5
"""
COLUMNS = {"customer": "Customer ID", "timestamp": "InvoiceDate", "amount": "Amount"}


def read() -> pd.DataFrame:
    raw = pd.read_csv(io.StringIO(CSV))
    assert raw["Customer ID"].dtype == np.float64  # the guest line makes them floats
    return raw.dropna(subset=["Customer ID"])


def test_summarize_indexes_by_integer_ids() -> None:
    tx = read()
    before = tx.copy()
    s = segkit.summarize(tx, **COLUMNS)
    assert s.index.dtype == np.int64
    assert s.index.tolist() == [12346, 12347]
    pd.testing.assert_frame_equal(tx, before)  # the caller's frame keeps its floats


def test_replay_and_profile_use_the_same_ids() -> None:
    tx = read()
    panel = default_lifecycle().replay(tx, **COLUMNS)
    assert panel["customer"].dtype == np.int64
    p = segkit.profile(tx, **COLUMNS, clv=False, rules=None, progress=False)
    assert p.table.index.dtype == np.int64
    assert p.table.index.tolist() == [12346, 12347]
    assert p.table["lifecycle_state"].notna().all()


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ([1.5, 2.0], [1.5, 2.0]),
        ([7.0, 9.0], [7, 9]),
    ],
    ids=["strings", "fractions", "whole-floats"],
)
def test_only_integer_valued_floats_become_integers(
    ids: list[object], expected: list[object]
) -> None:
    tx = pd.DataFrame({"id": ids, "ts": pd.to_datetime(["2024-01-01", "2024-01-02"]), "a": 1.0})
    s = segkit.summarize(tx, customer="id", timestamp="ts", amount="a")
    assert s.index.tolist() == expected
    assert [type(v) for v in s.index.tolist()] == [type(v) for v in expected]
