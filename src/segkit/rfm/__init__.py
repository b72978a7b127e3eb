"""RFM scoring: recency, frequency and monetary scores and named segments.

:class:`RFMScorer` learns bin edges from a customer table (the output of
:func:`segkit.summarize`) and maps each customer to scores ``1..bins`` (higher
is better; recency is reversed so that recent buyers score high), an
``rfm_code`` such as ``"545"``, a weighted ``rfm_score`` and a ``segment``.

Segment maps are data: a :class:`SegmentMap` is a list of named segments, each
with a condition in segkit's rule language over ``r_score``, ``f_score``,
``m_score`` and ``fm_score`` (the mean of ``f_score`` and ``m_score``, rounded
half up). A map must cover every cell of the score grid exactly once; that is
checked when the map is loaded. Named maps ship with the library
(:func:`segment_maps` lists them).

The package has one module per job: ``_segment_map`` (segment maps as rule
data) and ``_scorer`` (the estimator and its fit as a reduction).
"""

from __future__ import annotations

from segkit.errors import SegmentMapError
from segkit.rfm._scorer import RFM_FIT, RFMScorer, edges_from_counts
from segkit.rfm._segment_map import Segment, SegmentMap, load_segment_map, segment_maps

__all__ = [
    "RFM_FIT",
    "RFMScorer",
    "Segment",
    "SegmentMap",
    "SegmentMapError",
    "edges_from_counts",
    "load_segment_map",
    "segment_maps",
]
