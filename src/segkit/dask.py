"""Run segkit on Dask DataFrames: fit reduces, transform maps.

Every segkit computation is either a *map* (a function of one customer's rows
or one customer's summary row) or a *fit* that needs the whole population
(the RFM quantile edges, the CLV model parameters). On Dask:

* maps run partition by partition with ``map_partitions``; a computation that
  reads several rows per customer (:func:`summarize_dask`,
  :func:`lifecycle_replay`) first moves every customer's rows into one
  partition with :func:`partition_by_customer` (a hash shuffle on the customer
  column that keeps the rows' input order);
* fits are reductions to a small object that is computed once on the client:
  the distinct values and their counts per RFM dimension (exact, so the bin
  edges equal the pandas edges), and the counts of identical ``(x, t_x, T)``
  rows for the CLV models (whose number does not grow with the customer base).

Results equal the pandas path exactly: ``summarize_dask(ddf, ...).compute()``
equals ``summarize(ddf.compute(), ...)`` once sorted by customer id.

Dask is an optional dependency (``pip install "segkit-crm[dask]"``); it is
imported only inside these functions, and the rest of segkit recognises a
Dask input without importing it (:func:`is_dask_collection`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from segkit._validation import (
    is_dask_collection,
    numeric_column,
    require_columns,
    require_frame,
)
from segkit.errors import ParameterError, SchemaError, SegkitError

__all__ = [
    "calibration_holdout_dask",
    "clv_counts",
    "clv_fit",
    "clv_predict",
    "is_dask_collection",
    "lifecycle_replay",
    "lifetime_value_dask",
    "map_customers",
    "partition_by_customer",
    "rfm_fit",
    "rfm_transform",
    "scorer_fit",
    "scorer_transform",
    "summarize_dask",
    "tags_apply",
]

_ROW = "__segkit_row__"
_WEIGHT = "__segkit_weight__"
_FIRST = "__segkit_first__"
_PARTITION_SHIFT = 40  # row keys: partition number << 40 | position in the partition
_RETURNS_ONLY = r".* customer\(s\) have only returns"

Frame = Any  # a dask DataFrame; dask is optional, so it is not imported for the annotation


# --------------------------------------------------------------------------- #
# Recognising and partitioning Dask input
# --------------------------------------------------------------------------- #
def _require_dask(data: Any, what: str) -> None:
    if not is_dask_collection(data) or not hasattr(data, "columns"):
        raise SchemaError(f"{what} must be a Dask DataFrame; got {type(data).__name__}")


def _check_meta(ddf: Frame, columns: Sequence[str], what: str) -> pd.DataFrame:
    """Check names on the empty ``_meta`` frame: errors are raised before any work."""
    meta = require_frame(ddf._meta, what)
    require_columns(meta, columns, what)
    return meta


def _add_row_key(part: pd.DataFrame, partition_info: Mapping[str, Any] | None = None) -> Any:
    number = 0 if partition_info is None else int(partition_info["number"])
    key = np.arange(len(part), dtype=np.int64) + (number << _PARTITION_SHIFT)
    return part.assign(**{_ROW: key})


def _restore_order(part: pd.DataFrame) -> pd.DataFrame:
    # The shuffle delivers runs of increasing keys, one per input partition: a stable
    # argsort (timsort-like on runs) is several times faster here than sort_values.
    order = np.argsort(part[_ROW].to_numpy(), kind="stable")
    return part.drop(columns=_ROW).take(order)


def partition_by_customer(transactions: Frame, customer: str) -> Frame:
    """Move every customer's rows into one partition, keeping their input order.

    A hash shuffle on the customer column. The rows of a customer keep the
    order they had in the input, so that sums over them are added up in the
    same order as on pandas and give bit-identical floats.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
    customer : str
        The customer id column.

    Returns
    -------
    dask.dataframe.DataFrame
        The same rows and columns; partitions hold whole customers.
    """
    _require_dask(transactions, "transactions")
    meta = _check_meta(transactions, [customer], "transactions")
    if _ROW in meta.columns:
        raise ParameterError(f"the column name {_ROW!r} is reserved by segkit.dask")
    keyed = transactions.map_partitions(
        _add_row_key, meta=meta.assign(**{_ROW: np.zeros(0, dtype=np.int64)})
    )
    shuffled = keyed.shuffle(on=customer)
    return shuffled.map_partitions(_restore_order, meta=meta)


def _empty_or(part: pd.DataFrame, func: Callable[[pd.DataFrame], Any], empty: Any) -> Any:
    """``func(part)``, or the empty result for an empty partition (segkit rejects empty input)."""
    if len(part) == 0:
        return empty
    return func(part)


def _meta_of(func: Callable[[pd.DataFrame], Any], ddf: Frame, fallback: Any = None) -> Any:
    """The empty result of ``func``: from the empty frame, else from one fake row."""
    try:
        return func(ddf._meta)
    except (ValueError, IndexError):  # SegkitError is a ValueError: "the data is empty"
        pass
    try:
        return func(ddf._meta_nonempty.iloc[:1]).iloc[:0]
    except (ValueError, IndexError):
        if fallback is None:
            raise
        return fallback


def map_customers(
    func: Callable[..., Any], table: Frame, *args: Any, meta: Any = None, **kwargs: Any
) -> Frame:
    """Apply a per-customer function ``func(partition, *args, **kwargs)`` to every partition.

    For functions of a customer table whose result for one customer depends
    only on that customer's row (scores, tags, predictions). Empty partitions
    give an empty result without calling ``func``.

    Parameters
    ----------
    func : callable
        Takes a pandas DataFrame first and returns a DataFrame or Series
        aligned on it.
    table : dask.dataframe.DataFrame
    *args, **kwargs
        Passed on to ``func``.
    meta : DataFrame or Series, optional
        The empty result (names and dtypes). By default ``func`` is called on
        the table's empty frame.

    Returns
    -------
    dask.dataframe.DataFrame or Series
    """
    _require_dask(table, "table")
    bound = partial(_call_first, func, args, kwargs)
    if meta is None:
        meta = _meta_of(bound, table)
    return table.map_partitions(_empty_or, bound, meta, meta=meta)


def _call_first(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], part: Any
) -> Any:
    return func(part, *args, **kwargs)


# --------------------------------------------------------------------------- #
# summarize and calibration_holdout: a shuffle, then a map
# --------------------------------------------------------------------------- #
_EXTREMES_META = {
    "first": np.zeros(0, dtype=np.int64),
    "last": np.zeros(0, dtype=np.int64),
    "first_stamp": np.zeros(0, dtype=object),
    "last_stamp": np.zeros(0, dtype=object),
}


def _extremes(part: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    from segkit.features import TransactionColumns

    if len(part) == 0:
        return pd.DataFrame(_EXTREMES_META)
    cols = TransactionColumns.read(part, **columns)
    first, last = int(cols.wall.min()), int(cols.wall.max())
    stamps = [pd.Timestamp(first, unit="ns"), pd.Timestamp(last, unit="ns")]
    if cols.tz is not None:
        stamps = [stamp.tz_localize(cols.tz) for stamp in stamps]
    return pd.DataFrame(
        {
            "first": [first],
            "last": [last],
            "first_stamp": np.asarray(stamps[:1], dtype=object),
            "last_stamp": np.asarray(stamps[1:], dtype=object),
        }
    )


def _resolve_extremes(
    transactions: Frame, columns: dict[str, Any]
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The earliest and latest timestamps on the wall clock (one reduction)."""
    found = transactions.map_partitions(
        _extremes, columns, meta=pd.DataFrame(_EXTREMES_META)
    ).compute()
    if len(found) == 0:
        raise SchemaError("the transactions are empty")
    first = found["first_stamp"].iloc[int(np.argmin(found["first"].to_numpy()))]
    last = found["last_stamp"].iloc[int(np.argmax(found["last"].to_numpy()))]
    return first, last


