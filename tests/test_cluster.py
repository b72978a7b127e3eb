"""KMeansSegmenter: planted clusters, names, rules, CDNOW and degenerate input."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

import segkit
from segkit._rule_text import readable_number
from segkit.cluster import KMeansSegmenter
from segkit.cluster._naming import cluster_name, feature_word, unique_names
from segkit.errors import ColumnNotFoundError, NotFittedError, ParameterError, SchemaError
from segkit.tagging.engine import TagEngine

FEATURES = ["recency_days", "orders", "revenue"]


def planted(n_per_group: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three well separated groups of customers (log-normal around known centres)."""
    rng = np.random.default_rng(seed)
    centres = [  # recency_days, orders, revenue
        (10.0, 12.0, 1500.0),  # recent, frequent, high revenue
        (300.0, 1.0, 40.0),  # lapsed one-timers
        (60.0, 4.0, 250.0),  # in between
    ]
    parts, truth = [], []
    for g, (r, o, m) in enumerate(centres):
        parts.append(
            pd.DataFrame(
                {
                    "recency_days": r * np.exp(rng.normal(0, 0.25, n_per_group)),
                    "orders": np.maximum(
                        1, np.round(o * np.exp(rng.normal(0, 0.15, n_per_group)))
                    ),
                    "revenue": m * np.exp(rng.normal(0, 0.25, n_per_group)),
                }
            )
        )
        truth.append(np.full(n_per_group, g))
    table = pd.concat(parts, ignore_index=True)
    table.index = pd.Index([f"c{i}" for i in range(len(table))], name="customer_id")
    return table, np.concatenate(truth)


@pytest.fixture(scope="module")
def planted_fit() -> tuple[pd.DataFrame, np.ndarray, KMeansSegmenter]:
    table, truth = planted()
    return table, truth, KMeansSegmenter(random_state=0).fit(table)


@pytest.fixture(scope="module")
def cdnow_table() -> pd.DataFrame:
    return segkit.summarize(
        segkit.datasets.load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1998-06-30",
    )


# -- planted clusters ------------------------------------------------------ #
def test_auto_k_recovers_planted_groups(planted_fit):
    _table, truth, seg = planted_fit
    assert seg.n_clusters_ == 3
    assert adjusted_rand_score(truth, seg.labels_) > 0.9
    assert list(seg.silhouette_scores_.index) == list(range(2, 9))
    assert seg.silhouette_scores_.idxmax() == 3


def test_rules_reproduce_clusters_in_the_tag_engine(planted_fit):
    table, truth, seg = planted_fit
    rules = seg.to_rules()
    assert seg.fidelity_ > 0.9
    assert {r.group for r in rules} == {"cluster"}
    assert {r.tag for r in rules} <= set(seg.names_)
    wide = TagEngine(rules).apply(table, output="wide")
    assert (wide.sum(axis=1) <= 1).all()  # one exclusive group: at most one cluster tag each
    by_rules = wide.idxmax(axis=1).where(wide.any(axis=1))
    expected = pd.Series(np.asarray(seg.names_, dtype=object)[seg.labels_], index=table.index)
    assert (by_rules == expected).mean() == pytest.approx(seg.fidelity_)
    assert adjusted_rand_score(truth, by_rules.fillna("none")) > 0.9


def test_rule_table_counts_match_the_engine(planted_fit):
    table, _, seg = planted_fit
    rt = seg.rule_table_
    assert list(rt.columns) == ["cluster", "name", "when", "customers", "purity"]
    assert rt["customers"].sum() == len(table)  # leaves partition the customers
    assert rt["cluster"].is_monotonic_increasing
    from segkit.tagging import evaluate_rule as evaluate

    for row in rt.itertuples():
        mask = evaluate(row.when, table).to_numpy(dtype=bool, na_value=False)
        assert mask.sum() == row.customers
        assert np.mean(seg.labels_[mask] == row.cluster) == pytest.approx(row.purity)
    rules = seg.to_rules()
    assert [r.when for r in rules] == rt["when"].tolist()
    assert "this rule matched" in rules[0].description
    # weighted purity is the fidelity
    assert (rt["customers"] * rt["purity"]).sum() / len(table) == pytest.approx(seg.fidelity_)


def test_rule_group_can_be_renamed(planted_fit):
    _, _, seg = planted_fit
    assert {r.group for r in seg.to_rules(group="kmeans")} == {"kmeans"}


def words(name: str) -> set[str]:
    """The words of a cluster name without their strength ("very", "long")."""
    return {w.removeprefix("very ").removeprefix("long ") for w in name.split(" · ")}


