"""Lifecycle definitions: values, validation, dict/YAML forms, Mermaid, pickling."""

from __future__ import annotations

import pickle
import re
import sys

import pytest

from segkit.errors import SegkitError
from segkit.lifecycle import (
    FEATURE_COLUMNS,
    Lifecycle,
    LifecycleError,
    LifecycleWarning,
    State,
    Transition,
    default_lifecycle,
)
from segkit.tagging import RuleSyntaxError, RuleTypeError, UnknownColumnError

STATES = ["a", "b", State("c", terminal=True)]


def chain(*transitions: Transition, initial: str = "a") -> Lifecycle:
    return Lifecycle(STATES, list(transitions), initial=initial)


def test_values_are_frozen_and_hashable() -> None:
    t = Transition("a", "b", when="orders >= 1")
    with pytest.raises(AttributeError):
        t.when = "orders >= 2"  # type: ignore[misc]
    assert {t, Transition("a", "b", when="orders >= 1")} == {t}
    assert t.label == "'a' -> 'b'"


def test_list_guard_means_any() -> None:
    t = Transition("a", "b", when=["orders >= 3", "revenue > 100"])
    assert t.when == "(orders >= 3) or (revenue > 100)"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: State("*"),
            "the 'name' parameter of State must be a non-empty name without edge spaces, not '*'; got '*' "
            "('*' means any state, as the source of a transition)",
            id="wildcard-state",
        ),
        pytest.param(
            lambda: State(""),
            "the 'name' parameter of State must be a non-empty name without edge spaces, not '*'; got ''",
            id="empty-name",
        ),
        pytest.param(
            lambda: State(" a"),
            "the 'name' parameter of State must be a non-empty name without edge spaces, not '*'; got ' a'",
            id="edge-spaces",
        ),
        pytest.param(
            lambda: State("a", terminal="yes"),
            "the 'terminal' parameter of State must be a bool; got 'yes'",
            id="terminal",
        ),
        pytest.param(
            lambda: Transition("a", "b", when=3),
            "the 'when' parameter of Transition must be a str; got 3",
            id="guard-not-text",
        ),
        pytest.param(
            lambda: Transition("a", "b", when="x", priority=1.5),
            "the 'priority' parameter of Transition must be an int; got 1.5",
            id="priority",
        ),
        pytest.param(
            lambda: Transition("a", "*", when="x"),
            "the 'target' parameter of Transition must be a non-empty name without edge spaces, not '*'; got '*' "
            "('*' means any state, as the source of a transition)",
            id="wildcard-target",
        ),
        pytest.param(
            lambda: Transition(" a", "b", when="x"),
            "the 'source' parameter of Transition must be a state name without edge spaces, "
            "or '*'; got ' a'",
            id="source-spaces",
        ),
    ],
)
def test_value_errors(build, message) -> None:
    with pytest.raises(LifecycleError, match=f"^{re.escape(message)}$"):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: chain(Transition("a", "bb", when="orders >= 1")),
            (
                "transition 'a' -> 'bb': unknown target state 'bb' (did you mean 'b'?); "
                "states: ['a', 'b', 'c']"
            ),
        ),
        (
            lambda: chain(Transition("x", "b", when="orders >= 1")),
            "transition 'x' -> 'b': unknown source state 'x'; states: ['a', 'b', 'c']",
        ),
        (
            lambda: chain(Transition("a", "b", when="orders >= 1"), initial="x"),
            "initial state 'x' is not a state; states: ['a', 'b', 'c']",
        ),
        (lambda: Lifecycle(["a", "a"], [], initial="a"), "state 'a' is declared twice"),
        (
            lambda: chain(Transition("a", "a", when="orders >= 1")),
            "transition 'a' -> 'a' leads back into its own state; remove it",
        ),
        (
            lambda: chain(Transition("c", "a", when="orders >= 1")),
            (
                "transition 'c' -> 'a' leaves the terminal state 'c'; remove the transition or make "
                "the state non-terminal"
            ),
        ),
        (lambda: Lifecycle([], [], initial="a"), "a lifecycle needs at least one state"),
        (
            lambda: Lifecycle(["a"], [], initial="a", schema={"orders": "number"}),
            "schema column 'orders' is computed by replay; leave it out of the schema",
        ),
    ],
)
def test_definition_errors(build, message) -> None:
    with pytest.raises(LifecycleError, match=f"^{re.escape(message)}$"):
        build()


