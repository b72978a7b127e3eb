"""Cleaning a raw export: keep every genuine line, drop what cannot be used, and say so.

:func:`clean_transactions` reads the columns of the transaction model
(:mod:`segkit.transactions`) from a raw export and returns a frame that
:func:`segkit.summarize` and every other capability accept, with a
:class:`CleaningReport` whose rows and revenue balance.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import one_format as _one_format
from segkit._time import parse_as_of, read_timestamps
from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import SchemaError
from segkit.transactions import (
    amount_columns,
    check_decimal,
    combine_parts,
    group_sum,
    money_parts,
    parse_numbers,
    sorted_sums,
)

__all__ = ["CleaningReport", "clean_transactions"]

#: Reasons for dropping a row, in the order they are checked.
REASONS = (
    "missing customer id",
    "missing timestamp",
    "unparseable timestamp",
    "timestamp out of range",
    "missing amount",
    "amount not a number",
    "infinite amount",
    "after as_of",
    "duplicate row",
    "negative amount",
)


@attrs.frozen
class CleaningReport:
    """What :func:`clean_transactions` dropped, kept and changed, and why.

    Attributes
    ----------
    n_input, n_output : int
        Rows before and after cleaning.
    dropped : pandas.DataFrame
        One row per dropped input row, indexed like the input, with a
        ``reason`` column.
    changed : dict of str to int
        Number of values converted per column (e.g. text read as dates).
    summary : pandas.DataFrame
        Rows and revenue per outcome: ``kept`` (of which ``returns``, the
        kept rows that are not purchases: negative amounts and cancellation
        lines, counted again on their own line), then one line per reason for
        dropping, and ``total``. ``rows`` and ``revenue`` of ``kept`` and the
        reasons add up to ``total`` (rows without a usable amount count 0
        revenue).
    """

    n_input: int
    n_output: int
    dropped: pd.DataFrame = attrs.field(eq=False)
    changed: dict[str, int] = attrs.field(factory=dict)
    summary: pd.DataFrame = attrs.field(eq=False, factory=pd.DataFrame)

    @property
    def counts(self) -> pd.Series:
        """Number of dropped rows per reason."""
        return self.dropped["reason"].value_counts().rename("rows")

    @property
    def revenue_in(self) -> float:
        """Revenue of every input row with a usable amount."""
        return float(self.summary["revenue"].to_dict()["total"])

    @property
    def revenue_kept(self) -> float:
        """Revenue of the rows kept (returns subtracted)."""
        return float(self.summary["revenue"].to_dict()["kept"])

    def __str__(self) -> str:
        lines = [f"{self.n_input:,} rows in, {self.n_output:,} rows out"]
        for reason, row in self.summary.iterrows():
            # returns are kept rows, shown again on their own: not a further outcome
            label = "  of which returns" if reason == "returns" else reason
            lines.append(f"  {label:<24} {int(row['rows']):>10,} rows {row['revenue']:>16,.2f}")
        lines += [f"  converted {n:>6,} values in {col!r}" for col, n in self.changed.items() if n]
        return "\n".join(lines)


def clean_transactions(
    transactions: Any,
    *,
    customer: Any,
    timestamp: Any,
    amount: Any = None,
    quantity: Any = None,
    price: Any = None,
    order: Any = None,
    as_of: Any = None,
    drop_duplicates: bool = True,
    duplicate_columns: Any = None,
    drop_negative: bool = False,
    cancel_prefix: str | None = None,
    amount_name: str = "amount",
    decimal: str | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Drop the rows :func:`summarize` cannot use, keep every genuine line, and report.

    Rows are dropped, in this order, for: a missing customer id (guest
    lines); a timestamp that is missing, does not parse or lies outside
    1677-09-22 .. 2262-04-11 (a "never" date such as 9999-12-31); an amount
    (or quantity or price) that is missing, not a number, or infinite; a
    timestamp after ``as_of``; being a duplicate (when ``drop_duplicates``);
    a negative amount (when ``drop_negative``).

    Parameters
    ----------
    transactions : DataFrame
        The raw export; it is not modified.
    customer, timestamp : str
        Customer id and timestamp columns. Text timestamps are read with one
        format for the whole column (see docs/time.md).
    amount : str, optional
        The line amount. Or give ``quantity`` and ``price``: the amount is
        then ``quantity * price``, written to a column named ``amount_name``.
        Text such as ``"1,234.50"``, ``"1.234,50"``, ``"1.5E3"`` or
        ``"(12.50)"`` (an accounting negative) is read as a number, one
        convention per column (:func:`segkit.transactions.parse_numbers`).
    order : str, optional
        Order (invoice) id. Kept as read; must not be missing.
    as_of : date-like, optional
        Rows after it are dropped (a date means the whole day).
    drop_duplicates : bool
        Drop rows identical to an earlier row on **every** column of the
        input (or on ``duplicate_columns``). Two different products with the
        same line total in one order are two lines, never duplicates.
    duplicate_columns : list of str, optional
        The columns that decide what a duplicate is (default: all columns).
    drop_negative : bool
        Drop rows with a negative amount (default: keep them as returns).
    cancel_prefix : str, optional
        Order ids starting with it (``"C"`` in the "Online Retail" export)
        are cancellations: their amount is made negative if it is not, so they
        are returns. Lines with a negative quantity are returns anyway.
    amount_name : str
        Name of the computed amount column (with ``quantity`` and ``price``).
    decimal : {".", ","}, optional
        The decimal separator of amount, quantity and price text, when a
        column cannot say it: ``","`` reads ``"1.500"`` as 1500, ``"."`` as
        1.5. By default each column's values decide; a column whose values
        all read two ways (``"1.500"``, ``"2.000"``) is refused.

    Returns
    -------
    cleaned : pandas.DataFrame
        A new frame with the kept rows: the timestamp as datetime64, the
        amount (and quantity, price) as float64, integer-valued float
        customer ids (a CSV column with gaps) as integers.
    report : CleaningReport
        Every dropped row with its reason; rows and revenue per outcome.

    Raises
    ------
    ParameterError
        ``amount`` together with ``quantity``/``price``, one of those alone,
        an ``as_of`` that is not a date, an unknown duplicate column, a
        ``decimal`` other than ``"."`` or ``","``.
    SchemaError
        Quantity or price text that is not a number, order ids that are
        missing (both naming the rows), timestamps stored as numbers,
        dates that read two ways or mix formats, numbers that read two ways
        (``"1.500"``: pass ``decimal=``) or are written both ways.

    Examples
    --------
    >>> import pandas as pd, segkit
    >>> raw = pd.DataFrame({"id": [1, 1, None, 2, 2],
    ...                     "ts": ["2024-01-01", "2024-01-01", "2024-01-02", "oops", "2024-01-03"],
    ...                     "amount": ["10", "10", "5", "7", "x"]})
    >>> clean, report = segkit.clean_transactions(raw, customer="id", timestamp="ts",
    ...                                           amount="amount")
    >>> len(clean)
    1
    >>> report.dropped["reason"].tolist()
    ['duplicate row', 'missing customer id', 'unparseable timestamp', 'amount not a number']
    """
    df = require_frame(transactions, "transactions")
    money = amount_columns(amount, quantity, price)
    check_decimal(decimal)
    names = [customer, timestamp, *money] + ([order] if order is not None else [])
    require_columns(df, names, "transactions")
    if duplicate_columns is not None:
        duplicate_columns = list(duplicate_columns)
        require_columns(df, duplicate_columns, "transactions")
    n = len(df)
    reason = np.full(n, -1, dtype=np.int64)  # position in REASONS, -1: kept

    def mark(mask: np.ndarray[Any, Any], why: str) -> None:
        if mask.any():  # most reasons find nothing: no pass over the rows then
            reason[mask & (reason < 0)] = REASONS.index(why)

    changed: dict[str, int] = {}
    mark(df[customer].isna().to_numpy(), "missing customer id")
    stamps, out_of_range = _timestamps(df, timestamp, changed)
    mark(df[timestamp].isna().to_numpy(), "missing timestamp")
    mark(out_of_range, "timestamp out of range")
    mark(stamps.isna().to_numpy(), "unparseable timestamp")

    if amount is not None:
        raw = df[amount]
        values = parse_numbers(raw, amount, decimal=decimal).to_numpy()
        if not pd.api.types.is_numeric_dtype(raw.dtype):
            changed[amount] = int(raw.notna().sum())
        mark(raw.isna().to_numpy(), "missing amount")
        target = amount
    else:
        q = _strict_numbers(df, quantity, changed, decimal)
        p = _strict_numbers(df, price, changed, decimal)
        values = q * p
        mark(np.isnan(q) | np.isnan(p), "missing amount")
        target = amount_name
    mark(np.isnan(values), "amount not a number")
    mark(np.isinf(values), "infinite amount")
    if order is not None:
        _check_orders(df, order)
        if cancel_prefix is not None:
            ids = df[order].astype(str).str.startswith(cancel_prefix).to_numpy()
            values = np.where(ids & (values > 0), -values, values)
            if quantity is not None:  # the quantity returned, so amount == quantity * price
                q = np.where(ids & (q > 0), -q, q)

    if as_of is not None:
        cut = parse_as_of(as_of, getattr(stamps.dtype, "tz", None))
        usable = reason < 0
        wall = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        if usable.any():
            wall[usable] = read_timestamps(stamps[usable], timestamp).wall
        mark(usable & (wall > cut.cut), "after as_of")
    if drop_duplicates:
        mark(_duplicates(df, reason < 0, duplicate_columns), "duplicate row")
    if drop_negative:
        mark(values < 0, "negative amount")

    keep = reason < 0
    replaced: dict[Any, Any] = {timestamp: stamps.array[keep]}
    ids = df[customer]
    if pd.api.types.is_float_dtype(ids.dtype) and keep.any():
        whole = ids.to_numpy(dtype=np.float64)[keep]
        if (whole == np.round(whole)).all() and np.abs(whole).max() < 2**53:
            replaced[customer] = whole.astype(np.int64)
            changed[customer] = len(whole)
    if quantity is not None:
        replaced[quantity] = q[keep]
        replaced[price] = p[keep]
    replaced[target] = values[keep]
    out = _kept_rows(df, keep, replaced)
    dropped = df[~keep].assign(reason=[REASONS[r] for r in reason[~keep]])
    summary = _summary(reason, values, keep)
    return out, CleaningReport(n, int(keep.sum()), dropped, changed, summary)


