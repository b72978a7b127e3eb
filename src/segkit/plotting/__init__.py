"""Every figure segkit draws (the ``plot`` extra: matplotlib, imported when a plot is drawn).

Each function draws on ``ax`` (a new figure when None) and returns the
:class:`matplotlib.axes.Axes`, so figures can be composed and styled further.
The functions take computed results (a :class:`~segkit.evaluate.HoldoutReport`,
a fitted model, a :class:`~segkit.lifecycle.Flows`, ...) and import nothing
from the capabilities: the capabilities' ``plot`` methods call them.

There is one holdout figure, :func:`plot_holdout`, drawn from
:func:`segkit.holdout_report`; :func:`segkit.clv.plotting.plot_calibration_holdout`
is that report and that figure for a CLV model.
"""

from __future__ import annotations

from segkit.plotting._axes import axes, pyplot
from segkit.plotting._clv import (
    period_transactions,
    plot_clv_distribution,
    plot_frequency_recency_matrix,
    plot_p_alive_matrix,
    plot_period_transactions,
    plot_tracking,
)
from segkit.plotting._evaluate import plot_clusters, plot_holdout, plot_lorenz, plot_migration
from segkit.plotting._lifecycle import draw_flows, draw_state_counts

__all__ = [
    "axes",
    "draw_flows",
    "draw_state_counts",
    "period_transactions",
    "plot_clusters",
    "plot_clv_distribution",
    "plot_frequency_recency_matrix",
    "plot_holdout",
    "plot_lorenz",
    "plot_migration",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_tracking",
    "pyplot",
]
