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

__all__ = ["last_review_moves", "loyalty"]

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
        moves = last_review_moves(panel, _review(ctx))
        if moves is not None:
            start, end, up, down = moves
            shown = [f"&lt; {ctx.min_group}" if ctx.small(n) else f"{n:,}" for n in (up, down)]
            when = loc.t("loyalty.moves", start=loc.date(start), end=loc.date(end))
            colon, comma = ("：", "，") if loc.lang == "zh" else (": ", ", ")
            parts.append(
                f"<p>{escape(when)}{colon}"
                f"{escape(loc.t('loyalty.up'))} <b>{shown[0]}</b>{comma}"
                f"{escape(loc.t('loyalty.down'))} <b>{shown[1]}</b></p>"
            )
    return parts


def _review(ctx: Context) -> str:
    """The review cadence of the profile's tier programme ("monthly" when unknown)."""
    from segkit.loyalty import TierProgram

    options = getattr(ctx.profile, "options", None)
    given = getattr(options, "loyalty", None)
    programs = list(given) if isinstance(given, list | tuple) else [given]
    found = [p for p in programs if isinstance(p, TierProgram)]
    return str(found[0].review) if found else "monthly"


def last_review_moves(
    panel: pd.DataFrame, review: str
) -> tuple[pd.Timestamp, pd.Timestamp, int, int] | None:
    """Upgrades and downgrades in the last complete review period.

    The period runs from the second-last review date (exclusive) to the last
    (inclusive); review dates are the panel's month starts (``"monthly"`` and
    ``"anniversary"``: each customer's anniversary review falls on a month
    start of the replay) or quarter starts (``"quarterly"``). The stretch from
    the last review to ``as_of`` is not a whole period and is left out. With a
    single review date, the period runs from the first point of the panel.

    Returns
    -------
    tuple or None
        ``(start, end, upgrades, downgrades)``; None without a review date.
    """
    months = 3 if review == "quarterly" else 1
    periods = pd.DatetimeIndex(pd.unique(panel["period"])).sort_values()
    reviews = [
        p for p in periods if p == p.normalize() and p.day == 1 and (p.month - 1) % months == 0
    ]
    if not reviews:
        return None
    end = reviews[-1]
    start = reviews[-2] if len(reviews) > 1 else periods[0]
    within = (panel["period"] > start) & (panel["period"] <= end)
    if len(reviews) == 1:
        within |= panel["period"] == start
    rows = panel[within]
    return start, end, int(rows["upgrade"].sum()), int(rows["downgrade"].sum())


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
