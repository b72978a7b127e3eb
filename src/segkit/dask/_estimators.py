"""Estimators and per-customer maps on a Dask customer table: fit reduces, transform maps.

The generic implementations registered here serve every capability that
declares itself at the seam (:mod:`segkit._backend`): ``"reduce"`` runs a
declared :class:`~segkit._backend.Reduction` over the partitions,
``"schema_fit"`` fits on the empty frame, ``"map"`` runs a per-customer method
partition by partition. The CLV models add their own: the fit on compressed
counts of identical rows, and predictions as maps.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from functools import partial
from importlib import import_module
from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import Call, Reduction, register
from segkit.dask._partition import (
    Frame,
    check_meta,
    map_customers,
    meta_of,
    require_dask,
    same_customers,
)
from segkit.errors import ParameterError

__all__ = [
    "clv_counts",
    "clv_fit",
    "clv_predict",
    "lifetime_value_dask",
    "rfm_fit",
    "rfm_transform",
    "scorer_fit",
    "scorer_transform",
    "tags_apply",
]

_WEIGHT = "__segkit_weight__"
_FIRST = "__segkit_first__"


# --------------------------------------------------------------------------- #
# The generic implementations
# --------------------------------------------------------------------------- #
@register("reduce")
def reduce(reduction: Reduction[Any, Any], estimator: Any, table: Frame) -> Any:
    """Fit ``estimator`` by its declared reduction: one summary per partition, combined once."""
    require_dask(table, "table")
    plan = reduction.start(estimator, table._meta)  # errors before any work
    summary = None
    if reduction.part is not None:
        dask = import_module("dask")
        pieces = [
            dask.delayed(reduction.part)(estimator, plan, piece) for piece in table.to_delayed()
        ]
        summary = dask.delayed(reduction.combine)(estimator, plan, pieces).compute()
    return reduction.finish(estimator, plan, summary, table._meta.columns)


@register("schema_fit")
def _schema_fit(call: Call) -> Any:
    """A fit that learns nothing from the values: on the table's empty frame, no work."""
    require_dask(call.data, "table")
    return call.run(call.data._meta)


@register("map")
def _map(call: Call) -> Frame:
    """A per-customer method, partition by partition (whole customers stay whole)."""
    table = call.data
    return same_customers(table, map_customers(call.detached().run, table))


# --------------------------------------------------------------------------- #
# Named entry points (the public functions of segkit.dask)
# --------------------------------------------------------------------------- #
def rfm_fit(scorer: Any, table: Frame) -> Any:
    """Fit a :class:`segkit.RFMScorer` on a Dask customer table (``scorer.fit(table)``).

    The fit is the reduction :data:`segkit.rfm.RFM_FIT`: the distinct values
    of each dimension and how many customers hold each, which is exact, so
    ``bin_edges_`` equal those of the pandas fit on the same customers.
    """
    require_dask(table, "customer table")
    return scorer.fit(table)


def rfm_transform(scorer: Any, table: Frame) -> Frame:
    """Score a Dask customer table with a fitted :class:`segkit.RFMScorer` (a map)."""
    return scorer_transform(scorer, table)


def scorer_fit(estimator: Any, table: Frame) -> Any:
    """Fit a scorer on a Dask table (``estimator.fit(table)``).

    The band, points and profile scorers learn nothing from the values: they
    are fitted on the table's empty frame, without computing anything.
    """
    require_dask(table, "table")
    return estimator.fit(table)


def scorer_transform(estimator: Any, table: Frame) -> Frame:
    """``estimator.transform`` on each partition of a Dask customer table."""
    require_dask(table, "table")
    return estimator.transform(table)


