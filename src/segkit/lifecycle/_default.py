"""The default customer lifecycle, with its thresholds as parameters."""

from __future__ import annotations

from segkit._validation import check_int
from segkit.errors import ParameterError
from segkit.lifecycle._definition import State, Transition
from segkit.lifecycle._lifecycle import Lifecycle

__all__ = ["default_lifecycle"]


def default_lifecycle(
    active_days: int = 90,
    at_risk_days: int = 180,
    churn_days: int = 365,
    loyal_orders: int = 5,
    repeat_orders: int = 2,
) -> Lifecycle:
    """The classic CRM lifecycle, every guard written out as rule text.

    ``prospect → new → active → loyal``; ``new``, ``active``, ``loyal`` and
    ``reactivated`` customers who stop buying become ``at_risk``, then
    ``churned``; an ``at_risk`` customer who buys again is ``active`` again; a
    ``churned`` customer who buys again is ``reactivated`` and becomes
    ``active`` with one more purchase soon after.

    Parameters
    ----------
    active_days : int, default 90
        A purchase within this many days counts as current activity: it
        promotes ``new`` and ``active`` customers and wins back ``at_risk`` and
        ``churned`` ones. Also the window of ``orders_{active_days}d``.
    at_risk_days : int, default 180
        Days without a purchase after which a customer is ``at_risk``.
    churn_days : int, default 365
        Days without a purchase after which an ``at_risk`` customer is
        ``churned``.
    loyal_orders : int, default 5
        Purchases that make an active customer ``loyal``.
    repeat_orders : int, default 2
        Purchases that make a new customer ``active``, and purchases within
        ``active_days`` that make a reactivated customer ``active``.

    Returns
    -------
    Lifecycle

    Examples
    --------
    >>> lc = default_lifecycle()
    >>> lc.names
    ('prospect', 'new', 'active', 'loyal', 'at_risk', 'churned', 'reactivated')
    >>> [t.when for t in lc.transitions if t.source == "at_risk"]
    ['recency_days > 365', 'recency_days <= 90']
    """
    owner = "default_lifecycle"
    active_days = check_int("active_days", active_days, owner, 1)
    at_risk_days = check_int("at_risk_days", at_risk_days, owner, 1)
    churn_days = check_int("churn_days", churn_days, owner, 1)
    repeat_orders = check_int("repeat_orders", repeat_orders, owner, 2)
    loyal_orders = check_int("loyal_orders", loyal_orders, owner, 2)
    if not active_days < at_risk_days < churn_days:
        raise ParameterError(
            "default_lifecycle needs active_days < at_risk_days < churn_days; got "
            f"{active_days}, {at_risk_days}, {churn_days}"
        )
    if loyal_orders <= repeat_orders:
        raise ParameterError(
            f"default_lifecycle needs loyal_orders > repeat_orders; got {loyal_orders} and "
            f"{repeat_orders}"
        )
    recent = f"recency_days <= {active_days}"
    lapsed = f"recency_days > {at_risk_days}"
    states = [
        State("prospect", description="Registered, no purchase yet"),
        State("new", description="First purchase made, no repeat purchase yet"),
        State("active", description=f"Repeat customer, last purchase within {at_risk_days} days"),
        State("loyal", description=f"At least {loyal_orders} purchases and still buying"),
        State("at_risk", description=f"No purchase for more than {at_risk_days} days"),
        State("churned", description=f"No purchase for more than {churn_days} days"),
        State("reactivated", description="Bought again after having churned"),
    ]
    transitions = [
        Transition("prospect", "new", when="orders >= 1"),
        Transition("new", "at_risk", when=lapsed, priority=1),
        Transition("new", "active", when=f"orders >= {repeat_orders} and {recent}"),
        Transition("active", "at_risk", when=lapsed, priority=1),
        Transition("active", "loyal", when=f"orders >= {loyal_orders} and {recent}"),
        Transition("loyal", "at_risk", when=lapsed),
        Transition("at_risk", "churned", when=f"recency_days > {churn_days}", priority=1),
        Transition("at_risk", "active", when=recent),
        Transition("churned", "reactivated", when=recent),
        Transition("reactivated", "at_risk", when=lapsed, priority=1),
        Transition("reactivated", "active", when=f"orders_{active_days}d >= {repeat_orders}"),
    ]
    return Lifecycle(states, transitions, initial="prospect")
