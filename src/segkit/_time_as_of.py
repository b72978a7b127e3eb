"""``as_of`` and the calendar units of the time policy (:mod:`segkit._time`).

This module resolves an ``as_of`` (or ``calibration_end``, a replay's
``end``, ...) into an :class:`AsOf`: a date without a time of day is that
whole day, a timestamp is that instant, a naive value is read on the data's
wall clock and an aware one converted to the data's zone. It also checks the
time units (a month is 365.25 / 12 days), window lengths in days and the
``freq`` of replays and cohort tables, and gives the default ``as_of`` (the
latest transaction).
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time_zones import DAY_NS, TIME_RANGE, to_zone
from segkit.errors import ParameterError, SchemaError

__all__ = [
    "TIME_UNITS",
    "AsOf",
    "check_day_month",
    "latest",
    "parse_as_of",
    "parse_freq",
    "unit_days",
    "window_days",
]

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_HAS_TIME = re.compile(r":|\d[Tt]\d")
#: A date written day and month first, year last: 01/06/2011, 01.06.2011 18:00, 3-4-24.
_DAY_MONTH_YEAR = re.compile(
    r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[\sT].*)?)", re.DOTALL
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def check_day_month(value: Any, name: str = "as_of") -> None:
    """Refuse a date whose day and month read two ways (``01/06/2011``).

    pandas reads ``01/06/2011`` month first, 6 January, where a shop in
    Britain or Germany (``01.06.2011``) means 1 June. When both numbers
    before the year could be the month, and differ, the value names both
    readings and asks for the date year first; ``31/12/2011``,
    ``12/31/2011`` and ``06/06/2011`` read one way and pass.

    Raises
    ------
    ParameterError
        The value reads two ways.
    """
    found = _DAY_MONTH_YEAR.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return
    a, b, year = int(found[1]), int(found[3]), int(found[4])
    if len(found[4]) == 2:
        year += 2000 if year < 69 else 1900  # as strptime's %y
    try:
        day_first, month_first = _dt.date(year, b, a), _dt.date(year, a, b)
    except ValueError:
        return  # a day above 12: one reading only
    if a == b:
        return
    rest = found[5].rstrip()

    def said(d: _dt.date) -> str:
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"

    raise ParameterError(
        f"{name} {value!r} reads two ways ({said(day_first)}, or {said(month_first)} month "
        f"first); write it year first: '{day_first.isoformat()}{rest}' or "
        f"'{month_first.isoformat()}{rest}'"
    )


@attrs.frozen
class AsOf:
    """A resolved ``as_of``: the inclusive end of the data a result may see.

    Attributes
    ----------
    cut : int
        Inclusive end on the data's wall clock, in nanoseconds since the epoch
        (the last nanosecond of the day for a date-only ``as_of``).
    day : int or None
        The calendar day (days since 1970-01-01) of a date-only ``as_of``;
        ``None`` for an instant.
    tz : tzinfo or None
        The data's zone.
    given : object
        What the caller passed (kept so the same ``as_of`` can be resolved
        again for data in another zone).
    """

    cut: int
    day: int | None
    tz: Any = attrs.field(eq=False)
    given: Any = attrs.field(eq=False, repr=False)

    @property
    def date_only(self) -> bool:
        """Whether ``as_of`` was a date (the whole day) rather than an instant."""
        return self.day is not None

    @property
    def reference(self) -> int:
        """Where durations are counted to: the day's start for a date, else the instant."""
        return self.cut if self.day is None else self.day * DAY_NS

    @property
    def stamp(self) -> pd.Timestamp:
        """The cut as a timestamp in the data's zone (see :func:`to_zone`)."""
        out: pd.Timestamp = to_zone(pd.Timestamp(self.cut, unit="ns"), self.tz)
        return out

    @property
    def label(self) -> str:
        """A short text for messages: ``2010-12-09 (whole day)`` or the instant."""
        if self.day is not None:
            return f"{pd.Timestamp(self.reference, unit='ns').date()} (whole day)"
        return str(self.stamp)

    def days_since(self, wall: Any) -> Any:
        """Days from wall-clock nanoseconds ``wall`` to this ``as_of``.

        Whole calendar days for a date-only ``as_of`` (``day - floor(wall / day)``),
        exact fractions for an instant. A row is inside an ``N``-day window
        exactly when this is below ``N``.
        """
        wall = np.asarray(wall, dtype=np.int64)
        if self.day is not None:
            return (self.day - np.floor_divide(wall, DAY_NS)).astype(np.float64)
        return (self.cut - wall) / DAY_NS

    def window_start(self, days: int) -> int:
        """The exclusive wall-clock start of an ``N``-day window ending at this ``as_of``."""
        return max(self.cut - window_days(days) * DAY_NS, int(np.iinfo(np.int64).min))


