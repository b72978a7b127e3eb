"""The command line: the ``segkit`` parser, its commands and their options."""

from __future__ import annotations

import argparse
from typing import NoReturn

from segkit import __version__
from segkit.cli._demo import _demo
from segkit.cli._formats import add_format_argument
from segkit.cli._report import _report
from segkit.cli._rfm import _rfm


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
        help="also break segments and revenue down by this column of --customers (e.g. "
        "country); without --customers, a column of the transactions with one value per customer",
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


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    """The transaction file and its columns, shared by the commands that read one."""
    parser.add_argument("file", help="transactions: CSV, Parquet, or a Parquet folder or glob")
    parser.add_argument(
        "--dask", action="store_true", help="read FILE with Dask (a folder or glob always is)"
    )
    add_format_argument(parser)
    parser.add_argument("--customer", default=None, help="customer id column (or --format)")
    parser.add_argument("--timestamp", default=None, help="timestamp column (or --format)")
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
        help="the timestamp column's format when it reads two ways, e.g. '%%m/%%d/%%Y %%H:%%M': "
        "read with it in FILE (any --format, CSV, Excel or Parquet text) and in --events",
    )
    parser.add_argument(
        "--decimal",
        choices=[".", ","],
        default=None,
        metavar="{.|,}",
        help="the decimal separator of amounts, quantities and prices written as text, when "
        "a column cannot say it: ',' reads 1.500 as 1500 and 2,50 as 2.5, '.' reads 1.500 "
        "as 1.5; by default each column's values decide (1.500 with nothing to settle it "
        "is refused)",
    )
    parser.add_argument(
        "--encoding",
        default=None,
        help="the text encoding of CSV input (e.g. cp1252); by default detected: UTF-8 "
        "with or without BOM, UTF-16, GBK/GB18030",
    )
    parser.add_argument("--as-of", dest="as_of", default=None, help="date of the profile")


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
