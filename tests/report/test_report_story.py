"""The report's story: months, segment movements, a breakdown, downloadable lists."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.cli import main
from segkit.datasets import make_transactions
from segkit.errors import ColumnNotFoundError
from segkit.profiling import Profile, monthly_activity, profile
from segkit.report import _story


def _tiny() -> pd.DataFrame:
    # Hand-worked: Jan: a (10), b (5); Feb: a (7), a return (-2); Mar: c (4), b (6).
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "a", "c", "b"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-03",
                    "2024-01-20",
                    "2024-02-02",
                    "2024-02-10",
                    "2024-03-05",
                    "2024-03-30",
                ]
            ),
            "amount": [10.0, 5.0, 7.0, -2.0, 4.0, 6.0],
        }
    )


def _tiny_profile(tx: pd.DataFrame, as_of: str, **options: object) -> Profile:
    """The profile of ``tx`` the story tests read: no CLV, no lifecycle, no tags."""
    defaults: dict[str, object] = {"clv": False, "lifecycle": None, "rules": None}
    return profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        as_of=as_of,
        progress=False,
        **(defaults | options),
    )


def test_monthly_revenue_new_active():
    p = _tiny_profile(_tiny(), "2024-03-31")
    monthly = p.results["monthly"]
    assert monthly.index.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert monthly["revenue"].tolist() == [15.0, 5.0, 10.0]
    assert monthly["active"].tolist() == [2, 1, 2]
    assert monthly["new"].tolist() == [2, 0, 1]
    html = p.report()
    assert "In March 2024: revenue $10, 2 active customers (at least one purchase), 1 new" in html


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]])
def test_monthly_revenue_is_exact_in_any_row_order(order):
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 added left to right; money sums are exact
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a", "b"],
            "timestamp": pd.to_datetime(
                ["2024-01-03", "2024-01-04", "2024-01-05", "2024-02-01", "2024-02-02"]
            ),
            "amount": [0.1, 0.2, 0.3, 7.0, 1.0],
        }
    ).iloc[order]
    columns = _tiny_profile(tx, "2024-02-29").results["monthly"]["revenue"].tolist()
    rows = monthly_activity(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        stamp=pd.Timestamp("2024-02-29"),
        date_only=True,
    )["revenue"].tolist()
    assert columns == rows == [0.6, 8.0]


def test_activity_of_lines_without_a_month_or_a_number() -> None:
    from segkit.profiling import activity_of

    lines = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-01-01", None, "2024-02-01"]),
            "who": [1, 2, 3, 1],
            "money": [5.0, float("nan"), 7.0, 2.5],
        }
    )
    out = activity_of(lines)  # a line without a month is left out; no number counts 0
    assert out.index.strftime("%Y-%m").tolist() == ["2024-01", "2024-02"]
    assert out["revenue"].tolist() == [5.0, 2.5]
    assert out["active"].tolist() == [1, 1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_monthly_lead_tells_the_last_month_with_purchases(lang):
    # April holds only a return (-3) of a March purchase: with as_of in April, the lead
    # tells March and says that April has returns only.
    tx = pd.concat(
        [
            _tiny(),
            pd.DataFrame(
                {"customer_id": ["c"], "timestamp": [pd.Timestamp("2024-04-12")], "amount": [-3.0]}
            ),
        ]
    )
    p = _tiny_profile(tx, "2024-04-30")
    assert p.results["monthly"]["active"].tolist()[-1] == 0
    html = p.report(lang=lang)
    lead = {
        "en": "In March 2024: revenue $10, 2 active customers (at least one purchase), 1 new "
        "(their first purchase). No purchases after that, only returns (-$3).",
        "zh": "2024年3月：销售额 ¥10，活跃客户 2 位（至少购买一次），新客户 1 位（首次购买）。"
        "此后没有购买，只有退货（-¥3）。",
    }[lang]
    assert lead in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_part_last_month_is_marked_and_not_told_as_a_whole_month(lang):
    # as_of 5 March: March so far holds c's first purchase (4) only; February is the
    # last whole month: a (7) and a's return (-2), 1 active, 0 new.
    tx = _tiny()
    p = _tiny_profile(tx[tx["timestamp"] <= "2024-03-05"], "2024-03-05")
    assert p.results["monthly"]["revenue"].tolist() == [15.0, 5.0, 4.0]
    html = p.report(lang=lang)
    lead, tick = {
        "en": (
            (
                "In February 2024: revenue $5, 1 active customers (at least one purchase), 0 new "
                "(their first purchase). So far in 1–5 March 2024 (a part month, up to the profile "
                "date): revenue $4, 1 active customers, 1 new."
            ),
            "1–5 Mar",
        ),
        "zh": (
            (
                "2024年2月：销售额 ¥5，活跃客户 1 位（至少购买一次），新客户 0 位（首次购买）。"
                "本月截至2024年3月5日（不足一个月，截至分析日）：销售额 ¥4，活跃客户 1 位，"
                "新客户 1 位。"
            ),
            "截至3月5日",
        ),
    }[lang]
    section = html.split("<section id='monthly'>")[1].split("</section>")[0]
    assert f"<p class='lead'>{lead}</p>" in section
    ticks = re.findall(r"class='xl'[^>]*>([^<]*)</text>", section)
    # both charts name the last point as the part month; no tick calls it 2024-03
    assert ticks.count(tick) == 2
    assert "2024-03" not in ticks


def test_a_whole_last_month_is_not_marked():
    p = _tiny_profile(_tiny(), "2024-03-31")
    section = p.report().split("<section id='monthly'>")[1].split("</section>")[0]
    assert "So far" not in section
    assert re.findall(r"class='xl'[^>]*>([^<]*)</text>", section)[-1] == "2024-03"


@pytest.fixture(scope="module")
def shop():
    tx = make_transactions(400, seed=5)
    countries = pd.DataFrame(
        {
            "customer_id": sorted(tx["customer_id"].unique()),
        }
    )
    countries["country"] = ["UK", "CN", "DE", "=cmd()"] * (len(countries) // 4) + ["FR"] * (
        len(countries) % 4
    )
    return profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        customers=countries,
        progress=False,
    )


def test_segment_movements(shop):
    then = shop.results["segment_then"]
    assert shop.results["segment_then_as_of"] == (shop.as_of - pd.DateOffset(months=3)).normalize()
    assert set(then.index) <= set(shop.table.index)
    html = shop.report()
    assert "<h2>Segment movements</h2>" in html
    same = (then == shop.table["segment"].reindex(then.index).astype(object)).sum()
    assert f"{same / len(shop.table):.0%} are in the same segment" in html


def test_breakdown_by_country(shop):
    html = shop.report(by="country")
    section = html.split("<section id='breakdown'>")[1].split("</section>")[0]
    assert "<h2>By country</h2>" in section
    counts = shop.table["country"].value_counts()
    for country in ("UK", "CN", "DE"):
        assert f"<tr><td>{country}</td><td class='n'>{counts[country]:,}</td>" in section
    assert "=cmd()" in section  # shown as text in HTML, where formulas do not run
    with pytest.raises(ColumnNotFoundError, match=r"'countri' \(did you mean 'country'\?\)"):
        shop.report(by="countri")


def _downloads(html: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name, data in re.findall(
        r"download='([^']+)' href='data:text/csv;charset=utf-8;base64,([^']+)'", html
    ):
        raw = base64.b64decode(data)
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8
        out[name] = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", index_col=0)
    return out


def test_downloads_hold_every_customer_of_each_segment(shop):
    files = _downloads(shop.report())
    sizes = shop.table["segment"].value_counts()
    sizes = sizes[sizes > 0]
    assert sorted(files) == sorted(f"segment-{_story._slug(str(s))}.csv" for s in sizes.index)
    for segment, n in sizes.items():
        frame = files[f"segment-{_story._slug(str(segment))}.csv"]
        assert len(frame) == n
        assert set(frame["segment"]) == {segment}


def test_downloads_are_bounded_with_a_note(shop, monkeypatch):
    monkeypatch.setattr(_story, "MAX_ROWS", 10)
    html = shop.report()
    files = _downloads(html)
    assert max(len(f) for f in files.values()) == 10
    biggest = shop.table["segment"].value_counts().idxmax()
    n = int(shop.table["segment"].value_counts().max())
    assert f"{biggest}: the 10 customers with the highest clv of {n}." in html


def test_cli_by(tmp_path, capsys):
    tx = make_transactions(60, seed=2)
    source, people = tmp_path / "tx.csv", tmp_path / "people.csv"
    tx.to_csv(source, index=False)
    pd.DataFrame({"customer_id": tx["customer_id"].unique(), "country": "UK"}).to_csv(
        people, index=False
    )
    argv = ["report", str(source), "--customer", "customer_id", "--timestamp", "timestamp"]
    argv += ["--amount", "amount", "--customers", str(people), "--quiet"]
    assert main([*argv, "--by", "country", "-o", str(tmp_path / "r.html")]) == 0
    assert "<h2>By country</h2>" in (tmp_path / "r.html").read_text()
    assert main([*argv, "--by", "region", "-o", str(tmp_path / "s.html")]) == 2
    assert capsys.readouterr().err == (
        "segkit: error: column 'region' not found in the customers file (--by reads it there); "
        "available columns: ['customer_id', 'country']\n"
    )
    assert not (tmp_path / "s.html").exists()


def test_the_lifecycle_chart_names_its_last_point_by_its_day():
    # The replay's points are the month starts and as_of (15 March): the last two
    # were both labelled "2024-03"; the last one is named by its day.
    tx = _tiny()
    p = _tiny_profile(tx[tx["timestamp"] <= "2024-03-15"], "2024-03-15", lifecycle="default")
    html = p.report()
    section = html.split("<section id='lifecycle'>")[1].split("</section>")[0]
    ticks = re.findall(r"class='xl'[^>]*>([^<]*)</text>", section)
    assert ticks[-1] == "2024-03-15"
    assert len(ticks) == len(set(ticks))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_lines=st.integers(1, 80),
    span_days=st.sampled_from([20, 400, 2300]),  # one month, a year, more than shown
    cut=st.floats(0.0, 1.2),
    date_only=st.booleans(),
    zone=st.sampled_from([None, "America/New_York"]),
)
def test_months_of_a_log_sorted_by_time_equal_those_of_the_same_lines_shuffled(
    seed, n_lines, span_days, cut, date_only, zone
):
    """The month-at-a-time path (lines sorted by time) and the grid path agree exactly."""
    from segkit.profiling._story import _months_of_columns
    from segkit.transactions import TransactionColumns

    rng = np.random.default_rng(seed)
    stamps = pd.Timestamp("2019-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, span_days * 86_400, n_lines)), "s"
    )
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 7, n_lines),
            "timestamp": stamps
            if zone is None
            else stamps.tz_localize(
                zone, nonexistent="shift_forward", ambiguous=np.zeros(n_lines, dtype=bool)
            ),
            "amount": rng.choice([-3.0, 0.0, 0.1, 0.2, 0.3, 5.0, 12.345], n_lines),
        }
    )
    kw = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
    stamp = pd.Timestamp("2019-01-01") + pd.Timedelta(days=span_days * cut)
    in_order = TransactionColumns.read(tx, **kw)
    shuffled = TransactionColumns.read(tx.iloc[rng.permutation(n_lines)], **kw)
    assert in_order.by_time()
    got = _months_of_columns(in_order, stamp, date_only)
    if shuffled.by_time():  # one line, or equal times: the grid path read directly
        return
    want = _months_of_columns(shuffled, stamp, date_only)
    if want is None:
        assert got is None
        return
    pd.testing.assert_frame_equal(got, want, check_exact=True)
