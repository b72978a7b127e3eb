"""Loyalty measured by repeat purchase: acquisition cohorts, repeat rate, purchase intervals.

Re-exported by :mod:`segkit.evaluate`. Purchases follow the one transaction
model (:meth:`TransactionColumns.purchases`: rows with a non-negative amount,
or with ``order`` the lines of orders with a positive net); revenue is net
(returns subtract). Time follows the time policy (``as_of`` a date means
that whole day; tz-aware data on their own wall clock).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import DAY_NS, parse_freq
from segkit.errors import ParameterError, SchemaError
from segkit.sums import sorted_distinct
from segkit.transactions import TransactionColumns

__all__ = ["CohortTable", "cohort_retention", "mix_over_time", "purchase_intervals"]

#: The largest cohort x period grid counted with a dense mark array (bytes).
_DENSE = 400_000_000


def _period_of(wall: np.ndarray[Any, Any], offset: pd.DateOffset, cut: int) -> tuple[Any, Any]:
    """Each row's period (0 = the first period of the data) and the periods' start labels."""
    if offset.freqstr == "MS":
        months = wall.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        first = int(months.min())
        last = int(np.datetime64(cut, "ns").astype("datetime64[M]").astype(np.int64))
        starts = pd.DatetimeIndex(
            np.arange(first, last + 1).astype("datetime64[M]").astype("datetime64[ns]")
        )
        return (months - first).astype(np.int64), starts
    lo = pd.Timestamp(int(wall.min()), unit="ns")
    start = offset.rollback(lo.normalize()) if not offset.is_on_offset(lo.normalize()) else lo
    starts = pd.DatetimeIndex(
        pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(cut, unit="ns"), freq=offset)
    ).as_unit("ns")
    index = np.searchsorted(starts.asi8, wall, side="right") - 1
    return index.astype(np.int64), starts


@attrs.frozen
class CohortTable:
    """Acquisition cohorts by periods since acquisition; the result of :func:`cohort_retention`.

    Attributes
    ----------
    customers : DataFrame
        Customers of each cohort (rows, labelled by the period of their
        first purchase) who bought in each period since (columns ``0, 1,
        ...``; 0 is the acquisition period, so column 0 is the cohort size).
        Periods after ``as_of`` are missing (NaN), not zero.
    revenue : DataFrame
        Net revenue of the cohort in each period since.
    customer_share : DataFrame
        ``customers`` divided by the cohort size: the retention curve.
    revenue_share : DataFrame
        ``revenue`` divided by the cohort's revenue in its first period.
    repeat_rate : Series
        Per cohort, the share of customers with purchases on two or more
        days (or, with ``order``, two or more orders) up to ``as_of``;
        ``attrs["overall"]`` holds the rate over all customers.
    """

    customers: pd.DataFrame = attrs.field(eq=False)
    revenue: pd.DataFrame = attrs.field(eq=False)
    customer_share: pd.DataFrame = attrs.field(eq=False)
    revenue_share: pd.DataFrame = attrs.field(eq=False)
    repeat_rate: pd.Series = attrs.field(eq=False)

    def plot(self, what: str = "customer_share", ax: Any = None) -> Any:
        """Heatmap of one of the tables (needs matplotlib); returns the Axes."""
        from segkit.plotting import axes

        table = getattr(self, what, None)
        if what not in ("customers", "revenue", "customer_share", "revenue_share"):
            raise ParameterError(
                "what must be one of 'customers', 'revenue', 'customer_share', "
                f"'revenue_share'; got {what!r}"
            )
        assert isinstance(table, pd.DataFrame)
        ax = axes(ax)
        values = table.to_numpy(dtype=float)
        image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap="viridis")
        ax.figure.colorbar(image, ax=ax)
        labels = [f"{d:%Y-%m-%d}" for d in table.index]
        step = max(1, len(labels) // 12)
        ax.set_yticks(range(0, len(labels), step), labels[::step])
        ax.set_xlabel("periods since acquisition")
        ax.set_ylabel("cohort")
        ax.set_title(f"Cohort {what.replace('_', ' ')}")
        return ax


def _distinct_pairs(who: Any, unit: Any) -> tuple[Any, Any]:
    """The distinct (customer, unit) pairs, sorted, as two arrays (one int64 key, one sort)."""
    if who.size == 0:
        return who, unit
    lo = int(unit.min())
    span = int(unit.max()) - lo + 1
    key = sorted_distinct(who.astype(np.int64) * span + (unit - lo))
    return key // span, key % span + lo


def cohort_retention(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    order: str | None = None,
    freq: Any = "MS",
    as_of: Any = None,
) -> CohortTable:
    """Acquisition cohorts: customers and revenue by periods since the first purchase.

    Parameters
    ----------
    transactions : DataFrame
        One row per order line; not modified.
    customer, timestamp, amount, order : str
        Column names, as for :func:`segkit.summarize`.
    freq : str, default "MS"
        The period (a pandas frequency: ``"MS"`` months, ``"QS"`` quarters,
        ``"W-MON"`` weeks).
    as_of : date-like, optional
        Nothing later counts; default: the latest transaction.

    Returns
    -------
    CohortTable

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"id": [1, 1, 2, 3, 3],
    ...     "ts": pd.to_datetime(["2024-01-05", "2024-03-02", "2024-01-20", "2024-02-11",
    ...                           "2024-02-28"]),
    ...     "amount": [10.0, 20.0, 5.0, 8.0, 4.0]})
    >>> table = cohort_retention(tx, customer="id", timestamp="ts", amount="amount")
    >>> table.customers
    period        0    1    2
    cohort
    2024-01-01  2.0  0.0  1.0
    2024-02-01  1.0  0.0  NaN
    2024-03-01  0.0  NaN  NaN
    >>> table.repeat_rate.tolist()
    [0.5, 1.0, nan]
    """
    cols = TransactionColumns.read(
        transactions, customer=customer, timestamp=timestamp, amount=amount, order=order
    )
    cut = cols.as_of(as_of).cut
    cols = cols.subset(cols.wall <= cut)
    if cols.wall.size == 0:
        raise SchemaError(f"no transactions on or before as_of ({as_of})")
    offset = parse_freq(freq)
    period, starts = _period_of(cols.wall, offset, cut)
    k = len(starts)
    n = len(cols.customers)
    buy = cols.purchases()
    codes = cols.codes
    first = np.full(n, k, dtype=np.int64)
    np.minimum.at(first, codes[buy], period[buy])
    acquired = first < k

    # distinct (customer, period) pairs with a purchase
    if n * k <= _DENSE:
        mark = np.zeros(n * k, dtype=np.bool_)
        mark[codes[buy] * k + period[buy]] = True
        pairs = np.flatnonzero(mark)
    else:
        pairs = sorted_distinct(codes[buy] * k + period[buy])
    who, when = pairs // k, pairs % k
    cohort = first[who]
    counts = np.bincount(cohort * k + (when - cohort), minlength=k * k).reshape(k, k)

    keep = acquired[codes]
    row_cohort = first[codes[keep]]
    money = np.bincount(
        row_cohort * k + (period[keep] - row_cohort),
        weights=cols.amount[keep],
        minlength=k * k,
    ).reshape(k, k)

    ages = np.arange(k)
    observed = ages[None, :] < (k - ages)[:, None]  # cohort c is seen for k - c periods
    index = pd.Index(starts, name="cohort")
    columns = pd.Index(ages, name="period")

    def frame(values: Any) -> pd.DataFrame:
        return pd.DataFrame(np.where(observed, values, np.nan), index=index, columns=columns)

    customers = frame(counts.astype(np.float64))
    revenue = frame(money)
    with np.errstate(invalid="ignore", divide="ignore"):
        size = counts[:, :1].astype(np.float64)
        customer_share = frame(np.where(size > 0, counts / size, np.nan))
        base = money[:, :1]
        revenue_share = frame(np.where(base != 0, money / base, np.nan))

    # repeat purchasers: two or more purchase days (orders with an order column)
    unit = np.floor_divide(cols.wall[buy], DAY_NS) if cols.order is None else cols.order[buy]
    who_units, _ = _distinct_pairs(codes[buy], unit)
    per_customer = np.bincount(who_units, minlength=n)
    repeaters = np.bincount(first[acquired], weights=per_customer[acquired] >= 2, minlength=k)
    sizes = np.bincount(first[acquired], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = pd.Series(
            np.where(sizes > 0, repeaters / np.maximum(sizes, 1), np.nan),
            index=index,
            name="repeat_rate",
        )
    rate.attrs["overall"] = float(repeaters.sum() / max(int(sizes.sum()), 1))
    return CohortTable(customers, revenue, customer_share, revenue_share, rate)


def purchase_intervals(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    order: str | None = None,
    as_of: Any = None,
) -> pd.Series:
    """Days between a customer's consecutive purchase days: the inter-purchase distribution.

    Returns
    -------
    pandas.Series
        One value per repeat purchase (whole days between purchase days),
        indexed by customer; ``describe()`` or a histogram shows the
        distribution.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"id": [1, 1, 1, 2], "amount": [5.0, 5.0, 5.0, 5.0],
    ...     "ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-31 10:00",
    ...                           "2024-02-01 10:00"])})
    >>> purchase_intervals(tx, customer="id", timestamp="ts", amount="amount").tolist()
    [30]
    """
    cols = TransactionColumns.read(
        transactions, customer=customer, timestamp=timestamp, amount=amount, order=order
    )
    cut = cols.as_of(as_of).cut
    cols = cols.subset(cols.wall <= cut)
    buy = cols.purchases()
    who, day = _distinct_pairs(cols.codes[buy], np.floor_divide(cols.wall[buy], DAY_NS))
    same = who[1:] == who[:-1]
    gaps = (day[1:] - day[:-1])[same]
    return pd.Series(
        gaps.astype(np.int64),
        index=pd.Index(cols.customers.take(who[1:][same]), name=customer),
        name="days_between_purchases",
    )


def mix_over_time(
    history: Any, *, column: str = "state", period: str = "period", share: bool = True
) -> pd.DataFrame:
    """The segment or tier mix at each period of a long table (e.g. a replay panel).

    Parameters
    ----------
    history : DataFrame
        One row per customer and period, e.g. :meth:`Lifecycle.replay` or
        :meth:`TierProgram.replay` output, or segments computed per period.
    column : str, default "state"
        The segment or tier column.
    period : str, default "period"
    share : bool, default True
        Shares of the customers present in each period (rows sum to 1);
        False gives counts.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"period": ["2024-01", "2024-01", "2024-02", "2024-02"],
    ...                       "state": ["new", "new", "new", "loyal"]})
    >>> mix_over_time(panel)
    state    new  loyal
    period
    2024-01  1.0    0.0
    2024-02  0.5    0.5
    """
    if not isinstance(history, pd.DataFrame):
        raise SchemaError(f"history must be a DataFrame; got {type(history).__name__}")
    for name in (column, period):
        if name not in history.columns:
            from segkit.errors import ColumnNotFoundError

            raise ColumnNotFoundError([name], history.columns, "history")
    values: Any = history[column]
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = pd.Categorical(values, categories=pd.unique(values.dropna()))
    counts = pd.crosstab(history[period], values, dropna=False).astype(np.float64)
    counts.columns = pd.Index(list(counts.columns), name=column)
    if share:
        total = counts.sum(axis=1)
        counts = counts.div(total.where(total > 0), axis=0)
    return counts
