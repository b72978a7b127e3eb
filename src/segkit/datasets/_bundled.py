"""Readers for the small real data sets shipped inside the package."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_cdnow", "load_donations"]


def _open(name: str) -> resources.abc.Traversable:
    return resources.files("segkit.datasets").joinpath("data", name)


def load_cdnow() -> pd.DataFrame:
    """Load the CDNOW 1/10 sample transaction log.

    Returns
    -------
    pandas.DataFrame
        6,919 rows, one per (customer, day) record of the original file, with
        columns ``customer_id`` (int, 1..2357), ``date`` (datetime64),
        ``quantity`` (number of CDs) and ``amount`` (dollars).

    Notes
    -----
    Source: the CDNOW data set made public by Fader & Hardie alongside
    Fader, Hardie & Lee (2005), "Counting your customers the easy way",
    Marketing Science 24(2). The sample file also carries each customer's id
    in the full data set, which is dropped here.

    Examples
    --------
    >>> from segkit.datasets import load_cdnow
    >>> df = load_cdnow()
    >>> df.shape, df["customer_id"].nunique()
    ((6919, 4), 2357)
    >>> df["date"].min(), df["date"].max()
    (Timestamp('1997-01-01 00:00:00'), Timestamp('1998-06-30 00:00:00'))
    """
    with _open("cdnow_sample.txt").open("r") as handle:
        raw = pd.read_csv(
            handle,
            sep=r"\s+",
            header=None,
            names=["original_id", "customer_id", "date", "quantity", "amount"],
            dtype={"original_id": "int64", "customer_id": "int64", "date": "str"},
        )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]")
    return raw.drop(columns="original_id")


def load_donations() -> pd.DataFrame:
    """Load the donations data for the BG/BB model, compressed.

    Returns
    -------
    pandas.DataFrame
        22 rows with columns ``frequency`` (repeat donations in the 6 years
        after the first), ``recency`` (year of the last repeat donation),
        ``periods`` (6 for everyone) and ``weights`` (number of donors with that
        pattern; 11,104 in all).

    Notes
    -----
    Source: the 1995 cohort of a US non-profit's donors from Fader, Hardie &
    Shang (2010), "Customer-base analysis in a discrete-time noncontractual
    setting", Marketing Science 29(6).

    Examples
    --------
    >>> from segkit.datasets import load_donations
    >>> d = load_donations()
    >>> int(d["weights"].sum())
    11104
    """
    with _open("donations.csv").open("r") as handle:
        return pd.read_csv(handle, dtype="int64")
