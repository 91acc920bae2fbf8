from django.urls import path

from .apis import attendance, roster

urlpatterns = [
    path("classes/<int:pk>/enrolments/", roster.RosterEnrolmentsApi.as_view(), name="api-roster-enrolments"),
    path("classes/<int:pk>/roster", roster.RosterUploadApi.as_view(), name="api-roster-upload"),
    path(
        "enrolments/<int:pk>/withdraw", roster.EnrolmentWithdrawApi.as_view(), name="api-enrolment-withdraw"
    ),
    path("persons/<int:pk>/", roster.PersonDetailApi.as_view(), name="api-person-detail"),
    path("persons/<int:pk>/reveal", roster.PersonRevealApi.as_view(), name="api-person-reveal"),
    path("classes/<int:pk>/attendance", attendance.AttendanceApi.as_view(), name="api-class-attendance"),
    path(
        "classes/<int:pk>/attendance/online",
        attendance.OnlineAttendanceImportApi.as_view(),
        name="api-class-attendance-online",
    ),
    path(
        "classes/<int:pk>/attendance/sheet",
        attendance.SignInSheetImportApi.as_view(),
        name="api-class-attendance-sheet",
    ),
    path("classes/<int:pk>/results", attendance.ResultsApi.as_view(), name="api-class-results"),
    path(
        "classes/<int:pk>/results/upload",
        attendance.ResultsImportApi.as_view(),
        name="api-class-results-upload",
    ),
]
