"""Text timestamps whose UTC offsets change: read the wall clock written in each.

A shop export writes every time in the shop's zone with the offset of that
moment, so one column carries ``-0500`` in winter and ``-0400`` in summer.
The time policy compares wall clocks (``docs/time.md``), and the wall clock
written in each value is the shop's local time: such a column is read
without its offsets, as naive wall-clock times. A column with one offset
keeps it (timezone-aware, the same wall clock).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["OFFSET", "written_wall_clock"]

#: a UTC offset at the end of a time of day: ``Z``, ``+01:00``, ``-0500``
OFFSET = r"(?<=\d)\s*(?:Z|[+-]\d{2}:?\d{2})$"


def written_wall_clock(series: pd.Series) -> pd.Series:
    """The text column without its UTC offsets when they differ; else unchanged.

    Only values with a time of day (``hh:mm``) lose their offset; anything
    else is left as it is, so a value that is no time stays unreadable and is
    reported by the caller.

    Examples
    --------
    >>> s = pd.Series(["2024-03-09 10:00:00 -0500", "2024-03-11 10:00:00 -0400"])
    >>> written_wall_clock(s).tolist()
    ['2024-03-09 10:00:00', '2024-03-11 10:00:00']
    >>> written_wall_clock(pd.Series(["2024-03-09 10:00+01:00"])).tolist()
    ['2024-03-09 10:00+01:00']
    """
    if pd.api.types.infer_dtype(series, skipna=True) != "string":
        return series
    text = series.astype("string").str.strip()
    found = text.str.extract("(" + OFFSET[len("(?<=\\d)\\s*") :] + ")")[0]
    timed = text.str.contains(r"\d:\d\d", regex=True).fillna(False) & found.notna()
    offsets = found[timed].str.replace(":", "", regex=False).replace("Z", "+0000")
    if offsets.nunique() < 2:
        return series
    bare = text.str.replace(OFFSET, "", regex=True)
    return series.where(~timed.to_numpy(dtype=bool), bare.astype(object))
