from django.urls import path

from . import apis

urlpatterns = [
    path("exports", apis.ExportsApi.as_view(), name="api-exports"),
    path("exports/log", apis.ExportLogApi.as_view(), name="api-export-log"),
    path("exports/<id:pk>", apis.ExportJobApi.as_view(), name="api-export"),
    path("exports/<id:pk>/file", apis.ExportFileApi.as_view(), name="api-export-file"),
]
