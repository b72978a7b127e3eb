"""One call from a transaction log to the whole customer table.

:func:`profile` runs every part of segkit that the data allows — features,
RFM, CLV, demographic bands, behaviour events, tags and the lifecycle — as the
small steps of :mod:`segkit.profiling._steps`, and returns a :class:`Profile`:
the customer table, the fitted models, the lifecycle history and flows, and
the options it was made with. ``Profile.report(path)`` writes the HTML report.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

from segkit._backend import backend_of, dispatch, implementation
from segkit._notes import Note
from segkit._time import latest, parse_timestamps, read_timestamps
from segkit._validation import as_pandas, require_columns, require_frame
from segkit.profiling._options import ProfileOptions
from segkit.profiling._steps import STEPS, Run, noted
from segkit.transactions import amount_columns, with_line_amount

__all__ = ["HEADLINE_COLUMNS", "Profile", "profile"]

#: The columns of the customer table a person looks at first, in this order:
#: the notebook preview shows them, the report offers them for download.
HEADLINE_COLUMNS = (
    "segment",
    "lifecycle_state",
    "orders",
    "revenue",
    "recency_days",
    "p_alive",
    "clv",
)


class _Progress:
    """A one-line progress bar on an interactive terminal; silent otherwise."""

    def __init__(self, steps: int, enabled: bool | None) -> None:
        stream = sys.stderr
        self.enabled = stream.isatty() if enabled is None else bool(enabled)
        self.steps = max(steps, 1)
        self.done = 0
        self.stream = stream
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        self._draw(name)
        try:
            yield
        finally:
            self.done += 1
            self.seconds[name] = time.perf_counter() - start
            self._draw(f"{name} ({self.seconds[name]:.1f} s)")
            if self.done >= self.steps and self.enabled:
                self.stream.write("\n")

    def _draw(self, label: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = round(width * self.done / self.steps)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(f"\r segkit [{bar}] {self.done}/{self.steps} {label:<40.40}")
        self.stream.flush()


class Profile:
    """The result of :func:`profile`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer: the :func:`~segkit.summarize` features, RFM
        scores and ``segment``, CLV predictions (``p_alive``,
        ``expected_purchases_90d``, ``expected_spend``, ``clv``), demographic
        bands and profile columns, event counts, one boolean column per tag
        (``tag_<name>``), and ``lifecycle_state``.
    as_of : pandas.Timestamp
    options : ProfileOptions
        The options the profile was made with (the report reads them).
    models : dict
        The fitted estimators by name (``"rfm"``, ``"purchases"``,
        ``"spend"``, ``"tags"``, ``"lifecycle"``).
    panel, changes, flows, holdout, holdout_report
        Shortcuts into ``results`` (None when that step did not run); the
        panel is built from the changes on access.
    tags : list of str
        Names of the tag columns in ``table`` (``tag_<name>``).
    notes : list of str
        What was skipped and why (e.g. CLV on too little repeat data).
    results : dict
        Every other result of a step by name (``"changes"``, ``"flows"``,
        ``"holdout"``, ``"holdout_report"``, …).
    seconds : dict
        Wall-clock seconds per step.
    columns : dict
        The transaction column names the profile was made with.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        as_of: pd.Timestamp,
        options: ProfileOptions,
        models: dict[str, Any],
        tags: list[str],
        notes: list[str],
        columns: dict[str, str],
        results: dict[str, Any] | None = None,
        seconds: dict[str, float] | None = None,
    ) -> None:
        self.table = table
        self.as_of = as_of
        self.options = options
        self.models = models
        self.tags = tags
        self.notes = notes
        self.columns = columns
        self.results = {} if results is None else results
        self.seconds = {} if seconds is None else seconds
        # The panel built from results["changes"], with the very changes it was
        # built from: a profile whose changes were replaced (privacy.forget
        # puts a filtered frame in a copy's results) builds its own.
        self._panel: tuple[Any, pd.DataFrame] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Copies (copy.copy in privacy.forget) and pickles leave the built panel behind.
        state = dict(self.__dict__)
        state["_panel"] = None
        return state

    @property
    def panel(self) -> pd.DataFrame | None:
        """The lifecycle history from ``Lifecycle.replay``: one row per customer and period.

        The profile keeps only the changes (:attr:`changes`, far smaller); the
        panel is built from them on first access (:func:`segkit.lifecycle.panel_of`),
        equal to what ``replay(output="panel")`` returns, and kept: later
        accesses return the same frame, built again only when
        ``results["changes"]`` is replaced by another frame. On a Dask profile
        it is a lazy Dask DataFrame built on the workers from the changes they
        hold (``.compute()`` brings it back: customers x periods rows).
        """
        given = self.results.get("panel")  # a profile made before the changes were kept
        if given is not None:
            return given  # type: ignore[no-any-return]
        changes = self.changes
        if changes is None:
            return None
        built: tuple[Any, pd.DataFrame] | None = getattr(self, "_panel", None)
        if built is not None and built[0] is changes:
            return built[1]
        from segkit.lifecycle import panel_of

        panel = panel_of(changes)
        self._panel = (changes, panel)
        return panel

    @property
    def changes(self) -> pd.DataFrame | None:
        """The lifecycle changes from ``Lifecycle.replay(output="changes")``: one row per move.

        On a Dask log they stay on the workers: a Dask DataFrame (persisted,
        partitioned by customer), and :attr:`panel` is built from it there,
        lazily; :attr:`flows` is computed from it on the cluster
        (docs/dask.md). ``segkit._backend.local(profile.changes, by="customer")``
        brings it here, equal to the pandas profile's changes.
        """
        return self.results.get("changes")

    @property
    def flows(self) -> Any:
        """Lifecycle flows (:func:`segkit.lifecycle.flows`)."""
        return self.results.get("flows")

    @property
    def holdout(self) -> pd.DataFrame | None:
        """Calibration/holdout frame with ``predicted_holdout`` (with ``holdout_days``)."""
        return self.results.get("holdout")

    @property
    def holdout_report(self) -> Any:
        """:func:`segkit.holdout_report` of the holdout check."""
        return self.results.get("holdout_report")

    def __repr__(self) -> str:
        return (
            f"<segkit.Profile: {len(self.table):,} customers as of {self.as_of.date()}, "
            f"{self.table.shape[1]} columns, models {sorted(self.models)}>"
        )

    def to_frame(self) -> pd.DataFrame:
        """The customer table (a copy)."""
        return self.table.copy()

    def to_csv(self, path: str | Path, *, escape_formulas: bool = True, **kwargs: Any) -> None:
        """Write the customer table as CSV (list columns are joined with ``|``).

        Text that a spreadsheet would run as a formula (starting with ``=``,
        ``+``, ``-``, ``@``, tab or carriage return) is written with a leading
        ``'`` unless ``escape_formulas=False``; ``encoding="utf-8-sig"`` adds
        the byte-order mark Excel needs for Chinese text. Other keyword
        arguments go to :meth:`pandas.DataFrame.to_csv`.
        """
        from segkit._writers import escape_formulas as neutralised

        frame = self.table.copy()
        for name in frame.columns:
            if (
                frame[name].dtype == object
                and frame[name].map(lambda v: isinstance(v, list)).any()
            ):
                frame[name] = frame[name].map(
                    lambda v: "|".join(map(str, v)) if isinstance(v, list) else v
                )
        (neutralised(frame) if escape_formulas else frame).to_csv(path, **kwargs)

    def to_parquet(self, path: str | Path, **kwargs: Any) -> None:
        """Write the customer table as Parquet (needs pyarrow)."""
        self.table.to_parquet(path, **kwargs)

    def segments(self, *, min_group: int | None = None) -> pd.DataFrame:
        """Customers, revenue share, medians and CLV per RFM segment.

        With ``min_group=k`` no row describes fewer than ``k`` customers
        (merged into "other", or left out; ``attrs["note"]`` says which), as
        in the report: see :func:`segkit.evaluate.segment_summary`.
        """
        from segkit.evaluate import segment_summary

        columns = [c for c in ("recency_days", "orders", "clv") if c in self.table.columns]
        return segment_summary(
            self.table, "segment", value="revenue", columns=columns, min_group=min_group
        )

    def report(
        self, path: str | Path | None = None, *, title: str | None = None, **options: Any
    ) -> str:
        """Render the self-contained HTML report; write it to ``path`` when given.

        ``options`` go to :func:`segkit.report.render`: ``lang="en"|"zh"``,
        ``currency="GBP"`` (or a symbol), ``privacy=``, ``by=``.
        """
        # the report sits above the pipeline: the seam looks up segkit.report.render
        html: str = implementation("render", "report")(self, title=title, **options)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def _repr_html_(self) -> str:
        head = self.table.head(10)
        shown = [c for c in HEADLINE_COLUMNS if c in head.columns]
        counts = self.table["segment"].value_counts() if "segment" in self.table else None
        summary = ""
        if counts is not None:
            summary = "".join(
                f"<tr><td>{escape(str(name))}</td><td style='text-align:right'>{n:,}</td></tr>"
                for name, n in counts.items()
                if n
            )
            summary = f"<table><tr><th>segment</th><th>customers</th></tr>{summary}</table>"
        rows = head[shown].to_html(float_format="{:,.2f}".format, escape=True)
        return (
            f"<div><strong>segkit profile</strong>: {len(self.table):,} customers as of "
            f"{self.as_of.date()}<br>{summary}{rows}</div>"
        )


