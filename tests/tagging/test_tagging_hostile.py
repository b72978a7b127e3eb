"""Hostile and odd input for the rule language and rule files (issue 18).

Each case names the input and the error a person sees; the ReDoS cases run in
a subprocess with a time bound so that a regression fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.errors import ParameterError, SegkitError
from segkit.tagging import (
    Rule,
    RuleError,
    RuleEvaluationError,
    RuleFileError,
    RuleSyntaxError,
    RuleTypeError,
    TagEngine,
    _regex,
    evaluate_rule,
    rules_from_json,
    rules_from_yaml,
)

SRC = str(Path(_regex.__file__).parents[2])


# ---------------------------------------------------------------------------
# 18.1 ReDoS
# ---------------------------------------------------------------------------
_REDOS = """
import time, pandas as pd
from segkit.tagging import _regex, evaluate_rule, RuleSyntaxError
if {fallback}:
    _regex._re2 = None
df = pd.DataFrame({{"email": ["a" * 5000 + "!", "a" * 40 + "!", "ok@example.com"]}})
outcomes = []
for pattern in {patterns!r}:
    start = time.perf_counter()
    try:
        result = evaluate_rule("email matches '" + pattern + "'", df).tolist()
        outcomes.append(("matched", result))
    except RuleSyntaxError:
        outcomes.append(("refused", None))
    assert time.perf_counter() - start < 5, pattern
print(outcomes)
"""
_EVIL = [
    "^(a+)+$",
    "(a|aa)*$",
    "(a*)*b",
    "a*a*a*a*b",
    "\\\\w+\\\\w+\\\\w+$",
    "(.*a){12}",
    ".*.*.*=x",
]


@pytest.mark.parametrize("fallback", [False, True], ids=["default-engine", "python-re-subset"])
def test_catastrophic_patterns_finish_quickly(fallback: bool) -> None:
    if not fallback and _regex.engine() != "re2":
        pytest.skip("google-re2 is not installed; the subset is tested by the other case")
    code = _REDOS.format(fallback=fallback, patterns=_EVIL)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = eval(done.stdout)
    if fallback:  # every one of them is outside the vetted subset
        assert [kind for kind, _ in outcomes] == ["refused"] * len(_EVIL)
    else:  # RE2 runs them all, in linear time
        assert outcomes[0] == ("matched", [False, False, False])
        assert all(kind == "matched" for kind, _ in outcomes)


def _matches(pattern: str) -> str:
    """The rule ``s matches '<pattern>'``, with the pattern quoted as rule text."""
    return "s matches '" + pattern.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.fixture
def python_re(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the patterns on Python's re (the vetted subset), as without google-re2."""
    monkeypatch.setattr(_regex, "_re2", None)
    _regex.compile_pattern.cache_clear()
    yield
    _regex.compile_pattern.cache_clear()


@pytest.mark.usefixtures("python_re")
@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("^(a+)+$", "the repetition '(a+)+' repeats a group that itself varies"),
        ("(a|ab)*c", "the repetition '(a|ab)*' repeats a group that itself varies"),
        ("a*a*b", "the repetitions 'a*' and 'a*' can take turns"),
        ("\\w+\\d+", "the repetitions '\\w+' and '\\d+' can take turns"),
        ("a?a?aa", "the repetitions 'a?' and 'a?' can take turns"),
        (".*@.*", "the repetitions '.*' and '.*' can take turns"),
    ],
    ids=["nested", "alternatives", "adjacent", "overlapping-classes", "optional-run", "dot-star"],
)
def test_the_subset_refuses_backtracking_patterns(pattern: str, fragment: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        evaluate_rule(_matches(pattern), pd.DataFrame({"s": ["a"]}))
    assert fragment in str(info.value)
    assert "pip install 'segkit-crm[re2]'" in str(info.value)


@pytest.mark.usefixtures("python_re")
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[^@]+@[^@]+\\.[a-z]+$", [True, False, False]),
        ("^1[3-9]\\d{9}$", [False, False, True]),
        ("(ab)+c", [False, False, False]),
        ("@example\\.(com|org)$", [True, False, False]),
        ("(?i)^ANN", [True, False, False]),
    ],
    ids=["email", "cn-mobile", "fixed-group", "alternatives-once", "flags"],
)
def test_the_subset_keeps_everyday_patterns(pattern: str, expected: list[bool]) -> None:
    df = pd.DataFrame({"s": ["ann@example.com", "no at sign", "13812345678"]})
    assert evaluate_rule(_matches(pattern), df).tolist() == expected


