"""The generic reader: any CSV, Parquet or Excel file with a column mapping."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._optional import missing
from segkit._time import any_out_of_range, one_format
from segkit._validation import as_pandas, require_columns
from segkit.errors import ParameterError, SchemaError, SegkitError
from segkit.io._text import ids_from_text, in_format, read_text
from segkit.transactions import amount_columns, check_decimal, parse_numbers

__all__ = ["parse_amount", "parse_time", "read_any", "read_transactions"]

_ROLES = ("customer", "timestamp", "amount", "quantity", "price", "order")


def read_any(
    source: Any,
    *,
    sheet: str | int | None = 0,
    sep: str | None = None,
    ids: Iterable[str] = (),
    encoding: str | None = None,
    numbers: Iterable[str] = (),
) -> pd.DataFrame:
    """A frame (copied), or a CSV, Parquet or Excel file.

    Of a CSV file the ``ids`` columns are read as written (``007`` stays
    text) and the ``numbers`` columns as text, for
    :func:`segkit.transactions.parse_numbers` to read with one convention
    (pandas would read ``1.500`` as 1.5 where the file means 1500).
    """
    if not isinstance(source, str | os.PathLike):
        return as_pandas(source, "source").copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if encoding is not None and suffix not in {".csv", ".txt", ".tsv"}:
        raise ParameterError(f"encoding= reads text (CSV) files; {path.name} is not one")
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            frame = pd.read_excel(path, sheet_name=sheet)
            if isinstance(frame, dict):
                raise ParameterError("sheet must name one sheet, not None")
            return frame
        if suffix in {".csv", ".txt", ".tsv"}:
            # The encoding is detected (UTF-8 with or without BOM, UTF-16, GBK/GB18030);
            # sep=None sniffs ; , tab.
            ids = list(ids)
            as_text = dict.fromkeys([*ids, *numbers], str)
            frame = read_text(path, sep=sep, dtype=as_text, encoding=encoding)
            for column in ids:
                if column in frame.columns:
                    frame[column] = ids_from_text(frame[column])
            return frame
    except SegkitError:
        raise  # the reader's own message (an unknown encoding, an empty file)
    except ImportError:
        extra = "parquet" if suffix in {".parquet", ".pq"} else "excel"
        raise missing(extra, f"reading {path.name}") from None
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:  # a bad .xlsx
        raise SchemaError(f"could not read {path}: {exc}") from exc
    raise ParameterError(f"cannot read {path.name}: use a .csv, .parquet or .xlsx file")


def read_transactions(
    source: Any,
    *,
    columns: Mapping[str, str],
    keep: Iterable[str] = (),
    sheet: str | int | None = 0,
    sep: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read a transaction file and rename its columns to segkit's names.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv`` (delimiter sniffed, byte-order mark dropped), ``.parquet``
        or ``.xlsx`` file, or a frame already in memory.
    columns : mapping
        ``{"customer": ..., "timestamp": ..., "amount": ..., "order": ...}``
        naming the source columns; ``order`` is optional. Order lines that
        give no amount name ``"quantity"`` and ``"price"`` instead: the
        amount is then quantity × price.
    keep : iterable of str
        Other source columns to carry along unchanged.
    sheet, sep
        The Excel sheet, and a CSV delimiter when sniffing is not wanted.
    date_format : str, optional
        The timestamp column's format (e.g. ``"%d/%m/%Y"``) when it reads two
        ways; by default one format is inferred for the whole column.
    encoding : str, optional
        The text encoding of a CSV file (e.g. ``"cp1252"``); by default
        detected (:func:`segkit.io.detect_encoding`).
    decimal : {".", ","}, optional
        The decimal separator of amounts, quantities and prices written as
        text, when a column cannot say it: ``","`` reads ``1.500`` as 1500 and
        ``2,50`` as 2.5, ``"."`` reads ``1.500`` as 1.5 and ``1,500`` as 1500.
        By default each column's values decide, and a column whose values all
        read two ways (``1.500``, ``2.000``: whole euros or three decimals?)
        is refused (:func:`segkit.transactions.parse_numbers`, and
        ``docs/raw-exports.md``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``timestamp`` (datetime64), ``amount`` (float64),
        ``quantity`` and ``price`` (float64) when mapped, ``order_id`` when
        mapped, then the ``keep`` columns. Nothing is dropped: pass the result
        to :func:`segkit.clean_transactions` (with ``quantity="quantity",
        price="price"`` for order lines, which keeps cancellations as returns).

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import read_transactions
    >>> raw = pd.DataFrame({"Client": ["a", "b"], "Date": ["2024-01-03", "2024-02-01"],
    ...                     "Total": ["10.5", "3"]})
    >>> tx = read_transactions(raw, columns={"customer": "Client", "timestamp": "Date",
    ...                                      "amount": "Total"})
    >>> tx.values.tolist()
    [['a', Timestamp('2024-01-03 00:00:00'), 10.5], ['b', Timestamp('2024-02-01 00:00:00'), 3.0]]
    """
    unknown = set(columns) - set(_ROLES)
    if unknown:
        raise ParameterError(f"columns has unknown keys {sorted(unknown)}; use {list(_ROLES)}")
    for role in ("customer", "timestamp"):
        if role not in columns:
            raise ParameterError(f"columns must name the {role!r} column")
    money = amount_columns(columns.get("amount"), columns.get("quantity"), columns.get("price"))
    check_decimal(decimal)  # before the file is read
    ids = [columns[role] for role in ("customer", "order") if role in columns]
    raw = read_any(source, sheet=sheet, sep=sep, ids=ids, encoding=encoding, numbers=money)
    keep = list(keep)
    require_columns(raw, [*columns.values(), *keep], "source file")
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    out["customer_id"] = raw[columns["customer"]].to_numpy()
    out["timestamp"] = parse_time(raw[columns["timestamp"]], columns["timestamp"], date_format)
    if "amount" in columns:
        out["amount"] = parse_amount(raw[columns["amount"]], columns["amount"], decimal)
    else:
        out["quantity"] = parse_amount(raw[columns["quantity"]], columns["quantity"], decimal)
        out["price"] = parse_amount(raw[columns["price"]], columns["price"], decimal)
        out["amount"] = out["quantity"] * out["price"]
    if "order" in columns:
        out["order_id"] = raw[columns["order"]].to_numpy()
    for name in keep:
        if name in out.columns:  # keep=["customer_id"] would replace the id column
            raise ParameterError(
                f"keep names {name!r}, a column segkit's reader already writes; rename it in "
                f"the source first, e.g. raw.rename(columns={{{name!r}: {name + '_source'!r}}})"
            )
        out[name] = raw[name].to_numpy()
    return out


