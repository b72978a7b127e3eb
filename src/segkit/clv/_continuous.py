"""Shared machinery of the continuous-time purchase models on ``(x, t_x, T)``.

Notation follows the papers: ``x`` is the number of repeat purchases, ``t_x``
the time of the last repeat purchase measured from the first purchase, ``T``
the time from the first purchase to the end of the observation period, all in
one time unit chosen by the caller (days, weeks, ...). The fitted scale
parameters (``alpha``, ``beta``, ``gamma``) are in that unit.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, gammaln

from segkit._validation import NONE, Constraint, Satisfies, check_fitted, validate_params
from segkit.clv._base import (
    Array,
    _dask_fit,
    _dask_predict,
    as_series,
    benign_underflow,
    expand,
    f64,
    need_customers,
)
from segkit.clv._checks import check_rate
from segkit.clv._data import compress, read_columns, remembered
from segkit.clv._likelihoods import _unique_pairs
from segkit.clv._purchase import UNIT, PurchaseModel
from segkit.clv._units import check_data_unit, model_unit, rate_days
from segkit.errors import ParameterError, SchemaError

NO_DROPOUT = "the data show no sign of customers dropping out"
#: a list of covariate column names (not one string)
COLUMN_LIST = Satisfies(
    lambda v: (
        not isinstance(v, str)
        and isinstance(v, list | tuple)
        and all(isinstance(c, str) for c in v)
    ),
    "a list of column names",
)


def log_ratio(num: Any, den: Any) -> Array:
    """``log(num / den)`` for ``num >= 0``: ``-inf`` where ``num`` is 0, no warning."""
    num = np.asarray(num, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, -np.inf)
    pos = np.broadcast_to(num > 0, out.shape)
    with np.errstate(divide="ignore"):
        logs = np.log(np.broadcast_to(num, out.shape)) - np.log(np.broadcast_to(den, out.shape))
    out[pos] = logs[pos]
    return out


#: up to this many purchases, ``log Γ(r+n)/Γ(r)`` is summed term by term
_RISING_TERMS = 1000


def log_rising(r: Any, n: Any) -> Array:
    """``log Γ(r+n) - log Γ(r)`` for whole ``n >= 0``, without cancellation at huge ``r``.

    ``gammaln(r + n) - gammaln(r)`` loses ``~1e-16 · r log r`` to rounding
    (2.5e-6 at r = 1e10: purchase rates the same for everyone). A single
    ``n`` up to 1000 is summed as ``Σ_{i<n} log(r+i)``; beyond, or for an array
    of ``n``, ``gammaln(n) - betaln(r, n)`` (accurate for large ``r``) is used
    from ``r = 1e7`` on and the difference of ``gammaln`` below.
    """
    r = np.asarray(r, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if n.ndim == 0 and float(n) <= _RISING_TERMS:
        steps = np.arange(int(n), dtype=np.float64)
        return f64(np.log(r[..., None] + steps).sum(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        big = gammaln(np.maximum(n, 1.0)) - betaln(r, np.maximum(n, 1.0))
        small = gammaln(r + n) - gammaln(r)
        return f64(np.where(n == 0, 0.0, np.where(r > 1e7, big, small)))


def nb_logpmf(n: Array, r: Array, log_p: Array, log_q: Array) -> Array:
    """log NBD pmf ``Γ(r+n)/(Γ(r) n!) p^r q^n`` (``q = 1 - p``), safe at ``q = 0``."""
    with np.errstate(invalid="ignore"):
        nq = np.where(n > 0, n * log_q, 0.0)
    return f64(log_rising(r, n) - gammaln(n + 1.0) + r * log_p + nq)


class ContinuousModel(PurchaseModel):
    """BG/NBD-family models on (x, t_x, T), optionally with covariates."""

    _dropout_index: ClassVar[int] = 3
    _default_columns: ClassVar[dict[str, str]] = {"x": "x", "t_x": "t_x", "T": "T"}

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        **PurchaseModel._parameter_constraints,
        "covariates": [NONE, COLUMN_LIST],
        "unit": UNIT,
    }

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        covariates: Sequence[str] | None = None,
        unit: str | float | None = None,
    ) -> None:
        self.penalizer = penalizer
        self.covariates = covariates
        self.unit = unit

    # ---- parameters per row ---------------------------------------------
    def _covariate_names(self) -> list[str]:
        validate_params(self, {"covariates": self._parameter_constraints["covariates"]})
        return list(self.covariates or [])

    def _coef_names(self) -> list[str]:
        names = self._covariate_names()
        return [f"purchase:{c}" for c in names] + [f"dropout:{c}" for c in names]

    def _row_params(self, theta: Array, z: Array) -> list[Any]:
        k = len(self._param_names)
        params: list[Any] = list(np.exp(theta[:k]))
        m = z.shape[1]
        if m:
            gp, gd = theta[k : k + m], theta[k + m : k + 2 * m]
            params[1] = np.exp(theta[1] - z @ gp)
            j = self._dropout_index
            params[j] = np.exp(theta[j] - z @ gd)
        return params

    @abstractmethod
    def _rows(self, params: list[Any], x: Array, t_x: Array, T: Array) -> tuple[Array, ...]:
        """Provided by each model."""

    def _summed(
        self, params: list[Any], x: Array, t_x: Array, T: Array, w: Array
    ) -> tuple[float, Array] | None:
        """Weighted sums straight from the likelihood, when it has a fast path."""
        return None

    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        z = stats["z"]
        w = stats["w"]
        params = self._row_params(theta, z)
        if not z.shape[1]:
            summed = self._summed(params, stats["x"], stats["t_x"], stats["T"], w)
            if summed is not None:
                return summed
        ll, grad, _ = self._rows(params, stats["x"], stats["t_x"], stats["T"])
        g = w @ grad
        m = z.shape[1]
        if m:
            wg = w[:, None] * grad
            g_p = -(z.T @ wg[:, 1])
            g_d = -(z.T @ wg[:, self._dropout_index])
            g = np.concatenate([g, g_p, g_d])
        return float(w @ ll), g

    # ---- data ----------------------------------------------------------------
    def _read(
        self, data: Any, what: str, cols: Mapping[str, str] | None = None, weights: Any = None
    ) -> Any:
        names = dict(cols) if cols is not None else dict(self.columns_)
        return read_columns(
            data,
            names,
            what=what,
            counts=("x",),
            ordered=(("t_x", "T"),),
            zero_with=("x", "t_x"),
            weights=weights,
            covariates=self._covariate_names(),
        )

    @_dask_fit
    @benign_underflow
    def fit(
        self,
        data: Any,
        *,
        x: str = "x",
        t_x: str = "t_x",
        T: str = "T",
        weights: str | npt.ArrayLike | None = None,
    ) -> Any:
        """Fit the model by maximum likelihood.

        Identical rows of ``(x, t_x, T)`` (and covariates) are merged into
        weights first, so the time taken depends on the number of distinct
        rows, not of customers.

        Parameters
        ----------
        data : DataFrame
            One row per customer (or per group of identical customers when
            ``weights`` is given), e.g. the output of :func:`segkit.summarize`.
        x, t_x, T : str
            Column names of the repeat purchases, the time of the last repeat
            purchase and the age of the customer, in one time unit.
        weights : str or array-like, optional
            Column name or values: the number of customers each row stands for.

        Returns
        -------
        self

        Raises
        ------
        SchemaError
            On missing columns, negative or non-integer ``x``, ``t_x > T``,
            ``t_x > 0`` where ``x = 0``, missing values, empty data, fewer
            than two customers or nobody with a repeat purchase.
        ConvergenceError
            If the optimiser fails from every starting point.
        """
        self._check_params()
        cols = {"x": x, "t_x": t_x, "T": T}
        what = "data"
        data_cols = self._read(data, what, cols, weights)
        v = data_cols.values
        total = float(data_cols.weights.sum())
        need_customers(total, what)
        if not np.any((v["x"] > 0) & (data_cols.weights > 0)):
            raise SchemaError(
                f"column {x!r} is 0 for every customer: with no repeat purchases the purchase "
                "rate cannot be estimated (check that x counts repeat purchases over a long "
                "enough calibration period)"
            )
        z = data_cols.covariates
        arrays = [v["x"], v["t_x"], v["T"], *z.T]
        uniq, w, _ = compress(arrays, data_cols.weights)
        keep = w > 0
        stats = {
            "x": uniq[0][keep],
            "t_x": uniq[1][keep],
            "T": uniq[2][keep],
            "z": np.column_stack(uniq[3:])[keep] if z.shape[1] else np.zeros((int(keep.sum()), 0)),
            "w": w[keep],
        }
        self.columns_ = cols
        self._record_unit(data)
        self._fit_stats(stats, total)
        return self

    def _stats_for(
        self, data: Any
    ) -> tuple[pd.Index, Array, Array, Array, list[Any], npt.NDArray[np.intp] | None]:
        """Checked columns of ``data``, reduced to distinct rows when that is exact.

        Returns ``(index, x, t_x, T, params, inverse)``: without covariates the
        arrays are the distinct ``(x, t_x, T)`` rows and ``values[inverse]``
        maps results back to the input rows (``inverse`` is None otherwise).
        """
        check_fitted(self, "params_")
        c = self._read(data, "data")
        v = c.values
        params = self._row_params(self.theta_, c.covariates)
        if c.covariates.shape[1] == 0 and len(c.index) > 1:
            (x, t_x, T), _, inverse = compress([v["x"], v["t_x"], v["T"]], c.weights)
            return c.index, x, t_x, T, params, inverse
        return c.index, v["x"], v["t_x"], v["T"], params, None

    def _discounted(self, ends: Sequence[float], factors: Array, data: Any) -> Array:
        """Per row of ``data``: ``sum_k factors[k] * (E[Y(ends[k])] - E[Y(ends[k-1])])``.

        ``E[Y(t)]`` is :meth:`expected_purchases` and ``E[Y(0)] = 0``: the
        discounted purchases of :func:`segkit.clv.lifetime_value`, with the
        same values of ``E[Y(t)]`` to the last bit. P(alive) is computed once
        per distinct row and, with shared parameters, the expectation given
        alive once per distinct ``(x, T)`` pair and horizon.
        """
        _, x, t_x, T, params, inverse = self._stats_for(data)
        alive = np.exp(self._remembered_log_alive(params, x, t_x, T))
        pairs = None
        if all(np.ndim(p) == 0 for p in params) and x.size > 1:  # as in _by_x_and_t
            ux, uT, pairs = _unique_pairs(x, T)
        total = np.zeros(x.size)
        before: Any = 0.0
        for factor, t in zip(factors, ends, strict=True):
            if pairs is not None:
                given = f64(self._expected_alive(params, ux, uT, np.asarray(t)))[pairs]
            else:
                given = f64(
                    np.broadcast_to(self._expected_alive(params, x, T, np.asarray(t)), x.shape)
                )
            now = alive * given
            total += factor * (now - before)
            before = now
        return expand(total, inverse)

    def _new_params(self, data: Any) -> tuple[pd.Index | None, list[Any]]:
        check_fitted(self, "params_")
        if self._covariate_names():
            if data is None:
                raise ParameterError(
                    f"this {type(self).__name__} has covariates; pass data with the columns "
                    f"{self._covariate_names()} to say which new customers to predict for"
                )
            c = read_columns(data, {}, what="data", covariates=self._covariate_names())
            return c.index, self._row_params(self.theta_, c.covariates)
        return None, self._row_params(self.theta_, np.zeros((1, 0)))

    # ---- predictions -----------------------------------------------------------
    def _log_alive(self, params: list[Any], x: Array, t_x: Array, T: Array) -> Array:
        return self._rows(params, x, t_x, T)[2]

    def _remembered_log_alive(self, params: list[Any], x: Array, t_x: Array, T: Array) -> Array:
        """:meth:`_log_alive`, computed once for several predictions on the same rows.

        Within :func:`segkit.clv._data.compressing_once` (the profile asks
        P(alive), the expected purchases and the lifetime value of the same
        customers) an equal earlier call's result is reused.
        """
        if not all(np.ndim(p) == 0 for p in params):
            return self._log_alive(params, x, t_x, T)
        tag = ("log_alive", type(self), tuple(float(p) for p in params))
        out: Array = remembered(tag, [x, t_x, T], lambda: self._log_alive(params, x, t_x, T))
        return out

    def _p_alive(self, data: Any, t: float) -> pd.Series:
        index, x, t_x, T, params, inverse = self._stats_for(data)
        log_alive = self._remembered_log_alive(params, x, t_x, T)
        if t > 0:
            tt = np.asarray(t)
            log_alive = log_alive + self._by_x_and_t(
                params, x, T, lambda p, u, v: self._log_survival(p, u, v, tt)
            )
        return as_series(expand(np.exp(log_alive), inverse), index, "p_alive")

    def _expected_purchases(self, data: Any, t: float) -> pd.Series:
        index, x, t_x, T, params, inverse = self._stats_for(data)
        value = self._expected(params, x, t_x, T, np.asarray(t))
        return as_series(expand(value, inverse), index, "expected_purchases")

    def _expected_new(self, t: Array, data: Any) -> pd.Series:
        index, params = self._new_params(data)
        if index is not None:
            if t.size != 1:
                raise ParameterError("with covariates, t must be a single number")
            zero = np.zeros(len(index))
            value = self._expected(params, zero, zero, zero, t[0])
            return as_series(value, index, "expected_purchases_new")
        zero = np.zeros(t.size)
        alive = np.exp(self._log_alive(params, zero, zero, zero))  # one vectorised call
        return self._by_t(alive * f64(self._expected_alive(params, zero, zero, t)), t)

    def _probability(self, data: Any, n: float, t: float) -> pd.Series:
        nn, tt = np.asarray(n), np.asarray(t)
        index, x, t_x, T, params, inverse = self._stats_for(data)
        alive = np.exp(self._remembered_log_alive(params, x, t_x, T))
        inner = self._by_x_and_t(params, x, T, lambda p, u, v: self._prob_n_alive(p, u, v, nn, tt))
        value = expand(alive * inner + np.where(nn == 0, 1.0 - alive, 0.0), inverse)
        return as_series(value, index, f"P(X={int(n)})")

    @_dask_predict
    @benign_underflow
    def dert(
        self,
        data: Any,
        discount_rate: float,
        *,
        rate_unit: str | float | None = None,
        n_boot: int = 0,
        level: float = 0.95,
        seed: int = 0,
    ) -> Any:
        r"""Discounted expected residual transactions (DERT), continuous discounting.

        .. math::

            \mathrm{DERT}_i = \int_0^\infty e^{-\delta s}\, dE[X_i(T_i, T_i + s]]

        the present value, at a continuously compounded rate ``δ`` per unit of
        model time, of every future transaction of the customer given their
        history (Fader, Hardie & Lee 2005, "RFM and CLV"). Multiply by the
        expected margin per transaction for the residual lifetime value
        (:func:`segkit.clv.lifetime_value` with ``method="dert"``).

        Parameters
        ----------
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        discount_rate : float
            Continuously compounded discount rate (> 0), per model time unit
            unless ``rate_unit`` says otherwise: an annual rate of 15 % is
            ``math.log(1.15)`` per year (``rate_unit="Y"``), or
            ``math.log(1.15) / 52`` per week for a model in weeks.
        rate_unit : "D", "W", "M", "Y" or float, optional
            The calendar period ``discount_rate`` is quoted for ("Y" is 365.25
            days, a number is days); it is converted to the model's unit
            ``unit_``, which must then be known. Default: one model time unit.
        n_boot, level, seed
            Bootstrap interval, as in :meth:`p_alive`.

        Returns
        -------
        Series aligned on ``data.index`` (DataFrame with intervals).

        References
        ----------
        Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV:
        using iso-value curves for customer base analysis. Journal of
        Marketing Research 42(4), 415-430.
        """
        delta = check_rate(discount_rate, "discount_rate")
        if rate_unit is not None:
            per = rate_days(rate_unit)
            delta *= model_unit(self, f"dert(rate_unit={rate_unit!r})") / per
        check_data_unit(self, data)
        return self._predict(lambda m: m._dert(data, delta), n_boot, level, seed)

    def _dert(self, data: Any, delta: float) -> pd.Series:
        index, x, t_x, T, params, inverse = self._stats_for(data)
        alive = np.exp(self._remembered_log_alive(params, x, t_x, T))
        value = alive * self._by_x_and_t(
            params, x, T, lambda p, u, v: self._dert_alive(p, u, v, delta)
        )
        return as_series(expand(value, inverse), index, "dert")

    def _dert_alive(self, params: list[Any], x: Array, T: Array, delta: float) -> Array:
        """DERT of a customer known to be alive at ``T`` (provided by models that have it)."""
        raise ParameterError(f"{type(self).__name__} has no DERT")

    def _expected(self, params: list[Any], x: Array, t_x: Array, T: Array, t: Array) -> Array:
        alive = np.exp(self._remembered_log_alive(params, x, t_x, T))
        return alive * self._by_x_and_t(
            params, x, T, lambda p, u, v: self._expected_alive(p, u, v, t)
        )

    @staticmethod
    def _by_x_and_t(params: list[Any], x: Array, T: Array, func: Any) -> Array:
        """Evaluate ``func(params, x, T)`` once per distinct ``(x, T)`` pair."""
        if all(np.ndim(p) == 0 for p in params) and x.size > 1:
            ux, uT, inv = _unique_pairs(x, T)
            return f64(func(params, ux, uT))[inv]
        return f64(np.broadcast_to(func(params, x, T), x.shape))

    # ---- model-specific --------------------------------------------------------
    @abstractmethod
    def _log_survival(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        """Provided by each model."""

    @abstractmethod
    def _expected_alive(self, params: list[Any], x: Array, T: Array, t: Array) -> Array:
        """Provided by each model."""

    @abstractmethod
    def _prob_n_alive(self, params: list[Any], x: Array, T: Array, n: Array, t: Array) -> Array:
        """Provided by each model."""

    @abstractmethod
    def _simulate_one(
        self, params: Mapping[str, float], T: Array, rng: np.random.Generator
    ) -> tuple[Array, Array, Array]:
        """Provided by each model."""

    def _draw(self, params: dict[str, float], T: Array, rng: np.random.Generator) -> pd.DataFrame:
        x, t_x, alive = self._simulate_one(params, T, rng)
        return pd.DataFrame({"x": x, "t_x": t_x, "T": T, "alive": alive.astype(bool)})
