"""``event_features`` on a Dask event log: the kinds once, then a shuffle and a map.

The columns of :func:`segkit.event_features` are the event kinds found in the
log (``page_view_30d``, ...), so every partition must know all of them: the
kinds are found first (one pass, skipped when the column is categorical with
known categories), the event column becomes categorical with exactly those
kinds, every customer's events are moved into one partition, and the pandas
function counts each partition.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from segkit._backend import Call, register
from segkit.dask._partition import Frame, check_meta, empty_or, partition_by_customer
from segkit.errors import ParameterError
from segkit.events import event_features

__all__ = ["event_features_dask"]


def _kinds(events: Frame, event: str) -> pd.CategoricalDtype:
    """The event kinds as the pandas function orders them: categories, or sorted values."""
    dtype = events._meta[event].dtype
    if isinstance(dtype, pd.CategoricalDtype) and events[event].cat.known:
        return dtype
    if isinstance(dtype, pd.CategoricalDtype):
        found = events[event].cat.as_known()._meta.cat.categories
        return pd.CategoricalDtype(found)
    values = events[event].dropna().unique().compute()
    return pd.CategoricalDtype(pd.Index(values).sort_values())


def _as_kinds(part: pd.DataFrame, event: str, kinds: pd.CategoricalDtype) -> pd.DataFrame:
    return part.assign(**{event: part[event].astype(kinds)})


def event_features_dask(
    events: Frame,
    *,
    customer: str,
    timestamp: str,
    event: str,
    as_of: Any,
    windows: Any = (7, 30, 90),
) -> Frame:
    """:func:`segkit.event_features` of a Dask event log, lazily, one row per customer.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by customer (``customer``), the columns of the pandas
        function; partitions follow a hash of the customer id, so
        ``.compute().sort_index()`` equals the pandas result.
    """
    meta_rows = check_meta(events, [customer, timestamp, event], "events")
    options = {
        "customer": customer,
        "timestamp": timestamp,
        "event": event,
        "as_of": as_of,
        "windows": windows,
    }
    kinds = _kinds(events, event)
    typed = events.map_partitions(_as_kinds, event, kinds, meta=_as_kinds(meta_rows, event, kinds))
    meta = event_features(typed._meta, **options)  # bad arguments fail here
    parts = partition_by_customer(typed, customer)
    func = partial(event_features, **options)
    return parts.map_partitions(empty_or, func, meta, meta=meta)


@register("event_features")
def _event_features(call: Call) -> Frame:
    arguments = call.arguments()
    if arguments.pop("customers") is not None:
        raise ParameterError(
            "customers= is not supported on Dask input: compute the counts, then "
            "counts.reindex(customers, fill_value=0)"
        )
    return event_features_dask(arguments.pop(call.on), **arguments)
