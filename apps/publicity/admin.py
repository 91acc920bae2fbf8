"""Notices, their lines and objections change only through apps.publicity.services. The admin only reads."""

from django.contrib import admin

from apps.claims.admin import ReadOnlyAdmin

from .models import NoticeLine, Objection, PublicNotice


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "district", "published_on", "ends_on", "line_count", "amount"]
    list_filter = ["district"]
    list_select_related = ["district"]


@admin.register(NoticeLine)
class NoticeLineAdmin(ReadOnlyAdmin):
    list_display = ["pk", "notice", "claimant", "masked_name", "masked_id_number", "amount"]
    list_select_related = ["notice"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["number", "notice", "line", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["notice"]
