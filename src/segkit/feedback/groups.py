"""Satisfaction by group of the customer table, each group tested against the rest."""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import parse_as_of
from segkit._validation import require_columns, require_frame
from segkit.errors import ParameterError
from segkit.feedback.logs import FeedbackLog
from segkit.feedback.scores import Score, ces, csat, nps, rating_summary

__all__ = ["satisfaction_by"]

_COLUMNS = ["group", "kind", "n", "score", "low", "high", "rest_score", "diff", "p_value"]


def _score(kind: str, values: np.ndarray[Any, Any], scale: int, level: float) -> Score:
    if kind == "nps":
        return nps(values, level=level)
    if kind == "csat":
        return csat(values, scale, level=level)
    if kind == "ces":
        return ces(values, scale, level=level)
    return rating_summary(values, scale, level=level).mean


def _variance(kind: str, values: np.ndarray[Any, Any], scale: int) -> float:
    """Sampling variance of the score of ``values`` (on the score's own units)."""
    n = values.size
    if n < 2:
        return math.nan
    if kind == "nps":
        p, d = float(np.mean(values >= 9)), float(np.mean(values <= 6))
        return 100.0**2 * (p + d - (p - d) ** 2) / n
    if kind == "csat":
        share = float(np.mean(values >= scale - 1))
        return share * (1 - share) / n
    return float(np.var(values, ddof=1)) / n


def satisfaction_by(
    feedback: Any,
    table: Any,
    by: str = "segment",
    *,
    customer: str,
    kind: str = "kind",
    score: str = "score",
    timestamp: str | None = None,
    as_of: Any = None,
    scales: Mapping[str, int] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Satisfaction scores per group of the customer table, with intervals and a test against
    the rest.

    Every answer is matched to its customer's group in ``table[by]`` (any
    column: segment, tag, lifecycle state, tier, country). For each group and
    kind the score is computed as by :func:`nps`, :func:`csat`, :func:`ces`
    and the mean of :func:`rating_summary`, and compared with the answers of
    all other groups by a two-sided Wald z-test of the difference,
    ``z = (s_g - s_rest) / sqrt(V_g + V_rest)``, where ``V`` is the sampling
    variance of each score: ``100² (p + d - (p - d)²) / n`` for NPS (Rocks
    2016), ``q (1 - q) / n`` for CSAT shares and ``s² / n`` for means.

    Parameters
    ----------
    feedback : DataFrame
        The feedback log (one row per answer).
    table : DataFrame
        The customer table, indexed by customer, with the column ``by``.
    by : str, default "segment"
        The group column of ``table``.
    customer, kind, score : str
        Columns of ``feedback``.
    timestamp, as_of : optional
        With ``as_of``, only answers at or before it count (``timestamp`` is
        then required); a date-only ``as_of`` is the end of that day.
    scales : mapping, optional
        Number of points of the csat/ces/rating scales (default 5, 7, 5).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Tidy, one row per (group, kind) with answers: ``group``, ``kind``,
        ``n``, ``score``, ``low``, ``high`` (the interval), ``rest_score``
        (the score of every other group's answers), ``diff`` and ``p_value``
        (NaN when either side has fewer than two answers). The p-values are
        not corrected for testing many groups. Answers of customers missing
        from ``table`` or with a missing group are left out.

    Examples
    --------
    >>> fb = pd.DataFrame({"customer_id": [1, 1, 2, 3, 4],
    ...                    "kind": ["nps"] * 5, "score": [10, 9, 0, 10, 3]})
    >>> table = pd.DataFrame({"segment": ["vip", "new", "vip", "new"]},
    ...                      index=pd.Index([1, 2, 3, 4], name="customer_id"))
    >>> satisfaction_by(fb, table, customer="customer_id")[["group", "kind", "n", "score"]]
      group kind  n  score
    0   new  nps  2 -100.0
    1   vip  nps  3  100.0
    """
    if as_of is not None and timestamp is None:
        raise ParameterError("as_of needs the timestamp column: pass timestamp='...'")
    log = FeedbackLog.read(
        feedback, customer=customer, timestamp=timestamp, kind=kind, score=score
    )
    tbl = require_frame(table, "customer table")
    require_columns(tbl, [by], "customer table")
    if not tbl.index.is_unique:
        raise ParameterError("the customer table's index must be unique (one row per customer)")
    points = {"csat": 5, "ces": 7, "rating": 5, **(scales or {})}
    group = tbl[by].reindex(log.customer.to_numpy())
    keep = group.notna().to_numpy() & ~np.isnan(log.score)
    if as_of is not None:
        keep &= log.wall <= parse_as_of(as_of, log.tz).cut
    frame = pd.DataFrame(
        {
            "group": group.to_numpy()[keep],
            "kind": np.array(log.kinds, dtype=object)[log.kind[keep]],
            "score": log.score[keep],
        }
    )
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ParameterError(f"level must be in (0, 1); got {level!r}")
    rows = []
    for kind_name, part in frame.groupby("kind", sort=False):
        scale = points.get(str(kind_name), 5)
        values = part["score"].to_numpy()
        labels = part["group"].to_numpy()
        for name in pd.unique(labels):
            mine, rest = values[labels == name], values[labels != name]
            s = _score(str(kind_name), mine, scale, level)
            r = _score(str(kind_name), rest, scale, level)
            se = math.sqrt(
                _variance(str(kind_name), mine, scale) + _variance(str(kind_name), rest, scale)
            )
            diff = s.value - r.value
            p_value = 2 * (1 - NormalDist().cdf(abs(diff) / se)) if se > 0 else math.nan
            if se == 0 and not math.isnan(diff):
                p_value = 1.0 if diff == 0 else 0.0
            rows.append((name, kind_name, s.n, s.value, s.low, s.high, r.value, diff, p_value))
    out = pd.DataFrame(rows, columns=_COLUMNS)
    order = {k: i for i, k in enumerate(log.kinds)}
    out["_k"] = out["kind"].map(order)
    try:
        out = out.sort_values(["group", "_k"], kind="stable")
    except TypeError:  # groups of mixed types: keep the order of first appearance
        out = out.sort_values("_k", kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)
