"""Per-customer feedback and complaint features as of a date."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import check_int
from segkit.errors import ParameterError
from segkit.feedback.logs import DAY_NS, ComplaintLog, FeedbackLog, cutoff

__all__ = ["feedback_features"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_NAT = np.iinfo(np.int64).min


def feedback_features(
    feedback: Any,
    complaints: Any = None,
    *,
    customer: str,
    timestamp: str,
    as_of: Any,
    windows: Iterable[int] = (90, 365),
    kind: str = "kind",
    score: str = "score",
    opened: str = "opened",
    resolved: str = "resolved",
    customers: Any = None,
    low_rating: int = 2,
) -> pd.DataFrame:
    """One row per customer of satisfaction and complaint features as of ``as_of``.

    Only answers given and complaints opened on or before ``as_of`` count; a
    complaint resolved after ``as_of`` counts as open. A date-only ``as_of``
    means the end of that day.

    Parameters
    ----------
    feedback : DataFrame or None
        The feedback log, one row per answer (see :class:`~segkit.feedback.logs.FeedbackLog`).
    complaints : DataFrame, optional
        The complaints log, one row per ticket. Its customer column has the
        same name ``customer``.
    customer, timestamp : str
        Customer id column (both logs) and answer time column (feedback).
    as_of : date-like
        The date of the features.
    windows : iterable of int, default (90, 365)
        Window lengths in days: ``as_of - N days < time <= as_of``.
    kind, score : str
        Columns of the feedback log.
    opened, resolved : str
        Columns of the complaints log (``resolved`` missing while open).
    customers : Index or DataFrame, optional
        Index the result on these customers (e.g. the customer table):
        customers with no answer get zero counts and missing values. By
        default: every customer of either log, sorted.
    low_rating : int, default 2
        Star ratings of at most this many stars are low.

    Returns
    -------
    DataFrame
        Indexed by customer, with

        ``last_nps``, ``nps_class``
            The latest NPS answer and its class (promoter / passive /
            detractor); missing without an NPS answer.
        ``responses_{N}d``, ``avg_rating_{N}d``, ``low_ratings_{N}d``
            Answers of any kind, the mean star rating and the number of low
            ratings in each window.
        ``complaints_{N}d``
            Complaints opened in each window (with ``complaints``).
        ``complaints_open``, ``open_complaint_days``
            Complaints open at ``as_of`` and the age in days of the oldest.
        ``days_since_last_complaint``, ``median_resolution_days``
            Days from the latest complaint opened to ``as_of``, and the median
            days to resolve the complaints resolved by ``as_of``.

    Raises
    ------
    SchemaError
        Bad rows of either log (see the log readers).

    Examples
    --------
    >>> fb = pd.DataFrame({"customer_id": [1, 1, 2, 2],
    ...                    "timestamp": pd.to_datetime(["2024-01-10", "2024-05-01",
    ...                                                 "2024-03-01", "2024-07-01"]),
    ...                    "kind": ["nps", "nps", "rating", "nps"], "score": [9, 3, 1, 10]})
    >>> cp = pd.DataFrame({"customer_id": [2], "opened": pd.to_datetime(["2024-06-01"]),
    ...                    "resolved": pd.to_datetime([None])})
    >>> f = feedback_features(fb, cp, customer="customer_id", timestamp="timestamp",
    ...                       as_of="2024-06-30")
    >>> f[["last_nps", "nps_class", "low_ratings_365d", "complaints_open"]]
                 last_nps  nps_class  low_ratings_365d  complaints_open
    customer_id
    1                 3.0  detractor                 0                0
    2                 NaN        NaN                 1                1
    """
    spans = _windows(windows)
    end = as_of_cutoff(as_of)
    fb = None
    if feedback is not None:
        fb = FeedbackLog.read(
            feedback, customer=customer, timestamp=timestamp, kind=kind, score=score
        )
    cp = None
    if complaints is not None:
        cp = ComplaintLog.read(complaints, customer=customer, opened=opened, resolved=resolved)
    if fb is None and cp is None:
        raise ParameterError("give feedback, complaints or both")
    check_int("low_rating", low_rating, "feedback_features", 1)
    ids = [log.customer for log in (fb, cp) if log is not None]
    codes, index = _codes(ids, customer)
    n = len(index)
    out: dict[str, Any] = {}
    if fb is not None:
        out.update(_answers(fb, codes[0], n, end, spans, low_rating))
    if cp is not None:
        out.update(_complaints(cp, codes[-1], n, end, spans))
    frame = pd.DataFrame(out, index=index)
    if customers is not None:
        target = customers.index if isinstance(customers, pd.DataFrame) else pd.Index(customers)
        frame = frame.reindex(target)
        for column in frame.columns:
            if column.startswith(("responses_", "low_ratings_", "complaints_")):
                frame[column] = frame[column].fillna(0).astype(np.int64)
    return frame


def as_of_cutoff(as_of: Any) -> int:
    """The one place ``as_of`` becomes a cut-off (switches to ``segkit._time`` when it lands)."""
    if as_of is None:
        raise ParameterError("as_of is required: the date of the features, e.g. '2024-06-30'")
    return cutoff(as_of)


def _windows(windows: Iterable[int]) -> list[int]:
    spans = list(windows)
    for w in spans:
        check_int("windows", w, "feedback_features", 1)
    if len(set(spans)) != len(spans):
        raise ParameterError(f"windows must be distinct; got {spans}")
    return spans


def _codes(ids: list[pd.Series], name: str) -> tuple[list[Any], pd.Index]:
    sizes = [len(s) for s in ids]
    joined = ids[0] if len(ids) == 1 else pd.concat(ids, ignore_index=True)
    values = joined.to_numpy()
    if (
        values.dtype.kind in "iu"
        and values.size
        and values.min() >= 0
        and values.max() < 4 * values.size + 1024
    ):
        raw = values.astype(np.int64, copy=False)
        present = np.flatnonzero(np.bincount(raw))
        position = np.zeros(int(raw.max()) + 1, dtype=np.int64)
        position[present] = np.arange(present.size)
        codes = position[raw]
        index = pd.Index(present.astype(values.dtype), name=name)
    else:
        codes, uniques = pd.factorize(joined, sort=True)
        index = pd.Index(uniques, name=name)
    split = np.split(codes, np.cumsum(sizes)[:-1])
    return split, index


def _answers(
    fb: FeedbackLog, codes: Any, n: int, end: int, spans: list[int], low_rating: int
) -> dict[str, Any]:
    keep = fb.wall <= end
    codes, wall, kind, score = codes[keep], fb.wall[keep], fb.kind[keep], fb.score[keep]
    out: dict[str, Any] = {}
    k_nps, k_rating = fb.kinds.index("nps"), fb.kinds.index("rating")
    is_nps = (kind == k_nps) & ~np.isnan(score)
    last = np.full(n, np.nan)
    if is_nps.any():
        c, t, s = codes[is_nps], wall[is_nps], score[is_nps]
        order = np.lexsort((t, c))
        c = c[order]
        tail = np.flatnonzero(np.r_[c[1:] != c[:-1], True])
        last[c[tail]] = s[order][tail]
    out["last_nps"] = last
    cls = np.array(["detractor", "passive", "promoter"], dtype=object)[
        np.searchsorted([7.0, 9.0], np.nan_to_num(last), side="right")
    ]
    cls[np.isnan(last)] = np.nan
    out["nps_class"] = pd.Categorical(cls, categories=["detractor", "passive", "promoter"])
    is_rating = (kind == k_rating) & ~np.isnan(score)
    for w in spans:
        inside = wall > end - w * DAY_NS
        out[f"responses_{w}d"] = np.bincount(codes[inside], minlength=n)
        rated = inside & is_rating
        count = np.bincount(codes[rated], minlength=n)
        total = np.bincount(codes[rated], weights=score[rated], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"avg_rating_{w}d"] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        out[f"low_ratings_{w}d"] = np.bincount(codes[rated & (score <= low_rating)], minlength=n)
    return out


def _complaints(
    cp: ComplaintLog, codes: Any, n: int, end: int, spans: list[int]
) -> dict[str, Any]:
    keep = cp.opened <= end
    codes, opened, resolved = codes[keep], cp.opened[keep], cp.resolved[keep]
    out: dict[str, Any] = {}
    for w in spans:
        out[f"complaints_{w}d"] = np.bincount(codes[opened > end - w * DAY_NS], minlength=n)
    is_open = (resolved == _NAT) | (resolved > end)
    out["complaints_open"] = np.bincount(codes[is_open], minlength=n)
    oldest = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(oldest, codes[is_open], opened[is_open])
    out["open_complaint_days"] = np.where(
        oldest < np.iinfo(np.int64).max, (end - oldest) / DAY_NS, np.nan
    )
    latest = np.full(n, _NAT)
    np.maximum.at(latest, codes, opened)
    out["days_since_last_complaint"] = np.where(latest > _NAT, (end - latest) / DAY_NS, np.nan)
    done = ~is_open
    days = (resolved[done] - opened[done]) / DAY_NS
    out["median_resolution_days"] = _group_median(codes[done], days, n)
    return out


def _group_median(codes: Any, values: _FloatArray, n: int) -> _FloatArray:
    """Median of ``values`` per code (NaN for codes without values), by one sort."""
    out = np.full(n, np.nan)
    if codes.size == 0:
        return out
    order = np.lexsort((values, codes))
    c, v = codes[order], values[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    counts = np.diff(np.r_[starts, c.size])
    lo = starts + (counts - 1) // 2
    hi = starts + counts // 2
    out[c[starts]] = (v[lo] + v[hi]) / 2.0
    return out
