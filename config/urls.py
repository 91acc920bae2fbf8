from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.accounts import views as accounts_views
from apps.accounts.apis import MeApi, TokenObtainApi, TokenRevokeApi, TokenRotateApi
from apps.catalog import views as catalog_views
from apps.core.apis import ApiRootApi, EventListApi, api_not_found
from apps.core.urls import IdConverter

register_converter(IdConverter, "id")

# The admin has no login of its own: its door is the portal's, with the portal's lock-out (set
# before admin.site.urls builds its routes).
admin.site.login = accounts_views.admin_login  # type: ignore[method-assign]

api_v1: list[URLPattern | URLResolver] = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Redoc writes its styles into <style> elements as it renders and parses in a blob: worker: the
    # policy is relaxed for this page alone (the portal's pages and Swagger UI keep the strict one).
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
    path("auth/token", TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/rotate", TokenRotateApi.as_view(), name="api-token-rotate"),
    path("auth/token/revoke", TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me", MeApi.as_view(), name="api-me"),
    path("events", EventListApi.as_view(), name="api-events"),
    path("", include("apps.catalog.api_urls")),
    path("", include("apps.classes.api_urls")),
    path("", include("apps.claims.api_urls")),
    path("", include("apps.audits.api_urls")),
    path("", include("apps.ledger.api_urls")),
    path("", include("apps.exports.api_urls")),
    path("", include("apps.notices.api_urls")),
    path("", include("apps.institutions.api_urls")),
    path("", include("apps.trainees.api_urls")),
    # Last: any other path under /api/v1/ answers a JSON 404, never an HTML page.
    re_path(r"^(?P<route>[\s\S]*)$", api_not_found),
]

urlpatterns = [
    path("", include(("apps.core.urls", "core"))),
    path("accounts/", include("apps.accounts.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("classes/", include("apps.classes.urls")),
    path("claims/", include("apps.claims.urls")),
    path("audits/", include("apps.audits.urls")),
    path("inspections/", include("apps.inspections.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("exports/", include("apps.exports.urls")),
    path("notices/", include("apps.notices.urls")),
    path("institutions/", include("apps.institutions.urls")),
    path("trainees/", include("apps.trainees.urls")),
    path("publicity/", include("apps.publicity.urls")),
    path("confirm/", include("apps.confirmations.urls")),
    path("insurance/", include("apps.insurance.urls")),
    path("evaluations/", include("apps.evaluations.urls")),
    path("scenarios/", include("apps.scenarios.urls")),
    path("rules/", catalog_views.rules_page, name="rules"),
    path("rules/rules.md", catalog_views.rules_markdown, name="rules_markdown"),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Under /api/ a 404 or a 500 is JSON in the error shape; the portal's own pages elsewhere.
handler400 = "apps.core.views.bad_request"
handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"
