"""Where catalog rows meet the rules engine: rate rows checked by R1.1–R1.5 and R2.4,
district settings turned into the engine's `DistrictSettings` input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from apps.rules.catalogue import RULE_GROUPS, RULES
from apps.rules.district import DistrictSettings
from apps.rules.hours import check_online_rate
from apps.rules.limits import per_year_limit_on
from apps.rules.parameters import params_on
from apps.rules.rates import check_daily_rate, planned_class_hours, rate_row_steps
from apps.rules.rates import new_occupation_standard as engine_new_occupation_standard

from .models import (
    CLAIM_RISK_THRESHOLD_DEFAULT,
    CLAIM_SAMPLE_RATE_DEFAULT,
    CONFIRMATION_SHARE_DEFAULT,
    EVALUATION_WEIGHT_DEFAULTS,
    INSPECTION_RATE_DEFAULT,
    PUBLICITY_WORKING_DAYS_DEFAULT,
    District,
    DistrictSetting,
    RateRow,
    SettingKey,
)
from .selectors import in_force_on

# District setting key → field of the engine's DistrictSettings. The per-year limit is dated
# inside the engine too: every value the district entered goes in as (effective_from, limit).
SETTING_FIELDS = {
    SettingKey.WFT_MONTHLY_AMOUNT: "work_for_training_monthly_amount",
    SettingKey.WFT_MAX_MONTHS: "work_for_training_max_months",
    SettingKey.APPRENTICESHIP_ANNUAL_AMOUNT: "apprenticeship_annual_amount",
    SettingKey.LIVING_ALLOWANCE_DAILY: "living_allowance_per_day",
    SettingKey.ENTERPRISE_UPLIFT: "enterprise_uplift",
}
INTEGER_KEYS = {
    SettingKey.WFT_MAX_MONTHS,
    SettingKey.PER_YEAR_LIMIT,
    SettingKey.PUBLICITY_WORKING_DAYS,
    SettingKey.CLAIM_RISK_THRESHOLD,
    *EVALUATION_WEIGHT_DEFAULTS,
}
# The settings that are not the engine's, with the value of a district that set none.
OWN_DEFAULTS = {
    SettingKey.INSPECTION_RATE: INSPECTION_RATE_DEFAULT,
    SettingKey.CONFIRMATION_SHARE: CONFIRMATION_SHARE_DEFAULT,
    SettingKey.CLAIM_RISK_THRESHOLD: CLAIM_RISK_THRESHOLD_DEFAULT,
    SettingKey.CLAIM_SAMPLE_RATE: CLAIM_SAMPLE_RATE_DEFAULT,
    **EVALUATION_WEIGHT_DEFAULTS,
}


def apprenticeship_annual_floor(on: date) -> Decimal:
    return params_on(on).apprenticeship_annual_floor


@dataclass(frozen=True)
class RowFinding:
    rule: str
    severity: str
    message: str
    field: str


def planned_hours(*, standard: Decimal, rate: Decimal, on: date) -> int:
    return planned_class_hours(standard, rate, on=on)


def new_occupation_standard(*, rate: Decimal, hours: int, on: date) -> Decimal:
    return engine_new_occupation_standard(rate, hours, on=on)


def rate_row_findings(row: RateRow) -> list[RowFinding]:
    on = row.effective_from
    findings = [
        RowFinding(f.rule, f.severity, f.message, "rate")
        for f in check_daily_rate(
            row.rate, category=row.category, level=row.level, new=row.for_new_occupation, on=on
        )
    ]
    online = check_online_rate(row.online_rate, on=on)
    if online is not None:
        findings.append(RowFinding(online.rule, online.severity, online.message, "online_rate"))
    return findings


def rate_row_explanation(row: RateRow) -> dict[str, Any]:
    """R1.5's steps for a rate row, worded by the engine from the parameters in force on the row's
    first day, and every finding of R1.1–R1.4 and R2.4."""
    steps = [
        {"rule": step.rule, "text": step.text, "arithmetic": step.arithmetic}
        for step in rate_row_steps(
            standard=row.standard,
            rate=row.rate,
            class_hours=row.class_hours,
            new=row.for_new_occupation,
            on=row.effective_from,
        )
    ]
    findings = [
        {"rule": f.rule, "severity": f.severity, "message": f.message} for f in rate_row_findings(row)
    ]
    return {"steps": steps, "findings": findings}


def _rows_in_force(district: District | int, on: date):
    return DistrictSetting.objects.filter(in_force_on(on), district=district).order_by("effective_from")


def _values(district: District, on: date) -> tuple[dict[str, DistrictSetting], DistrictSettings]:
    own = {row.key: row for row in _rows_in_force(district, on)}
    values: dict[str, Any] = {}
    for key, field in SETTING_FIELDS.items():
        if key.value in own:
            value = own[key.value].value
            values[field] = int(value) if key in INTEGER_KEYS else value
    limits = DistrictSetting.objects.filter(
        district=district, key=SettingKey.PER_YEAR_LIMIT, effective_from__lte=on
    )
    values["per_year_limit_from"] = tuple(
        (row.effective_from, int(row.value)) for row in limits.order_by("effective_from")
    )
    return own, DistrictSettings(**values)


def inspection_rate_on(*, district: District, on: date) -> Decimal:
    """The share of a week's sessions process supervision samples in the district (the district's
    setting in force on `on`, or INSPECTION_RATE_DEFAULT)."""
    return setting_on(district=district, key=SettingKey.INSPECTION_RATE, on=on)


def setting_on(*, district: District | int, key: SettingKey, on: date) -> Decimal:
    """One of the settings that are not the engine's (OWN_DEFAULTS) in the district on `on`: its
    own value in force then, or the default."""
    row = _rows_in_force(district, on).filter(key=key).last()
    return row.value if row is not None else OWN_DEFAULTS[key]


def confirmation_share_on(*, district: District | int, on: date) -> Decimal:
    """The share of a claim's trainees who must confirm it before approval in the district (the
    district's setting in force on `on`, or CONFIRMATION_SHARE_DEFAULT)."""
    return setting_on(district=district, key=SettingKey.CONFIRMATION_SHARE, on=on)


