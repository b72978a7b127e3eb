"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator

from segkit._validation import check_fitted
from segkit.clv._base import benign_underflow
from segkit.clv._mle import LOG_BOUND, maximize
from segkit.clv._pareto import ParetoNBD
from segkit.clv._pareto_binomial import log_exprel
from segkit.clv._pareto_dynamic_likelihood import (
    Paths,
    clock,
    clock_at,
    dynamic_log_likelihood,
    dynamic_rows,
    invert_clock,
)
from segkit.errors import ParameterError, SchemaError

__all__ = ["ParetoNBDDynamic"]

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


def _numeric(frame: pd.DataFrame, column: str, what: str) -> Array:
    if column not in frame.columns:
        raise SchemaError(
            f"{what} has no column {column!r}; its columns are {sorted(map(str, frame.columns))}"
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise SchemaError(
            f"column {column!r} of {what} must hold finite numbers; row {frame.index[bad[0]]!r} "
            f"holds {frame[column].iloc[bad[0]]!r}"
        )
    return values


def _customers(data: Any) -> tuple[pd.DataFrame, Array, Array, Array]:
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise SchemaError("data must be a non-empty DataFrame with one row per customer")
    if not data.index.is_unique:
        raise SchemaError("data's index must name each customer once")
    x = _numeric(data, "x", "data")
    t_x = _numeric(data, "t_x", "data")
    T = _numeric(data, "T", "data")
    for name, bad in [
        ("x", (x < 0) | (x != np.round(x))),
        ("t_x", (t_x < 0) | (t_x > T) | ((x == 0) & (t_x > 0))),
        ("T", T <= 0),
    ]:
        pos = np.flatnonzero(bad)
        if pos.size:
            raise SchemaError(
                f"column {name!r} of data is invalid for customer {data.index[pos[0]]!r} "
                f"(x={x[pos[0]]:g}, t_x={t_x[pos[0]]:g}, T={T[pos[0]]:g}): x must be a "
                "count, 0 <= t_x <= T with t_x = 0 where x = 0, and T > 0"
            )
    return data, x, t_x, T


def _covariate_rows(
    covariates: Any, index: pd.Index, names: list[str], customer: str, start: str
) -> tuple[Index, Array, Array]:
    """``(owner, start, z)`` of the covariate periods, sorted by customer then start."""
    if not isinstance(covariates, pd.DataFrame):
        raise SchemaError("covariates must be a DataFrame with one row per customer and period")
    if customer not in covariates.columns:
        raise SchemaError(
            f"covariates has no column {customer!r} (the customer id); its columns are "
            f"{sorted(map(str, covariates.columns))}"
        )
    begin = _numeric(covariates, start, "covariates")
    z = np.column_stack([_numeric(covariates, c, "covariates") for c in names])
    owner = index.get_indexer(pd.Index(covariates[customer]))
    unknown = np.flatnonzero(owner < 0)
    if unknown.size:
        raise SchemaError(
            f"covariates row {covariates.index[unknown[0]]!r} names customer "
            f"{covariates[customer].iloc[unknown[0]]!r}, who is not in data"
        )
    order = np.lexsort((begin, owner))
    owner, begin, z = owner[order], begin[order], z[order]
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    missing = np.setdiff1d(np.arange(len(index)), owner[firsts])
    if missing.size:
        raise SchemaError(
            f"customer {index[missing[0]]!r} has no rows in covariates: give every customer "
            f"its covariates from {start!r} = 0 (the first purchase)"
        )
    late = np.flatnonzero(begin[firsts] != 0.0)
    if late.size:
        raise SchemaError(
            f"the covariates of customer {index[owner[firsts[late[0]]]]!r} start at "
            f"{start!r} = {begin[firsts[late[0]]]:g}; they must start at 0 (the first purchase)"
        )
    dup = np.flatnonzero((owner[1:] == owner[:-1]) & (begin[1:] == begin[:-1]))
    if dup.size:
        raise SchemaError(
            f"customer {index[owner[dup[0]]]!r} has two covariate rows with {start!r} = "
            f"{begin[dup[0]]:g}"
        )
    return owner.astype(np.intp), begin, z


def _ends(owner: Index, begin: Array) -> Array:
    """Each period lasts until the next one of the same customer (the last one, forever)."""
    end = np.full(begin.size, np.inf)
    same = owner[1:] == owner[:-1]
    end[:-1][same] = begin[1:][same]
    return end


def build_paths(
    x: Array,
    t_x: Array,
    T: Array,
    owner: Index,
    begin: Array,
    z: Array,
    purchase_z: Array,
) -> Paths:
    """The periods inside ``[0, T]`` and the pieces of ``[t_x, T]`` (see :class:`Paths`).

    Consecutive periods of a customer with the same covariate values are merged
    first: the clocks run at one rate across them, so the likelihood is the
    same and there are fewer pieces to integrate.
    """
    repeat = (owner[1:] == owner[:-1]) & np.all(z[1:] == z[:-1], axis=1)
    merged = np.r_[True, ~repeat]
    owner, begin, z = owner[merged], begin[merged], z[merged]
    end = _ends(owner, begin)
    keep = begin < T[owner]
    owner, begin, end, z = owner[keep], begin[keep], end[keep], z[keep]
    stop = np.minimum(end, T[owner])
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    lo = t_x[owner]
    seg = np.flatnonzero(stop > lo)
    seg_start = np.maximum(begin[seg], lo[seg])
    return Paths(
        x=x,
        t_x=t_x,
        T=T,
        w=np.ones(x.size),
        owner=owner,
        first=first.astype(np.intp),
        start=begin,
        length=stop - begin,
        z=z,
        seg_row=seg.astype(np.intp),
        seg_offset=seg_start - begin[seg],
        seg_length=stop[seg] - seg_start,
        purchase_z=purchase_z,
    )


class ParetoNBDDynamic(BaseEstimator):  # type: ignore[misc]
    """Pareto/NBD with time-varying covariates (Bachmann, Meierer & Näf 2021).

    While alive, customer ``i`` buys at rate ``λ_i exp(γ_purchaseᵀ z_i(t))`` and
    drops out at hazard ``μ_i exp(γ_dropoutᵀ z_i(t))``, with ``λ ~ Gamma(r, α)``
    and ``μ ~ Gamma(s, β)``; ``z_i(t)`` changes from period to period (a
    marketing contact in a week, a season). Positive coefficients raise the
    purchase rate and the dropout hazard respectively. With every covariate 0
    this is the Pareto/NBD.

    Parameters
    ----------
    purchase_covariates, dropout_covariates : list of str, optional
        Columns of the covariates table that act on the purchase process and
        on the dropout process (a column may act on both).
    penalizer : float, default 0
        L2 penalty on the log-parameters and the coefficients.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``s``, ``beta``, then ``purchase:<column>`` and
        ``dropout:<column>`` coefficients.
    standard_errors_ : Series
        From the observed information (NaN where not available).
    log_likelihood_ : float

    Notes
    -----
    Time is measured from each customer's first purchase, in the unit of
    ``t_x`` and ``T``. The covariates table has one row per customer and
    period: the customer id, ``start`` (when the values begin to hold, the
    first at 0) and the covariate columns; each row holds until the
    customer's next row, the last one for ever. Predictions over
    ``(T, T + t]`` use the rows after ``T``: the future covariate values.

    References
    ----------
    Bachmann, P., Meierer, M. and Näf, J. (2021). The role of time-varying
    contextual factors in latent attrition models for customer base
    analysis. Marketing Science 40(4), 783-809.
    """

    def __init__(
        self,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        penalizer: float = 0.0,
    ) -> None:
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates
        self.penalizer = penalizer

    # ---- helpers ---------------------------------------------------------------
    def _names(self) -> tuple[list[str], list[str]]:
        out: list[list[str]] = []
        for label, value in [
            ("purchase_covariates", self.purchase_covariates),
            ("dropout_covariates", self.dropout_covariates),
        ]:
            if value is None:
                out.append([])
            elif isinstance(value, str) or not all(isinstance(c, str) for c in value):
                raise ParameterError(
                    f"the {label!r} parameter of ParetoNBDDynamic must be a list of column "
                    f"names; got {value!r}"
                )
            else:
                out.append(list(value))
        return out[0], out[1]

    def _paths(
        self,
        data: Any,
        covariates: Any,
        repeat_purchases: Any,
        customer: str,
        start: str,
        time: str,
    ) -> tuple[pd.Index, Paths, Index, Array, Array]:
        frame, x, t_x, T = _customers(data)
        p_names, d_names = self._names()
        names = p_names + d_names
        owner, begin, z = _covariate_rows(covariates, frame.index, names, customer, start)
        purchase_z = np.zeros((x.size, z.shape[1]))
        if repeat_purchases is not None:
            purchase_z = self._purchase_sums(
                frame.index, x, t_x, owner, begin, z, repeat_purchases, customer, time
            )
        paths = build_paths(x, t_x, T, owner, begin, z, purchase_z)
        return frame.index, paths, owner, begin, z

    @staticmethod
    def _purchase_sums(
        index: pd.Index,
        x: Array,
        t_x: Array,
        owner: Index,
        begin: Array,
        z: Array,
        purchases: Any,
        customer: str,
        time: str,
    ) -> Array:
        """Each customer's sum of covariate values at their repeat purchases."""
        if not isinstance(purchases, pd.DataFrame) or customer not in purchases.columns:
            raise SchemaError(
                f"repeat_purchases must be a DataFrame with the columns {customer!r} and {time!r}"
            )
        when = _numeric(purchases, time, "repeat_purchases")
        who = index.get_indexer(pd.Index(purchases[customer]))
        stranger = np.flatnonzero(who < 0)
        if stranger.size:
            raise SchemaError(
                f"repeat_purchases row {purchases.index[stranger[0]]!r} names customer "
                f"{purchases[customer].iloc[stranger[0]]!r}, who is not in data"
            )
        counts = np.bincount(who, minlength=index.size)
        wrong = np.flatnonzero(counts != x)
        if wrong.size:
            raise SchemaError(
                f"repeat_purchases must list each customer's x repeat purchases; customer "
                f"{index[wrong[0]]!r} has {counts[wrong[0]]} there and x = {x[wrong[0]]:g}"
            )
        latest = np.full(index.size, 0.0)
        np.maximum.at(latest, who, when)
        off = np.flatnonzero(np.abs(latest - t_x) > 1e-9 * np.maximum(1.0, t_x))
        if off.size:
            raise SchemaError(
                f"the last repeat purchase of customer {index[off[0]]!r} is at "
                f"{latest[off[0]]:g}, but its t_x is {t_x[off[0]]:g}"
            )
        # the period of each purchase: the last row of its customer starting at or before it
        key_rows = (
            owner.astype(np.float64) * (float(begin.max()) + float(when.max()) + 2.0) + begin
        )
        key_buys = who.astype(np.float64) * (float(begin.max()) + float(when.max()) + 2.0) + when
        row = np.searchsorted(key_rows, key_buys, side="right") - 1
        out = np.zeros((index.size, z.shape[1]))
        np.add.at(out, who, z[row])
        return out

    def _theta_names(self) -> list[str]:
        p_names, d_names = self._names()
        return (
            ["r", "alpha", "s", "beta"]
            + [f"purchase:{c}" for c in p_names]
            + [f"dropout:{c}" for c in d_names]
        )

    # ---- fit -------------------------------------------------------------------
    @benign_underflow
    def fit(
        self,
        data: Any,
        *,
        covariates: Any,
        repeat_purchases: Any,
        customer: str = "customer",
        start: str = "start",
        time: str = "t",
    ) -> ParetoNBDDynamic:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            One row per customer, indexed by customer id, with ``x``, ``t_x``
            and ``T`` (as from :func:`segkit.summarize`).
        covariates : DataFrame
            One row per customer and period: ``customer``, ``start`` and the
            covariate columns (see the class notes).
        repeat_purchases : DataFrame
            The times of every customer's repeat purchases (``customer``,
            ``time``), ``x`` of them for each customer, the last at ``t_x``:
            the purchase process's likelihood needs the covariates in force
            when each purchase was made.
        customer, start, time : str
            Column names in ``covariates`` and ``repeat_purchases``.

        Returns
        -------
        self
        """
        p_names, _ = self._names()
        index, paths, _, _, _ = self._paths(
            data, covariates, repeat_purchases, customer, start, time
        )
        if not (paths.x > 0).any():
            raise SchemaError("column 'x' is 0 for every customer: nothing to fit")
        m_p = len(p_names)
        names = self._theta_names()
        base = ParetoNBD().fit(
            pd.DataFrame({"x": paths.x, "t_x": paths.t_x, "T": paths.T}),
        )
        start0 = np.concatenate([np.log(base.params_.to_numpy()), np.zeros(len(names) - 4)])
        bounds = [(-LOG_BOUND, LOG_BOUND)] * 4 + [(-50.0, 50.0)] * (len(names) - 4)
        result = maximize(
            lambda theta: dynamic_log_likelihood(theta, paths, m_p),
            [start0],
            bounds=bounds,
            scale=float(index.size),
            penalizer=float(self.penalizer),
            model="Pareto/NBD with time-varying covariates",
        )
        theta = result.theta
        self.theta_ = theta
        self.params_ = pd.Series(
            np.concatenate([np.exp(theta[:4]), theta[4:]]), index=names, name="estimate"
        )
        se = np.full(theta.size, np.nan)
        free = np.array([i not in result.at_bound for i in range(theta.size)])
        if free.any():
            try:
                cov = np.linalg.inv(-result.hessian[np.ix_(free, free)])
                se[free] = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
            except np.linalg.LinAlgError:
                pass
        se[:4] *= np.exp(theta[:4])
        self.standard_errors_ = pd.Series(se, index=names, name="standard_error")
        self.log_likelihood_ = result.log_likelihood
        self.n_customers_ = int(index.size)
        self.columns_ = {"customer": customer, "start": start, "time": time}
        return self

    @classmethod
    def from_params(cls, params: Mapping[str, float], **kwargs: Any) -> ParetoNBDDynamic:
        """A model with given parameters (``r``, ``alpha``, ``s``, ``beta`` and the
        coefficients named as in :attr:`params_`), without fitting."""
        model = cls(**kwargs)
        names = model._theta_names()
        missing = [n for n in names if n not in params]
        if missing:
            raise ParameterError(f"params lacks {missing}; expected the keys {names}")
        values = np.array([float(params[n]) for n in names])
        if not np.all(values[:4] > 0):
            raise ParameterError("r, alpha, s and beta must be positive")
        model.theta_ = np.concatenate([np.log(values[:4]), values[4:]])
        model.params_ = pd.Series(values, index=names, name="estimate")
        model.columns_ = {"customer": "customer", "start": "start", "time": "t"}
        return model

    # ---- predictions -------------------------------------------------------------
    def _state(
        self, data: Any, covariates: Any
    ) -> tuple[pd.Index, Paths, Array, dict[str, Array]]:
        check_fitted(self, "params_")
        cols = self.columns_
        index, paths, _, _, _ = self._paths(
            data, covariates, None, cols["customer"], cols["start"], cols["time"]
        )
        m_p = len(self._names()[0])
        _, _, log_alive, clocks = dynamic_rows(self.theta_, paths, m_p)
        return index, paths, log_alive, clocks

    @benign_underflow
    def p_alive(self, data: Any, *, covariates: Any) -> pd.Series:
        """Probability that each customer is alive at ``T``.

        Parameters
        ----------
        data : DataFrame
            Customers (``x``, ``t_x``, ``T``), indexed by customer id.
        covariates : DataFrame
            Their covariate periods up to ``T`` at least.

        Returns
        -------
        Series aligned on ``data.index``
        """
        index, _, log_alive, _ = self._state(data, covariates)
        return pd.Series(np.exp(log_alive), index=index, name="p_alive")

    @benign_underflow
    def expected_purchases(self, data: Any, t: float, *, covariates: Any) -> pd.Series:
        """Expected number of purchases in ``(T, T + t]`` given the history and the
        future covariate values.

        Given alive at ``T``, ``λ ~ Gamma(r + x, α + A(T))`` and
        ``μ ~ Gamma(s, β + B(T))``; the expected purchases are
        ``E[λ] ∫_T^{T+t} a(u) ((β + B(T)) / (β + B(u)))^s du``, integrated in
        closed form period by period, times P(alive at T).

        Parameters
        ----------
        data : DataFrame
        t : float
            Length of the period, in the unit of ``T`` (> 0).
        covariates : DataFrame
            The covariate periods of the customers, including those after
            ``T`` (the last row of a customer holds for ever).

        Returns
        -------
        Series aligned on ``data.index``
        """
        tt = float(t)
        if not np.isfinite(tt) or tt <= 0:
            raise ParameterError(f"t must be a positive number; got {t!r}")
        index, paths, log_alive, clocks = self._state(data, covariates)
        cols = self.columns_
        p_names, d_names = self._names()
        owner, begin, z = _covariate_rows(
            covariates, index, p_names + d_names, cols["customer"], cols["start"]
        )
        m_p = len(p_names)
        theta = self.theta_
        r, alpha, s, beta = np.exp(theta[:4])
        a = np.exp(z[:, :m_p] @ theta[4 : 4 + m_p])
        b = np.exp(z[:, m_p:] @ theta[4 + m_p :])
        T = paths.T
        end = _ends(owner, begin)
        lo = np.maximum(begin, T[owner])
        hi = np.minimum(end, T[owner] + tt)
        seg = np.flatnonzero(hi > lo)
        who, length = owner[seg], hi[seg] - lo[seg]
        a_k, b_k = a[seg], b[seg]
        inc = b_k * length
        run = np.cumsum(inc)
        before = run - inc
        firsts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
        counts = np.diff(np.r_[firsts, who.size])
        before = before - np.repeat(before[firsts], counts)  # B(u_k) - B(T) within a customer
        q_T = beta + clocks["B_T"]
        c = q_T[who] + before
        big_l = np.log1p(inc / c)
        # a_k / b_k (q_T / c)^s c L exprel((1 - s) L): the period's share of the integral
        part = (a_k / b_k) * np.exp(
            s * (np.log(q_T[who]) - np.log(c))
            + np.log(c)
            + np.log(big_l)
            + log_exprel((1.0 - s) * big_l)
        )
        integral = np.bincount(who, weights=part, minlength=index.size)
        rate = (r + paths.x) / (alpha + clocks["A_T"])
        value = np.exp(log_alive) * rate * integral
        return pd.Series(value, index=index, name="expected_purchases")

    # ---- simulation --------------------------------------------------------------
    def simulate(
        self,
        T: Any,
        *,
        covariates: Any,
        params: Mapping[str, float] | None = None,
        seed: int | None = 0,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Draw customers from the model, given their covariate paths.

        Parameters
        ----------
        T : Series
            Observation period of each customer (time since the first
            purchase), indexed by customer id.
        covariates : DataFrame
            Covariate periods of those customers (as for :meth:`fit`).
        params : mapping, optional
            Parameters named as in :attr:`params_`; defaults to the fitted ones.
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        (customers, repeat_purchases)
            ``customers`` has ``x``, ``t_x``, ``T`` and ``alive`` (alive at
            ``T``), indexed like ``T``; ``repeat_purchases`` has one row per
            repeat purchase (``customer``, ``t``), ready for :meth:`fit`.
        """
        if not isinstance(T, pd.Series):
            raise ParameterError("T must be a Series of observation periods indexed by customer")
        horizon = _numeric(T.to_frame("T"), "T", "T")
        if (horizon <= 0).any():
            raise ParameterError("every T must be positive")
        if params is None:
            check_fitted(self, "params_")
            theta = self.theta_
        else:
            theta = (
                type(self)
                .from_params(
                    params,
                    purchase_covariates=self.purchase_covariates,
                    dropout_covariates=self.dropout_covariates,
                )
                .theta_
            )
        p_names, d_names = self._names()
        m_p = len(p_names)
        cols = getattr(self, "columns_", {"customer": "customer", "start": "start"})
        index = T.index
        owner, begin, z = _covariate_rows(
            covariates, index, p_names + d_names, cols["customer"], cols["start"]
        )
        n = index.size
        zeros = np.zeros(n)
        paths = build_paths(zeros, zeros, horizon, owner, begin, z, np.zeros((n, z.shape[1])))
        start_k = paths.start
        r, alpha, s, beta = np.exp(theta[:4])
        a = np.exp(paths.z[:, :m_p] @ theta[4 : 4 + m_p])
        b = np.exp(paths.z[:, m_p:] @ theta[4 + m_p :])
        rng = np.random.default_rng(seed)
        lam = rng.gamma(r, 1.0 / alpha, n)
        mu = rng.gamma(s, 1.0 / beta, n)
        need = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)  # dropout on the B clock
        _, b_T = clock(b, paths)
        alive = need > b_T
        life = np.where(alive, horizon, invert_clock(b, paths, start_k, np.minimum(need, b_T)))
        a_life = clock_at(a, paths, start_k, life)
        count = rng.poisson(lam * a_life)
        who = np.repeat(np.arange(n), count)
        when = invert_clock(a, paths, start_k, rng.uniform(size=who.size) * a_life[who], owner=who)
        t_x = np.zeros(n)
        np.maximum.at(t_x, who, when)
        customers = pd.DataFrame(
            {"x": count.astype(np.float64), "t_x": t_x, "T": horizon, "alive": alive},
            index=index,
        )
        purchases = pd.DataFrame({cols["customer"]: index[who], "t": when})
        return customers, purchases
