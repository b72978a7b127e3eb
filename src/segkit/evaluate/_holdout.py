"""Predicted vs actual holdout purchases of a CLV model."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import numeric_column, require_columns, require_frame
from segkit.errors import ParameterError, SchemaError, SegkitError

__all__ = ["HoldoutReport", "holdout_report"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]


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
        Any object with ``expected_purchases(data, t)`` (called with
        keywords) returning one expected count per row of ``data`` (every
        :mod:`segkit.clv` purchase model, fitted on the calibration columns
        of ``frame``). Nothing else of the model is used.
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
    ...     def expected_purchases(self, data, t):
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
            f"model must have an expected_purchases(data, t) method (a fitted segkit.clv "
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
    raw = model.expected_purchases(data=df, t=t)
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
