"""summarize and calibration_holdout on Dask equal the pandas path exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit._backend import local
from segkit.dask import calibration_holdout_dask, is_dask_collection, summarize_dask
from segkit.dask._partition import log_columns
from segkit.dask._transactions import unchecked
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")


def check_equal(lazy: Any, expected: pd.DataFrame) -> None:
    pd.testing.assert_series_equal(lazy._meta.dtypes, expected.dtypes)
    got = lazy.compute()
    assert got.index.is_unique
    pd.testing.assert_frame_equal(got.sort_index(), expected, check_exact=True)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"as_of": "2024-06-30"},
        {"as_of": "2025-03-31 23:59:59", "unit": "W", "windows": (30, 365)},
        {"order": "order_id", "windows": (90,)},
    ],
    ids=["default", "as_of", "weeks-windows", "orders"],
)
def test_summarize_equals_pandas(transactions: pd.DataFrame, options: dict[str, Any]) -> None:
    expected = quiet(segkit.summarize, transactions, **COLUMNS, **options)
    check_equal(summarize_dask(to_dask(transactions), **COLUMNS, **options), expected)


def test_summarize_dispatches_on_dask_input(transactions: pd.DataFrame) -> None:
    lazy = segkit.summarize(to_dask(transactions), **COLUMNS, as_of="2024-12-31")
    assert is_dask_collection(lazy)
    check_equal(lazy, quiet(segkit.summarize, transactions, **COLUMNS, as_of="2024-12-31"))


def test_string_ids_and_timezone(transactions: pd.DataFrame) -> None:
    frame = transactions.assign(
        customer_id="c" + transactions["customer_id"].astype(str),
        timestamp=transactions["timestamp"].dt.tz_localize(
            "Europe/Oslo", nonexistent="shift_forward", ambiguous=False
        ),
    )
    ddf = to_dask(frame)
    # Dask stores strings as pyarrow strings: compare with pandas on the same column types.
    expected = quiet(segkit.summarize, ddf.compute(), **COLUMNS)
    check_equal(summarize_dask(ddf, **COLUMNS), expected)


def test_sums_keep_the_input_order(transactions: pd.DataFrame) -> None:
    # Amounts whose float sum depends on the order they are added in.
    rng = np.random.default_rng(0)
    frame = transactions.assign(amount=rng.choice([0.1, 0.2, 0.3, 1e8, 7e-3], len(transactions)))
    expected = quiet(segkit.summarize, frame, **COLUMNS)
    check_equal(summarize_dask(to_dask(frame, 9), **COLUMNS), expected)


def test_partitions_without_purchases_give_no_rows(transactions: pd.DataFrame) -> None:
    # Few customers, many partitions: after the shuffle some partitions are empty.
    frame = transactions[transactions["customer_id"] <= 3]
    expected = quiet(segkit.summarize, frame, **COLUMNS)
    check_equal(summarize_dask(to_dask(frame, 8), **COLUMNS), expected)


def test_calibration_holdout_equals_pandas(transactions: pd.DataFrame) -> None:
    options = {"calibration_end": "2024-12-31", "observation_end": "2025-09-30", "unit": "W"}
    expected = quiet(segkit.calibration_holdout, transactions, **COLUMNS, **options)
    lazy = segkit.calibration_holdout(to_dask(transactions), **COLUMNS, **options)
    check_equal(lazy, expected)
    default_end = quiet(
        segkit.calibration_holdout, transactions, **COLUMNS, calibration_end="2024-12-31"
    )
    check_equal(
        calibration_holdout_dask(to_dask(transactions), **COLUMNS, calibration_end="2024-12-31"),
        default_end,
    )


def test_missing_column_is_reported_before_any_work(transactions: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="amnt"):
        summarize_dask(
            to_dask(transactions), customer="customer_id", timestamp="timestamp", amount="amnt"
        )


def test_bad_parameters(transactions: pd.DataFrame) -> None:
    ddf = to_dask(transactions)
    with pytest.raises(ParameterError, match="unit must be one of"):
        summarize_dask(ddf, **COLUMNS, unit="Y")
    with pytest.raises(ParameterError, match="as_of must be a date"):
        summarize_dask(ddf, **COLUMNS, as_of="soon")
    with pytest.raises(SchemaError, match="must be a Dask DataFrame; got DataFrame"):
        summarize_dask(transactions, **COLUMNS)


def test_input_not_mutated(transactions: pd.DataFrame) -> None:
    ddf = to_dask(transactions)
    before = ddf.compute()
    summarize_dask(ddf, **COLUMNS).compute()
    pd.testing.assert_frame_equal(ddf.compute(), before)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timestamp": lambda d: d["timestamp"].astype("int64")}, "holds numbers"),
        ({"amount": lambda d: d["amount"].astype(str)}, "must be numeric, not"),
    ],
    ids=["numeric-timestamps", "text-amounts"],
)
def test_bad_dtypes_are_reported_before_any_work(
    transactions: pd.DataFrame, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(SchemaError, match=message):
        summarize_dask(to_dask(transactions.assign(**change)), **COLUMNS, as_of="2025-01-01")


def test_bad_values_are_reported_by_the_worker(transactions: pd.DataFrame) -> None:
    frame = transactions.assign(customer_id=transactions["customer_id"].astype("float64"))
    frame.loc[5, "customer_id"] = np.nan
    lazy = summarize_dask(to_dask(frame), **COLUMNS, as_of="2025-01-01")
    with pytest.raises(SchemaError, match="missing customer id"):
        lazy.compute()


@pytest.mark.parametrize(
    "function",
    [
        pytest.param(summarize_dask, id="summarize"),
        pytest.param(segkit.summarize, id="summarize-through-the-seam"),
    ],
)
def test_as_of_before_every_purchase_raises_like_pandas(
    client: Any, transactions: pd.DataFrame, function: Any
) -> None:
    early = transactions["timestamp"].min() - pd.Timedelta(days=3)
    with pytest.raises(SchemaError, match="no purchases") as expected:
        segkit.summarize(transactions, **COLUMNS, as_of=early)
    lazy = function(to_dask(transactions), **COLUMNS, as_of=early)
    with pytest.raises(SchemaError) as got:
        lazy.compute()
    assert str(got.value) == str(expected.value)


def test_holdout_calibration_before_every_purchase_raises_like_pandas(
    client: Any, transactions: pd.DataFrame
) -> None:
    early = transactions["timestamp"].min() - pd.Timedelta(days=3)
    end = transactions["timestamp"].max()
    with pytest.raises(SchemaError, match="no purchases") as expected:
        segkit.calibration_holdout(
            transactions, **COLUMNS, calibration_end=early, observation_end=end
        )
    lazy = calibration_holdout_dask(
        to_dask(transactions), **COLUMNS, calibration_end=early, observation_end=end
    )
    with pytest.raises(SchemaError) as got:
        lazy.compute()
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    "options",
    [{}, {"order": "order_id", "windows": (90,)}],
    ids=["lines", "orders"],
)
def test_quantity_and_price_equal_pandas(
    transactions: pd.DataFrame, options: dict[str, Any]
) -> None:
    # an order-line log with quantity x price and no amount column
    lines = transactions.drop(columns="amount").assign(
        quantity=np.where(transactions["amount"] < 0, -2, 2),
        price=transactions["amount"].abs() / 2,
    )
    money = {"customer": "customer_id", "timestamp": "timestamp"}
    money |= {"quantity": "quantity", "price": "price"}
    expected = quiet(segkit.summarize, lines, **money, **options)
    check_equal(segkit.summarize(to_dask(lines), **money, **options), expected)
    split = {"calibration_end": "2024-06-30", "order": options.get("order")}
    expected = quiet(segkit.calibration_holdout, lines, **money, **split)
    check_equal(segkit.calibration_holdout(to_dask(lines), **money, **split), expected)


def test_amount_and_quantity_together_are_refused(transactions: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="not both"):
        segkit.summarize(to_dask(transactions), **COLUMNS, quantity="amount", price="amount")


def test_a_summary_gathered_piece_by_piece_equals_pandas(transactions: pd.DataFrame) -> None:
    # the profile's local(): the partitions without the check that holds them all
    lazy = summarize_dask(to_dask(transactions), **COLUMNS, as_of="2024-12-31")
    assert unchecked(lazy) is not None
    expected = quiet(segkit.summarize, transactions, **COLUMNS, as_of="2024-12-31")
    pd.testing.assert_frame_equal(local(lazy), expected, check_exact=True)


@pytest.mark.parametrize(
    "function", [summarize_dask, calibration_holdout_dask], ids=["summarize", "holdout"]
)
def test_a_summary_gathered_piece_by_piece_raises_like_pandas(
    transactions: pd.DataFrame, function: Any
) -> None:
    early = transactions["timestamp"].min() - pd.Timedelta(days=3)
    end = transactions["timestamp"].max()
    if function is summarize_dask:
        pandas, options = segkit.summarize, {"as_of": early}
    else:
        pandas = segkit.calibration_holdout
        options = {"calibration_end": early, "observation_end": end}
    with pytest.raises(SchemaError, match="no purchases") as expected:
        pandas(transactions, **COLUMNS, **options)
    lazy = function(to_dask(transactions), **COLUMNS, **options)
    with pytest.raises(SchemaError) as got:
        local(lazy)
    assert str(got.value) == str(expected.value)


def test_only_the_named_columns_are_read(transactions: pd.DataFrame) -> None:
    ddf = to_dask(transactions.assign(note="unused"))
    named = log_columns(ddf, {**COLUMNS, "order": None, "missing": "nowhere"})
    assert list(named.columns) == ["customer_id", "timestamp", "amount"]
    assert log_columns(named, COLUMNS) is named
