"""Reading the command's input: the transaction, customer and event files.

A CSV, Excel or Parquet file (of Parquet only the columns the command uses),
or a Parquet folder or glob read with Dask; then the dates in --date-format,
the amount from quantity x price, and --clean.
"""

from __future__ import annotations

import argparse
import csv
import sys
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from segkit._optional import import_optional
from segkit.cli._messages import cleaning_report, say
from segkit.errors import CLIError, SchemaError, SegkitError


def _read_table(
    path: str,
    what: str = "the transactions",
    columns: tuple[list[str], list[str]] | None = None,
    ids: tuple[str | None, ...] = (),
    encoding: str | None = None,
    numbers: tuple[str | None, ...] = (),
    decimal: str | None = None,
) -> pd.DataFrame:
    """A CSV, Excel or Parquet file; of Parquet only ``columns`` (needed, used if present).

    The ``ids`` columns of a CSV file are read as text first: ids with a
    leading zero (``0012``) stay text, so no two ids become one; others are
    numbers as usual. The ``numbers`` columns of a CSV file are read as text
    and checked for one convention per column (pandas would read ``1.500`` as
    1.5 where the file means 1500): plain numbers in the decimal-point
    convention become numbers as pandas reads them, others stay text for
    ``--clean`` or :func:`_money_from_text` to read (``decimal``: ``--decimal``).
    """
    file = Path(path)
    if not file.exists():
        raise CLIError(f"no such file: {path}")
    if file.is_dir():
        raise CLIError(f"{what} {path!r} is a folder; give a .csv or .parquet file")
    suffix = file.suffix.lower()
    if suffix not in {".parquet", ".pq", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}:
        raise CLIError(f"cannot read {path}: use a .csv, .xlsx or .parquet file")
    if file.stat().st_size == 0:
        raise CLIError(f"{what} file {path} is empty")
    if encoding is not None and suffix not in {".csv", ".txt", ".tsv"}:
        raise CLIError(f"--encoding reads text (CSV) files; {path} is not one: leave it out")
    try:
        if suffix in {".parquet", ".pq"}:
            import_optional("pyarrow", extra="parquet", what=f"reading {file.name}")
            return pd.read_parquet(file, columns=_parquet_columns(file, columns))
        if suffix in {".xlsx", ".xlsm"}:
            import_optional("openpyxl", extra="excel", what=f"reading {file.name}")
            frame = pd.read_excel(file, engine="openpyxl")
        else:
            from segkit.io import read_text
            from segkit.io._text import ids_from_text

            # UTF-8 with or without BOM, UTF-16, GBK/GB18030: detected.
            named = [c for c in dict.fromkeys(ids) if c is not None]
            money = [c for c in dict.fromkeys(numbers) if c is not None and c not in named]
            frame = read_text(file, dtype=dict.fromkeys(named + money, str), encoding=encoding)
            for column in named:
                if column in frame.columns:
                    frame[column] = ids_from_text(frame[column])
            for column in money:
                if column in frame.columns:
                    frame[column] = _plain_numbers(frame[column], column, decimal)
    except SegkitError:
        raise
    except (ValueError, OSError, csv.Error, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"could not read {path}: {first}") from exc
    if frame.empty:
        raise CLIError(f"{what} file {path} has no rows")
    return frame


def _plain_numbers(text: pd.Series, column: str, decimal: str | None) -> pd.Series:
    """A money column read as text: numbers where that is what pandas would have read.

    A column that reads two ways is refused here (naming ``--decimal``); one
    in the decimal-point convention whose values are plain numbers becomes
    numbers (integers stay integers), as pandas reads it; any other (decimal
    commas, digit groups, currency signs) stays text.
    """
    from segkit._number_text import PLAIN_NUMBER
    from segkit.transactions import number_convention

    if number_convention(text, column, decimal) != ".":
        return text
    distinct = pd.Series(text.dropna().unique(), dtype=object)  # checked once per text
    if not distinct.str.strip().str.fullmatch(PLAIN_NUMBER).all():
        return text
    # stripped as checked: pandas reads " 12 " but not "12\u00a0"
    return pd.Series(pd.to_numeric(text.str.strip()), index=text.index, name=text.name)


def _parquet_columns(file: Path, columns: tuple[list[str], list[str]] | None) -> list[str] | None:
    """The columns to read (None: all, also when a needed one is missing: errors list all)."""
    if columns is None:
        return None
    import pyarrow.parquet as pq

    names = set(pq.read_schema(file).names)
    needed, optional = columns
    if not set(needed) <= names:
        return None
    return list(dict.fromkeys(needed + [c for c in optional if c in names]))


