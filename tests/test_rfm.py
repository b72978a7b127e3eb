from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

import segkit
from segkit.errors import ColumnNotFoundError, NotFittedError, ParameterError, SchemaError
from segkit.rfm import (
    RFMScorer,
    Segment,
    SegmentMap,
    SegmentMapError,
    load_segment_map,
    segment_maps,
)


@pytest.fixture(scope="module")
def table(cdnow):
    return segkit.summarize(
        cdnow, customer="customer_id", timestamp="date", amount="amount", as_of="1997-09-30"
    )


def frame(r, f, m):
    return pd.DataFrame({"recency_days": r, "orders": f, "revenue": m})


def test_scores_on_even_data():
    X = frame(np.arange(10.0), np.arange(1, 11), np.arange(10.0) * 10)
    out = RFMScorer(segments=None).fit_transform(X)
    assert out["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["m_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Low recency is good.
    assert out["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out["rfm_code"].iloc[0] == "511"
    assert out["rfm_score"].iloc[0] == pytest.approx(7 / 3)
    assert list(out.columns) == ["r_score", "f_score", "m_score", "rfm_code", "rfm_score"]


def test_cdnow_ties_in_frequency(table):
    rfm = RFMScorer().fit(table)
    np.testing.assert_array_equal(rfm.bin_edges_["frequency"], [1, 2, 3, 5])
    out = rfm.transform(table)
    # Every one-time buyer gets the same frequency score.
    assert out.loc[table["orders"] == 1, "f_score"].unique().tolist() == [1]
    assert out["f_score"].value_counts().sort_index().tolist() == [1398, 439, 216, 163, 141]
    assert out["r_score"].value_counts().sort_index().tolist() == [480, 478, 479, 467, 453]
    assert out.loc[1, "rfm_code"] == "534"


def test_cdnow_segments(table):
    out = RFMScorer().fit_transform(table)
    counts = out["segment"].value_counts()
    assert counts.sum() == 2357
    assert counts["champions"] == 339
    assert counts["hibernating"] == 587
    assert list(out["segment"].cat.categories) == load_segment_map("rfm11").names


def test_segment_column_alone_is_the_transforms(table):
    """The segments alone (the profile's view a quarter ago) are transform's, exactly."""
    rfm = RFMScorer().fit(table)
    earlier = table.sample(frac=0.5, random_state=3)  # another table, the same yardstick
    alone = rfm._segment_column(earlier)
    pd.testing.assert_series_equal(alone, rfm.transform(earlier)["segment"], check_exact=True)
    # a map: each customer's segment is the one it has in the whole table
    whole = rfm.transform(table)["segment"]
    pd.testing.assert_series_equal(alone, whole.loc[earlier.index], check_exact=True)
    assert alone.dtype == whole.dtype
    assert len(alone) == len(earlier) == 1178


def test_scores_do_not_depend_on_row_order(table):
    a = RFMScorer().fit_transform(table)
    shuffled = table.sample(frac=1, random_state=7)
    b = RFMScorer().fit_transform(shuffled)
    pd.testing.assert_frame_equal(a, b.loc[a.index])


def test_fixed_thresholds():
    X = frame([10, 30, 31, 400], [1, 2, 9, 10], [5.0, 50.0, 99.99, 100.0])
    rfm = RFMScorer(
        method="fixed",
        segments=None,
        thresholds={
            "recency": [30, 90, 180, 365],
            "frequency": [2, 3, 5, 10],
            "monetary": [10, 50, 75, 100],
        },
    )
    out = rfm.fit_transform(X)
    assert out["r_score"].tolist() == [5, 5, 4, 1]
    assert out["f_score"].tolist() == [1, 2, 4, 5]
    assert out["m_score"].tolist() == [1, 3, 4, 5]


def test_rfm6_on_three_bins(table):
    out = RFMScorer(bins=3, segments="rfm6").fit_transform(table)
    assert set(out["segment"].cat.categories) == {
        "champions",
        "loyal",
        "new",
        "hibernating",
        "at risk",
        "lost",
    }
    assert out["r_score"].between(1, 3).all()


def test_weights():
    X = frame([1.0, 2.0, 3.0], [1, 2, 3], [1.0, 2.0, 3.0])
    out = RFMScorer(bins=3, segments=None, weights=(2, 1, 1)).fit_transform(X)
    assert out["rfm_score"].tolist() == pytest.approx([(6 + 1 + 1) / 4, 2.0, (2 + 3 + 3) / 4])


def test_transform_new_data_uses_learned_edges():
    rfm = RFMScorer(segments=None).fit(frame(np.arange(10.0), np.arange(1, 11), np.arange(10.0)))
    out = rfm.transform(frame([100.0, -1.0], [0, 1000], [-5.0, 1e9]))
    assert out["r_score"].tolist() == [1, 5]
    assert out["f_score"].tolist() == [1, 5]
    assert out["m_score"].tolist() == [1, 5]


def test_few_distinct_values_warn():
    X = frame(np.arange(10.0), [1] * 5 + [2] * 5, np.arange(10.0))
    with pytest.warns(
        UserWarning,
        match="column 'orders' has too few distinct values for 5 equal groups; only scores 1..2 are used",
    ):
        out = RFMScorer(segments=None).fit_transform(X)
    assert out["f_score"].tolist() == [1] * 5 + [2] * 5


def test_sklearn_contract(table):
    rfm = RFMScorer(bins=4, segments=None)
    assert clone(rfm).get_params() == rfm.get_params()
    fitted = rfm.fit(table)
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(restored.transform(table), fitted.transform(table))
    assert fitted.get_feature_names_out().tolist() == [
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "rfm_score",
    ]


def test_not_fitted(table):
    with pytest.raises(NotFittedError, match="not fitted yet") as info:
        RFMScorer().transform(table)
    assert isinstance(info.value, SklearnNotFittedError)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"bins": 1},
            r"the 'bins' parameter of RFMScorer must be an int in the range \[2, 9\]; got 1",
        ),
        ({"bins": 2.5}, r"the 'bins' parameter of RFMScorer must be an int"),
        (
            {"method": "kmeans"},
            r"the 'method' parameter of RFMScorer must be one of 'quantile', 'fixed'; got 'kmeans'",
        ),
        ({"weights": (1, 1)}, "three non-negative numbers"),
        ({"segments": "rfm12"}, r"unknown segment map 'rfm12' \(did you mean 'rfm11'\?\)"),
        ({"bins": 4}, "segment map 'rfm11' is written for bins=5"),
        ({"method": "fixed"}, "method='fixed' needs thresholds"),
        (
            {
                "method": "fixed",
                "segments": None,
                "thresholds": {
                    "recency": [3, 2, 1, 0],
                    "frequency": [1, 2, 3, 4],
                    "monetary": [1, 2, 3, 4],
                },
            },
            r"thresholds\['recency'\] must be 4 increasing finite numbers",
        ),
    ],
)
def test_bad_parameters(table, params, message):
    with pytest.raises(ParameterError, match=message):
        RFMScorer(**params).fit(table)


