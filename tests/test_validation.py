"""One parameter checker, one key checker, one way to suggest a name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit._validation import Interval, Options, check_keys, validate_params
from segkit.errors import ParameterError, SchemaError, did_you_mean


@pytest.mark.parametrize(
    ("constraint", "value", "accepted"),
    [
        pytest.param(Interval(int, 2, 9), 2, True, id="int-low-edge"),
        pytest.param(Interval(int, 2, 9), 9, True, id="int-high-edge"),
        pytest.param(Interval(int, 2, 9), 10, False, id="int-above"),
        pytest.param(Interval(int, 2, 9), np.int64(3), True, id="numpy-int"),
        pytest.param(Interval(int, 2, 9), 2.5, False, id="float-for-int"),
        pytest.param(Interval(int, 2, 9), True, False, id="bool-is-not-a-number"),
        pytest.param(Interval(float, 0, None, closed="neither"), 0.0, False, id="open-low"),
        pytest.param(Interval(float, None, None), float("nan"), False, id="nan"),
        pytest.param(Options(("a", "b")), "a", True, id="option"),
        pytest.param(Options(("a", "b")), ["a"], False, id="unhashable-option"),
    ],
)
def test_constraints(constraint: Any, value: Any, accepted: bool) -> None:
    assert constraint.accepts(value) is accepted


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda: segkit.RFMScorer(bins=1),
            "the 'bins' parameter of RFMScorer must be an int in the range [2, 9]; got 1",
            id="rfm-bins",
        ),
        pytest.param(
            lambda: segkit.RFMScorer(segments=3),
            "the 'segments' parameter of RFMScorer must be a map name, a SegmentMap or a "
            "mapping or None; got 3",
            id="rfm-segments",
        ),
        pytest.param(
            lambda: segkit.RFMScorer(recency=3),
            "the 'recency' parameter of RFMScorer must be a column name (str); got 3",
            id="rfm-column",
        ),
        pytest.param(
            lambda: segkit.BandScorer(column=3, edges=[0, 1]),
            "the 'column' parameter of BandScorer must be a column name (str); got 3",
            id="band-column",
        ),
        pytest.param(
            lambda: segkit.BandScorer(column="x", edges=[0, 1], right="yes"),
            "the 'right' parameter of BandScorer must be a bool; got 'yes'",
            id="band-right",
        ),
        pytest.param(
            lambda: segkit.PointsScorer({"x > 1": 1}, base="ten"),
            "the 'base' parameter of PointsScorer must be a number in the range (-inf, inf); "
            "got 'ten'",
            id="points-base",
        ),
    ],
)
def test_estimators_check_their_parameter_tables(make: Any, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        make().fit(pd.DataFrame({"x": [1.0, 2.0], "recency_days": [1.0, 2.0]}))
    assert str(info.value) == message


def test_validate_params_reads_the_table() -> None:
    class Thing:
        _parameter_constraints = {"k": [Interval(int, 1, None), Options((None,))]}  # noqa: RUF012

        def __init__(self, k: Any) -> None:
            self.k = k

    validate_params(Thing(None), Thing._parameter_constraints)
    validate_params(Thing(4), Thing._parameter_constraints)
    with pytest.raises(ParameterError, match=r"must be an int in the range \[1, inf\) or one of "):
        validate_params(Thing(0), Thing._parameter_constraints)


def test_check_keys_suggests_and_lists() -> None:
    with pytest.raises(SchemaError) as info:
        check_keys({"whem": 1}, ["tag", "when"], "rule #1", error=SchemaError)
    assert str(info.value) == (
        "rule #1 has an unknown key 'whem' (did you mean 'when'?); allowed: ['tag', 'when']"
    )
    with pytest.raises(ParameterError, match="rule #1 is missing the key 'tag'"):
        check_keys({"when": 1}, ["tag", "when"], "rule #1", required=["tag"])


def test_did_you_mean() -> None:
    assert did_you_mean("revenu", ["orders", "revenue"]) == " (did you mean 'revenue'?)"
    assert did_you_mean("Revenue", ["revenue"]) == " (did you mean 'revenue'?)"
    assert did_you_mean("zzz", ["orders"]) == ""


def test_check_keys_quotes_a_hostile_key_cut_short() -> None:
    with pytest.raises(ParameterError) as info:
        check_keys({"x" * 10_000: 1}, ["when"], "rule #1")
    assert str(info.value) == (
        "rule #1 has an unknown key '" + "x" * 79 + "... (10002 characters); allowed: ['when']"
    )


def test_check_keys_names_fields_and_options() -> None:
    with pytest.raises(ParameterError) as info:
        check_keys({"tag": "a"}, ["tag", "when"], "rule #1", required=["when"], noun="field")
    assert str(info.value) == "rule #1 is missing the field 'when'"
