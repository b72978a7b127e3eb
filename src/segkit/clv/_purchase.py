"""The one method shape of the purchase models: data first, the same options everywhere.

Every purchase model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, MBG/CNBD-k)
predicts through the same four public methods, defined once here::

    p_alive(data, t=0, *, n_boot=0, level=0.95, seed=0)
    expected_purchases(data, t, *, n_boot=0, level=0.95, seed=0)
    probability_of_purchases(data, n, t, *, n_boot=0, level=0.95, seed=0)
    expected_purchases_new(t, data=None, *, n_boot=0, level=0.95, seed=0)

like scikit-learn's ``predict(X)`` / ``predict_proba(X)``. The arguments are
checked here, in one place; a model provides the computations (``_p_alive``,
``_expected_purchases``, ``_probability``, ``_expected_new``) on checked
arguments. Per-customer results are Series aligned on ``data.index``
(DataFrames ``estimate``, ``lower``, ``upper`` with ``n_boot > 0``).
"""

from __future__ import annotations

import functools
import numbers
import warnings
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

from segkit._validation import NONE, Constraint, Satisfies
from segkit.clv._base import (
    Array,
    FittedModel,
    _dask_predict,
    benign_underflow,
)
from segkit.clv._checks import check_horizon
from segkit.clv._matrices import history_grid, to_matrix
from segkit.clv._units import check_data_unit, fitted_unit, is_unit
from segkit.errors import ParameterError

__all__ = ["PurchaseModel", "data_first"]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _numeric(value: Any) -> bool:
    """Whether ``value`` is a number or a list/array of numbers (not customer data)."""
    if isinstance(value, numbers.Number | np.ndarray | np.generic):
        return True
    return isinstance(value, list | tuple) and all(isinstance(v, numbers.Number) for v in value)


