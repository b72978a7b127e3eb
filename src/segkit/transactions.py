"""The entrance: one place that reads a transaction log.

Every capability that takes transactions (``summarize``,
``calibration_holdout``, ``clean_transactions``, lifecycle replays,
``profile``, the CLI) reads the columns here, so they all count the same way.

The transaction model
---------------------
* Columns: a customer id, a timestamp, and either an ``amount`` or a
  ``quantity`` and a unit ``price`` (``amount = quantity * price``); optionally
  an ``order`` id and a ``product`` (or line) id.
* **Orders.** With an ``order`` column, an order is a distinct order id whose
  lines (up to ``as_of``) have a positive net amount; the lines of such an
  order with a non-negative amount are its purchase lines. Without it, every
  row with a non-negative amount is one purchase.
* **Returns.** Rows that are not purchase lines (negative amounts, also a
  refund line inside an order; the lines of a cancellation invoice or of an
  order refunded in full) reduce revenue and are not purchases: they change
  neither ``orders`` nor purchase dates.
* **Sums** of money do not depend on the row order: amounts on a grid of
  cents (or 1/10,000) are added as whole numbers, others in sorted order.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._number_text import check_decimal, number_convention, parse_numbers
from segkit._time import AsOf, latest, parse_as_of, read_timestamps
from segkit._validation import numeric_column, require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.sums import (
    SCALES,
    Rows,
    blocks,
    cents_sums,
    combine_parts,
    exact_in_cents,
    group_sum,
    money_parts,
    on_cents,
    parts_sum,
    sorted_distinct,
    sorted_sums,
)

__all__ = [
    "SCALES",
    "TransactionColumns",
    "amount_columns",
    "check_decimal",
    "combine_parts",
    "group_sum",
    "ids_as_read",
    "money_parts",
    "number_column",
    "number_convention",
    "on_cents",
    "parse_numbers",
    "parts_sum",
    "sorted_distinct",
    "sorted_sums",
    "with_line_amount",
]


_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def amount_columns(amount: Any, quantity: Any, price: Any) -> list[Any]:
    """Check the money columns: ``amount``, or ``quantity`` and ``price``.

    Returns the columns to read (``[amount]`` or ``[quantity, price]``).
    """
    if amount is not None and (quantity is not None or price is not None):
        raise ParameterError(
            f"pass amount={amount!r} or quantity= and price=, not both: the amount of a line "
            "is either given or computed as quantity * price"
        )
    if amount is not None:
        return [amount]
    if quantity is None or price is None:
        given = "quantity" if quantity is not None else "price" if price is not None else None
        if given is None:
            raise ParameterError(
                "name the money columns: amount='...' or quantity='...' and price='...'"
            )
        missing = "price" if given == "quantity" else "quantity"
        raise ParameterError(f"{given}= needs {missing}= too (amount = quantity * price)")
    return [quantity, price]


def number_column(df: pd.DataFrame, column: Any, what: str = "transactions") -> _FloatArray:
    """A column of finite numbers as float64; names the rows that are not.

    Decimal objects are accepted (as float64); text is refused with the rows
    that are not numbers (``segkit.clean_transactions`` converts text).
    """
    series = df[column]
    if series.dtype == object and len(series):
        kinds = {type(v) for v in series.iloc[:1000]}
        if kinds and kinds <= {Decimal, int, float}:
            as_float = pd.to_numeric(series, errors="coerce")
            return numeric_column(pd.DataFrame({column: as_float}, index=df.index), column, what)
    if (
        pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
    ) and not isinstance(series.dtype, pd.CategoricalDtype):
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            raise SchemaError(
                f"column {column!r} of the {what} must be numeric, not {series.dtype}: index "
                f"{show_values(df.index[bad])} holds {show_values(series[bad])}; convert it, "
                f"e.g. pd.to_numeric(df[{column!r}], errors='coerce'), or let "
                "segkit.clean_transactions drop and report those rows"
            )
        raise SchemaError(
            f"column {column!r} of the {what} must be numeric, not {series.dtype} (numbers as "
            f"text); convert it first, e.g. pd.to_numeric(df[{column!r}]) "
            "(segkit.clean_transactions does this)"
        )
    return numeric_column(df, column, what)


@dispatch("map", on="tx")
def with_line_amount(tx: pd.DataFrame, amount: str, quantity: Any, price: Any) -> pd.DataFrame:
    """A copy of ``tx`` with the line amount ``quantity * price`` as column ``amount``.

    Row by row, so a Dask DataFrame gets it partition by partition.
    """
    return tx.assign(**{amount: number_column(tx, quantity) * number_column(tx, price)})


@attrs.frozen
class TransactionColumns:
    """A transaction log read into arrays, one entry per row.

    Attributes
    ----------
    codes : ndarray of int64
        Position of each row's customer in ``customers``.
    customers : pandas.Index
        The distinct customer ids, sorted.
    instant : ndarray of int64
        Nanoseconds since the epoch (UTC for timezone-aware input).
    wall : ndarray of int64
        Nanoseconds on the wall clock of the data's zone (what is compared).
    amount : ndarray of float64
        The line amount (``quantity * price`` when those were given).
    order : ndarray of int64 or None
        Codes of the order ids, when an order column was given.
    tz : timezone or None
        The timezone of the timestamp column.
    """

    codes: _IntArray
    customers: pd.Index
    instant: _IntArray
    wall: _IntArray
    amount: _FloatArray
    order: _IntArray | None
    tz: Any
    #: What the methods below derive from the columns, computed once per object.
    _derived: dict[str, Any] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    @classmethod
    def read(
        cls,
        transactions: Any,
        *,
        customer: Any,
        timestamp: Any,
        amount: Any = None,
        quantity: Any = None,
        price: Any = None,
        order: Any = None,
    ) -> TransactionColumns:
        """Validate and read the named columns of a transaction log."""
        df = require_frame(transactions, "transactions")
        money = amount_columns(amount, quantity, price)
        names = [customer, timestamp, *money] + ([order] if order is not None else [])
        for name in names:
            if not isinstance(name, Hashable):  # customer=["cid"]
                raise ParameterError(f"column names must be strings; got {name!r}")
        require_columns(df, names, "transactions")
        if len(df) == 0:
            raise SchemaError("the transactions are empty")
        if len(set(names)) < len(names):
            raise ParameterError(
                f"the customer, timestamp, money and order columns must differ; got {names}"
            )
        codes, customers = customer_codes(df[customer], customer)
        stamps = read_timestamps(df[timestamp], timestamp)
        if amount is not None:
            values = number_column(df, amount)
        else:
            values = number_column(df, quantity) * number_column(df, price)
        order_codes = None if order is None else order_codes_of(df, order)
        return cls(codes, customers, stamps.instant, stamps.wall, values, order_codes, stamps.tz)

    def as_of(self, as_of: Any, name: str = "as_of") -> AsOf:
        """Resolve ``as_of`` by the time policy (default: the latest row)."""
        if as_of is None:
            return latest(self.wall, self.tz)
        return parse_as_of(as_of, self.tz, name=name)

    def subset(self, keep: Rows) -> TransactionColumns:
        """Rows where ``keep`` is true, or the rows of a slice (views, no copy).

        No copy either when every row is kept: then it is this object.
        """
        if isinstance(keep, slice):
            if keep == slice(0, self.codes.size) or keep == slice(None):
                return self
        elif keep.all():
            return self
        instant = self.instant[keep]
        out = attrs.evolve(
            self,
            codes=self.codes[keep],
            instant=instant,
            wall=instant if self.wall is self.instant else self.wall[keep],  # naive: one array
            amount=self.amount[keep],
            order=None if self.order is None else self.order[keep],
        )
        if "cents" in self._derived:  # amounts on the grid of cents: any subset of them, too
            out._derived["cents"] = self._derived["cents"]
        if "owner" in self._derived:  # an order of one customer here has one in a subset, too
            out._derived["owner_bound"] = self._derived["owner"]
        return out

    def by_time(self) -> bool:
        """Whether the rows are sorted by wall-clock time (the usual export); computed once."""
        if "by_time" not in self._derived:
            wall = self.wall
            self._derived["by_time"] = all(
                bool((wall[part.start + 1 : part.stop + 1] >= wall[part]).all())
                for part in blocks(wall.size - 1)
            )
        return bool(self._derived["by_time"])

    def until(self, cut: int) -> TransactionColumns:
        """The rows whose wall-clock time is at most ``cut`` (nanoseconds).

        On a log sorted by time these are the first rows: views of the
        columns, no copy; what is known of this log is carried over where the
        later rows can be taken off: the purchase lines
        (:meth:`_prefix_purchases`), each customer's order count
        (:meth:`_prefix_orders`) and revenue in whole hundredths (exact: less
        the later rows' sums).
        """
        if not self.by_time():
            return self.subset(self.wall <= cut)
        end = int(np.searchsorted(self.wall, cut, side="right"))
        out = self.subset(slice(0, end))
        if out is not self and "purchases" in self._derived:
            buy, positive = self._prefix_purchases(end)
            out._derived["purchases"] = buy
            if positive is not None:  # the order codes of these rows (fewer, maybe)
                out._derived["positive"] = positive[: out.n_orders]
                if "customer_orders" in self._derived:
                    counted = self._prefix_orders(end, positive)
                    if counted is not None:
                        out._derived["customer_orders"] = counted
        if out is not self and "customer_cents" in self._derived and self._exact_in_cents():
            # Exact whole numbers: this log's sums less those of the later rows.
            later = cents_sums(self.codes[end:], self.amount[end:], len(self.customers))
            first = np.subtract(self._derived["customer_cents"], later, out=later)
            first.flags.writeable = False
            out._derived["customer_cents"] = first
        return out

    def _prefix_orders(self, end: int, positive: _BoolArray) -> _IntArray | None:
        """:meth:`count_orders` of the first ``end`` rows, from this log's.

        ``positive`` is :meth:`positive_orders` of those rows. Only an order
        with lines after them can count differently: its customer's count
        loses it where it is positive here, and gains it where it is positive
        there. None when such an order's id is shared by customers (counted
        by pairs: then the rows are counted again).
        """
        assert self.order is not None
        later = np.zeros(self.n_orders, dtype=bool)
        later[self.order[end:]] = True
        ids = np.flatnonzero(later)
        who = self.order_owner()[ids]
        if (who < 0).any():
            return None
        n = len(self.customers)
        counted = np.array(self._derived["customer_orders"])
        counted -= np.bincount(who[self.positive_orders()[ids]], minlength=n)
        counted += np.bincount(who[positive[ids]], minlength=n)
        counted.flags.writeable = False
        return counted

    def _exact_in_cents(self) -> bool:
        """Whether sums in hundredths of any of these rows are exact (:func:`exact_in_cents`)."""
        if "exact_cents" not in self._derived:
            self._derived["exact_cents"] = self.on_cents() and exact_in_cents(self.amount)
        return bool(self._derived["exact_cents"])

    def _prefix_purchases(self, end: int) -> tuple[_BoolArray, _BoolArray | None]:
        """:meth:`purchase_mask` and :meth:`positive_orders` of the first ``end`` rows.

        Taken from this log's (:meth:`positive_within`): only the orders with
        later lines are added up again, over their lines among the first rows.
        """
        buy = np.array(self.purchase_mask()[:end])
        positive = None
        if self.order is not None:
            positive, rows = self.positive_within(slice(0, end))
            buy[rows] = (self.amount[rows] >= 0) & positive[self.order[rows]]
            positive.flags.writeable = False
        buy.flags.writeable = False
        return buy, positive

    def positive_within(self, rows: Rows) -> tuple[_BoolArray, _IntArray]:
        """:meth:`positive_orders` over ``rows`` only (a mask, or a slice from the first row).

        An order with no line outside ``rows`` has the same net over them
        (sums per order do not depend on other rows): only the orders with
        lines outside are added up again, over their lines in ``rows``.
        Returns a new array and the positions of those lines.
        """
        order = self.order
        if order is None:
            raise ParameterError("positive_within needs an order column")
        positive = np.array(self.positive_orders())
        outside = np.zeros(self.n_orders, dtype=bool)
        if isinstance(rows, slice):
            assert rows.start in (None, 0)
            assert rows.step in (None, 1)
            end = order.size if rows.stop is None else min(rows.stop, order.size)
            outside[order[end:]] = True
            redo = np.flatnonzero(outside[order[:end]])
        else:
            outside[order[~rows]] = True
            redo = np.flatnonzero(outside[order] & rows)
        within = order[redo]
        net = group_sum(within, self.amount[redo], self.n_orders, cents=self.on_cents())
        positive[outside] = net[outside] > 0
        return positive, redo

    def rows_until(self, cut: int, start: int | None = None) -> Rows:
        """The rows with wall-clock time at most ``cut`` (and after ``start``, when given).

        A slice on a log sorted by time (views of the columns, no copy),
        otherwise a mask.
        """
        if self.by_time():
            end = int(np.searchsorted(self.wall, cut, side="right"))
            first = 0 if start is None else int(np.searchsorted(self.wall, start, side="right"))
            return slice(min(first, end), end)
        out: _BoolArray = self.wall <= cut
        if start is not None:
            out &= self.wall > start
        return out

    def every_row(self, rows: Rows) -> bool:
        """Whether ``rows`` (a slice or a mask) holds every row."""
        if isinstance(rows, slice):
            return rows.indices(self.wall.size) == (0, self.wall.size, 1)
        return bool(rows.all())

    def after(self, start: int) -> Rows:
        """The rows whose wall-clock time is after ``start``: a slice on a log sorted by time."""
        if self.by_time():
            return slice(int(np.searchsorted(self.wall, start, side="right")), None)
        out: _BoolArray = self.wall > start
        return out

    def purchases(self) -> _BoolArray:
        """Which rows are purchase lines (see the module docstring).

        Without an order column: rows with a non-negative amount. With one:
        the lines with a non-negative amount of orders whose net amount (over
        these rows) is positive; a negative line (a partial refund) is a
        return even inside such an order, so it never moves a purchase date.
        Computed once per object; each call returns a new array.
        """
        return np.array(self.purchase_mask())

    def purchase_mask(self) -> _BoolArray:
        """:meth:`purchases` without the copy: one read-only array per object."""
        if "purchases" not in self._derived:
            buy: _BoolArray = self.amount >= 0
            if self.order is not None:
                buy &= self.positive_orders()[self.order]
            buy.flags.writeable = False
            self._derived["purchases"] = buy
        out: _BoolArray = self._derived["purchases"]
        return out

    def positive_orders(self) -> _BoolArray:
        """Per order code, whether the order's net over these rows is positive.

        These are the orders with a purchase line (a positive net needs a
        positive line); an order code without rows here is not. One read-only
        array per object, which :meth:`purchase_mask` reads (an order column
        is required).
        """
        if self.order is None:
            raise ParameterError("positive_orders needs an order column")
        if "positive" not in self._derived:
            positive: _BoolArray = self.sum_amount(self.order, self.n_orders) > 0
            positive.flags.writeable = False
            self._derived["positive"] = positive
        out: _BoolArray = self._derived["positive"]
        return out

    @property
    def n_orders(self) -> int:
        """The number of order codes (0 without an order column)."""
        if self.order is None or self.order.size == 0:
            return 0
        if "n_orders" not in self._derived:
            self._derived["n_orders"] = int(self.order.max()) + 1
        return int(self._derived["n_orders"])

    def on_cents(self) -> bool:
        """Whether every amount is on the grid of cents (:func:`on_cents`); computed once."""
        if "cents" not in self._derived:
            self._derived["cents"] = on_cents(self.amount)
        return bool(self._derived["cents"])

    def sum_amount(
        self, codes: _IntArray | None = None, n: int | None = None, rows: Rows | None = None
    ) -> _FloatArray:
        """:func:`group_sum` of the amounts, per customer (or per ``codes`` in ``range(n)``).

        ``rows`` (a mask or a slice) restricts the sum to those rows. The classification
        of the amounts is done once per object, so repeated sums (revenue,
        windows, order nets) cost one pass each; the values equal
        :func:`group_sum` on the same rows.
        """
        if codes is None and rows is None and self.on_cents():  # kept: see until()
            return combine_parts(self._customer_cents(), None, None)
        if codes is None:
            codes, n = self.codes, len(self.customers)
        assert n is not None
        return group_sum(codes, self.amount, n, rows, cents=self.on_cents())

    def _customer_cents(self) -> _FloatArray:
        """Per customer, the sum of the amounts in whole hundredths (on the grid of cents).

        Computed once per object, or by :meth:`until` from this log's.
        """
        if "customer_cents" not in self._derived:
            cents = cents_sums(self.codes, self.amount, len(self.customers))
            cents.flags.writeable = False
            self._derived["customer_cents"] = cents
        return np.asarray(self._derived["customer_cents"])

    def order_owner(self) -> _IntArray:
        """Per order code, the code of its customer; -1 for an id several customers share.

        Computed once per object (an order column is required).
        """
        if self.order is None:
            raise ParameterError("order_owner needs an order column")
        if "owner" not in self._derived:
            owner = np.full(self.n_orders, -1, dtype=np.int64)
            owner[self.order] = self.codes  # any writer: checked next
            shared = owner[self.order] != self.codes
            if shared.any():
                owner[self.order[shared]] = -1
            self._derived["owner"] = owner
        return np.asarray(self._derived["owner"])

    def count_orders(self, rows: Rows | None = None) -> _IntArray:
        """Per customer, the purchases among ``rows`` (a mask or a slice; default: every row).

        With an order column the distinct order ids with a purchase line among
        ``rows``, otherwise the purchase lines.
        """
        n = len(self.customers)
        if rows is None and "customer_orders" in self._derived:  # kept: see until()
            return np.array(self._derived["customer_orders"])
        codes, order, buy = self.codes, self.order, self.purchase_mask()
        if isinstance(rows, slice):
            codes, buy = codes[rows], buy[rows]
            order = None if order is None else order[rows]
        elif rows is not None:
            buy = buy & rows
        if order is None:
            return np.bincount(codes if buy.all() else codes[buy], minlength=n)
        # -1 (shared) on a superset of the rows is safe here: those ids count as pairs.
        owner = self._derived.get("owner_bound")
        if owner is None:
            owner = self.order_owner()
        if rows is None:  # an order has a purchase line exactly when its net is positive
            bought = self.positive_orders()
        else:
            bought = np.zeros(self.n_orders, dtype=bool)
            for part in blocks(order.size):  # no row-sized temporaries
                bought[order[part][buy[part]]] = True
        mine = owner[np.flatnonzero(bought)]
        out: _IntArray = np.bincount(mine[mine >= 0], minlength=n)
        if (mine < 0).any():  # ids several customers share: count (customer, id) pairs
            sel = buy & (owner[order] < 0)
            pairs = sorted_distinct(codes[sel] * self.n_orders + order[sel])
            out += np.bincount(pairs // self.n_orders, minlength=n)
        if rows is None:
            kept = out.copy()
            kept.flags.writeable = False
            self._derived["customer_orders"] = kept
        return out

    def stamps(self, ns: _IntArray) -> pd.DatetimeIndex:
        """Turn instants back into timestamps in the input's timezone."""
        out = pd.DatetimeIndex(ns.astype("datetime64[ns]"))
        return out if self.tz is None else out.tz_localize("UTC").tz_convert(self.tz)


