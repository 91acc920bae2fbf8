from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    # 申领补贴 from a completed class (the class page links here).
    path("new/class/<int:class_id>/", views.claim_create_for_class, name="create_for_class"),
    path("new/work-for-training/", views.claim_create_work_for_training, name="create_work_for_training"),
    path("new/apprenticeship/", views.claim_create_apprenticeship, name="create_apprenticeship"),
    path("new/enterprise/", views.claim_create_enterprise, name="create_enterprise"),
    # The same claims with the roster uploaded from Excel (kind: work-for-training, apprenticeship,
    # enterprise).
    path("new/<slug:kind>/upload/", views.claim_roster_upload, name="roster_upload"),
    path("new/<slug:kind>/template/", views.claim_roster_template, name="roster_template"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/edit/", views.claim_edit, name="edit"),
    path("<int:pk>/delete/", views.claim_delete, name="delete"),
    path("<int:pk>/action/", views.claim_action, name="action"),
    path("<int:pk>/recompute/", views.claim_recompute, name="recompute"),
    path("<int:pk>/lines/<int:line_pk>/decide/", views.line_decide, name="line_decide"),
    path("<int:pk>/lines/approve-pending/", views.lines_approve_pending, name="lines_approve_pending"),
    path("<int:pk>/recommend/", views.claim_recommend, name="recommend"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("<int:pk>/materials/<int:material_pk>/", views.material_download, name="material_download"),
    path("<int:pk>/materials/<int:material_pk>/delete/", views.material_delete, name="material_delete"),
]
