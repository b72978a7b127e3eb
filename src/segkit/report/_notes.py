"""The profile's notes in the report's language.

The profile writes its notes in English as :class:`segkit._notes.Note`
values: the text, a message key and the parameters. This module says them
again in Chinese: keyed notes by a template per key; caught warnings
(``key="warning"``) by their label and a table of the warnings a profile can
meet, matched on the English text with its values as named groups. A note
nothing here knows is shown in English, marked as such.
"""

from __future__ import annotations

import re
from typing import Any

from segkit._notes import Note
from segkit.report._i18n import cjk_tight

__all__ = ["render_note", "state_description"]

#: Chinese templates of the keyed notes of ``segkit.profiling``.
ZH_NOTES: dict[str, str] = {
    "clv.few_repeat": "未计算 CLV：复购客户少于 10 位",
    "clv.failed": "未计算 CLV：BG/NBD 模型拟合失败（{error}）",
    "clv.not_finite": (
        "未计算 CLV：在拟合参数下 BG/NBD 的预测值不是有限数（{params}）；"
        "没有有限值的客户数：{columns}"
    ),
    "clv.values": "未给出 CLV 数值：在拟合参数下不是有限数",
    "spend.failed": "未使用消费模型：Gamma-Gamma 模型拟合失败（{error}）",
    "spend.mean": "{n:,} 位复购平均金额为零或负数的客户，按总体平均消费计算",
    "churn.none": "未分析流失原因：检验期开始前没有购买",
    "churn.all": "未分析流失原因：检验期内客户全部流失或全部留存",
    "starter.skipped": "{n} 条入门规则未使用：数据中没有它们读取的列",
    "starter.lifecycle": "{n} 条关于生命周期阶段的入门规则未使用：生命周期状态"
    "（lifecycle_state）由生命周期回放给出",
    "holdout.early": "未做模型检验：截止日前 {days:,} 天早于第一笔购买",
    "holdout.failed": "未做模型检验：{error}",
    "affinity.failed": "未计算品类偏好：{error}",
    "recs.failed": "未生成推荐：{error}",
}

#: Chinese names of the labels that caught warnings carry (``noted(run, label)``).
ZH_LABELS: dict[str, str] = {
    "RFM": "RFM",
    "BG/NBD": "BG/NBD",
    "Gamma-Gamma": "Gamma-Gamma",
    "holdout": "模型检验",
    "holdout BG/NBD": "模型检验 BG/NBD",
    "churn drivers": "流失原因",
    "loyalty points": "会员积分",
}

_NO_DROPOUT = "数据中看不出客户流失的迹象"

#: The meanings the models give a limit of the parameter space (``segkit.clv``).
_MEANINGS: dict[str, str] = {
    "the dropout probability after a purchase tends to 0: the data show no sign of customers "
    "dropping out": f"每次购买后的流失概率趋于 0：{_NO_DROPOUT}",
    "the mean dropout probability after a purchase tends to 0; the data show no sign of "
    "customers dropping out": f"购买后的平均流失概率趋于 0；{_NO_DROPOUT}",
    "the dropout probability tends to 0: the data show no sign of customers dropping out": (
        f"流失概率趋于 0：{_NO_DROPOUT}"
    ),
    "the mean dropout probability tends to 0; the data show no sign of customers dropping out": (
        f"平均流失概率趋于 0；{_NO_DROPOUT}"
    ),
    "dropout rates tend to 0: the data show no sign of customers dropping out": (
        f"流失率趋于 0：{_NO_DROPOUT}"
    ),
    "the mean dropout rate tends to 0; the data show no sign of customers dropping out": (
        f"平均流失率趋于 0；{_NO_DROPOUT}"
    ),
    "purchase rates tend to be the same for every customer": "各位客户的购买率趋于相同",
    "cancellation probabilities tend to be the same for every customer": (
        "各位客户的退订概率趋于相同"
    ),
    "q_constraint keeps q above 1 where the data alone give q <= 1, an infinite mean spend": (
        "q_constraint 使 q 保持大于 1，而仅凭数据会得到 q ≤ 1，即平均消费为无穷大"
    ),
}

_MODEL = r"(?:(?P<model>[\w/ -]+): )?"

