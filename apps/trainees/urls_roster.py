from django.urls import path

from . import views_roster as views

app_name = "roster"
urlpatterns = [
    path("classes/<int:pk>/roster/", views.roster, name="roster"),
    path("classes/<int:pk>/roster/add/", views.enrol, name="enrol"),
    path("classes/<int:pk>/roster/upload/", views.roster_upload, name="roster_upload"),
    path("classes/<int:pk>/roster/template.xlsx", views.roster_template_download, name="roster_template"),
    path("enrolments/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
]