def _resolve_latest(transactions: Frame, columns: dict[str, Any]) -> pd.Timestamp:
    """The latest timestamp (wall clock, like the pandas default ``as_of``)."""
    return _resolve_extremes(transactions, columns)[1]


def _summarize_part(
    part: pd.DataFrame,
    columns: dict[str, Any],
    as_of: pd.Timestamp,
    unit_days: float,
    windows: tuple[int, ...],
    meta: pd.DataFrame,
) -> pd.DataFrame:
    from segkit.features import TransactionColumns, _per_customer, _to_frame

    if len(part) == 0:
        return meta
    cols = TransactionColumns.read(part, **columns)
    cut = cols.as_of(as_of)
    cols = cols.subset(cols.wall <= cut.cut)
    data = _per_customer(cols, cut, unit_days, windows)
    if not data["_has"].any():
        return meta  # no purchase in this partition: nothing to report, not an error here
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_RETURNS_ONLY, category=UserWarning)
        return _to_frame(cols, data, cut)


def _probe_rows(meta_nonempty: pd.DataFrame, timestamp: str, amount: str, as_of: Any) -> Any:
    """One purchase at ``as_of``, in the input's dtypes: run it to learn the output's dtypes."""
    row = meta_nonempty.iloc[:1].copy()
    dtype = row[timestamp].dtype
    stamp = pd.Timestamp(as_of)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        tz = getattr(dtype, "tz", None)
        if tz is not None:
            stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
        row[timestamp] = pd.Series([stamp], index=row.index).astype(dtype)
    elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        row[timestamp] = pd.Series([stamp.isoformat()], index=row.index).astype(dtype)
    # Other dtypes keep their placeholder value: reading the probe reports them.
    if pd.api.types.is_numeric_dtype(row[amount].dtype):
        # A positive amount: with an order column, an order needs a positive net.
        row[amount] = pd.Series([1], index=row.index).astype(row[amount].dtype)
    return row


