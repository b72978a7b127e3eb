"""Pareto/NBD log-likelihood, its gradient and the probability of being alive.

The likelihood ([FH05]_ eq. 22, [SMC87]_) needs the integral

.. math::

    D = \\int_{t_x}^{T} (\\alpha+\\tau)^{-(r+x)} (\\beta+\\tau)^{-(s+1)} d\\tau

for every customer with ``t_x < T``. Two ways of computing it cover the whole
parameter space, both vectorised over customers:

* where ``z = |alpha - beta| / (max(alpha, beta) + t) <= Z_MAX`` the integral
  is a difference of two Gauss hypergeometric functions ``2F1(1, b; c; z)``
  (after Euler's transformation), summed as a positive series of at most a
  few hundred terms (:func:`_pareto_piece`);
* closer to ``z = 1`` (one of ``alpha``, ``beta`` much larger than the other
  and than ``t``: e.g. a dropout rate tending to 0 with ``beta`` large) the
  part of the interval where ``z > Z_MAX`` is integrated by double-exponential
  (tanh-sinh) quadrature after the substitution that makes the steeper
  factor uniform (:func:`_quad_gap`); there the other factor changes by a
  bounded ratio, which the quadrature integrates to about 1e-14.

The gradient comes from the same sums (the parameter derivatives of the
integrand are the integrand times ``-log(k + tau)`` or ``-p / (k + tau)``).
Nothing here calls an adaptive integrator, so the cost per customer is fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import digamma, gammaln

from segkit.clv._base import benign_underflow
from segkit.clv._likelihoods import (
    _BLOCK,
    Array,
    Param,
    _f64,
    _per_x,
    _sum_rows,
    _take,
    _unique_pairs,
)
from segkit.clv._pareto_binomial import binomial_eligible, binomial_pieces, log_exprel

__all__ = ["pareto_nbd_log_likelihood"]

#: the series is used where z <= Z_MAX (at most ~110 terms); quadrature above
Z_MAX = 0.7
_QUAD_BLOCK = 2048  # rows per quadrature call: the (rows x nodes) temporaries stay in cache


def _tanh_sinh(step: float, reach: float) -> tuple[Array, Array, Array, Array]:
    """Nodes ``w`` in (0, 1), ``log w``, ``log(1 - w)`` and log-weights of tanh-sinh quadrature.

    ``w = 1 / (1 + exp(-pi sinh t))`` at ``t = k * step``, ``|t| <= reach``
    (Takahasi & Mori 1974); ``1 - w`` is formed directly so that nodes next to
    1 keep their precision.
    """
    t = np.arange(-reach, reach + step / 2, step)
    u = np.pi * np.sinh(t)
    log_w = -np.logaddexp(0.0, -u)
    log_c = -np.logaddexp(0.0, u)
    log_weight = np.log(step * np.pi) + np.log(np.cosh(t)) + log_w + log_c
    return np.exp(log_w), log_w, log_c, log_weight


_TS_W, _TS_LOG_W, _TS_LOG_C, _TS_LOG_WEIGHT = _tanh_sinh(1.0 / 12.0, 3.5)


def _quad_gap(
    k1: Array, p1: Array, k2: Array, p2: Array, a: Array, b: Array
) -> tuple[Array, Array, Array, Array, Array]:
    r"""``log(k_1^{p_1} k_2^{p_2} Q)`` for
    :math:`Q = \int_a^b (k_1+\tau)^{-p_1} (k_2+\tau)^{-p_2} d\tau` and its
    derivatives in ``(p1, k1, p2, k2)``, by quadrature (``b > a >= 0``, ``k > 0``).

    The factor :math:`k_1^{p_1} k_2^{p_2}` (the likelihood's
    :math:`\alpha^r \beta^s`, up to a factor ``alpha^x beta``) is taken in
    analytically, so that large exponents and scales do not cancel in
    floating point.

    The factor with the larger change over ``[a, b]`` is made uniform: with
    ``(k_1+\tau)^{1-p_1}`` linear in ``w`` on ``[0, 1]``,
    :math:`Q = \Phi \int_0^1 (k_2+\tau(w))^{-p_2} dw` where
    :math:`\Phi = \int_a^b (k_1+\tau)^{-p_1} d\tau`, and the remaining
    integral (of a bounded, monotone function with at worst a logarithmic
    endpoint behaviour in its derivatives) is taken by tanh-sinh quadrature.
    """
    span = b - a
    range1 = p1 * np.log1p(span / (k1 + a))
    range2 = p2 * np.log1p(span / (k2 + a))
    swap = range2 > range1
    k1, k2 = np.where(swap, k2, k1), np.where(swap, k1, k2)
    p1, p2 = np.where(swap, p2, p1), np.where(swap, p1, p2)
    log_ka = np.log(k1 + a)
    big_l = np.log1p(span / (k1 + a))
    y = (1.0 - p1) * big_l
    shift1 = np.log1p(a / k1)  # log((k1 + a) / k1)
    log_phi = log_ka - p1 * shift1 + np.log(big_l) + log_exprel(y)
    yc = y[:, None]
    w = _TS_W
    c = np.exp(_TS_LOG_C)
    lam = np.empty((y.size, w.size))
    with np.errstate(over="ignore", under="ignore"):
        # log(1 + w (e^y - 1)) = log((1 - w) + w e^y), three ways without cancellation
        near = np.abs(y) < 1.0
        neg = y <= -1.0
        pos = y >= 1.0
        lam[near] = np.log1p(w * np.expm1(yc[near]))
        lam[neg] = np.log(c + w * np.exp(yc[neg]))
        lam[pos] = yc[pos] + np.log(w + c * np.exp(-yc[pos]))
    zero = y == 0.0
    ratio = lam / np.where(zero, 1.0, y)[:, None]
    ratio[zero] = w
    g = big_l[:, None] * ratio  # log((k1 + tau) / (k1 + a)) at the nodes
    log_k1t = shift1[:, None] + g  # log((k1 + tau) / k1)
    grow = np.expm1(g)
    k1a = (k1 + a)[:, None]
    k2t = k1a * grow + (k2 + a)[:, None]
    log_k2t = np.log1p((k1a * grow + a[:, None]) / k2[:, None])  # log((k2 + tau) / k2)
    lw = _TS_LOG_WEIGHT - p2[:, None] * log_k2t
    top = lw.max(axis=1, keepdims=True)
    e = np.exp(lw - top)
    total = e.sum(axis=1)
    pi = e / total[:, None]
    log_q = log_phi + top[:, 0] + np.log(total)
    d_p1 = -(pi * log_k1t).sum(axis=1)
    d_k1 = p1 / k1 - p1 * (pi / (k1a * (grow + 1.0))).sum(axis=1)
    d_p2 = -(pi * log_k2t).sum(axis=1)
    d_k2 = p2 / k2 - p2 * (pi / k2t).sum(axis=1)
    return (
        log_q,
        np.where(swap, d_p2, d_p1),
        np.where(swap, d_k2, d_k1),
        np.where(swap, d_p1, d_p2),
        np.where(swap, d_k1, d_k2),
    )


def _hyp2f1_1bc(
    b: Array, c: Array, z: Array, tol: float = 1e-16, max_terms: int = 400
) -> tuple[Array, Array, Array, Array]:
    """``log 2F1(1, b; c; z)`` and the derivatives of the log in ``b``, ``c`` and ``z``.

    For ``0 < b < c`` and ``0 <= z < 1`` every term of the Gauss series is
    positive and the ratio of successive terms, ``z (b + k) / (c + k)``, is
    below ``z``, so the series is summed directly without cancellation; the
    parameter derivatives come from the same terms. Callers keep ``z <= Z_MAX``
    (at most a few hundred terms); beyond it the integral is taken by
    quadrature (:func:`_quad_gap`).
    """
    n = z.size
    out_g = np.ones(n)
    out_b = np.zeros(n)
    out_c = np.zeros(n)
    out_z = np.zeros(n)
    pos = np.arange(n)
    bk = b[pos].astype(np.float64)
    ck = c[pos].astype(np.float64)
    zz = z[pos].astype(np.float64)
    m = pos.size
    term = np.ones(m)
    sb = np.zeros(m)
    sc = np.zeros(m)
    g = np.ones(m)
    gb = np.zeros(m)
    gc = np.zeros(m)
    gz = np.zeros(m)
    k = 0
    while pos.size:
        ratio = bk / ck
        gz += (k + 1) * term * ratio  # d/dz of the next term
        term = term * ratio * zz
        sb += 1.0 / bk
        sc += 1.0 / ck
        g += term
        gb += term * sb
        gc -= term * sc
        k += 1
        bk += 1.0
        ck += 1.0
        done = (term <= tol * g * (1.0 - zz)) | (k >= max_terms)
        # finished rows keep adding (ever smaller, positive) terms until a
        # quarter of the rows are done: fewer, larger compactions
        n_done = int(np.count_nonzero(done))
        if n_done and (4 * n_done >= pos.size or n_done == pos.size or k >= max_terms):
            where = pos[done]
            out_g[where] = g[done]
            out_b[where] = gb[done]
            out_c[where] = gc[done]
            out_z[where] = gz[done]
            keep = ~done
            pos = pos[keep]
            bk, ck, zz, term, sb, sc, g, gb, gc, gz = (
                v[keep] for v in (bk, ck, zz, term, sb, sc, g, gb, gc, gz)
            )
    return np.log(out_g), out_b / out_g, out_c / out_g, out_z / out_g


def _pareto_piece(
    rho: Array, s: Array, alpha: Array, beta: Array, t: Array
) -> tuple[Array, Array, Array, Array, Array]:
    r"""Log of :math:`(\rho+s) \alpha^\rho \beta^s
    \int_t^\infty (\alpha+\tau)^{-\rho} (\beta+\tau)^{-s-1} d\tau`.

    This is the hypergeometric term of [FH05]_ eq. (22) (with ``rho = r + x``)
    after Euler's transformation
    :math:`{}_2F_1(a, b; c; z) = (1-z)^{c-a-b} {}_2F_1(c-a, c-b; c; z)`, which
    turns it into a series with unit first parameter and positive terms:

    * ``alpha >= beta``: :math:`(\alpha+t)^{-\rho} (\beta+t)^{-s}\,
      {}_2F_1(1, \rho; \rho+s+1; \frac{\alpha-\beta}{\alpha+t})`
    * ``alpha < beta``: :math:`(\alpha+t)^{1-\rho} (\beta+t)^{-s-1}\,
      {}_2F_1(1, s+1; \rho+s+1; \frac{\beta-\alpha}{\beta+t})`

    The factor :math:`\alpha^\rho \beta^s` is taken into the powers
    (``(alpha + t) / alpha`` and ``(beta + t) / beta``), so that the value has
    no cancellation however large ``s log(beta)`` is. Returns the log value
    and its derivatives in (rho, s, alpha, beta).
    """
    case_a = alpha >= beta
    ta = alpha + t
    tb = beta + t
    z = np.where(case_a, (alpha - beta) / ta, (beta - alpha) / tb)
    bpar = np.where(case_a, rho, s + 1.0)
    cpar = rho + s + 1.0
    lg, db, dc, dz = _hyp2f1_1bc(bpar, cpar, z)
    rel_a = np.log1p(t / alpha)  # log((alpha + t) / alpha)
    rel_b = np.log1p(t / beta)
    value = -rho * rel_a - s * rel_b + lg + np.where(case_a, 0.0, np.log(ta) - np.log(tb))
    d_rho = -rel_a + np.where(case_a, db + dc, dc)
    d_s = -rel_b + np.where(case_a, dc, db + dc)
    d_alpha = rho / alpha + np.where(
        case_a, -rho / ta + dz * tb / ta**2, (1.0 - rho) / ta - dz / tb
    )
    d_beta = s / beta + np.where(case_a, -s / tb - dz / ta, -(s + 1.0) / tb + dz * ta / tb**2)
    return value, d_rho, d_s, d_alpha, d_beta


_PAIR_CACHE: list[tuple[Array, Array, Array, tuple[Array, Array, npt.NDArray[np.intp]]]] = []


def _pairs_of(x: Array, t_x: Array, T: Array) -> tuple[Array, Array, npt.NDArray[np.intp]]:
    """Distinct ``(x, t)`` pairs over ``t_x`` and ``T`` (cached for the same arrays).

    An optimiser evaluates the likelihood on the same arrays many times; the
    cache holds the last arrays themselves (compared by identity), so the
    factorisation is done once per fit.
    """
    if _PAIR_CACHE:
        cx, ctx, cT, result = _PAIR_CACHE[0]
        if cx is x and ctx is t_x and cT is T:
            return result
    result = _unique_pairs(np.concatenate([x, x]), np.concatenate([t_x, T]))
    _PAIR_CACHE[:] = [(x, t_x, T, result)]
    return result


def _z(alpha: Any, beta: Any, t: Array) -> Array:
    """The argument of the hypergeometric series at ``t``."""
    return _f64(np.abs(alpha - beta) / (np.maximum(alpha, beta) + t))


def _merge(first: tuple[Array, ...], second: tuple[Array, ...]) -> tuple[Array, ...]:
    """``log(e^A + e^B)`` and its derivatives from those of ``A`` and ``B``."""
    top = np.maximum(first[0], second[0])
    e1, e2 = np.exp(first[0] - top), np.exp(second[0] - top)
    tot = e1 + e2
    rest = [(e1 * u + e2 * v) / tot for u, v in zip(first[1:], second[1:], strict=True)]
    return (top + np.log(tot), *rest)


def tail_pieces(rho: Array, s: Param, alpha: Param, beta: Param, t: Array, t_star: float) -> Array:
    """:func:`_pareto_piece` for every row, as an array of 5 columns.

    Where one scale is far above the other and above ``t_star`` (the largest
    ``T``), the pieces are integrals from ``t`` to ``t_star`` by the binomial
    series of :mod:`segkit.clv._pareto_binomial` instead of tails to infinity;
    whether that holds depends on ``rho``, not on ``t``, so both pieces of a
    row are always of the same kind.

    Where ``z(t) > Z_MAX`` the tail integral from ``t`` is split at the point
    ``t_split`` where ``z = Z_MAX``: quadrature on ``[t, t_split]``
    (:func:`_quad_gap`) plus the series at ``t_split``. The derivatives hold
    ``t_split`` fixed (the integral does not depend on where it is split).
    """
    n = t.size
    out = np.empty((n, 5))
    b = np.broadcast_to
    rho_n, s_n, a_n, be_n = b(rho, (n,)), b(s, (n,)), b(alpha, (n,)), b(beta, (n,))
    near = binomial_eligible(rho_n, s_n, a_n, be_n, t_star)
    far = np.flatnonzero(near)
    if far.size:
        out[far] = binomial_pieces(rho_n[far], s_n[far], a_n[far], be_n[far], t[far], t_star)
    slow = (_z(alpha, beta, t) > Z_MAX) & ~near
    ok = np.flatnonzero(~slow & ~near)
    if ok.size:
        out[ok] = np.column_stack(_pareto_piece(rho_n[ok], s_n[ok], a_n[ok], be_n[ok], t[ok]))
    idx = np.flatnonzero(slow)
    if idx.size:
        r_, s_, a_, b_ = rho_n[idx], s_n[idx], a_n[idx], be_n[idx]
        t_split = np.abs(a_ - b_) / Z_MAX - np.maximum(a_, b_)
        # the series at t_split: once per distinct (rho, s, alpha, beta)
        if all(np.ndim(p) == 0 for p in (s, alpha, beta)):
            codes, first = pd.factorize(r_)
            uniq = np.column_stack([first, *(np.full(first.size, p) for p in (s, alpha, beta))])
            inv = np.asarray(codes, dtype=np.intp)
        else:
            uniq, inv = np.unique(np.column_stack([r_, s_, a_, b_]), axis=0, return_inverse=True)
            inv = inv.ravel()
        u_split = np.abs(uniq[:, 2] - uniq[:, 3]) / Z_MAX - np.maximum(uniq[:, 2], uniq[:, 3])
        at_split = np.column_stack(
            _pareto_piece(uniq[:, 0], uniq[:, 1], uniq[:, 2], uniq[:, 3], u_split)
        )[inv]
        t_ = t[idx]
        res = [
            _quad_gap(a_[j], r_[j], b_[j], s_[j] + 1.0, t_[j], t_split[j])
            for j in (slice(k, k + _QUAD_BLOCK) for k in range(0, idx.size, _QUAD_BLOCK))
        ]
        log_f, df_r, df_a, df_s1, df_b = (np.concatenate(v) for v in zip(*res, strict=True))
        inv_rs = 1.0 / (r_ + s_)
        # _quad_gap takes in alpha^rho beta^(s+1); the pieces carry alpha^rho beta^s
        quad = (
            np.log(r_ + s_) + log_f - np.log(b_),
            inv_rs + df_r,
            inv_rs + df_s1,
            df_a,
            df_b - 1.0 / b_,
        )
        out[idx] = np.column_stack(_merge(quad, tuple(at_split.T)))
    return out


def interval_from_pieces(
    rho: Array, s: Array, at_lo: Array, at_hi: Array
) -> tuple[Array, Array, Array, Array, Array]:
    """``log D`` and its derivatives in (rho, s, alpha, beta) from the pieces at both ends.

    ``D`` is the integral of [FH05]_ eq. (22) over ``[t_x, T]``; ``-inf``
    where it is 0 (``t_x = T``, or equal pieces in floating point).
    """
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        # both pieces -inf: t_x = T = t* of the binomial pieces, an empty interval
        diff = np.where(at_lo[:, 0] == -np.inf, 0.0, np.minimum(at_hi[:, 0] - at_lo[:, 0], 0.0))
        q = np.exp(diff)
        one_m_q = -np.expm1(diff)
        log_d = at_lo[:, 0] - np.log(rho + s) + np.log(one_m_q)
        inv = np.where(one_m_q > 0, 1.0 / one_m_q, 0.0)
        d = [(at_lo[:, j] - q * at_hi[:, j]) * inv for j in range(1, 5)]
    return log_d, d[0] - 1.0 / (rho + s), d[1] - 1.0 / (rho + s), d[2], d[3]


def _pareto_block(
    r: Param,
    alpha: Param,
    s: Param,
    beta: Param,
    head: Array,
    x: Array,
    rho: Array,
    t_x: Array,
    T: Array,
    at_tx: Array,
    at_T: Array,
) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Per-row log-likelihood (without the x-only digamma term) and gradient pieces.

    Returns ``(ll, g_r, g_alpha, g_s, g_beta, log_alive_share)`` with gradients in the
    natural parameters (``g_r`` without the ``ψ(r+x) - ψ(r)`` term).
    """
    n = rho.size
    s_n = np.broadcast_to(s, (n,))
    # log D and l1, l2 below carry the factor alpha^rho beta^s (see _pareto_piece)
    log_d, d_rho, d_s, d_alpha, d_beta = interval_from_pieces(rho, s_n, at_tx, at_T)
    rel_a = np.log1p(T / alpha)
    rel_b = np.log1p(T / beta)
    l1 = -rho * rel_a - s * rel_b
    with np.errstate(under="ignore"):
        l2 = np.log(s) + log_d
        d = np.maximum(l2 - l1, -1e300)
        e = np.exp(-np.abs(d))
    w2 = np.where(d > 0, 1.0, e) / (1.0 + e)
    w1 = 1.0 - w2
    lse = l1 + np.maximum(d, 0.0) + np.log1p(e)
    ll = head - x * np.log(alpha) + lse
    g_r = -w1 * rel_a + w2 * d_rho
    g_alpha = -x / alpha + w1 * rho * T / (alpha * (alpha + T)) + w2 * d_alpha
    g_s = -w1 * rel_b + w2 * (1.0 / s + d_s)
    g_beta = w1 * s * T / (beta * (beta + T)) + w2 * d_beta
    return ll, g_r, g_alpha, g_s, g_beta, l1 - lse


