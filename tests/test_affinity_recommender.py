"""CoPurchaseRecommender: hand-worked supports, confidences and lifts; ties; row order."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from segkit.affinity import CoPurchaseRecommender
from segkit.affinity._topk import top_k
from segkit.errors import NotFittedError, ParameterError, SchemaError, SegkitError

# The five market baskets of Tan, Steinbach & Kumar, *Introduction to Data
# Mining* (2006), Table 6.1. Items per basket: bread 4, milk 4, diapers 4,
# beer 3, cola 2, eggs 1.
BASKETS = [
    ["bread", "milk"],
    ["bread", "diapers", "beer", "eggs"],
    ["milk", "diapers", "beer", "cola"],
    ["bread", "milk", "diapers", "beer"],
    ["bread", "milk", "diapers", "cola"],
]


def basket_lines(baskets=BASKETS, customers=None) -> pd.DataFrame:
    rows = []
    for b, items in enumerate(baskets, 1):
        owner = b if customers is None else customers[b - 1]
        rows += [{"customer_id": owner, "order_id": b, "product": item} for item in items]
    return pd.DataFrame(rows)


def fitted(lines=None, **params) -> CoPurchaseRecommender:
    params.setdefault("min_support", 1)
    return CoPurchaseRecommender(**params).fit(
        basket_lines() if lines is None else lines,
        customer="customer_id",
        order="order_id",
        item="product",
    )


# -- supports, confidences, lifts ------------------------------------------ #
@pytest.mark.parametrize(
    ("antecedent", "consequent", "baskets", "support", "confidence", "lift"),
    [
        # {diapers} -> {beer}: 3 of 5 baskets; 3 of the 4 with diapers.
        ("diapers", "beer", 3, 0.6, 0.75, 0.6 / (0.8 * 0.6)),
        ("beer", "diapers", 3, 0.6, 1.0, 1.25),
        ("bread", "milk", 3, 0.6, 0.75, 0.6 / (0.8 * 0.8)),
        ("milk", "cola", 2, 0.4, 0.5, 0.4 / (0.8 * 0.4)),
        ("eggs", "beer", 1, 0.2, 1.0, 0.2 / (0.2 * 0.6)),
    ],
    ids=["diapers-beer", "beer-diapers", "bread-milk", "milk-cola", "eggs-beer"],
)
def test_rules_match_hand_counts(antecedent, consequent, baskets, support, confidence, lift):
    rules = fitted().association_rules()
    row = rules[(rules["antecedent"] == antecedent) & (rules["consequent"] == consequent)]
    assert len(row) == 1
    got = row.iloc[0]
    assert got["baskets"] == baskets
    assert got["support"] == pytest.approx(support)
    assert got["confidence"] == pytest.approx(confidence)
    assert got["lift"] == pytest.approx(lift)


def test_rules_table_is_complete_and_ordered():
    rules = fitted().association_rules()
    # 13 distinct unordered pairs appear in some basket; each gives two rules.
    assert len(rules) == 26
    assert list(rules.columns) == [
        "antecedent",
        "consequent",
        "baskets",
        "support",
        "confidence",
        "lift",
        "score",
    ]
    keys = list(zip(rules["antecedent"], rules["consequent"], strict=True))
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("similarity", "expected"),
    [
        ("lift", 1.25),
        ("cosine", 3 / np.sqrt(4 * 3)),
        ("jaccard", 3 / (4 + 3 - 3)),
    ],
    ids=["lift", "cosine", "jaccard"],
)
def test_similarity_measures(similarity, expected):
    rec = fitted(similarity=similarity)
    assert rec.association_rules(["diapers"]).set_index("consequent").loc["beer", "score"] == (
        pytest.approx(expected)
    )
    i, j = rec.items_.get_loc("diapers"), rec.items_.get_loc("beer")
    assert rec.similarity_[i, j] == pytest.approx(expected)


def test_min_support_drops_rare_pairs():
    rec = fitted(min_support=3)
    pairs = set(
        zip(*[rec.association_rules()[c] for c in ("antecedent", "consequent")], strict=True)
    )
    assert pairs == {
        ("bread", "milk"),
        ("milk", "bread"),
        ("bread", "diapers"),
        ("diapers", "bread"),
        ("milk", "diapers"),
        ("diapers", "milk"),
        ("diapers", "beer"),
        ("beer", "diapers"),
    }
    # A share of baskets: 0.5 of 5 baskets is 2.5, so pairs need 3 baskets too.
    assert fitted(min_support=0.5).cooccurrence_.nnz == rec.cooccurrence_.nnz == 8


def test_customer_baskets_join_a_customers_orders():
    # Baskets 1 and 3 belong to one customer: milk, bread, diapers, beer, cola together.
    lines = basket_lines(customers=[1, 2, 1, 4, 5])
    rec = CoPurchaseRecommender(basket="customer", min_support=1).fit(
        lines, customer="customer_id", item="product"
    )
    assert rec.n_baskets_ == 4
    rules = rec.association_rules(["bread"]).set_index("consequent")
    assert rules.loc["cola", "baskets"] == 2  # customers 1 and 5
    assert rules.loc["cola", "confidence"] == pytest.approx(2 / 4)


def test_similar_items_rank_with_ties_by_name():
    sim = fitted().similar_items("beer", k=4)
    # lift(beer -> diapers) = 1.25; eggs 5/3; bread, cola and milk tie at 5/6.
    assert sim["product"].tolist() == ["eggs", "diapers", "bread", "cola"]
    assert sim["rank"].tolist() == [1, 2, 3, 4]
    assert sim["score"].tolist() == pytest.approx([5 / 3, 1.25, 5 / 6, 5 / 6])


def test_similar_items_unknown_item_suggests():
    with pytest.raises(
        SchemaError, match=r"item 'beers' was not seen in fit \(did you mean 'beer'\?\)"
    ):
        fitted().similar_items("beers")


# -- recommend -------------------------------------------------------------- #
def test_recommend_hand_worked():
    # Customer 1 bought bread and milk (basket 1). Lifts to the others:
    # from bread: diapers 15/16, beer 5/6, cola 5/8, eggs 5/4;
    # from milk: diapers 15/16, beer 5/6, cola 5/4. Cola and diapers tie at
    # 15/8 (exact in binary): the first name wins.
    out = fitted().recommend([1], k=3)
    assert out["product"].tolist() == ["cola", "diapers", "beer"]
    assert out["score"].tolist() == [15 / 8, 15 / 8, 5 / 3]
    # diapers and beer: bread and milk tie, the first name wins.
    assert out["because"].tolist() == ["milk", "bread", "bread"]
    assert out["rank"].tolist() == [1, 2, 3]
    assert out["source"].astype(str).tolist() == ["co-purchase"] * 3


def test_recommend_excludes_what_was_bought_unless_asked():
    rec = fitted()
    out = rec.recommend([1], k=10)
    assert not set(out["product"]) & {"bread", "milk"}
    kept = rec.recommend([1], k=10, exclude_purchased=False)
    assert {"bread", "milk"} <= set(kept["product"])


def test_fallback_for_unknown_customers_and_short_lists():
    rec = fitted()
    out = rec.recommend([99, 1], k=5)
    assert out["customer_id"].tolist() == [99] * 5 + [1] * 4
    unknown = out[out["customer_id"] == 99]
    # Popularity: bread, diapers and milk are bought by 4 customers, beer by 3.
    assert unknown["product"].tolist() == ["bread", "diapers", "milk", "beer", "cola"]
    assert unknown["source"].astype(str).unique().tolist() == ["popular"]
    assert unknown["because"].isna().all()
    assert unknown["score"].tolist() == pytest.approx([0.8, 0.8, 0.8, 0.6, 0.4])


def test_co_purchase_list_is_topped_up_with_popular_items():
    lines = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 3, 4],
            "order_id": [1, 1, 2, 3, 3, 4],
            "product": ["a", "b", "c", "c", "d", "e"],
        }
    )
    out = fitted(lines).recommend([1], k=3)
    # a and b have no neighbours but each other (both bought): only popular items.
    assert out["product"].tolist() == ["c", "d", "e"]
    out = fitted(lines).recommend([2], k=3)
    assert out["product"].tolist() == ["d", "a", "b"]
    assert out["source"].astype(str).tolist() == ["co-purchase", "popular", "popular"]


def test_fallback_by_segment():
    lines = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "order_id": [1, 2, 3, 4, 5],
            "product": ["x", "x", "y", "y", "y"],
        }
    )
    segments = pd.Series({1: "north", 2: "north", 3: "south", 4: "south", 5: "north"})
    rec = fitted(lines).fit(
        lines, customer="customer_id", order="order_id", item="product", segments=segments
    )
    new = rec.recommend([10, 11, 12], k=1, segments=pd.Series({10: "north", 11: "south"}))
    assert new["product"].tolist() == ["x", "y", "y"]
    # North: x by 2 of 3; south: y by 2 of 2; overall (customer 12): y by 3 of 5.
    assert new["score"].tolist() == pytest.approx([2 / 3, 1.0, 3 / 5])
    table = rec.popularity_
    assert table[table["segment"] == "north"]["item"].tolist() == ["x", "y"]


def test_recommend_popular_is_the_baseline():
    rec = fitted()
    base = rec.recommend_popular([1, 2], k=2)
    # Customer 2 bought bread, diapers, beer and eggs: milk (4) and cola (2) are left.
    assert base["product"].tolist() == ["diapers", "beer", "milk", "cola"]


def test_every_customer_by_default_in_sorted_order():
    out = fitted().recommend(k=1)
    assert out["customer_id"].tolist() == [1, 2, 3, 4, 5]


# -- determinism -------------------------------------------------------------- #
def random_lines(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    order = rng.integers(0, 60, n)
    return pd.DataFrame(
        {
            "customer_id": order % 25,
            "order_id": order,
            "product": np.array([f"p{i:02d}" for i in range(30)])[rng.integers(0, 30, n) // 3 * 3],
        }
    )


@pytest.mark.parametrize("similarity", ["lift", "cosine", "jaccard"])
@pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])
def test_results_independent_of_row_order(seed, similarity):
    lines = random_lines(seed)
    shuffled = lines.sample(frac=1.0, random_state=seed + 7).reset_index(drop=True)
    a = fitted(lines, similarity=similarity, neighbours=4)
    b = fitted(shuffled, similarity=similarity, neighbours=4)
    pd.testing.assert_frame_equal(a.recommend(k=5), b.recommend(k=5))
    pd.testing.assert_frame_equal(a.association_rules(), b.association_rules())
    pd.testing.assert_frame_equal(a.similar_items("p03", 5), b.similar_items("p03", 5))


def test_ties_are_broken_by_item_then_stable_across_labels():
    # Every pair bought together once: all lifts tie, the smaller item wins.
    lines = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2],
            "order_id": [1, 1, 1, 1, 2],
            "product": ["d", "c", "b", "a", "a"],
        }
    )
    out = fitted(lines).recommend([2], k=2)
    assert out["product"].tolist() == ["b", "c"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=0, max_size=7), min_size=1, max_size=8),
    st.integers(1, 4),
)
def test_top_k_matches_a_plain_sort(rows, k):
    # Small integer values make ties common.
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])]
    values = np.asarray([v for r in rows for v in r], dtype=float) + 1.0
    cols = np.concatenate(
        [np.random.default_rng(len(r)).permutation(len(r)) for r in rows] or [[]]
    )
    r, c, v = top_k(indptr, cols.astype(np.int64), values, k)
    expected = []
    for i, row in enumerate(rows):
        start = indptr[i]
        entries = sorted((-values[start + j], int(cols[start + j])) for j in range(len(row)))[:k]
        expected += [(i, col, -neg) for neg, col in entries]
    assert list(zip(r.tolist(), c.tolist(), v.tolist(), strict=True)) == expected


# -- bad input ------------------------------------------------------------------ #
def test_item_with_nulls_names_the_rows():
    lines = basket_lines()
    lines.loc[[2, 5], "product"] = None
    with pytest.raises(
        SchemaError,
        match=r"column 'product' of the lines has 2 missing value\(s\) at index \[2, 5\]; "
        r"drop those rows",
    ):
        fitted(lines)


@pytest.mark.parametrize("k", [0, -1, 2.5, True], ids=["zero", "negative", "float", "bool"])
def test_k_below_one_is_an_error(k):
    with pytest.raises(
        ParameterError,
        match=r"the 'k' parameter of CoPurchaseRecommender.recommend must be an int in the "
        r"range \[1, inf\)",
    ):
        fitted().recommend(k=k)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"similarity": "pmi"}, "must be one of 'lift', 'cosine', 'jaccard'; got 'pmi'"),
        ({"basket": "day"}, "the 'basket' parameter of CoPurchaseRecommender must be one of"),
        (
            {"min_support": 0},
            "a whole number of baskets >= 1 or a share of baskets in (0, 1); got 0",
        ),
        ({"min_support": 2.5}, "a whole number of baskets >= 1 or a share of baskets in (0, 1)"),
        ({"neighbours": 0}, "'neighbours' parameter of CoPurchaseRecommender must be an int in"),
    ],
    ids=["similarity", "basket", "support-zero", "support-fraction", "neighbours"],
)
def test_bad_parameters(params, message):
    with pytest.raises(ParameterError) as info:
        fitted(**params)
    assert message in str(info.value)


def test_order_basket_needs_an_order_column():
    with pytest.raises(ParameterError, match="basket='order' needs the order id column"):
        CoPurchaseRecommender().fit(basket_lines(), customer="customer_id", item="product")


def test_missing_column_suggests():
    with pytest.raises(SegkitError, match=r"'products' \(did you mean 'product'\?\)"):
        CoPurchaseRecommender().fit(
            basket_lines(), customer="customer_id", order="order_id", item="products"
        )


def test_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        CoPurchaseRecommender().recommend()


def test_duplicated_customers_asked():
    with pytest.raises(SchemaError, match="customers has duplicated ids"):
        fitted().recommend([1, 1])


def test_returns_do_not_count_and_input_is_not_mutated():
    lines = basket_lines().assign(amount=10.0)
    lines.loc[0, "amount"] = -10.0  # bread returned from basket 1
    before = lines.copy()
    rec = CoPurchaseRecommender(min_support=1).fit(
        lines, customer="customer_id", order="order_id", item="product", amount="amount"
    )
    pd.testing.assert_frame_equal(lines, before)
    assert rec.item_support_[rec.items_.get_loc("bread")] == 3


def test_pickles_and_clones():
    from sklearn.base import clone

    rec = fitted(similarity="cosine", neighbours=3)
    again = pickle.loads(pickle.dumps(rec))
    pd.testing.assert_frame_equal(rec.recommend(k=3), again.recommend(k=3))
    assert clone(rec).get_params() == rec.get_params()
    assert isinstance(rec.similarity_, sparse.csr_matrix)


def test_importing_affinity_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, segkit.affinity, segkit.evaluate\n"
        "print(','.join(m for m in ('sklearn', 'scipy.sparse', 'scipy.stats') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
