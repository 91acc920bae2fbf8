from django.urls import path

from . import views

app_name = "scenarios"
urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("<id:pk>/", views.scenario_detail, name="detail"),
    path("<id:pk>/export.xlsx", views.scenario_export, name="export"),
]
