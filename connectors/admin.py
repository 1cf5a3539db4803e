from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from sync_portal.admin_utils import ReadOnlyAdminMixin, ReadOnlyInline

from . import registry
from .admin_display import report_resend, run_counts
from .base import Capability
from .models import (
    AuthState,
    Connection,
    ExternalRef,
    ImportProblem,
    Integration,
    Role,
    ShopCode,
    ShopCodeKind,
    SyncCursor,
    SyncRun,
    Transfer,
    TransferAttempt,
)
from .services import connection_sync_now, connection_test_enqueue, connection_webhooks_enqueue
from .transfers import transfer_resend


def _capabilities(platform: str) -> frozenset[str]:
    try:
        return frozenset(registry.get(platform).capabilities)
    except ImproperlyConfigured:  # a platform no longer installed
        return frozenset()


class ConnectionForm(forms.ModelForm):
    """Credentials are write-only: the form never shows the stored value."""

    base_url = forms.URLField(max_length=300, assume_scheme="https")
    # The platforms this portal knows, by name: a typo cannot make a connection no connector serves.
    platform = forms.ChoiceField(choices=lambda: registry.choices())
    new_credentials = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_('JSON object, e.g. {"token": "…"}. Leave empty to keep the stored credentials.'),
    )

    class Meta:
        model = Connection
        fields = ["name", "role", "platform", "base_url", "parameters", "enabled", "sync_interval", "order_interval"]

    def clean_new_credentials(self) -> dict | None:
        raw = self.cleaned_data["new_credentials"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s (line %(line)s).") % {"error": exc.msg, "line": exc.lineno}
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Credentials must be a JSON object."))
        return value

    def save(self, commit: bool = True) -> Connection:
        new = self.cleaned_data.get("new_credentials")
        if new is not None:
            self.instance.replace_credentials(new)
        return super().save(commit=commit)


class SyncRunInline(ReadOnlyInline):
    model = SyncRun
    fields = ["kind", "status", "started_at", "finished_at", "counts", "error"]
    readonly_fields = ["kind", "status", "started_at", "finished_at", "counts", "error"]
    max_num = 0

    @admin.display(description=_("Counts"))
    def counts(self, obj: SyncRun) -> str:
        return run_counts(obj.stats)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-started_at")


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = [
        "name",
        "role",
        "platform",
        "base_url",
        "enabled",
        "sync_interval",
        "last_cycle_at",
        "credentials_set",
        "credentials_state",
        "import_problems",
    ]
    list_filter = ["role", "platform", "enabled", "auth_state"]
    search_fields = ["name", "platform", "base_url"]
    readonly_fields = ["credentials_set", "credentials_state", "auth_hint", "auth_checked_at", "last_cycle_at"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_credentials") is not None:
            # New credentials are tried at once: when they work, whatever waited on them resumes.
            connection_test_enqueue(connection_id=obj.pk)
            self.message_user(request, _("The new credentials are being tested; see the runs below."))

    def get_queryset(self, request):
        open_problems = Count("import_problems", filter=Q(import_problems__resolved_at__isnull=True))
        return super().get_queryset(request).annotate(open_problems=open_problems)

    @admin.display(description=_("Credentials accepted"), ordering="auth_state")
    def credentials_state(self, obj: Connection) -> str:
        if obj.auth_state == AuthState.OK:
            return format_html('<img src="{}" alt="OK">', static("admin/img/icon-yes.svg"))
        return format_html(
            '<img src="{}" alt=""> <strong>{}</strong><br>{}',
            static("admin/img/icon-no.svg"),
            obj.get_auth_state_display(),
            obj.auth_error,
        )

    @admin.display(description=_("Import problems"), ordering="open_problems")
    def import_problems(self, obj: Connection) -> str:
        count = getattr(obj, "open_problems", 0)
        if not count:
            return "0"
        url = reverse("admin:connectors_importproblem_changelist")
        return format_html('<a href="{}?connection__id__exact={}&open=yes">{}</a>', url, obj.pk, count)

    inlines = [SyncRunInline]
    actions = ["sync_now", "test_connection", "register_webhooks", "new_callback_url"]

    @admin.display(description="Credentials", boolean=True)
    def credentials_set(self, obj: Connection) -> bool:
        return obj.has_credentials

    def has_sync_permission(self, request) -> bool:
        return request.user.has_perm("connectors.sync_connection")

    def has_test_permission(self, request) -> bool:
        return request.user.has_perm("connectors.test_connection")

    @admin.action(description=_("Sync now"), permissions=["sync"])
    def sync_now(self, request, queryset):
        for connection in queryset:
            connection_sync_now(connection_id=connection.pk)
        self.message_user(request, _("%d sync cycle(s) queued; see the runs below each connection.") % len(queryset))

    @admin.action(description=_("Test connection"), permissions=["test"])
    def test_connection(self, request, queryset):
        for connection in queryset:
            connection_test_enqueue(connection_id=connection.pk)
        self.message_user(request, _("%d test(s) queued; the result appears as a run of kind 'test'.") % len(queryset))

    @admin.action(description=_("Register webhooks"), permissions=["sync"])
    def register_webhooks(self, request, queryset):
        portal_url = settings.PORTAL_URL or request.build_absolute_uri("/")
        able = [c for c in queryset if c.role == Role.SHOP and Capability.WEBHOOKS in _capabilities(c.platform)]
        for connection in able:
            connection_webhooks_enqueue(connection_id=connection.pk, portal_url=portal_url)
        if able:
            self.message_user(
                request,
                _("Webhooks of %(shops)s are being registered at %(url)s; the result appears as a run of kind "
                  "'webhooks'.") % {"shops": ", ".join(str(c) for c in able), "url": portal_url},
            )  # fmt: skip
        skipped = [str(c) for c in queryset if c not in able]
        if skipped:
            self.message_user(
                request,
                _("%(names)s cannot send webhooks; their orders arrive with the scheduled sync.")
                % {"names": ", ".join(skipped)},
                level=messages.WARNING,
            )

    @admin.action(description=_("New callback URL (shown once)"), permissions=["change"])
    def new_callback_url(self, request, queryset):
        """For ERPs that call the portal back (Specter): a new secret URL, shown this once (like an API
        key), to give to the ERP; the previous URL stops working."""
        portal_url = (settings.PORTAL_URL or request.build_absolute_uri("/")).rstrip("/")
        for connection in queryset:
            if not registry.get(connection.platform).callbacks:
                self.message_user(
                    request,
                    _("%(name)s does not call the portal back; it needs no callback URL.") % {"name": connection},
                    level=messages.WARNING,
                )
                continue
            path = reverse("webhook-intake", args=[connection.pk, connection.new_webhook_token()])
            self.message_user(
                request,
                _("Callback URL of %(name)s, shown only now: %(url)s — give it to the ERP's support; the previous "
                  "one no longer works.") % {"name": connection, "url": portal_url + path},
            )  # fmt: skip


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "default_item_no", "shipping_item_no", "default_customer_no"]
    list_select_related = ["shop", "erp"]
    fieldsets = [
        (None, {"fields": ["shop", "erp", "enabled", "transfer_statuses"]}),
        (
            _("Items and customers to fall back on"),
            {
                "fields": [
                    "default_item_no",
                    "unknown_item_policy",
                    "shipping_item_no",
                    "discount_item_no",
                    "rounding_item_no",
                    "service_item_map",
                    "default_customer_no",
                ]
            },
        ),
        (
            _("Customers"),
            {
                "fields": [
                    "policy_no_similar",
                    "policy_one_similar",
                    "guest_policy",
                    "customers_to_erp",
                    "update_erp_customers",
                ]
            },
        ),
        (
            _("Products"),
            {
                "fields": [
                    "products_to_erp",
                    "products_to_shop",
                    "field_masters",
                    "new_product_active",
                    "new_product_category",
                    "send_stock_on_create",
                    "erp_keeps_suppliers",
                ]
            },
        ),
        (
            _("Mappings"),
            {"fields": ["status_map", "payment_method_map", "shipping_method_map", "vat_map"]},
        ),
        (
            _("The ERP order"),
            {
                "fields": [
                    "warehouse_code",
                    "numbering_series",
                    "erp_shop_id",
                    "shop_email",
                    "erp_sends_confirmation",
                    "order_comment_to_internal_note",
                ]
            },
        ),
    ]


@admin.register(ShopCode)
class ShopCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every payment method, shipping method and discount code a shop uses, and what it maps to."""

    list_display = ["code", "kind", "connection", "title", "times_seen", "last_seen_at", "erp_code"]
    list_filter = ["kind", "connection"]
    search_fields = ["code", "title"]
    list_select_related = ["connection__integration"]

    @admin.display(description=_("ERP code"))
    def erp_code(self, obj: ShopCode) -> str:
        integration = getattr(obj.connection, "integration", None)
        if integration is None or obj.kind == ShopCodeKind.COUPON:
            return "—"
        mapping = (
            integration.payment_method_map if obj.kind == ShopCodeKind.PAYMENT else integration.shipping_method_map
        )
        if obj.code in mapping:
            return mapping[obj.code]
        return format_html(
            '<img src="{}" alt=""> {}', static("admin/img/icon-alert.svg"), _("Not mapped: orders using it stop")
        )


class TransferAttemptInline(ReadOnlyInline):
    model = TransferAttempt
    fields = ["number", "started_at", "duration_ms", "outcome", "http_status", "error", "hint"]
    show_change_link = True


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # a big table: no COUNT(*) of all of it on every page
    list_display = ["__str__", "kind", "state", "tries", "next_attempt_at", "remote_id", "last_error", "last_hint"]
    list_filter = ["state", "kind", "connection", "error_source"]
    search_fields = ["remote_id", "last_error"]
    list_select_related = ["connection"]
    inlines = [TransferAttemptInline]
    actions = ["resend"]

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("connectors.resend_transfer")

    @admin.action(description=_("Resend the selected transfers"), permissions=["resend"])
    def resend(self, request, queryset):
        report_resend(self, request, transfer_resend(transfer_ids=list(queryset.values_list("pk", flat=True))))

    def get_urls(self):
        view = self.admin_site.admin_view(self.resend_view)
        return [path("<int:pk>/resend/", view, name="connectors_transfer_resend"), *super().get_urls()]

    def resend_view(self, request, pk: int):
        """Confirm (GET) and resend (POST) one transfer; ``next`` is where to go back to."""
        transfer = get_object_or_404(Transfer.objects.select_related("connection"), pk=pk)
        back = request.GET.get("next") or reverse("admin:connectors_transfer_change", args=[pk])
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:connectors_transfer_change", args=[pk])
        if not self.has_resend_permission(request):
            self.message_user(request, _("You may not resend transfers."), level=messages.ERROR)
            return HttpResponseRedirect(back)
        if request.method == "POST":
            report_resend(self, request, transfer_resend(transfer_ids=[pk]))
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Resend %(what)s") % {"what": transfer.subject()},
            "transfer": transfer,
            "back": back,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/connectors/confirm_transfer_resend.html", context)


@admin.register(TransferAttempt)
class TransferAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False
    list_display = ["transfer", "number", "started_at", "duration_ms", "outcome", "http_status", "error"]
    list_filter = ["outcome"]
    list_select_related = ["transfer__connection"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False
    list_display = ["connection", "kind", "status", "started_at", "finished_at", "counts", "error"]

    @admin.display(description=_("Counts"))
    def counts(self, obj: SyncRun) -> str:
        return run_counts(obj.stats)

    list_filter = ["status", "kind", "connection"]
    list_select_related = ["connection"]


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ImportProblem)
class ImportProblemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records a pull set aside: what arrived, why it could not be imported, what to do."""

    list_display = ["label_or_id", "connection", "stream", "error", "hint", "times_seen", "last_seen_at", "is_open"]
    list_filter = [OpenFilter, "connection", "stream"]
    search_fields = ["external_id", "label", "error"]
    list_select_related = ["connection"]
    fields = PROBLEM_FIELDS = (
        "connection",
        "stream",
        "external_id",
        "label",
        "error",
        "hint",
        "raw",
        "times_seen",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    )
    readonly_fields = PROBLEM_FIELDS

    @admin.display(description=_("Record"), ordering="label")
    def label_or_id(self, obj: ImportProblem) -> str:
        return obj.label or obj.external_id or str(_("(no id)"))

    @admin.display(description=_("Open"), boolean=True, ordering="resolved_at")
    def is_open(self, obj: ImportProblem) -> bool:
        return obj.is_open

    @admin.display(description=_("What arrived"))
    def raw(self, obj: ImportProblem) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", obj.excerpt)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["connection", "stream", "value", "updated_at"]
    list_select_related = ["connection"]


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["connection", "content_type", "object_id", "external_id", "remote_updated_at", "bound_at"]
    list_filter = ["connection", "content_type"]
    search_fields = ["external_id"]
    list_select_related = ["connection", "content_type"]
