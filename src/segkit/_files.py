"""Reading definition files (JSON or YAML; text, a path or an open file) with clear errors."""

from __future__ import annotations

import json
from typing import Any

from segkit._optional import import_optional
from segkit.errors import SegkitError

__all__ = ["read_json", "read_yaml"]


def _text(source: Any, what: str, suffixes: tuple[str, ...], error: type[SegkitError]) -> str:
    """The text of ``source``: an open file, a path (``os.PathLike`` or a one-line name
    ending in one of ``suffixes``), or the text itself."""
    try:
        if hasattr(source, "read"):
            text = source.read()
        elif hasattr(source, "__fspath__") or (
            isinstance(source, str) and "\n" not in source and source.strip().endswith(suffixes)
        ):
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
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
            text = text.decode("utf-8")
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
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"the {what} YAML does not parse: {exc}") from None
    except RecursionError:
        raise error(f"the {what} YAML is nested too deeply to read") from None


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
