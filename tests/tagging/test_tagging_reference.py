"""Property: compiled evaluation equals a slow row-by-row reference interpreter.

The reference below is written for obviousness, not speed: Python values per
row, ``None`` for null, ``datetime``/``timedelta`` for time, and SQL/Kleene
three-valued logic spelled out case by case.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.tagging import RuleContext, compile_rule, parse
from segkit.tagging import ast as a

AS_OF = dt.datetime(2024, 3, 31)
UNIT = {"d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1), "h": dt.timedelta(hours=1)}


# -- the reference interpreter ----------------------------------------------
def k_and(x: bool | None, y: bool | None) -> bool | None:
    if x is False or y is False:
        return False
    if x is None or y is None:
        return None
    return True


def k_or(x: bool | None, y: bool | None) -> bool | None:
    if x is True or y is True:
        return True
    if x is None or y is None:
        return None
    return False


def k_not(x: bool | None) -> bool | None:
    return None if x is None else not x


def clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def ref(node: a.Node, row: dict[str, Any], tags: dict[str, bool]) -> Any:
    if isinstance(node, a.Literal):
        return node.value
    if isinstance(node, a.Column):
        return row[node.name]
    if isinstance(node, a.AsOf):
        return AS_OF
    if isinstance(node, a.DateLiteral):
        return dt.datetime.fromisoformat(node.value)
    if isinstance(node, a.Duration):
        return node.amount * UNIT[node.unit]
    if isinstance(node, a.Unary):
        x = ref(node.operand, row, tags)
        if node.op == "not":
            return k_not(x)
        return None if x is None else -x
    if isinstance(node, a.Binary):
        op = node.op
        x = ref(node.left, row, tags)
        y = ref(node.right, row, tags)
        if op == "and":
            return k_and(x, y)
        if op == "or":
            return k_or(x, y)
        if x is None or y is None:
            return None
        if op == "==":
            return x == y
        if op == "!=":
            return x != y
        if op == "<":
            return x < y
        if op == "<=":
            return x <= y
        if op == ">":
            return x > y
        if op == ">=":
            return x >= y
        if op == "+":
            return clean(x + y)
        if op == "-":
            return clean(x - y)
        if op == "*":
            return clean(x * y)
        if op == "/":
            if y == 0 or y == dt.timedelta(0):
                return None
            return clean(x / y)
        if op == "%":
            return None if y == 0 else clean(x % y)
        if op == "contains":
            return y in x
        if op == "startswith":
            return x.startswith(y)
        if op == "endswith":
            return x.endswith(y)
        if op == "matches":
            return re.search(y, x) is not None
    if isinstance(node, a.Between):
        x = ref(node.operand, row, tags)
        low = ref(node.low, row, tags)
        high = ref(node.high, row, tags)
        ge = None if x is None or low is None else x >= low
        le = None if x is None or high is None else x <= high
        return k_and(ge, le)
    if isinstance(node, a.InList):
        x = ref(node.operand, row, tags)
        result: bool | None = False
        for item in node.items:
            y = ref(item, row, tags)
            result = k_or(result, None if x is None or y is None else x == y)
        return k_not(result) if node.negated else result
    if isinstance(node, a.IsNull):
        x = ref(node.operand, row, tags)
        return (x is not None) if node.negated else (x is None)
    if isinstance(node, a.Call):
        if node.name == "has_tag":
            return tags[node.args[0].value]  # type: ignore[union-attr,index]
        args = [ref(arg, row, tags) for arg in node.args]
        if node.name == "coalesce":
            return next((v for v in args if v is not None), None)
        if any(v is None for v in args):
            return None
        x = args[0]
        if node.name == "abs":
            return abs(x)
        if node.name == "log":
            return math.log(x) if x > 0 else None
        if node.name == "log1p":
            return math.log1p(x) if x > -1 else None
        if node.name == "sqrt":
            return math.sqrt(x) if x >= 0 else None
        if node.name == "min":
            return min(args)
        if node.name == "max":
            return max(args)
        if node.name == "lower":
            return x.lower()
        if node.name == "upper":
            return x.upper()
        if node.name == "len":
            return len(x)
        if node.name == "days_since":
            return (AS_OF - x) / dt.timedelta(days=1)
    raise AssertionError(node)


# -- random frames and well-typed random ASTs ------------------------------
N_ROWS = 6
numbers = st.one_of(st.none(), st.integers(-4, 4).map(float), st.sampled_from([0.5, -2.5, 10.0]))
strings = st.one_of(st.none(), st.sampled_from(["", "a", "ab", "Ba", "abc", "B"]))
bools = st.one_of(st.none(), st.booleans())
dates = st.one_of(st.none(), st.integers(0, 200).map(lambda d: AS_OF - dt.timedelta(days=d)))
lists = st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    col = lambda s: draw(st.lists(s, min_size=N_ROWS, max_size=N_ROWS))  # noqa: E731
    x, y, s, u, p, q, d, items = (
        col(numbers), col(numbers), col(strings), col(strings),
        col(bools), col(bools), col(dates), col(lists),
    )  # fmt: skip
    listcol = pd.Series([None] * N_ROWS, dtype=object)
    for i, v in enumerate(items):
        listcol.iloc[i] = v
    return pd.DataFrame(
        {
            "x": pd.Series(x, dtype="float64"),
            "y": pd.Series(x if draw(st.booleans()) else y, dtype="Float64"),
            "s": pd.Series(s, dtype="str"),
            "u": pd.Series(u, dtype=object),
            "p": pd.Series(p, dtype="boolean"),
            "q": pd.Series(q, dtype=object),
            "d": pd.Series(pd.to_datetime(d), dtype="datetime64[ns]"),
            "l": listcol,
        }
    )


def lit(v: Any) -> a.Literal:
    return a.Literal(v)


def num(depth: int) -> st.SearchStrategy[a.Node]:
    leaves = st.one_of(
        st.sampled_from([a.Column("x"), a.Column("y")]),
        st.sampled_from([lit(0), lit(1), lit(2), lit(-3), lit(0.5), lit(None)]),
    )
    if depth == 0:
        return leaves
    sub = num(depth - 1)
    return st.one_of(
        leaves,
        st.builds(a.Binary, st.sampled_from(["+", "-", "*", "/", "%"]), sub, sub),
        st.builds(a.Unary, st.just("-"), st.sampled_from([a.Column("x"), a.Column("y")])),
        st.builds(a.Call, st.sampled_from(["abs", "log", "log1p", "sqrt"]), st.tuples(sub)),
        st.builds(a.Call, st.sampled_from(["min", "max", "coalesce"]), st.tuples(sub, sub)),
        st.builds(a.Call, st.just("len"), st.tuples(string(0) | st.just(a.Column("l")))),
        st.builds(a.Call, st.just("days_since"), st.tuples(date(depth - 1))),
    )


def string(depth: int) -> st.SearchStrategy[a.Node]:
    leaves = st.sampled_from([a.Column("s"), a.Column("u"), lit("a"), lit("B"), lit("")])
    if depth == 0:
        return leaves
    sub = string(depth - 1)
    return st.one_of(
        leaves,
        st.builds(a.Call, st.sampled_from(["lower", "upper"]), st.tuples(sub)),
        st.builds(a.Call, st.just("coalesce"), st.tuples(sub, sub)),
    )


def date(depth: int) -> st.SearchStrategy[a.Node]:
    leaves = st.sampled_from([a.Column("d"), a.AsOf(), a.DateLiteral("2024-01-31")])
    if depth == 0:
        return leaves
    return st.one_of(
        leaves,
        st.builds(
            a.Binary,
            st.sampled_from(["+", "-"]),
            date(depth - 1),
            st.builds(a.Duration, st.integers(0, 100), st.sampled_from(["d", "w", "h"])),
        ),
    )


def boolean(depth: int) -> st.SearchStrategy[a.Node]:
    leaves = st.sampled_from(
        [
            a.Column("p"),
            a.Column("q"),
            lit(True),
            lit(False),
            lit(None),
            a.Call("has_tag", (lit("vip"),)),
        ]
    )
    if depth == 0:
        return leaves
    sub = boolean(depth - 1)
    cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        leaves,
        st.builds(a.Binary, st.sampled_from(["and", "or"]), sub, sub),
        st.builds(a.Unary, st.just("not"), sub),
        st.builds(a.Binary, cmp, num(depth - 1), num(depth - 1)),
        st.builds(a.Binary, cmp, string(depth - 1), string(depth - 1)),
        st.builds(a.Binary, cmp, date(depth - 1), date(depth - 1)),
        st.builds(a.Binary, st.sampled_from(["==", "!="]), sub, sub),
        st.builds(a.Between, num(depth - 1), num(0), num(0)),
        st.builds(a.InList, num(depth - 1), st.lists(num(0), min_size=1, max_size=3).map(tuple),
                  st.booleans()),
        st.builds(a.InList, string(depth - 1), st.lists(string(0), min_size=1, max_size=3).map(tuple),
                  st.booleans()),
        st.builds(a.IsNull, num(depth - 1) | string(depth - 1) | date(0) | sub, st.booleans()),
        st.builds(a.Binary, st.sampled_from(["contains", "startswith", "endswith"]),
                  string(depth - 1), string(0)),
        st.builds(a.Binary, st.just("matches"), string(depth - 1), st.sampled_from([lit("^a"), lit("b$"), lit("a|B")])),
        st.builds(a.Binary, st.just("contains"), st.just(a.Column("l")), st.sampled_from([lit("a"), lit("c")])),
    )  # fmt: skip


def expressions() -> st.SearchStrategy[a.Node]:
    return st.one_of(boolean(3), num(3), string(2), date(2))


def plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, bool):
        return got is want
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(want, dt.datetime):
        return abs(got - want) <= dt.timedelta(microseconds=1)
    if isinstance(want, dt.timedelta):
        return abs(got - want) <= dt.timedelta(microseconds=1)
    return bool(got == want)


def python_row(df: pd.DataFrame, i: int) -> dict[str, Any]:
    row = {}
    for name in df.columns:
        v = df[name].iloc[i]
        if isinstance(v, list):
            row[name] = v
        else:
            v = plain(v)
            row[name] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return row


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), expressions(), st.lists(st.booleans(), min_size=N_ROWS, max_size=N_ROWS))
def test_compiled_equals_reference(df: pd.DataFrame, node: a.Node, vip: list[bool]) -> None:
    assert parse(str(node)) == node
    before = df.copy(deep=True)
    result = compile_rule(node, df, expect=None).evaluate(df, as_of=AS_OF, tags={"vip": vip})
    pd.testing.assert_frame_equal(df, before)
    for i in range(N_ROWS):
        want = ref(node, python_row(df, i), {"vip": vip[i]})
        got = plain(result.iloc[i])
        assert same(got, want), (str(node), i, got, want, python_row(df, i))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), expressions(), st.lists(st.booleans(), min_size=N_ROWS, max_size=N_ROWS))
def test_true_rows_and_shared_parts_agree_with_the_reference(
    df: pd.DataFrame, node: a.Node, vip: list[bool]
) -> None:
    # The engine's fast path computes only the true rows (mask), and computes
    # sub-expressions several rules share once per context: both must give the
    # three-valued reference.
    rule = compile_rule(node, df, expect=None)
    if rule.type != "bool":
        return
    tags = {"vip": vip}
    shared = RuleContext(df, as_of=AS_OF, tags=tags)
    shared.shared = frozenset(str(part) for part in a.walk(node))
    rule_shared = compile_rule(node, shared, expect=None)
    for compiled, ctx in ((rule, RuleContext(df, as_of=AS_OF, tags=tags)), (rule_shared, shared)):
        for _ in range(2):  # the second pass reads the cache
            mask = compiled.mask(ctx)
            value, known = compiled.kleene(ctx)
            for i in range(N_ROWS):
                want = ref(node, python_row(df, i), {"vip": vip[i]})
                assert bool(mask[i]) == (want is True), (str(node), i, want)
                assert bool(value[i]) == (want is True), (str(node), i, want)
                assert bool(known[i]) == (want is not None), (str(node), i, want)
