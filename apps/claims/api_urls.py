from django.urls import path

from . import apis

urlpatterns = [
    path("claims/", apis.ClaimListCreateApi.as_view(), name="api-claim-list"),
    path("claims/<int:pk>/", apis.ClaimDetailApi.as_view(), name="api-claim-detail"),
    path("claims/<int:pk>/transition", apis.ClaimTransitionApi.as_view(), name="api-claim-transition"),
    path("claims/<int:pk>/recompute", apis.ClaimRecomputeApi.as_view(), name="api-claim-recompute"),
    path(
        "claims/<int:pk>/lines/<int:line_pk>/decision",
        apis.LineDecisionApi.as_view(),
        name="api-claim-line-decision",
    ),
    path("claims/<int:pk>/recommendation", apis.RecommendationApi.as_view(), name="api-claim-recommendation"),
    path("claims/<int:pk>/materials", apis.MaterialsApi.as_view(), name="api-claim-materials"),
    path(
        "claims/<int:pk>/materials/<int:material_pk>",
        apis.MaterialDetailApi.as_view(),
        name="api-claim-material",
    ),
]
