"""Why customers leave: churn explained as readable rules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from segkit._rule_text import tree_paths
from segkit._validation import check_int, require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError

__all__ = ["churn_drivers"]

_COLUMNS = ["when", "customers", "support", "churned", "churn_rate", "lift", "summary"]


def churn_drivers(
    table: Any,
    churned: Any,
    *,
    features: list[str] | None = None,
    max_depth: int = 3,
    min_support: float = 0.01,
    seed: int = 0,
) -> pd.DataFrame:
    """The groups of customers who churned most (and least), as rules of the rule language.

    A shallow decision tree (scikit-learn's ``DecisionTreeClassifier``,
    imported here) is fitted to ``churned`` on the features; the path to every
    node of the tree becomes a condition, printed by the same printer as the
    k-means rules (:meth:`segkit.cluster.KMeansSegmenter.to_rules`). Each
    condition is then evaluated with :func:`segkit.tagging.evaluate_rule` on
    ``table``, so the counts describe exactly the rule as printed: paste
    ``when`` into a :class:`~segkit.tagging.Rule` and a
    :class:`~segkit.tagging.TagEngine` selects the same ``customers``. As in the
    rule language, a comparison with a missing value is false.

    Parameters
    ----------
    table : DataFrame
        The customer table at the calibration date, indexed by customer.
    churned : Series of bool, or str
        Who churned after the calibration date (no purchase in the holdout,
        or a lifecycle state), on ``table``'s index; or the name of a boolean
        column of ``table``.
    features : list of str, optional
        Numeric columns to explain with; default every numeric, non-boolean
        column of ``table`` (other than ``churned``).
    max_depth : int, default 3
        Depth of the tree: the most conditions in a rule.
    min_support : float, default 0.01
        The smallest share of customers in a leaf of the tree.
    seed : int
        ``random_state`` of the tree.

    Returns
    -------
    DataFrame
        One row per rule, sorted by ``lift``, highest first: ``when`` (the
        condition), ``customers`` and ``support`` (how many and what share of
        customers it selects), ``churned``, ``churn_rate``, ``lift``
        (``churn_rate`` over the overall churn rate) and ``summary`` (a
        sentence: "customers with ... churned at 2.3× the overall rate (45%
        vs 20%)"). The overall churn rate is in ``.attrs["churn_rate"]``.

    Raises
    ------
    SchemaError
        ``churned`` not boolean, missing for some customers, or a feature
        that is not numeric.

    Examples
    --------
    >>> table = pd.DataFrame({"complaints_open": [0, 0, 0, 0, 1, 1, 0, 1],
    ...                       "orders": [5, 3, 4, 6, 2, 5, 1, 3]})
    >>> left = pd.Series([False, False, False, False, True, True, True, False])
    >>> drivers = churn_drivers(table, left, max_depth=1)
    >>> drivers[["when", "customers", "churn_rate", "lift"]].round(3)
              when  customers  churn_rate   lift
    0  orders <= 2          2       1.000  2.667
    1   orders > 2          6       0.167  0.444
    >>> drivers["summary"][0]
    'customers with orders <= 2 churned at 2.7× the overall rate (100% vs 38%)'
    """
    from sklearn.tree import DecisionTreeClassifier

    from segkit.tagging import evaluate_rule

    df = require_frame(table, "customer table")
    y = _target(df, churned)
    names = _features(df, features, churned if isinstance(churned, str) else None)
    check_int("max_depth", max_depth, "churn_drivers", 1, 10)
    if not (isinstance(min_support, float | int) and 0 < min_support < 0.5):
        raise ParameterError(f"min_support must be a share in (0, 0.5); got {min_support!r}")
    if len(df) == 0:
        raise SchemaError("the customer table is empty")
    raw = np.column_stack([df[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in names])
    bad = np.isinf(raw).any(axis=0)
    if bad.any():
        raise SchemaError(
            f"features {[n for n, b in zip(names, bad, strict=True) if b]} hold infinities"
        )
    base = float(y.mean())
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(1, math.ceil(min_support * len(df))),
        random_state=seed,
    ).fit(raw, y)
    depth = _depths(tree)
    conditions: dict[str, None] = {}
    for d in range(1, max_depth + 1):

        def deep_enough(node: int, d: int = d) -> bool:
            return bool(depth[node] >= d)

        for _, when, _ in tree_paths(tree, raw, names, stop=deep_enough):
            if when != "true":
                conditions.setdefault(when)
    frame = df[names]
    rows = []
    for when in conditions:
        mask = evaluate_rule(when, frame).to_numpy(dtype=bool, na_value=False)
        n = int(mask.sum())
        if n == 0:
            continue
        hit = int(y[mask].sum())
        rate = hit / n
        lift = rate / base if base > 0 else math.nan
        rows.append((when, n, n / len(df), hit, rate, lift, _sentence(when, rate, lift, base)))
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.sort_values(["lift", "customers"], ascending=[False, False], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["churn_rate"] = base
    return out


def _sentence(when: str, rate: float, lift: float, base: float) -> str:
    return (
        f"customers with {when} churned at {lift:.1f}× the overall rate ({rate:.0%} vs {base:.0%})"
    )


def _depths(tree: Any) -> np.ndarray[Any, np.dtype[np.int64]]:
    t = tree.tree_
    depth = np.zeros(t.node_count, dtype=np.int64)
    for node in range(t.node_count):  # children always follow their parent
        for child in (t.children_left[node], t.children_right[node]):
            if child != -1:
                depth[child] = depth[node] + 1
    return depth


def _target(df: pd.DataFrame, churned: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if isinstance(churned, str):
        require_columns(df, [churned], "customer table")
        series = df[churned]
    elif isinstance(churned, pd.Series):
        series = churned if churned.index.equals(df.index) else churned.reindex(df.index)
    else:
        values = np.asarray(churned)
        if values.shape != (len(df),):
            raise SchemaError(f"churned has shape {values.shape} for {len(df)} customers")
        series = pd.Series(values, index=df.index)
    missing = series.isna().to_numpy()
    if missing.any():
        raise SchemaError(
            f"churned is missing for {int(missing.sum())} customer(s) of the table: "
            f"{show_values(df.index[missing])}; give a True/False for every customer"
        )
    if not pd.api.types.is_bool_dtype(series.dtype):
        seen = set(pd.unique(series.to_numpy()).tolist())
        if not seen <= {0, 1}:
            shown = show_values(sorted(seen, key=str))
            raise SchemaError(f"churned must be True/False (or 0/1); got values {shown}")
    return series.to_numpy(dtype=bool)


def _features(df: pd.DataFrame, features: list[str] | None, target: str | None) -> list[str]:
    if features is None:
        names = [
            str(c)
            for c in df.columns
            if c != target
            and pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)
        ]
        if not names:
            raise SchemaError("the customer table has no numeric columns to explain churn with")
        return names
    names = list(features)
    if not names:
        raise ParameterError("features must name at least one column")
    require_columns(df, names, "customer table")
    wrong = [
        c
        for c in names
        if not pd.api.types.is_numeric_dtype(df[c].dtype)
        or pd.api.types.is_bool_dtype(df[c].dtype)
    ]
    if wrong:
        raise SchemaError(
            f"features {wrong} are not numeric; churn_drivers splits numbers only (turn a "
            "category into indicator columns first, e.g. pd.get_dummies)"
        )
    return names