def _resolve_time(
    tx: pd.DataFrame, timestamp: str, chosen: ProfileOptions
) -> tuple[pd.DataFrame, ProfileOptions]:
    """Read the timestamps once and fix the profile's ``as_of`` for every step.

    Text timestamps are parsed here (one format for the column, by the time
    policy), so no step parses them again. Without ``as_of``, the profile is
    as of the latest row (a return after the last purchase included), the
    default of :func:`segkit.summarize`; every later step (replay, events,
    tags, holdout) gets that same instant.
    """
    require_columns(require_frame(tx, "transactions"), [timestamp], "transactions")
    column = tx[timestamp]
    if not (
        pd.api.types.is_datetime64_any_dtype(column.dtype)
        or pd.api.types.is_numeric_dtype(column.dtype)
        or pd.api.types.is_bool_dtype(column.dtype)
    ):
        tx = tx.assign(**{timestamp: parse_timestamps(column, timestamp)})
    if chosen.as_of is None:
        chosen = attrs.evolve(chosen, as_of=latest_row(tx, timestamp=timestamp))
    return tx, chosen


@dispatch("latest_row", on="transactions")
def latest_row(transactions: pd.DataFrame, *, timestamp: str) -> Any:
    """The latest row's timestamp (by the wall clock): a profile's default ``as_of``."""
    stamps = read_timestamps(transactions[timestamp], timestamp)
    return latest(stamps.wall, stamps.tz).given


