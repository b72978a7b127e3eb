"""Lifecycle.replay on a hand-built history, with every expected state written out."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.datasets import make_transactions
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.lifecycle import Lifecycle, LifecycleCycleError, Transition, default_lifecycle, flows

from .conftest import COLUMNS, LC, TX

CUSTOMERS = pd.DataFrame(
    {"signup_date": pd.to_datetime(["2024-02-15", None, "2023-12-01"])},
    index=pd.Index(["C", "E", "F"], name="cust"),
)

# Days since the last purchase at each boundary are in the comments (Jan 31, Feb 29 days).
EXPECTED = {
    #        Jan 1       Feb 1     Mar 1       Apr 1       May 1       Jun 1      Jul 1          Aug 1      Sep 1
    "A": [None, "new", "new", "at_risk", "churned", "churned", "churned", "churned", "churned"],
    # A: recency 22, 51, 82 (> 60: at risk), 112 (> 90: churned)
    "B": [None, "active", "loyal", "loyal", "at_risk", "churned", "reactivated", "loyal", "loyal"],
    # B: Feb 1 prospect -> new -> active in one step (2 purchases, recency 12); Mar 1 3rd
    # purchase: loyal; May 1 recency 81: at risk; Jun 1 112: churned; Jul 1 recency 16:
    # reactivated (1 purchase in 30 days); Aug 1 2 purchases in 30 days: active -> loyal.
    "C": [None, None, "prospect", "prospect", "prospect", "new", "new", "at_risk", "churned"],
    # C: present from signup; Jun 1 recency 29; Jul 1 59; Aug 1 90 (not > 90); Sep 1 121
    "F": ["new", "new", "new", "churned", "churned", "churned", "churned", "churned", "churned"],
    # F: the midnight purchase counts at Jan 1; Apr 1 recency 91: at risk -> churned at once
}
PERIODS = pd.date_range("2024-01-01", "2024-09-01", freq="MS")


def replay(**kwargs):
    return LC.replay(TX, **COLUMNS, customers=CUSTOMERS, end="2024-09-01", **kwargs)


def expected_panel() -> pd.DataFrame:
    rows = []
    for customer, states in EXPECTED.items():
        previous = None
        for period, state in zip(PERIODS, states, strict=True):
            if state is None:
                continue
            rows.append((customer, period, state, previous, state != previous))
            previous = state
    return pd.DataFrame(rows, columns=["customer", "period", "state", "previous_state", "changed"])


def test_panel_matches_hand_written_states() -> None:
    panel = replay()
    want = expected_panel()
    got = panel.astype(object).where(panel.notna(), None)
    assert got.values.tolist() == want.astype(object).where(want.notna(), None).values.tolist()
    assert panel["changed"].dtype == bool
    assert list(panel["state"].cat.categories) == list(LC.names)
    assert pd.DatetimeIndex(list(panel.attrs["periods"])).equals(PERIODS)


def test_changes_form_holds_the_same_information() -> None:
    changes = replay(output="changes")
    assert list(changes.columns) == ["customer", "date", "from", "to"]
    assert changes[changes["customer"] == "B"].astype(object).where(
        changes.notna(), None
    ).values.tolist() == [
        ["B", pd.Timestamp("2024-02-01"), None, "active"],
        ["B", pd.Timestamp("2024-03-01"), "active", "loyal"],
        ["B", pd.Timestamp("2024-05-01"), "loyal", "at_risk"],
        ["B", pd.Timestamp("2024-06-01"), "at_risk", "churned"],
        ["B", pd.Timestamp("2024-07-01"), "churned", "reactivated"],
        ["B", pd.Timestamp("2024-08-01"), "reactivated", "loyal"],
    ]
    panel = replay()
    moved = panel[panel["changed"]]
    assert len(moved) == len(changes)
    assert (moved["state"].to_numpy() == changes["to"].to_numpy()).all()


def test_current() -> None:
    now = LC.current(replay(output="changes"))
    assert now.index.tolist() == ["A", "B", "C", "F"]
    assert now["state"].astype(str).tolist() == ["churned", "loyal", "churned", "churned"]
    assert now["previous_state"].astype(str).tolist() == [
        "at_risk",
        "reactivated",
        "at_risk",
        "new",
    ]
    assert (
        now["since"].tolist()
        == pd.to_datetime(["2024-05-01", "2024-08-01", "2024-09-01", "2024-04-01"]).tolist()
    )
    pd.testing.assert_frame_equal(LC.current(replay()), now)


def test_without_customers_table_registered_prospects_are_absent() -> None:
    panel = LC.replay(TX, **COLUMNS, end="2024-09-01")
    assert sorted(panel["customer"].unique()) == ["A", "B", "C", "F"]
    c = panel[panel["customer"] == "C"]
    assert c["period"].min() == pd.Timestamp("2024-06-01")
    assert c["state"].iloc[0] == "new"


def test_default_periods_cover_all_transactions() -> None:
    panel = LC.replay(TX, **COLUMNS)
    periods = panel.attrs["periods"]
    assert periods[0] == pd.Timestamp("2024-01-01")  # F's purchase is exactly on it
    # the last point is the latest transaction, never a boundary after the data
    assert periods[-2:] == (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-07-20"))


def test_start_later_counts_earlier_history() -> None:
    panel = LC.replay(TX, **COLUMNS, customers=CUSTOMERS, start="2024-05-01", end="2024-09-01")
    first = panel[panel["period"] == pd.Timestamp("2024-05-01")].set_index("customer")["state"]
    assert first.astype(str).to_dict() == {
        "A": "churned",
        "B": "at_risk",
        "C": "prospect",
        "F": "churned",
    }


def test_weekly_and_timezone_aware() -> None:
    tx = TX.assign(ts=TX["ts"].dt.tz_localize("Europe/Oslo"))
    panel = LC.replay(tx, **COLUMNS, freq="W-MON", end="2024-03-04")
    assert str(panel["period"].dt.tz) == "Europe/Oslo"
    assert panel["period"].min() == pd.Timestamp("2024-01-01", tz="Europe/Oslo")
    assert panel.groupby("customer")["state"].last().astype(str).to_dict() == {
        "A": "new",
        "B": "loyal",
        "F": "at_risk",  # 63 days after its only purchase
    }


def test_inputs_are_not_mutated() -> None:
    tx, customers = TX.copy(), CUSTOMERS.copy()
    replay()
    replay(output="changes")
    pd.testing.assert_frame_equal(TX, tx)
    pd.testing.assert_frame_equal(CUSTOMERS, customers)


def test_schema_columns_come_from_the_customers_table() -> None:
    lc = Lifecycle(
        ["lead", "buyer", "vip"],
        [
            Transition("lead", "buyer", when="orders >= 1"),
            Transition("buyer", "vip", when="tier == 'gold'"),
            Transition("vip", "buyer", when="tier != 'gold' and recency_days > 0"),
        ],
        initial="lead",
        schema={"tier": "string"},
    )
    customers = pd.DataFrame({"cust": ["A", "B"], "tier": ["gold", "silver"]})
    panel = lc.replay(TX, **COLUMNS, customers=customers, signup=None, end="2024-03-01")
    last = panel.groupby("customer")["state"].last().astype(str).to_dict()
    assert last == {"A": "vip", "B": "buyer", "F": "buyer"}  # C buys in May
    with pytest.raises(ParameterError, match=r"^the guards read \['tier'\] from the customers"):
        lc.replay(TX, **COLUMNS)


def test_oscillation_at_a_boundary_names_the_date() -> None:
    lc = Lifecycle(
        ["a", "b"],
        [Transition("a", "b", when="orders >= 1"), Transition("b", "a", when="orders >= 2")],
        initial="a",
    )
    with pytest.raises(
        LifecycleCycleError,
        match=re.escape(
            "customers ['B'] oscillate between states 'a' -> 'b' -> 'a' at 2024-02-01:"
        ),
    ):
        lc.replay(TX, **COLUMNS)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"freq": "monthly"},
            ParameterError,
            (
                "freq must be a pandas frequency such as 'MS' (month starts), 'W-MON' or 'QS'; "
                "got 'monthly'"
            ),
        ),
        ({"freq": "0D"}, ParameterError, "freq must move forward in time; got '0D'"),
        (
            {"start": "2024-05-01", "end": "2024-02-01"},
            ParameterError,
            "end 2024-02-01 (whole day) is before start 2024-05-01 00:00:00",
        ),
        (
            {"freq": "min", "start": "2000-01-01"},
            ParameterError,
            (
                "freq='min' from 2000-01-01 00:00:00 to 2024-07-20 00:00:00 gives about "
                "12,912,480 evaluation points for 5 customers (64,562,400 customer-steps; at "
                "most 20,000 points and 2,000,000,000 customer-steps); choose a coarser freq "
                "or a shorter start..end"
            ),
        ),
        (
            {"output": "long"},
            ParameterError,
            "the 'output' parameter of Lifecycle.replay must be one of 'panel', 'changes'; got 'long'",
        ),
        (
            {"customers": CUSTOMERS, "signup": "signup"},
            ColumnNotFoundError,
            (
                "column 'signup' (did you mean 'signup_date'?) not found in the customers; "
                "available columns: ['signup_date']"
            ),
        ),
        (
            {"customers": pd.concat([CUSTOMERS, CUSTOMERS])},
            SchemaError,
            "the customers table repeats customer ids: ['C', 'E', 'F']",
        ),
    ],
)
def test_errors(kwargs, error, message) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        LC.replay(TX, **COLUMNS, **kwargs)


def test_empty_and_bad_columns() -> None:
    with pytest.raises(ColumnNotFoundError, match="did you mean 'value'"):
        LC.replay(TX, customer="cust", timestamp="ts", amount="valeu")
    tx = TX.assign(value=np.where(TX["cust"] == "A", np.nan, TX["value"]))
    with pytest.raises(SchemaError, match=r"^column 'value' of the transactions has 1 missing"):
        LC.replay(tx, **COLUMNS)


def test_panels_of_customer_groups_concatenate():
    tx = make_transactions(300, seed=1)
    life = default_lifecycle()
    kwargs = {
        "customer": "customer_id",
        "timestamp": "timestamp",
        "amount": "amount",
        "start": "2023-06-01",
        "end": "2024-06-01",
    }
    whole = life.replay(tx, **kwargs)
    parts = pd.concat(
        [
            life.replay(tx[tx["customer_id"] <= 150], **kwargs),
            life.replay(tx[tx["customer_id"] > 150], **kwargs),
        ]
    )
    assert parts.attrs["periods"] == whole.attrs["periods"]
    pd.testing.assert_frame_equal(flows(parts).counts, flows(whole).counts)
