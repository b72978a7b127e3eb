"""The compiler's house rules: constant folding, one parse per text, the deprecated alias."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segkit.tagging
from segkit.tagging import Rule, TagEngine, compile_rule, evaluate_rule, parse
from segkit.tagging import parser as parser_module

FRAME = pd.DataFrame({"l": [[1, 2], [2], None], "x": [1.0, 2.0, None], "s": ["a", "B", None]})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 * 3 == 6", [True, True, True]),
        ("1 / 0 is null", [True, True, True]),
        ("-(2) < 0 and x > 1", [False, True, None]),
        ("not (1 > 2) or x > 1", [True, True, True]),
        ("l contains 1 + 1", [True, True, None]),
        ("l contains 3 - 2", [True, False, None]),
        ("x between 1 + 0 and 4 / 2", [True, True, None]),
        ("min(3, 5) - max(1, 2) == 1", [True, True, True]),
    ],
    ids=[
        "arith-compare",
        "div-zero",
        "negate-and",
        "not-or",
        "contains-sum",
        "contains-diff",
        "between",
        "min-max",
    ],
)
def test_constant_folding_gives_the_unfolded_value(text: str, expected: list[bool | None]) -> None:
    result = evaluate_rule(text, FRAME).astype(object).where(lambda s: s.notna(), None)
    assert result.tolist() == expected


def test_constants_fold_at_compile_time() -> None:
    rule = compile_rule("2 * 3 + 1", {}, expect=None)
    assert rule._expr.is_const
    assert rule._expr.const == 7.0
    assert compile_rule("1 > 2 or 3 > 2", {})._expr.const == (np.True_, np.True_)
    # a column keeps the expression live
    assert not compile_rule("x * 2 > 1", {"x": "number"})._expr.is_const


def test_a_rule_text_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = parser_module._Parser.parse

    def counting(self: parser_module._Parser) -> object:
        calls.append(self.text)
        return original(self)

    monkeypatch.setattr(parser_module._Parser, "parse", counting)
    text = "x >= 1.5 and s == 'once only'"
    engine = TagEngine([Rule("t", text)])
    engine.apply(FRAME)
    engine.check(FRAME)
    compile_rule(text, FRAME)
    assert calls.count(text) == 1
    assert parse(text) is parse(text)


def test_parse_refuses_non_text_before_the_cache() -> None:
    with pytest.raises(segkit.tagging.RuleSyntaxError, match="a rule must be a string; got list"):
        parse(["x > 1"])  # type: ignore[arg-type]


def test_compiled_rule_pickles_without_a_patched_recipe() -> None:
    rule = compile_rule("s == 'a' or has_tag('vip')", FRAME, tags=["vip"])
    again = pickle.loads(pickle.dumps(rule))
    assert again.columns == ("s",)
    assert again.tags == ("vip",)
    vip = {"vip": [False, True, False]}
    assert again.mask(FRAME, tags=vip).tolist() == [True, True, False]


def test_evaluate_is_a_deprecated_alias_of_evaluate_rule() -> None:
    with pytest.warns(DeprecationWarning, match="renamed evaluate_rule"):
        old = segkit.tagging.evaluate("x > 1", FRAME)
    pd.testing.assert_series_equal(old, evaluate_rule("x > 1", FRAME))


def test_no_tagging_module_is_over_600_lines() -> None:
    package = Path(segkit.tagging.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in package.glob("*.py")}
    assert max(sizes.values()) <= 600, sizes
