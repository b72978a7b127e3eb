"""``segkit.profile`` on a Dask log: what the pipeline needs from the cluster.

:func:`segkit.profile` accepts a Dask DataFrame. Its steps that read the log
call dispatched functions — ``summarize`` (also a quarter back, for the
segment movements), ``calibration_holdout``, ``Lifecycle.replay`` and
:func:`segkit.profiling._story.monthly_activity` — which run here on the
cluster; the pipeline brings each result back with
:func:`segkit._backend.local` (registered below) and runs the rest on pandas:
RFM, CLV, bands, tags, the lifecycle's last step and the report all read the
per-customer table, one row per customer.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import pandas as pd

from segkit._backend import Call, register
from segkit.dask._partition import (
    Frame,
    empty_or,
    log_columns,
    partition_by_customer,
    require_dask,
    same_customers,
)
from segkit.dask._transactions import unchecked
from segkit.errors import SchemaError
from segkit.profiling import activity_of, month_lines

__all__ = ["default_text", "gather", "held", "local", "monthly_activity_dask"]


@register("local")
def local(data: Frame, by: str | None = None) -> Any:
    """Compute a lazy per-customer result and sort it as pandas does.

    Results partitioned by customer hash come back sorted by their index (the
    customer id) or, with ``by``, by that column; a stable sort keeps the order
    within a customer (the periods of a replay panel), which every partition
    already has.
    """
    found = unchecked(data)
    if found is not None:  # a summary: its check that anybody bought anything, made here
        data, message = found
    pieces = _gather(data)
    if found is not None and not any(len(piece) for piece in pieces):
        raise SchemaError(message)
    out = pd.concat(pieces) if pieces else data._meta
    del pieces  # before the sort, which copies
    out = default_text(out)
    if by is not None:
        return out.sort_values(by, kind="stable").reset_index(drop=True)
    if isinstance(out, pd.DataFrame | pd.Series):
        return out.sort_index(kind="stable")
    return out


def _gather(data: Frame) -> list[Any]:
    """The partitions of ``data``, computed, in order (see :func:`gather`)."""
    return gather(data.to_delayed())


def gather(parts: list[Any]) -> list[Any]:
    """The delayed ``parts`` (one per partition), computed, in order.

    Gathered piece by piece: ``compute()`` would first join the partitions on
    one worker, which then holds the whole table. On a distributed cluster
    each piece is fetched as soon as it is ready and released on the worker,
    so the workers do not hold every piece until the last one is done.
    """
    client = _client()
    if client is None:
        return list(import_module("dask").compute(*parts))
    futures = client.compute(parts)
    position = {future.key: i for i, future in enumerate(futures)}
    pieces: list[Any] = [None] * len(futures)
    done = import_module("distributed").as_completed(futures, with_results=True)
    del futures
    for future, piece in done:
        pieces[position[future.key]] = piece
        future.release()
    return pieces


@register("held")
def held(data: Frame) -> Frame:
    """``data`` computed and kept on the workers (persisted), partitioned as it was.

    Several reductions over a lazy result (the lifecycle history: the current
    states, the flows, the report's movements) then compute it once.
    """
    client = _client()
    kept = data.persist() if client is None else client.persist(data)
    return same_customers(data, kept)


def _client() -> Any:
    """The current distributed client, or None (then Dask's own scheduler computes)."""
    if "distributed" not in sys.modules:
        return None
    try:
        return import_module("distributed").default_client()
    except ValueError:  # no client
        return None


def default_text(frame: Any) -> Any:
    """Text columns (and index) back in pandas' default dtype for text.

    Dask stores text as ``string[pyarrow]`` with ``pd.NA`` for missing values
    (its ``dataframe.convert-string`` option); pandas' own functions give the
    default text dtype (``str`` on pandas 3, ``object`` before), so the
    results are put back in it.
    """
    default = pd.Series(["a"]).dtype

    def fix(dtype: Any) -> bool:
        return isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA and dtype != default

    if isinstance(frame, pd.DataFrame):
        texts = {c: default for c, d in frame.dtypes.items() if fix(d)}
        if texts:
            frame = frame.astype(texts)
    elif isinstance(frame, pd.Series) and fix(frame.dtype):
        frame = frame.astype(default)
    if isinstance(frame, pd.DataFrame | pd.Series) and fix(frame.index.dtype):
        frame = frame.set_axis(frame.index.astype(default))
    return frame


def _first_months(lines: pd.DataFrame) -> pd.DataFrame:
    """Each buyer's first month among ``lines``, as lines of one purchase each."""
    bought = lines[lines["money"] > 0]
    first = bought.groupby("who", sort=False)["month"].min()
    return pd.DataFrame(
        {"month": first.to_numpy(), "who": first.index.to_numpy(), "money": 1.0},
        columns=lines.columns,
    ).astype(lines.dtypes.to_dict())


def monthly_activity_dask(transactions: Frame, **options: Any) -> pd.DataFrame:
    """:func:`segkit.profiling.monthly_activity` of a Dask log, computed.

    The log is reduced to :func:`~segkit.profiling.month_lines` partition by
    partition. Revenue and active customers come from those lines partitioned
    by month (each month's lines in one partition, so each month's exact sum is
    the one pandas gives), new customers from each buyer's first month,
    found in every partition and then among them partitioned by customer (the
    first of the firsts); the partitions hold disjoint months and customers,
    so their tables add up.
    """
    require_dask(transactions, "transactions")
    read = {name: options.get(name) for name in ("customer", "timestamp", "amount")}
    transactions = log_columns(transactions, read)
    probe = transactions._meta
    meta = month_lines(probe, **options)
    lines = transactions.map_partitions(month_lines, **options, meta=meta)
    empty = activity_of(meta)

    def by(column: str, frame: Frame) -> pd.DataFrame:
        parts = partition_by_customer(frame, column)
        found: pd.DataFrame = parts.map_partitions(
            empty_or, activity_of, empty, meta=empty
        ).compute()
        return found.groupby(level=0, sort=True).sum()

    months = by("month", lines)
    customers = by("who", lines.map_partitions(_first_months, meta=meta))
    out = months[["revenue", "active"]].join(customers["new"], how="outer").fillna(0)
    out[["active", "new"]] = out[["active", "new"]].astype("int64")
    out.index.name = "month"
    return out


@register("monthly_activity")
def _monthly_activity(call: Call) -> pd.DataFrame:
    arguments = call.arguments()
    return monthly_activity_dask(arguments.pop(call.on), **arguments)


@register("latest_row")
def _latest_row(call: Call) -> Any:
    """The latest of each partition's latest row, chosen by the pandas rule again."""
    arguments = call.arguments()
    data, timestamp = arguments.pop(call.on), arguments["timestamp"]

    def latest_of(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return part[[timestamp]]
        column = pd.Series([call.run(part)], dtype=part[timestamp].dtype)
        return pd.DataFrame({timestamp: column})

    found = data[[timestamp]].map_partitions(latest_of).compute()
    return call.run(found.reset_index(drop=True))
