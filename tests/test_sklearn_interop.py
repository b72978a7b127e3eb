"""Every estimator honours the scikit-learn contract."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.pipeline import Pipeline

import segkit
from segkit.cluster import KMeansSegmenter
from segkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from segkit.errors import SegkitError
from segkit.scorers import BandScorer, PointsScorer, PsychographicScorer


@pytest.fixture(scope="module")
def table(cdnow):
    t = segkit.summarize(
        cdnow,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        unit="W",
    )
    t["age"] = np.arange(len(t)) % 70 + 18
    t["interests"] = [["music"] if i % 3 else ["music", "sustainability"] for i in range(len(t))]
    return t


TRANSFORMERS = [
    lambda: segkit.RFMScorer(segments=None),
    lambda: segkit.RFMScorer(),
    lambda: BandScorer("age", [-np.inf, 30, 50, np.inf]),
    lambda: PointsScorer({"orders >= 3": 10, "recency_days > 200": -5}),
    lambda: PsychographicScorer({"green": {"interests contains 'sustainability'": 1}}),
]
ALL = [
    *TRANSFORMERS,
    lambda: KMeansSegmenter(
        features=("recency_days", "orders", "revenue"), n_clusters=3, random_state=0
    ),
    lambda: BetaGeo(),
    lambda: ParetoNBD(),
    lambda: ModifiedBetaGeo(),
]
IDS = ["rfm", "rfm-segments", "bands", "points", "profiles", "kmeans", "bgnbd", "pareto", "mbgnbd"]


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_clone_and_params(make):
    est = make()
    twin = clone(est)
    assert twin is not est
    assert repr(twin.get_params()) == repr(est.get_params())
    est.set_params(**est.get_params())


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_not_fitted_is_both_errors(make, table):
    est = make()
    method = next(m for m in ("transform", "predict", "p_alive") if hasattr(est, m))
    with pytest.raises(SegkitError) as info:
        getattr(est, method)(table)
    assert isinstance(info.value, SklearnNotFittedError)


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_pickle_round_trip(make, table):
    est = make().fit(table)
    back = pickle.loads(pickle.dumps(est))
    if hasattr(est, "transform"):
        pd.testing.assert_frame_equal(back.transform(table), est.transform(table))
    elif hasattr(est, "predict"):
        np.testing.assert_array_equal(
            np.asarray(back.predict(table)), np.asarray(est.predict(table))
        )
    else:
        pd.testing.assert_series_equal(back.p_alive(table), est.p_alive(table))


@pytest.mark.parametrize("make", TRANSFORMERS, ids=IDS[:5])
def test_set_output_and_pipeline(make, table):
    est = make().set_output(transform="pandas")
    out = est.fit_transform(table)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(table.index)
    assert list(out.columns) == list(est.get_feature_names_out())
    pipe = Pipeline([("step", make())])
    pd.testing.assert_frame_equal(pipe.fit_transform(table), out)


def test_gamma_gamma_contract(table):
    repeat = table[table["x"] > 0]
    gg = GammaGamma().fit(repeat)
    back = pickle.loads(pickle.dumps(gg))
    pd.testing.assert_series_equal(back.expected_spend(repeat), gg.expected_spend(repeat))
    assert clone(gg).get_params() == gg.get_params()