def _summary_meta(
    transactions: Frame, columns: dict[str, Any], as_of: Any, unit_days: float, windows: Any
) -> pd.DataFrame:
    probe = _probe_rows(
        transactions._meta_nonempty, columns["timestamp"], columns["amount"], as_of
    )
    empty = pd.DataFrame()
    out = _summarize_part(probe, columns, as_of, unit_days, windows, empty)
    return out.iloc[:0]


def _prepare(
    transactions: Frame,
    customer: str,
    timestamp: str,
    amount: str,
    order: str | None,
) -> dict[str, Any]:
    _require_dask(transactions, "transactions")
    names = [customer, timestamp, amount] + ([order] if order is not None else [])
    _check_meta(transactions, names, "transactions")
    if len(set(names)) < len(names):
        raise ParameterError(f"customer, timestamp, amount and order must differ; got {names}")
    return {"customer": customer, "timestamp": timestamp, "amount": amount, "order": order}


def _as_of_stamp(transactions: Frame, columns: dict[str, Any], as_of: Any) -> Any:
    """The latest timestamp, or ``as_of`` checked and passed on as given.

    A date-only ``as_of`` means its whole day (segkit's time policy), so the
    partitions resolve the value themselves rather than a midnight timestamp.
    """
    from segkit._time import parse_as_of

    if as_of is None:
        return _resolve_latest(transactions, columns)
    parse_as_of(as_of, "UTC")  # checks the value; the zone is the partitions' to apply
    return as_of


