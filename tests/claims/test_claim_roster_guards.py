"""The enterprise claim rosters pass the same upload guard as every import (issue 17): a zip
bomb, a sheet of 1,048,576 rows and a file over the byte cap are refused fast, naming the file,
and no claim is made."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.claims.models import Claim
from tests import hostile_files

pytestmark = pytest.mark.django_db


def _post(client, employer, content):
    started = time.perf_counter()
    response = client.post(
        reverse("claims:roster_upload", args=["work-for-training"]),
        {"employer": employer.pk, "year": "2021", "file": SimpleUploadedFile("名单.xlsx", content)},
    )
    return response.status_code, response.content.decode(), time.perf_counter() - started


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (hostile_files.zip_bomb, "「名单.xlsx」解压后过大"),
        (
            lambda: hostile_files.million_rows(["身份证号码"], ["x"]),
            "「名单.xlsx」超过申领人员名单的行数上限",
        ),
        (lambda: "身份证号码,姓名\n".encode(), "「名单.xlsx」不是有效的 Excel 文件"),
    ],
    ids=["zip bomb", "1048576 rows", "not a zip"],
)
def test_a_hostile_claim_roster_is_refused_fast(client, filer, employer, content, says):
    client.force_login(filer)
    status, body, seconds = _post(client, employer, content())
    assert status == 200 and says in body and seconds < 2
    assert not Claim.objects.exists()


def test_the_form_states_its_caps_and_the_byte_cap_holds(client, filer, employer, settings):
    client.force_login(filer)
    body = client.get(reverse("claims:roster_upload", args=["work-for-training"])).content.decode()
    assert "文件不超过 5 MB，最多 5,000 行（不含表头）" in body
    settings.IMPORT_MAX_BYTES = {**settings.IMPORT_MAX_BYTES, "claims": 100}
    _, body, _ = _post(client, employer, b"x" * 200)
    assert "「名单.xlsx」有 0.0 MB，超过申领人员名单文件的上限" in body
