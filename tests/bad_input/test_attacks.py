"""The bad-input matrix, round three: attacks tried after issue #18, each a case.

Ids are ``A.<area>-<what>``. The runner (``conftest.run_case``) checks the
exact error class and the key part of its message, or the exact value, and
that the inputs are unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import segkit
from segkit._writers import write_table
from segkit.cohorts import cohort_retention
from segkit.errors import (
    LifecycleError,
    ParameterError,
    RuleEvaluationError,
    SchemaError,
)
from segkit.feedback import feedback_features, nps
from segkit.io import read_shopify_orders, read_transactions, write_crm
from segkit.loyalty import PointsProgram, Tier, TierProgram
from segkit.privacy import pseudonymize
from segkit.tagging import evaluate_rule

from .conftest import COLS, RAW, file, frame, laughs

GAP = "2024-03-31 02:30"  # in Oslo's spring-forward gap
#: Shopify's "Created at" across New York's spring-forward (2024-03-10): -0500, then -0400
SHOPIFY_DST = [
    "2024-03-09 23:30:00 -0500",
    "2024-03-10 03:30:00 -0400",
    "2024-03-11 10:00:00 -0400",
]


def tx_in(times: list[str], tz: str | None = None) -> pd.DataFrame:
    df = pd.DataFrame(
        {"cid": [1, 1, 2, 2], "ts": pd.to_datetime(times), "amount": [10.0, 20.0, 5.0, 7.0]}
    )
    if tz is not None:
        df["ts"] = df["ts"].dt.tz_localize(tz)
    return df


def oslo(times: list[str] | None = None) -> Callable[[Path], dict[str, Any]]:
    times = times or [
        "2024-03-30 10:00",
        "2024-03-31 01:00",
        "2024-03-31 04:00",
        "2024-03-31 10:00",
    ]
    return lambda tmp: {"tx": tx_in(times, "Europe/Oslo")}


def amounts(*values: Any) -> Callable[[Path], dict[str, Any]]:
    """A raw export whose amount column holds ``values`` (one customer per row)."""
    n = len(values)
    return lambda tmp: {
        "raw": pd.DataFrame({"c": range(n), "d": ["2024-01-01"] * n, "a": list(values)})
    }


def read_amounts(raw: pd.DataFrame) -> list[float]:
    out: list[float] = read_transactions(raw, columns=RAW)["amount"].tolist()
    return out


def crm_cells(table: pd.DataFrame, tmp: Path) -> list[str]:
    write_crm(table, tmp / "crm.csv", columns=["segment"])
    text = pd.read_csv(tmp / "crm.csv", dtype=str, keep_default_na=False)
    return text["segment"].tolist()


NOT_AMOUNTS = "value(s) that are not amounts, in rows [0]"
TOKYO = pd.ArrowDtype(pa.timestamp("us", tz="Asia/Tokyo"))

CASES = [
    # Numbers as exports write them: one convention per column, nothing misread.
    pytest.param(amounts("−12", "5"), read_amounts, [-12.0, 5.0], id="A.num-unicode-minus"),
    pytest.param(amounts("１２３", "－5"), read_amounts, [123.0, -5.0], id="A.num-full-width"),
    pytest.param(
        amounts("1,234.50", "12.00"), read_amounts, [1234.5, 12.0], id="A.num-thousands-comma"
    ),
    pytest.param(
        amounts("1.234,50", "12,00"), read_amounts, [1234.5, 12.0], id="A.num-decimal-comma"
    ),
    pytest.param(
        amounts("1,5", "2,25", "1,234"),
        read_amounts,
        [1.5, 2.25, 1.234],
        id="A.num-decimal-comma-column-reads-1,234-as-1.234",
    ),
    pytest.param(
        amounts("1.5", "1,234"), read_amounts, [1.5, 1234.0], id="A.num-decimal-point-column"
    ),
    pytest.param(
        amounts("1,234.50", "1.234,50"),
        read_amounts,
        SchemaError("column 'a' writes numbers two ways: with a decimal comma ('1.234,50')"),
        id="A.num-two-conventions-refused",
    ),
    # "1.500": 1500 with dots grouping thousands, 1.5 with a decimal point (issue #11's trial)
    pytest.param(
        amounts("1.500", "250", "2.000"),
        read_amounts,
        SchemaError(
            "column 'a' has numbers that read two ways: '1.500' at index 0 is 1500 if dots "
            "group thousands and 1.5 if a dot is the decimal point"
        ),
        id="A.num-dot-groups-refused",
    ),
    pytest.param(
        amounts("1.500", "2,50"), read_amounts, [1500.0, 2.5], id="A.num-dot-groups-german"
    ),
    pytest.param(
        amounts("1.500", "12.25"), read_amounts, [1.5, 12.25], id="A.num-dot-groups-english"
    ),
    pytest.param(
        amounts("1.500", "250", "2.000"),
        lambda raw: read_transactions(raw, columns=RAW, decimal=",")["amount"].tolist(),
        [1500.0, 250.0, 2000.0],
        id="A.num-dot-groups-decimal-stated",
    ),
    pytest.param(
        amounts("1.500"),
        lambda raw: read_transactions(raw, columns=RAW, decimal="·"),
        ParameterError("decimal must be '.' or ','"),
        id="A.num-decimal-neither-point-nor-comma",
    ),
    pytest.param(amounts("¥1,200", "￥300"), read_amounts, [1200.0, 300.0], id="A.num-yen"),
    pytest.param(amounts("1,200元", "5"), read_amounts, [1200.0, 5.0], id="A.num-yuan-after"),
    pytest.param(amounts("€ 12,50", "12,50 €"), read_amounts, [12.5, 12.5], id="A.num-euro"),
    pytest.param(
        amounts("1\u00a0234,50", "1 234,50"),
        read_amounts,
        [1234.5, 1234.5],
        id="A.num-space-groups",
    ),
    pytest.param(amounts("1'234.50", "5"), read_amounts, [1234.5, 5.0], id="A.num-swiss-groups"),
    pytest.param(
        amounts("(£12.50)", "-£3", "£-4"), read_amounts, [-12.5, -3.0, -4.0], id="A.num-signs"
    ),
    pytest.param(amounts("Infinity", "5"), read_amounts, SchemaError(NOT_AMOUNTS), id="A.num-inf"),
    pytest.param(amounts("1e400", "5"), read_amounts, SchemaError(NOT_AMOUNTS), id="A.num-1e400"),
    pytest.param(amounts("--12", "5"), read_amounts, SchemaError(NOT_AMOUNTS), id="A.num-double"),
    pytest.param(
        amounts("(-12)", "5"), read_amounts, SchemaError(NOT_AMOUNTS), id="A.num-paren-and-minus"
    ),
    pytest.param(
        amounts(12, "13,5", None),
        lambda raw: [None if np.isnan(v) else v for v in read_amounts(raw)],
        [12.0, 13.5, None],
        id="A.num-numbers-text-and-missing",
    ),
    # Ids in a CSV: read as written.
    pytest.param(
        file("t.csv", "c,d,a\n007,2024-01-01,1\n7,2024-01-02,1\n"),
        lambda path: read_transactions(path, columns=RAW)["customer_id"].tolist(),
        ["007", "7"],
        id="A.csv-ids-with-leading-zeros-stay-text",
    ),
    pytest.param(
        file("t.csv", "c,d,a\n12345678901234567890,2024-01-01,1\n1,2024-01-02,1\n"),
        lambda path: read_transactions(path, columns=RAW)["customer_id"].tolist(),
        ["12345678901234567890", "1"],
        id="A.csv-ids-beyond-int64-stay-text",
    ),
    pytest.param(
        file("t.csv", "c,d,a\n7,2024-01-01,1\n9,2024-01-02,1\n"),
        lambda path: read_transactions(path, columns=RAW)["customer_id"].tolist(),
        [7, 9],
        id="A.csv-plain-integer-ids-are-numbers",
    ),
    # Definition files: every kind read with the rule files' care.
    pytest.param(
        file("t.yaml", laughs("tiers: *a9\n")),
        lambda path: TierProgram.from_yaml(path),
        ParameterError("YAML anchors and aliases (&name, *name) are not accepted in tier"),
        id="A.file-tier-programme-billion-laughs",
    ),
    pytest.param(
        file("t.yaml", "tiers:\n"),
        lambda path: TierProgram.from_yaml(path),
        ParameterError("TierProgram.tiers must be a list of Tier; got None"),
        id="A.file-tier-programme-empty-tiers",
    ),
    pytest.param(
        file("l.yaml", "initial: " + "9" * 5000 + "\n"),
        lambda path: segkit.Lifecycle.from_yaml(path),
        LifecycleError("l.yaml: invalid YAML: Exceeds the limit (4300 digits)"),
        id="A.file-lifecycle-5000-digit-integer",
    ),
    pytest.param(
        file("p.json", '{"earn_rate": ' + "9" * 5000 + "}"),
        lambda path: PointsProgram.from_json(path),
        ParameterError("invalid JSON: Exceeds the limit (4300 digits)"),
        id="A.file-points-json-5000-digit-integer",
    ),
    pytest.param(
        file("l.yaml", "initial: 新\nstates:\n  - name: 新\n    terminal: true\n", "utf-16"),
        lambda path: segkit.Lifecycle.from_yaml(path).initial,
        "新",
        id="A.file-lifecycle-utf16-with-bom-read",
    ),
    # Rule columns read by the time policy.
    pytest.param(
        frame(d=pd.Series([dt.date(9999, 12, 31), dt.date(2024, 3, 1)], dtype=object)),
        lambda df: evaluate_rule("days_since(d) >= 0", df, as_of="2024-03-02"),
        RuleEvaluationError("column 'd' holds dates outside 1677-09-22 .. 2262-04-11"),
        id="A.time-rule-column-of-date-objects-9999",
    ),
    pytest.param(
        frame(d=pd.Series([dt.datetime(1600, 1, 1), dt.datetime(2024, 3, 1)], dtype=object)),
        lambda df: evaluate_rule("days_since(d) >= 0", df, as_of="2024-03-02"),
        RuleEvaluationError("column 'd' holds dates outside 1677-09-22 .. 2262-04-11"),
        id="A.time-rule-column-of-1600-datetimes",
    ),
    pytest.param(
        frame(d=pd.Series(pd.array([pd.Timestamp("2024-03-02 01:00", tz="Asia/Tokyo")], TOKYO))),
        lambda df: evaluate_rule("d < date('2024-03-02')", df).tolist(),
        [False],
        id="A.time-rule-arrow-zoned-column-on-its-wall-clock",
    ),
    pytest.param(
        frame(d=pd.Series([dt.date(2024, 3, 1), None], dtype=object)),
        lambda df: evaluate_rule("days_since(d) == 1", df, as_of="2024-03-02").tolist(),
        [True, pd.NA],
        id="A.time-rule-column-of-date-objects",
    ),
    # DST gaps and overlaps in every zone-aware function (Oslo: 02:00-03:00 on 2024-03-31
    # does not exist; 02:00-03:00 on 2024-10-27 happens twice).
    pytest.param(
        oslo(),
        lambda tx: segkit.calibration_holdout(
            tx, **COLS, calibration_end=GAP, observation_end="2024-03-31 12:00"
        )[["recency_days", "tenure_days"]].values.tolist(),
        [[1.5 / 24, 16.5 / 24]],
        id="A.dst-gap-calibration-end",
    ),
    pytest.param(
        oslo(),
        lambda tx: PointsProgram(1).ledger(tx, **COLS, as_of=GAP)["points_balance"].tolist(),
        [30.0],
        id="A.dst-gap-points-ledger-as-of",
    ),
    pytest.param(
        oslo(),
        lambda tx: [
            str(p)
            for p in TierProgram([Tier("base"), Tier("gold", "revenue_365d >= 20")])
            .replay(tx, **COLS, freq="h", end=GAP)
            .attrs["periods"]
        ][-2:],
        ["2024-03-31 01:00:00+01:00", "2024-03-31 03:00:00+02:00"],
        id="A.dst-gap-tier-replay-end",
    ),
    pytest.param(
        oslo(),
        lambda tx: [
            str(p)
            for p in segkit.default_lifecycle()
            .replay(tx, **COLS, freq="h", start=GAP)
            .attrs["periods"]
        ][:2],
        ["2024-03-31 03:00:00+02:00", "2024-03-31 03:30:00+02:00"],
        id="A.dst-gap-replay-start",
    ),
    pytest.param(
        oslo(["2024-10-26 10:00", "2024-10-27 01:00", "2024-10-27 04:00", "2024-10-27 10:00"]),
        lambda tx: [
            str(p)
            for p in segkit.default_lifecycle()
            .replay(tx, **COLS, freq="h", start="2024-10-27 02:30")
            .attrs["periods"]
        ][:2],
        ["2024-10-27 02:30:00+02:00", "2024-10-27 03:30:00+01:00"],
        id="A.dst-overlap-replay-start-first-occurrence",
    ),
    pytest.param(
        lambda tmp: {
            "log": pd.DataFrame(
                {
                    "cid": [1, 1],
                    "ts": pd.to_datetime(["2024-03-31 01:30", "2024-03-31 03:30"]).tz_localize(
                        "Europe/Oslo"
                    ),
                    "kind": ["nps", "nps"],
                    "score": [9, 3],
                }
            )
        },
        lambda log: [
            segkit.event_features(
                log, customer="cid", timestamp="ts", event="kind", as_of=GAP, windows=(1,)
            )["nps_1d"].tolist(),
            feedback_features(log, customer="cid", timestamp="ts", as_of=GAP, windows=(1,))[
                "last_nps"
            ].tolist(),
        ],
        [[1], [9.0]],
        id="A.dst-gap-event-and-feedback-as-of",
    ),
    pytest.param(
        lambda tmp: {
            "tx": tx_in(
                ["2023-09-02 10:00", "2023-09-02 23:30", "2023-09-03 04:00", "2023-09-04 10:00"],
                "America/Santiago",
            )
        },
        lambda tx: cohort_retention(tx, **COLS, freq="D").customers.iloc[:2, :2].values.tolist(),
        [[1.0, 0.0], [1.0, 1.0]],
        id="A.dst-gap-santiago-daily-cohorts",
    ),
    # Arrow dates, keys, scores.
    pytest.param(
        lambda tmp: {
            "tx": tx_in(["2023-08-01", "2023-09-01", "2023-10-01", "2023-11-01"]).assign(
                ts=lambda d: d["ts"].dt.date.astype(pd.ArrowDtype(pa.date32()))
            )
        },
        lambda tx: segkit.summarize(tx, **COLS)["orders"].tolist(),
        [2, 2],
        id="A.time-arrow-date32-transactions",
    ),
    pytest.param(
        lambda tmp: {"ids": pd.Series([1, 2])},
        lambda ids: pseudonymize(ids, None),
        ParameterError("the pseudonymisation key must be bytes or the path of a key file"),
        id="A.privacy-pseudonymize-without-a-key",
    ),
    pytest.param(
        lambda tmp: {"scores": [True, False, 9]},
        lambda scores: nps(scores),
        SchemaError("2 NPS answers are not whole numbers on the scale 0..10, at position [0, 1]"),
        id="A.feedback-booleans-are-not-scores",
    ),
    # Formula injection past the first character.
    pytest.param(
        lambda tmp: {
            "table": pd.DataFrame(
                {"segment": [" =1+1", "＝1+1", "\u00a0@x", "\n=1", "＋1", "－1", " -3", "a=b"]},
                index=pd.Index(range(8), name="cid"),
            ),
            "tmp": tmp,
        },
        crm_cells,
        ["' =1+1", "'＝1+1", "'\u00a0@x", "'\n=1", "'＋1", "'－1", " -3", "a=b"],
        id="A.csv-formula-after-spaces-and-full-width",
    ),
]


CASES += [
    pytest.param(
        lambda tmp: {"table": pd.DataFrame({"segment": ["a"]}), "target": Path("/dev/null")},
        lambda table, target: write_crm(table, target, columns=["segment"]),
        ParameterError("the CRM file '/dev/null' is not a regular file"),
        id="A.write-never-replaces-a-device",
    ),
    pytest.param(
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["a"]}, index=pd.Index([7], name="=cmd|x")),
            "tmp": tmp,
        },
        lambda table, tmp: (
            write_table(table, tmp / "t.csv"),
            (tmp / "t.csv").read_text().splitlines()[0],
        )[1],
        "'=cmd|x,segment",
        id="A.csv-formula-in-the-id-header-of-integer-ids",
    ),
    pytest.param(
        file("b.xlsx", b"PK" + bytes(100)),
        lambda path: read_transactions(path, columns=RAW),
        SchemaError("b.xlsx: Excel file format cannot be determined"),
        id="A.read-xlsx-that-is-not-a-workbook",
    ),
]

CASES += [
    pytest.param(
        lambda tmp: {
            "tx": pd.DataFrame(
                {"cid": [1, 2, 3], "ts": ["2024-01-01"] * 3, "amount": ["1,5", "2,25", "1,234"]}
            )
        },
        lambda tx: segkit.clean_transactions(tx, **COLS)[0]["amount"].tolist(),
        [1.5, 2.25, 1.234],
        id="A.clean-decimal-comma-column",
    ),
    pytest.param(
        lambda tmp: {"tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])},
        lambda tx: PointsProgram(1e308).ledger(tx, **COLS, as_of="2024-01-05"),
        ParameterError("points overflow: earn_rate 1e+308 x multipliers x amounts"),
        id="A.loyalty-points-overflow",
    ),
]

CASES += [
    pytest.param(
        lambda tmp: {
            "raw": pd.DataFrame(
                {
                    "c": [1, 2],
                    "d": ["2024-01-01T00:00+01:00", "2024-06-01T00:00+02:00"],
                    "a": [1, 2],
                }
            )
        },
        # Offsets that change (summer time): the wall clock written in each value
        # (docs/time.md), not a refusal.
        lambda raw: read_transactions(raw, columns=RAW)["timestamp"].tolist(),
        [pd.Timestamp("2024-01-01 00:00"), pd.Timestamp("2024-06-01 00:00")],
        id="A.read-offsets-that-change-with-summer-time",
    ),
    pytest.param(
        lambda tmp: {"raw": pd.DataFrame({"c": [1, 2, 3], "d": SHOPIFY_DST, "a": [1, 2, 3]})},
        lambda raw: [
            str(t) for t in segkit.clean_transactions(raw, **RAW)[0]["d"]
        ],  # every row kept, each on the wall clock it was written in
        ["2024-03-09 23:30:00", "2024-03-10 03:30:00", "2024-03-11 10:00:00"],
        id="A.clean-offsets-that-change-with-summer-time",
    ),
    pytest.param(
        lambda tmp: {
            "raw": pd.DataFrame({"c": [1, 2, 3], "d": [*SHOPIFY_DST[:2], "soon"], "a": [1, 2, 3]})
        },
        lambda raw: (
            segkit.clean_transactions(raw, **RAW)[1].dropped[["d", "reason"]].values.tolist()
        ),
        [["soon", "unparseable timestamp"]],
        id="A.clean-offsets-that-change-and-a-value-that-is-no-time",
    ),
    pytest.param(
        lambda tmp: {
            "raw": pd.DataFrame({"c": [1, 2], "d": [SHOPIFY_DST[0], "soon"], "a": [1, 2]})
        },
        lambda raw: read_transactions(raw, columns=RAW),
        SchemaError("column 'd' has 1 value(s) that are not dates, in rows [1]: ['soon']"),
        id="A.read-offsets-and-a-value-that-is-no-time",
    ),
    pytest.param(
        lambda tmp: {
            "raw": pd.DataFrame({"c": [1, 2], "d": ["1677-09-21", "2024-01-01"], "a": [1, 2]})
        },
        lambda raw: read_transactions(raw, columns=RAW),
        SchemaError("dates outside 1677-09-22 .. 2262-04-11 are outside the time policy's range"),
        id="A.read-1677-09-21",
    ),
]

CASES += [
    pytest.param(
        lambda tmp: {
            "tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "ev": pd.DataFrame({"cid": ["1"], "ts": ["2024-01-02"], "event": ["view"]}),
        },
        lambda tx, ev: segkit.profile(
            tx, **COLS, events=ev, clv=False, rules=None, lifecycle=None
        ),
        SchemaError("the transactions are numbers but those of the events are strings"),
        id="A.profile-events-ids-of-another-type",
    ),
    pytest.param(
        lambda tmp: {
            "tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "fb": pd.DataFrame(
                {"cid": ["1"], "ts": ["2024-01-02"], "kind": ["nps"], "score": [9]}
            ),
        },
        lambda tx, fb: segkit.profile(
            tx, **COLS, feedback=fb, clv=False, rules=None, lifecycle=None
        ),
        SchemaError("the transactions are numbers but those of the feedback are strings"),
        id="A.profile-feedback-ids-of-another-type",
    ),
    pytest.param(
        file("t.csv", "c,d,a\n1,2024-01-01,1,234.50\n2,2024-01-02,5\n"),
        lambda path: read_transactions(path, columns=RAW),
        SchemaError("t.csv has rows with more fields than its header"),
        id="A.csv-row-with-more-fields-than-the-header",
    ),
    pytest.param(
        file("s.csv", 'Name,Email,Created at,Total\n#1,a@b.c,"1.234",12.00\n'),
        lambda path: read_shopify_orders(path),
        SchemaError("'Created at'"),
        id="A.shopify-a-number-is-no-timestamp",
    ),
]


def _crm(**kw: Any) -> Callable[[Path], dict[str, Any]]:
    def make(tmp: Path) -> dict[str, Any]:
        table = pd.DataFrame({"segment": ["a", "b"]}, index=pd.Index([1, 2], name="cid"))
        return {"table": table, "tmp": tmp, **{k: v(table) for k, v in kw.items()}}

    return make


CASES += [
    pytest.param(
        _crm(tags=lambda t: pd.DataFrame({"vip": ["yes", "no"]}, index=t.index)),
        lambda table, tmp, tags: write_crm(table, tags=tags, columns=["segment"]),
        ParameterError("tag column 'vip' must hold True/False; got ['yes', 'no']"),
        id="A.crm-tags-that-are-not-booleans",
    ),
    pytest.param(
        _crm(tags=lambda t: pd.DataFrame({"vip": [True]}, index=[99])),
        lambda table, tmp, tags: write_crm(table, tags=tags, columns=["segment"]),
        ParameterError("tags has 1 customer id(s) that are not in the table, e.g. [99]"),
        id="A.crm-tags-of-other-customers",
    ),
    pytest.param(
        _crm(),
        lambda table, tmp: write_crm(table, columns=["segment"], money=["segment"]),
        ParameterError("money column 'segment' holds"),
        id="A.crm-text-as-money",
    ),
    pytest.param(
        _crm(),
        lambda table, tmp: write_crm(table, tmp / "c.csv", columns=["segment"], encoding="bogus"),
        ParameterError("unknown encoding 'bogus'"),
        id="A.crm-unknown-encoding",
    ),
    pytest.param(
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["高价值"]}, index=pd.Index([1], name="cid")),
            "tmp": tmp,
        },
        lambda table, tmp: write_crm(table, tmp / "c.csv", columns=["segment"], encoding="ascii"),
        ParameterError("the CRM file holds '高价值', which 'ascii' cannot write"),
        id="A.crm-encoding-that-cannot-write-chinese",
    ),
    pytest.param(
        lambda tmp: {
            "table": pd.DataFrame({"segment": ["a\x00b"]}, index=pd.Index([1], name="cid")),
            "tmp": tmp,
        },
        lambda table, tmp: write_crm(table, tmp / "c.xlsx", columns=["segment"]),
        ParameterError("holds control characters (such as \\x00) that Excel cannot store"),
        id="A.crm-xlsx-control-characters",
    ),
]

CASES += [
    pytest.param(
        lambda tmp: {"tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])},
        lambda tx: segkit.profile(tx, **COLS, freq="fortnight", clv=False, rules=None),
        ParameterError("freq must be a pandas frequency such as 'MS'"),
        id="A.profile-unknown-freq",
    ),
]

CASES += [
    pytest.param(
        lambda tmp: {
            "tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]).assign(
                ts=pd.Series(
                    [
                        pd.Timestamp("2024-01-01", tz="UTC"),
                        pd.Timestamp("2024-01-02", tz="Asia/Tokyo"),
                    ]
                    + [pd.Timestamp("2024-01-03", tz="UTC")] * 2,
                    dtype=object,
                )
            )
        },
        lambda tx: segkit.summarize(tx, **COLS),
        SchemaError("column 'ts' holds timestamps in several time zones (Asia/Tokyo, UTC)"),
        id="A.time-summarize-timestamps-in-two-zones",
    ),
    pytest.param(
        lambda tmp: {"tx": tx_in(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])},
        lambda tx: segkit.summarize(tx, customer=["cid"], timestamp="ts", amount="amount"),
        ParameterError("column names must be strings; got ['cid']"),
        id="A.summarize-a-list-as-column-name",
    ),
]


CLI = [
    pytest.param(["rfm", "{src}", "-o", "{src}"], "is the input file", id="A.cli-output-is-input"),
    pytest.param(["rfm", "{src}", "-o", "/dev/null"], "is not a regular file", id="A.cli-device"),
    pytest.param(["rfm", "{xlsx}", "-o", "o.csv"], "File is not a zip file", id="A.cli-bad-xlsx"),
    pytest.param(
        ["rfm", "{src}", "--bins", "50", "-o", "o.csv"], "between 2 and 9", id="A.cli-bins"
    ),
    pytest.param(
        ["report", "{src}", "--rules", "{src}", "--quiet", "-o", "r.html"],
        "the rules file must be .yaml, .yml or .json",
        id="A.cli-rules-is-the-input",
    ),
    pytest.param(
        ["report", "{src}", "--quiet", "--table", "{src}", "-o", "r.html"],
        "the table '{src}' is the input file",
        id="A.cli-table-is-input",
    ),
]


@pytest.mark.parametrize(("argv", "fragment"), CLI)
@pytest.mark.filterwarnings("ignore")
def test_cli_attack(argv: list[str], fragment: str, tmp_path: Path, capsys: Any, monkeypatch: Any):
    from segkit.cli import main

    monkeypatch.chdir(tmp_path)
    src = tmp_path / "tx.csv"
    tx_in(["2024-01-01", "2024-02-01", "2024-01-15", "2024-03-01"]).to_csv(src, index=False)
    (tmp_path / "b.xlsx").write_bytes(b"PK" + bytes(100))
    content = src.read_bytes()
    names = {"src": src, "xlsx": tmp_path / "b.xlsx"}
    argv = [a.format(**names) for a in argv]
    argv += ["--customer", "cid", "--timestamp", "ts", "--amount", "amount"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("segkit: error: ")
    assert fragment.format(**names) in err[-1]
    assert src.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx", "tx.csv"]


@pytest.mark.parametrize(("make", "call", "expect"), CASES)
def test_attack(make: Any, call: Any, expect: Any, run_case: Any) -> None:
    run_case(make, call, expect)
