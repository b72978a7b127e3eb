"""BandScorer, PointsScorer and PsychographicScorer: values, validation, sklearn contract."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

import segkit
from segkit.errors import ColumnNotFoundError, NotFittedError, ParameterError, SchemaError
from segkit.scorers import BandScorer, PointsScorer, PsychographicScorer
from segkit.tagging import RuleTypeError, UnknownColumnError


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [17, 18, 34.9, 35, 64, 65, 90, None],
            "income": [0, 10_000, 42_000, 55_000, 80_000, 120_000, 30_000, 20_000],
            "city": ["Oslo", "Rome", "Oslo", None, "Paris", "Rome", "Oslo", "Oslo"],
        },
        index=pd.Index(list("abcdefgh"), name="customer"),
    )


def test_band_scorer_left_closed(people: pd.DataFrame) -> None:
    before = people.copy(deep=True)
    out = BandScorer("age", [18, 35, 65]).fit_transform(people)
    pd.testing.assert_frame_equal(people, before)
    assert out.index.equals(people.index)
    assert out["age_band"].tolist() == [
        np.nan, "18-35", "18-35", "35-65", "35-65", np.nan, np.nan, np.nan,
    ]  # fmt: skip
    assert list(out["age_band"].cat.categories) == ["18-35", "35-65"]
    assert out["age_band"].cat.ordered


def test_band_scorer_right_closed_open_ends_and_labels(people: pd.DataFrame) -> None:
    scorer = BandScorer("age", [-np.inf, 18, 65, np.inf], right=True)
    assert scorer.fit_transform(people)["age_band"].tolist() == [
        "<=18", "<=18", "18-65", "18-65", "18-65", "18-65", ">65", np.nan,
    ]  # fmt: skip
    tiers = BandScorer("income", [0, 30_000, 100_000, np.inf], labels=["low", "mid", "high"])
    assert tiers.fit_transform(people)["income_band"].tolist() == [
        "low", "low", "mid", "mid", "mid", "high", "mid", "low",
    ]  # fmt: skip
    assert list(tiers.get_feature_names_out()) == ["income_band"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"edges": None}, "the 'edges' parameter of BandScorer must be a sequence of at least two"),
        ({"edges": [1]}, "the 'edges' parameter of BandScorer must be a sequence of at least two"),
        ({"edges": [18, 18, 30]}, "must be strictly increasing; edge 0 (18) is not below edge 1 (18)"),
        ({"edges": [30, 18]}, "must be strictly increasing; edge 0 (30) is not below edge 1 (18)"),
        ({"edges": [1, np.nan]}, "the 'edges' parameter of BandScorer contains NaN"),
        ({"edges": [1, 2, 3], "labels": ["a"]}, "BandScorer needs one label per band: 2 bands from 3 edges, but 1 labels"),
        ({"edges": [1, 2, 3], "labels": ["a", "a"]}, "the labels of BandScorer must be unique"),
    ],
)  # fmt: skip
def test_band_scorer_validates_in_fit(
    people: pd.DataFrame, kwargs: dict[str, object], message: str
) -> None:
    scorer = BandScorer("age", **kwargs)  # constructing never fails
    with pytest.raises(ParameterError) as info:
        scorer.fit(people)
    assert message in str(info.value)


def test_band_scorer_column_errors(people: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="'agee' \\(did you mean 'age'\\?\\)"):
        BandScorer("agee", [1, 2]).fit(people)
    with pytest.raises(
        SchemaError, match=r"column 'city' must be numeric to band it, not (str|object)"
    ):
        BandScorer("city", [1, 2]).fit(people)


def test_not_fitted_errors(people: pd.DataFrame) -> None:
    for scorer in (
        BandScorer("age", [1, 2]),
        PointsScorer({"age > 1": 1}),
        PsychographicScorer({}),
    ):
        with pytest.raises(NotFittedError, match="is not fitted yet"):
            scorer.transform(people)
        with pytest.raises(SklearnNotFittedError):
            scorer.transform(people)


def test_points_scorer(people: pd.DataFrame) -> None:
    scorer = PointsScorer(
        {"age >= 35": 20, "city == 'Oslo'": 5, "income < 20000": -30}, clip=(0, None), base=1
    )
    out = scorer.fit_transform(people)
    # a: 5 - 30 + 1 -> clipped to 0; h: age unknown -> 0, Oslo 5, income 20000 not < 20000
    assert out["points"].tolist() == [0.0, 0.0, 6.0, 21.0, 21.0, 21.0, 26.0, 6.0]
    explained = scorer.explain(people)
    assert list(explained.columns) == ["age >= 35", "city == 'Oslo'", "income < 20000", "points"]
    assert explained.loc["a"].tolist() == [0.0, 5.0, -30.0, 0.0]
    assert scorer.rule_columns_ == ("age", "city", "income")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"points": {}}, ParameterError, "the 'points' parameter of PointsScorer must be a non-empty mapping"),
        ({"points": {"age > 1": "ten"}}, ParameterError, "PointsScorer: the weight of 'age > 1' must be a finite number; got 'ten'"),
        ({"points": {"age > 1": 1}, "clip": (5, 1)}, ParameterError, "the 'clip' parameter of PointsScorer has low 5 > high 1"),
        ({"points": {"age > 1": 1}, "clip": 5}, ParameterError, "must be a pair (low, high)"),
        ({"points": {"agee > 1": 1}}, UnknownColumnError, "unknown column 'agee' (did you mean 'age'?)"),
        ({"points": {"age * 2": 1}}, RuleTypeError, "a rule must be a condition (true or false)"),
    ],
)  # fmt: skip
def test_points_scorer_validates_in_fit(
    people: pd.DataFrame, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        PointsScorer(**kwargs).fit(people)
    assert message in str(info.value)


def test_profile_scorer() -> None:
    df = pd.DataFrame(
        {
            "interests": [["hiking", "sustainability"], ["fashion"], None, []],
            "values_environment": [5, 1, None, 0],
            "age": [30, 22, 41, 50],
        }
    )
    scorer = PsychographicScorer(
        {
            "eco": {"interests contains 'sustainability'": 2, "values_environment": 1},
            "style": {"interests contains 'fashion'": 3, "age < 25": 1},
        }
    )
    out = scorer.fit_transform(df)
    assert out["eco"].tolist() == [7.0, 1.0, 0.0, 0.0]
    assert out["style"].tolist() == [0.0, 4.0, 0.0, 0.0]
    assert out["top_profile"].tolist() == ["eco", "style", None, None]
    assert list(scorer.get_feature_names_out()) == ["eco", "style", "top_profile"]
    ties = PsychographicScorer({"a": {"age > 0": 1}, "b": {"age > 0": 1}}).fit_transform(df)
    assert ties["top_profile"].tolist() == ["a", "a", "a", "a"]


def test_profile_scorer_rejects_string_terms() -> None:
    df = pd.DataFrame({"city": ["Oslo"]})
    with pytest.raises(RuleTypeError) as info:
        PsychographicScorer({"p": {"lower(city)": 1}}).fit(df)
    assert (
        str(info.value)
        == "profile 'p': a term must be a condition or a number; 'lower(city)' is a string"
    )


@pytest.mark.parametrize(
    "scorer",
    [
        BandScorer("age", [0, 18, 65]),
        PointsScorer({"age > 30": 2}, clip=(0, 10)),
        PsychographicScorer({"old": {"age > 60": 1}}),
    ],
)
def test_clone_pickle_and_params(people: pd.DataFrame, scorer: object) -> None:
    cloned = clone(scorer)
    assert cloned.get_params() == scorer.get_params()  # type: ignore[attr-defined]
    fitted = cloned.fit(people)
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(restored.transform(people), fitted.transform(people))
    assert fitted.n_features_in_ == 3
    assert list(fitted.feature_names_in_) == ["age", "income", "city"]


# --------------------------------------------------------------------------- #
# Names renamed in 0.2.0 keep working for one release, with a DeprecationWarning
# --------------------------------------------------------------------------- #
def test_profile_scorer_is_the_deprecated_name_of_psychographic_scorer() -> None:
    frame = pd.DataFrame({"x": [1.0, 3.0]})
    with pytest.warns(DeprecationWarning, match="ProfileScorer is renamed PsychographicScorer"):
        old = segkit.ProfileScorer({"p": {"x": 2.0}})
    new = segkit.PsychographicScorer({"p": {"x": 2.0}})
    pd.testing.assert_frame_equal(old.fit_transform(frame), new.fit_transform(frame))
    assert isinstance(old, segkit.PsychographicScorer)
    assert new.terms_ == (("p", (("x", 2.0, "number"),)),)
    with pytest.warns(DeprecationWarning, match=r"ProfileScorer.profiles_ is renamed"):
        assert old.profiles_ == new.terms_


@pytest.mark.parametrize(
    ("make", "old", "new"),
    [
        pytest.param(
            lambda: segkit.BandScorer("x", [0, 2, 4]), "labels_", "bands_", id="band-labels"
        ),
        pytest.param(
            lambda: segkit.PointsScorer({"x > 1": 1}), "columns_", "rule_columns_", id="points"
        ),
    ],
)
def test_renamed_fitted_attributes_warn(make: Any, old: str, new: str) -> None:
    scorer = make().fit(pd.DataFrame({"x": [1.0, 3.0]}))
    with pytest.warns(DeprecationWarning, match=f"{old} is renamed .*{new}"):
        value = getattr(scorer, old)
    assert value == getattr(scorer, new)


_PROFILES = (
    "a non-empty mapping of profile name (a non-empty str, not 'top_profile') to {term: weight}"
)


@pytest.mark.parametrize(
    ("profiles", "shown"),
    [
        pytest.param({}, "{}", id="empty"),
        pytest.param(["eco"], "['eco']", id="not-a-mapping"),
        pytest.param({"top_profile": {"age > 1": 1}}, "{'top_profile': {'age > 1': 1}}", id="reserved"),
        pytest.param({"": {"age > 1": 1}}, "{'': {'age > 1': 1}}", id="empty-name"),
    ],
)  # fmt: skip
def test_psychographic_profiles_table(profiles, shown):
    with pytest.raises(ParameterError) as info:
        PsychographicScorer(profiles).fit(pd.DataFrame({"age": [30]}))
    assert str(info.value) == (
        f"the 'profiles' parameter of PsychographicScorer must be {_PROFILES}; got {shown}"
    )
