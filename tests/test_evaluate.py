"""segment_summary, migration, concentration and holdout_report; exact values and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segkit
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError, SegkitError
from segkit.evaluate import (
    GONE,
    NEW,
    concentration,
    holdout_report,
    migration,
    segment_summary,
)


@pytest.fixture(scope="module")
def cdnow_ch() -> pd.DataFrame:
    return segkit.calibration_holdout(
        segkit.datasets.load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        unit="W",
    )


# -- segment_summary ------------------------------------------------------ #
@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["a", "b", "a", "c", None, "a"],
            "revenue": [10.0, 30.0, 20.0, 0.0, 40.0, 0.0],
            "orders": [1, 3, 2, 1, 4, 1],
        },
        index=pd.Index([11, 12, 13, 14, 15, 16], name="customer_id"),
    )


def test_segment_summary_values(table):
    before = table.copy(deep=True)
    out = segment_summary(table, "segment", columns=["revenue", "orders"])
    pd.testing.assert_frame_equal(table, before)
    assert list(out.index) == ["a", "b", "c", "(none)"]
    assert out.index.name == "segment"
    assert list(out.columns) == [
        "customers",
        "share",
        "revenue_total",
        "revenue_share",
        "revenue_median",
        "orders_median",
    ]
    assert out.loc["a"].to_dict() == {
        "customers": 3,
        "share": 0.5,
        "revenue_total": 30.0,
        "revenue_share": 0.3,
        "revenue_median": 10.0,
        "orders_median": 1.0,
    }
    assert out.loc["(none)", "revenue_share"] == pytest.approx(0.4)
    assert out["customers"].sum() == len(table)
    assert out["share"].sum() == pytest.approx(1.0)


def test_segment_summary_with_a_series_and_categorical_order(table):
    labels = pd.Series(
        pd.Categorical(["hi", "lo", "hi", "lo", "lo", "mid"], categories=["lo", "mid", "hi"]),
        index=table.index,
        name="band",
    )
    out = segment_summary(table, labels, value=None, columns=["orders"])
    assert list(out.index) == ["lo", "mid", "hi"]
    assert out.index.name == "band"
    assert list(out.columns) == ["customers", "share", "orders_median"]
    assert out.loc["lo", "orders_median"] == 3.0


def test_segment_summary_aligns_a_series_by_id(table):
    labels = pd.Series({16: "x", 11: "x", 12: "y"})  # other customers: no segment
    out = segment_summary(table, labels)
    assert out.loc["x", "customers"] == 2
    assert out.loc["(none)", "customers"] == 3
    with pytest.raises(SchemaError, match="shares no customer id"):
        segment_summary(table, pd.Series({1: "x"}))


def test_segment_summary_errors(table):
    with pytest.raises(ColumnNotFoundError, match="did you mean 'segment'"):
        segment_summary(table, "segmnt")
    with pytest.raises(ColumnNotFoundError, match="'margin'"):
        segment_summary(table, "segment", value="margin")
    with pytest.raises(
        SchemaError, match="column 'segment' of the customer table must be numeric"
    ):
        segment_summary(table, "orders", value="segment")
    with pytest.raises(ParameterError, match="'by' must be a column name or a Series"):
        segment_summary(table, 3)


# -- migration ------------------------------------------------------------ #
def test_migration_counts_new_and_gone():
    before = pd.Series({"a": "champions", "b": "at risk", "c": "champions", "d": "lost"})
    after = pd.Series({"a": "champions", "b": "champions", "c": "at risk", "e": "new"})
    b0, a0 = before.copy(), after.copy()
    m = migration(before, after)
    pd.testing.assert_series_equal(before, b0)
    pd.testing.assert_series_equal(after, a0)
    assert list(m.counts.index) == ["at risk", "champions", "lost", "new", NEW]
    assert list(m.counts.columns) == ["at risk", "champions", "lost", "new", GONE]
    assert m.counts.loc["champions", "champions"] == 1
    assert m.counts.loc["champions", "at risk"] == 1
    assert m.counts.loc["at risk", "champions"] == 1
    assert m.counts.loc["lost", GONE] == 1
    assert m.counts.loc[NEW, "new"] == 1
    assert int(m.counts.to_numpy().sum()) == 5  # every customer once
    assert (m.n_stayed, m.n_moved, m.n_new, m.n_gone) == (1, 2, 1, 1)
    assert m.stability == pytest.approx(1 / 3)
    assert m.rates.loc["champions", "champions"] == 0.5
    assert m.segment_stability["champions"] == 0.5
    assert m.segment_stability["at risk"] == 0.0
    assert np.isnan(m.segment_stability["lost"])  # nobody left to stay


def test_migration_matches_by_id_not_position():
    before = pd.Series(["x", "y"], index=[1, 2])
    after = pd.Series(["y", "x"], index=[2, 1])
    m = migration(before, after)
    assert m.stability == 1.0


def test_migration_keeps_categorical_order_of_lifecycle_states():
    states = ["new", "active", "at_risk", "churned"]
    before = pd.Series(
        pd.Categorical(["new", "active", "active"], categories=states), index=[1, 2, 3]
    )
    after = pd.Series(
        pd.Categorical(["active", "at_risk", "active"], categories=states), index=[1, 2, 3]
    )
    m = migration(before, after)
    assert list(m.counts.index) == [*states, NEW]
    assert list(m.counts.columns) == [*states, GONE]
    assert m.stability == pytest.approx(1 / 3)


def test_migration_missing_segment_is_explicit():
    m = migration(pd.Series({1: "a", 2: None}), pd.Series({1: None, 2: None}))
    assert m.counts.loc["a", "(none)"] == 1
    assert m.counts.loc["(none)", "(none)"] == 1
    assert m.stability == 0.5


def test_migration_of_integer_cluster_labels_sorted_numerically():
    m = migration(pd.Series({1: 10, 2: 2, 3: 1}), pd.Series({1: 2, 2: 2, 3: 10}))
    assert list(m.counts.index) == [1, 2, 10, NEW]


def test_migration_of_tags_from_the_engine():
    from segkit.tagging import Rule, TagEngine

    engine = TagEngine(
        [
            Rule("vip", "revenue >= 100", group="value"),
            Rule("regular", "revenue >= 10", group="value", priority=-1),
        ]
    )
    q1 = pd.DataFrame({"revenue": [150.0, 50.0, 5.0]}, index=["a", "b", "c"])
    q2 = pd.DataFrame({"revenue": [50.0, 50.0, 500.0]}, index=["a", "b", "c"])
    wide = migration(engine.apply(q1), engine.apply(q2))
    assert wide.counts.loc["vip", "regular"] == 1
    assert wide.counts.loc["(none)", "vip"] == 1
    assert wide.stability == pytest.approx(1 / 3)
    listed = migration(engine.apply(q1, output="list"), engine.apply(q2, output="list"))
    assert listed.counts.loc["vip", "regular"] == 1
    assert listed.counts.loc["(none)", "vip"] == 1


def test_migration_refuses_several_tags_per_customer():
    tags = pd.DataFrame({"vip": [True, False], "loyal": [True, True]}, index=[1, 2])
    with pytest.raises(SchemaError, match=r"1 customer\(s\) have more than one tag \(e.g. 1\)"):
        migration(tags, tags)
    lists = pd.Series([["vip", "loyal"], []], index=[1, 2])
    with pytest.raises(SchemaError, match="customer 1 has several tags \\['loyal', 'vip'\\]"):
        migration(lists, lists)


def test_migration_errors():
    with pytest.raises(SchemaError, match="duplicated customer ids"):
        migration(pd.Series(["a", "b"], index=[1, 1]), pd.Series(["a"], index=[1]))
    with pytest.raises(SchemaError, match="must be a pandas Series"):
        migration(["a", "b"], pd.Series(["a"]))
    with pytest.raises(SchemaError, match="got a DataFrame with columns"):
        migration(pd.DataFrame({"a": [1], "b": [2]}), pd.Series(["a"]))


def test_migration_with_nobody_in_common():
    m = migration(pd.Series({1: "a"}), pd.Series({2: "a"}))
    assert np.isnan(m.stability)
    assert (m.n_new, m.n_gone) == (1, 1)


def test_migration_of_rfm_segments_on_cdnow(cdnow):
    kwargs = {"customer": "customer_id", "timestamp": "date", "amount": "amount"}
    early = segkit.summarize(cdnow, as_of="1997-06-30", **kwargs)
    late = segkit.summarize(cdnow, as_of="1997-12-31", **kwargs)
    rfm = segkit.RFMScorer().fit(late)
    m = migration(rfm.transform(early)["segment"], rfm.transform(late)["segment"])
    assert m.n_gone == 0  # summarize keeps every customer seen so far
    assert m.n_stayed + m.n_moved == len(early)
    assert m.n_new == len(late) - len(early)
    assert 0 < m.stability < 1
    assert int(m.counts.to_numpy().sum()) == len(late)


# -- concentration -------------------------------------------------------- #
@pytest.mark.parametrize(
    ("values", "gini"),
    [
        ([0, 0, 0, 1], 0.75),
        ([1, 1, 1, 1], 0.0),
        ([1, 2, 3, 4], 0.25),  # sum |xi - xj| = 20; 2 * 16 * 2.5 = 80
        ([5], 0.0),
        ([0, 1], 0.5),
        ([1, 3], 0.25),
    ],
)
def test_gini_known_vectors(values, gini):
    assert concentration(values).gini == pytest.approx(gini, abs=1e-15)


def test_top_shares_and_lorenz():
    c = concentration(pd.Series(np.arange(1, 101, dtype=float), name="revenue"))
    total = 5050.0
    assert c.top_shares["top 1%"] == pytest.approx(100 / total)
    assert c.top_shares["top 10%"] == pytest.approx(sum(range(91, 101)) / total)
    assert c.top_shares["top 20%"] == pytest.approx(sum(range(81, 101)) / total)
    assert list(c.top_shares.index) == ["top 1%", "top 5%", "top 10%", "top 20%"]
    assert c.n == 100
    assert c.total == total
    lorenz = c.lorenz
    assert len(lorenz) == 101
    assert lorenz.iloc[0].tolist() == [0.0, 0.0]
    assert lorenz.iloc[-1].tolist() == [1.0, 1.0]
    assert lorenz.loc[50, "value_share"] == pytest.approx(sum(range(1, 51)) / total)
    full = concentration(np.arange(1, 101), points=None).lorenz
    assert len(full) == 101
    custom = concentration([0, 0, 0, 1], top=(0.25, 0.5)).top_shares
    assert custom.to_dict() == {"top 25%": 1.0, "top 50%": 1.0}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=50,
    ).filter(lambda v: sum(v) > 1e-9)
)
def test_gini_matches_the_pairwise_definition(values):
    x = np.asarray(values)
    n = x.size
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    c = concentration(x)
    assert c.gini == pytest.approx(pairwise, abs=1e-9)
    assert 0 <= c.gini <= 1 - 1 / n + 1e-12
    assert np.all(np.diff(c.lorenz["value_share"]) >= -1e-12)
    assert np.all(np.diff(c.top_shares.to_numpy()) >= -1e-12)
    # twice the area between equality and the Lorenz curve (trapezoids on the corners)
    full = concentration(x, points=None).lorenz
    p, v = full["population_share"].to_numpy(), full["value_share"].to_numpy()
    area = float(np.sum((p[1:] - p[:-1]) * (v[1:] + v[:-1]) / 2))
    assert c.gini == pytest.approx(1 - 2 * area, abs=1e-9)


def test_gini_is_scale_and_order_invariant():
    rng = np.random.default_rng(0)
    x = rng.lognormal(3, 1, 1000)
    assert concentration(x).gini == pytest.approx(concentration(7 * x[::-1]).gini, rel=1e-12)


def test_concentration_input_not_mutated():
    s = pd.Series([3.0, 1.0, 2.0])
    concentration(s)
    assert s.tolist() == [3.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ([1.0, np.nan], SchemaError, "1 missing value"),
        ([1.0, np.inf], SchemaError, "1 infinite value"),
        ([1.0, -2.0], SchemaError, "1 negative value"),
        ([0, 0], SchemaError, "the values sum to 0.0"),
        ([], SchemaError, "at least one value"),
        (["a", "b"], SchemaError, "must be numeric"),
        (pd.DataFrame({"a": [1]}), SchemaError, "one column of values"),
    ],
)
def test_concentration_errors(values, error, message):
    with pytest.raises(error, match=message):
        concentration(values)


def test_concentration_parameter_errors():
    with pytest.raises(ParameterError, match="'points' must be an int >= 2"):
        concentration([1, 2], points=1)
    with pytest.raises(ParameterError, match="'top' must be population shares"):
        concentration([1, 2], top=(0, 0.5))


# -- holdout_report ------------------------------------------------------- #
class Constant:
    """A stand-in purchase model: ``rate`` purchases per period for everyone."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.calls: list[float] = []

    def expected_purchases(self, data, t):
        self.calls.append(t)
        return pd.Series(self.rate * np.asarray(t) * np.ones(len(data)), index=data.index)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [0, 0, 1, 2, 8, 12],
            "t_x": [0.0, 0.0, 5.0, 6.0, 9.0, 9.5],
            "T": [10.0] * 6,
            "x_holdout": [0, 1, 1, 3, 4, 6],
            "duration_holdout": [10.0] * 6,
        },
        index=pd.Index(list("abcdef"), name="customer_id"),
    )


