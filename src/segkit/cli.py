"""The ``segkit`` command.

``segkit demo`` runs the whole flow on the bundled CDNOW data;
``segkit rfm FILE`` scores a user's own transaction file (CSV or Parquet).
Errors on bad input print one line and exit with status 2; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from segkit import __version__
from segkit.errors import SegkitError

__all__ = ["main"]


class CLIError(SegkitError):
    """A bad command-line invocation."""


def _read_table(path: str) -> pd.DataFrame:
    file = Path(path)
    if not file.exists():
        raise CLIError(f"no such file: {path}")
    suffix = file.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(file)
        if suffix in {".csv", ".txt", ".tsv"}:
            return pd.read_csv(file, sep=None, engine="python", encoding="utf-8-sig")
    except (ValueError, OSError, ImportError) as exc:
        raise CLIError(f"could not read {path}: {exc}") from exc
    raise CLIError(f"cannot read {path}: use a .csv or .parquet file")


def _write_atomic(frame: pd.DataFrame, path: str) -> None:
    """Write a CSV next to ``path`` and move it into place only when complete."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise CLIError(f"the folder {target.parent} does not exist")
    handle, tmp = tempfile.mkstemp(dir=target.parent or ".", suffix=".tmp")
    os.close(handle)
    try:
        if target.suffix.lower() in {".parquet", ".pq"}:
            frame.to_parquet(tmp)
        else:
            frame.to_csv(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue share, median recency and orders per segment (or R score)."""
    from segkit.evaluate import segment_summary

    by = "segment" if "segment" in customers.columns else "r_score"
    table = segment_summary(customers, by, value="revenue", columns=["recency_days", "orders"])
    table = table[["customers", "share", "revenue_share", "recency_days_median", "orders_median"]]
    table.index.name = by
    return table.sort_values("revenue_share", ascending=False)


def _format_segments(table: pd.DataFrame) -> str:
    shown = table.copy()
    shown["share"] = (100 * shown["share"]).map("{:5.1f}%".format)
    shown["revenue_share"] = (100 * shown["revenue_share"]).map("{:5.1f}%".format)
    shown["recency_days_median"] = shown["recency_days_median"].map(
        lambda v: "" if pd.isna(v) else f"{v:.0f}"
    )
    shown["orders_median"] = shown["orders_median"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    shown.columns = ["customers", "share", "revenue", "recency (d)", "orders"]
    shown.index.name = table.index.name
    return shown.to_string()


def _customer_table(tx: pd.DataFrame, args: Any) -> pd.DataFrame:
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
    segments = None if str(args.segments).lower() == "none" else args.segments
    scores = RFMScorer(bins=args.bins, segments=segments).fit(summary).transform(summary)
    return summary.join(scores)


def _demo(args: argparse.Namespace) -> int:
    from segkit.datasets import load_cdnow
    from segkit.profiling import profile

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
    print(_format_segments(segment_table(table)))
    if "lifecycle_state" in table.columns:
        states = table["lifecycle_state"].value_counts()
        print("\nlifecycle: " + ", ".join(f"{s} {n:,}" for s, n in states.items() if n))
    if "clv" in table.columns:
        top = table["clv"].sort_values(ascending=False)
        share = top.iloc[: max(1, len(top) // 10)].sum() / top.sum()
        print(
            f"CLV, next 12 months: {top.sum():,.0f} in all; the top 10% of customers hold "
            f"{share:.0%}"
        )
    out = Path(args.out or ".")
    out.mkdir(parents=True, exist_ok=True)
    report = out / "segkit_demo_report.html"
    _write_text_atomic(result.report(), report)
    print(f"\nwrote the report to {report}")
    if args.out:
        _write_atomic(table, str(out / "customers.csv"))
        print(f"wrote the customer table to {out / 'customers.csv'}")
    return 0


def _write_text_atomic(text: str, target: Path) -> None:
    tmp = target.with_name(target.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def _report(args: argparse.Namespace) -> int:
    from segkit.profiling import profile

    tx = _read_table(args.file)
    customers = _read_table(args.customers) if args.customers else None
    events = _read_table(args.events) if args.events else None
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
    if not target.parent.exists():
        raise CLIError(f"the folder {target.parent} does not exist")
    _write_text_atomic(result.report(), target)
    print(f"wrote the report on {len(result.table):,} customers to {target}")
    if args.table:
        _write_atomic(result.table, args.table)
        print(f"wrote the customer table to {args.table}")
    return 0


def _rfm(args: argparse.Namespace) -> int:
    tx = _read_table(args.file)
    table = _customer_table(tx, args)
    _write_atomic(table, args.output)
    print(_format_segments(segment_table(table)))
    print(f"\nwrote {len(table):,} customers to {args.output}")
    return 0


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    """The transaction file and its columns, shared by the commands that read one."""
    parser.add_argument("file", help="transactions as CSV or Parquet")
    parser.add_argument("--customer", required=True, help="customer id column")
    parser.add_argument("--timestamp", required=True, help="timestamp column")
    parser.add_argument("--amount", required=True, help="amount column")
    parser.add_argument("--order", default=None, help="order id column (optional)")
    parser.add_argument("--as-of", dest="as_of", default=None, help="date of the profile")


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
    rep.add_argument("--table", default=None, help="also write the customer table here")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    rep.add_argument("-o", "--output", required=True, help="the report (.html)")
    rep.set_defaults(run=_report)

    rfm = sub.add_parser("rfm", help="RFM scores and segments for a transaction file")
    _input_arguments(rfm)
    rfm.add_argument("--bins", type=int, default=5, help="score levels (default 5)")
    rfm.add_argument(
        "--segments", default="rfm11", help="segment map name (default rfm11), or 'none'"
    )
    rfm.add_argument("-o", "--output", required=True, help="output file (.csv or .parquet)")
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
            return int(args.run(args))
        except BrokenPipeError:
            # The reader went away (``segkit demo | head``): stop quietly, as
            # the Python documentation recommends for command-line tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except SegkitError as exc:
            if args.debug:
                raise
            print(f"segkit: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
