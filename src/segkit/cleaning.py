"""Cleaning a raw export: keep every genuine line, drop what cannot be used, and say so.

:func:`clean_transactions` reads the columns of the transaction model
(:mod:`segkit.transactions`) from a raw export and returns a frame that
:func:`segkit.summarize` and every other capability accept, with a
:class:`CleaningReport` whose rows and revenue balance.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import one_format as _one_format
from segkit._time import parse_as_of, read_timestamps
from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import SchemaError
from segkit.transactions import amount_columns, group_sum, money_parts, parse_numbers, parts_sum

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
        Text such as ``"1,234.50"``, ``"1.5E3"`` or ``"(12.50)"`` (an
        accounting negative) is read as a number.
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
        an ``as_of`` that is not a date, an unknown duplicate column.
    SchemaError
        Quantity or price text that is not a number, order ids that are
        missing (both naming the rows), timestamps stored as numbers,
        dates that read two ways or mix formats.

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
    names = [customer, timestamp, *money] + ([order] if order is not None else [])
    require_columns(df, names, "transactions")
    if duplicate_columns is not None:
        duplicate_columns = list(duplicate_columns)
        require_columns(df, duplicate_columns, "transactions")
    n = len(df)
    reason = np.full(n, -1, dtype=np.int64)  # position in REASONS, -1: kept

    def mark(mask: np.ndarray[Any, Any], why: str) -> None:
        reason[mask & (reason < 0)] = REASONS.index(why)

    changed: dict[str, int] = {}
    mark(df[customer].isna().to_numpy(), "missing customer id")
    stamps, out_of_range = _timestamps(df, timestamp, changed)
    mark(df[timestamp].isna().to_numpy(), "missing timestamp")
    mark(out_of_range, "timestamp out of range")
    mark(stamps.isna().to_numpy(), "unparseable timestamp")

    if amount is not None:
        raw = df[amount]
        values = parse_numbers(raw).to_numpy()
        if not pd.api.types.is_numeric_dtype(raw.dtype):
            changed[amount] = int(raw.notna().sum())
        mark(raw.isna().to_numpy(), "missing amount")
        target = amount
    else:
        q = _strict_numbers(df, quantity, changed)
        p = _strict_numbers(df, price, changed)
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
    out = df.take(np.flatnonzero(keep))  # one copy, its own (no second .copy())
    out[timestamp] = stamps.array[keep]  # by position: no index built for the mask
    if quantity is not None:
        out[quantity] = q[keep]
        out[price] = p[keep]
    out[target] = values[keep]
    ids = out[customer]
    if pd.api.types.is_float_dtype(ids.dtype) and len(ids):
        whole = ids.to_numpy()
        if (whole == np.round(whole)).all() and np.abs(whole).max() < 2**53:
            out[customer] = whole.astype(np.int64)
            changed[customer] = len(ids)
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


def _strict_numbers(df: pd.DataFrame, column: Any, changed: dict[str, int]) -> Any:
    """Quantity or price as float64: text that is no number is an error naming the rows."""
    raw = df[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise SchemaError(f"column {column!r} is boolean, not a number")
    values = parse_numbers(raw).to_numpy()
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


def _duplicates(df: pd.DataFrame, candidates: np.ndarray[Any, Any], columns: Any) -> Any:
    """Rows identical to an earlier candidate row on every compared column.

    A cheap hash of the numeric, datetime and categorical columns (integer and
    datetime columns read in place) first finds the rows that could be duplicates: equal rows
    hash equally, so a row whose hash no other row shares has no duplicate.
    Only those few are compared on every column, text columns included.
    """
    dup = np.zeros(len(df), dtype=bool)
    if not candidates.any():
        return dup
    compared = df if columns is None else df[columns]
    rows = np.flatnonzero(candidates)
    key = _row_hash(compared)
    if key is not None:
        key = _finish(key[rows] if rows.size < len(df) else key)
        # Rows whose hash shares no bucket with another row's (three cheap bincount
        # rounds on different bits) cannot be duplicates; the few left are hashed.
        width = 1 << max(int(rows.size).bit_length(), 10)
        mask = np.uint64(width - 1)
        bucket = (key & mask).view(np.int64)  # the first round reads the key in place
        keep = np.flatnonzero(np.bincount(bucket, minlength=width)[bucket] > 1)
        for shift in (21, 42):
            bucket = ((key[keep] >> np.uint64(shift)) & mask).view(np.int64)
            keep = keep[np.bincount(bucket, minlength=width)[bucket] > 1]
        keep = keep[pd.Series(key[keep]).duplicated(keep=False).to_numpy()]
        rows = rows[keep]
        if rows.size == 0:
            return dup
    part = compared.iloc[rows].reset_index(drop=True)
    try:
        found = part.duplicated().to_numpy()
    except TypeError:  # unhashable cells (lists): compare their text
        found = part.astype(str).duplicated().to_numpy()
    dup[rows[found]] = True
    return dup


#: Odd multiplier of the row hash (splitmix64's); multiplying by it is one-to-one.
_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)


def _row_hash(frame: pd.DataFrame) -> Any:
    """A 64-bit hash per row of the cheap columns (None when no column is cheap).

    Per column ``key = (key ^ bits) * odd``: each step is one-to-one in the
    column's bits, so two rows that differ in one hashed column never collide.
    Equal values give equal bits (-0.0 as 0.0, every NaN alike).
    """
    columns = [_bits(frame.iloc[:, i]) for i in range(frame.shape[1])]
    columns = [bits for bits in columns if bits is not None]
    if not columns:
        return None
    key = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for bits in columns:
            np.bitwise_xor(key, bits, out=key)
            np.multiply(key, _MULTIPLIER, out=key)
    return key


def _bits(series: pd.Series) -> Any:
    """The column's values as 64-bit words (a view when possible), None for text."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(np.uint64)
    if isinstance(dtype, pd.DatetimeTZDtype):  # the instants, NaT one value
        return series.to_numpy(dtype=f"datetime64[{dtype.unit}]").view(np.uint64)
    if not isinstance(dtype, np.dtype):
        return None
    values = series.to_numpy()
    if dtype.kind == "M":
        return values.view(np.uint64)
    if dtype.kind == "f":
        values = np.add(values, 0.0, dtype=np.float64)  # a new array; -0.0 + 0.0 is 0.0
        nan = np.isnan(values)
        if nan.any():
            values[nan] = np.nan
        return values.view(np.uint64)
    if dtype.kind in "iu":
        return values.view(np.uint64) if dtype.itemsize == 8 else values.astype(np.uint64)
    if dtype.kind == "b":
        return values.astype(np.uint64)
    return None


