"""The shared maximum-likelihood helper: when a failed line search counts as convergence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

import segkit.clv._mle as mle

STARTS = [np.array([0.3, 2.0]), np.array([5.0, 5.0]), np.array([-3.0, 0.0])]


def _make(calls: list[int]) -> mle.Objective:
    # maximum at (1, 1); the value carries rounding-like noise of 1e-13 that
    # the (exact) gradient does not, so L-BFGS-B's line search fails next to
    # the optimum with ABNORMAL_TERMINATION_IN_LNSRCH
    def func(theta: mle.Array) -> tuple[float, mle.Array]:
        calls.append(1)
        d = theta - 1.0
        noise = 1e-13 * float(np.sum(np.sin(1e9 * theta)))
        return -float(np.sum(np.cosh(d))) - noise, -np.sinh(d)

    return func


def test_the_noisy_objective_ends_abnormal_next_to_the_optimum() -> None:
    func = _make([])
    res = minimize(
        lambda t: tuple(-v for v in func(t)),
        STARTS[0],
        jac=True,
        method="L-BFGS-B",
        bounds=[(-20.0, 20.0)] * 2,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
    )
    assert str(res.message).startswith("ABNORMAL")
    assert float(np.max(np.abs(res.jac))) < mle.STALL_SLOPE


@pytest.mark.parametrize(
    ("stall", "runs"), [(mle.STALL_SLOPE, 1), (0.0, 2)], ids=["accepted", "restarted"]
)
def test_an_abnormal_exit_at_the_optimum_skips_the_other_starts(
    stall: float, runs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mle, "STALL_SLOPE", stall)
    messages: list[str] = []

    def counted(*args: object, **kwargs: object) -> object:
        res = minimize(*args, **kwargs)
        messages.append(str(res.message))
        return res

    monkeypatch.setattr(mle, "minimize", counted)
    result = mle.maximize(_make([]), STARTS, bounds=[(-20.0, 20.0)] * 2, scale=1.0)
    np.testing.assert_allclose(result.theta, [1.0, 1.0], atol=1e-8)
    assert len(messages) == runs
    assert messages[0].startswith("ABNORMAL")


def test_a_flat_ridge_still_tries_the_other_starts() -> None:
    class Res:
        message = "ABNORMAL: "

    assert not mle._stalled_at_optimum(Res(), 3e-6)  # a BG/NBD no-dropout ridge
    assert mle._stalled_at_optimum(Res(), 3e-9)
    Res.message = "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"
    assert not mle._stalled_at_optimum(Res(), 3e-9)