def summarize_dask(
    transactions: Frame,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    as_of: Any = None,
    unit: Literal["D", "W"] = "D",
    order: str | None = None,
    windows: Sequence[int] = (),
) -> Frame:
    """:func:`segkit.summarize` on a Dask DataFrame: one row per customer.

    ``as_of`` is resolved once (by default the latest timestamp, one pass over
    the data), the rows are partitioned by a hash of the customer id
    (:func:`partition_by_customer`), and the pandas :func:`~segkit.summarize`
    runs on each partition with that same ``as_of``.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
    customer, timestamp, amount, as_of, unit, order, windows
        As for :func:`segkit.summarize`.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`segkit.summarize`, indexed by customer id.
        Each partition is sorted by customer id; partitions follow the hash of
        the id, so ``.compute().sort_index()`` equals the pandas result.

    Notes
    -----
    Differences from the pandas function: customers whose rows up to
    ``as_of`` are all returns are left out without the warning (it would be
    raised on a worker), and a log without any purchase up to ``as_of`` gives
    an empty frame instead of a :class:`~segkit.errors.SchemaError`.
    """
    from segkit.features import _check_windows, _unit_days

    unit_days = _unit_days(unit)
    checked = _check_windows(windows)
    columns = _prepare(transactions, customer, timestamp, amount, order)
    stamp = _as_of_stamp(transactions, columns, as_of)
    meta = _summary_meta(transactions, columns, stamp, unit_days, checked)
    parts = partition_by_customer(transactions, customer)
    return parts.map_partitions(
        _summarize_part, columns, stamp, unit_days, checked, meta, meta=meta
    )


def _holdout_part(
    part: pd.DataFrame,
    columns: dict[str, Any],
    calibration_end: Any,
    observation_end: Any,
    unit: str,
    meta: pd.DataFrame,
) -> pd.DataFrame:
    from segkit.features import TransactionColumns, calibration_holdout

    if len(part) == 0:
        return meta
    cols = TransactionColumns.read(part, **columns)
    cal_wall = cols.as_of(calibration_end).cut
    if not ((cols.wall <= cal_wall) & (cols.amount >= 0)).any():
        return meta
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_RETURNS_ONLY, category=UserWarning)
        out: pd.DataFrame = calibration_holdout(
            part,
            **columns,
            calibration_end=calibration_end,
            observation_end=observation_end,
            unit=unit,  # type: ignore[arg-type]
        )
    return out


def calibration_holdout_dask(
    transactions: Frame,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    calibration_end: Any,
    observation_end: Any = None,
    unit: Literal["D", "W"] = "D",
    order: str | None = None,
) -> Frame:
    """:func:`segkit.calibration_holdout` on a Dask DataFrame.

    Like :func:`summarize_dask`: ``observation_end`` is resolved once, the rows
    are partitioned by customer, and the pandas function runs per partition.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`segkit.calibration_holdout`, indexed by customer.
    """
    from segkit.features import _unit_days

    _unit_days(unit)
    columns = _prepare(transactions, customer, timestamp, amount, order)
    cal = _as_of_stamp(transactions, columns, calibration_end)
    end = _as_of_stamp(transactions, columns, observation_end)
    probe = pd.concat(
        [
            _probe_rows(transactions._meta_nonempty, timestamp, amount, cal),
            _probe_rows(transactions._meta_nonempty, timestamp, amount, end),
        ]
    )
    meta = _holdout_part(probe, columns, cal, end, unit, pd.DataFrame()).iloc[:0]
    parts = partition_by_customer(transactions, customer)
    return parts.map_partitions(_holdout_part, columns, cal, end, unit, meta, meta=meta)


# --------------------------------------------------------------------------- #
# RFM: the fit is a value-count reduction, the transform a map
# --------------------------------------------------------------------------- #
def _rfm_values(part: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {dim: numeric_column(part, col, "customer table") for dim, col in columns.items()},
        index=part.index,
    )


def _sorted_counts(counts: pd.Series) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    values = counts.index.to_numpy(dtype=np.float64)
    order = np.argsort(values, kind="stable")
    return values[order], counts.to_numpy(dtype=np.int64)[order]


