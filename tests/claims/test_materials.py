"""Claim materials: type by extension and by content, size limits per kind, clean names, who may
upload and delete and when; a refused upload stores nothing."""

import io
import zipfile
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from apps.claims.models import ClaimMaterial, ClaimStatus
from apps.claims.services.employer_claims import (
    EnterpriseTrainee,
    EnterpriseTraining,
    claim_create_enterprise_direct,
)
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.materials import claim_material_delete, claim_material_upload
from apps.claims.validators import check_upload, clean_filename, size_text
from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from tests.factories import UserFactory

from .conftest import person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32


def _office(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


XLSX = _office("xl/workbook.xml")
DOCX = _office("word/document.xml")


def _check(kind, content, name):
    return check_upload(kind=kind, file=io.BytesIO(content), name=name, size=len(content))


@pytest.mark.parametrize(
    ("kind", "content", "name", "content_type"),
    [
        ("plan", PDF, "培训计划.pdf", "application/pdf"),
        ("sign_in", JPG, "签到表.JPG", "image/jpeg"),
        ("sign_in", PNG, "签到表.png", "image/png"),
        ("sign_in", XLSX, "签到表.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "other",
            DOCX,
            "说明.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("video", MP4, "培训录像.mp4", "video/mp4"),
    ],
)
def test_accepted_types(kind, content, name, content_type):
    checked = _check(kind, content, name)
    assert checked.content_type == content_type and checked.size == len(content)
    assert checked.storage_name.endswith("." + name.rsplit(".", 1)[1].lower())


@pytest.mark.parametrize(
    ("kind", "content", "name", "message"),
    [
        ("plan", b"MZ\x90\x00", "计划.exe", "只接受 docx、jpg、pdf、png、xlsx 格式"),
        ("plan", MP4, "计划.mp4", "只接受"),
        ("video", PDF, "录像.pdf", "只接受 mp4 格式"),
        ("plan", PNG, "计划.pdf", "内容不是 PDF 文件（"),
        ("sign_in", PDF, "签到表.jpg", "内容不是 JPG 图片（"),
        ("sign_in", DOCX, "签到表.xlsx", "内容不是 Excel 工作簿（"),
        ("other", b"PK\x03\x04 not a zip", "说明.docx", "内容不是 Word 文档（"),
        ("video", PDF + b"\x00" * 16, "录像.mp4", "内容不是 MP4 视频（"),
        ("plan", b"", "计划.pdf", "空文件"),
        ("plan", PDF, "计划", "只接受"),
    ],
)
def test_refused_types_name_the_file(kind, content, name, message):
    with pytest.raises(ApplicationError) as exc:
        _check(kind, content, name)
    assert exc.value.field == "file" and message in exc.value.message


@override_settings(CLAIM_MATERIAL_MAX_BYTES=1024, CLAIM_VIDEO_MAX_BYTES=4096)
def test_size_limits_are_per_kind_and_configurable():
    big_pdf = PDF + b"\x00" * 1024
    with pytest.raises(ApplicationError, match="超过培训计划的上限 1 KB"):
        _check("plan", big_pdf, "计划.pdf")
    assert _check("video", MP4 + b"\x00" * 2000, "录像.mp4").size == len(MP4) + 2000
    with pytest.raises(ApplicationError, match="超过培训视频类资料的上限 4 KB"):
        _check("video", MP4 + b"\x00" * 4096, "录像.mp4")


def test_default_limits_are_20_mb_and_2_gb(settings):
    assert size_text(settings.CLAIM_MATERIAL_MAX_BYTES) == "20 MB"
    assert size_text(settings.CLAIM_VIDEO_MAX_BYTES) == "2 GB"


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\培训计划.PDF", "培训计划.pdf"),
        ('a<b>:"c|d?*.pdf', "a_b_c_d_.pdf"),
        ("签到\x00表\n.png", "签到_表_.png"),
        ("...", "file"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_filenames_are_cleaned(given, cleaned):
    assert clean_filename(given) == cleaned


# The services ---------------------------------------------------------------------------------


@pytest.fixture
def direct_claim(filer, employer, lathe, rates):
    return claim_create_enterprise_direct(
        actor=filer,
        employer=employer,
        training=EnterpriseTraining("岗位提升", lathe, 4, date(2026, 11, 2), date(2026, 11, 20)),
        trainees=[EnterpriseTrainee(person("孙职工", "013"), "employee", attended_offline=60)],
    )


def test_upload_stores_under_a_random_name_and_logs(direct_claim, filer):
    material = claim_material_upload(
        claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("../培训计划.pdf", PDF)
    )
    assert material.original_name == "培训计划.pdf" and material.size == len(PDF)
    assert material.file.name.startswith("claims/") and "培训计划" not in material.file.name
    assert default_storage.open(material.file.name).read() == PDF
    assert "上传材料：培训计划“培训计划.pdf”" in [c.reason for c in state_changes_for(obj=direct_claim)]


def test_a_refused_upload_stores_nothing(direct_claim, filer):
    with pytest.raises(ApplicationError):
        claim_material_upload(
            claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("计划.pdf", PNG)
        )
    assert not ClaimMaterial.objects.exists()


def test_only_the_claimant_uploads_and_deletes(direct_claim, filer):
    officer = UserFactory(officer=True)
    with pytest.raises(ApplicationError, match="申领单位的经办人"):
        claim_material_upload(
            claim=direct_claim, actor=officer, kind="plan", upload=SimpleUploadedFile("计划.pdf", PDF)
        )
    material = claim_material_upload(
        claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("计划.pdf", PDF)
    )
    with pytest.raises(ApplicationError):
        claim_material_delete(material=material, actor=officer)
    assert ClaimMaterial.objects.count() == 1


def test_materials_are_fixed_once_submitted(direct_claim, filer, django_capture_on_commit_callbacks):
    material = claim_material_upload(
        claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("计划.pdf", PDF)
    )
    claim_transition(claim=direct_claim, actor=filer, to=ClaimStatus.SUBMITTED)
    with pytest.raises(ApplicationError, match="草稿或退回修改时可以"):
        claim_material_upload(
            claim=direct_claim, actor=filer, kind="video", upload=SimpleUploadedFile("v.mp4", MP4)
        )
    with pytest.raises(ApplicationError, match="草稿或退回修改时可以"):
        claim_material_delete(material=material, actor=filer)
    assert ClaimMaterial.objects.count() == 1


def test_delete_removes_the_stored_file_after_commit(direct_claim, filer, django_capture_on_commit_callbacks):
    material = claim_material_upload(
        claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("计划.pdf", PDF)
    )
    stored = material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        claim_material_delete(material=material, actor=filer)
    assert not ClaimMaterial.objects.exists() and not default_storage.exists(stored)


def test_download_streams_the_file_as_an_attachment_to_those_who_see_the_claim(client, direct_claim, filer):
    material = claim_material_upload(
        claim=direct_claim, actor=filer, kind="plan", upload=SimpleUploadedFile("培训 计划.pdf", PDF)
    )
    url = f"/claims/{direct_claim.pk}/materials/{material.pk}/"
    client.force_login(filer)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%9F%B9%E8%AE%AD%20%E8%AE%A1%E5%88%92.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(UserFactory(filer=True))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(officer=True))  # 渝中区: not the claim's district (万州区)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(officer=True, district=direct_claim.district))
    assert client.get(url).status_code == 200
    assert client.get(f"/claims/{direct_claim.pk}/materials/{material.pk + 1}/").status_code == 404


def test_an_upload_error_is_shown_in_the_materials_section_where_the_page_lands(client, direct_claim, filer):
    client.force_login(filer)
    url = f"/claims/{direct_claim.pk}/materials/"
    response = client.post(url, {"kind": "plan", "file": SimpleUploadedFile("计划.pdf", b"not a pdf")})
    assert response.status_code == 302 and response.url.endswith("#materials")
    page = client.get(response.url.split("#")[0]).content.decode()
    top, materials = page.split('id="materials"', 1)
    section = materials.split("</section>", 1)[0]
    assert 'role="alert"' in section and "计划.pdf" in section  # the refusal names the file, here
    assert "计划.pdf" not in top  # and not at the top of the page, off-screen from #materials
    assert not ClaimMaterial.objects.exists()
    response = client.post(url, {"kind": "plan", "file": SimpleUploadedFile("计划.pdf", PDF)}, follow=True)
    section = response.content.decode().split('id="materials"', 1)[1].split("</section>", 1)[0]
    assert "已上传“计划.pdf”" in section
