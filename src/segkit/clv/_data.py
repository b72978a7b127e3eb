"""Reading, checking and compressing the per-customer inputs of the CLV models."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from segkit._validation import numeric_column, require_columns, require_frame, show_values
from segkit.errors import SchemaError

__all__ = ["Columns", "compress", "compressing_once", "read_columns", "remembered"]

Array = npt.NDArray[np.float64]


@attrs.frozen
class Columns:
    """The checked numeric columns of one input frame, in input order."""

    index: pd.Index
    values: dict[str, Array]
    weights: Array
    covariates: Array  # shape (n, k); k = 0 without covariates


def _rows_error(
    df: pd.DataFrame, bad: npt.NDArray[np.bool_], what: str, message: str, values: Any
) -> SchemaError:
    where = df.index[bad]
    if isinstance(values, np.ndarray):
        values = values.tolist()  # plain Python numbers in the message
    return SchemaError(
        f"{message} at {int(bad.sum())} row(s) of the {what}, index {show_values(where)}: "
        f"{show_values(values)}"
    )


def read_columns(
    data: Any,
    columns: dict[str, str],
    *,
    what: str,
    counts: Sequence[str] = (),
    ordered: Sequence[tuple[str, str]] = (),
    zero_with: tuple[str, str] | None = None,
    weights: Any = None,
    covariates: Sequence[str] = (),
) -> Columns:
    """Check and read the columns a CLV model needs.

    Parameters
    ----------
    data : DataFrame
        The caller's frame; it is only read.
    columns : dict
        Role (``"x"``, ``"t_x"``, ...) to column name.
    counts : roles
        Roles that must hold whole numbers.
    ordered : pairs of roles
        ``(low, high)`` pairs with ``low <= high`` on every row.
    zero_with : (role, role), optional
        ``(count, time)``: the time must be 0 where the count is 0.
    weights : None, str or array-like
        Column name or values of the number of customers per row.
    covariates : column names
        Numeric covariate columns.
    """
    df = require_frame(data, what)
    needed = list(columns.values()) + list(covariates)
    if isinstance(weights, str):
        needed.append(weights)
    require_columns(df, needed, what)
    if len(df) == 0:
        raise SchemaError(f"the {what} is empty: it has no rows to fit or predict on")
    values = {
        role: numeric_column(df, name, what, allow_negative=False)
        for role, name in columns.items()
    }
    for role in counts:
        v = values[role]
        bad = v != np.floor(v)
        if bad.any():
            raise _rows_error(
                df, bad, what, f"column {columns[role]!r} must hold whole numbers", v[bad]
            )
    for low, high in ordered:
        bad = values[low] > values[high]
        if bad.any():
            raise _rows_error(
                df,
                bad,
                what,
                f"column {columns[low]!r} is larger than column {columns[high]!r}",
                list(zip(values[low][bad].tolist(), values[high][bad].tolist(), strict=True)),
            )
    if zero_with is not None:
        count, time = zero_with
        bad = (values[count] == 0) & (values[time] != 0)
        if bad.any():
            raise _rows_error(
                df,
                bad,
                what,
                f"column {columns[time]!r} must be 0 where column {columns[count]!r} is 0 "
                "(no repeat purchase, so no time of the last one)",
                values[time][bad],
            )
    if weights is None:
        w = np.ones(len(df))
    elif isinstance(weights, str):
        w = numeric_column(df, weights, what, allow_negative=False)
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(df),):
            raise SchemaError(
                f"weights must have one value per row of the {what} ({len(df)}); "
                f"got shape {w.shape}"
            )
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise _rows_error(df, bad, what, "weights must be finite and >= 0", w[bad])
    z = (
        np.column_stack([numeric_column(df, c, what) for c in covariates])
        if covariates
        else np.zeros((len(df), 0))
    )
    return Columns(index=df.index, values=values, weights=w, covariates=z)


def _codes(values: Array) -> tuple[npt.NDArray[np.int64], int]:
    """Integer codes of a column in the order of its values: the values
    themselves when they are small whole numbers (days, counts), otherwise
    the ranks of the sorted distinct values."""
    if values.size and values.dtype.kind in "fiu":
        low, high = float(values.min()), float(values.max())
        if low >= 0 and high < 2**20:
            as_int = values.astype(np.int64)
            if np.array_equal(as_int, values):
                return as_int, int(high) + 1
    if values.dtype.kind == "f" and not np.isnan(values).any():
        # Sorting (numpy's unique) is faster than hashing for floats.
        uniques, inverse = np.unique(values, return_inverse=True)
        return inverse.astype(np.int64, copy=False).reshape(-1), uniques.size
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), len(uniques)


_Compressed = tuple[list[Array], Array, npt.NDArray[np.intp]]

# Within compressing_once(): per earlier call, what it was asked (a tag and
# copies of its arrays) and its result.
_MEMO: ContextVar[list[tuple[Any, list[Any], Any]] | None] = ContextVar(
    "segkit_compress_memo", default=None
)


@contextmanager
def compressing_once() -> Iterator[None]:
    """Within the block, :func:`compress` merges the same rows only once.

    A call whose arrays and weights equal, byte for byte (same dtype, shape
    and bits), those of an earlier call in the block gets copies of that
    call's result, which is what it would have computed; so does a
    :func:`remembered` computation on the distinct rows (a model's P(alive)
    asked for by several predictions). The block keeps copies of the inputs
    it has seen; they are dropped when it ends. Used where one job fits a
    model and asks it several questions about the same customers (the
    profile's CLV step).
    """
    token = _MEMO.set([])
    try:
        yield
    finally:
        _MEMO.reset(token)


def _same_bits(a: Any, b: Any) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape or a.dtype.hasobject:
        return False
    return bool(
        np.array_equal(
            np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8)
        )
    )


def _copied(result: Any) -> Any:
    if isinstance(result, np.ndarray):
        return result.copy()
    return type(result)(_copied(part) for part in result)


def remembered(tag: Any, arrays: Sequence[Any], compute: Callable[[], Any]) -> Any:
    """``compute()``, or within :func:`compressing_once` a copy of an earlier equal call's result.

    Calls are equal when their ``tag`` (hashable: what is computed, with
    which parameters) is equal and their ``arrays`` are equal byte for byte.
    The result is a numpy array or a tuple or list of them. Outside the block
    this is ``compute()``.
    """
    memo = _MEMO.get()
    if memo is None:
        return compute()
    inputs = [np.asarray(a) for a in arrays]
    if any(a.dtype.hasobject for a in inputs):
        return compute()
    for seen_tag, seen, result in memo:
        if seen_tag == tag and len(seen) == len(inputs) and all(map(_same_bits, seen, inputs)):
            return _copied(result)
    result = compute()
    memo.append((tag, [a.copy() for a in inputs], _copied(result)))
    return result


def compress(arrays: Sequence[Array], weights: Array) -> _Compressed:
    """Merge identical rows of ``arrays`` and add up their weights.

    Returns the distinct rows (one array per input, sorted by their values so
    that the fit never depends on the order of the input rows), their total
    weights and, for every input row, the position of its distinct row. Each
    column is coded by the rank of its value and the codes are combined into
    one integer key, whose order is the rows' lexicographic order: one sort of
    integers matches and orders the rows. Within :func:`compressing_once`,
    a repeated call on the same inputs returns the first call's result.
    """
    inputs = [np.asarray(a) for a in (*arrays, weights)]
    if any(a.ndim != 1 for a in inputs):
        return _compress(arrays, weights)
    out: _Compressed = remembered("compress", inputs, lambda: _compress(arrays, weights))
    return out


def _compress(arrays: Sequence[Array], weights: Array) -> _Compressed:
    n = weights.size
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for values in arrays:
        codes, size = _codes(np.asarray(values))
        if span * max(size, 1) >= 2**62:  # combine early to stay within int64
            key = pd.factorize(key, sort=True)[0].astype(np.int64)  # ranks keep the order
            span = int(key.max()) + 1 if n else 1
        key = key * size + codes
        span *= max(size, 1)
    # Every column's codes follow its values, so the keys follow the rows'
    # lexicographic order: sorting the keys (integers) sorts the rows.
    order = np.argsort(key)
    ranked = key[order]
    new = np.ones(n, dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    group = np.cumsum(new, dtype=np.intp) - 1
    del ranked, new
    m = int(group[-1]) + 1 if n else 0
    inverse: npt.NDArray[np.intp] = np.empty(n, dtype=np.intp)
    inverse[order] = group
    first = np.full(m, n, dtype=np.intp)  # the first input row of each distinct row
    np.minimum.at(first, group, order)
    total = np.bincount(inverse, weights=weights, minlength=m).astype(np.float64)
    distinct = [np.asarray(a)[first] for a in arrays]
    return distinct, total, inverse
