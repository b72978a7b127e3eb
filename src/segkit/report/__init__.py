"""The self-contained HTML report of a :class:`~segkit.profiling.Profile`.

One file, no network: the charts are inline SVG drawn by segkit itself, so the
report needs no plotting library and opens anywhere. Sections appear when the
profile has the data for them.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit import __version__
from segkit.report import _svg

if TYPE_CHECKING:
    from segkit.profiling import Profile

__all__ = ["load_playbook", "render"]


def load_playbook() -> dict[str, dict[str, str]]:
    """The shipped action playbook: ``{"segments": {...}, "lifecycle": {...}}``.

    Examples
    --------
    >>> from segkit.report import load_playbook
    >>> load_playbook()["lifecycle"]["at_risk"][:9]
    'Win-back:'
    """
    path = resources.files("segkit").joinpath("data", "playbook.json")
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


_CSS = """
:root { --ink:#1d2733; --muted:#5d6b7a; --line:#e3e7ec; --brand:#2f6fad; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:linear-gradient(120deg,#1f4f8c,#2f6fad); color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:650; }
header p { margin:0; opacity:.85; }
main { max-width:1180px; margin:0 auto; padding:24px 32px 48px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit,minmax(130px,1fr)); gap:12px;
        margin:-44px 0 24px; }
.kpi { background:#fff; border-radius:10px; padding:14px 16px;
       box-shadow:0 1px 3px rgba(0,0,0,.08); }
.kpi .v { font-size:24px; font-weight:650; }
.kpi .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
section { background:#fff; border-radius:10px; padding:20px 24px; margin:0 0 20px;
          box-shadow:0 1px 3px rgba(0,0,0,.08); }
section h2 { margin:0 0 4px; font-size:19px; }
section p.lead { margin:0 0 14px; color:var(--muted); }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:24px; align-items:start; }
@media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left;
         vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase;
     letter-spacing:.03em; }
