"""Privacy controls for sharing customer tables and reports.

* :func:`pseudonymize` — keyed pseudonyms (HMAC-SHA256): stable across runs
  with the same key, not reversible without it; the key is never stored.
* :func:`find_pii` / :func:`mask_pii` — columns that hold names, e-mail
  addresses, phone numbers (mainland-China mobiles included), postal addresses
  and national ID numbers (the 18-digit Chinese resident ID with its ISO 7064
  check digit, US SSNs), found by column name and by content, counted, then
  dropped, masked or pseudonymised.
* :func:`suppress_small` — a minimum group size ``k``: groups of fewer than
  ``k`` customers are merged into "other" (the report does the same with
  ``privacy=Privacy(min_group=k)``).
* :func:`forget` — erasure requests: removes customers from a customer table,
  a :class:`~segkit.Profile` or an exported file.
* :class:`Privacy` — the settings of a report that can leave the analytics team.

References
----------
RFC 2104 (HMAC); GB 11643-1999, the citizen identification number of the
People's Republic of China (weights and the MOD 11-2 check character of
ISO/IEC 7064); OWASP, "CSV Injection".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._backend import dispatch
from segkit.errors import ParameterError, SchemaError

__all__ = [
    "PII_KINDS",
    "Privacy",
    "find_pii",
    "forget",
    "is_cn_resident_id",
    "mask_pii",
    "pseudonymize",
    "read_key",
    "suppress_small",
]

PII_KINDS = ("name", "email", "phone", "address", "national_id")

_NAME_HINTS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"e-?mail|邮箱|电子邮件", re.I),
    "phone": re.compile(r"phone|mobile|\btel\b|telephone|cell|手机|电话|联系方式", re.I),
    "national_id": re.compile(
        r"ssn|social.?security|national.?id|id.?card|id.?number|passport|身份证|证件", re.I
    ),
    "address": re.compile(
        r"address|street|addr\b|postcode|post.?code|zip|postal|city|地址|邮编|街道", re.I
    ),
    "name": re.compile(
        r"^(first|last|full|given|family|sur|customer|contact|billing|shipping)?[ _.-]?name$"
        r"|姓名|名字|客户名|收货人|联系人",
        re.I,
    ),
}
_CONTENT: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+"),
    # mainland-China mobiles (1[3-9] + 9 digits, optional +86), or an
    # international/national number of 8-15 digits with the usual separators.
    "phone": re.compile(
        r"(\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}"
        r"|\+?\d{1,3}?[ .-]?\(?\d{2,5}\)?([ .-]?\d{2,5}){2,4}"
    ),
    "national_id": re.compile(r"\d{17}[\dXx]|\d{3}-\d{2}-\d{4}"),
    "address": re.compile(
        r"\d+[A-Za-z]?\s+\w+(\s\w+)*\s(street|st|road|rd|avenue|ave|lane|ln|drive|dr|way|"
        r"boulevard|blvd|close|court|ct|place|pl|square|sq)\b.*"
        r"|.*[省市区县].*[路街道巷弄].*\d+.*号.*",
        re.I,
    ),
}
#: Dates and timestamps (2024-09-21, 21/09/2024, 2024.9.21 10:30), whose digits and
#: separators would otherwise pass for a phone number.
_DATE = re.compile(
    r"(\d{4}([-/.])\d{1,2}\2\d{1,2}|\d{1,2}([-/.])\d{1,2}\3\d{4})([ T]\d{1,2}:\d{2}.*)?"
)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"


#: Column names of coarse locations: an address only if the values look like one.
_COARSE = re.compile(
    r"^(?:[a-z]+_)?(?:city|country|province|region|state)(?:_(?:name|code))?$|^(?:城市|省份|国家)$",
    re.I,
)


def read_key(source: str | os.PathLike[str] | bytes) -> bytes:
    """A pseudonymisation key from bytes or a key file (its trailing newline dropped).

    Raises
    ------
    ParameterError
        The key is shorter than 16 bytes, or the file cannot be read.
    """
    if isinstance(source, bytes):
        key = source
    elif not isinstance(source, str | os.PathLike):
        raise ParameterError(
            f"the pseudonymisation key must be bytes or the path of a key file; got "
            f"{type(source).__name__}"
        )
    else:
        try:
            key = Path(source).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise ParameterError(f"cannot read the key file {source!s}: {exc.strerror}") from None
    if len(key) < 16:
        raise ParameterError(
            f"the pseudonymisation key has {len(key)} bytes; use at least 16 random bytes "
            '(e.g. python -c "import secrets; print(secrets.token_hex(32))" > key.txt)'
        )
    return key


def _id_text(values: Any) -> list[str]:
    """Ids as text, with integer-valued floats (``7.0``) written as integers (``7``)."""
    out = []
    for v in values:
        if isinstance(v, float | np.floating) and np.isfinite(v) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


def pseudonymize(ids: Any, key: str | bytes, *, length: int = 16) -> Any:
    """Keyed pseudonyms of ``ids``: HMAC-SHA256 of each id, as hex.

    The same id and key always give the same pseudonym, so tables made on
    different days still join; without the key the ids cannot be recovered or
    guessed by hashing candidates. The key is used only in memory.

    Parameters
    ----------
    ids : Series, Index, array-like or scalar
        Customer ids; ``7`` and ``7.0`` give the same pseudonym.
    key : str or bytes
        At least 16 bytes (see :func:`read_key`).
    length : int, default 16
        Hex characters kept (16 = 64 bits; at most 64).

    Returns
    -------
    Same shape as ``ids``: a Series keeps its index, an Index stays an Index.
    Missing ids (None, NaN, NA) stay missing (None) rather than sharing one
    pseudonym.

    Examples
    --------
    >>> p = pseudonymize(["c1", "c2", "c1"], b"0123456789abcdef")
    >>> p[0] == p[2], p[0] != p[1], len(p[0])
    (True, True, 16)
    """
    secret = read_key(key.encode() if isinstance(key, str) else key)
    if not 8 <= length <= 64:
        raise ParameterError(f"length must be between 8 and 64 hex characters; got {length}")

    def one(text: str) -> str:
        return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    def each(values: Any) -> list[str | None]:
        # A missing id stays missing: one shared pseudonym would join strangers.
        texts = _id_text(values)
        return [None if _missing(v) else one(t) for v, t in zip(values, texts, strict=True)]

    if isinstance(ids, pd.Series):
        return pd.Series(each(ids), index=ids.index, name=ids.name, dtype=object)
    if isinstance(ids, pd.Index):
        return pd.Index(each(ids), name=ids.name, dtype=object)
    if isinstance(ids, str | bytes) or np.ndim(ids) == 0:
        return each([ids])[0]
    return each(list(ids))


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_cn_resident_id(value: str) -> bool:
    """Whether ``value`` is a valid 18-digit Chinese resident ID number (GB 11643-1999).

    Checks the shape, the birth date (digits 7-14) and the check character:
    ``(12 - sum(digit_i * 2^(17 - i) mod 11)) mod 11``, with 10 written ``X``.

    Examples
    --------
    >>> is_cn_resident_id("11010519491231002X"), is_cn_resident_id("110105194912310021")
    (True, False)
    """
    text = str(value).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return False
    try:
        born = pd.Timestamp(f"{text[6:10]}-{text[10:12]}-{text[12:14]}")
    except ValueError:
        return False
    if not 1850 <= born.year <= 2100:
        return False
    total = int(np.dot(_ID_WEIGHTS, [int(c) for c in text[:17]]))
    return _ID_CHECK[total % 11] == text[17]


def _content_hits(values: pd.Series, kind: str) -> int:
    text = pd.Series(values.astype(str).str.strip().to_numpy(dtype=object), dtype=object)
    hits = text.str.fullmatch(_CONTENT[kind]).fillna(False).astype(bool)
    eighteen = text.str.fullmatch(r"\d{17}[\dXx]").fillna(False).astype(bool)
    if kind == "national_id":
        valid = sum(is_cn_resident_id(v) for v in text[eighteen])
        return int((hits & ~eighteen).sum()) + int(valid)
    if kind == "phone":
        digits = text.str.count(r"\d").fillna(0)
        dates = text.str.fullmatch(_DATE).fillna(False).astype(bool)  # 2024-09-21 is no phone
        hits = hits & digits.between(7, 15).to_numpy() & ~eighteen & ~dates
    return int(hits.sum())


def find_pii(frame: pd.DataFrame, *, threshold: float = 0.5) -> pd.DataFrame:
    """Columns that hold personal data, found by name and by content, with counts.

    A column is reported when its name says what it holds (``email``,
    ``手机``, ``身份证号``, ``shipping_address``, ``customer_name``…) or when at
    least ``threshold`` of its non-empty values look like an e-mail address, a
    phone number, a postal address or a valid national ID number. An
    18-digit number counts as a Chinese resident ID only when its check digit
    and birth date are valid. Names are found by column name only.

    Returns
    -------
    pandas.DataFrame
        One row per flagged column, indexed by column name: ``kind``,
        ``found_by`` ("name", "content" or "name+content"), ``values``
        (non-empty values), ``matches`` (values that look like ``kind``).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"mail": ["a@b.cn", "c@d.com"], "n": [1, 2]})
    >>> find_pii(f)[["kind", "found_by", "matches"]].values.tolist()
    [['email', 'content', 2]]
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"find_pii needs a pandas DataFrame, got {type(frame).__name__}")
    rows = []
    for name in frame.columns:
        column = frame[name]
        by_name = next((k for k, rx in _NAME_HINTS.items() if rx.search(str(name))), None)
        values = column.dropna()
        textual = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        kinds = list(_CONTENT)
        if not textual:
            # Numbers can be phone or ID numbers (13812345678), never names or
            # addresses: a count such as ``email_opens_30d`` is not personal data.
            if not pd.api.types.is_integer_dtype(column.dtype):
                continue
            by_name = by_name if by_name in {"phone", "national_id"} else None
            kinds = ["phone", "national_id"]
        counts = {k: _content_hits(values, k) for k in kinds} if len(values) else {}
        if by_name == "address" and not counts.get("address") and _COARSE.search(str(name)):
            # "city", "province", "国家": a coarse location is not an address by its name alone.
            by_name = None
        by_content = max(counts, key=lambda k: counts[k]) if counts else ""
        hits = counts.get(by_content, 0)
        content_ok = hits > 0 and hits >= threshold * len(values)
        kind = by_name or (by_content if content_ok else None)
        if kind is None:
            continue
        found = "name+content" if by_name and content_ok else "name" if by_name else "content"
        matches = counts.get(kind, 0) if kind in _CONTENT else len(values)
        rows.append((str(name), kind, found, len(values), matches))
    out = pd.DataFrame(rows, columns=["column", "kind", "found_by", "values", "matches"])
    return out.set_index("column")