@pytest.mark.parametrize("engine", ["default", "python-re"])
@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("a{4294967296}", "repetition count 4294967296 is too large (the limit is 1000)"),
        ("a{2,99999}", "repetition count 99999 is too large"),
        ("(a)\\1", "backreferences are not supported"),
        ("(?P<x>a)(?P=x)", "backreferences are not supported"),
        ("a(?=b)", "lookahead and lookbehind are not supported"),
        ("(?<!a)b", "lookahead and lookbehind are not supported"),
        ("(?>a+)b", "atomic groups are not supported"),
        ("a++", "possessive quantifiers are not supported"),
        ("(?x) a", "verbose mode (?x) is not supported"),
        ("a" * 201, "regular expression is too long (201 characters; the limit is 200)"),
        ("(", "invalid regular expression: missing ), unterminated subpattern"),
    ],
    ids=["huge-count", "huge-range", "backref", "named-backref", "lookahead", "lookbehind",
         "atomic", "possessive", "verbose", "too-long", "invalid"],
)  # fmt: skip
def test_patterns_refused_by_both_engines(
    engine: str, pattern: str, fragment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine == "python-re":
        monkeypatch.setattr(_regex, "_re2", None)
    _regex.compile_pattern.cache_clear()
    with pytest.raises(RuleSyntaxError) as info:
        evaluate_rule(_matches(pattern), pd.DataFrame({"s": ["a"]}))
    _regex.compile_pattern.cache_clear()
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------
# 18.3 YAML billion laughs, 18.18 deep nesting, encodings, huge numbers
# ---------------------------------------------------------------------------
def _laughs(depth: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, depth + 1):
        refs = ",".join([f"*a{k - 1}"] * 9)
        lines.append(f"a{k}: &a{k} [{refs}]")
    lines.append(f"rules:\n  - tag: x\n    when: x > 1\n    description: *a{depth}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [1, 9], ids=["small", "billion"])
def test_yaml_anchors_are_refused_before_expansion(depth: int) -> None:
    with pytest.raises(RuleFileError) as info:
        rules_from_yaml(_laughs(depth))
    message = str(info.value)
    assert message == (
        "line 1: YAML anchors and aliases (&name, *name) are not accepted in rule files; "
        "write each value out"
    )


@pytest.mark.parametrize("kind", ["yaml", "json"])
@pytest.mark.parametrize("where", ["text", "file"])
def test_deep_nesting_is_a_rule_file_error(kind: str, where: str, tmp_path: Path) -> None:
    if kind == "yaml":
        text, read = "rules: " + "[" * 10000 + "]" * 10000, rules_from_yaml
    else:
        text, read = '{"rules": ' + "[" * 100000 + "]" * 100000 + "}", rules_from_json
    source: Any = text
    if where == "file":
        source = tmp_path / f"deep.{kind}"
        source.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        read(source)
    if kind == "yaml":
        assert "the YAML nests deeper than 50 levels" in str(info.value)
    else:
        assert "the JSON nests too deeply to be a rule file" in str(info.value)


RULES_ZH = "rules:\n  - tag: 金卡\n    when: \"`消费金额` >= 1000 and `城市` == '上海'\"\n"


@pytest.mark.parametrize(
    ("encoding", "fragment"),
    [
        ("gbk", ("is not UTF-8 text: byte 0xbd at offset 16 cannot be decoded. It looks "
                 "like GBK/GB18030 (what Chinese Windows writes). Save the file as UTF-8")),
        ("utf-16-le", "looks like UTF-16 text without a byte-order mark; save it as UTF-8"),
        ("binary", "is a binary file, not YAML or JSON text"),
        ("latin-1-ish", "is not UTF-8 text: byte 0xe9 at offset 19"),
    ],
    ids=["gbk", "utf16-no-bom", "binary", "latin1"],
)  # fmt: skip
def test_undecodable_rule_files_name_the_encoding(
    encoding: str, fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    if encoding == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif encoding == "latin-1-ish":
        path.write_bytes("rules:\n  - tag: caf\xe9\n    when: x > 1\n".encode("latin-1"))
    else:
        path.write_bytes(RULES_ZH.encode(encoding))
    with pytest.raises(RuleFileError) as info:
        rules_from_yaml(path)
    assert str(info.value).startswith("rule file 'rules.yaml' ")
    assert fragment in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_unicode_rule_files_with_chinese_names_are_read(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(RULES_ZH.encode(encoding))
    rules = rules_from_yaml(path)
    assert rules == (Rule("金卡", "`消费金额` >= 1000 and `城市` == '上海'"),)
    customers = pd.DataFrame(
        {"消费金额": [1500.0, 2000.0, 50.0], "城市": ["上海", "北京", "上海"]},
        index=pd.Index(["c1", "c2", "c3"], name="客户"),
    )
    tags = TagEngine(rules).apply(customers)
    assert tags["金卡"].tolist() == [True, False, False]
    assert evaluate_rule("`城市` == '上海' and `消费金额` < 100", customers).tolist() == [
        False,
        False,
        True,
    ]


def test_unknown_chinese_column_is_suggested() -> None:
    customers = pd.DataFrame({"消费金额": [1.0]})
    with pytest.raises(RuleError) as info:
        evaluate_rule("`消费金` > 1", customers)
    assert "unknown column '消费金' (did you mean '消费金额'?)" in str(info.value)


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: evaluate_rule(f"x > {HUGE}", pd.DataFrame({"x": [1]})),
         "integer is too large (the limit is 2**63 - 1)"),
        (lambda: evaluate_rule(f"x > {HUGE}d", pd.DataFrame({"x": [1]})), "duration is too long"),
        (lambda: rules_from_json('{"rules": [{"tag": "a", "when": "x > 1", "priority": ' + HUGE
                                 + "}]}"), "invalid JSON: Exceeds the limit (4300 digits)"),
        (lambda: rules_from_yaml(f"rules:\n  - tag: a\n    when: x > 1\n    priority: {HUGE}\n"),
         "invalid YAML: Exceeds the limit (4300 digits)"),
    ],
    ids=["rule-literal", "duration", "json", "yaml"],
)  # fmt: skip
def test_5000_digit_integers(call: Any, fragment: str) -> None:
    with pytest.raises(SegkitError) as info:
        call()
    assert fragment in str(info.value)
    assert len(str(info.value)) < 400


def test_error_messages_quote_a_bounded_excerpt() -> None:
    with pytest.raises(RuleFileError) as info:
        rules_from_json(json.dumps({"rules": [["x" * 100_000] * 1000]}))
    message = str(info.value)
    assert message.startswith("rule #1: must be a mapping of fields; got [")
    assert len(message) < 200
    with pytest.raises(RuleFileError) as info:
        rules_from_json(json.dumps({"rules": [{"tag": "t" * 100_000, "when": 5}]}))
    assert "(100002 characters)" in str(info.value)
    assert len(str(info.value)) < 300


# ---------------------------------------------------------------------------
# 18.12 typing object columns, 18.13 contains, 18.18 lists inside lists
# ---------------------------------------------------------------------------
def test_object_columns_are_typed_from_every_value() -> None:
    frame = pd.DataFrame({"s": pd.Series(["a"] * 1000 + [5], dtype=object)})
    with pytest.raises(RuleTypeError) as info:
        evaluate_rule("s < 'b'", frame)
    assert str(info.value) == (
        "column 's' holds values of types ['number', 'string'] (first number at row 1000, "
        "first string at row 0); rules need one type per column"
    )


def test_mixed_time_zones_are_refused() -> None:
    stamps = [pd.Timestamp("2024-01-01", tz="Asia/Tokyo"), pd.Timestamp("2024-01-01", tz="UTC")]
    frame = pd.DataFrame({"t": pd.Series(stamps, dtype=object)})
    with pytest.raises(RuleTypeError) as info:
        evaluate_rule("t > date('2023-01-01')", frame)
    assert str(info.value) == (
        "column 't' holds timestamps in several time zones ('Asia/Tokyo' and 'UTC' at row 1); "
        "convert them to one zone first, e.g. pd.to_datetime(column, utc=True)"
    )


def test_one_zone_object_timestamps_are_read_on_their_wall_clock() -> None:
    stamps = [pd.Timestamp("2024-01-01 08:00", tz="Asia/Tokyo"), None]
    frame = pd.DataFrame({"t": pd.Series(stamps, dtype=object)})
    assert evaluate_rule("t >= date('2024-01-01')", frame).tolist() == [True, pd.NA]


@pytest.mark.parametrize("reverse", [False, True], ids=["rows", "reversed"])
def test_contains_never_confuses_true_with_1(reverse: bool) -> None:
    lists = [[1], [True], [1.0, "1"], [np.int64(1)], [np.True_], []]
    expected_1 = [True, False, True, True, False, False]
    expected_true = [False, True, False, False, True, False]
    if reverse:
        lists, expected_1, expected_true = lists[::-1], expected_1[::-1], expected_true[::-1]
    frame = pd.DataFrame({"l": pd.Series(lists, dtype=object)})
    assert evaluate_rule("l contains 1", frame).tolist() == expected_1
    assert evaluate_rule("l contains true", frame).tolist() == expected_true
    assert evaluate_rule("l contains '1'", frame).tolist() == [x == [1.0, "1"] for x in lists]


def test_lists_and_dicts_inside_a_list_column() -> None:
    frame = pd.DataFrame(
        {"l": pd.Series([[[1, 2], {"a": 1}], None, [{"b": [3]}, "x"], []], dtype=object)}
    )
    assert evaluate_rule("l is null", frame).tolist() == [False, True, False, False]
    assert evaluate_rule("len(l)", frame).tolist() == [2.0, pd.NA, 2.0, 0.0]
    assert evaluate_rule("l contains 'x'", frame).tolist() == [False, pd.NA, True, False]
    assert evaluate_rule("l contains 1", frame).tolist() == [False, pd.NA, False, False]


# ---------------------------------------------------------------------------
# 18.14 the long output, 18.16 silent overflow, 18.6 dates out of range
# ---------------------------------------------------------------------------
def test_long_output_never_overwrites_a_customer_index_named_tag() -> None:
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="tag"))
    engine = TagEngine([Rule("big", "x > 1")])
    with pytest.raises(ParameterError) as info:
        engine.apply(frame, output="long")
    assert str(info.value) == (
        "the frame's index is named 'tag', the name of the tag column of output='long'; "
        "rename the index first, e.g. df.rename_axis('customer')"
    )
    long = engine.apply(frame.rename_axis("customer"), output="long")
    assert long.to_dict("list") == {"customer": ["b"], "tag": ["big"]}


