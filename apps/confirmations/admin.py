from django.contrib import admin
from django.http import HttpRequest

from .models import ConfirmationRequest


@admin.register(ConfirmationRequest)
class ConfirmationRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "claim", "status", "phone_masked", "sent_at", "answered_at")
    list_filter = ("status",)
    # The digests and the trainee's answer are the record: read only here.
    readonly_fields = [f.name for f in ConfirmationRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
