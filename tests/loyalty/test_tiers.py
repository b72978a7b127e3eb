"""TierProgram: hand-worked tier histories, reviews, protection, errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from segkit.errors import ParameterError
from segkit.lifecycle import flows
from segkit.loyalty import Tier, TierProgram
from segkit.tagging import UnknownColumnError

COLUMNS = {"customer": "id", "timestamp": "ts", "amount": "amount"}
TIERS = [
    Tier("member"),
    Tier("silver", "revenue_365d >= 300"),
    Tier("gold", "revenue_365d >= 1000"),
]


def tx(*rows: tuple[object, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "ts": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


def history(panel: pd.DataFrame, customer: object = 1) -> dict[str, str]:
    mine = panel[panel["customer"] == customer]
    return dict(
        zip(mine["period"].dt.strftime("%Y-%m-%d"), mine["state"].astype(str), strict=True)
    )


# One big spender: gold in March 2023, then nothing for a year.
BIG = tx((1, "2023-01-10", 400.0), (1, "2023-02-10", 700.0), (1, "2024-05-20", 5.0))


def test_monthly_reviews_drop_one_level_at_a_time() -> None:
    panel = TierProgram(TIERS).replay(BIG, **COLUMNS)
    got = history(panel)
    assert got["2023-02-01"] == "silver"  # 400 in 365 days
    assert got["2023-03-01"] == "gold"  # 1,100
    assert got["2024-01-01"] == "gold"
    # Feb 2024: only 700 left in the window -> silver; Mar 2024: 0 -> member
    assert got["2024-02-01"] == "silver"
    assert got["2024-03-01"] == "member"
    assert got["2024-05-20"] == "member"  # the last point: the latest transaction
    changed = panel[panel["changed"]]
    assert changed["upgrade"].tolist() == [False, True, False, False]
    assert changed["downgrade"].tolist() == [False, False, True, True]


def test_without_protection_the_tier_follows_the_rules() -> None:
    data = tx((1, "2023-01-10", 1100.0), (1, "2024-05-20", 5.0))
    protected = history(TierProgram(TIERS).replay(data, **COLUMNS))
    free = history(TierProgram(TIERS, protection=False).replay(data, **COLUMNS))
    # the purchase leaves the window between Jan and Feb 2024
    assert protected["2024-02-01"] == "silver"
    assert protected["2024-03-01"] == "member"
    assert free["2024-02-01"] == "member"


def test_quarterly_reviews_keep_the_tier_until_the_quarter() -> None:
    panel = TierProgram(TIERS, review="quarterly").replay(BIG, **COLUMNS)
    got = history(panel)
    assert got["2024-01-01"] == "gold"  # still 1,100 at the January review
    assert got["2024-02-01"] == "gold"  # fell below, kept until the next review
    assert got["2024-03-01"] == "gold"
    assert got["2024-04-01"] == "silver"  # April review: one level down
    assert got["2024-05-20"] == "silver"


def test_anniversary_reviews_per_customer() -> None:
    # customer 1 joined 2023-01-10 (review at the first point on or after Jan 10, 2024:
    # Feb 1); customer 2 joined 2023-03-15 (review Apr 1, 2024)
    data = tx(
        (1, "2023-01-10", 1100.0),
        (2, "2023-03-15", 1100.0),
        (1, "2024-06-20", 1.0),
    )
    panel = TierProgram(TIERS, review="anniversary").replay(data, **COLUMNS)
    one, two = history(panel, 1), history(panel, 2)
    assert one["2024-01-01"] == "gold"
    assert one["2024-02-01"] == "silver"  # anniversary review
    assert one["2024-03-01"] == "silver"  # no review until Jan 2025
    assert two["2024-03-01"] == "gold"
    assert two["2024-04-01"] == "silver"
    assert two["2024-06-20"] == "silver"


def test_upgrades_at_reviews_only() -> None:
    data = tx((1, "2023-02-10", 1100.0), (1, "2023-05-20", 1.0))
    got = history(TierProgram(TIERS, review="quarterly", upgrade="review").replay(data, **COLUMNS))
    assert got["2023-03-01"] == "member"
    assert got["2023-04-01"] == "gold"  # straight to the highest tier at the review


def test_customer_columns_in_rules() -> None:
    program = TierProgram(
        [Tier("member"), Tier("staff", "employee == true")], schema={"employee": "bool"}
    )
    data = tx((1, "2024-01-10", 10.0), (2, "2024-01-10", 10.0))
    customers = pd.DataFrame({"employee": [True, False]}, index=pd.Index([1, 2], name="id"))
    panel = program.replay(data, **COLUMNS, customers=customers, signup=None)
    assert panel.groupby("customer")["state"].last().astype(str).to_dict() == {
        1: "staff",
        2: "member",
    }


def test_flows_give_tier_counts_and_time_in_tier() -> None:
    panel = TierProgram(TIERS).replay(BIG, **COLUMNS)
    result = flows(panel)
    assert result.counts.loc["2023-06-01"].to_dict() == {"member": 0, "silver": 0, "gold": 1}
    assert result.time_in_state.loc["gold", "spells"] == 1
    assert result.time_in_state.loc["gold", "median_days"] == 337.0  # Mar 1 2023 .. Feb 1 2024


def test_round_trip_and_equality() -> None:
    program = TierProgram(TIERS, review="anniversary", protection=False)
    assert TierProgram.from_dict(program.to_dict()) == program
    import yaml

    assert TierProgram.from_yaml(yaml.safe_dump(program.to_dict())) == program


@pytest.mark.parametrize(
    ("tiers", "kwargs", "message"),
    [
        pytest.param(
            [
                Tier("member"),
                Tier("silver", "revenue_365d >= 1000"),
                Tier("gold", "revenue_365d >= 500"),
            ],
            {},
            "TierProgram.tiers[2] ('gold') qualifies at revenue_365d >= 500, below tiers[1] "
            "('silver') at 1000: the tiers are out of order; list them from the lowest to the "
            "highest",
            id="out-of-order",
        ),
        pytest.param(
            [Tier("gold", "revenue_365d >= 1000"), Tier("member")],
            {},
            "TierProgram.tiers[0] ('gold') is the base tier and has no rule; list the tiers from "
            "the lowest (no rule) to the highest",
            id="base-with-rule",
        ),
        pytest.param(
            [Tier("member"), Tier("silver")],
            {},
            "TierProgram.tiers[1] ('silver') needs a rule (when=); only the first, lowest tier "
            "has none — list the tiers from the lowest to the highest",
            id="missing-rule",
        ),
        pytest.param(
            [Tier("member")],
            {},
            "TierProgram.tiers needs at least two tiers; got 1",
            id="one-tier",
        ),
        pytest.param(
            TIERS,
            {"review": "yearly"},
            "the 'review' parameter of TierProgram must be one of 'monthly', 'quarterly', "
            "'anniversary'; got 'yearly'",
            id="review",
        ),
        pytest.param(
            TIERS,
            {"protection": "yes"},
            "the 'protection' parameter of TierProgram must be a bool; got 'yes'",
            id="protection",
        ),
        pytest.param(
            TIERS,
            {"schema": {"tier_level": "number"}},
            "TierProgram.schema column 'tier_level' is computed by the replay; leave it out",
            id="reserved",
        ),
        pytest.param(
            TIERS,
            {"schema": None},
            "TierProgram.schema must be a mapping of column name to type; got None",
            id="schema-none",
        ),
    ],
)
def test_bad_definitions(tiers, kwargs, message) -> None:
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        TierProgram(tiers, **kwargs)


def test_a_rule_naming_an_unknown_column() -> None:
    with pytest.raises(UnknownColumnError) as info:
        TierProgram([Tier("member"), Tier("vip", "revenu_365d >= 10")])
    first = str(info.value).splitlines()[0]
    assert first.startswith("TierProgram.tiers[1].when ('vip'): unknown column 'revenu_365d'")


# The case where the benchmark's pandas reference disagreed with the replay on 0.1% of
# customers: its last point, ``end`` given as a date that is also a month start. The
# month starts before it are instants (midnight); ``end`` itself is a date, which by
# the time policy is that whole day, with a window of the 365 calendar days ending it.
END_DAY = tx(
    (1, "2024-12-01 13:05", 60.0),  # the morning of end - 365 days: out of the last window
    (1, "2025-06-01 10:00", 250.0),
    (2, "2025-06-01 10:00", 250.0),
    (2, "2025-12-01 10:07", 60.0),  # later on the day of end: counts at the last point
)


@pytest.mark.parametrize(
    ("customer", "at_midnight", "at_end"),
    [
        pytest.param(1, "silver", "member", id="window-start"),
        pytest.param(2, "member", "silver", id="same-day"),
    ],
)
def test_a_date_end_is_the_whole_day(customer: int, at_midnight: str, at_end: str) -> None:
    program = TierProgram(TIERS, protection=False)
    panel = program.replay(END_DAY, **COLUMNS, start="2025-11-01", end="2025-12-01")
    got = history(panel, customer)
    assert list(got) == ["2025-11-01", "2025-12-01"]
    assert got["2025-12-01"] == at_end
    instant = program.replay(END_DAY, **COLUMNS, start="2025-11-01", end="2025-12-01 00:00:00")
    assert history(instant, customer)["2025-12-01"] == at_midnight


def test_replay_takes_the_keywords_of_lifecycle_replay() -> None:
    got = TierProgram(TIERS).replay(BIG, **COLUMNS, output="changes", end="2024-06-30")
    assert got["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-02-01",
        "2023-03-01",
        "2024-02-01",
        "2024-03-01",
    ]
    assert got["from"].tolist()[1:] == ["silver", "gold", "silver"]
    assert pd.isna(got["from"].iloc[0])  # entered
    assert got["to"].astype(str).tolist() == ["silver", "gold", "silver", "member"]
    assert got["upgrade"].tolist() == [False, True, False, False]
    assert got["downgrade"].tolist() == [False, False, True, True]


def test_replay_sets_its_own_columns_at() -> None:
    with pytest.raises(ParameterError) as info:
        TierProgram(TIERS).replay(BIG, **COLUMNS, columns_at={"x": lambda *a: 0})
    assert str(info.value) == (
        "TierProgram.replay sets columns_at itself (review_due, tier_level); "
        "replay the lifecycle (program.lifecycle.replay) for other columns"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda: Tier(" gold"),
            "the 'name' parameter of Tier must be a non-empty str without edge spaces; "
            "got ' gold'",
            id="name-spaces",
        ),
        pytest.param(
            lambda: Tier("gold", ""),
            "the 'when' parameter of Tier must be rule text or None (the base tier); got ''",
            id="empty-rule",
        ),
    ],
)
def test_bad_tiers(make, message) -> None:
    with pytest.raises(ParameterError) as info:
        make()
    assert str(info.value) == message
