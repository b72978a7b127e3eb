"""Predictions over a grid of histories: the frequency/recency and P(alive) matrices.

A matrix holds one prediction for every history ``(x, t_x)`` of customers of
one age ``T`` (BG/BB: ``n`` opportunities): rows are the recency ``t_x`` (the
time of the last repeat purchase), columns the frequency ``x``. Histories
that cannot happen (``x = 0`` with ``t_x > 0``; for BG/BB also ``x > t_x``)
are NaN. :mod:`segkit.clv.plotting` draws these frames.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import check_fitted
from segkit.errors import ParameterError

__all__ = ["history_grid", "to_matrix"]

#: recency values of a continuous-time grid (0 .. T)
RECENCY_POINTS = 41


def _defaults(model: Any, age: str, T: Any, max_x: Any) -> tuple[float, int]:
    stats = getattr(model, "_stats", None)
    if T is None:
        if stats is None:
            raise ParameterError(
                "give T (the customers' age): the model was not fitted on data (from_params)"
            )
        T = float(stats[age].max())
    if max_x is None:
        if stats is None:
            raise ParameterError(
                "give max_x (the largest frequency shown): the model was not fitted on data"
            )
        order = np.argsort(stats["x"])
        cum = np.cumsum(stats["w"][order])
        max_x = int(stats["x"][order][np.searchsorted(cum, 0.99 * cum[-1])])
    if isinstance(T, bool) or not isinstance(T, int | float | np.integer | np.floating):
        raise ParameterError(f"T must be a number > 0; got {T!r}")
    if not (np.isfinite(T) and T > 0):
        raise ParameterError(f"T must be a number > 0; got {T!r}")
    if isinstance(max_x, bool) or not isinstance(max_x, int | np.integer) or max_x < 1:
        raise ParameterError(f"max_x must be an int >= 1; got {max_x!r}")
    return float(T), int(max_x)


def history_grid(
    model: Any, T: Any, max_x: Any, *, discrete: bool
) -> tuple[pd.DataFrame, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Every possible history of customers of age ``T`` with at most ``max_x`` repeat purchases.

    Returns the histories as a frame with the model's columns, and the
    recency and frequency values of the matrix.
    """
    check_fitted(model, "params_")
    if getattr(model, "covariates", None):
        raise ParameterError("the matrices are for models without covariates")
    cols = model.columns_
    age = "n" if discrete else "T"
    T, max_x = _defaults(model, age, T, max_x)
    if discrete:
        if np.floor(T) != T:
            raise ParameterError(f"T must be a whole number of opportunities; got {T!r}")
        max_x = min(max_x, int(T))
        recency = np.arange(int(T) + 1, dtype=np.float64)
    else:
        recency = np.linspace(0.0, T, RECENCY_POINTS)
    frequency = np.arange(max_x + 1, dtype=np.float64)
    tt, xx = np.meshgrid(recency, frequency, indexing="ij")
    possible = (xx > 0) | (tt == 0)
    if discrete:
        possible &= (xx <= tt) & ((xx > 0) == (tt > 0))
    grid = pd.DataFrame({cols["x"]: xx[possible], cols["t_x"]: tt[possible], cols[age]: T})
    return grid, recency, frequency


def to_matrix(
    values: pd.Series, grid: pd.DataFrame, model: Any, recency: Any, frequency: Any
) -> pd.DataFrame:
    """Predictions on ``grid`` as a recency x frequency frame (NaN where impossible)."""
    cols = model.columns_
    rows = np.searchsorted(recency, grid[cols["t_x"]].to_numpy())
    columns = grid[cols["x"]].to_numpy().astype(np.intp)
    out = np.full((len(recency), len(frequency)), np.nan)
    out[rows, columns] = values.to_numpy()
    return pd.DataFrame(
        out,
        index=pd.Index(recency, name="t_x"),
        columns=pd.Index(frequency.astype(np.int64), name="x"),
    )
