"""Regular expressions for ``matches`` whose cost is bounded.

A rule may come from an untrusted source, so a pattern must not be able to
make matching take exponential (or high polynomial) time. Two engines:

* with ``google-re2`` installed (``pip install 'segkit-crm[re2]'``), patterns run on
  RE2, whose matching time is linear in the text;
* without it, patterns run on Python's :mod:`re`, but only patterns of a
  vetted subset are accepted: no repetition of a group that itself repeats or
  holds alternatives (``(a+)+``, ``(a|ab)*``), and no two repetitions that can
  take turns matching the same characters (``a*a*``, ``\\w+\\w+``, ``.*x.*``).
  What remains backtracks at most once per repetition, so a search costs
  at most quadratic time in the text.

Either way the pattern is at most :data:`MAX_PATTERN_LENGTH` characters,
repetition counts are at most :data:`MAX_REPEAT` and backreferences,
lookarounds, conditionals, atomic groups, possessive quantifiers and verbose
mode are refused, so a pattern means the same on both engines. (RE2's ``\\d``,
``\\w`` and ``\\s`` are ASCII; Python's are Unicode.)
"""

from __future__ import annotations

import functools
import importlib
import itertools
import re
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["MAX_PATTERN_LENGTH", "MAX_REPEAT", "PatternError", "compile_pattern", "engine"]

#: Longest regular expression accepted by ``matches``.
MAX_PATTERN_LENGTH = 200
#: Largest repetition count (``a{1000}``) accepted.
MAX_REPEAT = 1000

_re2: Any
try:  # pragma: no cover - depends on the installation
    _re2 = importlib.import_module("re2")  # google-re2, an optional extra
except ImportError:  # pragma: no cover - depends on the installation
    _re2 = None

# Characters that stand for "every character" when two repetitions are compared:
# ASCII, Latin-1, a few other scripts, CJK, punctuation and an emoji.
_PROBE = "".join(map(chr, range(0x250))) + "ĀřΩЖאاअ中文字日本語한국。，、！？…€😀"
_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_ANCHORS = frozenset("^$")
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")


class PatternError(ValueError):
    """A pattern is refused; the message says why (no rule text attached yet)."""


