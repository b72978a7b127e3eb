"""write_crm(recommendations=k): each customer's top items in one CRM cell."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.affinity import CoPurchaseRecommender
from segkit.errors import ParameterError
from segkit.io import write_crm


@pytest.fixture(scope="module")
def rec() -> CoPurchaseRecommender:
    lines = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3, 3, 4],
            "order_id": [1, 1, 2, 2, 3, 3, 4],
            "product": ["tent", "stove", "tent", "stove", "tent", "mat", "tent"],
        }
    )
    return CoPurchaseRecommender(min_support=1).fit(
        lines, customer="customer_id", order="order_id", item="product"
    )


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"segment": ["loyal", "new", "lost"]}, index=pd.Index([4, 3, 99], name="customer_id")
    )


def test_top_k_items_in_one_cell(rec, table, tmp_path):
    out = write_crm(
        table, tmp_path / "crm.csv", columns=["segment"], recommendations=2, recommender=rec
    )
    # Customer 4 (tent): mat and stove tie at lift 1, by name; customer 3 has
    # tent and mat: stove, then nothing left; 99 is unknown: the most popular
    # (tent by 4 customers, stove by 2, mat by 1).
    assert out["Recommended"].tolist() == ["mat,stove", "stove", "tent,stove"]
    written = pd.read_csv(tmp_path / "crm.csv")
    assert written["Recommended"].tolist() == ["mat,stove", "stove", "tent,stove"]


def test_a_recommendation_frame_is_used_as_given(rec, table):
    recs = rec.recommend([4], k=1)
    out = write_crm(table, columns=[], recommendations=recs, recommendation_name="Next")
    assert out["Next"].tolist() == ["mat", "", ""]


def test_recommendations_need_a_recommender(table):
    with pytest.raises(ParameterError, match=r"recommendations=3 needs a fitted recommender"):
        write_crm(table, columns=[], recommendations=3)


def test_separator_in_an_item(rec, table):
    recs = rec.recommend([4], k=1).assign(product="a,b")
    with pytest.raises(ParameterError, match="recommended item 'a,b' contains the separator"):
        write_crm(table, columns=[], recommendations=recs)
