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

from segkit._time import DAY_NS, latest, parse_as_of, to_zone
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

__all__ = ["ReplayOptions", "feature_steps", "periods", "run_replay"]

_NEVER = np.iinfo(np.int64).max
_Ints = np.ndarray[Any, np.dtype[np.int64]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]


# --------------------------------------------------------------------------- #
# Periods
# --------------------------------------------------------------------------- #
def _offset(freq: Any) -> pd.DateOffset:
    try:
        offset: pd.DateOffset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"freq must be a pandas frequency such as 'MS' (month starts), 'W-MON' or 'QS'; "
            f"got {freq!r}"
        ) from exc
    probe = pd.Timestamp("2000-01-01")
    if not probe + offset > probe:
        raise ParameterError(f"freq must move forward in time; got {freq!r}")
    return offset


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
    offset = _offset(freq)
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
    """Rows to add and to subtract at each boundary for an ``N``-day window."""

    def __init__(self, days: int, wall: _Ints, period: _Ints, bounds: _Ints) -> None:
        self.days = days
        # The first boundary at which a row is N days old or more.
        span = days * DAY_NS  # saturating: wall + span must not wrap past 2**63 - 1
        ends = np.minimum(wall, np.iinfo(np.int64).max - span) + span
        leave = np.searchsorted(bounds, ends, side="left")
        self.inside = leave > period  # rows that are inside at their own boundary
        rows = np.flatnonzero(self.inside & (leave < bounds.size))
        order, self.starts = _buckets(leave[rows], bounds.size)
        self.leaving = rows[order]


def _first_lines(cols: TransactionColumns, purchase: _Bools) -> _Bools:
    """The first purchase line (by time) of each distinct order id."""
    assert cols.order is not None
    rows = np.flatnonzero(purchase)
    by = np.lexsort((cols.wall[rows], cols.order[rows]))
    ordered = cols.order[rows][by]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    out = np.zeros(purchase.size, dtype=bool)
    out[rows[by[first]]] = True
    return out


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
    With an order column, a customer's orders are the distinct order ids with
    a purchase line, each counted at its first purchase line.
    """
    k_all = bounds.size
    period = np.searchsorted(bounds, cols.wall, side="left")
    order, starts = _buckets(period, k_all)
    purchase = cols.purchases()  # with an order column: lines of orders with a positive net
    counted = purchase if cols.order is None else purchase & _first_lines(cols, purchase)
    order_codes = codes[order]
    order_wall = cols.wall[order]
    order_amount = cols.amount[order]
    order_purchase = purchase[order]
    order_counted = order_purchase if cols.order is None else counted[order]
    wins = [_Window(w, cols.wall, period, bounds) for w in windows]
    order_inside = [w.inside[order] for w in wins]
    del period

    want = set(needed) if needed is not None else None

    def wanted(name: str) -> bool:
        return want is None or name in want

    def out_copy(values: np.ndarray[Any, Any], as_int: bool = False) -> np.ndarray[Any, Any]:
        # The caller evaluates each period before the next: no copy needed then.
        if want is None:
            return values.astype(np.int64) if as_int else values.copy()
        return values

    need_first = wanted("tenure_days")
    # Without the first purchase dates, "has bought" comes from the order counts.
    need_orders = wanted("orders") or wanted("avg_order_value") or not need_first
    need_revenue = wanted("revenue") or wanted("avg_order_value")
    # Counts are kept as float64 (exact below 2**53), which the rules read directly.
    longest = max([int(np.diff(x).max()) for x in (starts, *(w.starts for w in wins))])
    ones = np.ones(longest)
    orders = np.zeros(n, dtype=np.float64)
    revenue = np.zeros(n, dtype=np.float64)
    # The first purchase never changes once made: find it once.
    first = np.full(n, _NEVER, dtype=np.int64)
    if need_first:
        np.minimum.at(first, codes[purchase], cols.wall[purchase])
    last = np.full(n, -_NEVER, dtype=np.int64)
    win_orders = [np.zeros(n, dtype=np.float64) for _ in wins]
    win_revenue = [np.zeros(n, dtype=np.float64) for _ in wins]
    signup_known = None if signup is None else signup != _NEVER
    present = np.zeros(n, dtype=bool)

    def count(where: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.bincount(where, weights=ones[: where.size], minlength=n)

    for k in range(k_all):
        lo, hi = int(starts[k]), int(starts[k + 1])
        c = order_codes[lo:hi]
        a = order_amount[lo:hi]
        is_purchase = order_purchase[lo:hi]
        is_counted = order_counted[lo:hi]
        pc = c[is_purchase]
        np.maximum.at(last, pc, order_wall[lo:hi][is_purchase])
        if need_revenue:
            revenue += np.bincount(c, weights=a, minlength=n)
        if need_orders:
            orders += count(c[is_counted])
        for j, win in enumerate(wins):
            inside = order_inside[j][lo:hi]
            gone = win.leaving[int(win.starts[k]) : int(win.starts[k + 1])]
            gone_c = codes[gone]
            if wanted(f"orders_{win.days}d"):
                win_orders[j] += count(c[inside & is_counted])
                win_orders[j] -= count(gone_c[counted[gone]])
            if wanted(f"revenue_{win.days}d"):
                win_revenue[j] += np.bincount(c[inside], weights=a[inside], minlength=n)
                win_revenue[j] -= np.bincount(gone_c, weights=cols.amount[gone], minlength=n)
        b = int(bounds[k])
        whole = days is not None and days[k] >= 0
        day = int(days[k]) if days is not None else -1

        def since(x: _Ints, b: int = b, whole: bool = whole, day: int = day) -> _Floats:
            if whole:
                return np.asarray(day - np.floor_divide(x, DAY_NS), dtype=np.float64)
            return np.asarray(np.subtract(b, x) / DAY_NS, dtype=np.float64)

        has = first <= b if need_first else orders > 0
        present |= has
        if signup is not None:
            present |= signup <= b
        out: dict[str, Any] = {}
        if wanted("orders"):
            out["orders"] = out_copy(orders, as_int=True)
        if wanted("revenue"):
            out["revenue"] = out_copy(revenue)
        if wanted("avg_order_value"):
            aov = np.divide(revenue, orders, out=np.zeros(n), where=orders > 0)
            out["avg_order_value"] = aov
        if wanted("recency_days"):
            recency = since(last)
            np.copyto(recency, np.nan, where=~has)
            out["recency_days"] = recency
        if wanted("tenure_days"):
            tenure = since(first)
            np.copyto(tenure, np.nan, where=~has)
            out["tenure_days"] = tenure
        if wanted("days_since_signup"):
            if signup is None or signup_known is None:
                out["days_since_signup"] = np.full(n, np.nan)
            else:
                signed = since(signup)
                np.copyto(signed, np.nan, where=~signup_known)
                out["days_since_signup"] = signed
        for j, win in enumerate(wins):
            if wanted(f"orders_{win.days}d"):
                out[f"orders_{win.days}d"] = out_copy(win_orders[j], as_int=True)
            if wanted(f"revenue_{win.days}d"):
                out[f"revenue_{win.days}d"] = out_copy(win_revenue[j])
        if want is None:
            out["_first"] = np.where(has, first, _NEVER)
            out["_last"] = last.copy()
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
    amount: str
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
