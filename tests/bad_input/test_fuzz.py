"""Fuzz: definition FILES and rule texts "parse, or raise SegkitError" (issue #18, acceptance).

Files of every kind segkit reads — tag rule files, lifecycle definitions,
points and tier programmes (YAML and JSON), and segment maps — are generated
as plausible structures, serialised, sometimes mangled and written in odd
encodings, then read from disk. Reading (and, for rules, applying) must give
the object or raise a :class:`~segkit.errors.SegkitError`; any other
exception fails. Rule texts are fuzzed over a frame with every column type.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segkit
from segkit.errors import SegkitError
from segkit.loyalty import PointsProgram, TierProgram
from segkit.tagging import evaluate_rule

yaml = pytest.importorskip("yaml")

KEYS = [
    # rule files
    "rules", "tag", "when", "group", "priority", "description",
    # lifecycles
    "initial", "states", "transitions", "name", "source", "target", "terminal", "schema",
    # loyalty programmes
    "earn_rate", "expiry_months", "multipliers", "cap_per_order", "point_value", "tiers",
    "upgrade", "review", "protection",
    # segment maps
    "bins", "segments", "labels",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["orders > 1", "revenue >= 100 and recency_days < 30", "has_tag('x')", "a", "b",
         "email matches '^(a+)+$'", "date('9999-12-31') > as_of", "`新客` == 1", "<b>x</b>",
         "=HYPERLINK(1)", "1e309", "MS", "90d", "\x00"]
    ),
)  # fmt: skip
DATA = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)
INSERTS = ["&a ", "*a", "[", "]", "{", "}", ":", "\n  - ", "'", '"', "\x00", "!!", "\ufeff", "\t"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "gb18030", "latin-1"]

FRAME = pd.DataFrame(
    {
        "orders": [1, 5, 0],
        "revenue": [10.0, np.nan, 250.0],
        "recency_days": [3.0, 40.0, 400.0],
        "x": [True, False, None],
        "a": ["Oslo", None, "上海"],
        "b": pd.Categorical(["p", "q", "p"]),
        "email": ["a" * 30 + "!", "b@c", None],
        "last_purchase": pd.to_datetime(["2024-01-01", "2023-06-30", None]).tz_localize("UTC"),
        "items": [["x"], [], None],
        "新客": [1, 0, 1],
    }
)


def _serialise(data: Any, kind: str) -> str:
    if kind == "json":
        return json.dumps(data, allow_nan=True, ensure_ascii=False)
    text: str = yaml.safe_dump(data, allow_unicode=True)
    return text


def _mangle(text: str, draw: st.DataObject) -> str:
    if not text or not draw.draw(st.booleans(), label="mangle"):
        return text
    at = draw.draw(st.integers(0, len(text)), label="at")
    return text[:at] + draw.draw(st.sampled_from(INSERTS), label="insert") + text[at:]


def _encode(text: str, draw: st.DataObject) -> bytes:
    encoding = draw.draw(st.sampled_from(ENCODINGS), label="encoding")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _apply_rules(path: Path, kind: str) -> None:
    engine = (
        segkit.TagEngine.from_yaml(path) if kind == "yaml" else segkit.TagEngine.from_json(path)
    )
    engine.apply(FRAME, as_of="2024-03-01")


def _lifecycle(path: Path, kind: str) -> None:
    segkit.Lifecycle.from_yaml(path)  # JSON is YAML too


def _program(cls: Any) -> Callable[[Path, str], None]:
    def read(path: Path, kind: str) -> None:
        cls.from_yaml(path) if kind == "yaml" else cls.from_json(path)

    return read


READERS = {
    "rules": _apply_rules,
    "lifecycle": _lifecycle,
    "points-programme": _program(PointsProgram),
    "tier-programme": _program(TierProgram),
}


@pytest.mark.parametrize("reader", list(READERS), ids=[f"fuzz-{r}-file" for r in READERS])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(content=DATA, wrap=st.sampled_from([None, *KEYS[:3], "states", "tiers"]), draw=st.data())
def test_definition_files_read_or_raise_segkit_error(
    reader: str, content: Any, wrap: str | None, draw: st.DataObject
) -> None:
    kind = draw.draw(st.sampled_from(["yaml", "json"]), label="kind")
    text = _mangle(_serialise(content if wrap is None else {wrap: content}, kind), draw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"definition.{kind}"
        path.write_bytes(_encode(text, draw))
        with contextlib.suppress(SegkitError):
            READERS[reader](path, kind)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=DATA)
def test_segment_maps_build_or_raise_segkit_error(content: Any) -> None:
    with contextlib.suppress(SegkitError):
        segkit.SegmentMap.from_dict(content)


TOKENS = st.sampled_from(
    ["orders", "revenue", "recency_days", "x", "a", "b", "email", "last_purchase", "items",
     "`新客`", "as_of", "1", "-1", "0.5", "1e308", "9223372036854775808", "'Oslo'", "'上海'",
     "true", "null", "(", ")", "[", "]", ",", "and", "or", "not", "==", "!=", "<", ">=", "+",
     "-", "*", "/", "%", "in", "contains", "matches", "'^(a+)+$'", "'[a-'", "'a{99999}'",
     "is", "null", "days_since", "date", "('2024-02-30')", "('9999-12-31')", "90d", "1w",
     "has_tag", "('x')", "lower", "len", "coalesce", "abs", "\x00", "＞", "−"]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, min_size=1, max_size=14).map(" ".join) | st.text(max_size=40))
def test_rule_texts_evaluate_or_raise_segkit_error(text: str) -> None:
    before = FRAME.copy(deep=True)
    try:
        result = evaluate_rule(text, FRAME, as_of="2024-03-01", tags={"x": [True, False, True]})
    except SegkitError:
        pass
    else:
        assert len(result) == len(FRAME)
    pd.testing.assert_frame_equal(FRAME, before)
