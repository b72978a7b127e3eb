"""Pratt parser: tokens to an AST.

Each token kind has a binding power (:data:`segkit.tagging.ast.BINARY_BP` plus
``between``, ``in``, ``not in`` and ``is`` at the comparison level). Prefix
positions are handled by ``_nud_*`` methods, infix positions by ``_led_*``
methods. Comparisons do not chain (``a < b < c`` is a syntax error), and the
nesting depth of the result is bounded so that no input can exhaust the stack.

Examples
--------
>>> parse("recency_days between 30 and 90 or orders > 2")
Binary(op='or', left=Between(...), right=Binary(op='>', ...))
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import cast

from segkit.errors import RuleSyntaxError
from segkit.tagging import ast
from segkit.tagging.lexer import Token, tokenize

__all__ = ["MAX_DEPTH", "parse"]

#: Deepest expression tree accepted (each operator, call or parenthesis adds a level).
MAX_DEPTH = 100

_COMPARE_KEYWORDS = frozenset({"between", "in", "is", *ast.STRING_PREDICATES})


def parse(text: str) -> ast.Node:
    """Parse rule text into an AST.

    Parameters
    ----------
    text : str
        The rule, e.g. ``"orders >= 3 and city in ['Oslo', 'Bergen']"``.

    Returns
    -------
    Node
        The root node; ``str(node)`` prints it back as rule text.

    Raises
    ------
    RuleSyntaxError
        With the rule text and a caret under the offending position.

    Examples
    --------
    >>> str(parse("not(a>1)"))
    'not a > 1'
    >>> parse("a > ")
    Traceback (most recent call last):
    ...
    segkit.errors.RuleSyntaxError: unexpected end of rule; expected a value
      a >
        ^
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"a rule must be a string; got {type(text).__name__}")
    return _parse_cached(text)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> ast.Node:
    # A rule text is parsed once: the rule, the engine and the compiler all ask
    # for it, and AST nodes are immutable, so they can share the result.
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.text = text
        self.pos = 0
        self.nesting = 0

    # -- helpers ---------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def last_end(self) -> int:
        return self.tokens[self.pos - 1].end if self.pos else 0

    def error(self, message: str, tok: Token) -> RuleSyntaxError:
        return RuleSyntaxError(message, self.text, tok.start, tok.end)

    def describe(self, tok: Token) -> str:
        if tok.kind == "eof":
            return "end of rule"
        return repr(self.text[tok.start : tok.end])

    def expect_op(self, op: str, context: str) -> Token:
        tok = self.advance()
        if tok.kind != "op" or tok.value != op:
            if tok.kind == "eof":
                raise self.error(f"unexpected end of rule; expected {op!r} {context}", tok)
            raise self.error(f"expected {op!r} {context}, found {self.describe(tok)}", tok)
        return tok

    def is_keyword(self, tok: Token, word: str) -> bool:
        return tok.kind == "keyword" and tok.value == word

    def check_depth(self, node: ast.Node, start: int) -> ast.Node:
        if node.depth > MAX_DEPTH:
            raise RuleSyntaxError(
                f"rule nests too deeply (more than {MAX_DEPTH} levels)",
                self.text,
                start,
                self.last_end(),
            )
        return node

    # -- driver ----------------------------------------------------------
    def parse(self) -> ast.Node:
        if not self.text.strip():
            raise RuleSyntaxError("empty rule")
        node = self.expression(0)
        tok = self.peek()
        if tok.kind != "eof":
            if tok.kind == "op" and tok.value == ")":
                raise self.error("unmatched ')'", tok)
            raise self.error(
                f"unexpected {self.describe(tok)} after a complete expression "
                "(missing 'and' or 'or'?)",
                tok,
            )
        return node

    def left_bp(self, tok: Token) -> int:
        if tok.kind == "op":
            return ast.BINARY_BP.get(str(tok.value), 0)
        if tok.kind == "keyword":
            if tok.value in ("and", "or"):
                return ast.BINARY_BP[str(tok.value)]
            if tok.value in _COMPARE_KEYWORDS:
                return ast.BP_COMPARE
            if tok.value == "not" and self.is_keyword(self.peek(1), "in"):
                return ast.BP_COMPARE
        return 0

    def expression(self, rbp: int) -> ast.Node:
        self.nesting += 1
        tok = self.advance()
        if self.nesting > MAX_DEPTH:
            raise RuleSyntaxError(
                f"rule nests too deeply (more than {MAX_DEPTH} levels)",
                self.text,
                tok.start,
                tok.end,
            )
        left = self.nud(tok)
        while rbp < self.left_bp(self.peek()):
            op_tok = self.advance()
            left = self.check_depth(self.led(op_tok, left), left.span[0])
            if self.left_bp(self.peek()) == ast.BP_COMPARE == self.left_bp(op_tok) or (
                self.left_bp(self.peek()) == ast.BP_COMPARE
                and isinstance(left, (ast.Between, ast.InList, ast.IsNull))
            ):
                raise self.error(
                    "comparisons cannot be chained; join them with 'and'", self.peek()
                )
        self.nesting -= 1
        return left

    # -- prefix position -------------------------------------------------
    def nud(self, tok: Token) -> ast.Node:
        method: Callable[[Token], ast.Node] | None = getattr(self, f"_nud_{tok.kind}", None)
        if method is None:  # pragma: no cover - every token kind has a _nud_ method
            raise self.error(f"unexpected {self.describe(tok)}", tok)
        return self.check_depth(method(tok), tok.start)

    def _nud_number(self, tok: Token) -> ast.Node:
        value = tok.value
        assert isinstance(value, (int, float))
        return ast.Literal(value, span=(tok.start, tok.end))

    def _nud_string(self, tok: Token) -> ast.Node:
        assert isinstance(tok.value, str)
        return ast.Literal(tok.value, span=(tok.start, tok.end))

    def _nud_duration(self, tok: Token) -> ast.Node:
        amount, unit = cast("tuple[int, str]", tok.value)
        return ast.Duration(amount, unit, span=(tok.start, tok.end))

    def _nud_name(self, tok: Token) -> ast.Node:
        name = str(tok.value)
        nxt = self.peek()
        if self.text[tok.start] != "`" and nxt.kind == "op" and nxt.value == "(":
            return self._call(tok, name)
        return ast.Column(name, span=(tok.start, tok.end))

    def _call(self, tok: Token, name: str) -> ast.Node:
        self.advance()  # "("
        args: list[ast.Node] = []
        if not (self.peek().kind == "op" and self.peek().value == ")"):
            while True:
                args.append(self.expression(0))
                nxt = self.peek()
                if nxt.kind == "op" and nxt.value == ",":
                    self.advance()
                    continue
                break
        self.expect_op(")", f"to close the call of {name}()")
        span = (tok.start, self.last_end())
        if name == "date":
            return self._date(args, span)
        return ast.Call(name, tuple(args), span=span)

    def _date(self, args: list[ast.Node], span: tuple[int, int]) -> ast.Node:
        if len(args) != 1 or not (
            isinstance(args[0], ast.Literal) and isinstance(args[0].value, str)
        ):
            raise RuleSyntaxError(
                'date() takes one quoted ISO date, e.g. date("2024-01-31")', self.text, *span
            )
        raw = args[0].value
        assert isinstance(raw, str)
        try:
            value = dt.date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            value = None
        if value is None:
            raise RuleSyntaxError(
                f'invalid date {raw!r}; write a date as date("YYYY-MM-DD")',
                self.text,
                *args[0].span,
            )
        return ast.DateLiteral(value.isoformat(), span=span)

    def _nud_keyword(self, tok: Token) -> ast.Node:
        span = (tok.start, tok.end)
        word = tok.value
        if word == "true" or word == "false":
            return ast.Literal(word == "true", span=span)
        if word == "null":
            return ast.Literal(None, span=span)
        if word == "as_of":
            return ast.AsOf(span=span)
        if word == "not":
            operand = self.expression(ast.BP_NOT)
            return ast.Unary("not", operand, span=(tok.start, self.last_end()))
        raise self.error(f"expected a value, found the keyword {word!r}", tok)

    def _nud_op(self, tok: Token) -> ast.Node:
        if tok.value == "(":
            inner = self.expression(0)
            self.expect_op(")", "to close '('")
            return inner
        if tok.value == "-":
            operand = self.expression(ast.BP_PREFIX)
            if (
                isinstance(operand, ast.Literal)
                and isinstance(operand.value, (int, float))
                and not isinstance(operand.value, bool)
            ):
                return ast.Literal(-operand.value, span=(tok.start, self.last_end()))
            return ast.Unary("-", operand, span=(tok.start, self.last_end()))
        if tok.value == "[":
            raise self.error("a list [...] may only follow 'in' or 'not in'", tok)
        raise self.error(f"expected a value, found {self.describe(tok)}", tok)

    def _nud_eof(self, tok: Token) -> ast.Node:
        raise self.error("unexpected end of rule; expected a value", tok)

    # -- infix position --------------------------------------------------
    def led(self, tok: Token, left: ast.Node) -> ast.Node:
        if tok.kind == "op":
            return self._led_binary(tok, left)
        word = str(tok.value)
        if word in ("and", "or") or word in ast.STRING_PREDICATES:
            return self._led_binary(tok, left)
        method: Callable[[Token, ast.Node], ast.Node] = getattr(self, f"_led_{word}")
        return method(tok, left)

    def _led_binary(self, tok: Token, left: ast.Node) -> ast.Node:
        op = str(tok.value)
        right = self.expression(ast.BINARY_BP[op])
        return ast.Binary(op, left, right, span=(left.span[0], self.last_end()))

    def _led_between(self, tok: Token, left: ast.Node) -> ast.Node:
        low = self.expression(ast.BP_COMPARE)
        nxt = self.advance()
        if not self.is_keyword(nxt, "and"):
            raise self.error(
                f"expected 'and' in 'between ... and ...', found {self.describe(nxt)}", nxt
            )
        high = self.expression(ast.BP_COMPARE)
        return ast.Between(left, low, high, span=(left.span[0], self.last_end()))

    def _led_not(self, tok: Token, left: ast.Node) -> ast.Node:
        self.advance()  # "in"
        return self._in_list(left, negated=True)

    def _led_in(self, tok: Token, left: ast.Node) -> ast.Node:
        return self._in_list(left, negated=False)

    def _in_list(self, left: ast.Node, *, negated: bool) -> ast.Node:
        self.expect_op("[", "to start the list after 'in'")
        items: list[ast.Node] = []
        while True:
            nxt = self.peek()
            if nxt.kind == "op" and nxt.value == "]":
                if not items:
                    raise self.error("empty list after 'in'", nxt)
                break
            items.append(self.expression(0))
            nxt = self.peek()
            if nxt.kind == "op" and nxt.value == ",":
                self.advance()
                continue
            if not (nxt.kind == "op" and nxt.value == "]"):
                self.advance()
                raise self.error(
                    f"expected ',' or ']' in the list, found {self.describe(nxt)}", nxt
                )
        self.advance()  # "]"
        return ast.InList(left, tuple(items), negated, span=(left.span[0], self.last_end()))

    def _led_is(self, tok: Token, left: ast.Node) -> ast.Node:
        negated = False
        nxt = self.advance()
        if self.is_keyword(nxt, "not"):
            negated = True
            nxt = self.advance()
        if not self.is_keyword(nxt, "null"):
            raise self.error(
                f"expected 'null' after 'is{' not' if negated else ''}', "
                f"found {self.describe(nxt)}",
                nxt,
            )
        return ast.IsNull(left, negated, span=(left.span[0], self.last_end()))
