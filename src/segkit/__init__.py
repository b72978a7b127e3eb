"""segkit: customer segmentation from transaction logs.

RFM scores and segments, buy-till-you-die CLV models, rule-based tags,
lifecycle states and demographic/psychographic scorers, all on DataFrames.
"""

from __future__ import annotations

__version__ = "0.1.0"

from segkit.errors import SegkitError
from segkit.features import CleaningReport, calibration_holdout, clean_transactions, summarize
from segkit.profiling import Profile, profile
from segkit.rfm import RFMScorer, SegmentMap, load_segment_map

__all__ = [
    "CleaningReport",
    "Profile",
    "RFMScorer",
    "SegkitError",
    "SegmentMap",
    "__version__",
    "calibration_holdout",
    "clean_transactions",
    "load_segment_map",
    "profile",
    "summarize",
]
