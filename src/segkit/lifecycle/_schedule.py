"""The evaluation points of a lifecycle replay: period boundaries, then the end.

This module turns ``freq``, ``start`` and ``end`` into the points at which a
replay evaluates its machine: the ``freq`` boundaries before ``end`` (each an
instant) and ``end`` itself, resolved by the time policy (a date means that
whole day), with the limits on how many points and customer-steps a replay
takes on, and the labels of the points in the data's zone by the DST rule.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import DAY_NS, latest, parse_as_of, parse_freq, to_zone
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import TransactionColumns

__all__ = ["MAX_POINTS", "MAX_STEPS", "Points", "periods", "zoned"]

_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]


def _boundary_on_or_after(stamp: pd.Timestamp, offset: pd.DateOffset) -> pd.Timestamp:
    out = offset.rollforward(stamp.normalize())
    while out < stamp:
        out = out + offset
    return out


#: Most customer-steps (customers x evaluation points) a replay takes on.
MAX_STEPS = 2_000_000_000
#: Most evaluation points of one replay.
MAX_POINTS = 20_000


@attrs.frozen
class Points:
    """The evaluation points of a replay.

    Attributes
    ----------
    labels : DatetimeIndex
        Naive wall-clock labels: the period boundaries, then ``end``.
    cuts : ndarray of int64
        Inclusive wall-clock ends (rows at or before count), nanoseconds.
    days : ndarray of int64
        The calendar day of a date-only point (durations in whole days to
        it), -1 for an instant.
    """

    labels: pd.DatetimeIndex
    cuts: _Ints
    days: _Ints


def periods(
    cols: TransactionColumns, freq: Any, start: Any, end: Any, n_customers: int = 1
) -> Points:
    """The evaluation points: ``freq`` boundaries from ``start``, and finally ``end`` itself.

    ``end`` is resolved by the time policy (:func:`segkit._time.parse_as_of`;
    default: the latest transaction): a date means that whole day. Boundaries
    before it are evaluated at their instant; the last point is ``end``, so the
    replay never runs past the data.
    """
    offset = parse_freq(freq)
    if cols.wall.size == 0 and (start is None or end is None):
        raise SchemaError("the transactions are empty; pass start and end")
    last = latest(cols.wall, cols.tz) if end is None else parse_as_of(end, cols.tz, name="end")
    if start is None:
        lo = _boundary_on_or_after(pd.Timestamp(int(cols.wall.min()), unit="ns"), offset)
    else:
        first = parse_as_of(start, cols.tz, name="start")
        lo = pd.Timestamp(first.reference, unit="ns")
    hi = pd.Timestamp(last.reference, unit="ns")
    if start is None:
        lo = min(lo, hi)  # data within one period: only the end point
    if hi < lo:
        raise ParameterError(f"end {last.label} is before start {lo}")
    step = (lo + offset) - lo if lo + offset > lo else pd.Timedelta(1)
    estimate = (hi - lo) / step if step > pd.Timedelta(0) else 0.0
    if estimate > MAX_POINTS or estimate * max(n_customers, 1) > MAX_STEPS:
        raise ParameterError(
            f"freq={freq!r} from {lo} to {last.label} gives about {estimate:,.0f} evaluation "
            f"points for {n_customers:,} customers ({estimate * n_customers:,.0f} "
            f"customer-steps; at most {MAX_POINTS:,} points and {MAX_STEPS:,} customer-steps); "
            "choose a coarser freq or a shorter start..end"
        )
    bounds = pd.DatetimeIndex(pd.date_range(lo, hi, freq=offset)).as_unit("ns")
    bounds = bounds[bounds < hi] if last.date_only else bounds[bounds.asi8 < last.cut]
    labels = pd.DatetimeIndex(bounds.append(pd.DatetimeIndex([hi]).as_unit("ns")))
    cuts = np.append(bounds.asi8, last.cut).astype(np.int64)
    days = np.full(cuts.size, -1, dtype=np.int64)
    if last.date_only:
        days[-1] = int(last.reference // DAY_NS)
    return Points(labels, cuts, days)


def zoned(labels: pd.DatetimeIndex, tz: Any) -> tuple[pd.DatetimeIndex, _Bools]:
    """Wall-clock labels in zone ``tz`` by the DST rule, and which points to keep.

    A boundary in a DST gap moves to the first instant after the gap; when that
    instant is itself a boundary (hourly ``freq``), the two are one point.
    """
    if tz is None:
        return labels, np.ones(len(labels), dtype=bool)
    out = pd.DatetimeIndex(to_zone(labels, tz))
    keep = ~out.duplicated(keep="last")
    return out, np.asarray(keep, dtype=bool)
