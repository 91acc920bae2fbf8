"""factory_boy factories for every model the tests build. Traits name the common variants."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Role, User
from apps.catalog.models import District, DistrictSetting, Occupation, RateRow
from apps.institutions.models import (
    AgencyStaff,
    Employer,
    Institution,
    InstitutionKind,
    InstitutionOccupation,
    InstitutionStatus,
    InstitutionYear,
    ServiceContract,
    ThirdPartyAgency,
)

PASSWORD = "Test-Pass-2021"


def district(code: str = "500103") -> District:
    """Districts come from the data migration; tests look them up rather than create them."""
    return District.objects.get(code=code)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    role = Role.AUDITOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        municipal_admin = factory.Trait(role=Role.MUNICIPAL_ADMIN)
        auditor = factory.Trait(role=Role.AUDITOR)
        officer = factory.Trait(
            role=Role.DISTRICT_OFFICER, district=factory.LazyFunction(lambda: district("500103"))
        )
        reviewer = factory.Trait(role=Role.THIRD_PARTY_REVIEWER)
        operator = factory.Trait(
            role=Role.INSTITUTION_OPERATOR, district=factory.LazyFunction(lambda: district("500103"))
        )
        filer = factory.Trait(
            role=Role.ENTERPRISE_FILER, district=factory.LazyFunction(lambda: district("500101"))
        )

    @factory.post_generation
    def engaged(self, create, extracted, **kwargs):
        """A reviewer engaged by these districts: staff of a new agency whose one contract, in force
        from 2000 to 2099 for every scope, serves them (apps.institutions, R7.1)."""
        if create and extracted:
            agency = ThirdPartyAgencyFactory()
            AgencyStaff.objects.create(agency=agency, user=self)
            ServiceContractFactory(agency=agency, district=extracted[0], districts=extracted)
        if create:
            self.save()


class OccupationFactory(DjangoModelFactory):
    class Meta:
        model = Occupation
        django_get_or_create = ("code",)

    code = "6-18-01-01"
    name = "车工"
    major_category = factory.LazyAttribute(lambda o: int(o.code[0]))
    is_new = False

    class Params:
        new = factory.Trait(
            code="4-04-05-05", name="人工智能训练师", is_new=True, new_published_on=date(2020, 3, 2)
        )
        cook = factory.Trait(code="4-03-02-01", name="中式烹调师")


class RateRowFactory(DjangoModelFactory):
    """W1's row by default: category 6, level 3, S 2500, r 180 → H 83."""

    class Meta:
        model = RateRow

    district = factory.LazyFunction(lambda: district("500103"))
    occupation = factory.SubFactory(OccupationFactory)
    major_category = None
    level = 3
    standard = Decimal("2500.00")
    rate = Decimal("180.00")
    class_hours = 83
    online_rate = Decimal("60.00")
    effective_from = date(2021, 3, 1)
    effective_to = None


class DistrictSettingFactory(DjangoModelFactory):
    class Meta:
        model = DistrictSetting

    district = factory.LazyFunction(lambda: district("500103"))
    key = "wft_monthly_amount"
    value = Decimal("500")
    effective_from = date(2021, 3, 1)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"渝中区第{n}职业培训学校")
    uscc = "52500103MJP123456Y"
    kind = InstitutionKind.DISTRICT_PRIVATE_SCHOOL
    district = factory.LazyFunction(lambda: district("500103"))
    status = InstitutionStatus.RECOGNISED


class EmployerFactory(DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"重庆测试制造有限公司{n}")
    uscc = "91500101MA5U12345B"
    district = factory.LazyFunction(lambda: district("500101"))


def uscc(n: int, *, prefix: str = "52", region: str = "500103") -> str:
    """A valid credit code (R11.3) numbered `n`: prefix (entity type), region, 9 digits, check."""
    from apps.rules.identity import uscc_check_character

    body = f"{prefix}{region}{n:09d}"
    return body + uscc_check_character(body)


def _add_members(obj, create, extracted, **kwargs):
    if create and extracted:
        obj.members.add(*extracted)


class NumberedInstitutionFactory(InstitutionFactory):
    """Like InstitutionFactory, with a distinct valid credit code and a bank account per row."""

    class Meta:
        skip_postgeneration_save = True

    uscc = factory.Sequence(lambda n: uscc(n + 1))
    bank_name = "中国工商银行重庆解放碑支行"
    bank_account = factory.Sequence(lambda n: f"3100021509{n + 1:09d}")
    members = factory.PostGeneration(_add_members)

    class Params:
        applied = factory.Trait(status=InstitutionStatus.APPLIED)
        filed = factory.Trait(status=InstitutionStatus.FILED, kind=InstitutionKind.ENTERPRISE_CENTRE)
        suspended = factory.Trait(status=InstitutionStatus.SUSPENDED)
        revoked = factory.Trait(status=InstitutionStatus.REVOKED)
        enterprise_centre = factory.Trait(kind=InstitutionKind.ENTERPRISE_CENTRE)
        municipal_school = factory.Trait(kind=InstitutionKind.MUNICIPAL_PRIVATE_SCHOOL)
        wanzhou = factory.Trait(district=factory.LazyFunction(lambda: district("500101")))


