"""simulate(): parameter recovery and agreement of the predictions with simulated truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD
from segkit.errors import ParameterError

TRUTH = {
    BetaGeo: {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5},
    ModifiedBetaGeo: {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6},
    ParetoNBD: {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0},
}


def _z_scores(model: object, truth: dict[str, float]) -> pd.Series:
    est = model.params_  # type: ignore[attr-defined]
    se = model.standard_errors_  # type: ignore[attr-defined]
    return ((est - pd.Series(truth)) / se).abs()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_parameter_recovery(model: type, seed: int) -> None:
    truth = TRUTH[model]
    rng = np.random.default_rng(seed)
    T = rng.uniform(20.0, 60.0, 5000)  # customers acquired at different times
    data = model().simulate(5000, T, params=truth, seed=seed)
    fitted = model().fit(data)
    # every estimate within 3.5 standard errors of the truth
    z = _z_scores(fitted, truth)
    assert (z < 3.5).all(), z.to_dict()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bgbb_parameter_recovery(seed: int) -> None:
    truth = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    data = BetaGeoBetaBinom().simulate(20000, 6, params=truth, seed=seed)
    fitted = BetaGeoBetaBinom().fit(data)
    assert fitted.n_distinct_ == 22  # 6 opportunities: 22 possible (x, t_x) patterns
    assert (_z_scores(fitted, truth) < 3.5).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gamma_gamma_parameter_recovery(seed: int) -> None:
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    x = np.random.default_rng(seed).integers(1, 8, 5000)
    fitted = GammaGamma().fit(GammaGamma().simulate(len(x), x, params=truth, seed=seed))
    assert (_z_scores(fitted, truth) < 3.5).all()


def test_simulate_is_deterministic_given_the_seed() -> None:
    a = BetaGeo().simulate(50, 30.0, params=TRUTH[BetaGeo], seed=7)
    b = BetaGeo().simulate(50, 30.0, params=TRUTH[BetaGeo], seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["x", "t_x", "T", "alive"]
    assert ((a["t_x"] <= a["T"]) & ((a["x"] > 0) | (a["t_x"] == 0))).all()


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_p_alive_matches_simulated_share_alive(model: type) -> None:
    data = model().simulate(40000, 40.0, params=TRUTH[model], seed=11)
    p_alive = model.from_params(TRUTH[model]).p_alive(data)
    # calibrated: the mean probability is the share alive, overall and by decile
    assert float(p_alive.mean()) == pytest.approx(float(data["alive"].mean()), abs=0.01)
    deciles = pd.qcut(p_alive.rank(method="first"), 5, labels=False)
    by = data["alive"].groupby(deciles).mean() - p_alive.groupby(deciles).mean()
    assert (by.abs() < 0.03).all(), by.to_dict()


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_new_customer_expectation_matches_simulation(model: type) -> None:
    data = model().simulate(200000, 39.0, params=TRUTH[model], seed=5)
    expected = model.from_params(TRUTH[model]).expected_purchases_new(39.0)
    se = data["x"].std() / np.sqrt(len(data))
    assert abs(expected - data["x"].mean()) < 4 * se


def test_bgbb_simulated_alive_is_p_alive_at_the_next_opportunity() -> None:
    # [FHS10]: P(alive in 2002) for donors with histories 0 of 6, 2 of 6 with
    # the last in 1999 (t_x = 4), and 6 of 6 is 0.11, 0.59 and 0.93; simulated
    # donors with those histories are alive at opportunity 7 in those shares
    from segkit.datasets import load_donations

    model = BetaGeoBetaBinom().fit(load_donations(), weights="weights")
    sim = model.simulate(400_000, 6, seed=7)
    histories = pd.DataFrame({"frequency": [0, 2, 6], "recency": [0, 4, 6], "periods": 6})
    assert model.p_alive(histories).round(2).tolist() == [0.11, 0.59, 0.93]
    for (x, t_x), paper in zip([(0, 0), (2, 4), (6, 6)], [0.11, 0.59, 0.93], strict=True):
        share = sim.loc[(sim["frequency"] == x) & (sim["recency"] == t_x), "alive"].mean()
        assert round(float(share), 2) == paper


@pytest.mark.parametrize(
    "n", [-1, 10**12, 2.5, True], ids=["negative", "too-many", "float", "bool"]
)
def test_simulate_refuses_bad_sizes(n: object) -> None:
    params = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5}
    with pytest.raises(
        ParameterError, match="n_customers must be a whole number from 0 to 50,000,000"
    ):
        BetaGeo().simulate(n, 10.0, params=params)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="n_customers must be a whole number"):
        BetaGeoBetaBinom().simulate(
            n,  # type: ignore[arg-type]
            6,
            params={"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78},
        )