def test_missing_column(table):
    with pytest.raises(
        ColumnNotFoundError, match=r"'frequency' .*did you mean 'frequency'|'freq'"
    ):
        RFMScorer(frequency="freq").fit(table)


def test_nan_values_rejected():
    X = frame([1.0, np.nan], [1, 2], [1.0, 2.0])
    before = X.copy()
    with pytest.raises(
        SchemaError,
        match=r"column 'recency_days' of the customer table has 1 missing value\(s\) at index \[1\]",
    ):
        RFMScorer().fit(X)
    pd.testing.assert_frame_equal(X, before)


def test_empty_table():
    with pytest.raises(segkit.SegkitError, match="empty customer table"):
        RFMScorer().fit(frame([], [], []))


# -- segment maps ------------------------------------------------------------ #
def test_shipped_maps_are_listed():
    assert segment_maps() == ["rfm11", "rfm6"]


@pytest.mark.parametrize(
    ("name", "bins", "n_segments"),
    [pytest.param("rfm11", 5, 11, id="rfm11"), pytest.param("rfm6", 3, 6, id="rfm6")],
)
def test_shipped_maps_are_partitions(name, bins, n_segments):
    m = load_segment_map(name)
    table = m.lookup_table()
    assert (m.bins, len(m.segments)) == (bins, n_segments)
    assert table.shape == (bins,) * 3
    assert set(np.unique(table)) == set(range(n_segments))


def test_rfm11_cells():
    m = load_segment_map("rfm11")
    t = m.lookup_table()
    names = m.names
    assert names[t[4, 4, 4]] == "champions"
    assert names[t[0, 0, 0]] == "lost"
    assert names[t[4, 0, 0]] == "new"
    assert names[t[0, 4, 4]] == "can't lose"
    assert len(names) == 11


def test_overlap_is_reported():
    with pytest.raises(
        SegmentMapError,
        match=r"segment map 'x' has 4 score cells in more than one segment, e.g. r_score=2, f_score=1, m_score=1 is in \['top', 'all'\]",
    ):
        SegmentMap.from_dict(
            {
                "name": "x",
                "bins": 2,
                "segments": [
                    {"name": "top", "when": "r_score == 2"},
                    {"name": "all", "when": "r_score >= 1"},
                ],
            }
        )