def test_guard_with_missing_column_fails_at_construction_with_suggestion() -> None:
    with pytest.raises(UnknownColumnError) as info:
        chain(
            Transition("a", "b", when="orders >= 1"),
            Transition("b", "c", when="recency_dys > 3"),
        )
    assert str(info.value) == (
        "guard of transition 'b' -> 'c': unknown column 'recency_dys' (did you mean "
        "'recency_days'?); available columns: ['orders', 'revenue', 'avg_order_value', "
        "'recency_days', 'tenure_days', 'days_since_signup']; replay also provides "
        "orders_{N}d and revenue_{N}d for any whole N, and the columns declared in schema=\n"
        "  recency_dys > 3\n"
        "  ^^^^^^^^^^^"
    )
    assert isinstance(info.value, SegkitError)


def test_guard_syntax_and_type_errors_name_the_transition() -> None:
    with pytest.raises(RuleSyntaxError, match=r"^guard of transition 'a' -> 'b': unexpected end"):
        chain(Transition("a", "b", when="orders >= "), Transition("b", "c", when="orders > 1"))
    with pytest.raises(RuleTypeError, match=r"^guard of transition 'a' -> 'b': a rule must be"):
        chain(Transition("a", "b", when="orders + 1"), Transition("b", "c", when="orders > 1"))


def test_windows_and_schema_columns_are_known() -> None:
    lc = Lifecycle(
        STATES,
        [
            Transition("a", "b", when="orders_30d >= 1 and city == 'Oslo'"),
            Transition("b", "c", when="revenue_365d > 10 or orders_30d > 3"),
        ],
        initial="a",
        schema={"city": "string"},
    )
    assert lc.windows == (30, 365)
    assert lc.columns == ("orders_30d", "city", "revenue_365d")
    assert "orders_{N}d" in FEATURE_COLUMNS


def test_warnings() -> None:
    with pytest.warns(LifecycleWarning) as record:
        Lifecycle(
            ["a", "b", "d", State("c", terminal=True)],
            [
                Transition("a", "b", when="orders >= 1"),
                Transition("a", "c", when="orders >= 2"),
                Transition("d", "c", when="orders >= 3"),
            ],
            initial="a",
        )
    assert [str(w.message) for w in record] == [
        (
            "state 'a' has transitions of equal priority ('a' -> 'b', 'a' -> 'c'); they are tried "
            "in declaration order; give them different priorities to make the order explicit"
        ),
        "state 'b' has no transition out; mark it State('b', terminal=True) if that is intended",
        "state 'd' cannot be reached from the initial state 'a'",
    ]


def test_wildcard_counts_as_a_way_in_and_out() -> None:
    lc = Lifecycle(
        ["a", "b", State("gone", terminal=True)],
        [
            Transition("a", "b", when="orders >= 1", priority=1),
            Transition("*", "gone", when="recency_days > 365"),
        ],
        initial="a",
    )
    assert [lc.transitions[i].target for i in lc._order[0]] == ["b", "gone"]
    assert lc._order[2] == []  # terminal: not left by '*'


def test_default_lifecycle_builds_without_warnings_and_shows_guards() -> None:
    lc = default_lifecycle(active_days=60, at_risk_days=120, churn_days=300, loyal_orders=4)
    guards = {(t.source, t.target): t.when for t in lc.transitions}
    assert guards[("new", "active")] == "orders >= 2 and recency_days <= 60"
    assert guards[("active", "loyal")] == "orders >= 4 and recency_days <= 60"
    assert guards[("at_risk", "churned")] == "recency_days > 300"
    assert guards[("reactivated", "active")] == "orders_60d >= 2"
    assert lc.windows == (60,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"active_days": 200},
            "default_lifecycle needs active_days < at_risk_days < churn_days; got 200, 180, 365",
        ),
        (
            {"loyal_orders": 2},
            "default_lifecycle needs loyal_orders > repeat_orders; got 2 and 2",
        ),
        (
            {"churn_days": 0},
            (
                "the 'churn_days' parameter of default_lifecycle must be an int in the range "
                "[1, inf); got 0"
            ),
        ),
    ],
)
def test_default_lifecycle_parameters(kwargs, message) -> None:
    with pytest.raises(SegkitError, match=f"^{re.escape(message)}$"):
        default_lifecycle(**kwargs)


def test_dict_round_trip_and_pickle() -> None:
    lc = default_lifecycle()
    again = Lifecycle.from_dict(lc.to_dict())
    assert again == lc
    assert pickle.loads(pickle.dumps(lc)) == lc
    assert repr(lc) == (
        "Lifecycle(states=['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned', "
        "'reactivated'], transitions=11, initial='prospect')"
    )


