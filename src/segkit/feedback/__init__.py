"""Feedback and satisfaction: surveys, reviews, complaints and why customers leave.

Scores (:func:`nps`, :func:`csat`, :func:`ces`, :func:`rating_summary`) are
plain functions with confidence intervals; :func:`feedback_features` turns the
feedback and complaints logs into per-customer columns as of a date;
:func:`satisfaction_by` compares groups of the customer table;
:func:`tag_themes` finds themes in free text from a keyword dictionary;
:func:`churn_drivers` explains who left as readable rules. See
``docs/feedback.md``.
"""

from __future__ import annotations

from segkit.feedback.drivers import churn_drivers
from segkit.feedback.groups import satisfaction_by
from segkit.feedback.logs import ComplaintLog, FeedbackLog, feedback_from_survey
from segkit.feedback.per_customer import feedback_features
from segkit.feedback.scores import (
    KINDS,
    RatingSummary,
    Score,
    ces,
    csat,
    nps,
    nps_class,
    rating_summary,
    wilson_interval,
)
from segkit.feedback.themes import category_counts, load_themes, tag_themes, theme_counts

__all__ = [
    "KINDS",
    "ComplaintLog",
    "FeedbackLog",
    "RatingSummary",
    "Score",
    "category_counts",
    "ces",
    "churn_drivers",
    "csat",
    "feedback_features",
    "feedback_from_survey",
    "load_themes",
    "nps",
    "nps_class",
    "rating_summary",
    "satisfaction_by",
    "tag_themes",
    "theme_counts",
    "wilson_interval",
]
