"""One call from a transaction log to the whole customer table.

:func:`profile` runs every part of segkit that the data allows — features,
RFM, CLV, demographic bands, behaviour events, tags and the lifecycle — and
returns a :class:`Profile`: the customer table, the fitted models, the
lifecycle history and flows. ``Profile.report(path)`` writes the HTML report.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import as_pandas, require_columns
from segkit.errors import ParameterError, SegkitError
from segkit.features import calibration_holdout, summarize
from segkit.rfm import RFMScorer

__all__ = ["Profile", "profile"]

_WEEK = 7.0


class _Progress:
    """A one-line progress bar on an interactive terminal; silent otherwise."""

    def __init__(self, steps: int, enabled: bool | None) -> None:
        stream = sys.stderr
        self.enabled = stream.isatty() if enabled is None else bool(enabled)
        self.steps = max(steps, 1)
        self.done = 0
        self.stream = stream

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        self._draw(name)
        try:
            yield
        finally:
            self.done += 1
            self._draw(f"{name} ({time.perf_counter() - start:.1f} s)")
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
    models : dict
        The fitted estimators by name (``"rfm"``, ``"purchases"``,
        ``"spend"``, ``"tags"``, ``"lifecycle"``).
    panel : pandas.DataFrame or None
        The lifecycle history from ``Lifecycle.replay``.
    flows : object or None
        Lifecycle flows (:func:`segkit.lifecycle.flows`).
    holdout : pandas.DataFrame or None
        Calibration/holdout frame with the model's predictions
        (``predicted_holdout``), when ``holdout_days`` was given.
    holdout_report : HoldoutReport or None
        :func:`segkit.holdout_report` of that check: by calibration frequency,
        MAE/RMSE and the aggregate error.
    tags : list of str
        Names of the tag columns in ``table`` (``tag_<name>``).
    notes : list of str
        What was skipped and why (e.g. CLV on too little repeat data).
    """

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        as_of: pd.Timestamp,
        models: dict[str, Any],
        panel: pd.DataFrame | None,
        flows: Any,
        holdout: pd.DataFrame | None,
        holdout_report: Any = None,
        tags: list[str],
        notes: list[str],
        columns: dict[str, str],
    ) -> None:
        self.table = table
        self.as_of = as_of
        self.models = models
        self.panel = panel
        self.flows = flows
        self.holdout = holdout
        self.holdout_report = holdout_report
        self.tags = tags
        self.notes = notes
        self.columns = columns

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
        from segkit._writers import escape_formulas as escape

        frame = self.table.copy()
        for name in frame.columns:
            if (
                frame[name].dtype == object
                and frame[name].map(lambda v: isinstance(v, list)).any()
            ):
                frame[name] = frame[name].map(
                    lambda v: "|".join(map(str, v)) if isinstance(v, list) else v
                )
        (escape(frame) if escape_formulas else frame).to_csv(path, **kwargs)

    def to_parquet(self, path: str | Path, **kwargs: Any) -> None:
        """Write the customer table as Parquet (needs pyarrow)."""
        self.table.to_parquet(path, **kwargs)

    def segments(self) -> pd.DataFrame:
        """Customers, revenue share, medians and CLV per RFM segment."""
        from segkit.evaluate import segment_summary

        columns = [c for c in ("recency_days", "orders", "clv") if c in self.table.columns]
        return segment_summary(self.table, "segment", value="revenue", columns=columns)

    def report(self, path: str | Path | None = None, *, title: str | None = None) -> str:
        """Render the self-contained HTML report; write it to ``path`` when given."""
        from segkit.report import render

        html = render(self, title=title)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def _repr_html_(self) -> str:
        head = self.table.head(10)
        shown = [
            c
            for c in (
                "segment",
                "lifecycle_state",
                "orders",
                "revenue",
                "recency_days",
                "p_alive",
                "clv",
            )
            if c in head.columns
        ]
        counts = self.table["segment"].value_counts() if "segment" in self.table else None
        summary = ""
        if counts is not None:
            summary = "".join(
                f"<tr><td>{escape(str(name))}</td><td style='text-align:right'>{n:,}</td></tr>"
                for name, n in counts.items()
                if n
            )
            summary = f"<table><tr><th>segment</th><th>customers</th></tr>{summary}</table>"
        return (
            f"<div><strong>segkit profile</strong>: {len(self.table):,} customers as of "
            f"{self.as_of.date()}<br>{summary}{head[shown].to_html(float_format='{:,.2f}'.format)}"
            "</div>"
        )


