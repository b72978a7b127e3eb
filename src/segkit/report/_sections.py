"""The report's sections: one function each, from a :class:`Context` to HTML.

A section returns ``""`` when the profile lacks its data. To add a section,
write ``def my_section(ctx: Context) -> str`` here (or in its own module) and
list it in :data:`segkit.report.SECTIONS`. Every user string goes through
:func:`html.escape`; numbers through ``ctx.loc``; group sizes through
``ctx.groups`` so that the minimum group size of a privacy-safe report holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from segkit.report import _svg
from segkit.report._i18n import Locale
from segkit.report._notes import render_note, state_description

if TYPE_CHECKING:
    from segkit.profiling import Profile

__all__ = [
    "Context",
    "categories",
    "clv",
    "holdout",
    "kpis",
    "lifecycle",
    "notes",
    "segments",
    "tags",
    "top",
]


@attrs.frozen
class Context:
    """What every section reads: the profile, the language, the privacy limits."""

    profile: Profile
    loc: Locale
    min_group: int = 0
    show_ids: bool = True
    by: str | None = None
    notes: list[str] = attrs.field(factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return self.profile.table

    def option(self, name: str, default: Any) -> Any:
        """A profile option (``clv_horizon``, ...), or ``default`` when not recorded."""
        options = getattr(self.profile, "options", None)
        value = getattr(options, name, None) if options is not None else None
        return default if value is None else value

    def horizon(self) -> str:
        """The CLV horizon in words: "12 months", "未来 6 个月"."""
        months = int(self.option("clv_horizon", 12))
        return self.loc.t("months", n=months)

    def small(self, count: float) -> bool:
        """Whether a group of ``count`` customers is too small to show."""
        return 0 < count < self.min_group


def _shown(ctx: Context, n: int) -> str:
    """A count as shown: "< k" for a group too small to show."""
    return f"&lt; {ctx.min_group}" if ctx.small(n) else f"{n:,}"


def _pill(text: str) -> str:
    return f"<span class='pill'>{escape(text)}</span>"


def _section(key: str, heading: str, lead: str, body: str) -> str:
    return (
        f"<section id='{key}'><h2>{escape(heading)}</h2><p class='lead'>{lead}</p>{body}</section>"
    )


def _grid(*parts: str) -> str:
    return "<div class='grid2'>" + "".join(f"<div>{p}</div>" for p in parts if p) + "</div>"


def _definition(text: str, rule: str = "") -> str:
    rule_html = f"<br><code>{escape(rule)}</code>" if rule else ""
    return f"<td class='def'>{escape(text)}{rule_html}</td>"


def kpis(ctx: Context) -> str:
    t, loc = ctx.table, ctx.loc
    items = [
        (loc.t("kpi.customers"), loc.count(len(t)), ""),
        (loc.t("kpi.revenue"), loc.money(float(t["revenue"].sum())), ""),
        (loc.t("kpi.orders"), loc.number(float(t["orders"].sum())), ""),
        (loc.t("kpi.repeat"), loc.number(float((t["orders"] > 1).mean()), percent=True), ""),
        (loc.t("kpi.recency"), loc.t("kpi.days", days=f"{t['recency_days'].median():.0f}"), ""),
    ]
    if "clv" in t.columns:
        items.append(
            (loc.t("kpi.clv", horizon=ctx.horizon()), loc.money(float(t["clv"].sum())), "")
        )
    if "p_alive" in t.columns:
        items.append(
            (loc.t("kpi.p_alive"), loc.number(float(t["p_alive"].mean()), percent=True), "")
        )
    cells = "".join(
        f"<div class='kpi'><div class='v'>{escape(v)}</div><div class='l'>{escape(k)}</div>"
        + (f"<div class='h'>{escape(h)}</div>" if h else "")
        + "</div>"
        for k, v, h in items
    )
    return f"<div class='kpis'>{cells}</div>"


def _segment_rules(p: Profile) -> dict[str, Any]:
    rfm = p.models.get("rfm")
    segment_map = getattr(rfm, "segment_map_", None) if rfm is not None else None
    return {s.name: s for s in segment_map.segments} if segment_map is not None else {}


def segments(ctx: Context) -> str:
    t, loc = ctx.table, ctx.loc
    if "segment" not in t.columns:
        return ""
    labels = t["segment"].astype(object).where(t["segment"].notna(), "–").astype(str)
    g = t.groupby(labels, observed=True)
    size = g.size()
    revenue = g["revenue"].sum() / max(float(t["revenue"].sum()), 1e-12)
    order = [s for s in revenue.sort_values(ascending=False).index if size[s] > 0]
    hidden = [s for s in order if ctx.small(size[s])]
    shown = [s for s in order if s not in hidden]
    merged = int(size[hidden].sum()) if hidden else 0
    if hidden:  # as segment_summary(min_group=): "other" only when it is not small itself
        key = "privacy.merged" if merged >= ctx.min_group else "privacy.left_out"
        ctx.notes.append(loc.t(key, n=len(hidden), k=ctx.min_group))
    names = [loc.segment(s) for s in shown]
    chart = _svg.bar_chart(
        names,
        {
            loc.t("share.customers"): (size[shown] / len(t)).tolist(),
            loc.t("share.revenue"): revenue[shown].tolist(),
        },
        title=loc.t("segments.chart"),
        percent=True,
        loc=loc,
    )
    rules = _segment_rules(ctx.profile)
    rows = []
    for s in shown:
        sub = t[labels == s]
        clv = (
            f"<td class='n'>{escape(loc.money(float(sub['clv'].mean())))}</td>"
            if "clv" in t
            else ""
        )
        rule = rules.get(s)
        text = loc.definition("segments", s) or (rule.description if rule is not None else "")
        action = loc.action("segments", s, rule.action if rule is not None else "")
        rows.append(
            f"<tr><td>{_pill(loc.segment(s))}</td>"
            f"<td class='n'>{size[s]:,}</td><td class='n'>{revenue[s]:.1%}</td>"
            f"<td class='n'>{sub['recency_days'].median():.0f}</td>"
            f"<td class='n'>{sub['orders'].median():g}</td>{clv}"
            f"{_definition(text, rule.when if rule is not None else '')}"
            f"<td>{escape(action)}</td></tr>"
        )
    if hidden and merged >= ctx.min_group:
        n = merged
        rows.append(
            f"<tr><td>{_pill(loc.t('privacy.other'))}</td><td class='n'>{n:,}</td>"
            f"<td class='n'>{revenue[hidden].sum():.1%}</td><td colspan='4' class='note'>"
            f"{escape(loc.t('privacy.merged_row', n=len(hidden), k=ctx.min_group))}</td></tr>"
        )
    head = "".join(
        f"<th>{escape(loc.t(k))}</th>"
        for k in ("col.segment", "col.customers", "col.revenue", "col.recency", "col.orders")
    )
    clv_head = f"<th>{escape(loc.t('col.avg_clv'))}</th>" if "clv" in t else ""
    table = (
        f"<table><tr>{head}{clv_head}<th>{escape(loc.t('col.definition'))}</th>"
        f"<th>{escape(loc.t('col.action'))}</th></tr>{''.join(rows)}</table>"
    )
    top = loc.segment(shown[0]) if shown else "–"
    lead = loc.t(
        "segments.lead",
        n=len(order),
        top=escape(top),
        share=f"{revenue[shown[0]]:.0%}" if shown else "–",
    )
    return _section("segments", loc.t("h.segments"), lead, _grid(chart, _rf_grid(ctx)) + table)


def _rf_grid(ctx: Context) -> str:
    t, loc = ctx.table, ctx.loc
    if not {"r_score", "f_score"} <= set(t.columns):
        return ""
    counts = pd.crosstab(t["r_score"], t["f_score"]).sort_index(ascending=False)
    matrix = counts.to_numpy(dtype=float)
    if ctx.min_group:
        matrix = np.where((matrix > 0) & (matrix < ctx.min_group), np.nan, matrix)
    return _svg.heatmap(
        matrix,
        [f"R {r}" for r in counts.index],
        [f"F {f}" for f in counts.columns],
        title=loc.t("rf.title"),
        col_title=loc.t("rf.cols"),
        row_title=loc.t("rf.rows"),
        loc=loc,
    )


def clv(ctx: Context) -> str:
    p, t, loc = ctx.profile, ctx.table, ctx.loc
    if "clv" not in t.columns:
        return ""
    values = t["clv"].to_numpy(dtype=float)
    ordered = np.sort(values)[::-1]
    total = ordered.sum()
    decile = ordered[: max(1, len(ordered) // 10)].sum() / total if total > 0 else float("nan")
    purchases = p.models.get("purchases")
    params = ""
    if purchases is not None:
        text = ", ".join(f"{k} = {v:.3g}" for k, v in purchases.params_.items())
        params = loc.t("clv.params", params=escape(text))
    lead = loc.t("clv.lead", horizon=ctx.horizon(), share=f"{decile:.0%}", params=params)
    if "p_alive" in t.columns:
        lead += " " + escape(loc.t("p_alive.help"))
    hist = _svg.histogram(
        values,
        title=loc.t("clv.hist"),
        loc=loc,
        x_title=loc.t("clv.axis"),
        y_title=loc.t("clv.count_axis"),
    )
    body = hist
    if ctx.show_ids:
        top_rows = t.sort_values("clv", ascending=False).head(10)
        cols = [c for c in ("segment", "orders", "revenue", "p_alive") if c in t.columns]
        # ranked by CLV: values that differ are shown to differ (a fit at a limit
        # gives everyone nearly the same CLV, all ¥3.3万 in the short form)
        clv = loc.money_ticks([float(v) for v in top_rows["clv"]])
        rows = "".join(
            f"<tr><td>{escape(str(idx))}</td>"
            + "".join(_cell(ctx, top_rows.loc[idx, c], c) for c in cols)
            + f"<td class='n'>{escape(label)}</td></tr>"
            for idx, label in zip(top_rows.index, clv, strict=True)
        )
        cols.append("clv")
        head = "".join(f"<th>{escape(loc.t('col.' + c))}</th>" for c in cols)
        body = _grid(
            hist, f"<table><tr><th>{escape(loc.t('col.customer'))}</th>{head}</tr>{rows}</table>"
        )
    return _section("clv", loc.t("h.clv"), lead, body)


def _cell(ctx: Context, value: Any, column: str) -> str:
    loc = ctx.loc
    if column == "segment":
        return f"<td>{escape(loc.segment(value))}</td>"
    if isinstance(value, float | np.floating):
        if column == "p_alive":
            return f"<td class='n'>{value:.0%}</td>"
        shown = (
            loc.money(float(value)) if column in {"revenue", "clv"} else loc.number(float(value))
        )
        return f"<td class='n'>{escape(shown)}</td>"
    if isinstance(value, int | np.integer):
        return f"<td class='n'>{int(value):,}</td>"
    return f"<td>{escape(str(value))}</td>"


def _first_populated(counts: pd.DataFrame) -> Any:
    """The first period with any customer in any state."""
    populated = counts.index[counts.sum(axis=1).to_numpy() > 0]
    return populated[0] if len(populated) else counts.index[0]


def _moves_start(counts: pd.DataFrame) -> Any:
    """The period the movements compare with: a year back, never before anyone was there."""
    start = counts.index[max(0, len(counts) - 13)]
    return max(start, _first_populated(counts))


def _lifecycle_rules(p: Profile) -> tuple[dict[str, str], dict[str, list[str]]]:
    machine = p.models.get("lifecycle")
    if machine is None:
        return {}, {}
    described = {s.name: s.description for s in getattr(machine, "states", ())}
    into: dict[str, list[str]] = {}
    for tr in getattr(machine, "transitions", ()):
        into.setdefault(tr.target, []).append(f"{tr.source} → {tr.target}: {tr.when}")
    return described, into


def lifecycle(ctx: Context) -> str:
    p, loc = ctx.profile, ctx.loc
    history = p.changes if p.changes is not None else p.panel  # flows reads either form
    if history is None or "lifecycle_state" not in p.table.columns:
        return ""
    from segkit.lifecycle import flows as lifecycle_flows

    counts = getattr(p.flows, "counts", None)
    parts = []
    state = p.table["lifecycle_state"].astype(object).value_counts()
    if isinstance(counts, pd.DataFrame) and len(counts):
        # Periods before the first customer (a start before the first order) show nothing.
        counts = counts.loc[_first_populated(counts) :]
        labels = [loc.period(i) for i in counts.index]
        series = {loc.state(c): [float(v) for v in counts[c]] for c in counts.columns}
        # The legend gives the customers in each state now, as the table below does.
        now: dict[str, float | str] = {
            loc.state(c): f"< {ctx.min_group}"
            if ctx.small(state.get(c, 0))
            else float(state.get(c, 0))
            for c in counts.columns
        }
        parts.append(
            _svg.area_chart(labels, series, title=loc.t("lifecycle.area"), loc=loc, legend=now)
        )
    if isinstance(counts, pd.DataFrame) and len(counts) > 1:
        start = _moves_start(counts)
        moves = lifecycle_flows(history, start=start).matrix
        since = loc.month(start)
        if isinstance(moves, pd.DataFrame) and moves.size:
            matrix = moves.to_numpy(dtype=float)
            if ctx.min_group:
                matrix = np.where((matrix > 0) & (matrix < ctx.min_group), np.nan, matrix)
            parts.append(
                _svg.heatmap(
                    matrix,
                    [loc.state(i) for i in moves.index],
                    [loc.state(c) for c in moves.columns],
                    title=loc.t("lifecycle.moves", since=since),
                    col_title=loc.t("lifecycle.moves_cols"),
                    row_title=loc.t("lifecycle.moves_rows", since=since),
                    loc=loc,
                )
            )
    described, into = _lifecycle_rules(p)
    rows = "".join(
        f"<tr><td>{_pill(loc.state(s))}</td><td class='n'>"
        f"{_shown(ctx, n)}</td>"
        + _definition(
            state_description(described.get(str(s), ""), loc.lang),
            "; ".join(into.get(str(s), [])),
        )
        + f"<td>{escape(loc.action('lifecycle', s))}</td></tr>"
        for s, n in state.items()
        if n
    )
    table = (
        f"<table><tr><th>{escape(loc.t('col.state'))}</th>"
        f"<th>{escape(loc.t('col.customers'))}</th><th>{escape(loc.t('col.definition'))}</th>"
        f"<th>{escape(loc.t('col.action'))}</th></tr>{rows}</table>"
    )
    return _section(
        "lifecycle", loc.t("h.lifecycle"), escape(loc.t("lifecycle.lead")), _grid(*parts) + table
    )


def tags(ctx: Context) -> str:
    p, loc = ctx.profile, ctx.loc
    if not p.tags:
        return ""
    t = p.table[p.tags].isin([True])
    share = t.mean().sort_values(ascending=False)
    share = share[[not ctx.small(n) for n in t[share.index].sum()]]  # a bar shows its size
    chart = _svg.bar_chart(
        [str(s).removeprefix("tag_") for s in share.index],
        {loc.t("share.customers"): share.tolist()},
        title=loc.t("tags.chart"),
        percent=True,
        loc=loc,
    )
    m = t.to_numpy(dtype=float)
    both = m.T @ m
    size = np.diag(both)
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = both / np.where(size > 0, size, np.nan)[:, None]
    if ctx.min_group:
        overlap = np.where((both > 0) & (both < ctx.min_group), np.nan, overlap)
    names = [c.removeprefix("tag_") for c in p.tags]
    heat = _svg.heatmap(
        overlap,
        names,
        names,
        title=loc.t("tags.overlap"),
        percent=True,
        col_title=loc.t("tags.also"),
        loc=loc,
    )
    rules = _tag_rules(p, loc.lang)
    rows = "".join(
        f"<tr><td>{_pill(name)}</td><td class='n'>{_shown(ctx, int(t[col].sum()))}</td>"
        # A description in the report's language (Rule.describe), else only the rule.
        f"{_definition(rules[name][0], rules[name][1])}</tr>"
        for col, name in zip(p.tags, names, strict=True)
        if name in rules
    )
    table = (
        f"<table><tr><th>{escape(loc.t('col.tags'))}</th><th>{escape(loc.t('col.customers'))}"
        f"</th><th>{escape(loc.t('col.definition'))}</th></tr>{rows}</table>"
        if rows
        else ""
    )
    return _section(
        "tags", loc.t("h.tags"), escape(loc.t("tags.lead")), _grid(chart, heat) + table
    )


def _tag_rules(p: Profile, lang: str) -> Mapping[str, tuple[str, str]]:
    """Each tag's description in ``lang`` (or "") and its rules, or-ed."""
    engine = p.models.get("tags")
    out: dict[str, tuple[str, str]] = {}
    for rule in getattr(engine, "rules", ()):
        if rule.tag not in out:
            out[rule.tag] = (rule.describe(lang), rule.when)
        else:
            out[rule.tag] = (out[rule.tag][0], f"{out[rule.tag][1]} or {rule.when}")
    return out


