"""``docs/rules.md``, written by the engine itself: every rule with its clause, severity and reading,
every dated parameter, the district settings and one worked quote per kind.

``python -m apps.rules rules > docs/rules.md`` regenerates the file; a test fails when the committed
file and this text differ, so the document cannot drift from the code. The worked examples are
quoted here, when the text is generated, by the same ``quote`` that pays claims.
"""

import json
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Final

from apps.rules.catalogue import RULE_GROUPS, RULES, RuleInfo
from apps.rules.district import DistrictSettings
from apps.rules.notice import CLAUSE_HEADINGS, NOTICE_NUMBER, NOTICE_TITLE
from apps.rules.parameters import PARAMETERS, RULES_VERSION, Parameter, ParameterValue
from apps.rules.quote import quote, result_to_dict
from apps.rules.results import SEVERITY_LABELS
from apps.rules.scenario import QUOTE_KIND_LABELS, parse_scenario

#: The district settings as the document names them: field of ``DistrictSettings`` → (label, unit, rule).
SETTING_LABELS: Final[dict[str, tuple[str, str, str]]] = {
    "work_for_training_monthly_amount": ("以工代训每人每月补贴 A_wft", "元/人·月", "R3.5"),
    "work_for_training_max_months": ("以工代训每人每企业最多补贴月数 M_wft", "月", "R3.5"),
    "apprenticeship_annual_amount": ("企业新型学徒制年度补贴标准 A_app", "元/人·年", "R5.2"),
    "living_allowance_per_day": ("生活费补贴（含交通费）每个线下培训日 L", "元/人·天", "R8.1"),
    "enterprise_uplift": ("企业职工培训上浮比例 u", "比例", "R1.7"),
    "per_year_limit_from": ("每人每年补贴次数上限的后续取值（生效日期, 次数）", "次", "R10.1"),
}

#: One worked example per kind of quote, as a client would send it (docs/quote-contract.md).
EXAMPLES: Final[tuple[tuple[str, dict[str, object]], ...]] = (
    (
        "class",
        {
            "kind": "class",
            "approved_on": "2021-04-01",
            "start": "2021-04-06",
            "end": "2021-04-30",
            "occupation": {"code": "6-18-01-01", "category": 6, "new": False},
            "level": 3,
            "standard": "2500.00",
            "rate": "180.00",
            "planned_online": 23,
            "online_rate": "60.00",
            "attended": {"offline": 60, "online": 23},
            "passed": True,
        },
    ),
    (
        "enterprise",
        {
            "kind": "enterprise",
            "approved_on": "2021-04-01",
            "start": "2021-04-06",
            "end": "2021-04-30",
            "occupation": {"code": "4-03-02-01", "category": 4},
            "level": 5,
            "standard": "1000.00",
            "rate": "130.00",
            "attended": {"offline": 46, "online": 0},
            "relation": "employee",
        },
    ),
    (
        "work_for_training",
        {
            "kind": "work_for_training",
            "months": ["2021-04", "2021-05", "2021-06"],
            "monthly_amount": "500.00",
        },
    ),
    (
        "apprenticeship",
        {
            "kind": "apprenticeship",
            "start": "2021-04-01",
            "end": "2023-03-31",
            "occupation": {"code": "6-18-01-01", "category": 6},
            "level": 3,
            "annual_amount": "4000.00",
            "planned_months": 24,
            "advance": True,
        },
    ),
    (
        "living_allowance",
        {
            "kind": "living_allowance",
            "approved_on": "2021-04-01",
            "start": "2021-04-06",
            "end": "2021-04-30",
            "attended": {"offline": 60},
            "daily_amount": "100.00",
            "groups": ["脱贫劳动力"],
        },
    ),
)


