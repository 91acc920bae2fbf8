from django.urls import path

from .apis import claims, materials, review

urlpatterns = [
    path("claims/", claims.ClaimListCreateApi.as_view(), name="api-claim-list"),
    path("claims/<id:pk>/", claims.ClaimDetailApi.as_view(), name="api-claim-detail"),
    path("claims/<id:pk>/transition", review.ClaimTransitionApi.as_view(), name="api-claim-transition"),
    path("claims/<id:pk>/recompute", review.ClaimRecomputeApi.as_view(), name="api-claim-recompute"),
    path(
        "claims/<id:pk>/lines/<id:line_pk>/decision",
        review.LineDecisionApi.as_view(),
        name="api-claim-line-decision",
    ),
    path(
        "claims/<id:pk>/lines/<id:line_pk>/recommendation",
        review.LineRecommendationApi.as_view(),
        name="api-claim-line-recommendation",
    ),
    path(
        "claims/<id:pk>/recommendation", review.RecommendationApi.as_view(), name="api-claim-recommendation"
    ),
    path("claims/<id:pk>/materials", materials.MaterialsApi.as_view(), name="api-claim-materials"),
    path(
        "claims/<id:pk>/materials/<id:material_pk>",
        materials.MaterialDetailApi.as_view(),
        name="api-claim-material",
    ),
]