def holdout(ctx: Context) -> str:
    p, loc = ctx.profile, ctx.loc
    check = p.holdout_report
    if check is None or p.holdout is None:
        return ""
    by = check.by_frequency
    labels = [str(i) for i in by.index]
    chart = _svg.line_chart(
        labels,
        {
            loc.t("col.actual"): by["actual"].tolist(),
            loc.t("holdout.prediction"): by["predicted"].tolist(),
        },
        title=loc.t("holdout.chart"),
        loc=loc,
    )
    lead = loc.t(
        "holdout.lead",
        weeks=f"{p.holdout['duration_holdout'].iloc[0]:.0f}",
        predicted=f"{check.predicted_total:,.0f}",
        actual=f"{check.actual_total:,.0f}",
        error=f"{check.aggregate_error:+.1%}",
    )
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td class='n'>{int(by.loc[i, 'customers']):,}</td>"
        f"<td class='n'>{by.loc[i, 'actual']:.2f}</td>"
        f"<td class='n'>{by.loc[i, 'predicted']:.2f}</td></tr>"
        for i, label in zip(by.index, labels, strict=True)
        if not ctx.small(by.loc[i, "customers"])
    )
    head = "".join(
        f"<th>{escape(loc.t(k))}</th>"
        for k in ("col.repeat_cal", "col.customers", "col.actual", "col.predicted")
    )
    return _section(
        "holdout",
        loc.t("h.holdout"),
        escape(lead),
        _grid(chart, f"<table><tr>{head}</tr>{rows}</table>"),
    )