def order_codes_of(df: pd.DataFrame, order: Any) -> _IntArray:
    """Codes of an order id column; missing or unhashable ids are a SchemaError.

    The codes number the ids in the order they first appear (as
    ``pd.factorize``); integer ids in a range not much wider than the column
    are numbered without hashing.
    """
    series = df[order]
    values = series.to_numpy() if isinstance(series.dtype, np.dtype) else None
    if values is not None and values.dtype.kind in "iu" and values.size:
        codes = _first_seen(values)
        if codes is not None:
            return codes
    try:
        codes, _ = pd.factorize(series, use_na_sentinel=True)
    except TypeError as exc:
        raise SchemaError(
            f"column {order!r} of the transactions holds unhashable values (lists or dicts); "
            "order ids must be numbers or strings"
        ) from exc
    missing = codes < 0
    if missing.any():
        raise SchemaError(
            f"column {order!r} has {int(missing.sum())} missing order id(s) at index "
            f"{show_values(df.index[missing])}; fill or drop them (segkit.clean_transactions "
            "drops them and reports which)"
        )
    return np.asarray(codes, dtype=np.int64)


def _first_seen(ids: np.ndarray[Any, Any]) -> _IntArray | None:
    """``pd.factorize(ids)[0]`` for integers in a narrow range (None when it is wide).

    Ids that appear in increasing order, each new one the next integer (order
    numbers; later lines of an order may come back), are numbered ``id - min``.
    Otherwise the first row of each id is found with a minimum per id and the
    ids are numbered by the rank of that row, the order of first appearance.
    """
    size = ids.size
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo >= size + 1024 or hi >= 2**63:
        return None
    if _counted_up(ids, lo):
        counted: _IntArray = np.subtract(ids, lo, dtype=np.int64, casting="unsafe")
        return counted
    first = np.full(hi - lo + 1, size, dtype=np.int64)
    for part in blocks(size):
        dense = np.subtract(ids[part], lo, dtype=np.int64, casting="unsafe")
        np.minimum.at(first, dense, np.arange(part.start, part.stop, dtype=np.int64))
    seen = np.flatnonzero(first < size)
    is_first = np.zeros(size, dtype=bool)
    is_first[first[seen]] = True
    rank = np.cumsum(is_first, dtype=np.int32 if size < 2**31 else np.int64)
    first[seen] = rank[first[seen]] - 1
    del rank, is_first
    codes = np.empty(size, dtype=np.int64)
    for part in blocks(size):
        codes[part] = first[np.subtract(ids[part], lo, dtype=np.int64, casting="unsafe")]
    return codes


