from django.urls import path

from . import apis_attendance as apis

urlpatterns = [
    path("classes/<int:pk>/attendance", apis.AttendanceApi.as_view(), name="api-class-attendance"),
    path(
        "classes/<int:pk>/attendance/online",
        apis.OnlineAttendanceImportApi.as_view(),
        name="api-class-attendance-online",
    ),
    path("classes/<int:pk>/results", apis.ResultsApi.as_view(), name="api-class-results"),
]
