import pytest

from apps.accounts.models import Role, User
from apps.accounts.services import user_create
from apps.core.errors import ApplicationError
from tests.factories import district

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["12345678", "password", "short1!", "zhangsan2021"])
def test_weak_passwords_are_refused_in_chinese(password):
    with pytest.raises(ApplicationError) as exc:
        user_create(username="zhangsan", password=password, role=Role.AUDITOR, full_name="张三")
    assert exc.value.field == "password"
    assert any(word in exc.value.message for word in ("密码", "太短", "常见", "数字", "相似"))
    assert not User.objects.filter(username="zhangsan").exists()


def test_officer_needs_a_district():
    with pytest.raises(ApplicationError) as exc:
        user_create(username="o", password="Strong-Pass-2021", role=Role.DISTRICT_OFFICER)
    assert exc.value.field == "district"


def test_user_is_created_with_its_scope():
    user = user_create(
        username="o", password="Strong-Pass-2021", role=Role.DISTRICT_OFFICER, district=district("500103")
    )
    assert user.check_password("Strong-Pass-2021")
    assert user.is_district_officer and user.district.name == "渝中区"


def test_unknown_role_is_refused():
    with pytest.raises(ApplicationError):
        user_create(username="x", password="Strong-Pass-2021", role="king")
