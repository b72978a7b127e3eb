"""Figures of lifecycle flows (the ``plot`` extra: matplotlib, imported when called)."""

from __future__ import annotations

from typing import Any

import numpy as np

from segkit._matplotlib import pyplot as _pyplot
from segkit.lifecycle._flows import ENTERED, Flows, flows

__all__ = ["plot_flows", "plot_state_counts"]


def _as_flows(data: Any) -> Flows:
    return data if isinstance(data, Flows) else flows(data)


def _colors(result: Flows) -> dict[str, str]:
    """One colour per state, in the lifecycle's order, shared by both figures."""
    out = {str(name): f"C{i % 10}" for i, name in enumerate(result.counts.columns)}
    out[ENTERED] = "0.6"
    return out


def plot_state_counts(data: Any, ax: Any = None) -> Any:
    """Stacked area chart of the number of customers in each state over time.

    Parameters
    ----------
    data : Flows or DataFrame
        A :class:`Flows`, or the output of :meth:`Lifecycle.replay`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    result = _as_flows(data)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    counts = result.counts
    colors = _colors(result)
    ax.stackplot(
        counts.index.to_numpy(),
        counts.to_numpy(dtype=float).T,
        labels=[str(c) for c in counts.columns],
        colors=[colors[str(c)] for c in counts.columns],
        alpha=0.85,
    )
    ax.set_ylabel("customers")
    ax.set_title("Customers by lifecycle state")
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    ax.margins(x=0)
    return ax


def plot_flows(data: Any, ax: Any = None, *, gap: float = 0.02) -> Any:
    """From/to flow diagram: states at ``start`` (left) joined to states at ``end`` (right).

    Each band's width is the number of customers moving from its left state
    to its right state (see :attr:`Flows.matrix`).

    Parameters
    ----------
    data : Flows or DataFrame
        A :class:`Flows`, or the output of :meth:`Lifecycle.replay`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    gap : float, default 0.02
        Space between state blocks, as a share of the height.

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    result = _as_flows(data)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    matrix = result.matrix
    grid = matrix.to_numpy(dtype=float)
    total = grid.sum()
    colors = _colors(result)
    if total == 0:
        ax.set_axis_off()
        return ax
    scale = (1.0 - gap * max(len(matrix.index), len(matrix.columns))) / total

    def blocks(sizes: Any) -> Any:
        return 1.0 - np.concatenate([[0.0], np.cumsum(sizes * scale + gap)[:-1]])

    left_top = blocks(grid.sum(axis=1))
    right_top = blocks(grid.sum(axis=0))
    width = 0.06
    x = np.linspace(width, 1 - width, 50)
    ease = (1 - np.cos(np.pi * (x - width) / (1 - 2 * width))) / 2
    left_used = np.zeros(len(matrix.index))
    right_used = np.zeros(len(matrix.columns))
    for i, src in enumerate(matrix.index):
        for j, _dst in enumerate(matrix.columns):
            h = grid[i, j] * scale
            if h <= 0:
                continue
            y0 = left_top[i] - left_used[i]
            y1 = right_top[j] - right_used[j]
            top = y0 + (y1 - y0) * ease
            ax.fill_between(x, top - h, top, color=colors[src], alpha=0.45, linewidth=0)
            left_used[i] += h
            right_used[j] += h
    for side, labels, tops, sums in (
        (0.0, matrix.index, left_top, grid.sum(axis=1)),
        (1.0 - width, matrix.columns, right_top, grid.sum(axis=0)),
    ):
        for name, top, size in zip(labels, tops, sums, strict=True):
            h = size * scale
            ax.add_patch(plt.Rectangle((side, top - h), width, h, color=colors[name]))
            ha, tx = ("right", side - 0.01) if side == 0.0 else ("left", side + width + 0.01)
            label = name if name != ENTERED else "entered"
            ax.text(tx, top - h / 2, f"{label} ({int(size)})", ha=ha, va="center", fontsize=9)
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_axis_off()
    ax.set_title(f"Lifecycle flows {result.start:%Y-%m-%d} \u2192 {result.end:%Y-%m-%d}")
    return ax
