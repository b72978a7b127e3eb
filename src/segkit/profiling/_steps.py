"""The steps of :func:`segkit.profile`, one small function each.

Each step reads and extends a :class:`Run` — the transactions, the options,
the customer table built so far, the fitted models and notes — and is listed
in :data:`STEPS` with the condition under which it runs. A new capability
joins the profile by adding a step here (and, where it needs data of its own,
an argument of :func:`segkit.profile` stored in ``Run.inputs``). On a Dask
log, steps get their per-customer results back through ``_backend.local``
(docs/dask.md); a step marked ``distributed=False`` is skipped there.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._backend import held, local
from segkit._notes import Note
from segkit._time import parse_as_of, parse_freq
from segkit._validation import as_pandas
from segkit.errors import ParameterError, SegkitError
from segkit.features import calibration_holdout, summarize, summarize_columns
from segkit.profiling import _inputs, _story
from segkit.profiling._options import ProfileOptions
from segkit.rfm import RFMScorer
from segkit.transactions import TransactionColumns

__all__ = ["STEPS", "Run", "Step", "noted"]

_WEEK = 7.0


class Run:
    """The state one :func:`segkit.profile` call builds, step by step."""

    def __init__(
        self,
        transactions: Any,  # pandas, or a backend's lazy frame (Dask)
        columns: dict[str, str | None],
        options: ProfileOptions,
        inputs: dict[str, Any],
    ) -> None:
        self.transactions = transactions
        self.columns = columns  # customer, timestamp, amount, order: as the caller named them
        self.customer = str(columns["customer"])
        self.timestamp = str(columns["timestamp"])
        self.options = options
        self.inputs = inputs  # customers, events, … (None when not given)
        self.table = pd.DataFrame()
        self.as_of: Any = None  # as given (a date means its whole day), for every reader
        self.stamp = pd.Timestamp("NaT")  # the same on a naive clock: the day, or the instant
        self.date_only = False
        self.models: dict[str, Any] = {}
        self.notes: list[str] = []
        self.tags: list[str] = []
        self.results: dict[str, Any] = {}
        # The transaction columns of a pandas log, read once for every step.
        self.cols: TransactionColumns | None = None

    @property
    def columns_read(self) -> TransactionColumns | None:
        """The transaction columns of a pandas log, read once; None on a lazy (Dask) log."""
        if self.cols is None and isinstance(self.transactions, pd.DataFrame):
            self.cols = TransactionColumns.read(self.transactions, **self.tx_columns)
        return self.cols

    def pandas_columns(self) -> TransactionColumns:
        """:attr:`columns_read` for the steps that run on a pandas log only."""
        cols = self.columns_read
        if cols is None:
            raise SegkitError("this step of the profile runs on a pandas log only")
        return cols

    @property
    def tx_columns(self) -> dict[str, Any]:
        """The keyword arguments that name the transaction columns, for every reader."""
        return {k: v for k, v in self.columns.items() if v is not None}

    def add(self, frame: pd.DataFrame) -> None:
        """Join new customer columns onto the table; a clash is an error."""
        clash = [c for c in frame.columns if c in self.table.columns]
        if clash:
            raise ParameterError(f"columns {clash} clash with customer table columns")
        self.table = self.table.join(frame)


@contextmanager
def noted(run: Run, label: str) -> Iterator[None]:
    """Turn the warnings of a block into notes of the profile (``label: message``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    run.notes.extend(
        Note(_prefixed(label, str(w.message)), "warning", label=label, message=str(w.message))
        for w in caught
    )


def _prefixed(label: str, text: str) -> str:
    """``label + text``, once: a message that already names its model keeps one prefix.

    ``_prefixed("holdout BG/NBD: ", "BG/NBD: no fit")`` is ``"holdout BG/NBD: no fit"``.
    """
    head = label.split()[-1] if label.strip() else ""
    if head.endswith(":") and text.startswith(head):
        return label[: len(label.rstrip()) - len(head)] + text
    return label + text


@attrs.frozen
class Step:
    """One step of the profile: a name for the progress bar, when, and what."""

    name: str
    run: Callable[[Run], None]
    wanted: Callable[[Run], bool] = lambda run: True
    distributed: bool = True  # also runs on a Dask log (through the seam)


def _lifecycle_machine(run: Run) -> Any:
    from segkit.lifecycle import Lifecycle, default_lifecycle

    spec = run.options.lifecycle
    if spec is None:
        return None
    machine = default_lifecycle() if isinstance(spec, str) and spec == "default" else spec
    if not isinstance(machine, Lifecycle):
        raise ParameterError(f"lifecycle must be 'default', a Lifecycle or None; got {spec!r}")
    return machine


def features(run: Run) -> None:
    """``summarize`` once, with every window a later step reads."""
    machine = _lifecycle_machine(run)
    run.models["lifecycle"] = machine
    windows = set(run.options.windows)
    if machine is not None:
        windows |= set(machine.windows)
    with noted(run, ""):
        cols = run.columns_read
        if cols is None:
            run.table = summarize(
                run.transactions,
                **run.tx_columns,
                as_of=run.options.as_of,
                windows=sorted(windows),
            )
        else:
            run.table = summarize_columns(cols, as_of=run.options.as_of, windows=sorted(windows))
    run.table = local(run.table)
    if run.table.empty:
        raise SegkitError("no purchases on or before as_of: nothing to profile")
    # Every later step gets the as_of the caller gave (a date means its whole
    # day, segkit._time), or the instant of the latest purchase.
    if run.options.as_of is None:
        run.as_of = pd.Timestamp(run.table["last_purchase"].max())
    else:
        run.as_of = run.options.as_of
    resolved = parse_as_of(run.as_of, getattr(run.table["last_purchase"].dtype, "tz", None))
    run.date_only = resolved.date_only
    stamp = pd.Timestamp(resolved.reference, unit="ns")
    run.stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def rfm(run: Run) -> None:
    scorer = RFMScorer() if run.options.rfm is None else run.options.rfm
    with noted(run, "RFM: "):
        scorer.fit(run.table)
    run.add(scorer.transform(run.table))
    run.models["rfm"] = scorer


def clv(run: Run) -> None:
    """BG/NBD and Gamma-Gamma in weeks; value over ``clv_horizon`` months.

    A customer whose repeat purchases average zero or less (free items, fully
    discounted orders) cannot be described by the spend model: they are left
    out of its fit and get the population's mean spend, with a note. The fit
    and every prediction read the same (x, t_x, T) rows: they are merged into
    distinct rows once for the whole step.
    """
    from segkit.clv._data import compressing_once

    with compressing_once():
        _clv(run)


def _clv(run: Run) -> None:
    from segkit.clv import BetaGeo, GammaGamma, lifetime_value

    table = run.table
    data = pd.DataFrame(
        {
            "x": table["x"],
            "t_x": table["t_x"] / _WEEK,
            "T": table["T"] / _WEEK,
            "repeat_aov": table["repeat_aov"],
        },
        index=table.index,
    )
    if (data["x"] > 0).sum() < 10:
        run.notes.append(Note("CLV skipped: fewer than 10 repeat customers", "clv.few_repeat"))
        return
    try:
        with noted(run, "BG/NBD: "):
            purchases = BetaGeo(unit="W").fit(data)
    except SegkitError as exc:
        run.notes.append(
            Note(f"CLV skipped: the BG/NBD fit failed ({exc})", "clv.failed", error=str(exc))
        )
        return
    out = pd.DataFrame(index=table.index)
    with np.errstate(all="ignore"):
        out["p_alive"] = purchases.p_alive(data)
        out["expected_purchases_90d"] = purchases.expected_purchases(data, 90 / _WEEK)
    if not np.isfinite(out.to_numpy(dtype=float)).all():
        params = ", ".join(f"{k}={v:.4g}" for k, v in purchases.params_.items())
        bad = (~np.isfinite(out)).sum()
        columns = ", ".join(f"{col} ({int(n):,})" for col, n in bad.items() if n)
        text = (
            f"CLV skipped: BG/NBD predictions are not finite at the fit ({params}); "
            f"customers without a finite value: {columns}"
        )
        run.notes.append(Note(text, "clv.not_finite", params=params, columns=columns))
        return
    run.models["purchases"] = purchases
    spendable = (data["x"] > 0) & (data["repeat_aov"] > 0) & np.isfinite(data["repeat_aov"])
    try:
        with noted(run, "Gamma-Gamma: "):
            spend = GammaGamma().fit(data[spendable])
    except SegkitError as exc:
        text = f"spend model skipped: the Gamma-Gamma fit failed ({exc})"
        run.notes.append(Note(text, "spend.failed", error=str(exc)))
        run.add(out)
        return
    run.models["spend"] = spend
    odd = (data["x"] > 0) & ~spendable
    if odd.any():
        # E[M | x, m_x] is a weighted mean of the population mean and m_x, so
        # m_x = population mean gives exactly the population mean.
        data.loc[odd, "repeat_aov"] = spend.expected_spend(data.loc[odd].assign(x=0)).to_numpy()
        run.notes.append(
            Note(
                f"{int(odd.sum()):,} customers whose repeat purchases average zero or less get "
                "the population's mean spend",
                "spend.mean",
                n=int(odd.sum()),
            )
        )
    out["expected_spend"] = spend.expected_spend(data)
    with np.errstate(all="ignore"):
        out["clv"] = lifetime_value(
            purchases,
            spend,
            data,
            horizon=run.options.clv_horizon,
            period=52 / 12,
            discount_rate=run.options.discount_rate,
        )
    if not np.isfinite(out["clv"].to_numpy(dtype=float)).all():
        run.notes.append(
            Note("CLV values skipped: not finite at the fitted parameters", "clv.values")
        )
        out = out.drop(columns="clv")
    run.add(out)


def churn_drivers(run: Run) -> None:
    """Who stopped buying in the holdout, explained by the feedback at its start."""
    from segkit.feedback import churn_drivers as drivers
    from segkit.feedback import feedback_features

    days = int(run.options.holdout_days)  # type: ignore[arg-type]
    cut: Any = run.stamp - pd.Timedelta(days=days)
    if run.date_only:  # as in the holdout check: the whole day `days` before as_of
        cut = cut.date()
    cols = run.pandas_columns()
    start = cols.as_of(cut).cut
    end = cols.as_of(run.as_of).cut
    if not (cols.wall <= start).any():
        run.notes.append(
            Note("churn drivers skipped: no purchase before the holdout", "churn.none")
        )
        return
    with noted(run, "churn drivers: "):
        before = summarize_columns(cols, as_of=cut, columns=["orders", "recency_days"])
        fb, cp = run.inputs.get("feedback"), run.inputs.get("complaints")
        table = before.join(
            feedback_features(
                fb, cp, customer=run.customer, timestamp=run.timestamp, as_of=cut, customers=before
            )
        )
        bought = np.zeros(cols.customers.size, dtype=bool)
        bought[cols.codes[(cols.wall > start) & (cols.wall <= end)]] = True
        churned = pd.Series(~table.index.isin(cols.customers[bought]), index=table.index)
        numeric = [c for c in table.columns if c != "nps_class" and table[c].notna().any()]
        if churned.all() or not churned.any():
            text = "churn drivers skipped: everyone or no one churned in the holdout"
            run.notes.append(Note(text, "churn.all"))
            return
        run.results["churn_drivers"] = drivers(table, churned, features=numeric, max_depth=2)


def tags(run: Run) -> None:
    engine = _engine(run.options.rules, run.table, run.notes, lifecycle=run.options.lifecycle)
    if engine is None:
        return
    flags = engine.apply(run.table, as_of=run.as_of, output="wide")
    flags.columns = [f"tag_{c}" for c in flags.columns]
    run.tags = [str(c) for c in flags.columns]
    run.add(flags)
    run.models["tags"] = engine


def _engine(rules: Any, table: pd.DataFrame, notes: list[str], *, lifecycle: Any) -> Any:
    from segkit.tagging import Rule, TagEngine

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
    if isinstance(rules, str) and rules == "starter":
        return _starter(table, notes, lifecycle=lifecycle is not None)
    if isinstance(rules, Iterable):
        return TagEngine([r if isinstance(r, Rule) else Rule.from_dict(r) for r in rules])
    raise ParameterError(f"rules must be 'starter', a TagEngine, a file, or rules; got {rules!r}")


def _starter(table: pd.DataFrame, notes: list[str], *, lifecycle: bool) -> Any:
    """The starter rules whose columns this table has.

    With a lifecycle machine, which gives each customer's stage, the starter
    library's simpler lifecycle tags would only contradict it: they are left
    out, and the rules that read them.
    """
    from segkit.tagging import TagEngine

    every = len(TagEngine.starter().rules)
    served = TagEngine.starter(columns=table)
    if len(served.rules) < every:
        n = every - len(served.rules)
        notes.append(
            Note(
                f"{n} starter rules skipped: their columns are not in the data",
                "starter.skipped",
                n=n,
            )
        )
    if not lifecycle:
        return served if served.rules else None
    engine = TagEngine.starter(columns=table, exclude_groups=["lifecycle"])
    if len(engine.rules) < len(served.rules):
        n = len(served.rules) - len(engine.rules)
        text = (
            f"{n} starter rules on lifecycle stages left out: "
            "lifecycle_state comes from the lifecycle"
        )
        notes.append(Note(text, "starter.lifecycle", n=n))
    return engine if engine.rules else None


def lifecycle(run: Run) -> None:
    """Replay the machine to ``as_of``; one more step gives the state on ``as_of``."""
    from segkit.lifecycle import states_and_flows
    from segkit.lifecycle._panel import changes_frame

    machine = run.models["lifecycle"]
    start = run.options.lifecycle_start
    if start is None:
        first = pd.Timestamp(run.table["first_purchase"].min())
        if first.tzinfo is not None:
            first = first.tz_localize(None)
        start = max((run.stamp - pd.DateOffset(months=24)).normalize(), first.normalize())
        # Back to a period boundary, so that even a history shorter than one
        # period has one boundary to replay to.
        start = parse_freq(run.options.freq).rollback(start)
    people = signup = None
    if run.inputs.get("customers") is not None and run.options.signup is not None:
        people = as_pandas(run.inputs["customers"], "customers")
        signup = run.options.signup
        if signup not in people.columns:
            people = signup = None
    read = run.columns_read  # on pandas: the columns every step shares, not read again
    # Only the changes are kept: Profile.panel builds the panel from them on request.
    # The replay's last point is as_of itself, with the summary's features: its
    # states are the states on as_of (categorical codes, no second step).
    options = {
        **run.tx_columns,  # the order column too: orders counted as in summarize
        "freq": run.options.freq,
        "start": start,
        "end": run.as_of,
        "customers": people,
        "signup": signup,
    }
    if read is not None:
        # The changes as codes, reduced to the states and the flows without
        # reading them back from the frame.
        history, counter = machine._replay_history(read, **options)
        states, run.results["flows"] = counter.result(history, machine.names)
        changes = changes_frame(history)
    else:
        # On a Dask log they stay on the workers (persisted): the current states
        # and the flows are reduced there, the changes read once for both.
        changes = held(machine.replay(run.transactions, **options, output="changes"))
        states, run.results["flows"] = states_and_flows(changes, states=machine.names)
    now = local(states)["state"].reindex(run.table.index)
    run.results["changes"] = changes
    run.add(now.rename("lifecycle_state").to_frame())


def holdout(run: Run) -> None:
    """Fit BG/NBD on data up to ``as_of - holdout_days``; compare with the holdout."""
    from segkit.clv import BetaGeo
    from segkit.evaluate import holdout_report

    days = int(run.options.holdout_days)  # type: ignore[arg-type]
    cut: Any = run.stamp - pd.Timedelta(days=days)
    if cut < pd.Timestamp(run.table["first_purchase"].min()).tz_localize(None):
        text = f"holdout check skipped: {days:,} days before as_of is before the first purchase"
        run.notes.append(Note(text, "holdout.early", days=days))
        return
    if run.date_only:  # the calibration ends with the whole day `days` before as_of
        cut = cut.date()
    with noted(run, "holdout: "):
        frame = calibration_holdout(
            run.transactions,
            **run.tx_columns,
            calibration_end=cut,
            observation_end=run.as_of,
            unit="W",
        )
    frame = local(frame)
    try:
        with noted(run, "holdout BG/NBD: "):
            model = BetaGeo(unit="W").fit(frame)
    except SegkitError as exc:
        run.notes.append(Note(f"holdout check skipped: {exc}", "holdout.failed", error=str(exc)))
        return
    try:  # e.g. predictions not finite far at the boundary, as the CLV step notes
        checked = holdout_report(model, frame)
    except SegkitError as exc:
        run.notes.append(Note(f"holdout check skipped: {exc}", "holdout.failed", error=str(exc)))
        return
    frame = frame.copy()
    frame["predicted_holdout"] = checked.predictions["predicted"]
    run.results["holdout"] = frame
    run.results["holdout_report"] = checked


def _lines_to_as_of(run: Run) -> pd.DataFrame:
    """The transactions on or before the profile's ``as_of``, by the time policy."""
    cols = run.pandas_columns()
    lines: pd.DataFrame = run.transactions[cols.wall <= cols.as_of(run.options.as_of).cut]
    return lines


def affinity(run: Run) -> None:
    """Category shares per customer, and the categories that set segments apart."""
    from segkit.affinity.categories import _category_affinity, item_codes
    from segkit.affinity.segments import segment_affinity_columns

    item = str(run.options.category)
    as_of = run.options.as_of
    try:
        if item in run.tx_columns.values():
            raise ParameterError(f"item must be its own column; got {item!r}")
        cols = run.pandas_columns()
        items, labels = item_codes(run.transactions[item], item)
        # The customers' shares, and the marks of their purchase lines, which the
        # segment table reads instead of marking them again.
        shares, marks = _category_affinity(
            cols,
            items,
            labels,
            customer=run.customer,
            item=item,
            as_of=as_of,
            windows=None,
            order_shares=False,
            customers=run.table.index,  # (each has a purchase line up to as_of)
        )
        by_segment = None
        if "segment" in run.table.columns:
            by_segment = segment_affinity_columns(
                run.table, cols, items, labels, item=item, as_of=as_of, marks=marks
            )
        del marks
    except SegkitError as exc:
        run.notes.append(
            Note(f"category affinity skipped: {exc}", "affinity.failed", error=str(exc))
        )
        return
    run.add(shares)
    if by_segment is not None:
        run.results["segment_affinity"] = by_segment


def recommendations(run: Run) -> None:
    """Co-purchase recommendations for every customer, with their purchase behind each."""
    from segkit.affinity import CoPurchaseRecommender

    tx = run.tx_columns
    basket = "order" if "order" in tx else "customer"
    try:
        model = CoPurchaseRecommender(basket=basket).fit(
            _lines_to_as_of(run),
            customer=tx["customer"],
            item=str(run.options.product),
            order=tx.get("order"),
            amount=tx["amount"],
            segments=run.table["segment"] if "segment" in run.table.columns else None,
        )
        recs = model.recommend(run.table.index, k=int(run.options.recommendations or 10))
    except SegkitError as exc:
        run.notes.append(Note(f"recommendations skipped: {exc}", "recs.failed", error=str(exc)))
        return
    run.models["recommender"] = model
    run.results["recommendations"] = recs


def loyalty(run: Run) -> None:
    """Points ledgers and tier histories of the loyalty programmes, and the cohort table."""
    from segkit.evaluate import cohort_retention
    from segkit.lifecycle import flows
    from segkit.loyalty import PointsProgram, TierProgram

    given = run.options.loyalty
    programs = list(given) if isinstance(given, list | tuple) else [given]
    people = run.inputs.get("customers")
    people = None if people is None else as_pandas(people, "customers")
    for program in programs:
        if isinstance(program, PointsProgram):
            with noted(run, "loyalty points: "):
                book = program.ledger(
                    run.transactions, **run.tx_columns, customers=people, as_of=run.as_of
                )
            run.add(book.reindex(run.table.index).fillna(0.0))
            run.results["points_liability"] = program.liability(book)
        elif isinstance(program, TierProgram):
            panel = program.replay(  # the columns every step shares, not read again
                run.pandas_columns(),
                **run.tx_columns,
                end=run.as_of,
                customers=people,
                signup=None,
            )
            tiers = program.lifecycle.current(panel)["state"]
            run.add(tiers.reindex(run.table.index).rename("tier").to_frame())
            run.results["tiers"] = panel
            run.results["tier_flows"] = flows(panel)
        else:
            raise ParameterError(
                "loyalty must be a PointsProgram, a TierProgram or a list of them; "
                f"got {type(program).__name__}"
            )
    run.results["cohorts"] = cohort_retention(run.transactions, **run.tx_columns, as_of=run.as_of)


def _has_column(name: str | None, run: Run) -> bool:
    return name is not None and name in run.transactions.columns


def _has_feedback(run: Run) -> bool:
    return run.inputs.get("feedback") is not None or run.inputs.get("complaints") is not None


#: The profile's steps in order, with the condition under which each runs.
STEPS: tuple[Step, ...] = (
    Step("features", features),
    Step("RFM scores", rfm),
    Step("CLV models", clv, lambda run: run.options.clv),
    Step(
        "customer profiles",
        _inputs.customers,
        lambda run: run.inputs.get("customers") is not None,
    ),
    Step("behaviour events", _inputs.events, lambda run: run.inputs.get("events") is not None),
    Step("feedback", _inputs.feedback, lambda run: _has_feedback(run)),
    Step("tags", tags, lambda run: run.options.rules is not None),
    # The story over time only adds results: it runs before the lifecycle
    # replay, whose panel the run holds from then on (a lower peak of memory).
    Step("months", _story.monthly),
    Step("segments a quarter ago", _story.segments_then),
    Step("lifecycle replay", lifecycle, lambda run: run.models.get("lifecycle") is not None),
    Step(
        "loyalty programmes",
        loyalty,
        lambda run: run.options.loyalty is not None,
        distributed=False,
    ),
    Step("CLV holdout check", holdout, lambda run: run.options.holdout_days is not None),
    Step(
        "category affinity",
        affinity,
        lambda run: _has_column(run.options.category, run),
        distributed=False,
    ),
    Step(
        "recommendations",
        recommendations,
        lambda run: (
            run.options.recommendations is not None and _has_column(run.options.product, run)
        ),
        distributed=False,
    ),
    Step(
        "churn drivers",
        churn_drivers,
        lambda run: _has_feedback(run) and run.options.holdout_days is not None,
        distributed=False,
    ),
)
