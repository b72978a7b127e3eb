"""Zones and wall clocks of the time policy (:mod:`segkit._time`).

This module holds the policy's clock: a day is ``DAY_NS`` nanoseconds of wall
clock, times are compared on the wall clock of the data's zone
(:func:`wall_clock`), and a wall-clock time becomes an instant in its zone by
the DST rule (:func:`to_zone`: a gap moves forward, an overlap takes its first
occurrence). It also names the range of times segkit handles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DAY_NS", "TIME_RANGE", "to_zone", "wall_clock"]

DAY_NS = 86_400 * 10**9
#: the times nanosecond timestamps hold, for messages
TIME_RANGE = "1677-09-22 .. 2262-04-11"


def to_zone(wall: Any, tz: Any) -> Any:
    """Give naive wall-clock time(s) the zone ``tz``, by the DST rule.

    A time in a DST gap (which never happened) moves forward to the first
    instant after the gap; a time in an overlap (which happened twice) takes
    the first, earlier occurrence.

    Examples
    --------
    >>> str(to_zone(pd.Timestamp("2024-03-31 02:30"), "Europe/Oslo"))
    '2024-03-31 03:00:00+02:00'
    >>> str(to_zone(pd.Timestamp("2024-11-03 01:30"), "America/New_York"))
    '2024-11-03 01:30:00-04:00'
    """
    if tz is None:
        return wall
    if isinstance(wall, pd.Timestamp):
        return wall.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    index = pd.DatetimeIndex(wall)
    return index.tz_localize(
        tz, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward"
    )


def wall_clock(series: pd.Series) -> pd.Series:
    """A datetime column on its own wall clock (timezone-aware becomes naive local time).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2024-03-31 05:00+08:00"]))
    >>> str(wall_clock(s).iloc[0])
    '2024-03-31 05:00:00'
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return pd.Series(series.dt.tz_localize(None))
    return series
