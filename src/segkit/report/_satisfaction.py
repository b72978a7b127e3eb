"""The report's satisfaction section: NPS/CSAT by segment, themes, complaints, churn drivers.

It reads what :func:`segkit.profile` stored when given ``feedback=`` and
``complaints=`` (``results["satisfaction"]``, ``results["feedback_themes"]``,
``results["complaints_themes"]``, ``results["churn_drivers"]`` and the
``complaints_open`` column) and returns ``""`` without them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from segkit.report._sections import Context

__all__ = ["satisfaction"]

#: Customers in this top share by value count as valuable.
VALUABLE_SHARE = 0.2


def _interval(value: float, low: float, high: float, fmt: str) -> str:
    if not np.isfinite(value):
        return "–"
    if not (np.isfinite(low) and np.isfinite(high)):
        return format(value, fmt)
    span = f"({format(low, fmt)} … {format(high, fmt)})"
    return f"{format(value, fmt)} <span class='muted'>{span}</span>"


def _scores(ctx: Context) -> str:
    loc = ctx.loc
    frame = ctx.profile.results.get("satisfaction")
    if frame is None or len(frame) == 0:
        return ""
    sizes = ctx.table["segment"].value_counts() if "segment" in ctx.table else pd.Series(dtype=int)
    rows = []
    for group, part in frame.groupby("group", sort=False):
        if ctx.small(int(sizes.get(group, 0))):
            continue
        by_kind = part.set_index("kind")
        cells = []
        for kind, fmt, scale in (("nps", "+.0f", 1.0), ("csat", ".0%", 1.0)):
            if kind in by_kind.index:
                r = by_kind.loc[kind]
                text = _interval(r["score"] * scale, r["low"] * scale, r["high"] * scale, fmt)
                cells.append(f"<td class='n'>{text}</td><td class='n'>{int(r['n']):,}</td>")
            else:
                cells.append("<td class='n'>–</td><td class='n'>0</td>")
        rows.append(f"<tr><td>{escape(loc.segment(group))}</td>{''.join(cells)}</tr>")
    if not rows:
        return ""
    head = "".join(
        f"<th>{escape(loc.t(k))}</th>"
        for k in ("col.segment", "sat.nps", "sat.answers", "sat.csat", "sat.answers")
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _themes(ctx: Context) -> str:
    loc = ctx.loc
    parts = []
    for key, label in (
        ("complaints_themes", "sat.complaint_themes"),
        ("feedback_themes", "sat.feedback_themes"),
    ):
        frame = ctx.profile.results.get(key)
        if frame is None or len(frame) == 0:
            continue
        top = frame[frame["mentions"] > 0].head(6)
        rows = "".join(
            f"<tr><td>{escape(str(r.theme))}</td><td class='n'>{int(r.mentions):,}</td>"
            f"<td class='n'>{loc.number(float(r.share), percent=True)}</td></tr>"
            for r in top.itertuples()
        )
        head = "".join(
            f"<th>{escape(loc.t(k))}</th>" for k in ("sat.theme", "sat.mentions", "sat.share")
        )
        parts.append(f"<h3>{escape(loc.t(label))}</h3><table><tr>{head}</tr>{rows}</table>")
    return "".join(parts)


def _valuable(ctx: Context) -> tuple[str, str]:
    """The lead sentence on open complaints among valuable customers, and a short list."""
    t, loc = ctx.table, ctx.loc
    if "complaints_open" not in t.columns:
        return "", ""
    key = "clv" if "clv" in t.columns else "revenue"
    value = t[key].astype(float)
    valuable = value >= value.quantile(1 - VALUABLE_SHARE)
    waiting = t["complaints_open"].fillna(0) > 0
    both = t[valuable & waiting]
    lead = loc.t(
        "sat.open",
        open=loc.count(int(waiting.sum())),
        valuable=loc.count(len(both)),
        share=loc.number(VALUABLE_SHARE, percent=True),
        key=loc.t("col." + key),
    )
    if not ctx.show_ids or len(both) == 0:
        return lead, ""
    top = both.sort_values(key, ascending=False).head(10)
    days = (
        top["open_complaint_days"]
        if "open_complaint_days" in top
        else pd.Series(np.nan, index=top.index)
    )
    rows = "".join(
        f"<tr><td>{escape(str(i))}</td><td class='n'>{loc.money(float(top.loc[i, key]))}</td>"
        f"<td class='n'>{int(top.loc[i, 'complaints_open'])}</td>"
        f"<td class='n'>{loc.number(float(days.loc[i]))}</td></tr>"
        for i in top.index
    )
    head = "".join(
        f"<th>{escape(loc.t(k))}</th>"
        for k in ("col.customer", "col." + key, "sat.open_col", "sat.days_open")
    )
    return lead, f"<h3>{escape(loc.t('sat.valuable'))}</h3><table><tr>{head}</tr>{rows}</table>"


def _drivers(ctx: Context) -> str:
    loc = ctx.loc
    frame = ctx.profile.results.get("churn_drivers")
    if frame is None or len(frame) == 0:
        return ""
    top = frame[(frame["lift"] > 1) & ~frame["customers"].map(ctx.small)].head(5)
    if len(top) == 0:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(str(r.when))}</code></td><td class='n'>{int(r.customers):,}</td>"
        f"<td class='n'>{loc.number(float(r.churn_rate), percent=True)}</td>"
        f"<td class='n'>{float(r.lift):.1f}×</td></tr>"
        for r in top.itertuples()
    )
    head = "".join(
        f"<th>{escape(loc.t(k))}</th>"
        for k in ("sat.rule", "col.customers", "sat.churn_rate", "sat.lift")
    )
    lead = loc.t(
        "sat.drivers_lead",
        rate=loc.number(float(frame.attrs.get("churn_rate", np.nan)), percent=True),
    )
    return (
        f"<h3>{escape(loc.t('sat.drivers'))}</h3><p>{escape(lead)}</p>"
        f"<table><tr>{head}</tr>{rows}</table>"
    )


def satisfaction(ctx: Context) -> str:
    """NPS and CSAT by segment with intervals, themes, open complaints, churn drivers."""
    from segkit.report._sections import _grid, _section

    scores = _scores(ctx)
    lead, valuable = _valuable(ctx)
    themes, drivers = _themes(ctx), _drivers(ctx)
    if not (scores or lead or themes or drivers):
        return ""
    intro = escape(ctx.loc.t("sat.lead"))
    if lead:
        intro += " " + escape(lead)
    return _section(
        "satisfaction",
        ctx.loc.t("h.satisfaction"),
        intro,
        scores + _grid(themes, valuable) + drivers,
    )
