"""The published estimates and predictions, reproduced on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD
from segkit.datasets import load_cdnow, load_donations
from segkit.features import calibration_holdout


def test_cdnow_summary_matches_the_papers(cdnow_summary: pd.DataFrame) -> None:
    first = cdnow_summary.loc[1]
    assert (first["x"], round(first["t_x"], 2), round(first["T"], 2)) == (2, 30.43, 38.86)
    assert len(cdnow_summary) == 2357
    assert int((cdnow_summary["x"] > 0).sum()) == 946


def test_bgnbd_cdnow(bgnbd: BetaGeo) -> None:
    # Fader, Hardie & Lee (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793,
    # b = 2.426, LL = -9582.4
    assert bgnbd.params_.round(3).to_dict() == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }
    assert round(bgnbd.log_likelihood_, 1) == -9582.4
    assert bgnbd.n_customers_ == 2357


def test_bgnbd_conditional_expectation_of_customer_1(
    bgnbd: BetaGeo, cdnow_summary: pd.DataFrame
) -> None:
    # FHL (2005), section 4: 1.226 purchases in the next 39 weeks for x=2,
    # t_x=30.43, T=38.86
    expected = bgnbd.expected_purchases(cdnow_summary, 39)
    assert round(float(expected.loc[1]), 3) == 1.226
    assert expected.index.equals(cdnow_summary.index)


def test_bgnbd_at_the_published_parameters() -> None:
    at_paper = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    one = pd.DataFrame({"x": [2], "t_x": [30.43], "T": [38.86]})
    assert round(float(at_paper.expected_purchases(one, 39).iloc[0]), 3) == 1.226


def test_pareto_nbd_cdnow(pareto: ParetoNBD) -> None:
    # Fader & Hardie (2005) note 009: r = 0.553, alpha = 10.578, s = 0.606,
    # beta = 11.669, LL = -9595.0 (beta sits on a flat ridge: compared loosely)
    p = pareto.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["s"], 3)) == (0.553, 10.578, 0.606)
    assert p["beta"] == pytest.approx(11.669, abs=0.05)
    assert round(pareto.log_likelihood_, 1) == -9595.0


def test_pareto_nbd_new_customer_expectation(pareto: ParetoNBD) -> None:
    # note 009: E[X(52)] = 1.473434 for a randomly chosen (new) customer
    assert round(pareto.expected_purchases_new(52.0), 6) == 1.473434


def test_mbgnbd_cdnow(mbgnbd: ModifiedBetaGeo) -> None:
    # Batislam, Denizel & Filiztekin (2007) on CDNOW: r = 0.525, alpha = 6.183,
    # a = 0.891, b = 1.614
    assert mbgnbd.params_.round(3).to_dict() == {
        "r": 0.525,
        "alpha": 6.183,
        "a": 0.891,
        "b": 1.614,
    }
    assert round(mbgnbd.log_likelihood_, 1) == -9582.1


def test_gamma_gamma_cdnow(gamma_gamma: GammaGamma) -> None:
    # Fader & Hardie (2013) note 025: p = 6.25, q = 3.74, gamma = 15.44 on the
    # 946 customers with at least one repeat purchase
    assert gamma_gamma.params_.round(2).to_dict() == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert gamma_gamma.n_customers_ == 946


def test_gamma_gamma_expected_spend(gamma_gamma: GammaGamma, cdnow_summary: pd.DataFrame) -> None:
    spend = gamma_gamma.expected_spend(cdnow_summary)
    p, q, v = gamma_gamma.params_
    # customer 3 has no repeat purchase: the population mean gamma p / (q - 1)
    assert spend.loc[3] == pytest.approx(v * p / (q - 1), rel=1e-12)
    # customer 1: x = 2 repeat purchases averaging 22.345
    w = p * 2 / (p * 2 + q - 1)
    assert spend.loc[1] == pytest.approx(w * 22.345 + (1 - w) * v * p / (q - 1), rel=1e-12)
    assert round(float(spend.loc[1]), 2) == 24.65


def test_bgbb_donations() -> None:
    # Fader, Hardie & Shang (2010): alpha = 1.204, beta = 0.750, gamma = 0.657,
    # delta = 2.783, LL = -33,225.58
    model = BetaGeoBetaBinom().fit(load_donations(), weights="weights")
    assert model.params_.round(3).to_dict() == {
        "alpha": 1.204,
        "beta": 0.75,
        "gamma": 0.657,
        "delta": 2.783,
    }
    assert round(model.log_likelihood_, 2) == -33225.58
    assert model.n_customers_ == 11104
    assert model.n_distinct_ == 22


def test_bgbb_predictions_are_consistent() -> None:
    data = load_donations()
    model = BetaGeoBetaBinom().fit(data, weights="weights")
    # a new donor and the all-zero history (x=0, t_x=0, n=0) are the same thing
    zero = pd.DataFrame({"frequency": [0], "recency": [0], "periods": [0]})
    assert float(model.expected_purchases(zero, 5).iloc[0]) == pytest.approx(
        model.expected_purchases_new(5), rel=1e-12
    )
    assert round(model.expected_purchases_new(6), 4) == 2.2202
    # the probabilities of 0..5 donations in the next 5 years add up to one and
    # their mean is the conditional expectation
    probs = np.column_stack([model.probability_of_purchases(data, k, 5) for k in range(6)])
    assert probs.sum(axis=1) == pytest.approx(np.ones(len(data)), abs=1e-12)
    mean = probs @ np.arange(6)
    assert mean == pytest.approx(model.expected_purchases(data, 5).to_numpy(), rel=1e-10)
    alive = model.p_alive(data)
    # best donors (6 of 6) are almost surely alive; 0 of 6 mostly gone
    assert round(float(alive.iloc[0]), 4) == 0.1081
    assert float(alive[(data["frequency"] == 6)].iloc[0]) > 0.9


def test_cdnow_holdout_aggregate(bgnbd: BetaGeo, pareto: ParetoNBD) -> None:
    split = calibration_holdout(
        load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        unit="W",
    )
    duration = float(split["duration_holdout"].iloc[0])
    actual = int(split["x_holdout"].sum())
    bg = float(bgnbd.expected_purchases(split, duration).sum())
    pn = float(pareto.expected_purchases(split, duration).sum())
    assert round(duration, 2) == 39.0
    # reported in docs/clv.md
    assert actual == 1882
    assert (round(bg), round(pn)) == (1653, 1666)
