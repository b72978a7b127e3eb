"""Every user string in every HTML output is escaped (issue 18, item 4)."""

from __future__ import annotations

import re

import pytest

from segkit.datasets import make_transactions
from segkit.errors import ParameterError
from segkit.privacy import Privacy
from segkit.profiling import profile
from segkit.report._i18n import Locale

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "</td><script>alert(2)</script>"


@pytest.fixture(scope="module")
def hostile():
    tx = make_transactions(150, seed=11)
    tx["customer_id"] = tx["customer_id"].map(lambda i: f"{XSS}{i}" if i % 2 else f"{SCRIPT}{i}")
    people = tx[["customer_id"]].drop_duplicates().reset_index(drop=True)
    people["country"] = [XSS, SCRIPT, "UK"] * (len(people) // 3) + ["UK"] * (len(people) % 3)
    p = profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        customers=people,
        progress=False,
    )
    table = p.table
    names = {
        s: f"{XSS}{s}" if i % 2 else f"{SCRIPT}{s}"
        for i, s in enumerate(table["segment"].unique())
    }
    table["segment"] = table["segment"].astype(object).map(names)
    table["lifecycle_state"] = table["lifecycle_state"].astype(object).map(lambda s: f"{XSS}{s}")
    then = p.results.get("segment_then")
    if then is not None:
        p.results["segment_then"] = then.astype(object).map(names)
    old = p.tags[0]
    table[f"tag_{XSS}"] = table.pop(old)
    p.tags = [f"tag_{XSS}", *p.tags[1:]]
    return p


def _no_markup(html: str) -> None:
    assert "<img" not in html
    assert "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lang": "zh"},
        {"by": "country"},
        {"privacy": Privacy(min_group=3)},
        {"title": XSS},
    ],
    ids=["en", "zh", "by", "privacy", "title"],
)
def test_report_escapes_everything(hostile, options):
    _no_markup(hostile.report(**options))


def test_notebook_view_escapes(hostile):
    _no_markup(hostile._repr_html_())


def test_hostile_notes_escaped(hostile):
    hostile.notes.append(XSS)
    try:
        _no_markup(hostile.report())
    finally:
        hostile.notes.pop()


@pytest.mark.parametrize("symbol", ["<b>", "'", "&", "=1"], ids=["tag", "quote", "amp", "eq"])
def test_currency_symbol_cannot_carry_markup(symbol):
    with pytest.raises(ParameterError, match=re.escape(f"got {symbol!r}")):
        Locale("en", symbol)
