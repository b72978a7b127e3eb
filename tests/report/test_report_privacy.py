"""A report that can leave the analytics team: minimum group size, pseudonyms, no PII."""

from __future__ import annotations

import re
from html import escape

import pandas as pd
import pytest

from segkit.cli import main
from segkit.datasets import make_transactions
from segkit.privacy import Privacy, forget, pseudonymize
from segkit.profiling import profile

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def small_profile():
    tx = make_transactions(120, seed=7)
    return profile(
        tx, customer="customer_id", timestamp="timestamp", amount="amount", progress=False
    )


def _segment_rows(html: str) -> dict[str, int]:
    section = html.split("<section id='segments'>")[1].split("</section>")[0]
    rows = re.findall(
        r"<tr><td><span class='pill'>([^<]+)</span></td><td class='n'>([\d,]+)</td>", section
    )
    return {name: int(n.replace(",", "")) for name, n in rows}


def test_min_group_merges_small_segments(small_profile):
    sizes = small_profile.table["segment"].value_counts()
    k = 12
    assert (sizes[sizes > 0] < k).any()  # the data has small segments to merge
    html = small_profile.report(privacy=Privacy(min_group=k))
    rows = _segment_rows(html)
    assert all(n >= k for name, n in rows.items() if name != "other")
    small = sizes[(sizes > 0) & (sizes < k)]
    assert rows["other"] == int(small.sum())
    assert f"merged into &#x27;other&#x27; (minimum group size {k})" in html
    assert "Cells and rows of fewer than 12 customers are left blank" in html
    # the heat maps print no count below k
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        if "Customers by recency and frequency score" in svg:
            shown = [int(v) for v in re.findall(r"font-size='11'>(\d+)</text>", svg)]
            assert shown
            assert min(shown) >= k


def test_pseudonymised_report_shows_no_real_id(small_profile):
    html = small_profile.report(privacy=Privacy(key=KEY))
    top = html.split("<section id='top'>")[1].split("</section>")[0]
    ids = re.findall(r"</span></td><td>([^<]+)</td>", top)
    assert ids
    real = {str(i) for i in small_profile.table.index}
    assert not set(ids) & real
    assert set(ids) <= set(pseudonymize(small_profile.table.index, KEY))
    assert "keyed pseudonyms" in html
    assert KEY.decode() not in html


def test_hide_ids(small_profile):
    html = small_profile.report(privacy=Privacy(hide_ids=True))
    assert "<section id='top'>" not in html
    assert str(small_profile.table["clv"].idxmax()) not in re.sub(r"<svg.*?</svg>", "", html)


def test_forget_profile(small_profile):
    gone = list(small_profile.table.index[:5])
    after = forget(small_profile, gone)
    assert len(after.table) == len(small_profile.table) - 5
    assert not set(gone) & set(after.table.index)
    assert not set(gone) & set(after.panel["customer"])
    assert not set(gone) & set(after.changes["customer"])  # the form the profile keeps
    before_total = small_profile.flows.counts.iloc[-1].sum()
    assert after.flows.counts.iloc[-1].sum() == before_total - 5  # flows without them
    assert len(small_profile.table) == 120  # the original is untouched
    assert after.notes[-1].startswith("5 customers were removed on request")
    html = after.report()
    assert "5 customers were removed on request" in html


def test_cli_private_report(tmp_path, capsys):
    tx = make_transactions(80, seed=9)
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False)
    people = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].unique(),
            "email": [f"p{i}@example.com" for i in range(tx["customer_id"].nunique())],
            "age": 30,
        }
    )
    people_file = tmp_path / "people.csv"
    people.to_csv(people_file, index=False)
    keyfile = tmp_path / "key.txt"
    keyfile.write_bytes(KEY + b"\n")
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    argv = ["report", str(source), "--customer", "customer_id", "--timestamp", "timestamp"]
    argv += ["--amount", "amount", "--customers", str(people_file), "--quiet"]
    argv += ["--pseudonymize", str(keyfile), "--min-group", "5", "--drop-pii"]
    argv += ["-o", str(out), "--table", str(table)]
    assert main(argv) == 0
    html, written = out.read_text(), table.read_text()
    for text in (html, written):
        assert "@example.com" not in text
        assert KEY.decode() not in text
    ids = pd.read_csv(table, index_col=0, dtype=str).index
    assert set(ids) == set(pseudonymize(tx["customer_id"].unique(), KEY))


