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
from segkit.report._text import TEXT

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
