"""``segkit report``: the HTML report (and customer table) for a transaction file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.cli._output import _write_atomic, _write_text_atomic
from segkit.cli._read import _read_table, _transactions
from segkit.errors import CLIError


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
