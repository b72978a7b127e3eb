"""BG/NBD and MBG/NBD (the beta-geometric family of purchase models)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, gammaln, gammasgn, hyp2f1, roots_legendre

from segkit.clv._base import Array, f64, starts_from
from segkit.clv._beta_mixture import beta_mixture
from segkit.clv._continuous import NO_DROPOUT, ContinuousModel, nb_logpmf
from segkit.clv._hyp2f1 import huge, safe_hyp2f1, series_where
from segkit.clv._likelihoods import _beta_geo_rows

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


_U_SWITCH = 1e12
#: from this ``r + x`` on, the 2F1 forms lose digits (1e-10 at 500, 1e-9 at 1e4) or turn
#: NaN (1e5 and t >= 1000): the predictions given alive are integrated over p instead
#: (_beta_mixture, exact to ~1e-15 there)
_R_MIXTURE = 100.0
#: Gauss-Legendre nodes of the DERT integral and where it is cut (e^-60 of the rest)
_DERT_NODES = 96
_DERT_CUT = 60.0


def _log_bg_survival(a: Any, b2: Any, c: Any, u: Array) -> Array:
    """``log[(1+u)^-a 2F1(a, b2; c; u/(1+u))]`` for ``c - a - b2 > 0``, any ``u >= 0``."""
    u = np.asarray(u, dtype=np.float64)
    big = u > _U_SWITCH
    u_s = np.where(big, 1.0, u)
    with np.errstate(all="ignore"):
        out = np.asarray(-a * np.log1p(u_s) + np.log(hyp2f1(a, b2, c, u_s / (1.0 + u_s))))
    out = _at_limit(out, ~big & (~np.isfinite(out) | huge(a, b2, c)), a, b2, c, u_s)
    if not np.any(big):
        return out
    w = 1.0 / (1.0 + np.where(big, u, _U_SWITCH))  # 1 - z
    s = c - a - b2
    # 2F1(a, b2; c; z) = G1 2F1(a, b2; 1-s; w) + w^s G2 2F1(c-a, c-b2; 1+s; w)
    log_g1 = gammaln(c) + gammaln(s) - gammaln(c - a) - gammaln(c - b2)
    sign1 = gammasgn(s) * gammasgn(c - a) * gammasgn(c - b2)
    log_g2 = gammaln(c) + gammaln(-s) - gammaln(a) - gammaln(b2)
    sign2 = gammasgn(-s) * gammasgn(a) * gammasgn(b2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        one = sign1 * np.exp(log_g1) * (1.0 + a * b2 / (1.0 - s) * w)
        two = sign2 * np.exp(log_g2 + s * np.log(w)) * (1.0 + (c - a) * (c - b2) / (1.0 + s) * w)
        tail = -a * np.log1p(np.where(big, u, _U_SWITCH)) + np.log(one + two)
    # s a whole number (the connection formula has logarithmic terms): the
    # power law u^-min(a, r+x) from u = 1e12 on, exact to O(1/log u)
    bad = big & ~np.isfinite(tail)
    if np.any(bad):
        at_switch = -a * np.log1p(_U_SWITCH) + np.log(
            hyp2f1(a, b2, c, _U_SWITCH / (1.0 + _U_SWITCH))
        )
        slope = np.minimum(a, c - b2)
        tail = np.where(bad, at_switch - slope * np.log(np.where(big, u, 1.0) / _U_SWITCH), tail)
    return np.where(big, tail, out)


def _at_limit(out: Array, need: Any, a: Any, b2: Any, c: Any, u: Array) -> Array:
    """``out`` with the rows of ``need`` (huge parameters) summed as series.

    First ``log 2F1(a, c-b2; c; -u)`` (Pfaff's form, A&S 15.3.4, whose series
    converges for ``u < 1``), then ``-a log(1+u) + log 2F1(a, b2; c; u/(1+u))``;
    rows where neither series can be trusted keep ``out``.
    """
    need = np.broadcast_to(need, np.broadcast(out, need).shape)
    if not np.any(need):
        return out
    out = np.array(np.broadcast_to(out, need.shape), dtype=np.float64)
    with np.errstate(all="ignore"):
        pfaff, ok = series_where(need, a, c - b2, c, -u)
        out[need & ok] = np.log1p(pfaff[need & ok])
        rest = need & ~ok
        if np.any(rest):
            euler, ok2 = series_where(rest, a, b2, c, u / (1.0 + u))
            value = -a * np.log1p(u) + np.log1p(euler)
            value = np.broadcast_to(value, rest.shape)
            out[rest & ok2] = value[rest & ok2]
    return out


class _BetaGeoFamily(ContinuousModel):
    _param_names = ("r", "alpha", "a", "b")
    _shift: ClassVar[int] = 0
    _limits: ClassVar[dict[tuple[str, str], str]] = {
        ("a", "lower"): "the dropout probability after a purchase tends to 0: "
        "the data show no sign of customers dropping out",
        ("b", "upper"): "the dropout probability after a purchase tends to 0: "
        "the data show no sign of customers dropping out",
        ("r", "upper"): "purchase rates tend to be the same for every customer",
        ("alpha", "upper"): "purchase rates tend to be the same for every customer",
    }

    def _rows(self, params: list[Any], x: Array, t_x: Array, T: Array) -> tuple[Array, ...]:
        r, alpha, a, b = params
        return _beta_geo_rows(r, alpha, a, b, x, t_x, T, self._shift)

    def _log_alive(self, params: list[Any], x: Array, t_x: Array, T: Array) -> Array:
        r, alpha, a, b = params
        return _beta_geo_rows(r, alpha, a, b, x, t_x, T, self._shift, alive_only=True)[2]

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        if params["a"] / (params["a"] + params["b"]) < 1e-6:
            return [
                (
                    ("a", "b"),
                    "the mean dropout probability after a purchase tends to 0; " + NO_DROPOUT,
                )
            ]
        return []

    def _summed(
        self, params: list[Any], x: Array, t_x: Array, T: Array, w: Array
    ) -> tuple[float, Array] | None:
        r, alpha, a, b = params
        ll, grad, _ = _beta_geo_rows(r, alpha, a, b, x, t_x, T, self._shift, w)
        return (float(ll), grad) if np.ndim(ll) == 0 else None

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        w = stats["w"]
        rate = float(w @ stats["x"]) / max(float(w @ stats["T"]), 1e-12)
        alpha = 1.0 / max(rate, 1e-9)
        base = [1.0, alpha, 1.0, 3.0]
        factors = [[0.3, 0.3, 0.5, 1.0], [3.0, 3.0, 2.0, 10.0], [0.1, 1.0, 0.1, 0.3]]
        starts = starts_from(base, factors)
        m = len(self._coef_names())
        return [np.concatenate([s, np.zeros(m)]) for s in starts]

    def _log_survival(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        # P(alive at T + t | alive at T) = E[exp(-lambda p t)] under the posterior
        # lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x): a Pfaff-transformed
        # 2F1 with small parameters (derived for segkit; see docs/clv.md).
        r, alpha, a, b = params
        if not np.any(t):
            return np.zeros_like(x)
        bp = b + x + self._shift
        al = alpha + T
        u = t / al
        # (1 + u)^-a 2F1(a, a+b+k-r; a+B; z) with z = u/(1+u) (Pfaff), whose
        # parameters stay small. Beyond u ~ 1e12, z rounds towards 1; there the
        # 2F1 is continued to 1 - z = 1/(1+u) (Abramowitz & Stegun 15.3.6),
        # each of the two series cut after its first correction term (the
        # next is below 1e-24 relative).
        out = f64(_log_bg_survival(a, a + b + self._shift - r, a + bp, u))
        return self._by_mixture("survival", out, params, x, T, t)

    def _by_mixture(
        self, kind: str, out: Array, params: list[Any], x: Array, T: Array, t: Array
    ) -> Array:
        """``out`` with the rows of huge ``r + x`` (or not finite) integrated over p."""
        r, alpha, a, b = params
        R, al, aa, bp, out = np.broadcast_arrays(
            np.asarray(r + x, dtype=np.float64),
            np.asarray(alpha + T, dtype=np.float64),
            np.asarray(a, dtype=np.float64),
            np.asarray(b + x + self._shift, dtype=np.float64),
            out,
        )
        need = (R > _R_MIXTURE) | ~np.isfinite(out)
        if not np.any(need):
            return out
        uu = np.broadcast_to(np.asarray(t, dtype=np.float64) / al, R.shape)
        value = beta_mixture(kind, aa[need], bp[need], R[need], uu[need])
        out = np.array(out)
        with np.errstate(divide="ignore"):
            out[need] = np.log(value) if kind == "survival" else value
        return out

    def _expected_alive(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        # [FHL05] eq. (10) for the BG/NBD, [BDK07] for the MBG/NBD, after Euler's
        # transformation of the 2F1 so that its parameters stay small for large x:
        # E = P(alive) (a+B-1)/(a-1) [1 - (al/(al+t))^(a-1) 2F1(a-1, a+b+k-1-r; a+B-1; t/(al+t))]
        # with B = b + x + k (k = 0 BG/NBD, 1 MBG/NBD) and al = alpha + T.
        r, alpha, a, b = params
        if np.any(np.abs(np.asarray(a) - 1.0) < 1e-6):
            # a = 1 is a removable singularity (0/0): average the two sides,
            # the expectation being smooth in a (error of order 1e-8)
            near = np.abs(np.asarray(a) - 1.0) < 1e-6
            lo = self._expected_alive([r, alpha, np.where(near, 1.0 - 1e-4, a), b], x, T, t)
            hi = self._expected_alive([r, alpha, np.where(near, 1.0 + 1e-4, a), b], x, T, t)
            return f64(0.5 * (lo + hi))
        bp = b + x + self._shift
        al = alpha + T
        c = a + bp - 1.0
        z = t / (al + t)
        with np.errstate(all="ignore"):
            bracket = 1.0 - np.exp((a - 1.0) * np.log(al / (al + t))) * hyp2f1(
                a - 1.0, a + b + self._shift - 1.0 - r, c, z
            )
            lost = ~np.isfinite(bracket)
            if np.any(lost):
                # Far at the boundary (a, b ~ 1e7) the power underflows to 0 while
                # the 2F1 overflows; Pfaff's transformation (A&S 15.3.4) merges them:
                # (1-z)^(a-1) 2F1(a-1, a+b+k-1-r; c; z) = 2F1(a-1, r+x; c; -t/al).
                pfaff = 1.0 - hyp2f1(a - 1.0, r + x, c, -t / al)
                bracket = np.where(lost, pfaff, bracket)
            # At a limit of the parameter space (huge a+b or r) scipy loses
            # the 2F1 (NaN, or digits): the Gauss series of either form
            # converges at once there and gives 1 - 2F1 without cancellation.
            need = ~np.isfinite(bracket) | huge(a + b + self._shift - 1.0 - r, c, r + x)
            if np.any(need):
                bracket = np.array(np.broadcast_to(bracket, need.shape), dtype=np.float64)
                s_pfaff, ok = series_where(need, a - 1.0, r + x, c, -t / al)
                bracket[need & ok] = -s_pfaff[need & ok]
                rest = need & ~ok
                if np.any(rest):
                    # Far ahead (t / al beyond ~ c / a) that series shrinks too slowly;
                    # Pfaff on its other parameter brings the argument into [0, 1):
                    # 2F1(a-1, r+x; c; -t/al) = (1 + t/al)^-(r+x) 2F1(B, r+x; c; z)
                    s_far, ok_far = series_where(rest, bp, r + x, c, z)
                    log_power = np.broadcast_to(-(r + x) * np.log1p(t / al), rest.shape)
                    far = -np.expm1(log_power) - np.exp(log_power) * s_far
                    bracket[rest & ok_far] = far[rest & ok_far]
                    rest = rest & ~ok_far
                if np.any(rest):
                    s_euler, ok2 = series_where(rest, a - 1.0, a + b + self._shift - 1.0 - r, c, z)
                    log_power = np.broadcast_to((a - 1.0) * np.log1p(-z), rest.shape)
                    euler = -np.expm1(log_power) - np.exp(log_power) * s_euler
                    bracket[rest & ok2] = euler[rest & ok2]
        return self._by_mixture("expected", f64(c / (a - 1.0) * bracket), params, x, T, t)

    def _dert_alive(self, params: list[Any], x: Array, T: Array, delta: float) -> Array:
        # Given alive at T with (lambda, p), the k-th future purchase happens
        # at the k-th arrival of a Poisson(lambda) process, after k-1 "stay"
        # coins: DERT = sum_k (1-p)^(k-1) (lambda/(lambda+delta))^k
        #             = lambda / (delta + p lambda)   (derived for segkit).
        # Under the posterior lambda ~ Gamma(R, A), p ~ Beta(a, B) (R = r+x,
        # A = alpha+T, B = b+x+k) this is int_0^inf e^(-delta s) m(s) ds with the
        # purchase rate m(s) = d/ds E[X(s) | alive] = R/A 2F1(R+1, a; a+B; -s/A)
        #                    = R/A (1+y)^-a 2F1(a, a+b+k-r-1; a+B; y/(1+y)), y = s/A
        # (Pfaff, A&S 15.3.4: small parameters, argument in [0, 1)). In
        # w = log(1 + y) the integrand is smooth and decays double-exponentially
        # once delta A (e^w - 1) >> 1; Gauss-Legendre on [0, W] with
        # delta A (e^W - 1) >= 60 (the rest is below e^-60). W is rounded up to
        # a grid of ratio 2^(1/4), so that the 2F1, which depends on x and w
        # only, is evaluated once per distinct (x, W) rather than per row.
        r, alpha, a, b = params
        xs = np.broadcast_to(np.asarray(x, dtype=np.float64), np.broadcast(x, T).shape).ravel()
        aa = np.broadcast_to(np.asarray(alpha + T, dtype=np.float64), xs.shape)[:, None]
        c = delta * aa
        upper = 2.0 ** (np.ceil(4.0 * np.log2(np.log1p(_DERT_CUT / c))) / 4.0)
        keys, inverse = np.unique(np.column_stack([xs, upper[:, 0]]), axis=0, return_inverse=True)
        nodes, weights = roots_legendre(_DERT_NODES)
        w = 0.5 * (nodes + 1.0) * upper
        with np.errstate(over="ignore"):
            two_f_one = safe_hyp2f1(
                a,
                a + b + self._shift - r - 1.0,
                a + b + keys[:, :1] + self._shift,
                -np.expm1(-0.5 * (nodes + 1.0) * keys[:, 1:]),
            )
        integrand = (r + xs[:, None]) * np.exp(w * (1.0 - a) - c * np.expm1(w))
        integrand *= two_f_one[inverse.ravel()]
        value = 0.5 * upper[:, 0] * (integrand @ weights)
        value = f64(value.reshape(np.broadcast(x, T).shape))
        # huge r + x: the 2F1 is lost (NaN); integrate over p instead (_beta_mixture)
        R, A, value = np.broadcast_arrays(
            np.asarray(r + x, dtype=np.float64), np.asarray(alpha + T, dtype=np.float64), value
        )
        need = (R > _R_MIXTURE) | ~np.isfinite(value)
        if np.any(need):
            value = np.array(value)
            aa = np.broadcast_to(np.asarray(a, dtype=np.float64), R.shape)[need]
            bp = np.broadcast_to(np.asarray(b + x + self._shift, dtype=np.float64), R.shape)[need]
            mix = beta_mixture("dert", aa, bp, R[need], 1.0 / (delta * A[need]))
            value[need] = R[need] / (delta * A[need]) * mix
        return value

    def _prob_n_alive(self, params: list[Any], x: Array, T: Array, n: Array, t: Array) -> Array:
        # Given alive at T with (lambda, p): N = n >= 1 if the Poisson count K of
        # potential purchases is n and the first n-1 dropout coins came up "stay",
        # or K > n and the n-th coin came up "drop". Averaged over the posterior
        # lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+k).
        r, alpha, a, b = params
        rp = r + x
        al = alpha + T
        if not t > 0:
            return np.asarray(np.where(n == 0, 1.0, 0.0) + 0.0 * x, dtype=np.float64)
        # Logs of al/(al+t) and t/(al+t) without forming the ratios, which
        # underflow for the smallest positive t.
        log_p = -np.log1p(t / al)
        log_q = np.log(t) - np.log(al + t)
        bp = b + x + self._shift
        pmf_n = np.exp(nb_logpmf(n, rp, log_p, log_q))
        if n == 0:
            return pmf_n
        tail = betainc(n + 1.0, rp, np.exp(log_q))
        lb = betaln(a, bp)
        stay = np.exp(betaln(a, bp + n - 1.0) - lb)
        drop = np.exp(betaln(a + 1.0, bp + n - 1.0) - lb)
        return f64(stay * pmf_n + drop * tail)

    def _simulate_one(
        self, params: Mapping[str, float], T: Array, rng: np.random.Generator
    ) -> tuple[Array, Array, Array]:
        n = T.size
        lam = rng.gamma(float(params["r"]), 1.0 / float(params["alpha"]), n)
        p = rng.beta(float(params["a"]), float(params["b"]), n)
        k = rng.poisson(lam * T)
        # number of purchases (after the first) up to and including the one after
        # which the customer drops out; the MBG/NBD also tosses the coin at time 0
        j = rng.geometric(np.clip(p, 1e-300, 1.0)) - self._shift
        x = np.minimum(k, j)
        alive = k < j
        t_x = np.zeros(n)
        pos = x > 0
        # time of the x-th of k uniform purchase times on [0, T]
        t_x[pos] = T[pos] * rng.beta(x[pos], k[pos] - x[pos] + 1)
        return x.astype(np.float64), t_x, alive.astype(np.float64)


class BetaGeo(_BetaGeoFamily):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While active, a customer buys at Poisson rate λ ~ Gamma(r, α); after each
    repeat purchase they drop out for good with probability p ~ Beta(a, b).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters (and covariate coefficients); 0 is
        plain maximum likelihood.
    covariates : list of str, optional
        Time-invariant numeric columns ``z`` that shift the purchase and
        dropout processes: ``α_i = α·exp(-γ_purchaseᵀ z_i)`` (a positive
        coefficient raises the purchase rate) and ``b_i = b·exp(-γ_dropoutᵀ z_i)``
        (a positive coefficient raises the dropout probability). Use
        centred or dummy-coded columns.
    unit : "D", "W", "M" or float, optional
        The time unit of ``t_x`` and ``T`` (a number is a length in days),
        recorded as ``unit_``. Without it, ``fit`` takes the unit
        :func:`segkit.summarize` marks on its output (``attrs["unit_days"]``);
        the calendar-time consumers (:func:`~segkit.clv.expected_transactions_over_time`,
        calendar periods in :func:`~segkit.clv.lifetime_value`, ``rate_unit`` of
        ``dert``) read it.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b`` (then ``purchase:<col>``, ``dropout:<col>``).
    standard_errors_ : Series
        From the observed information (numerical Hessian of the analytic gradient).
    log_likelihood_ : float
    n_customers_ : float
        Customers in the fit (sum of weights).
    n_distinct_ : int
        Distinct rows the likelihood was evaluated on.
    columns_ : dict
        Column names used in :meth:`fit`, reused by the predictions.
    unit_ : float or None
        Days per model time unit (7.0 for weeks), None when unknown.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your
    customers" the easy way: an alternative to the Pareto/NBD model.
    Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from segkit.clv import BetaGeo
    >>> truth = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    >>> data = BetaGeo().simulate(4000, T=40.0, params=truth, seed=1)
    >>> model = BetaGeo().fit(data)
    >>> model.params_.round(1).to_dict()
    {'r': 0.5, 'alpha': 9.7, 'a': 0.8, 'b': 2.5}
    """

    _model_name = "BG/NBD"
    _shift = 0


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    As :class:`BetaGeo`, except that a customer may also drop out right after
    the first purchase, so customers with no repeat purchase can be inactive.
    Parameters, attributes and methods are those of :class:`BetaGeo`.

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation
    and comparison of models for customer base analysis. International Journal
    of Research in Marketing 24(3), 201-209.

    Examples
    --------
    >>> from segkit.clv import ModifiedBetaGeo
    >>> truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    >>> data = ModifiedBetaGeo().simulate(3000, T=40.0, params=truth, seed=2)
    >>> model = ModifiedBetaGeo().fit(data)
    >>> round(float(model.expected_purchases_new(39.0)), 2)
    1.27
    """

    _model_name = "MBG/NBD"
    _shift = 1
