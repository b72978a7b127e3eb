"""Recognising Dask input, partitioning it by customer and mapping over partitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import is_dask_collection
from segkit._validation import require_columns, require_frame
from segkit.errors import ParameterError, SchemaError

__all__ = [
    "Frame",
    "by_customer",
    "map_customers",
    "partition_by_customer",
    "same_customers",
    "whole_customers",
]

_ROW = "__segkit_row__"
_PARTITION_SHIFT = 40  # row keys: partition number << 40 | position in the partition

Frame = Any  # a dask DataFrame; dask is optional, so it is not imported for the annotation


def require_dask(data: Any, what: str) -> None:
    """Raise :class:`SchemaError` unless ``data`` is a Dask DataFrame."""
    if not is_dask_collection(data) or not hasattr(data, "columns"):
        raise SchemaError(f"{what} must be a Dask DataFrame; got {type(data).__name__}")


def check_meta(ddf: Frame, columns: Sequence[str], what: str) -> pd.DataFrame:
    """Check names on the empty ``_meta`` frame: errors are raised before any work."""
    meta = require_frame(ddf._meta, what)
    require_columns(meta, columns, what)
    return meta


def log_columns(transactions: Frame, columns: dict[str, Any]) -> Frame:
    """Only the named transaction columns, in that order.

    The other columns are then never read from the files nor moved by a
    shuffle (an unused ``order_id`` costs 8 bytes a line in every shuffle).
    Names that are None are left out, and so are names the log lacks: the
    pandas function run on the partitions reports those with its own message.
    """
    present = set(transactions.columns)
    names = list(dict.fromkeys(n for n in columns.values() if n is not None and n in present))
    if list(transactions.columns) == names:
        return transactions
    return transactions[names]


def _add_row_key(part: pd.DataFrame, partition_info: Mapping[str, Any] | None = None) -> Any:
    number = 0 if partition_info is None else int(partition_info["number"])
    key = np.arange(len(part), dtype=np.int64) + (number << _PARTITION_SHIFT)
    return part.assign(**{_ROW: key})


def _restore_order(part: pd.DataFrame) -> pd.DataFrame:
    # The shuffle delivers runs of increasing keys, one per input partition: a stable
    # argsort (timsort-like on runs) is several times faster here than sort_values.
    order = np.argsort(part[_ROW].to_numpy(), kind="stable")
    return part.drop(columns=_ROW).take(order)


def partition_by_customer(transactions: Frame, customer: str) -> Frame:
    """Move every customer's rows into one partition, keeping their input order.

    A hash shuffle on the customer column. The rows of a customer keep the
    order they had in the input, so that sums over them are added up in the
    same order as on pandas and give bit-identical floats.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
    customer : str
        The customer id column.

    Returns
    -------
    dask.dataframe.DataFrame
        The same rows and columns; partitions hold whole customers.
    """
    require_dask(transactions, "transactions")
    meta = check_meta(transactions, [customer], "transactions")
    if _ROW in meta.columns:
        raise ParameterError(f"the column name {_ROW!r} is reserved by segkit.dask")
    keyed = transactions.map_partitions(
        _add_row_key, meta=meta.assign(**{_ROW: np.zeros(0, dtype=np.int64)})
    )
    shuffled = keyed.shuffle(on=customer)
    return shuffled.map_partitions(_restore_order, meta=meta)


#: names of frames whose partitions hold whole customers (column "customer" of a
#: replay), beyond the shuffles' own; the latest few
_WHOLE: dict[str, str] = {}
_WHOLE_KEPT = 64


def whole_customers(frame: Frame, customer: str) -> Frame:
    """Note that every customer's rows of ``frame`` are in one partition; returns ``frame``."""
    _WHOLE[frame._name] = customer
    while len(_WHOLE) > _WHOLE_KEPT:
        del _WHOLE[next(iter(_WHOLE))]
    return frame


def same_customers(source: Frame, frame: Frame) -> Frame:
    """``frame`` (made from ``source`` partition by partition) noted as ``source`` is."""
    customer = _WHOLE.get(source._name)
    return frame if customer is None else whole_customers(frame, customer)


def by_customer(frame: Frame, customer: str) -> Frame:
    """``frame`` with every customer's rows in one partition, in input order.

    Itself when it is known to be so already (:func:`whole_customers`), else
    :func:`partition_by_customer`.
    """
    if _WHOLE.get(frame._name) == customer:
        return frame
    return whole_customers(partition_by_customer(frame, customer), customer)


def empty_or(part: pd.DataFrame, func: Callable[[pd.DataFrame], Any], empty: Any) -> Any:
    """``func(part)``, or the empty result for an empty partition (segkit rejects empty input)."""
    if len(part) == 0:
        return empty
    return func(part)


def meta_of(func: Callable[[pd.DataFrame], Any], ddf: Frame, fallback: Any = None) -> Any:
    """The empty result of ``func``: from the empty frame, else from one fake row."""
    try:
        return func(ddf._meta)
    except (ValueError, IndexError):  # SegkitError is a ValueError: "the data is empty"
        pass
    try:
        return func(ddf._meta_nonempty.iloc[:1]).iloc[:0]
    except (ValueError, IndexError):
        if fallback is None:
            raise
        return fallback


def map_customers(
    func: Callable[..., Any], table: Frame, *args: Any, meta: Any = None, **kwargs: Any
) -> Frame:
    """Apply a per-customer function ``func(partition, *args, **kwargs)`` to every partition.

    For functions of a customer table whose result for one customer depends
    only on that customer's row (scores, tags, predictions). Empty partitions
    give an empty result without calling ``func``.

    Parameters
    ----------
    func : callable
        Takes a pandas DataFrame first and returns a DataFrame or Series
        aligned on it.
    table : dask.dataframe.DataFrame
    *args, **kwargs
        Passed on to ``func``.
    meta : DataFrame or Series, optional
        The empty result (names and dtypes). By default ``func`` is called on
        the table's empty frame.

    Returns
    -------
    dask.dataframe.DataFrame or Series
    """
    require_dask(table, "table")
    bound = partial(_call_first, func, args, kwargs)
    if meta is None:
        meta = meta_of(bound, table)
    return table.map_partitions(empty_or, bound, meta, meta=meta)


def _call_first(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], part: Any
) -> Any:
    return func(part, *args, **kwargs)
