"""The report's demand forecast: expected repeat purchases per segment, month by month.

It reads the profile's fitted purchase model (``models["purchases"]``, the
BG/NBD of :func:`segkit.profile`, in the time unit it records as ``unit_``)
and the customer table (``x``, ``t_x``, ``T`` in days, ``segment``), and
returns ``""`` without them (or when the model does not know its unit). Each
customer's history counts: month ``k`` holds
``E[X(T, T + end_k)] - E[X(T, T + end_(k-1))]`` summed over the segment, with
``end_k`` the end of the k-th calendar month after ``as_of``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from segkit.report._sections import Context

__all__ = ["forecast"]

#: calendar months forecast
MONTHS = 12


def monthly_by_segment(ctx: Context) -> pd.DataFrame | None:
    """Expected repeat purchases per segment (rows) and calendar month (columns)."""
    model = ctx.profile.models.get("purchases")
    t = ctx.table
    if model is None or not {"x", "t_x", "T", "segment"} <= set(t.columns):
        return None
    unit = getattr(model, "unit_", None)  # days per model time unit
    if unit is None:
        return None
    as_of = pd.Timestamp(ctx.profile.as_of)
    if as_of.tzinfo is not None:
        as_of = as_of.tz_localize(None)
    start = as_of.normalize() + pd.Timedelta(days=1)  # the day after as_of
    month = start.to_period("M")
    labels = [month + k for k in range(MONTHS)]
    ends = [(m + 1).start_time for m in labels]
    horizons = [(end - start) / pd.Timedelta(days=unit) for end in ends]
    data = pd.DataFrame({"x": t["x"], "t_x": t["t_x"] / unit, "T": t["T"] / unit}, index=t.index)
    cumulative = np.column_stack(
        [model.expected_purchases(data, h).to_numpy(dtype=np.float64) for h in horizons]
    )
    per_month = np.diff(cumulative, axis=1, prepend=0.0)
    frame = pd.DataFrame(per_month, index=t.index, columns=[m.start_time for m in labels])
    return frame.groupby(t["segment"].to_numpy(), sort=False).sum()


def forecast(ctx: Context) -> str:
    """The forecast section: a table of segments by month, with a total row."""
    loc = ctx.loc
    table = monthly_by_segment(ctx)
    if table is None or table.empty:
        return ""
    sizes = ctx.table["segment"].value_counts()
    shown = [s for s in table.index if not ctx.small(int(sizes.get(s, 0)))]
    table = table.sort_values(table.columns[0], ascending=False)
    head = f"<th>{escape(loc.t('col.segment'))}</th>" + "".join(
        f"<th>{escape(loc.month(m)).replace('年', '年<wbr>')}</th>" for m in table.columns
    )
    rows = "".join(
        f"<tr><td>{escape(loc.segment(s))}</td>"
        + "".join(f"<td class='n'>{loc.number(float(v))}</td>" for v in table.loc[s])
        + "</tr>"
        for s in table.index
        if s in shown
    )
    total = "".join(f"<td class='n'><b>{loc.number(float(v))}</b></td>" for v in table.sum())
    rows += f"<tr><td><b>{escape(loc.t('forecast.total'))}</b></td>{total}</tr>"
    lead = loc.t("forecast.lead", months=MONTHS, total=loc.number(float(table.to_numpy().sum())))
    # keep-all: "不能失去的客户" is not cut inside; "2024年10月" wraps after 年 only
    grid = f"<div style='overflow-x:auto'><table class='words'><tr>{head}</tr>{rows}</table></div>"
    return (
        f"<section id='forecast'><h2>{escape(loc.t('h.forecast'))}</h2>"
        f"<p class='lead'>{lead}</p>{grid}</section>"
    )
