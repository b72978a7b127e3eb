"""The report in English and Chinese, with the shop's currency."""

from __future__ import annotations

import re
from html import escape

import pytest

from segkit.cli import main
from segkit.errors import ParameterError
from segkit.profiling import profile
from segkit.report import load_playbook, render
from segkit.report._i18n import TEXT, Locale, playbook_data


@pytest.fixture(scope="module")
def cdnow_profile(cdnow):
    return profile(
        cdnow,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1998-06-30",
        holdout_days=273,
        progress=False,
    )


@pytest.mark.parametrize(
    ("lang", "currency", "value", "expected"),
    [
        ("en", None, 1234.0, "$1.2k"),
        ("en", "GBP", 25_000.0, "£25k"),
        ("en", "€", 3_400_000.0, "€3.4M"),
        ("en", "EUR", 2.5e9, "€2.5B"),
        ("en", "USD", 12.345, "$12.35"),
        ("zh", None, 12_345.0, "¥1.2万"),
        ("zh", "CNY", 123_456.0, "¥12万"),
        ("zh", "RMB", 340_000_000.0, "¥3.4亿"),
        ("zh", "元", 649.0, "¥649"),  # the unit's name, written after the number: not "元649"
        ("zh", "人民币", 12_345.0, "¥1.2万"),
        ("en", "円", 980.0, "¥980"),
        ("zh", None, 8_765.0, "¥8,765"),
        ("zh", "GBP", -15_000.0, "-£1.5万"),
        ("en", "sek", 100.0, "SEK 100"),
    ],
    ids=lambda v: str(v),
)
def test_money_per_locale(lang, currency, value, expected):
    assert Locale(lang, currency).money(value) == expected


def test_dates_per_locale():
    assert Locale("en").date("1998-06-30") == "30 June 1998"
    assert Locale("zh").date("1998-06-30") == "1998年6月30日"
    assert Locale("zh").month("1997-07-01") == "1997年7月"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lang": "fr"}, "lang must be one of ['en', 'zh']; got 'fr'"),
        (
            {"lang": "en", "currency": "pounds"},
            "currency must be a symbol such as '£' or an ISO code such as 'GBP'; got 'pounds'",
        ),
    ],
    ids=["lang", "currency"],
)
def test_bad_language_or_currency(kwargs, message):
    with pytest.raises(ParameterError) as info:
        Locale(**kwargs)
    assert str(info.value) == message


def test_every_message_has_both_languages():
    assert set(TEXT["en"]) == set(TEXT["zh"])
    for key, text in TEXT["en"].items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", TEXT["zh"][key])), (
            key
        )


def test_playbook_names_both_languages():
    data = playbook_data()
    for kind in ("segments", "lifecycle"):
        for name, entry in data[kind].items():
            for field in ("name", "action"):
                assert set(entry[field]) == {"en", "zh"}, name
                assert all(entry[field].values()), name
    zh = Locale("zh")
    assert [
        zh.state(s) for s in ("new", "active", "loyal", "at_risk", "churned", "reactivated")
    ] == [
        "新客户",
        "活跃客户",
        "忠诚客户",
        "流失风险",
        "已流失",
        "已召回",
    ]
    assert zh.segment("champions") == "冠军客户"
    assert zh.segment("my own segment") == "my own segment"
    assert load_playbook("zh")["lifecycle"]["churned"].startswith("低成本唤醒")


def test_zh_report(cdnow_profile):
    html = cdnow_profile.report(lang="zh")
    assert "<html lang='zh-CN'>" in html
    for heading in [
        "客户分群",
        "客户终身价值",
        "客户生命周期",
        "客户标签",
        "CLV 模型经得起检验吗？",
    ]:
        assert f"<h2>{heading}</h2>" in html
    assert "截至 1998年6月30日" in html
    assert "冠军客户" in html
    assert "已流失" in html
    assert "¥" in html
    assert "$" not in html
    for english in ["Segments", "suggested action", "customers", "Reward them"]:
        assert english not in html


def test_en_report_with_pounds(cdnow_profile):
    html = render(cdnow_profile, currency="GBP")
    assert "£" in html
    assert "$" not in html
    assert "expected value, next 12 months" in html


def test_clv_horizon_label_follows_the_option(cdnow_profile):
    import attrs

    before = cdnow_profile.options
    assert before.clv_horizon == 12
    cdnow_profile.options = attrs.evolve(before, clv_horizon=6)
    try:
        html = cdnow_profile.report()
    finally:
        cdnow_profile.options = before
    assert "over the next 6 months" in html
    assert "next 6 months" in html
    assert "next 12 months" not in html


def test_cli_rfm_in_chinese(tmp_path, capsys, cdnow):
    source = tmp_path / "tx.csv"
    cdnow.to_csv(source, index=False)
    argv = ["rfm", str(source), "--customer", "customer_id", "--timestamp", "date"]
    argv += ["--amount", "amount", "--lang", "zh", "-o", str(tmp_path / "o.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "冠军客户" in out
    assert "客户数" in out


def test_cli_bad_currency_is_one_line(tmp_path, capsys):
    assert main(["demo", "--currency", "pounds", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "segkit: error: currency must be a symbol such as '£' or an ISO code such as 'GBP'; "
        "got 'pounds'\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_zh_report_shows_no_english_rule_prose(cdnow_profile):
    html = cdnow_profile.report(lang="zh")
    described = [r.description for r in cdnow_profile.models["tags"].rules if r.description]
    assert described
    for text in described:
        assert text not in html
    # the default lifecycle's states are described in Chinese beside their rules
    lifecycle = html.split("<section id='lifecycle'>")[1].split("</section>")[0]
    assert "天没有购买" in lifecycle
    # the starter rules carry Chinese descriptions, shown beside each tag
    chinese = [r.describe("zh") for r in cdnow_profile.models["tags"].rules]
    assert all(chinese)
    for text in chinese:
        assert escape(text) in html
    assert "(entered)" not in html
    assert Locale("zh").state("(entered)") == "（新进入）"
    assert Locale("en").state("(entered)") == "(entered)"
    if cdnow_profile.notes:
        assert "<h2>说明</h2>" in html
        assert "（英文）" not in html  # every note is said in Chinese
