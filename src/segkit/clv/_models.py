"""The CLV estimators: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma.

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
from scipy.special import betainc, betaln, gammaln, hyp2f1, roots_legendre

from segkit._validation import (
    check_fitted,
    require_columns,
    require_frame,
    show_values,
)
from segkit.clv._base import (
    FittedModel,
    _dask_fit,
    _dask_predict,
    check_horizon,
    need_customers,
    starts_from,
)
from segkit.clv._data import compress, read_columns
from segkit.clv._likelihoods import (
    _beta_geo_rows,
    _bgbb_rows,
    _gamma_gamma_rows,
    _pareto_rows,
    _unique_pairs,
)
from segkit.errors import ParameterError, SchemaError

__all__ = ["BetaGeo", "BetaGeoBetaBinom", "GammaGamma", "ModifiedBetaGeo", "ParetoNBD"]

Array = npt.NDArray[np.float64]
_NO_DROPOUT = "the data show no sign of customers dropping out"


def _f64(values: Any) -> Array:
    return np.asarray(values, dtype=np.float64)


def _expand(values: Array, inverse: npt.NDArray[np.intp] | None) -> Array:
    return values if inverse is None else values[inverse]


def _as_series(values: Any, index: pd.Index, name: str) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.float64), index=index, name=name)


def _check_count(n: Any) -> Array:
    arr = np.asarray(n, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise ParameterError(f"n must be a whole number >= 0 (or an array of them); got {n!r}")
    return arr


def _log_ratio(num: Any, den: Any) -> Array:
    """``log(num / den)`` for ``num >= 0``: ``-inf`` where ``num`` is 0, no warning."""
    num = np.asarray(num, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, -np.inf)
    pos = np.broadcast_to(num > 0, out.shape)
    out[pos] = (np.log(np.broadcast_to(num, out.shape)) - np.log(np.broadcast_to(den, out.shape)))[
        pos
    ]
    return out


def _nb_logpmf(n: Array, r: Array, log_p: Array, log_q: Array) -> Array:
    """log NBD pmf ``Γ(r+n)/(Γ(r) n!) p^r q^n`` (``q = 1 - p``), safe at ``q = 0``."""
    with np.errstate(invalid="ignore"):
        nq = np.where(n > 0, n * log_q, 0.0)
    return _f64(gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * log_p + nq)


class _ContinuousModel(FittedModel):
    """BG/NBD-family models on (x, t_x, T), optionally with covariates."""

    _dropout_index: ClassVar[int] = 3
    _default_columns: ClassVar[dict[str, str]] = {"x": "x", "t_x": "t_x", "T": "T"}

    def __init__(self, *, penalizer: float = 0.0, covariates: Sequence[str] | None = None) -> None:
        self.penalizer = penalizer
        self.covariates = covariates

    # ---- parameters per row ---------------------------------------------
    def _covariate_names(self) -> list[str]:
        cov = self.covariates
        if cov is None:
            return []
        if isinstance(cov, str) or not all(isinstance(c, str) for c in cov):
            raise ParameterError(
                f"the 'covariates' parameter of {type(self).__name__} must be a list of column "
                f"names; got {cov!r}"
            )
        return list(cov)

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

    def _expected_many(self, ts: Sequence[float], data: Any) -> Array:
        """``expected_purchases(t, data)`` for several ``t`` at once, shape (len(ts), n).

        P(alive) and the distinct rows are computed once (used by
        :func:`segkit.clv.lifetime_value`).
        """
        index, x, t_x, T, params, inverse = self._stats_for(data)
        alive = np.exp(self._log_alive(params, x, t_x, T))
        out = np.empty((len(ts), len(index)))
        for i, t in enumerate(ts):
            value = alive * self._by_x_and_t(
                params, x, T, lambda p, u, v, t=t: self._expected_alive(p, u, v, np.asarray(t))
            )
            out[i] = _expand(value, inverse)
        return out

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

    @_dask_predict
    def p_alive(
        self,
        data: Any,
        t: float = 0.0,
        *,
        n_boot: int = 0,
        level: float = 0.95,
        seed: int = 0,
    ) -> Any:
        """Probability that each customer is still active.

        Parameters
        ----------
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        t : float, default 0
            Time after the end of the observation period (``T``) at which to
            evaluate; 0 gives P(alive at T).
        n_boot, level, seed
            Bootstrap interval, as in :meth:`expected_purchases`.

        Returns
        -------
        Series aligned on ``data.index`` (DataFrame with ``estimate``,
        ``lower``, ``upper`` when ``n_boot > 0``)
        """
        if n_boot:
            estimate = self.p_alive(data, t)
            return self._interval(lambda m: m.p_alive(data, t), estimate, n_boot, level, seed)
        tt = check_horizon(t)
        index, x, t_x, T, params, inverse = self._stats_for(data)
        log_alive = self._log_alive(params, x, t_x, T)
        if tt > 0:
            log_alive = log_alive + self._by_x_and_t(
                params, x, T, lambda p, u, v: self._log_survival(p, u, v, tt)
            )
        return _as_series(_expand(np.exp(log_alive), inverse), index, "p_alive")

    @_dask_predict
    def expected_purchases(
        self,
        t: float,
        data: Any,
        *,
        n_boot: int = 0,
        level: float = 0.95,
        seed: int = 0,
    ) -> Any:
        """Expected number of purchases in ``(T, T + t]`` given each customer's history.

        Parameters
        ----------
        t : float
            Length of the prediction period, in the unit of the fit.
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        n_boot : int, default 0
            With ``n_boot > 0``, also a percentile bootstrap interval from
            ``n_boot`` refits on resampled customers (see :meth:`bootstrap_params`).
        level : float, default 0.95
            Coverage of the bootstrap interval.
        seed : int, default 0
            Seed of the bootstrap.

        Returns
        -------
        Series, or DataFrame with ``estimate``, ``lower``, ``upper`` when ``n_boot > 0``
        """
        tt = check_horizon(t)
        index, x, t_x, T, params, inverse = self._stats_for(data)
        value = _as_series(
            _expand(self._expected(params, x, t_x, T, tt), inverse), index, "expected_purchases"
        )
        if n_boot:
            return self._interval(
                lambda m: m.expected_purchases(t, data), value, n_boot, level, seed
            )
        return value

    def expected_purchases_new(self, t: Any, data: Any = None) -> Any:
        """Expected number of purchases of a new customer in ``(0, t]``.

        Parameters
        ----------
        t : float or array-like
            Lengths of time since the first purchase.
        data : DataFrame, optional
            Only with covariates: the covariate values of the new customers.

        Returns
        -------
        float or ndarray (Series aligned on ``data`` with covariates)
        """
        tt = check_horizon(t)
        index, params = self._new_params(data)
        if index is not None:
            if tt.ndim:
                raise ParameterError("with covariates, t must be a single number")
            zero = np.zeros(len(index))
            value = self._expected(params, zero, zero, zero, tt)
            return _as_series(value, index, "expected_purchases_new")
        zero = np.zeros(1)
        values = np.array(
            [self._expected(params, zero, zero, zero, np.asarray(v))[0] for v in tt.ravel()]
        )
        return float(values[0]) if tt.ndim == 0 else values.reshape(tt.shape)

    @_dask_predict
    def probability_of_purchases(self, n: Any, t: float, data: Any) -> pd.Series:
        """Probability of exactly ``n`` purchases in ``(T, T + t]`` given the history.

        Parameters
        ----------
        n : int
            Number of purchases.
        t : float
            Length of the period.
        data : DataFrame

        Returns
        -------
        Series aligned on ``data.index``.
        """
        nn = _check_count(n)
        tt = check_horizon(t)
        index, x, t_x, T, params, inverse = self._stats_for(data)
        alive = np.exp(self._log_alive(params, x, t_x, T))
        inner = self._by_x_and_t(params, x, T, lambda p, u, v: self._prob_n_alive(p, u, v, nn, tt))
        value = _expand(alive * inner + np.where(nn == 0, 1.0 - alive, 0.0), inverse)
        return _as_series(value, index, f"P(X={int(nn)})" if nn.ndim == 0 else "probability")

    def _expected(self, params: list[Any], x: Array, t_x: Array, T: Array, t: Array) -> Array:
        alive = np.exp(self._log_alive(params, x, t_x, T))
        return alive * self._by_x_and_t(
            params, x, T, lambda p, u, v: self._expected_alive(p, u, v, t)
        )

    @staticmethod
    def _by_x_and_t(params: list[Any], x: Array, T: Array, func: Any) -> Array:
        """Evaluate ``func(params, x, T)`` once per distinct ``(x, T)`` pair."""
        if all(np.ndim(p) == 0 for p in params) and x.size > 1:
            ux, uT, inv = _unique_pairs(x, T)
            return _f64(func(params, ux, uT))[inv]
        return _f64(np.broadcast_to(func(params, x, T), x.shape))

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

    def simulate(
        self,
        n_customers: int,
        T: Any,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Draw synthetic customers from the model.

        Parameters
        ----------
        n_customers : int
        T : float or array-like of length ``n_customers``
            Observation period of each customer (time since the first purchase).
        params : mapping, optional
            Parameter values (``{"r": ..., "alpha": ..., ...}``); defaults to
            the fitted ``params_``. Covariates are not simulated.
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        DataFrame
            Columns ``x``, ``t_x``, ``T`` and ``alive`` (whether the customer
            is still active at ``T``), index ``0 .. n_customers - 1``.
        """
        if params is None:
            check_fitted(self, "params_")
            params = {k: float(self.params_[k]) for k in self._param_names}
        missing = [k for k in self._param_names if k not in params]
        if missing:
            raise ParameterError(f"params is missing {missing} (needs {list(self._param_names)})")
        bad = [k for k in self._param_names if not float(params[k]) > 0]
        if bad:
            raise ParameterError(f"params must be positive; got {[(k, params[k]) for k in bad]}")
        TT = np.broadcast_to(check_horizon(T, "T"), (int(n_customers),)).astype(np.float64)
        rng = np.random.default_rng(seed)
        x, t_x, alive = self._simulate_one(params, TT, rng)
        return pd.DataFrame({"x": x, "t_x": t_x, "T": TT, "alive": alive.astype(bool)})