def _pareto_rows(
    r: Param,
    alpha: Param,
    s: Param,
    beta: Param,
    x: Array,
    t_x: Array,
    T: Array,
    weights: Array | None = None,
) -> tuple[Any, Array, Array]:
    """Per-row log-likelihood of the Pareto/NBD; see :func:`pareto_nbd_log_likelihood`.

    Returns ``(ll, grad, log_alive_share)``; ``grad`` columns are the
    log-parameters (r, alpha, s, beta). With ``weights`` and shared
    parameters, returns the weighted sums (a float, a gradient of shape (4,)
    and an empty array). Rows are processed in cache-sized blocks.
    """
    n = x.size
    scalar = all(np.ndim(p) == 0 for p in (r, alpha, s, beta))
    xs, idx = _per_x(x, scalar)
    t_star = float(T.max(initial=0.0))
    head_x = gammaln(r + xs) - gammaln(r)
    dr_x = digamma(r + xs) - digamma(r)
    if scalar:
        # the series pieces depend on (x, t) only: evaluate each distinct pair once
        ux, ut, inv = _pairs_of(x, t_x, T)
        table = tail_pieces(r + ux, s, alpha, beta, ut, t_star)
    sums = np.zeros(5)
    summed = weights is not None and scalar
    out = None if summed else np.empty((n, 6))
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        blk = slice(start, stop)
        rho = r + x[blk]
        pick = [p if np.ndim(p) == 0 else p[blk] for p in (r, alpha, s, beta)]
        if scalar:
            at_tx, at_T = table[inv[start:stop]], table[inv[n + start : n + stop]]
        else:
            at_tx = tail_pieces(rho, pick[2], pick[1], pick[3], t_x[blk], t_star)
            at_T = tail_pieces(rho, pick[2], pick[1], pick[3], T[blk], t_star)
        head = head_x[idx[blk]] if idx is not None else head_x[blk]
        res = _pareto_block(
            pick[0], pick[1], pick[2], pick[3], head, x[blk], rho, t_x[blk], T[blk], at_tx, at_T
        )
        if summed:
            wb = weights[blk]  # type: ignore[index]
            sums += [wb @ res[0], wb @ res[1], wb @ res[2], wb @ res[3], wb @ res[4]]
        else:
            assert out is not None
            out[blk] = np.column_stack(res)
    if summed:
        assert weights is not None
        per_x = (
            dr_x @ np.bincount(idx, weights=weights, minlength=xs.size)
            if idx is not None
            else float(weights @ dr_x)
        )
        grad_sum = sums[1:] + np.array([per_x, 0.0, 0.0, 0.0])
        return float(sums[0]), grad_sum * np.array([r, alpha, s, beta]), np.empty(0)
    assert out is not None
    ll, g_r, g_a, g_s, g_b, log_alive = out.T
    g_r = g_r + _take(dr_x, idx)
    grad = np.column_stack([g_r * r, g_a * alpha, g_s * s, g_b * beta])
    return ll.copy(), grad, log_alive.copy()