def test_bad_condition_is_named():
    with pytest.raises(SegmentMapError, match="segment 'top' of map 'x'"):
        SegmentMap.from_dict(
            {"name": "x", "bins": 2, "segments": [{"name": "top", "when": "r_scor == 2"}]}
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "bins": 2}, "segment map is missing the key 'segments'"),
        (
            {"name": "x", "bins": 1, "segments": []},
            "^the 'bins' parameter of SegmentMap must be an int in the range \\[2, 9\\]; got 1$",
        ),
        (
            {"name": "x", "bins": 2, "segments": [{"name": "a"}]},
            "segment #0 is missing the key 'when'",
        ),
        (
            {"name": "x", "bins": 2, "segments": [{"name": "a", "when": "true", "colour": 1}]},
            "segment #0 has an unknown key 'colour'; allowed: ",
        ),
        (
            {
                "name": "x",
                "bins": 2,
                "segments": [{"name": "a", "when": "true"}, {"name": "a", "when": "false"}],
            },
            "names segments twice",
        ),
        (
            {"nmae": "x", "bins": 2, "segments": []},
            "segment map has an unknown key 'nmae' \\(did you mean 'name'\\?\\)",
        ),
        # the bins RFMScorer accepts: a 10-level map could never be used
        (
            {"name": "x", "bins": 10, "segments": []},
            "^the 'bins' parameter of SegmentMap must be an int in the range \\[2, 9\\]; got 10$",
        ),
        (
            {"name": 3, "bins": 2, "segments": []},
            "^the 'name' parameter of SegmentMap must be a non-empty str; got 3$",
        ),
    ],
    ids=[
        "missing-segments",
        "bins-1",
        "segment-missing-when",
        "segment-unknown-key",
        "duplicate-names",
        "did-you-mean",
        "bins-10",
        "name-not-text",
    ],
)
def test_malformed_maps(data, message):
    with pytest.raises(SegmentMapError, match=message):
        SegmentMap.from_dict(data)


def test_a_map_built_directly_is_checked_too():
    segment = Segment("all", "r_score >= 1")
    with pytest.raises(SegmentMapError) as info:
        SegmentMap("ten", 10, (segment,))
    assert str(info.value) == (
        "the 'bins' parameter of SegmentMap must be an int in the range [2, 9]; got 10"
    )


def test_custom_map_object(table):
    two = SegmentMap.from_dict(
        {
            "name": "two",
            "bins": 2,
            "segments": [
                {"name": "recent", "when": "r_score == 2"},
                {"name": "lapsed", "when": "r_score == 1"},
            ],
        }
    )
    out = RFMScorer(bins=2, segments=two).fit_transform(table)
    assert (out["segment"] == "recent").sum() == (out["r_score"] == 2).sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=5, max_size=200))
def test_monetary_score_is_monotone(values):
    X = frame(np.zeros(len(values)), np.ones(len(values), dtype=int), values)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = RFMScorer(segments=None).fit_transform(X)
    order = np.argsort(values, kind="stable")
    assert (np.diff(out["m_score"].to_numpy()[order]) >= 0).all()
    v = np.asarray(values)
    for value in np.unique(v):
        assert out["m_score"][v == value].nunique() == 1


@pytest.mark.parametrize("bins", [2, 5, 9])
def test_code_and_score_are_the_scores_written_and_averaged(bins):
    rng = np.random.default_rng(bins)
    X = frame(rng.integers(0, 400, 500) * 1.0, rng.integers(1, 40, 500), rng.gamma(2, 50, 500))
    out = RFMScorer(bins=bins, segments=None).fit_transform(X)
    r, f, m = (out[c].to_numpy() for c in ("r_score", "f_score", "m_score"))
    assert out["rfm_code"].dtype == object
    assert out["rfm_code"].tolist() == [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)]
    # one division of the integer sum: exactly (r + f + m) / 3, to the last bit
    assert out["rfm_score"].tolist() == [(a + b + c) / 3 for a, b, c in zip(r, f, m, strict=True)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=20, unique=True),
    st.lists(st.integers(-60, 60), min_size=0, max_size=50),
    st.sampled_from(["left", "right"]),
)
def test_edges_below_each_value_is_searchsorted(edges, values, side):
    """Scores count the edges below each value; with ties at the edges, both sides."""
    from segkit.rfm._scorer import _edges_below

    e = np.sort(np.asarray(edges, dtype=np.float64)) / 4
    v = np.asarray(values, dtype=np.float64) / 4  # many values on an edge
    want = np.searchsorted(e, v, side=side)
    got = _edges_below(e, v, side)
    assert got.tolist() == want.tolist()
    assert got.dtype.kind == "i"
