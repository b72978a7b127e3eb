"""The points ledger, vectorised over all customers.

Points leave a customer's balance first-in, first-out: redemptions and the
claw-back of returns take the oldest points, and at a lot's expiry whatever
is left of it expires. With customers' events sorted by time, let ``U`` be
the points earned so far, ``S`` the points taken out so far and ``C_i`` the
points earned up to and including lot ``i``. Taking out and expiring both
consume the oldest points, so the points gone (taken out or expired) after
event ``k`` are ``D_k = max(D_{k-1} + r_k, c_k)`` where ``r_k`` is the amount
taken out at ``k`` and ``c_k = C_i`` when ``k`` is the expiry of lot ``i``
(nothing otherwise). Unrolled, ``D_k = S_k + max(0, max_{j<=k}(c_j - S_j))``:
one cumulative sum and one cumulative maximum per customer, no loop over
events. The points expired are ``D - S`` and the balance ``U - D``. A
withdrawal larger than the balance is cut to the balance (the first such
event of each affected customer per pass, then those customers again).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.features import TransactionColumns
from segkit.loyalty._returns import apply_rounding, group_cumsum, matched_clawbacks, units
from segkit.tagging import RuleContext

if TYPE_CHECKING:
    from segkit.loyalty._program import PointsProgram  # the ledger only names the type

__all__ = ["LEDGER_COLUMNS", "LoyaltyWarning", "ledger", "liability"]

#: The columns of :meth:`PointsProgram.ledger`.
LEDGER_COLUMNS = (
    "points_earned",
    "points_redeemed",
    "points_expired",
    "points_balance",
    "points_expiring_30d",
)

_DAY_NS = 86_400 * 10**9
_EXPIRY, _EARN, _CLAWBACK, _REDEEM = 0, 1, 2, 3

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


class LoyaltyWarning(UserWarning):
    """Loyalty input that was adjusted, e.g. redemptions larger than the balance."""


# --------------------------------------------------------------------------- #
# Calendar helpers on wall-clock nanoseconds
# --------------------------------------------------------------------------- #
def _civil(days: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """Year, month (1-12) and day (1-31) of days since 1970-01-01, in integer arithmetic.

    H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", ``civil_from_days``
    (proleptic Gregorian calendar in 400-year eras); numpy's datetime64
    conversions to months are several times slower.
    """
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def _days_from_civil(year: _Ints, month: _Ints, day: _Ints) -> _Ints:
    """Days since 1970-01-01 of a date (Hinnant's ``days_from_civil``)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return np.asarray(era * 146_097 + doe - 719_468, dtype=np.int64)


def _civil_of(days: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """:func:`_civil` through a table of the days spanned (a gather per row, not 15 divisions)."""
    if days.size == 0:
        return days, days, days
    lo = int(days.min())
    year, month, day = _civil(np.arange(lo, int(days.max()) + 1, dtype=np.int64))
    at = days - lo
    return year[at], month[at], day[at]


def _month_index(wall: _Ints) -> _Ints:
    """Months since January 1970 of wall-clock nanoseconds."""
    year, month, _ = _civil_of(np.floor_divide(wall, _DAY_NS))
    return np.asarray((year - 1970) * 12 + month - 1, dtype=np.int64)


def _calendar(wall: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """Month (1-12), weekday (0 = Monday) and day of month (1-31)."""
    days = np.floor_divide(wall, _DAY_NS)
    _, month, day = _civil_of(days)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    return month, weekday, day


def add_months(wall: _Ints, months: int) -> _Ints:
    """``wall + months`` calendar months, clipped to the month's last day, same time of day."""
    days = np.floor_divide(wall, _DAY_NS)
    if days.size == 0:
        return wall.copy()
    year, month, day = _civil_of(days)
    index = (year * 12 + month - 1) + months
    # first day of every month from the first target to the month after the last
    lo = int(index.min())
    span = np.arange(lo, int(index.max()) + 2, dtype=np.int64)
    starts = _days_from_civil(np.floor_divide(span, 12), span % 12 + 1, np.ones_like(span))
    first, following = starts[index - lo], starts[index - lo + 1]
    target = first + np.minimum(day, following - first) - 1
    return np.asarray(target * _DAY_NS + (wall - days * _DAY_NS), dtype=np.int64)


# --------------------------------------------------------------------------- #
# Points per purchase
# --------------------------------------------------------------------------- #
def _factors(
    program: PointsProgram,
    transactions: pd.DataFrame,
    rows: _Ints,
    codes: _Ints,
    amount: _Floats,
    wall: _Ints,
    ids: pd.Index,
    customers: Any,
) -> _Floats:
    """The bonus multiplier of each unit."""
    if not program.multipliers:
        return np.ones(amount.size)
    month, weekday, day = _calendar(wall)
    frame: dict[str, Any] = {"amount": amount, "month": month, "weekday": weekday, "day": day}
    table = None
    for name in program.schema:
        if name in transactions.columns:
            frame[name] = transactions[name].to_numpy()[rows]
            continue
        if table is None:
            if customers is None:
                raise ColumnNotFoundError([name], transactions.columns, "transactions")
            table = require_frame(customers, "customers")
            if table.index.name != ids.name and ids.name in table.columns:
                table = table.set_index(ids.name)
        require_columns(table, [name], "customers")
        frame[name] = table[name].reindex(ids).to_numpy()[codes]
    ctx = RuleContext(pd.DataFrame(frame, copy=False))
    out = None
    for rule, m in zip(program.rules, program.multipliers, strict=True):
        hit = np.asarray(rule.mask(ctx), dtype=bool)
        if program.stacking == "multiply":
            factor = np.where(hit, m.factor, 1.0)
            out = factor if out is None else out * factor
        else:
            factor = np.where(hit, m.factor, np.nan)
            out = factor if out is None else np.fmax(out, factor)
    assert out is not None
    return np.asarray(np.nan_to_num(out, nan=1.0), dtype=np.float64)


def _points(program: PointsProgram, amount: _Floats, factor: _Floats) -> _Floats:
    with np.errstate(over="ignore"):
        pts = apply_rounding(program.rounding, np.abs(amount) * program.earn_rate * factor)
    if not np.isfinite(pts).all():  # 1e308 points per unit: an overflow, not a balance
        raise ParameterError(
            f"points overflow: earn_rate {program.earn_rate!r} x multipliers x amounts exceeds "
            "what a 64-bit float holds; use an earn rate in points per currency unit (e.g. 1)"
        )
    if program.cap_per_order is not None:
        pts = np.minimum(pts, program.cap_per_order)
    return np.asarray(pts, dtype=np.float64)


def _cap_month(cap: float, codes: _Ints, wall: _Ints, pts: _Floats) -> _Floats:
    """Points earned in time order until ``cap`` per customer and calendar month.

    The lots are sorted by customer and time, so each (customer, month) is a run.
    """
    month = _month_index(wall)
    starts = np.flatnonzero(np.r_[True, (codes[1:] != codes[:-1]) | (month[1:] != month[:-1])])
    cum = _segment_cumsum(pts, starts)
    return np.asarray(np.minimum(cum, cap) - np.minimum(cum - pts, cap), dtype=np.float64)


def _clawbacks(
    rounding: str,
    ret_c: _Ints,
    ret_t: _Ints,
    ret_a: _Floats,
    ret_origin: _Ints,
    buy_pos: _Ints,
    lot_key: _Ints,
    lot_c: _Ints,
    lot_a: _Floats,
    lot_p: _Floats,
    order_lots: _Ints,
    lot_starts: _Ints,
    cum_lots: _Floats,
    key_args: tuple[int, int, int],
) -> _Floats:
    """The points each return claws back (see :mod:`segkit.loyalty._returns`).

    The lots are sorted by (customer, time): ``lot_a``/``lot_p`` their amounts
    and points after the caps, ``order_lots`` the purchase each one is.
    """
    out = np.zeros(ret_c.size)
    if ret_c.size == 0 or lot_c.size == 0:
        return out
    matched = ret_origin >= 0
    if matched.any():
        lot_of = np.empty(order_lots.size, dtype=np.int64)
        lot_of[order_lots] = np.arange(order_lots.size)  # purchase -> its sorted lot
        lot = lot_of[buy_pos[ret_origin[matched]]]
        out[matched] = matched_clawbacks(
            rounding, lot, ret_a[matched], ret_t[matched], lot_a, lot_p
        )
    rest = np.flatnonzero(~matched)
    if rest.size:
        # the customer's points per currency unit bought so far
        key = _sort_key(ret_c[rest], ret_t[rest], _CLAWBACK, *key_args)
        at = np.searchsorted(lot_key, key, side="right") - 1
        mine = (at >= 0) & (lot_c[np.maximum(at, 0)] == ret_c[rest])
        at = np.maximum(at, 0)
        # amounts bought so far, summed customer by customer (a global cumulative sum
        # minus its value at the customer's start loses digits: 40 x 1.0 became 39.99...)
        wanted = np.zeros(int(lot_c.max()) + 1, dtype=bool)
        wanted[ret_c[rest]] = True
        lots = np.flatnonzero(wanted[lot_c])
        bought = np.zeros(lot_c.size)
        bought[lots] = group_cumsum(lot_a[lots], lot_c[lots])
        bought = bought[at]
        rate = np.where(mine, cum_lots[at] / np.where(mine, bought, 1.0), 0.0)
        out[rest] = apply_rounding(rounding, ret_a[rest] * rate)
    return out


# --------------------------------------------------------------------------- #
# The FIFO engine
# --------------------------------------------------------------------------- #
def _segment_cummax(values: _Floats, cust: _Ints) -> _Floats:
    """Cumulative maximum restarting at each customer (``cust`` sorted)."""
    finite = values[np.isfinite(values)]
    span = float(np.abs(finite).max()) + 1.0 if finite.size else 1.0
    n_cust = float(cust[-1]) + 1.0 if cust.size else 1.0
    if span * 4 * n_cust < 2.0**52:
        # Lift each customer above the previous one: one global running maximum.
        lifted = np.where(np.isfinite(values), values, -span) + cust * (3 * span)
        return np.asarray(np.maximum.accumulate(lifted) - cust * (3 * span), dtype=np.float64)
    return np.asarray(pd.Series(values).groupby(cust).cummax().to_numpy(), dtype=np.float64)


def _segment_cumsum(values: _Floats, starts: _Ints) -> _Floats:
    total = np.cumsum(values)
    before = total[starts] - values[starts]
    lengths = np.diff(np.r_[starts, values.size])
    return np.asarray(total - np.repeat(before, lengths), dtype=np.float64)


def _run(cust: _Ints, outflow: _Floats, threshold: _Floats) -> tuple[_Floats, _Floats]:
    """Points taken out and gone (taken out or expired) after each event."""
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if cust.size else cust
    out = _segment_cumsum(outflow, starts) if cust.size else outflow
    best = _segment_cummax(threshold - out, cust)
    return out, out + np.maximum(best, 0.0)


def _fifo(
    cust: _Ints, earned: _Floats, outflow: _Floats, threshold: _Floats
) -> tuple[_Floats, _Floats, _Floats]:
    """Run the withdrawals; cut each to the balance. Returns out, gone, applied outflow.

    ``earned`` is what the customer had earned by each event.
    """
    outflow = outflow.copy()
    out, gone = _run(cust, outflow, threshold)
    for _ in range(cust.size + 1):
        balance = earned - gone
        short = np.flatnonzero((balance < -1e-9) & (outflow > 0))
        if short.size == 0:
            break
        first = short[np.r_[True, cust[short][1:] != cust[short][:-1]]]
        outflow[first] += balance[first]  # cut to what was there
        # Recompute the affected customers only.
        rows = np.flatnonzero(np.isin(cust, cust[first]))
        out[rows], gone[rows] = _run(cust[rows], outflow[rows], threshold[rows])
    return out, gone, outflow


def _sort_key(cust: _Ints, wall: _Ints, kind: Any, n_cust: int, t0: int, t1: int) -> _Ints:
    """One int64 key ordering (customer, time, kind); time as fine as fits."""
    for unit in (1, 1_000, 1_000_000, 1_000_000_000):
        span = (t1 - t0) // unit + 1
        if float(span) * max(n_cust, 1) * 4 < 2.0**62:
            break
    ticks = (wall - t0) // unit
    return np.asarray(((cust * span + ticks) << 2) | kind, dtype=np.int64)


def _redemptions(
    redemptions: Any, customer: str, timestamp: str, points: str, ids: pd.Index, tz: Any
) -> tuple[_Ints, _Ints, _Floats]:
    df = require_frame(redemptions, "redemptions")
    require_columns(df, [customer, timestamp, points], "redemptions")
    values = pd.to_numeric(df[points], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise SchemaError(
            f"column {points!r} of the redemptions must hold points >= 0; rows "
            f"{show_values(df.index[bad])} do not"
        )
    stamps = df[timestamp]
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        try:
            stamps = pd.to_datetime(stamps, format="ISO8601")
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"column {timestamp!r} of the redemptions could not be read as dates: {exc}"
            ) from None
    if stamps.isna().any():
        raise SchemaError(
            f"column {timestamp!r} of the redemptions has missing dates in rows "
            f"{show_values(df.index[stamps.isna().to_numpy()])}"
        )
    if getattr(stamps.dtype, "tz", None) is not None:
        stamps = stamps.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    wall = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)
    try:
        codes = ids.get_indexer(pd.Index(df[customer]))
    except TypeError:  # pragma: no cover - mixed id types
        codes = np.full(len(df), -1)
    unknown = codes < 0
    if unknown.any():
        warnings.warn(
            f"redemptions by customers without transactions are ignored: "
            f"{show_values(pd.unique(df[customer].to_numpy()[unknown]).tolist())}",
            LoyaltyWarning,
            stacklevel=4,
        )
    keep = ~unknown
    return np.asarray(codes[keep], dtype=np.int64), wall[keep], values[keep]


def ledger(
    program: PointsProgram,
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    order: str | None = None,
    redemptions: Any = None,
    points: str = "points",
    customers: Any = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """See :meth:`PointsProgram.ledger`."""
    df = require_frame(transactions, "transactions")
    cols = TransactionColumns.read(
        df, customer=customer, timestamp=timestamp, amount=amount, order=order
    )
    as_ns = cols.as_of(as_of).cut
    ids = cols.customers
    n_cust = len(ids)
    if redemptions is not None:
        red_c, red_t, red_p = _redemptions(redemptions, customer, timestamp, points, ids, cols.tz)
        if as_of is None and red_t.size:  # the default: the latest event of either log
            as_ns = max(as_ns, int(red_t.max()))
        inside = red_t <= as_ns
        red_c, red_t, red_p = red_c[inside], red_t[inside], red_p[inside]
    else:
        red_c = red_t = np.zeros(0, dtype=np.int64)
        red_p = np.zeros(0)
    u = units(cols)
    seen = np.bincount(u.codes[u.wall <= as_ns], minlength=n_cust) > 0
    seen[red_c] = True
    u = u.subset((u.wall <= as_ns) & (u.net != 0))
    buy = u.net > 0
    lot_c, lot_t, lot_a = u.codes[buy], u.wall[buy], u.net[buy]
    factor = _factors(program, df, u.rows[buy], lot_c, lot_a, lot_t, ids, customers)
    lot_p = _points(program, lot_a, factor)
    ret_c, ret_t, ret_a = u.codes[~buy], u.wall[~buy], -u.net[~buy]
    ret_origin = u.origin[~buy]  # a unit of a purchase, or -1
    buy_pos = np.cumsum(buy) - 1

    # Lots in (customer, time) order, and what each has earned so far.
    t0 = int(min([as_ns, *(int(a.min()) for a in (lot_t, ret_t, red_t) if a.size)]))
    t_end = as_ns + 30 * _DAY_NS
    lot_key = _sort_key(lot_c, lot_t, _EARN, n_cust, t0, t_end)
    order_lots = np.argsort(lot_key, kind="stable")
    lot_c, lot_t, lot_p, lot_key = (
        lot_c[order_lots],
        lot_t[order_lots],
        lot_p[order_lots],
        lot_key[order_lots],
    )
    lot_starts = np.flatnonzero(np.r_[True, lot_c[1:] != lot_c[:-1]]) if lot_c.size else lot_c
    if program.cap_per_month is not None and lot_c.size:
        lot_p = _cap_month(program.cap_per_month, lot_c, lot_t, lot_p)
    cum_lots = _segment_cumsum(lot_p, lot_starts) if lot_c.size else lot_p
    ret_p = _clawbacks(
        program.rounding,
        ret_c,
        ret_t,
        ret_a,
        ret_origin,
        buy_pos,
        lot_key,
        lot_c,
        lot_a[order_lots],
        lot_p,
        order_lots,
        lot_starts,
        cum_lots,
        (n_cust, t0, t_end),
    )
    owners = lot_c[lot_starts]
    total_lots = np.zeros(n_cust)
    total_lots[owners] = np.add.reduceat(lot_p, lot_starts) if lot_c.size else 0.0
    if program.expiry_months is not None:
        lot_e = add_months(lot_t, program.expiry_months)
        expired = lot_e <= as_ns
    else:
        lot_e = np.full(lot_c.size, np.iinfo(np.int64).max)
        expired = np.zeros(lot_c.size, dtype=bool)

    # Without withdrawals, what is gone is the lots expired by as_of.
    total_out = np.zeros(n_cust)
    total_gone = np.zeros(n_cust)
    if lot_c.size:
        total_gone[owners] = np.maximum.reduceat(np.where(expired, cum_lots, 0.0), lot_starts)
    redeemed: Any = np.zeros(n_cust)

    # Customers with withdrawals: their expiries and withdrawals, merged in time order.
    o_c = np.concatenate([ret_c, red_c])
    if o_c.size:
        o_t = np.concatenate([ret_t, red_t])
        o_kind = np.concatenate([np.full(ret_c.size, _CLAWBACK), np.full(red_c.size, _REDEEM)])
        o_p = np.concatenate([ret_p, red_p])
        o_key = _sort_key(o_c, o_t, o_kind, n_cust, t0, t_end)
        by = np.argsort(o_key, kind="stable")
        o_c, o_kind, o_p, o_key = o_c[by], o_kind[by], o_p[by], o_key[by]
        # what each customer had earned by each withdrawal
        at = np.searchsorted(lot_key, o_key, side="right") - 1
        mine = (at >= 0) & (lot_c[np.maximum(at, 0)] == o_c) if lot_c.size else at >= 0
        o_earned = np.where(mine, cum_lots[np.maximum(at, 0)] if lot_c.size else 0.0, 0.0)
        withdrawing = np.zeros(n_cust, dtype=bool)
        withdrawing[o_c] = True
        e_rows = np.flatnonzero(expired & withdrawing[lot_c])
        e_key = _sort_key(lot_c[e_rows], lot_e[e_rows], _EXPIRY, n_cust, t0, t_end)
        size = e_rows.size + o_c.size
        o_pos = np.searchsorted(e_key, o_key) + np.arange(o_c.size)
        e_pos = np.searchsorted(o_key, e_key) + np.arange(e_rows.size)
        cust = np.empty(size, dtype=np.int64)
        cust[o_pos], cust[e_pos] = o_c, lot_c[e_rows]
        outflow = np.zeros(size)
        outflow[o_pos] = o_p
        threshold = np.full(size, -np.inf)
        threshold[e_pos] = cum_lots[e_rows]
        earned = np.full(size, np.inf)  # expiries never overdraw
        earned[o_pos] = o_earned
        out, gone, applied = _fifo(cust, earned, outflow, threshold)
        last = np.flatnonzero(np.r_[cust[1:] != cust[:-1], True])
        total_out[cust[last]] = out[last]
        total_gone[cust[last]] = gone[last]
        is_red = np.zeros(size, dtype=bool)
        is_red[o_pos[o_kind == _REDEEM]] = True
        redeemed = np.bincount(cust[is_red], weights=applied[is_red], minlength=n_cust) + 0.0
        cut = is_red & (applied < outflow - 1e-9)
        if cut.any():
            short = ids[np.unique(cust[cut])]
            warnings.warn(
                f"redemptions larger than the points balance were cut to the balance for "
                f"customers {show_values(short.tolist())}",
                LoyaltyWarning,
                stacklevel=3,
            )
    clawed = total_out - redeemed
    expired_points = total_gone - total_out
    balance = total_lots - total_gone

    # Points that expire in the next 30 days unless spent first.
    soon = np.zeros(n_cust)
    if program.expiry_months is not None and lot_c.size:
        peak = np.maximum.reduceat(np.where(lot_e <= t_end, cum_lots, 0.0), lot_starts)
        soon[owners] = peak
        soon = np.maximum(soon - total_gone, 0.0)
    out_frame = pd.DataFrame(
        {
            "points_earned": total_lots - clawed,
            "points_redeemed": redeemed,
            "points_expired": expired_points,
            "points_balance": balance,
            "points_expiring_30d": soon,
        },
        index=ids,
    )
    out_frame.index.name = customer
    return out_frame[seen] + 0.0  # + 0.0: no negative zeros


def liability(program: PointsProgram, data: Any, **kwargs: Any) -> pd.Series:
    """See :meth:`PointsProgram.liability`."""
    if isinstance(data, pd.DataFrame) and all(c in data.columns for c in LEDGER_COLUMNS):
        if kwargs:
            raise ParameterError(
                f"liability() of a ledger takes no further arguments; got {sorted(kwargs)}"
            )
        table = data
    else:
        table = ledger(program, data, **kwargs)
    balance = table["points_balance"].to_numpy(dtype=np.float64)
    soon = table["points_expiring_30d"].to_numpy(dtype=np.float64)
    return pd.Series(
        {
            "customers_with_points": int((balance > 0).sum()),
            "points_outstanding": float(balance.sum()),
            "value": float(balance.sum()) * program.point_value,
            "points_expiring_30d": float(soon.sum()),
            "value_expiring_30d": float(soon.sum()) * program.point_value,
        },
        name="liability",
        dtype=object,
    )
