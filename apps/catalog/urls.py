from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("occupations/", views.occupation_list, name="occupation_list"),
    path("occupations/import/", views.occupation_import, name="occupation_import"),
    path("districts/", views.district_list, name="district_list"),
    path("districts/<str:code>/rates/", views.rate_table, name="rate_table"),
    path("districts/<str:code>/rates/new/", views.rate_row_create, name="rate_row_create"),
    path("districts/<str:code>/settings/", views.district_settings, name="district_settings"),
    path("rates/<id:pk>/", views.rate_row_detail, name="rate_row_detail"),
    path("rates/<id:pk>/edit/", views.rate_row_edit, name="rate_row_edit"),
]
