"""Partitioning by customer, and the per-customer maps (scorers, lifecycle replay)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

from segkit.dask import is_dask_collection, lifecycle_replay, map_customers, partition_by_customer
from segkit.lifecycle import default_lifecycle

from .conftest import to_dask

pytestmark = pytest.mark.usefixtures("client")


def test_each_customer_lands_in_one_partition_in_input_order(transactions: pd.DataFrame) -> None:
    frame = transactions.assign(position=np.arange(len(transactions)))
    parts = partition_by_customer(to_dask(frame, 7), "customer_id")
    seen: dict[int, int] = {}
    for i in range(parts.npartitions):
        part = parts.get_partition(i).compute()
        for cid in part["customer_id"].unique():
            assert cid not in seen, f"customer {cid} in partitions {seen[cid]} and {i}"
            seen[cid] = i
        assert (part.groupby("customer_id")["position"].diff().dropna() > 0).all()
    assert len(seen) == transactions["customer_id"].nunique()


@pytest.mark.parametrize(
    "options",
    [{}, {"freq": "QS", "start": "2023-04-01", "end": "2025-10-01", "output": "changes"}],
    ids=["default-boundaries", "quarters-changes"],
)
def test_lifecycle_replay_equals_pandas(
    transactions: pd.DataFrame, options: dict[str, Any]
) -> None:
    lifecycle = default_lifecycle()
    columns = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    expected = lifecycle.replay(transactions, **columns, **options)
    got = lifecycle_replay(lifecycle, to_dask(transactions, 5), **columns, **options)
    assert is_dask_collection(got)
    keys = ["customer", "period"] if "period" in expected.columns else ["customer", "date"]
    result = got.compute().sort_values(keys, kind="stable").reset_index(drop=True)
    expected.attrs.clear()
    pd.testing.assert_frame_equal(result, expected, check_exact=True)


def test_map_customers_skips_empty_partitions() -> None:
    frame = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=pd.Index([1, 2, 3], name="customer_id"))

    def double(part: pd.DataFrame, factor: float) -> pd.DataFrame:
        if len(part) == 0:
            raise AssertionError("called on an empty partition")
        return part * factor

    lazy = to_dask(frame, 3)
    lazy = lazy[lazy["v"] > 2]  # two of three partitions become empty
    out = map_customers(double, lazy, 2.0, meta=frame.iloc[:0]).compute()
    pd.testing.assert_frame_equal(out, frame.iloc[2:] * 2.0)
