from django.urls import path

from . import apis_roster as apis

urlpatterns = [
    path("classes/<int:pk>/enrolments/", apis.RosterEnrolmentsApi.as_view(), name="api-roster-enrolments"),
    path("classes/<int:pk>/roster", apis.RosterUploadApi.as_view(), name="api-roster-upload"),
    path("enrolments/<int:pk>/withdraw", apis.EnrolmentWithdrawApi.as_view(), name="api-enrolment-withdraw"),
    path("persons/<int:pk>/", apis.PersonDetailApi.as_view(), name="api-person-detail"),
    path("persons/<int:pk>/reveal", apis.PersonRevealApi.as_view(), name="api-person-reveal"),
]
