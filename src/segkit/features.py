"""Customer features from a transaction log.

:func:`summarize` reduces a transaction log to one row per customer as of an
explicit date; :func:`calibration_holdout` splits history into a calibration
and a holdout period for validating CLV models; :func:`clean_transactions`
repairs or drops bad rows and reports every change.

Conventions
-----------
* A *purchase* is a row with a non-negative amount. Rows with a negative
  amount (returns, refunds) count towards ``revenue`` but are not purchases:
  they do not change ``orders``, ``x``, ``t_x`` or the purchase dates.
* Purchases on the same calendar day count as one transaction for the
  buy-till-you-die statistics ``x``, ``t_x`` and ``T``, as in the papers
  (Fader, Hardie & Lee 2005).
* Time follows segkit's one policy (``segkit._time``, docs/time.md):
  timezone-aware timestamps are read on the wall clock of their own zone; a
  date-only ``as_of`` (``"1997-09-30"``) is that whole day, inclusive, and
  durations to it are whole calendar days; a timestamp is that instant.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._time import DAY_NS, AsOf, unit_days, window_days
from segkit._validation import (
    show_values,
)
from segkit.cleaning import CleaningReport, clean_transactions
from segkit.errors import ParameterError, SchemaError, did_you_mean
from segkit.sums import blocks, group_sum, sorted_distinct
from segkit.transactions import TransactionColumns

__all__ = [
    "CleaningReport",
    "TransactionColumns",
    "calibration_holdout",
    "clean_transactions",
    "summarize",
    "summarize_columns",
]

_DAY_NS = DAY_NS
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_IntArray = np.ndarray[Any, np.dtype[np.int64]]


# --------------------------------------------------------------------------- #
# Reading the columns
# --------------------------------------------------------------------------- #
_unit_days = unit_days


def _check_windows(windows: Iterable[Any]) -> tuple[int, ...]:
    out: list[int] = []
    if isinstance(windows, int | np.integer | str):
        raise ParameterError(
            f"windows must be a list of whole numbers of days, e.g. windows=[{windows!r}]; "
            f"got {windows!r}"
        )
    out.extend(window_days(w) for w in windows)
    if len(set(out)) < len(out):
        raise ParameterError(f"windows has duplicates: {out}")
    return tuple(out)


# --------------------------------------------------------------------------- #
# The reduction
# --------------------------------------------------------------------------- #
def _pair_key(codes: _IntArray, inner: _IntArray, width: int, n: int) -> np.ndarray[Any, Any]:
    """``codes * width + inner`` in the narrowest unsigned type that holds it."""
    if n * width < 2**32:
        key = codes.astype(np.uint32)
        key *= np.uint32(width)
        key += inner.astype(np.uint32)
        return key
    key64 = codes * width
    key64 += inner
    return key64


def _per_customer(
    cols: TransactionColumns, as_of: AsOf, unit_days: float, windows: Sequence[int]
) -> dict[str, Any]:
    """Reduce rows (already cut at ``as_of``) to per-customer arrays.

    The rows are read block by block (:func:`segkit.transactions.blocks`), so
    the temporaries are a few blocks long, not a few columns; sums of money
    reuse the log's one classification of its amounts. The sorted distinct
    (customer, day) pairs give the purchase days and the first and last of
    them; the first and last purchase instants are then looked for only among
    the lines of those two days.
    """
    n = len(cols.customers)
    codes, wall = cols.codes, cols.wall
    purchase = cols.purchase_mask()
    every = bool(purchase.all())
    parts = blocks(codes.size, at_least=n)
    big = np.iinfo(np.int64).max

    def bought_in(part: slice) -> tuple[Any, Any]:
        buy = purchase[part]
        return (codes[part], wall[part]) if every else (codes[part][buy], wall[part][buy])

    # Pass 1: the (customer, day) key of every purchase line, and lines per customer.
    bought = np.zeros(n, dtype=np.int64)
    low, high = big, -big
    for part in parts:
        who, when = bought_in(part)
        bought += np.bincount(who, minlength=n)
        if when.size:
            low, high = min(low, int(when.min())), max(high, int(when.max()))
    has = bought > 0
    present = has
    if not every:  # customers whose lines up to as_of are all returns are present, not bought
        present = has | (np.bincount(codes[~purchase], minlength=n) > 0)
    if not has.any():
        return {"_has": has, "_present": present}
    lo = low // _DAY_NS
    span = high // _DAY_NS - lo + 1
    key = np.empty(int(bought.sum()), dtype=np.uint32 if n * span < 2**32 else np.int64)
    at = 0
    for part in parts:
        who, when = bought_in(part)
        day = when // _DAY_NS
        day -= lo
        key[at : at + who.size] = _pair_key(who, day, span, n)
        at += who.size
    pairs = sorted_distinct(key)
    del key
    # The pairs are sorted by customer, then day: each customer's run of pairs
    # holds its purchase days, first to last.
    owner = pairs // span
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    ends = np.r_[starts[1:], owner.size] - 1
    who = owner[starts]
    days_bought = np.zeros(n, dtype=np.int64)
    days_bought[who] = ends - starts + 1
    first_day = np.full(n, big // _DAY_NS, dtype=np.int64)
    last_day = np.full(n, -big // _DAY_NS, dtype=np.int64)
    first_day[who] = (pairs[starts] % span).astype(np.int64) + lo
    last_day[who] = (pairs[ends] % span).astype(np.int64) + lo
    del pairs, owner, starts, ends, who

    # Pass 2: first and last purchase among the lines of those days; repeat lines.
    first_wall = np.full(n, big, dtype=np.int64)
    last_wall = np.full(n, -big, dtype=np.int64)
    aware = cols.tz is not None
    first, last = first_wall, last_wall  # the instants differ from the wall clock when aware
    if aware:
        first, last = np.full(n, big, dtype=np.int64), np.full(n, -big, dtype=np.int64)
    repeat = np.zeros(codes.size, dtype=bool)  # purchase lines after the first purchase day
    # Both days of a customer in one int64 (days since lo < 2**18): one look-up per line.
    both = np.zeros(n, dtype=np.int64)
    both[has] = ((first_day[has] - lo) << 32) | (last_day[has] - lo)
    for part in parts:
        who, when = codes[part], wall[part]
        day = when // _DAY_NS
        day -= lo
        days = both[who]
        on_last = day == (days & 0xFFFFFFFF)
        days >>= 32
        on_first = day == days
        np.logical_not(on_first, out=repeat[part])
        if not every:
            buy = purchase[part]
            repeat[part] &= buy
            on_first &= buy
            on_last &= buy
        np.minimum.at(first_wall, who[on_first], when[on_first])
        np.maximum.at(last_wall, who[on_last], when[on_last])
        if aware:  # an instant's order can differ from the wall clock's (summer time)
            buy = purchase[part]
            instant = cols.instant[part][buy]
            np.minimum.at(first, who[buy], instant)
            np.maximum.at(last, who[buy], instant)
    del day, days, both, on_first, on_last
    repeat_spend = cols.sum_amount(rows=repeat)
    del repeat
    x = np.maximum(days_bought - 1, 0)
    orders = bought if cols.order is None else cols.count_orders()
    revenue = cols.sum_amount()

    with np.errstate(invalid="ignore", divide="ignore"):
        out: dict[str, Any] = {
            "_has": has,
            "_present": present,
            "_first": first,
            "_last": last,
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "avg_order_value": np.where(orders > 0, revenue / np.maximum(orders, 1), 0.0),
            "recency_days": as_of.days_since(last_wall),
            "tenure_days": as_of.days_since(first_wall),
            "x": x.astype(np.int64),
            "t_x": (last_day - first_day) / unit_days,
            "T": as_of.days_since(first_day * _DAY_NS) / unit_days,
            "repeat_aov": np.where(x > 0, repeat_spend / np.maximum(x, 1), 0.0),
        }
    for w in windows:
        inside = cols.after(as_of.window_start(w))  # on a log sorted by time: the last rows
        out[f"orders_{w}d"] = cols.count_orders(inside).astype(np.int64)
        out[f"revenue_{w}d"] = cols.sum_amount(rows=inside)
    return out


@dispatch("summarize", on="transactions")
def summarize(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str | None = None,
    as_of: Any = None,
    unit: str | float = "D",
    order: str | None = None,
    windows: Iterable[int] = (),
    quantity: str | None = None,
    price: str | None = None,
) -> pd.DataFrame:
    """Reduce a transaction log to one row per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order line (or per order). Polars and PyArrow tables are
        converted once. The frame is not modified.
    customer, timestamp, amount : str
        Names of the customer id, timestamp (datetime64, or strings in ISO 8601
        or another single format) and amount (numeric) columns.
    quantity, price : str, optional
        Instead of ``amount``: the line amount is ``quantity * price``.
    as_of : date-like, optional
        The date the summary describes; rows after it are ignored. Default: the
        latest timestamp.
    unit : "D", "W", "M" or float, default "D"
        Time unit of ``t_x`` and ``T``: days, weeks (days / 7), months
        (days / (365.25 / 12)) or any positive number of days (one rule,
        :func:`segkit._time.unit_days`).
    order : str, optional
        Order id column. ``orders`` then counts distinct order ids whose lines
        have a positive net amount; the lines of other order ids (cancellation
        invoices, refunded orders) are returns. Without it every row with a
        non-negative amount is one purchase (see :mod:`segkit.transactions`).
    windows : iterable of int
        Adds ``orders_{N}d`` and ``revenue_{N}d`` over the last ``N`` days
        up to ``as_of`` (the ``N`` calendar days ending with a date-only
        ``as_of``; ``as_of - N days < timestamp <= as_of`` for an instant).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted; index name = ``customer``), with
        columns

        ``first_purchase``, ``last_purchase``
            Timestamps of the first and last purchase.
        ``orders``, ``revenue``, ``avg_order_value``
            Number of purchases, net revenue (returns subtracted), and their
            ratio.
        ``recency_days``, ``tenure_days``
            Days from the last and first purchase to ``as_of``.
        ``x``, ``t_x``, ``T``
            Buy-till-you-die statistics in ``unit``: repeat purchase days
            (distinct purchase days minus one), time from the first to the last
            purchase day, and from the first purchase day to ``as_of``.
        ``repeat_aov``
            Mean spend per repeat purchase day (0 when ``x == 0``).

        ``frame.attrs["unit_days"]`` records the time unit of ``t_x`` and
        ``T`` in days (7.0 for ``unit="W"``), for the CLV models.

    Raises
    ------
    ColumnNotFoundError
        A named column is missing (the message suggests the closest one).
    SchemaError
        Missing ids or timestamps, amounts that are not finite numbers,
        timestamps that do not parse, or no purchase on or before ``as_of``.

    Notes
    -----
    Customers whose rows up to ``as_of`` are all returns (negative amounts)
    have no purchase and are left out; a :class:`UserWarning` says how many.

    Examples
    --------
    >>> import segkit
    >>> from segkit.datasets import load_cdnow
    >>> s = segkit.summarize(load_cdnow(), customer="customer_id", timestamp="date",
    ...                      amount="amount", as_of="1997-09-30", unit="W")
    >>> [round(float(v), 2) for v in s.loc[1, ["x", "t_x", "T"]]]
    [2.0, 30.43, 38.86]
    >>> len(s), int(s["x"].gt(0).sum())
    (2357, 946)
    """
    _unit_days(unit)  # the parameters are checked before the columns are read
    windows = _check_windows(windows)
    cols = TransactionColumns.read(
        transactions,
        customer=customer,
        timestamp=timestamp,
        amount=amount,
        quantity=quantity,
        price=price,
        order=order,
    )
    return summarize_columns(cols, as_of=as_of, unit=unit, windows=windows)


#: The columns of a summary :func:`_scored_per_customer` gives without the purchase days.
_SCORED = ("orders", "revenue", "avg_order_value", "recency_days")
#: The columns of :func:`summarize` without windows, in order.
_SUMMARY = (
    "first_purchase",
    "last_purchase",
    *_SCORED,
    "tenure_days",
    "x",
    "t_x",
    "T",
    "repeat_aov",
)


def summarize_columns(
    cols: TransactionColumns,
    *,
    as_of: Any = None,
    unit: str | float = "D",
    windows: Iterable[int] = (),
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """:func:`summarize` on a log already read by :meth:`TransactionColumns.read`.

    A caller that needs several summaries of one log (``segkit.profile``:
    now, and a quarter ago) reads the columns once and summarizes them here,
    with the same result as :func:`summarize` on the frame. ``columns``
    keeps only those columns of the summary (same rows, same values); when
    they are among ``orders``, ``revenue``, ``avg_order_value`` and
    ``recency_days`` (what RFM scores read) the purchase days are not
    reduced at all, which takes far less time.
    """
    unit_days = _unit_days(unit)
    windows = _check_windows(windows)
    wanted = None if columns is None else _summary_columns(columns, windows)
    cut = cols.as_of(as_of)
    cols = cols.until(cut.cut)
    if wanted is not None and set(wanted) <= set(_SCORED):
        data = _scored_per_customer(cols, cut)
    else:
        data = _per_customer(cols, cut, unit_days, windows)
    frame = _to_frame(cols, data, cut)
    if wanted is not None:
        frame = frame[wanted]
    frame.attrs["unit_days"] = unit_days
    return frame


def _summary_columns(columns: Iterable[str], windows: Sequence[int]) -> list[str]:
    """``columns`` in the summary's order; a name it does not have is a ParameterError."""
    every = [*_SUMMARY, *(f"{kind}_{w}d" for w in windows for kind in ("orders", "revenue"))]
    given = [columns] if isinstance(columns, str) else list(columns)
    for name in given:
        if name not in every:
            raise ParameterError(
                f"columns: the summary has no column {name!r}{did_you_mean(str(name), every)}; "
                f"columns: {every}"
            )
    return [name for name in every if name in given]


