from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.datasets import make_customers, make_events, make_transactions
from segkit.errors import ColumnNotFoundError, ParameterError
from segkit.profiling import Profile, profile

COLS = {"customer": "customer_id", "timestamp": "date", "amount": "amount"}


@pytest.fixture(scope="module")
def cdnow_profile(cdnow):
    return profile(cdnow, **COLS, as_of="1998-06-30", holdout_days=273)


def test_cdnow_table(cdnow_profile, cdnow):
    t = cdnow_profile.table
    assert len(t) == 2357
    for column in [
        "orders",
        "revenue",
        "r_score",
        "segment",
        "p_alive",
        "expected_purchases_90d",
        "clv",
        "lifecycle_state",
    ]:
        assert column in t.columns
    # The customer table agrees with the building blocks.
    direct = segkit.summarize(cdnow, **COLS, as_of="1998-06-30")
    pd.testing.assert_series_equal(t["revenue"], direct["revenue"])
    rfm = segkit.RFMScorer().fit(direct).transform(direct)
    pd.testing.assert_series_equal(t["segment"], rfm["segment"])
    assert t["p_alive"].between(0, 1).all()
    assert (t["clv"] >= 0).all()
    assert set(cdnow_profile.models) == {"rfm", "purchases", "spend", "tags", "lifecycle"}
    assert all(c.startswith("tag_") for c in cdnow_profile.tags)
    assert t["lifecycle_state"].notna().all()


def test_cdnow_holdout(cdnow_profile):
    h = cdnow_profile.holdout
    assert h is not None
    assert len(h) == 2357
    assert h["duration_holdout"].iloc[0] == 39.0
    # The holdout total under BG/NBD at the fitted (published) parameters: the
    # model under-predicts the 1,882 actual repeat purchase days by about 12%.
    predicted, actual = h["predicted_holdout"].sum(), h["x_holdout"].sum()
    assert actual == 1882
    assert predicted == pytest.approx(1653.4, abs=0.5)
    check = cdnow_profile.holdout_report
    assert check.actual_total == 1882
    assert check.predicted_total == pytest.approx(predicted)
    assert check.by_frequency["customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]


def test_input_not_modified(cdnow):
    before = cdnow.copy()
    profile(cdnow, **COLS, lifecycle=None, clv=False)
    pd.testing.assert_frame_equal(cdnow, before)


def test_with_customers_and_events():
    tx = make_transactions(400, seed=3)
    people = make_customers(400, seed=3)
    events = make_events(400, seed=3)
    p = profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        order="order_id",
        customers=people,
        events=events,
        progress=False,
    )
    t = p.table
    assert {"age", "age_band", "income_band", "city", "page_view_30d"} <= set(t.columns)
    assert t["page_view_30d"].dtype.kind in "iu"
    assert "tag_browser" in p.tags or "tag_cart_abandoner" in p.tags
    assert not any("starter rules skipped" in n for n in p.notes)
    assert isinstance(p, Profile)
    assert "segkit profile" in p._repr_html_()


def test_exports(cdnow_profile, tmp_path):
    cdnow_profile.to_csv(tmp_path / "t.csv")
    cdnow_profile.to_parquet(tmp_path / "t.parquet")
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert back.shape == cdnow_profile.table.shape
    assert len(pd.read_csv(tmp_path / "t.csv")) == 2357
    assert cdnow_profile.to_frame() is not cdnow_profile.table


def test_bad_arguments(cdnow):
    with pytest.raises(ColumnNotFoundError):
        profile(cdnow, customer="customer", timestamp="date", amount="amount")
    with pytest.raises(ParameterError, match="lifecycle must be 'default', a Lifecycle or None"):
        profile(cdnow, **COLS, lifecycle="fancy", clv=False, rules=None)
    with pytest.raises(ParameterError, match="rules file must be"):
        profile(cdnow, **COLS, rules="rules.txt", lifecycle=None, clv=False)


def test_progress_is_quiet_when_not_a_terminal(cdnow, capsys):
    profile(cdnow, **COLS, lifecycle=None, clv=False)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_progress_bar_when_asked(cdnow, capsys):
    profile(cdnow, **COLS, lifecycle=None, clv=False, rules=None, progress=True)
    err = capsys.readouterr().err
    assert "segkit [" in err
    assert "RFM scores" in err


