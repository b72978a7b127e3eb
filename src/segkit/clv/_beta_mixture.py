r"""BG/NBD-family predictions as integrals over the dropout probability, for huge ``r + x``.

Given a customer alive at ``T``, the BG/NBD posterior is ``λ ~ Gamma(R, A)``
(``R = r + x``, ``A = α + T``) and ``p ~ Beta(a, B)`` (``B = b + x + k``). The
gamma average has a closed form, which leaves one integral over ``p``:

.. math::

    P(\text{alive at } T + t) = E_p\bigl[(1 + p u)^{-R}\bigr], \qquad
    E[X(T, T + t)] = E_p\Bigl[\frac{1 - (1 + p u)^{-R}}{p}\Bigr], \qquad u = t / A,

(the integrands are ``E_λ[e^{-λ p t}]`` and ``E_λ[(1 - e^{-λ p t}) / p]``,
Fader, Hardie & Lee 2005, eq. 7 before the beta average), and the DERT at a
continuous rate ``δ`` of a customer alive at ``T``,

.. math::

    \mathrm{DERT} = \int_0^\infty e^{-\delta s}\, \frac{R}{A}\,
    E_p\bigl[(1 + p s / A)^{-R-1}\bigr] ds
    = \frac{R}{\delta A}\, E_p\bigl[H(R + 1, \delta A / p)\bigr],

with ``H(s, z) = z ∫_0^∞ e^{-z v} (1 + v)^{-s} dv`` (substitute ``v = p s / A``;
``H`` is :func:`segkit.clv._pareto_dert.residual_discount`). The closed forms
in 2F1 have a parameter of order ``-R``; when ``r`` and ``α`` are huge (rates
the same for everyone) and ``R t / A`` is large (long horizons), their series
lose every digit to cancellation and scipy returns NaN. The integrals have no
such trouble: as ``R -> inf`` with ``R / A`` fixed the gamma becomes a point
mass and ``(1 + p u)^{-R} -> exp(-λ̄ p t)``, smoothly.

They are computed by Gauss-Legendre quadrature, ``[0, 1/2]`` in ``p`` and
``[1/2, 1]`` in ``q = 1 - p`` alike (``w`` below):

* ``w < w0 = 1e-18 / (R u + a + B + 1)``, where every factor but the
  endpoint power ``w^(a-1)`` (or ``w^(B-1)``) is its value at ``w = 0`` to
  within 1e-18: the incomplete beta function, exactly;
* ``[w0, 1/2]`` in ``y = -log w``, where the endpoint power becomes
  ``e^(-a y)`` (no singularity) and the fall of ``(1 + p u)^{-R}`` a smooth
  Gumbel-shaped step; panels of width at most 1 with 16 nodes each (error
  ~1e-20 for an integrand analytic in a strip of half-width 1). A half that
  holds less than 1e-30 of the beta's mass ends sooner, where ``w^(s-1)`` has
  fallen by ``e^-800`` and every further term is 0 in double precision: it
  adds less than a rounding to the other half, so the result is the same.

A beta with both parameters above 80 (a fit drifting to a limit) is narrow:
the panels of width 1 would step over its peak (1e-4 off at 200, 12 % at
1,000). It is integrated around the integrand's own peak instead
(:func:`_peak`).

Checked against mpmath: to 1e-12 where ``a`` or ``B`` is small (the usual
fits), to 1e-7 (mostly 1e-9) for narrow betas (tests/clv/test_clv_limits.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import betainc, betaln, roots_legendre

from segkit.clv._pareto_dert import residual_discount

__all__ = ["beta_mixture"]

Array = npt.NDArray[np.float64]

_PANEL = 16
_NODES, _WEIGHTS = roots_legendre(_PANEL)
_TINY = 1e-18
_CUT = 800.0  # e^-800 is 0 in double precision
_NEGLIGIBLE = 1e-30  # a half's share of the beta's mass that no sum can see
#: a beta with both parameters above this is integrated around its peak (_peak): the
#: halves lose 4e-8 at 80, 4e-7 at 100, 1e-4 at 200 (their panels step over the peak), the
#: peak search 2e-8 at 80 and below 1e-8 from 90 on (against 50-digit quadrature)
_PEAKED = 80.0
_PEAK_SDS = 16.0


def _log_integrand(
    kind: str, a: Array, B: Array, R: Array, u: Array, log_p: Array, log_q: Array
) -> Array:
    """``log[p^(a-1) (1-p)^(B-1) φ(p)]`` from ``log p`` and ``log(1-p)``.

    φ is ``ψ = (1 + p u)^-R`` (survival), ``1 - ψ`` (deficit), ``(1 - ψ)/p``
    (expected) or ``H(R + 1, 1 / (u p))`` (dert, with ``u = 1 / (δ A)``).
    """
    p = np.exp(log_p)
    base = (a - 1.0) * log_p + (B - 1.0) * log_q
    if kind == "dert":
        with np.errstate(divide="ignore"):
            h = residual_discount(R + 1.0, 1.0 / (u * p))
            return np.asarray(base + np.log(h), dtype=np.float64)
    k = R * np.log1p(u * p)
    if kind == "survival":
        return np.asarray(base - k, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_deficit = base + np.log(-np.expm1(-k))
    return np.asarray(log_deficit if kind == "deficit" else log_deficit - log_p, dtype=np.float64)


def _half(kind: str, a: Array, B: Array, R: Array, u: Array, upper: bool) -> Array:
    """The integral over ``p`` in ``[0, 1/2]`` (or ``[1/2, 1]``), divided by ``B(a, B)``.

    In ``w = p`` (or ``w = 1 - p``) the integrand is ``w^(s-1)`` times a factor
    that is smooth on ``[0, 1/2]`` and changes at a rate below
    ``R u + a + B + 1`` near ``w = 0``: below ``w0 = 1e-18`` over that rate
    the factor is its value at 0, and the rest is integrated in
    ``y = -log w`` on panels of width at most 1.
    """
    s, o = (B, a) if upper else (a, B)  # the exponent at w = 0 and the other one
    rate = R * u + a + B + 1.0
    w0 = _TINY / rate
    if upper:  # φ at p = 1
        at_zero = np.exp(_log_integrand(kind, a, B, R, u, np.zeros_like(a), np.zeros_like(a)))
    else:  # φ at p = 0: 1 (survival, dert: H(s, inf) = 1), 0 (deficit) or R u (expected)
        at_zero = {"expected": R * u, "deficit": np.zeros_like(a)}.get(kind, np.ones_like(a))
    head = betainc(s, o, w0) * at_zero
    lo, hi = np.log(2.0), -np.log(w0)
    # A half that holds next to none of the beta's mass (the upper half of a
    # beta with B in the hundreds: 2^-(B-1)) adds less than a rounding to the
    # other half, however it is summed: it ends where w^(s-1) has fallen by
    # e^-800 from w = 1/2 (with the rest of the integrand, at most 2^(o-1) and
    # R u + 1 times its value there, every further term is 0 in double
    # precision), a few panels instead of ~45. The sums are the same to the bit.
    negligible = (s > 1.0) & (betainc(s, o, 0.5) < _NEGLIGIBLE)
    if np.any(negligible):
        with np.errstate(divide="ignore"):
            span = (_CUT + np.maximum(o - 1.0, 0.0) * np.log(2.0) + np.log1p(R * u)) / (s - 1.0)
        hi = np.where(negligible, np.minimum(hi, lo + span), hi)
    panels = max(1, int(np.ceil(float(np.max(hi - lo)))))
    width = (hi - lo) / panels  # per row
    starts = lo + width[:, None] * np.arange(panels)
    y = (starts[:, :, None] + 0.5 * width[:, None, None] * (_NODES + 1.0)).reshape(a.size, -1)
    weights = np.tile(_WEIGHTS, panels) * 0.5 * width[:, None]
    log_w, log_rest = -y, np.log1p(-np.exp(-y))
    log_p, log_q = (log_rest, log_w) if upper else (log_w, log_rest)
    cols = (a[:, None], B[:, None], R[:, None], u[:, None])
    log_f = _log_integrand(kind, *cols, log_p, log_q) + log_w  # dw = w dy
    middle = (np.exp(log_f - betaln(a, B)[:, None]) * weights).sum(axis=1)
    return np.asarray(head + middle, dtype=np.float64)


def beta_mixture(kind: str, a: Any, B: Any, R: Any, u: Any) -> Array:
    """``E_p[φ(p)]`` for ``p ~ Beta(a, B)``, φ as in the module notes (broadcast).

    Parameters
    ----------
    kind : {"survival", "deficit", "expected", "dert"}
        ``(1 + p u)^-R``, ``1 - (1 + p u)^-R``, ``(1 - (1 + p u)^-R) / p`` or
        ``H(R + 1, 1 / (u p))``.
    a, B : array-like
        Beta parameters (> 0).
    R, u : array-like
        Gamma shape of the purchase rate and ``t / A`` (>= 0).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, B, R, u)))
    shape = arrays[0].shape
    a, B, R, u = (v.ravel() for v in arrays)
    with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="ignore"):
        value = _integral(kind, a, B, R, u)
        if kind == "survival":
            # Near 1 the quadrature's relative error of ~1e-12 would put the
            # survival above 1 (alive later more likely than alive now): there it
            # is 1 minus the integral of 1 - ψ, whose error is relative to the
            # small deficit.
            near = value > 0.5
            if np.any(near):
                value[near] = 1.0 - _integral("deficit", a[near], B[near], R[near], u[near])
    return np.asarray(value.reshape(shape), dtype=np.float64)


