"""How customers moved between segments from one date to another."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit.evaluate._labels import GONE, NEW, segment_codes, segment_labels, segment_order

__all__ = ["Migration", "migration"]


@attrs.frozen(eq=False)
class Migration:
    """How customers moved between segments from ``before`` to ``after``.

    Attributes
    ----------
    counts : DataFrame
        Customers by segment before (rows, plus ``"(new)"`` for customers only
        in ``after``) and after (columns, plus ``"(gone)"`` for customers only
        in ``before``).
    stability : float
        Share of the customers present at both dates who kept their segment
        (NaN when nobody is present at both).
    n_stayed, n_moved, n_new, n_gone : int
        Customers at both dates who kept / changed segment; customers only
        in ``after`` / only in ``before``.
    """

    counts: pd.DataFrame
    stability: float
    n_stayed: int
    n_moved: int
    n_new: int
    n_gone: int

    @property
    def rates(self) -> pd.DataFrame:
        """``counts`` divided by its row sums: where each segment's customers went."""
        totals = self.counts.sum(axis=1)
        return self.counts.div(totals.where(totals > 0), axis=0)

    @property
    def segment_stability(self) -> pd.Series:
        """Per segment before: share of its (still present) customers who kept it."""
        both = self.counts.drop(index=NEW, columns=GONE)
        same = pd.Series(
            [both.loc[s, s] if s in both.columns else 0 for s in both.index],
            index=both.index,
            dtype=np.float64,
        )
        present = both.sum(axis=1)
        return (same / present.where(present > 0)).rename("stability")

    def plot(self, ax: Any = None, *, normalize: bool = True) -> Any:
        """Heatmap of the migration table (row shares with ``normalize``); returns the Axes."""
        from segkit.plotting import plot_migration

        return plot_migration(self, ax=ax, normalize=normalize)


def migration(before: Any, after: Any) -> Migration:
    """Cross-tabulate customers' segments at two dates.

    Parameters
    ----------
    before, after : Series
        Segment of each customer (indexed by customer id) at the earlier and
        the later date: RFM segments, lifecycle states, cluster labels, or
        tags of one exclusive group (a Series of tag lists, or the boolean
        tag columns of ``TagEngine.apply``). A missing value, or no tag, is
        the segment ``"(none)"``. Customers are matched by id, not position.

    Returns
    -------
    Migration
        ``counts`` with ``"(new)"``/``"(gone)"`` for customers present at one
        date only, the ``stability`` rate and the counts of customers who
        stayed, moved, arrived and left.

    Examples
    --------
    >>> import pandas as pd
    >>> q1 = pd.Series({"ann": "active", "bob": "active", "cy": "lapsed"})
    >>> q2 = pd.Series({"ann": "active", "bob": "lapsed", "dee": "active"})
    >>> m = migration(q1, q2)
    >>> m.counts
    after   active  lapsed  (gone)
    before
    active       1       1       0
    lapsed       0       0       1
    (new)        1       0       0
    >>> m.stability, m.n_new, m.n_gone
    (0.5, 1, 1)
    """
    b = segment_labels(before, "before")
    a = segment_labels(after, "after")
    categories = segment_order(b, a)
    common = b.index.intersection(a.index, sort=False)
    only_before = b.index.difference(a.index, sort=False)
    only_after = a.index.difference(b.index, sort=False)
    k = len(categories)
    new_row = np.full(len(only_after), k, dtype=np.intp)
    gone_col = np.full(len(only_before), k, dtype=np.intp)
    rows = np.concatenate(
        [
            segment_codes(b.loc[common], categories),
            segment_codes(b.loc[only_before], categories),
            new_row,
        ]
    )
    cols = np.concatenate(
        [
            segment_codes(a.loc[common], categories),
            gone_col,
            segment_codes(a.loc[only_after], categories),
        ]
    )
    table = np.bincount(rows * (k + 1) + cols, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    labels = [*categories]
    counts = pd.DataFrame(
        table,
        index=pd.Index([*labels, NEW], name="before"),
        columns=pd.Index([*labels, GONE], name="after"),
    )
    n_both = len(common)
    n_stayed = int(np.trace(table[:k, :k]))
    return Migration(
        counts=counts,
        stability=n_stayed / n_both if n_both else float("nan"),
        n_stayed=n_stayed,
        n_moved=n_both - n_stayed,
        n_new=len(only_after),
        n_gone=len(only_before),
    )
