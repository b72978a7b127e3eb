"""matplotlib for the plots of the ``plot`` extra, imported only when a plot is drawn."""

from __future__ import annotations

from typing import Any

from segkit._optional import import_optional

__all__ = ["axes", "pyplot"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or a MissingDependencyError naming the ``plot`` extra."""
    return import_optional("matplotlib.pyplot", extra="plot", what="drawing segkit's plots")


def axes(ax: Any = None) -> Any:
    """``ax`` when given, else the Axes of a new figure."""
    if ax is not None:
        return ax
    _, new = pyplot().subplots()
    return new
