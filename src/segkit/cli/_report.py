"""``segkit report``: the HTML report (and customer table) for a transaction file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.cli._formats import CUSTOMER_COLUMNS, EXPORT_COLUMNS, keyed_like_the_reader
from segkit.cli._messages import say
from segkit.cli._output import _write_atomic, _write_text_atomic
from segkit.cli._read import _dates_in_format, _read_table, _transactions
from segkit.errors import CLIError


def _report(args: argparse.Namespace) -> int:
    from segkit.profiling import profile

    # The profile also reads the category column (and --by), when the file has them.
    tx = _transactions(args, also=("category", *([args.by] if args.by else [])))
    ids = (args.customer, *CUSTOMER_COLUMNS.get(args.format, ()))  # ids as text first
    read = {"ids": ids, "encoding": args.encoding}
    customers = _read_table(args.customers, "the customers", **read) if args.customers else None
    events = _read_table(args.events, "the events", **read) if args.events else None
    customers = keyed_like_the_reader(customers, args)
    events = keyed_like_the_reader(events, args)
    if events is not None and args.date_format:  # the events' timestamp column has the same name
        events = _dates_in_format(events, args.timestamp, args.date_format)
    if args.by:
        if customers is None:
            customers = _by_from_transactions(tx, args)
        if args.by not in customers.columns:
            from segkit.errors import ColumnNotFoundError

            raise ColumnNotFoundError(
                [args.by], customers.columns, "customers file (--by reads it there)"
            )
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
    print(say(args, "wrote.report_on", n=len(result.table), path=target))
    if args.table:
        _write_atomic(result.table, args.table, args)
        print(say(args, "wrote.table", path=args.table))
    return 0


def _by_from_transactions(tx: Any, args: argparse.Namespace) -> pd.DataFrame:
    """The --by column of the transactions as a customer table (no --customers given).

    The report breaks customers down by one value each: a column of the
    transactions (a country, a channel) gives each customer the value on most
    of their lines (ties: the one on the later line, in time where the timestamps
    are read), and a line on stderr says
    how many customers had several. With --format, the export's name of a
    column the reader renamed (``Country``) names it too.
    """
    own = EXPORT_COLUMNS.get(args.format, {}).get(args.by)
    if args.by not in tx.columns and own in tx.columns:
        args.by = own
    by, customer = args.by, args.customer
    if by not in tx.columns:
        raise CLIError(
            f"--by {by!r}: no column {by!r} in the transactions, and --by reads a column of "
            "the --customers file, which was not given; pass --customers FILE with that column"
        )
    if not isinstance(tx, pd.DataFrame):
        raise CLIError(
            f"--by {by!r} with Dask input reads a column of the --customers file, which was "
            "not given; pass --customers FILE with that column"
        )
    known = tx[[customer, by]].notna().all(axis=1).to_numpy()
    values = tx.loc[known, [customer, by]]
    # "later" is later in time where the timestamps are read (Shopify lists the newest
    # order first), else later in the file
    when = tx[args.timestamp] if args.timestamp in tx.columns else None
    if when is not None and pd.api.types.is_datetime64_any_dtype(when.dtype):
        rank = pd.Series(when.to_numpy()[known]).rank(method="first").to_numpy()
    else:
        rank = np.arange(len(values), dtype=np.float64)
    values = values.assign(_line=rank)
    pairs = values.groupby([customer, by], sort=False).agg(
        lines=("_line", "size"), last=("_line", "max")
    )
    pairs = pairs.reset_index().sort_values([customer, "lines", "last"], kind="stable")
    table: pd.DataFrame = pairs.groupby(customer, sort=False).tail(1)[[customer, by]]
    several = pairs[customer].value_counts()
    several = several[several > 1]
    if len(several):
        shown = ", ".join(repr(c) for c in several.index[:3])
        print(say(args, "by.several", by=by, n=len(several), shown=shown), file=sys.stderr)
    return table.reset_index(drop=True)


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
            print(say(args, "pii.left_out", n=len(found), columns=found))
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
