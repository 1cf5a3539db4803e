"""Order admin (UI layer): every order with its transfer to the ERP (P2, V4, V5, C4, C5)."""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connectors.admin_display import ICONS, TransferStateFilter, error_cell, icon, report_resend, state_icon
from connectors.models import ErrorSource, TransferKind, TransferState
from connectors.selectors import with_document_states, with_transfer
from connectors.transfers import transfer_resend
from fulfilment.selectors import allot
from sync_portal.pagination import CappedPaginator

from .admin_filters import FulfillableFilter, ShopFilter, ShopStatusFilter
from .admin_inlines import (
    OrderAddressInline,
    OrderDiscountInline,
    OrderLineInline,
    OrderStateChangeInline,
    document_inline,
    order_is_sent,
)
from .models import Order, OrderRefused
from .selectors import order_search

# The allotment of stock to open orders, computed once per order-list request (R5).
_allotment: ContextVar[dict | None] = ContextVar("allotment", default=None)


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
        "state",
        "fulfillable",
        "documents",
        "customer",
        "total",
        "placed_at",
    ]
    list_display_links = ["number"]
    list_filter = [
        TransferStateFilter,
        "state",
        FulfillableFilter,
        ShopFilter,
        ShopStatusFilter,
        "placed_at",
    ]
    search_fields = [
        "number", "erp_order_no", "email", "customer__first_name", "customer__last_name", "customer__company",
    ]  # fmt: skip
    list_select_related = ["shop", "customer"]
    # Big tables: no COUNT(*) of the whole table (the page count stops at 10 000, "n total" is not
    # shown), no DISTINCT over it for a date bar (the placed-at filter does that job) or a filter.
    show_full_result_count = False
    paginator = CappedPaginator
    inlines = [
        OrderLineInline,
        OrderAddressInline,
        OrderDiscountInline,
        document_inline(
            "documents.Invoice", TransferKind.INVOICE, ["number", "state", "gross_total", "issued_at", "paid_at"]
        ),
        document_inline(
            "documents.Shipment", TransferKind.SHIPMENT, ["number", "carrier", "tracking_number", "shipped_at"]
        ),
        OrderStateChangeInline,
    ]
    actions = [
        "resend",
        "invoice_rest",
        "invoice_and_email",
        "ship_rest",
        "packing_summary",
        "purchase_list",
        "cancel",
        "erp_sales_document",
    ]
    # A hundred rows render in well under 300 ms; a screen shows fewer.
    list_per_page = 100

    def action_checkbox(self, obj):
        """The row's checkbox, as Django's widget renders it but without a template per row (a
        hundred template renderings were a fifth of the page's time)."""
        from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
        from django.utils.translation import gettext

        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME, obj.pk, label,
        )  # fmt: skip

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """Order or ERP number (whole or its beginning), e-mail, the beginning of the buyer's name:
        each through an index (``orders.selectors.order_search``), never a scan of every order."""
        return order_search(queryset, search_term), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders come from the shops; one typed in here would have no shop to answer to.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        """Everything once the order went to the ERP (a warning says so); the transfers always."""
        if obj is not None and order_is_sent(obj):
            return ["transfers_panel", *(f.name for f in self.model._meta.fields)]
        return ["transfers_panel"]

    def get_fields(self, request: HttpRequest, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "transfers_panel"]
        return ["transfers_panel", *fields] if obj is not None else fields

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        order = self.get_object(request, object_id)
        if order is not None and order_is_sent(order):
            messages.info(request, _("This order went to the ERP as %(number)s: its shop data can no longer be "
                                     "edited here.") % {"number": order.erp_order_no or _("(being sent)")})  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Transfers"))
    def transfers_panel(self, obj: Order) -> str:
        """Every transfer about this order and its documents: state, number there, attempts, the last
        error with what to do, and resend where a person is needed."""
        from django.template.loader import render_to_string

        from connectors.selectors import transfers_of_order

        rows = []
        for transfer in transfers_of_order(obj.pk):
            resend = None
            if transfer.state == TransferState.NEEDS_ATTENTION:
                url = reverse("admin:connectors_transfer_resend", args=[transfer.pk])
                resend = f"{url}?next={reverse('admin:orders_order_change', args=[obj.pk])}"
            rows.append({"transfer": transfer, "icon": icon(*ICONS[transfer.state]), "resend_url": resend})
        return render_to_string("admin/connectors/transfers_panel.html", {"transfers": rows})

    def get_queryset(self, request: HttpRequest):
        return with_document_states(with_transfer(super().get_queryset(request), kind=TransferKind.SALES_ORDER))

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

    def changelist_view(self, request: HttpRequest, extra_context=None):
        token = _allotment.set(allot())
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()  # the columns read the allotment while it is set
            return response
        finally:
            _allotment.reset(token)

    @admin.display(description=_("Fulfillable"))
    def fulfillable(self, obj: Order) -> str:
        allotment = (_allotment.get() or {}).get(obj.pk)
        if allotment is None:
            return ""
        icon, label = (
            ("icon-yes.svg", _("Fulfillable from stock"))
            if allotment.fulfillable
            else ("icon-no.svg", _("Not fulfillable: stock is short"))
        )
        return format_html('<img src="{}" alt="{}" title="{}">', static(f"admin/img/{icon}"), label, label)

    @admin.action(description=_("Packing summary of the selected orders"))
    def packing_summary(self, request: HttpRequest, queryset):
        from fulfilment.views import packing_summary_page

        return packing_summary_page(request, list(queryset.values_list("pk", flat=True)))

    @admin.action(description=_("Purchase list for the selected orders"))
    def purchase_list(self, request: HttpRequest, queryset):
        from fulfilment.views import purchase_list_page

        return purchase_list_page(request, list(queryset.values_list("pk", flat=True)))

    @admin.display(description=_("Documents"))
    def documents(self, obj: Order) -> str:
        """Invoices and shipments, with the worst state of their transfers to the shop."""
        if not (obj.n_invoices or obj.n_shipments):
            return ""
        text = _("%(inv)d inv. · %(ship)d ship.") % {"inv": obj.n_invoices or 0, "ship": obj.n_shipments or 0}
        for flag, name, label in (
            ("documents_failing", "attention.svg", _("A document needs attention")),
            ("documents_unknown", "unknown.svg", _("A document's outcome is unknown: it will be looked up")),
            ("documents_waiting", "pending.svg", _("A document is waiting to be sent")),
        ):
            if getattr(obj, flag):
                return format_html("{} {}", text, icon(name, label))
        return format_html("{} {}", text, icon("sent.svg", _("Recorded in the shop")))

    @admin.display(description=_("Total"), ordering="grand_total")
    def total(self, obj: Order) -> str:
        """The shop's total with its currency, in one column (the list must fit a 1500 px screen)."""
        from django.utils.formats import number_format

        return f"{number_format(obj.grand_total, 2)} {obj.currency}"

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

    def has_invoice_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("documents.add_invoice")

    def has_ship_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("documents.add_shipment")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.cancel_order")

    def _enqueue_documents(self, request: HttpRequest, queryset, task: str, what: str, **options) -> None:
        from connectors.services import enqueue

        ids = list(queryset.exclude(state__in=["canceled", "closed"]).values_list("pk", flat=True))
        skipped = queryset.count() - len(ids)
        enqueue(task, ids, request.user.pk, *options.values())
        self.message_user(request, what % {"n": len(ids)}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d canceled or closed orders were left out.") % {"n": skipped}, messages.WARNING
            )

    @admin.action(description=_("Invoice the rest of the selected orders"), permissions=["invoice"])
    def invoice_rest(self, request: HttpRequest, queryset) -> None:
        self._enqueue_documents(
            request, queryset, "documents.tasks.invoice_orders", _("%(n)d orders are being invoiced."), email=False
        )

    @admin.action(description=_("Invoice the rest and e-mail the invoices"), permissions=["invoice"])
    def invoice_and_email(self, request: HttpRequest, queryset) -> None:
        self._enqueue_documents(
            request,
            queryset,
            "documents.tasks.invoice_orders",
            _("%(n)d orders are being invoiced and e-mailed."),
            email=True,
        )

    @admin.action(description=_("Ship the rest of the selected orders (packing slip and e-mail)"), permissions=["ship"])
    def ship_rest(self, request: HttpRequest, queryset) -> None:
        self._enqueue_documents(
            request, queryset, "documents.tasks.ship_orders", _("%(n)d orders are being shipped."), email=True
        )

    @admin.action(description=_("Issue the invoice or receipt in the ERP"), permissions=["invoice"])
    def erp_sales_document(self, request: HttpRequest, queryset) -> None:
        """For an ERP that issues them (Subiekt): its invoice, or a receipt for a private buyer; only
        queued, after commit, and the document comes back with the ERP's documents."""
        from django.db import transaction

        from connectors.flows.erp_documents import orders_sales_document_queue

        ids = list(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: orders_sales_document_queue(order_ids=ids))
        self.message_user(
            request, _("%(n)d orders: their invoices or receipts are asked of the ERP.") % {"n": len(ids)}
        )

    @admin.action(description=_("Cancel the selected orders"), permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset) -> None:
        """Cancel each order here and queue its cancellation in the ERP where it can be (after commit)."""
        from django.db import transaction

        from connectors.flows.cancellations import order_cancel_in_erp

        for order in queryset:
            try:
                with transaction.atomic():
                    order.cancel(by=request.user)
            except OrderRefused as exc:
                self.message_user(request, f"{exc.message} {exc.hint}", messages.ERROR)
                continue
            transaction.on_commit(lambda order=order: order_cancel_in_erp(order=order))

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
