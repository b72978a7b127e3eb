"""Machinery shared by the CLV estimators: fitting, uncertainty, bootstrap."""

from __future__ import annotations

import copy
import functools
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import norm
from sklearn.base import BaseEstimator

from segkit._backend import dispatch
from segkit._validation import Constraint, Interval, check_fitted, validate_params
from segkit.clv._checks import check_interval_args, check_level, per_customer, renamed
from segkit.clv._mle import LOG_BOUND, BoundaryWarning, maximize
from segkit.errors import ParameterError, SchemaError

Array = npt.NDArray[np.float64]
#: standard error of a log-parameter above which a fit warns: the 95% Wald
#: interval then spans a factor of more than exp(2 * 1.96 * 2.5) ~ 18,000
_LOOSE_LOG_SE = 2.5
#: the largest penalizer accepted (issue: 1e300 ran two minutes before failing)
MAX_PENALIZER = 1e6
#: the most customers one ``simulate`` call draws (each costs a few dozen bytes)
MAX_SIMULATED = 50_000_000


def f64(values: Any) -> Array:
    """``values`` as a float64 array."""
    return np.asarray(values, dtype=np.float64)


def expand(values: Array, inverse: npt.NDArray[np.intp] | None) -> Array:
    """Results on distinct rows mapped back to the input rows (``inverse`` from ``compress``)."""
    return values if inverse is None else values[inverse]


def as_series(values: Any, index: pd.Index, name: str) -> pd.Series:
    """A float Series of per-customer results."""
    return pd.Series(np.asarray(values, dtype=np.float64), index=index, name=name)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _dask_predict(method: _Method) -> _Method:
    """A per-customer method: on a Dask ``data`` it runs as a map over partitions."""
    return dispatch("clv.predict", on="data")(method)  # type: ignore[return-value]


def _dask_fit(method: _Method) -> _Method:
    """A fit on a Dask ``data`` fits on the compressed counts of its rows (a reduction)."""
    return dispatch("clv.fit", on="data")(method)  # type: ignore[return-value]