def categories(ctx: Context) -> str:
    """Top categories per segment (``Profile.results["segment_affinity"]``)."""
    loc = ctx.loc
    cells = (getattr(ctx.profile, "results", None) or {}).get("segment_affinity")
    if cells is None or len(cells) == 0:
        return ""
    by, item = cells.columns[0], cells.columns[1]
    rows = []
    for segment, group in cells.groupby(by, sort=False):
        if ctx.small(int(group["customers"].iloc[0])):
            continue
        for _, cell in group[group["buyers"] > 0].head(3).iterrows():
            if ctx.small(int(cell["buyers"])):
                continue
            mark = " *" if cell["significant"] else ""
            rows.append(
                f"<tr><td>{_pill(loc.segment(segment))}</td><td>{escape(str(cell[item]))}</td>"
                f"<td class='n'>{cell['share']:.0%}</td>"
                f"<td class='n'>{cell['lift']:.2f}{mark}</td></tr>"
            )
    if not rows:
        return ""
    heads = ("col.segment", "col.category", "col.bought", "col.lift")
    head = "".join(f"<th>{escape(loc.t(k))}</th>" for k in heads)
    return _section(
        "categories",
        loc.t("h.categories"),
        escape(loc.t("categories.lead")),
        f"<table><tr>{head}</tr>{''.join(rows)}</table>",
    )