def _scored_per_customer(cols: TransactionColumns, as_of: AsOf) -> dict[str, Any]:
    """The columns of :data:`_SCORED`, as :func:`_per_customer` computes them.

    The last purchase is the latest purchase line (the latest line of the last
    purchase day, as there); no (customer, day) pairs are sorted.
    """
    n = len(cols.customers)
    codes, wall = cols.codes, cols.wall
    purchase = cols.purchase_mask()
    every = bool(purchase.all())
    never = np.iinfo(np.int64).min  # below every wall-clock time (NaT's value)
    # Purchase lines are counted only without an order column (they are the
    # orders then); a customer has bought when a purchase line sets their last.
    bought = np.zeros(n, dtype=np.int64) if cols.order is None else None
    last_wall = np.full(n, never, dtype=np.int64)
    for part in blocks(codes.size, at_least=n):
        who, when = codes[part], wall[part]
        if not every:
            buy = purchase[part]
            who, when = who[buy], when[buy]
        if bought is not None:
            bought += np.bincount(who, minlength=n)
        np.maximum.at(last_wall, who, when)
    has = last_wall > never
    present = has
    if not every:  # and the customers with other lines: marked, not counted
        present = has.copy()
        present[codes[~purchase]] = True
    if not has.any():
        return {"_has": has, "_present": present}
    orders = cols.count_orders() if bought is None else bought
    revenue = cols.sum_amount()
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "_has": has,
            "_present": present,
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "avg_order_value": np.where(orders > 0, revenue / np.maximum(orders, 1), 0.0),
            "recency_days": as_of.days_since(last_wall),
        }


