"""profile() succeeds on every valid transaction log (issue: the main job).

Each case is a log a real shop can produce; the profile must come back with
finite numbers where they are documented, and what it could not do in its
notes — never an exception.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import segkit
from segkit.datasets import make_transactions
from segkit.errors import ParameterError
from segkit.profiling import ProfileOptions, profile

COLS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


@pytest.fixture(scope="module")
def tx():
    return make_transactions(300, seed=1)


def _checked(p: segkit.Profile) -> segkit.Profile:
    """The documented numbers are finite, and the report renders."""
    t = p.table
    for column in ("recency_days", "orders", "revenue", "p_alive", "expected_spend", "clv"):
        if column in t.columns:
            assert np.isfinite(t[column].to_numpy(dtype=float)).all(), column
    if "p_alive" in t.columns:
        assert t["p_alive"].between(0, 1).all()
    assert "<html" in p.report()[:200].lower()
    return p


def test_zero_amount_repeat_purchases_get_the_population_mean_spend(tx):
    free = tx.copy()
    # Every line of these customers is free: their repeat purchases average 0.
    odd = free["customer_id"].isin([3, 5, 8])
    free.loc[odd, "amount"] = 0.0
    p = _checked(profile(free, **COLS, progress=False, lifecycle=None))
    spend = p.models["spend"]
    mean = spend.expected_spend(pd.DataFrame({"x": [0], "repeat_aov": [1.0]})).iloc[0]
    repeaters = p.table.loc[[3, 5, 8]]
    repeaters = repeaters[repeaters["x"] > 0]
    assert len(repeaters) > 0
    np.testing.assert_allclose(repeaters["expected_spend"], mean, rtol=1e-12)
    assert any("average zero or less" in n for n in p.notes)


def test_customers_with_only_returns_are_noted_not_raised(tx):
    returns = pd.DataFrame(
        {
            "customer_id": [9999, 9999],
            "timestamp": [tx["timestamp"].min()] * 2,
            "amount": [-5.0, -3.0],
        }
    )
    p = _checked(profile(pd.concat([tx, returns]), **COLS, progress=False))
    assert 9999 not in p.table.index
    assert any("only returns" in n for n in p.notes)


@pytest.mark.parametrize(
    "shape",
    ["one_customer", "one_row", "one_day", "one_order_each", "string_ids", "integer_ids"],
)
def test_degenerate_logs_profile(tx, shape):
    if shape == "one_customer":
        data = tx[tx["customer_id"] == tx["customer_id"].iloc[0]]
    elif shape == "one_row":
        data = tx.head(1)
    elif shape == "one_day":
        data = tx.assign(timestamp=tx["timestamp"].min())
    elif shape == "one_order_each":
        data = tx.drop_duplicates("customer_id")
    elif shape == "string_ids":
        data = tx.assign(customer_id="c" + tx["customer_id"].astype(str))
    else:
        data = tx.assign(customer_id=tx["customer_id"].astype("int32"))
    p = _checked(profile(data, **COLS, progress=False))
    assert len(p.table) == data["customer_id"].nunique()
    assert p.table["lifecycle_state"].notna().all()


def test_nobody_repeats_skips_clv_with_a_note(tx):
    p = _checked(profile(tx.drop_duplicates("customer_id"), **COLS, progress=False))
    assert "clv" not in p.table.columns
    assert "CLV skipped: fewer than 10 repeat customers" in p.notes


def test_a_holdout_longer_than_the_history_is_skipped_with_a_note(tx):
    p = profile(tx, **COLS, progress=False, lifecycle=None, holdout_days=20_000)
    assert p.holdout is None
    assert p.notes[-1] == (
        "holdout check skipped: 20,000 days before as_of is before the first purchase"
    )


def test_holdout_predictions_not_finite_are_skipped_with_a_note(tx, monkeypatch):
    # A fit far at the boundary (no sign of dropout) can give NaN predictions;
    # the profile notes it, as the CLV step does, instead of failing.
    def nan(self, data, t):
        return pd.Series(np.nan, index=data.index)

    monkeypatch.setattr(segkit.clv.BetaGeo, "expected_purchases", nan)
    p = profile(tx, **COLS, progress=False, lifecycle=None, holdout_days=90)
    assert p.holdout is None
    assert p.notes[-1].startswith(
        "holdout check skipped: the model predicted 300 missing or infinite value(s)"
    )


def test_options_are_kept_and_keywords_replace_them(tx):
    base = ProfileOptions(clv_horizon=6, lifecycle=None)
    p = profile(tx, **COLS, options=base, rules=None, progress=False)
    assert p.options == ProfileOptions(clv_horizon=6, lifecycle=None, rules=None, progress=False)
    assert p.tags == []
    assert {"features", "RFM scores", "CLV models"} <= set(p.seconds)
    assert not {"tags", "lifecycle replay"} & set(p.seconds)  # switched off: not run


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        (
            {"holdout_day": 3},
            (
                "profile has an unknown option 'holdout_day' (did you mean 'holdout_days'?); "
                "allowed: ['as_of', 'bands', 'category', 'clv', 'clv_horizon', 'discount_rate', "
                "'event', 'event_windows', 'freq', 'holdout_days', 'lifecycle', 'lifecycle_start', "
                "'loyalty', 'product', 'progress', 'recommendations', 'rfm', 'rules', 'signup', "
                "'windows']"
            ),
        ),
        (
            {"holdout_days": 10**6},
            "The 'holdout_days' option of profile must be a whole number from 1 to 36,525; got 1000000",
        ),
        (
            {"clv_horizon": 0},
            "The 'clv_horizon' option of profile must be a whole number from 1 to 1,200; got 0",
        ),
        ({"windows": 90}, "windows must be a sequence of days, e.g. (90,); got 90"),
        (
            {"discount_rate": -1},
            "The 'discount_rate' option of profile must be a number in (-1, 10) per month; got -1",
        ),
    ],
    ids=["unknown", "holdout", "horizon", "scalar-windows", "rate"],
)
def test_bad_options_name_the_option(tx, keywords, message):
    with pytest.raises(ParameterError) as info:
        profile(tx, **COLS, progress=False, **keywords)
    assert str(info.value) == message


def test_input_is_not_modified(tx):
    before = tx.copy()
    profile(tx, **COLS, progress=False, lifecycle=None)
    pd.testing.assert_frame_equal(tx, before)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a profile per shrink step is too slow
)
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 10_000),
    lines=st.floats(1.0, 3.0),
    returns=st.floats(0.0, 0.3),
    zero_share=st.floats(0.0, 0.5),
    same_instant=st.booleans(),
    string_ids=st.booleans(),
)
def test_any_generated_log_profiles(n, seed, lines, returns, zero_share, same_instant, string_ids):
    tx = make_transactions(n, seed=seed, lines_per_order=lines, return_rate=returns)
    rng = np.random.default_rng(seed)
    tx.loc[rng.random(len(tx)) < zero_share, "amount"] = 0.0
    if same_instant:
        tx["timestamp"] = tx["timestamp"].iloc[0]
    if string_ids:
        tx["customer_id"] = tx["customer_id"].map("id-{}".format)
    if not (tx.groupby("order_id")["amount"].sum() > 0).any():
        return  # no order with a positive net: nothing to profile (documented error)
    _checked(profile(tx, **COLS, order="order_id", progress=False))


def test_a_date_only_as_of_is_the_whole_day_in_every_step(tx):
    last_day = tx["timestamp"].max().normalize()
    as_of = str(last_day.date())
    p = profile(tx, **COLS, order="order_id", as_of=as_of, holdout_days=200, progress=False)
    # A customer whose only order was returned in full has no order (net <= 0).
    with pytest.warns(UserWarning, match="have only returns"):
        direct = segkit.summarize(tx, **COLS, order="order_id", as_of=as_of)
    assert (tx["timestamp"] >= last_day).any()  # purchases on the day itself ...
    pd.testing.assert_series_equal(p.table["orders"], direct["orders"])  # ... are counted
    assert p.as_of == last_day
    assert p.panel["period"].max() <= last_day  # no boundary after the data
    cut = (last_day - pd.Timedelta(days=200)).date()
    with pytest.warns(UserWarning, match="have only returns"):
        split = segkit.calibration_holdout(
            tx, **COLS, order="order_id", calibration_end=cut, observation_end=as_of, unit="W"
        )
    pd.testing.assert_series_equal(p.holdout["x_holdout"], split["x_holdout"])


def test_tz_aware_data_profile(tx):
    tokyo = tx.assign(timestamp=tx["timestamp"].dt.tz_localize("Asia/Tokyo"))
    p = _checked(profile(tokyo, **COLS, progress=False, holdout_days=100))
    naive = profile(tx, **COLS, progress=False, holdout_days=100)
    pd.testing.assert_series_equal(p.table["recency_days"], naive.table["recency_days"])
    pd.testing.assert_series_equal(p.table["lifecycle_state"], naive.table["lifecycle_state"])


def test_order_lines_count_as_orders_in_every_step():
    # Several lines per order with equal totals, and a cancelled order.
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 2, 2],
            "order_id": ["A", "A", "B", "C", "D", "D", "E"],
            "timestamp": pd.to_datetime(
                ["2024-01-05"] * 2
                + ["2024-02-05", "2024-02-06"]
                + ["2024-01-10"] * 2
                + ["2024-03-01"]
            ),
            "amount": [10.0, 10.0, 25.0, -25.0, 5.0, 7.0, 9.0],
        }
    )
    p = profile(
        tx, **COLS, order="order_id", as_of="2024-03-31", rules=None, clv=False, progress=False
    )
    assert p.table["orders"].to_dict() == {1: 2, 2: 2}
    assert p.table["revenue"].to_dict() == {1: 20.0, 2: 21.0}
    direct = segkit.summarize(tx, **COLS, order="order_id", as_of="2024-03-31")
    pd.testing.assert_frame_equal(p.table[direct.columns], direct)


def test_day_first_text_dates_profile_like_summarize():
    # 13/03 cannot be mm/dd: the time policy reads the whole column day-first.
    tx = pd.DataFrame(
        {
            "c": [1, 1, 2],
            "ts": ["09/03/2024 10:00", "13/03/2024 11:00", "25/03/2024 09:00"],
            "a": [10.0, 20.0, 5.0],
        }
    )
    p = profile(tx, customer="c", timestamp="ts", amount="a", progress=False)
    monthly = p.results["monthly"]
    assert list(monthly.index) == [pd.Timestamp("2024-03-01")]
    assert monthly.loc["2024-03-01", "revenue"] == 35.0
    assert monthly.loc["2024-03-01", "active"] == 2


@pytest.mark.parametrize(
    ("label", "message", "note"),
    [
        ("BG/NBD: ", "BG/NBD: flat likelihood", "BG/NBD: flat likelihood"),
        ("holdout BG/NBD: ", "BG/NBD: flat likelihood", "holdout BG/NBD: flat likelihood"),
        ("RFM: ", "ties in recency", "RFM: ties in recency"),
        ("", "plain", "plain"),
    ],
    ids=["same-prefix", "qualified-prefix", "other-prefix", "no-label"],
)
def test_a_note_has_one_model_prefix(label, message, note):
    import warnings

    from segkit.profiling._steps import noted

    class _Run:
        def __init__(self) -> None:
            self.notes: list[str] = []

    run = _Run()
    with noted(run, label):  # type: ignore[arg-type]
        warnings.warn(message, UserWarning, stacklevel=1)
    assert run.notes == [note]


def test_quantity_times_price_is_read_once_for_every_step():
    lines = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "order_id": ["A", "B", "C", "C"],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-10", "2024-01-10"]),
            "qty": [2, 1, 3, -3],
            "unit_price": [5.0, 7.5, 4.0, 4.0],
        }
    )
    p = profile(
        lines,
        customer="customer_id",
        timestamp="timestamp",
        quantity="qty",
        price="unit_price",
        order="order_id",
        as_of="2024-03-31",
        clv=False,
        rules=None,
        progress=False,
    )
    assert p.table["revenue"].to_dict() == {1: 17.5}
    assert p.table["orders"].to_dict() == {1: 2}
    assert any("only returns" in n for n in p.notes)  # customer 2 returned the whole order
    with pytest.raises(ParameterError, match="not both"):
        profile(lines.assign(amount=1.0), **COLS, quantity="qty", price="unit_price")
