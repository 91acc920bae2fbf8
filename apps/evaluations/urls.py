from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("export.xlsx", views.scorecard_export, name="export"),
    path("<id:pk>/", views.agency_scorecard, name="detail"),
    path("institutions/", views.institution_ranking, name="institutions"),
    path("institutions/export.xlsx", views.institution_export, name="institutions_export"),
    path("institutions/<id:pk>/", views.institution_scorecard, name="institution"),
]
