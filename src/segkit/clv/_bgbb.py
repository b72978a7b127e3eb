"""BG/BB for discrete transaction opportunities (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, gammaln

from segkit._validation import check_fitted
from segkit.clv._base import (
    Array,
    _dask_fit,
    as_series,
    benign_underflow,
    need_customers,
    starts_from,
)
from segkit.clv._checks import renamed
from segkit.clv._continuous import NO_DROPOUT
from segkit.clv._data import compress, read_columns
from segkit.clv._likelihoods import _bgbb_rows
from segkit.clv._purchase import PurchaseModel
from segkit.errors import ParameterError

__all__ = ["BetaGeoBetaBinom"]


class BetaGeoBetaBinom(PurchaseModel):
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

    _discrete = True
    _design = (True, 0.0)

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _limit_flags(
        self, params: pd.Series, stats: dict[str, Array]
    ) -> list[tuple[tuple[str, ...], str]]:
        if params["gamma"] / (params["gamma"] + params["delta"]) < 1e-6:
            return [
                (
                    ("gamma", "delta"),
                    "the mean dropout probability tends to 0; " + NO_DROPOUT,
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
    @benign_underflow
    def fit(
        self,
        data: Any,
        *,
        x: str = "frequency",
        t_x: str = "recency",
        n: str = "periods",
        weights: str | npt.ArrayLike | None = None,
        frequency: str | None = None,
        recency: str | None = None,
        periods: str | None = None,
    ) -> BetaGeoBetaBinom:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            One row per customer or per group of identical customers.
        x, t_x, n : str
            Columns of ``x`` (repeat transactions), ``t_x`` (the opportunity of
            the last one, 0 if none) and ``n`` (number of repeat opportunities).
            The defaults are the columns of
            :func:`segkit.datasets.load_donations`.
        weights : str or array-like, optional
            Number of customers each row stands for.
        frequency, recency, periods : str, optional
            Deprecated names of ``x``, ``t_x`` and ``n`` (``recency`` is the
            time since the last purchase everywhere else in segkit).

        Returns
        -------
        self
        """
        self._check_params()
        owner = "BetaGeoBetaBinom.fit"
        cols = {
            "x": renamed(owner, "frequency", "x", frequency, x, "frequency"),
            "t_x": renamed(owner, "recency", "t_x", recency, t_x, "recency"),
            "n": renamed(owner, "periods", "n", periods, n, "periods"),
        }
        c = self._read(data, cols, weights)
        v = c.values
        total = float(c.weights.sum())
        need_customers(total, "data")
        uniq, w, _ = compress([v["x"], v["t_x"], v["n"]], c.weights)
        keep = w > 0
        stats = {"x": uniq[0][keep], "t_x": uniq[1][keep], "n": uniq[2][keep], "w": w[keep]}
        self.columns_ = cols
        self._record_unit(data)
        self._fit_stats(stats, total)
        return self

    def _parts(self, data: Any) -> tuple[pd.Index, Array, Array, Array, Array]:
        check_fitted(self, "params_")
        c = self._read(data)
        v = c.values
        al, be, ga, de = self.params_[list(self._param_names)].to_numpy()
        _, _, log_alive = _bgbb_rows(al, be, ga, de, v["x"], v["t_x"], v["n"])
        return c.index, v["x"], v["t_x"], v["n"], log_alive

    def _p_alive(self, data: Any, t: float) -> pd.Series:
        # t = 0 is [FHS10] eq. 11 (alive at the next opportunity). Given alive at
        # n, theta ~ Beta(gamma, delta + n), so surviving 1 + t more
        # opportunities has probability B(gamma, delta + n + 1 + t) / B(gamma, delta + n).
        index, _, _, n, log_alive = self._parts(data)
        ga, de = float(self.params_["gamma"]), float(self.params_["delta"])
        survive = betaln(ga, de + n + 1.0 + t) - betaln(ga, de + n)
        return as_series(np.exp(log_alive + survive), index, "p_alive")

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

    def _expected_purchases(self, data: Any, t: float) -> pd.Series:
        # transactions in the next t opportunities (n+1 .. n+t)
        index, x, _, n, log_alive = self._parts(data)
        value = self._expected_from(x, n, np.exp(log_alive), np.asarray(t))
        return as_series(value, index, "expected_purchases")

    def _expected_new(self, t: Array, data: Any) -> pd.Series:
        # a new customer's transactions in their first t repeat opportunities
        if data is not None:
            raise ParameterError(
                "BetaGeoBetaBinom has no covariates: call expected_purchases_new(t)"
            )
        return self._by_t(self._expected_from(np.zeros(1), np.zeros(1), np.ones(1), t), t)

    def _probability(self, data: Any, n: float, t: float) -> pd.Series:
        # Given alive after the customer's own opportunities, they survive m
        # more opportunities (m < t then drop out, or m = t) and transact a
        # beta-binomial number of times over them.
        kk, tt = n, int(t)
        index, x, _, n_opp, log_alive = self._parts(data)
        al, be, ga, de = self.params_[list(self._param_names)].to_numpy()
        ap, bp = al + x, be + n_opp - x
        lb_p = betaln(ap, bp)
        lb_t = betaln(ga, de + n_opp)
        m = np.arange(int(kk), tt + 1, dtype=np.float64)[:, None]  # opportunities survived
        log_m = np.where(
            m < tt,
            betaln(ga + 1.0, de + n_opp + m) - lb_t,  # survive m, drop before m+1
            betaln(ga, de + n_opp + tt) - lb_t,
        )
        log_k = (
            gammaln(m + 1.0)
            - gammaln(kk + 1.0)
            - gammaln(m - kk + 1.0)
            + betaln(ap + kk, bp + m - kk)
            - lb_p
        )
        total = np.exp(log_m + log_k).sum(axis=0)
        alive = np.exp(log_alive)
        value = alive * total + (1.0 - alive) * (kk == 0)
        return as_series(value, index, f"P(X={int(kk)})")

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
        """Draw synthetic customers over ``T`` repeat opportunities each.

        Parameters
        ----------
        n_customers : int
        T : int or array-like of length ``n_customers``
            Repeat transaction opportunities observed (the ``n`` of the model).
        params : mapping, optional
        seed : int, optional
        periods : int, optional
            Deprecated name of ``T``.

        Returns
        -------
        DataFrame
            Columns ``frequency``, ``recency``, ``periods`` and ``alive``:
            whether the customer is still active at opportunity
            ``periods + 1``, the event whose probability :meth:`p_alive` gives
            ([FHS10] eq. 11).
        """
        return self._simulate_periods(n_customers, T, periods, params, seed)

    def _draw(self, params: dict[str, float], T: Array, rng: np.random.Generator) -> pd.DataFrame:
        size = T.size
        p = rng.beta(params["alpha"], params["beta"], size)
        th = rng.beta(params["gamma"], params["delta"], size)
        # dropout happens at the start of an opportunity: the number of
        # opportunities survived is geometric
        lifetime = rng.geometric(np.clip(th, 1e-300, 1.0)) - 1
        survived = np.minimum(lifetime, T)
        freq = np.zeros(size)
        rec = np.zeros(size)
        for i in range(1, int(T.max(initial=0.0)) + 1):
            buy = (i <= survived) & (rng.random(size) < p)
            freq += buy
            rec = np.where(buy, float(i), rec)
        return pd.DataFrame(
            {"frequency": freq, "recency": rec, "periods": T, "alive": lifetime >= T + 1}
        )
