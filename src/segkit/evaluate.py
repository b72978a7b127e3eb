"""Tools to evaluate a segmentation: who is in it, who moves, who holds the value.

* :func:`segment_summary` — size, share, value share and medians per segment.
* :func:`migration` — how customers moved between segments from one date to
  another, and the stability rate; for RFM segments, tags and lifecycle states.
* :func:`concentration` — the Lorenz curve, Gini coefficient and top shares.
* :func:`holdout_report` — predicted vs actual holdout purchases of a CLV model.
* :func:`recommendation_report` — precision@k, recall@k, hit rate and catalogue
  coverage of recommendations on a holdout, beside the popularity baseline
  (implemented in :mod:`segkit.affinity`).

Each result with a picture has a ``plot`` method (needs the ``plot`` extra,
matplotlib). See ``docs/evaluation.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import numeric_column, require_columns, require_frame, show_values
from segkit.affinity.evaluation import RecommendationReport, recommendation_report
from segkit.cohorts import CohortTable, cohort_retention, mix_over_time, purchase_intervals
from segkit.errors import ParameterError, SchemaError, SegkitError

__all__ = [
    "CohortTable",
    "Concentration",
    "HoldoutReport",
    "Migration",
    "RecommendationReport",
    "cohort_retention",
    "concentration",
    "holdout_report",
    "migration",
    "mix_over_time",
    "purchase_intervals",
    "recommendation_report",
    "segment_summary",
]

#: Label of customers who have no segment (a missing value, or no tag).
NONE = "(none)"
#: Row of :attr:`Migration.counts` for customers present only in ``after``.
NEW = "(new)"
#: Column of :attr:`Migration.counts` for customers present only in ``before``.
GONE = "(gone)"

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]


# --------------------------------------------------------------------------- #
# Segment labels
# --------------------------------------------------------------------------- #
def _labels(data: Any, what: str) -> pd.Series:
    """One label per customer from a Series, a one-column frame or exclusive tag columns."""
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 1:
            data = data.iloc[:, 0]
        elif all(pd.api.types.is_bool_dtype(t) for t in data.dtypes):
            matrix = data.to_numpy(dtype=bool, na_value=False)
            several = matrix.sum(axis=1) > 1
            if several.any():
                raise SchemaError(
                    f"{what}: {int(several.sum())} customer(s) have more than one tag (e.g. "
                    f"{data.index[several].tolist()[0]!r}); migration needs one segment per "
                    "customer: pass the tags of one exclusive group"
                )
            names = np.asarray([str(c) for c in data.columns] + [NONE], dtype=object)
            picked = np.where(matrix.any(axis=1), matrix.argmax(axis=1), len(data.columns))
            data = pd.Series(
                pd.Categorical(names[picked], categories=list(names)), index=data.index
            )
        else:
            raise SchemaError(
                f"{what} must be a Series of segments (or boolean tag columns of one exclusive "
                f"group); got a DataFrame with columns {[str(c) for c in data.columns]}"
            )
    if not isinstance(data, pd.Series):
        raise SchemaError(
            f"{what} must be a pandas Series of segments indexed by customer; "
            f"got {type(data).__name__}"
        )
    if data.index.has_duplicates:
        dup = data.index[data.index.duplicated()].unique()
        raise SchemaError(
            f"{what} has duplicated customer ids in its index: {show_values(dup)}; "
            "pass one segment per customer"
        )
    if data.dtype == object:
        lists = data.map(lambda v: isinstance(v, list | tuple | set | frozenset))
        if lists.any():
            sizes = data[lists].map(len)
            if (sizes > 1).any():
                first = sizes[sizes > 1].index.tolist()[0]
                raise SchemaError(
                    f"{what}: customer {first!r} has several tags "
                    f"{sorted(map(str, data[first]))}; migration needs one "
                    "segment per customer: pass the tags of one exclusive group"
                )
            data = data.map(
                lambda v: (
                    (next(iter(v)) if v else None)
                    if isinstance(v, list | tuple | set | frozenset)
                    else v
                )
            )
    out: pd.Series = data
    return out


def _categories(*series: pd.Series) -> list[Any]:
    """Segment order: categorical order when given, else sorted (numbers numerically)."""
    ordered: list[Any] = []
    plain: list[Any] = []
    for s in series:
        if isinstance(s.dtype, pd.CategoricalDtype):
            ordered.extend(c for c in s.cat.categories if c not in ordered)
        else:
            plain.extend(s.dropna().unique().tolist())
    rest = [v for v in dict.fromkeys(plain) if v not in ordered]
    try:
        rest = sorted(rest)
    except TypeError:
        rest = sorted(rest, key=str)
    out = ordered + rest
    has_none = any(s.isna().any() for s in series)
    if has_none and NONE not in out:
        out.append(NONE)
    return out


def _codes(s: pd.Series, categories: list[Any]) -> np.ndarray[Any, np.dtype[np.intp]]:
    values = s.astype(object).where(s.notna(), NONE)
    codes = pd.Index(categories).get_indexer(pd.Index(values))
    return np.asarray(codes, dtype=np.intp)


# --------------------------------------------------------------------------- #
# segment_summary
# --------------------------------------------------------------------------- #
def segment_summary(
    table: Any,
    by: str | pd.Series,
    value: str | None = "revenue",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Size, share, value share and medians per segment.

    Parameters
    ----------
    table : DataFrame
        The customer table, one row per customer; it is not modified.
    by : str or Series
        A column of ``table`` holding each customer's segment, or a Series of
        segments aligned on ``table``'s index (e.g. ``seg.predict(table)``).
        Customers without a segment are counted under ``"(none)"``.
    value : str or None, default "revenue"
        Numeric column whose total and share each segment holds.
    columns : sequence of str, optional
        Numeric columns whose median to show per segment; default ``[value]``.

    Returns
    -------
    DataFrame
        Indexed by segment (categorical order, else largest first), with
        ``customers``, ``share``, ``<value>_total``, ``<value>_share`` and
        ``<column>_median`` for each column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["a", "b", "a", "a"], "revenue": [10.0, 50.0, 20.0, 20.0]})
    >>> segment_summary(t, "segment")
             customers  share  revenue_total  revenue_share  revenue_median
    segment
    a                3   0.75           50.0            0.5            20.0
    b                1   0.25           50.0            0.5            50.0
    """
    df = require_frame(table, "customer table")
    if isinstance(by, str):
        require_columns(df, [by], "customer table")
        segments = df[by]
        name = by
    elif isinstance(by, pd.Series):
        if by.index.has_duplicates:
            raise SchemaError("the 'by' Series has duplicated customer ids in its index")
        missing = df.index.difference(by.index)
        if len(missing) == len(df) and len(df):
            raise SchemaError(
                "the 'by' Series shares no customer id with the table's index; align them "
                f"first (table index starts {show_values(df.index)}, by index starts "
                f"{show_values(by.index)})"
            )
        segments = by.reindex(df.index)
        name = str(by.name) if by.name is not None else "segment"
    else:
        raise ParameterError(
            f"'by' must be a column name or a Series of segments; got {type(by).__name__}"
        )
    segments = _labels(segments, "the segments")
    if columns is None:
        columns = [] if value is None else [value]
    elif isinstance(columns, str):
        columns = [columns]
    wanted = ([value] if value is not None else []) + list(columns)
    require_columns(df, wanted, "customer table")
    data = {c: numeric_column(df, c, "customer table", allow_nan=True) for c in wanted}
    categories = _categories(segments)
    codes = _codes(segments, categories)
    k = len(categories)
    counts = np.bincount(codes, minlength=k)
    out = pd.DataFrame(
        {"customers": counts, "share": counts / max(len(df), 1)},
        index=pd.Index(categories, name=name),
    )
    if value is not None:
        v = data[value]
        totals = np.bincount(codes, weights=np.nan_to_num(v), minlength=k)
        out[f"{value}_total"] = totals
        grand = totals.sum()
        out[f"{value}_share"] = totals / grand if grand else np.nan
    if columns:
        frame = pd.DataFrame({c: data[c] for c in columns})
        medians = frame.groupby(codes).median()
        for c in columns:
            out[f"{c}_median"] = medians[c].reindex(range(k)).to_numpy()
    if not isinstance(segments.dtype, pd.CategoricalDtype):
        out = out.sort_values("customers", ascending=False, kind="stable")
    return out


