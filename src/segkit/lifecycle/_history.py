"""A lifecycle history read as integer codes: the panel or the changes of a replay.

:func:`segkit.lifecycle.flows`, :func:`~segkit.lifecycle.current` (and their
Dask reductions) read either form of :meth:`Lifecycle.replay`'s output here:
one row per change, sorted by customer and period, states as codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import require_frame
from segkit.errors import SchemaError

__all__ = [
    "History",
    "customer_codes",
    "first_states",
    "given_periods",
    "history_form",
    "positions",
    "read_history",
    "state_columns",
    "states_in_order",
    "take_values",
]

_PANEL = ("customer", "period", "state", "previous_state", "changed")
_CHANGES = ("customer", "date", "from", "to")


@attrs.frozen
class History:
    """A replay as integer codes, one row per change, sorted by customer and period.

    ``cust`` indexes ``ids``; ``k`` indexes ``periods``; ``src`` and ``dst``
    index ``states`` (-1: none, i.e. the customer enters). The codes are
    signed integers of any width (a replay's are small).
    """

    ids: Any
    cust: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    k: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    src: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    dst: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    periods: pd.DatetimeIndex
    states: list[str]

    def names(self, codes: np.ndarray[Any, Any]) -> Any:
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.states))


def take_values(column: pd.Series, rows: np.ndarray[Any, Any]) -> Any:
    """``column`` at ``rows``: a numpy array when it is one, else its pandas array."""
    values = column.array
    if isinstance(values, pd.arrays.NumpyExtensionArray):
        return values.to_numpy().take(rows)
    return values.take(rows)


def customer_codes(column: pd.Series, rows: Any) -> tuple[np.ndarray[Any, Any], pd.Index]:
    """``pd.factorize`` of ``column`` (at ``rows``, all when None) and the distinct ids.

    Numeric ids come customer by customer in a replay, so only the first id
    of each run of equal ids is hashed; the codes are the same as
    factorizing every row.
    """
    values = column.array
    if isinstance(values, pd.arrays.NumpyExtensionArray) and values.dtype.kind in "iuf":
        who = values.to_numpy()
        who = who if rows is None else who.take(rows)
        if who.size < 2:
            codes, uniques = pd.factorize(who)
            return np.asarray(codes, dtype=np.int64), pd.Index(uniques, dtype=column.dtype)
        starts = np.ones(who.size, dtype=bool)
        np.not_equal(who[1:], who[:-1], out=starts[1:])
        where = np.flatnonzero(starts)
        codes, uniques = pd.factorize(who[where])
        lengths = np.diff(np.append(where, who.size))
        out = np.repeat(np.asarray(codes, dtype=np.int64), lengths)
        return out, pd.Index(uniques, dtype=column.dtype)
    every, distinct = pd.factorize(column if rows is None else column.take(rows))
    return np.asarray(every, dtype=np.int64), pd.Index(distinct)


def positions(dates: Any, periods: pd.DatetimeIndex) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Position of each date among the sorted ``periods`` (-1: not one of them)."""
    stamps = pd.DatetimeIndex(dates)
    ordered = periods.is_monotonic_increasing and periods.is_unique
    if stamps.dtype != periods.dtype or not ordered:
        return np.asarray(periods.get_indexer(stamps), dtype=np.int64)
    ends = periods.asi8
    values = stamps.asi8
    pos = np.searchsorted(ends, values)
    found = np.minimum(pos, max(ends.size - 1, 0))
    hit = ends[found] == values if ends.size else np.zeros(values.size, dtype=bool)
    return np.where(hit & ~np.asarray(stamps.isna()), found, -1).astype(np.int64)


def read_history(
    history: Any, periods: pd.DatetimeIndex | None = None, states: Sequence[str] | None = None
) -> History:
    """Either replay form as integer codes (no per-row strings).

    ``periods`` and ``states``, when given, are those of the whole history
    (a piece of it is read against them); by default they come from
    ``history`` itself (:func:`history_periods`, :func:`history_states`).
    """
    df = require_frame(history, "history")
    if history_form(df) == "changes":
        rows = None
        dates = df["date"].array
        src, dst = df["from"], df["to"]
        all_dates = df["date"]
    else:
        rows = np.flatnonzero(df["changed"].to_numpy(dtype=bool))
        dates = take_values(df["period"], rows)
        src = pd.Series(take_values(df["previous_state"], rows))
        dst = pd.Series(take_values(df["state"], rows))
        all_dates = df["period"]
    if periods is None:
        periods = given_periods(df)
        if periods is None:
            periods = pd.DatetimeIndex(pd.unique(all_dates)).sort_values()
    states = _state_names(src, dst) if states is None else list(states)
    k = positions(dates, periods)
    if (k < 0).any():
        raise SchemaError("history has change dates that are not period boundaries")
    cust, ids = customer_codes(df["customer"], rows)
    src_codes, dst_codes = _codes(src, states), _codes(dst, states)
    key = cust * (len(periods) + 1) + k
    if key.size and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        cust, k, src_codes, dst_codes = cust[order], k[order], src_codes[order], dst_codes[order]
    return History(ids, cust, k, src_codes, dst_codes, periods, states)


def given_periods(history: pd.DataFrame) -> pd.DatetimeIndex | None:
    """The boundaries a replay stored in ``attrs["periods"]``, or None when they were lost."""
    periods = history.attrs.get("periods")
    if isinstance(periods, tuple | list | pd.DatetimeIndex) and len(periods):
        return pd.DatetimeIndex(list(periods))
    return None


def history_form(history: pd.DataFrame) -> str:
    """``"changes"`` or ``"panel"``: which output of :meth:`Lifecycle.replay` ``history`` is.

    Raises
    ------
    SchemaError
        ``history`` has the columns of neither.
    """
    if all(c in history.columns for c in _CHANGES):
        return "changes"
    if all(c in history.columns for c in _PANEL):
        return "panel"
    raise SchemaError(
        "history must be the output of Lifecycle.replay: columns "
        f"{list(_PANEL)} (panel) or {list(_CHANGES)} (changes); got {list(history.columns)}"
    )


def state_columns(history: pd.DataFrame) -> tuple[str, str]:
    """The columns of the state before and after a change in ``history`` (either form)."""
    return ("previous_state", "state") if history_form(history) == "panel" else ("from", "to")


def first_states(history: pd.DataFrame) -> pd.DataFrame:
    """Where each state is first met in ``history`` sorted by customer (stable).

    One row per side of a change (``side`` 0: the state before, 1: after)
    and state, with the ``customer`` and the ``row`` (position in the sorted
    changes) of its first appearance. For categorical states nothing is
    looked up: their order is the categories'. :func:`states_in_order` puts
    these rows of several histories with different customers together into
    the state names :func:`flows` reads from the histories concatenated and
    sorted by customer.
    """
    df = require_frame(history, "history")
    before, after = state_columns(df)
    panel = before == "previous_state"
    rows = np.flatnonzero(df["changed"].to_numpy(dtype=bool)) if panel else np.arange(len(df))
    who = df["customer"].take(rows).reset_index(drop=True)
    order = who.sort_values(kind="stable").index.to_numpy()
    pieces = []
    for side, name in enumerate((before, after)):
        values = pd.Series(take_values(df[name], rows[order]))
        if isinstance(values.dtype, pd.CategoricalDtype):
            continue
        first = values.dropna().drop_duplicates()
        pieces.append(
            pd.DataFrame(
                {
                    "side": side,
                    "state": [str(v) for v in first],
                    "customer": who.take(order[first.index.to_numpy()]).to_numpy(),
                    "row": first.index.to_numpy(dtype=np.int64),
                }
            )
        )
    columns = ["side", "state", "customer", "row"]
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns)


