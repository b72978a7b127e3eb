"""Shared fixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.datasets import load_cdnow


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Three customers, hand-checked below."""
    return pd.DataFrame(
        {
            "cid": ["b", "a", "a", "a", "b", "c", "a"],
            "ts": pd.to_datetime(
                [
                    "2024-01-05 10:00",
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-15 12:00",
                    "2024-01-20 08:00",
                    "2024-01-30 23:00",
                    "2024-01-22 12:00",
                ]
            ),
            "amount": [20.0, 10.0, 5.0, 30.0, 40.0, 7.5, -5.0],
            "order": [10, 1, 2, 3, 11, 20, 3],
        }
    )
