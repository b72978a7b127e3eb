"""``--format``: read a shop's export with its reader, which knows its columns.

``segkit rfm orders.csv --format tmall`` reads the file with
:func:`segkit.io.read_tmall_orders` (its columns, its encoding, and the order
states that are not purchases), ``--format shopify`` with
:func:`segkit.io.read_shopify_orders`, ``--format online-retail`` with
:func:`segkit.io.read_online_retail`; the columns need no naming. What the
reader left out, by reason (``attrs["left_out"]``), is printed on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from segkit.cli._messages import read_export
from segkit.errors import CLIError

#: --format: (the reader's name, what it reads, what one row is)
FORMATS = {
    "tmall": ("read_tmall_orders", "Tmall/Taobao order export", "orders"),
    "shopify": ("read_shopify_orders", "Shopify orders export", "orders"),
    "online-retail": ("read_online_retail", "Online Retail export", "lines"),
}
#: --format: the export's own customer column, as a --customers or --events file names it
CUSTOMER_COLUMNS = {
    "tmall": ("买家会员名",),
    "shopify": ("Email",),
    "online-retail": ("Customer ID", "CustomerID"),
}
#: --format: the export's own names of the reader's other columns (--by may use either)
EXPORT_COLUMNS = {
    "online-retail": {"Country": "country"},
}
_COLUMN_OPTIONS = ("customer", "timestamp", "amount", "quantity", "price", "order")


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--format`` option of the commands that read a transaction file."""
    parser.add_argument(
        "--format",
        dest="format",
        choices=tuple(FORMATS),
        default=None,
        help="read FILE as this shop's export with segkit.io's reader, which names the "
        "columns (no --customer, --timestamp, ...) and leaves out orders that are no "
        "purchases (e.g. Tmall's closed and refunded ones)",
    )


def check_columns_or_format(args: argparse.Namespace) -> None:
    """The columns are named, or ``--format`` names them: not both, not neither."""
    if not hasattr(args, "customer"):
        return  # a command without a transaction file
    named = [f"--{name}" for name in _COLUMN_OPTIONS if getattr(args, name) is not None]
    if args.format is not None:
        if named:
            raise CLIError(
                f"--format {args.format} names the columns itself; leave out {', '.join(named)}"
            )
        if args.dask:
            raise CLIError("--format reads one file with pandas: not with --dask")
        return
    missing = [f"--{name}" for name in ("customer", "timestamp") if getattr(args, name) is None]
    if missing:
        raise CLIError(
            f"name the columns ({' and '.join(missing)}), or read a shop's export with "
            f"--format ({', '.join(FORMATS)})"
        )


def read_format(args: argparse.Namespace) -> pd.DataFrame:
    """The file read by the reader of ``--format``; names its columns in ``args``.

    Prints what was read and what the reader left out, by reason, on stderr.
    """
    import segkit.io

    name, what, rows = FORMATS[args.format]
    reader: Callable[..., pd.DataFrame] = getattr(segkit.io, name)
    tx = reader(
        args.file, date_format=args.date_format, encoding=args.encoding, decimal=args.decimal
    )
    args.customer, args.timestamp, args.order = "customer_id", "timestamp", "order_id"
    if args.format == "online-retail":
        args.quantity, args.price = "quantity", "price"
        if args.cancel_prefix is None:
            args.cancel_prefix = "C"  # the shape's cancellations: C536379
    else:
        args.amount = "amount"
    left = {why: n for why, n in tx.attrs.get("left_out", {}).items() if n}
    print(read_export(args, len(tx), rows, what, left), file=sys.stderr)
    if tx.empty:
        raise CLIError(f"the {what} {args.file} has no {rows} left to score")
    return tx


def keyed_like_the_reader(
    frame: pd.DataFrame | None, args: argparse.Namespace
) -> pd.DataFrame | None:
    """A --customers or --events file keyed by ``customer_id`` as the --format reader keys.

    The file may name the customer as the export does (Tmall's 买家会员名,
    Shopify's ``Email``, ``Customer ID``): that column becomes ``customer_id``,
    with the ids written as the reader writes them (buyer names as text,
    e-mails trimmed and lower-cased, integer-valued ids as integers).
    """
    if args.format is None or frame is None or "customer_id" in frame.columns:
        return frame
    hit = next((c for c in CUSTOMER_COLUMNS[args.format] if c in frame.columns), None)
    if hit is None:
        return frame  # the profile names the missing customer_id column
    ids = frame[hit]
    if args.format == "shopify":
        ids = ids.astype("string").str.strip().str.lower()
    elif args.format == "tmall":
        ids = ids.where(ids.isna(), ids.astype(str).str.strip())
    else:
        from segkit.transactions import ids_as_read

        ids = pd.Series(ids_as_read(pd.Index(ids)), index=frame.index)
    return frame.rename(columns={hit: "customer_id"}).assign(customer_id=ids.to_numpy())
