"""Demand forecast: expected repeat transactions of a customer base over calendar time."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import parse_timestamps, unit_days
from segkit._validation import check_fitted
from segkit.clv._units import model_unit, unit_name
from segkit.errors import ParameterError, SchemaError

__all__ = ["expected_transactions_over_time"]

_FREQS = {"D": "D", "W": "W", "MS": "M"}
_MAX_CELLS = 50_000_000  # first-purchase days x periods evaluated at once


def _first_purchases(first_purchases: Any) -> pd.Series:
    if isinstance(first_purchases, pd.DataFrame):
        if first_purchases.shape[1] != 1:
            raise SchemaError(
                "first_purchases must be a Series of first-purchase timestamps indexed by "
                f"customer (or a one-column frame); got columns {list(first_purchases.columns)}"
            )
        first_purchases = first_purchases.iloc[:, 0]
    if not isinstance(first_purchases, pd.Series):
        raise SchemaError(
            "first_purchases must be a Series of first-purchase timestamps indexed by customer; "
            f"got {type(first_purchases).__name__}"
        )
    stamps = pd.to_datetime(first_purchases, errors="coerce")
    if stamps.isna().any():
        bad = first_purchases[stamps.isna()]
        raise SchemaError(
            f"first_purchases holds {int(stamps.isna().sum())} value(s) that are not dates, "
            f"e.g. {bad.iloc[:3].tolist()} (index {bad.index[:3].tolist()})"
        )
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps


def _model_days(model: Any, unit: Any) -> float:
    """Days per model time unit: ``unit`` or the model's ``unit_``, which must agree."""
    fitted = getattr(model, "unit_", None)
    if unit is None:
        return model_unit(model, "expected_transactions_over_time")
    days = unit_days(unit)
    if fitted is not None and not math.isclose(days, fitted, rel_tol=1e-9):
        raise ParameterError(
            f"unit={unit!r} ({unit_name(days)}) but the {type(model).__name__} was fitted in "
            f"{unit_name(fitted)}: leave out unit (the model's own is used) or refit"
        )
    return days


