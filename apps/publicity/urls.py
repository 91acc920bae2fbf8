from django.urls import path

from . import views

app_name = "publicity"
urlpatterns = [
    # Public: no login.
    path("", views.notice_list, name="notices"),
    path("<id:pk>/", views.notice_detail, name="notice"),
    path("<id:pk>/objection/", views.objection_create, name="objection_create"),
    path("<id:pk>/objection/done/", views.objection_done, name="objection_done"),
    # The district's officers.
    path("office/", views.office, name="office"),
    path("office/publish/", views.notice_publish, name="publish"),
    path("office/objections/", views.objection_list, name="objections"),
    path("office/objections/<id:pk>/", views.objection_detail, name="objection"),
]
