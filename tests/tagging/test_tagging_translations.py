"""Rule descriptions in several languages: rule files, round trips, the starter library."""

from __future__ import annotations

import json
import re

import pytest

from segkit.errors import RuleFileError
from segkit.tagging import Rule, TagEngine
from segkit.tagging.rules import rules_from_dict, rules_from_json, starter_rules

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_description_per_language() -> None:
    (rule,) = rules_from_dict(
        [{"tag": "vip", "when": "revenue > 1000", "description": {"en": "big", "zh": "大客户"}}]
    )
    assert rule.description == "big"
    assert rule.translations == (("zh", "大客户"),)
    assert (rule.describe("en"), rule.describe("zh"), rule.describe("fr")) == ("big", "大客户", "")
    assert rule.to_dict()["description"] == {"en": "big", "zh": "大客户"}
    assert rules_from_dict([rule.to_dict()]) == (rule,)


def test_a_plain_description_is_english() -> None:
    (rule,) = rules_from_dict([{"tag": "vip", "when": "revenue > 1", "description": "big"}])
    assert (rule.describe("en"), rule.describe("zh"), rule.translations) == ("big", "", ())
    assert rule.to_dict()["description"] == "big"


def test_only_a_translation() -> None:
    (rule,) = rules_from_dict([{"tag": "vip", "when": "revenue > 1", "description": {"zh": "大"}}])
    assert (rule.description, rule.describe("zh")) == ("", "大")
    assert rule.to_dict()["description"] == {"zh": "大"}


@pytest.mark.parametrize(
    "description",
    [
        pytest.param({"zh": 3}, id="not-text"),
        pytest.param({"": "x"}, id="empty-language"),
        pytest.param({1: "x"}, id="language-not-text"),
    ],
)
def test_bad_translations_name_the_field_and_rule(description) -> None:
    with pytest.raises(RuleFileError, match=r"^rule #1 \(tag 'vip'\): field 'description' per "):
        rules_from_dict([{"tag": "vip", "when": "revenue > 1", "description": description}])


def test_rules_stay_hashable() -> None:
    rule = Rule("vip", "revenue > 1", description="a", translations={"zh": "乙"})
    assert hash(rule) == hash(
        Rule("vip", "revenue > 1", description="a", translations={"zh": "乙"})
    )


def test_every_starter_rule_has_a_chinese_description() -> None:
    rules = starter_rules()
    assert len(rules) >= 16
    for rule in rules:
        assert rule.description, rule.tag
        assert CJK.search(rule.describe("zh")), rule.tag


def test_an_engine_round_trips_translations(tmp_path) -> None:
    engine = TagEngine.starter()
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [r.to_dict() for r in engine.rules]}, ensure_ascii=False))
    assert rules_from_json(path) == engine.rules
