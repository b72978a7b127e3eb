"""The k-means segmenter: scaled features, k-means, names and rules in one estimator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import check_random_state

from segkit._backend import dispatch
from segkit._validation import (
    COLUMN,
    NONE,
    Constraint,
    Interval,
    Options,
    Satisfies,
    check_fitted,
    numeric_column,
    require_columns,
    require_frame,
    validate_params,
)
from segkit.cluster._explain import RULE_COLUMNS, cluster_rules, rule_labels, rule_table
from segkit.cluster._kmeans import choose_k
from segkit.cluster._naming import cluster_name, unique_names
from segkit.errors import ParameterError, SchemaError, SegkitError
from segkit.tagging.rules import Rule

__all__ = ["KMeansSegmenter"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_IntArray = np.ndarray[Any, np.dtype[np.int64]]

_SCALINGS = ("log-standard", "standard", None)


def _column_list(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) > 0
        and all(isinstance(f, str) for f in value)
        and len(set(value)) == len(value)
    )


def _one_column_hint(value: Any) -> str:
    return f" (did you mean features=[{value!r}]?)" if isinstance(value, str) else ""


def _k_range(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and len(value) == 2
        and all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in value)
        and 2 <= value[0] <= value[1]
    )


class KMeansSegmenter(ClusterMixin, BaseEstimator):  # type: ignore[misc]
    """Cluster customers with k-means, name the clusters and explain them as rules.

    Parameters
    ----------
    features : sequence of str, default ("recency_days", "orders", "revenue")
        Numeric columns of the customer table to cluster on.
    n_clusters : "auto" or int, default "auto"
        Number of clusters, or ``"auto"`` to pick it from ``k_range`` by the
        silhouette score (see Notes).
    scaling : {"log-standard", "standard", None}, default "log-standard"
        How features are put on one scale before k-means. ``"log-standard"``
        takes ``log1p`` (for skewed, non-negative columns such as revenue and
        order counts; zeros are fine, negative values are refused) and then
        standardizes; ``"standard"`` standardizes; None uses the raw values.
    k_range : (int, int), default (2, 8)
        Smallest and largest k (both included) tried by ``n_clusters="auto"``.
    sample_size : int, default 5_000
        Size of the seeded random sample of customers on which k is chosen
        (``n_clusters="auto"``) and the silhouette is scored.
    n_init : int, default 4
        k-means restarts (k-means++ seeding); the best inertia is kept.
    rule_depth : int or None, default 3
        Depth of the decision tree turned into rules; None fits no tree.
    value : str or None, default "revenue"
        Column whose share each cluster holds in ``profiles_``, when the
        table has it (missing values count as 0).
    random_state : int, RandomState or None, default None
        Seeds k-means, the silhouette sample and the tree. With an int the
        result is the same on every run, whatever the number of cores
        (k-means runs on one thread).

    Attributes
    ----------
    n_clusters_ : int
        The number of clusters used.
    labels_ : ndarray of int
        Cluster of each training customer, ``0..n_clusters_ - 1``, numbered
        from the largest cluster to the smallest.
    cluster_centers_ : DataFrame
        The k-means centroids mapped back to the original units (through
        ``expm1`` for ``"log-standard"``, so a centroid is a geometric-mean
        like typical customer, not the arithmetic mean; ``profiles_`` has the
        means and medians), one row per cluster.
    names_ : list of str
        A readable, unique name per cluster (see Notes).
    z_scores_ : DataFrame
        Per cluster and feature: the cluster's mean of the (log-)scaled
        feature minus the population's, in population standard deviations;
        what the names are made from.
    profiles_ : DataFrame
        Per cluster: ``name``, ``customers``, ``share``, ``<feature>_mean``
        and ``<feature>_median`` for every feature and, when the table has the
        ``value`` column, ``<value>_share``.
    silhouette_scores_ : Series
        Silhouette score on the sample for each k tried (for an int
        ``n_clusters``: the score of the final clustering on the sample).
    inertia_ : float
        Sum of squared distances to the centroids, in the scaled space.
    scale_mean_, scale_std_ : ndarray
        Mean and standard deviation of each (log-)feature used for scaling.
    scaled_centers_ : ndarray
        The centroids in the scaled space (what ``predict`` measures against).
    rule_table_ : DataFrame
        One row per rule, sorted by cluster: ``cluster``, ``name``, ``when``
        (the condition in the rule language), ``customers`` (training
        customers the rule matches) and ``purity`` (the share of them in the
        cluster).
    rule_tree_ : DecisionTreeClassifier or None
        The tree the rules were read from, fitted on the unscaled features
        (None when ``rule_depth`` is None).
    fidelity_ : float
        Share of training customers that the rules put in their k-means
        cluster (NaN when ``rule_depth`` is None).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    **Choice of k.** With ``n_clusters="auto"``, one seeded random sample of
    ``sample_size`` customers is drawn (all customers when there are fewer);
    for every k in ``k_range`` k-means is fitted on the sample and scored by
    the mean silhouette coefficient on it (the exact score needs all pairwise
    distances, so sampling is what keeps a million customers fast); the k with
    the highest score wins (the smallest such k on a tie), and k-means with that
    k is then fitted on all customers. A k is skipped when the sample has fewer
    distinct points than k. ``silhouette_scores_`` keeps every score.

    **Names.** For each feature, the cluster's mean of the scaled feature is
    compared with the population's, in population standard deviations (z;
    ``z_scores_``). Features with ``|z| >= 0.3`` enter the name, strongest
    first, at most three: ``"high revenue"`` / ``"low revenue"`` in general,
    ``"recent"`` / ``"lapsed"`` for recency-like columns (``recency_days``,
    ``days_since_*``: a low value means recent), ``"frequent"`` /
    ``"infrequent"`` for order counts, ``"new"`` / ``"long-standing"`` for
    tenure; from ``|z| >= 1`` a word is strengthened (``"very recent"``,
    ``"long lapsed"``, ``"very high revenue"``). A cluster close to the
    population on every feature is ``"typical"``. Names that still repeat get
    ``" #2"``, ``" #3"``.

    **Rules.** A decision tree of depth ``rule_depth`` is fitted to the
    cluster labels on the unscaled features, so its thresholds are in the
    original units; each split is printed as the shortest decimal that
    separates the training values exactly as the tree does. Leaves that
    predict the same cluster under one parent are merged.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame({
    ...     "recency_days": np.r_[rng.uniform(0, 30, 300), rng.uniform(200, 400, 700)],
    ...     "revenue": np.r_[rng.uniform(500, 900, 300), rng.uniform(10, 60, 700)],
    ... })
    >>> seg = KMeansSegmenter(features=["recency_days", "revenue"], random_state=0).fit(table)
    >>> seg.n_clusters_, seg.names_
    (2, ['low revenue · lapsed', 'very high revenue · very recent'])
    >>> for rule in seg.to_rules():
    ...     print(f"{rule.tag}: {rule.when}")
    low revenue · lapsed: revenue <= 300
    very high revenue · very recent: revenue > 300
    >>> seg.fidelity_
    1.0
    """

    def __init__(
        self,
        features: Sequence[str] = ("recency_days", "orders", "revenue"),
        n_clusters: int | str = "auto",
        scaling: str | None = "log-standard",
        k_range: tuple[int, int] = (2, 8),
        sample_size: int = 5_000,
        n_init: int = 4,
        rule_depth: int | None = 3,
        value: str | None = "revenue",
        random_state: Any = None,
    ) -> None:
        self.features = features
        self.n_clusters = n_clusters
        self.scaling = scaling
        self.k_range = k_range
        self.sample_size = sample_size
        self.n_init = n_init
        self.rule_depth = rule_depth
        self.value = value
        self.random_state = random_state

    _parameter_constraints: dict[str, list[Constraint]] = {  # noqa: RUF012
        "features": [
            Satisfies(_column_list, "a non-empty list of distinct column names", _one_column_hint)
        ],
        "n_clusters": [Options(("auto",)), Interval(int, 2, None)],
        "scaling": [Options(_SCALINGS)],
        "k_range": [Satisfies(_k_range, "two ints (low, high) with 2 <= low <= high")],
        "sample_size": [Interval(int, 2, None)],
        "n_init": [Interval(int, 1, None)],
        "rule_depth": [Interval(int, 1, 10), NONE],
        "value": [COLUMN, NONE],
    }

    # -- parameters -------------------------------------------------------- #
    def _check_params(self) -> tuple[list[str], list[int]]:
        """Check the parameter table; the features and the k to try."""
        validate_params(self, self._parameter_constraints)
        if self.n_clusters == "auto":
            low, high = self.k_range
            return list(self.features), list(range(int(low), int(high) + 1))
        return list(self.features), [int(self.n_clusters)]

    # -- data -------------------------------------------------------------- #
    def _matrix(self, df: pd.DataFrame, features: list[str]) -> _FloatArray:
        require_columns(df, features, "customer table")
        columns = []
        for feature in features:
            values = numeric_column(df, feature, "customer table")
            if self.scaling == "log-standard" and (values < 0).any():
                bad = np.flatnonzero(values < 0)
                raise SchemaError(
                    f"column {feature!r} has {bad.size} negative value(s) (e.g. "
                    f"{float(values[bad[0]])!r} at index {df.index[bad].tolist()[0]!r}); "
                    "scaling='log-standard' takes log1p and needs values >= 0: clip or drop "
                    "them, or use scaling='standard'"
                )
            columns.append(values)
        return np.column_stack(columns) if columns else np.empty((len(df), 0))

    def _forward(self, X: _FloatArray) -> _FloatArray:
        """Apply the log part of the scaling (no standardization)."""
        return np.log1p(X) if self.scaling == "log-standard" else X

    def _labels(self) -> _IntArray:
        labels: _IntArray = self.labels_
        return labels

    def _scale(self, X: _FloatArray) -> _FloatArray:
        scaled: _FloatArray = (self._forward(X) - self.scale_mean_) / self.scale_std_
        return scaled

    # -- fitting ----------------------------------------------------------- #
    def fit(self, X: Any, y: Any = None) -> KMeansSegmenter:
        """Cluster the customers, name the clusters and derive the rules.

        Parameters
        ----------
        X : DataFrame
            The customer table, one row per customer; it is not modified.
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ParameterError
            On invalid parameters, or fewer customers or distinct points than
            clusters.
        ColumnNotFoundError, SchemaError
            On a missing, non-numeric or constant feature, missing or infinite
            values, or negative values under ``"log-standard"`` scaling.
        """
        features, ks = self._check_params()
        df = require_frame(X, "customer table")
        raw = self._matrix(df, features)
        # Fit on the rows in one canonical order (sorted by their feature
        # values), so that the result never depends on the input's row order.
        order = np.lexsort(raw.T[::-1])
        df, raw = df.iloc[order], raw[order]
        n = raw.shape[0]
        owner = type(self).__name__
        if n < 2:
            raise SegkitError(f"{owner} needs at least 2 customers to cluster; got {n}")
        for j, feature in enumerate(features):
            if raw[:, j].min() == raw[:, j].max():
                constant = float(raw[0, j])
                raise SchemaError(
                    f"column {feature!r} is constant ({constant!r} for all {n} customers) "
                    "and cannot separate clusters; drop it from features"
                )
        rng = check_random_state(self.random_state)
        kmeans_seed = int(rng.randint(np.iinfo(np.int32).max))
        sample_seed = int(rng.randint(np.iinfo(np.int32).max))
        tree_seed = int(rng.randint(np.iinfo(np.int32).max))

        forward = self._forward(raw)
        center = forward.mean(axis=0)
        spread = forward.std(axis=0) if self.scaling is not None else np.ones(len(features))
        Xs = (forward - center) / spread

        auto = self.n_clusters == "auto"
        if n < ks[0] or (auto and n < 3):
            raise ParameterError(
                f"{owner} got {n} customers, too few for "
                + (f"n_clusters={ks[0]}" if not auto else f"choosing k in {list(self.k_range)}")
                + (" (the silhouette needs at least 3)" if auto and n >= ks[0] else "")
            )
        sample = np.sort(
            np.random.default_rng(sample_seed).choice(n, min(n, self.sample_size), replace=False)
        )
        model, scores = choose_k(
            Xs, ks, sample, seed=kmeans_seed, auto=auto, n_init=self.n_init, features=features
        )
        if model is None:
            raise ParameterError(
                f"{owner}: the data has fewer distinct points than the smallest k "
                f"({ks[0]}); lower k_range or add features"
            )
        self.scale_mean_, self.scale_std_ = center, spread
        self._store(df, raw, Xs, model, features, int(model.n_clusters))
        self.silhouette_scores_ = pd.Series(scores, name="silhouette", dtype=np.float64)
        self.silhouette_scores_.index.name = "k"
        self._fit_rules(raw, features, tree_seed)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        self.labels_ = self._labels()[rank]  # back to the caller's row order
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
        return self

    def _store(
        self,
        df: pd.DataFrame,
        raw: _FloatArray,
        Xs: _FloatArray,
        model: Any,
        features: list[str],
        k: int,
    ) -> None:
        sizes = np.bincount(model.labels_, minlength=k)
        order = np.argsort(-sizes, kind="stable")  # new label i is old label order[i]
        relabel = np.empty(k, dtype=np.int64)
        relabel[order] = np.arange(k)
        labels = relabel[model.labels_].astype(np.int64)
        centers = model.cluster_centers_[order]
        self.n_clusters_ = k
        self.labels_ = labels
        self.scaled_centers_ = centers
        self.inertia_ = float(model.inertia_)
        original = centers * self.scale_std_ + self.scale_mean_
        if self.scaling == "log-standard":
            original = np.expm1(original)
        index = pd.RangeIndex(k, name="cluster")
        self.cluster_centers_ = pd.DataFrame(original, index=index, columns=features)

        counts = np.bincount(labels, minlength=k)
        forward = self._forward(raw)
        spread = forward.std(axis=0)
        spread[spread == 0] = 1.0
        means = (
            np.stack(
                [
                    np.bincount(labels, weights=forward[:, j], minlength=k)
                    for j in range(len(features))
                ],
                axis=1,
            )
            / counts[:, None]
        )
        z = (means - forward.mean(axis=0)) / spread
        self.z_scores_ = pd.DataFrame(z, index=index, columns=features)
        self.names_ = unique_names(cluster_name(z[c], features) for c in range(k))

        frame = pd.DataFrame(raw, columns=features, index=pd.RangeIndex(len(labels)))
        grouped = frame.groupby(labels, sort=True)
        profiles = pd.DataFrame({"name": self.names_, "customers": counts}, index=index)
        profiles["share"] = counts / counts.sum()
        for feature in features:
            profiles[f"{feature}_mean"] = grouped[feature].mean().to_numpy()
            profiles[f"{feature}_median"] = grouped[feature].median().to_numpy()
        if self.value is not None and self.value in df.columns:
            value = np.nan_to_num(numeric_column(df, self.value, "customer table", allow_nan=True))
            total = np.bincount(labels, weights=value, minlength=k)
            profiles[f"{self.value}_share"] = total / value.sum() if value.sum() else np.nan
        self.profiles_ = profiles

    def _fit_rules(self, raw: _FloatArray, features: list[str], seed: int) -> None:
        if self.rule_depth is None:
            self.rule_table_ = pd.DataFrame(columns=RULE_COLUMNS)
            self.rule_tree_ = None
            self.fidelity_ = float("nan")
            return
        self.rule_table_, self.rule_tree_ = rule_table(
            raw, self.labels_, self.names_, features, depth=self.rule_depth, seed=seed
        )
        assigned = rule_labels(self.to_rules(), self.names_, pd.DataFrame(raw, columns=features))
        self.fidelity_ = float(np.mean(assigned == self.labels_))

    # -- using the fit ----------------------------------------------------- #
    @dispatch("map", on="X")
    def predict(self, X: Any) -> pd.Series:
        """Assign customers to the nearest centroid (a map: on Dask, partition by partition).

        Parameters
        ----------
        X : DataFrame
            Customers with the feature columns; it is not modified.

        Returns
        -------
        Series of int
            Cluster labels on ``X``'s index, named ``"cluster"``. Map them to
            names with ``.map(dict(enumerate(seg.names_)))``.
        """
        check_fitted(self, "labels_")
        df = require_frame(X, "customer table")
        raw = self._matrix(df, list(self.features))
        if len(df) == 0:
            return pd.Series(np.empty(0, dtype=np.int64), index=df.index, name="cluster")
        labels = pairwise_distances_argmin(self._scale(raw), self.scaled_centers_)
        return pd.Series(labels.astype(np.int64), index=df.index, name="cluster")

    def fit_predict(self, X: Any, y: Any = None) -> _IntArray:
        """Fit and return ``labels_``."""
        labels: _IntArray = self.fit(X).labels_
        return labels

    def plot(self, ax: Any = None) -> Any:
        """Heatmap of ``z_scores_`` with the cluster names; returns the Axes (needs matplotlib)."""
        check_fitted(self, "labels_")
        from segkit.plotting import plot_clusters

        return plot_clusters(self, ax=ax)

    def to_rules(self, *, group: str = "cluster") -> list[Rule]:
        """The clusters as tag rules in one exclusive group.

        Each leaf of the explaining tree gives one rule whose tag is the
        cluster's name (``names_``); rules of the same cluster are or-ed by the
        tag engine. Customers with a missing value in a feature match no rule.

        Parameters
        ----------
        group : str, default "cluster"
            The exclusive group of the rules.

        Returns
        -------
        list of Rule
            Sorted by cluster label. Run them with
            ``TagEngine(rules).apply(table)``; on the training customers they
            agree with ``labels_`` for a share ``fidelity_``.
        """
        check_fitted(self, "rule_table_")
        if self.rule_depth is None:
            raise ParameterError(
                "this KMeansSegmenter was fitted with rule_depth=None; refit with "
                "rule_depth=3 (or another depth) to get rules"
            )
        return cluster_rules(self.rule_table_, self.profiles_, self.names_, group)
