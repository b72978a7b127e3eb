"""``segkit demo``: the whole flow on the bundled CDNOW data."""

from __future__ import annotations

import argparse

from segkit import __version__
from segkit.cli._messages import say
from segkit.cli._output import (
    _demo_folder,
    _format_segments,
    _locale,
    _summary,
    _write_atomic,
    _write_text_atomic,
)
from segkit.cli._report import _report_options


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
    header = say(
        args,
        "demo.header",
        version=__version__,
        transactions=len(tx),
        customers=len(table),
        as_of=as_of,
    )
    print(header + "\n")
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
    print("\n" + say(args, "wrote.report", path=report))
    if args.out:
        _write_atomic(table, str(out / "customers.csv"), args)
        print(say(args, "wrote.table", path=out / "customers.csv"))
    return 0
