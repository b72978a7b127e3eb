"""Pareto/NBD integral pieces by a binomial series, for one rate scale far above the other.

The Pareto/NBD likelihood ([FH05]_ eq. 22) needs

.. math::

    D = \\int_{t_x}^{T} (\\alpha+\\tau)^{-(r+x)} (\\beta+\\tau)^{-(s+1)} d\\tau .

At the boundary of the parameter space one scale is much larger than the
other and than every ``T`` (a dropout rate tending to 0 takes ``beta`` to the
top of the search box): the Gauss hypergeometric series of
:mod:`segkit.clv._pareto_likelihood` then converges too slowly. There the
factor with the larger scale changes little over the data's time range and
has a rapidly convergent binomial expansion around the other one. With
``k`` the smaller scale and ``p`` its exponent, ``K`` the larger and ``P``
its exponent, ``kappa = K - k`` and ``u = k + tau``:

.. math::

    (K+\\tau)^{-P} = \\kappa^{-P} (1 + u/\\kappa)^{-P}
    = \\kappa^{-P} \\sum_{j \\ge 0} \\frac{(-1)^j (P)_j}{j!} (u/\\kappa)^j,

so that, for a reference point ``t*`` (the largest ``T`` in the data),

.. math::

    \\int_t^{t^*} \\ldots d\\tau = \\kappa^{-P} \\sum_j \\frac{(-1)^j (P)_j}{j!}
    \\kappa^{-j} \\int_{k+t}^{k+t^*} u^{j-p}\\,du ,
    \\qquad \\int_a^b u^{m} du = a^{m+1} L\\,\\mathrm{exprel}((m+1)L),\\ L = \\log(b/a).

Where ``max(P, 1) (k + t*) / kappa <= 1/2`` successive terms shrink at least
by half, the alternating sum loses at most a factor of 4 to cancellation and
at the usual boundary (``kappa`` a million times ``T``) three terms reach
double precision. ``D`` is then the difference of the pieces at ``t_x`` and
``T`` (both measured to the same ``t*``), combined exactly like the
hypergeometric tail pieces. The parameter derivatives come from the same
terms.

References
----------
.. [FH05] Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the
   Pareto/NBD model and related expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BINOMIAL_RATIO", "binomial_eligible", "binomial_pieces", "log_exprel"]

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

#: the binomial series is used where max(P, 1) (k + t*) / kappa is at most this
BINOMIAL_RATIO = 0.5
_MAX_TERMS = 64


def log_exprel(y: Array) -> Array:
    """``log((exp(y) - 1) / y)`` for any real ``y`` (0 at ``y = 0``)."""
    y = np.asarray(y, dtype=np.float64)
    zero = y == 0.0
    safe = np.where(zero, 1.0, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log(np.expm1(np.minimum(safe, 700.0)) / safe)
        big = y > 700.0
        if big.any():
            value[big] = y[big] - np.log(y[big])
    value[zero] = 0.0
    return value


def _dlog_exprel(y: Array) -> Array:
    """The derivative of :func:`log_exprel`: ``1 / (1 - exp(-y)) - 1 / y``."""
    tiny = np.abs(y) < 0.1
    safe = np.where(tiny, 1.0, y)
    with np.errstate(over="ignore", divide="ignore"):
        value = -1.0 / np.expm1(-np.maximum(safe, -700.0)) - 1.0 / safe
    if tiny.any():
        yt = y[tiny]
        y2 = yt * yt  # the Bernoulli-number series of y / (1 - exp(-y)) - 1, over y
        value[tiny] = 0.5 + yt * (1 / 12 - y2 * (1 / 720 - y2 * (1 / 30240 - y2 / 1209600)))
    return value


def _scales(
    rho: Array, s: Array, alpha: Array, beta: Array
) -> tuple[Mask, Array, Array, Array, Array]:
    """``(alpha < beta, k, p, P, kappa)``: the smaller scale and its exponent, the larger
    one's exponent and the difference of the scales."""
    a_small = alpha < beta
    k = np.minimum(alpha, beta)
    p = np.where(a_small, rho, s + 1.0)
    big_p = np.where(a_small, s + 1.0, rho)
    kappa = np.abs(alpha - beta)
    return a_small, k, p, big_p, kappa