def profile(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str | None = None,
    order: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    customers: Any = None,
    events: Any = None,
    feedback: Any = None,
    complaints: Any = None,
    options: ProfileOptions | None = None,
    **keywords: Any,
) -> Profile:
    """Profile every customer in a transaction log.

    Parameters
    ----------
    transactions : DataFrame
        One row per order line (see :func:`segkit.summarize`); a Dask
        DataFrame runs the steps that read the log on the cluster and the
        rest on the per-customer tables they return (``docs/dask.md``).
    customer, timestamp, amount, order : str
        Column names in ``transactions``. With ``order``, an order is a
        distinct order id with a positive net amount.
    quantity, price : str, optional
        Instead of ``amount``: the line amount is ``quantity * price``,
        computed once here and read by every step.
    customers : DataFrame, optional
        Customer profiles indexed by (or with a column named) ``customer``:
        the numeric columns named in ``options.bands`` (``age``,
        ``income``) get bands; other columns are carried along; the
        ``signup`` column registers prospects who have not bought yet for
        the lifecycle.
    events : DataFrame, optional
        Behaviour events with ``customer``, ``timestamp`` and ``event``
        columns; adds counts such as ``page_view_30d``.
    feedback, complaints : DataFrame, optional
        The feedback log (``customer``, ``timestamp``, ``kind``, ``score``,
        optional ``text``) and the complaints log (``customer``, ``opened``,
        ``resolved``); add the columns of
        :func:`segkit.feedback.feedback_features` and, in ``results``,
        satisfaction by segment, themes and (with ``holdout_days``) churn
        drivers. See ``docs/feedback.md``.
    options : ProfileOptions, optional
        What to compute (default: everything the data allows).
    **keywords
        Any field of :class:`ProfileOptions` (``as_of``, ``holdout_days``,
        ``rules``, ``lifecycle``, ``clv_horizon``, …), replacing the one in
        ``options``. Without ``as_of`` the profile is as of the latest row
        (as :func:`segkit.summarize`), resolved once here and used by every
        step (``Profile.as_of``; ``Profile.options`` keeps what was given).

    Returns
    -------
    Profile

    Raises
    ------
    ParameterError
        For an unknown option (with the closest name) or an option out of
        its range.

    Notes
    -----
    Any valid transaction log profiles: a step the data cannot support (CLV
    without ten repeat customers, a holdout longer than the history) is
    skipped with a line in ``Profile.notes``; customers whose repeat
    purchases average zero or less get the population's mean spend.

    Examples
    --------
    >>> import segkit
    >>> from segkit.datasets import load_cdnow
    >>> p = segkit.profile(load_cdnow(), customer="customer_id", timestamp="date",
    ...                    amount="amount", lifecycle=None)
    >>> p.table.loc[1, "segment"], int(p.table.loc[1, "orders"])
    ('loyal', 4)
    >>> bool(p.table["clv"].gt(0).all()), p.options.clv_horizon
    (True, 12)
    """
    chosen = ProfileOptions.from_keywords(options, keywords)
    backend = backend_of(transactions)  # Dask: the steps reduce the log on the cluster
    tx = transactions if backend is not None else as_pandas(transactions, "transactions")
    if amount is None or quantity is not None or price is not None:
        quantity, price = amount_columns(amount, quantity, price)  # a clear message if not
        require_columns(tx, [quantity, price], "transactions")
        amount = "amount" if "amount" not in tx.columns else "line_amount"
        tx = with_line_amount(tx, amount, quantity, price)
    if backend is None:
        tx, resolved = _resolve_time(tx, timestamp, chosen)
    elif chosen.as_of is None:  # the same default as on pandas, in one pass over the log
        require_columns(tx, [customer, timestamp, amount], "transactions")
        resolved = attrs.evolve(chosen, as_of=latest_row(tx, timestamp=timestamp))
    else:
        resolved = chosen
    run = Run(
        tx,
        columns={"customer": customer, "timestamp": timestamp, "amount": amount, "order": order},
        options=resolved,
        inputs={
            "customers": customers,
            "events": events,
            "feedback": feedback,
            "complaints": complaints,
        },
    )
    # Whether a step runs can depend on what earlier steps found, so the bar
    # counts the steps whose inputs were given.
    bar = _Progress(
        sum(
            step.wanted(run) and (backend is None or step.distributed)
            for step in STEPS
            if step.name != "lifecycle replay"
        )
        + (chosen.lifecycle is not None),
        chosen.progress,
    )
    for step in STEPS:
        if step.wanted(run) and backend is not None and not step.distributed:
            text = f"{step.name} skipped: it does not run on {backend} input yet"
            run.notes.append(Note(text, "step.not_on_backend", step=step.name, backend=backend))
        elif step.wanted(run):
            with bar.step(step.name), noted(run, f"{step.name}: "):
                step.run(run)
    return Profile(
        run.table,
        as_of=run.stamp,
        options=chosen,
        models={k: v for k, v in run.models.items() if v is not None},
        tags=run.tags,
        notes=run.notes,
        columns=run.tx_columns,
        results=run.results,
        seconds=bar.seconds,
    )
