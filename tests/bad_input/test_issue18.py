"""The bad-input matrix, issue #18 ("Hostile and odd input, round two"): every item as a case.

Each case is ``18.NN-what`` (NN the item's number in the issue; ``18.zh`` the
Chinese exports). A case builds its inputs with ``make(tmp_path)`` (a dict),
calls one public entry point with them, and states what must happen: the exact
:class:`~segkit.errors.SegkitError` subclass and the key part of its message
(:func:`Raises`), or the exact correct value (:func:`Gives`). Every case
then checks that the caller's inputs are unchanged (conftest.py). The reproductions of the
issue are the seeds; the cases that could hang (ReDoS) run in a subprocess
with a time bound, and the command line's error paths (item 17), are in
``test_issue18_cli.py``; the fuzz tests over rule texts and definition files
are in ``test_fuzz.py``; attacks found after the issue in ``test_attacks.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.errors import (
    LifecycleError,
    ParameterError,
    RuleEvaluationError,
    RuleFileError,
    RuleSyntaxError,
    RuleTypeError,
    SchemaError,
    SegkitError,
)
from segkit.io import read_shopify_orders, read_transactions, write_crm
from segkit.tagging import evaluate_rule

from .conftest import COLS, RAW, Make, file, frame, laughs

SHOPIFY = Path(__file__).parents[1] / "data" / "shopify_orders_export.csv"


def Raises(error: type[SegkitError], fragment: str) -> SegkitError:
    """The exact error class and the key part of its message (see conftest.run_case)."""
    return error(fragment)


def Gives(value: Any) -> Any:
    """The exact value the call must return."""
    return value


def case(case_id: str, make: Make, call: Callable[..., Any], expect: Any) -> Any:
    return pytest.param(make, call, expect, id=case_id)


def tx(times: list[str] | None = None, tz: str | None = None) -> pd.DataFrame:
    stamps = pd.to_datetime(
        times or ["2023-08-01 10:00", "2023-09-15 12:00", "2023-10-01 09:00", "2023-11-02 10:00"]
    )
    df = pd.DataFrame({"cid": [1, 1, 2, 2], "ts": stamps, "amount": [10.0, 20.0, 5.0, 7.0]})
    if tz is not None:
        df["ts"] = df["ts"].dt.tz_localize(tz)
    return df


def raw(**columns: Any) -> Make:
    return lambda tmp: {"raw": pd.DataFrame(columns)}


def with_tx(*args: Any, **kw: Any) -> Make:
    return lambda tmp: {"tx": tx(*args, **kw)}


def periods_on(panel: pd.DataFrame, day: str) -> list[str]:
    return [str(p) for p in panel.attrs["periods"] if str(p).startswith(day)]


def _replay(**kw: Any) -> Callable[..., Any]:
    return lambda tx: segkit.default_lifecycle().replay(tx, **COLS, **kw)


def _profile(**kw: Any) -> Callable[..., Any]:
    return lambda tx: segkit.profile(tx, **COLS, lifecycle=None, clv=False, rules=None, **kw)


HOSTILE_SEGMENT = "<img src=x onerror=alert(1)>"
WINDOW_GUARD = segkit.Lifecycle(
    [segkit.State("a"), segkit.State("b", terminal=True)],
    [segkit.Transition("a", "b", when="orders_90000d > 0")],
    initial="a",
)
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
BTYD = pd.DataFrame({"x": [0, 1, 2, 5, 0, 3], "t_x": [0.0, 5, 20, 30, 0, 12], "T": [40.0] * 6})


def _repr_html(tx: pd.DataFrame) -> list[bool]:
    p = segkit.profile(tx, **COLS, lifecycle=None, clv=False, rules=None)
    p.table["segment"] = HOSTILE_SEGMENT
    html = p._repr_html_()
    return ["<img" in html, "&lt;img src=x onerror=alert(1)&gt;" in html]


def _crm_cells(table: pd.DataFrame, tmp: Path, **kw: Any) -> list[str]:
    target = tmp / "crm.csv"
    write_crm(table, target, columns=["segment"], **kw)
    return pd.read_csv(target, dtype=str, keep_default_na=False).iloc[:, -1].tolist()


def _probabilities(values: pd.Series) -> bool:
    array = values.to_numpy()
    return bool(np.all((array >= 0) & (array <= 1)))


def _profile_csv(tx: pd.DataFrame, tmp: Path) -> list[str]:
    p = segkit.profile(tx, **COLS, lifecycle=None, clv=False, rules=None)
    p.to_csv(tmp / "t.csv")
    return pd.read_csv(tmp / "t.csv", dtype=str)["cid"].tolist()


def _shopify_numeric(tmp: Path) -> dict[str, Any]:
    lines = pd.read_csv(SHOPIFY, dtype=str)
    lines["Name"] = lines["Name"].str.lstrip("#")
    path = tmp / "numeric.csv"
    lines.to_csv(path, index=False)
    return {"path": path}


CASES = [
    # 1. ReDoS: see test_redos_is_bounded_in_a_subprocess; the repetition count here.
    case(
        "18.01-repetition-count-beyond-int",
        frame(email=["a"]),
        lambda df: evaluate_rule("email matches 'a{4294967296}'", df),
        Raises(RuleSyntaxError, "repetition count 4294967296 is too large (the limit is 1000)"),
    ),
    # 2. CSV/formula injection
    case(
        "18.02-write-crm-formula-cells",
        lambda tmp: {
            "table": pd.DataFrame(
                {"segment": ['=HYPERLINK("http://x")', "@SUM(A1)", "\tx", "-2+3", "-12.5", "ok"]},
                index=pd.Index(range(6), name="cid"),
            ),
            "tmp": tmp,
        },
        _crm_cells,
        Gives(['\'=HYPERLINK("http://x")', "'@SUM(A1)", "'\tx", "'-2+3", "-12.5", "ok"]),
    ),
    case(
        "18.02-write-crm-opt-out",
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["=1+1"]}, index=pd.Index([1], name="cid")),
            "tmp": tmp,
            "escape_formulas": False,
        },
        _crm_cells,
        Gives(["=1+1"]),
    ),
    case(
        "18.02-write-crm-tag-named-formula",
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["a"]}, index=pd.Index([1], name="cid")),
            "tags": pd.DataFrame({"=evil()": [True]}, index=pd.Index([1], name="cid")),
            "tmp": tmp,
        },
        _crm_cells,
        Gives(["'=evil()"]),
    ),
    case(
        "18.02-profile-to-csv-ids",
        lambda tmp: {
            "tx": tx().assign(cid=["=cmd|' /C calc'!A0"] * 2 + ["@b"] * 2),
            "tmp": tmp,
        },
        _profile_csv,
        Gives(["'=cmd|' /C calc'!A0", "'@b"]),
    ),
    # 3. YAML billion laughs
    case(
        "18.03-billion-laughs-rule-file",
        file("r.yaml", laughs("rules:\n  - tag: x\n    when: orders > 1\n    description: *a9\n")),
        lambda path: segkit.TagEngine.from_yaml(path),
        Raises(RuleFileError, "r.yaml: line 1: YAML anchors and aliases (&name, *name) are not"),
    ),
    case(
        "18.03-billion-laughs-lifecycle-file",
        file("l.yaml", laughs("initial: a\nstates:\n  - name: a\n    description: *a9\n")),
        lambda path: segkit.Lifecycle.from_yaml(path),
        Raises(LifecycleError, "YAML anchors and aliases (&name, *name) are not accepted in"),
    ),
    case(
        "18.03-billion-laughs-points-programme",
        file("p.yaml", laughs("earn_rate: *a9\n")),
        lambda path: segkit.loyalty.PointsProgram.from_yaml(path),
        Raises(ParameterError, "not accepted in points programme files"),
    ),
    # 4. XSS in notebooks
    case("18.04-repr-html-segment-names", with_tx(), _repr_html, Gives([False, True])),
    # 5. DST gaps and overlaps
    case(
        "18.05-dst-gap-asuncion-replay",
        with_tx(tz="America/Asuncion"),
        lambda tx: periods_on(_replay()(tx), "2023-10-01"),
        Gives(["2023-10-01 01:00:00-03:00"]),
    ),
    case(
        "18.05-dst-gap-santiago-daily",
        with_tx(
            ["2023-08-01 10:00", "2023-09-01 10:00", "2023-09-02 10:00", "2023-09-04 10:00"],
            "America/Santiago",
        ),
        lambda tx: periods_on(_replay(freq="D")(tx), "2023-09-03"),
        Gives(["2023-09-03 01:00:00-03:00"]),
    ),
    case(
        "18.05-dst-gap-santiago-weekly",
        with_tx(
            ["2023-08-01 10:00", "2023-09-01 10:00", "2023-09-02 10:00", "2023-09-04 10:00"],
            "America/Santiago",
        ),
        lambda tx: periods_on(_replay(freq="W")(tx), "2023-09-03"),
        Gives(["2023-09-03 01:00:00-03:00"]),
    ),
    case(
        "18.05-dst-gap-oslo-hourly",
        with_tx(
            ["2024-03-31 00:10", "2024-03-31 01:00", "2024-03-31 03:00", "2024-03-31 04:00"],
            "Europe/Oslo",
        ),
        lambda tx: [str(p) for p in _replay(freq="h")(tx).attrs["periods"]],
        Gives(
            ["2024-03-31 01:00:00+01:00", "2024-03-31 03:00:00+02:00", "2024-03-31 04:00:00+02:00"]
        ),
    ),
    case(
        "18.05-dst-gap-oslo-summarize-as-of",
        with_tx(
            ["2024-03-30 10:00", "2024-03-31 01:00", "2024-03-31 04:00", "2024-03-31 10:00"],
            "Europe/Oslo",
        ),
        lambda tx: segkit.summarize(tx, **COLS, as_of="2024-03-31 02:30")[
            ["orders", "recency_days"]
        ].values.tolist(),
        Gives([[2.0, 1.5 / 24]]),
    ),
    case(
        "18.05-dst-overlap-oslo-summarize-as-of",
        with_tx(
            ["2024-10-26 10:00", "2024-10-27 01:00", "2024-10-27 04:00", "2024-10-27 10:00"],
            "Europe/Oslo",
        ),
        lambda tx: segkit.summarize(tx, **COLS, as_of="2024-10-27 02:30")[
            ["orders", "recency_days"]
        ].values.tolist(),
        Gives([[2.0, 1.5 / 24]]),
    ),
    # 6. Dates outside 1677-2262
    case(
        "18.06-rule-date-literal-9999",
        frame(orders=[1]),
        lambda df: evaluate_rule("date('9999-12-31') > as_of", df, as_of="2024-01-01"),
        Raises(RuleSyntaxError, "date 9999-12-31 is outside 1677-09-22 .. 2262-04-11"),
    ),
    case(
        "18.06-rule-column-of-9999-dates",
        frame(d=np.array(["9999-12-31", "2024-01-01"], dtype="datetime64[s]")),
        lambda df: evaluate_rule("d is null", df),
        Raises(RuleEvaluationError, "column 'd' holds dates outside 1677-09-22 .. 2262-04-11"),
    ),
    case(
        "18.06-evaluate-as-of-9999",
        frame(orders=[1]),
        lambda df: evaluate_rule("orders > 0", df, as_of="9999-12-31"),
        Raises(ParameterError, "as_of '9999-12-31' is outside the dates segkit handles"),
    ),
    case(
        "18.06-summarize-as-of-9999",
        with_tx(),
        lambda tx: segkit.summarize(tx, **COLS, as_of="9999-12-31"),
        Raises(ParameterError, "as_of '9999-12-31' is outside the dates segkit handles"),
    ),
    case(
        "18.06-replay-end-9999",
        with_tx(),
        lambda tx: _replay(end="9999-12-31")(tx),
        Raises(ParameterError, "end '9999-12-31' is outside the dates segkit handles"),
    ),
    case(
        "18.06-read-transactions-never-sentinel",
        raw(c=[1, 2], d=["2024-01-01", "9999-12-31"], a=[1.0, 2.0]),
        lambda raw: read_transactions(raw, columns=RAW),
        Raises(SchemaError, "in rows [1]: ['9999-12-31']; a 'never' date such as 9999-12-31"),
    ),
    # 7. Day/month: one format per column
    case(
        "18.07-day-first-column-read-one-way",
        raw(c=[1, 2], d=["01/02/2024", "13/02/2024"], a=[1.0, 2.0]),
        lambda raw: read_transactions(raw, columns=RAW)["timestamp"].dt.strftime("%F").tolist(),
        Gives(["2024-02-01", "2024-02-13"]),
    ),
    case(
        "18.07-ambiguous-column-refused",
        with_tx(),
        lambda tx: segkit.summarize(tx.assign(ts=["01/02/2024", "03/04/2024"] * 2), **COLS),
        Raises(SchemaError, "has dates that read two ways ('%d/%m/%Y' or '%m/%d/%Y'"),
    ),
    case(
        "18.07-mixed-formats-refused",
        with_tx(),
        lambda tx: segkit.summarize(tx.assign(ts=["2024-02-01", "13/02/2024"] * 2), **COLS),
        Raises(SchemaError, "mixes date formats ('ISO 8601' and '%d/%m/%Y'"),
    ),
    # 8. Events after as_of
    case(
        "18.08-shanghai-event-after-as-of-not-counted",
        lambda tmp: {
            "ev": pd.DataFrame(
                {
                    "cid": [1, 1],
                    "ts": pd.to_datetime(["2024-03-31 23:00", "2024-04-01 05:00"]).tz_localize(
                        "Asia/Shanghai"
                    ),
                    "kind": ["view", "view"],
                }
            )
        },
        lambda ev: segkit.event_features(
            ev, customer="cid", timestamp="ts", event="kind", as_of="2024-03-31", windows=(7,)
        ).to_dict("list"),
        Gives({"view_7d": [1]}),
    ),
    # 9. Numbers read as written
    case(
        "18.09-exponent-and-accounting-negative",
        raw(c=[1, 2], d=["2024-01-01", "2024-01-02"], a=["1.5E3", "(12.50)"]),
        lambda raw: read_transactions(raw, columns=RAW)["amount"].tolist(),
        Gives([1500.0, -12.5]),
    ),
    # 10. Shopify order names that are numbers
    case(
        "18.10-shopify-lines-numeric-order-names",
        _shopify_numeric,
        lambda path: len(read_shopify_orders(path, lines=True)),
        Gives(len(read_shopify_orders(SHOPIFY, lines=True))),
    ),
    # 11. Ids "1" and 1
    case(
        "18.11-replay-customers-mixed-id-types",
        lambda tmp: {
            "tx": tx(),
            "people": pd.DataFrame(
                {"cid": ["1", 1], "signup_date": pd.to_datetime(["2023-01-01"] * 2)}
            ),
        },
        lambda tx, people: _replay(customers=people)(tx),
        Raises(SchemaError, "the customer ids ('cid') of the customers table mix types"),
    ),
    case(
        "18.11-profile-customers-of-another-type",
        lambda tmp: {"tx": tx(), "people": pd.DataFrame({"cid": ["1", "2"], "age": [30, 40]})},
        lambda tx, people: _profile(customers=people)(tx),
        Raises(SchemaError, "the transactions are numbers but those of the customers table are"),
    ),
    # 12. Rule typing reads every value
    case(
        "18.12-object-column-typed-from-every-value",
        frame(s=pd.Series(["a"] * 1000 + [5], dtype=object)),
        lambda df: evaluate_rule("s < 'b'", df),
        Raises(RuleTypeError, "first number at row 1000, first string at row 0"),
    ),
    case(
        "18.12-mixed-time-zones-in-one-column",
        frame(
            d=pd.Series(
                [
                    pd.Timestamp("2024-01-01", tz="UTC"),
                    pd.Timestamp("2024-01-01", tz="Asia/Tokyo"),
                ],
                dtype=object,
            )
        ),
        lambda df: evaluate_rule("d < as_of", df, as_of="2024-02-01"),
        Raises(RuleTypeError, "holds timestamps in several time zones ('UTC' and 'Asia/Tokyo'"),
    ),
    # 13. contains: true is not 1
    case(
        "18.13-contains-true-is-not-1",
        frame(items=[[1], [True]]),
        lambda df: [
            evaluate_rule("items contains 1", df).tolist(),
            evaluate_rule("items contains 1", df.iloc[::-1]).tolist(),
        ],
        Gives([[True, False], [False, True]]),
    ),
    # 14. Columns that would silently replace the id column
    case(
        "18.14-long-output-index-named-tag",
        lambda tmp: {"df": pd.DataFrame({"orders": [1, 2]}, index=pd.Index([7, 8], name="tag"))},
        lambda df: segkit.TagEngine([segkit.Rule("big", "orders > 1")]).apply(df, output="long"),
        Raises(ParameterError, "the frame's index is named 'tag'"),
    ),
    case(
        "18.14-read-transactions-keep-customer-id",
        raw(c=[1, 2], d=["2024-01-01"] * 2, a=[1.0, 2.0], customer_id=["x", "y"]),
        lambda raw: read_transactions(raw, columns=RAW, keep=["customer_id"]),
        Raises(ParameterError, "keep names 'customer_id', a column segkit's reader already"),
    ),
    case(
        "18.14-write-crm-column-named-like-the-id",
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["a"], "Customer ID": ["z"]}, index=[1]),
        },
        lambda table: write_crm(table, columns=["segment", "Customer ID"]),
        Raises(ParameterError, "column 'Customer ID' would replace the id column"),
    ),
    # 15. Sums independent of row order
    case(
        "18.15-same-day-sums-independent-of-row-order",
        lambda tmp: {
            "tx": pd.DataFrame(
                {
                    "cid": [1] * 3,
                    "ts": pd.to_datetime(["2024-01-01"] * 3),
                    "amount": [0.1, 0.2, 0.3],
                }
            )
        },
        lambda tx: [
            segkit.summarize(tx, **COLS)["revenue"].iloc[0],
            segkit.summarize(tx.iloc[::-1], **COLS)["revenue"].iloc[0],
        ],
        Gives([0.6, 0.6]),
    ),
    # 16. Overflow
    case(
        "18.16-guard-window-90000-days",
        with_tx(),
        lambda tx: WINDOW_GUARD.replay(tx, **COLS, output="changes")["to"].astype(str).tolist(),
        Gives(["b", "b"]),  # 90,000 days hold every purchase (int64 wrapped: never)
    ),
    case(
        "18.16-p-alive-at-t-1e20-is-a-probability",
        lambda tmp: {"data": BTYD.copy()},
        lambda data: _probabilities(segkit.clv.BetaGeo.from_params(BG).p_alive(data, 1e20)),
        Gives(True),
    ),
    # 18. Rule and definition files
    case(
        "18.18-rule-file-deep-yaml",
        file("r.yaml", "rules: " + "[" * 10000 + "]" * 10000),
        lambda path: segkit.TagEngine.from_yaml(path),
        Raises(RuleFileError, "r.yaml: line 1: the YAML nests deeper than 50 levels"),
    ),
    case(
        "18.18-rule-file-deep-json",
        file("r.json", '{"rules": ' + "[" * 10000 + "]" * 10000 + "}"),
        lambda path: segkit.TagEngine.from_json(path),
        Raises(RuleFileError, "r.json: the JSON nests too deeply to be a rule file"),
    ),
    case(
        "18.18-lifecycle-file-deep-yaml",
        file("l.yaml", "states: " + "[" * 10000 + "]" * 10000),
        lambda path: segkit.Lifecycle.from_yaml(path),
        Raises(LifecycleError, "the YAML nests deeper than 50 levels"),
    ),
    case(
        "18.18-rule-file-gbk",
        file("r.yaml", "rules:\n  - tag: 高价值\n    when: orders > 1\n", "gbk"),
        lambda path: segkit.TagEngine.from_yaml(path),
        Raises(RuleFileError, "It looks like GBK/GB18030 (what Chinese Windows writes)"),
    ),
    case(
        "18.18-rule-file-utf16-read",
        file("r.yaml", "rules:\n  - tag: 高价值\n    when: orders > 1\n", "utf-16"),
        lambda path: [r.tag for r in segkit.TagEngine.from_yaml(path).rules],
        Gives(["高价值"]),
    ),
    case(
        "18.18-rule-file-binary",
        file("r.yaml", bytes(range(256))),
        lambda path: segkit.TagEngine.from_yaml(path),
        Raises(RuleFileError, "rule file 'r.yaml' is a binary file"),
    ),
    case(
        "18.18-lifecycle-missing-file",
        lambda tmp: {"path": str(tmp / "missing.yaml")},
        lambda path: segkit.Lifecycle.from_yaml(path),
        Raises(LifecycleError, "missing.yaml': No such file or directory"),
    ),
    case(
        "18.18-rule-integer-literal-4300-digits",
        frame(orders=[1]),
        lambda df: evaluate_rule("orders > " + "9" * 4300, df),
        Raises(RuleSyntaxError, "integer is too large (the limit is 2**63 - 1)"),
    ),
    case(
        "18.18-lists-and-dicts-in-a-list-column-is-null",
        frame(items=[[[1]], [{"a": 1}], None]),
        lambda df: evaluate_rule("items is null", df).tolist(),
        Gives([False, False, True]),
    ),
    # 19. More errors that were not SegkitErrors
    case(
        "18.19-summarize-windows-scalar",
        with_tx(),
        lambda tx: segkit.summarize(tx, **COLS, windows=90),
        Raises(ParameterError, "windows must be a list of whole numbers of days"),
    ),
    case(
        "18.19-list-valued-customer-ids",
        with_tx(),
        lambda tx: segkit.summarize(tx.assign(cid=[[1], [1], [2], [2]]), **COLS),
        Raises(SchemaError, "holds unhashable customer ids (lists or dicts)"),
    ),
    case(
        "18.19-rfm-scalar-thresholds-bins-2",
        with_tx(),
        lambda tx: segkit.RFMScorer(
            bins=2,
            method="fixed",
            segments=None,
            thresholds={"recency": 5, "frequency": 1, "monetary": 10},
        ).fit(segkit.summarize(tx, **COLS)),
        Raises(ParameterError, "thresholds['recency'] must be 1 increasing finite numbers; got 5"),
    ),
    case(
        "18.19-rfm-text-thresholds",
        with_tx(),
        lambda tx: segkit.RFMScorer(
            bins=2,
            method="fixed",
            segments=None,
            thresholds={"recency": ["a"], "frequency": [1], "monetary": [10]},
        ).fit(segkit.summarize(tx, **COLS)),
        Raises(ParameterError, "thresholds['recency'] must be 1 increasing finite numbers"),
    ),
    case(
        "18.19-rfm-string-weights",
        with_tx(),
        lambda tx: segkit.RFMScorer(weights=("a", "b", "c")).fit(segkit.summarize(tx, **COLS)),
        Raises(ParameterError, "must be three non-negative numbers with a positive sum"),
    ),
    case(
        "18.19-clean-as-of-garbage",
        with_tx(),
        lambda tx: segkit.clean_transactions(tx, **COLS, as_of="garbage"),
        Raises(ParameterError, "as_of must be a date or timestamp; got 'garbage'"),
    ),
    case(
        "18.19-profile-holdout-days-10-6",
        with_tx(),
        lambda tx: segkit.profile(tx, **COLS, holdout_days=10**6, lifecycle=None, rules=None),
        Raises(ParameterError, "must be a whole number from 1 to 36,525; got 1000000"),
    ),
    case(
        "18.19-simulate-negative",
        lambda tmp: {},
        lambda: segkit.clv.BetaGeo.from_params(BG).simulate(-1, 10),
        Raises(ParameterError, "n_customers must be a whole number from 0 to 50,000,000"),
    ),
    case(
        "18.19-simulate-10-12",
        lambda tmp: {},
        lambda: segkit.clv.BetaGeo.from_params(BG).simulate(10**12, 10),
        Raises(ParameterError, "got 1000000000000"),
    ),
    case(
        "18.19-write-crm-missing-folder",
        lambda tmp: {"table": pd.DataFrame({"segment": ["a"]}), "tmp": tmp},
        lambda table, tmp: write_crm(table, tmp / "no" / "such" / "x.csv", columns=["segment"]),
        Raises(ParameterError, "of the CRM file does not exist; create it first"),
    ),
    case(
        "18.19-write-crm-not-a-frame",
        lambda tmp: {"table": [1, 2]},
        lambda table: write_crm(table),
        Raises(ParameterError, "write_crm needs the customer table as a pandas DataFrame"),
    ),
    case(
        "18.19-read-transactions-empty-csv",
        file("e.csv", ""),
        lambda path: read_transactions(path, columns=RAW),
        Raises(SchemaError, "e.csv is empty: no header and no rows"),
    ),
    case(
        "18.19-decimal-amounts",
        with_tx(),
        lambda tx: segkit.summarize(tx.assign(amount=[Decimal("1.5")] * 4), **COLS)[
            "revenue"
        ].tolist(),
        Gives([3.0, 3.0]),
    ),
    case(
        "18.19-integer-column-name",
        with_tx(),
        lambda tx: segkit.summarize(tx.rename(columns={"cid": 5}), **{**COLS, "customer": 5})[
            "orders"
        ].tolist(),
        Gives([2, 2]),
    ),
    # 20. Unbounded cost refused up front
    case(
        "18.20-replay-by-minute-refused-up-front",
        with_tx(),
        lambda tx: _replay(freq="min")(tx),
        Raises(ParameterError, "at most 20,000 points"),
    ),
    case(
        "18.20-penalizer-1e300",
        lambda tmp: {"data": BTYD.copy()},
        lambda data: segkit.clv.BetaGeo(penalizer=1e300).fit(data),
        Raises(ParameterError, "must be a number in the range [0, 1e+06]; got 1e+300"),
    ),
    # Chinese exports
    case(
        "18.zh-gb18030-csv-read",
        file("g.csv", "客户,日期,金额\n张三,2024-01-01,10\n李四,2024-01-02,20\n", "gb18030"),
        lambda path: read_transactions(
            path, columns={"customer": "客户", "timestamp": "日期", "amount": "金额"}
        )["customer_id"].tolist(),
        Gives(["张三", "李四"]),
    ),
    case(
        "18.zh-utf16-tab-csv-read",
        file("u.csv", "客户\t日期\t金额\n张三\t2024-01-01\t10\n", "utf-16"),
        lambda path: read_transactions(
            path, columns={"customer": "客户", "timestamp": "日期", "amount": "金额"}
        )["amount"].tolist(),
        Gives([10.0]),
    ),
    case(
        "18.zh-write-crm-utf8-bom",
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["高价值"]}, index=pd.Index([1], name="cid")),
            "tmp": tmp,
        },
        lambda table, tmp: write_crm(
            table, tmp / "c.csv", columns=["segment"], encoding="utf-8-sig"
        ).pipe(lambda _: (tmp / "c.csv").read_bytes()[:3]),
        Gives(b"\xef\xbb\xbf"),
    ),
    case(
        "18.zh-event-kinds-keep-distinct-names",
        lambda tmp: {
            "ev": pd.DataFrame(
                {
                    "cid": [1, 1],
                    "ts": pd.to_datetime(["2024-03-01", "2024-03-02"]),
                    "kind": ["浏览", "加购"],
                }
            )
        },
        lambda ev: sorted(
            segkit.event_features(
                ev, customer="cid", timestamp="ts", event="kind", as_of="2024-03-31", windows=(7,)
            ).columns
        ),
        Gives(["加购_7d", "浏览_7d"]),
    ),
]


@pytest.mark.parametrize(("make", "call", "expect"), CASES)
def test_issue18(make: Make, call: Callable[..., Any], expect: Any, run_case: Any) -> None:
    run_case(make, call, expect)