def rfm_fit(scorer: Any, table: Frame) -> Any:
    """Fit a :class:`segkit.RFMScorer` on a Dask customer table.

    With ``method="quantile"`` the fit is one reduction: the distinct values of
    each dimension and how many customers hold each (a ``value_counts``),
    which is exact, so ``bin_edges_`` equal those of the pandas fit on the
    same customers. Memory on the client grows with the number of distinct
    values, not of customers.

    Parameters
    ----------
    scorer : RFMScorer
        Not fitted yet (or to be refitted); it is fitted in place.
    table : dask.dataframe.DataFrame
        One row per customer, e.g. from :func:`summarize_dask`.

    Returns
    -------
    RFMScorer
        ``scorer``, fitted.
    """
    from importlib import import_module

    _require_dask(table, "customer table")
    scorer._check_params()
    columns: dict[str, str] = scorer._columns()
    meta = _check_meta(table, list(columns.values()), "customer table")
    _rfm_values(meta, columns)  # dtype errors now, not on a worker
    segment_map = scorer._segment_map()  # a bad map is reported before any work
    if scorer.method == "fixed":
        edges = scorer._fixed_edges()
    else:
        values_meta = pd.DataFrame({dim: np.zeros(0) for dim in columns})
        values = table.map_partitions(_rfm_values, columns, meta=values_meta)
        counted = import_module("dask").compute(
            *(values[dim].value_counts(sort=False) for dim in columns)
        )
        counts = {dim: _sorted_counts(c) for dim, c in zip(columns, counted, strict=True)}
        if any(n.sum() == 0 for _, n in counts.values()):
            raise SegkitError("cannot fit RFMScorer on an empty customer table")
        edges = scorer._quantile_edges(counts)
    return scorer._set_fitted(edges, segment_map, meta.columns)


def _transform(part: pd.DataFrame, estimator: Any) -> Any:
    return estimator.transform(part)


def rfm_transform(scorer: Any, table: Frame) -> Frame:
    """Score a Dask customer table with a fitted :class:`segkit.RFMScorer` (a map)."""
    return scorer_transform(scorer, table)


def scorer_fit(estimator: Any, table: Frame) -> Any:
    """Fit a scorer whose ``fit`` only checks its rules against the columns' types.

    :class:`segkit.scorers.PointsScorer` and :class:`~segkit.scorers.ProfileScorer`
    learn nothing from the data: they are fitted on the table's empty frame,
    without computing anything.
    """
    _require_dask(table, "table")
    return estimator.fit(table._meta)


def scorer_transform(estimator: Any, table: Frame) -> Frame:
    """``estimator.transform`` on each partition of a Dask customer table.

    For fitted per-customer transformers: :class:`segkit.RFMScorer`, and the
    points and profile scorers.
    """
    return map_customers(_transform, table, estimator=estimator)


# --------------------------------------------------------------------------- #
# CLV: fit on compressed counts, predict as a map
# --------------------------------------------------------------------------- #
def clv_counts(
    table: Frame, columns: Sequence[str], *, weights: str | None = None
) -> pd.DataFrame:
    """Count identical rows of ``columns``: the reduction a CLV fit needs.

    Parameters
    ----------
    table : dask.dataframe.DataFrame
    columns : sequence of str
        E.g. ``["x", "t_x", "T"]``.
    weights : str, optional
        A column of the number of customers each row stands for (summed);
        by default every row counts once.

    Returns
    -------
    pandas.DataFrame
        One row per distinct combination, with ``columns`` and the weight in
        the column ``"__segkit_weight__"``, in the order in which each
        combination first appears in the table sorted by its index (the order
        the pandas fit sees them in, so the fitted parameters are identical).
    """
    _require_dask(table, "data")
    keys = list(columns)
    _check_meta(table, keys + ([weights] if weights is not None else []), "data")
    frame = table[keys].assign(
        **{
            _WEIGHT: table[weights] if weights is not None else 1,
            _FIRST: table.index.to_series(),
        }
    )
    grouped = frame.groupby(keys, dropna=False, sort=False).agg(
        {_WEIGHT: "sum", _FIRST: "min"}, split_out=1
    )
    counts: pd.DataFrame = grouped.compute().reset_index()
    counts = counts.sort_values(_FIRST, kind="stable").drop(columns=_FIRST)
    return counts.reset_index(drop=True)


