"""Clusters explained: a shallow decision tree read back as rules of the rule language."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from segkit._rule_text import tree_paths
from segkit.tagging.rules import Rule

__all__ = ["RULE_COLUMNS", "cluster_rules", "rule_labels", "rule_table"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
_IntArray = np.ndarray[Any, np.dtype[np.int64]]

#: the columns of ``KMeansSegmenter.rule_table_``
RULE_COLUMNS = ["cluster", "name", "when", "customers", "purity"]


def rule_table(
    raw: _FloatArray,
    labels: _IntArray,
    names: list[str],
    features: list[str],
    *,
    depth: int,
    seed: int,
) -> tuple[pd.DataFrame, DecisionTreeClassifier]:
    """One row per rule (:data:`RULE_COLUMNS`, sorted by cluster) and the tree they are read from.

    The tree is fitted to the cluster labels on the unscaled features, so its
    thresholds are in the original units.
    """
    tree = DecisionTreeClassifier(max_depth=depth, random_state=seed)
    tree.fit(raw, labels)
    leaves = sorted(_tree_conditions(tree, raw, labels, features), key=lambda r: r[0])
    table = pd.DataFrame(leaves, columns=["cluster", "when", "customers", "purity"])
    table.insert(1, "name", [names[c] for c in table["cluster"]])
    return table[RULE_COLUMNS], tree


def cluster_rules(
    table: pd.DataFrame, profiles: pd.DataFrame, names: list[str], group: str
) -> list[Rule]:
    """The rows of a rule table as tag rules in one exclusive ``group``."""
    rules = []
    n_clusters = len(names)
    for label, when, matched, purity in zip(
        table["cluster"].tolist(),
        table["when"].tolist(),
        table["customers"].tolist(),
        table["purity"].tolist(),
        strict=True,
    ):
        customers = int(profiles["customers"].iloc[label])
        share = float(profiles["share"].iloc[label])
        rules.append(
            Rule(
                names[label],
                when,
                group=group,
                description=(
                    f"k-means cluster {label} of {n_clusters} ({customers} customers, "
                    f"{share:.1%}); at fit this rule matched {matched} "
                    f"customers, {purity:.1%} of them in the cluster"
                ),
            )
        )
    return rules


def rule_labels(rules: list[Rule], names: list[str], df: pd.DataFrame) -> _IntArray:
    """The cluster each customer's matching rule names (-1 for none), run by the tag engine."""
    from segkit.tagging.engine import TagEngine

    out = np.full(len(df), -1, dtype=np.int64)
    if not rules:
        return out
    wide = TagEngine(rules).apply(df, output="wide")
    for label, name in enumerate(names):
        if name in wide.columns:
            out[wide[name].to_numpy(dtype=bool)] = label
    return out


def _tree_conditions(
    tree: DecisionTreeClassifier, raw: _FloatArray, labels: _IntArray, features: list[str]
) -> list[tuple[int, str, int, float]]:
    """``(cluster, condition, customers, purity)`` per leaf (same-cluster siblings merged)."""
    t = tree.tree_
    left, right = t.children_left, t.children_right
    predicted = tree.classes_[np.argmax(t.value[:, 0, :], axis=1)]
    uniform: dict[int, int | None] = {}

    def single_class(node: int) -> int | None:
        if left[node] == -1:
            result: int | None = int(predicted[node])
        else:
            a, b = single_class(left[node]), single_class(right[node])
            result = a if a is not None and a == b else None
        uniform[node] = result
        return result

    single_class(0)
    out: list[tuple[int, str, int, float]] = []
    for node, condition, rows in tree_paths(
        tree, raw, features, stop=lambda node: uniform[node] is not None
    ):
        cluster = uniform[node]
        assert cluster is not None
        matched = labels[rows]
        purity = float(np.mean(matched == cluster)) if matched.size else float("nan")
        out.append((cluster, condition, int(matched.size), purity))
    return out
