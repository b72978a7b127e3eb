"""Reading definition files (JSON or YAML; text, a path or an open file) with clear errors.

Definition files (lifecycles, loyalty programmes, rule files) may come from
untrusted sources, so reading one never runs code (YAML is loaded safely),
never expands YAML anchors and aliases (a "billion laughs" file is refused
before anything is built), never nests deeper than :data:`MAX_NESTING` (no
``RecursionError``), turns over-long integers into the caller's error, and
decodes UTF-8 (with or without a byte-order mark) and UTF-16/32 with a
byte-order mark.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from segkit._optional import import_optional
from segkit.errors import SegkitError

__all__ = ["MAX_NESTING", "check_yaml_events", "read_json", "read_yaml"]

#: Deepest nesting of lists and mappings accepted in a definition file.
MAX_NESTING = 50

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(raw: bytes) -> str:
    """UTF-8, or UTF-8/16/32 with a byte-order mark (UnicodeDecodeError otherwise)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding)
    return raw.decode("utf-8")


def check_yaml_events(
    yaml: Any, text: str, what: str, error: type[SegkitError], where: str
) -> None:
    """Refuse YAML anchors, aliases and nesting deeper than :data:`MAX_NESTING` before loading.

    ``where`` prefixes the messages (e.g. the file name and a colon).
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise error(
                f"{where}line {line}: YAML anchors and aliases (&name, *name) are not "
                f"accepted in {what} files; write each value out"
            )
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise error(
                    f"{where}line {line}: the YAML nests deeper than {MAX_NESTING} levels, "
                    f"more than a {what} file needs"
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def _text(source: Any, what: str, suffixes: tuple[str, ...], error: type[SegkitError]) -> str:
    """The text of ``source``: an open file, a path (``os.PathLike`` or a one-line name
    ending in one of ``suffixes``), or the text itself."""
    try:
        if hasattr(source, "read"):
            text = source.read()
        elif hasattr(source, "__fspath__") or (
            isinstance(source, str) and "\n" not in source and source.strip().endswith(suffixes)
        ):
            with open(source, "rb") as fh:
                text = _decode(fh.read())
        else:
            text = source
    except OSError as exc:
        raise error(f"cannot read the {what} file {str(source)!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(
            f"the {what} file {str(source)!r} is not UTF-8 text; save it as UTF-8"
        ) from None
    if isinstance(text, bytes):
        try:
            text = _decode(text)
        except UnicodeDecodeError:
            raise error(f"the {what} text is not UTF-8; save it as UTF-8") from None
    if not isinstance(text, str):
        raise error(f"expected {what} text, a path or a file; got {type(source).__name__}")
    return text


def read_yaml(source: Any, what: str, error: type[SegkitError] = SegkitError) -> Any:
    """Parse YAML (safe loading; needs PyYAML); unreadable input raises ``error``."""
    yaml = import_optional("yaml", extra="yaml", what="reading YAML")
    text = _text(source, what, (".yaml", ".yml"), error)
    try:
        check_yaml_events(yaml, text, what, error, f"the {what} YAML: ")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"the {what} YAML does not parse: {exc}") from None
    except RecursionError:
        raise error(f"the {what} YAML is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        if isinstance(exc, SegkitError):
            raise
        raise error(
            f"the {what} YAML holds a value segkit cannot read: {str(exc)[:200]}"
        ) from None


def read_json(source: Any, what: str, error: type[SegkitError] = SegkitError) -> Any:
    """Parse JSON; unreadable input raises ``error``."""
    text = _text(source, what, (".json",), error)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"the {what} JSON does not parse at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise error(f"the {what} JSON is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        if isinstance(exc, SegkitError):
            raise
        raise error(
            f"the {what} JSON holds a value segkit cannot read: {str(exc)[:200]}"
        ) from None
