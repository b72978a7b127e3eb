"""recommendation_report: hand-worked precision, recall, hit rate and coverage."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.affinity import CoPurchaseRecommender, recommendation_report
from segkit.errors import ColumnNotFoundError, NotFittedError, ParameterError, SchemaError
from segkit.evaluate import recommendation_report as from_evaluate

BASKETS = [
    ["bread", "milk"],
    ["bread", "diapers", "beer", "eggs"],
    ["milk", "diapers", "beer", "cola"],
    ["bread", "milk", "diapers", "beer"],
    ["bread", "milk", "diapers", "cola"],
]


@pytest.fixture(scope="module")
def rec() -> CoPurchaseRecommender:
    lines = pd.DataFrame(
        [
            {"customer_id": b, "order_id": b, "product": item}
            for b, items in enumerate(BASKETS, 1)
            for item in items
        ]
    )
    return CoPurchaseRecommender(min_support=1).fit(
        lines, customer="customer_id", order="order_id", item="product"
    )


@pytest.fixture
def holdout() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 7, 3],
            "product": ["cola", "eggs", "bread", "bread", "milk"],
        }
    )


def test_hand_worked_metrics(rec, holdout):
    report = recommendation_report(rec, holdout, k=2)
    # Customer 1 (had bread, milk): new items cola and eggs; the model's top 2
    # is cola, diapers (1 hit), popularity's diapers, beer (0 hits).
    # Customer 7 is unknown: both give bread, diapers (1 hit of 1).
    # Customer 3 bought only milk again: nothing new, not evaluated.
    assert report.customers == 2
    m = report.metrics
    assert m.loc["precision_at_k", "model"] == 0.5
    assert m.loc["recall_at_k", "model"] == 0.75
    assert m.loc["hit_rate", "model"] == 1.0
    assert m.loc["precision_at_k", "popularity"] == 0.25
    assert m.loc["recall_at_k", "popularity"] == 0.5
    assert m.loc["hit_rate", "popularity"] == 0.5
    # cola, diapers, bread of 6 items; diapers, beer, bread.
    assert m.loc["coverage", "model"] == 0.5
    assert m.loc["coverage", "popularity"] == 0.5
    assert m["ratio"].tolist() == [2.0, 1.5, 2.0, 1.0]
    assert report.per_customer.to_dict("index") == {
        1: {"relevant": 2, "hits": 1, "hits_popularity": 0},
        7: {"relevant": 1, "hits": 1, "hits_popularity": 1},
    }


def test_repurchases_count_when_asked(rec, holdout):
    report = recommendation_report(rec, holdout, k=2, exclude_purchased=False)
    assert report.customers == 3
    assert report.per_customer.loc[1, "relevant"] == 3


def test_reexported_from_evaluate():
    assert from_evaluate is recommendation_report


def test_bad_input(rec, holdout):
    with pytest.raises(ParameterError, match=r"the 'k' parameter of recommendation_report"):
        recommendation_report(rec, holdout, k=0)
    with pytest.raises(NotFittedError):
        recommendation_report(CoPurchaseRecommender(), holdout)
    with pytest.raises(ColumnNotFoundError, match="'product' not found in the holdout lines"):
        recommendation_report(rec, holdout.rename(columns={"product": "sku"}))
    with pytest.raises(SchemaError, match="no customer bought anything new"):
        recommendation_report(rec, holdout[holdout["customer_id"] == 3])