YAML = """
initial: prospect
states:
  - name: prospect
    description: Registered, no purchase yet
  - buyer
  - name: gone
    terminal: true
transitions:
  - from: prospect
    to: buyer
    when: orders >= 1
  - from: "*"
    to: gone
    when: recency_days > 365
    priority: 5
"""


def test_from_yaml_text_and_file(tmp_path) -> None:
    lc = Lifecycle.from_yaml(YAML)
    assert lc.names == ("prospect", "buyer", "gone")
    assert lc.transitions[1] == Transition("*", "gone", when="recency_days > 365", priority=5)
    path = tmp_path / "lifecycle.yaml"
    path.write_text(YAML, encoding="utf-8")
    assert Lifecycle.from_yaml(path) == lc
    with path.open(encoding="utf-8") as fh:
        assert Lifecycle.from_yaml(fh) == lc


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"initial": "a", "states": ["a"], "transitons": []},
            (
                "lifecycle has an unknown key 'transitons' (did you mean 'transitions'?); allowed: "
                "['initial', 'schema', 'states', 'transitions']"
            ),
        ),
        (
            {"initial": "a", "states": ["a", "b"], "transitions": [{"from": "a", "to": "b"}]},
            "transitions[0] is missing the key 'when'",
        ),
        ({"states": ["a"]}, "lifecycle is missing the key 'initial'"),
        ({"initial": "a", "states": "a"}, "'states' must be a list; got 'a'"),
        ([1], "a lifecycle definition must be a mapping; got [1]"),
    ],
)
def test_from_dict_errors(data, message) -> None:
    with pytest.raises(LifecycleError, match=f"^{re.escape(message)}$"):
        Lifecycle.from_dict(data)


def test_from_yaml_parse_error() -> None:
    with pytest.raises(LifecycleError) as info:
        Lifecycle.from_yaml("states: [a\n")
    assert str(info.value) == (
        "invalid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>'"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda tmp: tmp / "missing.yaml",
            r"^cannot read the lifecycle file '.*missing\.yaml': No such file",
            id="missing-file",
        ),
        pytest.param(
            lambda tmp: _write(tmp / "gbk.yaml", "initial: 新客\n".encode("gbk")),
            r"^lifecycle file 'gbk\.yaml' is not UTF-8 text: byte 0xd0 at offset 9 cannot be "
            r"decoded\. It looks like GBK/GB18030 \(what Chinese Windows writes\)\. Save the file "
            r"as UTF-8 \(in Notepad or Excel: Save as, Encoding: UTF-8\)$",
            id="gbk-file",
        ),
        pytest.param(
            lambda tmp: "states: " + "[" * 10_000 + "]" * 10_000,
            r"^line 1: the YAML nests deeper than 50 levels, more than a lifecycle file needs$",
            id="deep-nesting",
        ),
        pytest.param(
            lambda tmp: _write(tmp / "binary.yaml", bytes(range(256))),
            r"^lifecycle file 'binary\.yaml' is a binary file, not YAML or JSON text$",
            id="binary-file",
        ),
    ],
)
def test_from_yaml_unreadable_sources(tmp_path, make, message) -> None:
    with pytest.raises(LifecycleError, match=message):
        Lifecycle.from_yaml(make(tmp_path))


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_to_mermaid_default() -> None:
    text = default_lifecycle().to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> prospect" in lines
    assert "    prospect --> new: orders >= 1" in lines
    assert "    churned --> reactivated: recency_days <= 90" in lines
    assert "    reactivated --> active: orders_90d >= 2" in lines
    assert sum("-->" in line for line in lines) == 12


def test_to_mermaid_odd_names_and_wildcards() -> None:
    lc = Lifecycle(
        ["at risk", "ok", State("gone", terminal=True)],
        [
            Transition("ok", "at risk", when="recency_days > 90", priority=1),
            Transition("at risk", "ok", when="recency_days <= 90"),
            Transition("*", "gone", when="recency_days > 365", priority=2),
        ],
        initial="ok",
    )
    assert lc.to_mermaid() == (
        "stateDiagram-v2\n"
        '    state "at risk" as s0\n'
        "    [*] --> ok\n"
        "    s0 --> gone: recency_days > 365\n"
        "    s0 --> ok: recency_days <= 90\n"
        "    ok --> gone: recency_days > 365\n"
        "    ok --> s0: recency_days > 90\n"
        "    gone --> [*]"
    )


def test_from_yaml_without_pyyaml(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(
        ImportError, match=r"^reading YAML lifecycle files needs PyYAML; install it with pip"
    ):
        Lifecycle.from_yaml(YAML)
