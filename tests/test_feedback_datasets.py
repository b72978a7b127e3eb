"""make_feedback / make_complaints: linked to make_transactions customers, valid, reproducible."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.datasets import make_complaints, make_feedback, make_transactions
from segkit.errors import ParameterError
from segkit.feedback import ComplaintLog, FeedbackLog


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return make_transactions(500, seed=2)


def test_feedback_is_valid_and_linked(tx: pd.DataFrame) -> None:
    fb = make_feedback(tx, seed=2)
    assert fb.equals(make_feedback(tx, seed=2))
    assert not fb.equals(make_feedback(tx, seed=3))
    FeedbackLog.read(fb, customer="customer_id", timestamp="timestamp")  # every score on its scale
    assert set(fb["customer_id"]) <= set(tx["customer_id"])
    assert set(fb["order_id"]) <= set(tx["order_id"])
    assert fb["timestamp"].is_monotonic_increasing
    assert set(fb["kind"].cat.categories) == {"nps", "rating", "csat", "ces"}
    order_time = tx.groupby("order_id")["timestamp"].min()
    lag = (fb["timestamp"] - order_time.reindex(fb["order_id"]).to_numpy()).dt.days
    assert lag.between(1, 10).all()
    assert 0.2 < fb["text"].notna().mean() < 0.6
    assert fb["text"].str.contains("物流|质量|客服|很好|满意").any()


def test_complaints_are_valid(tx: pd.DataFrame) -> None:
    cp = make_complaints(tx, seed=2)
    ComplaintLog.read(cp, customer="customer_id")  # resolved never before opened
    assert cp["ticket_id"].tolist() == list(range(1, len(cp) + 1))
    assert cp["resolved"].isna().any()
    assert cp["resolved"].notna().any()
    assert set(cp["customer_id"]) <= set(tx["customer_id"])


def test_bad_experiences_show_in_both_logs(tx: pd.DataFrame) -> None:
    fb, cp = make_feedback(tx, seed=2), make_complaints(tx, seed=2)
    both = fb.merge(cp[["order_id"]].drop_duplicates(), on="order_id", how="left", indicator=True)
    low_nps = both[(both["kind"] == "nps")]
    complained = low_nps["_merge"] == "both"
    assert low_nps.loc[complained, "score"].mean() < low_nps.loc[~complained, "score"].mean() - 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda t: make_feedback(t, response_rate=2), "response_rate must be in", id="rate"
        ),
        pytest.param(lambda t: make_feedback(t, bad_rate=-0.1), "bad_rate must be in", id="bad"),
        pytest.param(
            lambda t: make_complaints(t, open_rate=1.5), "open_rate must be in", id="open"
        ),
        pytest.param(
            lambda t: make_complaints(t, lapse_days=0), "lapse_days must be positive", id="lapse"
        ),
    ],
)
def test_parameters(tx: pd.DataFrame, call: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call(tx)  # type: ignore[operator]
