"""Replay a lifecycle over history: features updated incrementally, period by period.

The transaction rows are bucketed once by the first period boundary on or
after their timestamp (a counting sort on the period number). At each boundary
the rows of its bucket are added to running per-customer aggregates, and for
each ``orders_{N}d`` / ``revenue_{N}d`` window the rows that have just become
older than ``N`` days are subtracted, so the features at a boundary equal
:func:`segkit.summarize` with ``as_of`` at that boundary without re-reading
history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import DAY_NS, latest, parse_as_of, parse_freq, to_zone
from segkit._validation import (
    check_choice,
    require_columns,
    require_frame,
    same_id_kind,
    show_values,
)
from segkit.errors import ParameterError, SchemaError
from segkit.features import TransactionColumns
from segkit.lifecycle._guards import Machine
from segkit.transactions import combine_parts, group_sum, money_parts, parts_sum

__all__ = ["ReplayOptions", "feature_steps", "periods", "run_replay"]

_NEVER = np.iinfo(np.int64).max
_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]


# --------------------------------------------------------------------------- #
# Periods
# --------------------------------------------------------------------------- #
def _boundary_on_or_after(stamp: pd.Timestamp, offset: pd.DateOffset) -> pd.Timestamp:
    out = offset.rollforward(stamp.normalize())
    while out < stamp:
        out = out + offset
    return out


#: Most customer-steps (customers x evaluation points) a replay takes on.
MAX_STEPS = 2_000_000_000
#: Most evaluation points of one replay.
MAX_POINTS = 20_000


@attrs.frozen
class Points:
    """The evaluation points of a replay.

    Attributes
    ----------
    labels : DatetimeIndex
        Naive wall-clock labels: the period boundaries, then ``end``.
    cuts : ndarray of int64
        Inclusive wall-clock ends (rows at or before count), nanoseconds.
    days : ndarray of int64
        The calendar day of a date-only point (durations in whole days to
        it), -1 for an instant.
    """

    labels: pd.DatetimeIndex
    cuts: _Ints
    days: _Ints


def periods(
    cols: TransactionColumns, freq: Any, start: Any, end: Any, n_customers: int = 1
) -> Points:
    """The evaluation points: ``freq`` boundaries from ``start``, and finally ``end`` itself.

    ``end`` is resolved by the time policy (:func:`segkit._time.parse_as_of`;
    default: the latest transaction): a date means that whole day. Boundaries
    before it are evaluated at their instant; the last point is ``end``, so the
    replay never runs past the data.
    """
    offset = parse_freq(freq)
    if cols.wall.size == 0 and (start is None or end is None):
        raise SchemaError("the transactions are empty; pass start and end")
    last = latest(cols.wall, cols.tz) if end is None else parse_as_of(end, cols.tz, name="end")
    if start is None:
        lo = _boundary_on_or_after(pd.Timestamp(int(cols.wall.min()), unit="ns"), offset)
    else:
        first = parse_as_of(start, cols.tz, name="start")
        lo = pd.Timestamp(first.reference, unit="ns")
    hi = pd.Timestamp(last.reference, unit="ns")
    if start is None:
        lo = min(lo, hi)  # data within one period: only the end point
    if hi < lo:
        raise ParameterError(f"end {last.label} is before start {lo}")
    step = (lo + offset) - lo if lo + offset > lo else pd.Timedelta(1)
    estimate = (hi - lo) / step if step > pd.Timedelta(0) else 0.0
    if estimate > MAX_POINTS or estimate * max(n_customers, 1) > MAX_STEPS:
        raise ParameterError(
            f"freq={freq!r} from {lo} to {last.label} gives about {estimate:,.0f} evaluation "
            f"points for {n_customers:,} customers ({estimate * n_customers:,.0f} "
            f"customer-steps; at most {MAX_POINTS:,} points and {MAX_STEPS:,} customer-steps); "
            "choose a coarser freq or a shorter start..end"
        )
    bounds = pd.DatetimeIndex(pd.date_range(lo, hi, freq=offset)).as_unit("ns")
    bounds = bounds[bounds < hi] if last.date_only else bounds[bounds.asi8 < last.cut]
    labels = pd.DatetimeIndex(bounds.append(pd.DatetimeIndex([hi]).as_unit("ns")))
    cuts = np.append(bounds.asi8, last.cut).astype(np.int64)
    days = np.full(cuts.size, -1, dtype=np.int64)
    if last.date_only:
        days[-1] = int(last.reference // DAY_NS)
    return Points(labels, cuts, days)


def zoned(labels: pd.DatetimeIndex, tz: Any) -> tuple[pd.DatetimeIndex, _Bools]:
    """Wall-clock labels in zone ``tz`` by the DST rule, and which points to keep.

    A boundary in a DST gap moves to the first instant after the gap; when that
    instant is itself a boundary (hourly ``freq``), the two are one point.
    """
    if tz is None:
        return labels, np.ones(len(labels), dtype=bool)
    out = pd.DatetimeIndex(to_zone(labels, tz))
    keep = ~out.duplicated(keep="last")
    return out, np.asarray(keep, dtype=bool)


# --------------------------------------------------------------------------- #
# Incremental features
# --------------------------------------------------------------------------- #
def _buckets(key: np.ndarray[Any, Any], k: int) -> tuple[np.ndarray[Any, Any], _Ints]:
    """Row order grouped by ``key`` (0..k), and where each group starts."""
    small = key.astype(np.int16 if k < 32_000 else np.int32, copy=False)
    order = np.argsort(small, kind="stable")  # a radix sort for small integer keys
    starts = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(np.bincount(small, minlength=k + 1)[: k + 1], out=starts[1:])
    return order, starts


class _Window:
    """Rows to add and to subtract at each boundary for an ``N``-day window.

    ``leave`` is, per row, the first boundary at which it is ``N`` days old or
    more; ``member`` limits the rows (default: all); ``until`` is, per row, the
    point from which it stops counting anyway (a later line of the same order
    takes its place).
    """

    def __init__(
        self,
        days: int,
        leave: _Ints,
        period: _Ints,
        k_all: int,
        member: _Bools | None = None,
        until: _Ints | None = None,
    ) -> None:
        self.days = days
        if until is not None:
            leave = np.minimum(leave, until)
        self.inside = leave > period  # rows that are inside at their own boundary
        if member is not None:
            self.inside &= member
        rows = np.flatnonzero(self.inside & (leave < k_all))
        order, self.starts = _buckets(leave[rows], k_all)
        self.leaving = rows[order]


def _window_start(bound: int, days: int) -> int:
    """The exclusive start of the ``days``-day window ending at ``bound`` (saturating)."""
    return max(bound - days * DAY_NS, int(np.iinfo(np.int64).min))


def _distinct(key: _Ints) -> _Ints:
    """The distinct values of ``key``, sorted (a sort: numpy 2's hashing unique is slow here)."""
    key = np.sort(key)
    if key.size < 2:
        return key
    keep = np.empty(key.size, dtype=bool)
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    out: _Ints = key[keep]
    return out


def _group_starts(key: _Ints) -> _Bools:
    """Where a new run of equal values starts in a sorted ``key``."""
    out = np.ones(key.size, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=out[1:])
    return out


def _order_status(
    cols: TransactionColumns, period: _Ints, k_all: int, level: Any, whole: _Floats
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
    n_orders = int(order.max()) + 1
    positive: _Bools = parts_sum(order[valid], level[valid], whole[valid], n_orders) > 0
    lo = np.full(n_orders, k_all, dtype=np.int64)
    hi = np.full(n_orders, -1, dtype=np.int64)
    np.minimum.at(lo, order[valid], period[valid])
    np.maximum.at(hi, order[valid], period[valid])
    moving = np.zeros(n_orders, dtype=bool)
    spread = hi > lo
    if not spread.any():
        return positive, moving, spread
    rows = np.flatnonzero(valid & spread[order])
    level, whole = level[rows], whole[rows]
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


def _segments(
    cols: TransactionColumns,
    codes: _Ints,
    period: _Ints,
    k_all: int,
    purchase: _Bools,
    spread: _Bools | None = None,
) -> tuple[_Bools, _Bools, _Ints | None]:
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
    until = np.full(purchase.size, k_all, dtype=np.int64)
    first = np.zeros(purchase.size, dtype=bool)
    segment = np.zeros(purchase.size, dtype=bool)
    rows = np.flatnonzero(purchase)
    if rows.size == 0:
        return first, segment, until
    order, who, when, wall = cols.order[rows], codes[rows], period[rows], cols.wall[rows]
    n_orders = int(cols.order.max()) + 1
    # Most orders are one customer's lines in one period: one segment, found
    # with per-order maxima, no sort.
    lo = np.full(n_orders, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_orders, -1, dtype=np.int64)
    np.minimum.at(lo, order, who)
    np.maximum.at(hi, order, who)
    several = hi > lo
    if spread is None:  # the periods of each order's lines
        lo.fill(np.iinfo(np.int64).max)
        hi.fill(-1)
        np.minimum.at(lo, order, when)
        np.maximum.at(hi, order, when)
        spread = hi > lo
    mixed = (several | spread)[order]
    top = np.full(n_orders, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(top, order, wall)
    latest = np.flatnonzero(~mixed & (wall == top[order]))
    pick = np.full(n_orders, rows.size, dtype=np.int64)
    np.minimum.at(pick, order[latest], latest)
    simple = rows[pick[pick < rows.size]]
    first[simple] = True
    segment[simple] = True
    rest = np.flatnonzero(mixed)
    if rest.size == 0:
        return first, segment, until
    # The others: sort their lines by (customer, order, period).
    pair = who[rest] * n_orders + order[rest]
    if int(codes.max() + 1) * n_orders > 2**62 // k_all:  # pragma: no cover - huge ids
        by_pair = np.lexsort((order[rest], who[rest]))
        c, o = who[rest][by_pair], order[rest][by_pair]
        pair = np.empty(rest.size, dtype=np.int64)
        pair[by_pair] = np.cumsum(np.r_[True, (c[1:] != c[:-1]) | (o[1:] != o[:-1])]) - 1
    key = pair * k_all + when[rest]
    by = np.lexsort((wall[rest], key))
    key = key[by]
    last = np.ones(rest.size, dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    seg_rows = rows[rest[by[last]]]
    seg_pair, seg_when = key[last] // k_all, key[last] % k_all
    new_pair = _group_starts(seg_pair)
    first[seg_rows[new_pair]] = True
    segment[seg_rows] = True
    following = np.full(seg_rows.size, k_all, dtype=np.int64)
    following[:-1] = np.where(new_pair[1:], k_all, seg_when[1:])
    until[seg_rows] = following
    return first, segment, until


class _Moving:
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
        self.who, local = np.unique(codes[rows], return_inverse=True)
        self.local = np.asarray(local, dtype=np.int64).ravel()
        moving_ids = np.flatnonzero(moving)
        index = np.full(moving.size, -1, dtype=np.int64)
        index[moving_ids] = np.arange(moving_ids.size)
        self.code = index[cols.order[rows]]
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
        first = np.full(m, _NEVER, dtype=np.int64)
        last = np.full(m, -_NEVER, dtype=np.int64)
        np.minimum.at(first, who, wall)
        np.maximum.at(last, who, wall)

        def orders(sel: Any) -> _Floats:
            pairs = _distinct(key[sel])
            return np.bincount(pairs // self.n_orders, minlength=m).astype(np.float64)

        inside = [orders(wall > _window_start(bound, w)) for w in windows]
        return orders(slice(None)), first, last, inside


class _Revenue:
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
    period = np.searchsorted(bounds, cols.wall, side="left")
    order, starts = _buckets(period, k_all)
    moving_orders: _Moving | None = None
    valid = period < k_all
    parts = money_parts(cols.amount)
    spread = None
    if cols.order is None:
        purchase = (cols.amount >= 0) & valid
    else:
        positive, moving, spread = _order_status(cols, period, k_all, *parts)
        purchase = positive[cols.order] & (cols.amount >= 0) & valid & ~moving[cols.order]
        moving_orders = _Moving(cols, codes, period, k_all, positive, moving)
    first_line, segment, until = _segments(cols, codes, period, k_all, purchase, spread)
    money = _Revenue(cols, codes, period, n, parts)
    order_codes = codes[order]
    order_wall = cols.wall[order]
    order_purchase = purchase[order]
    order_counted = first_line[order]
    want = set(needed) if needed is not None else None

    def wanted(name: str) -> bool:
        return want is None or name in want

    # Per window: the rows entering and leaving revenue_{N}d and orders_{N}d (when read).
    wins: list[_Window | None] = []
    order_wins: list[_Window | None] = []
    for w in windows:
        # The first boundary at which a row is N days old or more; saturating:
        # wall + span must not wrap past 2**63 - 1.
        span = w * DAY_NS
        ends = np.minimum(cols.wall, np.iinfo(np.int64).max - span) + span
        leave = np.searchsorted(bounds, ends, side="left")
        wins.append(_Window(w, leave, period, k_all) if wanted(f"revenue_{w}d") else None)
        order_wins.append(
            _Window(w, leave, period, k_all, segment, until) if wanted(f"orders_{w}d") else None
        )
    order_inside = [None if w is None else w.inside[order] for w in wins]
    segment_inside = [None if w is None else w.inside[order] for w in order_wins]
    del period

    def out_copy(values: np.ndarray[Any, Any], as_int: bool = False) -> np.ndarray[Any, Any]:
        # The caller evaluates each period before the next: no copy needed then.
        if want is None:
            return values.astype(np.int64) if as_int else values.copy()
        return values

    need_revenue = wanted("revenue") or wanted("avg_order_value")
    # Counts are kept as float64 (exact below 2**53), which the rules read directly.
    longest = max(
        int(np.diff(x).max())
        for x in (starts, *(w.starts for w in (*wins, *order_wins) if w is not None))
    )
    ones = np.ones(longest)
    orders = np.zeros(n, dtype=np.float64)
    revenue = [np.zeros(n), np.zeros(n)]
    # A first purchase outside the moving orders never changes once made: find it once.
    first = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first, codes[purchase], cols.wall[purchase])
    last = np.full(n, -_NEVER, dtype=np.int64)
    win_orders = [np.zeros(n, dtype=np.float64) for _ in windows]
    win_revenue = [[np.zeros(n), np.zeros(n)] for _ in windows]
    signup_known = None if signup is None else signup != _NEVER
    present = np.zeros(n, dtype=bool)

    def count(where: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.bincount(where, weights=ones[: where.size], minlength=n)

    for k in range(k_all):
        lo, hi = int(starts[k]), int(starts[k + 1])
        c = order_codes[lo:hi]
        is_purchase = order_purchase[lo:hi]
        is_counted = order_counted[lo:hi]
        np.maximum.at(last, c[is_purchase], order_wall[lo:hi][is_purchase])
        if need_revenue:
            money.add(revenue, c, order[lo:hi])
        orders += count(c[is_counted])
        b = int(bounds[k])
        for j in range(len(windows)):
            entering, leaving = order_wins[j], segment_inside[j]
            if entering is not None and leaving is not None:
                gone = entering.leaving[int(entering.starts[k]) : int(entering.starts[k + 1])]
                win_orders[j] += count(c[leaving[lo:hi]])
                win_orders[j] -= count(codes[gone])
            rev, inside = wins[j], order_inside[j]
            if rev is not None and inside is not None:
                gone = rev.leaving[int(rev.starts[k]) : int(rev.starts[k + 1])]
                here = inside[lo:hi]
                money.add(win_revenue[j], c[here], order[lo:hi][here])
                money.add(win_revenue[j], codes[gone], gone, sign=-1.0)
        orders_now, first_now, last_now, win_now = orders, first, last, win_orders
        if moving_orders is not None and moving_orders.any:
            more, m_first, m_last, m_inside = moving_orders.at(k, b, windows)
            at = moving_orders.who
            orders_now, first_now, last_now = orders.copy(), first.copy(), last.copy()
            orders_now[at] += more
            first_now[at] = np.minimum(first[at], m_first)
            last_now[at] = np.maximum(last[at], m_last)
            win_now = [x.copy() for x in win_orders]
            for j in range(len(windows)):
                win_now[j][at] += m_inside[j]
        whole = days is not None and days[k] >= 0
        day = int(days[k]) if days is not None else -1

        def since(x: _Ints, b: int = b, whole: bool = whole, day: int = day) -> _Floats:
            if whole:
                return np.asarray(day - np.floor_divide(x, DAY_NS), dtype=np.float64)
            return np.asarray(np.subtract(b, x) / DAY_NS, dtype=np.float64)

        has = first_now <= b
        present |= has
        if signup is not None:
            present |= signup <= b
        out: dict[str, Any] = {}
        if wanted("orders"):
            out["orders"] = out_copy(orders_now, as_int=True)
        total = money.total(revenue, k) if need_revenue else None
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
                out[f"revenue_{days_n}d"] = money.total(
                    win_revenue[j], k, after=_window_start(b, days_n)
                )
        if want is None:
            out["_first"] = np.where(has, first_now, _NEVER)
            out["_last"] = last_now.copy()
        yield k, present if want is not None else present.copy(), out


# --------------------------------------------------------------------------- #
# (the universe of customers)
# --------------------------------------------------------------------------- #
def _universe(
    cols: TransactionColumns,
    customers: Any,
    customer: str,
    signup: str | None,
    extra: Sequence[str],
) -> tuple[pd.Index, _Ints, _Ints | None, dict[str, Any]]:
    """All customer ids, each row's position among them, signups and static columns."""
    ids = cols.customers
    if customers is None:
        if extra:
            raise ParameterError(
                f"the guards read {list(extra)} from the customers table; pass customers="
            )
        return ids, cols.codes, None, {}
    table = require_frame(customers, "customers")
    if customer in table.columns:
        table = table.set_index(customer)
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()].unique()
        raise SchemaError(f"the customers table repeats customer ids: {show_values(dup)}")
    needed = list(extra) + ([signup] if signup is not None else [])
    require_columns(table, needed, "customers")
    same_id_kind(ids, pd.Index(table.index), customer)
    try:
        universe = ids.union(pd.Index(table.index), sort=True)
    except TypeError as exc:
        raise SchemaError(
            "the customer ids of the transactions and of the customers table have different "
            "types; make them one type"
        ) from exc
    universe.name = ids.name
    codes = cols.codes if universe.equals(ids) else universe.get_indexer(ids)[cols.codes]
    where = universe.get_indexer(table.index)
    signup_ns = None
    if signup is not None:
        stamps = table[signup]
        if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
            try:
                stamps = pd.to_datetime(stamps, format="ISO8601")
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"column {signup!r} of the customers table could not be read as dates: {exc}"
                ) from exc
        if getattr(stamps.dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(cols.tz or "UTC").dt.tz_localize(None)
        ns = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
        ns[stamps.isna().to_numpy()] = _NEVER
        signup_ns = np.full(len(universe), _NEVER, dtype=np.int64)
        signup_ns[where] = ns
    static = {name: table[name].reindex(universe).to_numpy() for name in extra}
    return universe, codes, signup_ns, static


# --------------------------------------------------------------------------- #
# Replay
# --------------------------------------------------------------------------- #
@attrs.frozen
class ReplayOptions:
    """The arguments of :meth:`Lifecycle.replay`, checked once and passed on as one value."""

    customer: str
    timestamp: str
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None
    order: str | None = None
    freq: Any = "MS"
    start: Any = None
    end: Any = None
    customers: Any = attrs.field(default=None, eq=False)
    signup: str | None = "signup_date"
    output: str = attrs.field(default="panel")
    columns_at: Any = attrs.field(default=None, eq=False)

    @output.validator
    def _check_output(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_choice("output", value, ("panel", "changes"), "Lifecycle.replay")

    def keywords(self) -> dict[str, Any]:
        """The options as keyword arguments of :meth:`Lifecycle.replay` (without ``customers``)."""
        out = attrs.asdict(self, recurse=False)
        del out["customers"], out["signup"], out["columns_at"]
        return out


#: ``column(k, when, states, features) -> values``: a guard column computed at
#: point ``k`` (label ``when``) from the states held before it (positions in
#: the state names, -1 for customers not yet present) and the features.
ColumnAt = Callable[[int, pd.Timestamp, np.ndarray[Any, Any], Mapping[str, Any]], Any]


def run_replay(
    machine: Machine,
    initial: int,
    transactions: Any,
    options: ReplayOptions,
) -> pd.DataFrame:
    """Run ``machine`` over history at every evaluation point (see :meth:`Lifecycle.replay`)."""
    extra_at: Mapping[str, ColumnAt] = options.columns_at or {}
    cols = TransactionColumns.read(
        transactions,
        customer=options.customer,
        timestamp=options.timestamp,
        amount=options.amount,
        quantity=options.quantity,
        price=options.price,
        order=options.order,
    )
    extra = [c for c in machine.static if c not in extra_at]
    ids, codes, signup_ns, static = _universe(
        cols,
        options.customers,
        options.customer,
        options.signup if options.customers is not None else None,
        extra,
    )
    n = len(ids)
    points = periods(cols, options.freq, options.start, options.end, n)
    labels, keep = zoned(points.labels, cols.tz)
    labels, bounds, days = labels[keep], points.cuts[keep], points.days[keep]
    absent = len(machine.names)
    state = np.full(n, absent, dtype=np.int8)
    history = np.empty((bounds.size, n), dtype=np.int8) if options.output == "panel" else None
    moves: list[tuple[int, _Ints, np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []
    needed = [c for c in machine.columns if c not in static and c not in extra_at]
    steps = feature_steps(cols, codes, n, bounds, machine.windows, signup_ns, needed, days)
    for k, present, features in steps:
        before = state
        entering = present & (state == absent)
        current = state.copy()
        current[entering] = initial
        if extra_at:
            held = np.where(before == absent, -1, before)
            more = {name: f(k, labels[k], held, features) for name, f in extra_at.items()}
        else:
            more = {}
        frame = pd.DataFrame({**features, **static, **more}, copy=False)
        when = labels[k] if days[k] < 0 else labels[k].date()  # a date: the whole day
        state = machine.advance(frame, current, as_of=when, ids=ids)
        changed = np.flatnonzero(state != before)
        moves.append((k, changed, before[changed], state[changed]))
        if history is not None:
            history[k] = state
    if history is not None:
        return _panel(machine.names, ids, labels, history, absent)
    return _changes(machine.names, ids, labels, moves, absent)


def _categorical(names: Sequence[str], codes: np.ndarray[Any, Any], absent: int) -> Any:
    return pd.Categorical.from_codes(
        np.where(codes == absent, -1, codes).astype(np.int8),
        categories=pd.Index(names),
    )


def _changes(
    names: Sequence[str],
    ids: pd.Index,
    labels: pd.DatetimeIndex,
    moves: list[tuple[int, _Ints, np.ndarray[Any, Any], np.ndarray[Any, Any]]],
    absent: int,
) -> pd.DataFrame:
    who = np.concatenate([m[1] for m in moves]) if moves else np.zeros(0, np.int64)
    when = np.concatenate([np.full(m[1].size, m[0]) for m in moves]) if moves else who
    src = np.concatenate([m[2] for m in moves]) if moves else np.zeros(0, np.int8)
    dst = np.concatenate([m[3] for m in moves]) if moves else np.zeros(0, np.int8)
    order = np.argsort(who, kind="stable")  # moves were collected in date order
    out = pd.DataFrame(
        {
            "customer": ids.array.take(who[order]),
            "date": labels.array.take(when[order]),
            "from": _categorical(names, src[order], absent),
            "to": _categorical(names, dst[order], absent),
        },
        copy=False,
    )
    out.attrs["periods"] = tuple(labels)  # a tuple compares cleanly when frames are concatenated
    return out


def _panel(
    names: Sequence[str],
    ids: pd.Index,
    labels: pd.DatetimeIndex,
    history: np.ndarray[Any, Any],
    absent: int,
) -> pd.DataFrame:
    by_customer = np.ascontiguousarray(history.T)  # customers x periods
    present = by_customer != absent
    previous = np.empty_like(by_customer)
    previous[:, 0] = absent
    previous[:, 1:] = by_customer[:, :-1]
    who, when = np.nonzero(present)
    state = by_customer[present]
    before = previous[present]
    # Take from the arrays, not the Index objects: no per-row boxing, no index copies.
    out = pd.DataFrame(
        {
            "customer": ids.array.take(who),
            "period": labels.array.take(when),
            "state": _categorical(names, state, absent),
            "previous_state": _categorical(names, before, absent),
            "changed": state != before,
        },
        copy=False,
    )
    out.attrs["periods"] = tuple(labels)  # a tuple compares cleanly when frames are concatenated
    return out
