"""What each segment buys: the segment x category table, with lift and a test per cell."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._time import latest, parse_as_of, read_timestamps
from segkit._validation import numeric_column, require_columns, require_frame
from segkit.affinity._topk import codes, every_code
from segkit.errors import ParameterError, SchemaError
from segkit.features import TransactionColumns
from segkit.sums import blocks

__all__ = ["segment_affinity", "segment_affinity_columns"]


def segment_affinity(
    table: Any,
    lines: Any,
    by: str = "segment",
    *,
    customer: str,
    item: str = "category",
    amount: str | None = None,
    timestamp: str | None = None,
    as_of: Any = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Segment x category: who buys what, and where a segment stands out.

    Parameters
    ----------
    table : pandas.DataFrame
        Customer table indexed by customer id with the segment column ``by``.
        Customers without a segment are left out.
    lines : pandas.DataFrame
        Order lines. Lines of customers not in ``table`` are ignored.
    by : str
        The segment column of ``table``.
    customer, item : str
        Columns of ``lines``.
    amount : str, optional
        Amount column of ``lines``; adds ``spend`` and ``spend_share``.
    timestamp : str, optional
        Timestamp column of ``lines``: with it, only lines on or before
        ``as_of`` count (the time policy of :func:`segkit.summarize`;
        default: every line).
    as_of : date-like, optional
        The date of the customer table (default: the latest line).
    alpha : float
        False discovery rate for the ``significant`` flag.

    Returns
    -------
    pandas.DataFrame
        One row per segment and item value, sorted by segment and then by
        descending ``share``: ``customers`` (segment size), ``buyers``
        (customers of the segment with a purchase line of the value),
        ``share`` (``buyers / customers``), ``overall_share`` (the same over
        every segmented customer), ``lift`` (``share / overall_share``),
        ``p_value`` (two-sided hypergeometric test of the segment's buyers
        against a random draw of the same size), ``significant``
        (Benjamini-Hochberg at level ``alpha`` over the whole table) and,
        with ``amount``, ``spend`` and ``spend_share`` (of the segment's net
        spend, clipped at zero per value).

    Notes
    -----
    The number of buyers of a value among ``N`` customers drawn without
    replacement from ``M`` of whom ``n`` bought it is hypergeometric; the
    two-sided p-value is twice the smaller tail, capped at one (the
    enrichment test of Rivals et al., 2007, *Bioinformatics* 23(4), 401-407).
    Many cells are tested at once, so the flag controls the false discovery
    rate (Benjamini & Hochberg, 1995, *JRSS B* 57(1), 289-300).

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.affinity import segment_affinity
    >>> table = pd.DataFrame({"segment": ["a", "a", "b", "b"]}, index=[1, 2, 3, 4])
    >>> lines = pd.DataFrame({"customer_id": [1, 2, 3, 4, 4],
    ...                       "category": ["toys", "toys", "toys", "wine", "wine"]})
    >>> seg = segment_affinity(table, lines, customer="customer_id")
    >>> seg[["segment", "category", "buyers", "share", "lift"]]
      segment category  buyers  share      lift
    0       a     toys       2    1.0  1.333333
    1       a     wine       0    0.0  0.000000
    2       b     toys       1    0.5  0.666667
    3       b     wine       1    0.5  2.000000
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1); got {alpha!r}")
    frame = require_frame(table, "customer table")
    require_columns(frame, [by], "customer table")
    df = require_frame(lines, "lines")
    require_columns(
        df, [customer, item] + [c for c in (amount, timestamp) if c is not None], "lines"
    )
    whole = df
    df = df[list(dict.fromkeys([customer, item] + ([amount] if amount is not None else [])))]
    if timestamp is not None:
        stamps = read_timestamps(whole[timestamp], timestamp, "lines")
        if len(df) == 0:
            raise SchemaError("the lines are empty")
        cut = latest(stamps.wall, stamps.tz) if as_of is None else parse_as_of(as_of, stamps.tz)
        df = df[stamps.wall <= cut.cut]
    labels_of = _segmented(frame, by)
    seg_codes, segments = codes(labels_of, by, "customer table")
    items, values = codes(df[item], item, "lines")
    row_seg = pd.Index(labels_of.index).get_indexer(df[customer])
    amounts = None if amount is None else numeric_column(df, amount, "lines")
    return _by_segment(by, item, seg_codes, segments, row_seg, items, values, amounts, alpha)


def segment_affinity_columns(
    table: pd.DataFrame,
    cols: TransactionColumns,
    items: np.ndarray[Any, Any],
    labels: pd.Index,
    by: str = "segment",
    *,
    item: str,
    as_of: Any = None,
    alpha: float = 0.05,
    marks: np.ndarray[Any, Any] | None = None,
) -> pd.DataFrame:
    """:func:`segment_affinity` with amounts, on a log already read into columns.

    ``items`` holds each row's code into ``labels`` (:func:`item_codes`); the
    result is that of
    ``segment_affinity(table, lines, by, amount=..., timestamp=..., as_of=as_of)``.
    ``marks``, when given, says for every customer of the log x value of
    ``labels`` (flat) whether it has a purchase line up to ``as_of``, as
    ``segkit.profile``'s customer affinity has marked them: they are read
    instead of marked again.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1); got {alpha!r}")
    require_columns(table, [by], "customer table")
    upto = cols.rows_until(cols.as_of(as_of).cut)  # a slice on a log sorted by time
    every = cols.every_row(upto)
    if every:
        upto = slice(None)
    # (views of the columns for a slice, copies for a mask)
    lines, who, amounts = items[upto], cols.codes[upto], cols.amount[upto]
    labels_of = _segmented(table, by)
    seg_codes, segments = codes(labels_of, by, "customer table")
    n_seg = segments.size
    # The values bought up to as_of, in the order of ``labels`` (sorted).
    # (every value of the column is bought when every line is read; the lines
    # up to as_of mostly show every value in their first block too)
    seen = (
        np.ones(labels.size, dtype=bool)
        if every or every_code(lines, labels.size)
        else np.bincount(lines, minlength=labels.size) > 0
    )
    if not seen.all():
        lines = (np.cumsum(seen) - 1)[lines]
    n_items = int(seen.sum())
    # Each customer's segment; n_seg for the customers without one.
    given = pd.Index(labels_of.index)
    # (the profile's table: the log's customers in their order, no look-up)
    at = (
        np.arange(given.size)
        if given.equals(cols.customers)
        else given.get_indexer(cols.customers)
    )
    seg_of = np.where(at >= 0, seg_codes[at], n_seg)
    if not seen.all():  # the marks' values are those of ``labels``: not these
        marks = None
    buyers, spend = _segment_sums(who, lines, amounts, seg_of, n_seg, n_items, marks)
    return _segment_table(
        by,
        item,
        segments,
        np.bincount(seg_codes, minlength=n_seg),
        buyers,
        labels[seen],
        spend,
        alpha,
    )


