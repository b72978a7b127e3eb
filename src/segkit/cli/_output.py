"""What the command prints and writes: the segment table, the language, the files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pandas as pd

from segkit._writers import write_atomic, write_table
from segkit.errors import CLIError


def _locale(args: argparse.Namespace, segment_map: Any = None) -> Any:
    """The language and currency of the output; segment names from ``segment_map``."""
    from segkit.report._i18n import Locale

    lang, currency = getattr(args, "lang", "en"), getattr(args, "currency", None)
    return Locale(lang, currency, segment_map=segment_map)


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue share, median recency and orders per segment (or R score)."""
    from segkit.evaluate import segment_summary

    by = "segment" if "segment" in customers.columns else "r_score"
    table = segment_summary(customers, by, value="revenue", columns=["recency_days", "orders"])
    table = table[["customers", "share", "revenue_share", "recency_days_median", "orders_median"]]
    table.index.name = by
    return table.sort_values("revenue_share", ascending=False)


def _summary(table: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """The printed segment table, with groups below --min-group merged into 'other'."""
    summary = segment_table(table)
    if getattr(args, "min_group", None):
        from segkit.privacy import suppress_small

        summary = suppress_small(summary, args.min_group, other=_locale(args).t("privacy.other"))
    return summary


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


def _write_text_atomic(text: str, target: Path) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(target, write, "the report")


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
