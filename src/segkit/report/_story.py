"""Report sections that tell the story over time and let people take the lists away.

* :func:`monthly` — revenue, new and active customers per month;
* :func:`movements` — segments last period → now;
* :func:`breakdown` — segment mix and revenue per value of a chosen column;
* :func:`downloads` — the customer list of each segment as an embedded CSV
  link, bounded in size, with a note when a list is cut.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from segkit.profiling import HEADLINE_COLUMNS
from segkit.report import _svg
from segkit.report._sections import Context, _grid, _section

__all__ = ["breakdown", "downloads", "monthly", "movements"]

#: Rows and bytes per embedded CSV: the page stays a file you can e-mail.
MAX_ROWS = 5_000
MAX_BYTES = 1_000_000


def monthly(ctx: Context) -> str:
    """Revenue, new and active customers per month (the profile's ``monthly`` result)."""
    loc = ctx.loc
    table = ctx.profile.results.get("monthly")
    if not isinstance(table, pd.DataFrame) or table.empty:
        return ""
    # A last month that as_of cuts short is marked as such on the axis and in the
    # lead, which tells the last whole month and then the part of this one so far.
    as_of = pd.Timestamp(ctx.profile.as_of)
    partial = not as_of.is_month_end and pd.Timestamp(table.index[-1]) == as_of.to_period(
        "M"
    ).start_time.tz_localize(pd.Timestamp(table.index[-1]).tz)
    periods = [loc.period(i) for i in table.index]
    if partial:
        mon = f"{as_of.month}月" if loc.lang == "zh" else f"{as_of:%b}"
        periods[-1] = loc.t("monthly.tick", day=as_of.day, mon=mon)
    revenue = _svg.line_chart(
        periods,
        {loc.t("col.revenue"): table["revenue"].astype(float).tolist()},
        title=loc.t("monthly.revenue"),
        loc=loc,
        money=True,
    )
    counts = _svg.line_chart(
        periods,
        {
            loc.t("monthly.active"): table["active"].astype(float).tolist(),
            loc.t("monthly.new"): table["new"].astype(float).tolist(),
        },
        title=loc.t("monthly.customers"),
        loc=loc,
    )
    whole = table.iloc[:-1] if partial else table
    space = "" if loc.lang == "zh" else " "  # Chinese sentences follow without one
    lead = ""
    if len(whole):
        # The lead tells the latest month anyone bought in: a last month of returns
        # only (as_of is the latest row, which may be a return) would read "0 active".
        bought = np.flatnonzero(whole["active"].to_numpy(dtype=float) > 0)
        at = int(bought[-1]) if bought.size else len(whole) - 1
        last = whole.iloc[at]
        lead = escape(
            loc.t(
                "monthly.lead",
                month=loc.month(whole.index[at]),
                revenue=loc.money(float(last["revenue"])),
                active=loc.count(float(last["active"])),
                new=loc.count(float(last["new"])),
            )
        )
        if at < len(whole) - 1:
            later = float(whole["revenue"].iloc[at + 1 :].sum())
            lead += space + escape(loc.t("monthly.quiet", revenue=loc.money(later)))
    if partial:
        now = table.iloc[-1]
        said = loc.t(
            "monthly.partial",
            span=loc.t("monthly.span", day=as_of.day, month=loc.month(as_of)),
            revenue=loc.money(float(now["revenue"])),
            active=loc.count(float(now["active"])),
            new=loc.count(float(now["new"])),
        )
        lead += (space if lead else "") + escape(said)
    return _section("monthly", loc.t("h.monthly"), lead, _grid(revenue, counts))


def movements(ctx: Context) -> str:
    """Segments a period ago against segments now (the profile's ``segment_then``)."""
    loc = ctx.loc
    then = ctx.profile.results.get("segment_then")
    t = ctx.table
    if not isinstance(then, pd.Series) or "segment" not in t.columns:
        return ""
    from segkit.evaluate import migration

    moved = migration(then.astype(object), t["segment"].astype(object)).counts
    matrix = moved.to_numpy(dtype=float)
    if ctx.min_group:
        matrix = np.where((matrix > 0) & (matrix < ctx.min_group), np.nan, matrix)
    since = loc.date(ctx.profile.results.get("segment_then_as_of", ctx.profile.as_of))

    def name(label: Any) -> str:
        special = {"(new)": "moves.new", "(gone)": "moves.gone"}.get(str(label))
        return loc.t(special) if special else loc.segment(label)

    heat = _svg.heatmap(
        matrix,
        [name(i) for i in moved.index],
        [name(c) for c in moved.columns],
        title=loc.t("moves.title", since=since),
        col_title=loc.t("moves.cols"),
        row_title=loc.t("moves.rows", since=since),
        loc=loc,
        width=720,
    )
    stayed = float(np.trace(moved.reindex(index=moved.columns, fill_value=0).to_numpy()))
    lead = escape(loc.t("moves.lead", since=since, share=f"{stayed / max(len(t), 1):.0%}"))
    return _section("movements", loc.t("h.moves"), lead, heat)


def breakdown(ctx: Context) -> str:
    """Segment mix and revenue per value of ``ctx.by`` (e.g. country)."""
    loc, t, by = ctx.loc, ctx.table, ctx.by
    if by is None or "segment" not in t.columns:
        return ""
    values = t[by].astype(object).where(t[by].notna(), "–").astype(str)
    sizes = values.value_counts()
    top = [v for v in sizes.index if not ctx.small(sizes[v])][:12]
    rest = [v for v in sizes.index if v not in top]
    if rest:
        values = values.where(values.isin(top), loc.t("privacy.other"))
    counts = pd.crosstab(values, t["segment"].astype(object))
    mix = counts.div(counts.sum(axis=1), axis=0)
    revenue = t.groupby(values)["revenue"].sum()
    customers = values.value_counts()
    # "other" itself below the minimum group size is left out, as in segment_summary
    order = [v for v in revenue.sort_values(ascending=False).index if not ctx.small(customers[v])]
    left_out = len(rest) if any(ctx.small(customers[v]) for v in customers.index) else 0
    mix, counts = mix.loc[order], counts.loc[order]
    segs = [s for s in mix.columns if mix[s].sum() > 0]
    matrix = mix[segs].to_numpy(dtype=float)
    if ctx.min_group:  # a cell of fewer than k customers is left blank
        cells = counts[segs].to_numpy(dtype=float)
        matrix = np.where((cells > 0) & (cells < ctx.min_group), np.nan, matrix)
    heat = _svg.heatmap(
        matrix,
        [str(v) for v in order],
        [loc.segment(s) for s in segs],
        title=loc.t("by.title", by=by),
        col_title=loc.t("by.cols"),
        row_title=str(by),
        percent=True,
        loc=loc,
        width=720,
    )
    total = max(float(t["revenue"].sum()), 1e-12)
    rows = "".join(
        f"<tr><td>{escape(str(v))}</td>"
        + (
            f"<td class='n'>&lt; {ctx.min_group}</td>"
            if ctx.small(customers[v])
            else f"<td class='n'>{int(customers[v]):,}</td>"
        )
        + f"<td class='n'>{escape(loc.money(float(revenue[v])))}</td>"
        f"<td class='n'>{revenue[v] / total:.1%}</td></tr>"
        for v in order
    )
    head = "".join(
        f"<th>{escape(x)}</th>"
        for x in (str(by), loc.t("col.customers"), loc.t("col.revenue"), loc.t("share.revenue"))
    )
    note = f"<p class='note'>{escape(loc.t('by.rest', n=len(rest)))}</p>" if rest else ""
    if left_out:
        said = loc.t("by.left_out", n=left_out, k=ctx.min_group)
        note = f"<p class='note'>{escape(said)}</p>"
    lead = escape(loc.t("by.lead", by=by))
    body = _grid(heat, f"<table><tr>{head}</tr>{rows}</table>") + note
    return _section("breakdown", loc.t("h.by", by=by), lead, body)


def _csv(frame: pd.DataFrame) -> bytes:
    from segkit._writers import escape_formulas

    return escape_formulas(frame).to_csv(index=True).encode("utf-8-sig")


def downloads(ctx: Context) -> str:
    """A link per segment to its customer list as CSV, embedded in the page."""
    loc, t = ctx.loc, ctx.table
    if "segment" not in t.columns or not ctx.show_ids:
        return ""
    columns = [c for c in HEADLINE_COLUMNS if c in t.columns]
    columns += [c for c in ctx.profile.tags if c in t.columns]
    sort = "clv" if "clv" in t.columns else "revenue"
    links, cut = [], []
    for segment, sub in t.groupby(t["segment"].astype(object), observed=True, sort=False):
        if len(sub) == 0 or ctx.small(len(sub)):
            continue
        rows = sub[columns].sort_values(sort, ascending=False)
        data = _csv(rows.head(MAX_ROWS))
        kept = min(len(rows), MAX_ROWS)
        while len(data) > MAX_BYTES and kept > 1:
            kept = kept // 2
            data = _csv(rows.head(kept))
        if kept < len(rows):
            cut.append(
                loc.t("dl.cut", segment=loc.segment(segment), kept=kept, n=len(rows), key=sort)
            )
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
        filename = f"segment-{_slug(str(segment))}.csv"
        links.append(
            f"<li><a download='{escape(filename, quote=True)}' href='{href}'>"
            f"{escape(loc.segment(segment))}</a> <span class='note'>"
            f"({escape(loc.t('dl.rows', n=f'{kept:,}'))})</span></li>"
        )
    if not links:
        return ""
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in cut)
    lead = escape(loc.t("dl.lead", n=f"{MAX_ROWS:,}"))
    body = f"<ul class='dl'>{''.join(links)}</ul>{notes}"
    return _section("downloads", loc.t("h.dl"), lead, body)


def _slug(text: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in text.strip().lower())
    return "-".join(part for part in kept.split("-") if part) or "segment"
