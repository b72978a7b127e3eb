"""Lifecycle values: states, transitions, the feature columns and the errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np

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
def _check_name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be a non-empty string; got {value!r}"
        )
    if value != value.strip():
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} {value!r} has leading or trailing spaces"
        )


def _check_state_name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _check_name(instance, attribute, value)
    if value == WILDCARD:
        raise LifecycleError("'*' is not a state name; it means 'any state' in a transition")


def _check_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be a string; got {value!r}"
        )


def _check_bool(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool | np.bool_):
        raise LifecycleError(
            f"{type(instance).__name__}.{attribute.name} must be True or False; got {value!r}"
        )


def _check_priority(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise LifecycleError(f"Transition.priority must be an int; got {value!r}")


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

    name: str = attrs.field(validator=_check_state_name)
    description: str = attrs.field(default="", kw_only=True, validator=_check_str)
    terminal: bool = attrs.field(default=False, kw_only=True, validator=_check_bool)


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

    source: str = attrs.field(validator=_check_name)
    target: str = attrs.field(validator=_check_state_name)
    when: str = attrs.field(kw_only=True, converter=_guard_text, validator=_check_str)
    priority: int = attrs.field(default=0, kw_only=True, validator=_check_priority)

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
