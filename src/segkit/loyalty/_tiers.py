"""Membership tiers: qualification rules, review dates and downgrade protection.

A :class:`TierProgram` is compiled into a :class:`~segkit.lifecycle.Lifecycle`
whose states are the tiers, and replayed with the lifecycle's machinery:

* from tier ``i`` to a higher tier ``j`` when ``j``'s rule is true (highest
  first), at any point, or only at reviews with ``upgrade="review"``;
* from tier ``i`` one level down at a review when ``i``'s rule is false and
  the customer started the review in ``i`` (protection: at most one level
  per review); without protection, down at any point to the tier whose rule
  holds.

Two guard columns are computed at each point: ``review_due`` (the point is
a review date for the customer) and ``tier_level`` (the tier held before the
point, 0 for the base tier).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs
import numpy as np
import pandas as pd

from segkit._time import DAY_NS
from segkit._validation import BOOL, Constraint, Options, Satisfies, check_keys, validate_params
from segkit.errors import ParameterError, RuleError
from segkit.lifecycle import Lifecycle, LifecycleWarning, Transition
from segkit.tagging import ast as rule_ast
from segkit.tagging import parse
from segkit.tagging.context import declared_schema

__all__ = ["Tier", "TierProgram"]

_REVIEWS = ("monthly", "quarterly", "anniversary")
_UPGRADES = ("immediate", "review")
_RESERVED = ("review_due", "tier_level")


@attrs.frozen
class Tier:
    """A membership level and the rule that qualifies a customer for it.

    Parameters
    ----------
    name : str
    when : str or None
        Qualification in the rule language over the replay's features
        (``orders``, ``revenue``, ``orders_365d``, ``revenue_365d``, ...; see
        :data:`segkit.lifecycle.FEATURE_COLUMNS`) and the programme's
        ``schema``. None for the base tier, which everyone qualifies for.

    Examples
    --------
    >>> Tier("gold", "revenue_365d >= 1000 or orders_365d >= 12")
    Tier(name='gold', when='revenue_365d >= 1000 or orders_365d >= 12')
    """

    name: str
    when: str | None = None

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "name": [
            Satisfies(
                lambda v: isinstance(v, str) and bool(v.strip()) and v == v.strip(),
                "a non-empty str without edge spaces",
            )
        ],
        "when": [
            Satisfies(lambda v: isinstance(v, str) and bool(v.strip()), "rule text"),
            Satisfies(lambda v: v is None, "None (the base tier)"),
        ],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)


def _as_tiers(value: Any) -> tuple[Tier, ...]:
    if isinstance(value, str | Tier | Mapping) or not isinstance(value, Iterable):
        raise ParameterError(f"TierProgram.tiers must be a list of Tier; got {value!r}")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, Tier):
            out.append(item)
        elif isinstance(item, str):
            out.append(Tier(item))
        elif isinstance(item, Mapping):
            check_keys(item, ("name", "when"), f"TierProgram.tiers[{i}]", required=("name",))
            out.append(Tier(item["name"], item.get("when")))
        else:
            raise ParameterError(f"TierProgram.tiers[{i}] must be a Tier; got {item!r}")
    return tuple(out)


def _as_schema(value: Any) -> dict[str, Any]:
    return declared_schema(value, "TierProgram")


def _thresholds(text: str) -> dict[str, float]:
    """``column >= number`` / ``column > number`` atoms outside ``not``: column -> threshold."""
    out: dict[str, list[float]] = {}
    stack = [parse(text)]
    while stack:
        node = stack.pop()
        if isinstance(node, rule_ast.Unary) and node.op == "not":
            continue
        if (
            isinstance(node, rule_ast.Binary)
            and node.op in (">=", ">")
            and isinstance(node.left, rule_ast.Column)
            and isinstance(node.right, rule_ast.Literal)
            and isinstance(node.right.value, int | float)
            and not isinstance(node.right.value, bool)
        ):
            out.setdefault(node.left.name, []).append(float(node.right.value))
            continue
        stack.extend(rule_ast.children(node))
    return {col: values[0] for col, values in out.items() if len(values) == 1}


@attrs.frozen(eq=False)
class TierProgram:
    """Membership tiers over time, declared as data.

    Parameters
    ----------
    tiers : list of Tier
        From the lowest to the highest; the first is the base tier (no rule).
    review : {"monthly", "quarterly", "anniversary"}, default "monthly"
        When tiers are reviewed: each month start, each quarter start, or at
        the first point on or after each anniversary of the customer's first
        purchase.
    protection : bool, default True
        Downgrade protection: a customer keeps a tier until the next review
        after falling below it, and drops at most one level per review.
        Without it the tier follows the rules at every point.
    upgrade : {"immediate", "review"}, default "immediate"
        Upgrades as soon as a higher tier's rule holds, or only at reviews.
    schema : mapping of str to type, optional
        Customer columns the rules read (from ``customers`` in :meth:`replay`).

    Raises
    ------
    ParameterError
        Fewer than two tiers, a base tier with a rule or a higher tier
        without one, tiers out of order (a higher tier qualifying at a lower
        threshold of the same column), an unknown review: the message names
        the field.
    UnknownColumnError, RuleSyntaxError, RuleTypeError
        A rule does not compile; the message names the tier.

    Examples
    --------
    >>> program = TierProgram([Tier("member"), Tier("silver", "revenue_365d >= 300"),
    ...                        Tier("gold", "revenue_365d >= 1000")], review="quarterly")
    >>> program.lifecycle.names
    ('member', 'silver', 'gold')
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_as_tiers)
    review: str = attrs.field(default="monthly", kw_only=True)
    protection: bool = attrs.field(default=True, kw_only=True)
    upgrade: str = attrs.field(default="immediate", kw_only=True)
    schema: dict[str, Any] = attrs.field(factory=dict, kw_only=True, converter=_as_schema)
    lifecycle: Lifecycle = attrs.field(init=False, repr=False)

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "review": [Options(_REVIEWS)],
        "protection": [BOOL],
        "upgrade": [Options(_UPGRADES)],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints)
        self._check_tiers()
        object.__setattr__(self, "lifecycle", self._build())

    def _check_tiers(self) -> None:
        tiers = self.tiers
        if len(tiers) < 2:
            raise ParameterError(f"TierProgram.tiers needs at least two tiers; got {len(tiers)}")
        names = [t.name for t in tiers]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ParameterError(f"TierProgram.tiers[{i}]: tier {name!r} is declared twice")
        if tiers[0].when is not None:
            raise ParameterError(
                f"TierProgram.tiers[0] ({names[0]!r}) is the base tier and has no rule; "
                "list the tiers from the lowest (no rule) to the highest"
            )
        for i, tier in enumerate(tiers[1:], 1):
            if tier.when is None:
                raise ParameterError(
                    f"TierProgram.tiers[{i}] ({tier.name!r}) needs a rule (when=); only the "
                    "first, lowest tier has none — list the tiers from the lowest to the highest"
                )
        clash = sorted(set(self.schema) & set(_RESERVED))
        if clash:
            raise ParameterError(
                f"TierProgram.schema column {clash[0]!r} is computed by the replay; leave it out"
            )
        for i, tier in enumerate(tiers[1:], 1):
            self._compile(i, tier)
        for i in range(2, len(tiers)):
            lower, upper = _thresholds(str(tiers[i - 1].when)), _thresholds(str(tiers[i].when))
            for col in sorted(set(lower) & set(upper)):
                if upper[col] < lower[col]:
                    raise ParameterError(
                        f"TierProgram.tiers[{i}] ({tiers[i].name!r}) qualifies at {col} >= "
                        f"{upper[col]:g}, below tiers[{i - 1}] ({tiers[i - 1].name!r}) at "
                        f"{lower[col]:g}: the tiers are out of order; list them from the "
                        "lowest to the highest"
                    )

    def _compile(self, i: int, tier: Tier) -> None:
        """Compile one rule alone, so an error names the tier."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LifecycleWarning)
                Lifecycle(
                    ["a", "b"],
                    [Transition("a", "b", when=str(tier.when))],
                    initial="a",
                    schema=self.schema,
                )
        except RuleError as exc:
            message = exc.message.split(": ", 1)[-1]  # drop the probe's transition label
            raise type(exc)(
                f"TierProgram.tiers[{i}].when ({tier.name!r}): {message}",
                exc.text,
                exc.start,
                exc.end,
            ) from None

    def _build(self) -> Lifecycle:
        names = [t.name for t in self.tiers]
        rules = [f"({t.when})" for t in self.tiers]
        at_review = " and review_due" if self.upgrade == "review" else ""
        transitions: list[Transition] = []
        for i, source in enumerate(names):
            transitions.extend(
                Transition(source, names[j], when=f"{rules[j]}{at_review}", priority=j)
                for j in range(i + 1, len(names))
            )
            if i == 0:
                continue
            if self.protection:
                down = f"review_due and tier_level == {i} and not {rules[i]}"
            else:
                down = f"not {rules[i]}"
            if self.review == "anniversary":
                down += " and tenure_days is not null"  # the replay then computes tenure
            transitions.append(Transition(source, names[i - 1], when=down, priority=-1))
        schema = {**self.schema, "review_due": "bool", "tier_level": "number"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LifecycleWarning)  # top tier: no way up
            return Lifecycle(names, transitions, initial=names[0], schema=schema)

    # -- other shapes ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierProgram:
        """Build a programme from a dict: ``tiers`` (names or ``{name, when}``) and options.

        Examples
        --------
        >>> TierProgram.from_dict({"tiers": ["member", {"name": "vip", "when": "orders >= 10"}],
        ...                        "review": "anniversary"}).review
        'anniversary'
        """
        if not isinstance(data, Mapping):
            raise ParameterError(f"a tier programme must be a mapping; got {data!r}")
        allowed = ("protection", "review", "schema", "tiers", "upgrade")
        check_keys(data, allowed, "the tier programme", required=("tiers",))
        return cls(data["tiers"], **{k: v for k, v in data.items() if k != "tiers"})

    @classmethod
    def from_json(cls, source: Any) -> TierProgram:
        """Build a programme from JSON text, a path or an open file."""
        from segkit._files import read_json

        return cls.from_dict(read_json(source, "tier programme", ParameterError))

    @classmethod
    def from_yaml(cls, source: Any) -> TierProgram:
        """Build a programme from YAML text, a path or an open file (needs PyYAML)."""
        from segkit._files import read_yaml

        return cls.from_dict(read_yaml(source, "tier programme", ParameterError))

    def to_dict(self) -> dict[str, Any]:
        """The programme as a plain dict; :meth:`from_dict` reads it back."""
        return {
            "tiers": [{"name": t.name, "when": t.when} for t in self.tiers],
            "review": self.review,
            "protection": self.protection,
            "upgrade": self.upgrade,
            "schema": {k: str(v) for k, v in self.schema.items()},
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TierProgram):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    # -- replay ---------------------------------------------------------------
    def replay(self, transactions: Any, **options: Any) -> pd.DataFrame:
        """Tiers over history, evaluated at every ``freq`` boundary and at ``end``.

        The replay is :meth:`Lifecycle.replay` of :attr:`lifecycle` (the same
        features, time policy and arguments); customers enter in the base
        tier at their first purchase (or signup) and move up at once when
        they qualify.

        Parameters
        ----------
        transactions : DataFrame or TransactionColumns
            One row per order line; not modified. Columns already read
            (:meth:`TransactionColumns.read <segkit.transactions.TransactionColumns.read>`)
            are used as read, as :meth:`Lifecycle.replay` uses them.
        **options
            The keywords of :meth:`Lifecycle.replay`: ``customer``,
            ``timestamp`` and ``amount``, and optionally ``order``, ``freq``,
            ``start``, ``end``, ``customers``, ``signup`` and ``output``
            (``columns_at`` is the programme's own: the review dates and the
            tier level).

        Returns
        -------
        pandas.DataFrame
            The panel of :meth:`Lifecycle.replay` (``customer``, ``period``,
            ``state`` = the tier, ``previous_state``, ``changed``) with
            ``upgrade`` and ``downgrade`` flags; :func:`segkit.lifecycle.flows`
            gives the tier counts over time, the moves and the time in tier.
            ``output="changes"`` gives only the changes (``customer``,
            ``date``, ``from``, ``to``, with the same flags), as for
            :meth:`Lifecycle.replay`.

        Examples
        --------
        >>> import pandas as pd
        >>> tx = pd.DataFrame({"id": [1, 1, 1], "amount": [400.0, 700.0, 10.0],
        ...     "ts": pd.to_datetime(["2023-01-10", "2023-02-10", "2024-03-01"])})
        >>> program = TierProgram([Tier("member"), Tier("silver", "revenue_365d >= 300"),
        ...                        Tier("gold", "revenue_365d >= 1000")])
        >>> panel = program.replay(tx, customer="id", timestamp="ts", amount="amount")
        >>> panel.loc[panel["changed"], ["period", "state", "upgrade", "downgrade"]]
               period   state  upgrade  downgrade
        0  2023-02-01  silver    False      False
        1  2023-03-01    gold     True      False
        12 2024-02-01  silver    False       True
        13 2024-03-01  member    False       True

        Gold from March 2023 (1,100 in 365 days); at the February 2024
        review the January purchase has left the window (silver), and one
        level more at the March review.
        """
        if "columns_at" in options:
            raise ParameterError(
                "TierProgram.replay sets columns_at itself (review_due, tier_level); "
                "replay the lifecycle (program.lifecycle.replay) for other columns"
            )
        columns_at = {"review_due": self._review_due(), "tier_level": _tier_level}
        panel = self.lifecycle.replay(transactions, **options, columns_at=columns_at)
        panel_output = options.get("output", "panel") == "panel"
        now, then = ("state", "previous_state") if panel_output else ("to", "from")
        level = panel[now].cat.codes.to_numpy()
        before = panel[then].cat.codes.to_numpy()
        entered = before < 0
        panel["upgrade"] = ~entered & (level > before)
        panel["downgrade"] = ~entered & (level < before)
        return panel

    def _review_due(self) -> Any:
        if self.review == "anniversary":
            return _Anniversaries()
        months = 1 if self.review == "monthly" else 3

        def due(k: int, when: pd.Timestamp, states: Any, features: Any) -> Any:
            wall = when.tz_localize(None) if when.tzinfo is not None else when
            start = wall == wall.normalize() and wall.day == 1 and (wall.month - 1) % months == 0
            return np.full(states.size, bool(start))

        return due


def _tier_level(k: int, when: pd.Timestamp, states: Any, features: Any) -> Any:
    return np.maximum(states, 0).astype(np.float64)


class _Anniversaries:
    """``review_due`` on each customer's first point on or after an anniversary."""

    def __init__(self) -> None:
        self.seen: Any = None

    def __call__(self, k: int, when: pd.Timestamp, states: Any, features: Any) -> Any:
        wall = when.tz_localize(None) if when.tzinfo is not None else when
        b = int(wall.value)
        tenure = np.asarray(features["tenure_days"], dtype=np.float64)
        known = ~np.isnan(tenure)
        first = np.where(known, b - np.rint(np.nan_to_num(tenure) * DAY_NS), b).astype(np.int64)
        # whole calendar years from the first purchase to this point
        f = first.astype("datetime64[ns]")
        months = (wall.year * 12 + wall.month - 1) - (
            f.astype("datetime64[M]").astype(np.int64) + 1970 * 12
        )
        offset_first = first - f.astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64)
        offset_here = b - pd.Timestamp(wall.year, wall.month, 1).value
        months = months - (offset_here < offset_first)
        years = np.where(known, months // 12, 0)
        if self.seen is None or self.seen.size != years.size:
            self.seen = np.zeros(years.size, dtype=np.int64)
        due = years > self.seen
        self.seen = np.maximum(self.seen, years)
        return due
