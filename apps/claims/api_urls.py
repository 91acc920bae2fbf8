from django.urls import path

from .apis import claims, materials, review

urlpatterns = [
    path("claims/", claims.ClaimListCreateApi.as_view(), name="api-claim-list"),
    path("claims/<int:pk>/", claims.ClaimDetailApi.as_view(), name="api-claim-detail"),
    path("claims/<int:pk>/transition", review.ClaimTransitionApi.as_view(), name="api-claim-transition"),
    path("claims/<int:pk>/recompute", review.ClaimRecomputeApi.as_view(), name="api-claim-recompute"),
    path(
        "claims/<int:pk>/lines/<int:line_pk>/decision",
        review.LineDecisionApi.as_view(),
        name="api-claim-line-decision",
    ),
    path(
        "claims/<int:pk>/recommendation", review.RecommendationApi.as_view(), name="api-claim-recommendation"
    ),
    path("claims/<int:pk>/materials", materials.MaterialsApi.as_view(), name="api-claim-materials"),
    path(
        "claims/<int:pk>/materials/<int:material_pk>",
        materials.MaterialDetailApi.as_view(),
        name="api-claim-material",
    ),
]