def _engine(rules: Any, table: pd.DataFrame, notes: list[str], *, lifecycle: bool) -> Any:
    from segkit.tagging import Rule, TagEngine

    if rules is None:
        return None
    if isinstance(rules, TagEngine):
        return rules
    if isinstance(rules, str | Path) and str(rules) != "starter":
        suffix = Path(rules).suffix.lower()
        if suffix in {".yaml", ".yml"}:
            return TagEngine.from_yaml(rules)
        if suffix == ".json":
            return TagEngine.from_json(rules)
        raise ParameterError(f"rules file must be .yaml, .yml or .json; got {rules!s}")
    if isinstance(rules, dict):
        return TagEngine.from_dict(rules)
    if rules == "starter":
        # The starter rules whose columns this table has.
        engine = TagEngine.starter(columns=table)
        dropped = len(TagEngine.starter().rules) - len(engine.rules)
        if dropped:
            notes.append(f"{dropped} starter rules skipped: their columns are not in the data")
        if lifecycle:
            # The lifecycle machine gives each customer's stage; the starter
            # library's simpler lifecycle tags would only contradict it.
            from segkit.tagging.rules import _tags_read

            kept = [r for r in engine.rules if r.group != "lifecycle"]
            while True:  # and the rules that read those tags
                tags = {r.tag for r in kept}
                fewer = [r for r in kept if _tags_read(r) <= tags]
                if len(fewer) == len(kept):
                    break
                kept = fewer
            if len(kept) < len(engine.rules):
                notes.append(
                    f"{len(engine.rules) - len(kept)} starter rules on lifecycle stages left "
                    "out: lifecycle_state comes from the lifecycle"
                )
            return TagEngine(kept) if kept else None
        return engine if engine.rules else None
    if isinstance(rules, Iterable):
        return TagEngine([r if isinstance(r, Rule) else Rule.from_dict(r) for r in rules])
    raise ParameterError(f"rules must be 'starter', a TagEngine, a file, or rules; got {rules!r}")


def _clv(
    table: pd.DataFrame,
    *,
    horizon: int,
    discount_rate: float,
    notes: list[str],
) -> tuple[dict[str, Any], pd.DataFrame]:
    from segkit.clv import BetaGeo, GammaGamma, lifetime_value

    data = pd.DataFrame(
        {
            "x": table["x"],
            "t_x": table["t_x"] / _WEEK,
            "T": table["T"] / _WEEK,
            "repeat_aov": table["repeat_aov"],
        },
        index=table.index,
    )
    out = pd.DataFrame(index=table.index)
    models: dict[str, Any] = {}
    if (data["x"] > 0).sum() < 10:
        notes.append("CLV skipped: fewer than 10 repeat customers")
        return models, out
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            purchases = BetaGeo().fit(data)
        notes.extend(f"BG/NBD: {w.message}" for w in caught)
    except SegkitError as exc:
        notes.append(f"CLV skipped: the BG/NBD fit failed ({exc})")
        return models, out
    models["purchases"] = purchases
    out["p_alive"] = purchases.p_alive(data)
    out["expected_purchases_90d"] = purchases.expected_purchases(90 / _WEEK, data)
    repeat = data[(data["x"] > 0) & (data["repeat_aov"] > 0)]
    try:
        spend = GammaGamma().fit(repeat)
    except SegkitError as exc:
        notes.append(f"spend model skipped: the Gamma-Gamma fit failed ({exc})")
        return models, out
    models["spend"] = spend
    out["expected_spend"] = spend.expected_spend(data)
    out["clv"] = lifetime_value(
        purchases, spend, data, horizon=horizon, period=52 / 12, discount_rate=discount_rate
    )
    return models, out