def expected_transactions_over_time(
    model: Any,
    first_purchases: Any,
    *,
    end: Any,
    freq: str = "W",
    unit: Any = None,
    by: Any = None,
    transactions: pd.DataFrame | None = None,
    customer: str | None = None,
    timestamp: str | None = None,
) -> pd.DataFrame:
    r"""Expected repeat transactions of the whole customer base per calendar period.

    The classic tracking forecast of the buy-till-you-die papers (e.g. Fader,
    Hardie & Lee 2005, Figure 2): a customer acquired at :math:`f_i` is
    expected to make :math:`E[X(t)]` repeat transactions in their first
    :math:`t` time units (``model.expected_purchases_new``), so the base is
    expected to make

    .. math::

        \mathrm{cum}(c) = \sum_i E\bigl[X\bigl(\max(c - f_i, 0)\bigr)\bigr]

    repeat transactions by calendar time :math:`c`. The customers are grouped
    by first-purchase day and the model is evaluated once, on all
    (day, period end) ages together.

    Parameters
    ----------
    model : fitted BetaGeo, ModifiedBetaGeo or ParetoNBD (without covariates)
    first_purchases : Series
        First-purchase timestamp of each customer, indexed by customer (e.g.
        the first purchase dates of the customers the model describes, or of
        planned acquisitions).
    end : date-like
        Last calendar day of the forecast.
    freq : {"W", "MS", "D"}, default "W"
        Calendar periods: weeks, months (labelled by their first day) or days.
    unit : "D", "W", "M" or float, optional
        The time unit the model was fitted in ("M" is 365.25/12 days; a number
        is a length in days). Default: the model's ``unit_`` (from its
        ``unit`` option or the :func:`segkit.summarize` output it was fitted
        on); needed when the model does not know its unit, and must agree
        with it when it does.
    by : Series, optional
        A group per customer (segment, acquisition cohort), aligned on
        ``first_purchases``' index: one forecast per group.
    transactions : DataFrame, optional
        The transaction log, with ``customer`` and ``timestamp`` columns: the
        actual repeat transactions (purchase days after the first, the one
        transaction model's count) are shown beside the forecast.
    customer, timestamp : str, optional
        Columns of ``transactions``.

    Returns
    -------
    DataFrame
        One row per period (per group and period with ``by``), index
        ``period`` (the first day of the period), columns ``expected``
        (repeat transactions in the period), ``expected_cumulative`` and,
        with ``transactions``, ``actual`` and ``actual_cumulative``.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.clv import ParetoNBD, expected_transactions_over_time
    >>> published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # in weeks
    >>> model = ParetoNBD.from_params(published, unit="W")
    >>> first = pd.Series(pd.to_datetime(["1997-01-01", "1997-01-01", "1997-02-01"]))
    >>> weekly = expected_transactions_over_time(model, first, end="1997-12-31")
    >>> weekly.index[-1].date(), round(float(weekly["expected_cumulative"].iloc[-1]), 3)
    (datetime.date(1997, 12, 29), 4.375)
    """
    check_fitted(model, "params_")
    if getattr(model, "covariates", None):
        raise ParameterError(
            "expected_transactions_over_time needs a model without covariates (the forecast "
            "uses expected_purchases_new for every customer)"
        )
    if freq not in _FREQS:
        raise ParameterError(f"freq must be one of {sorted(_FREQS)}; got {freq!r}")
    days = _model_days(model, unit)
    first = _first_purchases(first_purchases)
    if first.empty:
        raise SchemaError("first_purchases is empty: there is no customer to forecast for")
    end_ts = pd.Timestamp(end)
    start = first.min()
    if end_ts < start:
        raise ParameterError(
            f"end ({end_ts.date()}) is before the first purchase ({start.date()})"
        )
    periods = pd.period_range(start, end_ts, freq=_FREQS[freq])
    edges = (periods + 1).start_time  # the end of each period
    groups = (
        pd.Series("all", index=first.index)
        if by is None
        else pd.Series(by, index=first.index)
        if not isinstance(by, pd.Series)
        else by
    )
    if not groups.index.equals(first.index):
        groups = groups.reindex(first.index)
    if groups.isna().any():
        raise SchemaError(
            f"by has no group for {int(groups.isna().sum())} customer(s), e.g. index "
            f"{groups.index[groups.isna()][:3].tolist()}"
        )
    day = first.dt.floor("D")
    codes, labels = pd.factorize(groups, sort=True)
    day_codes, days_u = pd.factorize(day, sort=True)
    counts = np.zeros((len(labels), len(days_u)))
    np.add.at(counts, (codes, day_codes), 1.0)
    if len(days_u) * len(edges) > _MAX_CELLS:
        raise ParameterError(
            f"{len(days_u):,} first-purchase days x {len(edges):,} periods is too many cells; "
            "use a coarser freq or an earlier end"
        )
    # ages of each first-purchase day at each period end, in model units; the
    # exact first-purchase instants are averaged within a day
    offset = (first - day).dt.total_seconds().groupby(day_codes).mean().to_numpy() / 86400.0
    start_days = (days_u - start.floor("D")).days.to_numpy() + offset
    edge_days = ((edges - start.floor("D")) / pd.Timedelta(days=1)).to_numpy()
    ages = np.maximum(edge_days[None, :] - start_days[:, None], 0.0) / days
    flat = np.asarray(model.expected_purchases_new(ages.ravel()), dtype=np.float64)
    cumulative_per_day = flat.reshape(ages.shape)
    cumulative = counts @ cumulative_per_day  # groups x periods
    expected_cum = cumulative.ravel()
    expected = np.diff(cumulative, axis=1, prepend=0.0).ravel()
    index = pd.MultiIndex.from_product([labels, periods.start_time], names=["group", "period"])
    out = pd.DataFrame({"expected": expected, "expected_cumulative": expected_cum}, index=index)
    if transactions is not None:
        actual = _actual_repeats(
            transactions, customer, timestamp, first.index, codes, len(labels), periods
        )
        out["actual"] = actual.ravel()
        out["actual_cumulative"] = np.cumsum(actual, axis=1).ravel()
    if by is None:
        out = out.droplevel("group")
    return out


def _actual_repeats(
    transactions: pd.DataFrame,
    customer: str | None,
    timestamp: str | None,
    customers: pd.Index,
    codes: Any,
    n_groups: int,
    periods: pd.PeriodIndex,
) -> Any:
    """Repeat purchase days per group and period: distinct days after the first."""
    if customer is None or timestamp is None:
        raise ParameterError("with transactions, pass customer= and timestamp= (column names)")
    for col in (customer, timestamp):
        if col not in transactions.columns:
            raise SchemaError(
                f"column {col!r} not found in transactions; available: "
                f"{[str(c) for c in transactions.columns]}"
            )
    stamps = transactions[timestamp]
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):  # one format per column
        stamps = parse_timestamps(stamps, str(timestamp))
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    frame = pd.DataFrame({"c": transactions[customer].to_numpy(), "d": stamps.dt.floor("D")})
    frame = frame.dropna().drop_duplicates()
    pos = customers.get_indexer(pd.Index(frame["c"]))
    frame = frame[pos >= 0].assign(g=np.asarray(codes)[pos[pos >= 0]])
    first_day = frame.groupby("c")["d"].transform("min")
    repeats = frame[frame["d"] > first_day]
    k = periods.get_indexer(repeats["d"].dt.to_period(periods.freq))
    ok = k >= 0
    out = np.zeros((n_groups, len(periods)))
    np.add.at(out, (repeats["g"].to_numpy()[ok], k[ok]), 1.0)
    return out