def test_integers_beyond_2_53_are_not_rounded_silently() -> None:
    frame = pd.DataFrame({"id": np.array([1, 2**53 + 1], dtype=np.int64)})
    with pytest.raises(RuleEvaluationError) as info:
        evaluate_rule("id == 9007199254740993", frame)
    assert str(info.value).startswith(
        "column 'id' holds the integer 9007199254740993, beyond 2**53"
    )
    ok = pd.DataFrame({"id": pd.array([2**53, None], dtype="Int64")})
    assert evaluate_rule("id > 0", ok).tolist() == [True, pd.NA]


def test_dates_beyond_64_bit_microseconds_are_an_error() -> None:
    frame = pd.DataFrame({"x": [1]})
    with pytest.raises(RuleEvaluationError) as info:
        evaluate_rule("as_of + 1000000w * 1000000", frame, as_of="2024-01-01")
    assert "the rule gives a date beyond what 64-bit microseconds hold" in str(info.value)


@pytest.mark.parametrize("text", ["date('9999-12-31')", "date('1600-01-01')"])
def test_date_literals_outside_the_time_policy_range(text: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        evaluate_rule(f"t < {text}", pd.DataFrame({"t": pd.to_datetime(["2024-01-01"])}))
    value = text[6:16]
    assert str(info.value).startswith(
        f"date {value} is outside 1677-09-22 .. 2262-04-11, the range of segkit's time policy"
    )


def test_as_of_outside_the_range_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="9999-12-31"):
        evaluate_rule("days_since(t) > 1", pd.DataFrame({"t": [pd.Timestamp(0)]}), "9999-12-31")