def states_in_order(meta: pd.DataFrame, firsts: Sequence[pd.DataFrame]) -> list[str]:
    """The state names of histories with the columns of ``meta`` and different customers.

    ``firsts`` are :func:`first_states` of each; the names are those that
    :func:`flows` reads from the histories concatenated and sorted by customer.
    """
    names: list[str] = []
    found = [f for f in firsts if len(f)]
    every = pd.concat(found, ignore_index=True) if found else None
    if every is not None:
        every = every.sort_values(["side", "customer", "row"], kind="stable")
    for side, name in enumerate(state_columns(meta)):
        dtype = meta[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            values: Any = [str(v) for v in dtype.categories]
        elif every is None:
            values = []
        else:
            values = every.loc[every["side"] == side, "state"].drop_duplicates()
        names += [v for v in values if v not in names]
    return names


def _state_names(*columns: pd.Series) -> list[str]:
    names: list[str] = []
    for col in columns:
        dtype = col.dtype
        values = (
            dtype.categories if isinstance(dtype, pd.CategoricalDtype) else pd.unique(col.dropna())
        )
        names += [str(v) for v in values if str(v) not in names]
    return names


def _codes(values: pd.Series, states: Sequence[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """State names to positions in ``states``; -1 for null. Categories are mapped once."""
    target = pd.Index(list(states))
    if isinstance(values.dtype, pd.CategoricalDtype):
        mapping = np.append(target.get_indexer(values.cat.categories.astype(str)), -1)
        return np.asarray(mapping[values.cat.codes.to_numpy()], dtype=np.int64)
    codes, uniques = pd.factorize(values)
    mapping = np.append(target.get_indexer(pd.Index(uniques).astype(str)), -1)
    return np.asarray(mapping[codes], dtype=np.int64)
