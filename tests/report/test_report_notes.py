"""The profile's notes in the report's language: keyed notes and caught warnings."""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import profile
from segkit._notes import Note
from segkit.clv import GammaGamma
from segkit.datasets import make_transactions
from segkit.features import summarize
from segkit.loyalty import PointsProgram
from segkit.report._notes import ZH_LABELS, ZH_NOTES, render_note
from segkit.rfm import RFMScorer

STEPS = Path(__file__).resolve().parents[2] / "src" / "segkit" / "profiling" / "_steps.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def caught(func, *args, **kwargs) -> str:
    """The first warning ``func`` gives."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        func(*args, **kwargs)
    assert seen
    return str(seen[0].message)


def only_returns() -> str:
    tx = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6, 7, 8],
            "ts": pd.to_datetime(["2024-01-01"] * 8),
            "amount": [10.0, -1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0],
        }
    )
    return caught(summarize, tx, customer="id", timestamp="ts", amount="amount")


def spend_not_positive() -> str:
    data = pd.DataFrame(
        {"x": [1, 2, 3, 1, 2, 1], "repeat_aov": [10.0, 20.0, 15.0, 0.0, 30.0, 12.0]}
    )
    return caught(GammaGamma().fit, data)


def redemptions_cut() -> str:
    tx = pd.DataFrame({"id": [1], "ts": pd.to_datetime(["2024-01-01"]), "amount": [5.0]})
    red = pd.DataFrame({"id": [1], "ts": pd.to_datetime(["2024-01-02"]), "points": [9.0]})
    return caught(
        PointsProgram(1.0).ledger,
        tx,
        customer="id",
        timestamp="ts",
        amount="amount",
        redemptions=red,
    )


def rfm_few_distinct_values() -> str:
    # most shops: nearly every customer bought once, so orders cannot fill 5 groups
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "recency_days": rng.uniform(0, 300, 50),
            "orders": np.ones(50, dtype=int),
            "revenue": rng.uniform(10, 500, 50),
        }
    )
    return caught(RFMScorer().fit, table)


@pytest.mark.parametrize(
    ("make", "label", "zh"),
    [
        pytest.param(
            rfm_few_distinct_values,
            "RFM: ",
            "RFM：'orders' 列的不同取值太少，分不成 5 个等大的组；只用到 1 到 1 分",
            id="rfm-few-distinct-values",
        ),
        pytest.param(
            only_returns,
            "",
            "7 位客户截至分析日只有退货（负金额，或净额不大于 0 的订单），未计入客户表：[2, 3, 4, 5, 6, …（共 7 个）]",
            id="only-returns",
        ),
        pytest.param(
            spend_not_positive,
            "Gamma-Gamma: ",
            "Gamma-Gamma：1 位复购客户的 'repeat_aov' 小于或等于 0，未参与拟合（消费模型只描述正的"
            "金额）；expected_spend 给他们总体平均值",
            id="gamma-gamma-spend",
        ),
        pytest.param(
            redemptions_cut,
            "loyalty points: ",
            "会员积分：超过积分余额的兑换已按余额截断，涉及客户 [1]",
            id="redemptions-cut",
        ),
    ],
)
def test_warnings_the_profile_catches_are_said_in_chinese(make, label, zh) -> None:
    message = make()  # the library's own words, so a changed message fails here
    note = Note(label + message, "warning", label=label, message=message)
    assert render_note(note, "zh") == zh
    assert render_note(note, "en") == label + message


def test_a_model_warning_named_by_its_label_names_the_model_once() -> None:
    message = (
        "BG/NBD: the data hardly determine a, b (95% intervals a in [0.002, 2.4e+04]; b in "
        "[0.01, 4.9e+05]): the likelihood is nearly flat in that direction, usually because "
        "the fit is close to a limit of the parameter space. Predictions may still be usable; "
        "compare models on a holdout period, or use a penalizer"
    )
    note = Note(message, "warning", label="BG/NBD: ", message=message)
    said = render_note(note, "zh")
    assert said.startswith(
        "BG/NBD：数据几乎确定不了参数 a, b（95% 区间：a ∈ [0.002, 2.4e+04]; b ∈"
    )
    assert said.count("BG/NBD") == 1


def test_every_keyed_note_of_the_profile_has_a_chinese_text() -> None:
    keys = set(re.findall(r"Note\(\s*(?:f?\"[^\"]*\"|text),\s*\"([\w.]+)\"", STEPS.read_text()))
    keys |= set(
        re.findall(r"Note\(\s*f?\"[^\"]*\"\s*\"[^\"]*\",\s*\"([\w.]+)\"", STEPS.read_text())
    )
    keys.discard("warning")
    assert len(keys) >= 12
    assert keys <= set(ZH_NOTES)


@pytest.mark.parametrize(
    ("note", "zh"),
    [
        pytest.param(
            Note(
                "7 starter rules skipped: their columns are not in the data",
                "starter.skipped",
                n=7,
            ),
            "7 条入门规则未使用：数据中没有它们读取的列",
            id="starter",
        ),
        pytest.param(
            Note("1,234 customers whose ...", "spend.mean", n=1234),
            "1,234 位复购平均金额为零或负数的客户，按总体平均消费计算",
            id="spend-mean",
        ),
        pytest.param(
            Note("holdout check skipped: x", "holdout.failed", error="x"),
            "未做模型检验：x",
            id="with-an-error",
        ),
        pytest.param("something new", "（英文）something new", id="unknown-text-is-marked"),
    ],
)
def test_keyed_notes(note, zh) -> None:
    assert render_note(note, "zh") == zh
    assert render_note(note, "en") == str(note)


def test_a_note_is_its_english_text_and_pickles() -> None:
    note = Note("3 starter rules skipped", "starter.skipped", n=3)
    again = pickle.loads(pickle.dumps(note))
    assert again == "3 starter rules skipped"
    assert (again.key, again.params) == ("starter.skipped", {"n": 3})


def test_labels_cover_the_profile_steps() -> None:
    labels = set(re.findall(r"noted\(run, \"([^\"]*)\"\)", STEPS.read_text()))
    assert {label.strip().rstrip(":") for label in labels} - {""} <= set(ZH_LABELS)


@pytest.mark.slow
def test_a_zh_report_says_its_notes_in_chinese() -> None:
    tx = make_transactions(40, seed=2)
    result = profile(
        tx, customer="customer_id", timestamp="timestamp", amount="amount", order="order_id"
    )
    assert len(result.notes) >= 3
    html = result.report(lang="zh")
    section = html.split("<section id='notes'>")[1].split("</section>")[0]
    assert "<h2>说明</h2>" in section
    items = re.findall(r"<li>(.*?)</li>", section)
    assert len(items) == len(result.notes)
    for item in items:
        assert CJK.search(item), item
        assert "（英文）" not in item
    english = result.report(lang="en")
    for note in result.notes:
        assert note.replace("'", "&#x27;") in english


def test_the_default_lifecycle_states_are_described_in_chinese() -> None:
    from segkit.lifecycle import default_lifecycle
    from segkit.report._notes import state_description

    machine = default_lifecycle()
    said = {s.name: state_description(s.description, "zh") for s in machine.states}
    assert all(CJK.search(text) for text in said.values()), said
    assert said["churned"] == "超过 365 天没有购买"
    assert state_description("Something of our own", "zh") == ""
    assert state_description("Something of our own", "en") == "Something of our own"


#: Three or more English words in a row: an English sentence left in a Chinese note.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;]+[A-Za-z]{2,}){2,}")


def steady_customers(n: int, seed: int) -> pd.DataFrame:
    """Customers who keep buying (Poisson) to the end: no sign of anyone dropping out."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2022-01-01")
    for c in range(n):
        rate, t = rng.gamma(2.0, 1 / 20), rng.uniform(0, 200)
        while t < 730:
            rows.append((c, start + pd.Timedelta(days=float(t)), float(rng.gamma(4, 10))))
            t += rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])


