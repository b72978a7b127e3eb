"""Fixtures for the CLV tests: the CDNOW calibration summary and fitted models."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from segkit.datasets import load_cdnow
from segkit.features import summarize


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """39-week calibration period ending 1997-09-30, in weeks."""
    return summarize(
        load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        unit="W",
    )


@pytest.fixture(scope="session")
def bgnbd(cdnow_summary: pd.DataFrame) -> BetaGeo:
    return BetaGeo().fit(cdnow_summary)


@pytest.fixture(scope="session")
def pareto(cdnow_summary: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD().fit(cdnow_summary)


@pytest.fixture(scope="session")
def mbgnbd(cdnow_summary: pd.DataFrame) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(cdnow_summary)


@pytest.fixture(scope="session")
def gamma_gamma(cdnow_summary: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(cdnow_summary)
