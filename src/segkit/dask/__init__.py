"""Run segkit on Dask DataFrames: fit reduces, transform maps.

Every segkit computation is either a *map* (a function of one customer's rows
or one customer's summary row) or a *fit* that needs the whole population
(the RFM quantile edges, the CLV model parameters). On Dask:

* maps run partition by partition with ``map_partitions``; a computation that
  reads several rows per customer (``summarize``, ``Lifecycle.replay``) first
  moves every customer's rows into one partition with
  :func:`partition_by_customer` (a hash shuffle on the customer column that
  keeps the rows' input order);
* fits are reductions to a small object computed once on the client: each
  capability declares its reduction next to its pandas code (a
  :class:`segkit._backend.Reduction`, e.g. ``segkit.rfm.RFM_FIT``: the
  distinct values and their counts per RFM dimension, exact, so the bin edges
  equal the pandas edges), and the CLV models fit on the counts of identical
  ``(x, t_x, T)`` rows (whose number does not grow with the customer base).

:func:`segkit.profile` and the ``segkit report`` / ``segkit rfm`` commands run
on a Dask log too: the steps that read the log run here and return
per-customer tables, on which the rest of the pipeline runs with pandas
(``segkit.dask._profile``; a Parquet folder is read by :func:`read_parquet_log`).
The lifecycle history stays on the cluster: :func:`segkit.lifecycle.current`
and :func:`segkit.lifecycle.flows` of a Dask history are a map and a
reduction over its partitions (:func:`current_dask`, :func:`flows_dask`), and
its panel is built from the changes there (:func:`panel_of_dask`).

Results equal the pandas path exactly: ``segkit.summarize(ddf, ...).compute()``
equals ``segkit.summarize(ddf.compute(), ...)`` once sorted by customer id.

You rarely need this module: segkit's own functions and estimators accept a
Dask DataFrame and come here through one seam (:mod:`segkit._backend`), which
imports this package the first time it sees Dask input. This package imports
the capabilities; they never import it.
"""

from __future__ import annotations

from segkit._backend import is_dask_collection
from segkit.dask._estimators import (
    clv_counts,
    clv_fit,
    clv_predict,
    lifetime_value_dask,
    rfm_fit,
    rfm_transform,
    scorer_fit,
    scorer_transform,
    tags_apply,
)
from segkit.dask._events import event_features_dask
from segkit.dask._files import is_many_files, read_parquet_log
from segkit.dask._flows import current_dask, flows_dask, panel_of_dask
from segkit.dask._partition import map_customers, partition_by_customer
from segkit.dask._profile import monthly_activity_dask
from segkit.dask._transactions import calibration_holdout_dask, lifecycle_replay, summarize_dask

__all__ = [
    "calibration_holdout_dask",
    "clv_counts",
    "clv_fit",
    "clv_predict",
    "current_dask",
    "event_features_dask",
    "flows_dask",
    "is_dask_collection",
    "is_many_files",
    "lifecycle_replay",
    "lifetime_value_dask",
    "map_customers",
    "monthly_activity_dask",
    "panel_of_dask",
    "partition_by_customer",
    "read_parquet_log",
    "rfm_fit",
    "rfm_transform",
    "scorer_fit",
    "scorer_transform",
    "summarize_dask",
    "tags_apply",
]
