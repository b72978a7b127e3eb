"""Labels that agree with the numbers beside them (issue 17, item 3)."""

from __future__ import annotations

import re

import pytest

from segkit.profiling import profile


@pytest.fixture(scope="module")
def early_start(cdnow):
    # The first lifecycle boundary precedes the first order by a year.
    return profile(
        cdnow,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        lifecycle_start="1996-01-01",
        clv=False,
        progress=False,
    )


def test_lifecycle_legend_matches_the_table(early_start):
    html = early_start.report()
    section = html.split("<section id='lifecycle'>")[1].split("</section>")[0]
    legend = dict(re.findall(r"fill='#333'>([a-z ]+) \(([\d.,k]+)\)</text>", section))
    table = dict(
        re.findall(r"<span class='pill'>([a-z ]+)</span></td><td class='n'>([\d,]+)</td>", section)
    )
    assert table
    for state, n in table.items():
        assert legend[state] == (f"{int(n.replace(',', '')) / 1000:.1f}k" if len(n) > 3 else n)


def test_movement_matrix_never_only_entered(early_start):
    html = early_start.report()
    section = html.split("<section id='lifecycle'>")[1].split("</section>")[0]
    rows = re.findall(r"text-anchor='end' fill='#333' font-size='11'>([^<]+)</text>", section)
    assert rows
    assert rows != ["(entered)"]
    # a year back from September 1997 is before the first order: the first month with customers
    assert "Moves between lifecycle states since January 1997" in section
    assert "1996-" not in section  # no empty months before the first customer


def test_p_alive_is_explained(cdnow):
    p = profile(cdnow, customer="customer_id", timestamp="date", amount="amount", progress=False)
    assert "P(alive) is the model&#x27;s probability that a customer has not silently" in (
        p.report()
    )