# ---------------------------------------------------------------------------
# Fuzz: rule files (YAML and JSON), valid-looking and mangled
# ---------------------------------------------------------------------------
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["x > 1", "tag", "when", "rules", "group", "priority", "`a` in [1, 2]"]),
)
_data = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["rules", "tag", "when", "group", "priority", "x"]), inner,
                      max_size=4),
    max_leaves=20,
)  # fmt: skip


def _mangle(text: str, data: st.DataObject) -> str:
    if not text or not data.draw(st.booleans(), label="mangle"):
        return text
    cut = data.draw(st.integers(0, len(text)), label="at")
    insert = data.draw(
        st.sampled_from(["&a ", "*a", "[", "]", "{", "}", ":", "\n  - ", "'", '"', "\x00", "!!"])
    )
    return text[:cut] + insert + text[cut:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=_data, data=st.data())
def test_fuzz_rule_files_parse_or_raise_the_library_error(content: Any, data: Any) -> None:
    for dump, read in ((json.dumps, rules_from_json), (_yaml_dump, rules_from_yaml)):
        text = _mangle(dump({"rules": content} if data.draw(st.booleans()) else content), data)
        try:
            rules = read(text)
        except SegkitError:
            continue
        assert all(isinstance(r, Rule) for r in rules)


def _yaml_dump(value: Any) -> str:
    import yaml

    text: str = yaml.safe_dump(value, allow_unicode=True)
    return text


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe\x00", b"\xef\xbb\xbf", b"\x00\x01\x02", "rules: []".encode("utf-32"), b""],
    ids=["bad-utf16", "bom-only", "nul", "utf32", "empty"],
)
def test_fuzz_seeds_odd_bytes(raw: bytes, tmp_path: Path) -> None:
    for suffix, read in ((".yaml", rules_from_yaml), (".json", rules_from_json)):
        path = tmp_path / f"r{suffix}"
        path.write_bytes(raw)
        with contextlib.suppress(SegkitError):
            read(path)


