"""TagEngine: or-ed rules, exclusive groups, tag dependencies, outputs, explain, coverage, diff."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ParameterError, SegkitError
from segkit.tagging import (
    Rule,
    RuleCycleError,
    RuleFileError,
    RuleSyntaxError,
    RuleTypeError,
    TagEngine,
    UnknownColumnError,
    UnknownTagError,
    coverage,
    diff,
    starter_rules,
)


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "revenue": [1200.0, 80.0, None, 640.0],
            "orders": [7, 1, 2, 3],
            "recency_days": [5.0, 200.0, 40.0, None],
            "city": ["Oslo", "Rome", None, "Oslo"],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer"),
    )


@pytest.fixture
def engine() -> TagEngine:
    return TagEngine(
        [
            Rule("vip", "revenue >= 1000"),
            Rule("vip", "orders >= 3 and city == 'Oslo'"),
            Rule("active", "recency_days <= 90", group="state", priority=1),
            Rule("lapsed", "recency_days > 90", group="state"),
            Rule("any_state", "recency_days >= 0", group="state"),
            Rule("vip_active", "has_tag('vip') and has_tag('active')"),
        ]
    )


def test_apply_wide(engine: TagEngine, customers: pd.DataFrame) -> None:
    before = customers.copy(deep=True)
    out = engine.apply(customers)
    pd.testing.assert_frame_equal(customers, before)
    expected = pd.DataFrame(
        {
            "vip": [True, False, False, True],
            "active": [True, False, True, False],
            "lapsed": [False, True, False, False],
            "any_state": [False, False, False, False],
            "vip_active": [True, False, False, False],
        },
        index=customers.index,
    )
    pd.testing.assert_frame_equal(out, expected)


def test_group_ties_go_to_the_earlier_rule(customers: pd.DataFrame) -> None:
    engine = TagEngine(
        [
            Rule("first", "orders >= 1", group="g"),
            Rule("second", "orders >= 2", group="g"),
            Rule("top", "orders >= 7", group="g", priority=5),
        ]
    )
    out = engine.apply(customers, output="list")
    assert out.tolist() == [["top"], ["first"], ["first"], ["first"]]


def test_apply_list_and_long(engine: TagEngine, customers: pd.DataFrame) -> None:
    lists = engine.apply(customers, output="list")
    assert lists.tolist() == [["vip", "active", "vip_active"], ["lapsed"], ["active"], ["vip"]]
    assert lists.index.equals(customers.index)
    long = engine.apply(customers, output="long")
    assert list(long.columns) == ["customer", "tag"]
    assert list(zip(long["customer"], long["tag"], strict=True)) == [
        ("a", "vip"),
        ("a", "active"),
        ("a", "vip_active"),
        ("b", "lapsed"),
        ("c", "active"),
        ("d", "vip"),
    ]


def test_apply_output_choice_is_checked(engine: TagEngine, customers: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="must be one of 'wide', 'list', 'long'; got 'tall'"):
        engine.apply(customers, output="tall")


def test_order_puts_dependencies_first() -> None:
    engine = TagEngine(
        [
            Rule("c", "has_tag('b') and x > 0"),
            Rule("b", "has_tag('a')"),
            Rule("a", "x > 1"),
        ]
    )
    assert engine.order == ("a", "b", "c")
    assert engine.tags == ("c", "b", "a")
    out = engine.apply(pd.DataFrame({"x": [0.0, 2.0, None]}))
    assert out.to_dict("list") == {
        "c": [False, True, False],
        "b": [False, True, False],
        "a": [False, True, False],
    }


def test_cycle_is_named() -> None:
    with pytest.raises(RuleCycleError) as info:
        TagEngine(
            [Rule("a", "has_tag('b')"), Rule("b", "has_tag('c')"), Rule("c", "has_tag('a')")]
        )
    assert str(info.value) == "tags depend on each other in a cycle: 'a' -> 'b' -> 'c' -> 'a'"
    assert info.value.cycle == ["'a'", "'b'", "'c'", "'a'"]


def test_self_dependency_and_group_cycle() -> None:
    with pytest.raises(RuleCycleError, match=r"cycle: 'a' -> 'a'$"):
        TagEngine([Rule("a", "has_tag('a')")])
    with pytest.raises(RuleCycleError, match=r"cycle: group 'g' -> group 'g'$"):
        TagEngine([Rule("a", "x > 1", group="g"), Rule("b", "has_tag('a')", group="g")])


def test_unknown_tag_suggests() -> None:
    with pytest.raises(UnknownTagError) as info:
        TagEngine([Rule("vip", "x > 1"), Rule("b", "has_tag('vpi')")])
    assert str(info.value) == (
        "rule #2 (tag 'b'): has_tag('vpi') names a tag that no rule sets (did you mean 'vip'?)"
    )


def test_tag_in_two_groups_is_rejected() -> None:
    with pytest.raises(RuleFileError, match="all rules of a tag must share one group"):
        TagEngine([Rule("a", "x > 1", group="g"), Rule("a", "x < 0")])


def test_compile_errors_name_the_rule(customers: pd.DataFrame) -> None:
    engine = TagEngine([Rule("ok", "orders > 1"), Rule("bad", "revenu > 1")])
    with pytest.raises(UnknownColumnError) as info:
        engine.apply(customers)
    assert str(info.value) == (
        "rule #2 (tag 'bad'): unknown column 'revenu' (did you mean 'revenue'?); available "
        "columns: ['revenue', 'orders', 'recency_days', 'city']\n  revenu > 1\n  ^^^^^^"
    )


def test_check_reports_every_problem(customers: pd.DataFrame) -> None:
    engine = TagEngine([Rule("a", "city > 1"), Rule("ok", "orders > 1"), Rule("b", "revenue * 2")])
    with pytest.raises(RuleTypeError) as info:
        engine.check(customers)
    message = str(info.value)
    assert message.startswith("2 rules do not fit the frame:\nrule #1 (tag 'a'): type mismatch")
    assert "rule #3 (tag 'b'): a rule must be a condition (true or false)" in message
    TagEngine([Rule("ok", "orders > 1")]).check(customers)


def test_explain(engine: TagEngine, customers: pd.DataFrame) -> None:
    table = engine.explain(customers, "c")
    assert table["result"].tolist() == ["unknown", "false", "true", "false", "true", "false"]
    assert table["status"].tolist() == [
        "not matched",
        "not matched",
        "won",
        "not matched",
        "shadowed",
        "not matched",
    ]
    assert table.loc[2, "values"] == {"orders": 2, "city": None}
    assert table.loc[6, "values"] == {"has_tag('vip')": False, "has_tag('active')": True}
    with pytest.raises(ParameterError, match="customer 'zz' is not in the frame's index"):
        engine.explain(customers, "zz")


def test_as_of_rules() -> None:
    df = pd.DataFrame({"last": pd.to_datetime(["2024-03-30", "2023-01-01", None])})
    engine = TagEngine([Rule("recent", "last >= as_of - 30d")])
    assert engine.apply(df, as_of="2024-03-31")["recent"].tolist() == [True, False, False]


def test_coverage(engine: TagEngine, customers: pd.DataFrame) -> None:
    tags = engine.apply(customers)
    cov = engine.coverage(tags)
    assert cov.summary["size"].tolist() == [2, 2, 1, 0, 1]
    assert cov.summary["share"].tolist() == [0.5, 0.5, 0.25, 0.0, 0.25]
    assert cov.overlap.loc["vip", "active"] == 1
    assert cov.overlap.loc["vip", "vip"] == 2
    assert coverage(engine.apply(customers, output="list")).summary["size"].tolist() == [
        2,
        2,
        1,
        1,
    ]


def test_diff() -> None:
    before = pd.DataFrame(
        {"vip": [True, False, True], "new": [True, True, False]}, index=[1, 2, 3]
    )
    after = pd.DataFrame(
        {"vip": [True, True, False], "lapsed": [False, False, True]}, index=[1, 2, 4]
    )
    out = diff(before, after)
    assert out.index.tolist() == ["vip", "new", "lapsed"]
    assert out.loc["vip", "gained_ids"] == [2]
    assert out.loc["vip", "lost_ids"] == [3]
    assert out.loc["new", "lost_ids"] == [1, 2]
    assert out.loc["lapsed", "gained_ids"] == [4]
    assert out["gained"].tolist() == [1, 0, 1]
    assert out["before"].tolist() == [2, 2, 0]


def test_from_dict_json_yaml_round_trip(engine: TagEngine, tmp_path) -> None:
    data = engine.to_dict()
    assert TagEngine.from_dict(data).rules == engine.rules
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    assert TagEngine.from_json(path).rules == engine.rules
    assert TagEngine.from_json(json.dumps(data)).rules == engine.rules
    yaml_text = "rules:\n  - tag: vip\n    when:\n      - revenue >= 1000\n      - orders > 9\n"
    assert [r.when for r in TagEngine.from_yaml(yaml_text).rules] == [
        "revenue >= 1000",
        "orders > 9",
    ]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"rules": [{"tag": "a", "when": "x > 1", "priority": "high"}]}, RuleFileError,
         "rule #1 (tag 'a'): field 'priority' must be an integer; got 'high'"),
        ({"rules": [{"tag": "a"}]}, RuleFileError, "rule #1 (tag 'a') is missing the field 'when'"),
        ({"rules": [{"tag": "a", "when": "x > 1"}, {"tag": "b", "wen": "x"}]}, RuleFileError,
         ("rule #2 (tag 'b') has an unknown field 'wen' (did you mean 'when'?); allowed: "
         "['description', 'group', 'priority', 'tag', 'when']")),
        ({"rules": [{"tag": "", "when": "x > 1"}]}, RuleFileError,
         "rule #1 (tag ''): field 'tag' must be a non-empty string; got ''"),
        ({"rules": [{"tag": "a", "when": "x >"}]}, RuleSyntaxError,
         "rule #1 (tag 'a'), field 'when': unexpected end of rule; expected a value\n  x >\n     ^"),
        ({"rules": [{"tag": "a", "when": []}]}, RuleFileError,
         ("rule #1 (tag 'a'): field 'when' must be a condition or a non-empty list of "
         "conditions; got []")),
        ({"rule": []}, RuleFileError,
         "a rule file is a mapping with one key, 'rules' (a list of rules); found keys ['rule']"),
        ({"rules": ["x > 1"]}, RuleFileError,
         "rule #1: must be a mapping of fields; got 'x > 1'"),
    ],
)  # fmt: skip
def test_malformed_rules_name_rule_and_field(
    data: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        TagEngine.from_dict(data)
    assert str(info.value) == message
    assert isinstance(info.value, SegkitError)


def test_bad_json_and_yaml_give_positions(tmp_path) -> None:
    with pytest.raises(
        RuleFileError, match=r"^invalid JSON at line 1, column 12: Expecting value"
    ):
        TagEngine.from_json('{"rules": [}')
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - tag: a\n    when: [x > 1\n")
    with pytest.raises(RuleFileError, match=r"^bad\.yaml: invalid YAML at line 4, column 1"):
        TagEngine.from_yaml(bad)
    evil = "rules: !!python/object/apply:os.system ['echo hi']\n"
    with pytest.raises(RuleFileError, match="invalid YAML"):
        TagEngine.from_yaml(evil)


def test_starter_rules_run_on_a_customer_table() -> None:
    engine = TagEngine(starter_rules())
    n = 5
    columns = [
        "recency_days", "tenure_days", "orders", "revenue", "avg_order_value", "orders_90d",
        "revenue_90d", "orders_365d", "revenue_365d", "page_view_7d", "page_view_30d",
        "add_to_cart_7d", "add_to_cart_30d", "email_open_30d", "email_click_30d",
        "return_90d", "complaint_90d",
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    df = pd.DataFrame({c: rng.integers(0, 400, n).astype(float) for c in columns})
    engine.check(df)
    out = engine.apply(df)
    assert out[["new", "active", "at_risk", "lapsed"]].sum(axis=1).le(1).all()
    assert set(out.columns) >= {"vip", "cart_abandoner", "needs_service", "win_back"}


def test_starter_rules_for_a_partial_table() -> None:
    table = pd.DataFrame({"recency_days": [5.0, 400.0], "revenue_365d": [900.0, 0.0]})
    rules = starter_rules(columns=table)
    assert [r.tag for r in rules] == ["active", "at_risk", "lapsed", "high_spender"]
    out = TagEngine.starter(columns=table.columns).apply(table, output="list")
    assert out.tolist() == [["active", "high_spender"], ["lapsed"]]
