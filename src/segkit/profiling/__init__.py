"""One call from a transaction log to the whole customer table: :func:`profile`."""

from __future__ import annotations

from segkit.profiling._options import DEFAULT_BANDS, ProfileOptions
from segkit.profiling._profile import HEADLINE_COLUMNS, Profile, profile
from segkit.profiling._story import activity_of, month_lines, monthly_activity

__all__ = [
    "DEFAULT_BANDS",
    "HEADLINE_COLUMNS",
    "Profile",
    "ProfileOptions",
    "activity_of",
    "month_lines",
    "monthly_activity",
    "profile",
]
