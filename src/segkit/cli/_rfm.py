"""``segkit rfm``: RFM scores and segments for a transaction file."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from segkit.cli._messages import say
from segkit.cli._output import _format_segments, _locale, _summary, _write_atomic
from segkit.cli._read import _transactions


def _rfm(args: argparse.Namespace) -> int:
    tx = _transactions(args)
    table, segments = _customer_table(tx, args)
    loc = _locale(args, segments)
    _write_atomic(_named(table, loc), args.output, args)
    print(_format_segments(_summary(table, args), loc))
    print("\n" + say(args, "wrote.customers", n=len(table), path=args.output))
    return 0


def _named(table: pd.DataFrame, loc: Any) -> pd.DataFrame:
    """The table to write: beside the segment key, its name in ``--lang`` (not English)."""
    if loc.lang == "en" or "segment" not in table.columns:
        return table
    at = list(table.columns).index("segment") + 1
    names = table["segment"].map(loc.segment, na_action="ignore")
    return pd.concat(
        [table.iloc[:, :at], names.rename("segment_name"), table.iloc[:, at:]], axis=1
    )


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
