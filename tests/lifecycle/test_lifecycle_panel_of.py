"""panel_of: the panel built from a replay's changes equals replay(output="panel")."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.datasets import make_transactions
from segkit.errors import ColumnNotFoundError, SchemaError
from segkit.lifecycle import panel_of

from .conftest import COLUMNS, LC, TX

# C registers before buying, E never buys (no signup date), G registers in August.
CUSTOMERS = pd.DataFrame(
    {"signup_date": pd.to_datetime(["2024-02-15", None, "2023-12-01", "2024-08-20"])},
    index=pd.Index(["C", "E", "F", "G"], name="cust"),
)
GENERATED = make_transactions(3_000, seed=7)
GENERATED_COLUMNS = {
    "customer": "customer_id",
    "timestamp": "timestamp",
    "amount": "amount",
    "order": "order_id",
}


def both(tx: pd.DataFrame, **kwargs: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = LC.replay(tx, output="panel", **kwargs)  # type: ignore[arg-type]
    changes = LC.replay(tx, output="changes", **kwargs)  # type: ignore[arg-type]
    return panel, changes


CASES = {
    "text ids, registered prospects": (
        TX,
        {**COLUMNS, "customers": CUSTOMERS, "end": "2024-09-01"},
    ),
    "weekly, time zone": (
        TX.assign(ts=TX["ts"].dt.tz_localize("Europe/Oslo")),
        {**COLUMNS, "freq": "W-MON", "end": "2024-03-04"},
    ),
    "as_of between boundaries": (TX, {**COLUMNS, "end": "2024-07-15 10:00"}),
    "integer ids, orders, later start": (
        GENERATED,
        {**GENERATED_COLUMNS, "start": "2024-01-01"},
    ),
    "quarterly": (GENERATED, {**GENERATED_COLUMNS, "freq": "QS"}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_equals_the_replayed_panel(case: str) -> None:
    tx, kwargs = CASES[case]
    panel, changes = both(tx, **kwargs)
    assert len(changes) < len(panel)
    got = panel_of(changes)
    pd.testing.assert_frame_equal(got, panel, check_exact=True)
    assert got.attrs["periods"] == panel.attrs["periods"]


def test_a_customer_entering_at_the_last_boundary_has_one_row() -> None:
    _, changes = both(TX, **COLUMNS, customers=CUSTOMERS, end="2024-09-01")
    got = panel_of(changes)
    rows = got[got["customer"] == "G"]
    assert rows["period"].tolist() == [pd.Timestamp("2024-09-01")]
    assert rows["state"].tolist() == ["prospect"]
    assert rows["previous_state"].isna().all()
    assert rows["changed"].tolist() == [True]


def test_input_not_modified() -> None:
    _, changes = both(TX, **COLUMNS, end="2024-09-01")
    before = changes.copy()
    panel_of(changes)
    pd.testing.assert_frame_equal(changes, before, check_exact=True)


def test_no_changes_is_an_empty_panel() -> None:
    panel, changes = both(TX, **COLUMNS, start="2024-01-01", end="2024-01-01 00:00")
    empty = changes.iloc[:0]
    got = panel_of(empty)
    assert list(got.columns) == ["customer", "period", "state", "previous_state", "changed"]
    assert len(got) == 0
    assert got.attrs["periods"] == panel.attrs["periods"]


def test_without_periods_is_a_schema_error() -> None:
    _, changes = both(TX, **COLUMNS, end="2024-09-01")
    lost = changes.copy()
    lost.attrs = {}
    with pytest.raises(SchemaError, match=r"changes has no attrs\['periods'\]"):
        panel_of(lost)


def test_a_date_off_the_periods_is_a_schema_error() -> None:
    _, changes = both(TX, **COLUMNS, end="2024-09-01")
    moved = changes.copy()
    moved.loc[0, "date"] = pd.Timestamp("2024-01-15")
    with pytest.raises(SchemaError, match="changes has dates that are not among"):
        panel_of(moved)


def test_missing_column_is_named() -> None:
    _, changes = both(TX, **COLUMNS, end="2024-09-01")
    with pytest.raises(ColumnNotFoundError, match="'to'"):
        panel_of(changes.drop(columns="to"))


@pytest.mark.parametrize("order", ["by-date", "reversed", "shuffled"])
def test_changes_in_any_row_order_give_the_same_panel(order: str) -> None:
    # sorted by date the panel had 10,116 rows instead of 4,266; reversed, a numpy error
    changes = LC.replay(GENERATED, output="changes", **GENERATED_COLUMNS)
    expected = panel_of(changes)
    moved = {
        "by-date": changes.sort_values("date", kind="stable"),
        "reversed": changes.iloc[::-1],
        "shuffled": changes.sample(frac=1.0, random_state=3),
    }[order]
    moved.attrs.update(changes.attrs)
    got = panel_of(moved)
    assert len(got) == len(expected)
    pd.testing.assert_frame_equal(
        got.sort_values(["customer", "period"], kind="stable").reset_index(drop=True),
        expected.sort_values(["customer", "period"], kind="stable").reset_index(drop=True),
    )


def test_two_changes_of_one_customer_at_one_boundary_are_refused() -> None:
    changes = LC.replay(TX, output="changes", **COLUMNS, end="2024-09-01")
    twice = pd.concat([changes, changes.iloc[[0]]], ignore_index=True)
    twice.attrs.update(changes.attrs)
    first = changes.iloc[0]
    with pytest.raises(SchemaError, match=rf"two changes of customer '{first['customer']}' on"):
        panel_of(twice)


def test_more_states_than_a_byte_holds() -> None:
    periods = tuple(pd.date_range("2024-01-01", periods=3, freq="MS"))
    states = [f"s{i}" for i in range(200)]
    changes = pd.DataFrame(
        {
            "customer": [1, 1, 2],
            "date": [periods[0], periods[2], periods[1]],
            "from": pd.Categorical([None, "s150", None], categories=states),
            "to": pd.Categorical(["s150", "s199", "s3"], categories=states),
        }
    )
    changes.attrs["periods"] = periods
    panel = panel_of(changes)
    assert panel["state"].astype(str).tolist() == ["s150", "s150", "s199", "s3", "s3"]
    previous = panel["previous_state"]
    assert previous.isna().tolist() == [True, False, False, True, False]
    assert previous.dropna().astype(str).tolist() == ["s150", "s150", "s3"]