def _mask_value(value: Any, kind: str) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    text = str(value)
    if kind == "email" and "@" in text:
        user, _, domain = text.partition("@")
        return f"{user[:1]}***@{domain}"
    if kind in {"phone", "national_id"}:
        keep = 4 if len(text) > 6 else 0
        return "*" * (len(text) - keep) + text[len(text) - keep :]
    if kind == "name":
        return text[:1] + "*" * max(len(text) - 1, 1)
    return "***"


def mask_pii(
    frame: pd.DataFrame,
    *,
    action: str = "mask",
    columns: Iterable[str] | None = None,
    key: str | bytes | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with its personal data dropped, masked or pseudonymised.

    Parameters
    ----------
    frame : DataFrame
    action : {"mask", "drop", "pseudonymize"}
        ``mask`` keeps a readable hint (``j***@example.com``,
        ``*******5678``, ``张*``, ``***`` for addresses); ``drop`` removes the
        columns; ``pseudonymize`` replaces values by keyed pseudonyms (needs
        ``key``), so that they still join.
    columns : iterable of str, optional
        The columns to treat; by default those :func:`find_pii` reports.
    key : str or bytes, optional
        The key for ``action="pseudonymize"``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"email": ["ann@shop.cn"], "手机": ["13812345678"], "n": [1]})
    >>> mask_pii(f).values.tolist()
    [['a***@shop.cn', '*******5678', 1]]
    >>> list(mask_pii(f, action="drop").columns)
    ['n']
    """
    if action not in {"mask", "drop", "pseudonymize"}:
        raise ParameterError(f"action must be 'mask', 'drop' or 'pseudonymize'; got {action!r}")
    if action == "pseudonymize" and key is None:
        raise ParameterError("action='pseudonymize' needs key= (at least 16 bytes)")
    found = find_pii(frame)
    kinds = dict(zip(found.index, found["kind"], strict=True))
    chosen = list(kinds) if columns is None else list(columns)
    missing = [c for c in chosen if c not in frame.columns]
    if missing:
        raise SchemaError(f"columns {missing} are not in the frame; it has {list(frame.columns)}")
    if action == "drop":
        return frame.drop(columns=chosen)
    out = frame.copy()
    for name in chosen:
        if action == "pseudonymize":
            assert key is not None
            hidden = pseudonymize(frame[name].astype(object), key)
            out[name] = hidden.where(frame[name].notna(), None)
        else:
            kind = kinds.get(name, "name")
            out[name] = frame[name].astype(object).map(lambda v, k=kind: _mask_value(v, k))
    return out


def suppress_small(
    summary: pd.DataFrame, k: int, *, count: str = "customers", other: str = "other"
) -> pd.DataFrame:
    """Merge the rows of ``summary`` with fewer than ``k`` customers into one ``other`` row.

    Additive columns (counts, sums, shares) are summed into ``other``; other
    columns (medians, means) are left empty there. When ``other`` itself has
    fewer than ``k`` customers it is dropped, so no row describes fewer than
    ``k`` people.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"customers": [50, 3, 2], "share": [0.91, 0.05, 0.04]},
    ...                  index=pd.Index(["a", "b", "c"], name="segment"))
    >>> suppress_small(s, 5)
             customers  share
    segment
    a               50   0.91
    other            5   0.09
    """
    if not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(f"the minimum group size must be a positive integer; got {k!r}")
    if count not in summary.columns:
        raise SchemaError(f"column {count!r} (the group sizes) is not in the summary")
    small = (summary[count] > 0) & (summary[count] < k)
    if not small.any():
        return summary.copy()
    kept = summary[~small]
    merged = summary[small]
    additive = [
        c
        for c in summary.columns
        if c == count or str(c).endswith(("share", "revenue", "_sum", "customers"))
    ]
    row = {c: merged[c].sum() if c in additive else np.nan for c in summary.columns}
    if row[count] < k:
        return kept.copy()
    extra = pd.DataFrame([row], index=pd.Index([other], name=summary.index.name))
    extra = extra.astype({c: summary[c].dtype for c in additive})
    return pd.concat([kept, extra])


def _ids_match(index: pd.Index, ids: Sequence[Any]) -> np.ndarray[Any, Any]:
    wanted = set(_id_text(ids))
    return np.asarray([t in wanted for t in _id_text(index)], dtype=bool)


def forget(target: Any, ids: Iterable[Any], *, id_column: str | None = None) -> Any:
    """Remove customers (an erasure request) from a table, a Profile or an exported file.

    Parameters
    ----------
    target : DataFrame, Profile or path
        A customer table indexed by id; a :class:`~segkit.Profile` (its table,
        lifecycle history, flows and holdout frame); or a ``.csv``/``.xlsx``/
        ``.parquet`` file written by segkit, rewritten in place (atomically).
    ids : iterable
        The customers to remove; ``7`` matches ``7.0`` and ``"7"``.
    id_column : str, optional
        For a file: the id column (by default the first column).

    Returns
    -------
    The same kind of object without those customers (for a file, the path).
    Ids that are not there are skipped with a ``UserWarning`` saying how many
    were not found (often a type mismatch or ids that were pseudonymised).
    Fitted models keep only population parameters; the profile's notes say
    that they were fitted before the erasure.
    """
    wanted = list(ids)
    if isinstance(target, pd.DataFrame):
        _warn_not_found(target.index, wanted, "the table")
        return target[~_ids_match(target.index, wanted)].copy()
    if isinstance(target, str | os.PathLike):
        return _forget_file(Path(target), wanted, id_column)
    # A Profile, recognised by its shape: privacy sits below profile() in the layers.
    if not (
        isinstance(getattr(target, "table", None), pd.DataFrame) and hasattr(target, "results")
    ):
        raise ParameterError(
            f"forget needs a customer table, a Profile or a file path; got {type(target).__name__}"
        )
    return _forget_profile(target, wanted)


def _warn_not_found(index: pd.Index, wanted: list[Any], where: str) -> None:
    """Warn (UserWarning) how many of the ids asked for are not in ``index``."""
    present = set(_id_text(index))
    asked = set(_id_text(wanted))
    missing = len(asked - present)
    if missing:
        warnings.warn(
            f"forget: {missing} of the {len(asked)} id(s) to remove were not found in {where}; "
            "check their type and whether the ids are pseudonymised",
            UserWarning,
            stacklevel=4,
        )


def _forget_profile(p: Any, wanted: list[Any]) -> Any:
    import copy

    from segkit.lifecycle import flows as lifecycle_flows

    out = copy.copy(p)
    _warn_not_found(p.table.index, wanted, "the profile's customer table")
    out.table = p.table[~_ids_match(p.table.index, wanted)].copy()
    out.results = dict(p.results)
    for name in ("changes", "panel"):  # the lifecycle history, in either form
        history = p.results.get(name)
        if history is not None and "customer" in history.columns:
            # On a Dask profile the history stays on the cluster: filtered there, lazily.
            out.results[name] = kept = _without(history, wanted)
            if p.results.get("flows") is not None:  # nobody left: no flows to keep
                out.results["flows"] = lifecycle_flows(kept) if len(kept) else None
    holdout = p.results.get("holdout")
    if isinstance(holdout, pd.DataFrame):
        out.results["holdout"] = holdout[~_ids_match(holdout.index, wanted)].copy()
    out.notes = [
        *p.notes,
        (
            f"{len(p.table) - len(out.table)} customers were removed on request after the "
            "models were fitted; the models keep only population parameters"
        ),
    ]
    return out


@dispatch("map", on="history")
def _without(history: pd.DataFrame, wanted: list[Any]) -> pd.DataFrame:
    """The rows of a lifecycle history whose customer is not one of ``wanted``."""
    kept: pd.DataFrame = history[~_ids_match(pd.Index(history["customer"]), wanted)]
    return kept.reset_index(drop=True)


def _forget_file(path: Path, wanted: list[Any], id_column: str | None) -> Path:
    from segkit._writers import write_atomic

    suffix = path.suffix.lower()
    if not path.is_file():
        raise ParameterError(f"no such file: {path}")
    if suffix in {".parquet", ".pq"}:
        frame = pd.read_parquet(path)
    elif suffix in {".xlsx", ".xlsm"}:
        frame = pd.read_excel(path, dtype=object)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    column = id_column or str(frame.columns[0])
    if column not in frame.columns:
        raise SchemaError(f"column {column!r} is not in {path.name}; it has {list(frame.columns)}")
    _warn_not_found(pd.Index(frame[column]), wanted, path.name)
    kept = frame[~_ids_match(pd.Index(frame[column]), wanted)]
    bom = suffix not in {".parquet", ".pq", ".xlsx", ".xlsm"} and path.read_bytes()[:3] == (
        b"\xef\xbb\xbf"
    )

    def write(tmp: Path) -> None:
        if suffix in {".parquet", ".pq"}:
            kept.to_parquet(tmp, index=False)
        elif suffix in {".xlsx", ".xlsm"}:
            kept.to_excel(tmp, index=False, engine="openpyxl")
        else:
            kept.to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8")

    return write_atomic(path, write, f"the file {path.name}")


@attrs.frozen
class Privacy:
    """Settings of a report that can be shared outside the analytics team.

    Parameters
    ----------
    min_group : int, default 0
        No table, chart or download shows a group of fewer customers
        (merged into "other", or left blank, with a note saying so).
    key : bytes, optional
        Show customer ids as keyed pseudonyms (:func:`pseudonymize`).
    drop_pii : bool, default False
        Leave out every column :func:`find_pii` flags (names, e-mails,
        phones, addresses, ID numbers) from everything the report shows.
    hide_ids : bool, default False
        Show no customer-level rows at all (top customers, downloads).
    """

    min_group: int = attrs.field(default=0)
    key: bytes | None = attrs.field(default=None, repr=False)
    drop_pii: bool = False
    hide_ids: bool = False

    @min_group.validator
    def _check_min_group(self, attribute: Any, value: Any) -> None:
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 0:
            raise ParameterError(
                f"min_group must be a whole number of customers (0 for none); got {value!r}"
            )

    @key.validator
    def _check_key(self, attribute: Any, value: Any) -> None:
        if value is not None:
            read_key(value)