def tags_apply(engine: Any, table: Frame, *, as_of: Any = None, output: str = "wide") -> Frame:
    """:meth:`segkit.tagging.TagEngine.apply` as a map over partitions.

    The rules are compiled against the table's empty frame first, so unknown
    columns and type errors are raised here and not on a worker. Pass an
    explicit ``as_of`` when the rules use ``as_of`` or ``days_since``.
    """
    require_dask(table, "table")
    return engine.apply(table, as_of=as_of, output=output)


# --------------------------------------------------------------------------- #
# Lifecycle.step: a map; ``current`` is looked up by customer id
# --------------------------------------------------------------------------- #
@register("Lifecycle.step")
def _lifecycle_step(call: Call) -> Frame:
    current = call.arguments()["current"]
    if current is not None and not isinstance(current, pd.Series):
        raise ParameterError(
            "on Dask, current must be None or a pandas Series of states indexed by "
            f"customer id (rows are not aligned by position); got {type(current).__name__}"
        )
    require_dask(call.data, "features")
    return map_customers(call.detached().run, call.data)


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
    require_dask(table, "data")
    keys = list(columns)
    check_meta(table, keys + ([weights] if weights is not None else []), "data")
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


def _column_roles(fit: Any) -> dict[str, str]:
    """The column keyword arguments of a model's ``fit`` and their default columns."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(fit).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and isinstance(parameter.default, str)
    }


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
        The column keyword arguments of the model's ``fit`` (its signature
        names them: ``x=``, ``t_x=``, ``T=``; ``repeat_aov=``; ``frequency=``,
        ``recency=``, ``periods=``) and optionally ``weights=`` as a column name.

    Returns
    -------
    the fitted model
    """
    require_dask(table, "data")
    weights = columns.pop("weights", None)
    if weights is not None and not isinstance(weights, str):
        raise ParameterError("on Dask, weights must be the name of a column of the table")
    roles = _column_roles(type(model).fit)
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


@register("clv.fit")
def _clv_fit(call: Call) -> Any:
    arguments = call.arguments()
    model, table = arguments.pop("self"), arguments.pop(call.on)
    # keywords left at None (weights, deprecated column names) are not column roles
    return clv_fit(model, table, **{k: v for k, v in arguments.items() if v is not None})


def _predict(part: pd.DataFrame, model: Any, method: str, args: Any, kwargs: Any) -> Any:
    return getattr(model, method)(part, *args, **kwargs)


def clv_predict(model: Any, method: str, table: Frame, *args: Any, **kwargs: Any) -> Frame:
    """A fitted CLV model's per-customer prediction, as a map over partitions.

    ``clv_predict(bgf, "expected_purchases", table, 52)`` is
    ``bgf.expected_purchases(part, 52)`` on every partition.

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
        meta = meta_of(func, table, fallback)
    return map_customers(func, table, meta=meta)


@register("clv.predict")
def _clv_predict(call: Call) -> Frame:
    arguments = call.arguments()
    model, table = arguments.pop("self"), arguments.pop(call.on)
    return clv_predict(model, call.func.__name__, table, **arguments)


def _value(part: pd.DataFrame, purchase_model: Any, spend_model: Any, kwargs: Any) -> Any:
    from segkit.clv import lifetime_value

    return lifetime_value(purchase_model, spend_model, part, **kwargs)


def lifetime_value_dask(
    purchase_model: Any, spend_model: Any, table: Frame, **kwargs: Any
) -> Frame:
    """:func:`segkit.clv.lifetime_value` as a map over partitions of a customer table."""
    func = partial(_value, purchase_model=purchase_model, spend_model=spend_model, kwargs=kwargs)
    fallback = pd.Series(np.zeros(0), index=table._meta.index, name="clv", dtype=np.float64)
    return map_customers(func, table, meta=meta_of(func, table, fallback))


@register("lifetime_value")
def _lifetime_value(call: Call) -> Frame:
    arguments = call.arguments()
    purchase, spend = arguments.pop("purchase_model"), arguments.pop("spend_model")
    return lifetime_value_dask(purchase, spend, arguments.pop(call.on), **arguments)
