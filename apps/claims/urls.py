from django.urls import path

from .views import claims, detail, filing, materials, review

app_name = "claims"
urlpatterns = [
    path("", claims.claim_list, name="list"),
    # 申领补贴 from a completed class (the class page links here).
    path("new/class/<id:class_id>/", filing.claim_create_for_class, name="create_for_class"),
    path("new/work-for-training/", filing.claim_create_work_for_training, name="create_work_for_training"),
    path("new/apprenticeship/", filing.claim_create_apprenticeship, name="create_apprenticeship"),
    path("new/enterprise/", filing.claim_create_enterprise, name="create_enterprise"),
    # The same claims with the roster uploaded from Excel (kind: work-for-training, apprenticeship,
    # enterprise).
    path("new/<slug:kind>/upload/", filing.claim_roster_upload, name="roster_upload"),
    path("new/<slug:kind>/template/", filing.claim_roster_template, name="roster_template"),
    path("<id:pk>/", detail.claim_detail, name="detail"),
    path("<id:pk>/edit/", filing.claim_edit, name="edit"),
    path("<id:pk>/delete/", filing.claim_delete, name="delete"),
    path("<id:pk>/action/", review.claim_action, name="action"),
    path("<id:pk>/recompute/", review.claim_recompute, name="recompute"),
    path("<id:pk>/lines/<id:line_pk>/decide/", review.line_decide, name="line_decide"),
    path("<id:pk>/lines/approve-pending/", review.lines_approve_pending, name="lines_approve_pending"),
    path("<id:pk>/recommend/", review.claim_recommend, name="recommend"),
    path("<id:pk>/lines/<id:line_pk>/recommend/", review.line_recommend, name="line_recommend"),
    path("<id:pk>/materials/", materials.material_upload, name="material_upload"),
    path("<id:pk>/materials/<id:material_pk>/", materials.material_download, name="material_download"),
    path("<id:pk>/materials/<id:material_pk>/delete/", materials.material_delete, name="material_delete"),
]
