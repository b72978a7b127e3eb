"""The one maximum-likelihood helper shared by every CLV model.

Models hand :func:`maximize` a function returning the log-likelihood and its
gradient over an unconstrained parameter vector (log-parameters and covariate
coefficients), a list of deterministic starting points and the bounds outside
of which an estimate is treated as having reached a boundary of the parameter
space. The helper runs L-BFGS-B from each start, keeps the best, polishes it
with Newton steps on the numerical Hessian of the analytic gradient, and
reports which parameters ended on a bound.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import attrs
import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import threadpool_limits

from segkit.errors import ConvergenceError

__all__ = ["BoundaryWarning", "MLEResult", "hessian", "maximize"]

Array = npt.NDArray[np.float64]
Objective = Callable[[Array], tuple[float, Array]]

#: log-parameters are searched in [-LOG_BOUND, LOG_BOUND] (about 2e-9 .. 5e8)
LOG_BOUND = 20.0


class BoundaryWarning(UserWarning):
    """A fitted parameter lies on the boundary of the parameter space.

    The model was fitted and the estimate is the limiting one (for example
    a dropout probability tending to 0 when nobody has dropped out yet); the
    warning names the parameter and what the limit means.
    """


@attrs.frozen
class MLEResult:
    """Outcome of :func:`maximize`."""

    theta: Array
    log_likelihood: float
    hessian: Array
    at_bound: tuple[int, ...]
    iterations: int


def hessian(func: Objective, theta: Array, grad: Array | None = None) -> Array:
    """Symmetrised finite-difference Jacobian of the analytic gradient.

    Central differences by default; with ``grad`` (the gradient at ``theta``)
    forward differences, which halve the number of gradient evaluations.
    """
    k = theta.size
    out = np.empty((k, k))
    for i in range(k):
        h = 1e-5 * max(1.0, abs(float(theta[i])))
        step = np.zeros(k)
        step[i] = h
        if grad is None:
            out[i] = (func(theta + step)[1] - func(theta - step)[1]) / (2.0 * h)
        else:
            out[i] = (func(theta + step)[1] - grad) / h
    return 0.5 * (out + out.T)


def maximize(
    func: Objective,
    starts: Sequence[Array],
    *,
    bounds: Sequence[tuple[float, float]],
    scale: float,
    penalizer: float = 0.0,
    model: str = "model",
) -> MLEResult:
    """Maximise ``func`` (log-likelihood, gradient) from deterministic starts.

    Parameters
    ----------
    func : callable
        ``theta -> (log_likelihood, gradient)``.
    starts : sequence of arrays
        Starting points, tried in order; later ones are only used when an
        earlier one fails to converge.
    bounds : sequence of (low, high)
        Box for each coordinate of ``theta``.
    scale : float
        Total weight of the data; the objective is divided by it so that the
        convergence tolerances do not depend on the number of customers.
    penalizer : float
        L2 penalty ``penalizer * sum(theta**2)`` subtracted from the
        log-likelihood (0 for plain maximum likelihood).
    model : str
        Model name used in messages.

    Returns
    -------
    MLEResult

    Raises
    ------
    ConvergenceError
        If no start reaches an optimum.
    """

    def objective(theta: Array) -> tuple[float, Array]:
        ll, grad = func(theta)
        if penalizer:
            ll -= penalizer * float(theta @ theta)
            grad = grad - 2.0 * penalizer * theta
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(theta)
        return -ll / scale, -grad / scale

    with threadpool_limits(limits=1, user_api="blas"):
        return _maximize(
            func,
            starts,
            low=np.array([b[0] for b in bounds]),
            high=np.array([b[1] for b in bounds]),
            scale=scale,
            model=model,
            objective=objective,
        )


def _maximize(
    func: Objective,
    starts: Sequence[Array],
    *,
    low: Array,
    high: Array,
    scale: float,
    model: str,
    objective: Callable[[Array], tuple[float, Array]],
) -> MLEResult:
    """Body of :func:`maximize`, run with single-threaded BLAS.

    The optimiser's linear algebra is on a handful of parameters; letting
    BLAS wake worker threads for it costs milliseconds per iteration on a
    busy machine and buys nothing.
    """
    best: tuple[float, Array, int] | None = None
    reasons = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for start in starts:
            x0 = np.clip(np.asarray(start, dtype=np.float64), low, high)
            res = minimize(
                objective,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=list(zip(low, high, strict=True)),
                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
            )
            theta = np.asarray(res.x, dtype=np.float64)
            value, grad = objective(theta)
            free = (theta > low + 1e-8) & (theta < high - 1e-8)
            slope = float(np.max(np.abs(grad[free]), initial=0.0))
            ok = np.isfinite(value) and slope < 1e-4
            if ok and (best is None or value < best[0] - 1e-12):
                best = (value, theta, int(res.nit))
            if ok and (res.success or _stalled_at_optimum(res, slope)):
                break
            reasons.append(str(res.message))
        if best is None:
            raise ConvergenceError(
                f"the {model} fit did not converge from any of {len(starts)} starting points "
                f"({'; '.join(sorted(set(reasons)))}); check the time unit of the data "
                "(t_x and T must share it), or try a small 'penalizer' such as 0.001"
            )
        value, theta, nit = best
        theta, hess = _polish(objective, theta, low, high)

    at_bound = tuple(
        int(i) for i in np.flatnonzero((theta <= low + 1e-6) | (theta >= high - 1e-6))
    )
    ll_value, _ = func(theta)
    # back from the objective to the (penalised) log-likelihood scale
    hess = -hess * scale
    return MLEResult(
        theta=theta,
        log_likelihood=float(ll_value),
        hessian=hess,
        at_bound=at_bound,
        iterations=nit,
    )


#: per-customer gradient below which a failed line search is taken as convergence
STALL_SLOPE = 1e-8


def _stalled_at_optimum(res: OptimizeResult, slope: float) -> bool:
    """Whether an L-BFGS-B exit flagged ABNORMAL is in fact the optimum.

    L-BFGS-B reports ``ABNORMAL_TERMINATION_IN_LNSRCH`` when its line search
    cannot decrease the objective any more, which happens both far from an
    optimum (a bad search direction) and at one, once the decrease is below
    rounding. The objective is the log-likelihood per customer; with a free
    gradient below :data:`STALL_SLOPE` per customer, a Newton step changes
    the log-likelihood by about ``slope**2 / curvature`` per customer, far
    below anything the other starts could gain, so the remaining starts are
    skipped (the result is polished as usual). Flat ridges towards a limit
    of the parameter space have larger slopes (1e-6 .. 1e-5 per customer
    in a BG/NBD fit without dropout) and still try the other starts.
    """
    return "ABNORMAL" in str(res.message) and slope < STALL_SLOPE


def _polish(
    objective: Callable[[Array], tuple[float, Array]], theta: Array, low: Array, high: Array
) -> tuple[Array, Array]:
    """Newton steps on the free coordinates with one numerical Hessian.

    L-BFGS-B stops once the objective stops improving in double precision;
    up to three Newton steps with the Hessian of the analytic gradient (taken
    once, at the L-BFGS-B solution) bring the gradient to (near) zero, which
    makes the estimates reproducible to many digits whatever start was used.
    Returns the polished point and that Hessian (of the objective).
    """
    value, grad = objective(theta)
    hess_full = hessian(objective, theta, grad)
    free = (theta > low + 1e-6) & (theta < high - 1e-6)
    if not free.any():
        return theta, hess_full
    hess = hess_full[np.ix_(free, free)]
    for _ in range(3):
        try:
            step = np.linalg.solve(hess, -grad[free])
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(np.max(np.abs(step))) > 0.1:
            break
        trial = theta.copy()
        trial[free] += step
        trial = np.clip(trial, low, high)
        new_value, new_grad = objective(trial)
        # Near the optimum the value cannot improve in double precision any
        # more; a step that keeps it (to rounding) and shrinks the gradient is
        # still progress.
        worse = new_value > value + 1e-12 * max(abs(value), 1.0)
        if worse or not np.abs(new_grad[free]).max() < np.abs(grad[free]).max():
            break
        theta, value, grad = trial, new_value, new_grad
        if float(np.max(np.abs(step))) < 1e-9:
            break
    return theta, hess_full