#: calendar units of the time policy, in days ("M": a month of 365.25 / 12 days)
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def unit_days(unit: Any, *, name: str = "unit") -> float:
    """Length in days of a time unit: ``"D"``, ``"W"``, ``"M"`` or a number of days > 0.

    One rule for ``summarize``, ``calibration_holdout``, the CLV forecast and
    the models' time unit: a month is 365.25 / 12 = 30.4375 days (the
    average Gregorian month), any other unit is a positive number of days.

    Examples
    --------
    >>> unit_days("M"), unit_days(14)
    (30.4375, 14.0)
    """
    if isinstance(unit, str) and unit in TIME_UNITS:
        return TIME_UNITS[unit]
    if (
        not isinstance(unit, bool | str)
        and isinstance(unit, int | float | np.integer | np.floating)
        and np.isfinite(unit)
        and unit > 0
    ):
        return float(unit)
    raise ParameterError(
        f"{name} must be one of 'D' (days), 'W' (weeks), 'M' (months of 365.25/12 days) or a "
        f"number of days > 0; got {unit!r}"
    )


def window_days(days: Any, *, name: str = "windows") -> int:
    """Check one window length in days: a positive whole number the clock can hold."""
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days <= 0:
        raise ParameterError(f"{name} must be positive whole numbers of days; got {days!r}")
    if days > 106_000:  # the whole nanosecond range is about 106,751 days
        raise ParameterError(
            f"{name} of {int(days)} days reaches outside the dates segkit handles ({TIME_RANGE}); "
            "use at most 106000 days"
        )
    return int(days)


def parse_freq(freq: Any) -> pd.DateOffset:
    """The period of a replay or cohort table: a pandas frequency that moves forward.

    Examples
    --------
    >>> parse_freq("MS")
    <MonthBegin>
    >>> parse_freq("0D")
    Traceback (most recent call last):
    ...
    segkit.errors.ParameterError: freq must move forward in time; got '0D'
    """
    try:
        offset: pd.DateOffset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"freq must be a pandas frequency such as 'MS' (month starts), 'W-MON' or 'QS'; "
            f"got {freq!r}"
        ) from exc
    probe = pd.Timestamp("2000-01-01")
    if not probe + offset > probe:
        raise ParameterError(f"freq must move forward in time; got {freq!r}")
    return offset


def _date_only(value: Any) -> bool:
    if isinstance(value, _dt.datetime | pd.Timestamp):
        return False
    if isinstance(value, _dt.date):
        return True
    if isinstance(value, np.datetime64):
        return np.datetime_data(value.dtype)[0] in ("D", "W", "M", "Y")
    if isinstance(value, str):
        return _HAS_TIME.search(value) is None
    return False


def _out_of_range(name: str, value: Any) -> ParameterError:
    return ParameterError(f"{name} {value!r} is outside the dates segkit handles ({TIME_RANGE})")


def _to_timestamp(value: Any, name: str) -> pd.Timestamp:
    if isinstance(value, bool | int | float | np.number) or value is None:
        raise ParameterError(f"{name} must be a date or timestamp; got {value!r}")
    check_day_month(value, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # dateutil's "could not infer"
            stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise _out_of_range(name, value) from exc
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a date or timestamp; got {value!r}") from exc
    if pd.isna(stamp):
        raise ParameterError(f"{name} must be a date or timestamp; got {value!r}")
    try:
        out: pd.Timestamp = stamp.as_unit("ns")
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise _out_of_range(name, value) from exc
    return out


def parse_as_of(value: Any, tz: Any = None, *, name: str = "as_of") -> AsOf:
    """Resolve an ``as_of`` (or ``calibration_end``, ``end``, ...) for data in zone ``tz``.

    Parameters
    ----------
    value : str, date, datetime, Timestamp, numpy.datetime64 or AsOf
        A date without a time of day means the whole day; anything with a time
        of day means that instant (see the module docstring).
    tz : tzinfo, str or None
        The zone of the data's timestamps (``None`` for naive data).
    name : str
        The parameter's name, for messages.

    Returns
    -------
    AsOf

    Raises
    ------
    ParameterError
        Not a date, missing, outside 1677-09-22 .. 2262-04-11, or
        timezone-aware while the data are naive.

    Examples
    --------
    >>> a = parse_as_of("2010-12-09")
    >>> a.date_only, str(a.stamp)
    (True, '2010-12-09 23:59:59.999999999')
    >>> b = parse_as_of("2024-03-31 00:00+00:00", "Asia/Tokyo")
    >>> b.date_only, str(b.stamp)
    (False, '2024-03-31 09:00:00+09:00')
    """
    if isinstance(value, AsOf):
        if value.tz == tz:
            return value
        value = value.given
    stamp = _to_timestamp(value, name)
    if stamp.tzinfo is not None:
        if tz is None:
            raise ParameterError(
                f"{name} {stamp} is timezone-aware but the timestamps are naive; pass a naive "
                f"{name}, e.g. {name}={str(stamp.tz_localize(None))!r}"
            )
        wall = stamp.tz_convert(tz).tz_localize(None)
        return AsOf(int(wall.value), None, tz, value)
    if _date_only(value) and stamp == stamp.normalize():
        day = int(stamp.value // DAY_NS)
        cut = (day + 1) * DAY_NS - 1
        if cut > pd.Timestamp.max.value:
            raise _out_of_range(name, value)
        return AsOf(cut, day, tz, value)
    return AsOf(int(stamp.value), None, tz, value)


def latest(wall: _IntArray, tz: Any) -> AsOf:
    """The default ``as_of``: the instant of the latest wall-clock time in ``wall``."""
    if wall.size == 0:
        raise SchemaError("the transactions are empty")
    cut = int(wall.max())
    return AsOf(cut, None, tz, to_zone(pd.Timestamp(cut, unit="ns"), tz))
