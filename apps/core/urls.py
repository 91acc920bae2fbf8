from django.urls import path

from . import views

#: The largest id a URL or a request may name: 18 digits. A longer number cannot be an id (ids are
#: 64-bit) and would overflow the database driver.
MAX_ID = 10**18 - 1


class IdConverter:
    """`<id:pk>`: an object's id in a URL, 1 to 18 digits (MAX_ID); a longer number does not
    match, so the answer is a 404."""

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", views.csp_report, name="csp_report"),
]
