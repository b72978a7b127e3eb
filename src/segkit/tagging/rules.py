"""Rules as values, and reading them from dicts, JSON and YAML.

A rule file is a mapping with a ``rules`` list (or the list itself); each item
has ``tag`` and ``when`` and optionally ``group``, ``priority`` and
``description``. ``when`` may be a list of conditions, giving one rule per
condition (rules for the same tag are or-ed). A description is text, or text
per language (``en``, ``zh``, ...) for reports in that language::

    rules:
      - tag: vip
        when: revenue >= 1000 and orders >= 5
        description:
          en: Spends a lot, often
          zh: 消费高且购买频繁
      - tag: active
        group: lifecycle
        priority: 2
        when: recency_days <= 30

A malformed file raises :class:`~segkit.errors.RuleFileError` (or the
rule-language error of a bad ``when``) naming the rule and the field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import attrs

from segkit._files import load_json, load_yaml, read_source
from segkit._validation import check_keys
from segkit.errors import RuleError, RuleFileError, excerpt
from segkit.tagging import ast
from segkit.tagging.parser import parse

__all__ = ["Rule", "rules_from_dict", "rules_from_json", "rules_from_yaml", "starter_rules"]

_FIELDS = ("tag", "when", "group", "priority", "description")


def _check_tag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"field 'tag' must be a non-empty string; got {excerpt(value)}")


def _check_when(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise RuleFileError(f"field 'when' must be a string; got {excerpt(value)}")
    parse(value)


def _check_group(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RuleFileError(
            f"field 'group' must be a non-empty string or null; got {excerpt(value)}"
        )


def _check_priority(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleFileError(f"field 'priority' must be an integer; got {excerpt(value)}")


def _check_description(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise RuleFileError(f"field 'description' must be a string; got {excerpt(value)}")


def _as_translations(value: Any) -> tuple[tuple[str, str], ...]:
    """``{language: text}`` as sorted pairs (a frozen rule stays hashable)."""
    if value is None:
        return ()
    pairs = value.items() if isinstance(value, Mapping) else value
    try:
        out = tuple(sorted((k, v) for k, v in pairs))
    except (TypeError, ValueError):
        raise RuleFileError(
            f"field 'description' per language must map a language code to text; got "
            f"{excerpt(value)}"
        ) from None
    for lang, text in out:
        if not isinstance(lang, str) or not lang.strip() or not isinstance(text, str):
            raise RuleFileError(
                f"field 'description' per language must map a language code to text; got "
                f"{excerpt({lang: text})}"
            )
    return out


def _split_description(value: Any) -> tuple[Any, tuple[tuple[str, str], ...]]:
    """A file's ``description``: text, or ``{language: text}`` (English the main text)."""
    if not isinstance(value, Mapping):
        return value, ()
    pairs = _as_translations(value)
    return dict(pairs).get("en", ""), tuple(p for p in pairs if p[0] != "en")


