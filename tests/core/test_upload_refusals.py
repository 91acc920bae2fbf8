"""What Django refuses in a form or an upload before any view reads it is a Chinese 400: the
portal's page for pages, the API's error shape under /api/ (issue 17, item 3): a part whose
headers are too long (a file name of thousands of characters), too many fields, too large a form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def multipart(file_name: str) -> tuple[bytes, str]:
    boundary = "PeixunBoundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\nx\r\n--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def admin(db):
    return UserFactory(municipal_admin=True, username="admin")


def test_a_file_name_of_thousands_of_characters_is_a_chinese_400_on_a_page(client, admin):
    client.force_login(admin)
    body, content_type = multipart("名" * 3000 + ".xlsx")
    response = client.generic("POST", reverse("catalog:occupation_import"), body, content_type=content_type)
    assert response.status_code == 400
    assert "文件名过长" in response.content.decode()


def test_too_many_fields_is_a_chinese_400_on_a_page_and_in_the_api(client, api_client, admin, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    client.force_login(admin)
    data = {"a": "1", "b": "2", "c": "3", "file": SimpleUploadedFile("x.xlsx", b"x")}
    response = client.post(reverse("catalog:occupation_import"), data)
    assert response.status_code == 400 and "提交的字段过多" in response.content.decode()
    api_client.force_authenticate(admin)
    response = api_client.post("/api/v1/claims/", {"a": "1", "b": "2", "c": "3"}, format="multipart")
    assert response.status_code == 400 and "提交的字段过多" in response.json()["detail"]


def test_too_large_a_form_is_a_chinese_400(client, admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client.force_login(admin)
    response = client.post(reverse("catalog:occupation_import"), {"note": "长" * 200})
    assert response.status_code == 400 and "提交的内容过大" in response.content.decode()
