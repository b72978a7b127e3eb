"""Gamma-Gamma spend model (Fader & Hardie 2013)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import digamma, gammaln

from segkit._validation import (
    BOOL,
    Constraint,
    check_fitted,
    require_columns,
    require_frame,
    show_values,
)
from segkit.clv._base import (
    Array,
    FittedModel,
    _dask_fit,
    _dask_predict,
    as_series,
    benign_underflow,
    f64,
    need_customers,
    starts_from,
)
from segkit.clv._data import compress, read_columns
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import TransactionColumns

__all__ = ["GammaGamma"]


class GammaGamma(FittedModel):
    """Gamma-Gamma model of average transaction value (Fader & Hardie 2013 note).

    Each transaction value is Gamma(p, ν) with ν ~ Gamma(q, γ) across
    customers; the model is fitted on customers with at least one repeat
    purchase and assumes spend is independent of the purchase process.

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters.
    q_constraint : bool, default False
        Keep ``q > 1`` (fit ``log(q - 1)``), so that the population mean
        spend ``γ p / (q - 1)`` is finite. Where the data alone give
        ``q <= 1`` the fit stops just above 1, with a ``BoundaryWarning``.

    Attributes
    ----------
    params_ : Series
        ``p``, ``q``, ``gamma``.
    standard_errors_, log_likelihood_, n_customers_, columns_
        As in :class:`BetaGeo`; ``n_customers_`` counts the customers used.
    include_first_ : bool
        Whether the first purchases were in the fit (:meth:`fit_transactions`).

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
    value. http://brucehardie.com/notes/025/

    Examples
    --------
    >>> from segkit.clv import GammaGamma
    >>> truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    >>> data = GammaGamma().simulate(20000, [1, 2, 3, 5] * 5000, params=truth, seed=2)
    >>> model = GammaGamma().fit(data)
    >>> model.params_.round(1).to_dict()
    {'p': 6.1, 'q': 4.0, 'gamma': 14.5}
    """

    _model_name = "Gamma-Gamma"
    _default_columns: ClassVar[dict[str, str]] = {"x": "x", "m": "repeat_aov"}
    _param_names = ("p", "q", "gamma")
    _limits: ClassVar[dict[tuple[str, str], str]] = {
        ("q", "lower"): "q_constraint keeps q above 1 where the data alone give "
        "q <= 1, an infinite mean spend",
    }

    _design = (True, 0.0)  # x: whole numbers of repeat transactions
    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **FittedModel._parameter_constraints,
        "q_constraint": [BOOL],
    }

    def __init__(self, *, penalizer: float = 0.0, q_constraint: bool = False) -> None:
        self.penalizer = penalizer
        self.q_constraint = q_constraint

    def _lower(self) -> Array:
        # q_constraint: q = 1 + exp(theta_q) > 1, so the mean spend gamma p / (q - 1) is finite
        return np.array([0.0, 1.0 if self.q_constraint else 0.0, 0.0])

    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        p, q, v = self._lower() + np.exp(theta)
        if "s" in stats:  # individual transactions
            ll, grad = _transaction_rows(p, q, v, stats["x"], stats["s"], stats["log_sum"])
            w = stats["w"]
            total, g = float(w @ ll), w @ grad
        else:
            total, g = _summed(p, q, v, stats)
        g[1] *= (q - self._lower()[1]) / q  # d/d theta_q = d/d log q * (q - lower) / q
        return total, g

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        w = stats["w"]
        means = stats["s"] / stats["x"] if "s" in stats else stats["m"]
        mean = float(w @ means) / float(w.sum())
        return starts_from([1.0, 2.0, mean], [[5.0, 3.0, 1.0], [0.3, 1.5, 0.3]])

    @_dask_fit
    @benign_underflow
    def fit(
        self,
        data: Any,
        *,
        x: str = "x",
        repeat_aov: str = "repeat_aov",
        weights: str | npt.ArrayLike | None = None,
    ) -> GammaGamma:
        """Fit on the customers with ``x > 0``.

        Parameters
        ----------
        data : DataFrame
        x : str
            Number of repeat transactions.
        repeat_aov : str
            Average value of those repeat transactions (ignored where x = 0).
            Customers whose repeat purchases average zero or less (free
            items, fully discounted orders) are outside the model (a Gamma
            spend is positive): they are left out of the fit, with a warning.
        weights : str or array-like, optional

        Returns
        -------
        self

        Raises
        ------
        SchemaError
            If fewer than two customers have a repeat purchase with a positive
            average value, or an average value is missing where x > 0.
        """
        self._check_params()
        self.include_first_ = False
        cols = {"x": x, "m": repeat_aov}
        df = data
        c = read_columns(df, {"x": x}, what="data", counts=("x",), weights=weights)
        xs = c.values["x"]
        frame = self._checked_spend(df, repeat_aov, xs > 0)
        outside = (xs > 0) & (frame <= 0)
        if outside.any():
            warnings.warn(
                f"Gamma-Gamma: {int(outside.sum()):,} customer(s) with repeat purchases whose "
                f"{repeat_aov!r} is 0 or less are left out of the fit (a spend model describes "
                "positive amounts); expected_spend gives them the population mean",
                UserWarning,
                stacklevel=3,
            )
        repeat = (xs > 0) & (frame > 0)
        total = float(c.weights[repeat].sum())
        need_customers(total, "data (repeat buyers only)")
        uniq, w, _ = compress([xs[repeat], frame[repeat]], c.weights[repeat])
        keep = w > 0
        stats = {"x": uniq[0][keep], "m": uniq[1][keep], "w": w[keep]}
        stats["log_m"] = np.log(stats["m"])  # the parts of the likelihood without parameters
        stats["log_mx"] = np.log(stats["m"] * stats["x"])
        self.columns_ = cols
        self._fit_stats(stats, total)
        return self

    @benign_underflow
    def fit_transactions(
        self,
        transactions: Any,
        *,
        customer: str,
        timestamp: str,
        amount: str | None = None,
        quantity: str | None = None,
        price: str | None = None,
        order: str | None = None,
        include_first: bool = False,
    ) -> GammaGamma:
        """Fit on the individual transaction values instead of each customer's average.

        Transactions are counted as everywhere in segkit: a purchase is a
        customer's distinct purchase day, its value the day's amount over the
        purchase lines (lines with a negative amount are returns; with
        ``order``, the lines of orders whose net is 0 or less are dropped).
        The likelihood of customer ``i``'s values ``z_1 .. z_x`` is the
        Gamma-Gamma model itself before averaging:

        ``∏_j z_j^(p-1)/Γ(p) · γ^q Γ(px+q) / (Γ(q) (γ + Σ_j z_j)^(px+q))``

        which is the average's likelihood ([FH13] eq. 1a) times the density
        of how the total is split among the transactions (a Dirichlet(p, ..,
        p)): the spread within a customer also informs ``p``. With one
        transaction per customer the two fits are the same.

        Parameters
        ----------
        transactions : DataFrame
            The transaction log (order lines).
        customer, timestamp : str
            Columns of the customer id and the time of each line.
        amount : str, optional
            Column of the line amount (or ``quantity`` and ``price``).
        quantity, price : str, optional
        order : str, optional
            Order ids: lines of orders whose net amount is 0 or less are dropped.
        include_first : bool, default False
            Also use each customer's first purchase. By default only repeat
            purchases count, as in :meth:`fit` and [FH13]: first purchases
            are often unlike the repeat ones (a welcome discount, a starter
            kit, a big first basket), and the model assumes every value of a
            customer comes from one Gamma(p, ν); including them shifts
            ``p``, ``q``, ``γ`` and the predicted spend towards the first
            purchases (a bias when predicting repeat spend), while adding the
            customers with no repeat purchase to the fit. Predict with the
            matching columns (all purchases and their average value).

        Returns
        -------
        self

        Raises
        ------
        SchemaError
            Missing columns, bad values, or fewer than two customers with a
            transaction to fit on.
        """
        self._check_params()
        if not isinstance(include_first, bool | np.bool_):
            raise ParameterError(f"include_first must be True or False; got {include_first!r}")
        log = TransactionColumns.read(
            transactions,
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            quantity=quantity,
            price=price,
            order=order,
        )
        log = log.subset(log.purchases())
        day = log.wall // (86_400 * 10**9)
        keys, inverse = np.unique(np.column_stack([log.codes, day]), axis=0, return_inverse=True)
        value = np.bincount(inverse.ravel(), weights=log.amount, minlength=len(keys))
        # customers' days in time order: the first row of each customer is the first purchase
        first = np.r_[True, keys[1:, 0] != keys[:-1, 0]]
        keep = value > 0
        if not include_first:
            keep &= ~first
        codes, value = keys[keep, 0], value[keep]
        n = len(log.customers)
        x = np.bincount(codes, minlength=n).astype(np.float64)
        total = f64(np.bincount(codes, weights=value, minlength=n))
        log_sum = f64(np.bincount(codes, weights=np.log(value), minlength=n))
        has = x > 0
        need_customers(float(has.sum()), "transactions (customers with a purchase to fit on)")
        uniq, w, _ = compress([x[has], total[has], log_sum[has]], np.ones(int(has.sum())))
        self.columns_ = dict(self._default_columns)
        self.include_first_ = include_first
        self._fit_stats({"x": uniq[0], "s": uniq[1], "log_sum": uniq[2], "w": w}, float(has.sum()))
        return self

    @staticmethod
    def _checked_spend(data: Any, column: str, repeat: npt.NDArray[np.bool_]) -> Array:
        df = require_frame(data)
        require_columns(df, [column])
        values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = repeat & ~np.isfinite(values)
        if bad.any():
            raise SchemaError(
                f"column {column!r} must be a number where x > 0; "
                f"{int(bad.sum())} row(s) are not, index {show_values(df.index[bad])}: "
                f"{show_values(values[bad].tolist())}"
            )
        return values

    @_dask_predict
    @benign_underflow
    def expected_spend(
        self, data: Any, *, n_boot: int = 0, level: float = 0.95, seed: int = 0
    ) -> Any:
        """Expected average transaction value of each customer.

        ``E[M | x, m_x] = (q - 1)/(p x + q - 1) · γ p/(q - 1) + p x/(p x + q - 1) · m_x``
        ([FH13] eq. 5): a weighted average of the population mean and the
        customer's own mean. Customers with ``x = 0``, and customers whose
        repeat purchases average zero or less (outside the model), get the
        population mean ``γ p / (q - 1)``. That mean is finite only for
        ``q > 1``; with ``q <= 1`` those customers get NaN, with a warning.

        Parameters
        ----------
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        n_boot, level, seed
            Bootstrap interval, as in :meth:`segkit.clv.BetaGeo.p_alive`.

        Returns
        -------
        Series aligned on ``data.index`` (DataFrame ``estimate``, ``lower``,
        ``upper`` when ``n_boot > 0``).
        """
        check_fitted(self, "params_")
        return self._predict(lambda m: m._expected_spend(data), n_boot, level, seed)

    def _expected_spend(self, data: Any) -> pd.Series:
        c = read_columns(data, {"x": self.columns_["x"]}, what="data", counts=("x",))
        xs = c.values["x"]
        m = self._checked_spend(data, self.columns_["m"], xs > 0)
        p, q, v = (float(self.params_[k]) for k in self._param_names)
        own = (xs > 0) & (m > 0)
        xs = np.where(own, xs, 0.0)  # outside the model: the population mean
        mx = np.where(own, m, 0.0)
        value = (v + mx * xs) * p / (p * xs + q - 1.0)
        if q <= 1.0 and not own.all():
            warnings.warn(
                f"Gamma-Gamma: q = {q:.3g} <= 1, so the population mean spend is infinite; "
                f"{int((~own).sum()):,} customer(s) without a usable repeat spend get NaN",
                UserWarning,
                stacklevel=4,
            )
            value = np.where(own, value, np.nan)
        return as_series(value, c.index, "expected_spend")

    @benign_underflow
    def simulate(
        self,
        n_customers: Any,
        x: Any = None,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Draw the average repeat transaction value of customers with ``x`` transactions each.

        Parameters
        ----------
        n_customers : int
        x : int or array-like of length ``n_customers``
            Repeat transactions of each customer (the mean of ``max(x, 1)``
            values is drawn).
        params : mapping, optional
        seed : int, optional

        Returns
        -------
        DataFrame
            Columns ``x`` and ``repeat_aov``.
        """
        if x is None and _numeric_list(n_customers):
            warnings.warn(
                "GammaGamma.simulate: pass simulate(n_customers, x) like every model's "
                "simulate; simulate(x) will be removed in the next release",
                DeprecationWarning,
                stacklevel=3,
            )
            x = n_customers
            n_customers = int(np.size(x))
        if x is None:
            raise ParameterError("GammaGamma.simulate needs x (repeat transactions per customer)")
        return self._simulate(n_customers, x, "x", params, seed)

    def _draw(self, params: dict[str, float], T: Array, rng: np.random.Generator) -> pd.DataFrame:
        nu = rng.gamma(params["q"], 1.0 / params["gamma"], T.size)
        total = rng.gamma(params["p"] * np.maximum(T, 1.0), 1.0 / nu)
        return pd.DataFrame({"x": T, "repeat_aov": total / np.maximum(T, 1.0)})


