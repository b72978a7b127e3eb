"""The calendar unit of a purchase model: what one unit of ``t_x``, ``T`` and ``t`` is.

A model fitted on :func:`segkit.summarize` output in weeks predicts in weeks.
The unit is recorded on the fitted model as ``unit_`` (its length in days,
or None when it was not given), so that everything that turns model time
into calendar time (the demand forecast, calendar periods of
:func:`segkit.clv.lifetime_value`, a discount rate quoted per year, the
report) reads it instead of assuming one.

Where the unit comes from, in this order: the model's ``unit`` option
(``BetaGeo(unit="W")``), then the fitted frame's ``attrs["unit_days"]`` (the
mark :func:`segkit.summarize` leaves on its output). When both are known
they must agree, and so must the unit of any frame predicted on later.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from segkit._time import unit_days
from segkit.errors import ParameterError

__all__ = [
    "DATA_UNIT",
    "check_data_unit",
    "data_unit",
    "fitted_unit",
    "in_model_time",
    "is_unit",
    "model_unit",
    "rate_days",
    "unit_name",
]

#: the key of ``DataFrame.attrs`` that holds the length in days of the frame's time unit
DATA_UNIT = "unit_days"
#: a year, for discount rates quoted per year: twelve months of 365.25 / 12 days
_YEAR = 365.25
_NAMES = {1.0: "days", 7.0: "weeks", 365.25 / 12.0: "months"}


def is_unit(value: Any) -> bool:
    """Whether ``value`` is a time unit ``unit_days`` accepts ("D", "W", "M" or days > 0)."""
    try:
        unit_days(value)
    except ParameterError:
        return False
    return True


def unit_name(days: float) -> str:
    """``7.0`` -> ``"weeks"``; an unnamed length -> ``"units of 14 days"``."""
    return _NAMES.get(float(days), f"units of {days:g} days")


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9)


def data_unit(data: Any) -> float | None:
    """The length in days of the time unit a frame says it is in (``attrs["unit_days"]``)."""
    attrs = getattr(data, "attrs", None) if isinstance(data, pd.DataFrame) else None
    if not attrs or DATA_UNIT not in attrs:
        return None
    return unit_days(attrs[DATA_UNIT], name=f"data.attrs[{DATA_UNIT!r}]")


def fitted_unit(model: Any, data: Any) -> float | None:
    """The unit a model is being fitted in: its ``unit`` option or the data's mark.

    Raises
    ------
    ParameterError
        If the option is not a unit, or the option and the data disagree.
    """
    option = getattr(model, "unit", None)
    given = None if option is None else unit_days(option, name="unit")
    marked = data_unit(data)
    if given is not None and marked is not None and not _same(given, marked):
        raise ParameterError(
            f"{type(model).__name__}(unit={option!r}) is in {unit_name(given)}, but the data's "
            f"t_x and T are in {unit_name(marked)} (data.attrs[{DATA_UNIT!r}] = {marked:g}, as "
            "summarize(unit=...) marks it): summarize in the model's unit, or give the model "
            "the data's unit"
        )
    return given if given is not None else marked


def check_data_unit(model: Any, data: Any) -> None:
    """Refuse data marked with another unit than the one the model was fitted in."""
    fitted = getattr(model, "unit_", None)
    if fitted is None:
        return
    marked = data_unit(data)
    if marked is not None and not _same(fitted, marked):
        raise ParameterError(
            f"this {type(model).__name__} was fitted in {unit_name(fitted)} but the data's t_x "
            f"and T are in {unit_name(marked)} (data.attrs[{DATA_UNIT!r}] = {marked:g}): "
            f"summarize the customers in {unit_name(fitted)} before predicting (if you "
            f"converted the columns yourself, set data.attrs[{DATA_UNIT!r}] to match)"
        )


def model_unit(model: Any, what: str) -> float:
    """The fitted unit of ``model`` in days, or an error saying how to give it."""
    fitted = getattr(model, "unit_", None)
    if fitted is None:
        raise ParameterError(
            f"{what} needs the time unit {type(model).__name__} was fitted in, and it is not "
            f"known: fit it with unit= (e.g. {type(model).__name__}(unit='W')) or on a "
            "summarize() output, which records its unit"
        )
    return float(fitted)


def in_model_time(length: Any, model: Any, name: str) -> float:
    """A calendar length (``"D"``, ``"W"``, ``"M"`` or a number of days) in model time units."""
    days = unit_days(length, name=name)
    return days / model_unit(model, f"{name}={length!r}")


def rate_days(rate_unit: Any) -> float:
    """Days per period a discount rate is quoted for: ``"D"``, ``"W"``, ``"M"``, ``"Y"`` or days.

    ``"Y"`` is twelve months of 365.25 / 12 days (365.25 days).
    """
    if isinstance(rate_unit, str) and rate_unit == "Y":
        return _YEAR
    try:
        return unit_days(rate_unit, name="rate_unit")
    except ParameterError:
        raise ParameterError(
            "rate_unit must be one of 'D', 'W', 'M', 'Y' (365.25 days) or a number of days > 0; "
            f"got {rate_unit!r}"
        ) from None
