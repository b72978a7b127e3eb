"""The self-contained HTML report of a :class:`~segkit.profiling.Profile`.

One file, no network: the charts are inline SVG drawn by segkit itself, so the
report needs no plotting library and opens anywhere. Sections appear when the
profile has the data for them. The report speaks English or Chinese
(``lang="en"|"zh"``) and shows money in the shop's currency (``currency=``).

Each section is one function from a :class:`~segkit.report._sections.Context`
to HTML, listed in :data:`SECTIONS` in page order; a new capability adds its
section by adding a function to that list.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from segkit import __version__
from segkit.report import _forecast, _loyalty, _satisfaction, _sections, _story
from segkit.report._i18n import Locale, playbook_data
from segkit.report._sections import Context

if TYPE_CHECKING:
    from segkit.privacy import Privacy
    from segkit.profiling import Profile

__all__ = ["SECTIONS", "load_playbook", "render"]


def load_playbook(lang: str = "en") -> dict[str, dict[str, str]]:
    """The shipped action playbook in one language: ``{"segments": {...}, "lifecycle": {...}}``.

    The data file carries every name, definition and action in English and
    Chinese; this returns the actions in ``lang``, keyed by segment or state.

    Examples
    --------
    >>> from segkit.report import load_playbook
    >>> load_playbook()["lifecycle"]["at_risk"][:9]
    'Win-back:'
    >>> load_playbook("zh")["lifecycle"]["at_risk"][:3]
    '挽回：'
    """
    Locale(lang)  # validates lang
    data = playbook_data()
    return {
        kind: {
            name: entry["action"][lang] for name, entry in data[kind].items() if "action" in entry
        }
        for kind in ("segments", "lifecycle")
    }


_CSS = """
:root { --ink:#1d2733; --muted:#5d6b7a; --line:#e3e7ec; --brand:#2f6fad; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",
       "Noto Sans SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei",
       "WenQuanYi Micro Hei",sans-serif;
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
table.words th, table.words td { word-break:keep-all; }
td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.pill { display:inline-block; padding:1px 8px; border-radius:10px; background:#e8f0f9;
        color:#1f4f8c; font-size:12px; white-space:nowrap; }
.note { color:var(--muted); font-size:12px; }
ul.dl { columns:3 220px; padding-left:18px; }
.kpi .h { color:var(--muted); font-size:11px; margin-top:4px; }
td.def { color:var(--muted); font-size:12px; max-width:340px; }
td.def code { font-size:11px; color:#40566e; white-space:normal; word-break:break-word; }
svg { width:100%; height:auto; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
"""


def _private(profile: Profile, privacy: Privacy, loc: Locale, notes: list[str]) -> Profile:
    """A shallow copy of ``profile`` whose table shows only what ``privacy`` allows."""
    import copy

    from segkit.privacy import find_pii, pseudonymize

    shown = copy.copy(profile)
    table = profile.table
    if privacy.drop_pii:
        found = find_pii(table)
        if len(found):
            table = table.drop(columns=list(found.index))
            notes.append(loc.t("privacy.dropped", n=len(found)))
    if privacy.key is not None:
        table = table.copy()
        table.index = pseudonymize(table.index, privacy.key)
        shown.results = dict(profile.results)
        then = profile.results.get("segment_then")
        if isinstance(then, pd.Series):
            shown.results["segment_then"] = pd.Series(
                then.to_numpy(), index=pseudonymize(then.index, privacy.key), name=then.name
            )
        notes.append(loc.t("privacy.pseudonyms"))
    if privacy.min_group:
        notes.append(loc.t("privacy.suppressed", k=privacy.min_group))
    shown.table = table
    return shown


#: The report's sections in page order; each returns "" when its data is missing.
SECTIONS: list[Callable[[Context], str]] = [
    _sections.kpis,
    _story.monthly,
    _sections.segments,
    _story.movements,
    _story.breakdown,
    _sections.clv,
    _forecast.forecast,
    _sections.lifecycle,
    _sections.tags,
    _sections.categories,
    _sections.holdout,
    _satisfaction.satisfaction,
    _loyalty.loyalty,
    _sections.top,
    _story.downloads,
]


def render(
    profile: Profile,
    *,
    title: str | None = None,
    lang: str = "en",
    currency: str | None = None,
    privacy: Privacy | None = None,
    by: str | None = None,
    **options: Any,
) -> str:
    """Render a profile as one self-contained HTML page.

    Parameters
    ----------
    profile : Profile
    title : str, optional
        The page heading; by default "Customer segmentation report" in ``lang``.
    lang : {"en", "zh"}
        Language of every heading, label, segment and state name and action.
    currency : str, optional
        Symbol (``"£"``) or ISO code (``"GBP"``) for money; ``$`` for English
        and ``¥`` for Chinese by default. Large amounts are written
        ``£1.2k``/``£3.4M`` in English and ``¥1.2万``/``¥3.4亿`` in Chinese.
    privacy : segkit.privacy.Privacy, optional
        For a report shared outside the analytics team: no group of fewer than
        ``min_group`` customers in any table or chart (merged into "other" or
        left blank, and a note says so), customer ids as keyed pseudonyms,
        personal-data columns left out, or no customer-level rows at all.
    by : str, optional
        A column of the customer table (``"country"``, ``"channel"``…): the
        report adds the segment mix and the revenue per value of it.
    """
    rfm = profile.models.get("rfm")
    loc = Locale(lang, currency, segment_map=getattr(rfm, "segment_map_", None))
    notes: list[str] = []
    if privacy is not None:
        profile = _private(profile, privacy, loc, notes)
        options.setdefault("min_group", privacy.min_group)
        options.setdefault("show_ids", not privacy.hide_ids)
    if by is not None and by not in profile.table.columns:
        from segkit.errors import ColumnNotFoundError

        raise ColumnNotFoundError([by], profile.table.columns, "customer table (by=)")
    ctx = Context(profile, loc, notes=notes, by=by, **options)
    body = "".join(section(ctx) for section in SECTIONS) + _sections.notes(ctx)
    heading = title or loc.t("title")
    subtitle = loc.t(
        "subtitle",
        customers=loc.count(len(profile.table)),
        as_of=loc.date(profile.as_of),
        version=__version__,
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f"<!DOCTYPE html><html lang='{html_lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(heading)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(heading)}</h1><p>{escape(subtitle)}</p></header>"
        f"<main>{body}</main><footer>{escape(loc.t('footer', version=__version__))}</footer>"
        "</body></html>"
    )
