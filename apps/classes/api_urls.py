from django.urls import path

from . import apis

urlpatterns = [
    path("classes/", apis.ClassListCreateApi.as_view(), name="api-class-list"),
    path("classes/<int:pk>/", apis.ClassDetailApi.as_view(), name="api-class-detail"),
    path("classes/<int:pk>/transition", apis.ClassTransitionApi.as_view(), name="api-class-transition"),
    path(
        "classes/<int:pk>/recommendation",
        apis.ClassRecommendationApi.as_view(),
        name="api-class-recommendation",
    ),
]