def parse_time(series: pd.Series, column: str, date_format: str | None = None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.reset_index(drop=True)
    series = series.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(
            f"column {column!r} holds numbers ({series.dtype}), not timestamps, e.g. "
            f"{series.head(3).tolist()}"
        )
    if date_format is not None:
        return in_format(series, column, date_format).reset_index(drop=True)
    # One format for the whole column (ambiguous day/month or mixed formats refused);
    # offsets that change are read as the wall clock written (segkit._offsets).
    parsed, bad = one_format(series, column)
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        shown = series[bad].head(5).tolist()
        never = [v for v in shown if str(v).strip()[:4] in ("9999", "2999", "3000")]
        hint = (
            "; a 'never' date such as 9999-12-31 is not a transaction time: drop those rows"
            " (segkit.clean_transactions drops them as 'timestamp out of range')"
            if never
            else "; dates outside 1677-09-22 .. 2262-04-11 are outside the time policy's range:"
            " drop those rows (segkit.clean_transactions drops them as 'timestamp out of range')"
            if any_out_of_range(shown)
            else ""
        )
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not dates, in rows "
            f"{where}: {shown}{hint}"
        )
    if getattr(parsed.dtype, "tz", None) is None:
        parsed = parsed.astype("datetime64[ns]")
    return parsed.reset_index(drop=True)


def parse_amount(
    series: pd.Series, column: str, decimal: str | None = None
) -> np.ndarray[Any, Any]:
    """A money column as float64, text read by :func:`segkit.transactions.parse_numbers`.

    A value that is no finite number is an error naming its rows.
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        check_decimal(decimal)
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = parse_numbers(series, column, decimal=decimal).to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers) & series.notna().to_numpy()  # "NaN", "Infinity", "1e400": no
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not amounts, in rows "
            f"{where}: {series[bad].head(5).tolist()}"
        )
    return numbers
