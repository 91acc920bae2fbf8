"""The real-name registry (实名制管理, R8.3): one person per resident ID number, city-wide.

Every value is cleaned here, once, for the form, the API and the roster upload alike: the ID
number by R11.1 (any province, R8.4), gender and birth date derived from it, the phone as a
mainland mobile or a landline with its area code, the target groups from TargetGroup. Messages
show ID numbers masked: they end up in pages, API answers and logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.core.bulk import insert_rows
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.institutions.selectors import staff_agency_id
from apps.rules import IdNumber, RuleViolation, check_id_number

from ..models import Gender, Person, PersonalDataView, PersonGroup, TargetGroup
from ..permissions import person_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

NAME_MAX = 64  # the registry's column
# A name's characters (clean_name): the shortest Chinese names have 2, the longest minority
# names written in Chinese with their middle dots about 20; 30 leaves room without inviting prose.
NAME_MIN, NAME_LENGTH = 2, 30
_LETTER = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin, accented included (not × ÷)
    "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # CJK, 〇
)
_DOTS = "\u00b7\u2027\u30fb\uff65\u2022\u2219\u22c5"  # · ‧ ・ ･ • ∙ ⋅
NAME_RE = re.compile(rf"[{_LETTER}]+(?:(?: ?[{_DOTS}] ?| )[{_LETTER}]+)*")
REGION_MAX = 64
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# A landline: area code (3–4 digits from 0) and a 7–8 digit number, with an optional extension.
# Written with a hyphen the two parts are known; run together (02363891234) they are kept as typed.
LANDLINE_RE = re.compile(r"0\d{2,3}-\d{7,8}(?:-\d{1,6})?|0\d{9,11}")
GROUP_VALUES = tuple(TargetGroup.values)  # TargetGroup.values builds a new list on every access
GROUP_BY_LABEL = {str(label): value for value, label in TargetGroup.choices}
GROUP_SEPARATORS = re.compile(r"[、，,;；/\s]+")


@dataclass(frozen=True)
class PersonInput:
    """One person's registration, cleaned: what the registry stores."""

    identity: IdNumber
    name: str
    phone: str = ""
    household_region: str = ""
    groups: tuple[str, ...] = ()

    @property
    def id_number(self) -> str:
        return self.identity.number


def clean_id_number(value: str, *, on: date | None = None) -> IdNumber:
    """R11.1: the checked number with its birth date and gender (raises with rule and field)."""
    if not (value or "").strip():
        raise ApplicationError("身份证号码不能为空 (R8.3)", rule="R8.3", field="id_number")
    try:
        return check_id_number(value, on=on)
    except RuleViolation as exc:
        raise ApplicationError(exc.finding.message, rule="R11.1", field="id_number") from exc


def clean_name(value: str) -> str:
    """A person's name as on the ID card (issue 17): Chinese characters (every CJK block, 〇
    included), Latin letters (accented too, for foreign nationals' names), and between words a
    space or a middle dot (·, and the look-alikes keyboards type for it: ‧ ・ ･ • ∙ ⋅) as in
    minority names such as 阿依古丽·买买提; NAME_MIN to NAME_LENGTH characters. No digit, no
    punctuation, no leading = + - @: a name can never be read as a formula or a command. Kept
    as typed (trimmed): the registry compares names as entered."""
    name = (value or "").strip()
    if not name:
        raise ApplicationError("姓名不能为空", field="name")
    if not NAME_MIN <= len(name) <= NAME_LENGTH:
        raise ApplicationError(
            f"姓名应为 {NAME_MIN}–{NAME_LENGTH} 个字符（现为 {len(name)} 个）", field="name"
        )
    if not NAME_RE.fullmatch(name):
        raise ApplicationError(
            "姓名只能由汉字、英文字母、空格和间隔号（·）组成，且不能以空格或间隔号开头或结尾", field="name"
        )
    return name


def clean_phone(value: str) -> str:
    """An 11-digit mainland mobile (1[3-9]…), or a landline with its area code, e.g. 023-63891234.
    Empty is allowed. Spaces, a +86 prefix and brackets round the area code are tolerated."""
    text = re.sub(r"\s+", "", value or "")
    if not text:
        return ""
    if text.startswith("+86"):
        text = text[3:]
    text = re.sub(r"^\((0\d{2,3})\)", r"\1-", text)
    if MOBILE_RE.fullmatch(text) or LANDLINE_RE.fullmatch(text):
        return text
    raise ApplicationError(
        f"联系电话格式不正确（{len(text)} 位）：应为 11 位手机号码，或带区号的固定电话（如 023-63891234）",
        field="phone",
    )


