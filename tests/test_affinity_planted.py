"""Planted preferences and complementary pairs: the generator plants, affinity recovers them."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.affinity import CoPurchaseRecommender, category_affinity, recommendation_report
from segkit.datasets import make_transactions
from segkit.errors import ParameterError

CUT = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return make_transactions(3000, seed=11, products=120, complements=0.5)


@pytest.fixture(scope="module")
def split(lines):
    buys = lines[lines["quantity"] > 0]
    return buys[buys["timestamp"] <= CUT], buys[buys["timestamp"] > CUT]


@pytest.fixture(scope="module")
def rec(split) -> CoPurchaseRecommender:
    train, _ = split
    return CoPurchaseRecommender(min_support=3).fit(
        train, customer="customer_id", order="order_id", item="product_id"
    )


def test_generator_plants_symmetric_pairs_in_the_same_order(lines):
    partner = lines.attrs["planted"]["complement"]
    assert (partner.reindex(partner.to_numpy()).to_numpy() == partner.index.to_numpy()).all()
    buys = lines[lines["quantity"] > 0]
    baskets = buys.groupby("order_id")["product_id"].apply(set)
    # Orders holding product 1 that also hold its partner: about half, by the rate.
    with_one = baskets[baskets.map(lambda b: 1 in b)]
    together = with_one.map(lambda b: int(partner.loc[1]) in b).mean()
    assert 0.3 < together < 0.8


def test_without_complements_the_lines_are_unchanged():
    plain = make_transactions(200, seed=3, products=30)
    same = make_transactions(200, seed=3, products=30, complements=0.0)
    assert plain.equals(same)
    assert "planted" not in same.attrs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"complements": 0.2}, "complements need products="),
        ({"products": 10, "complements": 1.0}, r"complements must be in \[0, 1\); got 1.0"),
    ],
    ids=["no-products", "rate-one"],
)
def test_bad_complements(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        make_transactions(50, seed=1, **kwargs)


def test_recommender_recovers_the_pairs(rec, lines):
    partner = lines.attrs["planted"]["complement"]
    rules = rec.association_rules()
    best = (
        rules.sort_values(["antecedent", "score", "consequent"], ascending=[True, False, True])
        .groupby("antecedent")
        .head(1)
        .set_index("antecedent")["consequent"]
    )
    support = pd.Series(rec.item_support_, index=rec.items_)
    common = best.index[support.reindex(best.index) >= 20]
    assert len(common) >= 100
    assert (best[common] == partner.reindex(common)).mean() >= 0.95
    assert rec.similar_items(1, k=1)["product_id"].tolist() == [partner.loc[1]]


def test_recommender_beats_popularity_on_the_holdout(rec, split):
    _, holdout = split
    report = recommendation_report(rec, holdout, k=5)
    m = report.metrics
    assert report.customers > 500
    for metric in ("precision_at_k", "recall_at_k", "hit_rate"):
        assert m.loc[metric, "model"] > 1.5 * m.loc[metric, "popularity"], metric


def test_category_affinity_recovers_favourites(split, lines):
    train, _ = split
    truth = lines.attrs["planted"]["favourite_category"]
    aff = category_affinity(
        train,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        order="order_id",
        as_of=CUT,
    )
    counts = train.groupby("customer_id").size()
    regular = counts.index[counts >= 5]
    found = aff.loc[regular, "favourite_category"].astype(str)
    # 60% of a customer's lines are from the favourite, the rest spread over 8.
    assert (found == truth.reindex(regular).astype(str)).mean() > 0.75
