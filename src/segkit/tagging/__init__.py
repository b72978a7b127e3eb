"""A safe rule language for customer tags, compiled to vectorised column operations.

Rules are parsed (never passed to ``eval``), type-checked against the frame's
dtypes, and evaluated column-wise with three-valued (Kleene) logic: a
comparison with a missing value is unknown, and a rule that is unknown does
not match. See ``docs/rules.md`` for the language and ``docs/tagging.md`` for
the engine.

Examples
--------
>>> import pandas as pd
>>> from segkit.tagging import evaluate_rule
>>> df = pd.DataFrame({"orders": [1, 4, None], "city": ["Oslo", "Rome", "Oslo"]})
>>> evaluate_rule("orders >= 3 or city == 'Rome'", df).tolist()
[False, True, <NA>]
>>> evaluate_rule("orders * 10", df).tolist()
[10.0, 40.0, <NA>]
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

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
)
from segkit.tagging.ast import Node
from segkit.tagging.compiler import CompiledRule, RuleContext, compile_rule, infer_type
from segkit.tagging.engine import Coverage, TagEngine, coverage, diff
from segkit.tagging.parser import parse
from segkit.tagging.rules import (
    Rule,
    rules_from_dict,
    rules_from_json,
    rules_from_yaml,
    starter_rules,
)

__all__ = [
    "CompiledRule",
    "Coverage",
    "Node",
    "Rule",
    "RuleContext",
    "RuleCycleError",
    "RuleError",
    "RuleEvaluationError",
    "RuleFileError",
    "RuleSyntaxError",
    "RuleTypeError",
    "TagEngine",
    "UnknownColumnError",
    "UnknownFunctionError",
    "UnknownTagError",
    "compile_rule",
    "coverage",
    "diff",
    "evaluate",
    "evaluate_rule",
    "infer_type",
    "parse",
    "rules_from_dict",
    "rules_from_json",
    "rules_from_yaml",
    "starter_rules",
]


def evaluate_rule(text: str | Node, df: Any, as_of: Any = None, *, tags: Any = None) -> pd.Series:
    """Compile ``text`` against ``df`` and evaluate it, returning a Series on ``df``'s index.

    Conditions give a nullable ``boolean`` Series with ``<NA>`` where the result
    is unknown; other expressions give their values (numbers as ``Float64``).

    Parameters
    ----------
    text : str or Node
        A rule-language expression.
    df : DataFrame
        The frame to read columns from; it is not modified.
    as_of : date-like, optional
        The date ``as_of`` and ``days_since`` refer to.
    tags : DataFrame or mapping, optional
        Boolean tag columns that ``has_tag`` reads.

    Examples
    --------
    >>> df = pd.DataFrame({"orders": [1, 4]})
    >>> evaluate_rule("orders > 2", df).tolist()
    [False, True]
    """
    return compile_rule(text, df, expect=None).evaluate(df, as_of=as_of, tags=tags)


def evaluate(text: str | Node, df: Any, as_of: Any = None, *, tags: Any = None) -> pd.Series:
    """Deprecated alias of :func:`evaluate_rule` (the name clashed with :mod:`segkit.evaluate`).

    .. deprecated:: 0.3
        Use :func:`evaluate_rule`; ``evaluate`` goes in a later release.
    """
    warnings.warn(
        "segkit.tagging.evaluate is renamed evaluate_rule (segkit.evaluate is the "
        "evaluation module); the old name will be removed in a later release",
        DeprecationWarning,
        stacklevel=2,
    )
    return evaluate_rule(text, df, as_of, tags=tags)