def binomial_eligible(rho: Array, s: Array, alpha: Array, beta: Array, t_star: float) -> Mask:
    """Where the binomial series converges fast enough for every ``t <= t_star``."""
    _, k, _, big_p, kappa = _scales(rho, s, alpha, beta)
    with np.errstate(divide="ignore"):
        ratio = np.maximum(big_p, 1.0) * (k + t_star) / kappa
    return np.asarray(ratio <= BINOMIAL_RATIO)


def binomial_pieces(
    rho: Array, s: Array, alpha: Array, beta: Array, t: Array, t_star: float
) -> Array:
    r"""``log((\rho+s) \alpha^\rho \beta^s
    \int_t^{t^*} (\alpha+\tau)^{-\rho} (\beta+\tau)^{-s-1} d\tau)`` and its
    derivatives in ``(rho, s, alpha, beta)``, as 5 columns.

    The factor :math:`\alpha^\rho \beta^s` is taken in analytically (as in
    the hypergeometric pieces), so that no large logarithms cancel.

    Only for rows where :func:`binomial_eligible` holds. At ``t = t_star`` the
    value is ``-inf`` and the derivatives are 0.
    """
    a_small, k, p, big_p, kappa = _scales(rho, s, alpha, beta)
    u_t = k + t
    big_l = np.log1p((t_star - t) / u_t)
    empty = big_l <= 0.0
    big_l = np.where(empty, 1.0, big_l)  # placeholder; those rows are overwritten below
    big_k = np.maximum(alpha, beta)
    log_q = np.log(u_t) - np.log(kappa)
    rel_u = np.log1p(t / k)  # log(u_t / k)
    rel_kappa = np.log1p(-k / big_k)  # log(kappa / K)
    # the exponents of k and K in alpha^rho beta^s
    e_k = np.where(a_small, p, p - 1.0)
    e_big_k = np.where(a_small, big_p - 1.0, big_p)
    bound = float(np.max(np.maximum(big_p, 1.0) * (k + t_star) / kappa, initial=0.0))
    n_terms = (
        1 if bound <= 0.0 else min(_MAX_TERMS, int(np.ceil(np.log(1e-17) / np.log(bound))) + 1)
    )
    y0 = (1.0 - p) * big_l
    lm0 = log_exprel(y0)
    n = rho.size
    total = np.zeros(n)
    d_p = np.zeros(n)
    d_k = np.zeros(n)
    d_big_k = np.zeros(n)
    d_big_p = np.zeros(n)
    log_c = np.zeros(n)  # log |(P)_j / j!|
    h = np.zeros(n)  # d log|c_j| / dP
    for j in range(n_terms):
        if j:
            log_c += np.log((big_p + j - 1.0) / j)
            h += 1.0 / (big_p + j - 1.0)
        m = j - p
        y = (m + 1.0) * big_l
        lm = log_exprel(y)
        with np.errstate(under="ignore"):
            e = (-1.0) ** j * np.exp(log_c + j * log_q + lm - lm0)
            ratio_k = m * np.exp(log_exprel(m * big_l) - lm) / u_t
        total += e
        d_p += e * -(rel_u + big_l * _dlog_exprel(y))
        d_k += e * (ratio_k + (big_p + j) / kappa)
        d_big_k += e * -(big_p + j) / kappa
        d_big_p += e * (h - rel_kappa)
    d_p, d_k, d_big_k, d_big_p = (v / total for v in (d_p, d_k, d_big_k, d_big_p))
    rs = rho + s
    # (1 - p) log(u) + e_k log(k) - P log(kappa) + e_K log(K), without cancellation
    value = (
        np.log(rs)
        + (1.0 - p) * rel_u
        + (1.0 - p + e_k) * np.log(k)
        - big_p * rel_kappa
        - np.log(big_k) * (big_p - e_big_k)
        + np.log(big_l)
        + lm0
        + np.log(total)
    )
    d_k += e_k / k
    d_big_k += e_big_k / big_k
    inv_rs = 1.0 / rs
    d_rho = np.where(a_small, d_p, d_big_p) + inv_rs
    d_s = np.where(a_small, d_big_p, d_p) + inv_rs
    d_alpha = np.where(a_small, d_k, d_big_k)
    d_beta = np.where(a_small, d_big_k, d_k)
    out = np.column_stack([value, d_rho, d_s, d_alpha, d_beta])
    out[empty] = [-np.inf, 0.0, 0.0, 0.0, 0.0]
    return out