def benign_underflow(func: _Method) -> _Method:
    """Run ``func`` with numpy's underflow errors ignored, whatever the caller's error state.

    The models work in log space, where ``exp`` of a very negative number
    rounding to 0 is the right answer; under ``np.errstate(all="raise")`` or
    ``np.seterr(all="raise")`` numpy would raise ``FloatingPointError``
    instead. Division by zero, overflow and invalid operations keep the
    caller's setting (the code guards each place where they are expected).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class FittedModel(BaseEstimator, ABC):  # type: ignore[misc]
    """Base of the CLV estimators: maximum likelihood on log-parameters.

    Subclasses define the parameter names, the per-row log-likelihood and the
    mapping from the unconstrained vector ``theta`` (log-parameters, then
    covariate coefficients) to per-row parameters.
    """

    #: the constructor's options, checked when ``fit`` starts ([scikit-learn]
    #: ``_parameter_constraints``); subclasses extend the table
    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "penalizer": [Interval(float, 0.0, MAX_PENALIZER)],
    }
    _param_names: ClassVar[tuple[str, ...]] = ()
    _default_columns: ClassVar[dict[str, str]] = {}
    _model_name: ClassVar[str] = "model"
    #: what a parameter at its lower / upper search limit means
    _limits: ClassVar[dict[tuple[str, str], str]] = {}

    penalizer: float

    # ---- to be provided by subclasses ------------------------------------
    @abstractmethod
    def _loglik(self, theta: Array, stats: dict[str, Array]) -> tuple[float, Array]:
        """Provided by each model."""

    @abstractmethod
    def _starts(self, stats: dict[str, Array]) -> list[Array]:
        """Provided by each model."""

    def _coef_names(self) -> list[str]:
        return []

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        """Groups of parameters whose estimate is a limit, with what the limit means."""
        return []

    # ---- fitting ---------------------------------------------------------
    def _lower(self) -> Array:
        """Lower limits of the positive parameters: ``value = lower + exp(theta)``."""
        return np.zeros(len(self._param_names))

    def _check_params(self) -> None:
        """Check the constructor's options against ``_parameter_constraints`` (at fit)."""
        validate_params(self, self._parameter_constraints)

    def _fit_stats(self, stats: dict[str, Array], n_customers: float) -> None:
        self._check_params()
        penalizer = float(self.penalizer)
        k = len(self._param_names)
        names = list(self._param_names) + self._coef_names()
        bounds = [(-LOG_BOUND, LOG_BOUND)] * k + [(-50.0, 50.0)] * (len(names) - k)
        scale = float(stats["w"].sum())
        starts = self._starts(stats)

        def func(theta: Array) -> tuple[float, Array]:
            return self._loglik(theta, stats)

        result = maximize(
            func,
            starts,
            bounds=bounds,
            scale=scale,
            penalizer=penalizer,
            model=self._model_name,
        )
        theta = result.theta
        self.theta_ = theta
        self.params_ = pd.Series(
            np.concatenate([self._lower() + np.exp(theta[:k]), theta[k:]]),
            index=names,
            name="estimate",
        )
        self.log_likelihood_ = result.log_likelihood
        self.n_customers_ = n_customers
        self.n_distinct_ = int(stats["w"].size)
        self.iterations_ = result.iterations
        self._stats = stats
        self._bootstrap_cache: dict[tuple[int, int], pd.DataFrame] = {}
        # parameters whose estimate is a limit of the parameter space
        limits = self._limit_flags(self.params_, stats)
        limited = {names.index(n) for group, _ in limits for n in group}
        # observed information on the free coordinates
        free = np.array([i not in result.at_bound and i not in limited for i in range(theta.size)])
        se_theta = np.full(theta.size, np.nan)
        if free.any():
            info = -result.hessian[np.ix_(free, free)]
            try:
                cov = np.linalg.inv(info)
                diag = np.diag(cov)
                se_theta[free] = np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)
            except np.linalg.LinAlgError:
                pass
        self._se_theta = se_theta
        se = se_theta.copy()
        se[:k] = se_theta[:k] * np.exp(theta[:k])  # delta method
        self.standard_errors_ = pd.Series(se, index=names, name="standard_error")
        k_pos = len(self._param_names)
        loose = [
            i
            for i in range(k_pos)
            if free[i] and (not np.isfinite(se_theta[i]) or se_theta[i] > _LOOSE_LOG_SE)
        ]
        if loose:
            zq = float(norm.ppf(0.975))
            low = self._lower()
            with np.errstate(over="ignore"):  # an interval reaching past 1e308 shows as inf
                ends = low[:k_pos, None] + np.exp(
                    theta[:k_pos, None] + np.outer(se_theta[:k_pos], [-zq, zq])
                )
            shown = "; ".join(
                f"{names[i]} in [{ends[i, 0]:.3g}, {ends[i, 1]:.3g}]"
                if np.isfinite(se_theta[i])
                else f"{names[i]} (no finite standard error)"
                for i in loose
            )
            which = ", ".join(names[i] for i in loose)
            warnings.warn(
                f"{self._model_name}: the data hardly determine {which} "
                f"(95% intervals {shown}): the likelihood is nearly flat in that direction, "
                "usually because the fit is close to a limit of the parameter space. Predictions "
                "may still be usable; compare models on a holdout period, or use a penalizer",
                BoundaryWarning,
                stacklevel=3,
            )
        for group, meaning in limits:
            shown = ", ".join(f"{n}={self.params_[n]:.3g}" for n in group)
            warnings.warn(
                f"{self._model_name}: the best fit lies on the boundary of the parameter space "
                f"({shown}): {meaning}. The estimate is the limiting model; the standard "
                f"errors of {', '.join(group)} are not defined",
                BoundaryWarning,
                stacklevel=3,
            )
        for i in result.at_bound:
            if i in limited:
                continue
            name = names[i]
            side = "lower" if theta[i] < 0 else "upper"
            meaning = self._limits.get((name, side), "")
            warnings.warn(
                f"{self._model_name}: parameter {name!r} reached the {side} limit of its search "
                f"range ({self.params_[name]:.3g}); the estimate is the limiting one"
                + (f" ({meaning})" if meaning else "")
                + " and its standard error is not defined",
                BoundaryWarning,
                stacklevel=3,
            )

    def confidence_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals from the observed information.

        Positive parameters get intervals ``exp(log θ ± z·se(log θ))`` (they
        stay positive); covariate coefficients get ``θ ± z·se``.

        Parameters
        ----------
        level : float, default 0.95

        Returns
        -------
        DataFrame
            Indexed by parameter, columns ``estimate``, ``lower``, ``upper``.
        """
        check_fitted(self, "params_")
        level = check_level(level)
        zq = float(norm.ppf(0.5 + level / 2))
        k = len(self._param_names)
        lo = self.theta_ - zq * self._se_theta
        hi = self.theta_ + zq * self._se_theta
        lo[:k] = self._lower() + np.exp(lo[:k])
        hi[:k] = self._lower() + np.exp(hi[:k])
        return pd.DataFrame(
            {"estimate": self.params_.to_numpy(), "lower": lo, "upper": hi},
            index=self.params_.index,
        )

    @classmethod
    def from_params(cls, params: Mapping[str, float], **options: Any) -> Any:
        """An estimator that uses the given parameters as if it had been fitted.

        For predictions and simulations at published or hypothesised values.
        Predictions read the default column names (those of :meth:`fit`).
        ``standard_errors_`` and ``log_likelihood_`` are NaN and there is no
        bootstrap (no data).

        Parameters
        ----------
        params : mapping
            A value for every name in ``params_`` (covariate coefficients
            included, as ``purchase:<col>`` / ``dropout:<col>``).
        **options
            Constructor options (e.g. ``covariates``).

        Examples
        --------
        >>> from segkit.clv import ParetoNBD
        >>> published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> model = ParetoNBD.from_params(published)
        >>> round(model.expected_purchases_new(52), 4)
        1.4731
        """
        model = cls(**options)
        names = list(cls._param_names) + model._coef_names()
        missing = [n for n in names if n not in params]
        unknown = [str(n) for n in params if n not in names]
        if missing or unknown:
            raise ParameterError(
                f"{cls.__name__}.from_params needs exactly the parameters {names}; "
                f"missing {missing}, unknown {unknown}"
            )
        values = np.array([float(params[n]) for n in names])
        k = len(cls._param_names)
        lower = model._lower()
        if not np.all(np.isfinite(values)) or np.any(values[:k] <= lower):
            raise ParameterError(
                f"{cls.__name__} parameters {list(cls._param_names)} must be finite and above "
                f"{dict(zip(cls._param_names, lower.tolist(), strict=True))}; "
                f"got {dict(zip(names, values.tolist(), strict=True))}"
            )
        theta = np.concatenate([np.log(values[:k] - lower), values[k:]])
        model.theta_ = theta
        model.params_ = pd.Series(values, index=names, name="estimate")
        model.standard_errors_ = pd.Series(np.nan, index=names, name="standard_error")
        model._se_theta = np.full(theta.size, np.nan)
        model.log_likelihood_ = float("nan")
        model.n_customers_ = 0.0
        model.n_distinct_ = 0
        model.columns_ = dict(cls._default_columns)
        return model

    # ---- simulation ------------------------------------------------------
    #: how the second argument of ``simulate`` is checked: whole numbers, lower bound
    _design: ClassVar[tuple[bool, float]] = (False, 0.0)

    def _draw(self, params: dict[str, float], T: Array, rng: np.random.Generator) -> pd.DataFrame:
        """Provided by each model that simulates: customers observed for ``T`` each."""
        raise NotImplementedError  # pragma: no cover - every public model overrides it

    @benign_underflow
    def simulate(
        self,
        n_customers: int,
        T: Any,
        *,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Draw synthetic customers from the model.

        Every model simulates with the same arguments; what ``T`` measures is
        the model's unit of observation.

        Parameters
        ----------
        n_customers : int
            How many customers (at most 50,000,000 per call).
        T : float or array-like of length ``n_customers``
            How long each customer is observed: time since the first purchase
            (BG/NBD, MBG/NBD, Pareto/NBD), repeat transaction opportunities
            (BG/BB), periods since the contract started (sBG) or the number of
            repeat transactions whose spend is drawn (Gamma-Gamma, where it is
            called ``x``).
        params : mapping, optional
            Parameter values; defaults to the fitted ``params_``. Covariates
            are not simulated.
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        DataFrame
            Index ``0 .. n_customers - 1``, the columns :meth:`fit` reads by
            default, plus ``alive`` for the purchase models.
        """
        return self._simulate(n_customers, T, "T", params, seed)

    def _simulate(
        self,
        n_customers: Any,
        T: Any,
        name: str,
        params: Mapping[str, float] | None,
        seed: int | None,
    ) -> pd.DataFrame:
        size, values = self._simulation_params(params, n_customers)
        whole, low = self._design
        design = per_customer(T, size, name, whole=whole, low=low)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
            raise ParameterError(f"seed must be an int or None; got {seed!r}")
        return self._draw(values, design, np.random.default_rng(seed))

    def _simulate_periods(
        self,
        n_customers: Any,
        T: Any,
        periods: Any,
        params: Mapping[str, float] | None,
        seed: int | None,
    ) -> pd.DataFrame:
        """``simulate`` of the models whose ``T`` was called ``periods`` (one more release)."""
        owner = f"{type(self).__name__}.simulate"
        T = renamed(owner, "periods", "T", periods, T, None)
        if T is None:
            raise ParameterError(f"{owner} needs T (how many periods each customer is observed)")
        return self._simulate(n_customers, T, "T", params, seed)

    def _simulation_params(
        self, params: Mapping[str, float] | None, n_customers: Any
    ) -> tuple[int, dict[str, float]]:
        """Checked ``n_customers`` and parameters of a ``simulate`` call."""
        if (
            isinstance(n_customers, bool)
            or not isinstance(n_customers, int | np.integer)
            or not 0 <= n_customers <= MAX_SIMULATED
        ):
            raise ParameterError(
                f"n_customers must be a whole number from 0 to {MAX_SIMULATED:,} "
                f"(simulate in batches with different seeds for more); got {n_customers!r}"
            )
        if params is None:
            check_fitted(self, "params_")
            params = {k: float(self.params_[k]) for k in self._param_names}
        missing = [k for k in self._param_names if k not in params]
        if missing:
            raise ParameterError(f"params is missing {missing} (needs {list(self._param_names)})")
        values = {k: float(params[k]) for k in self._param_names}
        bad = [(k, v) for k, v in values.items() if not (np.isfinite(v) and v > 0)]
        if bad:
            raise ParameterError(f"params must be finite and positive; got {bad}")
        return int(n_customers), values

    # ---- predictions with intervals --------------------------------------
    def _predict(
        self, compute: Callable[[Any], pd.Series], n_boot: Any, level: Any, seed: Any
    ) -> Any:
        """``compute(self)``, with a percentile bootstrap interval when ``n_boot > 0``.

        The one place where every prediction's ``n_boot``, ``level`` and
        ``seed`` are checked and used.
        """
        n_boot, level = check_interval_args(n_boot, level, seed)
        estimate = compute(self)
        if not n_boot:
            return estimate
        return self._interval(lambda m: compute(m).to_numpy(), estimate, n_boot, level, seed)

    # ---- bootstrap -------------------------------------------------------
    def _with_theta(self, theta: Array) -> Any:
        other = copy.copy(self)
        other._bootstrap_cache = {}  # the replicates belong to the fitted estimate
        k = len(self._param_names)
        other.theta_ = theta
        other.params_ = pd.Series(
            np.concatenate([self._lower() + np.exp(theta[:k]), theta[k:]]),
            index=self.params_.index,
            name="estimate",
        )
        return other

    @benign_underflow
    def bootstrap_params(self, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
        """Refit on ``n_boot`` resamples of the customers (with replacement).

        Customers are resampled by drawing multinomial counts over the
        distinct rows the model was fitted on, so a replicate costs one fit on
        the compressed data. Each refit starts from the estimate.

        Parameters
        ----------
        n_boot : int
            Number of replicates.
        seed : int
            Seed of :func:`numpy.random.default_rng`; the result is
            deterministic given it.

        Returns
        -------
        DataFrame
            One row per replicate, one column per parameter.
        """
        check_fitted(self, "params_")
        if not hasattr(self, "_stats"):
            raise ParameterError(
                f"this {type(self).__name__} was built with from_params: there is no data to "
                "resample; fit it to get bootstrap intervals"
            )
        if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
            raise ParameterError(f"n_boot must be an int >= 1; got {n_boot!r}")
        cache: dict[tuple[int, int], pd.DataFrame] = self.__dict__.setdefault(
            "_bootstrap_cache", {}
        )
        if (n_boot, seed) in cache:  # same resamples: reuse the refits
            return cache[(n_boot, seed)].copy()
        rng = np.random.default_rng(seed)
        stats = self._stats
        w = stats["w"]
        total = round(float(w.sum()))
        k = len(self._param_names)
        bounds = [(-LOG_BOUND, LOG_BOUND)] * k + [(-50.0, 50.0)] * (self.theta_.size - k)
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BoundaryWarning)
            for _ in range(n_boot):
                counts = rng.multinomial(total, w / w.sum()).astype(np.float64)
                keep = counts > 0
                sub = {name: v[keep] for name, v in stats.items()}
                sub["w"] = counts[keep]

                def func(theta: Array, sub: dict[str, Array] = sub) -> tuple[float, Array]:
                    return self._loglik(theta, sub)

                res = maximize(
                    func,
                    [self.theta_],
                    bounds=bounds,
                    scale=float(sub["w"].sum()),
                    penalizer=float(self.penalizer),
                    model=self._model_name,
                )
                rows.append(res.theta)
        theta = np.array(rows)
        theta[:, :k] = self._lower() + np.exp(theta[:, :k])
        draws = pd.DataFrame(theta, columns=self.params_.index)
        cache[(n_boot, seed)] = draws
        return draws.copy()

    def _interval(
        self,
        predict: Callable[[Any], Any],
        estimate: pd.Series,
        n_boot: int,
        level: float,
        seed: int,
    ) -> pd.DataFrame:
        """Percentile bootstrap interval of a prediction."""
        level = check_level(level)
        draws = self.bootstrap_params(n_boot, seed)
        k = len(self._param_names)
        values = []
        for row in draws.to_numpy():
            theta = row.copy()
            theta[:k] = np.log(theta[:k] - self._lower())
            values.append(np.asarray(predict(self._with_theta(theta)), dtype=np.float64))
        stacked = np.vstack(values)
        lo, hi = np.quantile(stacked, [0.5 - level / 2, 0.5 + level / 2], axis=0)
        return pd.DataFrame(
            {"estimate": estimate.to_numpy(), "lower": lo, "upper": hi}, index=estimate.index
        )


def starts_from(base: Sequence[float], factors: Sequence[Sequence[float]]) -> list[Array]:
    """Deterministic starting points: ``base`` and ``base`` scaled by each factor row."""
    logb = np.log(np.asarray(base, dtype=np.float64))
    out = [logb]
    out.extend(logb + np.log(np.asarray(f, dtype=np.float64)) for f in factors)
    return out


def need_customers(total: float, what: str) -> None:
    """Refuse to fit on fewer than two customers."""
    if total < 2:
        raise SchemaError(
            f"the {what} describes {total:g} customer(s); fitting a CLV model needs at least 2 "
            "(the population parameters describe how customers differ)"
        )
