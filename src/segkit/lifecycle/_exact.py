"""Exact per-point order counts and revenue sums for the lifecycle replay.

The replay updates features incrementally; this module holds what keeps them
equal to :func:`segkit.summarize` at every point to the last bit: the status
of each order id (its net positive at the end, whether that changes between
points), the segment rows that carry the order counts per (customer, order
id) pair, the few orders counted afresh at each point, and the revenue sums
kept as whole numbers of cents (or 1/10,000) so that adding and subtracting
is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from segkit._time import DAY_NS
from segkit.sums import blocks, sorted_distinct
from segkit.transactions import (
    TransactionColumns,
    combine_parts,
    group_sum,
    money_parts,
)

__all__ = [
    "NEVER",
    "MovingOrders",
    "RevenueSums",
    "order_status",
    "segments",
    "small_int",
    "window_start",
]

#: A time after every other (int64 nanoseconds): no purchase or no signup yet.
NEVER = np.iinfo(np.int64).max
_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]


def small_int(k: int) -> type[np.signedinteger[Any]]:
    """The integer type that holds 0..k (period numbers: a few bytes a row)."""
    return np.int16 if k < 32_000 else np.int32


def window_start(bound: int, days: int) -> int:
    """The exclusive start of the ``days``-day window ending at ``bound`` (saturating)."""
    return max(bound - days * DAY_NS, int(np.iinfo(np.int64).min))


def _several(group: _Ints, value: np.ndarray[Any, Any], n_groups: int) -> _Bools:
    """Per group: whether its rows hold more than one distinct ``value``.

    One value per group is written down (whichever row lands last), and a
    group holds several exactly when some row differs from it: a scatter and
    a gather instead of a minimum and a maximum per group.
    """
    seen = np.zeros(n_groups, dtype=value.dtype)
    seen[group] = value
    out = np.zeros(n_groups, dtype=bool)
    out[group[seen[group] != value]] = True
    return out


def _group_starts(key: _Ints) -> _Bools:
    """Where a new run of equal values starts in a sorted ``key``."""
    out = np.ones(key.size, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=out[1:])
    return out


def order_status(
    cols: TransactionColumns, period: np.ndarray[Any, Any], k_all: int
) -> tuple[_Bools, _Bools, _Bools]:
    """Per order id: whether its net is positive at the end, whether that can change, and
    whether its lines fall in several periods.

    An order whose lines fall in several periods "moves" when its net is
    positive at some of its points and not at others (a refund after a
    point), or when an amount off the cent grid makes running sums inexact.
    """
    assert cols.order is not None
    order = cols.order
    valid = period < k_all
    n_orders = cols.n_orders
    spread = _several(order, period, n_orders)
    if valid.all():  # whether each order's net over the whole log is positive
        positive: _Bools = np.array(cols.positive_orders())
    else:
        # Orders with lines after the last point (usually none or few): only
        # their lines up to it count, for their net and their periods.
        positive, rows = cols.positive_within(valid)
        late = np.zeros(n_orders, dtype=bool)
        late[order[~valid]] = True
        spread[late] = _several(order[rows], period[rows], n_orders)[late]
        del rows, late
    moving = np.zeros(n_orders, dtype=bool)
    if not spread.any():
        return positive, moving, spread
    rows = np.flatnonzero(valid & spread[order])
    level, whole = money_parts(cols.amount[rows])  # each amount on its own: these rows only
    moving[order[rows][level == 2]] = True
    key = order[rows] * k_all + period[rows]
    by = np.argsort(key, kind="stable")
    starts = _group_starts(key[by])
    group = np.cumsum(starts) - 1
    sums = []
    for j in (0, 1):
        sel = level[by] == j
        sums.append(
            np.cumsum(np.bincount(group[sel], weights=whole[by][sel], minlength=group[-1] + 1))
        )
    owner = key[by][starts] // k_all
    new = _group_starts(owner)
    base = np.flatnonzero(new)[np.cumsum(new) - 1]  # the first group of each order
    running = [total - np.where(base > 0, total[np.maximum(base - 1, 0)], 0.0) for total in sums]
    net_then = combine_parts(running[0], running[1], None) > 0
    moving[owner[net_then != positive[owner]]] = True
    return positive, moving, spread


def segments(
    cols: TransactionColumns,
    codes: _Ints,
    period: _Ints,
    k_all: int,
    purchase: _Bools,
    spread: _Bools | None = None,
) -> tuple[_Bools, _Bools, np.ndarray[Any, Any] | None]:
    """The rows that carry the order counts: ``(first, segment, until)``.

    Per (customer, order id) pair, its latest purchase line in each period is
    a segment row: the pair is inside an ``N``-day window while the latest of
    its purchase lines so far is, i.e. from a segment row until it is too old
    or the pair's next segment (``until``) takes over. ``first`` marks the
    first segment of each pair, where the pair starts to count as an order.
    Without an order column every purchase line is its own pair. ``spread``
    marks the order ids whose lines fall in several periods (computed when
    not given).
    """
    if cols.order is None:
        return purchase, purchase, None
    until = np.full(purchase.size, k_all, dtype=small_int(k_all))
    first = np.zeros(purchase.size, dtype=bool)
    segment = np.zeros(purchase.size, dtype=bool)
    if not purchase.any():
        return first, segment, until
    n_orders = cols.n_orders
    # Most orders are one customer's lines in one period: one segment, found
    # with per-order maxima, no sort. The others (ids several customers share,
    # as order_owner finds them over all lines, computed once per log; lines
    # in several periods) are sorted below, which is right for any order.
    odd = cols.order_owner() < 0
    if spread is None:  # the periods of each order's purchase lines
        rows = np.flatnonzero(purchase)
        odd |= _several(cols.order[rows], period[rows], n_orders)
        del rows
    else:
        odd |= spread
    # One of an order's latest lines stands for it; which one does not matter:
    # they share the customer, the period and the time.
    # (row numbers in 4 bytes when they fit: half the memory of an order-sized array)
    rows_type = np.int32 if purchase.size < 2**31 else np.int64
    pick: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    pick = np.full(n_orders, -1, dtype=rows_type)
    if cols.by_time():  # the order's last purchase line is one of its latest
        for part in blocks(purchase.size):  # no row-sized temporaries
            at = np.flatnonzero(purchase[part])
            at += part.start
            np.maximum.at(pick, cols.order[at], at.astype(rows_type, copy=False))
    else:
        rows = np.flatnonzero(purchase)
        order, wall = cols.order[rows], cols.wall[rows]
        top = np.full(n_orders, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(top, order, wall)
        latest = np.flatnonzero(~odd[order] & (wall == top[order]))
        pick[order[latest]] = rows[latest]
        del rows, order, wall, top, latest
    pick[odd] = -1
    simple = pick[pick >= 0]
    first[simple] = True
    del pick, simple
    np.copyto(segment, first)  # so far the same rows
    lines = np.flatnonzero(purchase & odd[cols.order])
    if lines.size == 0:
        return first, segment, until
    # The others: sort their lines by (customer, order, period).
    who, order, when, wall = codes[lines], cols.order[lines], period[lines], cols.wall[lines]
    pair = who * n_orders + order
    if int(codes.max() + 1) * n_orders > 2**62 // k_all:  # pragma: no cover - huge ids
        by_pair = np.lexsort((order, who))
        c, o = who[by_pair], order[by_pair]
        pair = np.empty(lines.size, dtype=np.int64)
        pair[by_pair] = np.cumsum(np.r_[True, (c[1:] != c[:-1]) | (o[1:] != o[:-1])]) - 1
    key = pair * k_all + when
    by = np.lexsort((wall, key))
    key = key[by]
    last = np.ones(lines.size, dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    seg_rows = lines[by[last]]
    seg_pair, seg_when = key[last] // k_all, key[last] % k_all
    new_pair = _group_starts(seg_pair)
    first[seg_rows[new_pair]] = True
    segment[seg_rows] = True
    following = np.full(seg_rows.size, k_all, dtype=np.int64)
    following[:-1] = np.where(new_pair[1:], k_all, seg_when[1:])
    until[seg_rows] = following
    return first, segment, until


class MovingOrders:
    """The orders whose net turns positive or not from one point to the next.

    For their lines (few: orders refunded in full after a point), whether a
    line is a purchase changes over time, so their pairs are counted afresh at
    each point, exactly as :func:`segkit.summarize` there counts them. Pairs
    of other orders are counted incrementally; the two sets of (customer,
    order id) pairs never overlap, so counts add and dates take the min/max.
    """

    def __init__(
        self,
        cols: TransactionColumns,
        codes: _Ints,
        period: _Ints,
        k_all: int,
        positive: _Bools,
        moving: _Bools,
    ) -> None:
        assert cols.order is not None
        rows = np.flatnonzero(moving[cols.order] & (period < k_all))
        self.any = rows.size > 0
        rows = rows[np.argsort(period[rows], kind="stable")]
        self.ends = np.searchsorted(period[rows], np.arange(k_all), side="right")
        who = codes[rows]
        self.who = sorted_distinct(who.copy())  # np.unique(return_inverse=True), by a sort
        self.local = np.searchsorted(self.who, who).astype(np.int64, copy=False)
        moving_ids = np.flatnonzero(moving)  # sorted: each row's order found among them
        self.code = np.searchsorted(moving_ids, cols.order[rows]).astype(np.int64, copy=False)
        self.n_orders = moving_ids.size
        self.wall = cols.wall[rows]
        self.amount = cols.amount[rows]

    def at(
        self, k: int, bound: int, windows: Sequence[int]
    ) -> tuple[_Floats, _Ints, _Ints, list[_Floats]]:
        """Orders, first and last purchase, window orders of these pairs' customers at ``k``."""
        end = int(self.ends[k])
        m = self.who.size
        code, amount = self.code[:end], self.amount[:end]
        net = group_sum(code, amount, self.n_orders)
        buy = (net[code] > 0) & (amount >= 0)
        who, wall = self.local[:end][buy], self.wall[:end][buy]
        key = who * self.n_orders + code[buy]
        first = np.full(m, NEVER, dtype=np.int64)
        last = np.full(m, -NEVER, dtype=np.int64)
        np.minimum.at(first, who, wall)
        np.maximum.at(last, who, wall)

        def orders(sel: Any) -> _Floats:
            pairs = sorted_distinct(key[sel])  # key is not read after the last call
            return np.bincount(pairs // self.n_orders, minlength=m).astype(np.float64)

        inside = [orders(wall > window_start(bound, w)) for w in windows]
        return orders(slice(None)), first, last, inside


class RevenueSums:
    """Running revenue sums that equal :func:`segkit.transactions.group_sum` at every point.

    Amounts on a grid of cents (or 1/10,000) are added and subtracted as whole
    numbers, which is exact; other amounts (rare) are summed afresh, in sorted
    order, at each point.
    """

    def __init__(
        self,
        cols: TransactionColumns,
        codes: _Ints,
        period: _Ints,
        n: int,
        parts: tuple[Any, _Floats],
    ) -> None:
        self.level, self.whole = parts
        self.n = n
        self.mixed = bool(self.level.any())
        odd = np.flatnonzero(self.level == 2)
        odd = odd[np.lexsort((self.whole[odd], codes[odd]))]  # by customer, then value
        self.odd_codes = codes[odd]
        self.odd_values = self.whole[odd]
        self.odd_period = period[odd]
        self.odd_wall = cols.wall[odd]

    def add(self, sums: list[_Floats], codes: _Ints, rows: Any, sign: float = 1.0) -> None:
        """Add (``sign=-1``: subtract) the grid amounts of ``rows`` to ``sums`` (cents, fine)."""
        whole = self.whole[rows]
        if not self.mixed:
            sums[0] += sign * np.bincount(codes, weights=whole, minlength=self.n)
            return
        level = self.level[rows]
        for j in (0, 1):
            sel = level == j
            sums[j] += sign * np.bincount(codes[sel], weights=whole[sel], minlength=self.n)

    def total(self, sums: list[_Floats], k: int, after: int | None = None) -> _Floats:
        """The sums at point ``k`` (``after``: only rows later than that wall-clock time)."""
        if not self.odd_codes.size:
            return combine_parts(sums[0], sums[1] if self.mixed else None, None)
        sel = self.odd_period <= k
        if after is not None:
            sel &= self.odd_wall > after
        rest = np.bincount(self.odd_codes[sel], weights=self.odd_values[sel], minlength=self.n)
        return combine_parts(sums[0], sums[1], rest)
