"""``segkit.profile`` on a Dask log: the same profile as on pandas, bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit._backend import is_dask_collection, local
from segkit.datasets import make_transactions
from segkit.privacy import forget
from segkit.profiling import Profile

from .conftest import COLUMNS, to_dask

pytestmark = pytest.mark.usefixtures("client")

#: the log profiled below: 400 customers, no category column (category affinity
#: has no Dask path; tested separately)
AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_transactions(400, seed=11).drop(columns=["category"])


@pytest.fixture(scope="module")
def people(log: pd.DataFrame) -> pd.DataFrame:
    """Profiles of 100 buyers and 3 prospects who never bought, with signups and ages."""
    ids = np.sort(log["customer_id"].unique())[:100]
    prospects = np.arange(3) + int(log["customer_id"].max()) + 1
    every = np.concatenate([ids, prospects])
    return pd.DataFrame(
        {
            "customer_id": every,
            "signup_date": pd.Timestamp("2023-01-15") + pd.to_timedelta(every % 700, unit="D"),
            "age": (every % 60 + 18).astype("int64"),
        }
    )


def assert_same_profile(got: Profile, expected: Profile) -> None:
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True)
    assert got.as_of == expected.as_of
    assert got.notes == expected.notes
    assert sorted(got.models) == sorted(expected.models)
    assert got.models["rfm"].bin_edges_.keys() == expected.models["rfm"].bin_edges_.keys()
    for dim, edges in expected.models["rfm"].bin_edges_.items():
        np.testing.assert_array_equal(got.models["rfm"].bin_edges_[dim], edges)
    if "purchases" in expected.models:
        for name in ("purchases", "spend"):
            pd.testing.assert_series_equal(
                got.models[name].params_, expected.models[name].params_, check_exact=True
            )
    assert sorted(got.results) == sorted(expected.results)
    if "changes" in expected.results:
        assert_same_history(got, expected)
    for name, value in expected.results.items():
        if name == "changes":
            continue
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(got.results[name], value, check_exact=True)
            assert got.results[name].attrs == value.attrs
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(got.results[name], value, check_exact=True)


def assert_same_history(got: Profile, expected: Profile) -> None:
    """The Dask profile's lifecycle history stays lazy and holds the pandas history."""
    assert is_dask_collection(got.changes)
    assert is_dask_collection(got.panel)
    for name in ("changes", "panel"):
        collected = local(getattr(got, name), by="customer")
        pd.testing.assert_frame_equal(collected, getattr(expected, name), check_exact=True)
        assert collected.attrs == getattr(expected, name).attrs
    for name in ("matrix", "moves", "counts", "spells", "time_in_state"):
        pd.testing.assert_frame_equal(
            getattr(got.flows, name), getattr(expected.flows, name), check_exact=True
        )
    assert (got.flows.start, got.flows.end) == (expected.flows.start, expected.flows.end)


CASES = [
    pytest.param({"as_of": AS_OF, "holdout_days": 180}, "amount", id="date-as-of-holdout"),
    pytest.param({}, "amount", id="default-as-of"),
    pytest.param({"as_of": AS_OF, "people": True}, "amount", id="customers-prospects-bands"),
    pytest.param({"as_of": "2025-06-30 12:00", "clv": False}, "quantity-price", id="qty-price"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("options", "money"), CASES)
def test_profile_on_dask_equals_pandas(
    log: pd.DataFrame, people: pd.DataFrame, options: dict[str, Any], money: str
) -> None:
    options = dict(options)
    if options.pop("people", False):
        options["customers"] = people
    frame = log
    columns: dict[str, Any] = dict(COLUMNS)
    if money == "quantity-price":
        frame = log.assign(price=(log["amount"] / log["quantity"]).round(2))
        columns = {**columns, "amount": None, "quantity": "quantity", "price": "price"}
    before = frame.copy()
    expected = segkit.profile(frame, **columns, **options)
    got = segkit.profile(to_dask(frame, 4), **columns, **options)
    assert_same_profile(got, expected)
    pd.testing.assert_frame_equal(frame, before)  # the caller's data is not modified
    assert set(got.seconds) == set(expected.seconds)


@pytest.mark.slow
def test_profile_of_a_parquet_folder(log: pd.DataFrame, tmp_path: Path) -> None:
    import dask.dataframe as dd

    folder = tmp_path / "tx"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(log)), 3)):
        log.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    expected = segkit.profile(log, **COLUMNS, as_of=AS_OF)
    got = segkit.profile(dd.read_parquet(folder), **COLUMNS, as_of=AS_OF)
    assert_same_profile(got, expected)