def test_names_describe_differences_from_the_population(planted_fit):
    _table, truth, seg = planted_fit
    # the group of recent, frequent, high-revenue customers
    best = pd.Series(seg.labels_[truth == 0]).mode()[0]
    worst = pd.Series(seg.labels_[truth == 1]).mode()[0]
    assert words(seg.names_[best]) == {"high revenue", "recent", "frequent"}
    assert words(seg.names_[worst]) == {"low revenue", "lapsed", "infrequent"}
    assert len(set(seg.names_)) == seg.n_clusters_


def test_profiles_and_centres(planted_fit):
    table, _, seg = planted_fit
    p = seg.profiles_
    assert list(p.index) == [0, 1, 2]
    assert p["customers"].sum() == len(table)
    assert p["customers"].is_monotonic_decreasing  # labels numbered largest first
    assert p["share"].sum() == pytest.approx(1.0)
    assert p["revenue_share"].sum() == pytest.approx(1.0)
    assert list(p["name"]) == seg.names_
    members = table[seg.labels_ == 1]
    assert p.loc[1, "revenue_mean"] == pytest.approx(members["revenue"].mean())
    assert p.loc[1, "orders_median"] == pytest.approx(members["orders"].median())
    assert list(seg.cluster_centers_.columns) == FEATURES


@pytest.mark.parametrize("cluster", [0, 1, 2], ids=["cluster-0", "cluster-1", "cluster-2"])
def test_centres_lie_among_their_members(planted_fit, cluster):
    # centres in original units: inside the range of their members
    table, _, seg = planted_fit
    members = table.loc[seg.labels_ == cluster, FEATURES]
    centre = seg.cluster_centers_.loc[cluster]
    assert (members.min() * (1 - 1e-9) <= centre).all()
    assert (centre <= members.max() * (1 + 1e-9)).all()


def test_predict_agrees_with_labels(planted_fit):
    table, _, seg = planted_fit
    predicted = seg.predict(table)
    assert predicted.index.equals(table.index)
    assert predicted.name == "cluster"
    np.testing.assert_array_equal(predicted.to_numpy(), seg.labels_)


@pytest.mark.parametrize(
    "scaling",
    [
        pytest.param("log-standard", id="log-standard"),
        pytest.param("standard", id="standard"),
        pytest.param(None, id="none"),
    ],
)
def test_fixed_k_and_scalings(scaling):
    table, _ = planted(200)
    seg = KMeansSegmenter(n_clusters=3, scaling=scaling, random_state=1).fit(table)
    assert seg.n_clusters_ == 3
    assert list(seg.silhouette_scores_.index) == [3]
    assert np.bincount(seg.labels_).tolist() == sorted(np.bincount(seg.labels_), reverse=True)


def test_fixed_k_recovers_planted_groups():
    table, truth = planted(200)
    seg = KMeansSegmenter(n_clusters=3, scaling="log-standard", random_state=1).fit(table)
    assert adjusted_rand_score(truth, seg.labels_) > 0.9


def test_deterministic_for_a_seed():
    table, _ = planted(150, seed=3)
    a = KMeansSegmenter(random_state=7).fit(table)
    b = KMeansSegmenter(random_state=7).fit(table)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.names_ == b.names_
    assert a.to_rules() == b.to_rules()
    pd.testing.assert_frame_equal(a.profiles_, b.profiles_)


def test_input_not_mutated(planted_fit):
    table, _, _ = planted_fit
    before = table.copy(deep=True)
    seg = KMeansSegmenter(n_clusters=3, random_state=0).fit(table)
    seg.predict(table)
    pd.testing.assert_frame_equal(table, before)


def test_clone_get_params_pickle(planted_fit):
    _, _, seg = planted_fit
    params = seg.get_params()
    assert params["n_clusters"] == "auto"
    assert params["features"] == ("recency_days", "orders", "revenue")
    fresh = clone(seg)
    assert not hasattr(fresh, "labels_")
    assert fresh.get_params() == params
    restored = pickle.loads(pickle.dumps(seg))
    np.testing.assert_array_equal(restored.labels_, seg.labels_)
    assert restored.to_rules() == seg.to_rules()