def data_first(method: _Method) -> _Method:
    """Accept the old call shape ``method(t, data)`` / ``method(n, t, data)`` for one release.

    segkit 0.2 took the data last; a call whose first argument is a number
    and whose data comes last (or as ``data=``) is reordered, with a
    :class:`DeprecationWarning`.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if args and _numeric(args[0]):
            if "data" in kwargs:
                args = (kwargs.pop("data"), *args)
            elif len(args) > 1 and not _numeric(args[-1]):
                args = (args[-1], *args[:-1])
            else:
                return method(self, *args, **kwargs)
            name = method.__name__
            rest = ", t" if name != "probability_of_purchases" else ", n, t"
            warnings.warn(
                f"{type(self).__name__}.{name}: the data now come first, "
                f"{name}(data{rest}); the old order (data last) will be removed in the next "
                "release",
                DeprecationWarning,
                stacklevel=2,
            )
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: the ``unit`` option of the continuous-time models (their constraint tables add it)
UNIT: list[Constraint] = [NONE, Satisfies(is_unit, "'D', 'W', 'M' or a number of days > 0")]


class PurchaseModel(FittedModel):
    """Base of the purchase models: the public prediction methods and their checks.

    The continuous-time models take a ``unit`` option and record the unit
    they were fitted in as ``unit_`` (days per model time unit, None when
    unknown; see :mod:`segkit.clv._units`).
    """

    #: transaction opportunities are counted (BG/BB): horizons are whole numbers
    _discrete: ClassVar[bool] = False

    # ---- the time unit ----------------------------------------------------
    def _record_unit(self, data: Any) -> None:
        """Set ``unit_`` at fit: the ``unit`` option or the data's mark (they must agree)."""
        self.unit_ = None if self._discrete else fitted_unit(self, data)

    @classmethod
    def from_params(cls, params: Any, **options: Any) -> Any:
        """An estimator that uses the given parameters as if it had been fitted.

        As :meth:`FittedModel.from_params <segkit.clv._base.FittedModel.from_params>`;
        ``unit=`` (a constructor option) says which time unit the parameters
        are in, e.g. ``ParetoNBD.from_params(published, unit="W")``.
        """
        model = super().from_params(params, **options)
        if not cls._discrete:
            model._check_params()
        model._record_unit(None)
        return model

    # ---- provided by each model, on checked arguments ---------------------
    @abstractmethod
    def _p_alive(self, data: Any, t: float) -> pd.Series:
        """P(alive at ``T + t``) per customer."""

    @abstractmethod
    def _expected_purchases(self, data: Any, t: float) -> pd.Series:
        """Expected purchases in ``(T, T + t]`` per customer."""

    @abstractmethod
    def _probability(self, data: Any, n: float, t: float) -> pd.Series:
        """P(exactly ``n`` purchases in ``(T, T + t]``) per customer."""

    @abstractmethod
    def _expected_new(self, t: Array, data: Any) -> pd.Series:
        """Expected purchases of a new customer in ``(0, t]``: indexed by ``t`` (1-D),
        or by ``data``'s customers (covariates, one ``t``)."""

    # ---- argument checks ------------------------------------------------
    def _horizon(self, t: Any, name: str = "t") -> float:
        arr = check_horizon(t, name, whole=self._discrete)
        if arr.ndim:
            raise ParameterError(f"{name} must be a single number; got {t!r}")
        return float(arr)

    # ---- the public shape -------------------------------------------------
    @_dask_predict
    @benign_underflow
    def p_alive(
        self, data: Any, t: Any = 0, *, n_boot: int = 0, level: float = 0.95, seed: int = 0
    ) -> Any:
        """Probability that each customer is still active ``t`` after the end of their history.

        Parameters
        ----------
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        t : float, default 0
            Time after the end of the observation (for BG/BB, opportunities
            after the next one); 0 gives P(alive) now.
        n_boot : int, default 0
            With ``n_boot > 0``, also a percentile bootstrap interval from
            ``n_boot`` refits on resampled customers (see ``bootstrap_params``).
        level : float, default 0.95
            Coverage of the bootstrap interval.
        seed : int, default 0
            Seed of the bootstrap.

        Returns
        -------
        Series aligned on ``data.index`` (DataFrame with ``estimate``,
        ``lower``, ``upper`` when ``n_boot > 0``)
        """
        tt = self._horizon(t)
        check_data_unit(self, data)
        return self._predict(lambda m: m._p_alive(data, tt), n_boot, level, seed)

    @data_first
    @_dask_predict
    @benign_underflow
    def expected_purchases(
        self, data: Any, t: Any, *, n_boot: int = 0, level: float = 0.95, seed: int = 0
    ) -> Any:
        """Expected number of purchases in ``(T, T + t]`` given each customer's history.

        Parameters
        ----------
        data : DataFrame
            Customers with the columns used in :meth:`fit`.
        t : float
            Length of the prediction period, in the unit of the fit (BG/BB:
            the next ``t`` opportunities).
        n_boot, level, seed
            Bootstrap interval, as in :meth:`p_alive`.

        Returns
        -------
        Series, or DataFrame with ``estimate``, ``lower``, ``upper`` when ``n_boot > 0``
        """
        tt = self._horizon(t)
        check_data_unit(self, data)
        return self._predict(lambda m: m._expected_purchases(data, tt), n_boot, level, seed)

    @data_first
    @_dask_predict
    @benign_underflow
    def probability_of_purchases(
        self,
        data: Any,
        n: Any,
        t: Any,
        *,
        n_boot: int = 0,
        level: float = 0.95,
        seed: int = 0,
    ) -> Any:
        """Probability of exactly ``n`` purchases in ``(T, T + t]`` given the history.

        Parameters
        ----------
        data : DataFrame
        n : int
            Number of purchases (a whole number >= 0).
        t : float
            Length of the period.
        n_boot, level, seed
            Bootstrap interval, as in :meth:`p_alive`.

        Returns
        -------
        Series aligned on ``data.index``, named ``P(X=n)``.
        """
        nn = np.asarray(n, dtype=np.float64) if _numeric(n) else np.array(np.nan)
        if nn.ndim or not np.isfinite(nn) or nn < 0 or nn != np.floor(nn):
            raise ParameterError(f"n must be a whole number >= 0; got {n!r}")
        tt = self._horizon(t)
        check_data_unit(self, data)
        return self._predict(lambda m: m._probability(data, float(nn), tt), n_boot, level, seed)

    @benign_underflow
    def expected_purchases_new(
        self, t: Any, data: Any = None, *, n_boot: int = 0, level: float = 0.95, seed: int = 0
    ) -> Any:
        """Expected number of purchases of a new customer in ``(0, t]``.

        Vectorised over ``t``: the model is evaluated once for all values.

        Parameters
        ----------
        t : float or 1-D array-like
            Lengths of time since the first purchase.
        data : DataFrame, optional
            Only with covariates: the covariate values of the new customers
            (then ``t`` is one number).
        n_boot, level, seed
            Bootstrap interval, as in :meth:`p_alive`.

        Returns
        -------
        float for one ``t``; Series indexed by ``t`` for several (by
        customer with covariates); DataFrame ``estimate``, ``lower``,
        ``upper`` when ``n_boot > 0``.
        """
        tt = check_horizon(t, whole=self._discrete)
        if tt.ndim > 1:
            raise ParameterError(f"t must be one number or a 1-D list of numbers; got {t!r}")
        flat = np.atleast_1d(tt)
        out = self._predict(lambda m: m._expected_new(flat, data), n_boot, level, seed)
        if tt.ndim == 0 and data is None and not n_boot:
            return float(out.iloc[0])
        return out

    # ---- matrices over histories -------------------------------------------
    def frequency_recency_matrix(
        self, t: Any = 1.0, *, T: Any = None, max_x: Any = None
    ) -> pd.DataFrame:
        """Expected purchases in the next ``t`` for every history of customers of age ``T``.

        Parameters
        ----------
        t : float, default 1
            Prediction horizon, in the model's time unit (BG/BB: opportunities).
        T : float, optional
            The customers' age (BG/BB: ``n``, the opportunities so far);
            defaults to the largest in the fitted data.
        max_x : int, optional
            Largest frequency shown; defaults to the 99th percentile of ``x``
            in the fitted data.

        Returns
        -------
        DataFrame
            Index ``t_x`` (recency: 41 points from 0 to ``T``; BG/BB each
            opportunity), columns ``x`` (frequency 0 .. ``max_x``); NaN where
            the history is impossible (``x = 0`` with ``t_x > 0``).
            :func:`segkit.clv.plotting.plot_frequency_recency_matrix` draws it.
        """
        tt = self._horizon(t)
        grid, recency, frequency = history_grid(self, T, max_x, discrete=self._discrete)
        values = self._expected_purchases(grid, tt)
        return to_matrix(values, grid, self, recency, frequency)

    def p_alive_matrix(self, *, T: Any = None, max_x: Any = None) -> pd.DataFrame:
        """P(alive) for every history of customers of age ``T``.

        Parameters and result as :meth:`frequency_recency_matrix` (without
        ``t``); :func:`segkit.clv.plotting.plot_p_alive_matrix` draws it.
        """
        grid, recency, frequency = history_grid(self, T, max_x, discrete=self._discrete)
        return to_matrix(self._p_alive(grid, 0.0), grid, self, recency, frequency)

    @staticmethod
    def _by_t(values: Any, t: Array) -> pd.Series:
        """Results indexed by the horizons ``t``."""
        return pd.Series(
            np.asarray(values, dtype=np.float64),
            index=pd.Index(t, name="t"),
            name="expected_purchases_new",
        )
