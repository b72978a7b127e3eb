"""Exact sums of money that do not depend on the row order, block by block.

Amounts on a grid of cents (or 1/10,000) are added as whole numbers, which is
exact in float64 in any order; other amounts are added in sorted order within
their group. So a customer's revenue is the same in any row order, in any
partition of the rows by customer and in any split of the rows into blocks,
and running sums of whole numbers (a lifecycle replay's) reach the same
values. Reductions read the rows block by block (:func:`blocks`): their
temporaries are a few MiB, not a few columns.

:mod:`segkit.transactions` re-exports these names; every capability sums money
through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "BLOCK",
    "SCALES",
    "Rows",
    "blocks",
    "cents_sums",
    "combine_parts",
    "exact_in_cents",
    "group_sum",
    "money_parts",
    "on_cents",
    "parts_sum",
    "sorted_distinct",
    "sorted_sums",
]

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
#: Which rows: a boolean mask, or a slice (a time window of a log sorted by time).
Rows = _BoolArray | slice


def money_parts(values: _FloatArray) -> tuple[np.ndarray[Any, Any], _FloatArray]:
    """Classify each amount for exact, order-free sums: ``(level, whole)`` per value.

    Level 0: on the grid of 1/100 (``whole`` = the value in hundredths), level
    1: on the grid of 1/10,000 (``whole`` in ten-thousandths), level 2: any
    other value (``whole`` is the value itself). Whole numbers below 2**40 add
    exactly in float64 in any order, so sums of levels 0 and 1 can be kept
    running (added and subtracted) and still equal :func:`group_sum`.
    """
    level = np.zeros(values.size, dtype=np.int8)
    whole, off = _hundredths(values)
    if not off.any():
        return level, whole
    rest = np.flatnonzero(off)
    scaled = values[rest] * 10_000.0
    fine = np.rint(scaled)
    on = (np.abs(scaled - fine) < 1e-6) & (np.abs(fine) < 2.0**40)
    level[rest] = np.where(on, 1, 2)
    whole[rest] = np.where(on, fine, values[rest])
    return level, whole


def _hundredths(values: _FloatArray) -> tuple[_FloatArray, _BoolArray]:
    """``rint(values * 100)`` and where that is not the value in whole hundredths.

    Block by block, in place: two float temporaries of one block, not of
    the column.
    """
    whole = np.empty(values.size, dtype=np.float64)
    off = np.empty(values.size, dtype=bool)
    for part in blocks(values.size):
        scaled = values[part] * 100.0
        rounded = np.rint(scaled, out=whole[part])
        scaled -= rounded
        np.abs(scaled, out=scaled)
        ok = scaled < 1e-6
        np.abs(rounded, out=scaled)
        ok &= scaled < 2.0**40
        np.logical_not(ok, out=off[part])
    return whole, off


#: Rows per block of the block-wise reductions (temporaries stay a few MiB).
BLOCK = 1 << 20


def blocks(size: int, at_least: int = 0) -> list[slice]:
    """Consecutive slices covering ``range(size)``, of ``max(BLOCK, at_least)`` rows."""
    step = max(BLOCK, at_least)
    return [slice(i, min(i + step, size)) for i in range(0, size, step)] or [slice(0, 0)]


#: The scale of each level of :func:`money_parts`.
SCALES = (100.0, 10_000.0)


def combine_parts(
    cents: np.ndarray[Any, Any],
    fine: np.ndarray[Any, Any] | None,
    rest: np.ndarray[Any, Any] | None,
) -> _FloatArray:
    """Per-group sums from the per-level sums of :func:`money_parts`, as :func:`group_sum` adds.

    ``cents`` and ``fine`` are sums of whole hundredths and ten-thousandths;
    ``rest`` the sums of the other values, each added in sorted order.
    """
    out: _FloatArray = np.divide(cents, SCALES[0])  # as 0.0 + cents / 100: the same value
    if fine is not None:
        out += fine / SCALES[1]
    if rest is not None:
        out += rest
    return out


def sorted_sums(codes: _IntArray, values: _FloatArray, n: int) -> _FloatArray:
    """Per-group sums of values added in sorted order (the same in any row order)."""
    order = np.lexsort((values, codes))
    return np.asarray(
        np.bincount(codes[order], weights=values[order], minlength=n), dtype=np.float64
    )


def cents_sums(
    codes: np.ndarray[Any, np.dtype[np.integer[Any]]],
    values: _FloatArray,
    n: int,
    rows: Rows | None = None,
) -> _FloatArray:
    """Per-group sums of ``values`` in whole hundredths, every value on the grid of cents.

    Whole numbers: ``group_sum(..., cents=True)`` is ``combine_parts`` of
    these. While every partial sum stays below 2**53 in magnitude (see
    :func:`exact_in_cents`) they are exact, so the sums of two sets of rows
    can be subtracted, and give the sums of the rows of one not in the other.
    """
    if isinstance(rows, slice):
        codes, values, rows = codes[rows], values[rows], None
    hundredths = np.zeros(n)
    for part in blocks(values.size, at_least=n):
        where, amount = codes[part], values[part]
        if rows is not None:
            keep = rows[part]
            where, amount = where[keep], amount[keep]
        scaled = amount * 100.0
        hundredths += np.bincount(where, weights=np.rint(scaled, out=scaled), minlength=n)
    return hundredths


def exact_in_cents(values: _FloatArray) -> bool:
    """Whether sums in whole hundredths of any of ``values`` are exact in float64.

    True when the number of values times the largest in magnitude, in
    hundredths, is below 2**53: no partial sum can reach it.
    """
    if values.size == 0:
        return True
    # (+1: a value rounds to at most one more whole hundredth than it is)
    largest = max(float(values.max()), -float(values.min())) * 100.0 + 1.0
    return bool(largest * values.size < 2.0**53)


def group_sum(
    codes: np.ndarray[Any, np.dtype[np.integer[Any]]],
    values: _FloatArray,
    n: int,
    rows: Rows | None = None,
    *,
    cents: bool = False,
) -> _FloatArray:
    """Per-group sums of ``values`` that depend neither on the row order nor on other groups.

    Each value is classified on its own (:func:`money_parts`): money on a grid
    of 1/100 (then 1/10,000) is added as whole numbers (exact in float64),
    anything else in sorted order within its group. So a customer's revenue is
    the same in any row order and in any partition of the rows by customer,
    and running sums of whole numbers (a lifecycle replay's) reach the same
    values.

    Parameters
    ----------
    codes : ndarray of int
        The group of each row, in ``range(n)``.
    values : ndarray of float64
        One value per row.
    n : int
        The number of groups.
    rows : ndarray of bool or slice, optional
        Only these rows (the same as ``group_sum(codes[rows], values[rows], n)``,
        without those copies).
    cents : bool, default False
        The caller knows that every value is on the grid of 1/100
        (:func:`on_cents`): the classification is skipped. The sums are the same.

    Examples
    --------
    >>> group_sum(np.array([0, 0, 1]), np.array([0.1, 0.2, 0.3]), 2).tolist()
    [0.3, 0.3]
    """
    if cents:
        return combine_parts(cents_sums(codes, values, n, rows), None, None)
    if isinstance(rows, slice):
        codes, values, rows = codes[rows], values[rows], None
    if values.size == 0:
        return np.zeros(n)
    hundredths = np.zeros(n)
    fine: _FloatArray | None = None
    odd: list[tuple[_IntArray, _FloatArray]] = []
    # Block by block: whole numbers add exactly, so the blocks' sums add up to
    # the sums of the whole column, and the temporaries stay small.
    for part in blocks(values.size, at_least=n):
        where, amount = codes[part], values[part]
        if rows is not None:
            keep = rows[part]
            where, amount = where[keep], amount[keep]
        level, whole = money_parts(amount)
        if not level.any():
            hundredths += np.bincount(where, weights=whole, minlength=n)
            continue
        if fine is None:
            fine = np.zeros(n)
        for k, total in ((0, hundredths), (1, fine)):
            sel = level == k
            total += np.bincount(where[sel], weights=whole[sel], minlength=n)
        sel = level == 2
        odd.append((where[sel], whole[sel]))
    rest = None
    if odd and any(c.size for c, _ in odd):
        rest = sorted_sums(
            np.concatenate([c for c, _ in odd]), np.concatenate([v for _, v in odd]), n
        )
    return combine_parts(hundredths, fine, rest)


def sorted_distinct(key: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The distinct values of ``key``, sorted; ``key`` may be overwritten.

    A sort, not ``np.unique``: numpy 2's hashing unique takes seconds on
    millions of integer keys. Equal neighbours are dropped before sorting: in
    a log ordered by time the lines of one order, or one customer's purchases
    of one day, mostly sit together, so this shrinks the sort for free.

    Examples
    --------
    >>> sorted_distinct(np.array([3, 3, 1, 2, 1])).tolist()
    [1, 2, 3]
    """
    if key.size < 2:
        return key
    keep = np.empty(key.size, dtype=bool)
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    key = key[keep]
    key.sort()
    keep = keep[: key.size]
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    return key[keep]


def on_cents(values: _FloatArray) -> bool:
    """Whether every value is on the grid of 1/100 (level 0 of :func:`money_parts`)."""
    return not any(_hundredths(values[part])[1].any() for part in blocks(values.size))


def parts_sum(
    codes: _IntArray, level: np.ndarray[Any, Any], whole: _FloatArray, n: int
) -> _FloatArray:
    """:func:`group_sum` of values already classified by :func:`money_parts`."""
    if not level.any():
        return combine_parts(np.bincount(codes, weights=whole, minlength=n), None, None)
    parts = []
    for k in (0, 1):
        sel = level == k
        parts.append(np.bincount(codes[sel], weights=whole[sel], minlength=n))
    sel = level == 2
    rest = sorted_sums(codes[sel], whole[sel], n) if sel.any() else None
    return combine_parts(parts[0], parts[1], rest)