def clv_fit(model: Any, table: Frame, **columns: Any) -> Any:
    """Fit a segkit CLV model on a Dask customer table.

    The table is reduced to the counts of identical rows (:func:`clv_counts`)
    and the model's own ``fit`` runs on them with those counts as weights; the
    parameters equal those of the pandas fit on the table sorted by its index.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom or GammaGamma
    table : dask.dataframe.DataFrame
    **columns
        The column keyword arguments of the model's ``fit`` (``x=``, ``t_x=``,
        ``T=``; ``repeat_aov=``; for BG/BB ``x=``, ``t_x=``, ``n=``)
        and optionally ``weights=`` as a column name.

    Returns
    -------
    the fitted model
    """
    from segkit.clv import BetaGeoBetaBinom, GammaGamma

    weights = columns.pop("weights", None)
    if weights is not None and not isinstance(weights, str):
        raise ParameterError("on Dask, weights must be the name of a column of the table")
    if isinstance(model, GammaGamma):
        roles = {"x": "x", "repeat_aov": "repeat_aov"}
    elif isinstance(model, BetaGeoBetaBinom):
        roles = {"x": "frequency", "t_x": "recency", "n": "periods"}
    else:
        roles = {"x": "x", "t_x": "t_x", "T": "T"}
    unknown = set(columns) - set(roles)
    if unknown:
        raise ParameterError(
            f"unknown column arguments {sorted(unknown)} for {type(model).__name__}.fit; "
            f"expected {sorted(roles)}"
        )
    roles.update(columns)
    keys = list(dict.fromkeys(roles.values()))
    covariates = list(getattr(model, "covariates", None) or [])
    keys += [c for c in covariates if c not in keys]
    counts = clv_counts(table, keys, weights=weights)
    return model.fit(counts, **roles, weights=_WEIGHT)


def _predict(part: pd.DataFrame, model: Any, method: str, args: Any, kwargs: Any) -> Any:
    return getattr(model, method)(*args, data=part, **kwargs)


def clv_predict(model: Any, method: str, table: Frame, *args: Any, **kwargs: Any) -> Frame:
    """A fitted CLV model's per-customer prediction, as a map over partitions.

    ``clv_predict(bgf, "expected_purchases", table, 52)`` is
    ``bgf.expected_purchases(52, data=part)`` on every partition.

    Parameters
    ----------
    model : fitted CLV model
    method : str
        ``"p_alive"``, ``"expected_purchases"``, ``"probability_of_purchases"``
        or ``"expected_spend"`` (any method that takes ``data=``).
    table : dask.dataframe.DataFrame
    *args, **kwargs
        The method's other arguments.

    Returns
    -------
    dask.dataframe.Series (or DataFrame, for bootstrap intervals)
    """
    if not callable(getattr(model, method, None)):
        raise ParameterError(f"{type(model).__name__} has no method {method!r}")
    meta = kwargs.pop("meta", None)
    fallback = pd.Series(np.zeros(0), index=table._meta.index, name=method, dtype=np.float64)
    func = partial(_predict, model=model, method=method, args=args, kwargs=kwargs)
    if meta is None:
        meta = _meta_of(func, table, fallback)
    return map_customers(func, table, meta=meta)


def _value(part: pd.DataFrame, purchase_model: Any, spend_model: Any, kwargs: Any) -> Any:
    from segkit.clv import lifetime_value

    return lifetime_value(purchase_model, spend_model, part, **kwargs)


