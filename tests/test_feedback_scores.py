"""NPS, CSAT, CES and rating summaries: hand-computed values and intervals, scale checks."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import ParameterError, SchemaError
from segkit.feedback import ces, csat, nps, nps_class, rating_summary, wilson_interval

Z95 = 1.959963984540054


def test_nps_hand_computed() -> None:
    # 4 promoters, 3 passives, 3 detractors: p = 0.4, d = 0.3.
    s = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 5])
    half = 100 * Z95 * math.sqrt((0.4 + 0.3 - 0.1**2) / 10)  # Rocks (2016)
    assert (s.kind, s.value, s.n, s.level) == ("nps", 10.0, 10, 0.95)
    assert s.low == pytest.approx(10 - half, abs=1e-9)
    assert s.high == pytest.approx(10 + half, abs=1e-9)
    assert round(half, 2) == 51.48


def test_nps_skips_missing_and_clips() -> None:
    s = nps([10, None, 0, float("nan")])
    assert (s.value, s.n) == (0.0, 2)
    # p = d = 0.5: Var = (1 - 0) / 2; the interval is clipped to [-100, 100].
    assert (s.low, s.high) == (-100.0, 100.0)
    everyone = nps([9, 10, 10])
    assert (everyone.value, everyone.low, everyone.high) == (100.0, 100.0, 100.0)


def test_nps_of_nothing_is_nan() -> None:
    s = nps([])
    assert s.n == 0
    assert math.isnan(s.value)
    assert math.isnan(s.low)
    assert math.isnan(s.high)


def test_nps_level() -> None:
    s = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 5], level=0.9)
    half = 100 * 1.6448536269514722 * math.sqrt(0.069)
    assert s.high - s.value == pytest.approx(half, abs=1e-9)


def test_nps_bootstrap_is_seeded_and_close_to_normal() -> None:
    scores = [10] * 90 + [8] * 50 + [3] * 60
    normal = nps(scores)
    boot = nps(scores, interval="bootstrap", seed=3)
    assert boot == nps(scores, interval="bootstrap", seed=3)
    assert boot.value == normal.value == 15.0
    assert boot.low == pytest.approx(normal.low, abs=2.5)
    assert boot.high == pytest.approx(normal.high, abs=2.5)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        pytest.param(
            [10, 11, -1, 7.5, 3],
            "3 NPS answers are not whole numbers on the scale 0..10, at position [1, 2, 3]: "
            "[11, -1, 7.5]",
            id="outside",
        ),
        pytest.param(["9", "ten"], "at position [1]: ['ten']", id="text"),
    ],
)
def test_nps_rejects_scores_off_the_scale(scores: list[object], message: str) -> None:
    with pytest.raises(SchemaError, match=re.escape(message)):
        nps(scores)


def test_scale_errors_name_series_labels() -> None:
    with pytest.raises(SchemaError, match=r"at index \['b'\]: \[6\]"):
        csat(pd.Series([5, 6], index=["a", "b"]))


def test_nps_rejects_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="interval must be 'normal' or 'bootstrap'"):
        nps([10], interval="wald")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="level must be a number in"):
        nps([10], level=95)
    with pytest.raises(ParameterError, match="n_boot must be an int of at least 100"):
        nps([10], interval="bootstrap", n_boot=10)


def test_wilson_hand_computed() -> None:
    # p = 0.6, n = 5: centre (p + z²/2n) / (1 + z²/n), half-width z sqrt(p(1-p)/n + z²/4n²) / (...)
    z2 = Z95**2
    centre = (0.6 + z2 / 10) / (1 + z2 / 5)
    half = Z95 * math.sqrt(0.24 / 5 + z2 / 100) / (1 + z2 / 5)
    assert wilson_interval(3, 5) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert wilson_interval(3, 5) == pytest.approx((0.2307, 0.8824), abs=5e-5)
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=5e-5)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


@given(
    st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.floats(0.5, 0.999),
)
@settings(max_examples=100, deadline=None)
def test_wilson_contains_the_share(kn: tuple[int, int], level: float) -> None:
    k, n = kn
    low, high = wilson_interval(k, n, level)
    if n:
        assert 0.0 <= low <= k / n <= high <= 1.0


def test_csat_top_two_box() -> None:
    s = csat([5, 4, 3, 4, 1])
    assert (s.kind, s.value, s.n) == ("csat", 0.6, 5)
    assert (s.low, s.high) == wilson_interval(3, 5)
    seven = csat([7, 6, 5, 1], scale=7)
    assert seven.value == 0.5
    with pytest.raises(ParameterError, match="the 'scale' parameter of csat must be an int"):
        csat([1], scale=2)


def test_ces_mean_interval() -> None:
    s = ces([7, 5, 6, 6])
    half = Z95 * math.sqrt(2 / 3) / 2  # sample sd sqrt(2/3), n = 4
    assert (s.kind, s.value, s.n) == ("ces", 6.0, 4)
    assert (s.low, s.high) == pytest.approx((6 - half, 6 + half), abs=1e-12)
    one = ces([4])
    assert one.value == 4.0
    assert math.isnan(one.low)
    with pytest.raises(
        SchemaError, match=r"CES answers are not whole numbers on the scale 1\.\.7"
    ):
        ces([0])


def test_rating_summary() -> None:
    r = rating_summary([5, 5, 4, 1, 2])
    half = Z95 * math.sqrt(3.3) / math.sqrt(5)  # sample variance 13.2 / 4
    assert (r.mean.value, r.mean.n) == (3.4, 5)
    assert (r.mean.low, r.mean.high) == pytest.approx((3.4 - half, 3.4 + half), abs=1e-12)
    assert (r.low_share.kind, r.low_share.value) == ("low_rating_share", 0.4)
    assert (r.low_share.low, r.low_share.high) == wilson_interval(2, 5)
    assert rating_summary([5, 3, 1], low=1).low_share.value == pytest.approx(1 / 3)
    with pytest.raises(ParameterError, match="low must be an int from 1 to 4"):
        rating_summary([5], low=5)


def test_nps_class() -> None:
    out = nps_class(pd.Series([10, 9, 8, 7, 6, 0, None], index=list("abcdefg")))
    assert out.tolist()[:6] == ["promoter", "promoter", "passive", "passive"] + ["detractor"] * 2
    assert pd.isna(out["g"])
    assert list(out.index) == list("abcdefg")


def test_scores_accept_arrays_and_series() -> None:
    values = [10, 0, 8]
    assert nps(np.array(values)) == nps(pd.Series(values)) == nps(values)
