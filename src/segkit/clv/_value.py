"""Customer lifetime value from a purchase model and a spend model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit._validation import check_choice
from segkit.clv._base import (
    benign_underflow,
)
from segkit.clv._checks import renamed
from segkit.clv._units import in_model_time
from segkit.errors import ParameterError

__all__ = ["lifetime_value"]


@dispatch("lifetime_value", on="data")
@benign_underflow
def lifetime_value(
    purchase_model: Any,
    spend_model: Any,
    data: Any,
    *,
    horizon: int | None = None,
    period: str | float | None = None,
    discount_rate: float,
    method: str = "periods",
    unit: float | None = None,
    rate_unit: str | float | None = None,
) -> pd.Series:
    r"""Discounted expected value of each customer's purchases over a horizon.

    The horizon is cut into ``horizon`` periods of ``period`` each: a
    calendar unit (``period="M"`` and ``horizon=12`` is a year in months,
    whatever unit the model was fitted in) or a number of model time units
    (``period=52/12`` for a model in weeks). Purchases expected in period ``k`` are valued at
    the customer's expected spend and discounted as if paid at the **end** of
    the period:

    .. math::

        \mathrm{CLV}_i = \sum_{k=1}^{K}
        \frac{E[\bar z_i]\,\bigl(E[Y_i(k u)] - E[Y_i((k-1) u)]\bigr)}{(1 + d)^k}

    where :math:`E[Y_i(t)]` is ``purchase_model.expected_purchases(data, t)``
    (purchases in ``(T, T + t]`` given the history), :math:`E[\bar z_i]` is
    ``spend_model.expected_spend(data)``, ``d`` is ``discount_rate`` per
    period and ``K`` is ``horizon``. With ``discount_rate=0`` this is
    expected spend times expected purchases over ``horizon * period``.

    With ``method="dert"`` the horizon is unlimited and discounting is
    continuous: ``CLV_i = E[spend_i] · DERT_i(δ)``, the discounted expected
    residual transactions of Fader, Hardie & Lee (2005, "RFM and CLV") from
    ``purchase_model.dert(data, δ)``, with ``discount_rate`` the continuously
    compounded rate ``δ`` per model time unit.

    Parameters
    ----------
    purchase_model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
    spend_model : fitted GammaGamma
    data : DataFrame
        Customers with the columns both models were fitted with.
    horizon : int
        Number of discounting periods (``method="periods"`` only).
    period : "D", "W", "M" or float
        Length of one discounting period: a calendar day, week or month
        (365.25/12 days), converted with the purchase model's ``unit_``; or a
        number of the purchase model's time units (for BG/BB, a whole number
        of opportunities). ``method="periods"`` only.
    discount_rate : float
        Discount rate per period (e.g. an annual 10 % over monthly periods is
        ``1.10 ** (1 / 12) - 1``); with ``method="dert"``, the continuously
        compounded rate per model time unit (``math.log(1.10) / 52`` for an
        annual 10 % with weekly units), or per ``rate_unit``.
    method : {"periods", "dert"}, default "periods"
        Discrete periods over a finite horizon, or DERT (an unlimited
        horizon, continuous discounting; BG/NBD, MBG/NBD and the models
        with a ``dert`` method).
    unit : float, optional
        Deprecated name of ``period`` (``unit`` is the calendar unit "D"/"W"/"M"
        of :func:`segkit.summarize`).
    rate_unit : "D", "W", "M", "Y" or float, optional
        With ``method="dert"``: the calendar period the continuous
        ``discount_rate`` is quoted for (``"Y"``: 365.25 days), as in the
        purchase model's ``dert``.

    Returns
    -------
    Series
        Aligned on ``data.index``, in the currency of the spend model.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using
    iso-value curves for customer base analysis. Journal of Marketing
    Research 42(4), 415-430.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.clv import BetaGeo, GammaGamma, lifetime_value
    >>> bg = BetaGeo().simulate(2000, T=40.0, params={"r": .5, "alpha": 10.0, "a": .8, "b": 2.5})
    >>> gg = GammaGamma().simulate(len(bg), bg["x"], params={"p": 6.0, "q": 4.0, "gamma": 15.0})
    >>> data = bg.assign(repeat_aov=gg["repeat_aov"])
    >>> purchases = BetaGeo().fit(data)
    >>> spend = GammaGamma().fit(data)
    >>> clv = lifetime_value(
    ...     purchases, spend, data, horizon=12, period=52 / 12, discount_rate=0.01
    ... )
    >>> bool((clv >= 0).all()), len(clv)
    (True, 2000)

    A model that knows its unit takes calendar periods:

    >>> weekly = BetaGeo(unit="W").fit(data)
    >>> by_month = lifetime_value(weekly, spend, data, horizon=12, period="M", discount_rate=0.01)
    >>> round(float(by_month.sum() / clv.sum()), 4)  # a month is 30.44 days, not 30.33
    1.0029
    """
    check_choice("method", method, ("periods", "dert"), "lifetime_value")
    if unit is not None:
        period = renamed("lifetime_value", "unit", "period", unit, period, None)
    rate = {} if rate_unit is None else {"rate_unit": rate_unit}
    if rate and method != "dert":
        raise ParameterError(
            "rate_unit is for method='dert' (a continuous rate); with method='periods' "
            "discount_rate is the rate per period"
        )
    if isinstance(period, str):
        period = in_model_time(period, purchase_model, "period")
    if method == "dert":
        if horizon is not None or period is not None:
            raise ParameterError(
                "lifetime_value(method='dert') has an unlimited horizon: leave out horizon and "
                "period"
            )
        if not callable(getattr(purchase_model, "dert", None)):
            raise ParameterError(
                f"{type(purchase_model).__name__} has no dert method; use method='periods'"
            )
        dert = purchase_model.dert(data, discount_rate, **rate)
        spend = spend_model.expected_spend(data)
        return pd.Series(dert.to_numpy() * spend.to_numpy(), index=spend.index, name="clv")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"horizon must be an int >= 1 (number of periods); got {horizon!r}")
    if isinstance(period, bool) or not isinstance(period, int | float) or not period > 0:
        raise ParameterError(
            f"period must be a number > 0 (model time per discounting period); got {period!r}"
        )
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, int | float)
        or not discount_rate > -1
        or not np.isfinite(discount_rate)
    ):
        raise ParameterError(f"discount_rate must be a finite number > -1; got {discount_rate!r}")
    spend = spend_model.expected_spend(data)
    ends = [k * period for k in range(1, int(horizon) + 1)]
    factors = (1.0 + discount_rate) ** -np.arange(1.0, int(horizon) + 1.0)
    discounted = getattr(purchase_model, "_discounted", None)
    if discounted is not None:  # once per distinct row (the continuous-time models)
        total = discounted(ends, factors, data)
    else:
        # The sum over periods of the discounted purchases in each, one period
        # at a time in a fixed order (no horizons x customers temporaries).
        total = np.zeros(len(spend))
        before: Any = 0.0
        for factor, t in zip(factors, ends, strict=True):
            now = purchase_model.expected_purchases(data, t).to_numpy()
            total += factor * (now - before)
            before = now
    return pd.Series(total * spend.to_numpy(), index=spend.index, name="clv")
