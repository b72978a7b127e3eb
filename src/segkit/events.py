"""Behaviour event features: windowed event counts per customer.

:func:`event_features` turns an event log (one row per page view, cart add,
e-mail open, return, complaint, ...) into one row per customer with counts
such as ``page_view_30d`` and ``add_to_cart_7d``: the columns the starter tag
rules read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._time import parse_as_of, read_timestamps, window_days
from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError

__all__ = ["event_features"]


def _windows(windows: Iterable[Any]) -> tuple[int, ...]:
    out: list[int] = []
    if isinstance(windows, int | np.integer | str):
        raise ParameterError(
            f"windows must be a list of whole numbers of days, e.g. windows=[{windows!r}]; "
            f"got {windows!r}"
        )
    out.extend(window_days(w) for w in windows)
    if not out:
        raise ParameterError("windows must name at least one window, e.g. windows=(7, 30, 90)")
    if len(set(out)) != len(out):
        raise ParameterError(f"windows has duplicates: {out}")
    return tuple(sorted(out))


def _name(event: Any) -> str:
    # Letters of any script stay (a Chinese kind keeps its name); other runs become "_".
    text = re.sub(r"[\W_]+", "_", str(event).strip().lower()).strip("_")
    return text or "event"


@dispatch("event_features", on="events")
def event_features(
    events: Any,
    *,
    customer: str,
    timestamp: str,
    event: str,
    as_of: Any,
    windows: Iterable[int] = (7, 30, 90),
    customers: Any = None,
) -> pd.DataFrame:
    """Count each customer's events of each kind in windows ending at ``as_of``.

    Parameters
    ----------
    events : DataFrame
        The event log, one row per event; it is not modified.
    customer, timestamp, event : str
        Names of the customer id, timestamp and event-kind columns.
    as_of : date-like
        End of every window (included). Events after ``as_of`` are ignored.
    windows : iterable of int, default (7, 30, 90)
        Window lengths in days. The ``w``-day window holds events with
        ``as_of - w days < timestamp <= as_of``.
    customers : array-like, optional
        Customer ids to return, in this order (e.g. ``summarize(...).index``);
        customers without events get zeros. By default, every customer with an
        event on or before ``as_of``, sorted.

    Returns
    -------
    DataFrame
        Indexed by customer, the index named after the ``customer`` column (as
        :func:`segkit.summarize` names it; it was literally ``"customer"``
        before 0.2.0); one int64 column per
        event kind and window, named ``{event}_{w}d``, with the event kind
        lower-cased and non-alphanumeric runs replaced by ``_`` (so
        ``"Page View"`` gives ``page_view_30d``). Kinds follow the categories
        of a categorical column, otherwise sorted order.

    Raises
    ------
    ColumnNotFoundError
        A named column is missing.
    SchemaError
        Missing customer ids, timestamps or event kinds, unparseable
        timestamps, or two kinds that map to the same column name.

    Examples
    --------
    >>> ev = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 1],
    ...     "timestamp": pd.to_datetime(["2024-03-30", "2024-03-02", "2024-03-29", "2024-04-02"]),
    ...     "event": ["page_view", "page_view", "add_to_cart", "page_view"],
    ... })
    >>> event_features(ev, customer="customer_id", timestamp="timestamp", event="event",
    ...                as_of="2024-03-31", windows=(7, 30))
                 add_to_cart_7d  add_to_cart_30d  page_view_7d  page_view_30d
    customer_id
    1                      0                0             1              2
    2                      1                1             0              0
    """
    df = require_frame(events, "events")
    require_columns(df, [customer, timestamp, event], "events")
    spans = _windows(windows)
    for column in (customer, event):
        missing = df[column].isna().to_numpy()
        if missing.any():
            raise SchemaError(
                f"column {column!r} of the events has {int(missing.sum())} missing value(s) "
                f"at index {show_values(df.index[missing])}"
            )
    stamps = read_timestamps(df[timestamp], timestamp, "events")
    cut = parse_as_of(as_of, stamps.tz)
    kinds = df[event]
    if isinstance(kinds.dtype, pd.CategoricalDtype):
        kind_codes = np.asarray(kinds.cat.codes.to_numpy(), dtype=np.intp)
        kind_names = [str(c) for c in kinds.cat.categories]
    else:
        codes, uniques = pd.factorize(kinds, sort=True)
        kind_codes = np.asarray(codes, dtype=np.intp)
        kind_names = [str(u) for u in uniques]
    names = [_name(k) for k in kind_names]
    if len(set(names)) != len(names):
        seen: dict[str, str] = {}
        for raw, clean in zip(kind_names, names, strict=True):
            if clean in seen:
                raise SchemaError(
                    f"event kinds {seen[clean]!r} and {raw!r} both become column prefix "
                    f"{clean!r}; rename one of them"
                )
            seen[clean] = raw
    # The time policy (docs/time.md): wall clock in the events' zone; a date-only
    # as_of is its whole day; a row is in the w-day window when days_since < w.
    age = cut.days_since(stamps.wall)
    known = stamps.wall <= cut.cut
    if customers is None:
        cust_codes, cust_index = pd.factorize(df[customer][known], sort=True)
        index = pd.Index(cust_index, name=customer)
        codes_all = np.full(len(df), -1, dtype=np.intp)
        codes_all[known] = cust_codes
    else:
        index = pd.Index(customers, name=customer)
        if index.has_duplicates:
            raise ParameterError("customers has duplicated ids")
        codes_all = np.asarray(index.get_indexer(df[customer]), dtype=np.intp)
    n_customers, n_kinds = len(index), len(names)
    columns: dict[str, np.ndarray] = {}
    counts_by_window = {}
    for w in spans:
        inside = (codes_all >= 0) & known & (age < w)
        flat = codes_all[inside] * n_kinds + kind_codes[inside]
        counts_by_window[w] = np.bincount(flat, minlength=n_customers * n_kinds).reshape(
            n_customers, n_kinds
        )
    for k, name in enumerate(names):
        for w in spans:
            columns[f"{name}_{w}d"] = counts_by_window[w][:, k].astype(np.int64)
    return pd.DataFrame(columns, index=index)
