"""Small, dependency-free SVG charts for the HTML report.

Every function returns an ``<svg>`` string sized by ``viewBox`` so that it
scales with the page. Text is escaped; numbers are formatted for people.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from segkit.report._i18n import Locale, text_width

__all__ = [
    "area_chart",
    "bar_chart",
    "heatmap",
    "histogram",
    "line_chart",
    "number",
    "x_labels",
]

PALETTE = (
    "#2f6fad",
    "#e08a2c",
    "#3a9a5b",
    "#c8464a",
    "#7b5ea7",
    "#8c6d4f",
    "#d16ba5",
    "#6f7d8c",
    "#b5a22a",
    "#2aa5a5",
    "#5a8f29",
    "#a34f7b",
)
#: Latin UI fonts first, then the CJK fonts of Linux, macOS and Windows, so that
#: Chinese labels never fall back to boxes where one of them is installed.
FONT_FAMILY = (
    "system-ui,-apple-system,Segoe UI,Roboto,Noto Sans CJK SC,Noto Sans SC,Source Han Sans SC,"
    "PingFang SC,Hiragino Sans GB,Microsoft YaHei,WenQuanYi Micro Hei,sans-serif"
)
FONT = f"font-family='{FONT_FAMILY}'"
EN = Locale()


def number(value: float, *, money: bool = False, percent: bool = False) -> str:
    """Format a number for a label in English: 1234 -> '1.2k', 0.123 -> '12.3%'."""
    return EN.number(value, money=money, percent=percent)


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"role='img' aria-label='{escape(title, quote=True)}' {FONT} font-size='12'>"
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _nice_ticks(top: float, count: int = 4) -> list[float]:
    if top <= 0 or not math.isfinite(top):
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    return [i * step for i in range(int(top / step) + 2) if i * step <= top * 1.0001 + step]


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    percent: bool = False,
    width: int = 640,
    loc: Locale = EN,
) -> str:
    """Horizontal grouped bars: one row per label, one bar per series."""
    n, k = len(labels), len(series)
    row = 10 + 14 * k
    widest = max((text_width(str(label)) for label in labels), default=0.0)
    left, right, top = int(min(260, max(150, widest + 16))), 60, 28 if k > 1 else 8
    height = top + n * row + 8
    values = np.asarray([list(v) for v in series.values()], dtype=float)
    vmax = float(np.nanmax(values)) if values.size else 1.0
    vmax = vmax if vmax > 0 else 1.0
    plot = width - left - right
    parts = []
    if k > 1:
        x = float(left)
        for j, name in enumerate(series):
            parts.append(
                f"<rect x='{x}' y='8' width='10' height='10' fill='{PALETTE[j]}'/>"
                f"<text x='{x + 14}' y='17' fill='#333'>{escape(name)}</text>"
            )
            x += 24 + text_width(name)
    for i, label in enumerate(labels):
        y = top + i * row
        parts.append(
            f"<text x='{left - 8}' y='{y + row / 2 + 4:.1f}' text-anchor='end' fill='#222'>"
            f"{escape(str(label))}</text>"
        )
        for j in range(k):
            v = values[j, i]
            w = 0.0 if not math.isfinite(v) else max(v, 0.0) / vmax * plot
            by = y + 5 + j * 14
            parts.append(
                f"<rect x='{left}' y='{by}' width='{w:.1f}' height='12' rx='2' "
                f"fill='{PALETTE[j]}'><title>{escape(str(label))}: "
                f"{loc.number(v, percent=percent)}</title></rect>"
                f"<text x='{left + w + 4:.1f}' y='{by + 10}' fill='#444' font-size='11'>"
                f"{loc.number(v, percent=percent)}</text>"
            )
    return _svg(width, height, "".join(parts), title)


def heatmap(
    matrix: np.ndarray,
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    title: str,
    row_title: str = "",
    col_title: str = "",
    percent: bool = False,
    width: int = 520,
    loc: Locale = EN,
) -> str:
    """A labelled heat map with the value printed in each cell."""
    m = np.asarray(matrix, dtype=float)
    n_r, n_c = m.shape
    cell_w = (width - 120) / max(n_c, 1)
    longest = max((text_width(str(c), 11) for c in cols), default=1.0)
    tilt = longest + 4 > cell_w  # column labels would collide: slant them
    # a label slanted by 40 degrees reaches sin(40) of its width up, cos(40) right
    left, top = 110, 40 + (math.ceil(longest * math.sin(math.radians(40))) if tilt else 0)
    reach = width
    if tilt:
        cos = math.cos(math.radians(40))
        reach = max(
            [width]
            + [
                math.ceil(left + (j + 0.5) * cell_w + text_width(str(c), 11) * cos + 4)
                for j, c in enumerate(cols)
            ]
        )
    cell_h = min(34.0, max(20.0, cell_w * 0.6))
    height = int(top + n_r * cell_h + 12)
    finite = m[np.isfinite(m)]
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    parts = []
    if not tilt:
        parts.append(
            f"<text x='{left + (width - left) / 2:.0f}' y='14' text-anchor='middle' fill='#555'>"
            f"{escape(col_title)}</text>"
        )
    if row_title:
        parts.append(f"<text x='6' y='30' fill='#555'>{escape(row_title)}</text>")
    for j, c in enumerate(cols):
        x = left + (j + 0.5) * cell_w
        if tilt:
            parts.append(
                f"<text x='{x:.1f}' y='{top - 6}' transform='rotate(-40 {x:.1f} {top - 6})' "
                f"fill='#333' font-size='11'>{escape(str(c))}</text>"
            )
        else:
            parts.append(
                f"<text x='{x:.1f}' y='{top - 6}' text-anchor='middle' fill='#333' "
                f"font-size='11'>{escape(str(c))}</text>"
            )
    for i, r in enumerate(rows):
        y = top + i * cell_h
        parts.append(
            f"<text x='{left - 6}' y='{y + cell_h / 2 + 4:.1f}' text-anchor='end' fill='#333' "
            f"font-size='11'>{escape(str(r))}</text>"
        )
        for j in range(n_c):
            v = m[i, j]
            share = 0.0 if not math.isfinite(v) else max(v, 0.0) / vmax
            fill = _blend(share)
            ink = "#fff" if share > 0.55 else "#222"
            x = left + j * cell_w
            parts.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{cell_w - 2:.1f}' height='{cell_h - 2:.1f}'"
                f" rx='3' fill='{fill}'><title>{escape(str(r))} → {escape(str(cols[j]))}: "
                f"{loc.number(v, percent=percent)}</title></rect>"
                f"<text x='{x + cell_w / 2 - 1:.1f}' y='{y + cell_h / 2 + 3:.1f}' "
                f"text-anchor='middle' fill='{ink}' font-size='11'>"
                f"{_cell_text(v, cell_w - 4, percent=percent, loc=loc)}</text>"
            )
    return _svg(reach, height, "".join(parts), title)


def _cell_text(value: float, room: float, *, percent: bool, loc: Locale) -> str:
    """A heat-map cell's number, shortened to fit ``room`` pixels, or "" (the tooltip has it)."""
    if not math.isfinite(value) or value == 0:
        return ""
    text = loc.number(value, percent=percent)
    if text_width(text, 11) > room and percent:
        text = f"{100 * value:.0f}%"  # 100.0% -> 100%
    return text if text_width(text, 11) <= room else ""


