from django.urls import path

from . import apis

urlpatterns = [
    path("institutions/", apis.InstitutionListApi.as_view(), name="api-institution-list"),
    path("institutions/<id:pk>/", apis.InstitutionDetailApi.as_view(), name="api-institution-detail"),
    path(
        "institutions/<id:pk>/transition",
        apis.InstitutionTransitionApi.as_view(),
        name="api-institution-transition",
    ),
    path("institutions/<id:pk>/years", apis.InstitutionYearApi.as_view(), name="api-institution-year"),
    path("employers/", apis.EmployerListApi.as_view(), name="api-employer-list"),
    path("employers/<id:pk>/", apis.EmployerDetailApi.as_view(), name="api-employer-detail"),
]