def lifetime_value_dask(
    purchase_model: Any, spend_model: Any, table: Frame, **kwargs: Any
) -> Frame:
    """:func:`segkit.clv.lifetime_value` as a map over partitions of a customer table."""
    func = partial(_value, purchase_model=purchase_model, spend_model=spend_model, kwargs=kwargs)
    fallback = pd.Series(np.zeros(0), index=table._meta.index, name="clv", dtype=np.float64)
    return map_customers(func, table, meta=_meta_of(func, table, fallback))


# --------------------------------------------------------------------------- #
# Tags and lifecycle
# --------------------------------------------------------------------------- #
def _tags(part: pd.DataFrame, engine: Any, as_of: Any, output: str) -> Any:
    return engine.apply(part, as_of=as_of, output=output)


def tags_apply(engine: Any, table: Frame, *, as_of: Any = None, output: str = "wide") -> Frame:
    """:meth:`segkit.tagging.TagEngine.apply` as a map over partitions.

    The rules are compiled against the table's empty frame first, so unknown
    columns and type errors are raised here and not on a worker. Pass an
    explicit ``as_of`` when the rules use ``as_of`` or ``days_since``.

    Returns
    -------
    dask.dataframe.DataFrame or Series
        ``output="wide"``: one boolean column per tag; ``"list"``: a Series
        of lists; ``"long"``: (customer, tag) pairs.
    """
    _require_dask(table, "table")
    func = partial(_tags, engine=engine, as_of=as_of, output=output)
    meta = func(table._meta)
    return map_customers(func, table, meta=meta)


def _replay(part: pd.DataFrame, lifecycle: Any, kwargs: dict[str, Any]) -> Any:
    out = lifecycle.replay(part, **kwargs)
    # Partitions replayed over the same boundaries; the Dask result does not carry them.
    out.attrs.clear()
    return out


def lifecycle_replay(lifecycle: Any, transactions: Frame, **options: Any) -> Frame:
    """:meth:`segkit.lifecycle.Lifecycle.replay` with customers partitioned by hash.

    The period boundaries are resolved once (by default from the earliest and
    latest timestamps, one reduction, exactly as the pandas method does), every
    customer's rows are moved into one partition (:func:`partition_by_customer`)
    and the pandas method runs on each partition with those boundaries.

    Parameters
    ----------
    lifecycle : Lifecycle
    transactions : dask.dataframe.DataFrame
    **options
        The keyword arguments of :meth:`Lifecycle.replay`. Registered
        customers without purchases (``customers=``) are not supported on
        Dask yet.

    Returns
    -------
    dask.dataframe.DataFrame
        The panel (or changes) rows of each partition's customers, sorted by
        customer and date within a partition; ``attrs["periods"]`` is not
        kept.
    """
    customer, timestamp, amount = options["customer"], options["timestamp"], options["amount"]
    start, end = options.pop("start", None), options.pop("end", None)
    columns = _prepare(transactions, customer, timestamp, amount, None)
    del columns["order"]
    options.update(columns)
    if start is None or end is None:
        # Let the pandas method place the default boundaries, on the two extreme rows.
        first, last = _resolve_extremes(transactions, columns)
        probe = _probe_rows(transactions._meta_nonempty, timestamp, amount, first)
        probe = pd.concat(
            [probe, _probe_rows(transactions._meta_nonempty, timestamp, amount, last)]
        )
        bounds = lifecycle.replay(probe, **options, start=start, end=end).attrs["periods"]
        start = bounds[0] if start is None else start
        end = bounds[-1] if end is None else end
    kwargs = {**options, "start": start, "end": end}
    # The empty result, from one purchase at the first boundary (replay rejects empty input).
    probe = _probe_rows(transactions._meta_nonempty, timestamp, amount, start)
    meta = lifecycle.replay(probe, **kwargs).iloc[:0]
    meta.attrs.clear()
    parts = partition_by_customer(transactions, customer)
    func = partial(_replay, lifecycle=lifecycle, kwargs=kwargs)
    return parts.map_partitions(_empty_or, func, meta, meta=meta)
