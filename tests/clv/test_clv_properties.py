"""Hypothesis properties: any valid history gives finite, coherent predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from segkit.clv import (
    BetaGeo,
    ModifiedBetaGeo,
    ParetoNBD,
    bgnbd_log_likelihood,
    mbgnbd_log_likelihood,
    pareto_nbd_log_likelihood,
)

MODELS = [
    BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    ModifiedBetaGeo.from_params({"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
]
LIKELIHOODS = [bgnbd_log_likelihood, mbgnbd_log_likelihood, pareto_nbd_log_likelihood]


@st.composite
def histories(draw: st.DrawFn) -> tuple[float, float, float]:
    T = draw(st.floats(0.0, 2700.0, allow_nan=False))
    x = draw(st.integers(0, 10000))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, T, allow_nan=False))
    return float(x), t_x, T


log_params = st.tuples(*[st.floats(-5.0, 5.0) for _ in range(4)])


@settings(max_examples=60, deadline=None)
@given(history=histories(), theta=log_params, which=st.integers(0, 2))
def test_log_likelihood_is_finite_and_at_most_zero_in_probability(
    history: tuple[float, float, float], theta: tuple[float, ...], which: int
) -> None:
    x, t_x, T = history
    ll, grad = LIKELIHOODS[which](np.array(theta), [x], [t_x], [T])
    assert np.isfinite(ll)
    assert np.all(np.isfinite(grad))


@settings(max_examples=60, deadline=None)
@given(history=histories(), t=st.floats(0.0, 500.0), which=st.integers(0, 2))
# r + x = 1347.5 is integrated over p; the survival there was 1 + 3e-12 at t -> 0
@example(history=(1347.0, 0.0, 0.0), t=7.372368634216142e-227, which=1)
def test_predictions_are_coherent(
    history: tuple[float, float, float], t: float, which: int
) -> None:
    model = MODELS[which]
    x, t_x, T = history
    row = pd.DataFrame({"x": [x], "t_x": [t_x], "T": [T]})
    alive = float(model.p_alive(row).iloc[0])
    later = float(model.p_alive(row, t=t).iloc[0])
    expected = float(model.expected_purchases(row, t).iloc[0])
    none = float(model.probability_of_purchases(row, 0, t).iloc[0])
    assert 0.0 <= later <= alive + 1e-12 <= 1.0 + 1e-12
    assert expected >= -1e-12
    assert np.isfinite(expected)
    # More time never means fewer expected purchases.
    longer = float(model.expected_purchases(row, 2.0 * t + 1.0).iloc[0])
    assert longer >= expected - 1e-9 * max(1.0, expected)
    assert 1.0 - alive - 1e-12 <= none <= 1.0 + 1e-12