def _timestamps(
    df: pd.DataFrame, column: Any, changed: dict[str, int]
) -> tuple[pd.Series, np.ndarray[Any, Any]]:
    """The column as datetimes (NaT where unusable) and the rows outside the range."""
    ts = df[column]
    n = len(ts)
    if pd.api.types.is_datetime64_any_dtype(ts.dtype):
        return ts, np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(ts.dtype) or pd.api.types.is_bool_dtype(ts.dtype):
        raise SchemaError(
            f"column {column!r} holds numbers ({ts.dtype}), not timestamps; convert it "
            f"first, e.g. pd.to_datetime(df[{column!r}], format='%Y%m%d')"
        )
    changed[column] = int(ts.notna().sum())
    parsed, failed = _one_format(ts, column)
    out_of_range = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(failed):
        try:
            pd.Timestamp(str(ts.iloc[i]).strip()).as_unit("ns")
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            out_of_range[i] = True
        except (TypeError, ValueError):
            continue
    return parsed, out_of_range


def _strict_numbers(
    df: pd.DataFrame, column: Any, changed: dict[str, int], decimal: str | None
) -> Any:
    """Quantity or price as float64: text that is no number is an error naming the rows."""
    raw = df[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise SchemaError(f"column {column!r} is boolean, not a number")
    values = parse_numbers(raw, column, decimal=decimal).to_numpy()
    bad = np.isnan(values) & raw.notna().to_numpy()
    if bad.any():
        # A blank cell is a missing value (dropped as "missing amount"), not bad text;
        # looked at only where a value did not read as a number.
        where = np.flatnonzero(bad)
        blank = [isinstance(v, str) and not v.strip() for v in raw.iloc[where]]
        bad[where[np.asarray(blank, dtype=bool)]] = False
    if bad.any():
        raise SchemaError(
            f"column {column!r} of the transactions is not numeric at index "
            f"{show_values(df.index[bad])}: {show_values(raw[bad])}; fix those values or "
            f"convert the column, e.g. pd.to_numeric(df[{column!r}], errors='coerce')"
        )
    if not pd.api.types.is_numeric_dtype(raw.dtype):
        changed[column] = int(raw.notna().sum())
    return values


def _check_orders(df: pd.DataFrame, order: Any) -> None:
    missing = df[order].isna().to_numpy()
    if missing.any():
        raise SchemaError(
            f"column {order!r} has {int(missing.sum())} missing order id(s) at index "
            f"{show_values(df.index[missing])}; an order line needs its order: fill them "
            "(e.g. one id per row) or drop those rows first"
        )


def _kept_rows(df: pd.DataFrame, keep: Any, replaced: dict[Any, Any]) -> pd.DataFrame:
    """A new frame of the kept rows, with the ``replaced`` columns' new values.

    Each column is copied once, by the mask, and the frame is put together
    without consolidating same-dtype columns into blocks (a second copy of
    every row); columns that get new values are never copied from the input.
    """
    arrays: list[Any] = []
    for i, name in enumerate(df.columns):
        if name in replaced:
            arrays.append(replaced[name])
            continue
        column = df.iloc[:, i]
        if isinstance(column.dtype, np.dtype):
            arrays.append(column.to_numpy()[keep])
        else:
            arrays.append(column.array[keep])
    names = list(df.columns)
    names += [name for name in replaced if name not in df.columns]
    arrays += [replaced[name] for name in names[df.shape[1] :]]
    out = pd.DataFrame(dict(enumerate(arrays)), index=df.index[keep], copy=False)
    out.columns = pd.Index(names, name=df.columns.name) if len(names) > df.shape[1] else df.columns
    if df.attrs:
        out.attrs = copy.deepcopy(df.attrs)
    return out


#: Rows handled at a time by the passes over every row: their temporaries stay in the cache.
_CHUNK = 1 << 15


def _duplicates(df: pd.DataFrame, candidates: np.ndarray[Any, Any], columns: Any) -> Any:
    """Rows identical to an earlier candidate row on every compared column.

    A cheap hash of the numeric, datetime and categorical columns (text is
    left out) first finds the rows that could be duplicates: equal rows hash
    equally, so a row whose hash no other row shares has no duplicate. Only
    those few are compared on every column, text columns included.
    """
    dup = np.zeros(len(df), dtype=bool)
    if not candidates.any():
        return dup
    compared = df if columns is None else df[columns]
    rows = np.flatnonzero(candidates)
    key = _row_hash(compared)
    if key is not None:
        rows = rows[_shared(key[rows] if rows.size < len(df) else key)]
        if rows.size == 0:
            return dup
    part = compared.iloc[rows].reset_index(drop=True)
    try:
        found = part.duplicated().to_numpy()
    except TypeError:  # unhashable cells (lists): compare their text
        found = part.astype(str).duplicated().to_numpy()
    dup[rows[found]] = True
    return dup


def _shared(key: Any) -> Any:
    """Positions of the keys that occur more than once.

    One sort finds the few repeated keys; a small table of them (it stays
    in the cache) then picks out the rows that may hold one, checked exactly.
    """
    ordered = np.sort(key)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    repeated = np.unique(ordered[1:][same])
    bits = min(max(int(64 * repeated.size).bit_length(), 12), 22)  # 1 in 64 slots taken
    shift = np.uint64(64 - bits)  # the top bits: a multiplication mixed every bit into them
    table = np.zeros(1 << bits, dtype=bool)
    table[repeated >> shift] = True
    maybe = np.concatenate(
        [
            np.flatnonzero(table[key[start : start + _CHUNK] >> shift]) + start
            for start in range(0, key.size, _CHUNK)
        ]
    )
    return maybe[np.isin(key[maybe], repeated)]


#: Odd multiplier of the row hash (splitmix64's); multiplying by it is one-to-one.
_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)


