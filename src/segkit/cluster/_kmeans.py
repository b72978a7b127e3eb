"""k-means on one thread, and the choice of k by the silhouette on a sample."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from segkit.errors import ParameterError

__all__ = ["choose_k", "fit_kmeans"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _silhouette(points: _FloatArray, labels: np.ndarray[Any, Any]) -> float:
    if 2 <= np.unique(labels).size <= len(points) - 1:
        return float(silhouette_score(points, labels))
    return float("nan")


def choose_k(
    Xs: _FloatArray,
    ks: list[int],
    sample: np.ndarray[Any, Any],
    *,
    seed: int,
    auto: bool,
    n_init: int,
    features: Sequence[str],
) -> tuple[Any, dict[int, float]]:
    """The fitted k-means (None if no k fits) and the silhouette score of each k tried.

    With ``auto``, k-means is fitted on the sample for every k and scored
    there; the best k is then refitted on all customers (unless the sample is
    all of them). Without it, ``ks[0]`` is fitted on all customers and scored
    on the sample.
    """
    if not auto:
        with threadpool_limits(1):
            model = fit_kmeans(Xs, ks[0], seed=seed, n_init=n_init, features=features)
        return model, {ks[0]: _silhouette(Xs[sample], model.labels_[sample])}
    part = Xs[sample]
    best: tuple[float, Any] | None = None
    scores: dict[int, float] = {}
    with threadpool_limits(1):
        for k in ks:
            if k > len(part) - 1:
                break
            model = fit_kmeans(part, k, seed=seed, n_init=n_init, features=features, skip=True)
            if model is None:
                break
            scores[k] = _silhouette(part, model.labels_)
            if best is None or scores[k] > best[0] or np.isnan(best[0]):
                best = (scores[k], model)
    if best is None:
        return None, scores
    model = best[1]
    if len(part) < len(Xs):
        with threadpool_limits(1):
            model = fit_kmeans(Xs, model.n_clusters, seed=seed, n_init=n_init, features=features)
    return model, scores


def fit_kmeans(
    Xs: _FloatArray,
    k: int,
    *,
    seed: int,
    n_init: int,
    features: Sequence[str],
    skip: bool = False,
) -> Any:
    """Fit k-means; None (``skip``) or an error when there are fewer distinct points than k.

    Callers run it on one thread: multi-threaded sums change the last bits
    of the centroids with the number of cores, and starting OpenMP threads
    costs more than it saves on small data.
    """
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(Xs)
    too_few = False
    for w in caught:
        if issubclass(w.category, ConvergenceWarning) and "distinct clusters" in str(w.message):
            too_few = True
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not too_few:
        return model
    if skip:
        return None
    distinct = np.unique(Xs, axis=0).shape[0]
    raise ParameterError(
        f"n_clusters={k} but the customers have only {distinct} distinct point(s) in "
        f"{list(features)}; lower n_clusters or use n_clusters='auto'"
    )