def _integral(kind: str, a: Array, B: Array, R: Array, u: Array) -> Array:
    """``E_p[φ(p)]`` per row: by halves, or around the peak of a narrow beta."""
    peaked = np.minimum(a, B) > _PEAKED
    value = np.empty(a.size)
    if np.any(~peaked):
        rows = ~peaked
        value[rows] = _half(kind, a[rows], B[rows], R[rows], u[rows], False)
        value[rows] += _half(kind, a[rows], B[rows], R[rows], u[rows], True)
    if np.any(peaked):
        value[peaked] = _peak(kind, a[peaked], B[peaked], R[peaked], u[peaked])
    return value


def _gauss(lo: Array, hi: Array, panels: int) -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on ``[lo, hi]`` per row, ``panels`` of 16 nodes."""
    width = (hi - lo) / panels
    starts = lo[:, None] + width[:, None] * np.arange(panels)
    p = (starts[:, :, None] + 0.5 * width[:, None, None] * (_NODES + 1.0)).reshape(lo.size, -1)
    return p, np.tile(_WEIGHTS, panels) * 0.5 * width[:, None]


def _peak(kind: str, a: Array, B: Array, R: Array, u: Array) -> Array:
    """The integral for ``a, B > _PEAKED``, around the peak of the integrand.

    Such a beta (a fit at a limit: ``a, b ~ 1e7``) is nearly normal, of standard
    deviation ``sd`` far below its mean's distance to 0 and 1; the halves' panels
    of width 1 in ``-log p`` would step over it. φ moves the peak (``(1 + p u)^-R``
    pulls it towards 0 by up to tens of ``sd``): the integrand is first found on
    a grid over ``mean ± 48 sd``, then integrated where it is within ``e^-50`` of
    its top (8 panels of 16 Gauss-Legendre nodes), and divided by the density's
    own integral over ``mean ± 16 sd`` at the same scale (1 but for rounding: the
    log-densities, of order ``a + B``, and ``log B(a, B)`` lose ~1e-9 each, in
    common).
    """
    n = a + B
    mean = a / n
    sd = np.sqrt(a * B / (n * n * (n + 1.0)))
    cols = (a[:, None], B[:, None], R[:, None], u[:, None])

    def logs(p: Array) -> tuple[Array, Array]:
        log_p, log_q = np.log(p), np.log1p(-p)
        density = (cols[0] - 1.0) * log_p + (cols[1] - 1.0) * log_q
        return density, _log_integrand(kind, *cols, log_p, log_q)

    # the density's own mass, and the scale of both sums
    lo = np.maximum(mean - _PEAK_SDS * sd, 0.5 * mean)
    hi = np.minimum(mean + _PEAK_SDS * sd, 0.5 * (1.0 + mean))
    p, weights = _gauss(lo, hi, 2 * int(_PEAK_SDS) // 4)
    log_density, _ = logs(p)
    top = log_density.max(axis=1, keepdims=True)
    mass = (np.exp(log_density - top) * weights).sum(axis=1)
    # where the integrand lives: a grid over mean ± 48 sd (inside (0, 1))
    grid_lo = np.maximum(mean - 3 * _PEAK_SDS * sd, 1e-3 * mean)
    grid_hi = np.minimum(mean + 3 * _PEAK_SDS * sd, 1.0 - 1e-3 * (1.0 - mean))
    step = (grid_hi - grid_lo) / 256
    grid = grid_lo[:, None] + step[:, None] * np.arange(257)
    _, log_f = logs(grid)
    live = log_f >= log_f.max(axis=1, keepdims=True) - 50.0
    first = np.argmax(live, axis=1)
    last = 256 - np.argmax(live[:, ::-1], axis=1)
    lo = np.maximum(grid_lo + step * (first - 1), grid_lo)
    hi = np.minimum(grid_lo + step * (last + 1), grid_hi)
    p, weights = _gauss(lo, hi, 8)
    _, log_f = logs(p)
    return np.asarray((np.exp(log_f - top) * weights).sum(axis=1) / mass, dtype=np.float64)
