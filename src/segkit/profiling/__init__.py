"""One call from a transaction log to the whole customer table: :func:`profile`."""

from __future__ import annotations

from segkit.profiling._options import DEFAULT_BANDS, ProfileOptions
from segkit.profiling._profile import Profile, profile

__all__ = ["DEFAULT_BANDS", "Profile", "ProfileOptions", "profile"]
