"""Readable names for k-means clusters, from how each differs from the population."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["NAME_THRESHOLD", "NAME_WORDS", "VERY_THRESHOLD", "cluster_name", "unique_names"]

#: |z| (difference of a cluster's mean from the population mean, in population
#: standard deviations of the scaled feature) from which a feature enters a name,
#: and from which it is "very".
NAME_THRESHOLD = 0.3
VERY_THRESHOLD = 1.0
#: At most this many features in a cluster name.
NAME_WORDS = 3

_RECENCY = re.compile(r"recency|days_since|since_last", re.IGNORECASE)
_FREQUENCY = frozenset({"orders", "frequency", "x", "n_orders", "purchases", "transactions"})
_TENURE = frozenset({"tenure_days", "tenure", "age_days", "T"})


def feature_word(feature: str, z: float) -> str:
    """The words for a cluster whose ``feature`` is ``z`` standard deviations from the mean.

    Examples
    --------
    >>> feature_word("recency_days", -1.2), feature_word("revenue", 0.5)
    ('very recent', 'high revenue')
    """
    high, very = z > 0, abs(z) >= VERY_THRESHOLD
    if _RECENCY.search(feature):
        return (
            ("long lapsed" if very else "lapsed")
            if high
            else (("very " if very else "") + "recent")
        )
    if feature in _FREQUENCY:
        word = "frequent" if high else "infrequent"
    elif feature in _TENURE:
        word = "long-standing" if high else "new"
    else:
        word = f"{'high' if high else 'low'} {feature.replace('_', ' ')}"
    return f"very {word}" if very else word


def cluster_name(z: np.ndarray[Any, np.dtype[np.float64]], features: list[str]) -> str:
    """The strongest differences first, at most :data:`NAME_WORDS`; ``"typical"`` if none."""
    strong = [j for j in np.argsort(-np.abs(z), kind="stable") if abs(z[j]) >= NAME_THRESHOLD]
    words = [feature_word(features[j], float(z[j])) for j in strong[:NAME_WORDS]]
    return " · ".join(words) if words else "typical"


def unique_names(names: Iterable[str]) -> list[str]:
    """``names`` with repeats numbered (``"typical #2"``)."""
    out: list[str] = []
    for name in names:
        candidate, number = name, 1
        while candidate in out:
            number += 1
            candidate = f"{name} #{number}"
        out.append(candidate)
    return out
