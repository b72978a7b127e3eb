"""The options of :func:`segkit.profile`, as one value the report can read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from segkit._validation import check_keys
from segkit.errors import ParameterError

__all__ = ["DEFAULT_BANDS", "ProfileOptions"]

#: Bands added when a customer profile has numeric ``age`` or ``income``:
#: column -> (edges, labels); edges are left-closed, the last is open.
DEFAULT_BANDS: Mapping[str, tuple[tuple[float, ...], tuple[str, ...]]] = {
    "age": ((0, 25, 35, 45, 55, 65, np.inf), ("<25", "25-34", "35-44", "45-54", "55-64", "65+")),
    "income": ((0, 25_000, 50_000, 100_000, np.inf), ("<25k", "25-50k", "50-100k", "100k+")),
}


def _windows(value: Any) -> tuple[int, ...]:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        raise ParameterError(
            f"windows must be a sequence of days, e.g. ({int(value)},); got {value!r}"
        )
    try:
        days = tuple(value)
    except TypeError:
        raise ParameterError(f"windows must be a sequence of days; got {value!r}") from None
    for day in days:
        if (
            isinstance(day, bool)
            or not isinstance(day, int | np.integer)
            or not 1 <= day <= 36_525
        ):
            raise ParameterError(
                f"windows must hold whole numbers of days from 1 to 36525; got {day!r}"
            )
    return tuple(int(d) for d in days)


def _positive_int(name: str, high: int) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is None and attribute.default is None:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not 1 <= value <= high
        ):
            raise ParameterError(
                f"The {name!r} option of profile must be a whole number from 1 to {high:,}; "
                f"got {value!r}"
            )

    return check


def _rate(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 < value < 10:
        raise ParameterError(
            f"The 'discount_rate' option of profile must be a number in (-1, 10) per month; "
            f"got {value!r}"
        )


@attrs.frozen(kw_only=True)
class ProfileOptions:
    """What :func:`segkit.profile` computes, and how.

    Every field can also be given to :func:`segkit.profile` as a keyword
    (``profile(tx, ..., holdout_days=273)``); the :class:`~segkit.Profile`
    keeps the options it was made with (``Profile.options``), and the report
    reads them (for example the CLV horizon it prints).

    Attributes
    ----------
    as_of : date-like, optional
        The date of the profile (default: the latest timestamp). A date
        without a time means the end of that day.
    windows : tuple of int
        Windows in days for ``orders_{N}d`` and ``revenue_{N}d``.
    event_windows : tuple of int
        Windows in days for behaviour event counts (``page_view_30d``).
    rules : "starter", TagEngine, path, rules or None
        Tag rules; ``"starter"`` uses the shipped starter library (the rules
        whose columns exist).
    lifecycle : "default", Lifecycle or None
        The lifecycle machine replayed every ``freq`` from
        ``lifecycle_start`` (default: 24 months before ``as_of``, or the
        first purchase if later).
    freq, lifecycle_start
        Period and start of the lifecycle replay.
    clv : bool
        Fit BG/NBD and Gamma-Gamma (weekly units) and add ``p_alive``,
        ``expected_purchases_90d``, ``expected_spend`` and ``clv``.
    clv_horizon : int
        Months of future value in ``clv``.
    discount_rate : float
        Discount rate per month.
    holdout_days : int, optional
        Also fit on data up to ``as_of - holdout_days`` and compare predicted
        with actual purchases in the holdout.
    rfm : RFMScorer, optional
        The scorer to fit (default: 5 quantile bins, the ``rfm11`` map).
    bands : mapping
        Bands for numeric profile columns: column -> (edges, labels).
    signup : str or None
        Column of the customer profiles with the sign-up date (prospects).
    event : str
        Column of the events with the event kind.
    progress : bool, optional
        Show a progress bar (default: only on an interactive terminal).
    category : str or None
        Column of the transactions with the product category: when present,
        adds ``share_<category>``, ``favourite_category`` and
        ``category_count`` (:func:`segkit.affinity.category_affinity`) and
        ``Profile.results["segment_affinity"]`` (categories per segment).
    product : str or None
        Column of the transactions with the product, for ``recommendations``.
    recommendations : int, optional
        Fit a :class:`~segkit.affinity.CoPurchaseRecommender` on the
        ``product`` column and keep this many items per customer in
        ``Profile.results["recommendations"]``.
    loyalty : PointsProgram, TierProgram or a list of them, optional
        Loyalty programmes (:mod:`segkit.loyalty`): a points programme adds
        the ledger columns (``points_balance``, ...) as of ``as_of`` and
        ``results["points_liability"]``; a tier programme adds ``tier`` and
        ``results["tiers"]`` (the replay panel) and ``results["tier_flows"]``;
        either adds ``results["cohorts"]``
        (:func:`segkit.evaluate.cohort_retention`).
    """

    as_of: Any = None
    windows: tuple[int, ...] = attrs.field(default=(30, 90, 365), converter=_windows)
    event_windows: tuple[int, ...] = attrs.field(default=(7, 30, 90), converter=_windows)
    rules: Any = "starter"
    lifecycle: Any = "default"
    freq: str = "MS"
    lifecycle_start: Any = None
    clv: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    clv_horizon: int = attrs.field(default=12, validator=_positive_int("clv_horizon", 1200))
    discount_rate: float = attrs.field(default=0.01, validator=_rate)
    holdout_days: int | None = attrs.field(
        default=None, validator=_positive_int("holdout_days", 36_525)
    )
    rfm: Any = None
    bands: Mapping[str, tuple[tuple[float, ...], tuple[str, ...]]] = DEFAULT_BANDS
    signup: str | None = "signup_date"
    event: str = "event"
    progress: bool | None = None
    category: str | None = "category"
    product: str | None = "product"
    recommendations: int | None = attrs.field(
        default=None, validator=_positive_int("recommendations", 1000)
    )
    loyalty: Any = None

    @classmethod
    def from_keywords(
        cls, base: ProfileOptions | None, keywords: Mapping[str, Any]
    ) -> ProfileOptions:
        """``base`` (or the defaults) with the fields named in ``keywords`` replaced.

        Unknown names raise a :class:`~segkit.errors.ParameterError` with the
        closest option name.
        """
        check_keys(keywords, [f.name for f in attrs.fields(cls)], "profile", noun="option")
        options = cls() if base is None else base
        if not isinstance(options, cls):
            raise ParameterError(f"options must be a ProfileOptions; got {type(base).__name__}")
        return attrs.evolve(options, **keywords) if keywords else options