@attrs.frozen
class Rule:
    """One tag rule: customers for whom ``when`` is true get ``tag``.

    Parameters
    ----------
    tag : str
        The tag the rule sets. Several rules may set the same tag; they are or-ed.
    when : str
        A rule-language condition; its syntax is checked here.
    group : str, optional
        An exclusive group: within a group a customer gets at most one tag, from
        the matching rule with the highest ``priority`` (ties: the earlier rule).
    priority : int, default 0
        Rank within the group.
    description : str, default ""
        Free text for people (in English, or the language the rules are written in).
    translations : mapping of str to str, optional
        The description in other languages, ``{"zh": "..."}``; reports in
        that language show it (:meth:`describe`).

    Examples
    --------
    >>> Rule("vip", "revenue >= 1000", description="big spender")
    Rule(tag='vip', when='revenue >= 1000', group=None, priority=0, description='big spender')
    """

    tag: str = attrs.field(validator=_check_tag)
    when: str = attrs.field(validator=_check_when)
    group: str | None = attrs.field(default=None, kw_only=True, validator=_check_group)
    priority: int = attrs.field(default=0, kw_only=True, validator=_check_priority)
    description: str = attrs.field(default="", kw_only=True, validator=_check_description)
    translations: tuple[tuple[str, str], ...] = attrs.field(
        default=(), kw_only=True, converter=_as_translations, repr=False
    )

    def describe(self, lang: str = "en") -> str:
        """The description in ``lang``: its translation, the description for English, else "".

        Examples
        --------
        >>> rule = Rule("vip", "revenue >= 1000", description="big spender",
        ...             translations={"zh": "大客户"})
        >>> rule.describe("zh"), rule.describe("en"), rule.describe("fr")
        ('大客户', 'big spender', '')
        """
        found = dict(self.translations).get(lang)
        if found:
            return found
        return self.description if lang == "en" else ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Build one rule from a mapping with the fields of :class:`Rule`."""
        rules = _rules_from_item(data, 1, "")
        if len(rules) != 1:
            raise RuleFileError("Rule.from_dict needs a single 'when'; use rules_from_dict")
        return rules[0]

    def to_dict(self) -> dict[str, Any]:
        """The rule as a plain mapping (fields at their default are left out)."""
        out: dict[str, Any] = {"tag": self.tag, "when": self.when}
        if self.group is not None:
            out["group"] = self.group
        if self.priority:
            out["priority"] = self.priority
        if self.translations:
            given = {"en": self.description} if self.description else {}
            out["description"] = {**given, **dict(self.translations)}
        elif self.description:
            out["description"] = self.description
        return out


def _where(number: int, item: Any, source: str) -> str:
    tag = item.get("tag") if isinstance(item, Mapping) else None
    label = f"rule #{number}" + (f" (tag {excerpt(tag)})" if isinstance(tag, str) else "")
    return f"{source}: {label}" if source else label


def _rules_from_item(item: Any, number: int, source: str) -> list[Rule]:
    where = _where(number, item, source)
    if not isinstance(item, Mapping):
        raise RuleFileError(f"{where}: must be a mapping of fields; got {excerpt(item)}")
    check_keys(item, _FIELDS, where, required=("tag", "when"), error=RuleFileError, noun="field")
    whens = item["when"]
    if isinstance(whens, str):
        whens = [whens]
    if not isinstance(whens, list) or not whens:
        raise RuleFileError(
            f"{where}: field 'when' must be a condition or a non-empty list of conditions; "
            f"got {excerpt(item['when'])}"
        )
    rules = []
    for when in whens:
        try:
            description, translations = _split_description(item.get("description", ""))
            rules.append(
                Rule(
                    item["tag"],
                    when,
                    group=item.get("group"),
                    priority=item.get("priority", 0),
                    description=description,
                    translations=translations,
                )
            )
        except RuleFileError as exc:
            raise RuleFileError(f"{where}: {exc.message}") from None
        except RuleError as exc:
            raise type(exc)(
                f"{where}, field 'when': {exc.message}", exc.text, exc.start, exc.end
            ) from None
    return rules


def rules_from_dict(data: Any, *, source: str = "") -> tuple[Rule, ...]:
    """Read rules from ``{"rules": [...]}`` or a list of rule mappings.

    Examples
    --------
    >>> rules_from_dict({"rules": [{"tag": "vip", "when": ["revenue > 1000", "orders > 9"]}]})
    (Rule(tag='vip', when='revenue > 1000', ...), Rule(tag='vip', when='orders > 9', ...))
    >>> rules_from_dict([{"tag": "vip", "whn": "orders > 2"}])
    Traceback (most recent call last):
    ...
    segkit.errors.RuleFileError: rule #1 (tag 'vip') has an unknown field 'whn' (did you mean
    'when'?); allowed: ['description', 'group', 'priority', 'tag', 'when']
    """
    prefix = f"{source}: " if source else ""
    items = data
    if isinstance(data, Mapping):
        extra = [k for k in data if k != "rules"]
        if extra or "rules" not in data:
            raise RuleFileError(
                f"{prefix}a rule file is a mapping with one key, 'rules' (a list of rules); "
                f"found keys {[str(k) for k in data]}"
            )
        items = data["rules"]
    if not isinstance(items, list):
        raise RuleFileError(f"{prefix}'rules' must be a list of rules; got {type(items).__name__}")
    rules: list[Rule] = []
    for number, item in enumerate(items, 1):
        rules.extend(_rules_from_item(item, number, source))
    return tuple(rules)


def rules_from_json(source: str | os.PathLike[str]) -> tuple[Rule, ...]:
    """Read rules from a JSON file (a path) or JSON text.

    Files are UTF-8 (or UTF-16/32 with a byte-order mark); see
    :mod:`segkit._files` for what is refused.
    """
    text, name = read_source(source, (".json",), "rule", RuleFileError)
    return rules_from_dict(load_json(text, name, "rule", RuleFileError), source=name)


def rules_from_yaml(source: str | os.PathLike[str]) -> tuple[Rule, ...]:
    """Read rules from a YAML file (a path) or YAML text, with safe loading.

    Needs PyYAML (``pip install 'segkit-crm[yaml]'``). Anchors and aliases are
    refused (no "billion laughs"), and so is nesting deeper than 50 levels.
    """
    text, name = read_source(source, (".yaml", ".yml"), "rule", RuleFileError)
    return rules_from_dict(load_yaml(text, name, "rule", RuleFileError), source=name)


def starter_rules(
    columns: Iterable[Any] | None = None, *, exclude_groups: Iterable[str] = ()
) -> tuple[Rule, ...]:
    """The starter rule library shipped with segkit (``tagging/data/starter_rules.json``).

    The rules read the columns of :func:`segkit.summarize` (with 90- and
    365-day windows) and of :func:`segkit.event_features`; see
    ``docs/tagging.md`` for the list.

    Parameters
    ----------
    columns : iterable of str or DataFrame, optional
        Keep only the rules whose columns are all among these (a DataFrame
        gives its column names), and then only those whose ``has_tag`` tags
        are still set by a kept rule. Column types are not checked here; use
        :meth:`TagEngine.check` for that.
    exclude_groups : iterable of str
        Leave out the rules of these exclusive groups (e.g. ``"lifecycle"``
        when a lifecycle machine gives each customer's stage), and then the
        rules whose ``has_tag`` tags are no longer set.

    Examples
    --------
    >>> sorted({r.tag for r in starter_rules()})[:4]
    ['active', 'at_risk', 'big_basket', 'browser']
    >>> [r.tag for r in starter_rules(columns=["recency_days", "revenue_365d"])]
    ['active', 'at_risk', 'lapsed', 'high_spender']
    >>> served = ["recency_days", "revenue_365d"]
    >>> [r.tag for r in starter_rules(served, exclude_groups=["lifecycle"])]
    ['high_spender']
    """
    # JSON, so that the starter library needs no YAML parser.
    text = resources.files("segkit.tagging").joinpath("data/starter_rules.json").read_text()
    rules = rules_from_dict(json.loads(text), source="starter_rules.json")
    excluded = set(exclude_groups)
    kept = [r for r in rules if r.group not in excluded]
    if columns is not None:
        available = {str(c) for c in columns}
        kept = [r for r in kept if _columns_read(r) <= available]
    while True:
        tags = {r.tag for r in kept}
        fewer = [r for r in kept if _tags_read(r) <= tags]
        if len(fewer) == len(kept):
            return tuple(kept)
        kept = fewer


def _columns_read(rule: Rule) -> set[str]:
    return {n.name for n in ast.walk(parse(rule.when)) if isinstance(n, ast.Column)}


def _tags_read(rule: Rule) -> set[str]:
    return {
        str(n.args[0].value)
        for n in ast.walk(parse(rule.when))
        if isinstance(n, ast.Call)
        and n.name == "has_tag"
        and len(n.args) == 1
        and isinstance(n.args[0], ast.Literal)
    }


def _as_rules(rules: Iterable[Any]) -> tuple[Rule, ...]:
    out = []
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, Rule):
            raise RuleFileError(f"rule #{number} must be a Rule; got {type(rule).__name__}")
        out.append(rule)
    return tuple(out)
