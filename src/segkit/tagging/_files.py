"""Reading rule files safely: bytes to text, text to plain data, with bounded cost.

Rule files may come from untrusted sources, so reading one never runs code
(YAML is loaded safely), never expands YAML anchors and aliases (a
"billion laughs" file is refused before anything is built), never nests
deeper than :data:`MAX_NESTING` (no ``RecursionError``) and decodes only
UTF-8 (with or without a byte-order mark) and UTF-16/32 with a byte-order
mark; other encodings are refused with a hint. Every failure is a
:class:`~segkit.errors.RuleFileError`.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

from segkit._files import MAX_NESTING, check_yaml_events
from segkit._optional import import_optional
from segkit.errors import RuleFileError

__all__ = ["MAX_NESTING", "load_json", "load_yaml", "read_source"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_source(source: Any, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """Return ``(text, name)`` for a path (``name`` is the file name) or for literal text."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.strip().endswith(suffixes)
    ):
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise RuleFileError(f"cannot read rule file {str(path)!r}: {exc.strerror}") from None
        return decode(raw, path.name), path.name
    if not isinstance(source, str):
        raise RuleFileError(f"expected a path or text; got {type(source).__name__}")
    return source, ""


def decode(raw: bytes, name: str) -> str:
    """Decode a rule file's bytes: UTF-8, or UTF-16/32 with a byte-order mark."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise RuleFileError(
                    f"rule file {name!r} starts with a {encoding.upper()} byte-order mark but "
                    f"byte {exc.start} cannot be decoded; save it again as UTF-8"
                ) from None
    head = raw[:4096]
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise RuleFileError(
                f"rule file {name!r} looks like UTF-16 text without a byte-order mark; save it "
                "as UTF-8 (in Notepad: Save as, Encoding: UTF-8)"
            )
        raise RuleFileError(f"rule file {name!r} is a binary file, not YAML or JSON text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        hint = ""
        try:
            raw.decode("gb18030")
            hint = " It looks like GBK/GB18030 (what Chinese Windows writes)."
        except UnicodeDecodeError:
            pass
        raise RuleFileError(
            f"rule file {name!r} is not UTF-8 text: byte 0x{bad} at offset {exc.start} cannot "
            f"be decoded.{hint} Save the file as UTF-8 (in Notepad or Excel: Save as, "
            "Encoding: UTF-8)"
        ) from None


def load_json(text: str, name: str) -> Any:
    """Parse JSON rule text; malformed, too deep or too large numbers raise RuleFileError."""
    where = f"{name}: " if name else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleFileError(
            f"{where}invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise RuleFileError(f"{where}the JSON nests too deeply to be a rule file") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise RuleFileError(f"{where}invalid JSON: {str(exc)[:200]}") from None


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML rule text safely; anchors, aliases and deep nesting are refused first."""
    yaml = import_optional("yaml", extra="yaml", what="reading YAML rules")
    where = f"{name}: " if name else ""
    try:
        check_yaml_events(yaml, text, "rule", RuleFileError, where)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError(f"{where}invalid YAML{position}: {str(problem)[:200]}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits
        if isinstance(exc, RuleFileError):
            raise
        raise RuleFileError(f"{where}invalid YAML: {str(exc)[:200]}") from None
