"""Loyalty programmes: points ledgers, membership tiers over time.

A :class:`PointsProgram` (earn rate, rounding, bonus multipliers in the rule
language, caps, expiry) runs over a transaction log with
:meth:`PointsProgram.ledger`; a :class:`TierProgram` (ordered tiers with
qualification rules, reviews, downgrade protection) is replayed over history
with the lifecycle's machinery by :meth:`TierProgram.replay`. See
``docs/loyalty.md``.

Examples
--------
>>> from segkit.loyalty import PointsProgram
>>> PointsProgram.from_dict({"earn_rate": 1, "expiry_months": 12}).expiry_months
12
"""

from segkit.loyalty._ledger import LEDGER_COLUMNS, LoyaltyWarning
from segkit.loyalty._program import TRANSACTION_COLUMNS, Multiplier, PointsProgram
from segkit.loyalty._tiers import Tier, TierProgram

__all__ = [
    "LEDGER_COLUMNS",
    "TRANSACTION_COLUMNS",
    "LoyaltyWarning",
    "Multiplier",
    "PointsProgram",
    "Tier",
    "TierProgram",
]
