"""Profile steps that join the caller's other inputs: customer profiles, events, feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from segkit._backend import local
from segkit._validation import as_pandas, require_columns, same_id_kind
from segkit.errors import SegkitError

if TYPE_CHECKING:
    from segkit.profiling._steps import Run

__all__ = ["customers", "events", "feedback"]


def customers(run: Run) -> None:
    """Join the customer profiles; band numeric columns named in ``bands``."""
    from segkit.scorers import BandScorer

    customer = run.customer
    people = as_pandas(run.inputs["customers"], "customers")
    if people.index.name != customer:
        require_columns(people, [customer], "customers")
        people = people.set_index(customer)
    if not people.index.is_unique:
        dup = people.index[people.index.duplicated()].unique()[:5].tolist()
        raise SegkitError(f"customers has duplicated ids, e.g. {dup}")
    same_id_kind(run.table.index, people.index, customer)  # "1" and 1 would match nobody
    run.table = run.table.join(people[[c for c in people.columns if c not in run.table.columns]])
    for column, (edges, labels) in run.options.bands.items():
        if column in run.table.columns and pd.api.types.is_numeric_dtype(run.table[column]):
            scorer = BandScorer(column=column, edges=list(edges), labels=list(labels))
            banded = scorer.fit(run.table).transform(run.table)
            run.add(banded[[c for c in banded.columns if c not in run.table.columns]])


def events(run: Run) -> None:
    from segkit.events import event_features

    counts = event_features(
        run.inputs["events"],
        customer=run.customer,
        timestamp=run.timestamp,
        event=run.options.event,
        as_of=run.as_of,
        windows=run.options.event_windows,
    )
    counts = local(counts)  # a Dask event log: counted on the cluster
    same_id_kind(run.table.index, counts.index, run.customer, "events")  # "1" matches nobody
    fill = [c for c in counts.columns if pd.api.types.is_numeric_dtype(counts[c])]
    dtypes = counts[fill].dtypes.to_dict()
    counts = counts.reindex(run.table.index)  # customers without events count 0
    counts[fill] = counts[fill].fillna(0).astype(dtypes)
    run.add(counts)


def feedback(run: Run) -> None:
    """Satisfaction and complaint columns; NPS/CSAT by segment and themes in ``results``."""
    from segkit.feedback import category_counts, feedback_features, satisfaction_by, theme_counts

    fb, cp = run.inputs.get("feedback"), run.inputs.get("complaints")
    as_of = run.as_of
    who, when = run.customer, run.timestamp
    for log, what in ((fb, "feedback"), (cp, "complaints")):
        if isinstance(log, pd.DataFrame) and who in log.columns:  # "1" would match nobody
            same_id_kind(run.table.index, pd.Index(log[who].dropna().unique()), who, what)
    run.add(
        feedback_features(fb, cp, customer=who, timestamp=when, as_of=as_of, customers=run.table)
    )
    if fb is not None and "segment" in run.table.columns:
        run.results["satisfaction"] = satisfaction_by(
            fb, run.table, "segment", customer=who, timestamp=when, as_of=as_of
        )
    for name, log, time in (("feedback", fb, run.timestamp), ("complaints", cp, "opened")):
        if log is not None and "text" in log.columns:
            run.results[f"{name}_themes"] = theme_counts(
                log, run.table, None, customer=run.customer, timestamp=time, as_of=as_of
            )
        elif name == "complaints" and log is not None and "category" in log.columns:
            run.results["complaints_themes"] = category_counts(log, as_of=as_of)