def _row_hash(frame: pd.DataFrame) -> Any:
    """A 64-bit hash per row of the cheap columns (None when no column is cheap).

    Per column ``key = (key ^ bits) * odd``: each step is one-to-one in the
    column's bits, so two rows that differ in one hashed column never collide.
    Equal values give equal bits (-0.0 as 0.0, every NaN alike). Computed a
    chunk of rows at a time, every column into the same cached chunk of keys.
    """
    columns = [_words(frame.iloc[:, i]) for i in range(frame.shape[1])]
    columns = [words for words in columns if words is not None]
    if not columns:
        return None
    key = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(frame), _CHUNK):
            part = key[start : start + _CHUNK]
            for values in columns:
                np.bitwise_xor(part, _bits(values[start : start + _CHUNK]), out=part)
                np.multiply(part, _MULTIPLIER, out=part)
    return key


def _words(series: pd.Series) -> Any:
    """The column's values as a numpy array :func:`_bits` reads, None for text."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()
    if isinstance(dtype, pd.DatetimeTZDtype):  # the instants, NaT one value
        return series.to_numpy(dtype=f"datetime64[{dtype.unit}]").view(np.int64)
    if not isinstance(dtype, np.dtype):
        return None
    values = series.to_numpy()
    if dtype.kind == "M":
        return values.view(np.int64)
    if dtype.kind in "fiub":
        return values
    return None


def _bits(values: Any) -> Any:
    """A chunk of a column as 64-bit words; equal values (as pandas compares) alike."""
    if values.dtype.kind == "f":
        values = np.add(values, 0.0, dtype=np.float64)  # a new array; -0.0 + 0.0 is 0.0
        nan = np.isnan(values)
        if nan.any():
            values[nan] = np.nan
        return values.view(np.uint64)
    if values.dtype.itemsize == 8 and values.dtype.kind in "iu":
        return values.view(np.uint64)
    return values.astype(np.uint64)


def _summary(reason: Any, values: Any, keep: Any) -> pd.DataFrame:
    """Rows and revenue per outcome; each revenue added as :func:`group_sum` adds it.

    One pass over every amount gives the total's parts; the dropped rows and
    the returns are few and summed on their own; the kept rows' whole-number
    parts are the total's minus the dropped ones' (exact: whole numbers).
    """
    k = len(REASONS)
    gone = np.flatnonzero(~keep)
    codes = reason[gone]
    dropped_values = np.where(np.isfinite(values[gone]), values[gone], 0.0)
    cents, fine, rest = _parts(codes, dropped_values, k)
    total, odd, odd_values = _total_parts(values)
    odd_kept = keep[odd]
    kept_rest = sorted_sums(np.zeros(int(odd_kept.sum()), np.int64), odd_values[odd_kept], 1)
    kept = combine_parts(
        np.array([total[0] - cents.sum()]), np.array([total[1] - fine.sum()]), kept_rest
    )
    everything = combine_parts(
        np.array([total[0]]),
        np.array([total[1]]),
        sorted_sums(np.zeros(odd.size, np.int64), odd_values, 1),
    )
    returns = np.flatnonzero(keep & (values < 0))
    returns_money = group_sum(np.zeros(returns.size, dtype=np.int64), values[returns], 1)
    rows = np.bincount(codes, minlength=k)
    index = ["kept", "returns", *REASONS, "total"]
    table = pd.DataFrame(
        {
            "rows": [len(values) - gone.size, returns.size, *rows, len(values)],
            "revenue": [
                float(kept[0]),
                float(returns_money[0]),
                *combine_parts(cents, fine, rest),
                float(everything[0]),
            ],
        },
        index=pd.Index(index, name="outcome"),
    )
    shown = (table["rows"] > 0) | table.index.isin(["kept", "returns", "total"])
    return table[shown]


def _parts(codes: Any, values: Any, n: int) -> tuple[Any, Any, Any]:
    """Per-group sums of whole hundredths, whole ten-thousandths and the other values."""
    level, whole = money_parts(values)
    cents, fine = (
        np.bincount(codes[level == k], weights=whole[level == k], minlength=n) for k in (0, 1)
    )
    odd = level == 2
    return cents, fine, sorted_sums(codes[odd], whole[odd], n)


def _total_parts(values: Any) -> tuple[list[float], Any, Any]:
    """The sums of whole hundredths and ten-thousandths of every finite amount, a chunk at a
    time, and the positions and values of the amounts on neither grid."""
    total = [0.0, 0.0]
    odd: list[Any] = []
    odd_values: list[Any] = []
    for start in range(0, values.size, _CHUNK):
        part = values[start : start + _CHUNK]
        finite = np.isfinite(part)
        if not finite.all():
            part = np.where(finite, part, 0.0)
        level, whole = money_parts(part)
        if not level.any():
            total[0] += float(whole.sum())
            continue
        total[0] += float(whole[level == 0].sum())
        total[1] += float(whole[level == 1].sum())
        where = np.flatnonzero(level == 2)
        odd.append(where + start)
        odd_values.append(whole[where])
    if not odd:
        return total, np.zeros(0, dtype=np.int64), np.zeros(0)
    return total, np.concatenate(odd), np.concatenate(odd_values)
