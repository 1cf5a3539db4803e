"""URL routes: the admin, the REST API (P4) with its OpenAPI schema and docs, webhooks, health."""

from csp.decorators import csp_exempt
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from health_check.views import HealthCheckView
from rest_framework.routers import DefaultRouter

from connectors.api import ConnectionViewSet, ImportProblemViewSet, SyncRunViewSet, TransferViewSet
from connectors.webhooks import webhook_intake
from customers.api import ConflictViewSet
from documents.api import CreditNoteViewSet, InvoiceViewSet, ShipmentViewSet
from orders.api import OrderViewSet

from .health import CHECKS
from .views import choose_language, sync_health_progress

router = DefaultRouter()
router.register("orders", OrderViewSet, basename="order")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("runs", SyncRunViewSet, basename="run")
router.register("connections", ConnectionViewSet, basename="connection")
router.register("conflicts", ConflictViewSet, basename="conflict")
router.register("import-problems", ImportProblemViewSet, basename="import-problem")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")

urlpatterns = [
    path("admin/sync-health/progress/", sync_health_progress, name="sync-health-progress"),
    path("language/", choose_language, name="choose-language"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI starts itself with an inline script: this one page goes without the CSP.
    path("api/docs/", csp_exempt()(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path("api/", include(router.urls)),
    path("hooks/<int:connection_id>/<str:token>/", webhook_intake, name="webhook-intake"),
    # For monitors and load balancers: 200 when the database, the broker and a qcluster work, else 500.
    path("health/", HealthCheckView.as_view(checks=CHECKS), name="health"),
]