def _to_frame(cols: TransactionColumns, data: dict[str, Any], as_of: AsOf) -> pd.DataFrame:
    has = data.pop("_has")
    returns_only = data.pop("_present") & ~has
    if not has.any():
        raise SchemaError(
            f"no purchases (rows with a non-negative amount, or with an order column orders "
            f"with a positive net amount) on or before {as_of.label}"
        )
    if returns_only.any():
        only_returns = cols.customers[returns_only]
        warnings.warn(
            f"{int(returns_only.sum())} customer(s) have only returns (negative amounts, or "
            f"orders whose net amount is 0 or less) up to as_of and are left out of the "
            f"summary: {show_values(only_returns)}",
            UserWarning,
            stacklevel=3,
        )
    # Without copies where every customer is in: one frame over the arrays built here.
    every = bool(has.all())

    def kept(values: Any) -> Any:
        return values if every else values[has]

    columns: dict[str, Any] = {}
    if "_first" in data:  # not reduced for a summary of the scored columns only
        columns["first_purchase"] = cols.stamps(kept(data.pop("_first")))
        columns["last_purchase"] = cols.stamps(kept(data.pop("_last")))
    for name in list(data):
        columns[name] = kept(data.pop(name))
    index = cols.customers.copy() if every else cols.customers[has]
    return pd.DataFrame(columns, index=index, copy=False)


