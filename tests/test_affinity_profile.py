"""profile(): the category affinity and recommendation steps."""

from __future__ import annotations

import pandas as pd
import pytest

import segkit
from segkit.errors import ParameterError


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return segkit.datasets.make_transactions(300, seed=4)


def run(tx, **options):
    return segkit.profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        order="order_id",
        lifecycle=None,
        clv=False,
        rules=None,
        **options,
    )


def test_category_columns_and_segment_table(tx):
    p = run(tx)
    total = p.table.filter(like="share_").sum(axis=1).round(9)
    # Shares sum to one, or are missing for a customer whose returns cancel
    # every purchase; then there is no favourite either.
    assert total.isin([0.0, 1.0]).all()
    assert (p.table["favourite_category"].isna() == (total == 0)).all()
    assert p.table["category_count"].between(1, 8).all()
    by_segment = p.results["segment_affinity"]
    assert set(by_segment["segment"]) == set(p.table["segment"].dropna().astype(str))
    assert "recommendations" not in p.results


@pytest.mark.parametrize("late", [False, True], ids=["every-category", "one-after-as_of"])
def test_profile_affinity_equals_the_public_functions_to_the_bit(tx, late):
    """The profile's shares and segment table (which reads the customers' purchase marks)
    equal category_affinity and segment_affinity on the lines, exactly."""
    lines = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    lines.loc[lines.index[-40:], "amount"] *= -1  # returns at the end
    as_of = lines["timestamp"].iloc[-60]
    if late:  # a category whose only lines come after as_of
        lines["category"] = lines["category"].cat.add_categories(["zz-late"])
        lines.loc[lines.index[-3:], "category"] = "zz-late"
        lines.loc[lines.index[-3:], "timestamp"] = as_of + pd.Timedelta(days=2)
    p = run(lines, as_of=as_of)
    cols = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    shares = segkit.affinity.category_affinity(lines, **cols, as_of=as_of, order="order_id")
    got = p.table.filter(regex="^(share_|favourite_|category_count)")
    want = shares.loc[p.table.index, got.columns]
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_names=False)
    table = segkit.affinity.segment_affinity(p.table, lines, **cols, as_of=as_of)
    pd.testing.assert_frame_equal(p.results["segment_affinity"], table, check_exact=True)
    assert ("zz-late" in set(table["category"])) is False


def test_recommendations_on_request(tx):
    p = run(tx, recommendations=2, product="category")
    recs = p.results["recommendations"]
    assert recs.groupby("customer_id").size().max() == 2
    # Only customers who bought every one of the 8 categories get nothing new.
    missing = p.table.index.difference(pd.Index(recs["customer_id"].unique()))
    assert (
        p.models["recommender"]
        .history_[p.models["recommender"].customers_.get_indexer(missing)]
        .sum(axis=1)
        == 8
    ).all()
    assert p.models["recommender"].items_.size == 8


def test_without_a_category_column_nothing_is_added(tx):
    p = run(tx.drop(columns="category"), recommendations=2)
    assert "favourite_category" not in p.table
    assert "segment_affinity" not in p.results
    assert "recommendations" not in p.results


def test_a_bad_category_column_is_a_note(tx):
    bad = tx.assign(category=tx["category"].astype(object))
    bad.loc[bad.index[:2], "category"] = None
    p = run(bad)
    assert "favourite_category" not in p.table
    assert any(n.startswith("category affinity skipped: column 'category'") for n in p.notes)


@pytest.mark.parametrize("value", [0, 2.5, True], ids=["zero", "float", "bool"])
def test_recommendations_option_is_checked(tx, value):
    with pytest.raises(ParameterError, match="The 'recommendations' option of profile"):
        run(tx, recommendations=value)


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("en", "What each segment buys"), ("zh", "各分群买什么")],
    ids=["en", "zh"],
)
def test_report_shows_top_categories_per_segment(tx, lang, heading):
    p = run(tx)
    html = p.report(lang=lang)
    assert f"<h2>{heading}</h2>" in html
    section = html[html.index("<section id='categories'>") :]
    section = section[: section.index("</section>")]
    cells = p.results["segment_affinity"]
    top = cells.groupby("segment", sort=False).head(1)
    for category in top["category"]:
        assert f"<td>{category}</td>" in section
    # Three categories per segment at most.
    assert section.count("<tr>") - 1 <= 3 * cells["segment"].nunique()


def test_report_without_categories_has_no_section(tx):
    html = run(tx.drop(columns="category")).report()
    assert "<section id='categories'>" not in html
