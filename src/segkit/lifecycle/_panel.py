"""The customers of a lifecycle replay and the frames it returns.

This module reads the universe of customers (the ids of the transactions and
of an optional customers table, each row's position among them, signup times
and the static columns the guards read) and builds the two outputs of a
replay from the states held at each point: the panel (one row per customer
and point from their first) and the changes (one row per move), and the
panel again from the changes (:func:`panel_of`), for a caller that keeps
only the changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._validation import require_columns, require_frame, same_id_kind, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.lifecycle._exact import NEVER, small_int
from segkit.lifecycle._history import History, customer_codes, positions, take_values
from segkit.transactions import TransactionColumns

__all__ = ["changes_frame", "changes_history", "customer_universe", "panel_frame", "panel_of"]

_Ints = np.ndarray[Any, np.dtype[np.int64]]


def customer_universe(
    cols: TransactionColumns,
    customers: Any,
    customer: str,
    signup: str | None,
    extra: Sequence[str],
) -> tuple[pd.Index, _Ints, _Ints | None, dict[str, Any]]:
    """All customer ids, each row's position among them, signups and static columns."""
    ids = cols.customers
    if customers is None:
        if extra:
            raise ParameterError(
                f"the guards read {list(extra)} from the customers table; pass customers="
            )
        return ids, cols.codes, None, {}
    table = require_frame(customers, "customers")
    if customer in table.columns:
        table = table.set_index(customer)
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()].unique()
        raise SchemaError(f"the customers table repeats customer ids: {show_values(dup)}")
    needed = list(extra) + ([signup] if signup is not None else [])
    require_columns(table, needed, "customers")
    same_id_kind(ids, pd.Index(table.index), customer)
    try:
        universe = ids.union(pd.Index(table.index), sort=True)
    except TypeError as exc:
        raise SchemaError(
            "the customer ids of the transactions and of the customers table have different "
            "types; make them one type"
        ) from exc
    universe.name = ids.name
    codes = cols.codes if universe.equals(ids) else universe.get_indexer(ids)[cols.codes]
    where = universe.get_indexer(table.index)
    signup_ns = None
    if signup is not None:
        stamps = table[signup]
        if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
            try:
                stamps = pd.to_datetime(stamps, format="ISO8601")
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"column {signup!r} of the customers table could not be read as dates: {exc}"
                ) from exc
        if getattr(stamps.dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(cols.tz or "UTC").dt.tz_localize(None)
        ns = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
        ns[stamps.isna().to_numpy()] = NEVER
        signup_ns = np.full(len(universe), NEVER, dtype=np.int64)
        signup_ns[where] = ns
    static = {name: table[name].reindex(universe).to_numpy() for name in extra}
    return universe, codes, signup_ns, static


def _take_ids(ids: pd.Index, positions: _Ints) -> Any:
    """``ids`` at ``positions``, as a column (numpy ids without pandas' take machinery)."""
    values = ids.to_numpy()
    if values.dtype.kind in "iuf":
        return values.take(positions)
    return ids.array.take(positions)


def changes_history(
    names: Sequence[str],
    ids: pd.Index,
    labels: pd.DatetimeIndex,
    moves: list[tuple[int, _Ints, np.ndarray[Any, Any], np.ndarray[Any, Any]]],
    absent: int,
) -> History:
    """The replay's moves (collected point by point) as a :class:`History` by customer.

    The rows of :func:`changes_frame`, as codes in small integers: ``cust``
    indexes ``ids`` (every customer of the replay, also those who never
    moved; :func:`read_history` of the frame keeps only those who did). A
    customer moves at most once a point, so the moves are placed by a
    counting sort: each customer's run starts after those of the customers
    before, and the points fill it in date order.
    """
    at = np.zeros(len(ids) + 1, dtype=np.int64)  # per customer: where its next move goes
    for _, who, _, _ in moves:
        at[who + 1] += 1
    np.cumsum(at, out=at)
    total = int(at[-1])
    # Codes in small integers (a quarter of the bytes): customers, points, states.
    cust: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    cust = np.empty(total, dtype=np.int32 if len(ids) < 2**31 else np.int64)
    when = np.empty(total, dtype=small_int(len(labels)))
    src = np.empty(total, dtype=np.int8)
    dst = np.empty(total, dtype=np.int8)
    for k, who, before, after in moves:
        place = at[who]
        at[who] += 1
        cust[place] = who
        when[place] = k
        src[place] = np.where(before == absent, -1, before)
        dst[place] = np.where(after == absent, -1, after)
    return History(ids, cust, when, src, dst, labels, list(names))


def changes_frame(h: History) -> pd.DataFrame:
    """The ``output="changes"`` frame of a replay's :func:`changes_history`."""
    out = pd.DataFrame(
        {
            "customer": _take_ids(h.ids, h.cust),
            "date": h.periods.array.take(h.k),
            "from": h.names(h.src.astype(np.int8, copy=False)),
            "to": h.names(h.dst.astype(np.int8, copy=False)),
        },
        copy=False,
    )
    # A tuple compares cleanly when frames are concatenated.
    out.attrs["periods"] = tuple(h.periods)
    return out


def _period_column(stamps: _Ints, labels: pd.DatetimeIndex) -> Any:
    """The labels' nanoseconds as a datetime column (naive: the array itself, no copy)."""
    values = stamps.view(f"M8[{labels.unit}]")
    if labels.tz is None:
        return values
    return pd.Series(values, copy=False).dt.tz_localize("UTC").dt.tz_convert(labels.tz).array


def panel_frame(
    names: Sequence[str],
    ids: pd.Index,
    labels: pd.DatetimeIndex,
    history: np.ndarray[Any, Any],
    absent: int,
) -> pd.DataFrame:
    """One row per customer and point where the customer is present, customer by customer.

    ``history`` holds the states (points x customers, ``absent`` for a
    customer not yet present); a customer, once present, stays (as in a
    replay), so each customer's rows are consecutive points and the previous
    state is the row before. Each row-sized array is allocated once: on this
    scale, fresh memory costs more than the arithmetic.
    """
    n_points, n = history.shape
    by_customer = np.ascontiguousarray(history.T)  # customers x points
    present = by_customer != absent
    counts = np.count_nonzero(present, axis=1)
    state = by_customer[present]
    del by_customer
    starts = (np.cumsum(counts) - counts)[counts > 0]
    previous = np.empty_like(state)
    previous[1:] = state[:-1]
    previous[starts] = -1
    changed = state != previous
    stamps = np.broadcast_to(labels.asi8, (n, n_points))[present]
    values = ids.to_numpy()
    if values.dtype.kind in "iuf":
        customer: Any = np.repeat(values, counts)
    else:
        customer = ids.repeat(counts).array
    categories = pd.Index(names)
    out = pd.DataFrame(
        {
            "customer": customer,
            "period": _period_column(stamps, labels),
            "state": pd.Categorical.from_codes(state, categories=categories),
            "previous_state": pd.Categorical.from_codes(previous, categories=categories),
            "changed": changed,
        },
        copy=False,
    )
    out.attrs["periods"] = tuple(labels)  # a tuple compares cleanly when frames are concatenated
    return out


@dispatch("lifecycle.panel_of", on="changes")
def panel_of(changes: pd.DataFrame) -> pd.DataFrame:
    """The panel of a replay from its changes: what ``replay(output="panel")`` returns.

    Each customer's state is carried forward from each change to the next
    (or to the last boundary), from the boundary where they entered; the
    boundaries come from ``changes.attrs["periods"]``, which a replay sets.

    Parameters
    ----------
    changes : DataFrame
        The output of :meth:`Lifecycle.replay` with ``output="changes"``
        (sorted by customer and date, as the replay returns it).

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``period``, ``state``, ``previous_state``, ``changed``,
        equal to the panel the same replay returns with ``output="panel"``.

    Raises
    ------
    SchemaError
        ``changes`` lacks a column of the changes form or its
        ``attrs["periods"]`` (lost, e.g., by concatenating frames), or has a
        date that is not one of the periods.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.lifecycle import default_lifecycle
    >>> tx = pd.DataFrame({"id": [1, 1, 2],
    ...                    "ts": pd.to_datetime(["2024-01-10", "2024-02-05", "2024-01-20"]),
    ...                    "amount": [20.0, 35.0, 15.0]})
    >>> changes = default_lifecycle().replay(tx, customer="id", timestamp="ts", amount="amount",
    ...                                      end="2024-04-01", output="changes")
    >>> panel_of(changes).head(3)
       customer     period   state previous_state  changed
    0         1 2024-02-01     new            NaN     True
    1         1 2024-03-01  active            new     True
    2         1 2024-04-01  active         active    False
    """
    frame = require_frame(changes, "changes")
    require_columns(frame, ["customer", "date", "from", "to"], "changes")
    given = frame.attrs.get("periods")
    if not isinstance(given, tuple | list) or not len(given):
        raise SchemaError(
            "changes has no attrs['periods'] (the boundaries of the replay), which the panel "
            "needs; pass the frame Lifecycle.replay returned"
        )
    dates = pd.DatetimeIndex(frame["date"])
    labels = pd.DatetimeIndex(list(given)).as_unit(dates.unit)  # the unit of the replay's dates
    n_points = len(labels)
    k = positions(dates, labels)
    if (k < 0).any():
        raise SchemaError("changes has dates that are not among its attrs['periods']")
    who, _ = customer_codes(frame["customer"], None)
    key = who * (n_points + 1) + k
    if key.size > 1 and not (key[1:] > key[:-1]).all():  # not by customer, then date
        order = np.argsort(key, kind="stable")
        twice = np.flatnonzero(np.diff(key[order]) == 0)
        if twice.size:
            at = int(order[twice[0] + 1])
            raise SchemaError(
                f"changes has two changes of customer {frame['customer'].iloc[at]!r} on "
                f"{dates[at].date()} (row {at}); pass the frame Lifecycle.replay returned"
            )
        frame, k, who = frame.iloc[order], k[order], who[order]
    to = frame["to"]
    categories = to.cat.categories if isinstance(to.dtype, pd.CategoricalDtype) else None
    if categories is None:
        categories = pd.Index(pd.unique(to.dropna()))
    codes = np.int8 if len(categories) < 128 else np.int32  # more states than an int8 holds
    if isinstance(to.dtype, pd.CategoricalDtype):
        dst = to.cat.codes.to_numpy().astype(codes)
    else:
        dst = np.asarray(categories.get_indexer(pd.Index(to)), dtype=codes)
    new = np.ones(who.size, dtype=bool)
    new[1:] = who[1:] != who[:-1]
    # Each change holds until the customer's next change, or to the last point.
    until = np.full(who.size, n_points, dtype=np.int64)
    until[:-1] = np.where(new[1:], n_points, k[1:])
    span = until - k
    state = np.repeat(dst, span)
    entry = np.flatnonzero(new)
    counts = n_points - k[entry]
    starts = np.cumsum(counts) - counts
    previous = np.empty_like(state)
    previous[1:] = state[:-1]
    previous[starts] = -1
    point = np.repeat(k - (np.cumsum(span) - span), span) + np.arange(state.size)
    out = pd.DataFrame(
        {
            "customer": take_values(frame["customer"], np.repeat(entry, counts)),
            "period": _period_column(labels.asi8.take(point), labels),
            "state": pd.Categorical.from_codes(state, categories=categories),
            "previous_state": pd.Categorical.from_codes(previous, categories=categories),
            "changed": state != previous,
        },
        copy=False,
    )
    out.attrs["periods"] = tuple(given)
    return out