def clean_household_region(value: str) -> str:
    """户籍所在地: kept for statistics only, never a condition (R8.4)."""
    region = (value or "").strip()
    if len(region) > REGION_MAX:
        raise ApplicationError(f"户籍所在地超过 {REGION_MAX} 个字符", field="household_region")
    return region


def clean_groups(values: Iterable[str] | str) -> tuple[str, ...]:
    """Target groups given by value (poverty_alleviated) or label (脱贫人口); a string is split
    on 、 (and on ， , ; for leniency). Returns the values, in TargetGroup order, once each."""
    items = GROUP_SEPARATORS.split(values) if isinstance(values, str) else list(values)
    chosen: set[str] = set()
    unknown = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        value = item if item in GROUP_VALUES else GROUP_BY_LABEL.get(item)
        if value is None:
            unknown.append(item)
        else:
            chosen.add(value)
    if unknown:
        allowed = "、".join(GROUP_BY_LABEL)
        raise ApplicationError(
            f"人员类别“{'、'.join(unknown)}”不在可选范围内（{allowed}），多个类别用“、”分隔",
            field="groups",
        )
    return tuple(v for v in GROUP_VALUES if v in chosen)


def person_input_or_errors(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    household_region: str = "",
    groups: Iterable[str] | str = (),
    on: date | None = None,
) -> tuple[PersonInput | None, list[ApplicationError]]:
    """Clean one registration field by field: the input, or every field's error (in the order
    of the roster's columns)."""
    cleaned: dict[str, object] = {}
    errors: list[ApplicationError] = []
    checks: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
        ("name", clean_name, name),
        ("identity", lambda v: clean_id_number(v, on=on), id_number),
        ("phone", clean_phone, phone),
        ("household_region", clean_household_region, household_region),
        ("groups", clean_groups, groups),
    )
    for key, clean, value in checks:
        try:
            cleaned[key] = clean(value)
        except ApplicationError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    return PersonInput(**cleaned), []  # type: ignore[arg-type]


def person_input(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    household_region: str = "",
    groups: Iterable[str] | str = (),
    on: date | None = None,
) -> PersonInput:
    """Clean one registration; raises ApplicationError naming the first field at fault."""
    entry, errors = person_input_or_errors(
        id_number=id_number, name=name, phone=phone, household_region=household_region, groups=groups, on=on
    )
    if errors:
        raise errors[0]
    assert entry is not None
    return entry


def persons_existing(numbers: Iterable[str]) -> dict[str, Person]:
    """The registered persons with these ID numbers, in one query."""
    return {p.id_number: p for p in Person.objects.filter(id_number__in=list(set(numbers)))}


def name_mismatch(person: Person, name: str) -> str | None:
    """The error when `name` is not the name registered for the person's ID number."""
    if person.name == name:
        return None
    return (
        f"身份证号码 {mask_id_number(person.id_number)} 已登记为「{person.name}」，"
        f"与填写的姓名「{name}」不一致（同一身份证号码全市只登记一人）"
    )


class NewPerson(NamedTuple):
    """A person as inserted: the registry's columns in order."""

    id_number: str
    name: str
    gender: str
    birth_date: date
    phone: str
    household_region: str


class NewPersonGroup(NamedTuple):
    person: int
    group: str


class NewDownload(NamedTuple):
    """A PersonalDataView row of a download: whose data, who downloaded it, why."""

    person: int
    viewer: int
    purpose: str
    agency: int | None


