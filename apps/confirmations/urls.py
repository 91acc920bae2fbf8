from django.urls import path

from . import views

app_name = "confirmations"
urlpatterns = [
    # Public: the trainee, no login (a one-time link, or the code with the ID number's tail).
    path("", views.code, name="code"),
    path("mine/", views.mine, name="mine"),
    path("<str:token>/", views.link, name="link"),
    # The district's officers.
    path("claims/<id:pk>/resend/", views.resend, name="resend"),
]
