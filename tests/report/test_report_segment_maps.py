"""Segment maps carry their names, descriptions and actions in Chinese as data."""

from __future__ import annotations

import re
from html import escape

import pytest

from segkit import profile
from segkit.cli import main
from segkit.datasets import make_transactions
from segkit.errors import SegmentMapError
from segkit.report._i18n import Locale
from segkit.rfm import RFMScorer, SegmentMap, load_segment_map, segment_maps

CJK = re.compile(r"[\u4e00-\u9fff]")
COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}

# a shop's own map, in its own words
CUSTOM = {
    "name": "shop",
    "bins": 2,
    "segments": [
        {
            "name": "regulars",
            "when": "r_score == 2",
            "description": "Bought in the recent half.",
            "translations": {"zh": {"name": "常客", "description": "近期买过。"}},
        },
        {
            "name": "champions",
            "when": "r_score == 1",
            "description": "Our own meaning of champions.",
            "action": "Call them.",
            "translations": {"zh": {"name": "金牌老客", "action": "打电话。"}},
        },
    ],
}


@pytest.mark.parametrize("name", segment_maps())
def test_shipped_maps_carry_chinese(name: str) -> None:
    for segment in load_segment_map(name).segments:
        for field in ("name", "description", "action"):
            assert CJK.search(segment.text(field, "zh")), (segment.name, field)
            assert segment.text(field, "en") == getattr(segment, field)


def test_translations_round_trip_and_stay_hashable() -> None:
    m = SegmentMap.from_dict(CUSTOM)
    again = SegmentMap.from_dict(
        {"name": "shop", "bins": 2, "segments": [s.to_dict() for s in m.segments]}
    )
    assert again == m
    assert hash(again.segments[0]) == hash(m.segments[0])
    assert m.segments[0].text("action", "zh") == ""


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        pytest.param(
            {"zh": {"nmae": "x"}},
            "segment #0 ('regulars'): translations['zh'] has an unknown key 'nmae' (did you "
            "mean 'name'?)",
            id="unknown-field",
        ),
        pytest.param(
            {"zh": {"name": ""}},
            "segment #0 ('regulars'): translations['zh']['name'] must be a non-empty string; "
            "got ''",
            id="empty-text",
        ),
        pytest.param(
            {"zh": "常客"},
            "segment #0 ('regulars'): segment field 'translations' must map a language code "
            "to {name, description, action}; got 'zh': '常客'",
            id="not-a-mapping",
        ),
    ],
)
def test_bad_translations(translations, message) -> None:
    data = {**CUSTOM, "segments": [{**CUSTOM["segments"][0], "translations": translations}]}
    with pytest.raises(SegmentMapError, match="^" + re.escape(message)):
        SegmentMap.from_dict(data)


def test_locale_takes_segment_names_from_the_map_first() -> None:
    m = SegmentMap.from_dict(CUSTOM)
    zh = Locale("zh", segment_map=m)
    assert zh.segment("champions") == "金牌老客"  # the map's, not the playbook's 冠军客户
    assert Locale("zh").segment("champions") == "冠军客户"
    assert zh.action("segments", "champions") == "打电话。"
    # not translated in the map: the playbook's text for that name
    assert zh.definition("segments", "champions") == Locale("zh").definition(
        "segments", "champions"
    )
    assert Locale("en", segment_map=m).definition("segments", "regulars") == (
        "Bought in the recent half."
    )


@pytest.fixture(scope="module")
def shop_profile():
    tx = make_transactions(300, seed=5)
    scorer = RFMScorer(bins=2, segments=SegmentMap.from_dict(CUSTOM))
    return profile(tx, **COLUMNS, rfm=scorer, clv=False, rules=None, lifecycle=None)


def test_a_custom_map_names_its_segments_in_the_zh_report(shop_profile) -> None:
    html = shop_profile.report(lang="zh")
    assert "常客" in html
    assert "金牌老客" in html
    assert "冠军客户" not in html
    assert escape("近期买过。") in html


def test_an_english_report_shows_the_maps_own_definitions() -> None:
    tx = make_transactions(300, seed=5)
    result = profile(tx, **COLUMNS, rfm=RFMScorer(bins=3, segments="rfm6"), clv=False, rules=None)
    html = result.report()
    assert "Recent and frequent buyers." in html  # rfm6's champions
    assert "Bought recently, buy often and spend the most." not in html  # rfm11's


def test_cli_rfm_prints_the_maps_chinese_names(tmp_path, capsys) -> None:
    path = tmp_path / "tx.csv"
    make_transactions(200, seed=6).to_csv(path, index=False)
    argv = ["rfm", str(path), "--customer", "customer_id", "--timestamp", "timestamp"]
    argv += ["--amount", "amount", "--segments", "rfm6", "--bins", "3", "--lang", "zh"]
    assert main([*argv, "-o", str(tmp_path / "o.csv")]) == 0
    out = capsys.readouterr().out
    rfm6 = load_segment_map("rfm6")
    shown = [s.text("name", "zh") for s in rfm6.segments if s.text("name", "zh") in out]
    assert len(shown) >= 3
