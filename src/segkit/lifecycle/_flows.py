"""Movements between lifecycle states, state counts over time and time spent in states."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit.errors import ParameterError
from segkit.lifecycle._exact import small_int
from segkit.lifecycle._history import History, read_history

__all__ = [
    "ENTERED",
    "FlowCounter",
    "FlowPlan",
    "FlowTally",
    "Flows",
    "Stays",
    "current",
    "flow_plan",
    "flow_tally",
    "flows",
    "flows_of",
    "plot_flows",
    "plot_state_counts",
    "states_and_flows",
    "states_and_flows_of",
]

#: Row label of :attr:`Flows.matrix` for customers not yet present at the start.
ENTERED = "(entered)"


@dispatch("lifecycle.current", on="history")
def current(history: Any, *, states: Sequence[str] | None = None) -> pd.DataFrame:
    """Each customer's current state, previous different state and date of the last change.

    Parameters
    ----------
    history : DataFrame
        The output of :meth:`Lifecycle.replay` (panel or changes).
    states : sequence of str, optional
        State names, for the categories of the result (default: from history).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``state``, ``previous_state`` (null when the
        customer is still in the state they entered in) and ``since`` (the
        boundary at which they entered ``state``).

    Examples
    --------
    >>> import pandas as pd
    >>> changes = pd.DataFrame({"customer": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
    ...     "from": [None, "new", None], "to": ["new", "active", "new"]})
    >>> current(changes)
               state previous_state      since
    customer
    1         active            new 2024-03-01
    2            new            NaN 2024-02-01
    """
    return _current_of(read_history(history), states)


def _current_of(h: History, states: Sequence[str] | None) -> pd.DataFrame:
    """:func:`current` of a history already read: each customer's last change."""
    last = np.ones(h.cust.size, dtype=bool)
    last[:-1] = h.cust[1:] != h.cust[:-1]
    return _current_frame(h, states, h.cust[last], h.dst[last], h.src[last], h.k[last])


def _current_frame(
    h: History,
    states: Sequence[str] | None,
    cust: np.ndarray[Any, Any],
    state: np.ndarray[Any, Any],
    previous: np.ndarray[Any, Any],
    since: np.ndarray[Any, Any],
) -> pd.DataFrame:
    """The frame of :func:`current`: customers (``cust`` in ``h.ids``), their state codes,
    previous state codes (-1: none) and the points they entered their state at."""
    names = list(states) if states is not None else h.states
    remap = np.append(pd.Index(names).get_indexer(pd.Index(h.states)), -1)
    return pd.DataFrame(
        {
            "state": pd.Categorical.from_codes(remap[state], categories=pd.Index(names)),
            "previous_state": pd.Categorical.from_codes(
                remap[previous], categories=pd.Index(names)
            ),
            "since": h.periods[since],
        },
        index=pd.Index(h.ids.take(cust), name="customer"),
    )


@dispatch("lifecycle.states_and_flows", on="history")
def states_and_flows(
    history: Any, *, states: Sequence[str] | None = None
) -> tuple[pd.DataFrame, Flows]:
    """:func:`current` and :func:`flows` (from the first to the last boundary) at once.

    The history is read once for both (``segkit.profile`` wants the two).

    Examples
    --------
    >>> import pandas as pd
    >>> changes = pd.DataFrame({"customer": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
    ...     "from": [None, "new", None], "to": ["new", "active", "new"]})
    >>> now, moved = states_and_flows(changes)
    >>> now["state"].tolist(), moved.matrix.loc["new", "active"]
    (['active', 'new'], np.int64(1))
    """
    return states_and_flows_of(read_history(history), states)


def states_and_flows_of(
    h: History, states: Sequence[str] | None = None
) -> tuple[pd.DataFrame, Flows]:
    """:func:`states_and_flows` of a history already read as codes."""
    plan = flow_plan(h.periods, h.states)
    return _current_of(h, states), flows_of(plan, _tally(h, plan))