#: (pattern of an English warning, Chinese template); the groups fill the template.
ZH_WARNINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), template)
    for pattern, template in (
        (
            (
                r"(?P<n>[\d,]+) customer\(s\) have only returns \(negative amounts, or orders "
                r"whose net amount is 0 or less\) up to as_of "
                r"and are left out of the summary: (?P<ids>.*)"
            ),
            "{n} 位客户截至分析日只有退货（负金额，或净额不大于 0 的订单），未计入客户表：{ids}",
        ),
        (
            _MODEL + r"(?P<n>[\d,]+) customer\(s\) with repeat purchases whose (?P<col>.+?) is 0 "
            r"or less are left out of the fit \(a spend model describes positive amounts\); "
            r"expected_spend gives them the population mean",
            (
                "{model}{n} 位复购客户的 {col} 小于或等于 0，"
                "未参与拟合（消费模型只描述正的金额）；expected_spend 给他们总体平均值"
            ),
        ),
        (
            _MODEL + r"q = (?P<q>\S+) <= 1, so the population mean spend is infinite; "
            r"(?P<n>[\d,]+) customer\(s\) without a usable repeat spend get NaN",
            "{model}q = {q} ≤ 1，总体平均消费为无穷大；{n} 位没有可用复购金额的客户得到 NaN",
        ),
        (
            _MODEL + r"the data hardly determine (?P<which>.+?) \(95% intervals (?P<shown>.*?)\): "
            r"the likelihood is nearly flat in that direction, usually because the fit is close "
            r"to a limit of the parameter space\. Predictions may still be usable; compare "
            r"models on a holdout period, or use a penalizer",
            (
                "{model}数据几乎确定不了参数 {which}（95% 区间：{shown}）："
                "似然在这个方向上几乎是平的，"
                "通常是因为拟合值接近参数空间的边界。预测可能仍然可用；请在检验期上比较模型，"
                "或使用惩罚项（penalizer）"
            ),
        ),
        (
            _MODEL
            + r"the best fit lies on the boundary of the parameter space \((?P<shown>.*?)\): "
            r"(?P<meaning>.*)\. The estimate is the limiting model; the standard errors of "
            r"(?P<group>.*) are not defined",
            (
                "{model}最优拟合位于参数空间的边界（{shown}）：{meaning}。估计值是极限情形的模型；"
                "{group} 的标准误没有定义"
            ),
        ),
        (
            _MODEL + r"parameter '(?P<name>\w+)' reached the (?P<side>lower|upper) limit of its "
            r"search range \((?P<value>[^)]*)\); the estimate is the limiting one"
            r"(?: \((?P<why>.*)\))? and its standard error is not defined",
            (
                "{model}参数 '{name}' 达到搜索范围的{side}（{value}）；估计值是极限值{why}，"
                "其标准误没有定义"
            ),
        ),
        (
            (
                r"redemptions larger than the points balance were cut to the balance for "
                r"customers (?P<ids>.*)"
            ),
            "超过积分余额的兑换已按余额截断，涉及客户 {ids}",
        ),
        (
            (
                r"the model predicted (?P<n>[\d,]+) missing or infinite value\(s\), e\.g\. "
                r"for customer (?P<id>.*)"
            ),
            "模型给出了 {n} 个缺失或无穷大的预测值，例如客户 {id}",
        ),
        (
            (
                r"(?:RFMScorer: )?column (?P<col>'.*') has too few distinct values for "
                r"(?P<bins>\d+) equal groups; only scores 1\.\.(?P<top>\d+) are used"
            ),
            "{col} 列的不同取值太少，分不成 {bins} 个等大的组；只用到 1 到 {top} 分",
        ),
        (
            r"redemptions by customers without transactions are ignored: (?P<ids>.*)",
            "没有交易记录的客户的兑换已忽略：{ids}",
        ),
    )
)

_IN_ALL = re.compile(r", \.\.\. \(([\d,]+) in all\)")


def _values(group: str, value: str | None) -> str:
    """A captured value in Chinese: id lists, intervals, sides, meanings."""
    if value is None:
        return ""
    if group == "ids":
        return _IN_ALL.sub(r", …（共 \1 个）", value)
    if group == "shown":
        return value.replace(" in ", " ∈ ").replace(
            " (no finite standard error)", "（标准误不是有限数）"
        )
    if group == "side":
        return {"lower": "下限", "upper": "上限"}[value]
    if group == "meaning":
        return _MEANINGS.get(value, value)
    if group == "why":
        return f"（{_MEANINGS.get(value, value)}）"
    if group == "model":
        return f"{value}："
    return value


def _warning(message: str, label: str) -> str | None:
    """A caught warning in Chinese, or None when it is not in the table."""
    for pattern, template in ZH_WARNINGS:
        found = pattern.fullmatch(message.strip())
        if found is None:
            continue
        values = {k: _values(k, v) for k, v in found.groupdict().items()}
        head = label.strip().rstrip(":").strip()
        if head:  # the label names the step; a model named twice is said once
            values["model"] = ""
            return f"{ZH_LABELS.get(head, head)}：" + template.format(**values)
        return template.format(**values)
    return None


def render_note(note: str, lang: str) -> str:
    """``note`` in ``lang``; in Chinese, English text nothing here knows is marked 英文."""
    if lang == "en":
        return str(note)
    key = getattr(note, "key", None)
    params: dict[str, Any] = dict(getattr(note, "params", {}) or {})
    said: str | None = None
    if isinstance(note, Note) and key == "warning":
        said = _warning(str(params.get("message", "")), str(params.get("label", "")))
    elif isinstance(note, Note) and key in ZH_NOTES:
        if "error" in params:
            params["error"] = _warning(str(params["error"]), "") or params["error"]
        said = ZH_NOTES[key].format(**params)
    else:
        said = _warning(str(note), "")
    return cjk_tight(said) if said is not None else f"（英文）{note}"


#: The descriptions of the default lifecycle's states (``segkit.lifecycle``), in Chinese.
ZH_STATES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"Registered, no purchase yet", "已注册，尚未购买"),
        (r"First purchase made, no repeat purchase yet", "已首次购买，尚未复购"),
        (
            r"Repeat customer, last purchase within (?P<d>[\d,]+) days",
            "复购客户，最近 {d} 天内有购买",
        ),
        (r"At least (?P<n>[\d,]+) purchases and still buying", "至少购买 {n} 次，且仍在购买"),
        (r"No purchase for more than (?P<d>[\d,]+) days", "超过 {d} 天没有购买"),
        (r"Bought again after having churned", "流失后再次购买"),
    )
)


def state_description(text: str, lang: str) -> str:
    """A lifecycle state's description in ``lang``; "" when it cannot be said there."""
    if lang == "en" or not text:
        return text
    for pattern, template in ZH_STATES:
        found = pattern.fullmatch(text.strip())
        if found is not None:
            return template.format(**found.groupdict())
    return ""
