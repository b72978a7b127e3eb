"""Diagnostic figures of the CLV models (needs the ``plot`` extra: matplotlib).

Every function draws on ``ax`` (a new figure when omitted) and returns the
:class:`matplotlib.axes.Axes`, so plots can be composed and styled further.
matplotlib is imported only when a function is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import check_fitted, require_columns, require_frame
from segkit.errors import ParameterError
from segkit.plotting._axes import axes as _axes

__all__ = [
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_tracking",
]


def _check_max(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(f"{name} must be an int >= 1; got {value!r}")
    return int(value)


def _counts_columns(model: Any) -> tuple[str, str, str]:
    cols = model.columns_
    if "n" in cols:  # BG/BB
        return cols["x"], cols["t_x"], cols["n"]
    return cols["x"], cols["t_x"], cols["T"]


def period_transactions(model: Any, data: Any, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases: observed and expected by the model.

    The expected count for ``k`` sums, over customers, the probability that a
    new customer makes ``k`` repeat purchases over that customer's own
    observation period (the last class is "``max_frequency`` or more").

    Returns
    -------
    DataFrame
        Indexed by ``0 .. max_frequency``, columns ``actual`` and ``model``.
    """
    check_fitted(model, "params_")
    top = _check_max(max_frequency, "max_frequency")
    x_col, t_col, age_col = _counts_columns(model)
    df = require_frame(data)
    require_columns(df, [x_col, age_col])
    ages, counts = np.unique(df[age_col].to_numpy(dtype=np.float64), return_counts=True)
    empty = pd.DataFrame({x_col: [0.0], t_col: [0.0], age_col: [0.0]})
    expected = np.zeros(top + 1)
    for age, count in zip(ages, counts, strict=True):
        probs = [float(model.probability_of_purchases(empty, k, age).iloc[0]) for k in range(top)]
        expected[:top] += count * np.array(probs)
        expected[top] += count * (1.0 - sum(probs))
    actual = np.bincount(
        np.minimum(df[x_col].to_numpy(dtype=np.int64), top), minlength=top + 1
    ).astype(np.float64)
    return pd.DataFrame({"actual": actual, "model": expected}, index=pd.RangeIndex(top + 1))


def plot_period_transactions(
    model: Any, data: Any, *, max_frequency: int = 7, ax: Any = None
) -> Any:
    """Bar chart of customers by repeat purchases, observed vs model.

    Parameters
    ----------
    model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
    data : DataFrame
        The calibration data the model was fitted on.
    max_frequency : int, default 7
        The last bar counts customers with this many repeat purchases or more.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = period_transactions(model, data, max_frequency)
    ax = _axes(ax)
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(pos + 0.2, table["model"], width=0.4, label="model")
    labels = [str(k) for k in table.index]
    labels[-1] += "+"
    ax.set_xticks(pos, labels)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def _draw_matrix(ax: Any, matrix: pd.DataFrame, title: str, label: str) -> Any:
    recency = matrix.index.to_numpy(dtype=np.float64)
    top = int(matrix.columns[-1])
    half = 0.5 * (recency[1] - recency[0]) if recency.size > 1 else 0.5
    image = ax.imshow(
        matrix.to_numpy(),
        origin="lower",
        aspect="auto",
        extent=(-0.5, top + 0.5, recency[0] - half, recency[-1] + half),
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("repeat purchases (x)")
    ax.set_ylabel("time of the last repeat purchase (t_x)")
    ax.set_title(title)
    return ax


def plot_frequency_recency_matrix(
    model: Any, *, t: float = 1.0, T: float | None = None, max_x: int | None = None, ax: Any = None
) -> Any:
    """Heat map of expected purchases in the next ``t`` over ``x`` and ``t_x``.

    Draws ``model.frequency_recency_matrix(t, T=T, max_x=max_x)`` (the
    numbers, as a DataFrame).

    Parameters
    ----------
    model : fitted purchase model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB; no covariates)
    t : float, default 1
        Prediction horizon, in the model's time unit.
    T : float, optional
        Customer age used for the grid; defaults to the largest ``T`` fitted on.
    max_x : int, optional
        Largest frequency shown; defaults to the 99th percentile of ``x``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    matrix = model.frequency_recency_matrix(t, T=T, max_x=max_x)
    age = float(matrix.index[-1])
    return _draw_matrix(
        _axes(ax),
        matrix,
        f"Expected purchases in the next {t:g} time units (T = {age:g})",
        "expected purchases",
    )


