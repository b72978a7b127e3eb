"""The time policy: how every part of segkit reads and compares time.

One module decides, everything else uses it (``summarize`` and its windows,
``calibration_holdout``, ``event_features``, the rule language's date
functions, lifecycle replays, the readers). The policy, written out in
``docs/time.md``:

1. **Wall clock in the data's zone.** Timezone-aware timestamps are compared
   by their wall clock in their own zone (``2024-03-10 09:00+09:00`` is
   09:00). A calendar day is a day on that wall clock, and one day is 24
   wall-clock hours, also across a DST change. Naive timestamps are wall clock
   already.
2. **``as_of`` and its relatives** (``calibration_end``, ``observation_end``,
   a replay's ``end``) are resolved by :func:`parse_as_of`:

   * a date without a time of day (``"2010-12-09"``, a ``datetime.date``, a
     ``datetime64[D]``) means *that whole day*: every row on it is included,
     and durations are whole calendar days to it (a purchase on that day has
     ``recency_days == 0``);
   * a timestamp with a time of day (or any ``pandas.Timestamp`` /
     ``datetime.datetime``) means that instant: rows at or before it are
     included, durations are exact fractions of days;
   * a naive value is read on the data's wall clock; a timezone-aware value
     is converted to the data's zone (an aware value against naive data is
     refused).
3. **Windows** of ``N`` days hold the rows with ``days_since < N``: for a
   date-only ``as_of`` the ``N`` calendar days ending with it, otherwise
   ``as_of - N days < t <= as_of``. So ``orders_7d`` and ``view_7d`` count the
   same instants, and ``days_since(last_purchase) == recency_days``.
4. **DST.** Comparisons never need to localise a wall-clock time. Where a
   wall-clock time must become an instant (a label, a boundary shown in its
   zone), a time in a DST gap moves forward to the first instant after the gap
   and a time in a DST overlap takes its first (earlier) occurrence
   (:func:`to_zone`).
5. **Range.** Times outside 1677-09-22 .. 2262-04-11 (what nanosecond
   timestamps hold) are refused with a :class:`~segkit.errors.SegkitError`;
   the readers treat the sentinel dates ``9999-12-31`` / ``1900-01-01`` as
   documented on their pages.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._offsets import written_wall_clock
from segkit._validation import show_values
from segkit.errors import ParameterError, SchemaError

__all__ = [
    "DAY_NS",
    "AsOf",
    "Stamps",
    "latest",
    "one_format",
    "parse_as_of",
    "parse_freq",
    "parse_timestamps",
    "read_timestamps",
    "to_zone",
    "wall_clock",
    "wall_clock_ns",
    "window_days",
]

DAY_NS = 86_400 * 10**9
#: a missing time (NaT) in int64 nanoseconds
NAT = int(np.iinfo(np.int64).min)
_RANGE = "1677-09-22 .. 2262-04-11"
_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_HAS_TIME = re.compile(r":|\d[Tt]\d")


# --------------------------------------------------------------------------- #
# as_of
# --------------------------------------------------------------------------- #
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
            f"{name} of {int(days)} days reaches outside the dates segkit handles ({_RANGE}); "
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
    return ParameterError(f"{name} {value!r} is outside the dates segkit handles ({_RANGE})")


def _to_timestamp(value: Any, name: str) -> pd.Timestamp:
    if isinstance(value, bool | int | float | np.number) or value is None:
        raise ParameterError(f"{name} must be a date or timestamp; got {value!r}")
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


# --------------------------------------------------------------------------- #
# Zones and wall clocks
# --------------------------------------------------------------------------- #
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


def wall_clock_ns(series: pd.Series, column: Any) -> _IntArray:
    """A column of dates or times on its own wall clock, as int64 nanoseconds.

    Reads ``datetime64`` of any unit and zone, Arrow timestamps and dates,
    object columns of ``date`` / ``datetime`` / ``Timestamp`` /
    ``numpy.datetime64`` values, and text (:func:`parse_timestamps`: ISO 8601
    or one format for the whole column). Missing values stay missing: NaT,
    the int64 minimum.

    Raises
    ------
    SchemaError
        Text that is not dates, or dates outside 1677-09-22 .. 2262-04-11 (a
        "never" sentinel such as 9999-12-31); the message names the column.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2024-03-31 05:00+08:00", None]))
    >>> wall_clock_ns(s, "t").tolist() == [pd.Timestamp("2024-03-31 05:00").value, NAT]
    True
    """
    outside = SchemaError(
        f"column {column!r} holds dates outside {_RANGE}, the range of segkit's time "
        "policy; replace sentinel dates such as 9999-12-31 by missing values"
    )
    dtype = series.dtype
    try:
        if isinstance(dtype, pd.ArrowDtype):
            zone = getattr(dtype.pyarrow_dtype, "tz", None)
            series = series.astype(pd.DatetimeTZDtype("us", zone) if zone else "datetime64[us]")
        elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
            series = parse_timestamps(series, column)
        elif not pd.api.types.is_datetime64_any_dtype(dtype):
            if series.map(lambda v: isinstance(v, str)).any():
                series = parse_timestamps(series, column)
            else:  # date, datetime, Timestamp or numpy.datetime64 objects
                series = pd.Series(pd.to_datetime(series))
        wall = wall_clock(series).dt.as_unit("ns")  # as_unit checks the nanosecond bounds
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise outside from None
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"column {column!r} could not be read as dates: {exc}") from None
    ticks: _IntArray = wall.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ticks


# --------------------------------------------------------------------------- #
# Reading a timestamp column
# --------------------------------------------------------------------------- #
@attrs.frozen
class Stamps:
    """A timestamp column read into nanoseconds.

    Attributes
    ----------
    instant : ndarray of int64
        Nanoseconds since the epoch, UTC (equals ``wall`` for naive input).
    wall : ndarray of int64
        Nanoseconds on the wall clock of the data's zone: what is compared.
    tz : tzinfo or None
    """

    instant: _IntArray
    wall: _IntArray
    tz: Any


def read_timestamps(series: pd.Series, column: str, what: str = "transactions") -> Stamps:
    """Read a datetime column (or ISO 8601 / single-format strings) by the time policy.

    Raises
    ------
    SchemaError
        Numbers instead of timestamps, missing or unparseable values, a mix
        of aware and naive values, or times outside 1677-09-22 .. 2262-04-11;
        the message names the rows.
    """
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        parsed = series
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise SchemaError(
            f"column {column!r} holds numbers ({dtype}), not timestamps; convert it first, "
            f"e.g. pd.to_datetime(df[{column!r}], format='%Y%m%d') for 19970101-style dates "
            f"or pd.to_datetime(df[{column!r}], unit='s') for epoch seconds"
        )
    else:
        parsed = parse_timestamps(series, column)
    if isinstance(parsed.dtype, pd.ArrowDtype):
        arrow_tz = getattr(parsed.dtype.pyarrow_dtype, "tz", None)  # date32 has none
        parsed = parsed.astype(
            pd.DatetimeTZDtype("ns", arrow_tz) if arrow_tz else "datetime64[ns]"
        )
    missing = parsed.isna().to_numpy()
    where = "" if what == "transactions" else f" of the {what}"
    if missing.any():
        raise SchemaError(
            f"column {column!r}{where} has {int(missing.sum())} missing timestamp(s) "
            f"(NaT) at index {show_values(series.index[missing])}; drop them first "
            "(segkit.clean_transactions does this)"
        )
    tz = getattr(parsed.dtype, "tz", None)
    try:
        # pandas' own conversion checks the bounds of nanoseconds; numpy's wraps.
        if tz is None:
            instant = parsed.astype("datetime64[ns]").to_numpy().view(np.int64)
            wall = instant
        else:
            utc = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            instant = utc.astype("datetime64[ns]").to_numpy().view(np.int64)
            wall = parsed.dt.tz_localize(None).astype("datetime64[ns]").to_numpy().view(np.int64)
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise SchemaError(
            f"column {column!r} has timestamps outside {_RANGE}: {exc}; a 'never' date such as "
            "9999-12-31 is not a transaction time, drop those rows"
        ) from exc
    return Stamps(instant, wall, tz)


def parse_timestamps(series: pd.Series, column: str) -> pd.Series:
    """Parse strings as timestamps: ISO 8601, else one format inferred for the column.

    Text whose UTC offsets differ (a change to or from summer time) is read
    as the wall clock written in each value (:mod:`segkit._offsets`).
    """
    series = written_wall_clock(series)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    objects = series.dropna() if kind in ("datetime", "mixed") else series.iloc[:0]
    zones = {
        str(value.tzinfo)
        for value in objects
        if isinstance(value, _dt.datetime) and value.tzinfo is not None
    }
    if len(zones) > 1:  # datetime objects in several zones: no one wall clock
        shown = ", ".join(sorted(zones)[:3])
        raise SchemaError(
            f"column {column!r} holds timestamps in several time zones ({shown}); "
            f"convert them to one zone first, e.g. pd.to_datetime(df[{column!r}], utc=True)"
        )
    try:
        with warnings.catch_warnings():
            # pandas 2.2 warns (FutureWarning) where pandas 3 raises on mixed offsets.
            warnings.simplefilter("error", FutureWarning)
            parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
    except (ValueError, TypeError, FutureWarning) as exc:
        text = str(exc)
        if "zone" in text.lower() or "offset" in text.lower() or "tz" in text.lower():
            raise SchemaError(
                f"column {column!r} mixes timezone-aware and naive timestamps (or several "
                f"offsets); parse it yourself, e.g. pd.to_datetime(df[{column!r}], utc=True)"
            ) from exc
        if "out of bounds" in text.lower():
            raise SchemaError(
                f"column {column!r} has timestamps outside {_RANGE}; a 'never' date such as "
                "9999-12-31 is not a transaction time, drop those rows"
            ) from exc
        raise SchemaError(f"column {column!r} could not be read as timestamps: {text}") from exc
    if getattr(parsed.dtype, "tz", None) is not None:
        # Some pandas versions give naive strings the offset of the first aware one.
        given = series[series.notna()].astype(str).str.strip()
        if not given.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).all():
            raise SchemaError(
                f"column {column!r} mixes timezone-aware and naive timestamps; parse it "
                f"yourself, e.g. pd.to_datetime(df[{column!r}], utc=True)"
            )
    failed = parsed.isna().to_numpy() & series.notna().to_numpy()
    if failed.any():
        # ISO 8601 failed for some rows: one format for the whole column, or an error.
        retry, failed = one_format(series, column)
        if not failed.any():
            return retry
        if _any_out_of_range(series[failed]):
            raise SchemaError(
                f"column {column!r} has timestamps outside {_RANGE}, at index "
                f"{show_values(series.index[failed])}: {show_values(series[failed])}; a 'never' "
                "date such as 9999-12-31 is not a transaction time, drop those rows "
                "(segkit.clean_transactions drops them and reports which)"
            )
        raise SchemaError(
            f"column {column!r} has {int(failed.sum())} value(s) that are not timestamps, at "
            f"index {show_values(series.index[failed])}: {show_values(series[failed])}; "
            "fix or drop them (segkit.clean_transactions drops them and reports which)"
        )
    return parsed


def _any_out_of_range(values: pd.Series) -> bool:
    """Whether some of these unparsed values are real dates outside the nanosecond range."""
    for value in values.iloc[:100]:
        try:
            pd.Timestamp(value).as_unit("ns")
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            return True
        except (TypeError, ValueError):
            continue
    return False


#: Formats tried, in this order, when a column is not ISO 8601. Day-first and
#: month-first variants are both tried: a column they both read differently is
#: ambiguous and refused.
FORMATS = tuple(
    f"{day}{sep}{time}"
    for day in (
        "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d", "%Y.%m.%d",
        "%d/%m/%y", "%m/%d/%y", "%Y%m%d", "%Y年%m月%d日", "%d %b %Y", "%d %B %Y", "%b %d %Y",
        "%B %d %Y",
    )
    for sep, time in (("", ""), (" ", "%H:%M"), (" ", "%H:%M:%S"))
)  # fmt: skip


def one_format(series: pd.Series, column: Any) -> tuple[pd.Series, np.ndarray[Any, Any]]:
    """Parse a text column with one format for all of it (no day/month mix-ups).

    ISO 8601 first; otherwise the format of :data:`FORMATS` that reads the
    most values. Distinct values are parsed once. Returns the parsed column
    and the rows it could not read.

    Raises
    ------
    SchemaError
        Two formats read every value differently (``01/02/2024``: 1 February
        or 2 January?), or the values need several formats.
    """
    series = written_wall_clock(series)  # offsets that change: the written wall clock
    codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
    given = codes >= 0
    text = pd.Series(
        [v.strip().replace(",", "") if isinstance(v, str) else v for v in uniques], dtype=object
    )
    step = max(len(text) // 4000, 1)
    sample = pd.concat([text.iloc[:4000], text.iloc[::step]]).drop_duplicates()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tries: dict[str, pd.Series] = {"ISO 8601": _try_format(text, "ISO8601")}
        reads = {fmt: _try_format(sample, fmt).notna() for fmt in FORMATS}
        whole = [fmt for fmt, ok in reads.items() if ok.all()]
        for fmt in whole or [fmt for fmt, ok in reads.items() if ok.any()]:
            tries[fmt] = _try_format(text, fmt)
    hits = {fmt: int(got.notna().sum()) for fmt, got in tries.items()}
    full = [fmt for fmt, n in hits.items() if n == len(text)]
    if len(full) > 1:
        for fmt in full[1:]:
            if not tries[fmt].equals(tries[full[0]]):
                raise SchemaError(
                    f"column {column!r} has dates that read two ways ({full[0]!r} or {fmt!r}, "
                    f"e.g. {show_values(list(uniques[:2]))}); parse it yourself with the right "
                    f"one, e.g. pd.to_datetime(df[{column!r}], format={fmt!r}) (on the "
                    f"command line: --date-format {fmt!r})"
                )
    top_fmt = max(hits, key=lambda fmt: hits[fmt])
    top = tries[top_fmt]
    missed = top.isna().to_numpy()
    others = [f for f in tries if f != top_fmt and (tries[f].notna().to_numpy() & missed).any()]
    if hits[top_fmt] and others:
        rows = series.index[given & missed[np.maximum(codes, 0)]]
        raise SchemaError(
            f"column {column!r} mixes date formats ({top_fmt!r} and {others[0]!r}, e.g. at "
            f"index {show_values(rows)}); write them one way, or parse the column yourself "
            "with pd.to_datetime"
        )
    naive = top.dt.tz_localize(None) if isinstance(top.dtype, pd.DatetimeTZDtype) else top
    outside = top.notna() & ((naive < pd.Timestamp.min) | (naive > pd.Timestamp.max))
    if outside.any():  # pandas 3 reads 9999-12-31 in microseconds: not a nanosecond time
        top = top.where(~outside)
        missed = missed | outside.to_numpy()
    if isinstance(top.dtype, pd.DatetimeTZDtype):
        top = top.astype(pd.DatetimeTZDtype("ns", top.dtype.tz))
    else:
        top = top.astype("datetime64[ns]")
    values = top.to_numpy()[np.maximum(codes, 0)]
    out = pd.Series(values, index=series.index).where(given)
    failed = given & missed[np.maximum(codes, 0)]
    return out, failed


def _try_format(text: pd.Series, fmt: str) -> pd.Series:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pandas 2.2 on mixed offsets
            parsed = pd.Series(pd.to_datetime(text, errors="coerce", format=fmt))
    except (ValueError, TypeError):
        return pd.Series(pd.NaT, index=text.index)
    if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):  # mixed offsets: no one zone
        return pd.Series(pd.NaT, index=text.index)
    return parsed
