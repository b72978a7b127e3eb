"""The y axes of the report's charts: labels on the data's scale, none cut off or overlapping."""

from __future__ import annotations

import re

import numpy as np
import pytest

from segkit.report import _svg
from segkit.report._i18n import Locale, text_width

TICK = re.compile(
    r"<line x1='\d+' x2='[\d.]+' y1='([\d.-]+)' y2='[\d.-]+' stroke='#e3e6ea'/>"
    r"<text x='(\d+)' y='([\d.-]+)' text-anchor='end' fill='#555' font-size='11'>([^<]+)</text>"
)


def ticks(svg: str) -> dict[str, float]:
    return {label: float(y) for y, _, _, label in TICK.findall(svg)}


@pytest.mark.parametrize(
    "values",
    [pytest.param([170.0, 460.0, 200.0, 0.0], id="active"), pytest.param([3.0, 7.0], id="small")],
)
def test_line_chart_points_sit_on_their_grid_lines(values) -> None:
    svg = _svg.line_chart(["a", "b", "c", "d"][: len(values)], {"n": values}, title="t")
    grid = ticks(svg)
    assert grid
    points = [float(y) for y in re.findall(r"<circle cx='[\d.]+' cy='([\d.]+)'", svg)]
    zero = grid["0"]
    # the scale of the points and of the grid: value / pixels from the zero line
    for value, y in zip(values, points, strict=True):
        if value:
            top_label, top_y = max(((float(k), v) for k, v in grid.items()), key=lambda t: t[0])
            assert (zero - y) / value == pytest.approx((zero - top_y) / top_label, rel=1e-3)


@pytest.mark.parametrize(
    "chart",
    [
        pytest.param(
            lambda: _svg.line_chart(["a", "b", "c"], {"n": [170.0, 460.0, 0.0]}, title="t"),
            id="line",
        ),
        pytest.param(
            lambda: _svg.area_chart(
                ["a", "b"], {"x": [100.0, 460.0], "y": [0.0, 20.0]}, title="t"
            ),
            id="area",
        ),
        pytest.param(
            lambda: _svg.histogram(
                np.random.default_rng(0).lognormal(3, 2, 3000), title="t", y_title="客户数"
            ),
            id="histogram",
        ),
    ],
)
def test_no_tick_label_is_cut_at_the_top(chart) -> None:
    svg = chart()
    for label, y in ticks(svg).items():
        assert y - 11 >= 0, label  # the label's top (font size 11) inside the drawing
        assert float(label) >= 0


def test_the_histograms_axis_title_does_not_touch_the_top_label() -> None:
    values = np.random.default_rng(0).lognormal(3, 2, 3000)
    title = Locale("zh").t("clv.count_axis")
    svg = _svg.histogram(values, title="t", y_title=title, loc=Locale("zh"))
    assert f"<text x='4' y='11' fill='#555' font-size='11'>{title}</text>" in svg
    title_bottom = 11 + 3  # baseline 11, descenders
    right = 4 + text_width(title) * 11 / 12
    for _, x, y, label in TICK.findall(svg):
        label_top = float(y) - 11
        label_left = float(x) - text_width(label) * 11 / 12
        assert label_top >= title_bottom or label_left >= right, label


@pytest.mark.parametrize(
    "cols",
    [
        pytest.param(
            ["prospect", "new", "active", "loyal", "at risk", "churned", "reactivated"],
            id="states",
        ),
        pytest.param(["a", "b", "an extremely long segment name for a column"], id="long-last"),
        pytest.param(["潜在忠实客户", "需要关注客户", "不能失去的客户"] * 3, id="chinese"),
    ],
)
def test_slanted_column_labels_stay_inside_the_heatmap(cols) -> None:
    m = np.ones((2, len(cols)))
    svg = _svg.heatmap(m, ["x", "y"], cols, title="t", width=420)
    width = float(re.search(r"viewBox='0 0 ([\d.]+) ", svg).group(1))
    slanted = re.findall(
        r"<text x='([\d.]+)' y='([\d.]+)' transform='rotate\(-40 [^)]*\)' fill='#333' "
        r"font-size='11'>([^<]+)</text>",
        svg,
    )
    assert len(slanted) == len(cols)
    angle = np.radians(40)
    for x, y, label in slanted:
        w = text_width(label, 11)
        assert float(x) + w * np.cos(angle) <= width, label
        assert float(y) - w * np.sin(angle) - 11 * np.cos(angle) >= 0, label


