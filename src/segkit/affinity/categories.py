"""What each customer buys: category shares, order shares and favourites per customer.

The segment x category table is in :mod:`segkit.affinity.segments`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import DAY_NS, window_days
from segkit._validation import require_columns, require_frame, show_values
from segkit.affinity._topk import codes
from segkit.errors import ParameterError, SchemaError
from segkit.features import TransactionColumns
from segkit.sums import Rows, blocks, sorted_distinct

__all__ = [
    "category_affinity",
    "category_affinity_columns",
    "item_codes",
]


def _slug(label: Any) -> str:
    """A label as the lower-case identifier part of a column name."""
    return re.sub(r"[^0-9a-z]+", "_", str(label).lower()).strip("_") or "_"


def _slugs(labels: pd.Index, item: str) -> list[str]:
    slugs = [_slug(v) for v in labels]
    seen: dict[str, Any] = {}
    for label, slug in zip(labels, slugs, strict=True):
        if slug in seen:
            raise SchemaError(
                f"the {item} values {seen[slug]!r} and {label!r} give the same column name "
                f"'share_{slug}'; rename one of them first"
            )
        seen[slug] = label
    return slugs


def _windows(windows: Iterable[Any] | None) -> list[int]:
    return sorted({window_days(w) for w in windows or ()})


def category_affinity(
    lines: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    as_of: Any,
    item: str = "category",
    order: str | None = None,
    windows: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Per customer: spend and order share per category, favourite and count.

    Parameters
    ----------
    lines : pandas.DataFrame
        Order lines: one row per product line, with a customer, a timestamp,
        an amount (negative for returns) and the item column.
    customer, timestamp, amount : str
        Column names.
    as_of : date-like
        Only lines on or before ``as_of`` count, by the time policy of
        :func:`segkit.summarize`: a date-only ``as_of`` is that whole day.
    item : str
        The column to measure affinity to (a category, a brand, a product).
    order : str, optional
        Order id column. An order is a distinct order id; without it, a
        distinct purchase day.
    windows : iterable of int, optional
        Also compute every column over the last N days, suffixed ``_{N}d``
        (for a date-only ``as_of``, the N calendar days ending with it; the
        same windows as :func:`segkit.summarize`).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (every customer with a line on or before
        ``as_of``), with, for every value ``v`` of the item column (as a
        lower-case identifier):

        ``share_v``
            Net spend on ``v`` (clipped at zero) over the customer's net
            spend on all values (clipped the same way); missing without
            spend.
        ``order_share_v``
            Share of the customer's orders with at least one line of ``v``
            (returns are not orders); missing without orders.
        ``favourite_{item}``
            The value with the largest share (ties: more orders, then the
            first value in sorted order); missing without spend.
        ``{item}_count``
            The number of distinct values bought.

    Raises
    ------
    SchemaError
        A missing item value, or two values that make the same column name.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.affinity import category_affinity
    >>> lines = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2],
    ...     "order_id": [10, 10, 11, 12],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-03-01",
    ...                                  "2024-02-01"]),
    ...     "amount": [30.0, 10.0, 60.0, 20.0],
    ...     "category": ["shoes", "bags", "shoes", "bags"],
    ... })
    >>> aff = category_affinity(lines, customer="customer_id", timestamp="timestamp",
    ...                         amount="amount", order="order_id", as_of="2024-03-31")
    >>> aff[["share_shoes", "order_share_bags", "favourite_category", "category_count"]]
                 share_shoes  order_share_bags favourite_category  category_count
    customer_id
    1                    0.9               0.5              shoes               2
    2                    0.0               1.0               bags               1
    """
    df = require_frame(lines, "lines")
    require_columns(df, [customer, timestamp, amount, item], "lines")
    if item in {customer, timestamp, amount, order}:
        raise ParameterError(f"item must be its own column; got {item!r}")
    cols = TransactionColumns.read(
        df, customer=customer, timestamp=timestamp, amount=amount, order=order
    )
    items, labels = codes(df[item], item, "lines")
    return category_affinity_columns(
        cols, items, labels, customer=customer, item=item, as_of=as_of, windows=windows
    )


def item_codes(values: pd.Series, item: str) -> tuple[np.ndarray[Any, Any], pd.Index]:
    """Each line's code into the sorted distinct values of an item column.

    The ``items`` and ``labels`` of :func:`category_affinity_columns` and
    :func:`segment_affinity_columns`; a missing value is a SchemaError. For
    a categorical column the codes are in the smallest signed integer type
    that holds them (a byte a line for up to 127 values, not eight).
    """
    return codes(values, item, "lines", narrow=True)


