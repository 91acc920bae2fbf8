"""District settings: the figures the notice leaves to the districts or to documents we could not read.

docs/rules.md, "Settings without a published figure": each is a setting with a demo value, editable by
the district and dated. The rules engine never reads them from a global: the caller (the Django
catalogue, a test, the command line) passes the settings in force for the district and the day,
and the defaults below are the demo values.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class DistrictSettings:
    """The settings in force for one district on one day.

    - ``work_for_training_monthly_amount`` — ``A_wft``, 以工代训 monthly amount, 元/人·月 (R3.5);
      demo 500 because 渝人社发〔2020〕87号 was not available.
    - ``work_for_training_max_months`` — ``M_wft``, most months per worker per enterprise (R3.5); demo 6.
    - ``apprenticeship_annual_amount`` — ``A_app``, 新型学徒制 annual standard, 元/人·年 (R5.2);
      demo 4000, the floor of 渝人社发〔2020〕43号.
    - ``living_allowance_per_day`` — ``L``, 生活费补贴（含交通费） per offline training day (R8.1);
      demo 100, the 2018 figure for poor labourers.
    - ``enterprise_uplift`` — ``u``, the uplift of enterprise staff training (R1.7); demo 0, the
      notice gives no figure ("可适当上浮").
    - ``per_year_limit_from`` — later values of the per-year limit of R10.1 as
      ``(effective_from, limit)`` pairs. Empty by default: the notice's 3 applies. A district that
      applies the later Chongqing rule of 1 enters it here with the day it took effect.
    """

    work_for_training_monthly_amount: Decimal = Decimal("500.00")
    work_for_training_max_months: int = 6
    apprenticeship_annual_amount: Decimal = Decimal("4000.00")
    living_allowance_per_day: Decimal = Decimal("100.00")
    enterprise_uplift: Decimal = Decimal("0")
    per_year_limit_from: tuple[tuple[date, int], ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "work_for_training_monthly_amount",
            "apprenticeship_annual_amount",
            "living_allowance_per_day",
            "enterprise_uplift",
        ):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"区县设置 {name} 必须是不小于 0 的 Decimal 金额或比例，收到 {value!r}")
        if (
            not isinstance(self.work_for_training_max_months, int)
            or isinstance(self.work_for_training_max_months, bool)
            or self.work_for_training_max_months < 0
        ):
            raise ValueError(
                "区县设置 work_for_training_max_months 必须是不小于 0 的整数，"
                f"收到 {self.work_for_training_max_months!r}"
            )
        for effective_from, limit in self.per_year_limit_from:
            if not isinstance(effective_from, date) or not isinstance(limit, int) or limit < 0:
                raise ValueError(
                    f"区县设置 per_year_limit_from 的每一项必须是（生效日期, 不小于 0 的整数），"
                    f"收到 {(effective_from, limit)!r}"
                )


DEMO_SETTINGS = DistrictSettings()