def test_heatmap_cell_tooltips_name_their_own_column() -> None:
    svg = _svg.heatmap(np.array([[1.0, 2.0]]), ["r"], ["first", "second"], title="t")
    assert re.findall(r"<title>(r → [^<]+)</title>", svg) == ["r → first: 1", "r → second: 2"]


def test_heatmap_cell_numbers_fit_their_cells() -> None:
    # 12 columns (a cohort heat map): "100.0%" does not fit, "100%" does; the tooltip
    # keeps the value; 30 columns: nothing fits, nothing is printed
    m = np.full((2, 12), 1.0)
    m[1, :] = 0.5
    svg = _svg.heatmap(m, ["a", "b"], [str(i) for i in range(12)], title="t", percent=True)
    cells = re.findall(r"font-size='11'>(\d[^<]*%)</text>", svg)
    assert cells == ["100%"] * 12 + ["50%"] * 12
    assert "<title>a → 0: 100.0%</title>" in svg
    cell_w = (520 - 120) / 12
    assert all(text_width(c, 11) <= cell_w - 4 for c in cells)
    wide = _svg.heatmap(
        np.ones((1, 30)), ["a"], [str(i) for i in range(30)], title="t", percent=True
    )
    assert not re.findall(r"font-size='11'>(\d[^<]*%)</text>", wide)


_SUFFIX = {"k": 1e3, "M": 1e6, "B": 1e9, "万": 1e4, "亿": 1e8}


def _amount(label: str) -> float:
    """A money label read back: ``¥33,362`` -> 33362, ``$33k`` -> 33000, ``¥3.3万`` -> 33000."""
    number = float(re.sub(r"[^\d.]", "", label))
    return number * _SUFFIX.get(label[-1], 1.0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_histogram_ticks_over_a_narrow_range_tell_the_values_apart(lang) -> None:
    # CLV of a shop whose customers all look alike: 33,362 .. 33,370 (one 万, 33k)
    values = np.linspace(33_362.0, 33_370.0, 400)
    svg = _svg.histogram(values, title="t", loc=Locale(lang, "CNY"))
    labels = re.findall(r"<text class='xl' [^>]*>([^<]+)</text>", svg)
    assert labels == [f"¥33,{n}" for n in (362, 364, 365, 367, 368, 370)]
    amounts = [_amount(label) for label in labels]
    assert amounts == sorted(set(amounts))  # distinct and increasing
    assert all(33_361.0 <= a <= 33_371.0 for a in amounts), labels
    edges = re.findall(r"<title>([^<]+)–([^<]+): ", svg)
    assert all(_amount(a) < _amount(b) for a, b in edges), edges


def test_histogram_ticks_over_a_wide_range_stay_short() -> None:
    values = np.random.default_rng(0).lognormal(3, 2, 3000)
    svg = _svg.histogram(values, title="t", loc=Locale("en", "GBP"))
    found = re.findall(r"<text class='xl' x='([0-9.]+)'[^>]*>([^<]+)</text>", svg)
    # the powers of ten in range, evenly spaced on the log axis
    assert [label for _, label in found] == ["£1", "£10", "£100", "£1.0k"]
    gaps = np.diff([float(x) for x, _ in found])
    assert gaps == pytest.approx([gaps[0]] * 3, abs=0.15)


def test_a_log_histogram_spans_five_decades_below_the_largest_value() -> None:
    # customers a model gives nearly nothing (1e-6 beside 2,000) neither stretch
    # the axis nor write $0.00000: they count in the first bar, labelled "up to"
    values = np.r_[np.full(100, 1e-6), np.geomspace(0.5, 2_000, 900)]
    svg = _svg.histogram(values, title="t", loc=Locale("en"))
    labels = re.findall(r"<text class='xl' [^>]*>([^<]+)</text>", svg)
    assert labels == ["$0.10", "$1", "$10", "$100", "$1.0k"]
    bars = re.findall(r"<rect [^>]*><title>([^<]+)</title>", svg)
    assert bars[0] == "≤ $0.03: 100 customers"


def test_a_log_histogram_of_small_amounts_keeps_them_apart() -> None:
    # every value under a hundredth: the axis follows them (no floor of $0.01)
    values = np.geomspace(1e-4, 5e-3, 200)
    svg = _svg.histogram(values, title="t", loc=Locale("en"))
    labels = re.findall(r"<text class='xl' [^>]*>([^<]+)</text>", svg)
    assert labels[0] == "$0.0001"
    assert labels[-1] == "$0.0050"
    bars = re.findall(r"<rect [^>]*><title>[^<]+: (\d+) customers</title>", svg)
    assert len(bars) == 30
    assert sum(map(int, bars)) == 200
    assert sum(int(b) > 0 for b in bars) >= 25


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        pytest.param([0.1, 0.9, 0.5], ["0", "0.25", "0.50", "0.75"], id="quarters"),
        pytest.param([0.01, 0.09, 0.05], ["0", "0.025", "0.050", "0.075"], id="hundredths"),
        pytest.param([170.0, 460.0, 0.0], ["0", "200", "400"], id="counts"),
    ],
)
def test_y_tick_labels_say_the_value_of_their_grid_line(values, labels) -> None:
    # the holdout check's purchases per customer: 0.25 was labelled 0.2, 0.75 0.8
    # (and 0.025, 0.05, 0.075 read 0.0, 0.1, 0.1)
    svg = _svg.line_chart(["a", "b", "c"], {"n": values}, title="t")
    grid = ticks(svg)
    assert list(grid) == labels
    zero = grid["0"]
    top = max(grid, key=float)
    for label, y in grid.items():
        assert (zero - y) / (zero - grid[top]) == pytest.approx(
            float(label) / float(top), abs=2e-3
        )