def test_clv_skipped_with_note():
    tx = pd.DataFrame(
        {
            "c": [1, 2, 3],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "a": [1.0, 2.0, 3.0],
        }
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p = profile(
            tx,
            customer="c",
            timestamp="t",
            amount="a",
            lifecycle=None,
            rfm=segkit.RFMScorer(bins=2, segments=None),
        )
    assert "clv" not in p.table.columns
    assert "CLV skipped: fewer than 10 repeat customers" in p.notes
    assert np.all(p.table["orders"] == 1)


def test_lifecycle_keeps_the_changes_and_builds_the_panel_from_them(cdnow):
    from segkit.lifecycle import default_lifecycle, flows

    p = profile(cdnow, **COLS, as_of="1998-06-30", clv=False, lifecycle_start="1997-01-01")
    assert "panel" not in p.results  # only the changes are held
    replayed = {
        form: default_lifecycle().replay(
            cdnow, **COLS, start="1997-01-01", end="1998-06-30", output=form
        )
        for form in ("panel", "changes")
    }
    pd.testing.assert_frame_equal(p.changes, replayed["changes"], check_exact=True)
    pd.testing.assert_frame_equal(p.panel, replayed["panel"], check_exact=True)
    assert p.panel.attrs["periods"] == replayed["panel"].attrs["periods"]
    expected = flows(replayed["panel"])
    for part in ("matrix", "moves", "counts", "spells", "time_in_state"):
        pd.testing.assert_frame_equal(getattr(p.flows, part), getattr(expected, part))
    last = replayed["panel"].groupby("customer")["state"].last()
    assert (p.table["lifecycle_state"] == last.reindex(p.table.index)).all()


@pytest.mark.parametrize("ids", ["int", "str"])
def test_lifecycle_states_and_flows_equal_those_read_back_from_the_changes(ids):
    """The profile reduces the replay's codes; reading its changes frame gives the same."""
    from segkit.lifecycle import current, default_lifecycle, flows

    tx = make_transactions(300, seed=5, lines_per_order=1.5)
    people = make_customers(320, seed=5)  # some registered customers never buy: prospects
    if ids == "str":
        tx = tx.assign(customer_id="c" + tx["customer_id"].astype(str))
        people.index = "c" + people.index.astype(str)
    cols = {**{k: v for k, v in COLS.items() if k != "timestamp"}, "timestamp": "timestamp"}
    cols["order"] = "order_id"
    p = profile(tx, **cols, customers=people, clv=False, progress=False)
    span = {"start": p.changes["date"].min(), "end": p.table["last_purchase"].max()}
    replayed = default_lifecycle().replay(tx, **cols, customers=people, **span, output="changes")
    pd.testing.assert_frame_equal(p.changes, replayed, check_exact=True)
    assert (p.changes["to"] == "prospect").sum() > 0  # registered, never bought
    # The panel built from the changes equals the replay's own panel (another path).
    panel = default_lifecycle().replay(tx, **cols, customers=people, **span, output="panel")
    pd.testing.assert_frame_equal(p.panel, panel, check_exact=True)
    expected = flows(p.changes)
    for part in ("matrix", "moves", "counts", "spells", "time_in_state"):
        pd.testing.assert_frame_equal(getattr(p.flows, part), getattr(expected, part))
    now = current(p.changes, states=default_lifecycle().names)["state"]
    pd.testing.assert_series_equal(
        p.table["lifecycle_state"], now.reindex(p.table.index), check_names=False
    )
    assert p.table["lifecycle_state"].notna().all()


def test_the_panel_is_built_once_and_never_outlives_its_changes(cdnow):
    import copy
    import pickle

    from segkit.lifecycle import panel_of
    from segkit.privacy import forget

    p = profile(cdnow, **COLS, as_of="1998-06-30", clv=False, lifecycle_start="1997-01-01")
    first = p.panel
    assert p.panel is first  # built on first access, then kept
    pd.testing.assert_frame_equal(first, panel_of(p.changes), check_exact=True)
    gone = list(p.table.index[:5])
    after = forget(p, gone)  # a copy whose changes are filtered: its own panel
    assert not set(gone) & set(after.panel["customer"])
    assert set(gone) <= set(p.panel["customer"])
    pd.testing.assert_frame_equal(after.panel, panel_of(after.changes), check_exact=True)
    assert p.panel is first
    for other in (copy.copy(p), pickle.loads(pickle.dumps(p))):
        assert other._panel is None  # copies and pickles leave the built panel behind
        pd.testing.assert_frame_equal(other.panel, first, check_exact=True)
    p.results["changes"] = p.changes[~p.changes["customer"].isin(gone)]
    assert not set(gone) & set(p.panel["customer"])  # replaced changes: built again


@pytest.mark.parametrize("as_of", [None, "2024-06-15"])
def test_segments_a_quarter_ago_as_a_full_summary_then_scores_them(as_of):
    tx = make_transactions(600, seed=5, lines_per_order=2.5)
    refund = tx.drop_duplicates("order_id").iloc[::9]  # refunds after some boundary
    later = refund["timestamp"] + pd.Timedelta(days=30)
    tx = pd.concat([tx, refund.assign(amount=-refund["amount"], timestamp=later)])
    tx = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    cols = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    cols["order"] = "order_id"
    p = profile(tx, **cols, as_of=as_of, clv=False, rules=None, lifecycle=None)
    then = p.results["segment_then_as_of"]
    assert then == (p.as_of - pd.DateOffset(months=3)).normalize()
    with pytest.warns(UserWarning, match="have only returns"):
        earlier = segkit.summarize(tx, **cols, as_of=then.date().isoformat())
    expected = p.models["rfm"].transform(earlier)["segment"].rename("segment_then")
    pd.testing.assert_series_equal(p.results["segment_then"], expected, check_exact=True)