td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.pill { display:inline-block; padding:1px 8px; border-radius:10px; background:#e8f0f9;
        color:#1f4f8c; font-size:12px; white-space:nowrap; }
.note { color:var(--muted); font-size:12px; }
svg { width:100%; height:auto; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
"""


def _kpis(p: Profile) -> str:
    t = p.table
    items = [
        ("customers", f"{len(t):,}"),
        ("revenue", _svg.number(float(t["revenue"].sum()), money=True)),
        ("orders", _svg.number(float(t["orders"].sum()))),
        ("repeat customers", _svg.number(float((t["orders"] > 1).mean()), percent=True)),
        ("median recency", f"{t['recency_days'].median():.0f} days"),
    ]
    if "clv" in t.columns:
        items.append(("expected value, next year", _svg.number(float(t["clv"].sum()), money=True)))
    if "p_alive" in t.columns:
        items.append(("mean P(alive)", _svg.number(float(t["p_alive"].mean()), percent=True)))
    cells = "".join(
        f"<div class='kpi'><div class='v'>{escape(v)}</div><div class='l'>{escape(k)}</div></div>"
        for k, v in items
    )
    return f"<div class='kpis'>{cells}</div>"


def _segments(p: Profile, playbook: dict[str, dict[str, str]]) -> str:
    t = p.table
    if "segment" not in t.columns:
        return ""
    g = t.groupby("segment", observed=False)
    size = g.size()
    revenue = g["revenue"].sum() / max(float(t["revenue"].sum()), 1e-12)
    order = revenue.sort_values(ascending=False).index
    size, revenue = size.loc[order], revenue.loc[order]
    shown = [s for s in order if size[s] > 0]
    chart = _svg.bar_chart(
        shown,
        {
            "share of customers": (size[shown] / len(t)).tolist(),
            "share of revenue": revenue[shown].tolist(),
        },
        title="Customers and revenue by segment",
        percent=True,
    )
    actions = {}
    rfm = p.models.get("rfm")
    if rfm is not None and getattr(rfm, "segment_map_", None) is not None:
        actions = {s.name: s.action for s in rfm.segment_map_.segments}
    actions.update(playbook.get("segments", {}))
    rows = []
    for s in shown:
        sub = t[t["segment"] == s]
        clv = (
            f"<td class='n'>{_svg.number(float(sub['clv'].mean()), money=True)}</td>"
            if "clv" in t
            else ""
        )
        rows.append(
            f"<tr><td><span class='pill'>{escape(str(s))}</span></td>"
            f"<td class='n'>{size[s]:,}</td><td class='n'>{revenue[s]:.1%}</td>"
            f"<td class='n'>{sub['recency_days'].median():.0f}</td>"
            f"<td class='n'>{sub['orders'].median():g}</td>{clv}"
            f"<td>{escape(actions.get(str(s), ''))}</td></tr>"
        )
    clv_head = "<th>avg CLV</th>" if "clv" in t else ""
    table = (
        "<table><tr><th>segment</th><th>customers</th><th>revenue</th><th>recency (d)</th>"
        f"<th>orders</th>{clv_head}<th>suggested action</th></tr>{''.join(rows)}</table>"
    )
    top = revenue.iloc[0] if len(revenue) else 0.0
    lead = (
        f"{len(shown)} segments from recency, frequency and spend. The largest revenue "
        f"segment, <b>{escape(str(order[0]))}</b>, brings {top:.0%} of revenue."
    )
    return (
        f"<section id='segments'><h2>Segments</h2><p class='lead'>{lead}</p>"
        f"<div class='grid2'><div>{chart}</div><div>{_rf_grid(t)}</div></div>{table}</section>"
    )


def _rf_grid(t: pd.DataFrame) -> str:
    if not {"r_score", "f_score"} <= set(t.columns):
        return ""
    counts = pd.crosstab(t["r_score"], t["f_score"])
    counts = counts.sort_index(ascending=False)
    return _svg.heatmap(
        counts.to_numpy(),
        [f"R {r}" for r in counts.index],
        [f"F {f}" for f in counts.columns],
        title="Customers by recency and frequency score",
        col_title="frequency score →",
        row_title="recency",
    )


def _clv(p: Profile) -> str:
    t = p.table
    if "clv" not in t.columns:
        return ""
    values = t["clv"].to_numpy(dtype=float)
    ordered = np.sort(values)[::-1]
    total = ordered.sum()
    decile = ordered[: max(1, len(ordered) // 10)].sum() / total if total > 0 else float("nan")
    purchases = p.models.get("purchases")
    params = ""
    if purchases is not None:
        params = ", ".join(f"{k} = {v:.3g}" for k, v in purchases.params_.items())
        params = f" BG/NBD parameters (weeks): {escape(params)}."
    lead = (
        f"Expected, discounted value of each customer's purchases over the next 12 months. "
        f"The top 10% of customers hold <b>{decile:.0%}</b> of it.{params}"
    )
    hist = _svg.histogram(values, title="Distribution of customer lifetime value (log scale)")
    top = t.sort_values("clv", ascending=False).head(10)
    cols = [c for c in ("segment", "orders", "revenue", "p_alive", "clv") if c in top.columns]
    rows = "".join(
        "<tr><td>"
        + escape(str(idx))
        + "</td>"
        + "".join(_cell(top.loc[idx, c], c) for c in cols)
        + "</tr>"
        for idx in top.index
    )
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    table = f"<table><tr><th>customer</th>{head}</tr>{rows}</table>"
    return (
        f"<section id='clv'><h2>Customer lifetime value</h2><p class='lead'>{lead}</p>"
        f"<div class='grid2'><div>{hist}</div><div>{table}</div></div></section>"
    )


def _cell(value: Any, column: str) -> str:
    if isinstance(value, float | np.floating):
        if column == "p_alive":
            return f"<td class='n'>{value:.0%}</td>"
        return (
            f"<td class='n'>{_svg.number(float(value), money=column in {'revenue', 'clv'})}</td>"
        )
    if isinstance(value, int | np.integer):
        return f"<td class='n'>{int(value):,}</td>"
    return f"<td>{escape(str(value))}</td>"


def _lifecycle(p: Profile, playbook: dict[str, dict[str, str]]) -> str:
    if p.panel is None or "lifecycle_state" not in p.table.columns:
        return ""
    from segkit.lifecycle import flows as lifecycle_flows

    counts = getattr(p.flows, "counts", None)
    parts = []
    if isinstance(counts, pd.DataFrame) and len(counts):
        labels = [pd.Timestamp(i).strftime("%Y-%m") for i in counts.index]
        series: dict[str, list[float]] = {
            str(c): [float(v) for v in counts[c]] for c in counts.columns
        }
        parts.append(_svg.area_chart(labels, series, title="Customers per lifecycle state"))
    moves = None
    if isinstance(counts, pd.DataFrame) and len(counts) > 1:
        # Moves over (up to) the last twelve periods.
        start = counts.index[max(0, len(counts) - 13)]
        moves = lifecycle_flows(p.panel, start=start).matrix
        since = pd.Timestamp(start).strftime("%B %Y")
    if isinstance(moves, pd.DataFrame) and moves.size:
        parts.append(
            _svg.heatmap(
                moves.to_numpy(dtype=float),
                [str(i) for i in moves.index],
                [str(c) for c in moves.columns],
                title=f"Moves between lifecycle states since {since}",
                col_title=f"state now (from the state in {since}) →",
                row_title="from",
            )
        )
    state = p.table["lifecycle_state"].value_counts()
    actions = playbook.get("lifecycle", {})
    rows = "".join(
        f"<tr><td><span class='pill'>{escape(str(s))}</span></td><td class='n'>{n:,}</td>"
        f"<td>{escape(actions.get(str(s), ''))}</td></tr>"
        for s, n in state.items()
        if n
    )
    table = (
        f"<table><tr><th>state</th><th>customers</th><th>suggested action</th></tr>{rows}</table>"
    )
    return (
        "<section id='lifecycle'><h2>Lifecycle</h2><p class='lead'>Where customers are in "
        "their relationship with you, replayed month by month from their purchase history.</p>"
        f"<div class='grid2'>{''.join(f'<div>{x}</div>' for x in parts)}</div>{table}</section>"
    )


def _tags(p: Profile) -> str:
    if not p.tags:
        return ""
    t = p.table[p.tags].isin([True])
    share = t.mean().sort_values(ascending=False)
    chart = _svg.bar_chart(
        [str(s).removeprefix("tag_") for s in share.index],
        {"share of customers": share.tolist()},
        title="Tag coverage",
        percent=True,
    )
    m = t.to_numpy(dtype=float)
    both = m.T @ m
    size = np.diag(both)
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = both / np.where(size > 0, size, np.nan)[:, None]
    names = [t.removeprefix("tag_") for t in p.tags]
    heat = _svg.heatmap(
        overlap,
        names,
        names,
        title="Tag overlap: share of the row tag that also has the column tag",
        percent=True,
        col_title="also tagged →",
    )
    return (
        "<section id='tags'><h2>Tags</h2><p class='lead'>Rule-based tags: how many customers "
        "carry each, and how they overlap.</p>"
        f"<div class='grid2'><div>{chart}</div><div>{heat}</div></div></section>"
    )


def _holdout(p: Profile) -> str:
    check = p.holdout_report
    if check is None or p.holdout is None:
        return ""
    by = check.by_frequency
    labels = [str(i) for i in by.index]
    chart = _svg.line_chart(
        labels,
        {"actual": by["actual"].tolist(), "BG/NBD prediction": by["predicted"].tolist()},
        title="Holdout purchases by calibration repeat purchases",
    )
    lead = (
        f"Fitted on the calibration period and checked on the last "
        f"{p.holdout['duration_holdout'].iloc[0]:.0f} weeks: predicted "
        f"{check.predicted_total:,.0f} repeat purchases, actual {check.actual_total:,.0f} "
        f"({check.aggregate_error:+.1%})."
    )
    rows = "".join(
        f"<tr><td>{label}</td><td class='n'>{int(by.loc[i, 'customers']):,}</td>"
        f"<td class='n'>{by.loc[i, 'actual']:.2f}</td>"
        f"<td class='n'>{by.loc[i, 'predicted']:.2f}</td></tr>"
        for i, label in zip(by.index, labels, strict=True)
    )
    table = (
        "<table><tr><th>repeat purchases (calibration)</th><th>customers</th>"
        f"<th>actual</th><th>predicted</th></tr>{rows}</table>"
    )
    return (
        "<section id='holdout'><h2>Does the CLV model hold up?</h2>"
        f"<p class='lead'>{lead}</p><div class='grid2'><div>{chart}</div><div>{table}</div></div>"
        "</section>"
    )


def _top_customers(p: Profile, playbook: dict[str, dict[str, str]]) -> str:
    t = p.table
    if "segment" not in t.columns:
        return ""
    key = "clv" if "clv" in t.columns else "revenue"
    rows = []
    for segment in (
        t["segment"].cat.categories if hasattr(t["segment"], "cat") else t["segment"].unique()
    ):
        sub = t[t["segment"] == segment].sort_values(key, ascending=False).head(3)
        for idx in sub.index:
            state = (
                f"<td>{escape(str(sub.loc[idx, 'lifecycle_state']))}</td>"
                if "lifecycle_state" in t
                else ""
            )
            tags = ""
            if p.tags:
                flags = sub.loc[idx, p.tags].isin([True])
                mine = [str(tag).removeprefix("tag_") for tag in flags.index[flags.to_numpy()]]
                tags = f"<td>{escape(', '.join(mine))}</td>"
            rows.append(
                f"<tr><td><span class='pill'>{escape(str(segment))}</span></td>"
                f"<td>{escape(str(idx))}</td>{_cell(float(sub.loc[idx, key]), key)}"
                f"<td class='n'>{int(sub.loc[idx, 'orders'])}</td>"
                f"<td class='n'>{sub.loc[idx, 'recency_days']:.0f}</td>{state}{tags}</tr>"
            )
    state_head = "<th>lifecycle</th>" if "lifecycle_state" in t else ""
    tags_head = "<th>tags</th>" if p.tags else ""
    return (
        "<section id='top'><h2>Top customers per segment</h2><p class='lead'>The three most "
        f"valuable customers of each segment by {key}: who to call first.</p>"
        f"<table><tr><th>segment</th><th>customer</th><th>{key}</th><th>orders</th>"
        f"<th>recency (d)</th>{state_head}{tags_head}</tr>{''.join(rows)}</table></section>"
    )


def render(profile: Profile, *, title: str | None = None) -> str:
    """Render a profile as one self-contained HTML page."""
    playbook = load_playbook()
    title = title or "Customer segmentation report"
    notes = "".join(f"<li>{escape(n)}</li>" for n in profile.notes)
    notes_html = f"<section><h2>Notes</h2><ul class='note'>{notes}</ul></section>" if notes else ""
    body = "".join(
        [
            _kpis(profile),
            _segments(profile, playbook),
            _clv(profile),
            _lifecycle(profile, playbook),
            _tags(profile),
            _holdout(profile),
            _top_customers(profile, playbook),
            notes_html,
        ]
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{len(profile.table):,} customers · as of "
        f"{profile.as_of:%d %B %Y} · made with segkit {escape(__version__)}</p></header>"
        f"<main>{body}</main><footer>segkit {escape(__version__)} — every chart is computed "
        "from the data in this file's customer table; no data left this machine.</footer>"
        "</body></html>"
    )
