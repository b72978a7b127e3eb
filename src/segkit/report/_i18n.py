"""Report language and money: the words in English and Chinese, numbers per locale.

A :class:`Locale` is the report's language (``"en"`` or ``"zh"``) and currency
(a symbol such as ``"£"`` or an ISO 4217 code such as ``"GBP"``). It formats
numbers the way readers of that language write them (``£1.2k`` and ``$3.4M``
in English; ``¥1.2万`` and ``¥3.4亿`` in Chinese, where large numbers are
grouped by 10⁴), dates (``30 June 1998`` / ``1998年6月30日``), and looks up
every heading and label in :data:`TEXT`, and segment, lifecycle-state and
tier names in the playbook data. Segment names, descriptions and actions come
first from the segment map in use (its ``translations``), so a custom map can
bring its own.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import attrs
import pandas as pd

from segkit.errors import ParameterError

__all__ = ["CURRENCIES", "LANGS", "TEXT", "Locale", "playbook_data", "text_width"]

LANGS = ("en", "zh")

#: ISO 4217 codes (and names) people commonly pass, and the symbol shown for each.
CURRENCIES = {
    "USD": "$",
    "GBP": "£",
    "EUR": "€",
    "CNY": "¥",
    "RMB": "¥",
    "JPY": "¥",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "C$",
    "CHF": "CHF ",
    "INR": "₹",
    "KRW": "₩",
    # the currencies' own names, which are written after the number (649元, 980円)
    "元": "¥",
    "人民币": "¥",
    "円": "¥",
}


@cache
def playbook_data() -> dict[str, Any]:
    """The shipped playbook: names, definitions and actions in each language."""
    path = resources.files("segkit").joinpath("data", "playbook.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def cjk_tight(text: str) -> str:
    """``text`` without spaces between two Chinese characters (or full-width marks).

    >>> cjk_tight("每个分群中按 销售额 排名前三；按 amount 排名")
    '每个分群中按销售额排名前三；按 amount 排名'
    """
    return _CJK_SPACE.sub("", text)


def text_width(text: str, size: float = 12.0) -> float:
    """Approximate rendered width of ``text`` in pixels at font ``size``.

    Wide (CJK) characters take a full em, digits and most Latin letters about
    0.6 em; good enough to lay out labels so that they never overlap.
    """
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in {"W", "F"}:
            width += 1.0
        elif char in "il.,:;'|!() ":
            width += 0.32
        elif char.isupper() or char in "mw%@—":
            width += 0.75
        else:
            width += 0.58
    return width * size


#: Compact units: thousands, millions, billions in English; 万 (10⁴) and 亿 (10⁸) in Chinese.
_STEPS = {
    "en": ((1e9, "B"), (1e6, "M"), (1e3, "k")),
    "zh": ((1e8, "亿"), (1e4, "万")),
}


def _validate_lang(instance: Any, attribute: Any, value: str) -> None:
    if value not in LANGS:
        raise ParameterError(f"lang must be one of {list(LANGS)}; got {value!r}")


def _symbol(currency: str | None) -> str:
    if currency is None:
        return ""
    code = currency.strip()
    if code.upper() in CURRENCIES:
        return CURRENCIES[code.upper()]
    if len(code) == 3 and code.isalpha():
        return f"{code.upper()} "
    if not code or len(code) > 4 or any(c in code for c in "<>&\"'`="):
        raise ParameterError(
            f"currency must be a symbol such as '£' or an ISO code such as 'GBP'; got {currency!r}"
        )
    return code


_SUFFIXES = {"k": 1e3, "M": 1e6, "B": 1e9, "万": 1e4, "亿": 1e8}


def _reads_back(label: str, value: float, percent: bool) -> bool:
    """Whether a short number label (``£2.5k``, ``1.2万``, ``12.5%``) is ``value``."""
    # the number itself, not a dot of the currency symbol ("kr.2.5k", "S/.12")
    found = re.search(r"\d[\d,]*(?:\.\d*)?", label)
    if found is None:
        return False
    digits = found.group().replace(",", "")
    number = float(digits) * _SUFFIXES.get(label[-1], 1.0) * (-1 if label.startswith("-") else 1)
    if percent:
        number /= 100.0
    return abs(number - value) <= 1e-9 * max(abs(value), 1e-12)


@attrs.frozen
class Locale:
    """Language and currency of a report.

    Parameters
    ----------
    lang : {"en", "zh"}
    currency : str, optional
        A symbol (``"£"``) or ISO 4217 code (``"GBP"``); by default ``$`` for
        English and ``¥`` for Chinese.
    segment_map : segkit.rfm.SegmentMap, optional
        The map whose segments are shown: their names, descriptions and
        actions in this language come from it before the playbook.

    Examples
    --------
    >>> Locale("en", "GBP").money(1234.0), Locale("zh", "CNY").money(12345.0)
    ('£1.2k', '¥1.2万')
    >>> Locale("zh").money(340_000_000.0), Locale("en").money(-3_400_000.0)
    ('¥3.4亿', '-$3.4M')
    """

    lang: str = attrs.field(default="en", validator=_validate_lang)
    currency: str | None = None
    segment_map: Any = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    symbol: str = attrs.field(init=False)

    @symbol.default
    def _default_symbol(self) -> str:
        if self.currency is None:
            return "¥" if self.lang == "zh" else "$"
        return _symbol(self.currency)

    def t(self, message: str, **values: Any) -> str:
        """The text ``message`` in this language, with ``{placeholders}`` filled.

        In Chinese a space between two Chinese characters (a Chinese value in a
        placeholder set off by spaces) is taken out: 按销售额排名, not 按 销售额 排名.
        """
        text = TEXT[self.lang].get(message) or TEXT["en"][message]
        text = text.format(**values) if values else text
        return cjk_tight(text) if self.lang == "zh" else text

    def number(self, value: float, *, money: bool = False, percent: bool = False) -> str:
        """A short number for a label: ``1.2k``/``1.2万``, ``12.3%``, ``–`` when missing."""
        if value is None or not math.isfinite(value):
            return "–"
        if percent:
            return f"{100 * value:.1f}%"
        sign = "-" if value < 0 else ""
        v = abs(value)
        steps = _STEPS[self.lang]
        text = ""
        for size, suffix in steps:
            if v >= size:
                scaled = v / size
                whole = scaled >= 100 or (scaled >= 10 and suffix in {"k", "万"})
                text = f"{scaled:.0f}{suffix}" if whole else f"{scaled:.1f}{suffix}"
                break
        if not text:
            digits = 0 if v >= 100 or v == int(v) else 2 if money else 1
            text = f"{v:,.{digits}f}"
        return f"{sign}{self.symbol if money else ''}{text}"

    def money(self, value: float) -> str:
        """A short amount of money: ``£1.2k``, ``¥1.2万``."""
        return self.number(value, money=True)

    def tick_labels(
        self, values: Sequence[float], *, money: bool = False, percent: bool = False
    ) -> list[str]:
        """Labels for an axis' grid lines that each say their line's value exactly.

        The short form (``£2.5k``, ``¥1.5万``, ``12.5%``) where it reads back as
        the value; else the values written out with the decimals the steps need,
        the same for every line but 0 (``0``, ``0.25``, ``0.50``, ``0.75``: a
        short ``0.2`` and ``0.8`` would put 0.25 and 0.75 a twentieth off).
        """
        short = [self.number(v, money=money, percent=percent) for v in values]
        if all(_reads_back(label, v, percent) for label, v in zip(short, values, strict=True)):
            return short
        scale = 100.0 if percent else 1.0
        digits = next(
            (
                d
                for d in range(7)
                if all(abs(round(v * scale, d) - v * scale) <= 1e-9 * scale for v in values)
            ),
            6,
        )
        symbol = self.symbol if money else ""
        unit = "%" if percent else ""
        return [
            f"{symbol}0{unit}"
            if v == 0
            else f"{'-' if v < 0 else ''}{symbol}{abs(v * scale):,.{digits}f}{unit}"
            for v in values
        ]

    def money_ticks(self, values: Sequence[float]) -> list[str]:
        """Labels for amounts (axis ticks, a ranked column) that tell them apart.

        The short form (``£1.2k``, ``¥3.3万``) when it gives each distinct value
        its own label; else the amounts written out with as many decimals as it
        takes (``¥33,362``, ``¥33,364``): a narrow range, such as the CLV of
        customers who all look alike, would otherwise show one label six times.
        """
        labels = [self.money(v) for v in values]
        distinct = len({v for v in values if math.isfinite(v)}) + any(
            not math.isfinite(v) for v in values
        )
        digits = 0
        while len(set(labels)) < distinct and digits <= 6:
            labels = [
                "–"
                if not math.isfinite(v)
                else f"{'-' if v < 0 else ''}{self.symbol}{abs(v):,.{digits}f}"
                for v in values
            ]
            digits += 1
        return labels

    def count(self, value: float) -> str:
        """A whole count with separators: ``12,345``."""
        return f"{value:,.0f}" if math.isfinite(value) else "–"

    def date(self, when: Any) -> str:
        """A day: ``30 June 1998`` / ``1998年6月30日``."""
        ts = pd.Timestamp(when)
        if self.lang == "zh":
            return f"{ts.year}年{ts.month}月{ts.day}日"
        return f"{ts.day} {ts:%B %Y}"

    def month(self, when: Any) -> str:
        """A month: ``June 1998`` / ``1998年6月``."""
        ts = pd.Timestamp(when)
        return f"{ts.year}年{ts.month}月" if self.lang == "zh" else f"{ts:%B %Y}"

    def period(self, when: Any) -> str:
        """A short label for an axis, in either language.

        ``1998-06`` for a month start; a point within a month (``as_of`` at the
        end of a replay, weekly boundaries) gets its day, ``1998-06-30``, so two
        points of one month never share a label.
        """
        ts = pd.Timestamp(when)
        if ts.day == 1 and ts == ts.normalize():
            return f"{ts:%Y-%m}"
        return f"{ts:%Y-%m-%d}"

    def _mapped(self, kind: str, name: Any, field: str) -> str:
        """A segment's ``field`` in this language from the segment map, or ""."""
        if kind != "segments" or self.segment_map is None:
            return ""
        for segment in getattr(self.segment_map, "segments", ()):
            if segment.name == str(name):
                return str(segment.text(field, self.lang))
        return ""

    def _name(self, kind: str, name: Any) -> str:
        mapped = self._mapped(kind, name, "name")
        if mapped:
            return mapped
        entry = playbook_data().get(kind, {}).get(str(name))
        if entry is None:
            return str(name)
        names: dict[str, str] = entry.get("name", {})
        return names.get(self.lang) or str(name)

    def segment(self, name: Any) -> str:
        """A segment's name in this language (as it is when the playbook lacks it)."""
        return self._name("segments", name)

    def state(self, name: Any) -> str:
        """A lifecycle state's name in this language."""
        if str(name) == "(entered)" and self.lang == "zh":
            return "（新进入）"
        return self._name("lifecycle", name)

    def tier(self, name: Any) -> str:
        """A membership tier's name in this language."""
        return self._name("tiers", name)

    def definition(self, kind: str, name: Any) -> str:
        """The description of a segment/state in this language, or ``""``.

        A segment's comes from the segment map, else from the playbook.
        """
        mapped = self._mapped(kind, name, "description")
        if mapped:
            return mapped
        entry = playbook_data().get(kind, {}).get(str(name), {})
        texts: dict[str, str] = entry.get("description", {})
        return texts.get(self.lang, "")

    def action(self, kind: str, name: Any, default: str = "") -> str:
        """The suggested action in this language (segment map, playbook), else ``default``."""
        mapped = self._mapped(kind, name, "action")
        if mapped:
            return mapped
        entry = playbook_data().get(kind, {}).get(str(name), {})
        texts: dict[str, str] = entry.get("action", {})
        if self.lang == "en" and default:
            return default
        return texts.get(self.lang) or default or texts.get("en", "")


TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Customer segmentation report",
        "subtitle": "{customers} customers · as of {as_of} · made with segkit {version}",
        "footer": "segkit {version} — every chart is computed from the data in this file's "
        "customer table; no data left this machine.",
        "kpi.customers": "customers",
        "kpi.revenue": "revenue",
        "kpi.orders": "orders",
        "kpi.repeat": "repeat customers",
        "kpi.recency": "median recency",
        "kpi.days": "{days} days",
        "kpi.clv": "expected value, next {horizon}",
        "kpi.p_alive": "mean P(alive)",
        "h.segments": "Segments",
        "segments.lead": "{n} segments from recency, frequency and spend. The largest revenue "
        "segment, <b>{top}</b>, brings {share} of revenue.",
        "segments.chart": "Customers and revenue by segment",
        "share.customers": "share of customers",
        "share.revenue": "share of revenue",
        "col.segment": "segment",
        "col.customers": "customers",
        "col.revenue": "revenue",
        "col.recency": "recency (d)",
        "col.orders": "orders",
        "col.avg_clv": "avg CLV",
        "col.action": "suggested action",
        "col.definition": "definition",
        "col.customer": "customer",
        "col.state": "state",
        "col.lifecycle": "lifecycle",
        "col.tags": "tags",
        "col.p_alive": "P(alive)",
        "col.clv": "CLV",
        "col.actual": "actual",
        "col.predicted": "predicted",
        "col.repeat_cal": "repeat purchases (calibration)",
        "rf.title": "Customers by recency and frequency score",
        "rf.cols": "frequency score →",
        "rf.rows": "recency",
        "h.forecast": "Demand forecast",
        "forecast.lead": "Expected repeat purchases per segment in each of the next {months} "
        "calendar months (<b>{total}</b> in all), from the purchase model and each customer's "
        "own history.",
        "forecast.total": "all customers",
        "h.clv": "Customer lifetime value",
        "clv.lead": "Expected, discounted value of each customer's purchases over the next "
        "{horizon}. The top 10% of customers hold <b>{share}</b> of it.{params}",
        "clv.params": " BG/NBD parameters (weeks): {params}.",
        "clv.hist": "Distribution of customer lifetime value (log scale)",
        "clv.axis": "customer lifetime value",
        "clv.count_axis": "customers",
        "h.lifecycle": "Lifecycle",
        "lifecycle.lead": "Where customers are in their relationship with you, replayed month "
        "by month from their purchase history.",
        "lifecycle.area": "Customers per lifecycle state",
        "lifecycle.moves": "Moves between lifecycle states since {since}",
        "lifecycle.moves_cols": "state now →",
        "lifecycle.moves_rows": "state in {since}",
        "h.tags": "Tags",
        "tags.lead": "Rule-based tags: how many customers carry each, and how they overlap.",
        "tags.chart": "Tag coverage",
        "tags.overlap": "Tag overlap: share of the row tag that also has the column tag",
        "tags.also": "also tagged →",
        "h.loyalty": "Loyalty programme",
        "loyalty.lead": "Membership tiers over time, the latest upgrades and downgrades, the "
        "points the shop owes, and how acquisition cohorts keep buying.",
        "loyalty.tiers": "Customers per tier",
        "loyalty.moves": "From {start} to {end} (the last whole review period)",
        "loyalty.up": "upgrades",
        "loyalty.down": "downgrades",
        "loyalty.cohorts": "Share of each cohort buying, by periods since acquisition",
        "loyalty.cohort": "cohort",
        "loyalty.since": "periods since →",
        "loyalty.holders": "customers with points",
        "loyalty.points": "points outstanding",
        "loyalty.value": "value of the points",
        "loyalty.expiring": "value expiring within 30 days",
        "h.satisfaction": "Satisfaction and complaints",
        "sat.lead": "NPS and CSAT by segment, with 95% confidence intervals (NPS: Rocks 2016; "
        "CSAT: Wilson).",
        "sat.nps": "NPS (95% interval)",
        "sat.csat": "CSAT (95% interval)",
        "sat.answers": "answers",
        "sat.complaint_themes": "Complaint themes",
        "sat.feedback_themes": "Themes in feedback comments",
        "sat.theme": "theme",
        "sat.mentions": "mentions",
        "sat.share": "share of texts",
        "sat.open": "{open} customers have an open complaint; {valuable} of them are in the top "
        "{share} by {key}.",
        "sat.valuable": "Valuable customers waiting on a complaint",
        "sat.open_col": "open complaints",
        "sat.days_open": "days open (oldest)",
        "sat.drivers": "Why customers leave",
        "sat.drivers_lead": "Rules from a shallow decision tree on the feedback at the start of "
        "the holdout; {rate} churned overall. Each rule pastes into a TagEngine.",
        "sat.rule": "rule",
        "sat.churn_rate": "churn rate",
        "sat.lift": "lift",
        "h.holdout": "Does the CLV model hold up?",
        "holdout.lead": "Fitted on the calibration period and checked on the last {weeks} weeks: "
        "predicted {predicted} repeat purchases, actual {actual} ({error}).",
        "holdout.chart": "Holdout purchases by calibration repeat purchases",
        "holdout.prediction": "BG/NBD prediction",
        "h.top": "Top customers per segment",
        "top.lead": "The three most valuable customers of each segment by {key}: who to call "
        "first.",
        "h.categories": "What each segment buys",
        "categories.lead": "The three categories most customers of each segment bought, with the "
        "lift against all customers (above 1: more often than average); * marks a difference "
        "unlikely to be chance (false discovery rate 5%).",
        "col.category": "category",
        "col.bought": "bought it",
        "col.lift": "lift",
        "h.notes": "Notes",
        "p_alive.help": "P(alive) is the model's probability that a customer has not silently "
        "stopped buying; a rare buyer in a 'lost' segment can still be likely alive.",
        "privacy.other": "other",
        "privacy.merged": "{n} segments with fewer than {k} customers are merged into 'other' "
        "(minimum group size {k}).",
        "privacy.left_out": "{n} segments with fewer than {k} customers are left out: "
        "together they are fewer than {k} too (minimum group size {k}).",
        "privacy.merged_row": "{n} segments of fewer than {k} customers each",
        "privacy.suppressed": "Cells and rows of fewer than {k} customers are left blank "
        "(minimum group size {k}).",
        "cli.clv": "CLV, next {horizon}: {total} in all; the top 10% of customers hold {share}",
        "svg.n": "{n} customers",
        "svg.empty": "no positive values",
        "privacy.dropped": "{n} columns holding personal data are left out of this report.",
        "privacy.pseudonyms": "Customer ids are keyed pseudonyms (HMAC-SHA256); the key is not "
        "in this file.",
        "h.monthly": "Month by month",
        "monthly.lead": "In {month}: revenue {revenue}, {active} active customers (at least one "
        "purchase), {new} new (their first purchase).",
        "monthly.quiet": "No purchases after that, only returns ({revenue}).",
        "monthly.partial": "So far in {span} (a part month, up to the profile date): revenue "
        "{revenue}, {active} active customers, {new} new.",
        "monthly.span": "1–{day} {month}",
        "monthly.tick": "1–{day} {mon}",
        "monthly.revenue": "Revenue per month",
        "monthly.customers": "Active and new customers per month",
        "monthly.active": "active",
        "monthly.new": "new",
        "h.moves": "Segment movements",
        "moves.lead": "Each customer's segment on {since} against today; {share} are in the "
        "same segment.",
        "moves.title": "Segment on {since} (rows) and now (columns)",
        "moves.cols": "segment now →",
        "moves.rows": "on {since}",
        "moves.new": "(new since)",
        "moves.gone": "(gone)",
        "h.by": "By {by}",
        "by.lead": "Segment mix and revenue for each value of {by}.",
        "by.title": "Share of each segment within each {by}",
        "by.cols": "segment →",
        "by.rest": "{n} smaller values are shown together as 'other'.",
        "by.left_out": "{n} smaller values are left out: together they have fewer than {k} "
        "customers (minimum group size {k}).",
        "h.dl": "Customer lists",
        "dl.lead": "The customers of each segment as a CSV file (opens in Excel), embedded in "
        "this page; at most {n} customers per segment.",
        "dl.rows": "{n} customers",
        "dl.cut": "{segment}: the {kept} customers with the highest {key} of {n}.",
        "months": "{n} months",
        "month": "month",
        "year": "year",
    },
    "zh": {
        "title": "客户分群报告",
        "subtitle": "{customers} 位客户 · 截至 {as_of} · 由 segkit {version} 生成",
        "footer": "segkit {version} — 所有图表均由本文件中的客户表计算得出；数据未离开本机。",
        "kpi.customers": "客户数",
        "kpi.revenue": "销售额",
        "kpi.orders": "订单数",
        "kpi.repeat": "复购客户占比",
        "kpi.recency": "最近购买间隔中位数",
        "kpi.days": "{days} 天",
        "kpi.clv": "未来 {horizon}预期价值",
        "kpi.p_alive": "平均存活概率 P(alive)",
        "h.segments": "客户分群",
        "segments.lead": "按最近购买、购买频次和消费金额分为 {n} 个群。销售额最高的群"
        "<b>{top}</b>贡献了 {share} 的销售额。",
        "segments.chart": "各分群的客户与销售额占比",
        "share.customers": "客户占比",
        "share.revenue": "销售额占比",
        "col.segment": "分群",
        "col.customers": "客户数",
        "col.revenue": "销售额",
        "col.recency": "距上次购买（天）",
        "col.orders": "订单数",
        "col.avg_clv": "平均 CLV",
        "col.action": "建议行动",
        "col.definition": "定义",
        "col.customer": "客户",
        "col.state": "状态",
        "col.lifecycle": "生命周期",
        "col.tags": "标签",
        "col.p_alive": "存活概率",
        "col.clv": "CLV",
        "col.actual": "实际",
        "col.predicted": "预测",
        "col.repeat_cal": "复购次数（校准期）",
        "rf.title": "按最近购买与频次评分的客户数",
        "rf.cols": "频次评分 →",
        "rf.rows": "最近购买",
        "h.forecast": "需求预测",
        "forecast.lead": "根据购买模型和每位客户自己的购买记录，"
        "各分群未来 {months} 个自然月每月的预期复购次数（合计 <b>{total}</b>）。",
        "forecast.total": "全部客户",
        "h.clv": "客户终身价值",
        "clv.lead": "每位客户未来 {horizon}购买的预期折现价值。前 10% 的客户占其中的"
        " <b>{share}</b>。{params}",
        "clv.params": " BG/NBD 参数（以周计）：{params}。",
        "clv.hist": "客户终身价值分布（对数刻度）",
        "clv.axis": "客户终身价值",
        "clv.count_axis": "客户数",
        "h.lifecycle": "客户生命周期",
        "lifecycle.lead": "根据购买历史逐月回放，客户与您的关系处于哪个阶段。",
        "lifecycle.area": "各生命周期状态的客户数",
        "lifecycle.moves": "自 {since} 以来生命周期状态之间的流转",
        "lifecycle.moves_cols": "当前状态 →",
        "lifecycle.moves_rows": "{since}的状态",
        "h.tags": "客户标签",
        "tags.lead": "基于规则的标签：每个标签覆盖多少客户，以及标签之间的重叠。",
        "tags.chart": "标签覆盖率",
        "tags.overlap": "标签重叠：行标签中同时带有列标签的比例",
        "tags.also": "同时带有 →",
        "h.loyalty": "会员忠诚度计划",
        "loyalty.lead": "会员等级随时间的变化、最近的升级与降级、待兑付积分，"
        "以及各获客批次的复购情况。",
        "loyalty.tiers": "各等级客户数",
        "loyalty.moves": "{start}至{end}（最近一个完整的评级周期）",
        "loyalty.up": "升级",
        "loyalty.down": "降级",
        "loyalty.cohorts": "各获客批次在获客后各期的购买比例",
        "loyalty.cohort": "获客批次",
        "loyalty.since": "获客后期数 →",
        "loyalty.holders": "持有积分的客户",
        "loyalty.points": "未兑付积分",
        "loyalty.value": "积分价值",
        "loyalty.expiring": "30 天内到期的积分价值",
        "h.satisfaction": "满意度与投诉",
        "sat.lead": "各细分群体的 NPS 与 CSAT，附 95% 置信区间（NPS：Rocks 2016；CSAT：Wilson）。",
        "sat.nps": "NPS（95% 区间）",
        "sat.csat": "CSAT（95% 区间）",
        "sat.answers": "回答数",
        "sat.complaint_themes": "投诉主题",
        "sat.feedback_themes": "评价文本主题",
        "sat.theme": "主题",
        "sat.mentions": "提及次数",
        "sat.share": "占文本比例",
        "sat.open": "{open} 位客户有未解决的投诉，"
        "其中 {valuable} 位是按{key}排名前 {share} 的客户。",
        "sat.valuable": "有未解决投诉的高价值客户",
        "sat.open_col": "未解决投诉",
        "sat.days_open": "最久未解决天数",
        "sat.drivers": "客户为何流失",
        "sat.drivers_lead": "在检验期开始时的反馈数据上用浅层决策树得到的规则；总体流失率 {rate}。"
        "每条规则都可直接放入 TagEngine。",
        "sat.rule": "规则",
        "sat.churn_rate": "流失率",
        "sat.lift": "提升度",
        "h.holdout": "CLV 模型经得起检验吗？",
        "holdout.lead": "在校准期拟合，并在最后 {weeks} 周检验：预测复购 {predicted} 次，"
        "实际 {actual} 次（{error}）。",
        "holdout.chart": "按校准期复购次数分组的检验期购买",
        "holdout.prediction": "BG/NBD 预测",
        "h.top": "各分群的头部客户",
        "top.lead": "每个分群中按 {key} 排名前三的客户：优先联系谁。",
        "h.categories": "各分群买什么",
        "categories.lead": "每个分群中购买人数最多的三个品类，以及相对全体客户的提升度"
        "（大于 1 表示高于平均）；* 表示差异不太可能出于偶然（错误发现率 5%）。",
        "col.category": "品类",
        "col.bought": "购买占比",
        "col.lift": "提升度",
        "h.notes": "说明",
        "p_alive.help": "存活概率 P(alive) 是模型估计的客户仍在购买、没有悄然流失的概率；"
        "“已流失”分群中购买很少的客户，存活概率也可能很高。",
        "privacy.other": "其他",
        "privacy.merged": "客户数少于 {k} 的 {n} 个分群已合并为“其他”（最小分组人数 {k}）。",
        "privacy.left_out": "客户数少于 {k} 的 {n} 个分群未显示：合在一起也少于 {k} 位"
        "（最小分组人数 {k}）。",
        "privacy.merged_row": "{n} 个分群，每个少于 {k} 位客户",
        "privacy.suppressed": "少于 {k} 位客户的单元格和行留空（最小分组人数 {k}）。",
        "cli.clv": "未来 {horizon} CLV：合计 {total}；前 10% 的客户占 {share}",
        "svg.n": "{n} 位客户",
        "svg.empty": "没有正值",
        "privacy.dropped": "{n} 个含有个人信息的列未出现在本报告中。",
        "privacy.pseudonyms": "客户 ID 为带密钥的假名（HMAC-SHA256）；密钥不在本文件中。",
        "h.monthly": "逐月概览",
        "monthly.lead": "{month}：销售额 {revenue}，活跃客户 {active} 位（至少购买一次），"
        "新客户 {new} 位（首次购买）。",
        "monthly.quiet": "此后没有购买，只有退货（{revenue}）。",
        "monthly.partial": "本月截至{span}（不足一个月，截至分析日）：销售额 {revenue}，"
        "活跃客户 {active} 位，新客户 {new} 位。",
        "monthly.span": "{month}{day}日",
        "monthly.tick": "截至{mon}{day}日",
        "monthly.revenue": "每月销售额",
        "monthly.customers": "每月活跃客户与新客户",
        "monthly.active": "活跃",
        "monthly.new": "新增",
        "h.moves": "分群变化",
        "moves.lead": "每位客户在 {since} 的分群与现在的对比；{share} 的客户分群未变。",
        "moves.title": "{since}的分群（行）与当前分群（列）",
        "moves.cols": "当前分群 →",
        "moves.rows": "{since}",
        "moves.new": "（此后新增）",
        "moves.gone": "（已不在）",
        "h.by": "按 {by} 细分",
        "by.lead": "{by} 的每个取值下的分群构成与销售额。",
        "by.title": "每个 {by} 中各分群的占比",
        "by.cols": "分群 →",
        "by.rest": "{n} 个较小的取值合并显示为“其他”。",
        "by.left_out": "{n} 个较小的取值未显示：合在一起也少于 {k} 位客户（最小分组人数 {k}）。",
        "h.dl": "客户名单",
        "dl.lead": "每个分群的客户名单（CSV 文件，可用 Excel 打开），嵌在本页中；"
        "每个分群最多 {n} 位客户。",
        "dl.rows": "{n} 位客户",
        "dl.cut": "{segment}：共 {n} 位客户，仅包含 {key} 最高的 {kept} 位。",
        "months": "{n} 个月",
        "month": "个月",
        "year": "年",
    },
}
