"""Personalisation: what each customer buys, and what to offer next.

* :func:`category_affinity` — spend and order share per category per customer.
* :func:`segment_affinity` — segment x category shares, lift and significance.
* :class:`CoPurchaseRecommender` — item-to-item co-purchase recommendations.
* :func:`recommendation_report` — precision, recall, hit rate and coverage on a
  holdout, beside the popularity baseline.

See ``docs/personalisation.md``.
"""

from __future__ import annotations

from segkit.affinity.categories import category_affinity
from segkit.affinity.evaluation import RecommendationReport, recommendation_report
from segkit.affinity.recommender import CoPurchaseRecommender
from segkit.affinity.segments import segment_affinity

__all__ = [
    "CoPurchaseRecommender",
    "RecommendationReport",
    "category_affinity",
    "recommendation_report",
    "segment_affinity",
]