@attrs.frozen
class Flows:
    """Movements between lifecycle states; the result of :func:`flows`.

    Attributes
    ----------
    matrix : DataFrame
        Customers by state at ``start`` (rows; ``"(entered)"`` for customers
        who arrived later) and state at ``end`` (columns).
    moves : DataFrame
        One row per (``date``, ``from``, ``to``) with the number of
        ``customers`` who moved between the previous boundary and ``date``
        (``from`` null for customers entering), for the boundaries after
        ``start`` up to ``end`` (from the first boundary when no start was
        given); sorted by date, then by ``from`` and ``to`` in the order of
        the states (categorical columns; entries last).
    counts : DataFrame
        Customers in each state (columns) at each boundary (index).
    spells : DataFrame
        One row per stay in a state: ``customer``, ``state``, ``start``,
        ``end``, ``days`` and ``completed`` (false when the stay was still
        going on at ``end``; ``state`` categorical) — the distribution of
        time in state. Built from the stays' codes on first access (a
        customer-sized table the report does not read).
    time_in_state : DataFrame
        Per state: ``spells``, ``completed`` and the Kaplan-Meier quartiles of
        the days spent (``q25_days``, ``median_days``, ``q75_days``; stays still
        going on count as censored, so long stays are not under-counted; null
        when fewer than that share of stays has ended).
    start, end : Timestamp
    """

    matrix: pd.DataFrame = attrs.field(eq=False)
    moves: pd.DataFrame = attrs.field(eq=False)
    counts: pd.DataFrame = attrs.field(eq=False)
    # A DataFrame, or what builds it (called once, on first access to spells).
    _spells: pd.DataFrame | Callable[[], pd.DataFrame] = attrs.field(
        eq=False, alias="spells", repr=False
    )
    time_in_state: pd.DataFrame = attrs.field(eq=False)
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def spells(self) -> pd.DataFrame:
        """One row per stay in a state (see the class attributes)."""
        if not isinstance(self._spells, pd.DataFrame):
            object.__setattr__(self, "_spells", self._spells())
        assert isinstance(self._spells, pd.DataFrame)
        return self._spells

    def plot(self, ax: Any = None) -> Any:
        """From/to flow diagram of :attr:`matrix` (needs matplotlib); returns the Axes."""
        return plot_flows(self, ax=ax)

    def plot_counts(self, ax: Any = None) -> Any:
        """Area chart of :attr:`counts` (needs matplotlib); returns the Axes."""
        return plot_state_counts(self, ax=ax)


def _boundary(value: Any, periods: pd.DatetimeIndex, name: str, default: int) -> int:
    """Position of the last boundary on or before ``value``."""
    if value is None:
        return default
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a date; got {value!r}") from exc
    if periods.tz is not None and stamp.tzinfo is None:
        stamp = stamp.tz_localize(periods.tz)
    pos = int(periods.searchsorted(stamp, side="right")) - 1
    if pos < 0:
        raise ParameterError(f"{name} ({stamp}) is before the first period ({periods[0]})")
    return pos


def _km_quantiles(
    days: np.ndarray[Any, Any], done: np.ndarray[Any, Any], qs: Sequence[float]
) -> list[float]:
    """Kaplan-Meier quantiles of durations with right-censoring."""
    return _km_counted(days, done.astype(np.float64), np.ones(days.size), qs)


def _km_counted(
    days: np.ndarray[Any, Any],
    events: np.ndarray[Any, Any],
    total: np.ndarray[Any, Any],
    qs: Sequence[float],
) -> list[float]:
    """:func:`_km_quantiles` of ``total[i]`` stays of ``days[i]``, ``events[i]`` of them ended."""
    used = total > 0
    if not used.any():
        return [np.nan] * len(qs)
    times, inverse = np.unique(days[used], return_inverse=True)
    ended = np.bincount(inverse, weights=events[used], minlength=times.size)
    stays = np.bincount(inverse, weights=total[used], minlength=times.size)
    at_risk = stays.sum() - np.concatenate([[0], np.cumsum(stays)[:-1]])
    survival = np.cumprod(1.0 - ended / at_risk)
    out = []
    for q in qs:
        hit = np.flatnonzero(survival <= 1.0 - q + 1e-12)
        out.append(float(times[hit[0]]) if hit.size else np.nan)
    return out