def test_cli_short_key_is_one_line(tmp_path, capsys):
    source = tmp_path / "tx.csv"
    make_transactions(10, seed=1).to_csv(source, index=False)
    keyfile = tmp_path / "key.txt"
    keyfile.write_text("short\n")
    argv = ["report", str(source), "--customer", "customer_id", "--timestamp", "timestamp"]
    argv += ["--amount", "amount", "--pseudonymize", str(keyfile), "-o", str(tmp_path / "r.html")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("segkit: error: the pseudonymisation key has 5 bytes; use at least 16")
    assert err.count("\n") == 1


def _cli_with_city(tmp_path, by):
    tx = make_transactions(80, seed=9)
    source = tmp_path / "tx.csv"
    tx.to_csv(source, index=False)
    ids = tx["customer_id"].unique()
    people = pd.DataFrame(
        {
            "customer_id": ids,
            "email": [f"p{i}@example.com" for i in range(len(ids))],
            "city": ["Beijing", "Shanghai"] * (len(ids) // 2) + ["Beijing"] * (len(ids) % 2),
        }
    )
    people_file = tmp_path / "people.csv"
    people.to_csv(people_file, index=False)
    argv = ["report", str(source), "--customer", "customer_id", "--timestamp", "timestamp"]
    argv += ["--amount", "amount", "--customers", str(people_file), "--quiet", "--drop-pii"]
    argv += ["--by", by, "-o", str(tmp_path / "r.html")]
    return main(argv)


def test_cli_drop_pii_keeps_a_city_to_group_by(tmp_path, capsys):
    assert _cli_with_city(tmp_path, "city") == 0
    html = (tmp_path / "r.html").read_text()
    assert "Shanghai" in html
    assert "@example.com" not in html


def test_cli_by_a_dropped_column_is_one_line(tmp_path, capsys):
    assert _cli_with_city(tmp_path, "email") == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "segkit: error: --by 'email': that column was left out as personal data (--drop-pii)"
    )
    assert err.count("\n") == 1


def test_report_by_a_missing_column_names_it_once(small_profile):
    from segkit.errors import ColumnNotFoundError
    from segkit.report import render

    with pytest.raises(
        ColumnNotFoundError, match=r"'city' not found in the customer table \(by=\)"
    ):
        render(small_profile, by="city")


@pytest.mark.parametrize("k", [pytest.param(12, id="k12"), pytest.param(30, id="k30")])
def test_profile_segments_min_group_agrees_with_the_report(small_profile, k):
    summary = small_profile.segments(min_group=k)
    shown = summary[summary["customers"] > 0]  # empty segments: in the summary, not the report
    assert (shown["customers"] >= k).all()
    rows = _segment_rows(small_profile.report(privacy=Privacy(min_group=k)))
    assert shown["customers"].to_dict() == rows
    assert summary.attrs["note"].endswith(f"(minimum group size {k}).")


def test_a_small_other_row_is_left_out_of_the_report():
    tx = make_transactions(120, seed=1)
    result = profile(tx, customer="customer_id", timestamp="timestamp", amount="amount", clv=False)
    sizes = result.table["segment"].value_counts()
    small = sizes[(sizes > 0) & (sizes < 5)]
    assert small.tolist() == [1]  # one segment of one customer: "other" would be 1 too
    html = result.report(privacy=Privacy(min_group=5))
    rows = _segment_rows(html)
    assert "other" not in rows
    assert "1 segments with fewer than 5 customers are left out" in html
    summary = result.segments(min_group=5)
    assert summary["customers"][summary["customers"] > 0].to_dict() == rows
    assert summary["customers"].sum() == len(result.table) - 1
    assert summary.attrs["note"] == (
        "1 segments with fewer than 5 customers are left out: together they are fewer than 5 "
        "too (minimum group size 5)."
    )


@pytest.fixture(scope="module")
def country_profile():
    tx = make_transactions(300, seed=3)
    ids = sorted(tx["customer_id"].unique())
    people = pd.DataFrame(
        {"customer_id": ids, "country": ["UK", "CN"] * (len(ids) // 2) + ["UK"] * (len(ids) % 2)}
    )
    people.loc[0, "country"] = "IS"  # one customer in Iceland
    return profile(
        tx,
        customer="customer_id",
        timestamp="timestamp",
        amount="amount",
        customers=people,
        clv=False,
        progress=False,
    )


def test_a_small_other_value_is_left_out_of_the_breakdown(country_profile):
    html = country_profile.report(by="country", privacy=Privacy(min_group=10))
    section = html.split("<section id='breakdown'>")[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td class='n'>", section)
    assert sorted(rows) == ["CN", "UK"]  # no 'other' row of one customer
    assert "1 smaller values are left out: together they have fewer than 10 customers" in section
    # no cell of the segment mix stands for fewer than 10 customers
    table = country_profile.table
    counts = pd.crosstab(table["country"], table["segment"].astype(object))
    small = {(c, s) for c in ("CN", "UK") for s in counts.columns if 0 < counts.loc[c, s] < 10}
    assert small  # the data has such cells
    heat = re.search(r"<svg.*?</svg>", section, re.S).group(0)
    for c, s in small:
        assert f"{c} → {escape(s)}: –</title>" in heat


def test_the_lifecycle_legend_hides_small_states(country_profile):
    html = country_profile.report(privacy=Privacy(min_group=10))
    states = country_profile.table["lifecycle_state"].value_counts()
    small = [s for s, n in states.items() if 0 < n < 10]
    assert small
    section = html.split("<section id='lifecycle'>")[1].split("</section>")[0]
    legend = re.findall(r"<text x='[\d.]+' y='[\d.]+' fill='#333'>([^<]+)</text>", section)
    for state in small:
        assert any(entry.endswith("(&lt; 10)") and "(" in entry for entry in legend), state
    for entry in legend:
        n = re.search(r"\(([\d,.k]+)\)$", entry)
        if n:
            assert not n.group(1).isdigit() or int(n.group(1)) == 0 or int(n.group(1)) >= 10


def test_min_group_hides_small_tags_in_the_table_and_the_chart(small_profile):
    counts = small_profile.table[small_profile.tags].sum()
    assert counts.to_dict() == {
        "tag_high_spender": 5,
        "tag_frequent_buyer": 17,
        "tag_big_basket": 0,
        "tag_one_time_buyer": 22,
        "tag_vip": 5,
    }
    html = small_profile.report(privacy=Privacy(min_group=12))
    section = html.split("<section id='tags'>")[1].split("</section>")[0]
    rows = re.findall(
        r"<tr><td><span class='pill'>([^<]+)</span></td><td class='n'>([^<]+)</td>", section
    )
    assert rows == [
        ("high_spender", "&lt; 12"),
        ("frequent_buyer", "17"),
        ("big_basket", "0"),
        ("one_time_buyer", "22"),
        ("vip", "&lt; 12"),
    ]
    bars = section.split("<svg")[1]  # the first chart: one bar per tag shown
    assert re.findall(r"<text[^>]*>([^<]*)</text>", bars)[:6] == [
        "one_time_buyer",
        "18.3%",
        "frequent_buyer",
        "14.2%",
        "big_basket",
        "0.0%",
    ]
    assert "high_spender" not in bars
    assert "vip" not in bars


def test_forget_every_customer_leaves_no_flows(small_profile):
    # the flows' spells named every forgotten customer
    everyone = list(small_profile.table.index)
    after = forget(small_profile, everyone)
    assert len(after.table) == 0
    assert len(after.changes) == 0
    assert after.flows is None
    assert small_profile.flows.spells["customer"].nunique() == 120  # the original keeps them
