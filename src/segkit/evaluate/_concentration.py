"""Who holds the value: the Lorenz curve, the Gini coefficient and top shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import numeric_column
from segkit.errors import ParameterError, SchemaError

__all__ = ["Concentration", "concentration"]


@attrs.frozen(eq=False)
class Concentration:
    """How unevenly a value (revenue, CLV) is spread over customers.

    Attributes
    ----------
    gini : float
        Gini coefficient, population formula (see :func:`concentration`).
    top_shares : Series
        Share of the total held by the top 1, 5, 10 and 20 % of customers.
    lorenz : DataFrame
        ``population_share`` and ``value_share``: points of the Lorenz curve.
    n : int
        Number of customers.
    total : float
        Sum of the values.
    """

    gini: float
    top_shares: pd.Series
    lorenz: pd.DataFrame
    n: int
    total: float

    def plot(self, ax: Any = None) -> Any:
        """Lorenz curve with the line of equality; returns the Axes."""
        from segkit.plotting import plot_lorenz

        return plot_lorenz(self, ax=ax)


def concentration(
    values: Any, *, points: int | None = 101, top: Sequence[float] = (0.01, 0.05, 0.1, 0.2)
) -> Concentration:
    """Lorenz curve, Gini coefficient and top shares of a non-negative value.

    Parameters
    ----------
    values : array-like or Series
        One non-negative number per customer (revenue, CLV, ...), with a
        positive sum; missing or infinite values are refused.
    points : int or None, default 101
        Number of evenly spaced population shares at which the Lorenz curve is
        returned (exact: the curve is linear between customers); None returns
        all ``n + 1`` corners.
    top : sequence of float, default (0.01, 0.05, 0.1, 0.2)
        Population shares for ``top_shares``.

    Returns
    -------
    Concentration

    Notes
    -----
    With the values sorted increasingly, :math:`x_{(1)} \\le \\dots \\le x_{(n)}`,
    the Lorenz curve joins the points :math:`(i/n, \\sum_{j \\le i} x_{(j)} / \\sum x)`
    by straight lines, and the Gini coefficient is the population (not the
    sample-corrected) one,

    .. math:: G = \\frac{\\sum_i \\sum_j |x_i - x_j|}{2 n^2 \\bar x}
              = \\frac{2 \\sum_i i\\, x_{(i)}}{n \\sum_i x_i} - \\frac{n + 1}{n},

    which is twice the area between the line of equality and the Lorenz
    curve, 0 when everyone holds the same and :math:`1 - 1/n` when one
    customer holds everything. The top share of a fraction ``p`` is
    :math:`1 - L(1 - p)`, read on the same piecewise-linear curve, so it
    counts fractions of a customer when ``p·n`` is not whole.

    Examples
    --------
    >>> c = concentration([0, 0, 0, 1])
    >>> c.gini
    0.75
    >>> c.top_shares.round(3).to_dict()
    {'top 1%': 0.04, 'top 5%': 0.2, 'top 10%': 0.4, 'top 20%': 0.8}
    >>> concentration([5, 5, 5]).gini
    0.0
    """
    if isinstance(values, pd.DataFrame):
        raise SchemaError("concentration takes one column of values, e.g. table['revenue']")
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if series.ndim != 1:
        raise SchemaError("concentration takes a one-dimensional array of values")
    name = str(series.name) if series.name is not None else "values"
    x = numeric_column(series.to_frame(name), name, "values", allow_negative=False)
    n = x.size
    if n == 0:
        raise SchemaError("concentration needs at least one value; got none")
    total = float(x.sum())
    if total <= 0:
        raise SchemaError(
            f"the values sum to {total}: the shares of a zero total are undefined "
            "(every value is 0)"
        )
    if points is not None and not (isinstance(points, int) and points >= 2):
        raise ParameterError(f"'points' must be an int >= 2 or None; got {points!r}")
    shares = np.asarray(top, dtype=np.float64)
    if shares.ndim != 1 or not np.all((shares > 0) & (shares <= 1)):
        raise ParameterError(f"'top' must be population shares in (0, 1]; got {top!r}")
    ordered = np.sort(x)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    gini = float(2.0 * np.dot(ranks, ordered) / (n * total) - (n + 1) / n)
    gini = min(max(gini, 0.0), 1.0)  # rounding can push equal values to -1e-17
    pop = np.arange(n + 1, dtype=np.float64) / n
    cum = np.concatenate([[0.0], np.cumsum(ordered)]) / total
    cum[-1] = 1.0
    if points is None:
        grid, curve = pop, cum
    else:
        grid = np.linspace(0.0, 1.0, points)
        curve = np.interp(grid, pop, cum)
    lorenz = pd.DataFrame({"population_share": grid, "value_share": curve})
    top_values = 1.0 - np.interp(1.0 - shares, pop, cum)
    top_shares = pd.Series(
        top_values, index=[f"top {p * 100:g}%" for p in shares], name="value_share"
    )
    return Concentration(gini=gini, top_shares=top_shares, lorenz=lorenz, n=n, total=total)
