"""Data sets: the bundled real data and synthetic generators.

Bundled data
------------
``load_cdnow``
    The 1/10 sample (2,357 customers) of the CDNOW transaction log used in the
    buy-till-you-die literature (Fader, Hardie & Lee 2005): every customer made
    a first purchase at the CDNOW online music store in the first quarter of
    1997 and is followed to the end of June 1998.
``load_donations``
    The discrete-time donations data of Fader, Hardie & Shang (2010) in
    compressed form, used for the BG/BB model.
"""

from __future__ import annotations

from segkit.datasets._bundled import load_cdnow, load_donations
from segkit.datasets._feedback import make_complaints, make_feedback
from segkit.datasets._synthetic import make_customers, make_events, make_transactions

__all__ = [
    "load_cdnow",
    "load_donations",
    "make_complaints",
    "make_customers",
    "make_events",
    "make_feedback",
    "make_transactions",
]
