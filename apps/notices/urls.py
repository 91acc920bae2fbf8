from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.notices_read_all, name="read_all"),
    path("<id:pk>/", views.notice_open, name="open"),
    path("<id:pk>/read/", views.notice_read, name="read"),
]
