"""Synthetic feedback and complaints for the customers of :func:`make_transactions`.

Every order of a transaction log has an *experience*, good or bad. Bad
experiences make answers low (NPS detractors, 1–2 stars, unsatisfied CSAT,
hard CES) and make complaints likely. The planted effect on churn: a
customer's last order before a long silence (``lapse_days`` or more before the
end of the log) was a bad experience with probability ``lapse_bad_rate``
instead of ``bad_rate``, and a complaint about it stays open with probability
``lapse_open_rate`` instead of ``open_rate``. Read forwards, a bad experience and
an unresolved complaint raise the chance that the order is the customer's
last — the dropout rate — which :func:`segkit.feedback.churn_drivers`
recovers. With ``lapse_bad_rate=bad_rate`` and ``lapse_open_rate=open_rate``
nothing is planted.

:func:`make_feedback` and :func:`make_complaints` draw the same experiences
from the same ``seed`` and rates, so a customer's low score and complaint go
together.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns, require_frame
from segkit.errors import ParameterError

__all__ = ["make_complaints", "make_feedback"]

_DAY_NS = 86_400 * 10**9
COMPLAINT_CATEGORIES = ("delivery", "product quality", "refund", "customer service", "billing")
_GOOD_TEXT = (
    "Great service, fast delivery",
    "Love it, would recommend",
    "Excellent quality, thank you",
    "很好，物流很快",
    "非常满意，推荐",
    "质量不错，好评",
)
_BAD_TEXT = (
    "Delivery was late and the box was damaged",
    "Poor quality, broken after a week",
    "Still waiting for my refund",
    "Customer service was rude and unhelpful",
    "物流太慢了，包装破损",
    "质量很差，申请退款没人回复",
    "客服态度不好",
    "Too expensive for this quality",
)


def _orders(transactions: Any) -> pd.DataFrame:
    df = require_frame(transactions, "transactions")
    require_columns(df, ["customer_id", "order_id", "timestamp", "amount"], "transactions")
    bought = df[df["amount"].to_numpy() > 0]
    orders = (
        bought.groupby("order_id", sort=True)
        .agg(customer_id=("customer_id", "first"), timestamp=("timestamp", "min"))
        .reset_index()
    )
    return orders.sort_values(["timestamp", "order_id"], kind="stable").reset_index(drop=True)


def _experience(
    transactions: Any, seed: int, bad_rate: float, lapse_bad_rate: float, lapse_days: float
) -> tuple[
    pd.DataFrame,
    np.ndarray[Any, np.dtype[np.bool_]],
    np.ndarray[Any, np.dtype[np.bool_]],
    pd.Timestamp,
]:
    for name, value in {"bad_rate": bad_rate, "lapse_bad_rate": lapse_bad_rate}.items():
        if not 0 <= value <= 1:
            raise ParameterError(f"{name} must be in [0, 1]; got {value!r}")
    if not lapse_days > 0:
        raise ParameterError(f"lapse_days must be positive; got {lapse_days!r}")
    orders = _orders(transactions)
    end = pd.Timestamp(orders["timestamp"].max())
    last = ~orders["customer_id"].duplicated(keep="last").to_numpy()
    quiet = (end - orders["timestamp"]).dt.total_seconds().to_numpy() >= lapse_days * 86_400
    lapse = last & quiet
    rate = np.where(lapse, lapse_bad_rate, bad_rate)
    rng = np.random.default_rng([seed, 10])
    return orders, rng.random(len(orders)) < rate, lapse, end


def make_feedback(
    transactions: Any,
    *,
    seed: int = 0,
    response_rate: float = 0.3,
    bad_rate: float = 0.08,
    lapse_bad_rate: float = 0.5,
    lapse_days: float = 180.0,
    text_rate: float = 0.4,
) -> pd.DataFrame:
    """Simulate survey answers and reviews after the orders of a transaction log.

    Parameters
    ----------
    transactions : DataFrame
        Output of :func:`make_transactions` (columns ``customer_id``,
        ``order_id``, ``timestamp``, ``amount``).
    seed : int
        Seed; the experiences depend on ``seed`` and the rates only.
    response_rate : float
        Share of orders followed by an answer.
    bad_rate, lapse_bad_rate, lapse_days : float
        The experience story (module docstring): a customer's last order
        ``lapse_days`` or more before the end of the log is bad with
        probability ``lapse_bad_rate``, every other order with ``bad_rate``.
    text_rate : float
        Share of answers with a comment (English or Chinese).

    Returns
    -------
    DataFrame
        One row per answer: ``customer_id``, ``timestamp`` (1–10 days after
        the order), ``kind`` (categorical: nps 40%, rating 35%, csat 15%, ces
        10%), ``score``, ``text`` (missing without a comment), ``channel``,
        ``order_id``; sorted by timestamp.

    Examples
    --------
    >>> from segkit.datasets import make_feedback, make_transactions
    >>> fb = make_feedback(make_transactions(300, seed=1), seed=1)
    >>> list(fb.columns)
    ['customer_id', 'timestamp', 'kind', 'score', 'text', 'channel', 'order_id']
    >>> bool(fb["customer_id"].isin(range(1, 301)).all())
    True
    """
    for name, value in {"response_rate": response_rate, "text_rate": text_rate}.items():
        if not 0 <= value <= 1:
            raise ParameterError(f"{name} must be in [0, 1]; got {value!r}")
    orders, bad, _, _ = _experience(transactions, seed, bad_rate, lapse_bad_rate, lapse_days)
    rng = np.random.default_rng([seed, 11])
    answered = rng.random(len(orders)) < response_rate
    o, b = orders[answered].reset_index(drop=True), bad[answered]
    n = len(o)
    kinds = np.array(["nps", "rating", "csat", "ces"])
    kind = rng.choice(4, size=n, p=[0.4, 0.35, 0.15, 0.1])
    # Scores per kind: good experiences sit high on the scale, bad ones low.
    good_nps = rng.choice(np.arange(6, 11), size=n, p=[0.05, 0.15, 0.2, 0.3, 0.3])
    bad_nps = rng.choice(np.arange(0, 8), size=n, p=[0.1, 0.1, 0.15, 0.15, 0.15, 0.15, 0.1, 0.1])
    good_5 = rng.choice(np.arange(1, 6), size=n, p=[0.02, 0.03, 0.1, 0.35, 0.5])
    bad_5 = rng.choice(np.arange(1, 6), size=n, p=[0.4, 0.3, 0.2, 0.07, 0.03])
    good_7 = rng.choice(np.arange(3, 8), size=n, p=[0.05, 0.1, 0.2, 0.35, 0.3])
    bad_7 = rng.choice(np.arange(1, 6), size=n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    score = np.select(
        [kind == 0, kind == 3],
        [np.where(b, bad_nps, good_nps), np.where(b, bad_7, good_7)],
        np.where(b, bad_5, good_5),
    ).astype(np.float64)
    texts = np.where(
        b,
        np.array(_BAD_TEXT, dtype=object)[rng.integers(0, len(_BAD_TEXT), size=n)],
        np.array(_GOOD_TEXT, dtype=object)[rng.integers(0, len(_GOOD_TEXT), size=n)],
    )
    texts[rng.random(n) >= text_rate] = None
    delay = pd.to_timedelta(rng.uniform(1, 10, size=n) * _DAY_NS, unit="ns").round("s")
    out = pd.DataFrame(
        {
            "customer_id": o["customer_id"].to_numpy(),
            "timestamp": (o["timestamp"] + delay).to_numpy(),
            "kind": pd.Categorical.from_codes(kind, categories=pd.Index(kinds)),
            "score": score,
            "text": pd.Series(texts, dtype=object),
            "channel": pd.Categorical.from_codes(
                rng.choice(3, size=n, p=[0.5, 0.35, 0.15]),
                categories=pd.Index(["email", "app", "marketplace"]),
            ),
            "order_id": o["order_id"].to_numpy(),
        }
    )
    return out.sort_values(["timestamp", "order_id"], kind="stable").reset_index(drop=True)


def make_complaints(
    transactions: Any,
    *,
    seed: int = 0,
    complaint_rate: float = 0.6,
    background_rate: float = 0.01,
    open_rate: float = 0.03,
    lapse_open_rate: float = 0.6,
    bad_rate: float = 0.08,
    lapse_bad_rate: float = 0.5,
    lapse_days: float = 180.0,
) -> pd.DataFrame:
    """Simulate customer-service tickets after the orders of a transaction log.

    A bad experience (same story and arguments as :func:`make_feedback`) opens
    a complaint with probability ``complaint_rate``, any other order with
    ``background_rate``. A complaint about a bad last order before a lapse
    stays open with probability ``lapse_open_rate``, any other with
    ``open_rate``; the others are resolved after a log-normal time (median 3
    days). Resolutions after the end of the log are missing (still open).

    Returns
    -------
    DataFrame
        One row per ticket: ``ticket_id``, ``customer_id``, ``opened``,
        ``resolved`` (NaT while open), ``category`` and ``severity``
        (categorical ``low``/``medium``/``high``), ``order_id``; sorted by
        ``opened``.

    Examples
    --------
    >>> from segkit.datasets import make_complaints, make_transactions
    >>> cp = make_complaints(make_transactions(300, seed=1), seed=1)
    >>> bool((cp["resolved"].dropna() >= cp.loc[cp["resolved"].notna(), "opened"]).all())
    True
    """
    for name, value in {
        "complaint_rate": complaint_rate,
        "background_rate": background_rate,
        "open_rate": open_rate,
        "lapse_open_rate": lapse_open_rate,
    }.items():
        if not 0 <= value <= 1:
            raise ParameterError(f"{name} must be in [0, 1]; got {value!r}")
    orders, bad, lapse, end = _experience(transactions, seed, bad_rate, lapse_bad_rate, lapse_days)
    rng = np.random.default_rng([seed, 12])
    filed = rng.random(len(orders)) < np.where(bad, complaint_rate, background_rate)
    o, b = orders[filed].reset_index(drop=True), (bad & lapse)[filed]
    n = len(o)
    opened = o["timestamp"] + pd.to_timedelta(
        rng.uniform(0.5, 7, size=n) * _DAY_NS, unit="ns"
    ).round("s")
    took = pd.to_timedelta(rng.lognormal(np.log(3.0), 0.8, size=n) * _DAY_NS, unit="ns").round("s")
    resolved = opened + took
    still_open = (rng.random(n) < np.where(b, lapse_open_rate, open_rate)) | (resolved > end)
    resolved = resolved.where(~still_open)
    out = pd.DataFrame(
        {
            "customer_id": o["customer_id"].to_numpy(),
            "opened": opened.to_numpy(),
            "resolved": resolved.to_numpy(),
            "category": pd.Categorical.from_codes(
                rng.integers(0, len(COMPLAINT_CATEGORIES), size=n),
                categories=pd.Index(COMPLAINT_CATEGORIES),
            ),
            "severity": pd.Categorical.from_codes(
                rng.choice(3, size=n, p=[0.5, 0.35, 0.15]),
                categories=pd.Index(["low", "medium", "high"]),
                ordered=True,
            ),
            "order_id": o["order_id"].to_numpy(),
        }
    )
    out = out.sort_values(["opened", "order_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "ticket_id", np.arange(1, n + 1, dtype=np.int64))
    return out
