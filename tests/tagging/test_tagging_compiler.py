"""The public compile API: compile_rule, CompiledRule, RuleContext, schemas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ParameterError
from segkit.tagging import (
    RuleContext,
    RuleEvaluationError,
    RuleSyntaxError,
    RuleTypeError,
    UnknownColumnError,
    UnknownTagError,
    compile_rule,
    evaluate_rule,
    infer_type,
    parse,
)
from segkit.tagging import ast as a


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "orders": [1, 5, 3],
            "revenue": [10.0, None, 300.0],
            "city": ["Oslo", "Rome", None],
            "last": pd.to_datetime(["2024-03-30", "2023-01-01", None]),
        },
        index=pd.Index([101, 102, 103], name="customer"),
    )


def test_compiled_rule_attributes_and_results(df: pd.DataFrame) -> None:
    rule = compile_rule("revenue > 5 and city == 'Oslo' or has_tag('vip')", df, tags=["vip"])
    assert rule.columns == ("revenue", "city")
    assert rule.tags == ("vip",)
    assert rule.type == "bool"
    assert not rule.uses_as_of
    tags = {"vip": [False, False, True]}
    value, known = rule.kleene(df, tags=tags)
    assert value.tolist() == [True, False, True]
    assert known.tolist() == [True, True, True]  # unknown and false is false
    assert rule.mask(df, tags=tags).tolist() == [True, False, True]
    series = rule.evaluate(df, tags=tags)
    assert series.tolist() == [True, False, True]
    assert rule.evaluate(df, tags={"vip": [False] * 3}).tolist() == [True, False, pd.NA]
    assert series.index.equals(df.index)
    assert str(series.dtype) == "boolean"


def test_compile_from_ast_and_schema_mapping() -> None:
    node = a.Binary(">", a.Column("orders"), a.Literal(2))
    rule = compile_rule(node, {"orders": "int64"})
    assert rule.text == "orders > 2"
    assert rule.node == parse("orders > 2")
    frame = pd.DataFrame({"orders": [1, 3]})
    assert rule.mask(frame).tolist() == [False, True]
    with pytest.raises(RuleTypeError) as info:
        compile_rule("orders > 'x'", {"orders": "number"})
    assert str(info.value) == (
        "type mismatch: cannot compare orders (number) with 'x' (string)\n"
        "  orders > 'x'\n  ^^^^^^^^^^^^"
    )
    with pytest.raises(ParameterError, match="give a type name instead"):
        compile_rule("x > 1", {"x": object})


def test_deep_ast_is_a_syntax_error_not_recursion() -> None:
    node: a.Node = a.Column("x")
    for _ in range(5000):
        node = a.Unary("not", node)
    with pytest.raises(RuleSyntaxError, match="nests too deeply"):
        compile_rule(node, {"x": "bool"})


def test_rule_must_be_a_condition(df: pd.DataFrame) -> None:
    with pytest.raises(RuleTypeError) as info:
        compile_rule("revenue * 2", df)
    assert str(info.value).startswith(
        "a rule must be a condition (true or false), but revenue * 2 (number) is not"
    )
    assert compile_rule("revenue * 2", df, expect=None).type == "number"


def test_known_tags_are_checked(df: pd.DataFrame) -> None:
    with pytest.raises(UnknownTagError) as info:
        compile_rule("has_tag('vp')", df, tags=["vip"])
    assert (
        str(info.value)
        == "unknown tag 'vp' (did you mean 'vip'?)\n  has_tag('vp')\n          ^^^^"
    )


def test_as_of_required_and_context_reuse(df: pd.DataFrame) -> None:
    rule = compile_rule("last >= as_of - 7d", df)
    assert rule.uses_as_of
    with pytest.raises(RuleEvaluationError, match="no as_of date was given"):
        rule.mask(df)
    ctx = RuleContext(df, as_of="2024-03-31")
    assert rule.mask(ctx).tolist() == [True, False, False]
    other = compile_rule("days_since(last) < 2", ctx)
    assert other.mask(ctx).tolist() == [True, False, False]
    with pytest.raises(ParameterError, match="pass as_of and tags to the RuleContext"):
        rule.mask(ctx, as_of="2024-01-01")


def test_evaluation_checks_the_frame_still_fits(df: pd.DataFrame) -> None:
    rule = compile_rule("orders > 2", df)
    with pytest.raises(RuleTypeError) as info:
        rule.mask(df.assign(orders=["a", "b", "c"]))
    assert str(info.value) == (
        "column 'orders' holds string values, but the rule was compiled for number"
    )
    with pytest.raises(UnknownColumnError, match="unknown column 'orders'"):
        rule.mask(df.drop(columns="orders"))


def test_infer_type_rejects_mixed_object_columns() -> None:
    with pytest.raises(RuleTypeError) as info:
        infer_type(pd.Series(["a", 1], name="mixed"))
    assert str(info.value) == (
        "column 'mixed' holds values of types ['number', 'string'] (first number at row 1, "
        "first string at row 0); rules need one type per column"
    )
    assert infer_type(pd.Series([None, None], dtype=object)) == "null"


def test_null_column_is_unknown_everywhere() -> None:
    frame = pd.DataFrame({"x": [None, None]}, dtype=object)
    assert evaluate_rule("x == 'a' or x > 1", frame).tolist() == [pd.NA, pd.NA]
    assert evaluate_rule("x is null", frame).tolist() == [True, True]


def test_tags_must_match_rows(df: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="tag 'vip' has 2 values; the frame has 3 rows"):
        RuleContext(df, tags={"vip": [True, False]})


def test_large_string_columns_use_distinct_values() -> None:
    n = 100_000
    cities = np.asarray(["Oslo", "Rome", None], dtype=object)[np.arange(n) % 3]
    frame = pd.DataFrame({"city": cities})
    result = evaluate_rule("lower(city) startswith 'o' or city matches '^R'", frame)
    assert result.iloc[:3].tolist() == [True, True, pd.NA]
    assert int(result.sum()) == 2 * n // 3 + (1 if n % 3 else 0)


def test_compiled_rule_pickles_by_recompiling(df: pd.DataFrame) -> None:
    import pickle

    rule = compile_rule("city in ['Oslo'] or revenue is null", df)
    restored = pickle.loads(pickle.dumps(rule))
    assert restored.text == rule.text
    assert restored.columns == rule.columns
    assert restored.mask(df).tolist() == rule.mask(df).tolist() == [True, True, False]


def test_missing_tag_values_mean_untagged(df: pd.DataFrame) -> None:
    nullable = pd.array([True, None, False], dtype="boolean")
    assert evaluate_rule("has_tag('v')", df, tags={"v": nullable}).tolist() == [True, False, False]
    floats = pd.DataFrame({"v": [1.0, np.nan, 0.0]}, index=df.index)
    assert evaluate_rule("not has_tag('v')", df, tags=floats).tolist() == [False, True, True]
