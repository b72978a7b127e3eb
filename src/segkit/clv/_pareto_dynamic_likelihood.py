"""Log-likelihood of the Pareto/NBD with time-varying covariates, and its gradient.

Bachmann, Meierer & Näf (2021) let each customer's purchase rate and dropout
hazard move with covariates that change over time: while alive, customer
``i`` buys at rate :math:`\\lambda_i e^{\\gamma_p' z_i(t)}` and drops out at
hazard :math:`\\mu_i e^{\\gamma_d' z_i(t)}`, with :math:`\\lambda_i \\sim
\\Gamma(r, \\alpha)` and :math:`\\mu_i \\sim \\Gamma(s, \\beta)` as in the
Pareto/NBD. With the covariates constant over periods, the model runs on two
clocks: :math:`A(t) = \\int_0^t e^{\\gamma_p' z(u)} du` for purchases and
:math:`B(t) = \\int_0^t e^{\\gamma_d' z(u)} du` for dropout, both piecewise
linear. Integrating out :math:`\\lambda` and :math:`\\mu` exactly as in Fader &
Hardie (2005, note 009) gives

.. math::

    L_i = \\frac{\\Gamma(r+x)\\,\\alpha^r \\beta^s}{\\Gamma(r)}
    \\prod_{j=1}^{x} e^{\\gamma_p' z(t_j)}
    \\Bigl[(\\alpha + A(T))^{-(r+x)} (\\beta + B(T))^{-s}
    + s \\int_{t_x}^{T} (\\alpha + A(\\tau))^{-(r+x)}
      (\\beta + B(\\tau))^{-(s+1)} e^{\\gamma_d' z(\\tau)} d\\tau \\Bigr]

(the structure of Bachmann et al. 2021, Section 3; ``t_j`` are the times of
the repeat purchases). On a period ``k`` where the covariates are ``z_k``,
with ``a_k = exp(γ_p' z_k)``, ``b_k = exp(γ_d' z_k)``, ``P_k = α + A`` and
``Q_k = β + B`` at the start of the piece, the integrand is the static
Pareto/NBD one with scales ``P_k / a_k`` and ``Q_k / b_k``:

.. math::

    \\int_0^{\\Delta_k} (P_k + a_k u)^{-\\rho} (Q_k + b_k u)^{-(s+1)} b_k\\, du
    = P_k^{-\\rho} Q_k^{-s}\\; \\Bigl[(P_k/a_k)^{\\rho} (Q_k/b_k)^{s}
      \\int_0^{\\Delta_k} (P_k/a_k + u)^{-\\rho} (Q_k/b_k + u)^{-(s+1)} du\\Bigr],

and the bracket is evaluated by the static likelihood's pieces (series,
binomial or quadrature, :mod:`segkit.clv._pareto_likelihood`). With every
covariate 0 the likelihood is the Pareto/NBD's, split at the period edges.

References
----------
.. [BMN21] Bachmann, P., Meierer, M. and Näf, J. (2021). The role of
   time-varying contextual factors in latent attrition models for customer
   base analysis. *Marketing Science* 40(4), 783-809.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln, roots_legendre

from segkit.clv._pareto_likelihood import interval_from_pieces, tail_pieces

__all__ = ["Paths", "clock", "clock_at", "dynamic_log_likelihood", "dynamic_rows", "invert_clock"]

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


@attrs.frozen
class Paths:
    """Covariate periods of every customer, clipped to ``[0, T]``, and the pieces of
    ``[t_x, T]`` they cut.

    ``rows`` are the periods (sorted by customer, then start) with their
    customer ``owner``, ``start``, ``length`` inside ``[0, T]`` and values ``z`` (one
    column per covariate); ``first`` is each customer's first row. ``seg_*``
    describe the pieces of ``[t_x, T]``: the period they lie in, their offset
    from its start and their length. ``purchase_z`` is each customer's sum of
    covariates at their repeat purchases.
    """

    x: Array
    t_x: Array
    T: Array
    w: Array
    owner: Index
    first: Index
    start: Array
    length: Array
    z: Array
    seg_row: Index
    seg_offset: Array
    seg_length: Array
    purchase_z: Array


def clock(rate: Array, paths: Paths) -> tuple[Array, Array]:
    """The clock at the start of every period and at ``T``, per customer."""
    inc = rate * paths.length
    total = np.cumsum(inc)
    start = total - inc
    base = start[paths.first]  # the running sum before each customer's first period
    at_start = start - base[paths.owner]
    at_end = np.add.reduceat(inc, paths.first) if inc.size else np.zeros(0)
    return at_start, at_end


def _cumulative_z(rate: Array, paths: Paths) -> tuple[Array, Array]:
    """The derivative of :func:`clock` in the coefficients (one column each)."""
    inc = (rate * paths.length)[:, None] * paths.z
    total = np.cumsum(inc, axis=0)
    start = total - inc
    base = start[paths.first]
    at_start = start - base[paths.owner]
    at_end = np.add.reduceat(inc, paths.first, axis=0)
    return at_start, at_end


def dynamic_rows(
    theta: Array, paths: Paths, m_p: int
) -> tuple[Array, Array, Array, dict[str, Array]]:
    """Per-customer log-likelihood, its gradient in ``theta`` and log P(alive at T).

    ``theta`` is ``(log r, log alpha, log s, log beta, gamma_purchase (m_p),
    gamma_dropout (m_d))``; the covariates of the purchase process are the
    first ``m_p`` columns of ``paths.z`` and those of dropout the rest.
    Also returns the clocks at ``T`` (``A_T``, ``B_T``) for predictions.
    """
    r, alpha, s, beta = np.exp(theta[:4])
    g_p = theta[4 : 4 + m_p]
    g_d = theta[4 + m_p :]
    z_p = paths.z[:, :m_p]
    z_d = paths.z[:, m_p:]
    x, n = paths.x, paths.x.size
    a = np.exp(z_p @ g_p)
    b = np.exp(z_d @ g_d)
    a_start, a_T = clock(a, paths)
    b_start, b_T = clock(b, paths)
    da_start, da_T = _cumulative_z(a, _with_z(paths, z_p))
    db_start, db_T = _cumulative_z(b, _with_z(paths, z_d))
    rho = r + x

    # the first term: alive at T
    rel_a_T = np.log1p(a_T / alpha)
    rel_b_T = np.log1p(b_T / beta)
    f0 = -rho * rel_a_T - s * rel_b_T
    p_T, q_T = alpha + a_T, beta + b_T
    g0 = [
        -rel_a_T,  # d/d rho
        rho * a_T / (alpha * p_T),  # d/d alpha
        -rel_b_T,  # d/d s
        s * b_T / (beta * q_T),  # d/d beta
    ]
    g0_p = -(rho / p_T)[:, None] * da_T
    g0_d = -(s / q_T)[:, None] * db_T

    # the pieces of [t_x, T]
    row = paths.seg_row
    cust = paths.owner[row]
    off = paths.seg_offset
    a_k, b_k = a[row], b[row]
    big_a = a_start[row] + a_k * off
    big_b = b_start[row] + b_k * off
    p_k, q_k = alpha + big_a, beta + big_b
    rho_k = rho[cust]
    al_k, be_k = p_k / a_k, q_k / b_k
    log_dn, d_rho, d_s, d_al, d_be = _segment_integrals(rho_k, s, al_k, be_k, paths.seg_length)
    rel_a = np.log1p(big_a / alpha)
    rel_b = np.log1p(big_b / beta)
    f_k = np.log(s) - rho_k * rel_a - s * rel_b + log_dn
    gk = [
        -rel_a + d_rho,
        rho_k * big_a / (alpha * p_k) + d_al / a_k,
        1.0 / s - rel_b + d_s,
        s * big_b / (beta * q_k) + d_be / b_k,
    ]
    zp_k = z_p[row]
    zd_k = z_d[row]
    dA_k = da_start[row] + (a_k * off)[:, None] * zp_k
    dB_k = db_start[row] + (b_k * off)[:, None] * zd_k
    gk_p = -(rho_k / p_k)[:, None] * dA_k + (d_al / a_k)[:, None] * (dA_k - p_k[:, None] * zp_k)
    gk_d = -(s / q_k)[:, None] * dB_k + (d_be / b_k)[:, None] * (dB_k - q_k[:, None] * zd_k)

    # log-sum-exp per customer over the first term and the pieces
    with np.errstate(invalid="ignore"):
        top = f0.copy()
        np.maximum.at(top, cust, np.where(np.isfinite(f_k), f_k, -np.inf))
    e0 = np.exp(f0 - top)
    with np.errstate(under="ignore"):
        ek = np.exp(f_k - top[cust])
    ek = np.where(np.isfinite(ek), ek, 0.0)
    total = e0 + np.bincount(cust, weights=ek, minlength=n)
    lse = top + np.log(total)
    w0 = e0 / total
    wk = ek / total[cust]

    def mix(first: Array, pieces: Array) -> Array:
        return np.asarray(w0 * first + np.bincount(cust, weights=wk * pieces, minlength=n))

    def mix_cols(first: Array, pieces: Array) -> Array:
        out: Array = w0[:, None] * first
        for j in range(pieces.shape[1]):
            out[:, j] += np.bincount(cust, weights=wk * pieces[:, j], minlength=n)
        return out

    s_p = paths.purchase_z[:, :m_p]
    ll = gammaln(rho) - gammaln(r) - x * np.log(alpha) + s_p @ g_p + lse
    grad = np.column_stack(
        [
            r * (digamma(rho) - digamma(r) + mix(g0[0], gk[0])),
            alpha * (-x / alpha + mix(g0[1], gk[1])),
            s * mix(g0[2], gk[2]),
            beta * mix(g0[3], gk[3]),
            s_p + mix_cols(g0_p, gk_p),
            mix_cols(g0_d, gk_d),
        ]
    )
    return ll, grad, f0 - lse, {"A_T": a_T, "B_T": b_T}


#: (largest span / smaller scale, largest log-variation, nodes): Gauss-Legendre tiers,
#: each checked against mpmath to 3e-14 (absolute, on the log) on random parameters
_GL_TIERS = [(0.125, 1.0, 7), (0.25, 2.0, 10), (0.5, 8.0, 16)]
_GL_RULES = {n: roots_legendre(n) for _, _, n in _GL_TIERS}


def _gauss_legendre(rho: Array, s: float, al: Array, be: Array, h: Array, n: int) -> Array:
    """The 5 columns of :func:`_segment_integrals` by ``n``-point Gauss-Legendre."""
    nodes, weights = _GL_RULES[n]
    u = 0.5 * h[:, None] * (nodes + 1.0)
    la = np.log1p(u / al[:, None])
    lb = np.log1p(u / be[:, None])
    lf = -rho[:, None] * la - (s + 1.0) * lb
    top = lf.max(axis=1, keepdims=True)
    e = np.exp(lf - top) * weights
    total = e.sum(axis=1)
    pi = e / total[:, None]
    return np.column_stack(
        [
            np.log(0.5 * h) + top[:, 0] + np.log(total) - np.log(be),
            -(pi * la).sum(axis=1),
            -(pi * lb).sum(axis=1),
            rho * (pi * (u / (al[:, None] * (al[:, None] + u)))).sum(axis=1),
            (s + 1.0) * (pi * (u / (be[:, None] * (be[:, None] + u)))).sum(axis=1) - 1.0 / be,
        ]
    )


def _segment_integrals(
    rho: Array, s: float, al: Array, be: Array, span: Array
) -> tuple[Array, Array, Array, Array, Array]:
    r"""``log(al^rho be^s \int_0^{span} (al+u)^{-rho} (be+u)^{-s-1} du)`` and its derivatives
    in ``(rho, s, al, be)``.

    A piece shorter than half of both scales, over which the integrand changes
    by less than a factor ``e^8``, is integrated by Gauss-Legendre quadrature
    (the integrand is analytic, its singularities at least two half-lengths
    away; 7 to 16 nodes by how short and flat the piece is, see
    ``_GL_TIERS``); there the difference of two tail integrals would lose
    digits to cancellation. Longer pieces use the static likelihood's tail
    pieces.
    """
    n = span.size
    out = np.empty((n, 5))
    variation = rho * np.log1p(span / al) + (s + 1.0) * np.log1p(span / be)
    ratio = span / np.minimum(al, be)
    done = np.zeros(n, dtype=bool)
    for q_max, v_max, nodes in _GL_TIERS:
        tier = ~done & (ratio <= q_max) & (variation <= v_max)
        idx = np.flatnonzero(tier)
        if idx.size:
            out[idx] = _gauss_legendre(rho[idx], s, al[idx], be[idx], span[idx], nodes)
        done |= tier
    rest = np.flatnonzero(~done)
    if rest.size:
        r_, a_, b_, h = rho[rest], al[rest], be[rest], span[rest]
        t_star = float(h.max())
        at_lo = tail_pieces(r_, s, a_, b_, np.zeros(rest.size), t_star)
        at_hi = tail_pieces(r_, s, a_, b_, h, t_star)
        out[rest] = np.column_stack(interval_from_pieces(r_, np.full(rest.size, s), at_lo, at_hi))
    return out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4]


def _with_z(paths: Paths, z: Array) -> Paths:
    return attrs.evolve(paths, z=z)


def dynamic_log_likelihood(theta: Any, paths: Paths, m_p: int) -> tuple[float, Array]:
    """Weighted log-likelihood and gradient (see :func:`dynamic_rows`)."""
    ll, grad, _, _ = dynamic_rows(np.asarray(theta, dtype=np.float64), paths, m_p)
    return float(paths.w @ ll), np.asarray(paths.w @ grad, dtype=np.float64)


def clock_at(rate: Array, paths: Paths, start: Array, t: Array) -> Array:
    """The clock ``∫_0^t rate`` of every customer at their own ``t`` (``0 <= t <= T``)."""
    at_start, _ = clock(rate, paths)
    # the last period of each customer starting at or before t
    key = paths.owner.astype(np.float64) * (float(paths.T.max()) + 2.0) + start
    target = np.arange(t.size, dtype=np.float64) * (float(paths.T.max()) + 2.0) + t
    row = np.searchsorted(key, target, side="right") - 1
    return np.asarray(at_start[row] + rate[row] * (t - start[row]))


def invert_clock(
    rate: Array, paths: Paths, start: Array, value: Array, owner: Index | None = None
) -> Array:
    """The time at which each customer's clock reaches ``value`` (``owner[i]``'s clock)."""
    inc = rate * paths.length
    end = np.cumsum(inc)
    begin_g = end - inc
    base = begin_g[paths.first]
    who = np.arange(value.size) if owner is None else owner
    target = base[who] + value
    row = np.searchsorted(end, target, side="left")
    last = np.r_[paths.first[1:], paths.owner.size] - 1
    row = np.clip(row, paths.first[who], last[who])
    return np.asarray(start[row] + (target - begin_g[row]) / rate[row])