@pytest.mark.parametrize(
    "check",
    [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
    ],
)
def test_sklearn_parameter_checks(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("KMeansSegmenter", KMeansSegmenter())


def test_in_a_pipeline(planted_fit):
    from sklearn.pipeline import make_pipeline

    table, truth, _ = planted_fit
    pipe = make_pipeline(KMeansSegmenter(n_clusters=3, random_state=0)).fit(table)
    assert adjusted_rand_score(truth, pipe.predict(table)) > 0.9


def test_other_column_names_and_quoting():
    table, _truth = planted(150)
    table = table.rename(columns={"revenue": "net revenue", "orders": "in"})
    seg = KMeansSegmenter(features=["in", "net revenue"], value="net revenue", random_state=0).fit(
        table
    )
    assert "net revenue_share" in seg.profiles_
    whens = " ".join(r.when for r in seg.to_rules())
    assert "`net revenue`" in whens or "`in`" in whens
    assert "revenue" not in whens.replace("`net revenue`", "")
    assert seg.fidelity_ > 0.9


def test_rules_with_negative_values_under_standard_scaling():
    rng = np.random.default_rng(5)
    table = pd.DataFrame(
        {"a": np.r_[rng.normal(-5, 0.5, 200), rng.normal(5, 0.5, 200)], "b": rng.normal(0, 1, 400)}
    )
    seg = KMeansSegmenter(features=["a", "b"], n_clusters=2, scaling="standard", random_state=0)
    seg.fit(table)
    assert seg.fidelity_ == 1.0
    assert {r.when.split(" ")[0] for r in seg.to_rules()} == {"a"}


def test_value_column_optional(planted_fit):
    table, _, _ = planted_fit
    seg = KMeansSegmenter(features=["recency_days", "orders"], value="margin", n_clusters=2)
    seg.fit(table.drop(columns="revenue"), None)
    assert not any(c.endswith("_share") and c != "share" for c in seg.profiles_)


def test_value_column_with_missing_values(planted_fit):
    table, _, _ = planted_fit
    table = table.assign(margin=np.where(np.arange(len(table)) % 2, np.nan, 1.0))
    seg = KMeansSegmenter(n_clusters=3, value="margin", random_state=0).fit(table)
    assert seg.profiles_["margin_share"].sum() == pytest.approx(1.0)


def test_rule_depth_none(planted_fit):
    table, _, _ = planted_fit
    seg = KMeansSegmenter(n_clusters=3, rule_depth=None, random_state=0).fit(table)
    assert np.isnan(seg.fidelity_)
    with pytest.raises(ParameterError, match="rule_depth=None"):
        seg.to_rules()


def test_fit_predict(planted_fit):
    table, _, _ = planted_fit
    seg = KMeansSegmenter(n_clusters=3, random_state=0)
    labels = seg.fit_predict(table)
    np.testing.assert_array_equal(labels, seg.labels_)


# -- CDNOW --------------------------------------------------------------- #
def test_cdnow(cdnow_table):
    seg = KMeansSegmenter(random_state=0).fit(cdnow_table)
    assert 2 <= seg.n_clusters_ <= 8
    assert seg.fidelity_ > 0.85
    p = seg.profiles_
    assert p["customers"].sum() == len(cdnow_table)
    assert p["revenue_share"].sum() == pytest.approx(1.0)
    wide = TagEngine(seg.to_rules()).apply(cdnow_table)
    assert (wide.sum(axis=1) <= 1).all()
    # the cluster holding the most revenue per customer is named for high revenue
    top = (p["revenue_share"] / p["share"]).idxmax()
    assert "high revenue" in seg.names_[top] or "frequent" in seg.names_[top]


@pytest.mark.parametrize(
    ("feature", "z", "word"),
    [
        ("recency_days", -0.5, "recent"),
        ("recency_days", -1.2, "very recent"),
        ("recency_days", 0.5, "lapsed"),
        ("days_since_last_order", 1.5, "long lapsed"),
        ("orders", 0.4, "frequent"),
        ("x", -1.0, "very infrequent"),
        ("tenure_days", -0.4, "new"),
        ("tenure_days", 2.0, "very long-standing"),
        ("revenue", 0.4, "high revenue"),
        ("avg_order_value", -1.1, "very low avg order value"),
    ],
)
def test_name_words(feature, z, word):
    assert feature_word(feature, z) == word


def test_names_are_typical_or_strongest_first_and_unique():
    features = ["recency_days", "orders", "revenue"]
    assert cluster_name(np.array([0.1, -0.2, 0.29]), features) == "typical"
    assert (
        cluster_name(np.array([-0.4, 1.5, 0.6]), features)
        == "very frequent · high revenue · recent"
    )
    assert unique_names(["a", "b", "a", "a"]) == ["a", "b", "a #2", "a #3"]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.sampled_from([1e-6, 1.0, 1e3, 1e7]),
    integer=st.booleans(),
    depth=st.integers(1, 4),
)
def test_rules_reproduce_the_tree_exactly(seed, scale, integer, depth):
    rng = np.random.default_rng(seed)
    n = 300
    a = rng.normal(0, 1, n) * scale
    b = rng.gamma(0.7, 2.0, n) * scale
    if integer:
        b = np.round(b / scale * 3)
    table = pd.DataFrame({"a": a, "b": b, "c": rng.normal(5, 2, n)})
    seg = KMeansSegmenter(
        features=["a", "b", "c"],
        n_clusters=4,
        scaling="standard",
        rule_depth=depth,
        random_state=seed,
    ).fit(table)
    tree_says = seg.rule_tree_.predict(table[["a", "b", "c"]].to_numpy())
    wide = TagEngine(seg.to_rules()).apply(table)
    assert (wide.sum(axis=1) == 1).all()  # every customer gets exactly one cluster tag
    names = np.asarray(seg.names_, dtype=object)
    np.testing.assert_array_equal(wide.idxmax(axis=1).to_numpy(), names[tree_says])
    assert seg.fidelity_ == pytest.approx(np.mean(tree_says == seg.labels_))


