"""Themes in free text from a keyword dictionary (no model).

The dictionary is data: a JSON object mapping each theme to its keywords per
language (``themes.json`` next to this module; pass your own mapping to
change it). Matching rules:

* an English (or any non-CJK) keyword matches whole words,
  case-insensitively; a trailing ``*`` matches any ending: ``"deliver*"``
  matches "Delivered late", ``"app"`` matches "the app" but not "apple";
* a Chinese keyword (any keyword containing a CJK character) matches as a
  substring anywhere, since Chinese text has no spaces between words:
  ``"物流"`` matches "物流太慢了";
* negation and context are not understood ("not late" matches ``"late"``);
  an answer can have several themes or none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import parse_as_of, read_timestamps
from segkit._validation import require_columns, require_frame
from segkit.errors import ParameterError, SchemaError

__all__ = ["category_counts", "load_themes", "tag_themes", "theme_counts"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@cache
def _bundled() -> str:
    return resources.files("segkit.feedback").joinpath("themes.json").read_text(encoding="utf-8")


def load_themes(source: Any = None) -> dict[str, tuple[str, ...]]:
    """The keyword dictionary as ``{theme: keywords}`` (languages merged).

    Parameters
    ----------
    source : mapping, str or path, optional
        A mapping ``{theme: [keywords]}`` or ``{theme: {language: [keywords]}}``,
        or a path to such a JSON file. Default: the bundled English and
        Chinese dictionary. Keys starting with ``_`` are comments.

    Examples
    --------
    >>> themes = load_themes()
    >>> "物流" in themes["delivery"], "deliver*" in themes["delivery"]
    (True, True)
    """
    if source is None:
        raw = json.loads(_bundled())
    elif isinstance(source, Mapping):
        raw = dict(source)
    else:
        with open(source, encoding="utf-8") as handle:
            raw = json.load(handle)
    out: dict[str, tuple[str, ...]] = {}
    for theme, words in raw.items():
        if str(theme).startswith("_"):
            continue
        if isinstance(words, Mapping):
            flat = [w for language in words.values() for w in language]
        elif isinstance(words, str):
            flat = [words]
        else:
            flat = list(words)
        bad = [w for w in flat if not isinstance(w, str) or not w.strip()]
        if bad or not flat:
            raise SchemaError(
                f"theme {theme!r} needs a list of non-empty keyword strings; got {words!r}"
            )
        out[str(theme)] = tuple(w.strip() for w in flat)
    if not out:
        raise ParameterError("the theme dictionary is empty")
    return out


def _pattern(words: Iterable[str]) -> str:
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        if _CJK.search(word):
            parts.append(re.escape(word))
        elif word.endswith("*"):
            parts.append(rf"(?<!\w){re.escape(word[:-1])}")
        else:
            parts.append(rf"(?<!\w){re.escape(word)}(?!\w)")
    return "|".join(parts)


def tag_themes(texts: Any, themes: Any = None) -> pd.DataFrame:
    """Which themes each text mentions: one boolean column per theme.

    Parameters
    ----------
    texts : Series or sequence of str
        Free-text answers; missing texts mention nothing.
    themes : mapping or path, optional
        The keyword dictionary (see :func:`load_themes`).

    Returns
    -------
    DataFrame of bool
        On the index of ``texts``, one column per theme.

    Examples
    --------
    >>> tag_themes(["Delivered late, box crushed", "物流太慢了", None])[["delivery", "packaging"]]
       delivery  packaging
    0      True       True
    1      True      False
    2     False      False
    """
    dictionary = load_themes(themes)
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    given = series.notna().to_numpy()
    text = series.astype(object).where(given, "").astype(str)
    out = {}
    for theme, words in dictionary.items():
        hits = text.str.contains(_pattern(words), case=False, regex=True).to_numpy(dtype=bool)
        out[theme] = hits & given
    return pd.DataFrame(out, index=series.index)


def theme_counts(
    feedback: Any,
    table: Any = None,
    by: str | None = None,
    *,
    customer: str,
    text: str = "text",
    themes: Any = None,
    timestamp: str | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Counts of each theme among the texts of the feedback log, overall or per group.

    Parameters
    ----------
    feedback : DataFrame
        The feedback (or complaints) log with a free-text column.
    table : DataFrame, optional
        The customer table (indexed by customer) holding the column ``by``.
    by : str, optional
        Group column of ``table``; answers of customers not in ``table``
        fall in no group and are left out.
    customer, text : str
        Columns of ``feedback``.
    timestamp, as_of : optional
        With ``as_of``, only texts at or before it count (the time policy of
        ``docs/time.md``; ``timestamp`` is then required).

    Returns
    -------
    DataFrame
        Tidy: ``group`` (with ``by``), ``theme``, ``texts`` (answers with a
        text in the group), ``mentions`` and ``share`` (``mentions / texts``),
        sorted by group, then by mentions, most first.

    Examples
    --------
    >>> fb = pd.DataFrame({"customer_id": [1, 2, 3], "text": ["late again", "很好", None]})
    >>> theme_counts(fb, customer="customer_id").head(2)
          theme  texts  mentions  share
    0  delivery      2         1    0.5
    1    praise      2         1    0.5
    """
    df = require_frame(feedback, "feedback")
    require_columns(df, [customer, text], "feedback")
    if as_of is not None:
        if timestamp is None:
            raise ParameterError("as_of needs the timestamp column: pass timestamp='...'")
        stamps = read_timestamps(df[timestamp], timestamp, "feedback")
        df = df[stamps.wall <= parse_as_of(as_of, stamps.tz).cut]
    flags = tag_themes(df[text].reset_index(drop=True), themes)
    has_text = df[text].notna().to_numpy()
    if by is None:
        groups = pd.Series(np.zeros(len(df), dtype=np.int64))
    else:
        if table is None:
            raise ParameterError("by needs the customer table: theme_counts(feedback, table, by)")
        tbl = require_frame(table, "customer table")
        require_columns(tbl, [by], "customer table")
        groups = pd.Series(tbl[by].reindex(df[customer].to_numpy()).to_numpy())
    frame = flags[has_text].copy()
    frame["_group"] = groups[has_text].to_numpy()
    frame = frame[frame["_group"].notna()]
    grouped = frame.groupby("_group", observed=True, sort=True)
    texts = grouped.size()
    mentions = grouped.sum()
    tidy = mentions.reset_index().melt(id_vars="_group", var_name="theme", value_name="mentions")
    tidy = tidy.rename(columns={"_group": "group"})
    tidy["mentions"] = tidy["mentions"].astype(np.int64)
    tidy.insert(2, "texts", texts.reindex(tidy["group"]).to_numpy().astype(np.int64))
    tidy["share"] = tidy["mentions"] / tidy["texts"]
    tidy = tidy.sort_values(["group", "mentions"], ascending=[True, False], kind="stable")
    tidy = tidy.reset_index(drop=True)
    return tidy.drop(columns="group") if by is None else tidy