def category_affinity_columns(
    cols: TransactionColumns,
    items: np.ndarray[Any, Any],
    labels: pd.Index,
    *,
    customer: str,
    item: str,
    as_of: Any,
    windows: Iterable[int] | None = None,
    order_shares: bool = True,
    customers: Any = None,
) -> pd.DataFrame:
    """:func:`category_affinity` on a log already read into columns.

    ``items`` holds each row's code into ``labels`` (:func:`item_codes`).
    ``segkit.profile`` reads the log once for every step and calls this,
    without the ``order_share_*`` columns (``order_shares=False``) and with
    ``customers``, the customers of its table: the rows are those customers,
    in that order (each must be a customer of the log, given once; one without
    a line up to ``as_of`` has missing shares, no favourite and a count of 0),
    instead of every customer with a line up to ``as_of``.
    """
    frame, _ = _category_affinity(
        cols,
        items,
        labels,
        customer=customer,
        item=item,
        as_of=as_of,
        windows=windows,
        order_shares=order_shares,
        customers=customers,
    )
    return frame


def _category_affinity(
    cols: TransactionColumns,
    items: np.ndarray[Any, Any],
    labels: pd.Index,
    *,
    customer: str,
    item: str,
    as_of: Any,
    windows: Iterable[int] | None,
    order_shares: bool,
    customers: Any,
) -> tuple[pd.DataFrame, np.ndarray[Any, Any] | None]:
    """:func:`category_affinity_columns`, and without ``order_shares`` the marks of
    the values with a purchase line up to ``as_of`` (every customer of the log x
    value, flat), which :func:`segkit.affinity.segments.segment_affinity_columns`
    can read instead of marking them again."""
    slugs = _slugs(labels, item)
    cut = cols.as_of(as_of)
    spans = _windows(windows)
    upto = cols.rows_until(cut.cut)  # a slice on a log sorted by time: no copies
    if customers is not None:
        who = _positions(cols.customers, customers)
    elif cols.every_row(upto):  # every customer of the log has a line
        who = np.arange(cols.customers.size)
    else:
        who = np.flatnonzero(np.bincount(cols.codes[upto], minlength=cols.customers.size))
    if who.size == 0 or not _any_row(upto, cols.codes.size):
        raise SchemaError(f"no line of the lines is on or before as_of ({cut.label})")
    index = cols.customers[who]
    index.name = customer
    basket = cols.order if cols.order is not None else cols.wall // DAY_NS
    owner = cols.order_owner() if cols.order is not None else None  # computed once per log
    n = cols.customers.size
    args = (basket, cols.amount)
    parts = [_affinity(cols.codes, items, *args, upto, n, who, labels, owner, order_shares)]
    for span in spans:
        inside = cols.rows_until(cut.cut, start=cut.window_start(span))
        window = _affinity(cols.codes, items, *args, inside, n, who, labels, owner, order_shares)
        parts.append((*window[:5], None))  # (only the marks up to as_of are asked for)
    # The shares become the frame's blocks as they are (no second copy of
    # customers x values floats beside the results).
    frames = []
    suffixes = ["", *(f"_{span}d" for span in spans)]
    marks = parts[0][5]
    for suffix, (share, with_item, orders, favourite, count, _) in zip(
        suffixes, parts, strict=True
    ):
        names = [f"share_{slug}{suffix}" for slug in slugs]
        frames.append(pd.DataFrame(share, index=index, columns=names, copy=False))
        if order_shares:
            with np.errstate(invalid="ignore", divide="ignore"):
                order_share = np.where(orders[:, None] > 0, with_item / orders[:, None], np.nan)
            names = [f"order_share_{slug}{suffix}" for slug in slugs]
            frames.append(pd.DataFrame(order_share, index=index, columns=names, copy=False))
        small = {f"favourite_{item}{suffix}": favourite, f"{item}_count{suffix}": count}
        frames.append(pd.DataFrame(small, index=index, copy=False))
    return pd.concat(frames, axis=1), marks


