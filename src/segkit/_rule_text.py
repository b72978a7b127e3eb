"""Printing decision-tree paths as conditions of the rule language.

Shared by the k-means rules (:mod:`segkit.cluster`) and the churn drivers
(:mod:`segkit.feedback`), so a rule printed by either pastes into a
:class:`~segkit.tagging.engine.TagEngine` and means the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Bounds", "condition_text", "readable_number", "significant", "tree_paths"]

#: Per feature position: the lower bound (exclusive) and the upper bound
#: (inclusive), each as ``(value, printed text)`` or None.
Bounds = dict[int, list[tuple[float, str] | None]]


def readable_number(lo: float, hi: float) -> str:
    """The shortest decimal ``d`` with ``lo <= d < hi``, printed for the rule language.

    ``lo`` is the largest training value sent left by a tree split and ``hi``
    the smallest sent right, so ``value <= d`` reproduces the split exactly on
    the training data. Between two whole numbers it is the lower one, so counts
    read as counts.

    Examples
    --------
    >>> readable_number(0.0, 1.0), readable_number(2.0, 5.0)
    ('0', '2')
    >>> readable_number(2.0, 3.0), readable_number(118.73, 121.9), readable_number(-0.5, -0.25)
    ('2', '120', '-0.4')
    >>> readable_number(1.0, 2.0), readable_number(35.37, 35.43)
    ('1', '35.4')
    """
    if lo == int(lo) and hi == int(hi) and abs(lo) < 2**53:
        return str(int(lo))  # whole numbers (counts): `orders <= 2`, `complaints_open > 0`
    mid = lo + (hi - lo) / 2.0
    for digits in range(1, 18):
        found = [
            text
            for text in (significant(v, digits) for v in (mid, lo, hi))
            if lo <= float(text) < hi
        ]
        if found:
            best = min(found, key=lambda text: abs(float(text) - mid))
            return "0" if best == "-0" else best
    return repr(float(lo))


def significant(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, positional, no trailing zeros.

    Examples
    --------
    >>> significant(123.456, 2), significant(0.5, 3)
    ('120', '0.5')
    """
    text = np.format_float_positional(value, precision=digits, unique=False, fractional=False)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def condition_text(bounds: Bounds, features: list[str]) -> str:
    """The rule-language condition of a box of ``bounds`` on ``features``.

    Examples
    --------
    >>> box = {0: [(1.0, "1"), None], 1: [None, (5.0, "5")]}
    >>> condition_text(box, ["orders", "open complaints"])
    'orders > 1 and `open complaints` <= 5'
    >>> condition_text({}, ["orders"])
    'true'
    """
    from segkit.tagging.ast import quote_name

    parts = []
    for j in sorted(bounds):
        low, high = bounds[j]
        name = quote_name(features[j])
        if low is not None:
            parts.append(f"{name} > {low[1]}")
        if high is not None:
            parts.append(f"{name} <= {high[1]}")
    return " and ".join(parts) if parts else "true"


def tree_paths(
    tree: Any,
    raw: np.ndarray[Any, np.dtype[np.float64]],
    features: list[str],
    stop: Callable[[int], bool] | None = None,
) -> list[tuple[int, str, np.ndarray[Any, np.dtype[np.intp]]]]:
    """``(node, condition, rows)`` for each node where the walk down a fitted tree stops.

    The walk stops at the leaves, or earlier at nodes where ``stop(node)`` is
    true. Thresholds are printed with :func:`readable_number` between the
    training values either side of each split, so the printed condition
    selects exactly ``rows`` of ``raw`` when ``raw`` has no missing values. With
    missing values (which the tree may send either way) the condition follows
    the rule language, where a comparison with a missing value is false, and a
    split of missing from present values adds no condition; evaluate the
    printed condition to count whom it selects.

    Parameters
    ----------
    tree : fitted sklearn DecisionTreeClassifier or DecisionTreeRegressor
    raw : ndarray of shape (n, len(features))
        The training matrix.
    features : list of str
        Column names, in the order of ``raw``'s columns.
    stop : callable, optional
        ``stop(node) -> bool``; default: only at leaves.
    """
    t = tree.tree_
    left, right, feature = t.children_left, t.children_right, t.feature
    path = tree.decision_path(raw).tocsc()

    def rows(node: int) -> Any:
        return path.indices[path.indptr[node] : path.indptr[node + 1]]

    out: list[tuple[int, str, Any]] = []

    def walk(node: int, bounds: Bounds) -> None:
        if left[node] == -1 or (stop is not None and stop(node)):
            out.append((node, condition_text(bounds, features), rows(node)))
            return
        j = int(feature[node])
        below = raw[rows(left[node]), j]
        above = raw[rows(right[node]), j]
        below, above = below[~np.isnan(below)], above[~np.isnan(above)]
        if below.size == 0 or above.size == 0:  # a split of missing from present values
            walk(int(left[node]), bounds)
            walk(int(right[node]), bounds)
            return
        text = readable_number(float(below.max()), float(above.min()))
        cut = (float(text), text)
        low, high = bounds.get(j, [None, None])
        left_bounds = {**bounds, j: [low, cut if high is None or cut[0] < high[0] else high]}
        right_bounds = {**bounds, j: [cut if low is None or cut[0] > low[0] else low, high]}
        walk(int(left[node]), left_bounds)
        walk(int(right[node]), right_bounds)

    walk(0, {})
    return out