class NumberedEmployerFactory(EmployerFactory):
    """Like EmployerFactory, with a distinct valid credit code (91: an enterprise)."""

    class Meta:
        skip_postgeneration_save = True

    uscc = factory.Sequence(lambda n: uscc(n + 1, prefix="91", region="500101"))
    members = factory.PostGeneration(_add_members)

    class Params:
        classified = factory.Trait(is_classified=True)
        yuzhong = factory.Trait(district=factory.LazyFunction(lambda: district("500103")))


class InstitutionOccupationFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionOccupation

    institution = factory.SubFactory(NumberedInstitutionFactory)
    occupation = factory.SubFactory(OccupationFactory, cook=True)
    level = 5
    recognised_on = date(2021, 3, 15)


class InstitutionYearFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionYear

    institution = factory.SubFactory(NumberedInstitutionFactory)
    year = 2021
    evaluation_score = Decimal("85.50")
    plan_quota = 300


def quoted_inputs(amount: str | Decimal) -> dict:
    """Contract inputs that the engine quotes to exactly `amount` (one offline day of a living
    allowance at that daily amount, R8.1): for tests that need a line of a given worth to go
    through the real review and approval, which quote every line again."""
    return {
        "kind": "living_allowance",
        "approved_on": "2021-04-01",
        "start": "2021-04-06",
        "end": "2021-04-30",
        "attended": {"offline": 6, "online": 0},
        "daily_amount": f"{Decimal(amount):.2f}",
    }


def numbered(prefix: str, n: int) -> str:
    """A name that passes the registry's name rule (no digits): 学员 and 16 → 学员一六."""
    return prefix + "".join("〇一二三四五六七八九"[int(d)] for d in str(n))


def notice_over(line_ids, *, days_ago: int = 20):
    """Publish the claims of these lines (apps.publicity.services.notice_publish, by an officer of
    their district) and move the notice into the past, its period over with no objection: what the
    ledger requires before a line is paid (docs/money.md, 公示). Lines already published stay on
    their notice. Returns the new notice, or None when every line was published already."""
    from apps.claims.models import ClaimLine
    from apps.core import dates
    from apps.publicity.models import PublicNotice
    from apps.publicity.selectors import publishable_lines
    from apps.publicity.services import notice_publish

    notice = None
    lines = ClaimLine.objects.filter(pk__in=list(line_ids)).select_related("claim__district")
    for district_obj in {line.claim.district for line in lines}:
        claim_ids = sorted(
            set(
                publishable_lines(district=district_obj)
                .filter(pk__in=[line.pk for line in lines])
                .values_list("claim_id", flat=True)
            )
        )
        if not claim_ids:
            continue
        officer = User.objects.filter(
            role=Role.DISTRICT_OFFICER, district=district_obj, is_active=True
        ).first()
        if officer is None:
            officer = UserFactory(role=Role.DISTRICT_OFFICER, district=district_obj)
        notice = notice_publish(actor=officer, district=district_obj, claim_ids=claim_ids)
        today = dates.today()
        PublicNotice.objects.filter(pk=notice.pk).update(
            published_on=today - timedelta(days=days_ago + 10), ends_on=today - timedelta(days=days_ago)
        )
    return notice


class ThirdPartyAgencyFactory(DjangoModelFactory):
    class Meta:
        model = ThirdPartyAgency

    name = factory.Sequence(lambda n: f"第三方评审机构{n}")
    uscc = factory.Sequence(lambda n: uscc(n + 5000, prefix="91", region="500103"))
    contact_name = "联系人"


class ServiceContractFactory(DjangoModelFactory):
    """Every scope, in force from 2000 to 2099; `districts` defaults to the signing district."""

    class Meta:
        model = ServiceContract
        skip_postgeneration_save = True

    agency = factory.SubFactory(ThirdPartyAgencyFactory)
    number = factory.Sequence(lambda n: f"ZFGM-{n:04d}")
    district = factory.LazyFunction(lambda: district("500103"))
    reviews_institutions = True
    supervises_training = True
    audits_claims = True
    starts_on = date(2000, 1, 1)
    ends_on = date(2099, 12, 31)
    amount = Decimal("100000.00")

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create:
            self.districts.set(extracted or [self.district])
