"""AST nodes of the rule language: frozen attrs records that print back as rule text.

``str(node)`` gives rule text with the fewest parentheses needed, so that
``parse(str(parse(t))) == parse(t)`` for every valid text ``t``. Equality ignores
the source span (``span``), which the parser records for error carets.

Examples
--------
>>> from segkit.tagging import parse
>>> node = parse("(orders>=3)and not(city in ['Oslo','Bergen'])")
>>> str(node)
"orders >= 3 and not city in ['Oslo', 'Bergen']"
>>> parse(str(node)) == node
True
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from segkit.tagging.lexer import KEYWORDS

__all__ = [
    "AsOf",
    "Between",
    "Binary",
    "Call",
    "Column",
    "DateLiteral",
    "Duration",
    "InList",
    "IsNull",
    "Literal",
    "Node",
    "Unary",
    "children",
    "walk",
]

# Binding powers, shared with the parser: a higher number binds tighter.
BP_OR = 10
BP_AND = 20
BP_NOT = 30
BP_COMPARE = 40
BP_SUM = 50
BP_PRODUCT = 60
BP_PREFIX = 70
BP_ATOM = 100

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
STRING_PREDICATES = frozenset({"contains", "startswith", "endswith", "matches"})
BINARY_BP = {
    "or": BP_OR,
    "and": BP_AND,
    **dict.fromkeys(COMPARISONS | STRING_PREDICATES, BP_COMPARE),
    "+": BP_SUM,
    "-": BP_SUM,
    "*": BP_PRODUCT,
    "/": BP_PRODUCT,
    "%": BP_PRODUCT,
}

Span = tuple[int, int]


def _typed(value: object) -> tuple[str, object]:
    # true == 1 in Python; a rule's literal true is not the literal 1.
    return (type(value).__name__, value)


@attrs.frozen
class Literal:
    """A number, string, ``true``/``false`` or ``null``."""

    value: int | float | str | bool | None = attrs.field(eq=_typed)
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __str__(self) -> str:
        v = self.value
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return quote_string(v)
        return repr(v)


@attrs.frozen
class DateLiteral:
    """``date("2024-01-31")``: a calendar date, stored as its ISO text."""

    value: str
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __str__(self) -> str:
        return f'date("{self.value}")'


@attrs.frozen
class Duration:
    """``90d``, ``12w``, ``6h``: a length of time."""

    amount: int
    unit: str
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@attrs.frozen
class Column:
    """A column of the frame, by name."""

    name: str
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __str__(self) -> str:
        return quote_name(self.name)


@attrs.frozen
class AsOf:
    """The keyword ``as_of``: the evaluation date."""

    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, default=1, eq=False, repr=False)

    def __str__(self) -> str:
        return "as_of"


@attrs.frozen
class Unary:
    """``not x`` or ``-x``."""

    op: str
    operand: Node
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + self.operand.depth

    def __str__(self) -> str:
        if self.op == "not":
            return f"not {_wrap(self.operand, BP_NOT)}"
        return f"-{_wrap(self.operand, BP_PREFIX)}"


@attrs.frozen
class Binary:
    """``left op right`` for arithmetic, comparisons, ``and``/``or`` and string predicates."""

    op: str
    left: Node
    right: Node
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + max(self.left.depth, self.right.depth)

    def __str__(self) -> str:
        bp = BINARY_BP[self.op]
        if bp == BP_COMPARE:  # non-associative
            return f"{_wrap(self.left, bp + 1)} {self.op} {_wrap(self.right, bp + 1)}"
        return f"{_wrap(self.left, bp)} {self.op} {_wrap(self.right, bp + 1)}"


@attrs.frozen
class Between:
    """``operand between low and high`` (both ends included)."""

    operand: Node
    low: Node
    high: Node
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + max(self.operand.depth, self.low.depth, self.high.depth)

    def __str__(self) -> str:
        return (
            f"{_wrap(self.operand, BP_COMPARE + 1)} between "
            f"{_wrap(self.low, BP_COMPARE + 1)} and {_wrap(self.high, BP_COMPARE + 1)}"
        )


@attrs.frozen
class InList:
    """``operand in [a, b]`` or ``operand not in [a, b]``."""

    operand: Node
    items: tuple[Node, ...]
    negated: bool = False
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + max([self.operand.depth, *(i.depth for i in self.items)])

    def __str__(self) -> str:
        op = "not in" if self.negated else "in"
        items = ", ".join(str(i) for i in self.items)
        return f"{_wrap(self.operand, BP_COMPARE + 1)} {op} [{items}]"


@attrs.frozen
class IsNull:
    """``operand is null`` or ``operand is not null``."""

    operand: Node
    negated: bool = False
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + self.operand.depth

    def __str__(self) -> str:
        op = "is not null" if self.negated else "is null"
        return f"{_wrap(self.operand, BP_COMPARE + 1)} {op}"


@attrs.frozen
class Call:
    """A call of an allow-listed function, ``name(arg, ...)``."""

    name: str
    args: tuple[Node, ...]
    span: Span = attrs.field(default=(0, 0), eq=False, repr=False, kw_only=True)
    depth: int = attrs.field(init=False, eq=False, repr=False)

    @depth.default
    def _depth(self) -> int:
        return 1 + max([0, *(a.depth for a in self.args)])

    def __str__(self) -> str:
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


Node: TypeAlias = (
    Literal
    | DateLiteral
    | Duration
    | Column
    | AsOf
    | Unary
    | Binary
    | Between
    | InList
    | IsNull
    | Call
)


def binding_power(node: Node) -> int:
    """How tightly ``node`` binds when printed (atoms bind tightest)."""
    if isinstance(node, Binary):
        return BINARY_BP[node.op]
    if isinstance(node, (Between, InList, IsNull)):
        return BP_COMPARE
    if isinstance(node, Unary):
        return BP_NOT if node.op == "not" else BP_PREFIX
    if (
        isinstance(node, Literal)
        and isinstance(node.value, (int, float))
        and (not isinstance(node.value, bool) and str(node).startswith("-"))
    ):
        return BP_PREFIX
    return BP_ATOM


def _wrap(node: Node, minimum: int) -> str:
    text = str(node)
    return text if binding_power(node) >= minimum else f"({text})"


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Between):
        return (node.operand, node.low, node.high)
    if isinstance(node, InList):
        return (node.operand, *node.items)
    if isinstance(node, IsNull):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (iteratively, no recursion).

    Examples
    --------
    >>> from segkit.tagging import parse
    >>> [str(n) for n in walk(parse("a > 1"))]
    ['a > 1', 'a', '1']
    """
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


def quote_string(value: str) -> str:
    """Quote a string literal so the lexer reads it back unchanged."""
    body = (
        value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    )
    return f"'{body}'"


def quote_name(name: str) -> str:
    """Print a column name bare when it is an identifier, else in backticks."""
    if (
        name
        and (name[0] == "_" or (name[0].isascii() and name[0].isalpha()))
        and all(c == "_" or (c.isascii() and c.isalnum()) for c in name)
        and name not in KEYWORDS
    ):
        return name
    return "`" + name.replace("`", "``") + "`"
