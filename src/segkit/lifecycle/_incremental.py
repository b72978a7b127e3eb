"""The replay's features, updated incrementally from one evaluation point to the next.

The transaction rows are bucketed once by the first period boundary on or
after their timestamp (a counting sort on the period number). At each boundary
the rows of its bucket are added to running per-customer aggregates, and for
each ``orders_{N}d`` / ``revenue_{N}d`` window the rows that have just become
older than ``N`` days are subtracted, so the features at a boundary equal
:func:`segkit.summarize` with ``as_of`` at that boundary without re-reading
history.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from segkit._time import DAY_NS
from segkit.lifecycle._exact import (
    NEVER,
    MovingOrders,
    RevenueSums,
    order_status,
    segments,
    small_int,
    window_start,
)
from segkit.sums import blocks
from segkit.transactions import TransactionColumns, money_parts

__all__ = ["feature_steps"]

_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]


def _edges_before(cols: TransactionColumns, edges: _Ints, dtype: Any = np.int64) -> Any:
    """Per row, the number of ``edges`` (sorted) before its wall-clock time.

    ``np.searchsorted(edges, cols.wall, side="left")``; on a log sorted by time
    (the usual export) the rows between two edges are consecutive, so the
    counts of rows per gap, filled in, give it without a search per row.
    """
    if not cols.by_time():
        return np.searchsorted(edges, cols.wall, side="left").astype(dtype, copy=False)
    ends = np.searchsorted(cols.wall, edges, side="right")
    sizes = np.diff(ends, prepend=0, append=cols.wall.size)
    return np.repeat(np.arange(edges.size + 1, dtype=dtype), sizes)


def _periods(
    cols: TransactionColumns, bounds: _Ints, k: int
) -> tuple[Any, np.ndarray[Any, Any] | None, _Ints]:
    """Per row its period (:func:`_edges_before`), and the rows grouped by it (:func:`_buckets`).

    On a log sorted by time the rows are already grouped and the group sizes
    are the counts between edges: no pass to check the order, none to count.
    """
    if not cols.by_time():
        period = _edges_before(cols, bounds, small_int(k))
        return (period, *_buckets(period, k))
    ends = np.searchsorted(cols.wall, bounds, side="right")
    sizes = np.diff(ends, prepend=0, append=cols.wall.size)
    period = np.repeat(np.arange(bounds.size + 1, dtype=small_int(k)), sizes)
    starts = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return period, None, starts


def _buckets(key: np.ndarray[Any, Any], k: int) -> tuple[np.ndarray[Any, Any] | None, _Ints]:
    """Row order grouped by ``key`` (0..k; None: already in order), and where each group starts."""
    small = key.astype(small_int(k), copy=False)
    order = None
    if small.size > 1 and not (small[1:] >= small[:-1]).all():  # a log sorted by time is
        order = np.argsort(small, kind="stable")  # a radix sort for small integer keys
    starts = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(np.bincount(small, minlength=k + 1)[: k + 1], out=starts[1:])
    return order, starts


class _Window:
    """Rows to add and to subtract at each boundary for an ``N``-day window.

    ``leave`` is, per row, the first boundary at which it is ``N`` days old or
    more; ``member`` limits the rows (default: all); ``until`` is, per row, the
    point from which it stops counting anyway (a later line of the same order
    takes its place). The rows leaving at each boundary are grouped by it:
    those that leave with age are, on a log sorted by time (``by_time``), a
    range of rows per boundary, found at the boundary from a mark per row
    (no array of row numbers for the whole replay); the few that a later
    line replaces are sorted apart.
    """

    def __init__(
        self,
        days: int,
        leave: _Ints,
        period: _Ints,
        k_all: int,
        member: _Bools | None = None,
        until: _Ints | None = None,
        by_time: bool = False,
    ) -> None:
        self.days = days
        age, replaced = leave, None
        if until is not None:
            replaced = until < leave
            leave = np.minimum(leave, until)
        self.inside = leave > period  # rows that are inside at their own boundary
        if member is not None:
            self.inside &= member
        leaving = self.inside & (leave < k_all)
        self.aged: tuple[_Bools, _Ints] | None = None  # (marks, each boundary's first row)
        self.parts: list[tuple[np.ndarray[Any, Any], _Ints]] = []
        groups = [leaving] if replaced is None else [leaving & ~replaced, leaving & replaced]
        if by_time:  # the boundary at which a row is old enough increases with the rows
            # (the boundaries in the rows' own type: no int64 copy of them to search)
            first = np.searchsorted(age, np.arange(k_all + 1, dtype=age.dtype))
            self.aged = (groups.pop(0), first)
        for rows in map(np.flatnonzero, groups):
            order, starts = _buckets(leave[rows], k_all)
            self.parts.append((rows if order is None else rows[order], starts))

    def gone(self, k: int) -> np.ndarray[Any, Any]:
        """The rows that leave the window at boundary ``k``."""
        pieces = [rows[int(starts[k]) : int(starts[k + 1])] for rows, starts in self.parts]
        if self.aged is not None:
            marks, first = self.aged
            lo, hi = int(first[k]), int(first[k + 1])
            aged = np.flatnonzero(marks[lo:hi])
            aged += lo
            pieces.insert(0, aged)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def most(self) -> int:
        """At least the number of rows that leave at any one boundary."""
        most = sum(int(np.diff(starts).max()) for _, starts in self.parts)
        if self.aged is not None and self.aged[1].size > 1:
            most += int(np.diff(self.aged[1]).max())
        return most


def feature_steps(
    cols: TransactionColumns,
    codes: _Ints,
    n: int,
    bounds: _Ints,
    windows: Sequence[int],
    signup: _Ints | None,
    needed: Sequence[str] | None,
    days: _Ints | None = None,
) -> Iterator[tuple[int, _Bools, dict[str, Any]]]:
    """Yield ``(k, present, features)`` at each point, rows up to ``bounds[k]`` inclusive.

    ``codes`` maps each row to its customer (0..n-1). ``present`` marks the
    customers with a purchase or a signup on or before the boundary.
    ``features`` holds the columns in ``needed`` (all when None), one value per
    customer. Where ``days[k] >= 0`` the point is that whole calendar day and
    durations are whole days to it (the time policy); elsewhere they are exact.
    The values equal :func:`segkit.summarize` at each point to the last bit:
    with an order column, an order counts when its lines up to the point have
    a positive net (a refund after the point does not change it there), and
    revenue sums are the same exact sums.
    """
    k_all = bounds.size
    period, order, starts = _periods(cols, bounds, k_all)
    moving_orders: MovingOrders | None = None
    valid = period < k_all
    spread = None
    if cols.order is None:
        purchase = (cols.amount >= 0) & valid
    else:
        positive, moving, spread = order_status(cols, period, k_all)
        # One look-up per row: whether its order counts at every point.
        purchase = (positive & ~moving)[cols.order]
        purchase &= cols.amount >= 0
        purchase &= valid
        moving_orders = MovingOrders(cols, codes, period, k_all, positive, moving)
        del positive, moving
    first_line, segment, until = segments(cols, codes, period, k_all, purchase, spread)
    want = set(needed) if needed is not None else None

    def wanted(name: str) -> bool:
        return want is None or name in want

    need_revenue = wanted("revenue") or wanted("avg_order_value")
    # The amounts classified for exact running sums, when some revenue is read.
    any_revenue = need_revenue or any(wanted(f"revenue_{w}d") for w in windows)
    money = RevenueSums(cols, codes, period, n, money_parts(cols.amount)) if any_revenue else None

    def in_order(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return values if order is None else values[order]

    def rows_of(lo: int, hi: int) -> np.ndarray[Any, Any]:
        return np.arange(lo, hi) if order is None else order[lo:hi]

    order_codes = in_order(codes)
    order_wall = in_order(cols.wall)
    order_purchase = in_order(purchase)
    order_counted = in_order(first_line)
    # Per window: the rows entering and leaving revenue_{N}d and orders_{N}d (when read).
    wins: list[_Window | None] = []
    order_wins: list[_Window | None] = []
    sorted_rows = cols.by_time()  # then a row's leave increases with the rows
    for w in windows:
        # The first boundary at which a row is N days old or more: the first b
        # with b >= wall + span, i.e. b - span >= wall (saturating: a bound at
        # the largest time is never reached, one near the smallest always is).
        span = w * DAY_NS
        top, bottom = np.iinfo(np.int64).max, np.iinfo(np.int64).min
        shifted = np.where(bounds == top, top, np.maximum(bounds, bottom + span) - span)
        leave = _edges_before(cols, shifted, small_int(k_all))
        wins.append(
            _Window(w, leave, period, k_all, by_time=sorted_rows)
            if wanted(f"revenue_{w}d")
            else None
        )
        order_wins.append(
            _Window(w, leave, period, k_all, segment, until, by_time=sorted_rows)
            if wanted(f"orders_{w}d")
            else None
        )
    order_inside = [None if w is None else in_order(w.inside) for w in wins]
    segment_inside = [None if w is None else in_order(w.inside) for w in order_wins]
    del period

    def out_copy(values: np.ndarray[Any, Any], as_int: bool = False) -> np.ndarray[Any, Any]:
        # The caller evaluates each period before the next: no copy needed then.
        if want is None:
            return values.astype(np.int64) if as_int else values.copy()
        return values

    # Counts are kept as float64 (exact below 2**53), which the rules read directly.
    longest = max(
        [int(np.diff(starts).max()), *(w.most() for w in (*wins, *order_wins) if w is not None)]
    )
    ones = np.ones(longest)
    orders = np.zeros(n, dtype=np.float64)
    revenue = [np.zeros(n), np.zeros(n)]
    # A first purchase outside the moving orders never changes once made: find it
    # once, when its date is read (tenure). Whether a customer has bought by a
    # point is whether an order of theirs counts there.
    first = None
    if want is None or "tenure_days" in want:
        first = np.full(n, NEVER, dtype=np.int64)
        for part in blocks(purchase.size):  # no row-sized temporaries
            buy = purchase[part]
            np.minimum.at(first, codes[part][buy], cols.wall[part][buy])
    last = np.full(n, -NEVER, dtype=np.int64)
    win_orders = [np.zeros(n, dtype=np.float64) for _ in windows]
    win_revenue = [[np.zeros(n), np.zeros(n)] for _ in windows]
    signup_known = None if signup is None else signup != NEVER
    present = np.zeros(n, dtype=bool)

    def count(where: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.bincount(where, weights=ones[: where.size], minlength=n)

    def net_count(enter: np.ndarray[Any, Any], leave: np.ndarray[Any, Any]) -> Any:
        # Counts of ``enter`` less those of ``leave`` in one pass over the customers
        # (whole numbers: the same as adding the one and subtracting the other).
        if not leave.size:
            return count(enter)
        weights = np.concatenate((ones[: enter.size], -ones[: leave.size]))
        return np.bincount(np.concatenate((enter, leave)), weights=weights, minlength=n)

    for k in range(k_all):
        lo, hi = int(starts[k]), int(starts[k + 1])
        c = order_codes[lo:hi]
        is_purchase = order_purchase[lo:hi]
        is_counted = order_counted[lo:hi]
        np.maximum.at(last, c[is_purchase], order_wall[lo:hi][is_purchase])
        if money is not None and need_revenue:
            money.add(revenue, c, rows_of(lo, hi))
        orders += count(c[is_counted])
        b = int(bounds[k])
        for j in range(len(windows)):
            entering, leaving = order_wins[j], segment_inside[j]
            if entering is not None and leaving is not None:
                gone = entering.gone(k)  # (in any order: counts)
                win_orders[j] += net_count(c[leaving[lo:hi]], codes[gone])
            rev, inside = wins[j], order_inside[j]
            if rev is not None and inside is not None and money is not None:
                gone = rev.gone(k)
                here = inside[lo:hi]
                money.add(win_revenue[j], c[here], rows_of(lo, hi)[here])
                money.add(win_revenue[j], codes[gone], gone, sign=-1.0)
        # The moving orders count for their customers at this point only: added in
        # place and taken off after it (whole counts, so exactly), for the customers
        # with an order of theirs counting now (the others have no purchase line
        # there: no order, no date).
        undo: tuple[Any, ...] | None = None
        if moving_orders is not None and moving_orders.any:
            more, m_first, m_last, m_inside = moving_orders.at(k, b, windows)
            live = np.flatnonzero(more > 0)
            at, more = moving_orders.who[live], more[live]
            m_inside = [x[live] for x in m_inside]
            first_at = None if first is None else first[at]
            undo = (at, more, m_inside, first_at, last[at])
            orders[at] += more
            if first is not None:
                first[at] = np.minimum(first[at], m_first[live])
            last[at] = np.maximum(last[at], m_last[live])
            for j in range(len(windows)):
                win_orders[j][at] += m_inside[j]
        orders_now, first_now, last_now, win_now = orders, first, last, win_orders
        whole = days is not None and days[k] >= 0
        day = int(days[k]) if days is not None else -1

        def since(x: _Ints, b: int = b, whole: bool = whole, day: int = day) -> _Floats:
            if whole:
                return np.asarray(day - np.floor_divide(x, DAY_NS), dtype=np.float64)
            return np.asarray(np.subtract(b, x) / DAY_NS, dtype=np.float64)

        has = orders_now > 0 if first_now is None else first_now <= b
        present |= has
        if signup is not None:
            present |= signup <= b
        out: dict[str, Any] = {}
        if wanted("orders"):
            out["orders"] = out_copy(orders_now, as_int=True)
        total = money.total(revenue, k) if money is not None and need_revenue else None
        if wanted("revenue"):
            out["revenue"] = total
        if wanted("avg_order_value"):
            assert total is not None
            aov = np.where(orders_now > 0, total / np.maximum(orders_now, 1), 0.0)
            out["avg_order_value"] = aov
        if wanted("recency_days"):
            recency = since(last_now)
            np.copyto(recency, np.nan, where=~has)
            out["recency_days"] = recency
        if wanted("tenure_days"):
            assert first_now is not None  # found when tenure is read
            tenure = since(first_now)
            np.copyto(tenure, np.nan, where=~has)
            out["tenure_days"] = tenure
        if wanted("days_since_signup"):
            if signup is None or signup_known is None:
                out["days_since_signup"] = np.full(n, np.nan)
            else:
                signed = since(signup)
                np.copyto(signed, np.nan, where=~signup_known)
                out["days_since_signup"] = signed
        for j, days_n in enumerate(windows):
            if wanted(f"orders_{days_n}d"):
                out[f"orders_{days_n}d"] = out_copy(win_now[j], as_int=True)
            if wanted(f"revenue_{days_n}d"):
                assert money is not None  # made when a revenue column is read
                out[f"revenue_{days_n}d"] = money.total(
                    win_revenue[j], k, after=window_start(b, days_n)
                )
        if want is None:
            assert first_now is not None
            out["_first"] = np.where(has, first_now, NEVER)
            out["_last"] = last_now.copy()
        yield k, present if want is not None else present.copy(), out
        if undo is not None:
            at, more, m_inside, first_at, last_at = undo
            orders[at] -= more
            last[at] = last_at
            if first is not None:
                first[at] = first_at
            for j in range(len(windows)):
                win_orders[j][at] -= m_inside[j]
