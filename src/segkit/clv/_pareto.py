"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import roots_legendre

from segkit.clv._base import Array, f64, starts_from
from segkit.clv._continuous import NO_DROPOUT, ContinuousModel, log_ratio, nb_logpmf
from segkit.clv._pareto_dert import dert_alive
from segkit.clv._pareto_likelihood import _pareto_rows

__all__ = ["ParetoNBD"]


class ParetoNBD(ContinuousModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    While active, a customer buys at Poisson rate λ ~ Gamma(r, α); their
    lifetime is exponential with rate μ ~ Gamma(s, β).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters (and covariate coefficients).
    covariates : list of str, optional
        Time-invariant numeric columns ``z``: ``α_i = α·exp(-γ_purchaseᵀ z_i)``
        and ``β_i = β·exp(-γ_dropoutᵀ z_i)`` (positive coefficients raise the
        purchase rate and the dropout rate respectively).
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
        ``r``, ``alpha``, ``s``, ``beta`` (then the covariate coefficients).
    standard_errors_, log_likelihood_, n_customers_, n_distinct_, columns_, unit_
        As in :class:`BetaGeo`.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting your
    customers: who are they and what will they do next? Management Science
    33(1), 1-24. Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving
    the Pareto/NBD model and related expressions.

    Examples
    --------
    >>> from segkit.clv import ParetoNBD
    >>> truth = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    >>> data = ParetoNBD().simulate(3000, T=40.0, params=truth, seed=3)
    >>> model = ParetoNBD().fit(data)
    >>> p_alive = model.p_alive(data)
    >>> round(float(p_alive.mean()), 2), round(float(data["alive"].mean()), 2)
    (0.45, 0.43)
    """

    _model_name = "Pareto/NBD"
    _param_names = ("r", "alpha", "s", "beta")
    _limits: ClassVar[dict[tuple[str, str], str]] = {
        ("s", "lower"): "dropout rates tend to 0: the data show no sign of customers dropping out",
        ("beta", "upper"): "dropout rates tend to 0: the data show no sign of customers "
        "dropping out",
        ("r", "upper"): "purchase rates tend to be the same for every customer",
        ("alpha", "upper"): "purchase rates tend to be the same for every customer",
    }

    def _rows(self, params: list[Any], x: Array, t_x: Array, T: Array) -> tuple[Array, ...]:
        r, alpha, s, beta = params
        return _pareto_rows(r, alpha, s, beta, x, t_x, T)

    def _summed(
        self, params: list[Any], x: Array, t_x: Array, T: Array, w: Array
    ) -> tuple[float, Array] | None:
        r, alpha, s, beta = params
        ll, grad, _ = _pareto_rows(r, alpha, s, beta, x, t_x, T, w)
        return (float(ll), grad) if np.ndim(ll) == 0 else None

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        if params["s"] / params["beta"] * float(stats["T"].max()) < 1e-6:
            return [
                (
                    ("s", "beta"),
                    "the mean dropout rate tends to 0; " + NO_DROPOUT,
                )
            ]
        return []

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        w = stats["w"]
        mean_T = max(float(w @ stats["T"]) / float(w.sum()), 1e-9)
        rate = float(w @ stats["x"]) / max(float(w @ stats["T"]), 1e-12)
        alpha = 1.0 / max(rate, 1e-9)
        base = [1.0, alpha, 1.0, mean_T]
        factors = [[0.3, 0.3, 0.5, 0.3], [3.0, 3.0, 2.0, 3.0], [0.5, 1.0, 0.2, 0.1]]
        m = len(self._coef_names())
        return [np.concatenate([s, np.zeros(m)]) for s in starts_from(base, factors)]

    def _log_survival(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        # posterior mu ~ Gamma(s, beta + T) given alive at T: E[exp(-mu t)]
        _, _, s, beta = params
        return np.asarray(-s * np.log1p(t / (beta + T)) + np.zeros_like(x), dtype=np.float64)

    def _expected_alive(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        # [FH05] eq. (41): P(alive) (r+x)(beta+T)/((alpha+T)(s-1))
        #                  * [1 - ((beta+T)/(beta+T+t))^(s-1)],
        # written with expm1 so that s = 1 gives the limit log(1 + t/(beta+T)).
        r, alpha, s, beta = params
        bt = beta + T
        log_ratio = -np.log1p(t / bt)
        sm1 = s - 1.0
        small = np.abs(sm1) < 1e-10
        safe = np.where(small, 1.0, sm1)
        factor = np.where(small, -log_ratio, -np.expm1(sm1 * log_ratio) / safe)
        return f64((r + x) * bt / (alpha + T) * factor)

    def _dert_alive(self, params: list[Any], x: Array, T: Array, delta: float) -> Array:
        # Fader, Hardie & Lee (2005, "RFM and CLV") eq. 2 over P(alive):
        # (r + x) / (alpha + T) * E[1 / (delta + mu)], mu ~ Gamma(s, beta + T)
        r, alpha, s, beta = params
        return dert_alive(r, alpha, s, beta, x, T, delta)

    def _prob_n_alive(self, params: list[Any], x: Array, T: Array, n: Array, t: Array) -> Array:
        # Given alive at T: survive the whole period (prob (b/(b+t))^s under the
        # posterior mu ~ Gamma(s, b), b = beta + T) and buy n ~ NBD(r+x, alpha+T; t),
        # or drop out at u in (0, t) (density s/b (b/(b+u))^(s+1)) having bought
        # n ~ NBD(r+x, alpha+T; u). The integral over u uses 64-point
        # Gauss-Legendre quadrature in w = 1 - (b/(b+u))^s, which makes the weight flat.
        r, alpha, s, beta = params
        rp = r + x
        al = alpha + T
        bt = beta + T
        if not t > 0:
            return np.asarray(np.where(n == 0, 1.0, 0.0) + 0.0 * x, dtype=np.float64)
        log_surv = -s * np.log1p(t / bt)
        pmf_t = np.exp(nb_logpmf(n, rp, -np.log1p(t / al), np.log(t) - np.log(al + t)))
        w_end = -np.expm1(log_surv)  # probability of dropping out within t
        nodes, weights = roots_legendre(64)
        acc = np.zeros_like(al, dtype=np.float64)
        for node, weight in zip(nodes, weights, strict=True):
            wv = 0.5 * (node + 1.0) * w_end
            u = bt * np.expm1(-np.log1p(-wv) / s)
            acc += 0.5 * weight * np.exp(nb_logpmf(n, rp, -np.log1p(u / al), log_ratio(u, al + u)))
        return f64(np.exp(log_surv) * pmf_t + w_end * acc)

    def _simulate_one(
        self, params: Mapping[str, float], T: Array, rng: np.random.Generator
    ) -> tuple[Array, Array, Array]:
        n = T.size
        lam = rng.gamma(float(params["r"]), 1.0 / float(params["alpha"]), n)
        mu = rng.gamma(float(params["s"]), 1.0 / float(params["beta"]), n)
        tau = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
        life = np.minimum(tau, T)
        x = rng.poisson(lam * life)
        t_x = np.zeros(n)
        pos = x > 0
        t_x[pos] = life[pos] * rng.beta(x[pos], 1.0)
        return x.astype(np.float64), t_x, (tau > T).astype(np.float64)
