"""Replay against slow references: summarize() per boundary, and a per-customer machine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segkit
from segkit.datasets import make_transactions
from segkit.features import TransactionColumns
from segkit.lifecycle import default_lifecycle
from segkit.lifecycle._replay import feature_steps, periods
from segkit.tagging import evaluate_rule as evaluate

EXACT = ["orders", "recency_days", "tenure_days", "orders_30d", "orders_90d"]
CLOSE = ["revenue", "avg_order_value", "revenue_30d", "revenue_90d"]


@pytest.mark.parametrize("freq", ["MS", "W-MON"])
def test_incremental_features_equal_summarize_at_each_boundary(freq) -> None:
    tx = make_transactions(300, seed=3, start="2023-01-01", end="2023-12-31")
    tx = tx.assign(timestamp=tx["timestamp"] + pd.to_timedelta(np.arange(len(tx)) % 7, "h"))
    assert (tx["amount"] < 0).any()
    cols = TransactionColumns.read(
        tx, customer="customer_id", timestamp="timestamp", amount="amount"
    )
    bounds = periods(cols, freq, "2023-02-01", "2024-01-01")
    n = len(cols.customers)
    steps = feature_steps(cols, cols.codes, n, bounds.cuts, (30, 90), None, None, bounds.days)
    # the boundaries are instants; the last point, end="2024-01-01", is that whole day
    assert (bounds.days[:-1] == -1).all()
    assert bounds.days[-1] >= 0
    checked = 0
    for k, present, got in steps:
        stamp = bounds.labels[k]
        as_of = stamp if bounds.days[k] < 0 else stamp.strftime("%Y-%m-%d")
        expect_warning = _returns_only(tx, pd.Timestamp(bounds.cuts[k]))
        with (
            pytest.warns(UserWarning, match="have only returns") if expect_warning else _nothing()
        ):
            want = segkit.summarize(
                tx,
                customer="customer_id",
                timestamp="timestamp",
                amount="amount",
                as_of=as_of,
                windows=(30, 90),
            )
        has = got["_first"] != np.iinfo(np.int64).max
        assert cols.customers[has].equals(want.index)
        assert present[has].all()
        for column in EXACT:
            np.testing.assert_array_equal(got[column][has], want[column].to_numpy(), column)
        for column in CLOSE:
            np.testing.assert_allclose(
                got[column][has], want[column].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=column
            )
        last = pd.DatetimeIndex(got["_last"][has].astype("datetime64[ns]"))
        assert (last == pd.DatetimeIndex(want["last_purchase"])).all()
        checked += 1
    assert checked == len(bounds.cuts)


def _returns_only(tx: pd.DataFrame, as_of: pd.Timestamp) -> bool:
    seen = tx[tx["timestamp"] <= as_of]
    bought = seen.groupby("customer_id")["amount"].max()
    return bool((bought < 0).any())


class _nothing:  # noqa: N801 - used like pytest.warns
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


# --------------------------------------------------------------------------- #
# A slow per-customer machine
# --------------------------------------------------------------------------- #
DAY = pd.Timedelta(days=1)


def reference_features(rows: list[tuple[pd.Timestamp, float]], b: pd.Timestamp, windows):
    seen = [(t, a) for t, a in rows if t <= b]
    buys = [t for t, a in seen if a >= 0]
    feats: dict[str, float] = {
        "orders": float(len(buys)),
        "revenue": float(sum(a for _, a in seen)),
        "recency_days": (b - max(buys)) / DAY if buys else np.nan,
        "tenure_days": (b - min(buys)) / DAY if buys else np.nan,
    }
    for w in windows:
        feats[f"orders_{w}d"] = float(sum(1 for t in buys if t > b - w * DAY))
    return feats, bool(buys)


def reference_replay(lc, history, signups, boundaries):
    ranked = sorted(enumerate(lc.transitions), key=lambda it: (-it[1].priority, it[0]))
    terminal = {s.name for s in lc.states if s.terminal}
    state: dict[str, str] = {}
    out = {}
    for b in boundaries:
        for customer in sorted(set(history) | set(signups)):
            feats, bought = reference_features(history.get(customer, []), b, lc.windows)
            signup = signups.get(customer)
            if not bought and not (signup is not None and signup <= b):
                continue
            row = pd.DataFrame([feats])
            s = state.get(customer, lc.initial)
            for _ in range(len(lc.states) + 1):
                for _, t in ranked:
                    applies = t.source == s or (
                        t.source == "*" and t.target != s and s not in terminal
                    )
                    if applies and bool(evaluate(t.when, row).fillna(False).iloc[0]):
                        s = t.target
                        break
                else:
                    break
            state[customer] = s
            out[(customer, b)] = s
    return out


@st.composite
def histories(draw):
    n = draw(st.integers(1, 5))
    history = {}
    signups = {}
    for i in range(n):
        customer = f"c{i}"
        k = draw(st.integers(0, 6))
        rows = []
        for _ in range(k):
            hours = draw(st.integers(0, 400 * 24))
            amount = draw(st.sampled_from([-5.0, 0.0, 12.5, 40.0]))
            rows.append((pd.Timestamp("2023-12-01") + pd.Timedelta(hours=hours), amount))
        if rows:
            history[customer] = rows
        if draw(st.booleans()):
            signups[customer] = pd.Timestamp("2023-11-15") + pd.Timedelta(
                days=draw(st.integers(0, 300))
            )
    if not any(a >= 0 for rows in history.values() for _, a in rows):
        history["z"] = [(pd.Timestamp("2024-03-03 10:00"), 5.0)]
    active = draw(st.integers(5, 60))
    at_risk = active + draw(st.integers(1, 60))
    churn = at_risk + draw(st.integers(1, 120))
    repeat = draw(st.integers(2, 3))
    loyal = repeat + draw(st.integers(1, 3))
    lc = default_lifecycle(active, at_risk, churn, loyal, repeat)
    freq = draw(st.sampled_from(["MS", "W-MON", "QS", "14D"]))
    return history, signups, lc, freq


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_replay_equals_per_customer_reference(case) -> None:
    history, signups, lc, freq = case
    tx = pd.DataFrame(
        [(c, t, a) for c, rows in history.items() for t, a in rows],
        columns=["customer", "ts", "amount"],
    )
    customers = pd.DataFrame(
        {"signup_date": list(signups.values())}, index=pd.Index(list(signups), name="customer")
    )
    panel = lc.replay(
        tx,
        customer="customer",
        timestamp="ts",
        amount="amount",
        freq=freq,
        start="2024-01-01",
        end="2025-01-31",
        customers=customers if signups else None,
    )
    boundaries = list(panel.attrs["periods"])
    want = reference_replay(lc, history, signups, boundaries)
    got = {
        (c, p): s
        for c, p, s in zip(
            panel["customer"], panel["period"], panel["state"].astype(str), strict=True
        )
    }
    assert got == want
    changes = lc.replay(
        tx,
        customer="customer",
        timestamp="ts",
        amount="amount",
        freq=freq,
        start="2024-01-01",
        end="2025-01-31",
        customers=customers if signups else None,
        output="changes",
    )
    pd.testing.assert_frame_equal(lc.current(changes), lc.current(panel))


def test_more_rows_leave_a_window_at_once_than_ever_enter() -> None:
    # Both rows leave the 31-day window at Apr 1, having entered at Feb 1 and Mar 1.
    tx = pd.DataFrame(
        {
            "customer": [1, 2],
            "ts": pd.to_datetime(["2024-01-31 12:00", "2024-02-01 12:00"]),
            "amount": [5.0, 6.0],
        }
    )
    cols = TransactionColumns.read(tx, customer="customer", timestamp="ts", amount="amount")
    bounds = periods(cols, "MS", "2024-01-01", "2024-05-01")
    got = [
        (f["orders_31d"].tolist(), f["revenue_31d"].tolist())
        for _, _, f in feature_steps(cols, cols.codes, 2, bounds.cuts, (31,), None, None)
    ]
    assert got == [
        ([0, 0], [0.0, 0.0]),
        ([1, 0], [5.0, 0.0]),
        ([1, 1], [5.0, 6.0]),
        ([0, 0], [0.0, 0.0]),
        ([0, 0], [0.0, 0.0]),
    ]
