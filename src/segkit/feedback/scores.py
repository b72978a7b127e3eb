"""Satisfaction scores as plain functions: NPS, CSAT, CES and star ratings.

Each function takes a list (or array, or Series) of answers on a known scale,
checks the scale, skips missing answers and returns a :class:`Score`: the
value, the number of answers and a confidence interval.

Intervals
---------
Shares (CSAT's top-2 box, the share of 1–2 star ratings) use the Wilson score
interval (Wilson 1927):

.. math::

    \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

The NPS uses the normal (Wald) interval of a difference of two shares of one
multinomial sample (Rocks 2016, section 2.1): with ``p`` the promoter and
``d`` the detractor share of ``n`` answers,

.. math::

    \\mathrm{Var}(\\hat p - \\hat d) = \\frac{p(1-p) + d(1-d) + 2pd}{n}
    = \\frac{p + d - (p - d)^2}{n},

since the covariance of two multinomial shares is ``-pd/n``; the interval is
``100 * (p - d ± z * sqrt(Var))``, clipped to [-100, 100]. A percentile
bootstrap is available with ``interval="bootstrap"``. Means (CES, star
ratings) use the normal interval ``mean ± z * s / sqrt(n)`` with the sample
standard deviation ``s``.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *Journal of the American Statistical Association*
22(158), 209–212.

Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The
American Statistician* 70(4), 365–372. arXiv:1601.07235.

Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review* 81(12), 46–54.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd

from segkit._validation import show_values
from segkit.errors import ParameterError, SchemaError

__all__ = [
    "KINDS",
    "RatingSummary",
    "Score",
    "ces",
    "check_scale",
    "csat",
    "nps",
    "nps_class",
    "rating_summary",
    "wilson_interval",
]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: The kinds of answer segkit knows, with the default (lowest, highest) score.
KINDS: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "rating": (1, 5),
}


@attrs.frozen
class Score:
    """A satisfaction score with its count and confidence interval.

    Attributes
    ----------
    kind : str
        ``"nps"``, ``"csat"``, ``"ces"``, ``"rating"`` or ``"low_rating_share"``.
    value : float
        The score (NPS on -100..100, shares on 0..1, means on the answer
        scale); NaN when there are no answers.
    n : int
        Number of answers used (missing answers are skipped).
    low, high : float
        The confidence interval at ``level``; NaN when ``n == 0`` (and for a
        mean, when ``n == 1``).
    level : float
        Confidence level of the interval.
    """

    kind: str
    value: float
    n: int
    low: float
    high: float
    level: float = 0.95


@attrs.frozen
class RatingSummary:
    """Star ratings: the mean and the share of low (1–2 star) ratings.

    Attributes
    ----------
    mean : Score
        The mean rating with a normal interval.
    low_share : Score
        The share of ratings of ``low`` stars or fewer, with a Wilson interval.
    """

    mean: Score
    low_share: Score


def _z(level: float) -> float:
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ParameterError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def check_scale(scores: Any, low: int, high: int, what: str = "scores") -> _FloatArray:
    """Return ``scores`` as float64 without missing values, checking they are whole numbers in
    ``[low, high]``.

    Raises
    ------
    SchemaError
        Naming the positions (or index labels, for a Series) and values that
        are not whole numbers on the scale.

    Examples
    --------
    >>> check_scale([1, 5, None], 1, 5).tolist()
    [1.0, 5.0]
    """
    series = scores if isinstance(scores, pd.Series) else pd.Series(list(scores), dtype=object)
    if pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(f"{what} must be numbers on the scale {low}..{high}, not booleans")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    given = series.notna().to_numpy()
    flags = np.fromiter(  # True/False in a list are not the scores 1 and 0
        (isinstance(v, bool | np.bool_) for v in series.to_numpy(dtype=object)), bool, len(series)
    )
    bad = given & (
        flags | np.isnan(values) | (values < low) | (values > high) | (values != np.round(values))
    )
    if bad.any():
        where = series.index[bad]
        raise SchemaError(
            f"{int(bad.sum())} {what} are not whole numbers on the scale {low}..{high}, at "
            f"{'index' if isinstance(scores, pd.Series) else 'position'} {show_values(where)}: "
            f"{show_values(series[bad])}; fix or drop them (a {high + 1 - low}-point scale "
            f"goes from {low} to {high})"
        )
    return values[given]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson (1927) score interval of a share ``successes / n``.

    Examples
    --------
    >>> low, high = wilson_interval(8, 10)
    >>> round(low, 4), round(high, 4)
    (0.4902, 0.9433)
    """
    z = _z(level)
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _share(kind: str, hits: np.ndarray[Any, Any], level: float) -> Score:
    n, k = int(hits.size), int(hits.sum())
    low, high = wilson_interval(k, n, level)
    return Score(kind, k / n if n else math.nan, n, low, high, level)


def _mean(kind: str, values: _FloatArray, level: float) -> Score:
    n = int(values.size)
    if n == 0:
        return Score(kind, math.nan, 0, math.nan, math.nan, level)
    mean = float(values.mean())
    if n == 1:
        return Score(kind, mean, 1, math.nan, math.nan, level)
    half = _z(level) * float(values.std(ddof=1)) / math.sqrt(n)
    return Score(kind, mean, n, mean - half, mean + half, level)


def nps_class(scores: Any) -> pd.Series:
    """``"promoter"`` (9–10), ``"passive"`` (7–8) or ``"detractor"`` (0–6) per answer.

    Missing answers stay missing.

    Examples
    --------
    >>> nps_class([10, 7, 3, None]).tolist()
    ['promoter', 'passive', 'detractor', nan]
    """
    series = scores if isinstance(scores, pd.Series) else pd.Series(list(scores), dtype=object)
    check_scale(series, 0, 10)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    labels = np.array(["detractor", "passive", "promoter"], dtype=object)
    out = labels[np.searchsorted([7.0, 9.0], np.nan_to_num(values), side="right")]
    out[np.isnan(values)] = np.nan
    return pd.Series(out, index=series.index, name="nps_class", dtype=object)


