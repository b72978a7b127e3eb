"""Lifecycle definitions as dicts, YAML and Mermaid diagrams."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from segkit._files import read_yaml as _read_yaml
from segkit._validation import check_keys as check_keys_with_hints
from segkit.lifecycle._definition import LifecycleError, State, Transition

__all__ = ["definition_from_dict", "definition_to_dict", "read_yaml", "to_mermaid"]


def check_keys(item: Mapping[str, Any], allowed: set[str], where: str, required: set[str]) -> None:
    """Raise :class:`LifecycleError` on an unknown key (with a suggestion) or a missing one."""
    check_keys_with_hints(item, allowed, where, required=required, error=LifecycleError)


def definition_from_dict(
    data: Mapping[str, Any],
) -> tuple[list[State], list[Transition], Any, Any]:
    """``(states, transitions, initial, schema)`` from the layout ``Lifecycle.from_dict`` reads."""
    if not isinstance(data, Mapping):
        raise LifecycleError(f"a lifecycle definition must be a mapping; got {data!r}")
    check_keys(
        data, {"initial", "states", "transitions", "schema"}, "lifecycle", {"initial", "states"}
    )
    states = []
    raw_states = data["states"]
    if not isinstance(raw_states, list):
        raise LifecycleError(f"'states' must be a list; got {raw_states!r}")
    for i, item in enumerate(raw_states):
        if isinstance(item, Mapping):
            check_keys(item, {"name", "description", "terminal"}, f"states[{i}]", {"name"})
            states.append(
                State(
                    item["name"],
                    description=item.get("description", "") or "",
                    terminal=item.get("terminal", False),
                )
            )
        else:
            states.append(State(item))
    transitions = []
    raw = data.get("transitions") or []
    if not isinstance(raw, list):
        raise LifecycleError(f"'transitions' must be a list; got {raw!r}")
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise LifecycleError(f"transitions[{i}] must be a mapping; got {item!r}")
        check_keys(
            item, {"from", "to", "when", "priority"}, f"transitions[{i}]", {"from", "to", "when"}
        )
        transitions.append(
            Transition(
                item["from"], item["to"], when=item["when"], priority=item.get("priority", 0)
            )
        )
    return states, transitions, data["initial"], data.get("schema")


def definition_to_dict(
    states: Sequence[State],
    transitions: Sequence[Transition],
    initial: str,
    schema: Mapping[str, Any],
) -> dict[str, Any]:
    """The dict layout that :func:`definition_from_dict` reads."""
    out: dict[str, Any] = {
        "initial": initial,
        "states": [
            {"name": s.name, "description": s.description, "terminal": s.terminal} for s in states
        ],
        "transitions": [
            {"from": t.source, "to": t.target, "when": t.when, "priority": t.priority}
            for t in transitions
        ],
    }
    if schema:
        out["schema"] = {k: str(v) for k, v in schema.items()}
    return out


def read_yaml(source: Any) -> Any:
    """Parse lifecycle YAML text, a path or an open file; errors as LifecycleError."""
    return _read_yaml(source, "lifecycle", LifecycleError)


def to_mermaid(
    states: Sequence[State],
    transitions: Sequence[Transition],
    order: Sequence[Sequence[int]],
    initial: str,
) -> str:
    """A Mermaid state diagram; ``order`` lists the transitions tried from each state."""
    ids = {s.name: _mermaid_id(s.name, i) for i, s in enumerate(states)}
    lines = ["stateDiagram-v2"]
    for state in states:
        if ids[state.name] != state.name:
            lines.append(f'    state "{_mermaid_text(state.name)}" as {ids[state.name]}')
        if state.description:
            lines.append(f"    {ids[state.name]} : {_mermaid_text(state.description)}")
    lines.append(f"    [*] --> {ids[initial]}")
    for state, mine in zip(states, order, strict=True):
        for i in mine:
            t = transitions[i]
            lines.append(f"    {ids[state.name]} --> {ids[t.target]}: {_mermaid_text(t.when)}")
    lines += [f"    {ids[s.name]} --> [*]" for s in states if s.terminal]
    return "\n".join(lines)


def _mermaid_id(name: str, i: int) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name not in {"state", "note", "end"}:
        return name
    return f"s{i}"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")
