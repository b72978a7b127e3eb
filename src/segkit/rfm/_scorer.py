"""The RFM scorer: bin edges learned from the population, scores per customer.

:class:`RFMScorer` learns bin edges from a customer table (the output of
:func:`segkit.summarize`) and maps each customer to scores ``1..bins`` (higher
is better; recency is reversed so that recent buyers score high), an
``rfm_code`` such as ``"545"``, a weighted ``rfm_score`` and a ``segment``
from a :class:`~segkit.rfm.SegmentMap`. The fit is a reduction
(:data:`RFM_FIT`), so it runs on Dask as well.
"""

from __future__ import annotations

import reprlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from segkit._backend import Reduction, dispatch
from segkit._validation import (
    COLUMN,
    NONE,
    Constraint,
    Interval,
    Options,
    Satisfies,
    check_fitted,
    check_keys,
    numeric_column,
    require_columns,
    require_frame,
    validate_params,
)
from segkit.errors import ParameterError, SegkitError
from segkit.rfm._segment_map import SCORES, SegmentMap, load_segment_map

__all__ = ["RFM_FIT", "RFMScorer", "edges_from_counts"]

_DIMENSIONS = ("recency", "frequency", "monetary")


def edges_from_counts(
    distinct: np.ndarray[Any, Any], counts: np.ndarray[Any, Any], bins: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Upper edges of up to ``bins - 1`` lower bins, each holding about an equal share.

    ``distinct`` are the distinct values in ascending order and ``counts`` how
    many customers hold each (so the fit is a reduction that also runs on
    Dask). The values are walked in ascending order; a bin closes once it
    holds its share of what is left. A single value that holds more than one
    share (most customers have ``orders == 1``) gets a bin to itself and the
    rest of the population is split evenly over the remaining bins.

    Examples
    --------
    >>> import numpy as np
    >>> from segkit.rfm import edges_from_counts
    >>> edges_from_counts(np.array([1.0, 2.0, 3.0, 4.0]), np.array([6, 2, 1, 1]), 3)
    array([1., 2.])
    """
    distinct = np.asarray(distinct)
    counts = np.asarray(counts, dtype=np.int64)
    if distinct.size == 0:
        return np.zeros(0, dtype=np.float64)
    cum = np.cumsum(counts)
    total = int(cum[-1])
    edges: list[float] = []
    start = 0  # position in ``distinct`` of the first value not yet binned
    done = 0
    for remaining in range(bins, 1, -1):
        target = done + (total - done) / remaining
        k = max(int(np.searchsorted(cum, target, side="left")), start)
        if k >= distinct.size - 1:
            break
        edges.append(float(distinct[k]))
        done = int(cum[k])
        start = k + 1
    return np.asarray(edges, dtype=np.float64)


def _three_weights(value: Any) -> bool:
    try:
        w = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(w.shape == (3,) and np.all(np.isfinite(w)) and (w >= 0).all() and w.sum() > 0)


def _edges_below(
    edges: np.ndarray[Any, Any], v: np.ndarray[Any, Any], side: str
) -> np.ndarray[Any, Any]:
    """``np.searchsorted(edges, v, side)`` for finite ``v`` and increasing ``edges``.

    With a few edges (the usual 4 to 9 levels), a count of the edges below
    each value, one comparison per edge: faster than a binary search per value.
    """
    if edges.size > 16:
        found: np.ndarray[Any, Any] = np.searchsorted(edges, v, side=side)  # type: ignore[call-overload]
        return found
    below = np.zeros(v.shape, dtype=np.int64)
    for edge in edges:
        below += (v > edge) if side == "left" else (v >= edge)
    return below


class RFMScorer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Score customers on recency, frequency and monetary value.

    Parameters
    ----------
    bins : int, default 5
        Number of score levels, 2..9. Scores run from 1 to ``bins``; higher is
        better on every dimension.
    method : {"quantile", "fixed"}, default "quantile"
        ``"quantile"`` learns edges that split the customers into ``bins``
        groups of about equal size (see Notes for ties). ``"fixed"`` uses
        ``thresholds``.
    recency, frequency, monetary : str
        Columns of the customer table to score. Lower recency is better.
    segments : str, SegmentMap, mapping or None, default "rfm11"
        A named map (:func:`segment_maps`), a :class:`SegmentMap`, a mapping
        accepted by :meth:`SegmentMap.from_dict`, or None for no segment
        column. The map's ``bins`` must equal ``bins``.
    weights : sequence of three floats, optional
        Weights of ``(r, f, m)`` in ``rfm_score``; equal by default.
    thresholds : mapping, optional
        For ``method="fixed"``: ``{"recency": [...], "frequency": [...],
        "monetary": [...]}``, each ``bins - 1`` increasing numbers. For
        frequency and monetary a threshold is the lowest value of the next
        score (``orders >= 2`` scores at least 2 with ``[2, ...]``); for
        recency it is the largest value of the better score (``recency_days
        <= 30`` scores ``bins`` with ``[30, ...]``).

    Attributes
    ----------
    bin_edges_ : dict of str to ndarray
        Per dimension, in the column's units: the largest value of each score
        level but the top one (recency: the largest value of each level but
        the worst, ascending). A dimension with
        heavy ties may have fewer than ``bins - 1`` edges.
    segment_map_ : SegmentMap or None
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Ties: edges are placed between distinct values, never inside a run of equal
    values, so equal values always get the same score and scores do not
    depend on row order. A value held by more than ``1 / bins`` of the
    customers takes a score level of its own and the others are split evenly
    over the remaining levels; when there are fewer distinct values than
    levels some top scores stay unused and a warning says so.

    Examples
    --------
    >>> import segkit
    >>> from segkit.datasets import load_cdnow
    >>> table = segkit.summarize(load_cdnow(), customer="customer_id", timestamp="date",
    ...                          amount="amount", as_of="1997-09-30")
    >>> rfm = segkit.RFMScorer().fit(table)
    >>> scores = rfm.transform(table)
    >>> list(scores.columns)
    ['r_score', 'f_score', 'm_score', 'rfm_code', 'rfm_score', 'segment']
    >>> scores.loc[1, "rfm_code"], scores.loc[1, "segment"]
    ('534', 'champions')
    """

    def __init__(
        self,
        bins: int = 5,
        method: str = "quantile",
        recency: str = "recency_days",
        frequency: str = "orders",
        monetary: str = "revenue",
        segments: str | SegmentMap | Mapping[str, Any] | None = "rfm11",
        weights: Sequence[float] | None = None,
        thresholds: Mapping[str, Sequence[float]] | None = None,
    ) -> None:
        self.bins = bins
        self.method = method
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
        self.segments = segments
        self.weights = weights
        self.thresholds = thresholds

    # -- fitting ---------------------------------------------------------- #
    def _columns(self) -> dict[str, str]:
        return {"recency": self.recency, "frequency": self.frequency, "monetary": self.monetary}

    _parameter_constraints: dict[str, list[Constraint]] = {  # noqa: RUF012
        "bins": [Interval(int, 2, 9)],
        "method": [Options(("quantile", "fixed"))],
        "recency": [COLUMN],
        "frequency": [COLUMN],
        "monetary": [COLUMN],
        "segments": [
            Satisfies(
                lambda v: isinstance(v, str | SegmentMap | Mapping),
                "a map name, a SegmentMap or a mapping",
            ),
            NONE,
        ],
        "weights": [
            Satisfies(_three_weights, "three non-negative numbers with a positive sum"),
            NONE,
        ],
        "thresholds": [Satisfies(lambda v: isinstance(v, Mapping), "a mapping"), NONE],
    }

    def _check_params(self) -> None:
        validate_params(self, self._parameter_constraints)

    def _segment_map(self) -> SegmentMap | None:
        """The map ``segments`` names (its type was checked by the parameter table)."""
        spec = self.segments
        if spec is None:
            return None
        if isinstance(spec, str):
            segment_map = load_segment_map(spec)
        elif isinstance(spec, SegmentMap):
            segment_map = spec
        else:
            segment_map = SegmentMap.from_dict(spec)
        if segment_map.bins != self.bins:
            raise ParameterError(
                f"segment map {segment_map.name!r} is written for bins={segment_map.bins}, "
                f"but RFMScorer has bins={self.bins}; pass bins={segment_map.bins} or another map"
                + (" (segments='rfm6' is for bins=3)" if self.bins == 3 else "")
            )
        return segment_map

    def _values(self, X: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
        require_columns(X, list(self._columns().values()), "customer table")
        return {
            dim: numeric_column(X, col, "customer table") for dim, col in self._columns().items()
        }

    def fit(self, X: Any, y: Any = None) -> RFMScorer:
        """Learn the bin edges from a customer table.

        The fit is a reduction (:data:`RFM_FIT`): the distinct values of each
        dimension and how many customers hold each, so it runs on a Dask
        table as well, with the same edges.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per customer with the recency, frequency and monetary
            columns.
        y : ignored

        Returns
        -------
        self
        """
        return RFM_FIT.fit(self, X)

    def _quantile_edges(
        self, counts: Mapping[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]
    ) -> dict[str, np.ndarray[Any, Any]]:
        """Edges per dimension from its distinct values (ascending) and their counts."""
        edges = {}
        for dim, (distinct, n) in counts.items():
            if dim == "recency":  # lower is better: walk from the best end
                edges[dim] = -edges_from_counts(-distinct[::-1], n[::-1], self.bins)[::-1]
            else:
                edges[dim] = edges_from_counts(distinct, n, self.bins)
            if edges[dim].size < self.bins - 1:
                warnings.warn(
                    f"RFMScorer: column {self._columns()[dim]!r} has too few distinct values "
                    f"for {self.bins} equal groups; only scores 1..{edges[dim].size + 1} are "
                    "used",
                    UserWarning,
                    stacklevel=5,
                )
        return edges

    def _set_fitted(
        self,
        edges: dict[str, np.ndarray[Any, Any]],
        segment_map: SegmentMap | None,
        columns: pd.Index,
    ) -> RFMScorer:
        self.bin_edges_ = edges
        self.segment_map_ = segment_map
        self.n_features_in_ = len(columns)
        self.feature_names_in_ = np.asarray([str(c) for c in columns], dtype=object)
        return self

    def _fixed_edges(self) -> dict[str, np.ndarray[Any, Any]]:
        if not isinstance(self.thresholds, Mapping):
            raise ParameterError(
                "method='fixed' needs thresholds={'recency': [...], 'frequency': [...], "
                "'monetary': [...]}"
            )
        check_keys(self.thresholds, _DIMENSIONS, "thresholds", required=_DIMENSIONS)
        edges = {}
        for dim in _DIMENSIONS:
            given = self.thresholds[dim]
            try:
                t = np.asarray(given, dtype=float)
            except (TypeError, ValueError):  # text, nested lists: not numbers
                t = np.full(0, np.nan)
            if (
                t.shape != (self.bins - 1,)
                or not np.all(np.isfinite(t))
                or (np.diff(t) <= 0).any()
            ):
                raise ParameterError(
                    f"thresholds[{dim!r}] must be {self.bins - 1} increasing finite numbers; "
                    f"got {reprlib.repr(given)}"
                )
            edges[dim] = t
        return edges

    # -- scoring ---------------------------------------------------------- #
    def _score(self, dim: str, v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        e = self.bin_edges_[dim]
        if self.method == "fixed":
            if dim == "recency":
                return self.bins - _edges_below(e, v, side="left")
            return 1 + _edges_below(e, v, side="right")
        if dim == "recency":
            # Edges are the largest values of the better recency levels.
            return 1 + e.size - _edges_below(e, v, side="right")
        return 1 + _edges_below(e, v, side="left")

    @dispatch("map", on="X")
    def transform(self, X: Any) -> pd.DataFrame:
        """Score customers (a map: each row's scores depend on that row only).

        Returns
        -------
        pandas.DataFrame
            Aligned on ``X.index``: ``r_score``, ``f_score``, ``m_score``
            (int64), ``rfm_code`` (str), ``rfm_score`` (float) and, with a
            segment map, ``segment`` (categorical, in map order).
        """
        X, scores = self._scores(X)
        out = pd.DataFrame(scores, index=X.index, copy=False)
        # Scores are 1..9: the code is three digits, read from a table of 1,000.
        key = scores["r_score"] * 100 + scores["f_score"] * 10 + scores["m_score"]
        out["rfm_code"] = pd.Series(_CODES[key], index=X.index, dtype=object)
        w = np.ones(3) if self.weights is None else np.asarray(self.weights, dtype=float)
        score = scores["r_score"] * w[0]  # the weighted sum, then one division
        score += scores["f_score"] * w[1]
        score += scores["m_score"] * w[2]
        score /= w.sum()
        out["rfm_score"] = score
        if self.segment_map_ is not None:
            out["segment"] = self._segments(scores)
        return out

    def _scores(self, X: Any) -> tuple[pd.DataFrame, dict[str, np.ndarray[Any, Any]]]:
        """The customer table, checked, and its ``r_score``, ``f_score`` and ``m_score``."""
        check_fitted(self, "bin_edges_")
        X = require_frame(X, "customer table")
        values = self._values(X)
        pairs = zip(SCORES, _DIMENSIONS, strict=True)
        scores = {
            name: self._score(dim, values[dim]).astype(np.int64, copy=False) for name, dim in pairs
        }
        return X, scores

    def _segments(self, scores: dict[str, np.ndarray[Any, Any]]) -> Any:
        """The segment of every row of ``scores`` (there is a segment map)."""
        assert self.segment_map_ is not None
        table = self.segment_map_.lookup_table()
        idx = table[scores["r_score"] - 1, scores["f_score"] - 1, scores["m_score"] - 1]
        return pd.Categorical.from_codes(idx, categories=pd.Index(self.segment_map_.names))

    def _segment_column(self, X: Any) -> pd.Series:
        """``transform(X)["segment"]`` of a pandas table with a segment map, alone.

        Without the codes and weighted scores: the profile's segments a quarter
        ago read only this.
        """
        X, scores = self._scores(X)
        return pd.Series(self._segments(scores), index=X.index, name="segment")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray[Any, Any]:
        """Names of the columns :meth:`transform` returns."""
        check_fitted(self, "bin_edges_")
        names = ["r_score", "f_score", "m_score", "rfm_code", "rfm_score"]
        if self.segment_map_ is not None:
            names.append("segment")
        return np.asarray(names, dtype=object)


#: The text of every three-digit code, by its value (``_CODES[345] == "345"``).
_CODES = np.array([f"{k:03d}" for k in range(1000)], dtype=object)


# --------------------------------------------------------------------------- #
# The fit as a reduction: distinct values and their counts per dimension
# --------------------------------------------------------------------------- #
_Counts = dict[str, Any]


def _fit_start(scorer: RFMScorer, X: Any) -> tuple[SegmentMap | None, Any]:
    scorer._check_params()
    X = require_frame(X, "customer table")
    scorer._values(X.iloc[:0])  # names and dtypes now, before any work
    segment_map = scorer._segment_map()  # a bad map is reported before any work
    return segment_map, scorer._fixed_edges() if scorer.method == "fixed" else None


def _fit_part(scorer: RFMScorer, plan: Any, X: Any) -> _Counts:
    X = require_frame(X, "customer table")
    out: _Counts = {"rows": len(X)}
    if plan[1] is None:  # quantile edges: count the distinct values
        for dim, v in scorer._values(X).items():
            out[dim] = np.unique(v, return_counts=True)
    return out


def _fit_combine(scorer: RFMScorer, plan: Any, parts: Sequence[_Counts]) -> _Counts:
    if len(parts) == 1:
        return parts[0]
    out: _Counts = {"rows": sum(p["rows"] for p in parts)}
    for dim in _DIMENSIONS:
        pieces = [p[dim] for p in parts if dim in p]
        if pieces:
            values = np.concatenate([v for v, _ in pieces])
            counts = np.concatenate([n for _, n in pieces])
            distinct, inverse = np.unique(values, return_inverse=True)
            total = np.bincount(inverse.ravel(), weights=counts, minlength=distinct.size)
            out[dim] = (distinct, total.astype(np.int64))
    return out


def _fit_finish(scorer: RFMScorer, plan: Any, counts: Any, columns: Any) -> RFMScorer:
    segment_map, fixed = plan
    if counts["rows"] == 0:
        raise SegkitError("cannot fit RFMScorer on an empty customer table")
    if fixed is not None:
        edges = fixed
    else:
        edges = scorer._quantile_edges({dim: counts[dim] for dim in _DIMENSIONS})
    return scorer._set_fitted(edges, segment_map, columns)


#: ``RFMScorer.fit`` as a reduction: exact counts, so every split of the rows
#: gives the same bin edges.
RFM_FIT: Reduction[RFMScorer, _Counts] = Reduction(
    start=_fit_start, part=_fit_part, combine=_fit_combine, finish=_fit_finish
)