def engine() -> str:
    """``"re2"`` when google-re2 is installed, else ``"re"`` (the vetted subset)."""
    return "re" if _re2 is None else "re2"


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """Check ``pattern`` and return a function telling whether it is found in a text.

    Raises
    ------
    PatternError
        The pattern is too long, invalid, or outside what the engine accepts.

    Examples
    --------
    >>> found = compile_pattern("@example[.]com$")
    >>> found("ann@example.com"), found("ann@example.org")
    (True, False)
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"regular expression is too long ({len(pattern)} characters; the limit is "
            f"{MAX_PATTERN_LENGTH})"
        )
    tree, flags = _Scanner(pattern).parse()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compiled = re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as exc:
            raise PatternError(f"invalid regular expression: {exc}") from None
    if caught:  # e.g. "Possible nested set": its meaning will change; escape the '['
        raise PatternError(f"ambiguous regular expression: {caught[0].message}")
    if _re2 is not None:
        try:
            options = _re2.Options()
            options.log_errors = False  # the error is ours to report, not stderr's
            fast = _re2.compile(pattern, options)
        except Exception as exc:  # re2 raises its own error class  # pragma: no cover
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            raise PatternError(f"invalid regular expression for RE2: {detail}") from None
        return lambda text: fast.search(text) is not None
    _check_backtracking(tree, re.IGNORECASE if "i" in flags else 0)
    return lambda text: compiled.search(text) is not None


# ---------------------------------------------------------------------------
# a small scanner: the pattern as a tree of atoms and groups with repetitions
# ---------------------------------------------------------------------------
# An item is (kind, payload, low, high): kind "atom" (payload: the atom's text),
# "anchor" (zero width) or "group" (payload: list of alternatives, each a list of
# items); high is None for unbounded.
Item = tuple[str, Any, int, int | None]


class _Scanner:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.flags = ""

    def fail(self, what: str) -> PatternError:
        return PatternError(f"{what} (at position {self.i} of the pattern)")

    def parse(self) -> tuple[list[list[Item]], str]:
        tree = self.alternatives()
        if self.i < len(self.p):  # an unbalanced ')': let re report it
            return [[("atom", self.p, 1, 1)]], self.flags
        return tree, self.flags

    def alternatives(self) -> list[list[Item]]:
        branches = [self.sequence()]
        while self.i < len(self.p) and self.p[self.i] == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches

    def sequence(self) -> list[Item]:
        items: list[Item] = []
        p = self.p
        while self.i < len(p) and p[self.i] not in "|)":
            ch = p[self.i]
            if ch == "(":
                item = self.group()
            elif ch == "[":
                item = self.char_class()
            elif ch == "\\":
                item = self.escape()
            elif ch in _ANCHORS:
                self.i += 1
                item = ("anchor", ch, 1, 1)
            else:
                self.i += 1
                item = ("atom", ch, 1, 1)
            if item[0] == "flags":
                continue
            items.append(self.quantifier(item))
        return items

    def group(self) -> Item:
        p = self.p
        self.i += 1
        if p.startswith("?", self.i):
            rest = p[self.i + 1 : self.i + 3]
            if rest[:1] in ("=", "!") or rest in ("<=", "<!"):
                raise self.fail("lookahead and lookbehind are not supported")
            if rest[:1] == "(":
                raise self.fail("conditional groups are not supported")
            if rest[:1] == ">":
                raise self.fail("atomic groups are not supported")
            if rest == "P=":
                raise self.fail("backreferences are not supported")
            if rest[:1] == "#":
                end = p.find(")", self.i)
                self.i = len(p) if end < 0 else end + 1
                return ("flags", "", 1, 1)
            if rest == "P<":
                end = p.find(">", self.i)
                self.i = len(p) if end < 0 else end + 1
            else:
                j = self.i + 1
                while j < len(p) and p[j] not in ":)":
                    j += 1
                flags = p[self.i + 1 : j]
                if "x" in flags:
                    raise self.fail("verbose mode (?x) is not supported")
                self.flags += flags
                if j < len(p) and p[j] == ")":  # global flags such as (?i)
                    self.i = j + 1
                    return ("flags", flags, 1, 1)
                self.i = j + 1
        branches = self.alternatives()
        self.i += 1  # past ')'; a missing one is reported by re
        return ("group", branches, 1, 1)

    def char_class(self) -> Item:
        p = self.p
        start = self.i
        j = self.i + 1
        if j < len(p) and p[j] == "^":
            j += 1
        if j < len(p) and p[j] == "]":
            j += 1
        while j < len(p) and p[j] != "]":
            j += 2 if p[j] == "\\" else 1
        self.i = min(j + 1, len(p))
        return ("atom", p[start : self.i], 1, 1)

    def escape(self) -> Item:
        p = self.p
        start = self.i
        if self.i + 1 >= len(p):
            self.i = len(p)
            return ("atom", "\\", 1, 1)  # re reports the bad escape
        ch = p[self.i + 1]
        if "1" <= ch <= "9":
            raise self.fail("backreferences are not supported")
        self.i += 2
        if ch in _ZERO_WIDTH_ESCAPES:
            return ("anchor", p[start : self.i], 1, 1)
        if ch == "x":
            self.i += 2
        elif ch == "u":
            self.i += 4
        elif ch == "U":
            self.i += 8
        elif ch == "N" and p.startswith("{", self.i):
            end = p.find("}", self.i)
            self.i = len(p) if end < 0 else end + 1
        elif ch == "0":
            while self.i < len(p) and self.i - start < 4 and p[self.i] in "01234567":
                self.i += 1
        self.i = min(self.i, len(p))
        return ("atom", p[start : self.i], 1, 1)

    def quantifier(self, item: Item) -> Item:
        p = self.p
        if self.i >= len(p):
            return item
        ch = p[self.i]
        low: int
        high: int | None
        if ch in "*+?":
            low, high = (0, None) if ch == "*" else (1, None) if ch == "+" else (0, 1)
            self.i += 1
        elif ch == "{" and (match := _COUNT.match(p, self.i)) is not None:
            lo_text, hi_text = match.group(1), match.group(2)
            if not lo_text and hi_text is None:
                return item  # '{}' is a literal
            for text in (lo_text, hi_text):
                if text and (len(text) > 6 or int(text) > MAX_REPEAT):
                    raise self.fail(
                        f"repetition count {text} is too large (the limit is {MAX_REPEAT})"
                    )
            low = int(lo_text) if lo_text else 0
            if hi_text is None:
                high = low if "," not in match.group(0) else None
            else:
                high = int(hi_text) if hi_text else None
            self.i = match.end()
        else:
            return item
        if self.i < len(p) and p[self.i] == "+":
            raise self.fail("possessive quantifiers are not supported")
        if self.i < len(p) and p[self.i] == "?":
            self.i += 1  # lazy: same cost bound as greedy
        if self.i < len(p) and p[self.i] in "*+?{" and _COUNT.match(p, self.i) is not None:
            pass  # re reports "multiple repeat"
        return (item[0], item[1], low, high)


# ---------------------------------------------------------------------------
# the vetted subset for Python's backtracking engine
# ---------------------------------------------------------------------------
def _varies(item: Item) -> bool:
    return item[3] is None or item[2] != item[3]


def _repeats(item: Item) -> bool:
    return item[3] is None or item[3] > 1


def _has_variation(branches: list[list[Item]]) -> bool:
    if len(branches) > 1:
        return True
    return any(
        _varies(item) or (item[0] == "group" and _has_variation(item[1]))
        for branch in branches
        for item in branch
    )


def _text(item: Item) -> str:
    if item[0] == "group":
        body = "|".join("".join(_text(i) for i in branch) for branch in item[1])
        core = f"({body})"
    else:
        core = str(item[1])
    low, high = item[2], item[3]
    if (low, high) == (1, 1):
        return core
    suffix = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((low, high))
    if suffix is None:
        suffix = f"{{{low},}}" if high is None else f"{{{low},{high}}}"
    return core + suffix


@functools.lru_cache(maxsize=4096)
def _atom_chars(text: str, flags: int) -> frozenset[str]:
    try:
        return frozenset(re.findall(text, _PROBE, flags))
    except re.error:
        return frozenset(_PROBE)


def _chars(item: Item, flags: int) -> frozenset[str]:
    if item[0] == "anchor":
        return frozenset(_PROBE)
    if item[0] == "atom":
        return _atom_chars(str(item[1]), flags)
    out: frozenset[str] = frozenset()
    for branch in item[1]:
        for inner in branch:
            if inner[0] != "anchor":
                out |= _chars(inner, flags)
    return out


def _check_backtracking(branches: list[list[Item]], flags: int) -> None:
    for branch in branches:
        for item in branch:
            if item[0] == "group":
                if _repeats(item) and _has_variation(item[1]):
                    raise PatternError(
                        f"the repetition '{_text(item)}' repeats a group that itself varies "
                        "(a repetition or alternatives inside), which can take exponential "
                        "time; repeat a fixed text or a character class instead, or install "
                        "google-re2 (pip install 'segkit-crm[re2]')"
                    )
                _check_backtracking(item[1], flags)
        varying = [
            k
            for k, item in enumerate(branch)
            if item[0] != "anchor" and (_varies(item) or _has_inner_variation(item))
        ]
        for a, b in itertools.pairwise(varying):
            common = frozenset(_PROBE)
            for item in branch[a : b + 1]:
                if item[0] != "anchor":
                    common &= _chars(item, flags)
            if common:
                raise PatternError(
                    f"the repetitions '{_text(branch[a])}' and '{_text(branch[b])}' can take "
                    "turns matching the same characters, which can take polynomial time on "
                    "long texts; merge them into one, or install google-re2 "
                    "(pip install 'segkit-crm[re2]')"
                )


def _has_inner_variation(item: Item) -> bool:
    return item[0] == "group" and _has_variation(item[1])