def ids_as_read(index: pd.Index) -> np.ndarray[Any, Any]:
    """Customer ids as people wrote them: integer-valued float ids become integers.

    A CSV reader turns an integer id column with a gap into floats (``7.0``);
    written back, ``7.0`` no longer matches the CRM's ``7``. Strings stay
    strings; other floats stay as they are. Every customer table segkit
    builds (summarize, replays, profile) is indexed this way, and so are the
    files it writes.

    Examples
    --------
    >>> import pandas as pd
    >>> ids_as_read(pd.Index([7.0, 9.0])).tolist(), ids_as_read(pd.Index(["007"])).tolist()
    ([7, 9], ['007'])
    """
    values = index.to_numpy()
    if pd.api.types.is_float_dtype(index.dtype):
        values = index.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        if (
            finite.all()
            and (values == np.round(values)).all()
            and np.abs(values).max(initial=0) < 2**53
        ):
            return values.astype(np.int64)
        return index.to_numpy()
    return values


def _counted_up(ids: np.ndarray[Any, Any], lo: int) -> bool:
    """Whether each id not seen before is the largest so far plus one, starting at ``lo``.

    Then every id up to the running maximum has been seen, so the ids first
    appear in increasing order: their order of first appearance is ``id - lo``.
    """
    if int(ids[0]) != lo:
        return False
    top = lo
    for part in blocks(ids.size):
        running = np.maximum.accumulate(ids[part].astype(np.int64))
        np.maximum(running, top, out=running)
        if running.size and (np.diff(running, prepend=top) > 1).any():
            return False
        top = int(running[-1]) if running.size else top
    return True