# --------------------------------------------------------------------------- #
# Calibration and holdout
# --------------------------------------------------------------------------- #
@dispatch("calibration_holdout", on="transactions")
def calibration_holdout(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str | None = None,
    calibration_end: Any,
    observation_end: Any = None,
    unit: str | float = "D",
    order: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
) -> pd.DataFrame:
    """Summarize a calibration period and count what happened in the holdout.

    Parameters
    ----------
    transactions, customer, timestamp, amount, quantity, price, unit, order
        As for :func:`summarize`.
    calibration_end : date-like
        End of the calibration period (inclusive).
    observation_end : date-like, optional
        End of the holdout period (inclusive); default: the latest timestamp.

    Returns
    -------
    pandas.DataFrame
        The :func:`summarize` columns as of ``calibration_end``, for customers
        whose first purchase is on or before it, plus ``x_holdout`` (distinct
        purchase days in the holdout; with ``order``, days with a line of an
        order whose net up to ``observation_end`` is positive, as
        :func:`summarize` counts), ``revenue_holdout`` (net revenue in the
        holdout) and ``duration_holdout`` (its length in ``unit``);
        ``frame.attrs["unit_days"]`` as for :func:`summarize`.

    Examples
    --------
    >>> import segkit
    >>> from segkit.datasets import load_cdnow
    >>> ch = segkit.calibration_holdout(load_cdnow(), customer="customer_id",
    ...     timestamp="date", amount="amount", calibration_end="1997-09-30",
    ...     observation_end="1998-06-30", unit="W")
    >>> [float(v) for v in ch.loc[1, ["x", "x_holdout", "duration_holdout"]]]
    [2.0, 1.0, 39.0]
    >>> int(ch["x_holdout"].sum())
    1882
    """
    unit_days = _unit_days(unit)
    cols = TransactionColumns.read(
        transactions,
        customer=customer,
        timestamp=timestamp,
        amount=amount,
        quantity=quantity,
        price=price,
        order=order,
    )
    cal = cols.as_of(calibration_end, "calibration_end")
    end = cols.as_of(observation_end, "observation_end")
    cal_wall, end_wall = cal.cut, end.cut
    if end_wall <= cal_wall:
        raise ParameterError(
            f"observation_end ({end.label}) must be after calibration_end ({cal.label})"
        )
    calibration = cols.until(cal_wall)
    frame = _to_frame(calibration, _per_customer(calibration, cal, unit_days, ()), cal)
    # Purchases in the holdout as summarize(as_of=observation_end) sees them: with
    # an order column, lines of orders with a positive net up to observation_end.
    upto = cols.until(end_wall)
    later = upto.wall > cal_wall
    bought = later & upto.purchases()
    known = pd.Index(cols.customers).get_indexer(frame.index)
    n = len(cols.customers)
    codes = upto.codes[bought]
    day = upto.wall[bought] // _DAY_NS
    width = int(day.max() - day.min()) + 1 if day.size else 1
    pairs = sorted_distinct(codes * width + (day - (day.min() if day.size else 0)))
    x_holdout = np.bincount(pairs // width, minlength=n)
    revenue_holdout = group_sum(upto.codes[later], upto.amount[later], n)
    frame["x_holdout"] = x_holdout[known].astype(np.int64)
    frame["revenue_holdout"] = revenue_holdout[known]
    frame["duration_holdout"] = (end.reference - cal.reference) / _DAY_NS / unit_days
    frame.attrs["unit_days"] = unit_days
    return frame