def plot_p_alive_matrix(
    model: Any, *, T: float | None = None, max_x: int | None = None, ax: Any = None
) -> Any:
    """Heat map of P(alive) over ``x`` and ``t_x`` for customers of age ``T``.

    Draws ``model.p_alive_matrix(T=T, max_x=max_x)``; parameters are those of
    :func:`plot_frequency_recency_matrix` (without ``t``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    matrix = model.p_alive_matrix(T=T, max_x=max_x)
    age = float(matrix.index[-1])
    return _draw_matrix(_axes(ax), matrix, f"Probability of being alive (T = {age:g})", "P(alive)")


def plot_clv_distribution(clv: pd.Series, *, bins: int = 50, ax: Any = None) -> Any:
    """Histogram of customer lifetime values (e.g. from :func:`segkit.clv.lifetime_value`).

    Parameters
    ----------
    clv : Series
    bins : int, default 50
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    values = np.asarray(clv, dtype=np.float64)
    values = values[np.isfinite(values)]
    ax = _axes(ax)
    ax.hist(values, bins=_check_max(bins, "bins"))
    mean = float(values.mean()) if values.size else float("nan")
    ax.axvline(mean, color="black", linestyle="--", label=f"mean {mean:,.2f}")
    ax.set_xlabel("customer lifetime value")
    ax.set_ylabel("customers")
    ax.set_title("Distribution of CLV")
    ax.legend()
    return ax


def plot_tracking(forecast: pd.DataFrame, *, cumulative: bool = True, ax: Any = None) -> Any:
    """The tracking plot: expected vs actual repeat transactions over calendar time.

    Draws the output of :func:`segkit.clv.expected_transactions_over_time`:
    the expected repeat transactions of the customer base per period (or
    cumulated), with the actual ones as a second line when the transactions
    were given, and one pair of lines per group when it was computed ``by=``
    a segment or cohort (Fader, Hardie & Lee 2005, Figure 2).

    Parameters
    ----------
    forecast : DataFrame
        Columns ``expected``, ``expected_cumulative`` and optionally
        ``actual``, ``actual_cumulative``; index ``period`` (or ``group``,
        ``period``).
    cumulative : bool, default True
        Cumulative repeat transactions (the classic tracking plot); False:
        per period.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    suffix = "_cumulative" if cumulative else ""
    if not isinstance(forecast, pd.DataFrame) or f"expected{suffix}" not in forecast.columns:
        raise ParameterError(
            "forecast must be the DataFrame of segkit.clv.expected_transactions_over_time "
            f"(with an 'expected{suffix}' column)"
        )
    ax = _axes(ax)
    if isinstance(forecast.index, pd.MultiIndex):
        parts = [(str(g), part.droplevel(0)) for g, part in forecast.groupby(level=0, sort=False)]
    else:
        parts = [("", forecast)]
    for name, part in parts:
        label = f"{name}: " if name else ""
        (line,) = ax.plot(part.index, part[f"expected{suffix}"], label=f"{label}expected")
        if f"actual{suffix}" in part.columns:
            ax.plot(
                part.index,
                part[f"actual{suffix}"],
                linestyle="--",
                color=line.get_color(),
                label=f"{label}actual",
            )
    ax.set_xlabel("calendar time")
    ax.set_ylabel("cumulative repeat transactions" if cumulative else "repeat transactions")
    ax.set_title("Tracking: expected vs actual repeat transactions")
    ax.legend()
    return ax
