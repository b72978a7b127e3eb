"""matplotlib for the plots of the ``plot`` extra, imported only when a plot is drawn."""

from __future__ import annotations

from typing import Any

__all__ = ["axes", "pyplot"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise ImportError(
            "segkit's plots need matplotlib; install it with: pip install 'segkit[plot]'"
        ) from exc
    return plt


def axes(ax: Any = None) -> Any:
    """``ax`` when given, else the Axes of a new figure."""
    if ax is not None:
        return ax
    _, new = pyplot().subplots()
    return new
