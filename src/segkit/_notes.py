"""Notes that can be said in another language: English text, a message key, parameters.

A :class:`Note` *is* its English text (a ``str``), so ``Profile.notes`` stays
a list of strings for everyone who reads it; the report renders the key and
parameters in the reader's language (``segkit.report``), and falls back to
the text for a key it does not know.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Note"]


class Note(str):
    """English text with a message key and the parameters to say it again.

    Parameters
    ----------
    text : str
        The note in English.
    key : str, optional
        A message key (``"clv.few_repeat"``); ``"warning"`` for a caught
        warning, with the parameters ``label`` and ``message``.
    **params
        The values the text was written with (counts, names, ...).

    Examples
    --------
    >>> n = Note("3 starter rules skipped", "starter.skipped", n=3)
    >>> n == "3 starter rules skipped", n.key, n.params
    (True, 'starter.skipped', {'n': 3})
    """

    key: str | None
    params: dict[str, Any]

    def __new__(cls, text: str, key: str | None = None, **params: Any) -> Note:
        self = super().__new__(cls, text)
        self.key = key
        self.params = params
        return self