def _summed(p: float, q: float, v: float, stats: dict[str, Array]) -> tuple[float, Array]:
    """Weighted sum of [FH13] eq. 1a over the rows, and its gradient (log-parameters).

    The sum of :func:`segkit.clv.gamma_gamma_log_likelihood`, from sufficient
    statistics: the Gamma functions of ``p x`` are evaluated once per run of
    equal ``x`` (the rows are sorted by ``x``, whose distinct values are few)
    and the terms without parameters (``log m``, ``log m x``) once per fit.
    Only ``log(γ + m x)`` and ``1 / (γ + m x)`` are evaluated per row.
    """
    x, m, w = stats["x"], stats["m"], stats["w"]
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]]) if x.size else np.zeros(0, np.intp)
    px = p * x[starts]
    w_x = np.add.reduceat(w, starts) if x.size else np.zeros(0)
    weight = float(w.sum())
    wx = w * x
    log_vmx = np.log(v + m * x)
    inv_vmx = 1.0 / (v + m * x)
    log_mx = stats["log_mx"] if "log_mx" in stats else np.log(m * x)  # a model fitted before
    log_m = stats["log_m"] if "log_m" in stats else np.log(m)  # they were kept
    gap = log_mx - log_vmx  # log(m x / (γ + m x))
    psi = digamma(px + q)
    ll = (
        w_x @ (gammaln(px + q) - gammaln(px))
        + weight * (q * np.log(v) - gammaln(q))
        + p * (wx @ gap)
        - w @ log_m
        - q * (w @ log_vmx)
    )
    g_p = w_x @ (x[starts] * (psi - digamma(px))) + wx @ gap
    g_q = w_x @ psi - weight * (digamma(q) - np.log(v)) - w @ log_vmx
    g_v = weight * q / v - p * (wx @ inv_vmx) - q * (w @ inv_vmx)
    return float(ll), np.array([g_p * p, g_q * q, g_v * v])


def _transaction_rows(
    p: float, q: float, v: float, x: Array, s: Array, log_sum: Array
) -> tuple[Array, Array]:
    """Per-customer log-likelihood of ``x`` transaction values summing to ``s``.

    ``(p-1) Σ log z - x log Γ(p) + q log γ - log Γ(q) + log Γ(px+q) - (px+q) log(γ+s)``
    and its gradient with respect to ``log p``, ``log q``, ``log γ``.
    """
    px = p * x
    log_vs = np.log(v + s)
    psi = digamma(px + q)
    ll = (
        (p - 1.0) * log_sum
        - x * gammaln(p)
        + q * np.log(v)
        - gammaln(q)
        + gammaln(px + q)
        - (px + q) * log_vs
    )
    g_p = log_sum - x * digamma(p) + x * psi - x * log_vs
    g_q = np.log(v) - digamma(q) + psi - log_vs
    g_v = q / v - (px + q) / (v + s)
    return f64(ll), np.column_stack([g_p * p, g_q * q, g_v * v])


def _numeric_list(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray | pd.Series) and not isinstance(value, str)