# --------------------------------------------------------------------------- #
# migration
# --------------------------------------------------------------------------- #
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
    b = _labels(before, "before")
    a = _labels(after, "after")
    categories = _categories(b, a)
    common = b.index.intersection(a.index, sort=False)
    only_before = b.index.difference(a.index, sort=False)
    only_after = a.index.difference(b.index, sort=False)
    k = len(categories)
    new_row = np.full(len(only_after), k, dtype=np.intp)
    gone_col = np.full(len(only_before), k, dtype=np.intp)
    rows = np.concatenate(
        [_codes(b.loc[common], categories), _codes(b.loc[only_before], categories), new_row]
    )
    cols = np.concatenate(
        [_codes(a.loc[common], categories), gone_col, _codes(a.loc[only_after], categories)]
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


# --------------------------------------------------------------------------- #
# concentration
# --------------------------------------------------------------------------- #
@attrs.frozen(eq=False)
class Concentration:
    """How unevenly a value (revenue, CLV) is spread over customers.

    Attributes
    ----------
    gini : float
        Gini coefficient, population formula (see :func:`concentration`).
    top_shares : Series
        Share of the total held by the top 1, 5, 10 and 20 % of customers.
    lorenz : DataFrame
        ``population_share`` and ``value_share``: points of the Lorenz curve.
    n : int
        Number of customers.
    total : float
        Sum of the values.
    """

    gini: float
    top_shares: pd.Series
    lorenz: pd.DataFrame
    n: int
    total: float

    def plot(self, ax: Any = None) -> Any:
        """Lorenz curve with the line of equality; returns the Axes."""
        from segkit.plotting import plot_lorenz

        return plot_lorenz(self, ax=ax)


def concentration(
    values: Any, *, points: int | None = 101, top: Sequence[float] = (0.01, 0.05, 0.1, 0.2)
) -> Concentration:
    """Lorenz curve, Gini coefficient and top shares of a non-negative value.

    Parameters
    ----------
    values : array-like or Series
        One non-negative number per customer (revenue, CLV, ...), with a
        positive sum; missing or infinite values are refused.
    points : int or None, default 101
        Number of evenly spaced population shares at which the Lorenz curve is
        returned (exact: the curve is linear between customers); None returns
        all ``n + 1`` corners.
    top : sequence of float, default (0.01, 0.05, 0.1, 0.2)
        Population shares for ``top_shares``.

    Returns
    -------
    Concentration

    Notes
    -----
    With the values sorted increasingly, :math:`x_{(1)} \\le \\dots \\le x_{(n)}`,
    the Lorenz curve joins the points :math:`(i/n, \\sum_{j \\le i} x_{(j)} / \\sum x)`
    by straight lines, and the Gini coefficient is the population (not the
    sample-corrected) one,

    .. math:: G = \\frac{\\sum_i \\sum_j |x_i - x_j|}{2 n^2 \\bar x}
              = \\frac{2 \\sum_i i\\, x_{(i)}}{n \\sum_i x_i} - \\frac{n + 1}{n},

    which is twice the area between the line of equality and the Lorenz
    curve, 0 when everyone holds the same and :math:`1 - 1/n` when one
    customer holds everything. The top share of a fraction ``p`` is
    :math:`1 - L(1 - p)`, read on the same piecewise-linear curve, so it
    counts fractions of a customer when ``p·n`` is not whole.

    Examples
    --------
    >>> c = concentration([0, 0, 0, 1])
    >>> c.gini
    0.75
    >>> c.top_shares.round(3).to_dict()
    {'top 1%': 0.04, 'top 5%': 0.2, 'top 10%': 0.4, 'top 20%': 0.8}
    >>> concentration([5, 5, 5]).gini
    0.0
    """
    if isinstance(values, pd.DataFrame):
        raise SchemaError("concentration takes one column of values, e.g. table['revenue']")
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if series.ndim != 1:
        raise SchemaError("concentration takes a one-dimensional array of values")
    name = str(series.name) if series.name is not None else "values"
    x = numeric_column(series.to_frame(name), name, "values", allow_negative=False)
    n = x.size
    if n == 0:
        raise SchemaError("concentration needs at least one value; got none")
    total = float(x.sum())
    if total <= 0:
        raise SchemaError(
            f"the values sum to {total}: the shares of a zero total are undefined "
            "(every value is 0)"
        )
    if points is not None and not (isinstance(points, int) and points >= 2):
        raise ParameterError(f"'points' must be an int >= 2 or None; got {points!r}")
    shares = np.asarray(top, dtype=np.float64)
    if shares.ndim != 1 or not np.all((shares > 0) & (shares <= 1)):
        raise ParameterError(f"'top' must be population shares in (0, 1]; got {top!r}")
    ordered = np.sort(x)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    gini = float(2.0 * np.dot(ranks, ordered) / (n * total) - (n + 1) / n)
    gini = min(max(gini, 0.0), 1.0)  # rounding can push equal values to -1e-17
    pop = np.arange(n + 1, dtype=np.float64) / n
    cum = np.concatenate([[0.0], np.cumsum(ordered)]) / total
    cum[-1] = 1.0
    if points is None:
        grid, curve = pop, cum
    else:
        grid = np.linspace(0.0, 1.0, points)
        curve = np.interp(grid, pop, cum)
    lorenz = pd.DataFrame({"population_share": grid, "value_share": curve})
    top_values = 1.0 - np.interp(1.0 - shares, pop, cum)
    top_shares = pd.Series(
        top_values, index=[f"top {p * 100:g}%" for p in shares], name="value_share"
    )
    return Concentration(gini=gini, top_shares=top_shares, lorenz=lorenz, n=n, total=total)


# --------------------------------------------------------------------------- #
# holdout_report
# --------------------------------------------------------------------------- #
@attrs.frozen(eq=False)
class HoldoutReport:
    """Predicted vs actual purchases in a holdout period.

    Attributes
    ----------
    by_frequency : DataFrame
        By calibration frequency (``"0"``, ``"1"``, ..., ``"7+"``):
        ``customers``, mean ``actual`` and ``predicted`` purchases per
        customer, their totals ``actual_total`` and ``predicted_total``, and
        ``error`` (``predicted - actual``, per customer).
    predictions : DataFrame
        Per customer: ``x``, ``actual``, ``predicted``.
    mae, rmse : float
        Mean absolute and root mean squared error per customer.
    actual_total, predicted_total : float
        Holdout purchases of all customers, observed and predicted.
    aggregate_error : float
        ``(predicted_total - actual_total) / actual_total``.
    """

    by_frequency: pd.DataFrame
    predictions: pd.DataFrame
    mae: float
    rmse: float
    actual_total: float
    predicted_total: float
    aggregate_error: float

    def summary(self) -> pd.Series:
        """The headline numbers as a Series."""
        return pd.Series(
            {
                "customers": float(len(self.predictions)),
                "actual_total": self.actual_total,
                "predicted_total": self.predicted_total,
                "aggregate_error": self.aggregate_error,
                "mae": self.mae,
                "rmse": self.rmse,
            },
            name="holdout",
        )

    def plot(self, ax: Any = None) -> Any:
        """Mean actual vs predicted holdout purchases by calibration frequency."""
        from segkit.plotting import plot_holdout

        return plot_holdout(self, ax=ax)


def holdout_report(
    model: Any,
    frame: Any,
    *,
    x: str = "x",
    actual: str = "x_holdout",
    duration: str | float = "duration_holdout",
    max_x: int = 7,
) -> HoldoutReport:
    """Compare a purchase model's predictions with the holdout purchases.

    Parameters
    ----------
    model : fitted purchase model
        Any object with ``expected_purchases(t, data)`` returning one
        expected count per row of ``data`` (every :mod:`segkit.clv` purchase
        model, fitted on the calibration columns of ``frame``). Nothing else
        of the model is used.
    frame : DataFrame
        Output of :func:`segkit.calibration_holdout`: the calibration
        summary plus the holdout columns; it is not modified.
    x : str, default "x"
        Calibration repeat purchases, used for the frequency bins.
    actual : str, default "x_holdout"
        Purchases observed in the holdout.
    duration : str or float, default "duration_holdout"
        Length of the holdout in the model's time unit: a column (constant,
        or one length per customer if the model accepts an array) or a number.
    max_x : int, default 7
        Customers with ``x >= max_x`` share the last bin, ``"7+"``.

    Returns
    -------
    HoldoutReport

    Examples
    --------
    >>> import pandas as pd
    >>> class Flat:  # predicts 0.1 purchases per week for everyone
    ...     def expected_purchases(self, t, data):
    ...         return pd.Series(0.1 * t, index=data.index)
    >>> frame = pd.DataFrame({"x": [0, 1, 9], "x_holdout": [0, 2, 5],
    ...                       "duration_holdout": [10.0, 10.0, 10.0]})
    >>> report = holdout_report(Flat(), frame)
    >>> report.by_frequency[["customers", "actual", "predicted"]]
        customers  actual  predicted
    x
    0           1     0.0        1.0
    1           1     2.0        1.0
    2           0     NaN        NaN
    3           0     NaN        NaN
    4           0     NaN        NaN
    5           0     NaN        NaN
    6           0     NaN        NaN
    7+          1     5.0        1.0
    >>> report.mae, report.aggregate_error
    (2.0, -0.5714285714285714)
    """
    df = require_frame(frame, "calibration/holdout frame")
    if not callable(getattr(model, "expected_purchases", None)):
        raise ParameterError(
            f"model must have an expected_purchases(t, data) method (a fitted segkit.clv "
            f"purchase model such as BetaGeo); got {type(model).__name__}"
        )
    if isinstance(max_x, bool) or not isinstance(max_x, int) or max_x < 1:
        raise ParameterError(f"'max_x' must be an int >= 1; got {max_x!r}")
    needed = [x, actual] + ([duration] if isinstance(duration, str) else [])
    require_columns(df, needed, "calibration/holdout frame")
    if len(df) == 0:
        raise SchemaError("the calibration/holdout frame has no customers")
    freq = numeric_column(df, x, "calibration/holdout frame", allow_negative=False)
    observed = numeric_column(df, actual, "calibration/holdout frame", allow_negative=False)
    if isinstance(duration, str):
        lengths = numeric_column(df, duration, "calibration/holdout frame", allow_negative=False)
        t: float | _FloatArray = float(lengths[0]) if np.all(lengths == lengths[0]) else lengths
    else:
        t = float(duration)
        if not np.isfinite(t) or t < 0:
            raise ParameterError(f"'duration' must be a finite number >= 0; got {duration!r}")
    raw = model.expected_purchases(t, df)
    if isinstance(raw, pd.DataFrame):
        raise SchemaError(
            "expected_purchases returned a DataFrame; call holdout_report with a model that "
            "returns one number per customer (no bootstrap interval)"
        )
    if isinstance(raw, pd.Series):
        if not raw.index.equals(df.index):
            raise SchemaError(
                "expected_purchases returned a Series whose index differs from the frame's"
            )
        raw = raw.to_numpy()
    predicted = np.asarray(raw, dtype=np.float64).reshape(-1)
    if predicted.size != len(df):
        raise SchemaError(
            f"expected_purchases returned {predicted.size} values for {len(df)} customers"
        )
    if not np.all(np.isfinite(predicted)):
        bad = np.flatnonzero(~np.isfinite(predicted))
        raise SegkitError(
            f"the model predicted {bad.size} missing or infinite value(s), e.g. for customer "
            f"{df.index[bad].tolist()[0]!r}"
        )
    bins = np.minimum(np.floor(freq), max_x).astype(np.intp)
    labels = [str(i) for i in range(max_x)] + [f"{max_x}+"]
    k = max_x + 1
    counts = np.bincount(bins, minlength=k)
    actual_total = np.bincount(bins, weights=observed, minlength=k)
    predicted_total = np.bincount(bins, weights=predicted, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual_mean = np.where(counts > 0, actual_total / counts, np.nan)
        predicted_mean = np.where(counts > 0, predicted_total / counts, np.nan)
    by_frequency = pd.DataFrame(
        {
            "customers": counts,
            "actual": actual_mean,
            "predicted": predicted_mean,
            "actual_total": actual_total,
            "predicted_total": predicted_total,
            "error": predicted_mean - actual_mean,
        },
        index=pd.Index(labels, name="x"),
    )
    residual = predicted - observed
    total_actual = float(observed.sum())
    total_predicted = float(predicted.sum())
    return HoldoutReport(
        by_frequency=by_frequency,
        predictions=pd.DataFrame(
            {"x": freq, "actual": observed, "predicted": predicted}, index=df.index
        ),
        mae=float(np.mean(np.abs(residual))),
        rmse=float(np.sqrt(np.mean(residual**2))),
        actual_total=total_actual,
        predicted_total=total_predicted,
        aggregate_error=(
            (total_predicted - total_actual) / total_actual if total_actual else float("nan")
        ),
    )