def profile(
    transactions: Any,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    as_of: Any = None,
    order: str | None = None,
    customers: Any = None,
    signup: str | None = "signup_date",
    events: Any = None,
    event: str = "event",
    rules: Any = "starter",
    lifecycle: Any = "default",
    freq: str = "MS",
    lifecycle_start: Any = None,
    clv: bool = True,
    clv_horizon: int = 12,
    discount_rate: float = 0.01,
    holdout_days: int | None = None,
    rfm: RFMScorer | None = None,
    windows: Iterable[int] = (30, 90, 365),
    progress: bool | None = None,
) -> Profile:
    """Profile every customer in a transaction log.

    Parameters
    ----------
    transactions : DataFrame
        One row per order line (see :func:`segkit.summarize`).
    customer, timestamp, amount, order : str
        Column names in ``transactions``.
    as_of : date-like, optional
        The date of the profile (default: the latest timestamp).
    customers : DataFrame, optional
        Customer profiles indexed by (or with a column named) ``customer``:
        ``age`` and ``income`` get bands; other columns are carried along;
        ``signup`` registers prospects who have not bought yet for the
        lifecycle.
    events : DataFrame, optional
        Behaviour events with ``customer``, ``timestamp`` and ``event``
        columns; adds counts such as ``page_view_30d``.
    rules : "starter", TagEngine, path, rules or None
        Tag rules; ``"starter"`` uses the shipped starter library (the rules
        whose columns exist).
    lifecycle : "default", Lifecycle or None
        Replayed monthly (``freq``) from ``lifecycle_start`` (default: 24
        periods before ``as_of``, or the first purchase if later) to
        ``as_of``; ``lifecycle_state`` is the state on ``as_of`` itself (one
        more step after the last period boundary).
    clv : bool
        Fit BG/NBD and Gamma-Gamma (weekly units) and add ``p_alive``,
        ``expected_purchases_90d``, ``expected_spend`` and ``clv``: the
        discounted value of the next ``clv_horizon`` months at
        ``discount_rate`` per month.
    holdout_days : int, optional
        Also fit on data up to ``as_of - holdout_days`` and compare predicted
        with actual purchases in the holdout (shown in the report).
    rfm : RFMScorer, optional
        The scorer to fit (default: 5 quantile bins, the ``rfm11`` map).
    windows : iterable of int
        Windows in days for ``orders_{N}d`` and ``revenue_{N}d``.
    progress : bool, optional
        Show a progress bar (default: only on an interactive terminal).

    Returns
    -------
    Profile

    Examples
    --------
    >>> import segkit
    >>> from segkit.datasets import load_cdnow
    >>> p = segkit.profile(load_cdnow(), customer="customer_id", timestamp="date",
    ...                    amount="amount", lifecycle=None)
    >>> p.table.loc[1, "segment"], int(p.table.loc[1, "orders"])
    ('loyal', 4)
    >>> bool(p.table["clv"].gt(0).all())
    True
    """
    tx = as_pandas(transactions, "transactions")
    windows = tuple(windows)
    steps = 3 + bool(clv) + (events is not None) + (customers is not None) + (rules is not None)
    steps += (lifecycle is not None) + (holdout_days is not None)
    bar = _Progress(steps, progress)
    notes: list[str] = []
    models: dict[str, Any] = {}
    with bar.step("features"):
        table = summarize(
            tx,
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            as_of=as_of,
            order=order,
            windows=windows,
        )
        stamp = pd.Timestamp(as_of) if as_of is not None else table["last_purchase"].max()
        if getattr(stamp, "tzinfo", None) is not None:
            stamp = stamp.tz_localize(None)
    with bar.step("RFM scores"):
        scorer = RFMScorer() if rfm is None else rfm
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scorer.fit(table)
        notes.extend(f"RFM: {w.message}" for w in caught)
        table = table.join(scorer.transform(table))
        models["rfm"] = scorer
    if clv:
        with bar.step("CLV models"):
            fitted, predictions = _clv(
                table, horizon=clv_horizon, discount_rate=discount_rate, notes=notes
            )
            models.update(fitted)
            table = table.join(predictions)
    if customers is not None:
        with bar.step("customer profiles"):
            table = _join_customers(table, customers, customer)
    if events is not None:
        with bar.step("behaviour events"):
            from segkit.events import event_features

            counts = event_features(
                events,
                customer=customer,
                timestamp=timestamp,
                event=event,
                as_of=stamp,
                windows=(7, 30, 90),
            )
            table = table.join(counts.reindex(table.index))
            fill = [c for c in counts.columns if pd.api.types.is_numeric_dtype(counts[c])]
            table[fill] = table[fill].fillna(0).astype(counts[fill].dtypes.to_dict())
    tag_names: list[str] = []
    if rules is not None:
        with bar.step("tags"):
            engine = _engine(rules, table, notes, lifecycle=lifecycle is not None)
            if engine is not None:
                tags = engine.apply(table, as_of=stamp, output="wide")
                tags.columns = [f"tag_{c}" for c in tags.columns]
                tag_names = [str(c) for c in tags.columns]
                clash = [c for c in tag_names if c in table.columns]
                if clash:
                    raise ParameterError(f"tag names {clash} clash with customer table columns")
                table = table.join(tags)
                models["tags"] = engine
    panel = flows = None
    if lifecycle is not None:
        with bar.step("lifecycle replay"):
            panel, flows, states = _lifecycle(
                lifecycle,
                tx,
                customers,
                signup,
                customer=customer,
                timestamp=timestamp,
                amount=amount,
                freq=freq,
                start=lifecycle_start,
                end=stamp,
                models=models,
                table=table,
            )
            table["lifecycle_state"] = states.reindex(table.index)
    holdout = checked = None
    if holdout_days is not None:
        with bar.step("CLV holdout check"):
            holdout, checked = _holdout(
                tx, customer, timestamp, amount, stamp, holdout_days, notes
            )
    with bar.step("done"):
        pass
    return Profile(
        table,
        as_of=pd.Timestamp(stamp),
        models=models,
        panel=panel,
        flows=flows,
        holdout=holdout,
        holdout_report=checked,
        tags=tag_names,
        notes=notes,
        columns={"customer": customer, "timestamp": timestamp, "amount": amount},
    )


