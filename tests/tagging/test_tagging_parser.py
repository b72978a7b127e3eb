"""Parser and printer: exact syntax errors, round-trips, limits, fuzzing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import SegkitError
from segkit.tagging import RuleError, RuleSyntaxError, parse
from segkit.tagging import ast as a
from segkit.tagging.parser import MAX_DEPTH


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("a>1", "a > 1"),
        ("(a > 1) and (b < 2)", "a > 1 and b < 2"),
        ("a or b and c", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("not (a and b)", "not (a and b)"),
        ("not a == 1", "not a == 1"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("-(a + b) * 2", "-(a + b) * 2"),
        ("- 3", "-3"),
        ("a - -3", "a - -3"),
        ("x between 1 + 1 and 10", "x between 1 + 1 and 10"),
        ("x not in ['a', \"b\"]", "x not in ['a', 'b']"),
        ("x is not null", "x is not null"),
        ("`order count` >= 2", "`order count` >= 2"),
        ("`a``b` == 1", "`a``b` == 1"),
        ("`and` == 1", "`and` == 1"),
        ("last >= as_of - 90d", "last >= as_of - 90d"),
        ("d < date('2024-01-31')", 'd < date("2024-01-31")'),
        ("s == 'it\\'s'", "s == 'it\\'s'"),
        ("max(a, b, 1.5e3) > 2", "max(a, b, 1500.0) > 2"),
        ("tags contains 'x' or s matches '^a'", "tags contains 'x' or s matches '^a'"),
    ],
)
def test_print_round_trip(text: str, printed: str) -> None:
    node = parse(text)
    assert str(node) == printed
    assert parse(str(node)) == node


def test_literal_equality_distinguishes_true_from_one() -> None:
    assert parse("true") != parse("1")
    assert parse("1") != parse("1.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a >", "unexpected end of rule; expected a value\n  a >\n     ^"),
        ("a = 1", "unexpected '='; use '==' to compare\n  a = 1\n    ^"),
        (
            "a < b < c",
            "comparisons cannot be chained; join them with 'and'\n  a < b < c\n        ^",
        ),
        ("(a > 1", "unexpected end of rule; expected ')' to close '('\n  (a > 1\n        ^"),
        ("a > 1)", "unmatched ')'\n  a > 1)\n       ^"),
        (
            "a > 1 b",
            (
                "unexpected 'b' after a complete expression (missing 'and' or 'or'?)\n"
                "  a > 1 b\n        ^"
            ),
        ),
        ("s == 'abc", "unterminated string\n  s == 'abc\n       ^^^^"),
        ("a $ 1", "unexpected character '$'\n  a $ 1\n    ^"),
        ("x in []", "empty list after 'in'\n  x in []\n        ^"),
        ("x in 3", "expected '[' to start the list after 'in', found '3'\n  x in 3\n       ^"),
        ("x is 3", "expected 'null' after 'is', found '3'\n  x is 3\n       ^"),
        (
            "x between 1 or 2",
            (
                "expected 'and' in 'between ... and ...', found 'or'\n"
                "  x between 1 or 2\n              ^^"
            ),
        ),
        (
            "d > date('2024-02-30')",
            (
                "invalid date '2024-02-30'; write a date as "
                "date(\"YYYY-MM-DD\")\n  d > date('2024-02-30')\n           ^^^^^^^^^^^^"
            ),
        ),
        (
            "x > 1.5d",
            "a duration needs a whole number, e.g. 36h instead of 1.5d\n  x > 1.5d\n      ^^^^",
        ),
        (
            "x > 12abc",
            (
                "malformed number '12abc' (durations use d, w or h, e.g. 90d)\n"
                "  x > 12abc\n      ^^^^^"
            ),
        ),
        ("[1] == x", "a list [...] may only follow 'in' or 'not in'\n  [1] == x\n  ^"),
        ("and", "expected a value, found the keyword 'and'\n  and\n  ^^^"),
        ("", "empty rule"),
        (
            "x > 99999999999999999999",
            (
                "integer is too large (the limit is 2**63 - 1)\n"
                "  x > 99999999999999999999\n      ^^^^^^^^^^^^^^^^^^^^"
            ),
        ),
    ],
)
def test_syntax_error_messages(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse(text)
    assert str(info.value) == message


def test_syntax_error_is_a_segkit_error() -> None:
    with pytest.raises(SegkitError):
        parse("a >")
    with pytest.raises(ValueError, match="unexpected end"):
        parse("a >")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "a" + ")" * 5000,
        "not " * 5000 + "a",
        "-" * 5000 + "a",
        " + ".join(["a"] * 2000) + " > 1",
        " or ".join(["a"] * 2000),
        "f(" * 3000 + ")" * 3000,
    ],
)
def test_deep_nesting_is_a_syntax_error_not_recursion(text: str) -> None:
    with pytest.raises(RuleSyntaxError, match=r"nests too deeply|too long"):
        parse(text)


def test_nesting_just_under_the_limit_parses() -> None:
    text = "(" * (MAX_DEPTH - 2) + "a" + ")" * (MAX_DEPTH - 2)
    assert parse(text) == a.Column("a")


def test_long_rule_is_rejected() -> None:
    with pytest.raises(RuleSyntaxError, match=r"rule is too long \(10001 characters"):
        parse("a" * 10_001)


def test_source_has_no_dynamic_code_execution() -> None:
    """No eval/exec/compile/pandas.eval/DataFrame.query anywhere in the package."""
    root = Path(__file__).resolve().parents[2] / "src" / "segkit"
    forbidden = re.compile(
        r"(?<![\w.])(eval|exec|compile|__import__)\s*\(|\.eval\s*\(|\.query\s*\("
    )
    offenders = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert offenders == []


_ALPHABET = st.sampled_from(
    [
        *list("abxyz019_ .'\"`()[],+-*/%<>=!"),
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "between",
        "contains",
        "matches",
        "true",
        "90d",
        "date(",
        "as_of",
        "len(",
        "\\",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map(" ".join) | st.text(max_size=60))
def test_fuzz_parse_raises_only_rule_syntax_errors(text: str) -> None:
    try:
        node = parse(text)
    except RuleSyntaxError:
        return
    assert parse(str(node)) == node


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map(" ".join))
def test_fuzz_compile_raises_only_rule_errors(text: str) -> None:
    import pandas as pd

    from segkit.tagging import compile_rule

    df = pd.DataFrame({"a": [1.0, None], "b": ["x", None], "x": [True, None]})
    try:
        compile_rule(text, df, expect=None).evaluate(df, as_of="2024-01-01", tags={"a": [1, 0]})
    except RuleError:
        return