def district_settings_for(*, district: District, on: date) -> DistrictSettings:
    """The engine's input for a district on a date."""
    return _values(district, on)[1]


def settings_table(*, district: District, on: date) -> list[dict[str, Any]]:
    """Every district setting with the value in force on `on`: the district's own, or the
    city-wide default of docs/rules.md (the notice's figure for the per-year limit) where it set none."""
    own, engine = _values(district, on)
    table = []
    for key in SettingKey:
        row = own.get(key.value)
        if key == SettingKey.PER_YEAR_LIMIT:
            value = Decimal(per_year_limit_on(on, engine))
        elif key == SettingKey.PUBLICITY_WORKING_DAYS:
            value = row.value if row else Decimal(PUBLICITY_WORKING_DAYS_DEFAULT)
        elif key in OWN_DEFAULTS:
            value = row.value if row else OWN_DEFAULTS[key]
        else:
            value = Decimal(getattr(engine, SETTING_FIELDS[key]))
        value = value.quantize(Decimal(1)) if key in INTEGER_KEYS else value.normalize()
        table.append(
            {
                "key": key.value,
                "label": key.label,
                "value": value,
                "effective_from": row.effective_from.isoformat() if row else None,
                "source": "district" if row else "default",
            }
        )
    return table


def rule_groups() -> list[dict[str, Any]]:
    """The rule catalogue grouped by chapter (R1 … R11) for the rules page."""
    groups = []
    for group in RULE_GROUPS:
        members = [r for r in RULES if r.id.split(".", 1)[0] == group.prefix]
        groups.append({"group": group, "rules": members})
    return groups
