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
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.features import TransactionColumns
from segkit.loyalty._program import PointsProgram
from segkit.tagging import RuleContext

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
def _calendar(wall: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """Month (1-12), weekday (0 = Monday) and day of month (1-31)."""
    days = np.floor_divide(wall, _DAY_NS)
    months = wall.astype("datetime64[ns]").astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = days - months.astype("datetime64[D]").astype(np.int64) + 1
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    return month, weekday, day


def add_months(wall: _Ints, months: int) -> _Ints:
    """``wall + months`` calendar months, clipped to the month's last day, same time of day."""
    month = wall.astype("datetime64[ns]").astype("datetime64[M]")
    start = month.astype("datetime64[ns]").astype(np.int64)
    offset = wall - start
    target = month + np.timedelta64(months, "M")
    t_start = target.astype("datetime64[ns]").astype(np.int64)
    t_len = (target + np.timedelta64(1, "M")).astype("datetime64[ns]").astype(np.int64) - t_start
    day_part = np.minimum(offset // _DAY_NS * _DAY_NS, t_len - _DAY_NS)
    return np.asarray(t_start + day_part + offset % _DAY_NS, dtype=np.int64)


# --------------------------------------------------------------------------- #
# Points per purchase
# --------------------------------------------------------------------------- #
def _units(cols: TransactionColumns) -> tuple[_Ints, _Ints, _Floats, _Ints]:
    """(row of the unit's first line, customer code, net amount, wall time) per unit.

    A unit is an order when ``order`` was given (lines netted), else a row.
    """
    if cols.order is None:
        rows = np.arange(cols.codes.size, dtype=np.int64)
        return rows, cols.codes, cols.amount.astype(np.float64), cols.wall
    order = cols.order
    running = np.maximum.accumulate(order)  # codes are numbered in order of appearance
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
    net = np.asarray(np.bincount(order, weights=cols.amount, minlength=first.size), np.float64)
    return first.astype(np.int64), cols.codes[first], net, cols.wall[first]


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
    raw = np.round(np.abs(amount) * program.earn_rate * factor, 9)  # 29.99 * 100 is 2999
    if program.rounding == "floor":
        pts = np.floor(raw)
    elif program.rounding == "ceil":
        pts = np.ceil(raw)
    else:
        pts = np.floor(raw + 0.5)
    if program.cap_per_order is not None:
        pts = np.minimum(pts, program.cap_per_order)
    return np.asarray(pts, dtype=np.float64)


def _cap_month(cap: float, codes: _Ints, wall: _Ints, pts: _Floats) -> _Floats:
    """Points earned in time order until ``cap`` per customer and calendar month."""
    month = wall.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    order = np.lexsort((wall, month, codes))
    p = pts[order]
    group = np.r_[
        True, (codes[order][1:] != codes[order][:-1]) | (month[order][1:] != month[order][:-1])
    ]
    total = np.cumsum(p)
    before = (total - p)[group]
    cum = total - np.repeat(before, np.diff(np.r_[np.flatnonzero(group), p.size]))
    capped = np.minimum(cum, cap) - np.minimum(cum - p, cap)
    out = np.empty_like(pts)
    out[order] = capped
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


def _run(
    cust: _Ints, inflow: _Floats, outflow: _Floats, threshold: _Floats
) -> tuple[_Floats, _Floats, _Floats]:
    """Earned, taken out and gone (taken out or expired) after each event."""
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if cust.size else cust
    earned = _segment_cumsum(inflow, starts)
    out = _segment_cumsum(outflow, starts)
    best = _segment_cummax(threshold - out, cust)
    gone = out + np.maximum(best, 0.0)
    return earned, out, gone


def _fifo(
    cust: _Ints, kind: _Ints, inflow: _Floats, outflow: _Floats, threshold: _Floats
) -> tuple[_Floats, _Floats, _Floats, _Floats]:
    """Run the ledger; cut withdrawals to the balance. Returns earned, out, gone, outflow."""
    outflow = outflow.copy()
    earned, out, gone = _run(cust, inflow, outflow, threshold)
    for _ in range(cust.size + 1):
        balance = earned - gone
        short = np.flatnonzero((balance < -1e-9) & (outflow > 0))
        if short.size == 0:
            break
        first = short[np.r_[True, cust[short][1:] != cust[short][:-1]]]
        outflow[first] += balance[first]  # cut to what was there
        # Recompute the affected customers only.
        rows = np.flatnonzero(np.isin(cust, cust[first]))
        e, o, g = _run(cust[rows], inflow[rows], outflow[rows], threshold[rows])
        earned[rows], out[rows], gone[rows] = e, o, g
    return earned, out, gone, outflow


def _sort_key(cust: _Ints, wall: _Ints, kind: _Ints, n_cust: int, t0: int, t1: int) -> _Ints:
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
    rows, codes, net, wall = _units(cols)
    seen = np.bincount(codes[wall <= as_ns], minlength=n_cust) > 0
    seen[red_c] = True
    keep = (wall <= as_ns) & (net != 0)
    rows, codes, net, wall = rows[keep], codes[keep], net[keep], wall[keep]
    factor = _factors(program, df, rows, codes, net, wall, ids, customers)
    pts = _points(program, net, factor)
    buy = net > 0
    if program.cap_per_month is not None:
        pts[buy] = _cap_month(program.cap_per_month, codes[buy], wall[buy], pts[buy])
    lot_c, lot_t, lot_p = codes[buy], wall[buy], pts[buy]
    ret_c, ret_t, ret_p = codes[~buy], wall[~buy], pts[~buy]

    # Lots in (customer, time) order, and what each has earned so far.
    t0 = int(min([as_ns, *(int(a.min()) for a in (lot_t, ret_t, red_t) if a.size)]))
    t_end = as_ns + 30 * _DAY_NS
    lot_key = _sort_key(lot_c, lot_t, np.full(lot_c.size, _EARN), n_cust, t0, t_end)
    order_lots = np.argsort(lot_key, kind="stable")
    lot_c, lot_t, lot_p, lot_key = (
        lot_c[order_lots],
        lot_t[order_lots],
        lot_p[order_lots],
        lot_key[order_lots],
    )
    lot_starts = np.flatnonzero(np.r_[True, lot_c[1:] != lot_c[:-1]]) if lot_c.size else lot_c
    cum_lots = _segment_cumsum(lot_p, lot_starts) if lot_c.size else lot_p
    if program.expiry_months is not None:
        lot_e = add_months(lot_t, program.expiry_months)
        expired_rows = np.flatnonzero(lot_e <= as_ns)
    else:
        lot_e = np.full(lot_c.size, np.iinfo(np.int64).max)
        expired_rows = np.zeros(0, dtype=np.int64)

    n_exp, n_ret, n_red = expired_rows.size, ret_c.size, red_c.size
    cust = np.concatenate([lot_c, lot_c[expired_rows], ret_c, red_c])
    wall_all = np.concatenate([lot_t, lot_e[expired_rows], ret_t, red_t])
    kind = np.concatenate(
        [
            np.full(lot_c.size, _EARN),
            np.full(n_exp, _EXPIRY),
            np.full(n_ret, _CLAWBACK),
            np.full(n_red, _REDEEM),
        ]
    )
    inflow = np.concatenate([lot_p, np.zeros(n_exp + n_ret + n_red)])
    outflow = np.concatenate([np.zeros(lot_c.size + n_exp), ret_p, red_p])
    threshold = np.concatenate(
        [np.full(lot_c.size, -np.inf), cum_lots[expired_rows], np.full(n_ret + n_red, -np.inf)]
    )
    key = _sort_key(cust, wall_all, kind, n_cust, t0, t_end)
    order_all = np.argsort(key, kind="stable")
    cust, kind = cust[order_all], kind[order_all]
    earned, out, gone, applied = _fifo(
        cust, kind, inflow[order_all], outflow[order_all], threshold[order_all]
    )
    if n_red:
        cut = (kind == _REDEEM) & (applied < outflow[order_all] - 1e-9)
        if cut.any():
            short = ids[np.unique(cust[cut])]
            warnings.warn(
                f"redemptions larger than the points balance were cut to the balance for "
                f"customers {show_values(short.tolist())}",
                LoyaltyWarning,
                stacklevel=3,
            )

    last = np.flatnonzero(np.r_[cust[1:] != cust[:-1], True]) if cust.size else cust
    who = cust[last]
    total_earned = np.zeros(n_cust)
    total_out = np.zeros(n_cust)
    total_gone = np.zeros(n_cust)
    total_earned[who], total_out[who], total_gone[who] = earned[last], out[last], gone[last]
    redeemed = np.bincount(cust, weights=np.where(kind == _REDEEM, applied, 0.0), minlength=n_cust)
    clawed = total_out - redeemed
    expired = total_gone - total_out
    balance = total_earned - total_gone

    # Points that expire in the next 30 days unless spent first.
    soon = np.zeros(n_cust)
    if program.expiry_months is not None and lot_c.size:
        by = np.where(lot_e <= t_end, cum_lots, 0.0)
        peak = np.maximum.reduceat(by, lot_starts)
        soon[lot_c[lot_starts]] = peak
        soon = np.maximum(soon - total_gone, 0.0)
    out_frame = pd.DataFrame(
        {
            "points_earned": total_earned - clawed,
            "points_redeemed": redeemed,
            "points_expired": expired,
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