def _finish(key: Any) -> Any:
    """Spread every bit of the hash over the low bits (splitmix64's finaliser), in place."""
    with np.errstate(over="ignore"):
        key ^= key >> np.uint64(30)
        key *= _MULTIPLIER
        key ^= key >> np.uint64(27)
        key *= np.uint64(0x94D049BB133111EB)
        key ^= key >> np.uint64(31)
    return key


def _summary(reason: Any, values: Any, keep: Any) -> pd.DataFrame:
    usable = np.where(np.isfinite(values), values, 0.0)
    groups = np.where(keep, 0, reason + 1)
    rows = np.bincount(groups, minlength=len(REASONS) + 1)
    level, whole = money_parts(usable)  # classified once for the three sums
    money = parts_sum(groups, level, whole, len(REASONS) + 1)
    returns = keep & (values < 0)
    returns_money = parts_sum(
        np.zeros(int(returns.sum()), dtype=np.int64), level[returns], whole[returns], 1
    )[0]
    total_money = parts_sum(np.zeros(len(values), dtype=np.int64), level, whole, 1)[0]
    index = ["kept", "returns", *REASONS, "total"]
    table = pd.DataFrame(
        {
            "rows": [rows[0], int(returns.sum()), *rows[1:], len(values)],
            "revenue": [money[0], float(returns_money), *money[1:], float(total_money)],
        },
        index=pd.Index(index, name="outcome"),
    )
    shown = (table["rows"] > 0) | table.index.isin(["kept", "returns", "total"])
    return table[shown]


def _total(values: Any) -> float:
    return float(group_sum(np.zeros(len(values), dtype=np.int64), values, 1)[0])