def category_counts(
    complaints: Any,
    *,
    category: str = "category",
    opened: str = "opened",
    as_of: Any = None,
) -> pd.DataFrame:
    """Complaints per category, in the shape of :func:`theme_counts` (for logs without text).

    Returns
    -------
    DataFrame
        ``theme`` (the category), ``texts`` (all complaints), ``mentions``
        (complaints of the category) and ``share``; most first. With
        ``as_of``, only complaints opened at or before it count.

    Examples
    --------
    >>> cp = pd.DataFrame({"opened": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-03-01"]),
    ...                    "category": ["delivery", "refund", "delivery"]})
    >>> category_counts(cp, as_of="2024-01-31")
          theme  texts  mentions  share
    0  delivery      2         1    0.5
    1    refund      2         1    0.5
    """
    df = require_frame(complaints, "complaints")
    require_columns(df, [category, opened], "complaints")
    if as_of is not None:
        stamps = read_timestamps(df[opened], opened, "complaints")
        df = df[stamps.wall <= parse_as_of(as_of, stamps.tz).cut]
    values = df[category].dropna().astype(str)
    counts = values.value_counts(sort=False)
    out = pd.DataFrame(
        {
            "theme": counts.index.astype(object),
            "texts": np.full(len(counts), len(values), dtype=np.int64),
            "mentions": counts.to_numpy(dtype=np.int64),
        }
    )
    out["share"] = out["mentions"] / max(len(values), 1)
    out = out.sort_values(["mentions", "theme"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)
