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

This module is the policy's one entrance: it re-exports the names the rest of
segkit uses from the modules that do the work, :mod:`segkit._time_as_of`
(``as_of``, units, windows, ``freq``), :mod:`segkit._time_zones` (the wall
clock and the DST rule) and :mod:`segkit._time_text` (reading columns and
text, format inference).
"""

from __future__ import annotations

from segkit._time_as_of import (
    TIME_UNITS,
    AsOf,
    check_day_month,
    latest,
    parse_as_of,
    parse_freq,
    unit_days,
    window_days,
)
from segkit._time_text import (
    FORMATS,
    NAT,
    Stamps,
    any_out_of_range,
    one_format,
    parse_timestamps,
    read_timestamps,
    wall_clock_ns,
)
from segkit._time_zones import DAY_NS, TIME_RANGE, to_zone, wall_clock

__all__ = [
    "DAY_NS",
    "FORMATS",
    "NAT",
    "TIME_RANGE",
    "TIME_UNITS",
    "AsOf",
    "Stamps",
    "any_out_of_range",
    "check_day_month",
    "latest",
    "one_format",
    "parse_as_of",
    "parse_freq",
    "parse_timestamps",
    "read_timestamps",
    "to_zone",
    "unit_days",
    "wall_clock",
    "wall_clock_ns",
    "window_days",
]
