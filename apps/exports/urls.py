from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_index, name="index"),
    path("new/<slug:kind>/", views.export_new, name="new"),
    path("log/", views.export_log_page, name="log"),
    path("<id:pk>/", views.export_detail, name="detail"),
    path("<id:pk>/download/", views.export_download, name="download"),
]
