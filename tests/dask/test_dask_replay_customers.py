"""``Lifecycle.replay(customers=...)`` on Dask: registered prospects, equal to pandas."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import dask
import segkit
from segkit.dask._replay import bucket_of, partition_by_bucket
from segkit.lifecycle import default_lifecycle

from .conftest import COLUMNS, to_dask

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(scope="module")
def log(transactions: pd.DataFrame) -> pd.DataFrame:
    ids = np.sort(transactions["customer_id"].unique())[:120]
    return transactions[transactions["customer_id"].isin(ids)]


def registered(log: pd.DataFrame, prospects: int) -> pd.DataFrame:
    """40 buyers and ``prospects`` people who never bought, with signup dates."""
    buyers = np.sort(log["customer_id"].unique())[:40]
    never = np.arange(prospects) + int(log["customer_id"].max()) + 1
    ids = np.concatenate([buyers, never])
    signup = pd.Timestamp("2023-03-10") + pd.to_timedelta(ids % 500, unit="D")
    return pd.DataFrame({"customer_id": ids, "signup_date": signup})


@pytest.mark.parametrize(
    ("prospects", "partitions", "options"),
    [
        pytest.param(5, 4, {}, id="default-boundaries"),
        pytest.param(
            2,
            6,
            {"freq": "QS", "output": "changes"},
            id="quarters-changes",
        ),
        pytest.param(
            25,
            2,
            {"start": "2024-01-01", "end": "2025-06-30"},
            id="many-prospects",
        ),
    ],
)
def test_replay_with_customers_equals_pandas(
    log: pd.DataFrame, prospects: int, partitions: int, options: dict[str, Any]
) -> None:
    life = default_lifecycle()
    people = registered(log, prospects)
    before = people.copy()
    expected = life.replay(log, **COLUMNS, customers=people, **options)
    lazy = life.replay(to_dask(log, partitions), **COLUMNS, customers=people, **options)
    got = segkit._backend.local(lazy, by="customer")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs
    assert set(people["customer_id"]) <= set(got["customer"])  # prospects are replayed
    pd.testing.assert_frame_equal(people, before)


def test_a_bucket_with_prospects_only(log: pd.DataFrame) -> None:
    # One buyer in 8 buckets: most partitions have no transactions, only prospects.
    life = default_lifecycle()
    one = log[log["customer_id"] == log["customer_id"].iloc[0]]
    people = registered(log, 30)
    window = {"start": "2023-06-01", "end": "2025-06-30"}
    expected = life.replay(one, **COLUMNS, customers=people, **window)
    lazy = life.replay(
        to_dask(one, 1).repartition(npartitions=1), **COLUMNS, customers=people, **window
    )
    got = segkit._backend.local(lazy, by="customer")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_partition_i_holds_bucket_i_in_input_order(log: pd.DataFrame) -> None:
    frame = log.assign(position=np.arange(len(log)))
    parts = partition_by_bucket(to_dask(frame, 5), "customer_id", 5)
    pieces = dask.compute(*parts.to_delayed())
    assert [bool((bucket_of(p["customer_id"], 5) == i).all()) for i, p in enumerate(pieces)] == [
        True
    ] * 5
    assert all(p["position"].is_monotonic_increasing for p in pieces)
    assert sum(len(p) for p in pieces) == len(frame)


@pytest.mark.parametrize(
    ("people", "message"),
    [
        pytest.param(
            pd.DataFrame({"customer_id": [1, 1], "signup_date": ["2024-01-01"] * 2}),
            "the customers table repeats customer ids: [1]",
            id="repeated-ids",
        ),
        pytest.param(
            pd.DataFrame({"customer_id": ["a"], "signup_date": ["2024-01-01"]}),
            "the customer ids ('customer_id') of the transactions are numbers but those of "
            "the customers table are strings; make them one type",
            id="id-kinds",
        ),
        pytest.param(
            pd.DataFrame({"customer_id": [1]}),
            "signup_date",
            id="no-signup-column",
        ),
    ],
)
def test_bad_customers_tables_fail_like_pandas(
    log: pd.DataFrame, people: pd.DataFrame, message: str
) -> None:
    life = default_lifecycle()
    with pytest.raises(segkit.SegkitError, match=re.escape(message)) as on_pandas:
        life.replay(log, **COLUMNS, customers=people)
    with pytest.raises(segkit.SegkitError) as on_dask:
        life.replay(to_dask(log, 3), **COLUMNS, customers=people)
    assert str(on_dask.value) == str(on_pandas.value)
