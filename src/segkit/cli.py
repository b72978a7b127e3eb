"""The ``segkit`` command.

``segkit demo`` runs the whole flow on the bundled CDNOW data;
``segkit rfm FILE`` scores a user's own transaction file (CSV or Parquet).
Errors on bad input print one line and exit with status 2; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import argparse
import csv
import glob
import os
import sys
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from segkit import __version__
from segkit._optional import import_optional
from segkit._writers import check_target, write_atomic, write_table
from segkit.errors import CLIError, SegkitError

__all__ = ["main"]


def _read_table(
    path: str, what: str = "the transactions", columns: tuple[list[str], list[str]] | None = None
) -> pd.DataFrame:
    """A CSV, Excel or Parquet file; of Parquet only ``columns`` (needed, used if present)."""
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
    try:
        if suffix in {".parquet", ".pq"}:
            import_optional("pyarrow", extra="parquet", what=f"reading {file.name}")
            return pd.read_parquet(file, columns=_parquet_columns(file, columns))
        if suffix in {".xlsx", ".xlsm"}:
            import_optional("openpyxl", extra="excel", what=f"reading {file.name}")
            frame = pd.read_excel(file, engine="openpyxl")
        else:
            from segkit.io import read_text

            # UTF-8 with or without BOM, UTF-16, GBK/GB18030: detected.
            frame = read_text(file)
    except SegkitError:
        raise
    except (ValueError, OSError, csv.Error, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"could not read {path}: {first}") from exc
    if frame.empty:
        raise CLIError(f"{what} file {path} has no rows")
    return frame


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


def _write_atomic(frame: pd.DataFrame, path: str, args: argparse.Namespace) -> None:
    """Write the table (CSV, Excel or Parquet) completely or not at all, ids as read."""
    from segkit.io import ids_as_read

    frame = frame.set_axis(pd.Index(ids_as_read(frame.index), name=frame.index.name), axis=0)
    write_table(
        frame,
        path,
        escape=not getattr(args, "no_escape_formulas", False),
        encoding="utf-8-sig" if getattr(args, "bom", False) else "utf-8",
    )


def _check_as_of(value: str | None) -> None:
    if value is None:
        return
    try:
        pd.Timestamp(value).as_unit("ns")
    except (ValueError, OverflowError):
        raise CLIError(
            f"--as-of {value!r} is not a date segkit can use: give a date between "
            f"{pd.Timestamp.min:%Y-%m-%d} and {pd.Timestamp.max:%Y-%m-%d}, e.g. 2024-06-30"
        ) from None


def _check_inputs(args: argparse.Namespace) -> None:
    """Every argument the command can check before it reads or computes anything."""
    _locale(args)  # the currency
    _check_as_of(getattr(args, "as_of", None))
    days = getattr(args, "holdout_days", None)
    if days is not None and not 1 <= days <= _MAX_HOLDOUT_DAYS:
        raise CLIError(
            f"--holdout-days must be between 1 and {_MAX_HOLDOUT_DAYS:,} (100 years); got {days:,}"
        )
    bins = getattr(args, "bins", None)
    if bins is not None and not 2 <= bins <= 9:  # RFMScorer's range: one-digit scores
        raise CLIError(f"--bins must be between 2 and 9; got {bins}")
    for name in ("file", "customers", "events"):
        value = getattr(args, name, None)
        if value is not None and not Path(value).exists() and not glob.glob(value):
            raise CLIError(f"no such file: {value}")
    if getattr(args, "pseudonymize", None):
        from segkit.privacy import read_key

        if not Path(args.pseudonymize).is_file():
            raise CLIError(f"no such key file: {args.pseudonymize}")
        read_key(args.pseudonymize)
    min_group = getattr(args, "min_group", None)
    if min_group is not None and min_group < 1:
        raise CLIError(f"--min-group must be a positive number of customers; got {min_group}")
    rules = getattr(args, "rules", None)
    if rules:
        if not Path(rules).is_file():
            raise CLIError(f"no such rules file: {rules}")
        if Path(rules).suffix.lower() in {".yaml", ".yml"}:
            import_optional("yaml", extra="yaml", what=f"reading the rules file {rules}")
        elif Path(rules).suffix.lower() != ".json":
            raise CLIError(f"the rules file must be .yaml, .yml or .json; got {rules}")
    inputs = {
        Path(value).resolve(): f"--{name}" if name != "file" else "the input file"
        for name in ("file", "customers", "events", "rules", "pseudonymize")
        if isinstance(value := getattr(args, name, None), str) and Path(value).is_file()
    }
    for name, what in (("output", "the output"), ("table", "the table")):
        value = getattr(args, name, None)
        if value is not None:
            _check_output(value, what)
            if Path(value).resolve() in inputs:
                raise CLIError(
                    f"{what} {value!r} is {inputs[Path(value).resolve()]}; writing it would "
                    "destroy it: give another file name"
                )


def _check_output(value: str, what: str) -> None:
    suffix = Path(value).suffix.lower()
    check_target(value, what)
    if suffix in {".parquet", ".pq"}:
        import_optional("pyarrow", extra="parquet", what=f"writing {value}")
    elif suffix in {".xlsx", ".xlsm"}:
        import_optional("openpyxl", extra="excel", what=f"writing {value}")


_MAX_HOLDOUT_DAYS = 36_525


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue share, median recency and orders per segment (or R score)."""
    from segkit.evaluate import segment_summary

    by = "segment" if "segment" in customers.columns else "r_score"
    table = segment_summary(customers, by, value="revenue", columns=["recency_days", "orders"])
    table = table[["customers", "share", "revenue_share", "recency_days_median", "orders_median"]]
    table.index.name = by
    return table.sort_values("revenue_share", ascending=False)