def x_labels(
    positions: Sequence[float], labels: Sequence[str], *, y: float, low: float, high: float
) -> list[str]:
    """Axis labels at ``positions`` that never overlap and never leave ``[low, high]``.

    A label that would cross an edge is anchored at that edge instead of
    centred, which moves it towards its neighbour; every ``step``-th label,
    counted back from the last (the latest period is always named), is shown,
    ``step`` being the smallest for which every shown label, where it is
    finally drawn, keeps a gap to the next. Widths are the estimate of
    :func:`~segkit.report._i18n.text_width` with a margin for wider fonts.
    """
    n = len(labels)
    if n == 0:
        return []
    widths = [text_width(str(label), 11) * 1.12 for label in labels]

    def placed(i: int) -> tuple[str, float, float, float]:
        """Anchor, anchor x, left and right edge of label ``i``."""
        x, half = positions[i], widths[i] / 2
        if x - half < low:
            return "start", low, low, low + widths[i]
        if x + half > high:
            return "end", high, high - widths[i], high
        return "middle", x, x - half, x + half

    step = 1
    while step < n:
        boxes = [placed(i) for i in range((n - 1) % step, n, step)]
        if all(a[3] + 6 <= b[2] for a, b in itertools.pairwise(boxes)):
            break
        step += 1
    parts = []
    for i in range((n - 1) % step, n, step):
        anchor, x, _, _ = placed(i)
        parts.append(
            f"<text class='xl' x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' fill='#555' "
            f"font-size='11'>{escape(str(labels[i]))}</text>"
        )
    return parts