def test_money_labels_tell_apart_only_what_differs() -> None:
    loc = Locale("zh", "CNY")
    assert loc.money_ticks([33_367.4, 33_366.1, 33_366.1, 33_362.0]) == [
        "¥33,367", "¥33,366", "¥33,366", "¥33,362"
    ]  # fmt: skip
    assert loc.money_ticks([150_000.0, 120_000.0]) == ["¥15万", "¥12万"]


def test_the_top_clv_table_tells_close_values_apart() -> None:
    # a fit at a limit gives every customer nearly the same CLV (33,362 .. 33,370):
    # the customers ranked by CLV all showed ¥3.3万
    from segkit import profile
    from segkit.datasets import make_transactions

    p = profile(make_transactions(300, seed=3), customer="customer_id", timestamp="timestamp",
                amount="amount", lifecycle=None, progress=False)  # fmt: skip
    p.table["clv"] = 33_362.0 + 0.5 * np.arange(len(p.table))
    top = float(p.table["clv"].max())
    section = p.report(lang="zh").split("<section id='clv'>")[1].split("</section>")[0]
    shown = re.findall(r"<td class='n'>(¥[^<]+)</td></tr>", section)
    assert shown == [f"¥{top - 0.5 * k:,.1f}" for k in range(10)]


@pytest.mark.parametrize("symbol", ["kr.", "Rs.", "S/."])
def test_money_labels_with_a_dot_in_the_currency_symbol(symbol) -> None:
    # the dot of the symbol was read as a decimal point: float(".2.5") raised
    loc, pound = Locale("en", symbol), Locale("en", "£")
    for values in ([2500.0, 1000.0], [2500.4, 2500.1], [0.25, 0.75]):
        labels = [label.replace("£", symbol) for label in pound.money_ticks(values)]
        assert loc.money_ticks(values) == labels
        grid = [label.replace("£", symbol) for label in pound.tick_labels(values, money=True)]
        assert loc.tick_labels(values, money=True) == grid
    assert loc.tick_labels([1000.0, 2500.0], money=True) == [f"{symbol}1.0k", f"{symbol}2.5k"]
