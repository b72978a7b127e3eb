"""profile(loyalty=...): the ledger and tier columns equal the programmes' own results."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import segkit
from segkit.datasets import make_transactions
from segkit.errors import ParameterError
from segkit.loyalty import PointsProgram, Tier, TierProgram

COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
POINTS = PointsProgram(1.0, expiry_months=12)
TIERS = TierProgram([Tier("member"), Tier("gold", "revenue_365d >= 200")])


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return make_transactions(300, seed=4)


def test_profile_adds_points_and_tiers(tx) -> None:
    result = segkit.profile(
        tx, **COLUMNS, loyalty=[POINTS, TIERS], clv=False, rules=None, lifecycle=None
    )
    table = result.table
    as_of = tx["timestamp"].max()  # the profile's as_of: the latest row, as in summarize
    assert result.as_of == as_of
    book = POINTS.ledger(tx, **COLUMNS, as_of=as_of)
    pd.testing.assert_frame_equal(
        table.loc[book.index, list(book.columns)], book, check_names=False
    )
    panel = TIERS.replay(tx, **COLUMNS, end=as_of, signup=None)
    expected = TIERS.lifecycle.current(panel)["state"].astype(str)
    assert (table.loc[expected.index, "tier"].astype(str) == expected).all()
    assert result.results["points_liability"]["points_outstanding"] == book["points_balance"].sum()
    assert set(result.results) >= {"tiers", "tier_flows", "cohorts"}


def test_profile_refuses_other_programmes(tx) -> None:
    with pytest.raises(
        ParameterError,
        match=re.escape("loyalty must be a PointsProgram, a TierProgram or a list of them; got"),
    ):
        segkit.profile(tx, **COLUMNS, loyalty="gold", clv=False, rules=None, lifecycle=None)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_has_a_loyalty_section(tx, lang) -> None:
    result = segkit.profile(tx, **COLUMNS, loyalty=[POINTS, TIERS], clv=False, rules=None)
    html = result.report(lang=lang)
    assert "<section id='loyalty'>" in html
    heading = {"en": "Loyalty programme", "zh": "会员忠诚度计划"}[lang]
    assert f"<h2>{heading}</h2>" in html
    section = html.split("<section id='loyalty'>")[1].split("</section>")[0]
    assert section.count("<svg") == 2  # tiers over time and the cohort heat map
    owed = result.results["points_liability"]
    assert f"{int(owed['customers_with_points']):,}" in section
    # the tiers by their names in the report's language
    names = {"en": ["member (", "gold ("], "zh": ["普通会员 (", "金牌会员 ("]}[lang]
    for name in names:
        assert name in section


def test_report_without_loyalty_has_no_section(tx) -> None:
    result = segkit.profile(tx, **COLUMNS, clv=False, rules=None)
    assert "<section id='loyalty'>" not in result.report()
