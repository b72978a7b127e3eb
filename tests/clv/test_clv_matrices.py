"""Frequency/recency and P(alive) matrices returned as data, for every purchase model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.clv import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD
from segkit.errors import ParameterError

FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # [FHL05], CDNOW weeks
FHS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # [FHS10] donations

CONTINUOUS = [
    pytest.param(BetaGeo.from_params(FHL), id="BG/NBD"),
    pytest.param(ModifiedBetaGeo.from_params(FHL), id="MBG/NBD"),
    pytest.param(
        ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
        id="Pareto/NBD",
    ),
]


@pytest.mark.parametrize("model", CONTINUOUS)
def test_matrices_hold_the_predictions_of_each_history(model: object) -> None:
    p_alive = model.p_alive_matrix(T=38.86, max_x=6)  # type: ignore[attr-defined]
    expected = model.frequency_recency_matrix(39.0, T=38.86, max_x=6)  # type: ignore[attr-defined]
    for frame in (p_alive, expected):
        assert frame.shape == (41, 7)
        assert frame.index.name == "t_x"
        assert frame.columns.name == "x"
        assert list(frame.columns) == list(range(7))
        assert frame.index[0] == 0.0
        assert frame.index[-1] == pytest.approx(38.86)
        # x = 0 is only possible with t_x = 0
        assert frame[0].iloc[1:].isna().all()
        assert frame[0].iloc[:1].notna().all()
    # each cell is the prediction for that one history
    t_x = float(p_alive.index[30])
    one = pd.DataFrame({"x": [4], "t_x": [t_x], "T": [38.86]})
    assert p_alive.loc[t_x, 4] == model.p_alive(one).iloc[0]  # type: ignore[attr-defined]
    assert expected.loc[t_x, 4] == model.expected_purchases(one, 39.0).iloc[0]  # type: ignore[attr-defined]


def test_bgbb_p_alive_matrix_reproduces_the_paper() -> None:
    # [FHS10]: of the 1995 cohort observed over six opportunities (1996-2001), a
    # donor with no repeat donation is alive in 2002 with probability 0.11, one
    # with 2 donations the last in 1999 0.59, and one with 6 of 6 0.93
    matrix = BetaGeoBetaBinom.from_params(FHS).p_alive_matrix(T=6, max_x=6)
    assert matrix.shape == (7, 7)
    assert list(matrix.index) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [round(float(matrix.loc[t, x]), 2) for x, t in [(0, 0), (2, 4), (6, 6)]] == [
        0.11,
        0.59,
        0.93,
    ]
    # impossible histories: more transactions than opportunities up to the last one
    assert np.isnan(matrix.loc[3.0, 4])
    assert np.isnan(matrix.loc[2.0, 0])


def test_bgbb_frequency_recency_matrix_is_expected_transactions() -> None:
    model = BetaGeoBetaBinom.from_params(FHS)
    matrix = model.frequency_recency_matrix(5, T=6, max_x=6)
    one = pd.DataFrame({"frequency": [3], "recency": [5], "periods": [6]})
    assert matrix.loc[5.0, 3] == model.expected_purchases(one, 5).iloc[0]


def test_defaults_come_from_the_fitted_data(cdnow_summary: pd.DataFrame) -> None:
    model = BetaGeo().fit(cdnow_summary)
    matrix = model.p_alive_matrix()
    assert matrix.index[-1] == pytest.approx(cdnow_summary["T"].max())
    x = cdnow_summary["x"].sort_values().to_numpy()
    assert int(matrix.columns[-1]) == int(x[int(np.ceil(0.99 * len(x))) - 1])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.p_alive_matrix(max_x=5), "give T"),
        (lambda m: m.p_alive_matrix(T=10.0), "give max_x"),
        (lambda m: m.p_alive_matrix(T=-1.0, max_x=5), "T must be a number > 0; got -1.0"),
        (lambda m: m.p_alive_matrix(T=10.0, max_x=0), "max_x must be an int >= 1; got 0"),
        (lambda m: m.frequency_recency_matrix(-2.0, T=10.0, max_x=5), "t must be finite and >= 0"),
    ],
    ids=["no-T", "no-max_x", "T<0", "max_x=0", "t<0"],
)
def test_matrix_arguments_are_checked(call: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call(BetaGeo.from_params(FHL))  # type: ignore[operator]
