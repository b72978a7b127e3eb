"""The report's loyalty section: tiers over time, last period's moves, cohorts, points owed.

It reads what :func:`segkit.profile` stored when given ``loyalty=``
(``results["tier_flows"]``, ``results["tiers"]``, ``results["cohorts"]``,
``results["points_liability"]``) and returns ``""`` without them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit.report import _svg

if TYPE_CHECKING:
    from segkit.report._sections import Context

__all__ = ["loyalty"]

#: Cohorts and periods shown in the heat map (the latest cohorts, the first periods).
SHOWN_COHORTS, SHOWN_PERIODS = 24, 12


def _tiers(ctx: Context, results: dict[str, Any]) -> list[str]:
    loc = ctx.loc
    flows, panel = results.get("tier_flows"), results.get("tiers")
    counts = getattr(flows, "counts", None)
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        return []
    parts = [
        _svg.area_chart(
            [loc.period(i) for i in counts.index],
            {loc.tier(c): [float(v) for v in counts[c]] for c in counts.columns},
            title=loc.t("loyalty.tiers"),
            loc=loc,
        )
    ]
    if isinstance(panel, pd.DataFrame) and "upgrade" in panel.columns and len(panel):
        last = panel[panel["period"] == panel["period"].max()]
        up, down = int(last["upgrade"].sum()), int(last["downgrade"].sum())
        shown = [f"&lt; {ctx.min_group}" if ctx.small(n) else f"{n:,}" for n in (up, down)]
        parts.append(
            f"<p>{escape(loc.t('loyalty.moves', when=loc.period(last['period'].iloc[0])))}: "
            f"{escape(loc.t('loyalty.up'))} <b>{shown[0]}</b>, "
            f"{escape(loc.t('loyalty.down'))} <b>{shown[1]}</b></p>"
        )
    return parts


def _cohorts(ctx: Context, results: dict[str, Any]) -> list[str]:
    loc = ctx.loc
    table = results.get("cohorts")
    share = getattr(table, "customer_share", None)
    sizes = getattr(table, "customers", None)
    if not isinstance(share, pd.DataFrame) or share.empty or sizes is None:
        return []
    share = share.iloc[-SHOWN_COHORTS:, :SHOWN_PERIODS]
    matrix = share.to_numpy(dtype=float)
    if ctx.min_group:
        small = sizes.iloc[-SHOWN_COHORTS:, :1].to_numpy(dtype=float) < ctx.min_group
        matrix = np.where(small, np.nan, matrix)
    return [
        _svg.heatmap(
            matrix,
            [loc.period(i) for i in share.index],
            [str(c) for c in share.columns],
            title=loc.t("loyalty.cohorts"),
            row_title=loc.t("loyalty.cohort"),
            col_title=loc.t("loyalty.since"),
            percent=True,
            loc=loc,
        )
    ]


def _points(ctx: Context, results: dict[str, Any]) -> list[str]:
    loc = ctx.loc
    owed = results.get("points_liability")
    if owed is None:
        return []
    rows = [
        (loc.t("loyalty.holders"), loc.count(float(owed["customers_with_points"]))),
        (loc.t("loyalty.points"), loc.number(float(owed["points_outstanding"]))),
        (loc.t("loyalty.value"), loc.money(float(owed["value"]))),
        (loc.t("loyalty.expiring"), loc.money(float(owed["value_expiring_30d"]))),
    ]
    body = "".join(f"<tr><td>{escape(k)}</td><td class='n'>{v}</td></tr>" for k, v in rows)
    return [f"<table>{body}</table>"]


def loyalty(ctx: Context) -> str:
    """Tier counts over time, upgrades and downgrades, the cohort heat map, points owed."""
    from segkit.report._sections import _grid, _section

    results = getattr(ctx.profile, "results", None) or {}
    parts = _tiers(ctx, results) + _points(ctx, results) + _cohorts(ctx, results)
    if not parts:
        return ""
    loc = ctx.loc
    return _section("loyalty", loc.t("h.loyalty"), escape(loc.t("loyalty.lead")), _grid(*parts))
