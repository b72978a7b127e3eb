"""How good are the recommendations? Precision, recall, hit rate and coverage on a holdout."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import check_fitted, check_int, require_columns, require_frame
from segkit.affinity._topk import codes
from segkit.errors import SchemaError

__all__ = ["RecommendationReport", "recommendation_report"]

_METRICS = ("precision_at_k", "recall_at_k", "hit_rate", "coverage")


@attrs.frozen(eq=False)
class RecommendationReport:
    """Top-k recommendations against what customers bought in a holdout period.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Rows ``precision_at_k``, ``recall_at_k``, ``hit_rate`` and
        ``coverage``; columns ``model`` (the recommender), ``popularity``
        (the popularity baseline) and ``ratio`` (model / popularity).
    per_customer : pandas.DataFrame
        Indexed by customer: ``relevant`` (items bought in the holdout),
        ``hits`` and ``hits_popularity`` (of them, among the top ``k``).
    k : int
    customers : int
        Customers evaluated (those with at least one relevant item).
    """

    metrics: pd.DataFrame
    per_customer: pd.DataFrame
    k: int
    customers: int

    def summary(self) -> pd.DataFrame:
        """The metrics table."""
        return self.metrics


def recommendation_report(
    recommender: Any,
    holdout_lines: Any,
    k: int = 10,
    *,
    exclude_purchased: bool = True,
    segments: pd.Series | None = None,
) -> RecommendationReport:
    """Score a fitted recommender on the purchases of a later period.

    Fit the recommender on the lines up to a date, then pass the lines after
    it. Every customer who bought in the holdout is asked for ``k`` items
    (customers unknown to the model get the popularity fallback, as in
    production); the popularity baseline is asked the same.

    Parameters
    ----------
    recommender : CoPurchaseRecommender
        Fitted; its ``fit`` column names are used on ``holdout_lines``.
    holdout_lines : pandas.DataFrame
        Order lines of the holdout period. Returns (a negative amount, when
        the recommender was fitted with an amount column) are left out.
    k : int
        Recommendations per customer (>= 1).
    exclude_purchased : bool
        Recommend only items not bought before, and count as relevant only
        holdout items the customer had not bought before (default): the
        measure of discovery. With False, repurchases count too.
    segments : pandas.Series, optional
        Segments of customers unknown at ``fit``, for the fallback.

    Returns
    -------
    RecommendationReport

    Notes
    -----
    With ``R_u`` the customer's relevant holdout items and ``L_u`` the top
    ``k``: precision@k is the mean of ``|R_u & L_u| / k``, recall@k the mean
    of ``|R_u & L_u| / |R_u|``, the hit rate the share of customers with
    ``R_u & L_u`` non-empty, and catalogue coverage the share of the fitted
    items recommended to anyone (Herlocker et al., 2004, *ACM TOIS* 22(1),
    5-53, sections 3-4).

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.affinity import CoPurchaseRecommender, recommendation_report
    >>> past = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3], "order_id": [1, 1, 2, 2, 3],
    ...                      "product": ["tent", "stove", "tent", "stove", "tent"]})
    >>> later = pd.DataFrame({"customer_id": [3], "product": ["stove"]})
    >>> rec = CoPurchaseRecommender(min_support=1).fit(
    ...     past, customer="customer_id", order="order_id", item="product")
    >>> recommendation_report(rec, later, k=1).metrics.loc["hit_rate", "model"]
    np.float64(1.0)
    """
    check_fitted(recommender, "similarity_")
    k = check_int("k", k, "recommendation_report", 1)
    customer, item = recommender.columns_["customer"], recommender.columns_["item"]
    amount = recommender.columns_.get("amount")
    df = require_frame(holdout_lines, "holdout lines")
    require_columns(df, [customer, item] + ([amount] if amount else []), "holdout lines")
    if amount:
        df = df[df[amount].to_numpy() >= 0]
    if len(df) == 0:
        raise SchemaError("the holdout lines are empty: there is nothing to score against")
    cust, ids = codes(df[customer], customer, "holdout lines")
    item_codes, bought = codes(df[item], item, "holdout lines")
    catalogue = bought.union(recommender.items_) if bought.size else recommender.items_
    relevant = np.unique(cust * catalogue.size + catalogue.get_indexer(bought)[item_codes])
    if exclude_purchased:
        known = recommender.customers_.get_indexer(ids)
        hist = recommender.history_.tocoo()
        row_to_id = np.full(recommender.customers_.size, -1, dtype=np.int64)
        row_to_id[known[known >= 0]] = np.flatnonzero(known >= 0)
        mine = row_to_id[hist.row] >= 0
        seen_items = catalogue.get_indexer(recommender.items_)[hist.col[mine]]
        before = row_to_id[hist.row[mine]] * catalogue.size + seen_items
        relevant = relevant[~np.isin(relevant, before)]
    if relevant.size == 0:
        raise SchemaError(
            "no customer bought anything new in the holdout lines; with "
            "exclude_purchased=False repurchases count"
        )
    owner = relevant // catalogue.size
    who = np.unique(owner)
    n_relevant = np.bincount(owner, minlength=ids.size)[who]
    asked = ids.take(who)
    results = {}
    for name, method in (
        ("model", recommender.recommend),
        ("popularity", recommender.recommend_popular),
    ):
        recs = method(asked, k=k, exclude_purchased=exclude_purchased, segments=segments)
        pos = ids.get_indexer(recs[customer])
        keys = pos * catalogue.size + catalogue.get_indexer(recs[item])
        hit = np.isin(keys, relevant)
        hits = np.bincount(np.searchsorted(who, pos[hit]), minlength=who.size)
        results[name] = (
            hits,
            recs[item].nunique() / max(recommender.items_.size, 1),
        )
    metrics = {}
    for name, (hits, coverage) in results.items():
        metrics[name] = [
            float(np.mean(hits / k)),
            float(np.mean(hits / n_relevant)),
            float(np.mean(hits > 0)),
            float(coverage),
        ]
    table = pd.DataFrame(metrics, index=pd.Index(_METRICS, name="metric"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = table["model"] / table["popularity"]
    per_customer = pd.DataFrame(
        {
            "relevant": n_relevant,
            "hits": results["model"][0],
            "hits_popularity": results["popularity"][0],
        },
        index=pd.Index(asked, name=customer),
    )
    return RecommendationReport(table, per_customer, k, int(who.size))
