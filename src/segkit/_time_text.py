"""Reading timestamp columns and text by the time policy (:mod:`segkit._time`).

This module turns a column into int64 nanoseconds: datetime columns of any
unit and zone, Arrow timestamps, date/datetime objects and text. Text is read
as ISO 8601, else with one format inferred for the whole column (day-first
and month-first both tried, an ambiguous column refused); missing, unreadable
and out-of-range values are refused with a message naming the column and
rows (:func:`read_timestamps`) or kept missing (:func:`wall_clock_ns`).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import warnings
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._offsets import written_wall_clock
from segkit._time_zones import TIME_RANGE, wall_clock
from segkit._validation import show_values
from segkit.errors import SchemaError

__all__ = [
    "FORMATS",
    "NAT",
    "Stamps",
    "one_format",
    "parse_timestamps",
    "read_timestamps",
    "wall_clock_ns",
]

#: a missing time (NaT) in int64 nanoseconds
NAT = int(np.iinfo(np.int64).min)
_IntArray = np.ndarray[Any, np.dtype[np.int64]]


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
        f"column {column!r} holds dates outside {TIME_RANGE}, the range of segkit's time "
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
            f"column {column!r} has timestamps outside {TIME_RANGE}: {exc}; a 'never' date "
            "such as 9999-12-31 is not a transaction time, drop those rows"
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
                f"column {column!r} has timestamps outside {TIME_RANGE}; a 'never' date such as "
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
        if any_out_of_range(series[failed]):
            raise SchemaError(
                f"column {column!r} has timestamps outside {TIME_RANGE}, at index "
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


def any_out_of_range(values: Iterable[Any]) -> bool:
    """Whether some of the first 100 values are dates outside the range 1677..2262."""
    for value in itertools.islice(values, 100):
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
