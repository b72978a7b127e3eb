"""Segment maps: named partitions of the RFM score grid, written as rule data.

A :class:`SegmentMap` is a list of named segments, each with a condition in
segkit's rule language over ``r_score``, ``f_score``, ``m_score`` and
``fm_score`` (the mean of ``f_score`` and ``m_score``, rounded half up). A map
must cover every cell of the score grid exactly once; that is checked when the
map is loaded. Named maps ship with the library (:func:`segment_maps` lists
them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, ClassVar

import attrs
import numpy as np
import pandas as pd

from segkit._validation import Constraint, Interval, Satisfies, check_keys, validate_params
from segkit.errors import ParameterError, SegkitError, SegmentMapError, did_you_mean

__all__ = ["Segment", "SegmentMap", "load_segment_map", "segment_maps"]

#: the score columns of the grid, in (r, f, m) order
SCORES = ("r_score", "f_score", "m_score")


def _text(name: str) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str) or (name != "optional" and not value.strip()):
            raise SegmentMapError(
                f"segment field {attribute.name!r} must be a non-empty string; got {value!r}"
            )

    return check


_TRANSLATED = ("name", "description", "action")


def _as_translations(value: Any) -> tuple[tuple[str, str, str], ...]:
    """``{language: {field: text}}`` as sorted ``(language, field, text)`` triples."""
    if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
        value = _nest(value)
    if not isinstance(value, Mapping):
        raise SegmentMapError(
            f"segment field 'translations' must map a language code to "
            f"{{name, description, action}}; got {value!r}"
        )
    out = []
    for lang, fields in value.items():
        if not isinstance(lang, str) or not lang.strip() or not isinstance(fields, Mapping):
            raise SegmentMapError(
                f"segment field 'translations' must map a language code to "
                f"{{name, description, action}}; got {lang!r}: {fields!r}"
            )
        check_keys(fields, set(_TRANSLATED), f"translations[{lang!r}]", error=SegmentMapError)
        for field, text in fields.items():
            if not isinstance(text, str) or not text.strip():
                raise SegmentMapError(
                    f"translations[{lang!r}][{field!r}] must be a non-empty string; got {text!r}"
                )
            out.append((lang, str(field), text))
    return tuple(sorted(out))


def _nest(triples: tuple[Any, ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in triples:
        lang, field, text = item
        out.setdefault(lang, {})[field] = text
    return out


@attrs.frozen
class Segment:
    """One named segment of a :class:`SegmentMap`.

    Parameters
    ----------
    name : str
        The segment's name, e.g. ``"champions"``.
    when : str
        A condition in the rule language over ``r_score``, ``f_score``,
        ``m_score`` and ``fm_score``.
    description, action : str
        What the segment is and what to do about it.
    translations : mapping, optional
        The name, description and action in other languages,
        ``{"zh": {"name": "冠军客户", "description": ..., "action": ...}}``;
        reports in that language show them (:meth:`text`).

    Examples
    --------
    >>> s = Segment("champions", "r_score == 5", "Recent, frequent, big spenders.",
    ...             translations={"zh": {"name": "冠军客户"}})
    >>> s.text("name", "zh"), s.text("name", "en"), s.text("description", "zh")
    ('冠军客户', 'champions', '')
    """

    name: str = attrs.field(validator=_text("name"))
    when: str = attrs.field(validator=_text("when"))
    description: str = attrs.field(default="", validator=_text("optional"))
    action: str = attrs.field(default="", validator=_text("optional"))
    translations: tuple[tuple[str, str, str], ...] = attrs.field(
        default=(), kw_only=True, converter=_as_translations, repr=False
    )

    def text(self, field: str, lang: str) -> str:
        """``name``, ``description`` or ``action`` in ``lang``; "" when not translated.

        English is the segment's own fields.
        """
        if lang == "en":
            return str(getattr(self, field))
        for lang_, field_, text in self.translations:
            if (lang_, field_) == (lang, field):
                return text
        return ""

    def to_dict(self) -> dict[str, Any]:
        """The segment as a plain mapping; :meth:`SegmentMap.from_dict` reads it back."""
        out: dict[str, Any] = {"name": self.name, "when": self.when}
        out.update({k: getattr(self, k) for k in ("description", "action") if getattr(self, k)})
        if self.translations:
            langs: dict[str, dict[str, str]] = {}
            for lang, field, text in self.translations:
                langs.setdefault(lang, {})[field] = text
            out["translations"] = langs
        return out


def _segment_tuple(items: Iterable[Segment]) -> tuple[Segment, ...]:
    return tuple(items)


def _grid(bins: int) -> pd.DataFrame:
    r, f, m = np.meshgrid(*(np.arange(1, bins + 1),) * 3, indexing="ij")
    grid = pd.DataFrame({"r_score": r.ravel(), "f_score": f.ravel(), "m_score": m.ravel()})
    grid["fm_score"] = (grid["f_score"] + grid["m_score"] + 1) // 2
    return grid


@attrs.frozen
class SegmentMap:
    """A partition of the RFM score grid into named segments.

    Construction checks that every ``(r_score, f_score, m_score)`` cell of the
    ``bins``-level grid is matched by exactly one segment.

    Parameters
    ----------
    name : str
    bins : int
        The number of score levels the map is written for.
    segments : sequence of Segment
    description : str

    Raises
    ------
    SegmentMapError
        A condition does not compile, or the map leaves gaps or overlaps;
        the message names the cells and segments.

    Examples
    --------
    >>> from segkit.rfm import SegmentMap
    >>> m = SegmentMap.from_dict({"name": "two", "bins": 2, "segments": [
    ...     {"name": "recent", "when": "r_score == 2"},
    ...     {"name": "lapsed", "when": "r_score == 1"}]})
    >>> m.lookup_table().shape
    (2, 2, 2)
    >>> SegmentMap.from_dict({"name": "gap", "bins": 2, "segments": [
    ...     {"name": "recent", "when": "r_score == 2"}]})
    Traceback (most recent call last):
    ...
    segkit.errors.SegmentMapError: segment map 'gap' leaves 4 of 8 score cells without a segment,
    e.g. r_score=1, f_score=1, m_score=1
    """

    name: str
    bins: int
    segments: tuple[Segment, ...] = attrs.field(converter=_segment_tuple)
    description: str = ""
    _table: np.ndarray[Any, np.dtype[np.int64]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "name": [Satisfies(lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty str")],
        "bins": [Interval(int, 2, 9)],  # the bins RFMScorer accepts
        "description": [Satisfies(lambda v: isinstance(v, str), "a str")],
    }

    def __attrs_post_init__(self) -> None:
        validate_params(self, self._parameter_constraints, error=SegmentMapError)
        if not self.segments:
            raise SegmentMapError(f"segment map {self.name!r} has no segments")
        names = [s.name for s in self.segments]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SegmentMapError(f"segment map {self.name!r} names segments twice: {dup}")
        object.__setattr__(self, "_table", self._build_table())

    def _build_table(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        from segkit.tagging import evaluate_rule as evaluate

        grid = _grid(self.bins)
        hits = np.zeros((len(grid), len(self.segments)), dtype=bool)
        for j, segment in enumerate(self.segments):
            try:
                hits[:, j] = evaluate(segment.when, grid).to_numpy(dtype=bool, na_value=False)
            except SegkitError as exc:
                raise SegmentMapError(
                    f"segment {segment.name!r} of map {self.name!r}: {exc}"
                ) from exc
        count = hits.sum(axis=1)

        def cell(i: int) -> str:
            row = grid.iloc[i]
            return ", ".join(f"{c}={row[c]}" for c in SCORES)

        if (count == 0).any():
            gaps = np.flatnonzero(count == 0)
            raise SegmentMapError(
                f"segment map {self.name!r} leaves {gaps.size} of {len(grid)} score cells "
                f"without a segment, e.g. {cell(int(gaps[0]))}"
            )
        if (count > 1).any():
            over = np.flatnonzero(count > 1)
            first = int(over[0])
            both = [self.segments[j].name for j in np.flatnonzero(hits[first])]
            raise SegmentMapError(
                f"segment map {self.name!r} has {over.size} score cells in more than one "
                f"segment, e.g. {cell(first)} is in {both}"
            )
        shape = (self.bins,) * 3
        table: np.ndarray[Any, np.dtype[np.int64]] = np.argmax(hits, axis=1).astype(np.int64)
        return table.reshape(shape)

    def lookup_table(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Segment position for each ``(r-1, f-1, m-1)`` cell."""
        return self._table.copy()

    @property
    def names(self) -> list[str]:
        """The segment names, in map order."""
        return [s.name for s in self.segments]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentMap:
        """Build a map from ``{"name", "bins", "segments": [{"name", "when", ...}]}``."""
        if not isinstance(data, Mapping):
            raise SegmentMapError(f"a segment map must be a mapping; got {type(data).__name__}")
        check_keys(
            data,
            {"name", "bins", "segments", "description"},
            "segment map",
            required={"name", "bins", "segments"},
            error=SegmentMapError,
        )
        segments = []
        for i, item in enumerate(data["segments"]):
            if not isinstance(item, Mapping):
                raise SegmentMapError(f"segment #{i} must be a mapping; got {item!r}")
            check_keys(
                item,
                {"name", "when", "description", "action", "translations"},
                f"segment #{i}",
                required={"name", "when"},
                error=SegmentMapError,
            )
            try:
                segments.append(Segment(**item))
            except SegmentMapError as exc:
                where = f"segment #{i} ({item.get('name')!r})"
                raise SegmentMapError(f"{where}: {exc}") from None
        name, description = data["name"], data.get("description", "")
        return cls(name, data["bins"], tuple(segments), description)


def segment_maps() -> list[str]:
    """Names of the segment maps shipped with segkit.

    Examples
    --------
    >>> from segkit.rfm import segment_maps
    >>> segment_maps()
    ['rfm11', 'rfm6']
    """
    folder = resources.files("segkit").joinpath("data", "segment_maps")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_segment_map(name: str) -> SegmentMap:
    """Load a segment map shipped with segkit by name (see :func:`segment_maps`)."""
    available = segment_maps()
    if name not in available:
        raise ParameterError(
            f"unknown segment map {name!r}{did_you_mean(name, available)}; available: {available}"
        )
    path = resources.files("segkit").joinpath("data", "segment_maps", f"{name}.json")
    return SegmentMap.from_dict(json.loads(path.read_text(encoding="utf-8")))
