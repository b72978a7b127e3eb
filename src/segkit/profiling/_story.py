"""Profile steps for the report's story over time: months, and segments a quarter ago."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from segkit._backend import dispatch, local
from segkit.errors import SegkitError
from segkit.features import summarize

if TYPE_CHECKING:
    from segkit.profiling._steps import Run

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
    sum of amounts (returns reduce it). Indexed by month; months without a
    line are absent.
    """
    bought = lines[lines["money"] > 0]
    first = bought.groupby("who")["month"].min()
    out = pd.DataFrame(
        {
            "revenue": lines.groupby("month")["money"].sum(),
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
    revenue is added up as on pandas) and those of each customer in another
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


def monthly(run: Run) -> None:
    """``results["monthly"]``: :func:`monthly_activity` per calendar month up to ``as_of``."""
    amount = run.columns.get("amount")
    if amount is None:
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
            earlier = summarize(run.transactions, **run.tx_columns, as_of=then.date().isoformat())
            earlier = local(earlier)
            if earlier.empty:
                return
            segments = scorer.transform(earlier)["segment"]
    except SegkitError:
        return  # an auxiliary view: the report simply leaves the movements out
    run.results["segment_then"] = segments.rename("segment_then")
    run.results["segment_then_as_of"] = pd.Timestamp(then.date())
