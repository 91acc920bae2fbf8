from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/<id:pk>/", views.run_detail, name="run"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/<id:pk>/", views.finding_detail, name="finding"),
    path("claims/<id:claim_id>/", views.claim_findings, name="claim"),
    path("claims/<id:claim_id>/start/", views.claim_audit_start, name="claim_start"),
    path("rules/", views.rules, name="rules"),
]
