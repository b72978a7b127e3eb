"""Figures of lifecycle flows (the ``plot`` extra: matplotlib, imported when called).

The drawing functions take a computed :class:`~segkit.lifecycle.Flows` (any
object with its ``matrix``, ``counts``, ``start`` and ``end``) and import
nothing else from the lifecycle package; the public ``plot_*`` functions in
:mod:`segkit.lifecycle` compute the flows from a replay first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from segkit.plotting._axes import pyplot as _pyplot

__all__ = ["draw_flows", "draw_state_counts"]


def _colors(result: Any, entered: str) -> dict[str, str]:
    """One colour per state, in the lifecycle's order, shared by both figures."""
    out = {str(name): f"C{i % 10}" for i, name in enumerate(result.counts.columns)}
    out[entered] = "0.6"
    return out


def draw_state_counts(result: Any, ax: Any, *, entered: str) -> Any:
    """Stacked area chart of ``result.counts``; returns the Axes."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    counts = result.counts
    colors = _colors(result, entered)
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


def draw_flows(result: Any, ax: Any, *, gap: float, entered: str) -> Any:
    """From/to flow diagram of ``result.matrix``; returns the Axes."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    matrix = result.matrix
    grid = matrix.to_numpy(dtype=float)
    total = grid.sum()
    colors = _colors(result, entered)
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
            label = name if name != entered else "entered"
            ax.text(tx, top - h / 2, f"{label} ({int(size)})", ha=ha, va="center", fontsize=9)
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_axis_off()
    ax.set_title(f"Lifecycle flows {result.start:%Y-%m-%d} \u2192 {result.end:%Y-%m-%d}")
    return ax
