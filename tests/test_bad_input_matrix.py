"""Bad input at every public entry point: a correct result or a SegkitError that says what to fix.

Each case builds its input, calls one public function, and states what must
happen: ``ok`` (with a check of the result) or the SegkitError subclass and a
pattern its message must match. No case may end in a raw KeyError,
TypeError, IndexError or ValueError from pandas or numpy internals, and no
warning may escape (pytest turns warnings into errors). The items of issue #18,
the attacks tried after it and the fuzz tests over rule texts and definition
files are in the package tests/bad_input/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import segkit
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError, SegkitError

COLS = {"customer": "cid", "timestamp": "ts", "amount": "amount"}


def base() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cid": [1, 1, 2, 3, 3, 3],
            "ts": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-02-01",
                    "2024-01-15",
                    "2024-01-03",
                    "2024-01-03",
                    "2024-03-01",
                ]
            ),
            "amount": [10.0, 20.0, 5.0, 7.5, 7.5, 12.0],
        }
    )


def with_(column: str, values: Any) -> Callable[[], pd.DataFrame]:
    def make() -> pd.DataFrame:
        df = base()
        df[column] = values
        return df

    return make


def at(column: str, row: int, value: Any, dtype: Any = None) -> Callable[[], pd.DataFrame]:
    def make() -> pd.DataFrame:
        df = base()
        if dtype is not None:
            df[column] = df[column].astype(dtype)
        df.loc[row, column] = value
        return df

    return make


# Inputs that summarize-like entry points must reject, with the message to expect.
REJECT: list[tuple[str, Callable[[], Any], type[SegkitError], str]] = [
    (
        "missing customer column",
        lambda: base().drop(columns="cid"),
        ColumnNotFoundError,
        r"'cid' not found",
    ),
    (
        "misspelled amount",
        lambda: base().rename(columns={"amount": "amount_"}),
        ColumnNotFoundError,
        r"did you mean 'amount_'",
    ),
    ("empty frame", lambda: base().iloc[:0], SchemaError, "empty"),
    ("NaN amount", at("amount", 2, np.nan), SchemaError, r"missing value\(s\) at index \[2\]"),
    ("+inf amount", at("amount", 1, np.inf), SchemaError, r"infinite value\(s\) at index \[1\]"),
    ("-inf amount", at("amount", 0, -np.inf), SchemaError, r"infinite value\(s\) at index \[0\]"),
    (
        "string amounts",
        with_("amount", ["10", "20", "5", "7.5", "7.5", "12"]),
        SchemaError,
        "must be numeric",
    ),
    ("boolean amounts", with_("amount", [True] * 6), SchemaError, "must be numeric"),
    (
        "object amounts of mixed types",
        with_("amount", [10.0, "20", 5, None, 7.5, 12]),
        SchemaError,
        "must be numeric",
    ),
    (
        "NaT timestamp",
        at("ts", 3, pd.NaT),
        SchemaError,
        r"missing timestamp\(s\) \(NaT\) at index \[3\]",
    ),
    ("integer dates", with_("ts", [20240101] * 6), SchemaError, "holds numbers"),
    ("float epoch", with_("ts", [1.7e9] * 6), SchemaError, "holds numbers"),
    (
        "unparseable strings",
        with_("ts", ["2024-01-01", "x", "2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04"]),
        SchemaError,
        r"not timestamps, at index \[1\]: \['x'\]",
    ),
    (
        "mixed naive and aware strings",
        with_(
            "ts",
            [
                "2024-01-01T00:00+02:00",
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
                "2024-01-03",
                "2024-01-04",
            ],
        ),
        SchemaError,
        "mixes timezone-aware and naive",
    ),
    (
        "missing customer id",
        at("cid", 4, None, "object"),
        SchemaError,
        r"missing customer id\(s\) at index \[4\]",
    ),
    (
        "NaN customer id",
        at("cid", 5, np.nan, "float64"),
        SchemaError,
        r"missing customer id\(s\) at index \[5\]",
    ),
    ("mixed-type ids", at("cid", 0, "one", "object"), SchemaError, "mixes customer ids of types"),
    (
        "MultiIndex columns",
        lambda: base().set_axis(
            pd.MultiIndex.from_tuples([("a", "cid"), ("a", "ts"), ("a", "amount")]), axis=1
        ),
        SchemaError,
        "MultiIndex columns",
    ),
    (
        "duplicated column names",
        lambda: pd.concat([base(), base()["amount"]], axis=1),
        SchemaError,
        "duplicated column names",
    ),
    (
        "a list, not a frame",
        lambda: [[1, "2024-01-01", 3.0]],
        SchemaError,
        "must be a pandas DataFrame",
    ),
    ("a numpy array", lambda: np.zeros((3, 3)), SchemaError, "must be a pandas DataFrame"),
    ("dates before 1677", with_("ts", ["1500-01-01"] * 6), SchemaError, "timestamps"),
]

# Inputs that must give a correct result.
ACCEPT: list[tuple[str, Callable[[], pd.DataFrame], Callable[[pd.DataFrame], bool]]] = [
    ("plain", base, lambda s: s["orders"].tolist() == [2, 1, 3]),
    (
        "duplicated rows are counted",
        base,
        lambda s: s.loc[3, "orders"] == 3 and s.loc[3, "x"] == 1,
    ),
    ("unsorted rows", lambda: base().iloc[::-1], lambda s: s["orders"].tolist() == [2, 1, 3]),
    (
        "duplicated index",
        lambda: base().set_axis([0, 0, 1, 1, 2, 2]),
        lambda s: s["orders"].tolist() == [2, 1, 3],
    ),
    (
        "MultiIndex rows",
        lambda: base().set_index(pd.MultiIndex.from_arrays([list("aabbcc"), range(6)])),
        lambda s: len(s) == 3,
    ),
    ("string index", lambda: base().set_axis(list("uvwxyz")), lambda s: len(s) == 3),
    (
        "string ids",
        with_("cid", ["a", "a", "b", "c", "c", "c"]),
        lambda s: list(s.index) == ["a", "b", "c"],
    ),
    (
        "unicode ids",
        with_("cid", ["Zoë", "Zoë", "Łukasz", "日本", "日本", "日本"]),
        lambda s: s.loc["日本", "orders"] == 3,
    ),
    (
        "categorical ids",
        with_("cid", pd.Categorical(["a", "a", "b", "c", "c", "c"])),
        lambda s: list(s.index) == ["a", "b", "c"],
    ),
    (
        "pyarrow string ids",
        with_("cid", pd.array(["a", "a", "b", "c", "c", "c"], dtype="string[pyarrow]")),
        lambda s: len(s) == 3,
    ),
    (
        "huge integer ids",
        with_("cid", [10**15, 10**15, 2, 3, 3, 3]),
        lambda s: list(s.index) == [2, 3, 10**15],
    ),
    (
        "negative integer ids",
        with_("cid", [-1, -1, 2, 3, 3, 3]),
        lambda s: list(s.index) == [-1, 2, 3],
    ),
    (
        "uint ids",
        with_("cid", np.array([1, 1, 2, 3, 3, 3], dtype=np.uint32)),
        lambda s: len(s) == 3,
    ),
    ("float ids", with_("cid", [1.0, 1.0, 2.0, 3.0, 3.0, 3.0]), lambda s: len(s) == 3),
    (
        "ISO strings",
        with_(
            "ts",
            ["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-03", "2024-01-03", "2024-03-01"],
        ),
        lambda s: s.loc[1, "x"] == 1,
    ),
    (
        "strings with times",
        with_(
            "ts",
            [
                "2024-01-01 10:00",
                "2024-02-01 11:30",
                "2024-01-15 00:00",
                "2024-01-03 09:00",
                "2024-01-03 18:00",
                "2024-03-01 12:00",
            ],
        ),
        lambda s: s.loc[3, "x"] == 1,
    ),
    (
        "day-first strings in one format",
        with_(
            "ts",
            ["01/01/2024", "01/02/2024", "15/01/2024", "03/01/2024", "03/01/2024", "01/03/2024"],
        ),
        lambda s: len(s) == 3,
    ),
    (
        "dates as python date objects",
        lambda: base().assign(ts=base()["ts"].dt.date),
        lambda s: s.loc[1, "x"] == 1,
    ),
    (
        "timezone-aware",
        lambda: base().assign(ts=base()["ts"].dt.tz_localize("Europe/Paris")),
        lambda s: str(s["first_purchase"].dt.tz) == "Europe/Paris",
    ),
    ("UTC", lambda: base().assign(ts=base()["ts"].dt.tz_localize("UTC")), lambda s: len(s) == 3),
    (
        "aware strings, one offset",
        with_("ts", ["2024-01-01T00:00+02:00"] * 6),
        lambda s: s["x"].tolist() == [0, 0, 0],
    ),
    (
        "second resolution",
        lambda: base().assign(ts=base()["ts"].astype("datetime64[s]")),
        lambda s: s["orders"].tolist() == [2, 1, 3],
    ),
    (
        "pyarrow timestamps",
        lambda: base().assign(ts=base()["ts"].astype("timestamp[ns][pyarrow]")),
        lambda s: len(s) == 3,
    ),
    (
        "pyarrow amounts",
        lambda: base().assign(amount=base()["amount"].astype("double[pyarrow]")),
        lambda s: s.loc[1, "revenue"] == 30.0,
    ),
    (
        "nullable Float64 amounts",
        lambda: base().assign(amount=base()["amount"].astype("Float64")),
        lambda s: s.loc[1, "revenue"] == 30.0,
    ),
    (
        "integer amounts",
        lambda: base().assign(amount=[10, 20, 5, 7, 7, 12]),
        lambda s: s.loc[1, "revenue"] == 30.0,
    ),
    ("zero amounts", lambda: base().assign(amount=0.0), lambda s: s["revenue"].sum() == 0.0),
    (
        "negative amounts (returns)",
        at("amount", 1, -20.0),
        lambda s: s.loc[1, "revenue"] == -10.0 and s.loc[1, "orders"] == 1,
    ),
    ("one transaction", lambda: base().iloc[:1], lambda s: len(s) == 1 and s["x"].iloc[0] == 0),
    (
        "one customer",
        lambda: base().assign(cid=7),
        lambda s: len(s) == 1 and s["orders"].iloc[0] == 6,
    ),
    ("unicode column names", lambda: base().rename(columns={"cid": "клиент"}), None),
    (
        "extra columns of any type",
        lambda: base().assign(tags=[["a"]] * 6, note=None),
        lambda s: len(s) == 3,
    ),
]


@pytest.mark.parametrize(("name", "make", "error", "pattern"), REJECT, ids=[c[0] for c in REJECT])
@pytest.mark.parametrize("entry", ["summarize", "calibration_holdout", "profile"])
def test_rejected(entry, name, make, error, pattern):
    data = make()
    before = data.copy(deep=True) if isinstance(data, pd.DataFrame) else None
    with pytest.raises(error, match=pattern):
        _call(entry, data)
    if before is not None:
        pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize(("name", "make", "check"), ACCEPT, ids=[c[0] for c in ACCEPT])
def test_accepted(name, make, check):
    data = make()
    before = data.copy(deep=True)
    cols = dict(COLS)
    if "клиент" in data.columns:
        cols["customer"] = "клиент"
    s = segkit.summarize(data, **cols)
    if check is not None:
        assert check(s)
    else:
        assert s.index.name == "клиент"
    pd.testing.assert_frame_equal(data, before)


def _call(entry: str, data: Any) -> Any:
    if entry == "summarize":
        return segkit.summarize(data, **COLS)
    if entry == "calibration_holdout":
        return segkit.calibration_holdout(
            data, **COLS, calibration_end="2024-01-20", observation_end="2024-03-01"
        )
    return segkit.profile(data, **COLS, lifecycle=None, clv=False, rules=None)


# ------------------------------------------------------------------------- #
# RFMScorer
# ------------------------------------------------------------------------- #
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recency_days": np.arange(20.0),
            "orders": np.arange(1, 21),
            "revenue": np.linspace(5, 500, 20),
        }
    )


RFM_REJECT = [
    ("NaN recency", lambda: table().assign(recency_days=np.nan), {}, SchemaError, "missing value"),
    ("inf revenue", lambda: table().assign(revenue=np.inf), {}, SchemaError, "infinite value"),
    ("text orders", lambda: table().assign(orders="3"), {}, SchemaError, "must be numeric"),
    (
        "missing column",
        lambda: table().drop(columns="orders"),
        {},
        ColumnNotFoundError,
        "'orders'",
    ),
    ("bins=0", table, {"bins": 0}, ParameterError, r"in the range \[2, 9\]; got 0"),
    ("bins='5'", table, {"bins": "5"}, ParameterError, "must be an int"),
    ("bins=True", table, {"bins": True}, ParameterError, "must be an int"),
    ("method typo", table, {"method": "quantiles"}, ParameterError, "got 'quantiles'"),
    ("weights negative", table, {"weights": (1, -1, 1)}, ParameterError, "non-negative"),
    ("weights zero", table, {"weights": (0, 0, 0)}, ParameterError, "positive sum"),
    ("weights NaN", table, {"weights": (1, np.nan, 1)}, ParameterError, "three non-negative"),
    ("segments bad type", table, {"segments": 5}, ParameterError, "must be a map name"),
    ("segments unknown", table, {"segments": "rfm99"}, ParameterError, "unknown segment map"),
    ("fixed without thresholds", table, {"method": "fixed"}, ParameterError, "needs thresholds"),
    (
        "fixed with too few",
        table,
        {
            "method": "fixed",
            "segments": None,
            "thresholds": {"recency": [1], "frequency": [1], "monetary": [1]},
        },
        ParameterError,
        "must be 4 increasing",
    ),
    (
        "fixed unknown key",
        table,
        {
            "method": "fixed",
            "segments": None,
            "thresholds": {
                "recency": [1, 2, 3, 4],
                "frequency": [1, 2, 3, 4],
                "monetary": [1, 2, 3, 4],
                "tenure": [1],
            },
        },
        ParameterError,
        r"thresholds has an unknown key 'tenure'; allowed: \['frequency', 'monetary', 'recency'\]",
    ),
    ("empty table", lambda: table().iloc[:0], {}, SegkitError, "empty customer table"),
    ("column name not a string", table, {"recency": 3}, ParameterError, "must be a column name"),
]


@pytest.mark.parametrize(
    ("name", "make", "params", "error", "pattern"), RFM_REJECT, ids=[c[0] for c in RFM_REJECT]
)
def test_rfm_rejected(name, make, params, error, pattern):
    X = make()
    before = X.copy()
    with pytest.raises(error, match=pattern):
        segkit.RFMScorer(**params).fit(X)
    pd.testing.assert_frame_equal(X, before)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("one customer", lambda: table().iloc[:1]),
        ("constant columns", lambda: table().assign(recency_days=5.0, orders=1, revenue=10.0)),
        ("duplicated index", lambda: table().set_axis([0] * 20)),
        ("integer revenue", lambda: table().assign(revenue=np.arange(20))),
        ("nullable ints", lambda: table().astype({"orders": "Int64"})),
        ("pyarrow doubles", lambda: table().astype({"revenue": "double[pyarrow]"})),
        (
            "10^5 customers with one order each",
            lambda: pd.DataFrame(
                {
                    "recency_days": np.arange(10**5) % 365,
                    "orders": 1,
                    "revenue": np.arange(10**5) % 97 + 1.0,
                }
            ),
        ),
    ],
)
def test_rfm_degenerate_but_valid(name, make):
    import warnings

    X = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = segkit.RFMScorer(segments=None).fit_transform(X)
    assert len(caught) <= 3  # at most one "too few distinct values" per dimension
    assert out.index.equals(X.index)
    assert out[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()


# ------------------------------------------------------------------------- #
# Readers and the CLI
# ------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "rfm",
                "missing.csv",
                "--customer",
                "a",
                "--timestamp",
                "b",
                "--amount",
                "c",
                "-o",
                "o.csv",
            ],
            "no such file",
        ),
        (
            [
                "rfm",
                "{src}",
                "--customer",
                "nope",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "-o",
                "o.csv",
            ],
            "'nope'",
        ),
        (
            [
                "rfm",
                "{src}",
                "--customer",
                "cid",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "--bins",
                "1",
                "-o",
                "o.csv",
            ],
            "bins",
        ),
        (
            [
                "rfm",
                "{src}",
                "--customer",
                "cid",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "--segments",
                "rfm7",
                "-o",
                "o.csv",
            ],
            "unknown segment map",
        ),
        (
            [
                "rfm",
                "{src}",
                "--customer",
                "cid",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "--as-of",
                "soon",
                "-o",
                "o.csv",
            ],
            "--as-of 'soon' is not a date segkit can use",
        ),
        (
            [
                "rfm",
                "{txt}",
                "--customer",
                "cid",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "-o",
                "o.csv",
            ],
            "use a .csv, .xlsx or .parquet file",
        ),
        (
            [
                "report",
                "{src}",
                "--customer",
                "cid",
                "--timestamp",
                "ts",
                "--amount",
                "amount",
                "-o",
                "{tmp}/no/such/dir/r.html",
            ],
            "does not exist",
        ),
    ],
)
def test_cli_errors_are_one_line(argv, message, tmp_path, capsys, monkeypatch):
    from segkit.cli import main

    monkeypatch.chdir(tmp_path)
    src = tmp_path / "tx.csv"
    base().to_csv(src, index=False)
    txt = tmp_path / "tx.json"
    txt.write_text("{}")
    argv = [a.format(src=src, txt=txt, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("segkit: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


# ------------------------------------------------------------------------- #
# CLV models, the rule language and engine, scorers, lifecycle, clustering,
# readers: (name, call) -> the SegkitError subclass and message it must raise.
# ------------------------------------------------------------------------- #
def btyd() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [0, 1, 2, 5, 0, 3],
            "t_x": [0.0, 5.0, 20.0, 30.0, 0.0, 12.0],
            "T": [40.0, 38.0, 35.0, 40.0, 10.0, 30.0],
            "repeat_aov": [0.0, 20.0, 15.0, 30.0, 0.0, 12.0],
        }
    )


_PARAMS = {
    "BetaGeo": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "ModifiedBetaGeo": {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
    "ParetoNBD": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}


def _clv_cases() -> list[tuple[str, Callable[[], Any], str]]:
    from segkit.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD

    cases: list[tuple[str, Callable[[], Any], str]] = []
    for model in (BetaGeo, ParetoNBD, ModifiedBetaGeo):
        name = model.__name__
        cases += [
            (
                f"{name} negative x",
                lambda m=model: m().fit(btyd().assign(x=[-1, 1, 2, 5, 0, 3])),
                "x",
            ),
            (
                f"{name} non-integer x",
                lambda m=model: m().fit(btyd().assign(x=[0.5, 1, 2, 5, 0, 3])),
                "x",
            ),
            (
                f"{name} t_x > T",
                lambda m=model: m().fit(btyd().assign(t_x=[0.0, 50.0, 20.0, 30.0, 0.0, 12.0])),
                "t_x",
            ),
            (
                f"{name} NaN T",
                lambda m=model: m().fit(btyd().assign(T=[np.nan, 38.0, 35.0, 40.0, 10.0, 30.0])),
                "T",
            ),
            (f"{name} empty", lambda m=model: m().fit(btyd().iloc[:0]), "empty"),
            (f"{name} missing column", lambda m=model: m().fit(btyd().drop(columns="t_x")), "t_x"),
            (f"{name} text column", lambda m=model: m().fit(btyd().assign(T="40")), "T"),
            (f"{name} one customer", lambda m=model: m().fit(btyd().iloc[[1]]), "customer"),
            (
                f"{name} nobody repeats",
                lambda m=model: m().fit(btyd().assign(x=0, t_x=0.0)),
                "repeat",
            ),
            (
                f"{name} negative horizon",
                lambda m=model: m.from_params(_PARAMS[m.__name__]).expected_purchases(btyd(), -1),
                "t",
            ),
        ]
    cases += [
        ("GammaGamma no repeat buyers", lambda: GammaGamma().fit(btyd().assign(x=0)), "repeat"),
        (
            # A spend of 0 or less is left out of the fit with a warning (documented);
            # a missing spend where x > 0 is an error.
            "GammaGamma missing spend",
            lambda: GammaGamma().fit(
                btyd().assign(repeat_aov=[0.0, float("nan"), 15.0, 30.0, 0.0, 12.0])
            ),
            "repeat_aov",
        ),
        (
            "BG/BB recency > frequency rules",
            lambda: BetaGeoBetaBinom().fit(
                pd.DataFrame({"frequency": [3], "recency": [2], "periods": [6]})
            ),
            "recency",
        ),
        (
            "BG/BB frequency > periods",
            lambda: BetaGeoBetaBinom().fit(
                pd.DataFrame({"frequency": [7, 1], "recency": [6, 1], "periods": [6, 6]})
            ),
            "frequency",
        ),
    ]
    return cases


def _rule_cases() -> list[tuple[str, Callable[[], Any], str]]:
    from segkit.tagging import evaluate_rule as evaluate

    frame = pd.DataFrame({"orders": [1, 2], "city": ["Oslo", "Rome"], "revenue": [1.0, np.nan]})
    return [
        ("rule syntax", lambda: evaluate("orders >= ", frame), "orders >="),
        ("rule unknown column", lambda: evaluate("order > 1", frame), "did you mean 'orders'"),
        ("rule unknown function", lambda: evaluate("sqr(orders) > 1", frame), "sqr"),
        ("rule type mismatch", lambda: evaluate("city > 3", frame), "city"),
        (
            "rule attribute access",
            lambda: evaluate("orders.__class__", frame),
            "no attribute access",
        ),
        (
            "rule too deep",
            lambda: evaluate("(" * 500 + "orders" + ")" * 500, frame),
            "nests too deeply",
        ),
        (
            "rule too long",
            lambda: evaluate("orders > 1 and " * 2000 + "true", frame),
            "the limit is 10000",
        ),
        (
            "rule dunder call",
            lambda: evaluate("__import__('os')", frame),
            "unknown function '__import__'",
        ),
        ("rule bad date", lambda: evaluate("date('2024-13-45') > as_of", frame), "2024-13-45"),
        (
            "rule unterminated string",
            lambda: evaluate("city == 'Oslo", frame),
            "unterminated string",
        ),
        (
            "engine cycle",
            lambda: segkit.TagEngine(
                [segkit.Rule("a", "has_tag('b')"), segkit.Rule("b", "has_tag('a')")]
            ),
            "cycle",
        ),
        (
            "engine unknown tag",
            lambda: segkit.TagEngine([segkit.Rule("a", "has_tag('zzz')")]).apply(frame),
            "zzz",
        ),
        (
            "engine bad output",
            lambda: segkit.TagEngine([segkit.Rule("a", "orders > 1")]).apply(frame, output="tall"),
            "output",
        ),
        (
            "engine rule file wrong field",
            lambda: segkit.TagEngine.from_dict({"rules": [{"tag": "a", "whn": "orders > 1"}]}),
            "whn",
        ),
        (
            "engine rule file not a list",
            lambda: segkit.TagEngine.from_dict({"rules": "orders > 1"}),
            "list",
        ),
        ("rule empty tag", lambda: segkit.Rule("", "orders > 1"), "tag"),
        (
            "rule non-int priority",
            lambda: segkit.Rule("a", "orders > 1", priority="high"),
            "priority",
        ),
    ]


def _other_cases() -> list[tuple[str, Callable[[], Any], str]]:
    from segkit.io import read_ga4, read_shopify_orders

    people = pd.DataFrame({"age": [20, 30, 40], "city": ["a", "b", "c"]})
    table = pd.DataFrame(
        {
            "recency_days": [1.0, 2.0, 3.0, 4.0],
            "orders": [1, 2, 3, 4],
            "revenue": [1.0, 5.0, 9.0, 2.0],
        }
    )
    life = segkit.default_lifecycle
    return [
        ("bands on text", lambda: segkit.BandScorer("city", [0, 1]).fit(people), "city"),
        (
            "bands unsorted edges",
            lambda: segkit.BandScorer("age", [50, 10, 90]).fit(people),
            "edges",
        ),
        (
            "bands missing column",
            lambda: segkit.BandScorer("agee", [0, 50, 100]).fit(people),
            "did you mean 'age'",
        ),
        ("points bad rule", lambda: segkit.PointsScorer({"agee > 1": 3}).fit(people), "agee"),
        (
            "points non-numeric points",
            lambda: segkit.PointsScorer({"age > 1": "three"}).fit(people),
            "three",
        ),
        (
            "profiles empty",
            lambda: segkit.PsychographicScorer({}).fit(people),
            "must be a non-empty mapping",
        ),
        (
            "lifecycle unknown state",
            lambda: segkit.Lifecycle(
                [segkit.State("a")], [segkit.Transition("a", "b", when="orders > 1")], initial="a"
            ),
            "'b'",
        ),
        (
            "lifecycle bad guard",
            lambda: segkit.Lifecycle(
                [segkit.State("a"), segkit.State("b")],
                [segkit.Transition("a", "b", when="orderz > 1")],
                initial="a",
            ),
            "orders",
        ),
        (
            "lifecycle unknown initial",
            lambda: segkit.Lifecycle([segkit.State("a")], [], initial="z"),
            "'z'",
        ),
        (
            "lifecycle replay missing column",
            lambda: life().replay(base(), customer="cid", timestamp="when", amount="amount"),
            "when",
        ),
        (
            "lifecycle replay bad freq",
            lambda: life().replay(base(), **COLS, freq="fortnightly"),
            "fortnightly",
        ),
        (
            "lifecycle replay end before start",
            lambda: life().replay(base(), **COLS, start="2024-03-01", end="2024-01-01"),
            "before",
        ),
        ("lifecycle bad output", lambda: life().replay(base(), **COLS, output="wide"), "output"),
        (
            "kmeans text column",
            lambda: segkit.KMeansSegmenter(features=("orders", "city"), n_clusters=2).fit(
                table.assign(city="x")
            ),
            "city",
        ),
        (
            "kmeans constant column",
            lambda: segkit.KMeansSegmenter(n_clusters=2).fit(table.assign(orders=1)),
            "orders",
        ),
        (
            "kmeans NaN",
            lambda: segkit.KMeansSegmenter(n_clusters=2).fit(
                table.assign(revenue=[1.0, np.nan, 2.0, 3.0])
            ),
            "revenue",
        ),
        (
            "kmeans negative with log scaling",
            lambda: segkit.KMeansSegmenter(n_clusters=2).fit(
                table.assign(revenue=[-1.0, 5.0, 9.0, 2.0])
            ),
            "revenue",
        ),
        (
            "kmeans more clusters than customers",
            lambda: segkit.KMeansSegmenter(n_clusters=9).fit(table),
            "9",
        ),
        ("kmeans bad k", lambda: segkit.KMeansSegmenter(n_clusters=1).fit(table), "n_clusters"),
        (
            "concentration negative",
            lambda: segkit.concentration([1.0, -2.0]),
            "1 negative value(s) at index [1]",
        ),
        ("concentration empty", lambda: segkit.concentration([]), "needs at least one value"),
        (
            "segment_summary unknown column",
            lambda: segkit.segment_summary(table, "segmnt"),
            "segmnt",
        ),
        (
            "shopify missing Total",
            lambda: read_shopify_orders(
                pd.DataFrame({"Name": ["#1"], "Email": ["a"], "Created at": ["2024-01-01"]})
            ),
            "Total",
        ),
        (
            "ga4 missing event_timestamp",
            lambda: read_ga4(pd.DataFrame({"event_name": ["x"]})),
            "event_timestamp",
        ),
        (
            "ga4 bad customer option",
            lambda: read_ga4(pd.DataFrame({"event_name": ["x"]}), customer="email"),
            "customer",
        ),
        (
            "profile unknown lifecycle",
            lambda: segkit.profile(base(), **COLS, lifecycle="fancy", clv=False, rules=None),
            "lifecycle",
        ),
        (
            "profile rules file type",
            lambda: segkit.profile(base(), **COLS, rules="rules.txt", lifecycle=None, clv=False),
            "rules",
        ),
        (
            "profile duplicated customers",
            lambda: segkit.profile(
                base(),
                **COLS,
                customers=pd.DataFrame({"cid": [1, 1], "age": [3, 4]}),
                lifecycle=None,
                clv=False,
                rules=None,
            ),
            "duplicated",
        ),
    ]


MORE = _clv_cases() + _rule_cases() + _other_cases()


@pytest.mark.parametrize(("name", "call", "fragment"), MORE, ids=[c[0] for c in MORE])
def test_every_entry_point_raises_segkit_errors(name, call, fragment):
    with pytest.raises(SegkitError) as info:
        call()
    message = str(info.value)
    assert message.strip(), "the message must say what is wrong"
    assert fragment, "an empty fragment cannot fail: name what the message must say"
    assert fragment in message


@pytest.mark.slow
def test_ten_million_customers_with_one_order_each():
    n = 10**7
    tx = pd.DataFrame(
        {
            "cid": np.arange(n, dtype=np.int64),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 365, unit="D"),
            "amount": (np.arange(n) % 97 + 1).astype(np.float64),
        }
    )
    s = segkit.summarize(tx, **COLS)
    assert len(s) == n
    assert (s["x"] == 0).all()
    assert (s["orders"] == 1).all()
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = segkit.RFMScorer(segments=None).fit_transform(s)
    # Everybody has one order: one frequency level, and a warning that says so.
    assert [str(w.message) for w in caught] == [
        "RFMScorer: column 'orders' has too few distinct values for 5 equal groups; only scores 1..1 are used"
    ]
    assert (scores["f_score"] == 1).all()
    assert scores["r_score"].value_counts().sort_index().index.tolist() == [1, 2, 3, 4, 5]