def _value(value: ParameterValue | object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return "（无）" if not value else "；".join(f"{day.isoformat()} 起 {limit}" for day, limit in value)
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _dated(parameter: Parameter) -> str:
    return "；".join(f"{day.isoformat()} 起 {_value(value)}" for day, value in parameter.values)


def _parameters() -> list[str]:
    lines = [
        "## 参数（带生效日期）",
        "",
        "某日适用的值是生效日期不晚于该日的最后一个值。",
        "",
        "| 参数 | 含义 | 单位 | 规则 | 依据 | 取值 |",
        "|---|---|---|---|---|---|",
    ]
    for parameter in PARAMETERS:
        lines.append(
            f"| `{parameter.name}` | {_cell(parameter.label)} | {parameter.unit} | {parameter.rule} "
            f"| {_cell(parameter.reference)} | {_dated(parameter)} |"
        )
    return lines


def _settings() -> list[str]:
    demo = DistrictSettings()
    lines = [
        "## 区县设置",
        "",
        "通知交由区县确定的数额不是参数，而是区县设置：由区县在门户中按生效日期录入，随每次测算传入，",
        "并锁定在班级或申报上（R5.4、R9.2）。下表为未录入时使用的演示值。",
        "",
        "| 设置 | 含义 | 单位 | 规则 | 演示值 |",
        "|---|---|---|---|---|",
    ]
    for field in fields(DistrictSettings):
        label, unit, rule_id = SETTING_LABELS[field.name]
        lines.append(
            f"| `{field.name}` | {label} | {unit} | {rule_id} | {_value(getattr(demo, field.name))} |"
        )
    return lines


def _rule(info: RuleInfo) -> list[str]:
    lines = [f"### {info.id} {info.title}", ""]
    severity = (
        "—（计算规则）" if info.severity is None else f"{info.severity} {SEVERITY_LABELS[info.severity]}"
    )
    lines.append(f"- 严重程度：{severity}")
    clause = "通知未载明（国家规定或标准）" if info.clause is None else f"通知第{info.clause}部分"
    lines.append(f"- 条款：{clause}")
    lines.append(f"- 本系统的理解：{info.reading}")
    used = [parameter for parameter in PARAMETERS if parameter.rule == info.id]
    for parameter in used:
        lines.append(f"- 参数 `{parameter.name}`（{parameter.label}）：{_dated(parameter)} {parameter.unit}")
    settings = [name for name, (_, _, rule_id) in SETTING_LABELS.items() if rule_id == info.id]
    for name in settings:
        lines.append(f"- 区县设置 `{name}`（{SETTING_LABELS[name][0]}）")
    lines.append(
        f"- 实现：`{info.function}`" if info.function else "- 实现：由业务流程执行（认定、角色、记账）"
    )
    if info.notice_quote:
        lines += ["", f"> {info.notice_quote}"]
    lines.append("")
    return lines


def _rules() -> list[str]:
    lines = ["## 规则", ""]
    for group in RULE_GROUPS:
        clause = ""
        if group.clause in CLAUSE_HEADINGS:
            clause = f"（通知第{group.clause}部分：{CLAUSE_HEADINGS[group.clause]}）"
        elif group.clause:
            clause = f"（通知{group.clause}）"
        lines += [f"## {group.prefix} {group.title}{clause}", ""]
        for info in RULES:
            if info.id.split(".")[0] == group.prefix:
                lines += _rule(info)
    return lines


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _examples() -> list[str]:
    lines = [
        "## 测算接口：每类补贴一个示例",
        "",
        "每一笔补贴都是规则引擎对一个 JSON 场景的测算。输入字段、默认值与输出格式见",
        "[测算接口](quote-contract.md)；同一个场景可交给 `python -m apps.rules quote`、",
        "`POST /api/v1/quotes` 或 /rules/ 页面的测算表单，结果相同。以下示例按演示区县设置测算，",
        "由生成本文件时的引擎算出。",
        "",
    ]
    for kind, data in EXAMPLES:
        result = quote(parse_scenario(data))
        lines += [
            f"### {QUOTE_KIND_LABELS[kind]}（`{kind}`）",
            "",
            "输入：",
            "",
            "```json",
            _json(data),
            "```",
            "",
            "输出：",
            "",
            "```json",
            _json(result_to_dict(result)),
            "```",
            "",
        ]
    return lines


def rules_markdown() -> str:
    """The whole of docs/rules.md."""
    lines = [
        "# 规则说明（由规则引擎生成）",
        "",
        "本文件由 `python -m apps.rules rules > docs/rules.md` 从规则引擎 `apps/rules` 生成，请勿手改；",
        "测试会在代码与本文件不一致时失败。",
        "",
        f"依据：{NOTICE_TITLE}（{NOTICE_NUMBER}）。规则编号（R1.1 …）在代码、测试、审核发现与页面中通用。",
        f"当前规则版本（参数与计算代码的指纹，记录在每一条申报明细上）：`{RULES_VERSION}`。",
        "",
        "严重程度：" + "；".join(f"{key} {label}" for key, label in SEVERITY_LABELS.items()) + "。",
        "",
    ]
    lines += [*_parameters(), "", *_settings(), "", *_rules(), *_examples()]
    return "\n".join(lines).rstrip("\n") + "\n"
