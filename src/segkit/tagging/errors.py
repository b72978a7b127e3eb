"""Errors raised by the rule language and the tag engine.

The classes live in :mod:`segkit.errors` (one errors module); they are
re-exported here so that ``from segkit.tagging.errors import RuleError`` keeps
working.
"""

from __future__ import annotations

from segkit.errors import (
    RuleCycleError,
    RuleError,
    RuleEvaluationError,
    RuleFileError,
    RuleSyntaxError,
    RuleTypeError,
    UnknownColumnError,
    UnknownFunctionError,
    UnknownTagError,
    caret,
    excerpt,
)

__all__ = [
    "RuleCycleError",
    "RuleError",
    "RuleEvaluationError",
    "RuleFileError",
    "RuleSyntaxError",
    "RuleTypeError",
    "UnknownColumnError",
    "UnknownFunctionError",
    "UnknownTagError",
    "caret",
    "excerpt",
]
