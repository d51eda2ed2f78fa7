from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import views as accounts_views
from allocations.applications import api as allocations_api
from allocations.capacity import api as capacity_api
from allocations.dashboards import api as dashboard_api
from allocations.postaward.changes import api as changes_api
from allocations.postaward.reports import api as final_report_api
from allocations.terms import api as terms_api
from allocations.usage import agent_api
from allocations.usage import api as usage_api
from audit import api as audit_api
from ledger import api as ledger_api
from portal import views
from privacy import api as privacy_api
from reviews import api as reviews_api


class ApiRoot(DefaultRouter.APIRootView):
    """Gigafactory Access Portal API, version 1. Authenticate with a session or `Authorization: Token <key>`."""

    permission_classes = [AllowAny]


router = DefaultRouter()
router.APIRootView = ApiRoot
for module in (
    accounts_api,
    allocations_api,
    usage_api,
    agent_api,
    capacity_api,
    final_report_api,
    changes_api,
    terms_api,
    dashboard_api,
    reviews_api,
    ledger_api,
):
    module.register(router)

api_v1 = [
    *accounts_api.urlpatterns,
    *allocations_api.urlpatterns,
    *usage_api.urlpatterns,
    *agent_api.urlpatterns,
    *capacity_api.urlpatterns,
    *final_report_api.urlpatterns,
    *changes_api.urlpatterns,
    *terms_api.urlpatterns,
    *dashboard_api.urlpatterns,
    *reviews_api.urlpatterns,
    *ledger_api.urlpatterns,
    *audit_api.urlpatterns,
    *privacy_api.urlpatterns,
    path("", include(router.urls)),
]

# Swagger UI sets inline styles from its (local, sidecar) bundle; only this page relaxes style-src for them.
swagger_ui = csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("accessibility/", views.accessibility_statement, name="accessibility_statement"),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("allocations.urls")),
    path("", include("reviews.urls")),
    path("", include("ledger.urls")),
    path("", include("audit.urls")),
    path("", include("privacy.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_ui, name="swagger-ui"),
]

handler404 = "portal.api.not_found"

admin.site.site_header = "Gigafactory Access Portal"
admin.site.site_title = "Gigafactory Access Portal admin"
