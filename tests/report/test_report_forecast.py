"""The report's demand forecast: expected repeat purchases per segment and calendar month."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.datasets import load_cdnow
from segkit.privacy import Privacy
from segkit.profiling import profile
from segkit.report._forecast import MONTHS, monthly_by_segment
from segkit.report._i18n import Locale
from segkit.report._sections import Context


@pytest.fixture(scope="module")
def cdnow_profile():
    return profile(
        load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        progress=False,
    )


def test_months_and_segments(cdnow_profile) -> None:
    table = monthly_by_segment(Context(cdnow_profile, Locale("en")))
    assert table is not None
    assert list(table.columns) == list(pd.date_range("1997-10-01", periods=MONTHS, freq="MS"))
    assert set(table.index) == set(cdnow_profile.table["segment"].unique())
    assert (table.to_numpy() >= 0).all()


def test_the_months_add_up_to_the_customers_expectation(cdnow_profile) -> None:
    # as_of 1997-09-30 (the whole day): the 12 months run to 1998-10-01, 365 days on
    table = monthly_by_segment(Context(cdnow_profile, Locale("en")))
    t = cdnow_profile.table
    data = pd.DataFrame({"x": t["x"], "t_x": t["t_x"] / 7, "T": t["T"] / 7})
    model = cdnow_profile.models["purchases"]
    year = model.expected_purchases(data, 365 / 7).to_numpy()
    assert float(table.to_numpy().sum()) == pytest.approx(float(year.sum()), rel=1e-12)
    champions = (t["segment"] == "champions").to_numpy()
    first = model.expected_purchases(data, 31 / 7).to_numpy()  # October
    assert table.loc["champions"].iloc[0] == pytest.approx(
        float(first[champions].sum()), rel=1e-12
    )


@pytest.mark.parametrize(
    ("lang", "heading", "month"),
    [("en", "Demand forecast", "October 1997"), ("zh", "需求预测", "1997年10月")],
)
def test_section_in_the_report(cdnow_profile, lang: str, heading: str, month: str) -> None:
    html = cdnow_profile.report(lang=lang)
    section = html.split("<section id='forecast'>")[1].split("</section>")[0]
    assert f"<h2>{heading}</h2>" in section
    assert f"<th>{month}</th>" in section.replace("<wbr>", "")
    assert len(re.findall(r"<th>", section)) == MONTHS + 1


def test_chinese_months_and_segments_are_not_broken_inside_a_word(cdnow_profile) -> None:
    # a browser breaks Chinese text between any two characters: "1997年10" / "月"
    html = cdnow_profile.report(lang="zh")
    section = html.split("<section id='forecast'>")[1].split("</section>")[0]
    assert "<table class='words'>" in section
    assert "<th>1997年<wbr>10月</th>" in section  # the one place where it may wrap
    style = html.split("<style>")[1].split("</style>")[0]
    assert "table.words th, table.words td { word-break:keep-all; }" in style


def test_small_segments_are_left_out(cdnow_profile) -> None:
    sizes = cdnow_profile.table["segment"].value_counts()
    k = int(np.sort(sizes.to_numpy())[2]) + 1  # the three smallest segments are too small
    html = cdnow_profile.report(privacy=Privacy(min_group=k))
    section = html.split("<section id='forecast'>")[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td>", section)
    assert len(rows) == (sizes >= k).sum()