def _join_customers(table: pd.DataFrame, customers: Any, customer: str) -> pd.DataFrame:
    people = as_pandas(customers, "customers")
    if people.index.name != customer:
        require_columns(people, [customer], "customers")
        people = people.set_index(customer)
    if not people.index.is_unique:
        dup = people.index[people.index.duplicated()].unique()[:5].tolist()
        raise SegkitError(f"customers has duplicated ids, e.g. {dup}")
    extra = people[[c for c in people.columns if c not in table.columns]]
    table = table.join(extra)
    from segkit.scorers import BandScorer

    bands = {
        "age": (
            [0, 25, 35, 45, 55, 65, np.inf],
            ["<25", "25-34", "35-44", "45-54", "55-64", "65+"],
        ),
        "income": (
            [0, 25_000, 50_000, 100_000, np.inf],
            ["<25k", "25-50k", "50-100k", "100k+"],
        ),
    }
    for column, (edges, labels) in bands.items():
        if column in table.columns and pd.api.types.is_numeric_dtype(table[column]):
            scorer = BandScorer(column=column, edges=edges, labels=labels).fit(table)
            banded = scorer.transform(table)
            table = table.join(banded[[c for c in banded.columns if c not in table.columns]])
    return table


def _lifecycle(
    spec: Any,
    tx: pd.DataFrame,
    customers: Any,
    signup: str | None,
    *,
    customer: str,
    timestamp: str,
    amount: str,
    freq: str,
    start: Any,
    end: pd.Timestamp,
    models: dict[str, Any],
    table: pd.DataFrame,
) -> tuple[pd.DataFrame, Any, pd.Series]:
    from segkit.lifecycle import Lifecycle, default_lifecycle, flows

    machine = default_lifecycle() if isinstance(spec, str) and spec == "default" else spec
    if not isinstance(machine, Lifecycle):
        raise ParameterError(f"lifecycle must be 'default', a Lifecycle or None; got {spec!r}")
    if start is None:
        first = pd.Timestamp(table["first_purchase"].min())
        if first.tzinfo is not None:
            first = first.tz_localize(None)
        start = max((pd.Timestamp(end) - pd.DateOffset(months=24)).normalize(), first.normalize())
    people = None
    if customers is not None:
        people = as_pandas(customers, "customers")
        if signup is None or signup not in people.columns:
            people = None
    panel = machine.replay(
        tx,
        customer=customer,
        timestamp=timestamp,
        amount=amount,
        freq=freq,
        start=start,
        end=end,
        customers=people,
        signup=signup if people is not None else None,
    )
    models["lifecycle"] = machine
    states = machine.current(panel)["state"]
    # The panel ends at the last period boundary; one more step at as_of
    # itself gives each customer's state on the profile's date.
    features = table
    missing = [c for c in machine.columns if c not in table.columns]
    if missing:
        extra = summarize(
            tx,
            customer=customer,
            timestamp=timestamp,
            amount=amount,
            as_of=end,
            windows=machine.windows,
        )
        features = table.join(extra[[c for c in missing if c in extra.columns]])
    now = machine.step(features, states.reindex(features.index).astype(object), as_of=end)
    return panel, flows(panel), now


def _holdout(
    tx: pd.DataFrame,
    customer: str,
    timestamp: str,
    amount: str,
    end: pd.Timestamp,
    days: int,
    notes: list[str],
) -> tuple[pd.DataFrame | None, Any]:
    from segkit.clv import BetaGeo
    from segkit.evaluate import holdout_report

    cut = pd.Timestamp(end) - pd.Timedelta(days=int(days))
    frame = calibration_holdout(
        tx,
        customer=customer,
        timestamp=timestamp,
        amount=amount,
        calibration_end=cut,
        observation_end=end,
        unit="W",
    )
    try:
        model = BetaGeo().fit(frame)
    except SegkitError as exc:
        notes.append(f"holdout check skipped: {exc}")
        return None, None
    checked = holdout_report(model, frame)
    frame = frame.copy()
    frame["predicted_holdout"] = checked.predictions["predicted"]
    return frame, checked