def _blend(share: float) -> str:
    low, high = np.array([238, 243, 250]), np.array([31, 79, 140])
    rgb = (low + (high - low) * min(max(share, 0.0), 1.0) ** 0.7).astype(int)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _axes(
    width: int,
    height: int,
    left: int,
    bottom: int,
    ymax: float,
    *,
    percent: bool,
    loc: Locale,
    money: bool = False,
    top: int = 12,
) -> list[str]:
    """Grid lines and labels of the y axis, on the plot's scale.

    The plot spans ``top`` to ``height - bottom``; a value ``v`` is drawn at
    ``height - bottom - v / ymax * (height - bottom - top)`` (the charts use
    the same), and no tick lies above ``ymax`` (a label there would be cut).
    """
    parts = []
    plot_h = height - bottom - top
    shown = [tick for tick in _nice_ticks(ymax) if tick <= ymax * (1 + 1e-9)]
    labels = loc.tick_labels(shown, money=money, percent=percent)
    for tick, label in zip(shown, labels, strict=True):
        y = height - bottom - tick / ymax * plot_h if ymax > 0 else height - bottom
        parts.append(
            f"<line x1='{left}' x2='{width - 10}' y1='{y:.1f}' y2='{y:.1f}' stroke='#e3e6ea'/>"
            f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' fill='#555' "
            f"font-size='11'>{label}</text>"
        )
    return parts


