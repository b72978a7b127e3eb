"""Log-likelihoods of the buy-till-you-die models and of the Gamma-Gamma spend model.

Every function here is pure: it takes the logarithms of the model parameters,
the sufficient statistics of each customer and (for the summed versions) a
weight per row, and returns the log-likelihood together with its analytic
gradient with respect to the log-parameters. Everything is computed in log
space so that large counts (``x`` in the thousands) and long histories (``T``
of decades in days) neither overflow nor underflow.

The ``*_rows`` variants take natural (positive) parameters, which may be
scalars or one value per row (this is how covariates enter), and return the
per-row log-likelihood and the per-row gradient with respect to the logarithm
of each parameter.

References
----------
.. [FHL05] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your
   customers" the easy way: an alternative to the Pareto/NBD model.
   *Marketing Science* 24(2), 275-284.
.. [FH05] Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the
   Pareto/NBD model and related expressions. http://brucehardie.com/notes/009/
.. [SMC87] Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987).
   Counting your customers: who are they and what will they do next?
   *Management Science* 33(1), 1-24.
.. [BDK07] Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical
   validation and comparison of models for customer base analysis.
   *International Journal of Research in Marketing* 24(3), 201-209.
.. [FHS10] Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base
   analysis in a discrete-time noncontractual setting. *Marketing Science*
   29(6), 1086-1108.
.. [FH13] Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of
   monetary value. http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, digamma, gammaln

from segkit.clv._base import benign_underflow

__all__ = [
    "bgbb_log_likelihood",
    "bgnbd_log_likelihood",
    "gamma_gamma_log_likelihood",
    "mbgnbd_log_likelihood",
]

Array = npt.NDArray[np.float64]
Param = Any  # a float or an array with one value per row


def _f64(values: Any) -> Array:
    return np.asarray(values, dtype=np.float64)


def _per_x(x: Array, scalar: bool) -> tuple[Array, npt.NDArray[np.intp] | None]:
    """Return the values on which to evaluate terms that depend on ``x`` only.

    When the parameters are shared by every row and ``x`` holds small
    non-negative integers, the x-only terms (gamma and digamma functions) are
    evaluated once per possible value of ``x`` and gathered, which makes the
    cost per row a few logarithms.
    """
    if not scalar or x.size == 0:
        return x, None
    xi = x.astype(np.intp)
    top = int(xi.max())
    if xi.min() < 0 or top > 4 * x.size + 1024 or not np.array_equal(xi, x):
        return x, None
    return np.arange(top + 1, dtype=np.float64), xi


def _unique_pairs(x: Array, t: Array) -> tuple[Array, Array, npt.NDArray[np.intp]]:
    """Distinct ``(x, t)`` pairs and, for every row, the position of its pair."""
    cx, _ = pd.factorize(x)
    ct, ut = pd.factorize(t)
    codes, _ = pd.factorize(cx.astype(np.int64) * max(len(ut), 1) + ct)
    inverse = np.asarray(codes, dtype=np.intp)
    first = np.zeros(int(inverse.max()) + 1 if inverse.size else 0, dtype=np.intp)
    first[inverse] = np.arange(inverse.size, dtype=np.intp)  # any member will do
    return np.asarray(x)[first], np.asarray(t)[first], inverse


def _take(values: Array, index: npt.NDArray[np.intp] | None) -> Array:
    return values if index is None else values[index]


def _sum_rows(ll: Array, grad: Array, weights: Any) -> tuple[float, Array]:
    w = np.ones_like(ll) if weights is None else _f64(weights)
    return float(w @ ll), w @ grad


# ---------------------------------------------------------------------------
# BG/NBD and MBG/NBD
# ---------------------------------------------------------------------------


_BLOCK = 8192  # rows per block in the summed likelihoods: temporaries stay in cache


def _beta_geo_rows(
    r: Param,
    alpha: Param,
    a: Param,
    b: Param,
    x: Array,
    t_x: Array,
    T: Array,
    shift: int,
    weights: Array | None = None,
    *,
    alive_only: bool = False,
) -> tuple[Any, Array, Array]:
    """Per-row log-likelihood of BG/NBD (``shift=0``) or MBG/NBD (``shift=1``).

    Returns ``(ll, grad, log_alive_share)`` where ``grad`` has one column per
    log-parameter (r, alpha, a, b) and ``log_alive_share`` is the log of the
    posterior probability that the customer is still alive at ``T``. With
    ``alive_only`` (predictions) only ``log_alive_share`` is computed and the
    other two are empty.

    With ``weights`` and shared parameters, returns the weighted sums instead
    (a float, a gradient of shape (4,) and an empty array): the x-only terms
    are aggregated per value of ``x``, and the rows are processed in blocks,
    which keeps the per-row work to two logarithms, one exponential and one
    ``log1p`` on cache-resident arrays.
    """
    scalar = all(np.ndim(p) == 0 for p in (r, alpha, a, b))
    xs, idx = _per_x(x, scalar)
    # x-only terms.  BG/NBD: [FHL05] eq. (6); MBG/NBD: the likelihood of
    # [BDK07]: the dropout coin is also tossed at the first purchase, shifting
    # b + x by one.
    bx = b + xs + shift
    has_dead = (xs + shift) > 0
    bx1 = np.where(has_dead, bx - 1.0, 1.0)
    lb = betaln(a, b)
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + bx)
    psi_b = digamma(b)
    head = gammaln(r + xs) - gammaln(r)
    log_alive = head + betaln(a, bx) - lb
    # where there is no dead branch its log is -inf; a large negative number
    # keeps the arithmetic below free of inf - inf
    log_dead = np.where(has_dead, head + betaln(a + 1.0, bx1) - lb, -1e300)
    dr0 = digamma(r + xs) - digamma(r)
    da_alive = psi_ab - psi_abx
    db_alive = digamma(bx) - psi_abx - psi_b + psi_ab
    da_dead = 1.0 / a + da_alive
    db_dead = digamma(bx1) - psi_abx - psi_b + psi_ab
    log_alpha = np.log(alpha)

    if weights is not None and idx is not None:
        nx = xs.size
        per_x = np.zeros(nx)
        per_x1 = np.zeros(nx)
        acc = np.zeros(4)  # sum w*ll, sum w*(w1 log_aT + w2 log_atx), alpha term, total w
        for start in range(0, x.size, _BLOCK):
            blk = slice(start, start + _BLOCK)
            ib, xb, wb = idx[blk], x[blk], weights[blk]
            la_T = np.log(alpha + T[blk])
            la_tx = np.log(alpha + t_x[blk])
            rx = r + xb
            l1 = log_alive[ib] - rx * la_T
            diff = log_dead[ib] - rx * la_tx - l1
            e = np.exp(-np.abs(diff))
            w2 = np.where(diff > 0, 1.0, e) / (1.0 + e)
            w1 = 1.0 - w2
            ww1 = wb * w1
            ww2 = wb * w2
            acc[0] += float(wb @ (l1 + np.maximum(diff, 0.0) + np.log1p(e)))
            acc[1] += float(ww1 @ la_T + ww2 @ la_tx)
            acc[2] += float((wb * rx) @ (w1 / (alpha + T[blk]) + w2 / (alpha + t_x[blk])))
            acc[3] += float(wb.sum())
            per_x += np.bincount(ib, weights=wb, minlength=nx)
            per_x1 += np.bincount(ib, weights=ww1, minlength=nx)
        per_x2 = per_x - per_x1
        total = acc[3]
        ll_sum = acc[0] + total * r * log_alpha
        g_r = float(dr0 @ per_x) + total * log_alpha - acc[1]
        g_alpha = total * r / alpha - acc[2]
        g_a = float(da_alive @ per_x1 + da_dead @ per_x2)
        g_b = float(db_alive @ per_x1 + db_dead @ per_x2)
        return ll_sum, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b]), np.empty(0)

    rx = r + x
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    l1 = _take(log_alive, idx) - rx * log_aT
    # log(dead / alive); (alpha+T)/(alpha+t_x) through log1p, which keeps its
    # digits when alpha is huge (a fit at the homogeneous-rate limit)
    log_gap = np.log1p((T - t_x) / (alpha + t_x))
    diff = _take(log_dead, idx) - _take(log_alive, idx) + rx * log_gap
    e = np.exp(-np.abs(diff))
    softplus = np.maximum(diff, 0.0) + np.log1p(e)
    if alive_only:
        return np.empty(0), np.empty((0, 4)), -softplus
    w2 = np.where(diff > 0, 1.0, e) / (1.0 + e)  # posterior share of the dead branch
    w1 = 1.0 - w2
    ll = r * log_alpha + l1 + softplus
    g_r = _take(dr0, idx) + log_alpha - w1 * log_aT - w2 * log_atx
    g_alpha = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + t_x))
    g_a = w1 * _take(da_alive, idx) + w2 * _take(da_dead, idx)
    g_b = w1 * _take(db_alive, idx) + w2 * _take(db_dead, idx)
    grad = np.column_stack([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return ll, grad, -softplus


def _beta_geo_sum(
    log_params: Any, x: Any, t_x: Any, T: Any, weights: Any, shift: int
) -> tuple[float, Array]:
    r, alpha, a, b = np.exp(_f64(log_params))
    xa = np.atleast_1d(_f64(x))
    w = np.ones(xa.size) if weights is None else np.atleast_1d(_f64(weights))
    ll, grad, _ = _beta_geo_rows(
        r, alpha, a, b, xa, np.atleast_1d(_f64(t_x)), np.atleast_1d(_f64(T)), shift, w
    )
    if np.ndim(ll) == 0:
        return float(ll), grad
    return _sum_rows(ll, grad, w)


@benign_underflow
def bgnbd_log_likelihood(
    log_params: Any, x: Any, t_x: Any, T: Any, weights: Any = None
) -> tuple[float, Array]:
    r"""Log-likelihood of the BG/NBD model and its gradient.

    .. math::

        L(r, \alpha, a, b \mid x, t_x, T) =
        \frac{B(a, b + x)}{B(a, b)}
        \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
        + \delta_{x > 0}\,
        \frac{B(a + 1, b + x - 1)}{B(a, b)}
        \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}}

    ([FHL05]_, eq. 6), summed in log space over rows with ``weights``.

    Parameters
    ----------
    log_params : array-like of 4 floats
        ``log(r), log(alpha), log(a), log(b)``.
    x, t_x, T : array-like
        Repeat purchases, time of the last repeat purchase and length of the
        observation period of each row (same time unit as ``alpha``).
    weights : array-like, optional
        Number of customers each row stands for (default 1 each).

    Returns
    -------
    log_likelihood : float
    gradient : ndarray of shape (4,)
        With respect to ``log_params``.

    Examples
    --------
    >>> import numpy as np
    >>> ll, grad = bgnbd_log_likelihood(
    ...     np.log([0.243, 4.414, 0.793, 2.426]), [2], [30.43], [38.86])
    >>> round(ll, 4)
    -9.4586
    """
    return _beta_geo_sum(log_params, x, t_x, T, weights, 0)


@benign_underflow
def mbgnbd_log_likelihood(
    log_params: Any, x: Any, t_x: Any, T: Any, weights: Any = None
) -> tuple[float, Array]:
    r"""Log-likelihood of the MBG/NBD model and its gradient.

    .. math::

        L = \frac{B(a, b + x + 1)}{B(a, b)}
        \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
        + \frac{B(a + 1, b + x)}{B(a, b)}
        \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}}

    (the MBG/NBD likelihood of [BDK07]_): unlike the BG/NBD, a
    customer may drop out right after the first purchase, so the second term
    is present for ``x = 0`` too.
    Arguments and return values are as in :func:`bgnbd_log_likelihood`.

    Examples
    --------
    >>> import numpy as np
    >>> ll, grad = mbgnbd_log_likelihood(np.log([0.525, 6.183, 0.891, 1.614]), [0], [0], [30])
    >>> round(ll, 4)
    -0.4934
    """
    return _beta_geo_sum(log_params, x, t_x, T, weights, 1)


# ---------------------------------------------------------------------------
# BG/BB
# ---------------------------------------------------------------------------


def _bgbb_rows(
    alpha: Param, beta: Param, gamma: Param, delta: Param, x: Array, t_x: Array, n: Array
) -> tuple[Array, Array, Array]:
    """Per-row BG/BB log-likelihood ([FHS10]_ eq. 5) with gradient in log-parameters.

    Returns ``(ll, grad, log_alive_share)``.
    """
    lab = betaln(alpha, beta)
    lgd = betaln(gamma, delta)
    c_a = digamma(alpha) - digamma(alpha + beta)
    c_b = digamma(beta) - digamma(alpha + beta)
    c_g = digamma(gamma) - digamma(gamma + delta)
    c_d = digamma(delta) - digamma(gamma + delta)
    psi_ax = digamma(alpha + x)
    # alive through all n opportunities
    t0 = betaln(alpha + x, beta + n - x) - lab + betaln(gamma, delta + n) - lgd
    psi_abn = digamma(alpha + beta + n)
    psi_gdn = digamma(gamma + delta + n)
    d0 = np.column_stack(
        [
            psi_ax - psi_abn - c_a,
            digamma(beta + n - x) - psi_abn - c_b,
            digamma(gamma) - psi_gdn - c_g,
            digamma(delta + n) - psi_gdn - c_d,
        ]
    )
    # dropped out after opportunity t_x + i (i = 0 .. n - t_x - 1)
    m = int(np.max(n - t_x)) if n.size else 0

    def term(i: int) -> Array:
        return _f64(
            betaln(alpha + x, beta + t_x - x + i)
            - lab
            + betaln(gamma + 1.0, delta + t_x + i)
            - lgd
        )

    lse = t0.copy()
    for i in range(m):
        live = i < n - t_x
        lse = np.where(live, np.logaddexp(lse, term(i)), lse)
    ll = lse
    w0 = np.exp(t0 - lse)
    grad = w0[:, None] * d0
    for i in range(m):
        live = i < n - t_x
        wi = np.where(live, np.exp(term(i) - lse), 0.0)
        psi_abti = digamma(alpha + beta + t_x + i)
        psi_gdti = digamma(gamma + delta + 1.0 + t_x + i)
        di = np.column_stack(
            [
                psi_ax - psi_abti - c_a,
                digamma(beta + t_x - x + i) - psi_abti - c_b,
                digamma(gamma + 1.0) - psi_gdti - c_g,
                digamma(delta + t_x + i) - psi_gdti - c_d,
            ]
        )
        grad += wi[:, None] * di
    scale = np.column_stack([np.broadcast_to(p, x.shape) for p in (alpha, beta, gamma, delta)])
    return ll, grad * scale, t0 - lse


@benign_underflow
def bgbb_log_likelihood(
    log_params: Any, frequency: Any, recency: Any, periods: Any, weights: Any = None
) -> tuple[float, Array]:
    r"""Log-likelihood of the BG/BB model and its gradient.

    .. math::

        L(\alpha, \beta, \gamma, \delta \mid x, t_x, n) =
        \frac{B(\alpha + x, \beta + n - x)}{B(\alpha, \beta)}
        \frac{B(\gamma, \delta + n)}{B(\gamma, \delta)}
        + \sum_{i=0}^{n - t_x - 1}
        \frac{B(\alpha + x, \beta + t_x - x + i)}{B(\alpha, \beta)}
        \frac{B(\gamma + 1, \delta + t_x + i)}{B(\gamma, \delta)}

    ([FHS10]_, eq. 5), summed in log space.

    Parameters
    ----------
    log_params : array-like of 4 floats
        ``log(alpha), log(beta), log(gamma), log(delta)``.
    frequency, recency, periods : array-like
        ``x`` (repeat transactions), ``t_x`` (the opportunity of the last one)
        and ``n`` (number of repeat opportunities) of each row.
    weights : array-like, optional
        Number of customers each row stands for.

    Returns
    -------
    log_likelihood : float
    gradient : ndarray of shape (4,)

    Examples
    --------
    >>> import numpy as np
    >>> ll, grad = bgbb_log_likelihood(np.log([1.204, 0.750, 0.657, 2.783]), [6], [6], [6])
    >>> round(ll, 4)
    -2.1822
    """
    al, be, ga, de = np.exp(_f64(log_params))
    ll, grad, _ = _bgbb_rows(al, be, ga, de, _f64(frequency), _f64(recency), _f64(periods))
    return _sum_rows(ll, grad, weights)


# ---------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------


def _gamma_gamma_rows(p: Param, q: Param, v: Param, x: Array, m: Array) -> tuple[Array, Array]:
    """Per-row Gamma-Gamma log-likelihood of the mean spend ``m`` over ``x`` transactions."""
    px = p * x
    log_vmx = np.log(v + m * x)
    log_mx = np.log(m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + px * log_mx
        - np.log(m)
        - (px + q) * log_vmx
    )
    psi = digamma(px + q)
    g_p = x * (psi - digamma(px) + log_mx - log_vmx)
    g_q = psi - digamma(q) + np.log(v) - log_vmx
    g_v = q / v - (px + q) / (v + m * x)
    return ll, np.column_stack([g_p * p, g_q * q, g_v * v])


@benign_underflow
def gamma_gamma_log_likelihood(
    log_params: Any, x: Any, mean_spend: Any, weights: Any = None
) -> tuple[float, Array]:
    r"""Log-likelihood of the Gamma-Gamma spend model and its gradient.

    The average :math:`\bar z` of a customer's ``x`` transaction values has
    density

    .. math::

        f(\bar z \mid p, q, \gamma; x) =
        \frac{\Gamma(p x + q)}{\Gamma(p x)\,\Gamma(q)}
        \frac{\gamma^q\, \bar z^{p x - 1} x^{p x}}{(\gamma + x \bar z)^{p x + q}}

    ([FH13]_, eq. 1a). Only customers with ``x > 0`` carry information.

    Parameters
    ----------
    log_params : array-like of 3 floats
        ``log(p), log(q), log(gamma)``.
    x : array-like
        Number of transactions the average is taken over (> 0).
    mean_spend : array-like
        Average transaction value (> 0).
    weights : array-like, optional

    Returns
    -------
    log_likelihood : float
    gradient : ndarray of shape (3,)

    Examples
    --------
    >>> import numpy as np
    >>> ll, grad = gamma_gamma_log_likelihood(np.log([6.25, 3.74, 15.44]), [2], [35.0])
    >>> round(ll, 4)
    -4.0958
    """
    p, q, v = np.exp(_f64(log_params))
    ll, grad = _gamma_gamma_rows(p, q, v, _f64(x), _f64(mean_spend))
    return _sum_rows(ll, grad, weights)
