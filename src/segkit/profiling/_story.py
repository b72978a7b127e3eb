"""Profile steps for the report's story over time: months, and segments a quarter ago.

On a pandas log both read the transaction columns the features step read
once (``Run.columns_read``): integer codes and nanoseconds, no second pass
over the caller's frame. On a lazy (Dask) log they go through the seam.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch, local
from segkit._time import DAY_NS
from segkit.errors import SegkitError
from segkit.features import summarize, summarize_columns
from segkit.sums import group_sum

if TYPE_CHECKING:
    from segkit.profiling._steps import Run
    from segkit.transactions import TransactionColumns

__all__ = [
    "MONTHS_SHOWN",
    "activity_of",
    "month_lines",
    "monthly",
    "monthly_activity",
    "segments_then",
]

#: Months kept in ``results["monthly"]`` (the most recent ones).
MONTHS_SHOWN = 60
#: How far back ``results["segment_then"]`` looks.
THEN = pd.DateOffset(months=3)


def _wall_clock(values: pd.Series, column: str) -> pd.Series:
    """The column on its own wall clock, read by the time policy (as summarize reads it)."""
    from segkit._time import read_timestamps

    wall = read_timestamps(values, column).wall
    return pd.Series(wall.view("datetime64[ns]"), index=values.index)


def month_lines(
    transactions: pd.DataFrame,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    stamp: pd.Timestamp,
    date_only: bool,
) -> pd.DataFrame:
    """The lines up to ``stamp`` as ``month``, ``who`` (customer) and ``money`` (amount).

    A date-only ``as_of`` (``date_only``) is its whole day; a timestamp is that
    instant. Lines without a customer are left out; an amount that is not a
    number counts 0.
    """
    when = _wall_clock(transactions[timestamp], timestamp)
    stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    inside = when < stamp.normalize() + pd.Timedelta(days=1) if date_only else when <= stamp
    keep = inside.to_numpy() & transactions[customer].notna().to_numpy()
    month = when[keep].dt.to_period("M").dt.to_timestamp()
    money = pd.to_numeric(transactions[amount][keep], errors="coerce").fillna(0.0)
    return pd.DataFrame(
        {
            "month": month.to_numpy(),
            "who": transactions[customer][keep].to_numpy(),
            "money": money.to_numpy(),
        }
    )


def activity_of(lines: pd.DataFrame) -> pd.DataFrame:
    """Revenue, active and new customers per month of :func:`month_lines`.

    Active: at least one purchase (a line with a positive amount) in the month;
    new: the customer's first purchase falls in the month. Revenue is the net
    sum of amounts (returns reduce it), added exactly (:func:`segkit.sums.group_sum`:
    the same in any row order). Indexed by month; months without a line are
    absent.
    """
    bought = lines[lines["money"] > 0]
    first = bought.groupby("who")["month"].min()
    codes, months = pd.factorize(lines["month"], sort=True)  # a missing month: -1
    money = lines["money"].fillna(0.0).to_numpy(dtype=np.float64)  # not a number: 0
    dated = codes >= 0
    revenue = pd.Series(group_sum(codes[dated], money[dated], months.size), index=months)
    out = pd.DataFrame(
        {
            "revenue": revenue,
            "active": bought.groupby("month")["who"].nunique(),
            "new": first.value_counts(),
        }
    ).fillna(0)
    out[["active", "new"]] = out[["active", "new"]].astype("int64")
    out.index.name = "month"
    return out


@dispatch("monthly_activity", on="transactions")
def monthly_activity(
    transactions: pd.DataFrame,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    stamp: pd.Timestamp,
    date_only: bool,
) -> pd.DataFrame:
    """:func:`activity_of` the :func:`month_lines` of ``transactions`` (arguments as there).

    On Dask the lines of each month meet in one partition in input order (so
    revenue is the same exact sum as on pandas) and those of each customer in another
    (for the new customers): the same numbers as pandas.
    """
    lines = month_lines(
        transactions,
        customer=customer,
        timestamp=timestamp,
        amount=amount,
        stamp=stamp,
        date_only=date_only,
    )
    return activity_of(lines)


def _naive(stamp: Any) -> pd.Timestamp:
    out = pd.Timestamp(stamp)
    return out.tz_localize(None) if out.tzinfo is not None else out


def _months_of_columns(
    cols: TransactionColumns, stamp: pd.Timestamp, date_only: bool
) -> pd.DataFrame | None:
    """:func:`monthly_activity` (every month from the first) of a log read into columns.

    The same numbers from integer month codes: revenue by the exact group sum
    (as :func:`activity_of`), active customers as marks
    in a month x customer grid of the months shown, new customers from each
    customer's first month. None when no line is on or before ``stamp``.
    On a log sorted by time each month's lines follow each other:
    :func:`_months_in_order` reads them a month at a time.
    """
    stamp = _naive(stamp)
    # A date-only as_of is its whole day; a timestamp is that instant.
    if date_only:
        inside = cols.wall < (stamp.normalize() + pd.Timedelta(days=1)).as_unit("ns").value
    else:
        inside = cols.wall <= stamp.as_unit("ns").value
    if not inside.any():
        return None
    if cols.by_time():  # the lines inside are the first ones
        return _months_in_order(cols, int(np.count_nonzero(inside)))
    every = bool(inside.all())  # then no copies of the columns
    wall = cols.wall if every else cols.wall[inside]
    # Each line's day, then the day's month from a calendar of the days spanned
    # (days are few: no calendar arithmetic per line).
    day = wall // DAY_NS
    del wall
    first_day = int(day.min())
    days = np.arange(first_day, int(day.max()) + 1).astype("datetime64[D]")
    since_epoch = days.astype("datetime64[M]").view(np.int64)
    first_month = int(since_epoch[0])
    n_months = int(since_epoch[-1]) - first_month + 1
    day -= first_day
    month = (since_epoch - first_month).astype(np.int32)[day]  # months are few: 4 bytes a line
    del day, days, since_epoch
    who = cols.codes if every else cols.codes[inside]
    money = cols.amount if every else cols.amount[inside]
    revenue = group_sum(month, money, n_months, cents=cols.on_cents())
    bought = money > 0
    b_month, b_who = month[bought], who[bought]
    n = cols.customers.size
    first = np.full(n, n_months, dtype=month.dtype)  # one dtype: numpy's fast ufunc.at
    np.minimum.at(first, b_who, b_month)
    new = np.bincount(first[first < n_months], minlength=n_months)
    since = max(n_months - MONTHS_SHOWN, 0)
    if since:
        recent = b_month >= since
        b_month, b_who = b_month[recent] - since, b_who[recent]
    marks = np.zeros((n_months - since, n), dtype=bool)
    marks[b_month, b_who] = True
    active = np.zeros(n_months, dtype=np.int64)
    active[since:] = marks.sum(axis=1)
    return _month_frame(first_month, revenue, active, new)


def _months_in_order(cols: TransactionColumns, end: int) -> pd.DataFrame:
    """:func:`_months_of_columns` of the first ``end`` lines of a log sorted by time.

    A month's lines are one slice: its revenue is the exact sum of the slice
    (the group sum of one group), its active customers the marks of the
    slice's buyers in one customer-sized array, cleared after, and its new
    customers those marked but not seen in an earlier month.
    """
    wall = cols.wall[:end]
    months = np.arange(
        np.datetime64(int(wall[0]), "ns").astype("datetime64[M]"),
        np.datetime64(int(wall[-1]), "ns").astype("datetime64[M]") + 2,
    )
    # Where each month's lines start (the last entry: the end of the lines).
    edges = np.searchsorted(wall, months.astype("datetime64[ns]").view(np.int64), side="left")
    n_months = months.size - 1
    n = cols.customers.size
    cents = cols.on_cents()
    revenue = np.zeros(n_months)
    active = np.zeros(n_months, dtype=np.int64)
    new = np.zeros(n_months, dtype=np.int64)
    marks = np.zeros(n, dtype=bool)
    seen = np.zeros(n, dtype=bool)
    group = np.zeros(0, dtype=np.int64)  # every line of the month in group 0
    for m in range(n_months):
        lines = slice(int(edges[m]), int(edges[m + 1]))
        money = cols.amount[lines]
        if group.size < money.size:
            group = np.zeros(money.size, dtype=np.int64)
        revenue[m] = group_sum(group[: money.size], money, 1, cents=cents)[0]
        buyers = cols.codes[lines][money > 0]
        marks[buyers] = True
        active[m] = np.count_nonzero(marks)
        fresh = marks & ~seen
        new[m] = np.count_nonzero(fresh)
        seen |= fresh
        marks[buyers] = False
    since = max(n_months - MONTHS_SHOWN, 0)
    active[:since] = 0  # as the grid of the months shown counts them
    first_month = int(months[0].astype(np.int64))
    return _month_frame(first_month, revenue, active, new)


def _month_frame(
    first_month: int,
    revenue: np.ndarray[Any, Any],
    active: np.ndarray[Any, Any],
    new: np.ndarray[Any, Any],
) -> pd.DataFrame:
    """The months from ``first_month`` (months since 1970-01), indexed by their first day."""
    n_months = revenue.size
    # Month starts as Period.to_timestamp gives them (its unit differs across pandas).
    index = pd.date_range(
        pd.Period(ordinal=first_month, freq="M").to_timestamp(),
        pd.Period(ordinal=first_month + n_months - 1, freq="M").to_timestamp(),
        freq="MS",
        name="month",
    )
    return pd.DataFrame(
        {"revenue": revenue, "active": active, "new": new.astype(np.int64)}, index=index
    )


def monthly(run: Run) -> None:
    """``results["monthly"]``: :func:`monthly_activity` per calendar month up to ``as_of``."""
    amount = run.columns.get("amount")
    if amount is None:
        return
    cols = run.columns_read
    if cols is not None:
        months = _months_of_columns(cols, run.stamp, run.date_only)
        if months is not None:
            run.results["monthly"] = months.tail(MONTHS_SHOWN)
        return
    out = local(
        monthly_activity(
            run.transactions,
            customer=run.customer,
            timestamp=run.timestamp,
            amount=amount,
            stamp=pd.Timestamp(run.stamp),
            date_only=run.date_only,
        )
    )
    if out.empty:
        return
    index = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(index).fillna(0)
    out[["active", "new"]] = out[["active", "new"]].astype("int64")
    out.index.name = "month"
    run.results["monthly"] = out.tail(MONTHS_SHOWN)


def segments_then(run: Run) -> None:
    """``results["segment_then"]``: each customer's RFM segment a quarter before ``as_of``.

    Scored with the scorer fitted at ``as_of`` (the same yardstick), so that
    ``segkit.migration(then, table["segment"])`` shows who moved.
    """
    scorer = run.models.get("rfm")
    if scorer is None or "segment" not in run.table.columns:
        return
    stamp = pd.Timestamp(run.stamp)
    then = (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp) - THEN
    first = (
        pd.Timestamp(run.table["first_purchase"].min()) if "first_purchase" in run.table else None
    )
    if first is not None and first.tzinfo is not None:
        first = first.tz_localize(None)
    if first is not None and then <= first:
        return
    try:
        with warnings.catch_warnings():
            # The summary as of now has already said what it had to about the data.
            warnings.simplefilter("ignore")
            as_of = then.date().isoformat()
            cols = run.columns_read
            if cols is None:
                earlier = local(summarize(run.transactions, **run.tx_columns, as_of=as_of))
            else:  # only what the scorer reads: no purchase days to reduce
                read = [scorer.recency, scorer.frequency, scorer.monetary]
                earlier = summarize_columns(cols, as_of=as_of, columns=read)
            if earlier.empty:
                return
            segments = scorer._segment_column(earlier)
    except SegkitError:
        return  # an auxiliary view: the report simply leaves the movements out
    run.results["segment_then"] = segments.rename("segment_then")
    run.results["segment_then_as_of"] = pd.Timestamp(then.date())
