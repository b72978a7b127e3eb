"""Tools to evaluate a segmentation: who is in it, who moves, who holds the value.

* :func:`segment_summary` — size, share, value share and medians per segment.
* :func:`migration` — how customers moved between segments from one date to
  another, and the stability rate; for RFM segments, tags and lifecycle states.
* :func:`concentration` — the Lorenz curve, Gini coefficient and top shares.
* :func:`holdout_report` — predicted vs actual holdout purchases of a CLV model.
* :func:`recommendation_report` — precision@k, recall@k, hit rate and catalogue
  coverage of recommendations on a holdout, beside the popularity baseline
  (implemented in :mod:`segkit.affinity`).

Each result with a picture has a ``plot`` method (needs the ``plot`` extra,
matplotlib). See ``docs/evaluation.md``.

One module per job: ``_labels`` (one segment per customer), ``_summary``,
``_migration``, ``_concentration`` and ``_holdout``.
"""

from __future__ import annotations

from segkit.affinity.evaluation import RecommendationReport, recommendation_report
from segkit.cohorts import CohortTable, cohort_retention, mix_over_time, purchase_intervals
from segkit.evaluate._concentration import Concentration, concentration
from segkit.evaluate._holdout import HoldoutReport, holdout_report
from segkit.evaluate._labels import GONE, NEW, NONE
from segkit.evaluate._migration import Migration, migration
from segkit.evaluate._summary import segment_summary

__all__ = [
    "GONE",
    "NEW",
    "NONE",
    "CohortTable",
    "Concentration",
    "HoldoutReport",
    "Migration",
    "RecommendationReport",
    "cohort_retention",
    "concentration",
    "holdout_report",
    "migration",
    "mix_over_time",
    "purchase_intervals",
    "recommendation_report",
    "segment_summary",
]