def test_a_zh_report_of_customers_who_never_drop_out_has_no_english_sentence() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = profile(
            steady_customers(200, 0),
            customer="customer_id",
            timestamp="timestamp",
            amount="amount",
            as_of="2024-01-01",
            holdout_days=180,
            progress=False,
        )
    english = " ".join(result.notes)
    # the profile hits the limit of the BG/NBD model, in the fit and in the holdout fit
    assert english.count("the mean dropout probability after a purchase tends to 0") == 2
    html = result.report(lang="zh")
    section = html.split("<section id='notes'>")[1].split("</section>")[0]
    items = re.findall(r"<li>(.*?)</li>", section)
    assert len(items) == len(result.notes)
    for item in items:
        assert ENGLISH.search(item) is None, item
    assert section.count("购买后的平均流失概率趋于 0；数据中看不出客户流失的迹象") == 2


def no_finite_se() -> Note:
    message = (
        "BG/NBD: the data hardly determine a, b (95% intervals a (no finite standard error); b "
        "(no finite standard error)): the likelihood is nearly flat in that direction, usually "
        "because the fit is close to a limit of the parameter space. Predictions may still be "
        "usable; compare models on a holdout period, or use a penalizer"
    )
    return Note(message, "warning", label="BG/NBD: ", message=message)


def predicted_missing() -> Note:
    from segkit.errors import SegkitError
    from segkit.evaluate import holdout_report

    class Missing:
        def expected_purchases(self, data, t):
            return pd.Series(np.nan, index=data.index)

    frame = pd.DataFrame({"x": [0, 1, 2], "x_holdout": [0, 2, 5], "duration_holdout": 10.0})
    with pytest.raises(SegkitError) as raised:
        holdout_report(Missing(), frame)
    error = str(raised.value)  # the library's own words
    return Note(f"holdout check skipped: {error}", "holdout.failed", error=error)


@pytest.mark.parametrize(
    ("make", "zh"),
    [
        pytest.param(
            no_finite_se,
            "BG/NBD：数据几乎确定不了参数 a, b（95% 区间：a（标准误不是有限数）; b（标准误不是有限数））",
            id="no-finite-standard-error",
        ),
        pytest.param(
            predicted_missing,
            "未做模型检验：模型给出了 3 个缺失或无穷大的预测值，例如客户 0",
            id="holdout-predicted-missing",
        ),
    ],
)
def test_clv_and_holdout_messages_are_said_in_chinese(make, zh) -> None:
    said = render_note(make(), "zh")
    assert said.startswith(zh)
    assert ENGLISH.search(said.replace("penalizer", "")) is None, said


def test_no_spaces_around_a_chinese_value_in_a_chinese_sentence() -> None:
    from segkit.report._i18n import Locale

    zh = Locale("zh")
    assert zh.t("top.lead", key="销售额") == "每个分群中按销售额排名前三的客户：优先联系谁。"
    # an English column name keeps its spaces, as Chinese typesetting does
    assert zh.t("top.lead", key="revenue") == "每个分群中按 revenue 排名前三的客户：优先联系谁。"
    note = Note("x", "starter.skipped", n=7)
    assert " " not in render_note(note, "zh").replace("7 条", "")
