"""Sparse selection helpers of the recommender: top-k per row, the "because" item, rankings.

Each breaks ties by the smaller code, so results depend only on the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import show_values
from segkit.errors import SchemaError

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_Array = np.ndarray[Any, Any]


def codes(
    series: pd.Series, column: str, what: str, *, narrow: bool = False
) -> tuple[np.ndarray[Any, Any], pd.Index]:
    """Codes of a label column into its sorted distinct values; nulls are an error.

    Sorting the labels makes every code, and so every result built on the
    codes, independent of the order of the rows. The codes are int64, or with
    ``narrow`` (a categorical column) the smallest signed integer type that
    holds them: a byte a row for up to 127 labels.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        values, labels = _category_codes(series)
    else:
        values, labels = _factorized(series, column, what)
    missing = values < 0
    if missing.any():
        raise SchemaError(
            f"column {column!r} of the {what} has {int(missing.sum())} missing value(s) at "
            f"index {show_values(series.index[missing])}; drop those rows or fill them, "
            f"e.g. df.dropna(subset=[{column!r}])"
        )
    return values if narrow else values.astype(np.int64, copy=False), pd.Index(labels)


def _category_codes(series: pd.Series) -> tuple[_Array, Any]:
    """``pd.factorize(series, sort=True)`` of a categorical column, from its codes.

    The labels are the categories that occur, in the order of the categories
    (as factorize sorts a categorical); no hashing of the rows.
    """
    n = len(series.cat.categories)
    given = series.cat.codes.to_numpy()
    # No missing value, and every category occurs: the codes are the sorted ones.
    if given.size and given.min() >= 0 and every_code(given, n):
        every = pd.Categorical.from_codes(
            np.arange(n), categories=series.cat.categories, ordered=series.cat.ordered
        )
        return given.astype(np.min_scalar_type(-n), copy=False), every
    raw = given.astype(np.min_scalar_type(-(n + 1)))
    raw += 1  # -1 (missing) becomes 0
    seen = np.bincount(raw, minlength=n + 1)[1:] > 0
    recode = np.empty(n + 1, dtype=np.min_scalar_type(-n))  # codes -1 .. n - 1
    recode[0] = -1
    recode[1:] = np.cumsum(seen) - 1
    labels = pd.Categorical.from_codes(
        np.flatnonzero(seen), categories=series.cat.categories, ordered=series.cat.ordered
    )
    return recode[raw], labels


def every_code(codes: _Array, n: int) -> bool:
    """Whether every one of the codes ``0 .. n-1`` occurs (``codes`` within that range).

    Marked a block of rows at a time, stopping at the block where the last
    one turns up: in a log of many lines over few categories, the first.
    """
    seen = np.zeros(n, dtype=bool)
    for start in range(0, codes.size, 1 << 16):
        seen[codes[start : start + (1 << 16)]] = True
        if seen.all():
            return True
    return False


def _factorized(series: pd.Series, column: str, what: str) -> tuple[_Array, Any]:
    try:
        values, labels = pd.factorize(series, sort=True, use_na_sentinel=True)
    except TypeError as exc:
        raise SchemaError(
            f"column {column!r} of the {what} mixes types that cannot be sorted "
            f"({exc}); convert it to one type first, e.g. df[{column!r}].astype(str)"
        ) from exc
    return values, labels


def top_k(
    indptr: np.ndarray[Any, Any],
    indices: np.ndarray[Any, Any],
    data: np.ndarray[Any, Any],
    k: int,
) -> tuple[_IntArray, _IntArray, _FloatArray]:
    """The ``k`` largest entries of every row of a CSR matrix, in rank order.

    Ties are broken by the smaller column index, so the result depends only on
    the matrix, not on how its entries are stored. Rows are returned in
    order, each row's entries from rank 1 down.

    Rows are grouped by their number of entries: after one row permutation
    each group is a contiguous 2-D block for :func:`numpy.partition`.

    Returns
    -------
    rows, columns, values : ndarray
    """
    from scipy import sparse

    indptr = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(indptr)
    n_rows = lengths.size
    perm = np.argsort(lengths, kind="stable")
    n_cols = int(indices.max()) + 1 if indices.size else 1
    by_length = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))[perm]
    block_data = np.asarray(by_length.data, dtype=np.float64)
    block_cols = by_length.indices
    sorted_lengths = lengths[perm]
    bounds = np.flatnonzero(np.diff(sorted_lengths)) + 1
    group_starts = np.r_[0, bounds]
    group_stops = np.r_[bounds, n_rows]
    rows_out, cols_out, vals_out = [], [], []
    for lo, hi in zip(group_starts.tolist(), group_stops.tolist(), strict=True):
        width = int(sorted_lengths[lo])
        if width == 0:
            continue
        rows = perm[lo:hi]
        first, last = int(by_length.indptr[lo]), int(by_length.indptr[hi])
        block = block_data[first:last].reshape(-1, width)
        cols = block_cols[first:last].reshape(-1, width)
        if width > k:
            kth = np.partition(block, width - k, axis=1)[:, width - k]
            keep = block >= kth[:, None]
            rows_out.append(rows[np.nonzero(keep)[0]])
            cols_out.append(cols[keep])
            vals_out.append(block[keep])
        else:
            rows_out.append(np.repeat(rows, width))
            cols_out.append(cols.ravel())
            vals_out.append(block.ravel())
    if not rows_out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    r = np.concatenate(rows_out)
    c = np.concatenate(cols_out)
    v = np.concatenate(vals_out)
    order = np.lexsort((c, -v, r))
    r, c, v = r[order], c[order], v[order]
    rank = np.arange(r.size) - np.searchsorted(r, r, side="left")
    cut = rank < k
    return r[cut], c[cut].astype(np.int64, copy=False), v[cut]


def ranking(label: Any, item_codes: _Array, items: pd.Index, customers: int) -> pd.DataFrame:
    """Items ranked by buyers (ties: sorted item order), for one segment."""
    buyers = np.bincount(item_codes, minlength=items.size)
    order = np.lexsort((np.arange(items.size), -buyers))
    order = order[buyers[order] > 0]
    return pd.DataFrame(
        {
            "segment": pd.Series([label] * order.size, dtype=object),
            "rank": np.arange(1, order.size + 1),
            "item": items.take(order),
            "customers": buyers[order],
            "share": buyers[order] / max(customers, 1),
            "code": order,
        }
    )


def because_items(hist: Any, rows: _Array, items: _Array, sim: Any) -> _Array:
    """For each (row, item): the bought item with the largest similarity to it.

    Pairs are grouped by the number of items their customer bought, so each
    group is a plain 2-D block of look-ups; ``argmax`` keeps the first of
    tied items, the smallest (a row's indices are sorted).
    """
    out = np.full(rows.size, -1, dtype=np.int64)
    if rows.size == 0:
        return out
    lengths = np.diff(hist.indptr)[rows]
    order = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[order]
    bounds = np.r_[0, np.flatnonzero(np.diff(sorted_lengths)) + 1, rows.size]
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        width = int(sorted_lengths[lo])
        if width == 0:
            continue
        pairs = order[lo:hi]
        where = hist.indptr[rows[pairs]][:, None] + np.arange(width)
        bought = hist.indices[where]
        # Element look-ups search one short row each (scipy's csr_sample_values).
        value = np.asarray(sim[bought.ravel(), np.repeat(items[pairs], width)])
        value = value.reshape(-1, width)
        best = value.argmax(axis=1)
        found = np.take_along_axis(value, best[:, None], axis=1)[:, 0] > 0
        out[pairs[found]] = bought[found, best[found]]
    return out
