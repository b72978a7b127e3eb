"""The Gauss series of 2F1 for the huge parameters of fits at a limit.

When a BG/NBD-family fit reaches a limit of its parameter space (no sign of
dropout: ``a -> 0``, ``b -> inf``; homogeneous purchase rates: ``r, alpha ->
inf``), the hypergeometric functions of its predictions have parameters of
order 1e6-1e7 and scipy's ``hyp2f1`` returns NaN. There the Gauss series
``sum_k (a)_k (b)_k / ((c)_k k!) z^k`` (Abramowitz & Stegun 15.1.1) converges
almost at once (the first term ratios are ``a b z / c``, often ~1e-6 or
less), so it is summed directly, vectorised over the rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import hyp2f1

from segkit.clv._base import Array

__all__ = ["hyp2f1_minus_one", "safe_hyp2f1"]

#: at most this many terms; rows not converged by then are left to scipy
MAX_TERMS = 2000
#: a parameter larger than this in absolute value counts as huge
HUGE = 1e5
#: a row is finished only while its terms shrink by at least this ratio a step
MAX_RATIO = 0.98
#: digits the summation may lose to cancellation (sum |terms| / |result|)
MAX_CANCELLATION = 1e5


def hyp2f1_minus_one(
    a: Any, b: Any, c: Any, z: Any, *, plus_one: bool = False
) -> tuple[Array, npt.NDArray[np.bool_]]:
    """``2F1(a, b; c; z) - 1`` by the Gauss series, and where it can be trusted.

    Returns ``(value, ok)``. The terms ``t_k = t_(k-1) (a+k-1)(b+k-1) z /
    ((c+k-1) k)`` are added while a row is unfinished; a row is finished once
    its latest term is below ``1e-17`` of the running sum and the term ratio
    ``q`` is below :data:`MAX_RATIO` (the rest, below ``term q / (1 - q)``, is
    then below ``1e-17`` of the sum too: a fit at a limit has ratios near
    ``a z / c``, e.g. -0.6 a year ahead of a recent customer), or once a term is
    exactly zero (a parameter a non-positive integer). ``ok`` is False where
    the row did not finish within :data:`MAX_TERMS` terms, a term was not
    finite, or the sum of the absolute terms exceeds the result by more than
    :data:`MAX_CANCELLATION` (more than ~5 of 16 digits lost); those rows
    should be evaluated otherwise. With ``plus_one`` the cancellation is
    measured against ``2F1`` itself rather than ``2F1 - 1``.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    shape = a.shape
    a, b, c, z = (v.ravel() for v in (a, b, c, z))
    total = np.zeros(a.size)
    size = np.zeros(a.size)
    ok = np.zeros(a.size, dtype=bool)
    term = np.ones(a.size)
    live = np.arange(a.size)
    with np.errstate(all="ignore"):
        for k in range(MAX_TERMS):
            ratio = (a[live] + k) * (b[live] + k) / ((c[live] + k) * (k + 1.0)) * z[live]
            term = term * ratio
            total[live] += term
            size[live] += np.abs(term)
            mag = np.abs(term)
            # the rest is below term q / (1 - q) while the ratio stays below q
            q = np.abs(ratio)
            room = np.minimum(1.0, (1.0 - q) / np.maximum(q, 1e-300))
            done = (mag <= 1e-17 * np.abs(total[live]) * room) & (q < MAX_RATIO)
            done |= term == 0.0
            bad = ~np.isfinite(term)
            ok[live[done]] = True
            keep = ~(done | bad)
            live, term = live[keep], term[keep]
            if live.size == 0:
                break
        ref = np.abs(total + 1.0) if plus_one else np.abs(total)
        ok &= np.isfinite(total) & ((size <= MAX_CANCELLATION * ref) | (size == 0.0))
    return total.reshape(shape), ok.reshape(shape)


def safe_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> Array:
    """scipy's ``hyp2f1``, replaced by the Gauss series where it fails.

    The series is used where scipy's value is not finite or a parameter is
    huge (scipy's recurrences lose accuracy there) and the series can be
    trusted (see :func:`hyp2f1_minus_one`); elsewhere scipy's value stays,
    NaN included.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    with np.errstate(all="ignore"):
        out = np.asarray(hyp2f1(a, b, c, z), dtype=np.float64)
    need = ~np.isfinite(out) | (np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c)) > HUGE)
    if not np.any(need):
        return out
    minus_one, ok = hyp2f1_minus_one(a[need], b[need], c[need], z[need], plus_one=True)
    out[need] = np.where(ok, 1.0 + minus_one, out[need])
    return out


def series_where(mask: Any, a: Any, b: Any, c: Any, z: Any) -> tuple[Array, npt.NDArray[np.bool_]]:
    """:func:`hyp2f1_minus_one` on the rows of ``mask`` only (broadcast shape).

    Returns ``(value, ok)`` of the broadcast shape; outside ``mask`` the value
    is NaN and ``ok`` False.
    """
    mask, a, b, c, z = np.broadcast_arrays(
        mask, *(np.asarray(v, dtype=np.float64) for v in (a, b, c, z))
    )
    value = np.full(mask.shape, np.nan)
    ok = np.zeros(mask.shape, dtype=bool)
    if np.any(mask):
        value[mask], ok[mask] = hyp2f1_minus_one(a[mask], b[mask], c[mask], z[mask])
    return value, ok


def huge(*params: Any) -> npt.NDArray[np.bool_]:
    """Where any of ``params`` exceeds :data:`HUGE` in absolute value."""
    out = np.zeros((), dtype=bool)
    for p in params:
        out = out | (np.abs(np.asarray(p, dtype=np.float64)) > HUGE)
    return np.asarray(out)
