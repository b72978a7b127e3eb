"""Lifecycle values: states, transitions, the feature columns and the errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from numbers import Integral
from typing import Any, ClassVar

import attrs

from segkit._validation import BOOL, Constraint, Satisfies, validate_params
from segkit.errors import LifecycleCycleError, LifecycleError

__all__ = [
    "FEATURE_COLUMNS",
    "WILDCARD",
    "LifecycleCycleError",
    "LifecycleError",
    "LifecycleWarning",
    "State",
    "Transition",
]

#: The ``source`` of a transition that leaves every (non-terminal) state.
WILDCARD = "*"

#: Columns that :meth:`Lifecycle.replay` computes at every period boundary, so
#: guards may use them without declaring a schema.
FEATURE_COLUMNS: dict[str, str] = {
    "orders": "purchases (rows with a non-negative amount) up to the boundary",
    "revenue": "net revenue up to the boundary (returns subtracted)",
    "avg_order_value": "revenue / orders (0 without a purchase)",
    "recency_days": "days from the last purchase to the boundary (null without a purchase)",
    "tenure_days": "days from the first purchase to the boundary (null without a purchase)",
    "days_since_signup": "days from the signup date to the boundary (null when unknown)",
    "orders_{N}d": "purchases in the N days up to the boundary, for any whole N",
    "revenue_{N}d": "net revenue in the N days up to the boundary, for any whole N",
}

#: The day-window feature names, ``orders_{N}d`` and ``revenue_{N}d``.
WINDOW = re.compile(r"^(orders|revenue)_([1-9][0-9]{0,4})d$")
#: The feature names without a window.
FIXED = tuple(k for k in FEATURE_COLUMNS if "{" not in k)


class LifecycleWarning(UserWarning):
    """A lifecycle definition is legal but probably not what was meant."""


# --------------------------------------------------------------------------- #
# Values
# --------------------------------------------------------------------------- #
def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value == value.strip()


def _wildcard_hint(value: Any) -> str:
    return " ('*' means any state, as the source of a transition)" if value == WILDCARD else ""


_STATE_NAME = Satisfies(
    lambda v: _is_name(v) and v != WILDCARD,
    "a non-empty name without edge spaces, not '*'",
    _wildcard_hint,
)
_TEXT = Satisfies(lambda v: isinstance(v, str), "a str")


def _guard_text(value: Any) -> str:
    """Guards are rule text; a list of conditions means any of them."""
    if isinstance(value, list | tuple):
        if not value or not all(isinstance(v, str) for v in value):
            raise LifecycleError(
                f"a guard must be rule text or a non-empty list of rule texts; got {value!r}"
            )
        if len(value) == 1:
            return str(value[0])
        return " or ".join(f"({v})" for v in value)
    return value  # type: ignore[no-any-return]


@attrs.frozen
class State:
    """A lifecycle stage.

    Parameters
    ----------
    name : str
        Unique name (not ``"*"``).
    description : str, optional
        What the stage means, for people (shown in docs and reports).
    terminal : bool, default False
        A terminal state has no transitions out; ``"*"`` transitions skip it.

    Examples
    --------
    >>> State("churned", description="No purchase for a year")
    State(name='churned', description='No purchase for a year', terminal=False)
    """

    name: str
    description: str = attrs.field(default="", kw_only=True)
    terminal: bool = attrs.field(default=False, kw_only=True)

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "name": [_STATE_NAME],
        "description": [_TEXT],
        "terminal": [BOOL],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints, error=LifecycleError)


@attrs.frozen
class Transition:
    """A move from one state to another when a guard (rule text) is true.

    Parameters
    ----------
    source : str
        The state it leaves, or ``"*"`` for every non-terminal state other
        than ``target``.
    target : str
        The state it enters.
    when : str
        The guard, in the rule language (``docs/rules.md``); a list of texts
        means any of them.
    priority : int, default 0
        Transitions out of a state are tried highest priority first; ties go
        by declaration order.

    Examples
    --------
    >>> Transition("new", "active", when="orders >= 2")
    Transition(source='new', target='active', when='orders >= 2', priority=0)
    """

    source: str
    target: str
    when: str = attrs.field(kw_only=True, converter=_guard_text)
    priority: int = attrs.field(default=0, kw_only=True)

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "source": [Satisfies(_is_name, "a state name without edge spaces, or '*'")],
        "target": [_STATE_NAME],
        "when": [_TEXT],
        "priority": [
            Satisfies(lambda v: isinstance(v, Integral) and not isinstance(v, bool), "an int")
        ],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints, error=LifecycleError)

    @property
    def label(self) -> str:
        """``'source' -> 'target'``, as used in messages."""
        return f"{self.source!r} -> {self.target!r}"


# --------------------------------------------------------------------------- #
# The machine


def as_states(states: Iterable[Any]) -> tuple[State, ...]:
    if isinstance(states, str | State) or not isinstance(states, Iterable):
        raise LifecycleError(f"states must be a list of State objects or names; got {states!r}")
    out = tuple(s if isinstance(s, State) else State(s) for s in states)
    if not out:
        raise LifecycleError("a lifecycle needs at least one state")
    return out


def as_transitions(transitions: Iterable[Any]) -> tuple[Transition, ...]:
    if isinstance(transitions, Transition) or not isinstance(transitions, Iterable):
        raise LifecycleError(
            f"transitions must be a list of Transition objects; got {transitions!r}"
        )
    out = tuple(transitions)
    for t in out:
        if not isinstance(t, Transition):
            raise LifecycleError(f"transitions must be Transition objects; got {t!r}")
    return out
