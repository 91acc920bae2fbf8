from django.urls import path

from . import apis

urlpatterns = [
    path("classes/", apis.ClassListCreateApi.as_view(), name="api-class-list"),
    path("classes/<id:pk>/", apis.ClassDetailApi.as_view(), name="api-class-detail"),
    path("classes/<id:pk>/transition", apis.ClassTransitionApi.as_view(), name="api-class-transition"),
    path(
        "classes/<id:pk>/recommendation",
        apis.ClassRecommendationApi.as_view(),
        name="api-class-recommendation",
    ),
]
