import pytest
from django.core.exceptions import ValidationError

from tests.factories import EmployerFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def test_institution_credit_code_is_checked_by_r11_3():
    institution = InstitutionFactory.build(uscc="52500103MJP123456X")
    with pytest.raises(ValidationError) as exc:
        institution.full_clean()
    assert "校验码应为 Y" in exc.value.message_dict["uscc"][0]
    assert exc.value.message_dict["uscc"][0].count("R11.3") == 1


def test_valid_codes_pass():
    InstitutionFactory.build().full_clean()
    EmployerFactory.build().full_clean()
