from django.urls import path

from . import views

app_name = "classes"
urlpatterns = [
    path("", views.class_list, name="list"),
    path("new/", views.class_create, name="create"),
    path("quote/", views.class_quote_live, name="quote"),
    path("<id:pk>/", views.class_detail, name="detail"),
    path("<id:pk>/edit/", views.class_edit, name="edit"),
    path("<id:pk>/action/", views.class_action, name="action"),
    path("<id:pk>/recommend/", views.class_recommend, name="recommend"),
]
