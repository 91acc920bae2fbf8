from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChoiceLabels


class Role(models.TextChoices):
    MUNICIPAL_ADMIN = "municipal_admin", _("市人力社保局管理员")
    DISTRICT_OFFICER = "district_officer", _("区县人力社保局经办人员")
    THIRD_PARTY_REVIEWER = "third_party_reviewer", _("第三方社会机构审核人员")
    INSTITUTION_OPERATOR = "institution_operator", _("培训机构经办人")
    ENTERPRISE_FILER = "enterprise_filer", _("企业申报人")
    AUDITOR = "auditor", _("审计人员")


# Roles whose scope is the whole city (the auditor read-only).
CITY_WIDE_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.AUDITOR})


class User(ChoiceLabels, AbstractUser):
    """A portal user. The role fixes what they may do; the scope fields fix where:
    `district` is the district an officer works for, or the district of the institution or
    employer an operator or filer acts for (their organisation itself is a membership in
    apps.institutions). A third-party reviewer's districts are those of the service contracts in
    force of their agency (apps.institutions: AgencyStaff, ServiceContract; R7.1), never set on
    the user. Municipal admin and auditors see the whole city.
    """

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    district = models.ForeignKey(
        "catalog.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("所属区县"),
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("密码被重置后为是：用户登录后须先修改临时密码，才能使用门户和接口"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="district_officer") | Q(district__isnull=False),
                name="officer_has_district",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_city_wide(self) -> bool:
        return self.role in CITY_WIDE_ROLES

    @property
    def is_municipal_admin(self) -> bool:
        return self.role == Role.MUNICIPAL_ADMIN

    @property
    def is_district_officer(self) -> bool:
        return self.role == Role.DISTRICT_OFFICER


class PasswordReset(models.Model):
    """A password reset by the responsible authority: who reset whose password, when (never the
    password). The user's temporary password was shown once to `actor` and must be changed."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="password_resets", verbose_name=_("账号")
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="password_resets_done", verbose_name=_("重置人")
    )
    created_at = models.DateTimeField(_("重置时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("密码重置记录")
        verbose_name_plural = _("密码重置记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.created_at:%Y-%m-%d %H:%M}"