class _BetaGeoFamily(_ContinuousModel):
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

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        if params["a"] / (params["a"] + params["b"]) < 1e-6:
            return [
                (
                    ("a", "b"),
                    "the mean dropout probability after a purchase tends to 0; " + _NO_DROPOUT,
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
        z = t / (al + t)
        return _f64(
            a * np.log(al / (al + t)) + np.log(hyp2f1(a, a + b + self._shift - r, a + bp, z))
        )

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
            return _f64(0.5 * (lo + hi))
        bp = b + x + self._shift
        al = alpha + T
        c = a + bp - 1.0
        z = t / (al + t)
        bracket = 1.0 - np.exp((a - 1.0) * np.log(al / (al + t))) * hyp2f1(
            a - 1.0, a + b + self._shift - 1.0 - r, c, z
        )
        return _f64(c / (a - 1.0) * bracket)

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
        pmf_n = np.exp(_nb_logpmf(n, rp, log_p, log_q))
        if n == 0:
            return pmf_n
        tail = betainc(n + 1.0, rp, np.exp(log_q))
        lb = betaln(a, bp)
        stay = np.exp(betaln(a, bp + n - 1.0) - lb)
        drop = np.exp(betaln(a + 1.0, bp + n - 1.0) - lb)
        return _f64(stay * pmf_n + drop * tail)

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


class ParetoNBD(_ContinuousModel):
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

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``s``, ``beta`` (then the covariate coefficients).
    standard_errors_, log_likelihood_, n_customers_, n_distinct_, columns_
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
                    "the mean dropout rate tends to 0; " + _NO_DROPOUT,
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
        return _f64((r + x) * bt / (alpha + T) * factor)

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
        pmf_t = np.exp(_nb_logpmf(n, rp, -np.log1p(t / al), np.log(t) - np.log(al + t)))
        w_end = -np.expm1(log_surv)  # probability of dropping out within t
        nodes, weights = roots_legendre(64)
        acc = np.zeros_like(al, dtype=np.float64)
        for node, weight in zip(nodes, weights, strict=True):
            wv = 0.5 * (node + 1.0) * w_end
            u = bt * np.expm1(-np.log1p(-wv) / s)
            acc += (
                0.5 * weight * np.exp(_nb_logpmf(n, rp, -np.log1p(u / al), _log_ratio(u, al + u)))
            )
        return _f64(np.exp(log_surv) * pmf_t + w_end * acc)

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


class BetaGeoBetaBinom(FittedModel):
    """BG/BB model for discrete-time repeat transactions (Fader, Hardie & Shang 2010).

    At each of ``n`` transaction opportunities an active customer transacts
    with probability p ~ Beta(α, β); before each opportunity they drop out
    for good with probability θ ~ Beta(γ, δ).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters.

    Attributes
    ----------
    params_ : Series
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    standard_errors_, log_likelihood_, n_customers_, n_distinct_, columns_
        As in :class:`BetaGeo`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis
    in a discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> from segkit.clv import BetaGeoBetaBinom
    >>> from segkit.datasets import load_donations
    >>> model = BetaGeoBetaBinom().fit(load_donations(), weights="weights")
    >>> model.params_.round(3).to_dict()
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    """

    _model_name = "BG/BB"
    _default_columns: ClassVar[dict[str, str]] = {
        "x": "frequency",
        "t_x": "recency",
        "n": "periods",
    }
    _param_names = ("alpha", "beta", "gamma", "delta")
    _limits: ClassVar[dict[tuple[str, str], str]] = {
        ("gamma", "lower"): "the dropout probability tends to 0: the data show no sign of "
        "customers dropping out",
        ("delta", "upper"): "the dropout probability tends to 0: the data show no sign of "
        "customers dropping out",
    }

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        if params["gamma"] / (params["gamma"] + params["delta"]) < 1e-6:
            return [
                (
                    ("gamma", "delta"),
                    "the mean dropout probability tends to 0; " + _NO_DROPOUT,
                )
            ]
        return []

    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        al, be, ga, de = np.exp(theta)
        ll, grad, _ = _bgbb_rows(al, be, ga, de, stats["x"], stats["t_x"], stats["n"])
        w = stats["w"]
        return float(w @ ll), w @ grad

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        return starts_from([1.0, 1.0, 1.0, 1.0], [[0.3, 0.3, 0.3, 3.0], [3.0, 3.0, 3.0, 0.3]])

    def _read(self, data: Any, cols: Mapping[str, str] | None = None, weights: Any = None) -> Any:
        names = dict(cols) if cols is not None else dict(self.columns_)
        return read_columns(
            data,
            names,
            what="data",
            counts=("x", "t_x", "n"),
            ordered=(("x", "t_x"), ("t_x", "n")),
            zero_with=("x", "t_x"),
            weights=weights,
        )

    @_dask_fit
    def fit(
        self,
        data: Any,
        *,
        frequency: str = "frequency",
        recency: str = "recency",
        periods: str = "periods",
        weights: str | npt.ArrayLike | None = None,
    ) -> BetaGeoBetaBinom:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            One row per customer or per group of identical customers.
        frequency, recency, periods : str
            Columns of ``x`` (repeat transactions), ``t_x`` (the opportunity of
            the last one, 0 if none) and ``n`` (number of repeat opportunities).
        weights : str or array-like, optional
            Number of customers each row stands for.

        Returns
        -------
        self
        """
        cols = {"x": frequency, "t_x": recency, "n": periods}
        c = self._read(data, cols, weights)
        v = c.values
        total = float(c.weights.sum())
        need_customers(total, "data")
        uniq, w, _ = compress([v["x"], v["t_x"], v["n"]], c.weights)
        keep = w > 0
        stats = {"x": uniq[0][keep], "t_x": uniq[1][keep], "n": uniq[2][keep], "w": w[keep]}
        self.columns_ = cols
        self._fit_stats(stats, total)
        return self

    def _parts(self, data: Any) -> tuple[pd.Index, Array, Array, Array, Array]:
        check_fitted(self, "params_")
        c = self._read(data)
        v = c.values
        al, be, ga, de = self.params_[list(self._param_names)].to_numpy()
        _, _, log_alive = _bgbb_rows(al, be, ga, de, v["x"], v["t_x"], v["n"])
        return c.index, v["x"], v["t_x"], v["n"], log_alive

    @_dask_predict
    def p_alive(self, data: Any) -> pd.Series:
        """Probability of being alive at opportunity ``n + 1`` ([FHS10] eq. 11).

        Returns
        -------
        Series aligned on ``data.index``.
        """
        index, _, _, n, log_alive = self._parts(data)
        ga, de = float(self.params_["gamma"]), float(self.params_["delta"])
        return _as_series(np.exp(log_alive + np.log((de + n) / (ga + de + n))), index, "p_alive")

    def _expected_from(self, x: Array, n: Array, alive_n: Array, t: Array) -> Array:
        al, be, ga, de = self.params_[list(self._param_names)].to_numpy()
        # Sum over i = 1..t of p (1-theta)^i under the posteriors
        # p ~ Beta(alpha+x, beta+n-x), theta ~ Beta(gamma, delta+n) given alive at n,
        # telescoped to (delta+n - Γ(γ+δ+n)Γ(δ+n+t+1)/(Γ(δ+n)Γ(γ+δ+n+t)))/(γ-1)
        # (the closed form of [FHS10] eq. 13).
        ratio = np.exp(
            gammaln(ga + de + n)
            + gammaln(de + n + t + 1.0)
            - gammaln(de + n)
            - gammaln(ga + de + n + t)
        )
        return np.asarray(
            alive_n * (al + x) / (al + be + n) * (de + n - ratio) / (ga - 1.0), dtype=np.float64
        )

    @_dask_predict
    def expected_purchases(self, t: int, data: Any) -> pd.Series:
        """Expected transactions in the next ``t`` opportunities (``n+1 .. n+t``).

        Returns
        -------
        Series aligned on ``data.index``.
        """
        tt = check_horizon(t)
        index, x, _, n, log_alive = self._parts(data)
        return _as_series(
            self._expected_from(x, n, np.exp(log_alive), tt), index, "expected_purchases"
        )

    def expected_purchases_new(self, t: Any) -> Any:
        """Expected transactions of a new customer in the first ``t`` repeat opportunities.

        Examples
        --------
        >>> from segkit.clv import BetaGeoBetaBinom
        >>> from segkit.datasets import load_donations
        >>> model = BetaGeoBetaBinom().fit(load_donations(), weights="weights")
        >>> round(model.expected_purchases_new(6), 3)
        2.22
        """
        check_fitted(self, "params_")
        tt = check_horizon(t)
        value = self._expected_from(np.zeros(1), np.zeros(1), np.ones(1), tt)
        return float(value[0]) if tt.ndim == 0 else value.reshape(tt.shape)

    @_dask_predict
    def probability_of_purchases(self, n: Any, t: int, data: Any) -> pd.Series:
        """Probability of exactly ``n`` transactions in the next ``t`` opportunities.

        Given alive after the customer's own opportunities, they survive ``m``
        more opportunities (``m < t`` then drop out, or ``m = t``) and
        transact a beta-binomial number of times over them.

        Parameters
        ----------
        n : int
            Number of transactions.
        t : int
            Number of future opportunities.
        data : DataFrame

        Returns
        -------
        Series aligned on ``data.index``.
        """
        kk = float(_check_count(n))
        tt = int(_check_count(t))
        index, x, _, n, log_alive = self._parts(data)
        al, be, ga, de = self.params_[list(self._param_names)].to_numpy()
        ap, bp = al + x, be + n - x
        lb_p = betaln(ap, bp)
        lb_t = betaln(ga, de + n)
        total = np.zeros_like(x)
        for m in range(int(kk), tt + 1):
            if m < tt:
                log_m = betaln(ga + 1.0, de + n + m) - lb_t  # survive m, drop before m+1
            else:
                log_m = betaln(ga, de + n + tt) - lb_t
            log_k = (
                gammaln(m + 1.0)
                - gammaln(kk + 1.0)
                - gammaln(m - kk + 1.0)
                + betaln(ap + kk, bp + m - kk)
                - lb_p
            )
            total += np.exp(log_m + log_k)
        alive = np.exp(log_alive)
        value = alive * total + (1.0 - alive) * (kk == 0)
        return _as_series(value, index, f"P(X={int(kk)})")

    def simulate(
        self,
        n_customers: int,
        periods: int,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Draw synthetic customers over ``periods`` repeat opportunities.

        Returns
        -------
        DataFrame
            Columns ``frequency``, ``recency``, ``periods``, ``alive`` (still
            active after the last opportunity).
        """
        if params is None:
            check_fitted(self, "params_")
            params = {k: float(self.params_[k]) for k in self._param_names}
        rng = np.random.default_rng(seed)
        size = int(n_customers)
        p = rng.beta(float(params["alpha"]), float(params["beta"]), size)
        th = rng.beta(float(params["gamma"]), float(params["delta"]), size)
        # dropout happens at the start of an opportunity: the number of
        # opportunities survived is geometric
        survived = np.minimum(rng.geometric(np.clip(th, 1e-300, 1.0)) - 1, int(periods))
        freq = np.zeros(size)
        rec = np.zeros(size)
        for i in range(1, int(periods) + 1):
            buy = (i <= survived) & (rng.random(size) < p)
            freq += buy
            rec = np.where(buy, float(i), rec)
        return pd.DataFrame(
            {
                "frequency": freq,
                "recency": rec,
                "periods": float(periods),
                "alive": survived >= int(periods),
            }
        )


class GammaGamma(FittedModel):
    """Gamma-Gamma model of average transaction value (Fader & Hardie 2013 note).

    Each transaction value is Gamma(p, ν) with ν ~ Gamma(q, γ) across
    customers; the model is fitted on customers with at least one repeat
    purchase and assumes spend is independent of the purchase process.

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters.

    Attributes
    ----------
    params_ : Series
        ``p``, ``q``, ``gamma``.
    standard_errors_, log_likelihood_, n_customers_, columns_
        As in :class:`BetaGeo`; ``n_customers_`` counts the repeat buyers used.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
    value. http://brucehardie.com/notes/025/

    Examples
    --------
    >>> from segkit.clv import GammaGamma
    >>> truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    >>> data = GammaGamma().simulate([1, 2, 3, 5] * 5000, params=truth, seed=2)
    >>> model = GammaGamma().fit(data)
    >>> model.params_.round(1).to_dict()
    {'p': 6.1, 'q': 4.0, 'gamma': 14.5}
    """

    _model_name = "Gamma-Gamma"
    _default_columns: ClassVar[dict[str, str]] = {"x": "x", "m": "repeat_aov"}
    _param_names = ("p", "q", "gamma")

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        p, q, v = np.exp(theta)
        ll, grad = _gamma_gamma_rows(p, q, v, stats["x"], stats["m"])
        w = stats["w"]
        return float(w @ ll), w @ grad

    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        w = stats["w"]
        mean = float(w @ stats["m"]) / float(w.sum())
        return starts_from([1.0, 2.0, mean], [[5.0, 3.0, 1.0], [0.3, 1.5, 0.3]])

    def _read(self, data: Any, cols: Mapping[str, str] | None = None, weights: Any = None) -> Any:
        names = dict(cols) if cols is not None else dict(self.columns_)
        return read_columns(data, names, what="data", counts=("x",), weights=weights)

    @_dask_fit
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
            Average value of those repeat transactions (> 0 where x > 0;
            ignored where x = 0).
        weights : str or array-like, optional

        Returns
        -------
        self

        Raises
        ------
        SchemaError
            If fewer than two customers have a repeat purchase, or an average
            value is not positive where x > 0.
        """
        cols = {"x": x, "m": repeat_aov}
        df = data
        c = read_columns(df, {"x": x}, what="data", counts=("x",), weights=weights)
        xs = c.values["x"]
        repeat = xs > 0
        frame = self._checked_spend(df, repeat_aov, repeat)
        total = float(c.weights[repeat].sum())
        need_customers(total, "data (repeat buyers only)")
        uniq, w, _ = compress([xs[repeat], frame[repeat]], c.weights[repeat])
        keep = w > 0
        stats = {"x": uniq[0][keep], "m": uniq[1][keep], "w": w[keep]}
        self.columns_ = cols
        self._fit_stats(stats, total)
        return self

    @staticmethod
    def _checked_spend(data: Any, column: str, repeat: npt.NDArray[np.bool_]) -> Array:
        df = require_frame(data)
        require_columns(df, [column])
        values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = repeat & ~(np.isfinite(values) & (values > 0))
        if bad.any():
            raise SchemaError(
                f"column {column!r} must be a positive number where x > 0; "
                f"{int(bad.sum())} row(s) are not, index {show_values(df.index[bad])}: "
                f"{show_values(values[bad].tolist())}"
            )
        return values

    @_dask_predict
    def expected_spend(self, data: Any) -> pd.Series:
        """Expected average transaction value of each customer.

        ``E[M | x, m_x] = (q - 1)/(p x + q - 1) · γ p/(q - 1) + p x/(p x + q - 1) · m_x``
        ([FH13] eq. 5): a weighted average of the population mean and the
        customer's own mean. Customers with ``x = 0`` get the population mean
        ``γ p / (q - 1)`` (defined for ``q > 1``).

        Returns
        -------
        Series aligned on ``data.index``.
        """
        check_fitted(self, "params_")
        c = read_columns(data, {"x": self.columns_["x"]}, what="data", counts=("x",))
        xs = c.values["x"]
        m = self._checked_spend(data, self.columns_["m"], xs > 0)
        p, q, v = (float(self.params_[k]) for k in self._param_names)
        mx = np.where(xs > 0, m, 0.0)
        value = (v + mx * xs) * p / (p * xs + q - 1.0)
        return _as_series(value, c.index, "expected_spend")

    def simulate(
        self,
        x: Any,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Draw the average transaction value of customers with ``x`` transactions each.

        Returns
        -------
        DataFrame
            Columns ``x`` and ``repeat_aov``.
        """
        if params is None:
            check_fitted(self, "params_")
            params = {k: float(self.params_[k]) for k in self._param_names}
        xs = np.asarray(x, dtype=np.float64)
        rng = np.random.default_rng(seed)
        nu = rng.gamma(float(params["q"]), 1.0 / float(params["gamma"]), xs.size)
        total = rng.gamma(float(params["p"]) * np.maximum(xs, 1.0), 1.0 / nu)
        return pd.DataFrame({"x": xs, "repeat_aov": total / np.maximum(xs, 1.0)})
