from django.urls import path

from .apis import attendance, jobs, roster

urlpatterns = [
    path("import-jobs/<id:pk>", jobs.ImportJobApi.as_view(), name="api-import-job"),
    path("classes/<id:pk>/enrolments/", roster.RosterEnrolmentsApi.as_view(), name="api-roster-enrolments"),
    path("classes/<id:pk>/roster", roster.RosterUploadApi.as_view(), name="api-roster-upload"),
    path("enrolments/<id:pk>/withdraw", roster.EnrolmentWithdrawApi.as_view(), name="api-enrolment-withdraw"),
    path("persons/<id:pk>/", roster.PersonDetailApi.as_view(), name="api-person-detail"),
    path("persons/<id:pk>/reveal", roster.PersonRevealApi.as_view(), name="api-person-reveal"),
    path("classes/<id:pk>/attendance", attendance.AttendanceApi.as_view(), name="api-class-attendance"),
    path(
        "classes/<id:pk>/attendance/online",
        attendance.OnlineAttendanceImportApi.as_view(),
        name="api-class-attendance-online",
    ),
    path(
        "classes/<id:pk>/attendance/sheet",
        attendance.SignInSheetImportApi.as_view(),
        name="api-class-attendance-sheet",
    ),
    path("classes/<id:pk>/results", attendance.ResultsApi.as_view(), name="api-class-results"),
    path(
        "classes/<id:pk>/results/upload",
        attendance.ResultsImportApi.as_view(),
        name="api-class-results-upload",
    ),
]
