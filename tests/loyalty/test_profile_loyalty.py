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


def _history() -> pd.DataFrame:
    """Hand-worked tier history (monthly reviews, as_of 15 March 2024).

    * 1: 400 + 700 in Jan-Feb 2023: gold from 1 March 2023; the January purchase
      leaves the 365-day window, so silver at the 1 Feb 2024 review and member
      at the 1 March 2024 review: one downgrade in the last whole period.
    * 2: 200 in June 2023 (member), 900 on 10 Feb 2024: 1,100 in 365 days, gold at
      1 March 2024: one upgrade in the last whole period.
    * 3: 100 in Dec 2023, 300 on 10 March 2024: silver at as_of, after the last
      review (an unfinished period, not counted).
    """
    rows = [
        (1, "2023-01-10", 400.0),
        (1, "2023-02-10", 700.0),
        (1, "2024-03-01", 10.0),
        (2, "2023-06-01", 200.0),
        (2, "2024-02-10", 900.0),
        (3, "2023-12-05", 100.0),
        (3, "2024-03-10", 300.0),
    ]
    out = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    return out.assign(timestamp=pd.to_datetime(out["timestamp"]))


GOLD = TierProgram(
    [Tier("member"), Tier("silver", "revenue_365d >= 300"), Tier("gold", "revenue_365d >= 1000")]
)


def test_moves_last_period_are_those_of_the_last_whole_review_period() -> None:
    from segkit.report._loyalty import last_review_moves

    panel = GOLD.replay(_history(), **COLUMNS, end=pd.Timestamp("2024-03-15"))
    moved = panel.loc[panel["upgrade"] | panel["downgrade"], ["customer", "period"]]
    assert sorted(map(tuple, moved.astype(str).to_numpy().tolist()))[-3:] == [
        ("1", "2024-03-01"),
        ("2", "2024-03-01"),
        ("3", "2024-03-15"),
    ]
    start, end, up, down = last_review_moves(panel, "monthly")
    assert (start, end) == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01"))
    assert (up, down) == (1, 1)
    # quarterly reviews (1 Jan, 1 Apr, ...): as_of is before 1 April, so the last
    # whole review period is the last quarter of 2023
    assert last_review_moves(panel, "quarterly")[:2] == (
        pd.Timestamp("2023-10-01"),
        pd.Timestamp("2024-01-01"),
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        pytest.param(
            "en",
            "From 1 February 2024 to 1 March 2024 (the last whole review period): "
            "upgrades <b>1</b>, downgrades <b>1</b>",
            id="en",
        ),
        pytest.param(
            "zh",
            "2024年2月1日至2024年3月1日（最近一个完整的评级周期）：升级 <b>1</b>，降级 <b>1</b>",
            id="zh",
        ),
    ],
)
def test_report_tells_the_moves_of_the_last_whole_review_period(lang, said) -> None:
    result = segkit.profile(
        _history(),
        **COLUMNS,
        as_of="2024-03-15",
        loyalty=GOLD,
        clv=False,
        rules=None,
        lifecycle=None,
        progress=False,
    )
    section = result.report(lang=lang).split("<section id='loyalty'>")[1].split("</section>")[0]
    assert f"<p>{said}</p>" in section


@pytest.mark.parametrize("review", ["monthly", "anniversary"])
def test_the_tier_history_equals_the_programme_replayed_on_the_frame(tx, review) -> None:
    program = TierProgram(
        [Tier("member"), Tier("silver", "revenue_365d >= 100"), Tier("gold", "orders_90d >= 3")],
        review=review,
    )
    columns = {**COLUMNS, "order": "order_id"}
    result = segkit.profile(tx, **columns, loyalty=program, clv=False, rules=None, lifecycle=None)
    panel = program.replay(tx, **columns, end=result.as_of, signup=None)
    pd.testing.assert_frame_equal(result.results["tiers"], panel, check_exact=True)
    flows = segkit.lifecycle.flows(panel)
    pd.testing.assert_frame_equal(result.results["tier_flows"].counts, flows.counts)
