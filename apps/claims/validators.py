"""Claim materials (R4.3: training plan, sign-in sheets, training video): what may be uploaded.

A file is accepted when its extension is allowed for its kind, its first bytes are those of that
format (the extension alone proves nothing), and its size is within the configured limit. The
name a user gave is cleaned for display only; the stored name is random. No invoice is ever
asked for (clause 四: "无需开具培训补贴发票").
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import IO

from django.conf import settings

from apps.core.errors import ApplicationError

from .models import MaterialKind


@dataclass(frozen=True)
class FileType:
    extension: str
    label: str
    content_type: str
    is_video: bool = False


OPENXML = "application/vnd.openxmlformats-officedocument"
DOCUMENT_TYPES = {
    t.extension: t
    for t in (
        FileType("pdf", "PDF 文件", "application/pdf"),
        FileType("jpg", "JPG 图片", "image/jpeg"),
        FileType("jpeg", "JPG 图片", "image/jpeg"),
        FileType("png", "PNG 图片", "image/png"),
        FileType("xlsx", "Excel 工作簿", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        FileType(
            "docx", "Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
    )
}
VIDEO_TYPES = {"mp4": FileType("mp4", "MP4 视频", "video/mp4", is_video=True)}
# The kinds that take a video; every other kind takes documents.
VIDEO_KINDS = {MaterialKind.VIDEO}
# Bytes read to recognise a format; an MP4's "ftyp" box starts at byte 4.
SNIFF_BYTES = 16
NAME_MAX = 120
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def allowed_types(kind: str) -> dict[str, FileType]:
    return VIDEO_TYPES if kind in VIDEO_KINDS else DOCUMENT_TYPES


def max_bytes(kind: str) -> int:
    return settings.CLAIM_VIDEO_MAX_BYTES if kind in VIDEO_KINDS else settings.CLAIM_MATERIAL_MAX_BYTES


def size_text(size: int) -> str:
    """`20 MB`, `2 GB`, `1.5 KB`: one decimal place, only where it is not zero."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = (Decimal(size) / factor).quantize(Decimal("0.1"), ROUND_HALF_UP)
            return f"{value.normalize():f} {unit}"
    return f"{size} 字节"


def accept_attribute(kind: str) -> str:
    """The HTML `accept` of a file input for this kind (a hint; the server decides)."""
    return ",".join(f".{ext}" for ext in allowed_types(kind))


def clean_filename(name: str) -> str:
    """A display name safe to show and to send back in Content-Disposition: no directories,
    no control or reserved characters, at most NAME_MAX characters, the extension kept."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = UNSAFE_NAME.sub("_", base).strip(" .")
    if not base:
        base = "file"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        return base[:NAME_MAX]
    ext = ext.lower()[:10]
    return f"{stem[: NAME_MAX - len(ext) - 1]}.{ext}"


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _zip_has(file: IO[bytes], member: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _matches(extension: str, head: bytes, file: IO[bytes]) -> bool:
    """Whether the file's first bytes are those of the format its extension names."""
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("xlsx", "docx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        member = "xl/workbook.xml" if extension == "xlsx" else "word/document.xml"
        file.seek(0)
        return _zip_has(file, member)
    if extension == "mp4":
        return head[4:8] == b"ftyp"
    return False


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the cleaned display name
    storage_name: str  # random, with the checked extension
    size: int
    content_type: str


def check_upload(*, kind: str, file: IO[bytes], name: str, size: int) -> CheckedFile:
    """Check one upload for `kind`; raises ApplicationError naming the file field."""
    if kind not in MaterialKind.values:
        raise ApplicationError(
            f"材料类型应为 {'、'.join(str(label) for label in MaterialKind.labels)} 之一", field="kind"
        )
    label = MaterialKind(kind).label
    display = clean_filename(name)
    types = allowed_types(kind)
    extension = extension_of(display)
    if extension not in types:
        allowed = "、".join(sorted({t.extension for t in types.values() if t.extension != "jpeg"}))
        raise ApplicationError(f"上传文件：{label}只接受 {allowed} 格式，“{display}”的格式不符", field="file")
    limit = max_bytes(kind)
    if size <= 0:
        raise ApplicationError(f"上传文件：“{display}”是空文件", field="file")
    if size > limit:
        raise ApplicationError(
            f"上传文件：“{display}”大小 {size_text(size)}，超过{label}的上限 {size_text(limit)}",
            field="file",
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    matches = _matches(extension, head, file)
    file.seek(0)
    if not matches:
        raise ApplicationError(
            f"上传文件：“{display}”的内容不是 {types[extension].label}（文件内容与扩展名 .{extension} 不符）",
            field="file",
        )
    return CheckedFile(
        name=display,
        storage_name=f"{uuid.uuid4().hex}.{extension}",
        size=size,
        content_type=types[extension].content_type,
    )