# -- readable thresholds ------------------------------------------------- #
@pytest.mark.parametrize(
    ("lo", "hi", "text"),
    [
        (2.0, 3.0, "2"),
        (118.73, 121.9, "120"),
        (0.000123, 0.000125, "0.000124"),
        (-0.5, -0.25, "-0.4"),
        (-0.1, 0.1, "0"),
        (1.0, 1.0 + 2**-52, "1"),
        (999.5, 1000.5, "1000"),
        (1.0, 2.0, "1"),  # integer columns get integer cuts
        (35.37, 35.43, "35.4"),
    ],
)
def test_readable_number(lo, hi, text):
    assert readable_number(lo, hi) == text
    assert lo <= float(text) < hi


# -- degenerate input ---------------------------------------------------- #
def test_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KMeansSegmenter().predict(pd.DataFrame({"recency_days": [1.0]}))
    with pytest.raises(NotFittedError):
        KMeansSegmenter().to_rules()


def test_one_customer():
    table = pd.DataFrame({"recency_days": [3.0], "orders": [2], "revenue": [50.0]})
    with pytest.raises(segkit.SegkitError, match="needs at least 2 customers to cluster; got 1"):
        KMeansSegmenter().fit(table)


def test_fewer_customers_than_k():
    table = pd.DataFrame({"recency_days": [3.0, 40.0], "orders": [2, 1], "revenue": [50.0, 9.0]})
    with pytest.raises(ParameterError, match="got 2 customers, too few for n_clusters=3"):
        KMeansSegmenter(n_clusters=3).fit(table)
    with pytest.raises(ParameterError, match="the silhouette needs at least 3"):
        KMeansSegmenter().fit(table)
    seg = KMeansSegmenter(n_clusters=2, random_state=0).fit(table)
    assert sorted(seg.labels_) == [0, 1]
    assert seg.fidelity_ == 1.0


def test_fewer_distinct_points_than_k():
    table = pd.DataFrame(
        {
            "recency_days": [1.0, 1.0, 1.0, 90.0, 90.0],
            "orders": [5, 5, 5, 1, 1],
            "revenue": [1, 1, 1, 0, 0],
        }
    )
    with pytest.raises(ParameterError, match="only 2 distinct point"):
        KMeansSegmenter(n_clusters=3, random_state=0).fit(table)
    seg = KMeansSegmenter(random_state=0).fit(table)  # auto skips k > 2
    assert seg.n_clusters_ == 2
    assert list(seg.silhouette_scores_.index) == [2]


def test_constant_column():
    table, _ = planted(50)
    table["orders"] = 3
    with pytest.raises(
        SchemaError,
        match=r"column .orders. is constant \(3.0 for all 150 customers\) and cannot separate clusters; drop it from features",
    ):
        KMeansSegmenter().fit(table)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_missing_or_infinite(bad):
    table, _ = planted(50)
    table.iloc[4, 2] = bad
    with pytest.raises(SchemaError, match="column 'revenue' of the customer table has 1"):
        KMeansSegmenter().fit(table)


def test_non_numeric():
    table, _ = planted(50)
    table["orders"] = table["orders"].astype(str)
    with pytest.raises(SchemaError, match="column 'orders' of the customer table must be numeric"):
        KMeansSegmenter().fit(table)


