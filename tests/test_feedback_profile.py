"""profile(feedback=..., complaints=...): the feedback columns, results and churn drivers."""

from __future__ import annotations

from html import escape as html_escape
from typing import Any

import pandas as pd
import pytest

import segkit
from segkit.datasets import make_complaints, make_feedback, make_transactions
from segkit.feedback import feedback_features, satisfaction_by


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx = make_transactions(600, seed=4, a=0.5, b=8)
    return tx, make_feedback(tx, seed=4), make_complaints(tx, seed=4)


@pytest.fixture(scope="module")
def profiled(data: Any) -> segkit.Profile:
    tx, fb, cp = data
    return segkit.profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        feedback=fb,
        complaints=cp,
        as_of="2025-06-30",
        holdout_days=365,
        lifecycle=None,
        clv=False,
        progress=False,
    )


def test_columns_are_feedback_features(data: Any, profiled: segkit.Profile) -> None:
    _, fb, cp = data
    expected = feedback_features(
        fb, cp, customer="customer_id", timestamp="timestamp", as_of="2025-06-30",
        customers=profiled.table,
    )  # fmt: skip
    pd.testing.assert_frame_equal(profiled.table[expected.columns], expected)


def test_satisfaction_by_segment(data: Any, profiled: segkit.Profile) -> None:
    _, fb, _ = data
    expected = satisfaction_by(
        fb, profiled.table, "segment", customer="customer_id", timestamp="timestamp",
        as_of="2025-06-30",
    )  # fmt: skip
    pd.testing.assert_frame_equal(profiled.results["satisfaction"], expected)
    themes = profiled.results["feedback_themes"]
    assert themes["texts"].iloc[0] > 0


def test_churn_drivers_from_the_holdout(profiled: segkit.Profile) -> None:
    drivers = profiled.results["churn_drivers"]
    assert 0 < drivers.attrs["churn_rate"] < 1
    assert drivers["lift"].iloc[0] > 1.2


def test_without_feedback_nothing_changes(data: Any) -> None:
    tx, _, _ = data
    p = segkit.profile(
        tx, customer="customer_id", timestamp="timestamp", amount="amount",
        as_of="2025-06-30", lifecycle=None, clv=False, progress=False,
    )  # fmt: skip
    assert "complaints_open" not in p.table.columns
    assert "satisfaction" not in p.results


def test_report_satisfaction_section(profiled: segkit.Profile) -> None:
    html = profiled.report()
    start = html.index("<section id='satisfaction'>")
    section = html[start : html.index("</section>", start)]
    assert "<h2>Satisfaction and complaints</h2>" in section
    sat = profiled.results["satisfaction"]
    champions = sat[(sat["group"] == "champions") & (sat["kind"] == "nps")].iloc[0]
    shown = f"{champions['score']:+.0f} <span class='muted'>({champions['low']:+.0f} … "
    assert shown in section  # NPS by segment with its interval
    assert "<h3>Complaint themes</h3>" in section  # categories of the complaints log
    t = profiled.table
    open_ = int((t["complaints_open"] > 0).sum())
    assert f"{open_:,} customers have an open complaint" in section
    assert "<h3>Why customers leave</h3>" in section
    top = profiled.results["churn_drivers"].iloc[0]
    assert f"<code>{html_escape(top['when'])}</code>" in section


def test_report_satisfaction_in_chinese_and_without_ids(profiled: segkit.Profile) -> None:
    zh = profiled.report(lang="zh", show_ids=False)
    assert "<h2>满意度与投诉</h2>" in zh
    assert "有未解决投诉的高价值客户" not in zh  # no customer ids in this report


def test_report_without_feedback_has_no_section(data: Any) -> None:
    tx, _, _ = data
    p = segkit.profile(
        tx, customer="customer_id", timestamp="timestamp", amount="amount",
        as_of="2025-06-30", lifecycle=None, clv=False, progress=False,
    )  # fmt: skip
    assert "id='satisfaction'" not in p.report()
