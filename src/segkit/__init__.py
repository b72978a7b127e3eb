"""segkit: customer segmentation from transaction logs.

RFM scores and segments, buy-till-you-die CLV models, rule-based tags,
lifecycle states and demographic/psychographic scorers, all on DataFrames.

The public names below are loaded on first use (PEP 562), so ``import segkit``
does not import scikit-learn, SciPy's optimisers, matplotlib or Dask: each
module is imported the first time one of its names is looked up.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it. To export a new name, add it here
# to ``__all__`` and to the TYPE_CHECKING block below (tests check the three agree).
_EXPORTS: dict[str, str] = {
    "BandScorer": "segkit.scorers",
    "CleaningReport": "segkit.features",
    "KMeansSegmenter": "segkit.cluster",
    "Lifecycle": "segkit.lifecycle",
    "PointsScorer": "segkit.scorers",
    "Profile": "segkit.profiling",
    "ProfileOptions": "segkit.profiling",
    "ProfileScorer": "segkit.scorers",
    "PsychographicScorer": "segkit.scorers",
    "RFMScorer": "segkit.rfm",
    "Rule": "segkit.tagging",
    "SegkitError": "segkit.errors",
    "SegmentMap": "segkit.rfm",
    "State": "segkit.lifecycle",
    "TagEngine": "segkit.tagging",
    "Transition": "segkit.lifecycle",
    "calibration_holdout": "segkit.features",
    "clean_transactions": "segkit.features",
    "concentration": "segkit.evaluate",
    "default_lifecycle": "segkit.lifecycle",
    "event_features": "segkit.events",
    "holdout_report": "segkit.evaluate",
    "load_segment_map": "segkit.rfm",
    "migration": "segkit.evaluate",
    "profile": "segkit.profiling",
    "segment_summary": "segkit.evaluate",
    "summarize": "segkit.features",
}
# subpackages exported by name (``segkit.clv``)
_SUBMODULES = ("affinity", "clv", "loyalty")

__all__ = [
    "BandScorer",
    "CleaningReport",
    "KMeansSegmenter",
    "Lifecycle",
    "PointsScorer",
    "Profile",
    "ProfileOptions",
    "ProfileScorer",
    "PsychographicScorer",
    "RFMScorer",
    "Rule",
    "SegkitError",
    "SegmentMap",
    "State",
    "TagEngine",
    "Transition",
    "__version__",
    "affinity",
    "calibration_holdout",
    "clean_transactions",
    "clv",
    "concentration",
    "default_lifecycle",
    "event_features",
    "holdout_report",
    "load_segment_map",
    "loyalty",
    "migration",
    "profile",
    "segment_summary",
    "summarize",
]

if TYPE_CHECKING:
    from segkit import affinity, clv, loyalty
    from segkit.cluster import KMeansSegmenter
    from segkit.errors import SegkitError
    from segkit.evaluate import concentration, holdout_report, migration, segment_summary
    from segkit.events import event_features
    from segkit.features import CleaningReport, calibration_holdout, clean_transactions, summarize
    from segkit.lifecycle import Lifecycle, State, Transition, default_lifecycle
    from segkit.profiling import Profile, ProfileOptions, profile
    from segkit.rfm import RFMScorer, SegmentMap, load_segment_map
    from segkit.scorers import BandScorer, PointsScorer, ProfileScorer, PsychographicScorer
    from segkit.tagging import Rule, TagEngine


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES or (
        not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}") is not None
    ):
        # ``segkit.features`` etc. work after a bare ``import segkit``, as they did
        # when every module was imported eagerly
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
