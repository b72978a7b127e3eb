"""Shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007).

The contractual setting (subscriptions, memberships): at the end of every
period an active customer cancels with probability θ, constant for that
customer, and θ ~ Beta(α, β) across customers. A customer's lifetime ``T``
(periods paid for, 1, 2, ...) is shifted-geometric, so over the population

* ``P(T = t) = B(α + 1, β + t − 1) / B(α, β)``            ([FH07] eq. 2)
* ``S(t) = P(T > t) = B(α, β + t) / B(α, β)``             ([FH07] eq. 3)
* retention ``r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)``, which
  rises with ``t`` (the customers who stay are the loyal ones) ([FH07] eq. 4)

References
----------
.. [FH07] Fader, P. S. and Hardie, B. G. S. (2007). How to project customer
   retention. *Journal of Interactive Marketing* 21(1), 76-90.
.. [FH10] Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation
   in a contractual setting: the perils of ignoring heterogeneity.
   *Marketing Science* 29(1), 85-93.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from segkit._validation import check_fitted, require_columns, require_frame
from segkit.clv._base import (
    Array,
    FittedModel,
    benign_underflow,
    need_customers,
    starts_from,
)
from segkit.clv._data import compress
from segkit.errors import ParameterError, SchemaError

__all__ = ["ShiftedBetaGeo", "tenures_from_survivors"]


def tenures_from_survivors(survivors: Any) -> pd.DataFrame:
    """Turn survivor counts per period into tenures with censoring, one row per group.

    Parameters
    ----------
    survivors : sequence, Series or DataFrame
        Customers still active at the start (period 0, the cohort size) and at
        the end of periods 1, 2, ...; a DataFrame has one column per cohort
        (trailing NaN where a younger cohort has not been observed yet).

    Returns
    -------
    DataFrame
        Columns ``cohort``, ``tenure`` (periods paid for), ``churned``
        (cancelled after ``tenure`` periods; False for those still active,
        a censored lifetime) and ``customers`` (how many): pass it to
        :meth:`ShiftedBetaGeo.fit` with ``weights="customers"``.

    Examples
    --------
    >>> tenures_from_survivors([1000, 631, 468]).to_dict("list")["customers"]
    [369.0, 163.0, 468.0]
    """
    frame = survivors if isinstance(survivors, pd.DataFrame) else pd.DataFrame({0: survivors})
    rows = []
    for cohort in frame.columns:
        values = pd.to_numeric(frame[cohort], errors="coerce").to_numpy(dtype=np.float64)
        last = len(values) - int(np.argmax(~np.isnan(values[::-1])))
        counts = values[:last]
        if counts.size < 2 or np.isnan(counts).any() or (counts < 0).any():
            raise SchemaError(
                f"survivors of cohort {cohort!r} must be at least two counts >= 0 (the cohort "
                f"size, then the customers left after each period), without gaps; got "
                f"{values.tolist()}"
            )
        lost = -np.diff(counts)
        if (lost < 0).any():
            at = int(np.argmax(lost < 0)) + 1
            raise SchemaError(
                f"survivors of cohort {cohort!r} grow at period {at} "
                f"({counts[at - 1]:g} -> {counts[at]:g}); a cohort can only shrink"
            )
        periods = np.arange(1, counts.size)
        rows.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "tenure": np.append(periods, periods[-1]),
                    "churned": np.append(np.ones(periods.size, bool), False),
                    "customers": np.append(lost, counts[-1]),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


class ShiftedBetaGeo(FittedModel):
    """Shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters.

    Attributes
    ----------
    params_ : Series
        ``alpha``, ``beta`` of the Beta distribution of the cancellation
        probability.
    standard_errors_, log_likelihood_, n_customers_, n_distinct_, columns_
        As in :class:`BetaGeo`.

    Examples
    --------
    >>> from segkit.clv import ShiftedBetaGeo, tenures_from_survivors
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # [FH07], years 0-7
    >>> model = ShiftedBetaGeo().fit(tenures_from_survivors(regular), weights="customers")
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    """

    _model_name = "sBG"
    _param_names = ("alpha", "beta")
    _default_columns: ClassVar[dict[str, str]] = {"tenure": "tenure", "churned": "churned"}
    _limits: ClassVar[dict[tuple[str, str], str]] = {
        ("alpha", "upper"): "cancellation probabilities tend to be the same for every customer",
        ("beta", "upper"): "cancellation probabilities tend to be the same for every customer",
    }

    _design = (True, 1.0)  # whole periods, at least one

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        a, b = np.exp(theta)
        t, churned, w = stats["t"], stats["churned"] > 0.5, stats["w"]
        # churned after t periods: B(a+1, b+t-1)/B(a, b); still active: B(a, b+t)/B(a, b)
        pa = np.where(churned, a + 1.0, a)
        pb = np.where(churned, b + t - 1.0, b + t)
        ll = betaln(pa, pb) - betaln(a, b)
        psi_ab = digamma(a + b)
        psi_p = digamma(pa + pb)
        d_a = digamma(pa) - psi_p - digamma(a) + psi_ab
        d_b = digamma(pb) - psi_p - digamma(b) + psi_ab
        return float(w @ ll), np.array([w @ d_a * a, w @ d_b * b])

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        return starts_from([1.0, 1.0], [[0.3, 0.3], [3.0, 3.0], [0.5, 3.0]])

    @benign_underflow
    def fit(
        self,
        data: Any,
        *,
        tenure: str = "tenure",
        churned: str = "churned",
        weights: str | npt.ArrayLike | None = None,
    ) -> ShiftedBetaGeo:
        """Fit by maximum likelihood on individual tenures with censoring.

        Parameters
        ----------
        data : DataFrame
            One row per customer (or per group of identical customers with
            ``weights``); :func:`tenures_from_survivors` builds it from
            survivor counts per cohort.
        tenure : str
            Periods paid for (a whole number >= 1).
        churned : str
            Boolean: the customer cancelled after ``tenure`` periods (False:
            still active, a censored lifetime).
        weights : str or array-like, optional
            Number of customers each row stands for.

        Returns
        -------
        self
        """
        self._check_params()
        df = require_frame(data)
        require_columns(df, [tenure, churned])
        t = pd.to_numeric(df[tenure], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~(np.isfinite(t) & (t >= 1) & (t == np.floor(t)))
        if bad.any():
            raise SchemaError(
                f"column {tenure!r} must hold whole numbers of periods >= 1; "
                f"{int(bad.sum())} row(s) do not, e.g. index {df.index[bad][:3].tolist()}"
            )
        flags = df[churned]
        if flags.isna().any() or not set(pd.unique(flags)) <= {True, False}:
            raise SchemaError(f"column {churned!r} must be True/False (cancelled after tenure)")
        c = flags.astype(bool).to_numpy()
        if weights is None:
            w = np.ones(t.size)
        elif isinstance(weights, str):
            require_columns(df, [weights])
            w = pd.to_numeric(df[weights], errors="coerce").to_numpy(dtype=np.float64)
        else:
            w = np.asarray(weights, dtype=np.float64)
        if w.shape != t.shape or not np.all(np.isfinite(w) & (w >= 0)):
            raise SchemaError("weights must be one finite number >= 0 per row")
        need_customers(float(w.sum()), "data")
        if not (w[c] > 0).any():
            raise SchemaError(
                "nobody cancelled: with no cancellations the cancellation rate cannot be estimated"
            )
        (ut, uc), uw, _ = compress([t, c.astype(np.float64)], w)
        keep = uw > 0
        stats = {"t": ut[keep], "churned": uc[keep], "w": uw[keep]}
        self.columns_ = {"tenure": tenure, "churned": churned}
        self._fit_stats(stats, float(w.sum()))
        return self

    def _ab(self) -> tuple[float, float]:
        check_fitted(self, "params_")
        return float(self.params_["alpha"]), float(self.params_["beta"])

    @staticmethod
    def _periods(t: Any, name: str = "t") -> Array:
        arr = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
            raise ParameterError(f"{name} must be whole numbers of periods >= 0; got {t!r}")
        return arr

    @benign_underflow
    def survival_curve(self, periods: int) -> pd.DataFrame:
        """Survival and retention of a new cohort over its first ``periods`` periods.

        Returns
        -------
        DataFrame
            Index ``period`` 0 .. ``periods``; ``survival`` S(t) = B(α, β+t)/B(α, β)
            ([FH07] eq. 3), ``retention`` r(t) = (β+t−1)/(α+β+t−1) ([FH07]
            eq. 4, NaN at 0) and ``churn`` P(T = t).
        """
        a, b = self._ab()
        if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 0:
            raise ParameterError(f"periods must be a whole number >= 0; got {periods!r}")
        t = np.arange(int(periods) + 1, dtype=np.float64)
        survival = np.exp(betaln(a, b + t) - betaln(a, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            retention = np.where(t > 0, (b + t - 1.0) / (a + b + t - 1.0), np.nan)
            churn = np.where(t > 0, np.exp(betaln(a + 1.0, b + t - 1.0) - betaln(a, b)), 0.0)
        return pd.DataFrame(
            {"survival": survival, "retention": retention, "churn": churn},
            index=pd.RangeIndex(t.size, name="period"),
        )

    @benign_underflow
    def derl(self, renewals: Any, discount_rate: float) -> Any:
        """Discounted expected residual lifetime ([FH10] eq. 6), in payments.

        For a customer who has made ``renewals`` renewals (``n − 1`` in the
        paper), just before the next renewal decision: the expected number of
        further payments, each discounted by ``(1 + d)`` per period,
        ``(β+m)/(α+β+m) · 2F1(1, β+m+1; α+β+m+1; 1/(1+d))`` with ``m`` =
        ``renewals``. Multiply by the margin per period for the residual value.

        Parameters
        ----------
        renewals : int or array-like
            Renewals made so far (0 for a customer in their first period).
        discount_rate : float
            Discount rate per period (> 0).

        Returns
        -------
        float or ndarray
        """
        a, b = self._ab()
        m = self._periods(renewals, "renewals")
        d = _check_rate(discount_rate)
        x = 1.0 / (1.0 + d)
        value = (b + m) / (a + b + m) * hyp2f1(1.0, b + m + 1.0, a + b + m + 1.0, x)
        return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)

    @benign_underflow
    def retention_elasticity(self, renewals: Any, discount_rate: float) -> Any:
        """Percent change in DERL for a 1 % higher retention probability of every customer.

        Raising each customer's retention probability ``1 − θ`` by a factor
        ``(1 + ε)`` multiplies the ``k``-th future term of DERL by
        ``(1 + ε)^k``, i.e. it acts as the discount factor ``x = 1/(1+d)``
        does; the elasticity is ``x · ∂DERL/∂x / DERL`` (with
        ``∂2F1(a, b; c; x)/∂x = ab/c · 2F1(a+1, b+1; c+1; x)``) (cf. [FH10], the
        retention elasticity).

        Returns
        -------
        float or ndarray
        """
        a, b = self._ab()
        m = self._periods(renewals, "renewals")
        d = _check_rate(discount_rate)
        x = 1.0 / (1.0 + d)
        bb, cc = b + m + 1.0, a + b + m + 1.0
        f = hyp2f1(1.0, bb, cc, x)
        df = bb / cc * hyp2f1(2.0, bb + 1.0, cc + 1.0, x)
        value = 1.0 + x * df / f  # the leading factor is the first payment's term
        return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)

    @benign_underflow
    def simulate(
        self,
        n_customers: int,
        T: Any = None,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
        periods: Any = None,
    ) -> pd.DataFrame:
        """Draw customers observed for ``T`` periods each.

        Parameters
        ----------
        n_customers : int
        T : int or array-like of length ``n_customers``
            Periods observed since each contract started (>= 1).
        params : mapping, optional
        seed : int, optional
        periods : int, optional
            Deprecated name of ``T``.

        Returns
        -------
        DataFrame
            Columns ``tenure`` (periods paid for, at most ``T``) and
            ``churned`` (cancelled within the observation), ready for :meth:`fit`.
        """
        return self._simulate_periods(n_customers, T, periods, params, seed)

    def _draw(self, params: dict[str, float], T: Array, rng: np.random.Generator) -> pd.DataFrame:
        theta = rng.beta(params["alpha"], params["beta"], T.size)
        life = rng.geometric(np.clip(theta, 1e-300, 1.0))
        return pd.DataFrame({"tenure": np.minimum(life, T), "churned": life <= T})


def _check_rate(rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < np.inf:
        raise ParameterError(f"discount_rate must be a number > 0 per period; got {rate!r}")
    return float(rate)