def nps(
    scores: Any,
    *,
    level: float = 0.95,
    interval: Literal["normal", "bootstrap"] = "normal",
    n_boot: int = 2000,
    seed: int = 0,
) -> Score:
    """Net Promoter Score of answers on the 0–10 scale (Reichheld 2003).

    ``NPS = 100 * (p - d)`` with ``p`` the share of promoters (9–10) and ``d``
    the share of detractors (0–6); passives (7–8) count in ``n`` only. The
    normal interval is ``100 * (p - d ± z * sqrt((p + d - (p - d)**2) / n))``,
    the variance of a difference of two shares of one multinomial sample
    (Rocks 2016, section 2.1), clipped to [-100, 100].

    Parameters
    ----------
    scores : sequence or Series of int
        Answers 0..10; missing answers are skipped.
    level : float, default 0.95
        Confidence level.
    interval : {"normal", "bootstrap"}
        The normal interval above, or a percentile bootstrap of ``n_boot``
        resamples (multinomial draws of the three class counts) seeded by ``seed``.

    Returns
    -------
    Score
        ``kind="nps"``, value on -100..100.

    Raises
    ------
    SchemaError
        An answer that is not a whole number from 0 to 10 (positions named).

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The
    American Statistician* 70(4), 365–372.

    Examples
    --------
    Four promoters, three passives and three detractors of ten answers:
    ``p = 0.4``, ``d = 0.3``, NPS = 10, ``Var = (0.7 - 0.01) / 10 = 0.069``:

    >>> s = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 5])
    >>> s.value, s.n
    (10.0, 10)
    >>> round(s.low, 2), round(s.high, 2)
    (-41.48, 61.48)
    """
    values = check_scale(scores, 0, 10, "NPS answers")
    if interval not in ("normal", "bootstrap"):
        raise ParameterError(f"interval must be 'normal' or 'bootstrap'; got {interval!r}")
    z = _z(level)
    n = int(values.size)
    if n == 0:
        return Score("nps", math.nan, 0, math.nan, math.nan, level)
    n_pro, n_det = int((values >= 9).sum()), int((values <= 6).sum())
    p, d = n_pro / n, n_det / n
    value = 100.0 * (n_pro - n_det) / n
    if interval == "normal":
        half = 100.0 * z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
        low, high = value - half, value + half
    else:
        if not (isinstance(n_boot, int) and n_boot >= 100):
            raise ParameterError(f"n_boot must be an int of at least 100; got {n_boot!r}")
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n, [p, d, max(0.0, 1.0 - p - d)], size=n_boot)
        boot = 100.0 * (draws[:, 0] - draws[:, 1]) / n
        low, high = (float(v) for v in np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2]))
    return Score("nps", value, n, max(-100.0, low), min(100.0, high), level)


def csat(scores: Any, scale: int = 5, *, level: float = 0.95) -> Score:
    """Customer satisfaction: the share of answers in the top two boxes of a 1..``scale`` scale.

    On the usual 5-point scale the top-2 box is 4 ("satisfied") and 5 ("very
    satisfied"). The interval is Wilson's (1927).

    Examples
    --------
    Three of five answers are 4 or 5:

    >>> s = csat([5, 4, 3, 4, 1])
    >>> s.value, s.n
    (0.6, 5)
    >>> round(s.low, 4), round(s.high, 4)
    (0.2307, 0.8824)
    """
    _check_points(scale, "csat")
    values = check_scale(scores, 1, scale, "CSAT answers")
    return _share("csat", values >= scale - 1, level)


def ces(scores: Any, scale: int = 7, *, level: float = 0.95) -> Score:
    """Customer effort score: the mean answer on a 1..``scale`` scale (7: "very easy").

    Higher is easier (the CES 2.0 wording, "the company made it easy for me
    to handle my issue", from 1 strongly disagree to 7 strongly agree). The
    interval is the normal interval of a mean.

    Examples
    --------
    >>> s = ces([7, 5, 6, 6])
    >>> s.value, s.n
    (6.0, 4)
    >>> round(s.low, 3), round(s.high, 3)
    (5.2, 6.8)
    """
    _check_points(scale, "ces")
    return _mean("ces", check_scale(scores, 1, scale, "CES answers"), level)


def rating_summary(
    scores: Any, scale: int = 5, *, low: int = 2, level: float = 0.95
) -> RatingSummary:
    """Star ratings: the mean (normal interval) and the share of ``low`` stars or fewer (Wilson).

    Examples
    --------
    >>> r = rating_summary([5, 5, 4, 1, 2])
    >>> r.mean.value, r.low_share.value, r.low_share.n
    (3.4, 0.4, 5)
    """
    _check_points(scale, "rating_summary")
    if not (isinstance(low, int) and 1 <= low < scale):
        raise ParameterError(f"low must be an int from 1 to {scale - 1}; got {low!r}")
    values = check_scale(scores, 1, scale, "ratings")
    return RatingSummary(
        _mean("rating", values, level), _share("low_rating_share", values <= low, level)
    )


def _check_points(scale: Any, owner: str) -> None:
    if not (
        isinstance(scale, int | np.integer) and not isinstance(scale, bool) and 3 <= scale <= 11
    ):
        raise ParameterError(
            f"the 'scale' parameter of {owner} must be an int from 3 to 11; got {scale!r}"
        )
