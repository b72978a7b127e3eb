"""Google Analytics 4 events in the BigQuery export schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.io._read import read_any

__all__ = ["read_ga4"]


def _flat(raw: pd.DataFrame, dotted: str) -> pd.Series | None:
    """A nested GA4 field, as a flattened column ``a.b`` or inside a struct column ``a``."""
    if dotted in raw.columns:
        return raw[dotted]
    head, _, tail = dotted.partition(".")
    if tail and head in raw.columns:
        return raw[head].map(lambda v: v.get(tail) if isinstance(v, Mapping) else None)
    return None


def read_ga4(
    source: Any, *, customer: str = "auto", events: Iterable[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read Google Analytics 4 events in the BigQuery export schema.

    Parameters
    ----------
    source : path or DataFrame
        Rows of the ``events_*`` table, flattened (``ecommerce.purchase_revenue``
        columns) or with the ``ecommerce`` struct as dicts (Parquet).
    customer : {"auto", "user_id", "user_pseudo_id"}
        ``"auto"`` uses ``user_id`` where set and ``user_pseudo_id`` elsewhere.
    events : iterable of str, optional
        Event names to keep in the event log (default: every event but
        ``purchase``).

    Returns
    -------
    transactions : pandas.DataFrame
        From ``purchase`` events: ``customer_id``, ``order_id``
        (``ecommerce.transaction_id``), ``timestamp`` (UTC, from
        ``event_timestamp`` in microseconds), ``amount``
        (``ecommerce.purchase_revenue``).
    events : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``event`` for the other events, for
        :func:`segkit.event_features`.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import read_ga4
    >>> raw = pd.DataFrame({
    ...     "event_name": ["page_view", "purchase"],
    ...     "event_timestamp": [1700000000000000, 1700000100000000],
    ...     "user_id": [None, "u1"], "user_pseudo_id": ["p9", "p9"],
    ...     "ecommerce.purchase_revenue": [None, 42.0],
    ...     "ecommerce.transaction_id": [None, "T1"]})
    >>> tx, ev = read_ga4(raw)
    >>> tx[["customer_id", "order_id", "amount"]].values.tolist()
    [['u1', 'T1', 42.0]]
    >>> ev["event"].tolist(), ev["customer_id"].tolist()
    (['page_view'], ['p9'])
    """
    if customer not in {"auto", "user_id", "user_pseudo_id"}:
        raise ParameterError(
            f"customer must be 'auto', 'user_id' or 'user_pseudo_id'; got {customer!r}"
        )
    raw = read_any(source)
    require_columns(raw, ["event_name", "event_timestamp"], "GA4 export")
    ids: pd.Series
    if customer == "auto":
        have = [c for c in ("user_id", "user_pseudo_id") if c in raw.columns]
        if not have:
            raise ColumnNotFoundError(
                ["user_id", "user_pseudo_id"], list(raw.columns), "GA4 export"
            )
        ids = raw[have[0]].astype("string")
        for other in have[1:]:
            ids = ids.fillna(raw[other].astype("string"))
    else:
        require_columns(raw, [customer], "GA4 export")
        ids = raw[customer].astype("string")
    micros = pd.to_numeric(raw["event_timestamp"], errors="coerce")
    if micros.isna().any():
        rows = np.flatnonzero(micros.isna().to_numpy())[:5].tolist()
        raise SchemaError(
            f"column 'event_timestamp' has values that are not microseconds, in rows {rows}"
        )
    stamp = pd.to_datetime(micros.to_numpy(dtype=np.int64), unit="us", utc=True)
    name = raw["event_name"].astype("string")
    purchase = (name == "purchase").fillna(False).to_numpy()
    revenue = _flat(raw, "ecommerce.purchase_revenue")
    if purchase.any() and revenue is None:
        raise ColumnNotFoundError(["ecommerce.purchase_revenue"], list(raw.columns), "GA4 export")
    tx = pd.DataFrame(
        {
            "customer_id": ids[purchase].to_numpy(),
            "order_id": (
                _flat(raw, "ecommerce.transaction_id")[purchase].to_numpy()  # type: ignore[index]
                if _flat(raw, "ecommerce.transaction_id") is not None
                else None
            ),
            "timestamp": stamp[purchase],
            "amount": (
                pd.to_numeric(revenue[purchase], errors="coerce").to_numpy(dtype=np.float64)
                if revenue is not None
                else np.zeros(0)
            ),
        }
    )
    keep = ~purchase & ids.notna().to_numpy()
    if events is not None:
        keep &= name.isin(list(events)).fillna(False).to_numpy()
    ev = pd.DataFrame(
        {
            "customer_id": ids[keep].to_numpy(),
            "timestamp": stamp[keep],
            "event": name[keep].to_numpy(),
        }
    )
    return tx.dropna(subset=["customer_id"]).reset_index(drop=True), ev.reset_index(drop=True)