def top(ctx: Context) -> str:
    p, t, loc = ctx.profile, ctx.table, ctx.loc
    if "segment" not in t.columns or not ctx.show_ids:
        return ""
    key = "clv" if "clv" in t.columns else "revenue"
    rows = []
    for segment in (
        t["segment"].cat.categories if hasattr(t["segment"], "cat") else t["segment"].unique()
    ):
        sub = t[t["segment"] == segment].sort_values(key, ascending=False).head(3)
        if ctx.small(int((t["segment"] == segment).sum())):
            continue
        for idx in sub.index:
            state = (
                f"<td>{escape(loc.state(sub.loc[idx, 'lifecycle_state']))}</td>"
                if "lifecycle_state" in t
                else ""
            )
            tag_cell = ""
            if p.tags:
                flags = sub.loc[idx, p.tags].isin([True])
                mine = [str(tag).removeprefix("tag_") for tag in flags.index[flags.to_numpy()]]
                tag_cell = f"<td>{escape(', '.join(mine))}</td>"
            rows.append(
                f"<tr><td>{_pill(loc.segment(segment))}</td>"
                f"<td>{escape(str(idx))}</td>{_cell(ctx, float(sub.loc[idx, key]), key)}"
                f"<td class='n'>{int(sub.loc[idx, 'orders'])}</td>"
                f"<td class='n'>{sub.loc[idx, 'recency_days']:.0f}</td>{state}{tag_cell}</tr>"
            )
    heads = ["col.segment", "col.customer", "col." + key, "col.orders", "col.recency"]
    heads += ["col.lifecycle"] if "lifecycle_state" in t else []
    heads += ["col.tags"] if p.tags else []
    head = "".join(f"<th>{escape(loc.t(k))}</th>" for k in heads)
    lead = escape(loc.t("top.lead", key=loc.t("col." + key)))
    return _section("top", loc.t("h.top"), lead, f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def notes(ctx: Context) -> str:
    items = [*ctx.profile.notes, *ctx.notes]
    if not items:
        return ""
    said = dict.fromkeys(render_note(n, ctx.loc.lang) for n in items)
    listed = "".join(f"<li>{escape(n)}</li>" for n in said)
    heading = escape(ctx.loc.t("h.notes"))
    return f"<section id='notes'><h2>{heading}</h2><ul class='note'>{listed}</ul></section>"
