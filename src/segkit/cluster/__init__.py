"""K-means segmentation, named and explained as rules the tag engine can run.

:class:`KMeansSegmenter` clusters customers on a few numeric columns (RFM
features, CLV outputs, any numeric customer column), names each cluster from
how it differs from the whole population ("high revenue · recent ·
frequent"), and fits a shallow decision tree to the cluster labels whose
leaves become :class:`~segkit.tagging.rules.Rule` objects in one exclusive
group. Running those rules in a :class:`~segkit.tagging.engine.TagEngine`
reproduces the clusters on the training customers up to ``fidelity_`` and
assigns tomorrow's customers without the model.

One module per job: ``_segmenter`` (the estimator), ``_kmeans`` (k-means and
the choice of k), ``_naming`` (cluster names) and ``_explain`` (the rules).
See ``docs/clustering.md`` for the method, the choice of k and measured
speed.
"""

from __future__ import annotations

from segkit.cluster._segmenter import KMeansSegmenter

__all__ = ["KMeansSegmenter"]
