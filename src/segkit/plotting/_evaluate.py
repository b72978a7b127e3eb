"""Figures for the evaluation tools and the clusters (matplotlib, the ``plot`` extra).

matplotlib is imported inside each function, so importing segkit never needs
it. Every function draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from segkit.plotting._axes import axes as _axes

__all__ = ["plot_clusters", "plot_holdout", "plot_lorenz", "plot_migration"]


def _heatmap(
    ax: Any,
    matrix: Any,
    rows: list[str],
    cols: list[str],
    text: list[list[str]],
    cmap: str,
    *,
    diverging: bool = False,
) -> None:
    values = np.where(np.isfinite(matrix), matrix, np.nan)
    shown = values[np.isfinite(values)]
    if diverging:
        limit = float(np.abs(shown).max()) if shown.size else 1.0
        low, high = -limit, limit
    else:
        low = float(shown.min()) if shown.size else 0.0
        high = float(shown.max()) if shown.size else 1.0
    image = ax.imshow(values, cmap=cmap, aspect="auto", vmin=low, vmax=high)
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for i in range(len(rows)):
        for j in range(len(cols)):
            if not text[i][j]:
                continue
            v = values[i, j]
            if diverging:
                dark = bool(np.isfinite(v) and abs(v) > 0.5 * high)
            else:
                dark = bool(np.isfinite(v) and v > (low + high) / 2)
            ax.text(j, i, text[i][j], ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")  # fmt: skip
    ax.figure.colorbar(image, ax=ax)


def plot_migration(result: Any, ax: Any = None, *, normalize: bool = True) -> Any:
    """Heatmap of a :class:`~segkit.evaluate.Migration` (row shares when ``normalize``)."""
    ax = _axes(ax)
    counts = result.counts
    matrix = result.rates.to_numpy(dtype=float) if normalize else counts.to_numpy(dtype=float)
    raw = counts.to_numpy()
    text = [
        [
            ("" if raw[i, j] == 0 else f"{matrix[i, j]:.0%}" if normalize else f"{raw[i, j]:,}")
            for j in range(raw.shape[1])
        ]
        for i in range(raw.shape[0])
    ]
    _heatmap(ax, matrix, [str(r) for r in counts.index], [str(c) for c in counts.columns],
             text, "Blues")  # fmt: skip
    ax.set_xlabel("after")
    ax.set_ylabel("before")
    ax.set_title(f"Segment migration (stability {result.stability:.1%})")
    return ax


def plot_lorenz(result: Any, ax: Any = None) -> Any:
    """Lorenz curve of a :class:`~segkit.evaluate.Concentration` and the line of equality."""
    ax = _axes(ax)
    curve = result.lorenz
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="equality")
    ax.plot(curve["population_share"], curve["value_share"], label="Lorenz curve")
    ax.fill_between(curve["population_share"], curve["value_share"], curve["population_share"],
                    alpha=0.15)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("share of customers (smallest first)")
    ax.set_ylabel("share of value")
    top = ", ".join(f"{k}: {v:.0%}" for k, v in result.top_shares.items())
    ax.set_title(f"Gini {result.gini:.3f}\n{top}", fontsize=10)
    ax.legend(loc="upper left")
    return ax


def plot_holdout(result: Any, ax: Any = None) -> Any:
    """Mean actual vs predicted holdout purchases by calibration frequency."""
    ax = _axes(ax)
    table = result.by_frequency
    positions = np.arange(len(table))
    ax.plot(positions, table["actual"], marker="o", label="actual")
    ax.plot(positions, table["predicted"], marker="s", linestyle="--", label="predicted")
    ax.set_xticks(positions, [str(i) for i in table.index])
    ax.set_xlabel("purchases in the calibration period (x)")
    ax.set_ylabel("mean purchases in the holdout")
    ax.set_title(
        f"Holdout: {result.predicted_total:,.0f} predicted vs {result.actual_total:,.0f} actual "
        f"({result.aggregate_error:+.1%}); MAE {result.mae:.3f}",
        fontsize=10,
    )
    ax.legend()
    return ax


def plot_clusters(segmenter: Any, ax: Any = None) -> Any:
    """Heatmap of how each cluster differs from the population (``z_scores_``)."""
    ax = _axes(ax)
    z = segmenter.z_scores_
    matrix = z.to_numpy(dtype=float)
    text = [[f"{v:+.1f}" for v in row] for row in matrix]
    rows = [
        f"{name} ({share:.0%})"
        for name, share in zip(segmenter.names_, segmenter.profiles_["share"], strict=True)
    ]
    _heatmap(ax, matrix, rows, [str(c) for c in z.columns], text, "RdBu_r", diverging=True)
    ax.set_title("Clusters vs the population (standard deviations)", fontsize=10)
    return ax
