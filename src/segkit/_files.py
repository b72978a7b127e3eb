"""Reading definition files safely: bytes to text, text to plain data, with bounded cost.

One reader for every JSON/YAML definition segkit accepts (rule files, lifecycle
definitions, loyalty programmes), given as text, a path or an open file.
Definitions may come from untrusted sources, so reading one never runs code
(YAML is loaded safely), never expands YAML anchors and aliases (a "billion
laughs" file is refused before anything is built), never nests deeper than
:data:`MAX_NESTING` (no ``RecursionError``) and decodes only UTF-8 (with or
without a byte-order mark) and UTF-16/32 with a byte-order mark; other
encodings are refused with a hint. Every failure is the caller's
:class:`~segkit.errors.SegkitError` subclass, and its message says what was
being read (``what``: ``"rule"``, ``"lifecycle"``, ...).
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

from segkit._optional import import_optional
from segkit.errors import SegkitError

__all__ = [
    "MAX_NESTING",
    "decode",
    "load_json",
    "load_yaml",
    "read_json",
    "read_source",
    "read_yaml",
]

#: Deepest nesting of lists and mappings accepted in a definition file.
MAX_NESTING = 50

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_YAML = (".yaml", ".yml")
_JSON = (".json",)


def read_source(
    source: Any, suffixes: tuple[str, ...], what: str, error: type[SegkitError]
) -> tuple[str, str]:
    """``(text, name)`` of an open file, a path (``os.PathLike`` or a one-line name ending in
    one of ``suffixes``; ``name`` is the file name) or the text itself (``name`` is ``""``)."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.strip().endswith(suffixes)
    ):
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise error(f"cannot read the {what} file {str(path)!r}: {exc.strerror}") from None
        return decode(raw, path.name, what, error), path.name
    name = ""
    if hasattr(source, "read"):
        name = Path(str(getattr(source, "name", ""))).name
        try:
            source = source.read()
        except OSError as exc:
            raise error(f"cannot read the {what} file {name!r}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise error(f"the {what} file {name!r} is not UTF-8 text; save it as UTF-8") from None
    if isinstance(source, bytes):
        return decode(source, name, what, error), name
    if not isinstance(source, str):
        raise error(f"expected {what} text, a path or a file; got {type(source).__name__}")
    return source, name


def decode(raw: bytes, name: str, what: str, error: type[SegkitError]) -> str:
    """Decode a definition's bytes: UTF-8, or UTF-16/32 with a byte-order mark."""
    label = f"{what} file {name!r}" if name else f"the {what} text"
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise error(
                    f"{label} starts with a {encoding.upper()} byte-order mark but "
                    f"byte {exc.start} cannot be decoded; save it again as UTF-8"
                ) from None
    head = raw[:4096]
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise error(
                f"{label} looks like UTF-16 text without a byte-order mark; save it "
                "as UTF-8 (in Notepad: Save as, Encoding: UTF-8)"
            )
        raise error(f"{label} is a binary file, not YAML or JSON text")
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
        raise error(
            f"{label} is not UTF-8 text: byte 0x{bad} at offset {exc.start} cannot "
            f"be decoded.{hint} Save the file as UTF-8 (in Notepad or Excel: Save as, "
            "Encoding: UTF-8)"
        ) from None


def load_json(text: str, name: str, what: str, error: type[SegkitError]) -> Any:
    """Parse JSON text; malformed, too deep or too large numbers raise ``error``."""
    where = f"{name}: " if name else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{where}invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise error(f"{where}the JSON nests too deeply to be a {what} file") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise error(f"{where}invalid JSON: {str(exc)[:200]}") from None


def load_yaml(text: str, name: str, what: str, error: type[SegkitError]) -> Any:
    """Parse YAML text safely; anchors, aliases and deep nesting are refused first."""
    yaml = import_optional("yaml", extra="yaml", what=f"reading YAML {what} files")
    where = f"{name}: " if name else ""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise error(
                    f"{where}line {line}: YAML anchors and aliases (&name, *name) are not "
                    f"accepted in {what} files; write each value out"
                )
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise error(
                        f"{where}line {line}: the YAML nests deeper than {MAX_NESTING} levels, "
                        f"more than a {what} file needs"
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{where}invalid YAML{position}: {str(problem)[:200]}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits
        if isinstance(exc, SegkitError):
            raise
        raise error(f"{where}invalid YAML: {str(exc)[:200]}") from None


def read_yaml(source: Any, what: str, error: type[SegkitError] = SegkitError) -> Any:
    """Read YAML (text, a path or an open file; needs PyYAML) as plain data."""
    text, name = read_source(source, _YAML, what, error)
    return load_yaml(text, name, what, error)


def read_json(source: Any, what: str, error: type[SegkitError] = SegkitError) -> Any:
    """Read JSON (text, a path or an open file) as plain data."""
    text, name = read_source(source, _JSON, what, error)
    return load_json(text, name, what, error)
