"""Order admin (UI layer): every order with its transfer to the ERP (P2, V4, V5, C4, C5)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connectors.admin_display import TransferStateFilter, error_cell, report_resend, state_icon
from connectors.models import ErrorSource, TransferKind, TransferState
from connectors.selectors import with_transfer
from connectors.transfers import transfer_resend

from .models import Order, OrderAddress, OrderDiscount, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["position", "sku", "reference", "name", "quantity", "unit_price_excl_vat", "vat_rate", "discount_amount"]


class OrderAddressInline(admin.StackedInline):
    model = OrderAddress
    extra = 0


class OrderDiscountInline(admin.TabularInline):
    model = OrderDiscount
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "transfer",
        "erp_number",
        "errors",
        "sync_errors",
        "shop",
        "shop_status",
        "customer",
        "grand_total",
        "currency",
        "placed_at",
    ]
    list_display_links = ["number"]
    list_filter = [TransferStateFilter, ("shop", admin.RelatedOnlyFieldListFilter), "shop_status", "placed_at"]
    search_fields = ["number", "erp_order_no", "email", "customer__last_name", "customer__company"]
    list_select_related = ["shop", "customer"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, OrderAddressInline, OrderDiscountInline]
    actions = ["resend"]
    list_per_page = 200

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders come from the shops; one typed in here would have no shop to answer to.
        return False

    def get_queryset(self, request: HttpRequest):
        return with_transfer(super().get_queryset(request), kind=TransferKind.SALES_ORDER)

    def get_urls(self):
        return [
            path("<int:order_id>/resend/", self.admin_site.admin_view(self.resend_view), name="orders_order_resend"),
            *super().get_urls(),
        ]

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("connectors.resend_transfer")

    @admin.display(description=_("Transfer"), ordering="transfer_state")
    def transfer(self, obj: Order) -> str:
        if obj.transfer_state == TransferState.CONFLICT and obj.customer_id:
            url = reverse("admin:customers_customerconflict_changelist")
            return format_html(
                '<a href="{}?customer__id__exact={}&status__exact=open" title="{}">{}</a>',
                url,
                obj.customer_id,
                _("Resolve the customer conflict"),
                state_icon(obj, resend_url=None),
            )
        return state_icon(obj, resend_url=reverse("admin:orders_order_resend", args=[obj.pk]))

    @admin.display(description=_("ERP order no."), ordering="erp_order_no")
    def erp_number(self, obj: Order) -> str:
        return obj.erp_order_no or _("Not yet transferred")

    @admin.display(description=_("Errors"))
    def errors(self, obj: Order) -> str:
        return error_cell(obj, source=ErrorSource.VALIDATION)

    @admin.display(description=_("Sync errors"))
    def sync_errors(self, obj: Order) -> str:
        return error_cell(obj, source=ErrorSource.SYNC)

    @admin.action(description=_("Resend the selected orders to the ERP"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        ids = [o.transfer_id for o in queryset if o.transfer_id is not None]
        report_resend(self, request, transfer_resend(transfer_ids=ids))

    def resend_view(self, request: HttpRequest, order_id: int):
        """Confirm (GET) and resend (POST) one order's transfer: what the red cross opens."""
        order = get_object_or_404(self.get_queryset(request), pk=order_id)
        if not self.has_resend_permission(request):
            messages.error(request, _("You may not resend transfers."))
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        if request.method == "POST" and order.transfer_id is not None:
            report_resend(self, request, transfer_resend(transfer_ids=[order.transfer_id]))
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Resend order %s") % order.number,
            "order": order,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/connectors/confirm_resend.html", context)
