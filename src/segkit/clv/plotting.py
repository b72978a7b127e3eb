"""Diagnostic plots for the CLV models (needs the ``plot`` extra: matplotlib).

The figures live in :mod:`segkit.plotting`; this module gathers the CLV ones.
Every function draws on ``ax`` (a new figure when omitted) and returns the
:class:`matplotlib.axes.Axes`. matplotlib is imported only when a function is
called.
"""

from __future__ import annotations

from typing import Any

from segkit.evaluate import holdout_report
from segkit.plotting import (
    period_transactions,
    plot_clv_distribution,
    plot_frequency_recency_matrix,
    plot_holdout,
    plot_p_alive_matrix,
    plot_period_transactions,
    plot_tracking,
)

__all__ = [
    "period_transactions",
    "plot_calibration_holdout",
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_tracking",
]


def plot_calibration_holdout(
    model: Any,
    data: Any,
    *,
    holdout: str = "x_holdout",
    duration: str = "duration_holdout",
    max_frequency: int = 7,
    ax: Any = None,
) -> Any:
    """Mean holdout purchases by calibration frequency: actual vs predicted.

    The figure of :func:`segkit.holdout_report` (one holdout check for the
    whole library), drawn by :func:`segkit.plotting.plot_holdout`.

    Parameters
    ----------
    model : fitted purchase model
    data : DataFrame
        E.g. :func:`segkit.features.calibration_holdout` output: the model's
        columns plus the holdout purchases and the holdout length.
    holdout, duration : str
        Columns of the purchases made in, and the length of, the holdout period.
    max_frequency : int, default 7
        Calibration frequencies above it are pooled.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    x = getattr(model, "columns_", {}).get("x", "x")
    report = holdout_report(
        model, data, x=x, actual=holdout, duration=duration, max_x=max_frequency
    )
    return plot_holdout(report, ax)
