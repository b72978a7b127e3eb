"""The points programme as data: earn rate, rounding, multipliers, caps, expiry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import pandas as pd

from segkit._validation import (
    NONE,
    Constraint,
    Interval,
    Options,
    Satisfies,
    check_keys,
    validate_params,
)
from segkit.errors import ParameterError, RuleError
from segkit.tagging import CompiledRule, compile_rule
from segkit.tagging.context import declared_schema

__all__ = ["TRANSACTION_COLUMNS", "Multiplier", "PointsProgram"]

#: Columns that multiplier rules may read for every transaction (or order).
TRANSACTION_COLUMNS: dict[str, str] = {
    "amount": "the purchase's amount",
    "month": "calendar month of the purchase, 1-12",
    "weekday": "day of the week of the purchase, 0 = Monday",
    "day": "day of the month of the purchase, 1-31",
}

_ROUNDING = ("floor", "round", "ceil")
_STACKING = ("max", "multiply")


#: a positive number, for factors and caps
_POSITIVE = Interval(float, 0, None, closed="neither")
_TEXT = Satisfies(lambda v: isinstance(v, str) and bool(v.strip()), "rule text (a non-empty str)")


@attrs.frozen
class Multiplier:
    """A bonus: points are multiplied by ``factor`` where the rule ``when`` is true.

    Parameters
    ----------
    when : str
        A condition in the rule language (``docs/rules.md``) over the
        transaction columns (:data:`TRANSACTION_COLUMNS`) and the columns
        declared in the programme's ``schema``.
    factor : float
        Greater than 0 (``2`` doubles the points).

    Examples
    --------
    >>> Multiplier("tier == 'gold'", 1.5)
    Multiplier(when="tier == 'gold'", factor=1.5)
    """

    when: str
    factor: float

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "when": [_TEXT],
        "factor": [_POSITIVE],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)


def _as_multipliers(value: Any) -> tuple[Multiplier, ...]:
    if isinstance(value, Multiplier | Mapping | str):
        raise ParameterError(
            f"PointsProgram.multipliers must be a list of Multiplier; got {value!r}"
        )
    out = []
    for i, item in enumerate(value):
        if isinstance(item, Multiplier):
            out.append(item)
        elif isinstance(item, Mapping):
            _check_keys(item, {"when", "factor"}, f"PointsProgram.multipliers[{i}]")
            out.append(Multiplier(item["when"], item["factor"]))
        else:
            raise ParameterError(
                f"PointsProgram.multipliers[{i}] must be a Multiplier or a mapping with "
                f"'when' and 'factor'; got {item!r}"
            )
    return tuple(out)


def _as_schema(value: Any) -> dict[str, Any]:
    return declared_schema(value, "PointsProgram")


def _check_keys(item: Mapping[str, Any], allowed: set[str], where: str) -> None:
    # an item of a list (``multipliers[0]``) needs every key; the programme none
    check_keys(item, allowed, where, required=allowed if where.endswith("]") else ())


@attrs.frozen(eq=False)
class PointsProgram:
    """A loyalty points programme, declared as data.

    Every purchase earns ``amount × earn_rate`` points, times the bonus
    multipliers that apply, rounded and capped; points expire
    ``expiry_months`` after they were earned; redemptions and the claw-back of
    returns take the oldest points first. :meth:`ledger` runs it over a
    transaction log (see ``docs/loyalty.md``).

    Parameters
    ----------
    earn_rate : float
        Points per currency unit, >= 0.
    rounding : {"floor", "round", "ceil"}, default "floor"
        How each purchase's points are made whole (``"round"``: halves up).
    multipliers : list of Multiplier, optional
        Bonus rules; see ``stacking``.
    stacking : {"max", "multiply"}, default "max"
        With several true multipliers, the largest applies (``"max"``) or all
        multiply (``"multiply"``).
    cap_per_order : float, optional
        Most points one purchase (order) can earn.
    cap_per_month : float, optional
        Most points a customer can earn in one calendar month; purchases
        earn in time order until the cap is reached.
    expiry_months : int, optional
        Points expire this many calendar months after they were earned (a
        purchase on 31 January with ``1`` expires at the end of February,
        same time of day). None: never.
    point_value : float, default 0.01
        Currency value of a point, for :meth:`liability`.
    schema : mapping of str to type, optional
        Further columns multiplier rules may read, ``{column: type}``; they
        are taken from the transactions or, when not there, from the
        ``customers`` table given to :meth:`ledger`.

    Raises
    ------
    ParameterError
        A negative rate, an expiry of 0, an unknown rounding...: the message
        names the field.
    UnknownColumnError, RuleSyntaxError, RuleTypeError
        A multiplier rule does not compile; the message names the multiplier.

    Examples
    --------
    >>> program = PointsProgram(1.0, multipliers=[Multiplier("month == 12", 2.0)],
    ...                         expiry_months=12)
    >>> program.multipliers[0].factor
    2.0
    """

    earn_rate: float
    rounding: str = attrs.field(default="floor", kw_only=True)
    multipliers: tuple[Multiplier, ...] = attrs.field(
        default=(), kw_only=True, converter=_as_multipliers
    )
    stacking: str = attrs.field(default="max", kw_only=True)
    cap_per_order: float | None = attrs.field(default=None, kw_only=True)
    cap_per_month: float | None = attrs.field(default=None, kw_only=True)
    expiry_months: int | None = attrs.field(default=None, kw_only=True)
    point_value: float = attrs.field(default=0.01, kw_only=True)
    schema: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=_as_schema)
    _rules: tuple[CompiledRule, ...] = attrs.field(init=False, repr=False)

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "earn_rate": [Interval(float, 0, None)],
        "rounding": [Options(_ROUNDING)],
        "stacking": [Options(_STACKING)],
        "cap_per_order": [_POSITIVE, NONE],
        "cap_per_month": [_POSITIVE, NONE],
        "expiry_months": [Interval(int, 1, None), NONE],
        "point_value": [Interval(float, 0, None)],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)
        clash = sorted(set(self.schema) & set(TRANSACTION_COLUMNS))
        if clash:
            raise ParameterError(
                f"PointsProgram.schema column {clash[0]!r} is provided by the ledger; leave it "
                "out of the schema"
            )
        schema = {**dict.fromkeys(TRANSACTION_COLUMNS, "number"), **self.schema}
        rules = []
        for i, m in enumerate(self.multipliers):
            try:
                rules.append(compile_rule(m.when, schema, tags=()))
            except RuleError as exc:
                raise type(exc)(
                    f"PointsProgram.multipliers[{i}].when: {exc.message}; multiplier rules read "
                    f"{sorted(TRANSACTION_COLUMNS)} and the columns declared in schema=",
                    exc.text,
                    exc.start,
                    exc.end,
                ) from None
        object.__setattr__(self, "_rules", tuple(rules))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PointsProgram):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    # -- other shapes ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsProgram:
        """Build a programme from a dict with the parameters as keys.

        Examples
        --------
        >>> PointsProgram.from_dict({"earn_rate": 2, "expiry_months": 24}).expiry_months
        24
        """
        if not isinstance(data, Mapping):
            raise ParameterError(f"a points programme must be a mapping; got {data!r}")
        allowed = {f.name for f in attrs.fields(cls) if f.init}
        _check_keys(data, allowed, "the points programme")
        if "earn_rate" not in data:
            raise ParameterError("the points programme is missing the key 'earn_rate'")
        rest = {k: v for k, v in data.items() if k != "earn_rate"}
        return cls(data["earn_rate"], **rest)

    @classmethod
    def from_json(cls, source: Any) -> PointsProgram:
        """Build a programme from JSON text, a path or an open file (see :meth:`from_dict`)."""
        from segkit._files import read_json

        return cls.from_dict(read_json(source, "points programme", ParameterError))

    @classmethod
    def from_yaml(cls, source: Any) -> PointsProgram:
        """Build a programme from YAML text, a path or an open file (needs PyYAML)."""
        from segkit._files import read_yaml

        return cls.from_dict(read_yaml(source, "points programme", ParameterError))

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict; :meth:`from_dict` reads it back."""
        out = {f.name: getattr(self, f.name) for f in attrs.fields(type(self)) if f.init}
        out["multipliers"] = [{"when": m.when, "factor": m.factor} for m in self.multipliers]
        out["schema"] = {k: str(v) for k, v in self.schema.items()}
        return out

    # -- evaluation -----------------------------------------------------------
    def ledger(
        self,
        transactions: Any,
        *,
        customer: str,
        timestamp: str,
        amount: str,
        order: str | None = None,
        redemptions: Any = None,
        points: str = "points",
        customers: Any = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Each customer's points as of a date.

        Parameters
        ----------
        transactions : DataFrame
            One row per order line; not modified. A row (or, with ``order``,
            an order's lines at one instant, netted) with a positive net
            amount earns points; a negative one is a return and claws back
            what the purchase it undoes earned: with ``order``, later lines of
            an order are its returns and take back its points pro rata to the
            amount returned; without (or for a return whose order id matches
            no earlier purchase) a return takes back the points the customer
            earned per currency unit bought so far. See ``docs/loyalty.md``.
        customer, timestamp, amount : str
            Column names, as for :func:`segkit.summarize`.
        order : str, optional
            Order id column: an order's lines at its first instant are netted
            into one purchase; its lines at a later instant are a return of
            it (negative net) or a purchase of their own.
        redemptions : DataFrame, optional
            Points spent: columns ``customer``, ``timestamp`` (the same names
            as the transactions) and ``points``.
        points : str, default "points"
            The points column of ``redemptions``.
        customers : DataFrame, optional
            Customer columns that multiplier rules read (by id, in the
            ``customer`` column or the index).
        as_of : date-like, optional
            Nothing later counts; default: the latest transaction.

        Returns
        -------
        pandas.DataFrame
            Indexed by customer: ``points_earned`` (net of claw-backs),
            ``points_redeemed``, ``points_expired``, ``points_balance``
            (= earned - redeemed - expired, never negative) and
            ``points_expiring_30d`` (points that expire within 30 days after
            ``as_of`` unless spent first).

        Warns
        -----
        LoyaltyWarning
            Redemptions larger than the balance (cut to the balance), or by
            customers without transactions (ignored).

        Examples
        --------
        >>> import pandas as pd
        >>> tx = pd.DataFrame({"id": ["a", "a"], "amount": [120.0, 30.0],
        ...     "ts": pd.to_datetime(["2024-01-10", "2024-03-05"])})
        >>> spent = pd.DataFrame({"id": ["a"], "ts": pd.to_datetime(["2024-02-01"]),
        ...     "points": [100]})
        >>> program = PointsProgram(1.0, expiry_months=2)
        >>> program.ledger(tx, customer="id", timestamp="ts", amount="amount",
        ...                redemptions=spent, as_of="2024-03-31").iloc[0].tolist()
        [150.0, 100.0, 20.0, 30.0, 0.0]
        """
        from segkit.loyalty._ledger import ledger

        return ledger(
            self,
            transactions,
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            order=order,
            redemptions=redemptions,
            points=points,
            customers=customers,
            as_of=as_of,
        )

    def liability(self, data: Any, **kwargs: Any) -> pd.Series:
        """Outstanding points and their value (``point_value`` per point).

        Parameters
        ----------
        data : DataFrame
            A :meth:`ledger` result, or transactions (then ``kwargs`` are the
            arguments of :meth:`ledger`).

        Returns
        -------
        pandas.Series
            ``customers_with_points``, ``points_outstanding``, ``value``,
            ``points_expiring_30d`` and ``value_expiring_30d``.

        Examples
        --------
        >>> import pandas as pd
        >>> book = pd.DataFrame({"points_earned": [500.0, 80.0], "points_redeemed": [0.0, 0.0],
        ...     "points_expired": [0.0, 0.0], "points_balance": [500.0, 80.0],
        ...     "points_expiring_30d": [100.0, 0.0]})
        >>> PointsProgram(1.0, point_value=0.01).liability(book)["value"]
        5.8
        """
        from segkit.loyalty._ledger import liability

        return liability(self, data, **kwargs)

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        """The compiled multiplier rules, in order."""
        return self._rules
