from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.rules.figures import figures_on

from . import engine
from .imports import OccupationRow
from .models import EVALUATION_WEIGHT_DEFAULTS, District, DistrictSetting, Occupation, RateRow, SettingKey
from .permissions import may_edit_district

if TYPE_CHECKING:
    from apps.accounts.models import User


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


@transaction.atomic
def occupations_import(*, rows: list[OccupationRow]) -> ImportResult:
    """Save validated catalogue rows in one transaction: new codes are created, known codes
    updated in place (a code is an occupation's identity)."""
    existing = {
        o.code: o for o in Occupation.objects.select_for_update().filter(code__in=[r.code for r in rows])
    }
    created = updated = 0
    for row in rows:
        values = {
            "name": row.name,
            "major_category": row.major_category,
            "is_new": row.is_new,
            "new_published_on": row.new_published_on,
            "is_assessment_type": row.is_assessment_type,
            "edition": row.edition,
            "note": row.note,
        }
        occupation = existing.get(row.code)
        if occupation is None:
            Occupation.objects.create(code=row.code, **values)
            created += 1
        elif any(getattr(occupation, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(occupation, key, value)
            occupation.save()
            updated += 1
    return ImportResult(created=created, updated=updated)


def _require_editor(actor: User, district: District) -> None:
    if not may_edit_district(actor, district):
        raise ApplicationError("只有本区县经办人员或市级管理员可以修改该区县的补贴标准和设置")


def _same_key(row: RateRow) -> Q:
    level_q = Q(level__isnull=True) if row.level is None else Q(level=row.level)
    target_q = Q(occupation=row.occupation) if row.occupation_id else Q(major_category=row.major_category)
    return Q(district=row.district) & target_q & level_q


def _overlaps(start: date, end: date | None) -> Q:
    q = Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    if end is not None:
        q &= Q(effective_from__lte=end)
    return q


def _derive_hours_and_standard(row: RateRow, *, class_hours: int | None) -> None:
    """R1.5: H = floor(S × 6 / r); for new occupations the district sets H and S = r × H / 6."""
    is_new = row.for_new_occupation
    if is_new:
        if not class_hours:
            raise ApplicationError(
                "新职业须由区县确定课时 H，补贴标准 S 按 "
                f"{figures_on(row.effective_from).new_occupation_standard_formula} 计算",
                rule="R1.5",
                field="class_hours",
            )
        row.class_hours = class_hours
        row.standard = engine.new_occupation_standard(rate=row.rate, hours=class_hours, on=row.effective_from)
    else:
        row.class_hours = engine.planned_hours(standard=row.standard, rate=row.rate, on=row.effective_from)
        if row.class_hours <= 0:
            raise ApplicationError("补贴标准 S 过低，折算课时为 0", rule="R1.5", field="standard")


def _rate_row_check(row: RateRow) -> None:
    for finding in engine.rate_row_findings(row):
        raise ApplicationError(finding.message, rule=finding.rule, field=finding.field)


def _close_or_refuse_overlaps(row: RateRow, actor: User) -> None:
    overlapping = list(
        RateRow.objects.select_for_update()
        .filter(_same_key(row), _overlaps(row.effective_from, row.effective_to))
        .exclude(pk=row.pk)
        .order_by("pk")  # the default ordering outer-joins occupation, which FOR UPDATE refuses
    )
    for other in overlapping:
        # A new row starting after an open-ended one supersedes it: close the old one the
        # day before, so exactly one row is in force on every day.
        if other.effective_to is None and other.effective_from < row.effective_from and row.pk is None:
            before = other.effective_to
            other.effective_to = row.effective_from - timedelta(days=1)
            other.save(update_fields=["effective_to", "updated_at"])
            state_change_record(
                obj=other,
                actor=actor,
                from_state="in_force",
                to_state="superseded",
                reason=f"新标准自 {row.effective_from} 起生效",
                changes={"effective_to": [before, str(other.effective_to)]},
            )
            continue
        raise ApplicationError(
            f"与已有标准（自 {other.effective_from} 至 {other.effective_to or '长期'}）的有效期重叠",
            rule="R1.6",
            field="effective_from",
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return str(value)


RATE_FIELDS = (
    "occupation",
    "major_category",
    "level",
    "standard",
    "rate",
    "online_rate",
    "effective_from",
    "effective_to",
)


@transaction.atomic
def rate_row_save(
    *,
    actor: User,
    district: District,
    occupation: Occupation | None,
    major_category: int | None,
    level: int | None,
    standard: Decimal | None,
    rate: Decimal,
    class_hours: int | None = None,
    online_rate: Decimal = Decimal("60.00"),
    effective_from: date,
    effective_to: date | None = None,
    row: RateRow | None = None,
    reason: str = "",
) -> RateRow:
    """Create a rate-table row, or change `row`. Checks the rate against R1.1–R1.4 and the
    online rate against R2.4, derives H (or S for new occupations) by R1.5, and keeps one row
    in force per day (R1.6). Every change is written to the state-change log."""
    _require_editor(actor, district)
    District.objects.select_for_update().get(pk=district.pk)  # serialise edits of one district's table
    if (occupation is None) == (major_category is None):
        raise ApplicationError("请选择职业（工种）或适用大类，二者选其一", field="occupation")
    if effective_to is not None and effective_to < effective_from:
        raise ApplicationError("失效日期不能早于生效日期", field="effective_to")
    if standard is None and not (occupation is not None and occupation.is_new):
        raise ApplicationError("请填写补贴标准 S", field="standard")
    before = {f: _text(getattr(row, f)) for f in RATE_FIELDS} if row else {}
    target = row or RateRow(district=district)
    if row is not None and row.district_id != district.pk:
        raise ApplicationError("不能把标准行移到其他区县", field="district")
    target.occupation = occupation
    target.major_category = None if occupation else major_category
    target.level = level
    target.standard = standard or Decimal("0")
    target.rate = rate
    target.online_rate = online_rate
    target.effective_from = effective_from
    target.effective_to = effective_to
    _derive_hours_and_standard(target, class_hours=class_hours)
    _rate_row_check(target)
    _close_or_refuse_overlaps(target, actor)
    creating = target.pk is None
    target.full_clean()
    target.save()
    after = {f: _text(getattr(target, f)) for f in RATE_FIELDS}
    state_change_record(
        obj=target,
        actor=actor,
        from_state="" if creating else "in_force",
        to_state="created" if creating else "changed",
        reason=reason,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return target


@transaction.atomic
def district_setting_set(
    *,
    actor: User,
    district: District,
    key: str,
    value: Decimal,
    effective_from: date,
    note: str = "",
) -> DistrictSetting:
    """Give a district setting a new value from a date on. The value in force before that date
    is closed the day before; an earlier value can't be rewritten from a later start."""
    _require_editor(actor, district)
    if key not in SettingKey.values:
        raise ApplicationError(f"未知的设置项 {key}", field="key")
    if value < 0:
        raise ApplicationError("取值不能为负数", field="value")
    if key in EVALUATION_WEIGHT_DEFAULTS and not (0 <= value <= 100 and value == value.to_integral_value()):
        raise ApplicationError(f"{SettingKey(key).label}须为 0 至 100 的整数", field="value")
    if key in engine.INTEGER_KEYS and value != value.to_integral_value():
        raise ApplicationError("该设置项须为整数", field="value")
    if key == SettingKey.PUBLICITY_WORKING_DAYS and not 1 <= value <= 30:
        raise ApplicationError("公示期须为 1 至 30 个工作日", field="value")
    if key == SettingKey.INSPECTION_RATE and value > 1:
        raise ApplicationError("过程监管抽查比例须在 0 到 1 之间（如 0.1 即 10%）", field="value")
    if key == SettingKey.CONFIRMATION_SHARE and value > 1:
        raise ApplicationError("须确认的学员比例须在 0 到 1 之间（如 0.3 即 30%）", field="value")
    if key == SettingKey.CLAIM_SAMPLE_RATE and value > 1:
        raise ApplicationError("随机逐条审核比例须在 0 到 1 之间（如 0.1 即 10%）", field="value")
    if key == SettingKey.CLAIM_RISK_THRESHOLD and value > 20:
        raise ApplicationError("风险分阈值须在 0 到 20 之间（0 为不按风险抽取）", field="value")
    floor = engine.apprenticeship_annual_floor(effective_from)
    if key == SettingKey.APPRENTICESHIP_ANNUAL_AMOUNT and value < floor:
        raise ApplicationError(f"企业新型学徒制年补贴标准不得低于 {floor} 元", rule="R5.2", field="value")
    District.objects.select_for_update().get(pk=district.pk)
    rows = DistrictSetting.objects.filter(district=district, key=key)
    if rows.filter(effective_from__gte=effective_from).exists():
        raise ApplicationError(
            "该设置项已有同日或更晚生效的取值，请选择更晚的生效日期", field="effective_from"
        )
    previous = rows.filter(effective_to__isnull=True).first()
    if previous is not None:
        previous.effective_to = effective_from - timedelta(days=1)
        previous.save(update_fields=["effective_to", "updated_at"])
    setting = DistrictSetting.objects.create(
        district=district, key=key, value=value, effective_from=effective_from, note=note
    )
    state_change_record(
        obj=setting,
        actor=actor,
        from_state="",
        to_state="created",
        reason=note,
        changes={"key": key, "value": [str(previous.value) if previous else None, str(value)]},
    )
    return setting
