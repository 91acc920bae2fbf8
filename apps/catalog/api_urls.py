from django.urls import path

from . import apis

urlpatterns = [
    path("quotes", apis.QuoteApi.as_view(), name="api-quote"),
    path("parameters", apis.ParametersApi.as_view(), name="api-parameters"),
    path("districts/", apis.DistrictListApi.as_view(), name="api-district-list"),
    path("districts/<str:code>/settings/", apis.DistrictSettingsApi.as_view(), name="api-district-settings"),
    path("occupations/", apis.OccupationListApi.as_view(), name="api-occupation-list"),
    path("rate-rows/", apis.RateRowListApi.as_view(), name="api-rate-row-list"),
    path("rate-rows/<id:pk>/", apis.RateRowDetailApi.as_view(), name="api-rate-row-detail"),
]