def _segment_sums(
    who: np.ndarray[Any, Any],
    lines: np.ndarray[Any, Any],
    amounts: np.ndarray[Any, Any] | None,
    seg_of: np.ndarray[Any, Any],
    n_seg: int,
    n_items: int,
    marks: np.ndarray[Any, Any] | None = None,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """Buyers and net spend per (segment, value), a block of lines at a time.

    ``who`` is each line's customer (a position in ``seg_of``, which gives
    each customer's segment, ``n_seg`` for none) and ``lines`` its value
    code. Buyers: the customers of the segment with a purchase line (an
    amount of 0 or more) of the value; spend: the sum of the amounts, each
    block of lines added up in line order and the blocks' sums in turn, so
    :func:`segment_affinity` and the profile's table agree to the last bit.
    On a customer x value grid of marks no temporary is larger than a block;
    with too many cells for a grid, the distinct keys of every block are
    kept and merged. ``marks``, when given, is that grid already marked.
    """
    n_customers = seg_of.size
    # Each line looks its customer's segment up: from a byte a customer (a
    # table that stays in cache) rather than eight.
    seg_of = seg_of.astype(np.min_scalar_type(n_seg), copy=False)
    cells = n_customers * n_items
    grid = marks is not None or cells <= 4 * who.size + 2**20  # else a hash of the pairs
    marked = marks is not None
    assert marks is None or marks.size == cells  # every customer x value, flat
    if marks is None:
        marks = np.zeros(cells if grid else 0, dtype=bool)
    keys = []
    spend = None if amounts is None else np.zeros((n_seg + 1) * n_items)
    for part in blocks(who.size):
        c, v = who[part], lines[part]
        if not marked:
            key = c * n_items
            key += v
            if amounts is not None:
                key = key[amounts[part] >= 0]
            if grid:
                marks[key] = True
            else:
                keys.append(np.asarray(pd.unique(key)))
        if spend is not None and amounts is not None:
            cell = seg_of[c].astype(np.intp)
            cell *= n_items
            cell += v
            spend += np.bincount(cell, weights=amounts[part], minlength=spend.size)
    # The buyers: each distinct (customer, value) counted in its customer's
    # segment; from the grid a block of customers at a time (no temporaries
    # the size of every pair).
    buyers: np.ndarray[Any, Any] = np.zeros(n_seg * n_items, dtype=np.int64)
    if grid:
        for part in blocks(cells):
            pairs = np.flatnonzero(marks[part])
            pairs += part.start
            buyers += _segment_buyers(pairs, seg_of, n_seg, n_items)
    elif keys:
        buyers += _segment_buyers(
            np.asarray(pd.unique(np.concatenate(keys))), seg_of, n_seg, n_items
        )
    buyers = buyers.reshape(n_seg, n_items)
    return buyers, None if spend is None else spend[: n_seg * n_items].reshape(n_seg, n_items)


def _segment_buyers(
    pairs: np.ndarray[Any, Any], seg_of: np.ndarray[Any, Any], n_seg: int, n_items: int
) -> np.ndarray[Any, Any]:
    """Per (segment, value): the distinct ``customer * n_items + value`` pairs there."""
    pair_seg = seg_of[pairs // n_items].astype(np.intp)
    inside = pair_seg < n_seg
    cell = pair_seg[inside] * n_items + pairs[inside] % n_items
    return np.bincount(cell, minlength=n_seg * n_items)


def _segmented(frame: pd.DataFrame, by: str) -> pd.Series:
    """The customers of the table with a segment; their ids must be unique."""
    labels_of = frame[by]
    labels_of = labels_of[labels_of.notna()]
    if labels_of.empty:
        raise SchemaError(f"column {by!r} of the customer table has no segment")
    if not labels_of.index.is_unique:
        raise SchemaError("the customer table's index has duplicated customer ids")
    return labels_of


def _by_segment(
    by: str,
    item: str,
    seg_codes: np.ndarray[Any, Any],
    segments: pd.Index,
    row_seg: np.ndarray[Any, Any],
    items: np.ndarray[Any, Any],
    values: pd.Index,
    amounts: np.ndarray[Any, Any] | None,
    alpha: float,
) -> pd.DataFrame:
    """The segment x value table from each line's segmented customer (-1: none)."""
    n_seg, n_items = segments.size, values.size
    sizes = np.bincount(seg_codes, minlength=n_seg)
    # Lines of customers without a segment go to one more customer, of segment n_seg.
    who = np.where(row_seg >= 0, row_seg, seg_codes.size)
    seg_of = np.append(seg_codes, n_seg)
    buyers, spend = _segment_sums(who, items, amounts, seg_of, n_seg, n_items)
    return _segment_table(by, item, segments, sizes, buyers, values, spend, alpha)


def _segment_table(
    by: str,
    item: str,
    segments: pd.Index,
    sizes: np.ndarray[Any, Any],
    buyers: np.ndarray[Any, Any],
    values: pd.Index,
    spend: np.ndarray[Any, Any] | None,
    alpha: float,
) -> pd.DataFrame:
    """The segment x value table from the segment sizes, buyers and net spend per cell."""
    from scipy import stats

    n_seg, n_items = segments.size, values.size
    total_buyers = buyers.sum(axis=0)
    population = int(sizes.sum())
    size = np.repeat(sizes, n_items)
    hits = buyers.ravel()
    drawn = np.tile(total_buyers, n_seg)
    upper = stats.hypergeom.sf(hits - 1, population, drawn, size)
    lower = stats.hypergeom.cdf(hits, population, drawn, size)
    p_value = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    adjusted = stats.false_discovery_control(p_value, method="bh")
    share = hits / size
    overall = drawn / population
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = np.where(overall > 0, share / overall, np.nan)
    out = pd.DataFrame(
        {
            by: np.repeat(segments.to_numpy(dtype=object), n_items),
            item: np.tile(values.to_numpy(dtype=object), n_seg),
            "customers": size,
            "buyers": hits,
            "share": share,
            "overall_share": overall,
            "lift": lift,
            "p_value": p_value,
            "significant": adjusted < alpha,
        }
    )
    if spend is not None:
        spend = np.clip(spend, 0.0, None)
        seg_total = spend.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            spend_share = np.where(seg_total > 0, spend / seg_total, np.nan)
        out["spend"] = spend.ravel()
        out["spend_share"] = spend_share.ravel()
    order = np.lexsort(
        (np.tile(np.arange(n_items), n_seg), -share, np.repeat(np.arange(n_seg), n_items))
    )
    return out.iloc[order].reset_index(drop=True)
