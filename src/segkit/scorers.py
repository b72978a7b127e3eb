"""Demographic bands, point scores and psychographic profiles, scikit-learn style.

* :class:`BandScorer` puts a numeric column into labelled bands (age bands,
  income tiers).
* :class:`PointsScorer` adds (and subtracts) points for rules, as CRMs score
  leads and engagement, and explains each customer's points.
* :class:`PsychographicScorer` (``ProfileScorer`` before 0.2.0) scores
  psychographic profiles, each a weighted sum of rule-language terms over
  survey answers or interests, and names the top one.

Rules and terms are written in the rule language of :mod:`segkit.tagging`;
``fit`` type-checks them against the frame, ``transform`` evaluates them. A
rule whose result is unknown (it read a missing value) scores no points.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from segkit._backend import dispatch
from segkit._validation import (
    BOOL,
    COLUMN,
    Constraint,
    Interval,
    Satisfies,
    check_fitted,
    require_columns,
    require_frame,
    validate_params,
)
from segkit.errors import ParameterError, RuleError, RuleTypeError, SchemaError
from segkit.tagging.compiler import RuleContext, compile_rule
from segkit.tagging.parser import parse

__all__ = ["BandScorer", "PointsScorer", "ProfileScorer", "PsychographicScorer"]


def _number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _frame_names(X: pd.DataFrame) -> np.ndarray:
    return np.asarray([str(c) for c in X.columns], dtype=object)


class BandScorer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Put a numeric column into labelled bands.

    Parameters
    ----------
    column : str
        The column to band, e.g. ``"age"`` or ``"income"``.
    edges : sequence of float
        Band edges, strictly increasing (``-inf``/``inf`` allowed at the ends).
        ``len(edges) - 1`` bands.
    labels : sequence of str, optional
        One label per band. Default: ``"18-25"`` style ranges, with ``"<18"``
        and ``"65+"`` for open ends.
    right : bool, default False
        Whether bands include their right edge (``(a, b]``) instead of the
        left one (``[a, b)``).

    Attributes
    ----------
    edges_ : ndarray
    bands_ : tuple of str
        The band names, one per band (``labels_`` before 0.2.0: that name is
        the cluster of each row in :class:`~segkit.KMeansSegmenter`).
    feature_names_in_ : ndarray of str
    n_features_in_ : int

    Examples
    --------
    >>> df = pd.DataFrame({"age": [17, 18, 34, 70, None]})
    >>> BandScorer("age", [-np.inf, 18, 35, 65, np.inf]).fit_transform(df)["age_band"].tolist()
    ['<18', '18-35', '18-35', '65+', nan]
    """

    _parameter_constraints: dict[str, list[Constraint]] = {  # noqa: RUF012
        "column": [COLUMN],
        "right": [BOOL],
    }

    def __init__(
        self,
        column: str = "age",
        edges: Any = None,
        labels: Any = None,
        *,
        right: bool = False,
    ) -> None:
        self.column = column
        self.edges = edges
        self.labels = labels
        self.right = right

    def _default_labels(self, edges: np.ndarray) -> tuple[str, ...]:
        def show(v: float) -> str:
            return str(int(v)) if float(v).is_integer() else f"{v:g}"

        out = []
        for lo, hi in itertools.pairwise(edges):
            if np.isneginf(lo):
                out.append(f"<{show(hi)}" if not self.right else f"<={show(hi)}")
            elif np.isposinf(hi):
                out.append(f"{show(lo)}+" if not self.right else f">{show(lo)}")
            else:
                out.append(f"{show(lo)}-{show(hi)}")
        return tuple(out)

    @dispatch("schema_fit", on="X")
    def fit(self, X: Any, y: Any = None) -> BandScorer:
        """Validate the edges and labels against ``X``; return ``self``."""
        X = require_frame(X, "X")
        owner = type(self).__name__
        validate_params(self, self._parameter_constraints)
        require_columns(X, [self.column], "X")
        if not pd.api.types.is_numeric_dtype(X[self.column].dtype) or pd.api.types.is_bool_dtype(
            X[self.column].dtype
        ):
            raise SchemaError(
                f"column {self.column!r} must be numeric to band it, not {X[self.column].dtype}"
            )
        if self.edges is None or isinstance(self.edges, (str, bytes)):
            raise ParameterError(
                f"the 'edges' parameter of {owner} must be a sequence of at least two numbers, "
                f"e.g. [18, 25, 35, 50, 65]; got {self.edges!r}"
            )
        edges = list(self.edges)
        if len(edges) < 2 or not all(_number(e) for e in edges):
            raise ParameterError(
                f"the 'edges' parameter of {owner} must be a sequence of at least two numbers; "
                f"got {self.edges!r}"
            )
        array = np.asarray(edges, dtype=np.float64)
        if np.isnan(array).any():
            raise ParameterError(f"the 'edges' parameter of {owner} contains NaN")
        if (np.diff(array) <= 0).any():
            where = int(np.flatnonzero(np.diff(array) <= 0)[0])
            raise ParameterError(
                f"the 'edges' parameter of {owner} must be strictly increasing; edge {where} "
                f"({edges[where]!r}) is not below edge {where + 1} ({edges[where + 1]!r})"
            )
        if self.labels is None:
            labels = self._default_labels(array)
        else:
            labels = tuple(self.labels)
            if len(labels) != len(array) - 1:
                raise ParameterError(
                    f"{owner} needs one label per band: {len(array) - 1} bands from "
                    f"{len(array)} edges, but {len(labels)} labels"
                )
            if not all(isinstance(label, str) for label in labels):
                raise ParameterError(f"the labels of {owner} must be strings; got {labels!r}")
            if len(set(labels)) != len(labels):
                raise ParameterError(f"the labels of {owner} must be unique; got {labels!r}")
        self.edges_ = array
        self.bands_ = labels
        self.feature_names_in_ = _frame_names(X)
        self.n_features_in_ = X.shape[1]
        return self

    @property
    def labels_(self) -> tuple[str, ...]:
        """Deprecated name of :attr:`bands_` (removed in 0.3.0)."""
        _renamed("BandScorer.labels_", "BandScorer.bands_")
        return self.bands_

    @dispatch("map", on="X")
    def transform(self, X: Any) -> pd.DataFrame:
        """Return a DataFrame with one ordered categorical column ``{column}_band``.

        Values outside the edges, and missing values, get no band (NaN).
        """
        check_fitted(self, "edges_")
        X = require_frame(X, "X")
        require_columns(X, [self.column], "X")
        values = X[self.column].to_numpy(dtype=np.float64, na_value=np.nan)
        if self.right:
            codes = np.searchsorted(self.edges_, values, side="left") - 1
        else:
            codes = np.searchsorted(self.edges_, values, side="right") - 1
        codes[(codes < 0) | (codes >= len(self.bands_)) | np.isnan(values)] = -1
        bands = pd.Categorical.from_codes(
            codes, categories=pd.Index(list(self.bands_)), ordered=True
        )
        return pd.DataFrame({f"{self.column}_band": bands}, index=X.index)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``[f"{column}_band"]``."""
        return np.asarray([f"{self.column}_band"], dtype=object)


def _check_rules(mapping: Any, owner: str, what: str) -> dict[str, float]:
    if not isinstance(mapping, Mapping) or not mapping:
        raise ParameterError(
            f"the {what!r} parameter of {owner} must be a non-empty mapping of rule to "
            f"number; got {mapping!r}"
        )
    out = {}
    for rule, value in mapping.items():
        if not isinstance(rule, str):
            raise ParameterError(f"{owner}: rules must be strings; got {rule!r}")
        if not _number(value) or not math.isfinite(float(value)):
            raise ParameterError(
                f"{owner}: the weight of {rule!r} must be a finite number; got {value!r}"
            )
        out[rule] = float(value)
    return out


class PointsScorer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Lead / engagement scoring: points for each rule a customer meets.

    Parameters
    ----------
    points : mapping of str to float
        ``{rule: points}``; points may be negative. A customer gets the points
        of every rule that is true for them (unknown scores nothing).
    clip : (float or None, float or None), optional
        Bounds for the total, e.g. ``(0, 100)``.
    base : float, default 0
        Points everyone starts with.

    Attributes
    ----------
    rules_ : tuple of (str, float)
    rule_columns_ : tuple of str
        Columns the rules read (``columns_`` before 0.2.0: that name maps a
        CLV model's roles to columns).
    feature_names_in_ : ndarray of str
    n_features_in_ : int

    Examples
    --------
    >>> df = pd.DataFrame({"email_open_30d": [5, 0, 2], "complaint_90d": [0, 1, None]})
    >>> scorer = PointsScorer({"email_open_30d >= 2": 10, "complaint_90d > 0": -15})
    >>> scorer.fit_transform(df)["points"].tolist()
    [10.0, -15.0, 10.0]
    >>> scorer.explain(df)
       email_open_30d >= 2  complaint_90d > 0  points
    0                 10.0                0.0    10.0
    1                  0.0              -15.0   -15.0
    2                 10.0                0.0    10.0
    """

    _parameter_constraints: dict[str, list[Constraint]] = {  # noqa: RUF012
        "base": [Interval(float, None, None)],
    }

    def __init__(self, points: Any = None, *, clip: Any = None, base: float = 0.0) -> None:
        self.points = points
        self.clip = clip
        self.base = base

    @dispatch("schema_fit", on="X")
    def fit(self, X: Any, y: Any = None) -> PointsScorer:
        """Type-check every rule against ``X``; return ``self``."""
        X = require_frame(X, "X")
        owner = type(self).__name__
        points = _check_rules(self.points, owner, "points")
        validate_params(self, self._parameter_constraints)
        if self.clip is not None:
            if not isinstance(self.clip, (tuple, list)) or len(self.clip) != 2:
                raise ParameterError(
                    f"the 'clip' parameter of {owner} must be a pair (low, high), either may be "
                    f"None; got {self.clip!r}"
                )
            low, high = self.clip
            for bound in (low, high):
                if bound is not None and not _number(bound):
                    raise ParameterError(f"the 'clip' bounds of {owner} must be numbers or None")
            if low is not None and high is not None and low > high:
                raise ParameterError(
                    f"the 'clip' parameter of {owner} has low {low} > high {high}"
                )
        ctx = RuleContext(X)
        columns: dict[str, None] = {}
        for rule in points:
            compiled = compile_rule(rule, ctx)
            columns.update(dict.fromkeys(compiled.columns))
        self.rules_ = tuple(points.items())
        self.rule_columns_ = tuple(columns)
        self.feature_names_in_ = _frame_names(X)
        self.n_features_in_ = X.shape[1]
        return self

    @property
    def columns_(self) -> tuple[str, ...]:
        """Deprecated name of :attr:`rule_columns_` (removed in 0.3.0)."""
        _renamed("PointsScorer.columns_", "PointsScorer.rule_columns_")
        return self.rule_columns_

    def _awarded(self, X: Any) -> tuple[pd.DataFrame, np.ndarray]:
        check_fitted(self, "rules_")
        X = require_frame(X, "X")
        ctx = RuleContext(X)
        awarded = {}
        for rule, value in self.rules_:
            mask = compile_rule(rule, ctx).mask(ctx)
            awarded[rule] = np.where(mask, value, 0.0)
        table = pd.DataFrame(awarded, index=X.index)
        total = float(self.base) + table.to_numpy().sum(axis=1)
        if self.clip is not None:
            low, high = self.clip
            total = np.clip(
                total, -np.inf if low is None else low, np.inf if high is None else high
            )
        return table, total

    @dispatch("map", on="X")
    def transform(self, X: Any) -> pd.DataFrame:
        """Return a DataFrame with one float column ``points``."""
        _, total = self._awarded(X)
        return pd.DataFrame({"points": total}, index=require_frame(X, "X").index)

    def explain(self, X: Any) -> pd.DataFrame:
        """Points awarded per rule (one column per rule) and the total ``points``."""
        table, total = self._awarded(X)
        table["points"] = total
        return table

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``["points"]``."""
        return np.asarray(["points"], dtype=object)


class PsychographicScorer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Psychographic profiles: weighted sums of rule-language terms, and the top profile.

    Parameters
    ----------
    profiles : mapping of str to mapping of str to float
        ``{profile: {term: weight}}``. A term is a condition
        (``"interests contains 'sustainability'"``: adds ``weight`` when
        true) or a number (``"values_environment"``: adds ``weight * value``);
        unknown conditions and missing numbers add nothing.

    Attributes
    ----------
    terms_ : tuple of (str, tuple of (str, float, str))
        Profile, then (term, weight, kind) with kind ``"bool"`` or ``"number"``
        (``profiles_`` before 0.2.0: that name is the per-cluster table of
        :class:`~segkit.KMeansSegmenter`).
    feature_names_in_ : ndarray of str
    n_features_in_ : int

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "interests": [["hiking", "sustainability"], ["fashion"], None],
    ...     "values_environment": [5, 1, 4],
    ... })
    >>> scorer = PsychographicScorer({
    ...     "eco": {"interests contains 'sustainability'": 2, "values_environment": 1},
    ...     "style": {"interests contains 'fashion'": 3},
    ... })
    >>> scorer.fit_transform(df)
       eco  style top_profile
    0  7.0    0.0         eco
    1  1.0    3.0       style
    2  4.0    0.0         eco
    """

    _parameter_constraints: dict[str, list[Constraint]] = {  # noqa: RUF012
        "profiles": [
            Satisfies(
                lambda v: (
                    isinstance(v, Mapping)
                    and bool(v)
                    and all(isinstance(k, str) and k and k != "top_profile" for k in v)
                ),
                "a non-empty mapping of profile name (a non-empty str, not 'top_profile') "
                "to {term: weight}",
            )
        ],
    }

    def __init__(self, profiles: Any = None) -> None:
        self.profiles = profiles

    @dispatch("schema_fit", on="X")
    def fit(self, X: Any, y: Any = None) -> PsychographicScorer:
        """Type-check every term against ``X``; return ``self``."""
        X = require_frame(X, "X")
        owner = type(self).__name__
        validate_params(self, self._parameter_constraints)
        ctx = RuleContext(X)
        profiles = []
        for name, terms in self.profiles.items():
            weights = _check_rules(terms, owner, f"profiles[{name!r}]")
            checked = []
            for term, weight in weights.items():
                try:
                    kind = compile_rule(term, ctx, expect=None).type
                except RuleError as exc:
                    raise type(exc)(
                        f"profile {name!r}: {exc.message}", exc.text, exc.start, exc.end
                    ) from None
                if kind == "null":
                    kind = "number"
                if kind not in ("bool", "number"):
                    raise RuleTypeError(
                        f"profile {name!r}: a term must be a condition or a number; {term!r} "
                        f"is a {kind}"
                    )
                parse(term)
                checked.append((term, weight, kind))
            profiles.append((name, tuple(checked)))
        self.terms_ = tuple(profiles)
        self.feature_names_in_ = _frame_names(X)
        self.n_features_in_ = X.shape[1]
        return self

    @dispatch("map", on="X")
    def transform(self, X: Any) -> pd.DataFrame:
        """Return one float column per profile and ``top_profile``.

        ``top_profile`` is the highest-scoring profile (ties: the first
        listed), or missing when no profile scores above zero.
        """
        check_fitted(self, "terms_")
        X = require_frame(X, "X")
        ctx = RuleContext(X)
        scores: dict[str, np.ndarray] = {}
        for name, terms in self.terms_:
            total = np.zeros(len(X))
            for term, weight, kind in terms:
                compiled = compile_rule(term, ctx, expect=None)
                if kind == "bool":
                    total += np.where(compiled.mask(ctx), weight, 0.0)
                else:
                    values = compiled.evaluate(ctx).to_numpy(dtype=np.float64, na_value=np.nan)
                    total += weight * np.nan_to_num(values, nan=0.0)
            scores[name] = total
        out = pd.DataFrame(scores, index=X.index)
        matrix = out.to_numpy()
        names = np.asarray(list(scores), dtype=object)
        best = matrix.argmax(axis=1) if len(names) else np.zeros(len(X), dtype=np.intp)
        top = names[best]
        top[matrix.max(axis=1) <= 0] = None
        out["top_profile"] = pd.Series(top, index=X.index, dtype=object)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Profile names, then ``top_profile``."""
        check_fitted(self, "terms_")
        return np.asarray([name for name, _ in self.terms_] + ["top_profile"], dtype=object)


class ProfileScorer(PsychographicScorer):
    """Deprecated name of :class:`PsychographicScorer` (removed in 0.3.0).

    ``profile()`` is the pipeline; this class scores psychographic profiles.
    """

    def __init__(self, profiles: Any = None) -> None:
        _renamed("ProfileScorer", "PsychographicScorer")
        super().__init__(profiles)

    @property
    def profiles_(self) -> tuple[Any, ...]:
        """Deprecated name of :attr:`PsychographicScorer.terms_` (removed in 0.3.0)."""
        _renamed("ProfileScorer.profiles_", "PsychographicScorer.terms_")
        return self.terms_


def _renamed(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is renamed {new}; the old name is removed in segkit 0.3.0",
        DeprecationWarning,
        stacklevel=3,
    )
