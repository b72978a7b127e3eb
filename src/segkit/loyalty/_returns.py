"""Purchases and returns of the points ledger, and what each return claws back.

A *unit* is what earns points or gives them back: a row of the transaction
log, or, with an order column, the lines of one order at one instant, netted.
An order's lines at its first instant are its purchase; lines of the same
order at a later instant with a negative net are a return *of that order*
(a later positive net is a purchase of its own).

A return claws back what the purchase it undoes earned, not what its amount
would earn on the day it is returned:

* matched by order id, a return takes back the order's points pro rata to
  the amount returned: after returns of ``R`` of an order that earned ``P``
  points on ``A``, ``rounding(P × min(1, R / A))`` points have been clawed
  back (so the returns of a whole order take back exactly ``P``);
* without order ids (or for a return whose order id matches no earlier
  purchase, e.g. a cancellation booked as an order of its own), it takes back
  the points the customer earned per currency unit so far,
  ``rounding(amount × points earned / amount bought)`` up to the return.

Either way it is never more than the balance (the FIFO engine cuts it).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit.transactions import TransactionColumns

__all__ = ["Units", "apply_rounding", "group_cumsum", "matched_clawbacks", "units"]

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


@attrs.frozen
class Units:
    """Purchases and returns, one entry per unit.

    Attributes
    ----------
    rows : ndarray of int64
        Row of the unit's first line (for the transaction columns rules read).
    codes : ndarray of int64
        Customer code.
    net : ndarray of float64
        Net amount: positive for a purchase, negative for a return.
    wall : ndarray of int64
        Wall-clock nanoseconds.
    origin : ndarray of int64
        For a return matched by order id, the unit of the purchase it
        returns; -1 otherwise.
    """

    rows: _Ints
    codes: _Ints
    net: _Floats
    wall: _Ints
    origin: _Ints

    def subset(self, keep: Any) -> Units:
        """Units where ``keep`` is true; origins renumbered (-1 when dropped)."""
        origin = self.origin[keep]
        matched = origin >= 0
        if not matched.any():  # no order ids: nothing to renumber
            return Units(
                self.rows[keep], self.codes[keep], self.net[keep], self.wall[keep], origin
            )
        where = np.cumsum(keep) - 1
        kept = np.zeros(origin.size, dtype=bool)
        kept[matched] = keep[origin[matched]]
        origin = np.where(kept, where[np.maximum(origin, 0)], -1)
        return Units(self.rows[keep], self.codes[keep], self.net[keep], self.wall[keep], origin)


def units(cols: TransactionColumns) -> Units:
    """The purchases and returns of a transaction log (see the module docstring)."""
    n = cols.codes.size
    if cols.order is None:
        rows = np.arange(n, dtype=np.int64)
        return Units(
            rows, cols.codes, cols.amount.astype(np.float64), cols.wall, -np.ones_like(rows)
        )
    order, wall, amount = cols.order, cols.wall, cols.amount.astype(np.float64)
    n_orders = int(order.max()) + 1 if n else 0
    first_at = np.full(n_orders, np.iinfo(np.int64).max)
    np.minimum.at(first_at, order, wall)
    main = wall == first_at[order]
    # the purchase: the order's lines at its first instant, netted
    main_rows = np.flatnonzero(main)
    first_row = np.empty(n_orders, dtype=np.int64)
    first_row[order[main_rows[::-1]]] = main_rows[::-1]  # the first line of each order
    net = np.bincount(order[main_rows], weights=amount[main_rows], minlength=n_orders)
    rows, codes, walls = first_row, cols.codes[first_row], wall[first_row]
    origin = -np.ones(n_orders, dtype=np.int64)
    late = np.flatnonzero(~main)
    if late.size:
        # later lines of an order: one unit per (order, instant)
        key = pd.MultiIndex.from_arrays([order[late], wall[late]])
        group, _ = pd.factorize(key)
        n_groups = int(group.max()) + 1
        g_row = np.empty(n_groups, dtype=np.int64)
        g_row[group[::-1]] = late[::-1]
        g_net = np.bincount(group, weights=amount[late], minlength=n_groups)
        g_order = order[g_row]
        g_origin = np.where(
            (g_net < 0) & (net[g_order] > 0) & (cols.codes[g_row] == codes[g_order]),
            g_order,
            -1,
        )
        rows = np.concatenate([rows, g_row])
        codes = np.concatenate([codes, cols.codes[g_row]])
        net = np.concatenate([net, g_net])
        walls = np.concatenate([walls, wall[g_row]])
        origin = np.concatenate([origin, g_origin.astype(np.int64)])
    return Units(rows, codes, np.asarray(net, dtype=np.float64), walls, origin)


def group_cumsum(values: _Floats, groups: _Ints) -> _Floats:
    """Cumulative sums restarting at each group (``groups`` sorted), added up in order.

    Not a global cumulative sum minus its value at each group's start: over
    millions of amounts that loses the digits that decide a floor.
    """
    if values.size == 0:
        return values.astype(np.float64)
    out = pd.Series(values, copy=False).groupby(groups, sort=False).cumsum()
    return np.asarray(out.to_numpy(), dtype=np.float64)


def apply_rounding(rounding: str, raw: _Floats) -> _Floats:
    """Whole points by the programme's rounding (``round``: halves up)."""
    raw = np.round(raw, 9)  # 29.99 * 100 is 2999
    if rounding == "floor":
        return np.asarray(np.floor(raw), dtype=np.float64)
    if rounding == "ceil":
        return np.asarray(np.ceil(raw), dtype=np.float64)
    return np.asarray(np.floor(raw + 0.5), dtype=np.float64)


def matched_clawbacks(
    rounding: str,
    origin: _Ints,
    returned: _Floats,
    wall: _Ints,
    bought: _Floats,
    earned: _Floats,
) -> _Floats:
    """Points clawed back by returns matched to a purchase, pro rata.

    Parameters
    ----------
    origin : the purchase each return undoes (an index into ``bought`` and
        ``earned``); ``returned`` the amounts returned (positive) and ``wall``
        their times; ``bought`` and ``earned`` each purchase's amount and the
        points it earned (after caps).
    """
    by = np.lexsort((wall, origin))
    o, r = origin[by], returned[by]
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    so_far = group_cumsum(r, o)  # returned of this purchase up to and including each return
    share = np.minimum(np.round(so_far / bought[o], 12), 1.0)
    clawed = apply_rounding(rounding, earned[o] * share)
    previous = np.r_[0.0, clawed[:-1]]
    previous[starts] = 0.0
    out = np.empty(r.size)
    out[by] = clawed - previous
    return out
