"""Per-customer feedback and complaint features as of a date."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import DAY_NS, AsOf, parse_as_of, window_days
from segkit._validation import check_int
from segkit.errors import ParameterError, SchemaError
from segkit.feedback.logs import ComplaintLog, FeedbackLog

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
    complaint resolved after ``as_of`` counts as open. Time follows segkit's
    time policy (``docs/time.md``): a date-only ``as_of`` is that whole day and
    its durations are whole calendar days (a complaint opened that day is 0
    days old); an ``N``-day window holds the rows less than ``N`` days before
    ``as_of``; timezone-aware logs are compared on their own wall clock.

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
        Window lengths in days (see the time policy above).
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
            The latest NPS answer (of answers at the same instant, the later
            row) and its class (promoter / passive / detractor); missing
            without an NPS answer.
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
    if as_of is None:
        raise ParameterError("as_of is required: the date of the features, e.g. '2024-06-30'")
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
        out.update(_answers(fb, codes[0], n, parse_as_of(as_of, fb.tz), spans, low_rating))
    if cp is not None:
        out.update(_complaints(cp, codes[-1], n, parse_as_of(as_of, cp.tz), spans))
    frame = pd.DataFrame(out, index=index)
    if customers is not None:
        target = customers.index if isinstance(customers, pd.DataFrame) else pd.Index(customers)
        frame = frame.reindex(target)
        for column in frame.columns:
            if column.startswith(("responses_", "low_ratings_", "complaints_")):
                frame[column] = frame[column].fillna(0).astype(np.int64)
    return frame


def _windows(windows: Iterable[int]) -> list[int]:
    spans = list(windows)
    for w in spans:
        window_days(w)
    if len(set(spans)) != len(spans):
        raise ParameterError(f"windows must be distinct; got {spans}")
    return spans


def _codes(ids: list[pd.Series], name: str) -> tuple[list[Any], pd.Index]:
    numeric = {pd.api.types.is_numeric_dtype(s.dtype) for s in ids if len(s)}
    if len(numeric) > 1:
        kinds = ", ".join(
            f"{what} {s.dtype}" for what, s in zip(("feedback", "complaints"), ids, strict=True)
        )
        raise SchemaError(
            f"column {name!r} holds numbers in one log and text in the other ({kinds}); the "
            f"same customer would count twice; make them one type, e.g. "
            f"df[{name!r}] = df[{name!r}].astype(str) in both"
        )
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
    fb: FeedbackLog, codes: Any, n: int, as_of: AsOf, spans: list[int], low_rating: int
) -> dict[str, Any]:
    end = as_of.cut
    # Masks instead of subsets: every count is a weighted bincount over all rows.
    valid = fb.wall <= end
    scored = ~np.isnan(fb.score)
    out: dict[str, Any] = {}
    k_nps, k_rating = fb.kinds.index("nps"), fb.kinds.index("rating")
    last = _last(codes, fb.wall, fb.score, (fb.kind == k_nps) & valid & scored, n)
    out["last_nps"] = last
    classes = np.searchsorted([7.0, 9.0], np.nan_to_num(last), side="right")
    classes[np.isnan(last)] = -1
    out["nps_class"] = pd.Categorical.from_codes(
        classes, categories=pd.Index(["detractor", "passive", "promoter"])
    )
    is_rating = (fb.kind == k_rating) & scored
    kind3 = is_rating.astype(np.int64) + (
        is_rating & (fb.score <= low_rating)
    )  # 0 other, 1, 2 low
    # The windows are nested: a row's depth is how many of them hold it (0: none, or after
    # as_of). One bincount over (customer, depth, kind) then gives every window by a
    # cumulative sum over the depths, instead of three bincounts per window.
    by_size = sorted(spans)
    m = len(by_size)
    depth = np.zeros(fb.wall.size, dtype=np.int64)
    for w in by_size:
        depth += valid & (fb.wall > as_of.window_start(w))
    cells = np.bincount((codes * (m + 1) + depth) * 3 + kind3, minlength=n * (m + 1) * 3)
    cells = cells.reshape(n, m + 1, 3)[:, ::-1].cumsum(axis=1)[:, ::-1]  # depth >= d
    totals = np.bincount(
        codes * (m + 1) + depth, weights=np.where(is_rating, fb.score, 0.0), minlength=n * (m + 1)
    )
    totals = totals.reshape(n, m + 1)[:, ::-1].cumsum(axis=1)[:, ::-1]
    for rank, w in enumerate(by_size):
        at = m - rank  # rows in the window of rank r (0 = smallest) have depth >= m - r
        out[f"responses_{w}d"] = cells[:, at, :].sum(axis=1)
        count = cells[:, at, 1] + cells[:, at, 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"avg_rating_{w}d"] = np.where(
                count > 0, totals[:, at] / np.maximum(count, 1), np.nan
            )
        out[f"low_ratings_{w}d"] = cells[:, at, 2]
    ordered = {}
    for w in spans:  # columns in the caller's order of windows
        for name in ("responses", "avg_rating", "low_ratings"):
            ordered[f"{name}_{w}d"] = out.pop(f"{name}_{w}d")
    out.update(ordered)
    return out


def _count(codes: Any, mask: Any, n: int) -> Any:
    return np.bincount(codes, weights=mask, minlength=n).astype(np.int64)


def _last(codes: Any, wall: Any, score: _FloatArray, mask: Any, n: int) -> _FloatArray:
    """Per code, the score of the latest row where ``mask`` (ties: the later row)."""
    rows = np.flatnonzero(mask)
    out = np.full(n, np.nan)
    if rows.size == 0:
        return out
    c, t = codes[rows], wall[rows]
    latest = np.full(n, _NAT)
    np.maximum.at(latest, c, t)
    tied = rows[t == latest[c]]
    position = np.full(n, -1)
    np.maximum.at(position, codes[tied], tied)
    found = position >= 0
    out[found] = score[position[found]]
    return out


def _complaints(
    cp: ComplaintLog, codes: Any, n: int, as_of: AsOf, spans: list[int]
) -> dict[str, Any]:
    end = as_of.cut
    valid = cp.opened <= end
    out: dict[str, Any] = {}
    for w in spans:
        out[f"complaints_{w}d"] = _count(codes, valid & (cp.opened > as_of.window_start(w)), n)
    is_open = valid & ((cp.resolved == _NAT) | (cp.resolved > end))
    out["complaints_open"] = _count(codes, is_open, n)
    never = np.iinfo(np.int64).max
    oldest = np.full(n, never)
    np.minimum.at(oldest, codes[is_open], cp.opened[is_open])
    has_open = oldest < never
    out["open_complaint_days"] = np.where(
        has_open, as_of.days_since(np.where(has_open, oldest, 0)), np.nan
    )
    latest = np.full(n, _NAT)
    np.maximum.at(latest, codes[valid], cp.opened[valid])
    seen = latest > _NAT
    out["days_since_last_complaint"] = np.where(
        seen, as_of.days_since(np.where(seen, latest, 0)), np.nan
    )
    done = valid & ~is_open
    days = (cp.resolved[done] - cp.opened[done]) / DAY_NS
    out["median_resolution_days"] = _group_median(codes[done], days, n)
    return out


def _group_median(codes: Any, values: _FloatArray, n: int) -> _FloatArray:
    """Median of ``values`` per code (NaN for codes without values).

    Groups of one or two values (most customers) need no sort; only the rows
    of larger groups are sorted.
    """
    out = np.full(n, np.nan)
    if codes.size == 0:
        return out
    count = np.bincount(codes, minlength=n)
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    small = (count >= 1) & (count <= 2)
    out[small] = (low[small] + high[small]) / 2.0
    big = count[codes] >= 3
    if big.any():
        c, v = codes[big], values[big]
        order = np.lexsort((v, c))
        c, v = c[order], v[order]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        sizes = np.diff(np.r_[starts, c.size])
        out[c[starts]] = (v[starts + (sizes - 1) // 2] + v[starts + sizes // 2]) / 2.0
    return out