def test_days_since_is_summarize_recency_on_zoned_data() -> None:
    import segkit

    cols = {"customer": "cid", "timestamp": "ts", "amount": "amount"}
    local = pd.to_datetime(
        ["2024-03-09 23:30", "2024-03-10 03:30", "2024-03-24 00:30", "2024-03-31 05:00",
         "2024-03-31 23:30", "2024-03-25 00:00"]
    )  # fmt: skip
    for tz in ("Asia/Tokyo", "America/New_York"):
        tx = pd.DataFrame({"cid": [1, 1, 2, 2, 3, 4], "ts": local.tz_localize(tz), "amount": 5.0})
        for as_of in (
            "2024-03-31",
            "2024-03-31 12:00",
            pd.Timestamp("2024-03-31 03:00", tz="UTC"),
        ):
            s = segkit.summarize(tx, **cols, as_of=as_of)
            got = evaluate_rule("days_since(last_purchase)", s, as_of=as_of)
            assert got.tolist() == s["recency_days"].tolist(), (tz, as_of)
            tagged = TagEngine([Rule("recent", "days_since(last_purchase) < 7")]).apply(
                s, as_of=as_of
            )
            assert tagged["recent"].tolist() == (s["recency_days"] < 7).tolist()


_PATTERN_PIECES = st.sampled_from(
    ["a", "b", ".", "\\", "\\d", "\\w", "\\1", "[", "]", "[^a]", "(", ")", "(?:", "(?P<n>",
     "(?P=n)", "(?=", "(?i)", "(?#c)", "|", "*", "+", "?", "{", "}", "{2}", "{1,3}", "{,}",
     "{99999}", "^", "$", "\\x4", "\\u00e9", "\\N{DASH}", "-", ",", "中"]
)  # fmt: skip


@pytest.mark.parametrize("engine", ["default", "python-re"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PATTERN_PIECES, max_size=12), text=st.text(max_size=30))
def test_fuzz_patterns_compile_or_raise_pattern_error(
    engine: str, pieces: list[str], text: str
) -> None:
    pattern = "".join(pieces)
    saved = _regex._re2
    if engine == "python-re":
        _regex._re2 = None
    try:
        found = _regex.compile_pattern.__wrapped__(pattern)
    except _regex.PatternError:
        return
    finally:
        _regex._re2 = saved
    assert isinstance(found(text), bool)


def test_engine_messages_quote_long_tag_names_in_short() -> None:
    tag = "t" * 50_000
    with pytest.raises(RuleError) as info:
        TagEngine([Rule(tag, "x > 1")]).apply(pd.DataFrame({"y": [1]}))
    message = str(info.value)
    assert message.startswith("rule #1 (tag 'tttttttt")
    assert "... (50002 characters)): unknown column 'x'" in message
    assert len(message) < 400
