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
    _write_atomic(table, args.output, args)
    print(_format_segments(_summary(table, args), _locale(args, segments)))
    print("\n" + say(args, "wrote.customers", n=len(table), path=args.output))
    return 0


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