def histogram(
    values: np.ndarray,
    *,
    title: str,
    bins: int = 30,
    log: bool = True,
    width: int = 640,
    loc: Locale = EN,
    x_title: str = "",
    y_title: str = "",
) -> str:
    """Histogram of positive values, on a log axis by default."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    height, left, bottom, top = 240, 50, 34, 26  # the y title above the top label
    if log:
        v = v[v > 0]
    if v.size == 0:
        return _svg(width, 60, f"<text x='10' y='30'>{escape(loc.t('svg.empty'))}</text>", title)
    # The axis starts at the 1st percentile so a few tiny values do not squash
    # it, and a log axis spans at most five decades below the largest value
    # (a CLV of $0.00004 beside $2,000 is nothing): smaller values count in
    # the first bar, whose label then says "up to".
    floor = float(np.quantile(v, 0.01))
    if log:
        floor = max(floor, float(v.max()) * 1e-5)
    clamped = bool((v < floor).any())
    v = np.maximum(v, floor)
    lo, hi = (np.log10(floor), np.log10(v.max())) if log else (floor, v.max())
    if hi <= lo:
        hi = lo + 1
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(np.log10(v) if log else v, bins=edges)
    ymax = float(counts.max()) * 1.1
    plot_w, plot_h = width - left - 10, height - bottom - top
    parts = _axes(width, height, left, bottom, ymax, percent=False, loc=loc, top=top)
    bw = plot_w / bins
    bounds = loc.money_ticks([float(10**e if log else e) for e in edges])
    for i, c in enumerate(counts):
        h = c / ymax * plot_h
        label = f"≤ {bounds[1]}" if i == 0 and clamped else f"{bounds[i]}–{bounds[i + 1]}"
        parts.append(
            f"<rect x='{left + i * bw + 1:.1f}' y='{height - bottom - h:.1f}' width='{bw - 2:.1f}'"
            f" height='{h:.1f}' fill='{PALETTE[0]}'><title>{label}: "
            f"{loc.t('svg.n', n=c)}</title></rect>"
        )
    # On a log axis, the powers of ten in range when there are three or more
    # ($0.01, $0.10, $1, $10, ...); else six even steps.
    powers = np.arange(np.ceil(lo - 1e-9), np.floor(hi + 1e-9) + 1) if log else np.zeros(0)
    if powers.size >= 3:
        ticks = powers[:: -(-powers.size // 7)]  # at most seven labels
        labels = loc.tick_labels([float(10**q) for q in ticks], money=True)
    else:
        ticks = np.linspace(lo, hi, 6)
        labels = loc.money_ticks([float(10**q if log else q) for q in ticks])
    parts += x_labels(
        [left + (q - lo) / (hi - lo) * plot_w for q in ticks],
        labels,
        y=height - bottom + 16,
        low=2,
        high=width - 2,
    )
    if x_title:
        parts.append(
            f"<text x='{left + plot_w / 2:.1f}' y='{height - 4}' text-anchor='middle' "
            f"fill='#555' font-size='11'>{escape(x_title)}</text>"
        )
    if y_title:
        parts.append(f"<text x='4' y='11' fill='#555' font-size='11'>{escape(y_title)}</text>")
    return _svg(width, height, "".join(parts), title)


def area_chart(
    periods: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 720,
    loc: Locale = EN,
    legend: Mapping[str, float | str] | None = None,
) -> str:
    """Stacked area chart (e.g. customers per lifecycle state over time).

    The legend shows each series' last value, or the value ``legend`` gives
    (text, such as "< 10", as it is).
    """
    names = list(series)
    data = np.asarray([list(series[s]) for s in names], dtype=float)
    data = np.nan_to_num(data)
    n = data.shape[1]
    shown = {
        name: (legend or {}).get(name, data[j, -1] if n else 0.0) for j, name in enumerate(names)
    }
    entries = [
        f"{name} ({v if isinstance(v, str) else loc.number(float(v))})"
        for name, v in shown.items()
    ]
    legend_w = int(max([text_width(e) for e in entries] + [100.0])) + 30
    height, left, bottom = 280, 56, 40
    legend_px = legend_w
    width = max(width, left + 360 + legend_px)
    plot_w, plot_h = width - left - legend_px - 10, height - bottom - 12
    stack = np.cumsum(data, axis=0)
    ymax = float(stack[-1].max()) * 1.05 if stack.size and stack[-1].max() > 0 else 1.0
    parts = _axes(width - legend_px, height, left, bottom, ymax, percent=False, loc=loc)

    def xy(i: int, v: float) -> str:
        x = left + (i / max(n - 1, 1)) * plot_w
        return f"{x:.1f},{height - bottom - v / ymax * plot_h:.1f}"

    lower = np.zeros(n)
    for j, name in enumerate(names):
        upper = stack[j]
        points = [xy(i, upper[i]) for i in range(n)] + [
            xy(i, lower[i]) for i in reversed(range(n))
        ]
        parts.append(
            f"<polygon points='{' '.join(points)}' fill='{PALETTE[j % len(PALETTE)]}' "
            f"fill-opacity='0.85'><title>{escape(name)}</title></polygon>"
        )
        ly = 20 + j * 18
        parts.append(
            f"<rect x='{width - legend_px + 4}' y='{ly}' width='11' height='11' "
            f"fill='{PALETTE[j % len(PALETTE)]}'/><text x='{width - legend_px + 20}' "
            f"y='{ly + 10}' fill='#333'>{escape(entries[j])}</text>"
        )
        lower = upper
    parts += x_labels(
        [left + (i / max(n - 1, 1)) * plot_w for i in range(n)],
        list(periods),
        y=height - bottom + 16,
        low=2,
        high=width - legend_px,
    )
    return _svg(width, height, "".join(parts), title)


def line_chart(
    periods: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    width: int = 640,
    loc: Locale = EN,
    money: bool = False,
) -> str:
    """Lines with markers (e.g. actual vs predicted holdout purchases)."""
    names = list(series)
    data = np.asarray([list(series[s]) for s in names], dtype=float)
    n = data.shape[1]
    height, left, bottom, top = 250, 50, 40, 30  # the legend above the plot
    plot_w, plot_h = width - left - 20, height - bottom - top
    finite = data[np.isfinite(data)]
    ymax = float(finite.max()) * 1.1 if finite.size and finite.max() > 0 else 1.0
    parts = _axes(width, height, left, bottom, ymax, percent=False, loc=loc, money=money, top=top)
    for j, name in enumerate(names):
        pts = []
        for i in range(n):
            if not math.isfinite(data[j, i]):
                continue
            x = left + (i + 0.5) / n * plot_w
            y = height - bottom - data[j, i] / ymax * plot_h
            pts.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{PALETTE[j]}'>"
                f"<title>{escape(name)} · {escape(str(periods[i]))}: {data[j, i]:.3g}</title>"
                "</circle>"
            )
        parts.append(
            f"<polyline points='{' '.join(pts)}' fill='none' stroke='{PALETTE[j]}' "
            f"stroke-width='2'/>"
            f"<rect x='{left + 10 + j * 130}' y='6' width='11' height='11' fill='{PALETTE[j]}'/>"
            f"<text x='{left + 26 + j * 130}' y='16' fill='#333'>{escape(name)}</text>"
        )
    parts += x_labels(
        [left + (i + 0.5) / n * plot_w for i in range(n)],
        list(periods),
        y=height - bottom + 16,
        low=2,
        high=width - 2,
    )
    return _svg(width, height, "".join(parts), title)