def _transactions(args: argparse.Namespace, also: tuple[str, ...] = ()) -> Any:
    """The prepared transactions; a Parquet folder or glob (or --dask) as a Dask DataFrame.

    Of a Parquet file, the named columns and those of ``also`` (not with --clean,
    which compares lines on every column).
    """
    from segkit.dask import is_many_files, read_parquet_log

    if getattr(args, "format", None) is not None:
        from segkit.cli._formats import read_format

        return _prepared(read_format(args), args)
    if not (args.dask or is_many_files(args.file)):
        named = [args.customer, args.timestamp, args.amount, args.quantity, args.price, args.order]
        columns = None if args.clean else ([c for c in named if c is not None], list(also))
        ids = (args.customer, args.order)
        money = (args.amount, args.quantity, args.price)
        read = _read_table(
            args.file,
            columns=columns,
            ids=ids,
            encoding=args.encoding,
            numbers=money,
            decimal=args.decimal,
        )
        return _prepared(read, args)
    pandas_only = ("clean", "pseudonymize", "date_format", "encoding", "decimal")
    if any(getattr(args, name, None) for name in pandas_only):
        raise CLIError(
            "--clean, --date-format and --pseudonymize read with pandas, and --encoding and "
            "--decimal read CSV files: not with Dask input"
        )
    return _prepared(read_parquet_log(args.file), args)


def _prepared(tx: Any, args: argparse.Namespace) -> Any:
    """The transactions with an amount column: cleaned (--clean) or quantity x price."""
    from segkit.transactions import amount_columns, with_line_amount

    amount_columns(args.amount, args.quantity, args.price)  # one way of naming the money
    if getattr(args, "date_format", None):
        tx = _dates_in_format(tx, args.timestamp, args.date_format)
    if args.clean:
        from segkit.cleaning import clean_transactions

        tx, report = clean_transactions(
            tx,
            customer=args.customer,
            timestamp=args.timestamp,
            amount=args.amount,
            quantity=args.quantity,
            price=args.price,
            order=args.order,
            cancel_prefix=args.cancel_prefix,
            amount_name="amount" if args.amount is None else args.amount,
            decimal=getattr(args, "decimal", None),
        )
        print(cleaning_report(args, report), file=sys.stderr)
        _lines_of_orders_with_a_customer(tx, report, args)
        if args.amount is None:
            args.amount = "amount"
        return tx
    if isinstance(tx, pd.DataFrame):
        tx = _money_from_text(
            tx, (args.amount, args.quantity, args.price), getattr(args, "decimal", None)
        )
    if args.quantity is not None:
        if "amount" in tx.columns:
            raise CLIError(
                "the file has a column 'amount' already; pass --amount amount, or --clean"
            )
        tx = with_line_amount(tx, "amount", args.quantity, args.price)
    if args.amount is None:
        args.amount = "amount"
    return tx


def _dates_in_format(tx: pd.DataFrame, column: str, fmt: str) -> pd.DataFrame:
    """The timestamp column read with the format given by --date-format (blank: missing)."""
    from segkit.io._text import in_format

    if column not in tx.columns:
        return tx  # the readers name the missing column
    return tx.assign(**{column: in_format(tx[column], column, fmt, "--date-format")})


def _money_from_text(
    tx: pd.DataFrame, columns: tuple[str | None, ...], decimal: str | None = None
) -> pd.DataFrame:
    """Amount, quantity and price written as text read as numbers, as the readers do.

    ``"1.234,56"``, ``"¥12,800"``, ``"(12.50)"``: one convention per column
    (:func:`segkit.transactions.parse_numbers`; ``--decimal`` names it); a
    column that reads two ways is an error naming ``--decimal``; a value that
    is no number is an error naming its rows (``--clean`` drops and reports
    such rows instead).
    """
    from segkit.io._read import parse_amount
    from segkit.transactions import number_convention

    text = {
        column: tx[column]
        for column in dict.fromkeys(columns)
        if column is not None
        and column in tx.columns
        and (
            pd.api.types.is_object_dtype(tx[column].dtype)
            or pd.api.types.is_string_dtype(tx[column].dtype)
        )
    }
    if not text:
        return tx
    numbers = {}
    for column, values in text.items():
        separator = number_convention(values, column, decimal)  # --clean cannot settle it
        try:
            numbers[column] = parse_amount(values, column, separator)
        except SchemaError as exc:
            # --clean drops amounts that are no number, not quantities or prices (the
            # cleaning refuses those: the line is genuine, its amount unknown)
            way_out = "pass --clean to drop and report those rows"
            raise CLIError(
                f"{exc}; {way_out if column == columns[0] else 'fix those values in the file'}"
            ) from None
    return tx.assign(**numbers)


def _lines_of_orders_with_a_customer(
    tx: pd.DataFrame, report: Any, args: argparse.Namespace
) -> None:
    """Say so when --clean dropped lines without a customer whose order names one elsewhere.

    Exports that write the order's fields on its first line only (Shopify's
    orders export: ``Email`` on the first line item) lose every further line
    that way; ``--format`` reads them with the shop's reader.
    """
    if args.order is None:
        return
    dropped = report.dropped
    lone = dropped.loc[dropped["reason"] == "missing customer id", args.order]
    n = int(lone.isin(tx[args.order]).sum()) if len(lone) else 0
    if n:
        print(say(args, "clean.first_line_only", n=n, order=args.order), file=sys.stderr)