@pytest.mark.slow
def test_the_report_of_a_dask_profile_equals_the_pandas_report(log: pd.DataFrame) -> None:
    expected = segkit.profile(log, **COLUMNS, as_of=AS_OF, lifecycle=None)
    got = segkit.profile(to_dask(log, 3), **COLUMNS, as_of=AS_OF, lifecycle=None)
    assert got.report(title="shop") == expected.report(title="shop")


@pytest.mark.slow
def test_the_report_with_the_lifecycle_reads_the_history_on_the_cluster(
    log: pd.DataFrame,
) -> None:
    expected = segkit.profile(log, **COLUMNS, as_of=AS_OF)
    got = segkit.profile(to_dask(log, 3), **COLUMNS, as_of=AS_OF)
    assert is_dask_collection(got.panel)
    assert got.report(title="shop") == expected.report(title="shop")


@pytest.mark.slow
def test_forgetting_customers_of_a_dask_profile(log: pd.DataFrame) -> None:
    gone = list(np.sort(log["customer_id"].unique())[:25])
    expected = forget(segkit.profile(log, **COLUMNS, as_of=AS_OF), gone)
    got = forget(segkit.profile(to_dask(log, 3), **COLUMNS, as_of=AS_OF), gone)
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True)
    assert_same_history(got, expected)
    assert not set(gone) & set(got.flows.spells["customer"])


@pytest.mark.slow
def test_steps_without_a_dask_path_are_skipped_with_a_note() -> None:
    log = make_transactions(150, seed=5)  # has a category column
    got = segkit.profile(to_dask(log, 3), **COLUMNS, as_of=AS_OF, lifecycle=None, clv=False)
    assert "category affinity skipped: it does not run on dask input yet" in got.notes
    assert not [c for c in got.table.columns if str(c).startswith("share_")]
    expected = segkit.profile(log, **COLUMNS, as_of=AS_OF, lifecycle=None, clv=False)
    shared = [c for c in expected.table.columns if c in got.table.columns]
    pd.testing.assert_frame_equal(got.table, expected.table[shared], check_exact=True)


def test_a_missing_column_is_reported_before_any_work(log: pd.DataFrame) -> None:
    with pytest.raises(segkit.SegkitError, match="'when'"):
        segkit.profile(to_dask(log, 2), customer="customer_id", timestamp="when", amount="amount")


@pytest.mark.slow
def test_text_ids_a_time_zone_and_orders(log: pd.DataFrame) -> None:
    frame = log.assign(
        customer_id="c" + log["customer_id"].astype(str),
        timestamp=log["timestamp"].dt.tz_localize(
            "Europe/London", nonexistent="shift_forward", ambiguous=False
        ),
    )
    ids = np.sort(frame["customer_id"].unique())[:30]
    people = pd.DataFrame(
        {"customer_id": [*ids, "zz1"], "signup_date": pd.Timestamp("2024-05-01"), "age": 40}
    )
    columns = {**COLUMNS, "order": "order_id"}
    options = {"customers": people, "as_of": AS_OF, "holdout_days": 120}
    expected = segkit.profile(frame, **columns, **options)
    got = segkit.profile(to_dask(frame, 5), **columns, **options)
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=True)
    for name in ("monthly", "holdout"):
        pd.testing.assert_frame_equal(got.results[name], expected.results[name], check_exact=True)
    assert_same_history(got, expected)
    assert "zz1" in set(local(got.changes)["customer"])  # the prospect
    # summarize on Dask does not warn about customers with only returns (docs/dask.md)
    assert got.notes == [n for n in expected.notes if "have only returns" not in n]
