"""TagEngine.apply on Dask equals the pandas result, in every output shape."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import segkit
from segkit.dask import tags_apply
from segkit.tagging import TagEngine, UnknownColumnError

from .conftest import COLUMNS, quiet, to_dask

pytestmark = pytest.mark.usefixtures("client")

RULES = {
    "rules": [
        {"tag": "new", "group": "lifecycle", "priority": 2, "when": "tenure_days <= 60"},
        {"tag": "active", "group": "lifecycle", "priority": 1, "when": "recency_days <= 90"},
        {"tag": "lapsed", "group": "lifecycle", "priority": 0, "when": "recency_days > 90"},
        {"tag": "big", "when": "revenue >= 300"},
        {"tag": "recent_big", "when": "has_tag('big') and days_since(last_purchase) <= 120"},
    ]
}


@pytest.fixture(scope="module")
def table(transactions: pd.DataFrame) -> pd.DataFrame:
    return quiet(segkit.summarize, transactions, **COLUMNS, as_of="2025-06-30")


@pytest.mark.parametrize("output", ["wide", "list", "long"])
def test_apply_equals_pandas(table: pd.DataFrame, output: str) -> None:
    engine = TagEngine.from_dict(RULES)
    expected = engine.apply(table, as_of="2025-06-30", output=output)
    got = tags_apply(engine, to_dask(table, 4), as_of="2025-06-30", output=output).compute()
    if output == "long":
        # Pairs come partition by partition; order them like pandas (customer order).
        got = got.sort_values(["customer_id", "tag"], kind="stable").reset_index(drop=True)
        expected = expected.sort_values(["customer_id", "tag"], kind="stable").reset_index(
            drop=True
        )
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected)
    else:
        pd.testing.assert_frame_equal(got, expected)


def test_unknown_column_is_reported_before_any_work(table: pd.DataFrame) -> None:
    engine = TagEngine.from_dict({"rules": [{"tag": "x", "when": "revenu > 1"}]})
    with pytest.raises(UnknownColumnError, match="revenu"):
        tags_apply(engine, to_dask(table))
