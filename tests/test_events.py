"""event_features: window boundaries, as_of leakage, naming and validation."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.events import event_features


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cid": [1, 1, 1, 1, 2, 2, 3],
            "ts": pd.to_datetime(
                [
                    "2024-03-31 23:00",  # inside every window
                    "2024-03-25 00:00",  # exactly 7 days before as_of: 30d, not 7d
                    "2024-03-01 00:00",  # 31 days before: 90d only
                    "2024-04-01 12:00",  # after as_of: ignored
                    "2024-01-02 00:00",  # 90 days before 2024-04-01 -> outside 90d
                    "2024-01-03 00:00",  # inside 90d
                    "2023-01-01 00:00",  # outside every window, customer still listed
                ]
            ),
            "kind": ["Page View", "Page View", "add to cart", "Page View", "email_open",
                     "email_open", "email_open"],
        }
    )  # fmt: skip


def test_counts_and_windows(events: pd.DataFrame) -> None:
    before = events.copy(deep=True)
    out = event_features(
        events,
        customer="cid",
        timestamp="ts",
        event="kind",
        as_of="2024-04-01 00:00",
        windows=(30, 7, 90),
    )
    pd.testing.assert_frame_equal(events, before)
    # An instant as_of (docs/time.md): 2024-04-01 00:00 is included; the 30-day window starts after 2024-03-02 00:00.
    assert out.index.tolist() == [1, 2, 3]
    assert out.index.name == "cid"  # named after the customer column, as in summarize
    assert out.to_dict("list") == {
        "add_to_cart_7d": [0, 0, 0],
        "add_to_cart_30d": [0, 0, 0],
        "add_to_cart_90d": [1, 0, 0],
        "email_open_7d": [0, 0, 0],
        "email_open_30d": [0, 0, 0],
        "email_open_90d": [0, 1, 0],
        "page_view_7d": [1, 0, 0],
        "page_view_30d": [2, 0, 0],
        "page_view_90d": [2, 0, 0],
    }
    assert all(str(t) == "int64" for t in out.dtypes)


def test_kinds_that_clean_to_one_name_are_an_error(events: pd.DataFrame) -> None:
    clash = events.assign(kind=["a-b", "a_b", "x", "x", "x", "x", "x"])
    with pytest.raises(
        SchemaError, match="event kinds 'a-b' and 'a_b' both become column prefix 'a_b'"
    ):
        event_features(
            clash, customer="cid", timestamp="ts", event="kind", as_of="2024-04-01 00:00"
        )


def test_customers_argument_reindexes(events: pd.DataFrame) -> None:
    out = event_features(
        events, customer="cid", timestamp="ts", event="kind", as_of="2024-04-01 00:00",
        windows=(7,), customers=[4, 1],
    )  # fmt: skip
    assert out.index.tolist() == [4, 1]
    assert out["page_view_7d"].tolist() == [0, 1]


def test_categorical_event_keeps_all_categories(events: pd.DataFrame) -> None:
    ev = events.assign(kind=pd.Categorical(["view"] * 7, categories=["view", "complaint"]))
    out = event_features(ev, customer="cid", timestamp="ts", event="kind", as_of="2024-04-01 00:00",
                         windows=(7,))  # fmt: skip
    assert list(out.columns) == ["view_7d", "complaint_7d"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"windows": (0,)}, ParameterError, "windows must be positive whole numbers of days; got 0"),
        ({"windows": (7, 7)}, ParameterError, "windows has duplicates: [7, 7]"),
        ({"windows": ()}, ParameterError, "windows must name at least one window"),
        ({"as_of": "not a date"}, ParameterError, "as_of must be a date or timestamp; got 'not a date'"),
        ({"event": "knd"}, ColumnNotFoundError, "column 'knd' (did you mean 'kind'?) not found in the events"),
    ],
)  # fmt: skip
def test_validation(
    events: pd.DataFrame, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    args = {"customer": "cid", "timestamp": "ts", "event": "kind", "as_of": "2024-04-01 00:00"}
    args.update(kwargs)
    with pytest.raises(error) as info:
        event_features(events, **args)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_missing_values_are_reported(events: pd.DataFrame) -> None:
    bad = events.copy()
    bad.loc[2, "ts"] = pd.NaT
    with pytest.raises(
        SchemaError,
        match=r"column 'ts' of the events has 1 missing timestamp\(s\) \(NaT\) at index \[2\]",
    ):
        event_features(bad, customer="cid", timestamp="ts", event="kind", as_of="2024-04-01 00:00")
    bad = events.astype({"cid": "Int64"})
    bad.loc[0, "cid"] = pd.NA
    with pytest.raises(
        SchemaError, match=r"column 'cid' of the events has 1 missing value\(s\) at index \[0\]"
    ):
        event_features(bad, customer="cid", timestamp="ts", event="kind", as_of="2024-04-01 00:00")


def test_chinese_event_kinds_keep_readable_unique_names() -> None:
    ev = pd.DataFrame(
        {
            "cid": [1, 1, 2],
            "ts": pd.to_datetime(["2024-03-30", "2024-03-31", "2024-03-31"]),
            "kind": ["浏览", "加购", "浏览"],
        }
    )
    out = event_features(ev, customer="cid", timestamp="ts", event="kind",
                         as_of="2024-03-31", windows=(7,))  # fmt: skip
    assert out.to_dict("list") == {"加购_7d": [1, 0], "浏览_7d": [1, 1]}
