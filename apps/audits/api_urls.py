from django.urls import path

from . import apis

urlpatterns = [
    path("audits/runs", apis.RunListCreateApi.as_view(), name="api-audit-runs"),
    path("audits/runs/<id:pk>", apis.RunDetailApi.as_view(), name="api-audit-run"),
    path("audits/findings", apis.FindingListApi.as_view(), name="api-audit-findings"),
    path("audits/findings/<id:pk>", apis.FindingDetailApi.as_view(), name="api-audit-finding"),
    path(
        "audits/findings/<id:pk>/resolution",
        apis.FindingResolutionApi.as_view(),
        name="api-audit-resolution",
    ),
]
