from django.urls import path

from . import apis

urlpatterns = [
    path("notices", apis.NoticesApi.as_view(), name="api-notices"),
    path("notices/mark-read", apis.NoticesMarkReadApi.as_view(), name="api-notices-mark-read"),
]
