"""Argument checks shared by the CLV estimators (one place for every model)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from segkit.errors import ParameterError

Array = npt.NDArray[np.float64]


def renamed(owner: str, old: str, new: str, old_value: Any, new_value: Any, default: Any) -> Any:
    """The value of a renamed keyword: the new one, or the old one with a DeprecationWarning.

    Old keywords stay for one release (see docs/changelog.md).
    """
    if old_value is None:
        return new_value
    if new_value is not default and new_value != default:
        raise ParameterError(f"{owner}: pass {new!r} only ({old!r} is its old name)")
    warnings.warn(
        f"{owner}: the keyword {old!r} is now called {new!r}; {old!r} will be removed in the "
        "next release",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


def check_level(level: Any) -> float:
    """Validate a confidence level in (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ParameterError(f"level must be a number strictly between 0 and 1; got {level!r}")
    return float(level)


def check_horizon(t: Any, name: str = "t", *, whole: bool = False) -> Array:
    """Validate a prediction horizon (scalar or array, finite, >= 0; whole numbers if asked)."""
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.array(np.nan)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(f"{name} must be finite and >= 0; got {t!r}")
    if whole and np.any(arr != np.floor(arr)):
        raise ParameterError(f"{name} must be a whole number of periods >= 0; got {t!r}")
    return arr


def check_rate(rate: Any, name: str = "discount_rate") -> float:
    """Validate a discount rate (a finite number > 0)."""
    if isinstance(rate, bool) or not isinstance(rate, int | float | np.floating) or not rate > 0:
        raise ParameterError(f"{name} must be a number > 0; got {rate!r}")
    if not np.isfinite(rate):
        raise ParameterError(f"{name} must be a number > 0; got {rate!r}")
    return float(rate)


def check_interval_args(n_boot: Any, level: Any, seed: Any) -> tuple[int, float]:
    """Validate the bootstrap options every prediction takes (``n_boot``, ``level``, ``seed``)."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ParameterError(f"n_boot must be an int >= 0 (0: no interval); got {n_boot!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise ParameterError(f"seed must be an int or None; got {seed!r}")
    return int(n_boot), check_level(level)


def per_customer(
    value: Any, size: int, name: str, *, whole: bool = False, low: float = 0.0
) -> Array:
    """A ``simulate`` design argument: one number, or one per customer, broadcast to ``size``."""
    arr = check_horizon(value, name, whole=whole)
    if np.any(arr < low):
        raise ParameterError(f"{name} must be at least {low:g}; got {value!r}")
    if arr.ndim and arr.shape != (size,):
        raise ParameterError(
            f"{name} must be one number or one per customer ({size}); got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (size,)).astype(np.float64)