def test_negative_under_log_scaling():
    table, _ = planted(50)
    table.iloc[7, 2] = -12.5
    with pytest.raises(
        SchemaError,
        match=r"column 'revenue' has 1 negative value\(s\) \(e.g. -12.5 at index 'c7'\); scaling='log-standard' takes log1p",
    ):
        KMeansSegmenter().fit(table)
    KMeansSegmenter(scaling="standard", n_clusters=3, random_state=0).fit(table)


def test_zeros_are_fine_under_log_scaling():
    table, _ = planted(50)
    table.iloc[:10, 2] = 0.0
    assert KMeansSegmenter(n_clusters=3, random_state=0).fit(table).n_clusters_ == 3


def test_missing_column():
    table, _ = planted(50)
    with pytest.raises(ColumnNotFoundError, match="'revenu' \\(did you mean 'revenue'\\?\\)"):
        KMeansSegmenter(features=["revenu", "orders"]).fit(table)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            {"n_clusters": 1},
            "the 'n_clusters' parameter of KMeansSegmenter must be one of 'auto' or an int in the range [2, inf); got 1",
            id="n-clusters-one",
        ),
        pytest.param(
            {"n_clusters": "best"},
            "the 'n_clusters' parameter of KMeansSegmenter must be one of 'auto' or an int in the range [2, inf); got 'best'",
            id="n-clusters-word",
        ),
        pytest.param(
            {"scaling": "log"},
            "the 'scaling' parameter of KMeansSegmenter must be one of 'log-standard', 'standard', None; got 'log'",
            id="scaling",
        ),
        pytest.param(
            {"k_range": (1, 4)},
            "the 'k_range' parameter of KMeansSegmenter must be two ints (low, high) with 2 <= low <= high; got (1, 4)",
            id="k-range-low",
        ),
        pytest.param(
            {"k_range": (5, 4)},
            "the 'k_range' parameter of KMeansSegmenter must be two ints (low, high) with 2 <= low <= high; got (5, 4)",
            id="k-range-reversed",
        ),
        pytest.param(
            {"features": "revenue"},
            "the 'features' parameter of KMeansSegmenter must be a non-empty list of distinct column names; got 'revenue' (did you mean features=['revenue']?)",
            id="features-one-string",
        ),
        pytest.param(
            {"features": []},
            "the 'features' parameter of KMeansSegmenter must be a non-empty list of distinct column names; got []",
            id="features-empty",
        ),
        pytest.param(
            {"features": ["orders", "orders"]},
            "the 'features' parameter of KMeansSegmenter must be a non-empty list of distinct column names; got ['orders', 'orders']",
            id="features-repeated",
        ),
        pytest.param(
            {"rule_depth": 0},
            "the 'rule_depth' parameter of KMeansSegmenter must be an int in the range [1, 10] or None; got 0",
            id="rule-depth",
        ),
        pytest.param(
            {"sample_size": 1},
            "the 'sample_size' parameter of KMeansSegmenter must be an int in the range [2, inf); got 1",
            id="sample-size",
        ),
        pytest.param(
            {"n_init": 0},
            "the 'n_init' parameter of KMeansSegmenter must be an int in the range [1, inf); got 0",
            id="n-init",
        ),
        pytest.param(
            {"value": 3},
            "the 'value' parameter of KMeansSegmenter must be a column name (str) or None; got 3",
            id="value",
        ),
    ],
)
def test_bad_parameters(params, message):
    table, _ = planted(20)
    with pytest.raises(ParameterError) as info:
        KMeansSegmenter(**params).fit(table)
    assert str(info.value) == message


def test_predict_checks_input(planted_fit):
    _, _, seg = planted_fit
    with pytest.raises(ColumnNotFoundError):
        seg.predict(pd.DataFrame({"orders": [1]}))
    with pytest.raises(SchemaError, match="negative"):
        seg.predict(pd.DataFrame({"recency_days": [1.0], "orders": [1], "revenue": [-3.0]}))
    empty = seg.predict(pd.DataFrame({"recency_days": [], "orders": [], "revenue": []}))
    assert len(empty) == 0


def test_clusters_clv_outputs(cdnow):
    clv = pytest.importorskip("segkit.clv")
    ch = segkit.calibration_holdout(
        cdnow,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        unit="W",
    )
    model = clv.BetaGeo().fit(ch)
    table = ch.assign(expected_purchases=model.expected_purchases(ch, 52.0))
    seg = KMeansSegmenter(
        features=["expected_purchases", "revenue"], n_clusters=3, random_state=0
    ).fit(table)
    assert seg.fidelity_ > 0.9
    top = seg.profiles_["expected_purchases_mean"].idxmax()
    assert "high expected purchases" in seg.names_[top]
    assert any("expected_purchases" in r.when for r in seg.to_rules())