@dispatch("lifecycle.flows", on="history")
def flows(history: Any, *, start: Any = None, end: Any = None) -> Flows:
    """Count customers moving between states, per period and between two dates.

    Parameters
    ----------
    history : DataFrame
        The output of :meth:`Lifecycle.replay` (panel or changes). The
        boundaries come from its ``attrs["periods"]``; when that was lost
        (e.g. after concatenating frames), from the dates in the frame, so a
        changes form then only has the boundaries at which something changed.
    start, end : date-like, optional
        The two dates compared by :attr:`Flows.matrix`, also limiting
        :attr:`Flows.moves`, :attr:`Flows.counts` and :attr:`Flows.spells`;
        each is taken at the last boundary on or before it. Default: the first
        and the last boundary.

    Returns
    -------
    Flows

    Examples
    --------
    >>> import pandas as pd
    >>> changes = pd.DataFrame({"customer": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
    ...     "from": [None, "new", None], "to": ["new", "active", "new"]})
    >>> f = flows(changes)
    >>> f.matrix
    to         new  active
    from
    new          0       1
    (entered)    1       0
    >>> f.counts
                new  active
    2024-01-01    1       0
    2024-02-01    2       0
    2024-03-01    1       1
    """
    h = read_history(history)
    plan = flow_plan(h.periods, h.states, start=start, end=end)
    return flows_of(plan, _tally(h, plan))


@attrs.frozen
class FlowPlan:
    """What every piece of a history is counted against in :func:`flows`.

    Attributes
    ----------
    periods : DatetimeIndex
        The boundaries of the whole history.
    states : tuple of str
        The state names of the whole history, in their order.
    lo, hi : int
        Positions of the boundaries at ``start`` and ``end``.
    from_first : bool
        No ``start`` was given: moves count from the first boundary on.
    """

    periods: pd.DatetimeIndex = attrs.field(eq=False)
    states: tuple[str, ...]
    lo: int
    hi: int
    from_first: bool


def flow_plan(
    periods: pd.DatetimeIndex, states: Sequence[str], *, start: Any = None, end: Any = None
) -> FlowPlan:
    """The plan of :func:`flows` from the history's boundaries and states; checks the dates."""
    lo = _boundary(start, periods, "start", 0)
    hi = _boundary(end, periods, "end", len(periods) - 1)
    if hi < lo:
        raise ParameterError(f"end ({periods[hi]}) is before start ({periods[lo]})")
    return FlowPlan(periods, tuple(states), lo, hi, start is None)


@attrs.frozen(eq=False)
class Stays:
    """Stays in a state as codes, one entry per stay: :attr:`Flows.spells` before it is built.

    ``cust`` indexes ``ids``; ``state`` the states; ``start`` and ``end`` the
    boundaries (the end of a stay still going on is the last boundary
    counted, and ``completed`` is false).
    """

    ids: pd.Index
    cust: np.ndarray[Any, Any]
    state: np.ndarray[Any, Any]
    start: np.ndarray[Any, Any]
    end: np.ndarray[Any, Any]
    completed: np.ndarray[Any, Any]

    def __len__(self) -> int:
        return int(self.cust.size)

    @classmethod
    def joined(cls, parts: Sequence[Stays]) -> Stays:
        """The stays of pieces with different customers, one piece after the other."""
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0, *(p.ids.size for p in parts[:-1])])
        ids = parts[0].ids.append([p.ids for p in parts[1:]])
        return cls(
            ids=ids,
            cust=np.concatenate(
                [p.cust.astype(np.int64) + o for p, o in zip(parts, offsets, strict=True)]
            ),
            state=np.concatenate([p.state for p in parts]),
            start=np.concatenate([p.start for p in parts]),
            end=np.concatenate([p.end for p in parts]),
            completed=np.concatenate([p.completed for p in parts]),
        )

    def frame(self, periods: pd.DatetimeIndex, states: Sequence[str]) -> pd.DataFrame:
        """:attr:`Flows.spells`: the stays with customer ids, state names and dates."""
        start = self.start.astype(np.intp)
        end = self.end.astype(np.intp)
        return pd.DataFrame(
            {
                "customer": self.ids.take(self.cust),
                "state": pd.Categorical.from_codes(self.state, categories=pd.Index(states)),
                "start": periods[start],
                "end": periods[end],
                "days": _pair_days(periods)[start * len(periods) + end],
                "completed": self.completed,
            },
            copy=False,
        )


