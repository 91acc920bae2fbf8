from django.urls import path

from . import views_attendance as views

app_name = "attendance"
urlpatterns = [
    path("classes/<int:pk>/attendance/", views.grid, name="grid"),
    path("classes/<int:pk>/attendance/sessions/<int:session_pk>/", views.session_entry, name="session"),
    path("classes/<int:pk>/attendance/import/sheet/", views.import_sheet, name="import_sheet"),
    path("classes/<int:pk>/attendance/import/online/", views.import_online, name="import_online"),
    path("classes/<int:pk>/attendance/sign-in-sheet.xlsx", views.sheet_template, name="sheet_template"),
    path("classes/<int:pk>/results/", views.results, name="results"),
    path("classes/<int:pk>/results/import/", views.results_upload, name="results_import"),
    path("classes/<int:pk>/results/template.xlsx", views.results_template_download, name="results_template"),
]