def customer_codes(series: pd.Series, column: Any) -> tuple[_IntArray, pd.Index]:
    """Codes of the customer ids (positions in the sorted distinct ids)."""
    values = series.to_numpy() if not isinstance(series.dtype, pd.CategoricalDtype) else None
    if (
        values is not None
        and values.dtype.kind in "iu"
        and values.size
        and values.min() >= 0
        and values.max() < 4 * values.size + 1024
    ):
        # Small non-negative integer ids index a bincount directly.
        ids = values.astype(np.int64, copy=False)
        present = np.flatnonzero(np.bincount(ids))
        index = pd.Index(present.astype(values.dtype), name=column)
        if present[-1] - present[0] + 1 == present.size:  # every id in a range: no look-up
            return np.subtract(ids, present[0]), index
        position = np.zeros(int(ids.max()) + 1, dtype=np.int64)
        position[present] = np.arange(present.size)
        return position[ids], index
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError as exc:
        raise SchemaError(
            f"column {column!r} holds unhashable customer ids (lists or dicts), e.g. "
            f"{show_values(series.iloc[:1])}; customer ids must be numbers or strings"
        ) from exc
    if (codes < 0).any():
        where = series.index[codes < 0]
        raise SchemaError(
            f"column {column!r} has {int((codes < 0).sum())} missing customer id(s) at index "
            f"{show_values(where)}; drop them first (segkit.clean_transactions does this)"
        )
    if isinstance(uniques, pd.Categorical | pd.CategoricalIndex):
        uniques = pd.Index(np.asarray(uniques))
    uniques = pd.Index(uniques)
    try:
        order = uniques.argsort()
    except TypeError as exc:
        kinds = sorted({type(v).__name__ for v in uniques[:1000]})
        raise SchemaError(
            f"column {column!r} mixes customer ids of types {kinds}; make them one type, "
            f"e.g. df[{column!r}].astype(str)"
        ) from exc
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    sorted_ids = pd.Index(ids_as_read(uniques[order]), name=column)
    return rank[codes], sorted_ids
