"""segkit: customer segmentation from transaction logs.

RFM scores and segments, buy-till-you-die CLV models, rule-based tags,
lifecycle states and demographic/psychographic scorers, all on DataFrames.
"""

from __future__ import annotations

__version__ = "0.1.0"

from segkit import clv
from segkit.cluster import KMeansSegmenter
from segkit.errors import SegkitError
from segkit.evaluate import concentration, holdout_report, migration, segment_summary
from segkit.events import event_features
from segkit.features import CleaningReport, calibration_holdout, clean_transactions, summarize
from segkit.lifecycle import Lifecycle, State, Transition, default_lifecycle
from segkit.profiling import Profile, profile
from segkit.rfm import RFMScorer, SegmentMap, load_segment_map
from segkit.scorers import BandScorer, PointsScorer, ProfileScorer
from segkit.tagging import Rule, TagEngine

__all__ = [
    "BandScorer",
    "CleaningReport",
    "KMeansSegmenter",
    "Lifecycle",
    "PointsScorer",
    "Profile",
    "ProfileScorer",
    "RFMScorer",
    "Rule",
    "SegkitError",
    "SegmentMap",
    "State",
    "TagEngine",
    "Transition",
    "__version__",
    "calibration_holdout",
    "clean_transactions",
    "clv",
    "concentration",
    "default_lifecycle",
    "event_features",
    "holdout_report",
    "load_segment_map",
    "migration",
    "profile",
    "segment_summary",
    "summarize",
]