@attrs.frozen
class FlowTally:
    """What :func:`flows` counts in a piece of a history that holds whole customers.

    The counts of two pieces with different customers add up, and their
    ``spells`` follow each other, so a history split by customer (a Dask
    replay's partitions) is counted piece by piece and combined with
    :meth:`total`; :func:`flows_of` turns the total into :class:`Flows`.
    """

    delta: np.ndarray[Any, np.dtype[np.int64]]  # per (period, state or none): in minus out
    grid: np.ndarray[Any, np.dtype[np.int64]]  # per (state at lo or entered, state at hi)
    moves: np.ndarray[Any, np.dtype[np.int64]]  # per (period, from, to)
    stays: np.ndarray[Any, np.dtype[np.int64]]  # per (state, start, end): stays
    ended: np.ndarray[Any, np.dtype[np.int64]]  # per (state, start, end): completed stays
    spells: Stays

    @classmethod
    def total(cls, tallies: Sequence[FlowTally]) -> FlowTally:
        """The tally of the pieces together (their customers differ), spells in piece order."""
        if len(tallies) == 1:
            return tallies[0]

        def added(name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
            return np.asarray(np.sum([getattr(t, name) for t in tallies], axis=0), dtype=np.int64)

        return cls(
            delta=added("delta"),
            grid=added("grid"),
            moves=added("moves"),
            stays=added("stays"),
            ended=added("ended"),
            spells=Stays.joined(
                [t.spells if isinstance(t.spells, Stays) else t.spells() for t in tallies]
            ),
        )


def flow_tally(history: Any, plan: FlowPlan) -> FlowTally:
    """:class:`FlowTally` of ``history`` (whole customers) against the whole history's plan."""
    return _tally(read_history(history, plan.periods, plan.states), plan)


def _tally(h: History, plan: FlowPlan) -> FlowTally:
    periods, lo, hi = plan.periods, plan.lo, plan.hi
    n_states = len(plan.states)
    # (int64 for the arithmetic below: a replay's history holds small integers)
    k, src, dst, cust = (x.astype(np.int64, copy=False) for x in (h.k, h.src, h.dst, h.cust))
    width = n_states + 1  # codes with "none" (-1) moved to the last column
    n_periods = len(periods)

    # State counts: +1 into `to`, -1 out of `from`, accumulated over periods by flows_of.
    size = n_periods * width
    delta = np.bincount(k * width + dst, minlength=size)
    delta -= np.bincount(k * width + np.where(src < 0, n_states, src), minlength=size)

    # State of each customer at lo and at hi: its last change on or before.
    n_cust = len(h.ids)

    def state_at(pos: int) -> np.ndarray[Any, np.dtype[np.int64]]:
        out = np.full(n_cust, -1, dtype=np.int64)
        sel = k <= pos
        out[cust[sel]] = dst[sel]  # rows are in date order per customer: last wins
        return out

    at_lo, at_hi = state_at(lo), state_at(hi)
    there = at_hi >= 0
    rows_lab = np.where(at_lo[there] < 0, n_states, at_lo[there])
    grid = np.bincount(rows_lab * n_states + at_hi[there], minlength=width * n_states)

    # Changes after start up to end; without a start, from the first boundary on.
    in_range = ((k > lo) | plan.from_first) & (k <= hi)
    key = (k[in_range] * width + np.where(src[in_range] < 0, n_states, src[in_range])) * width
    key += np.where(dst[in_range] < 0, n_states, dst[in_range])
    per_key = np.bincount(key, minlength=n_periods * width * width)
    del in_range, key

    spells = _stays_of(h, plan)
    # Stays per (state, start, end): the time in state from a few thousand counts.
    cells = n_states * n_periods * n_periods
    by_state = spells.state.astype(np.int64) * n_periods
    by_state += spells.start
    by_state *= n_periods
    by_state += spells.end
    return FlowTally(
        delta=delta,
        grid=grid,
        moves=per_key,
        stays=np.bincount(by_state, minlength=cells),
        ended=np.bincount(by_state[spells.completed], minlength=cells),
        spells=spells,
    )


def _stays_of(h: History, plan: FlowPlan) -> Stays:
    """The stays of a history: from each change to the same customer's next change.

    A stay still going on at ``hi`` ends there, censored (not completed).
    """
    lo, hi, n_periods = plan.lo, plan.hi, len(plan.periods)
    k, cust = h.k, h.cust
    same_next = np.zeros(cust.size, dtype=bool)
    same_next[:-1] = cust[1:] == cust[:-1]
    next_k = np.full(cust.size, hi, dtype=np.int64)
    next_k[:-1] = np.where(same_next[:-1], k[1:], hi)
    done = same_next & (next_k <= hi)
    del same_next
    np.minimum(next_k, hi, out=next_k)
    sel = (k >= lo) & (k <= hi)
    every = bool(sel.all())  # then no copies of the change rows

    def spelled(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return values if every else values[sel]

    # The stays as codes in small integers; Flows.spells names them when read.
    small = small_int(n_periods)
    return Stays(
        ids=h.ids,
        cust=spelled(cust).astype(np.int32 if h.ids.size < 2**31 else np.int64),
        state=spelled(h.dst).astype(small_int(len(plan.states))),
        start=spelled(k).astype(small),
        end=spelled(next_k).astype(small),
        completed=spelled(done),
    )


class FlowCounter:
    """:func:`states_and_flows` of a whole replay, counted while the replay moves customers.

    The replay calls :meth:`add` at every point, in order, with the customers
    whose state changed (codes; -1: not present before). :meth:`result` then
    gives what :func:`states_and_flows` gives on the replay's changes (the
    flows from the first to the last boundary) without reading the changes
    back: the counts were kept as they happened; only the stays (the codes
    behind :attr:`Flows.spells`) are taken from the history.
    """

    def __init__(self, n_customers: int, n_periods: int, n_states: int) -> None:
        width = n_states + 1
        self.n_periods, self.n_states = n_periods, n_states
        self.delta = np.zeros(n_periods * width, dtype=np.int64)
        self.moves = np.zeros(n_periods * width * width, dtype=np.int64)
        self.stays = np.zeros(n_states * n_periods * n_periods, dtype=np.int64)
        self.state = np.full(n_customers, -1, dtype=np.int64)  # -1: not present
        self.previous = np.full(n_customers, -1, dtype=np.int64)  # before the last change
        self.since = np.full(n_customers, -1, dtype=np.int64)  # point of the last change
        self.at_first: np.ndarray[Any, np.dtype[np.int64]] | None = None

    def add(
        self,
        k: int,
        who: np.ndarray[Any, Any],
        src: np.ndarray[Any, Any],
        dst: np.ndarray[Any, Any],
    ) -> None:
        """The customers ``who`` moved from ``src`` to ``dst`` at point ``k`` (0, 1, ...)."""
        n_periods, n_states = self.n_periods, self.n_states
        width = n_states + 1
        src, dst = src.astype(np.int64), dst.astype(np.int64)
        src_col = np.where(src < 0, n_states, src)  # none: the last column
        part = slice(k * width, (k + 1) * width)
        self.delta[part] += np.bincount(dst, minlength=width)  # (a move has a target)
        self.delta[part] -= np.bincount(src_col, minlength=width)
        cells = width * width
        src_col *= width
        src_col += dst
        self.moves[k * cells : (k + 1) * cells] += np.bincount(src_col, minlength=cells)
        # The stays that end here: from the last change before, completed.
        left = src >= 0
        ended = (src[left] * n_periods + self.since[who[left]]) * n_periods + k
        # (not a states x points x points array a point; the stays that ended are
        # the stays until result() adds the ones still going on)
        np.add.at(self.stays, ended, 1)
        self.previous[who] = src
        self.since[who] = k
        self.state[who] = dst
        if k == 0:
            self.at_first = self.state.copy()

    def result(
        self, h: History, states: Sequence[str] | None = None
    ) -> tuple[pd.DataFrame, Flows]:
        """:func:`states_and_flows` of ``h``, the history whose changes were added."""
        plan = flow_plan(h.periods, h.states)  # from the first to the last point
        if self.at_first is None:  # pragma: no cover - the replay adds every point
            return states_and_flows_of(h, states)
        n_periods, n_states = self.n_periods, self.n_states
        rows = np.flatnonzero(self.since >= 0)
        now = _current_frame(
            h, states, rows, self.state[rows], self.previous[rows], self.since[rows]
        )
        # The stays still going on at the last point: censored there.
        still = (self.state[rows] * n_periods + self.since[rows]) * n_periods + plan.hi
        there = self.state >= 0
        first = self.at_first[there]
        grid = np.bincount(
            np.where(first < 0, n_states, first) * n_states + self.state[there],
            minlength=(n_states + 1) * n_states,
        )
        tally = FlowTally(
            delta=self.delta,
            grid=grid,
            moves=self.moves,
            stays=self.stays + np.bincount(still, minlength=self.stays.size),
            ended=self.stays.copy(),
            spells=_stays_of(h, plan),  # codes: the history itself is not kept
        )
        return now, flows_of(plan, tally)


def _pair_days(periods: pd.DatetimeIndex) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Days between every (start, end) pair of boundaries, flat by ``start * n + end``."""
    n_periods = len(periods)
    every = np.arange(n_periods * n_periods)
    span = periods[every % n_periods] - periods[every // n_periods]
    return np.asarray(span / pd.Timedelta(days=1), dtype=np.float64)


def flows_of(plan: FlowPlan, tally: FlowTally) -> Flows:
    """:class:`Flows` from the tally of the whole history (:meth:`FlowTally.total`)."""
    periods, states, lo, hi = plan.periods, list(plan.states), plan.lo, plan.hi
    n_states, n_periods = len(states), len(periods)
    width = n_states + 1
    counts = pd.DataFrame(
        np.cumsum(tally.delta.reshape(n_periods, width), axis=0)[lo : hi + 1, :n_states],
        index=periods[lo : hi + 1],
        columns=pd.Index(states),
    )
    counts.columns.name = None

    grid = tally.grid.reshape(width, n_states)
    row_names = [*states, ENTERED]
    keep_rows = [i for i in range(width) if grid[i].any()]
    keep_cols = [j for j in range(n_states) if grid[:, j].any()]
    matrix = pd.DataFrame(
        grid[np.ix_(keep_rows, keep_cols)],
        index=pd.Index([row_names[i] for i in keep_rows], name="from"),
        columns=pd.Index([states[j] for j in keep_cols], name="to"),
    )

    names = pd.Index(states)
    groups = np.flatnonzero(tally.moves)
    g_dst = groups % width
    g_src = (groups // width) % width
    g_k = groups // (width * width)
    moves = pd.DataFrame(
        {
            "date": periods[g_k],
            "from": pd.Categorical.from_codes(np.where(g_src == n_states, -1, g_src), names),
            "to": pd.Categorical.from_codes(np.where(g_dst == n_states, -1, g_dst), names),
            "customers": tally.moves[groups].astype(np.int64),
        }
    )

    shape = (n_states, n_periods * n_periods)
    total = tally.stays.reshape(shape)
    events = tally.ended.reshape(shape)
    pair_days = _pair_days(periods)
    summary = []
    for s, name in enumerate(states):
        q25, q50, q75 = _km_counted(pair_days, events[s], total[s], (0.25, 0.5, 0.75))
        summary.append(
            {
                "state": name,
                "spells": int(total[s].sum()),
                "completed": int(events[s].sum()),
                "q25_days": q25,
                "median_days": q50,
                "q75_days": q75,
            }
        )
    time_in_state = pd.DataFrame(summary).set_index("state")
    return Flows(
        matrix=matrix,
        moves=moves,
        counts=counts,
        spells=functools.partial(tally.spells.frame, periods, tuple(states)),
        time_in_state=time_in_state,
        start=periods[lo],
        end=periods[hi],
    )


def plot_state_counts(data: Any, ax: Any = None) -> Any:
    """Stacked area chart of the number of customers in each state over time.

    Parameters
    ----------
    data : Flows or DataFrame
        A :class:`Flows`, or the output of :meth:`Lifecycle.replay`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
    """
    from segkit.plotting import draw_state_counts

    result = data if isinstance(data, Flows) else flows(data)
    return draw_state_counts(result, ax, entered=ENTERED)


def plot_flows(data: Any, ax: Any = None, *, gap: float = 0.02) -> Any:
    """From/to flow diagram: states at ``start`` (left) joined to states at ``end`` (right).

    Each band's width is the number of customers moving from its left state
    to its right state (see :attr:`Flows.matrix`).

    Parameters
    ----------
    data : Flows or DataFrame
        A :class:`Flows`, or the output of :meth:`Lifecycle.replay`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    gap : float, default 0.02
        Space between state blocks, as a share of the height.

    Returns
    -------
    matplotlib Axes
    """
    from segkit.plotting import draw_flows

    result = data if isinstance(data, Flows) else flows(data)
    return draw_flows(result, ax, gap=gap, entered=ENTERED)
