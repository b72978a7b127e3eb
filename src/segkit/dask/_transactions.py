"""The transaction-log capabilities on Dask: a shuffle by customer, then a map.

:func:`summarize`, :func:`calibration_holdout` and :meth:`Lifecycle.replay`
read several rows per customer, so every customer's rows are first moved into
one partition (:func:`partition_by_customer`); the dates that depend on the
whole log (the default ``as_of``, the replay's period boundaries) are resolved
once, and the pandas function runs on each partition with them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import Call, register
from segkit.dask._partition import (
    Frame,
    check_meta,
    empty_or,
    log_columns,
    partition_by_customer,
    require_dask,
    whole_customers,
)
from segkit.dask._replay import replay_with_customers
from segkit.errors import ParameterError, SchemaError
from segkit.features import calibration_holdout, summarize
from segkit.transactions import TransactionColumns, amount_columns, with_line_amount

__all__ = ["calibration_holdout_dask", "lifecycle_replay", "summarize_dask", "unchecked"]

_RETURNS_ONLY = r".* customer\(s\) have only returns"


# --------------------------------------------------------------------------- #
# Dates that depend on the whole log: one reduction
# --------------------------------------------------------------------------- #
_EXTREMES_META = {
    "first": np.zeros(0, dtype=np.int64),
    "last": np.zeros(0, dtype=np.int64),
    "first_stamp": np.zeros(0, dtype=object),
    "last_stamp": np.zeros(0, dtype=object),
}


def _extremes(part: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    if len(part) == 0:
        return pd.DataFrame(_EXTREMES_META)
    cols = TransactionColumns.read(part, **columns)
    first, last = int(cols.wall.min()), int(cols.wall.max())
    stamps = [pd.Timestamp(first, unit="ns"), pd.Timestamp(last, unit="ns")]
    if cols.tz is not None:
        stamps = [stamp.tz_localize(cols.tz) for stamp in stamps]
    return pd.DataFrame(
        {
            "first": [first],
            "last": [last],
            "first_stamp": np.asarray(stamps[:1], dtype=object),
            "last_stamp": np.asarray(stamps[1:], dtype=object),
        }
    )


class _Extremes:
    """The earliest and latest timestamps (wall clock), in one pass."""

    def __init__(self, transactions: Frame, columns: dict[str, Any]) -> None:
        found = (
            log_columns(transactions, columns)
            .map_partitions(_extremes, columns, meta=pd.DataFrame(_EXTREMES_META))
            .compute()
        )
        if len(found) == 0:
            raise SchemaError("the transactions are empty")
        self.first = found["first_stamp"].iloc[int(np.argmin(found["first"].to_numpy()))]
        self.last = found["last_stamp"].iloc[int(np.argmax(found["last"].to_numpy()))]


def _no_purchase_message(function: Any, probe: pd.DataFrame, amount: str, **options: Any) -> str:
    """The pandas function's own message for "no purchase on or before the cut-off".

    Learned by running it on the probe row turned into a return, so that both
    backends say the same thing.
    """
    row = probe.iloc[:1].copy()
    if pd.api.types.is_numeric_dtype(row[amount].dtype):
        row[amount] = pd.Series([-1], index=row.index).astype(row[amount].dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            function(row, amount=amount, **options)
    except SchemaError as error:
        return str(error)
    return "no purchases on or before the cut-off"  # pragma: no cover - pandas raised above


def _purchases_by(part: pd.DataFrame, columns: dict[str, Any], cut_off: Any) -> pd.Series:
    """Whether the partition (whole customers) has a purchase on or before ``cut_off``."""
    if len(part) == 0:
        return pd.Series([False])
    cols = TransactionColumns.read(part, **columns)
    cols = cols.subset(cols.wall <= cols.as_of(cut_off).cut)
    return pd.Series([bool(cols.purchases().any())])


def _has_purchase(part: pd.DataFrame, columns: dict[str, Any], cut_off: Any) -> bool:
    return bool(_purchases_by(part, columns, cut_off).iloc[0])


def _probe_rows(meta_nonempty: pd.DataFrame, timestamp: str, amount: str, as_of: Any) -> Any:
    """One purchase at ``as_of``, in the input's dtypes: run it to learn the output's dtypes."""
    row = meta_nonempty.iloc[:1].copy()
    dtype = row[timestamp].dtype
    stamp: Any = pd.Timestamp("2000-01-01")  # for a missing or bad as_of (pandas reports it)
    try:
        given = pd.Timestamp(as_of) if as_of is not None else stamp
    except (TypeError, ValueError):
        given = stamp
    stamp = stamp if pd.isna(given) else given
    if pd.api.types.is_datetime64_any_dtype(dtype):
        tz = getattr(dtype, "tz", None)
        if tz is not None:
            stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
        row[timestamp] = pd.Series([stamp], index=row.index).astype(dtype)
    elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        row[timestamp] = pd.Series([stamp.isoformat()], index=row.index).astype(dtype)
    # Other dtypes keep their placeholder value: reading the probe reports them.
    if pd.api.types.is_numeric_dtype(row[amount].dtype):
        # A positive amount: with an order column, an order needs a positive net.
        row[amount] = pd.Series([1], index=row.index).astype(row[amount].dtype)
    return row


def _prepare(
    transactions: Frame,
    customer: str,
    timestamp: str,
    amount: str,
    order: str | None,
) -> dict[str, Any]:
    require_dask(transactions, "transactions")
    names = [customer, timestamp, amount] + ([order] if order is not None else [])
    check_meta(transactions, names, "transactions")
    if len(set(names)) < len(names):
        raise ParameterError(f"customer, timestamp, amount and order must differ; got {names}")
    return {"customer": customer, "timestamp": timestamp, "amount": amount, "order": order}


def _stamp(as_of: Any, default: Any) -> Any:
    """``as_of`` checked and passed on as given, or ``default`` (the latest timestamp).

    A date-only ``as_of`` means its whole day (segkit's time policy), so the
    partitions resolve the value themselves rather than a midnight timestamp.
    """
    from segkit._time import parse_as_of

    if as_of is None:
        return default
    parse_as_of(as_of, "UTC")  # checks the value; the zone is the partitions' to apply
    return as_of


# --------------------------------------------------------------------------- #
# summarize and calibration_holdout: a shuffle, then the pandas function per partition
# --------------------------------------------------------------------------- #
def _by_customer_part(
    part: pd.DataFrame,
    function: Any,
    columns: dict[str, Any],
    options: dict[str, Any],
    cut: str,
    meta: pd.DataFrame,
) -> pd.DataFrame:
    """The pandas ``function`` on one partition of whole customers (empty: no purchase)."""
    if len(part) == 0:
        return meta
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_RETURNS_ONLY, category=UserWarning)
            out: pd.DataFrame = function(part, **columns, **options)
    except SchemaError:
        if not _has_purchase(part, columns, options[cut]):
            return meta  # no purchase in this partition: nothing to report, not an error here
        raise
    return out


def _non_empty(part: pd.DataFrame) -> pd.Series:
    return pd.Series([len(part) > 0])


def _unless_none_found(part: pd.DataFrame, found: bool, message: str) -> pd.DataFrame:
    if not found:  # like pandas: no purchase anywhere up to the cut-off
        raise SchemaError(message)
    return part


def _run_by_customer(
    transactions: Frame,
    function: Any,
    columns: dict[str, Any],
    options: dict[str, Any],
    cut: str,
    probe: pd.DataFrame,
    meta: pd.DataFrame,
) -> Frame:
    """Partition by customer and run the pandas ``function`` on each partition.

    ``options[cut]`` is the cut-off date (``as_of``, ``calibration_end``):
    when no customer has a purchase on or before it, every partition raises
    the pandas function's own message. A partition's result is empty exactly
    when its customers have no purchase up to the cut-off, so that check reads
    the (small) results: each partition of lines is released as soon as its
    result is made, rather than all of them being held until every one has
    been checked.
    """
    message = _no_purchase_message(function, probe, **columns, **options)
    parts = partition_by_customer(log_columns(transactions, columns), columns["customer"])
    results = parts.map_partitions(
        _by_customer_part, function, columns, options, cut, meta, meta=meta
    )
    found = results.map_partitions(_non_empty, meta=(None, bool)).any()
    checked = results.map_partitions(_unless_none_found, found, message, meta=meta)
    _UNCHECKED[checked._name] = (results, message)
    while len(_UNCHECKED) > _UNCHECKED_KEPT:
        del _UNCHECKED[next(iter(_UNCHECKED))]
    return checked


#: The results of :func:`_run_by_customer` before the check that somebody bought
#: something, by the name of the checked frame, for :func:`unchecked` (the latest few).
_UNCHECKED: dict[str, tuple[Frame, str]] = {}
_UNCHECKED_KEPT = 16


def unchecked(frame: Frame) -> tuple[Frame, str] | None:
    """A summary's partitions without the final check, and the check's message.

    The check ("no purchase anywhere up to the cut-off") needs every
    partition's result before any of them can be handed out, so the workers
    hold them all. A caller that gathers the partitions one by one (the
    profile's :func:`segkit.dask._profile.local`) computes these instead and
    raises ``SchemaError(message)`` itself when every partition is empty.
    None for a frame that did not come from :func:`summarize_dask` or
    :func:`calibration_holdout_dask`.
    """
    return _UNCHECKED.get(frame._name)


def _money(
    transactions: Frame, amount: str | None, quantity: str | None, price: str | None
) -> tuple[Frame, str]:
    """The log with a line amount column, and its name: ``amount``, or quantity x price."""
    money = amount_columns(amount, quantity, price)  # one of the two, with the pandas message
    if amount is not None:
        return transactions, amount
    require_dask(transactions, "transactions")
    check_meta(transactions, money, "transactions")
    name = "amount"
    while name in transactions.columns:
        name = "_" + name
    return with_line_amount(transactions, name, *money), name


def summarize_dask(
    transactions: Frame,
    *,
    customer: str,
    timestamp: str,
    amount: str | None = None,
    as_of: Any = None,
    unit: str | float = "D",
    order: str | None = None,
    windows: Sequence[int] = (),
    quantity: str | None = None,
    price: str | None = None,
) -> Frame:
    """:func:`segkit.summarize` on a Dask DataFrame: one row per customer.

    ``as_of`` is resolved once (by default the latest timestamp) in one pass
    over the data that also finds the earliest purchase, the rows are
    partitioned by a hash of the customer id (:func:`partition_by_customer`),
    and the pandas :func:`~segkit.summarize` runs on each partition with that
    same ``as_of``.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
    customer, timestamp, amount, quantity, price, as_of, unit, order, windows
        As for :func:`segkit.summarize` (``quantity * price`` is computed
        partition by partition when there is no ``amount``).

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`segkit.summarize`, indexed by customer id.
        Each partition is sorted by customer id; partitions follow the hash of
        the id, so ``.compute().sort_index()`` equals the pandas result.

    Raises
    ------
    SchemaError
        As the pandas function, also when no purchase is on or before
        ``as_of``.

    Notes
    -----
    Customers whose rows up to ``as_of`` are all returns are left out without
    the warning (it would be raised on a worker).
    """
    transactions, amount = _money(transactions, amount, quantity, price)
    columns = _prepare(transactions, customer, timestamp, amount, order)
    options: dict[str, Any] = {"as_of": as_of, "unit": unit, "windows": tuple(windows)}
    probe = _probe_rows(transactions._meta_nonempty, timestamp, amount, as_of)
    meta = summarize(probe, **columns, **options).iloc[:0]  # bad arguments fail here
    extremes = _Extremes(transactions, columns) if as_of is None else None
    options["as_of"] = _stamp(as_of, extremes.last if extremes is not None else None)
    return _run_by_customer(transactions, summarize, columns, options, "as_of", probe, meta)


def calibration_holdout_dask(
    transactions: Frame,
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
) -> Frame:
    """:func:`segkit.calibration_holdout` on a Dask DataFrame.

    Like :func:`summarize_dask`: ``observation_end`` is resolved once, the rows
    are partitioned by customer, and the pandas function runs per partition.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`segkit.calibration_holdout`, indexed by customer.
    """
    transactions, amount = _money(transactions, amount, quantity, price)
    columns = _prepare(transactions, customer, timestamp, amount, order)
    meta_rows = transactions._meta_nonempty
    cal = _stamp(calibration_end, pd.Timestamp("2000-01-01"))
    probe_end = _stamp(observation_end, pd.Timestamp(cal) + pd.Timedelta(days=2))
    probe = pd.concat(
        [
            _probe_rows(meta_rows, timestamp, amount, cal),
            _probe_rows(meta_rows, timestamp, amount, probe_end),
        ]
    )
    options: dict[str, Any] = {"calibration_end": cal, "observation_end": probe_end, "unit": unit}
    meta = calibration_holdout(probe, **columns, **options).iloc[:0]  # bad arguments fail here
    extremes = _Extremes(transactions, columns) if observation_end is None else None
    if extremes is not None:
        options["observation_end"] = extremes.last
    return _run_by_customer(
        transactions, calibration_holdout, columns, options, "calibration_end", probe, meta
    )


@register("summarize")
def _summarize(call: Call) -> Frame:
    return summarize_dask(**call.arguments())


@register("calibration_holdout")
def _calibration_holdout(call: Call) -> Frame:
    return calibration_holdout_dask(**call.arguments())


# --------------------------------------------------------------------------- #
# Lifecycle.replay: boundaries from the extremes, then the pandas method per partition
# --------------------------------------------------------------------------- #
def _replay(part: pd.DataFrame, lifecycle: Any, kwargs: dict[str, Any]) -> Any:
    # Partitions replayed over the same boundaries carry the same attrs["periods"],
    # which the computed frame keeps.
    return lifecycle.replay(part, **kwargs)


def lifecycle_replay(
    lifecycle: Any,
    transactions: Frame,
    *,
    customers: Any = None,
    signup: str | None = "signup_date",
    **options: Any,
) -> Frame:
    """:meth:`segkit.lifecycle.Lifecycle.replay` with customers partitioned by hash.

    The period boundaries are resolved once (by default from the earliest and
    latest timestamps, one reduction, exactly as the pandas method does), every
    customer's rows are moved into one partition (:func:`partition_by_customer`)
    and the pandas method runs on each partition with those boundaries.

    Parameters
    ----------
    lifecycle : Lifecycle
    transactions : dask.dataframe.DataFrame
    customers : pandas.DataFrame, optional
        Registered customers, as for the pandas method: the transactions and
        this table are split into the same buckets of customer ids
        (:func:`segkit.dask._replay.replay_with_customers`), so prospects
        without purchases are replayed too.
    signup : str or None
        The signup date column of ``customers``.
    **options
        The other keyword arguments of :meth:`Lifecycle.replay`.

    Returns
    -------
    dask.dataframe.DataFrame
        The panel (or changes) rows of each partition's customers, sorted by
        customer and date within a partition; every partition and the
        computed frame carry the boundaries in ``attrs["periods"]``.
    """
    transactions, amount = _money(
        transactions,
        options.pop("amount", None),
        options.pop("quantity", None),
        options.pop("price", None),
    )
    customer, timestamp = options["customer"], options["timestamp"]
    start, end = options.pop("start", None), options.pop("end", None)
    columns = _prepare(transactions, customer, timestamp, amount, None)
    del columns["order"]
    options.update(columns)
    used = {**columns, "order": options.get("order")}  # the columns the replay reads
    if start is None or end is None:
        # Let the pandas method place the default boundaries, on the two extreme rows.
        extremes = _Extremes(transactions, columns)
        first, last = extremes.first, extremes.last
        probe = _probe_rows(transactions._meta_nonempty, timestamp, amount, first)
        probe = pd.concat(
            [probe, _probe_rows(transactions._meta_nonempty, timestamp, amount, last)]
        )
        bounds = lifecycle.replay(probe, **options, start=start, end=end).attrs["periods"]
        start = bounds[0] if start is None else start
        end = bounds[-1] if end is None else end
    kwargs = {**options, "start": start, "end": end}
    # The empty result, from one purchase at the first boundary (replay rejects empty input).
    probe = _probe_rows(transactions._meta_nonempty, timestamp, amount, start)
    if customers is not None:
        transactions = log_columns(transactions, used)
        out = replay_with_customers(lifecycle, transactions, customers, signup, kwargs, probe)
        return whole_customers(out, "customer")
    meta = lifecycle.replay(probe, **kwargs).iloc[:0]
    parts = partition_by_customer(log_columns(transactions, used), customer)
    func = partial(_replay, lifecycle=lifecycle, kwargs=kwargs)
    return whole_customers(parts.map_partitions(empty_or, func, meta, meta=meta), "customer")


@register("Lifecycle.replay")
def _lifecycle_replay(call: Call) -> Frame:
    arguments = call.arguments()
    if arguments.pop("columns_at", None) is not None:
        raise ParameterError(
            "columns_at= is not supported on Dask (its functions see one partition's "
            "customers at a time); compute those columns into the customers table"
        )
    lifecycle = arguments.pop("self")
    return lifecycle_replay(lifecycle, arguments.pop(call.on), **arguments)
