from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="institution_list"),
    path("mine/", views.my_institutions, name="my_institutions"),
    path("register/", views.institution_register, name="institution_register"),
    path("<id:pk>/", views.institution_detail, name="institution_detail"),
    path("<id:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("<id:pk>/transition/", views.institution_transition, name="institution_transition"),
    path("<id:pk>/recommend/", views.institution_recommend, name="institution_recommend"),
    path("<id:pk>/recognitions/", views.recognition_add, name="recognition_add"),
    path(
        "<id:pk>/recognitions/<id:recognition_pk>/remove/",
        views.recognition_remove,
        name="recognition_remove",
    ),
    path("<id:pk>/high-skill/", views.high_skill_set, name="high_skill_set"),
    path("<id:pk>/years/", views.year_set, name="year_set"),
    path("employers/", views.employer_list, name="employer_list"),
    path("employers/mine/", views.my_employers, name="my_employers"),
    path("employers/register/", views.employer_register, name="employer_register"),
    path("employers/<id:pk>/", views.employer_detail, name="employer_detail"),
    path("employers/<id:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/add/", views.agency_add, name="agency_add"),
    path("agencies/<id:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<id:pk>/contracts/add/", views.contract_add, name="contract_add"),
    path(
        "agencies/<id:pk>/contracts/<id:contract_pk>/terminate/",
        views.contract_terminate,
        name="contract_terminate",
    ),
    path("agencies/<id:pk>/staff/add/", views.staff_attach, name="staff_attach"),
    path("agencies/<id:pk>/blacklist/", views.agency_blacklist, name="agency_blacklist"),
    path("agencies/<id:pk>/lift/", views.agency_lift, name="agency_lift"),
]
