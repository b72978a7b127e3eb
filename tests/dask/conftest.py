"""A real two-process Dask cluster and the data the Dask tests share.

Each test module skips itself with ``pytest.importorskip("dask.distributed")``
when Dask is not installed; this file imports Dask only inside fixtures.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from segkit.datasets import make_transactions

COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    """A LocalCluster of 2 worker processes with 1 thread each, shared by the folder."""
    distributed = pytest.importorskip("dask.distributed")
    # dashboard_address=":0": a free port. With None the scheduler's HTTP server still
    # tries 8787 and warns (UserWarning) when another cluster on the machine holds it.
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit="2GB",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def transactions() -> pd.DataFrame:
    """About 20,000 order lines of 2,000 customers, with returns, ordered by time."""
    return make_transactions(2000, seed=7)


def to_dask(frame: pd.DataFrame, npartitions: int = 6) -> Any:
    import dask.dataframe as dd

    return dd.from_pandas(frame, npartitions=npartitions, sort=False)


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a pandas-path function, ignoring the 'only returns' warning of summarize."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".* have only returns", category=UserWarning)
        return func(*args, **kwargs)