def persons_save(*, entries: Iterable[PersonInput], existing: dict[str, Person]) -> dict[str, int]:
    """Register the new persons and complete the existing ones, in bulk; returns every entry's
    person pk by ID number. Existing persons keep their name, phone and region; a blank phone or
    region is filled in and new target groups are added. Call inside a transaction, after the
    caller has refused name mismatches."""
    entries = list(entries)
    new = {e.id_number: e for e in entries if e.id_number not in existing}
    now = timezone.now()
    # ignore_conflicts: a person registered meanwhile by another import is reused, not an error.
    inserted = insert_rows(
        Person,
        NewPerson._fields,
        [
            NewPerson(
                e.id_number,
                e.name,
                (Gender.MALE if e.identity.gender == "男" else Gender.FEMALE).value,
                e.identity.birth,
                e.phone,
                e.household_region,
            )
            for e in new.values()
        ],
        ignore_conflicts=True,
        returning=("id_number", "id"),
    )
    ids = {number: person.pk for number, person in existing.items()}
    ids.update(inserted or ())
    unknown = [number for number in new if number not in ids]  # registered meanwhile, or not returned
    if unknown:
        ids.update(Person.objects.filter(id_number__in=unknown).values_list("id_number", "pk"))
    completed = []
    for e in entries:
        person = existing.get(e.id_number)
        if person is None:
            continue
        changed = False
        if e.phone and not person.phone:
            person.phone, changed = e.phone, True
        if e.household_region and not person.household_region:
            person.household_region, changed = e.household_region, True
        if changed:
            person.updated_at = now  # bulk_update skips auto_now
            completed.append(person)
    if completed:
        Person.objects.bulk_update(completed, ["phone", "household_region", "updated_at"])
    insert_rows(
        PersonGroup,
        NewPersonGroup._fields,
        [NewPersonGroup(ids[e.id_number], group) for e in entries for group in e.groups],
        ignore_conflicts=True,
    )
    return ids


@transaction.atomic
def person_register_or_get(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    household_region: str = "",
    groups: Iterable[str] | str = (),
) -> Person:
    """Register a person by ID number, or return the one already registered with it.

    The number is checked by R11.1 (any province, R8.4); gender and birth date come from it. A
    second registration with the same number returns the existing person (filling in a blank
    phone or region and adding groups); a different name for the same number is refused.
    """
    entry = person_input(
        id_number=id_number, name=name, phone=phone, household_region=household_region, groups=groups
    )
    existing = persons_existing([entry.id_number])
    person = existing.get(entry.id_number)
    if person is not None:
        message = name_mismatch(person, entry.name)
        if message:
            raise ApplicationError(message, field="name")
    return Person.objects.get(pk=persons_save(entries=[entry], existing=existing)[entry.id_number])


# Why full ID numbers left the system in a file (PersonalDataView.purpose), by template.
DOWNLOAD_PURPOSES = {
    "sign_in_sheet": "下载签到表模板",
    "results": "下载考核结果模板",
}

# The purposes a reveal of personal data may be recorded with (PersonalDataView.purpose).
REVEAL_PURPOSES = {
    "roster": "核对花名册",
    "identity": "核对学员身份",
    "contact": "联系学员",
    "review": "审核补贴申领",
}


def person_reveal(*, person: Person, viewer: User, purpose: str) -> Person:
    """Record that `viewer` is shown `person`'s full ID number and phone, and why; the record
    holds who and whom, never the number. Only those the person policy lets reveal may."""
    if not person_policy.can(viewer, "reveal", person):
        raise PermissionDenied("您无权查看该学员的完整身份信息")
    label = REVEAL_PURPOSES.get(purpose, purpose).strip()
    if not label or label not in REVEAL_PURPOSES.values():
        raise ApplicationError("请选择查看完整信息的用途", field="purpose")
    PersonalDataView.objects.create(
        person=person, viewer=viewer, purpose=label, agency_id=staff_agency_id(user=viewer)
    )
    return person


def personal_data_download_record(*, viewer: User, person_ids: Iterable[int], purpose: str) -> int:
    """Record that `viewer` downloaded a file with these persons' full ID numbers: one
    PersonalDataView per person, in one multi-row INSERT. Returns how many were recorded. Call in
    the transaction that builds the file, after checking who may have it."""
    if purpose not in DOWNLOAD_PURPOSES.values():
        raise ApplicationError(f"下载用途“{purpose}”无效", field="purpose")
    persons = sorted(set(person_ids))
    agency = staff_agency_id(user=viewer)
    insert_rows(
        PersonalDataView, NewDownload._fields, [NewDownload(pk, viewer.pk, purpose, agency) for pk in persons]
    )
    return len(persons)
