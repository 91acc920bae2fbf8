from django.urls import include, path

from .views import attendance, roster

# Two namespaces, as before the views became a package: roster:… and attendance:….
roster_patterns = [
    path("classes/<int:pk>/roster/", roster.roster, name="roster"),
    path("classes/<int:pk>/roster/add/", roster.enrol, name="enrol"),
    path("classes/<int:pk>/roster/upload/", roster.roster_upload, name="roster_upload"),
    path("classes/<int:pk>/roster/template.xlsx", roster.roster_template_download, name="roster_template"),
    path("enrolments/<int:pk>/withdraw/", roster.withdraw, name="withdraw"),
    path("persons/<int:pk>/", roster.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", roster.person_reveal, name="person_reveal"),
]

attendance_patterns = [
    path("classes/<int:pk>/attendance/", attendance.grid, name="grid"),
    path("classes/<int:pk>/attendance/sessions/<int:session_pk>/", attendance.session_entry, name="session"),
    path("classes/<int:pk>/attendance/import/sheet/", attendance.import_sheet, name="import_sheet"),
    path("classes/<int:pk>/attendance/import/online/", attendance.import_online, name="import_online"),
    path("classes/<int:pk>/attendance/sign-in-sheet.xlsx", attendance.sheet_template, name="sheet_template"),
    path("classes/<int:pk>/results/", attendance.results, name="results"),
    path("classes/<int:pk>/results/import/", attendance.results_upload, name="results_import"),
    path(
        "classes/<int:pk>/results/template.xlsx",
        attendance.results_template_download,
        name="results_template",
    ),
]

urlpatterns = [
    path("", include((roster_patterns, "roster"))),
    path("", include((attendance_patterns, "attendance"))),
]