def test_holdout_report_exact(frame):
    before = frame.copy(deep=True)
    model = Constant(0.2)  # predicts 2 purchases each
    r = holdout_report(model, frame)
    pd.testing.assert_frame_equal(frame, before)
    assert model.calls == [10.0]  # a constant duration is passed as one number
    assert r.actual_total == 15.0
    assert r.predicted_total == pytest.approx(12.0)
    assert r.aggregate_error == pytest.approx(-0.2)
    residual = np.array([2, 1, 1, -1, -2, -4], dtype=float)
    assert r.mae == pytest.approx(np.abs(residual).mean())
    assert r.rmse == pytest.approx(np.sqrt((residual**2).mean()))
    bf = r.by_frequency
    assert list(bf.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert bf["customers"].tolist() == [2, 1, 1, 0, 0, 0, 0, 2]
    assert bf.loc["0", "actual"] == 0.5
    assert bf.loc["7+", "actual"] == 5.0
    assert bf.loc["7+", "predicted"] == pytest.approx(2.0)
    assert bf.loc["7+", "error"] == pytest.approx(-3.0)
    assert np.isnan(bf.loc["3", "actual"])
    assert bf["actual_total"].sum() == r.actual_total
    assert r.predictions.index.equals(frame.index)
    s = r.summary()
    assert s["customers"] == 6
    assert s["aggregate_error"] == pytest.approx(-0.2)


def test_holdout_report_options(frame):
    r = holdout_report(Constant(0.1), frame, duration=20.0, max_x=2)
    assert list(r.by_frequency.index) == ["0", "1", "2+"]
    assert r.by_frequency["customers"].tolist() == [2, 1, 3]
    assert r.predicted_total == pytest.approx(12.0)
    varied = frame.assign(duration_holdout=[10.0, 10.0, 10.0, 10.0, 20.0, 20.0])
    model = Constant(0.1)
    r = holdout_report(model, varied)
    assert isinstance(model.calls[0], np.ndarray)  # per-customer durations
    assert r.predicted_total == pytest.approx(8.0)


def test_holdout_report_accepts_arrays(frame):
    class ArrayModel:
        def expected_purchases(self, data, t):
            return np.full(len(data), 1.0)

    assert holdout_report(ArrayModel(), frame).predicted_total == 6.0


def test_holdout_report_errors(frame):
    with pytest.raises(
        ParameterError, match="must have an expected_purchases\\(data, t\\) method"
    ):
        holdout_report(object(), frame)
    with pytest.raises(ColumnNotFoundError, match="'x_holdout'"):
        holdout_report(Constant(0.1), frame.drop(columns="x_holdout"))
    with pytest.raises(ParameterError, match="'max_x' must be an int >= 1"):
        holdout_report(Constant(0.1), frame, max_x=0)

    class Broken:
        def expected_purchases(self, data, t):
            return pd.Series([np.nan] * len(data), index=data.index)

    with pytest.raises(
        SegkitError, match=r"predicted 6 missing or infinite value\(s\), e.g. for customer 'a'"
    ):
        holdout_report(Broken(), frame)

    class Short:
        def expected_purchases(self, data, t):
            return np.ones(2)

    with pytest.raises(SchemaError, match="returned 2 values for 6 customers"):
        holdout_report(Short(), frame)

    class Shuffled:
        def expected_purchases(self, data, t):
            return pd.Series(1.0, index=data.index[::-1])

    with pytest.raises(SchemaError, match="index differs"):
        holdout_report(Shuffled(), frame)


def test_holdout_report_with_bg_nbd_on_cdnow(cdnow_ch):
    clv = pytest.importorskip("segkit.clv")
    model = clv.BetaGeo().fit(cdnow_ch)
    r = holdout_report(model, cdnow_ch)
    assert r.actual_total == 1882  # repeat purchase days in weeks 40-78
    expected = model.expected_purchases(cdnow_ch, 39.0)
    assert r.predicted_total == pytest.approx(float(expected.sum()))
    assert -0.2 < r.aggregate_error < 0.0  # BG/NBD under-forecasts this holdout a little
    assert r.by_frequency["customers"].sum() == len(cdnow_ch)
    # the predictions rise with calibration frequency, as the purchases do
    assert r.by_frequency["predicted"].is_monotonic_increasing
    assert r.by_frequency["actual"].is_monotonic_increasing
    assert 0.5 < r.mae < 1.0


# -- plots ---------------------------------------------------------------- #
def test_plots(frame, cdnow_ch):
    plt = pytest.importorskip("matplotlib.pyplot")
    try:
        m = migration(pd.Series({1: "a", 2: "b"}), pd.Series({1: "b", 3: "a"}))
        ax = m.plot()
        assert ax.get_title().startswith("Segment migration")
        assert m.plot(normalize=False) is not ax
        c = concentration(cdnow_ch["revenue"])
        ax = c.plot()
        assert ax.get_title().startswith("Gini 0.")
        ax = holdout_report(Constant(0.1), frame).plot()
        assert ax.get_xlabel() == "purchases in the calibration period (x)"
        _, given_ax = plt.subplots()
        assert c.plot(ax=given_ax) is given_ax
    finally:
        plt.close("all")


def test_cluster_plot():
    plt = pytest.importorskip("matplotlib.pyplot")
    from segkit.cluster import KMeansSegmenter

    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {"a": np.r_[rng.normal(0, 1, 50), rng.normal(9, 1, 50)], "b": rng.normal(0, 1, 100)}
    )
    seg = KMeansSegmenter(
        features=["a", "b"], n_clusters=2, scaling="standard", random_state=0
    ).fit(table)
    try:
        ax = seg.plot()
        assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    finally:
        plt.close("all")


