"""satisfaction_by (scores per group, tested against the rest) and themes in free text."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest

from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.feedback import csat, load_themes, satisfaction_by, tag_themes, theme_counts

Z95 = 1.959963984540054


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"segment": ["a", "a", "b", "b", None]}, index=pd.Index([1, 2, 3, 4, 5], name="cid")
    )


@pytest.fixture
def answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cid": [1, 1, 2, 2, 3, 3, 4, 5, 6, 1, 3, 4],
            "when": pd.date_range("2024-01-01", periods=12, freq="D"),
            "kind": ["nps"] * 9 + ["csat", "csat", "csat"],
            "score": [10, 9, 5, 8, 10, 0, 0, 10, 10, 5, 2, 4],
        }
    )


def test_nps_by_group_hand_computed(answers: pd.DataFrame, table: pd.DataFrame) -> None:
    out = satisfaction_by(answers, table, customer="cid")
    assert out.columns.tolist() == [
        "group", "kind", "n", "score", "low", "high", "rest_score", "diff", "p_value"
    ]  # fmt: skip
    assert out[["group", "kind", "n"]].values.tolist() == [
        ["a", "nps", 4],
        ["a", "csat", 1],
        ["b", "nps", 3],
        ["b", "csat", 2],
    ]
    a = out.iloc[0]
    # Group a: 10 9 5 8 -> p = 1/2, d = 1/4, NPS 25. Rest (b; customers 5, 6 have no
    # group): 10 0 0 -> p = 1/3, d = 2/3, NPS -33.3.
    var_a = 1e4 * (0.75 - 0.25**2) / 4
    var_b = 1e4 * (1.0 - (1 / 3) ** 2) / 3
    assert a["score"] == 25.0
    assert a["rest_score"] == pytest.approx(-100 / 3)
    assert a["low"] == pytest.approx(25 - Z95 * math.sqrt(var_a))
    z = (25 + 100 / 3) / math.sqrt(var_a + var_b)
    assert a["p_value"] == pytest.approx(2 * (1 - NormalDist().cdf(z)))
    assert round(a["p_value"], 3) == 0.394
    b_nps = out.iloc[2]
    assert b_nps["diff"] == pytest.approx(-a["diff"])
    assert b_nps["p_value"] == pytest.approx(a["p_value"])
    b_csat = out.iloc[3]
    assert b_csat["score"] == 0.5
    assert b_csat["rest_score"] == 1.0
    assert (b_csat["low"], b_csat["high"]) == (csat([2, 4]).low, csat([2, 4]).high)


def test_as_of_filters_answers(answers: pd.DataFrame, table: pd.DataFrame) -> None:
    out = satisfaction_by(answers, table, customer="cid", timestamp="when", as_of="2024-01-04")
    assert out[["group", "kind", "n", "score"]].values.tolist() == [["a", "nps", 4, 25.0]]
    assert math.isnan(out["p_value"][0])  # nobody else answered
    with pytest.raises(ParameterError, match="as_of needs the timestamp column"):
        satisfaction_by(answers, table, customer="cid", as_of="2024-01-04")


def test_group_errors(answers: pd.DataFrame, table: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="'segmnt' \\(did you mean 'segment'\\?\\)"):
        satisfaction_by(answers, table, "segmnt", customer="cid")
    with pytest.raises(SchemaError, match="outside the scale"):
        satisfaction_by(answers.assign(score=11), table, customer="cid")


# -- themes -------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        pytest.param("Delivered LATE, box crushed", {"delivery", "packaging"}, id="prefix-case"),
        pytest.param(
            "物流太慢了，包装破损", {"delivery", "packaging", "product quality"}, id="zh"
        ),
        pytest.param("I love the app", {"praise", "website and app"}, id="word"),
        pytest.param("apple pie", set(), id="not-inside-a-word"),
        pytest.param("客服态度不好", {"customer service"}, id="zh-service"),
        pytest.param("", set(), id="empty"),
    ],
)
def test_tag_themes(text: str, themes: set[str]) -> None:
    row = tag_themes([text]).iloc[0]
    assert set(row.index[row.to_numpy()]) == themes


def test_tag_themes_keeps_the_index_and_missing() -> None:
    out = tag_themes(pd.Series(["late", None], index=["x", "y"]))
    assert out.index.tolist() == ["x", "y"]
    assert not out.loc["y"].any()


def test_custom_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "themes.json"
    path.write_text(json.dumps({"_note": "x", "size": {"en": ["too small"], "zh": ["太小"]}}))
    assert load_themes(path) == {"size": ("too small", "太小")}
    out = tag_themes(["Too small!", "鞋子太小", "small"], themes=path)
    assert out["size"].tolist() == [True, True, False]
    with pytest.raises(SchemaError, match="theme 'size' needs a list of non-empty keyword"):
        load_themes({"size": ["", "x"]})


def test_theme_counts_per_segment(table: pd.DataFrame) -> None:
    fb = pd.DataFrame(
        {
            "cid": [1, 2, 3, 3, 4, 9],
            "text": ["late delivery", "物流慢", "great", None, "快递很快，很好", "late"],
        }
    )
    out = theme_counts(fb, table, "segment", customer="cid")
    top = out.groupby("group").head(1)
    assert top[["group", "theme", "texts", "mentions", "share"]].values.tolist() == [
        ["a", "delivery", 2, 2, 1.0],
        ["b", "praise", 2, 2, 1.0],
    ]
    b = out[out["group"] == "b"].set_index("theme")
    assert b.loc["delivery", "mentions"] == 1
    assert b.loc["price", "mentions"] == 0
    with pytest.raises(ParameterError, match="by needs the customer table"):
        theme_counts(fb, by="segment", customer="cid")
