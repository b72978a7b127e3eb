"""Errors raised by the rule language and the tag engine.

The classes live in :mod:`segkit.errors` (one errors module); this module
re-exports them so that ``from segkit.tagging.errors import RuleError`` keeps
working.
"""

from __future__ import annotations

from segkit.errors import RuleCycleError as RuleCycleError
from segkit.errors import RuleError as RuleError
from segkit.errors import RuleEvaluationError as RuleEvaluationError
from segkit.errors import RuleFileError as RuleFileError
from segkit.errors import RuleSyntaxError as RuleSyntaxError
from segkit.errors import RuleTypeError as RuleTypeError
from segkit.errors import UnknownColumnError as UnknownColumnError
from segkit.errors import UnknownFunctionError as UnknownFunctionError
from segkit.errors import UnknownTagError as UnknownTagError
from segkit.errors import caret as caret
from segkit.errors import excerpt as excerpt