labels = st.dictionaries(
    st.integers(0, 30), st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), max_size=25
)


@settings(max_examples=80, deadline=None)
@given(labels, labels)
def test_migration_invariants(before, after):
    b, a = pd.Series(before, dtype=object), pd.Series(after, dtype=object)
    m = migration(b, a)
    counts = m.counts.to_numpy()
    assert counts.sum() == len(set(before) | set(after))
    assert m.n_new == len(set(after) - set(before)) == counts[-1].sum()
    assert m.n_gone == len(set(before) - set(after)) == counts[:, -1].sum()
    assert counts[-1, -1] == 0
    assert m.n_stayed + m.n_moved == len(set(before) & set(after))
    same = sum(1 for k in set(before) & set(after) if before[k] == after[k])
    assert m.n_stayed == same
    if m.n_stayed + m.n_moved:
        assert 0 <= m.stability <= 1
    # swapping the dates transposes the table between the segments
    back = migration(a, b)
    assert back.n_new == m.n_gone
    assert back.n_stayed == m.n_stayed
    inner = m.counts.iloc[:-1, :-1]
    pd.testing.assert_frame_equal(
        back.counts.iloc[:-1, :-1].T, inner, check_names=False, check_index_type=False
    )


# --------------------------------------------------------------------------- #
# segment_summary(min_group=): no row describes fewer than k customers
# --------------------------------------------------------------------------- #
SMALL = pd.DataFrame(
    {
        "segment": ["a"] * 5 + ["b"] * 2 + ["c"] * 2 + ["d"],
        "revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 100.0, 200.0, 5.0, 7.0, 1000.0],
        "orders": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    }
)