def _locale(args: argparse.Namespace, segment_map: Any = None) -> Any:
    """The language and currency of the output; segment names from ``segment_map``."""
    from segkit.report._i18n import Locale

    lang, currency = getattr(args, "lang", "en"), getattr(args, "currency", None)
    return Locale(lang, currency, segment_map=segment_map)


def _format_segments(table: pd.DataFrame, loc: Any = None) -> str:
    shown = table.copy()
    shown["share"] = (100 * shown["share"]).map("{:5.1f}%".format)
    shown["revenue_share"] = (100 * shown["revenue_share"]).map("{:5.1f}%".format)
    shown["recency_days_median"] = shown["recency_days_median"].map(
        lambda v: "" if pd.isna(v) else f"{v:.0f}"
    )
    shown["orders_median"] = shown["orders_median"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    shown.columns = ["customers", "share", "revenue", "recency (d)", "orders"]
    shown.index.name = table.index.name
    if loc is not None and loc.lang != "en":
        shown.columns = [
            loc.t(k)
            for k in (
                "col.customers",
                "share.customers",
                "share.revenue",
                "col.recency",
                "col.orders",
            )
        ]
        name = {"segment": "col.segment"}.get(str(table.index.name))
        shown.index = pd.Index(
            [loc.segment(s) for s in shown.index], name=loc.t(name) if name else table.index.name
        )
    with pd.option_context("display.unicode.east_asian_width", True):
        return shown.to_string()


def _customer_table(tx: Any, args: Any) -> tuple[pd.DataFrame, Any]:
    """The customer table with RFM scores, and the segment map (names for --lang)."""
    from segkit._backend import local
    from segkit.features import summarize
    from segkit.rfm import RFMScorer

    summary = summarize(
        tx,
        customer=args.customer,
        timestamp=args.timestamp,
        amount=args.amount,
        as_of=args.as_of,
        order=args.order,
    )
    summary = local(summary)  # a Dask log: summarised on the cluster, scored here
    segments = None if str(args.segments).lower() == "none" else args.segments
    scorer = RFMScorer(bins=args.bins, segments=segments).fit(summary)
    return summary.join(scorer.transform(summary)), scorer.segment_map_


def _demo(args: argparse.Namespace) -> int:
    from segkit.datasets import load_cdnow
    from segkit.profiling import profile

    out = _demo_folder(args.out)
    tx = load_cdnow()
    as_of = args.as_of or "1998-06-30"
    # The classic CDNOW split: 39 weeks of calibration, 39 weeks of holdout.
    result = profile(
        tx,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of=as_of,
        holdout_days=273,
        progress=None if not args.quiet else False,
    )
    table = result.table
    print(
        f"segkit {__version__} demo: CDNOW sample, {len(tx):,} transactions of "
        f"{len(table):,} customers, as of {as_of}\n"
    )
    loc = _locale(args, getattr(result.models.get("rfm"), "segment_map_", None))
    print(_format_segments(_summary(table, args), loc))
    if "lifecycle_state" in table.columns:
        states = table["lifecycle_state"].value_counts()
        print(
            f"\n{loc.t('col.lifecycle')}: "
            + ", ".join(f"{loc.state(s)} {n:,}" for s, n in states.items() if n)
        )
    if "clv" in table.columns:
        top = table["clv"].sort_values(ascending=False)
        share = top.iloc[: max(1, len(top) // 10)].sum() / top.sum()
        print(
            loc.t(
                "cli.clv",
                horizon=loc.t("months", n=12),
                total=loc.money(float(top.sum())),
                share=f"{share:.0%}",
            )
        )
    report = out / "segkit_demo_report.html"
    _write_text_atomic(result.report(**_report_options(args)), report)
    print(f"\nwrote the report to {report}")
    if args.out:
        _write_atomic(table, str(out / "customers.csv"), args)
        print(f"wrote the customer table to {out / 'customers.csv'}")
    return 0


def _report_options(args: argparse.Namespace) -> dict[str, Any]:
    """The report's keyword arguments from the command line."""
    options: dict[str, Any] = {"lang": args.lang, "currency": args.currency}
    if getattr(args, "by", None):
        options["by"] = args.by
    if getattr(args, "min_group", None) or getattr(args, "drop_pii", False):
        from segkit.privacy import Privacy

        options["privacy"] = Privacy(min_group=args.min_group or 0, drop_pii=args.drop_pii)
    return options


def _private_inputs(
    args: argparse.Namespace, tx: pd.DataFrame, customers: Any, events: Any
) -> tuple[pd.DataFrame, Any, Any]:
    """Inputs with personal data dropped and ids pseudonymised, as the flags ask."""
    from segkit.privacy import mask_pii, pseudonymize, read_key

    if args.drop_pii and customers is not None:
        found = [c for c in mask_pii_columns(customers) if c != args.customer]
        if found:
            customers = mask_pii(customers, action="drop", columns=found)
            print(f"left out {len(found)} personal-data columns of the customers: {found}")
    if args.pseudonymize:
        key = read_key(args.pseudonymize)
        frames: list[Any] = []
        for frame in (tx, customers, events):
            if frame is not None and args.customer in frame.columns:
                frame = frame.copy()
                frame[args.customer] = pseudonymize(frame[args.customer].astype(object), key)
            frames.append(frame)
        tx, customers, events = frames
    return tx, customers, events


def mask_pii_columns(frame: pd.DataFrame) -> list[str]:
    """The columns :func:`segkit.privacy.find_pii` flags."""
    from segkit.privacy import find_pii

    return [str(c) for c in find_pii(frame).index]


def _demo_folder(value: str | None) -> Path:
    """The demo's output folder, created now so that a bad one fails before any work."""
    out = Path(value or ".")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the folder {str(out)!r}: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CLIError(f"cannot write to the folder {str(out)!r}: permission denied")
    return out


def _write_text_atomic(text: str, target: Path) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(target, write, "the report")


def _report(args: argparse.Namespace) -> int:
    from segkit.profiling import profile

    # The profile also reads the category column, when the file has one.
    tx = _transactions(args, also=("category",))
    customers = _read_table(args.customers, "the customers") if args.customers else None
    events = _read_table(args.events, "the events") if args.events else None
    if args.by and (customers is None or args.by not in customers.columns):
        from segkit.errors import ColumnNotFoundError

        columns = [] if customers is None else list(customers.columns)
        raise ColumnNotFoundError([args.by], columns, "customers file (--by reads it there)")
    tx, customers, events = _private_inputs(args, tx, customers, events)
    if args.by and args.by not in customers.columns:
        raise CLIError(
            f"--by {args.by!r}: that column was left out as personal data (--drop-pii); "
            "group by a column that is kept, or leave out --drop-pii"
        )
    result = profile(
        tx,
        customer=args.customer,
        timestamp=args.timestamp,
        amount=args.amount,
        as_of=args.as_of,
        order=args.order,
        customers=customers,
        events=events,
        rules=args.rules or "starter",
        holdout_days=args.holdout_days,
        lifecycle=None if args.no_lifecycle else "default",
        progress=None if not args.quiet else False,
    )
    target = Path(args.output)
    _write_text_atomic(result.report(**_report_options(args)), target)
    print(f"wrote the report on {len(result.table):,} customers to {target}")
    if args.table:
        _write_atomic(result.table, args.table, args)
        print(f"wrote the customer table to {args.table}")
    return 0


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
        )
        print(str(report), file=sys.stderr)
    elif args.quantity is not None:
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
    if column not in tx.columns:
        return tx  # the readers name the missing column
    text = tx[column]
    if pd.api.types.is_datetime64_any_dtype(text.dtype):
        return tx
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    given = text.notna() & (text.astype("string").str.strip() != "").fillna(False)
    bad = given & parsed.isna()
    if bad.any():
        rows = tx.index[bad.to_numpy(dtype=bool)][:5].tolist()
        raise CLIError(
            f"column {column!r} has {int(bad.sum())} value(s) not in --date-format {fmt!r}, "
            f"in rows {rows}: {text[bad].head(5).tolist()}"
        )
    return tx.assign(**{column: parsed})


def _transactions(args: argparse.Namespace, also: tuple[str, ...] = ()) -> Any:
    """The prepared transactions; a Parquet folder or glob (or --dask) as a Dask DataFrame.

    Of a Parquet file, the named columns and those of ``also`` (not with --clean,
    which compares lines on every column).
    """
    from segkit.dask import is_many_files, read_parquet_log

    if not (args.dask or is_many_files(args.file)):
        named = [args.customer, args.timestamp, args.amount, args.quantity, args.price, args.order]
        columns = None if args.clean else ([c for c in named if c is not None], list(also))
        return _prepared(_read_table(args.file, columns=columns), args)
    if args.clean or getattr(args, "pseudonymize", None) or getattr(args, "date_format", None):
        raise CLIError(
            "--clean, --date-format and --pseudonymize read with pandas: not with Dask input"
        )
    return _prepared(read_parquet_log(args.file), args)


def _rfm(args: argparse.Namespace) -> int:
    tx = _transactions(args)
    table, segments = _customer_table(tx, args)
    _write_atomic(table, args.output, args)
    print(_format_segments(_summary(table, args), _locale(args, segments)))
    print(f"\nwrote {len(table):,} customers to {args.output}")
    return 0


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    """The transaction file and its columns, shared by the commands that read one."""
    parser.add_argument("file", help="transactions: CSV, Parquet, or a Parquet folder or glob")
    parser.add_argument(
        "--dask", action="store_true", help="read FILE with Dask (a folder or glob always is)"
    )
    parser.add_argument("--customer", required=True, help="customer id column")
    parser.add_argument("--timestamp", required=True, help="timestamp column")
    parser.add_argument("--amount", default=None, help="amount column (or --quantity and --price)")
    parser.add_argument(
        "--quantity", default=None, help="quantity column (amount = quantity x price)"
    )
    parser.add_argument("--price", default=None, help="unit price column")
    parser.add_argument("--order", default=None, help="order id column (optional)")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="clean the raw export first (segkit.clean_transactions); the report goes to stderr",
    )
    parser.add_argument(
        "--cancel-prefix",
        dest="cancel_prefix",
        default=None,
        help="with --clean: order ids starting with this are cancellations (e.g. C)",
    )
    parser.add_argument(
        "--date-format",
        dest="date_format",
        default=None,
        help="the timestamp column's format when it reads two ways, e.g. '%%m/%%d/%%Y %%H:%%M'",
    )
    parser.add_argument("--as-of", dest="as_of", default=None, help="date of the profile")


def _summary(table: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """The printed segment table, with groups below --min-group merged into 'other'."""
    summary = segment_table(table)
    if getattr(args, "min_group", None):
        from segkit.privacy import suppress_small

        summary = suppress_small(summary, args.min_group, other=_locale(args).t("privacy.other"))
    return summary


def _min_group_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-group",
        dest="min_group",
        type=int,
        default=None,
        metavar="K",
        help="show no group of fewer than K customers in any table or chart",
    )


def _language_arguments(parser: argparse.ArgumentParser) -> None:
    """Language and currency of what the command prints and writes."""
    parser.add_argument(
        "--lang", choices=["en", "zh"], default="en", help="language: en (default) or zh (中文)"
    )
    parser.add_argument(
        "--currency",
        default=None,
        help="currency symbol or ISO code (GBP, EUR, CNY, ...); default $ for en, ¥ for zh",
    )


def _file_arguments(parser: argparse.ArgumentParser) -> None:
    """How tables are written, shared by the commands that write one."""
    parser.add_argument(
        "--bom",
        action="store_true",
        help="write CSV files with a UTF-8 byte-order mark (Excel then shows Chinese text)",
    )
    parser.add_argument(
        "--no-escape-formulas",
        dest="no_escape_formulas",
        action="store_true",
        help="write text cells starting with = + - @ unchanged (by default they get a "
        "leading ' so that a spreadsheet does not run them as formulas)",
    )


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="segkit", description="Customer segmentation from transaction logs.")
    parser.add_argument("--version", action="version", version=f"segkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="run the whole flow on the bundled CDNOW data")
    demo.add_argument("--out", help="folder to write the customer table to")
    demo.add_argument("--as-of", dest="as_of", default=None, help="date of the summary")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    _min_group_argument(demo)
    _file_arguments(demo)
    _language_arguments(demo)
    demo.set_defaults(run=_demo)

    rep = sub.add_parser("report", help="the HTML report for a transaction file")
    _input_arguments(rep)
    rep.add_argument("--customers", default=None, help="customer profiles (CSV or Parquet)")
    rep.add_argument("--events", default=None, help="behaviour events (CSV or Parquet)")
    rep.add_argument("--rules", default=None, help="tag rules (.yaml or .json)")
    rep.add_argument(
        "--holdout-days",
        dest="holdout_days",
        type=int,
        default=None,
        help="check the CLV model on the last N days",
    )
    rep.add_argument(
        "--no-lifecycle",
        dest="no_lifecycle",
        action="store_true",
        help="skip the lifecycle replay",
    )
    rep.add_argument(
        "--table", default=None, help="also write the customer table here (.csv, .xlsx, .parquet)"
    )
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    rep.add_argument("-o", "--output", required=True, help="the report (.html)")
    rep.add_argument(
        "--by",
        default=None,
        metavar="COLUMN",
        help="also break segments and revenue down by this column of --customers (e.g. country)",
    )
    rep.add_argument(
        "--pseudonymize",
        metavar="KEYFILE",
        default=None,
        help="replace customer ids by keyed pseudonyms (HMAC-SHA256 with the key in KEYFILE, "
        "at least 16 bytes; the key is never written anywhere)",
    )
    _min_group_argument(rep)
    rep.add_argument(
        "--drop-pii",
        dest="drop_pii",
        action="store_true",
        help="leave out names, e-mails, phones, addresses and ID numbers of --customers",
    )
    _file_arguments(rep)
    _language_arguments(rep)
    rep.set_defaults(run=_report)

    rfm = sub.add_parser("rfm", help="RFM scores and segments for a transaction file")
    _input_arguments(rfm)
    rfm.add_argument("--bins", type=int, default=5, help="score levels (default 5)")
    rfm.add_argument(
        "--segments", default="rfm11", help="segment map name (default rfm11), or 'none'"
    )
    rfm.add_argument("-o", "--output", required=True, help="output file (.csv, .xlsx or .parquet)")
    _min_group_argument(rfm)
    _file_arguments(rfm)
    _language_arguments(rfm)
    rfm.set_defaults(run=_rfm)
    return parser


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"segkit: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``segkit`` command; return the exit status.

    Warnings are printed as one line each (``segkit: warning: ...``); a
    :class:`~segkit.errors.SegkitError` prints ``segkit: error: ...`` and
    returns 2 (``--debug`` re-raises it with the traceback).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            _check_inputs(args)
            return int(args.run(args))
        except BrokenPipeError:
            # The reader went away (``segkit demo | head``): stop quietly, as
            # the Python documentation recommends for command-line tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except (SegkitError, OSError) as exc:
            if args.debug:
                raise
            message = " ".join(str(exc).split()) if isinstance(exc, SegkitError) else str(exc)
            print(f"segkit: error: {message}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