def _rows_of(values: np.ndarray[Any, Any], rows: np.ndarray[Any, Any] | None) -> Any:
    """``values[rows]`` (all when None), written over ``values`` when the rows increase
    and are at least half of them.

    Then row ``rows[j] >= j`` moves up to ``j``, a block at a time, before any
    later row is read: the first ``rows.size`` rows of ``values`` are the
    result (a view), with no second customers x values array beside them. A
    few rows are copied out instead (a view would keep the whole grid alive).
    """
    if rows is None:
        return values
    if rows.size * 2 < values.shape[0] or (rows.size > 1 and not (rows[1:] > rows[:-1]).all()):
        return values[rows]  # (a few rows: not a view holding the whole grid)
    step = max(1, (1 << 17) // max(values.shape[1], 1))  # about 1 MiB of floats a block
    for lo in range(0, rows.size, step):
        hi = min(lo + step, rows.size)
        values[lo:hi] = values[rows[lo:hi]]
    return values[: rows.size]


def _any_row(rows: Rows, size: int) -> bool:
    if isinstance(rows, slice):
        start, stop, _ = rows.indices(size)
        return stop > start
    return bool(rows.any())


def _positions(ids: pd.Index, customers: Any) -> np.ndarray[Any, Any]:
    """Where each of ``customers`` is among the log's ``ids``; each must be there, once."""
    customers = pd.Index(customers)
    if customers.equals(ids):
        return np.arange(ids.size)
    if not customers.is_unique:
        twice = customers[customers.duplicated()].unique()
        raise ParameterError(
            f"customers: {int(twice.size):,} customer id(s) are given more than once: "
            f"{show_values(twice)}"
        )
    where = ids.get_indexer(customers)
    if (where < 0).any():
        missing = customers[where < 0]
        raise ParameterError(
            f"customers: {int(missing.size):,} customer(s) are not in the log: "
            f"{show_values(missing)}"
        )
    return where


def _affinity(
    customers: np.ndarray[Any, Any],
    items: np.ndarray[Any, Any],
    basket: np.ndarray[Any, Any],
    amount: np.ndarray[Any, Any],
    keep: Rows,
    n_customers: int,
    who: np.ndarray[Any, Any],
    labels: pd.Index,
    owner: np.ndarray[Any, Any] | None,
    order_shares: bool = True,
) -> tuple[np.ndarray[Any, Any], Any, Any, Any, np.ndarray[Any, Any], Any]:
    """Spend shares, baskets with each value, baskets, favourite and count of ``who``,
    and the marks of the values with a purchase line (every customer x value, flat).

    The shares are computed in place of the spend (customers x values).
    Without ``order_shares`` the baskets are not counted (None): the count of
    values comes from the marks of the purchase lines (with order shares
    there are none: None), and the baskets with each value only for the
    customers whose largest spend is on several values (the favourite's
    tie-break).
    """
    n_items = labels.size
    if not isinstance(keep, slice) and keep.all():
        keep = slice(None)
    # (a slice: views of the columns, no copies)
    c, i, b, a = customers[keep], items[keep], basket[keep], amount[keep]
    # Every customer in the log's order: then no row selection either.
    everyone = who.size == n_customers and bool((who == np.arange(n_customers)).all())
    # Spend per (customer, value), added in line order a block of lines at a
    # time (the sums of one bincount, without its row-sized key and copy of
    # the amounts); without order shares, marks of the values with a purchase line.
    spend: np.ndarray[Any, Any] = np.zeros(n_customers * n_items)
    flat = None if order_shares else np.zeros(n_customers * n_items, dtype=bool)
    buy = a >= 0
    for part in blocks(c.size):
        key = c[part] * n_items
        key += i[part]
        np.add.at(spend, key, a[part])
        if flat is not None:
            flat[key[buy[part]]] = True
    orders = with_item = None
    if flat is None:
        orders, with_item = _baskets(c, b, i, buy, n_customers, n_items, owner)
        orders = (orders if everyone else orders[who]).astype(np.float64)
        with_item = with_item.reshape(n_customers, n_items)
        with_item = with_item if everyone else with_item[who]
        count = (with_item > 0).sum(axis=1)
    else:  # a value is bought when it has a purchase line
        marks = flat.reshape(n_customers, n_items)
        count = (marks if everyone else marks[who]).sum(axis=1)
        del marks
    spend = _rows_of(spend.reshape(n_customers, n_items), None if everyone else who)
    np.clip(spend, 0.0, None, out=spend)
    total = spend.sum(axis=1)
    # The favourite: largest spend, then most orders, then the first label;
    # then the shares, written over the spend (a total of 0 means every spend
    # is 0, and 0 / 0 is the missing share). A block of customers at a time
    # (no customers x values temporaries beside the results).
    best = np.empty(spend.shape[0], dtype=np.intp)
    tied: list[np.ndarray[Any, Any]] = []  # rows whose largest spend ties, and their values
    tops: list[np.ndarray[Any, Any]] = []
    step = max(1, (1 << 17) // max(n_items, 1))  # customers a block: about 1 MiB of floats
    for start in range(0, spend.shape[0], step):
        part = slice(start, start + step)
        s, t = spend[part], total[part, None]
        top = s == s.max(axis=1, keepdims=True)
        if with_item is not None:
            best[part] = np.argmax(np.where(top, with_item[part], -1), axis=1)
        else:
            best[part] = np.argmax(top, axis=1)
            several = top.sum(axis=1) > 1
            several &= t[:, 0] > 0
            tied.append(np.flatnonzero(several) + start)
            tops.append(top[several])
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(s, t, out=s)
    if sum(x.size for x in tied):
        rows = np.concatenate(tied)
        lines = (c, b, i, buy)
        best[rows] = _break_ties(who[rows], np.concatenate(tops), *lines, n_customers)
    share = spend
    favourite = _favourites(labels, np.where(total > 0, best, -1))
    return share, with_item, orders, favourite, count, flat


def _break_ties(
    tied: np.ndarray[Any, Any],
    top: np.ndarray[Any, Any],
    c: np.ndarray[Any, Any],
    b: np.ndarray[Any, Any],
    i: np.ndarray[Any, Any],
    buy: np.ndarray[Any, Any],
    n_customers: int,
) -> np.ndarray[Any, Any]:
    """The favourites of the ``tied`` customers, whose largest spend is on several values.

    ``top`` marks each one's values of largest spend; among them the one in
    most baskets wins, then the first label. The baskets with each value are
    the distinct (customer, basket, value) of these customers' purchase
    lines: a sort of their keys, nothing the size of every basket.
    """
    n_items = top.shape[1]
    # Their lines are found from one byte per customer: a table of positions
    # would be eight times the size, and reading it at every line's customer
    # (in the log's order, all over it) is the slow part.
    marked = np.zeros(n_customers, dtype=bool)
    marked[tied] = True
    lines = marked[c]
    lines &= buy
    local = np.full(n_customers, -1, dtype=np.int64)
    local[tied] = np.arange(tied.size)
    who, basket, item = local[c[lines]], b[lines], i[lines].astype(np.int64)
    low = int(basket.min()) if basket.size else 0
    span = int(basket.max()) - low + 1 if basket.size else 1
    if tied.size * span * n_items >= 2**62:  # basket numbers as ranks among these lines
        basket, low = np.unique(basket, return_inverse=True)[1].reshape(-1), 0
        span = int(basket.max()) + 1
    key = who * span
    key += basket - low
    key *= n_items
    key += item
    key = sorted_distinct(key)
    cell = key // (span * n_items) * n_items + key % n_items
    baskets = np.bincount(cell, minlength=tied.size * n_items).reshape(tied.size, n_items)
    out: np.ndarray[Any, Any] = np.argmax(np.where(top, baskets, -1), axis=1)
    return out


def _favourites(labels: pd.Index, best: np.ndarray[Any, Any]) -> Any:
    """The favourite of each customer (``best`` positions in ``labels``; -1: none).

    Text labels are taken from the labels' own array (pandas' string dtype:
    no Python string per customer); others are the label objects, missing
    as NaN.
    """
    if isinstance(labels, pd.CategoricalIndex) and isinstance(
        labels.categories.dtype, pd.StringDtype
    ):  # a categorical column of text: its categories, at the labels' positions
        position = np.append(labels.codes, -1)
        return labels.categories.array.take(position[best], allow_fill=True)
    if isinstance(labels.dtype, pd.StringDtype):
        return labels.array.take(best, allow_fill=True)
    names = np.append(labels.to_numpy(dtype=object), np.nan)
    return names[best]


def _baskets(
    c: np.ndarray[Any, Any],
    b: np.ndarray[Any, Any],
    i: np.ndarray[Any, Any],
    buy: np.ndarray[Any, Any],
    n_customers: int,
    n_items: int,
    owner: np.ndarray[Any, Any] | None,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Per customer: distinct baskets, and distinct baskets with each item (flat).

    Only the purchase lines (``buy``) count. Baskets are orders when
    ``owner`` (each order code's customer code, -1 when shared) is given.
    Orders usually belong to one customer each: then
    :func:`_baskets_of_one_customer`. Otherwise the lines
    go into a sparse customer x (basket, item) matrix, whose construction
    sums the duplicates: its entries are the distinct (customer, basket,
    item) triples, each row's sorted by basket. Baskets are order codes or
    day numbers (a dense range), factorized only when the column count would
    not fit in an int64.
    """
    from scipy import sparse

    if owner is not None:
        owned = _baskets_of_one_customer(c, b, i, buy, n_customers, n_items, owner)
        if owned is not None:
            return owned
    if not buy.all():
        c, b, i = c[buy], b[buy], i[buy]
    low = int(b.min()) if b.size else 0
    width = int(b.max()) - low + 1 if b.size else 1
    if width * n_items >= 2**62:
        b, uniques = pd.factorize(b)
        low, width = 0, max(uniques.size, 1)
    column = b - low
    column *= n_items
    column += i
    matrix = sparse.csr_matrix(
        (np.ones(c.size, dtype=bool), (c, column)), shape=(n_customers, width * n_items)
    )
    del column
    matrix.sum_duplicates()  # canonical: distinct entries, sorted within each row
    column, sizes = matrix.indices, np.diff(matrix.indptr)
    row = np.repeat(np.arange(n_customers), sizes)
    with_item = np.bincount(row * n_items + column % n_items, minlength=n_customers * n_items)
    basket_of = column // n_items
    first = np.ones(column.size, dtype=bool)  # the first entry of each (customer, basket)
    np.not_equal(basket_of[1:], basket_of[:-1], out=first[1:])
    first[matrix.indptr[:-1][sizes > 0]] = True
    return np.bincount(row[first], minlength=n_customers), with_item


def _baskets_of_one_customer(
    c: np.ndarray[Any, Any],
    b: np.ndarray[Any, Any],
    i: np.ndarray[Any, Any],
    buy: np.ndarray[Any, Any],
    n_customers: int,
    n_items: int,
    owner: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None:
    """:func:`_baskets` when every basket belongs to one customer (order ids).

    Then a distinct (customer, basket, item) is a distinct (basket, item):
    marks in a basket x item grid (one byte a cell, at most about one int64
    a line), each basket's owner read from one array: the log's ``owner``,
    or, when some order of the log has several customers, the owners among
    these lines. None when a basket here has two customers, or when the grid
    would be larger than that.
    """
    if not b.size:
        return None
    known = bool((owner >= 0).all())
    if known:
        low, width = 0, owner.size
    else:
        low = int(b.min())
        width = int(b.max()) - low + 1
    cells = width * n_items
    if cells > 8 * b.size + 2**24:
        return None
    basket = b - low
    if not known:
        owner = np.full(width, -1, dtype=np.int64)
        owner[basket] = c
        if not np.array_equal(owner[basket], c):
            return None
    basket *= n_items
    basket += i
    basket[~buy] = cells  # returns: one cell past the grid
    marks = np.zeros(cells + 1, dtype=bool)
    marks[basket] = True
    del basket
    of = np.flatnonzero(marks[:cells])  # distinct (basket, item), sorted
    del marks
    # One array of the distinct (basket, item), rewritten in place: each
    # entry's basket, then its owner; the item codes apart, in small integers.
    taken = np.empty(of.size, dtype=i.dtype if i.dtype.itemsize < 8 else np.int64)
    for part in blocks(of.size):
        np.remainder(of[part], n_items, out=taken[part], casting="unsafe")
    np.floor_divide(of, n_items, out=of)
    first = np.ones(of.size, dtype=bool)  # the first entry of each basket
    np.not_equal(of[1:], of[:-1], out=first[1:])
    for part in blocks(of.size):
        of[part] = owner[of[part]]
    orders = np.zeros(n_customers, dtype=np.int64)  # the owners of the first entries
    for part in blocks(of.size, at_least=of.size // 4 + 1):  # a quarter of them at a time
        orders += np.bincount(of[part][first[part]], minlength=n_customers)
    del first
    of *= n_items
    of += taken
    del taken
    return orders, np.bincount(of, minlength=n_customers * n_items)