def test_segment_summary_merges_small_segments_into_other() -> None:
    before = SMALL.copy()
    got = segment_summary(SMALL, "segment", columns=["orders"], min_group=4)
    pd.testing.assert_frame_equal(SMALL, before)
    assert got.index.tolist() == ["a", "other"]
    assert got["customers"].tolist() == [5, 5]
    assert got["share"].tolist() == [0.5, 0.5]
    assert got["revenue_total"].tolist() == [150.0, 1312.0]
    assert got["revenue_share"].tolist() == pytest.approx([150 / 1462, 1312 / 1462])
    assert got["orders_median"].tolist() == [3.0, 8.0]  # over the merged customers 6..10
    assert got.attrs["note"] == (
        "3 segments with fewer than 4 customers are merged into 'other' (minimum group size 4)."
    )


def test_segment_summary_leaves_out_an_other_row_that_is_small_too() -> None:
    got = segment_summary(SMALL, "segment", min_group=2)  # only d (1 customer) is small
    assert got.index.tolist() == ["a", "b", "c"]
    assert got["customers"].sum() == 9
    assert got["revenue_share"].tolist() == pytest.approx([150 / 1462, 300 / 1462, 12 / 1462])
    assert got.attrs["note"].startswith("1 segments with fewer than 2 customers are left out")


def test_segment_summary_keeps_categorical_order_and_other_last() -> None:
    cats = SMALL.assign(segment=pd.Categorical(SMALL["segment"], categories=list("dcba")))
    got = segment_summary(cats, "segment", min_group=3)
    assert got.index.tolist() == ["a", "other"]
    assert got.loc["other", "customers"] == 5


@pytest.mark.parametrize("k", [pytest.param(None, id="none"), pytest.param(0, id="zero")])
def test_segment_summary_without_min_group(k) -> None:
    got = segment_summary(SMALL, "segment", min_group=k)
    assert got.index.tolist() == ["a", "b", "c", "d"]
    assert "note" not in got.attrs


@pytest.mark.parametrize(
    "k",
    [
        pytest.param(-1, id="negative"),
        pytest.param(2.5, id="float"),
        pytest.param(True, id="bool"),
    ],
)
def test_segment_summary_bad_min_group(k) -> None:
    with pytest.raises(ParameterError, match=r"^min_group must be a whole number of customers"):
        segment_summary(SMALL, "segment", min_group=k)
