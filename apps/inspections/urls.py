from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("draws/", views.draw_list, name="draws"),
    path("<id:pk>/", views.inspection_detail, name="detail"),
    path("<id:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("<id:pk>/reassign/", views.reassign, name="reassign"),
    path("photos/<id:pk>/", views.photo_file, name="photo"),
]
