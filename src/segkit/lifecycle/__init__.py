"""Customer lifecycle: a declared state machine evaluated for all customers at once.

A :class:`Lifecycle` is a set of :class:`State` objects and guarded
:class:`Transition` objects whose guards are written in the rule language
(:mod:`segkit.tagging`). :meth:`Lifecycle.step` moves every customer at one
date; :meth:`Lifecycle.replay` runs the machine over history at each period
boundary with features computed as of that boundary; :func:`flows` counts the
movements between states and the time spent in each. See ``docs/lifecycle.md``.

Examples
--------
>>> from segkit.lifecycle import default_lifecycle
>>> lc = default_lifecycle()
>>> print(lc.to_mermaid().splitlines()[1])
    prospect : Registered, no purchase yet
"""

from segkit.lifecycle._default import default_lifecycle
from segkit.lifecycle._definition import (
    FEATURE_COLUMNS,
    WILDCARD,
    LifecycleCycleError,
    LifecycleError,
    LifecycleWarning,
    State,
    Transition,
)
from segkit.lifecycle._flows import (
    ENTERED,
    Flows,
    current,
    flows,
    plot_flows,
    plot_state_counts,
    states_and_flows,
)
from segkit.lifecycle._lifecycle import Lifecycle
from segkit.lifecycle._panel import panel_of

__all__ = [
    "ENTERED",
    "FEATURE_COLUMNS",
    "WILDCARD",
    "Flows",
    "Lifecycle",
    "LifecycleCycleError",
    "LifecycleError",
    "LifecycleWarning",
    "State",
    "Transition",
    "current",
    "default_lifecycle",
    "flows",
    "panel_of",
    "plot_flows",
    "plot_state_counts",
    "states_and_flows",
]