@benign_underflow
def pareto_nbd_log_likelihood(
    log_params: Any, x: Any, t_x: Any, T: Any, weights: Any = None
) -> tuple[float, Array]:
    r"""Log-likelihood of the Pareto/NBD model and its gradient.

    .. math::

        L(r, \alpha, s, \beta \mid x, t_x, T) =
        \frac{\Gamma(r + x)\,\alpha^r \beta^s}{\Gamma(r)}
        \Bigl[\frac{1}{(\alpha + T)^{r + x} (\beta + T)^s}
        + s \int_{t_x}^{T} \frac{d\tau}{(\alpha + \tau)^{r + x}
        (\beta + \tau)^{s + 1}}\Bigr]

    The integral is the closed form of [FH05]_ eq. (22) (two Gauss
    hypergeometric functions, :math:`A_0`); see ``_pareto_piece`` for the
    transformation that keeps it stable. The difference of the two
    hypergeometric terms is taken as ``log P(t_x) + log1p(-P(T) / P(t_x))``,
    never as a difference of large numbers.

    Parameters
    ----------
    log_params : array-like of 4 floats
        ``log(r), log(alpha), log(s), log(beta)``.
    x, t_x, T, weights
        As in :func:`bgnbd_log_likelihood`.

    Returns
    -------
    log_likelihood : float
    gradient : ndarray of shape (4,)

    Examples
    --------
    >>> import numpy as np
    >>> ll, grad = pareto_nbd_log_likelihood(
    ...     np.log([0.553, 10.578, 0.606, 11.669]), [2], [30.43], [38.86])
    >>> round(ll, 4)
    -9.5543
    """
    r, alpha, s, beta = np.exp(_f64(log_params))
    xa = np.atleast_1d(_f64(x))
    w = np.ones(xa.size) if weights is None else np.atleast_1d(_f64(weights))
    ll, grad, _ = _pareto_rows(
        r, alpha, s, beta, xa, np.atleast_1d(_f64(t_x)), np.atleast_1d(_f64(T)), w
    )
    if np.ndim(ll) == 0:
        return float(ll), grad
    return _sum_rows(ll, grad, w)
