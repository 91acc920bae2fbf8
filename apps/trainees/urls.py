from django.urls import include, path

from .views import attendance, jobs, roster

# Two namespaces, as before the views became a package: roster:… and attendance:….
roster_patterns = [
    path("classes/<id:pk>/roster/", roster.roster, name="roster"),
    path("classes/<id:pk>/roster/add/", roster.enrol, name="enrol"),
    path("classes/<id:pk>/roster/upload/", roster.roster_upload, name="roster_upload"),
    path("classes/<id:pk>/roster/template.xlsx", roster.roster_template_download, name="roster_template"),
    path("enrolments/<id:pk>/withdraw/", roster.withdraw, name="withdraw"),
    path("persons/<id:pk>/", roster.person_detail, name="person_detail"),
    path("persons/<id:pk>/reveal/", roster.person_reveal, name="person_reveal"),
    path("imports/<id:pk>/", jobs.import_job, name="import_job"),
    path("third-party-reads/", roster.third_party_reads, name="third_party_reads"),
]

attendance_patterns = [
    path("classes/<id:pk>/attendance/", attendance.grid, name="grid"),
    path("classes/<id:pk>/attendance/sessions/<id:session_pk>/", attendance.session_entry, name="session"),
    path("classes/<id:pk>/attendance/import/sheet/", attendance.import_sheet, name="import_sheet"),
    path("classes/<id:pk>/attendance/import/online/", attendance.import_online, name="import_online"),
    path("classes/<id:pk>/attendance/sign-in-sheet.xlsx", attendance.sheet_template, name="sheet_template"),
    path("classes/<id:pk>/results/", attendance.results, name="results"),
    path("classes/<id:pk>/results/import/", attendance.results_upload, name="results_import"),
    path(
        "classes/<id:pk>/results/template.xlsx",
        attendance.results_template_download,
        name="results_template",
    ),
]

urlpatterns = [
    path("", include((roster_patterns, "roster"))),
    path("", include((attendance_patterns, "attendance"))),
]
