"""``Lifecycle.replay(customers=...)`` on Dask: transactions and customers split alike.

The registered customers (prospects with a signup date, static columns the
guards read) are a pandas table. Every customer id goes to one *bucket* by a
hash of its value; the transactions are moved into one partition per bucket
(a shuffle on the bucket with fixed divisions, keeping the input order) and
the customers table is cut into the same buckets on the client. The pandas
method then replays each partition with its own slice of the table, so a
customer's rows and registration always meet, and a prospect without any
purchase is replayed exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from importlib import import_module
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_frame
from segkit.dask._partition import Frame, check_meta
from segkit.errors import SchemaError

__all__ = ["bucket_of", "partition_by_bucket", "replay_with_customers"]

_BUCKET = "__segkit_bucket__"
_ROW = "__segkit_row__"
_SHIFT = 40


def bucket_of(ids: Any, buckets: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The bucket (``0 .. buckets - 1``) of each customer id: a hash of the value."""
    hashed = pd.util.hash_pandas_object(pd.Series(np.asarray(ids)), index=False)
    return (hashed.to_numpy() % np.uint64(buckets)).astype(np.int64)


def _keyed(
    part: pd.DataFrame,
    customer: str,
    buckets: int,
    partition_info: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    row = np.arange(len(part), dtype=np.int64) + (number << _SHIFT)
    return part.assign(**{_ROW: row, _BUCKET: bucket_of(part[customer], buckets)})


def _in_input_order(part: pd.DataFrame) -> pd.DataFrame:
    order = np.argsort(part[_ROW].to_numpy(), kind="stable")
    return part.reset_index(drop=True).drop(columns=_ROW).take(order).reset_index(drop=True)


def partition_by_bucket(transactions: Frame, customer: str, buckets: int) -> Frame:
    """Partition ``i`` holds exactly the rows whose customer is in bucket ``i``, in input order.

    Unlike a hash shuffle on the customer column, where a row lands is fixed
    by the divisions of the bucket number, so a pandas table cut with
    :func:`bucket_of` lines up with the partitions.
    """
    meta = check_meta(transactions, [customer], "transactions")
    for reserved in (_ROW, _BUCKET):
        if reserved in meta.columns:
            raise SchemaError(f"the column name {reserved!r} is reserved by segkit.dask")
    keyed_meta = meta.assign(
        **{_ROW: np.zeros(0, dtype=np.int64), _BUCKET: np.zeros(0, dtype=np.int64)}
    )
    keyed = transactions.map_partitions(_keyed, customer, buckets, meta=keyed_meta)
    divisions = (*range(buckets), buckets - 1)
    indexed = keyed.set_index(_BUCKET, divisions=divisions, sorted=False)
    return indexed.map_partitions(_in_input_order, meta=meta)


def _phantom(ids: pd.Index) -> Any:
    """An id of the same kind as ``ids`` that is none of them."""
    if pd.api.types.is_integer_dtype(ids.dtype):
        return int(ids.max()) + 1 if len(ids) else 0
    return "\x00segkit" + "".join(str(v) for v in ids[:1])


def _replay_bucket(
    part: pd.DataFrame,
    table: pd.DataFrame,
    lifecycle: Any,
    kwargs: dict[str, Any],
    probe: pd.DataFrame,
    meta: pd.DataFrame,
) -> pd.DataFrame:
    customer = kwargs["customer"]
    if len(table) == 0 and len(part) == 0:
        return meta
    phantom = None
    if len(part) == 0:
        # Only prospects here: replay needs one purchase, so an id of nobody's buys
        # once, and its rows are dropped (the customers' histories are independent).
        phantom = _phantom(table.index)
        part = probe.assign(**{customer: pd.Series([phantom], index=probe.index)}).astype(
            probe.dtypes.to_dict()
        )
    out: pd.DataFrame = lifecycle.replay(part, **kwargs, customers=table)
    if phantom is not None:
        out = out[out["customer"] != phantom].reset_index(drop=True)
    return out


def replay_with_customers(
    lifecycle: Any,
    transactions: Frame,
    customers: Any,
    signup: str | None,
    kwargs: dict[str, Any],
    probe: pd.DataFrame,
) -> Frame:
    """The replay of every partition with its bucket of the customers table.

    ``kwargs`` are the replay's keyword arguments with the boundaries resolved
    (``start`` and ``end``); ``probe`` is one purchase at ``start`` in the
    transactions' dtypes.
    """
    customer = kwargs["customer"]
    table = require_frame(customers, "customers")
    if customer in table.columns:
        table = table.set_index(customer)
    kwargs = {**kwargs, "signup": signup}
    # The pandas checks (ids repeated or of another kind, missing columns), on the
    # probe and the whole table's index, before any work.
    meta = lifecycle.replay(probe, **kwargs, customers=table.iloc[:1]).iloc[:0]
    if table.index.has_duplicates:
        lifecycle.replay(probe, **kwargs, customers=table)  # raises the pandas message
    dtype = transactions._meta[customer].dtype
    try:
        index = table.index.astype(dtype)
    except (TypeError, ValueError) as exc:
        raise SchemaError(
            f"the customer ids of the customers table cannot be read as {dtype} like those "
            f"of the transactions ({customer!r}): {exc}"
        ) from exc
    table = table.set_axis(index.rename(table.index.name))
    buckets = max(int(transactions.npartitions), 1)
    where = bucket_of(table.index, buckets)
    parts = partition_by_bucket(transactions, customer, buckets)
    dask = import_module("dask")
    dd = import_module("dask.dataframe")
    func = partial(_replay_bucket, lifecycle=lifecycle, kwargs=kwargs, probe=probe, meta=meta)
    pieces = [
        dask.delayed(func)(piece, table[where == i]) for i, piece in enumerate(parts.to_delayed())
    ]
    return dd.from_delayed(pieces, meta=meta, verify_meta=False)
