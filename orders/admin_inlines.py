"""What the order page shows inside it: its mirrored rows (fixed once the order reached the ERP),
its documents with their transfers to the shop, and its state history."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from connectors.admin_display import state_icon
from connectors.models import TransferKind, TransferState
from connectors.selectors import with_transfer

from .models import Order, OrderAddress, OrderDiscount, OrderLine, OrderStateChange


class MirroredInline:
    """Rows mirrored from the shop: fixed once the order went to the ERP, so what the ERP got and
    what the portal shows never differ."""

    def _sent(self, obj) -> bool:
        return obj is not None and order_is_sent(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._sent(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._sent(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._sent(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class OrderLineInline(MirroredInline, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["position", "sku", "reference", "name", "quantity", "unit_price_excl_vat", "vat_rate", "discount_amount"]


class OrderAddressInline(MirroredInline, admin.StackedInline):
    model = OrderAddress
    extra = 0


class OrderDiscountInline(MirroredInline, admin.TabularInline):
    model = OrderDiscount
    extra = 0


def order_is_sent(order: Order) -> bool:
    """Whether the order reached (or may have reached) the ERP: its mirrored fields are then fixed.
    Asked by the page and each inline several times: answered once per order object."""
    from connectors.models import Transfer

    if not hasattr(order, "_is_sent"):
        order._is_sent = bool(order.erp_order_no) or Transfer.objects.filter(  # type: ignore[attr-defined]
            kind=TransferKind.SALES_ORDER, object_id=order.pk, content_type__model="order",
            state__in=[TransferState.SENT, TransferState.SENDING, TransferState.UNKNOWN],
        ).exists()  # fmt: skip
    return order._is_sent  # type: ignore[attr-defined]


class DocumentInline(admin.TabularInline):
    """An order's documents of one kind, read-only, each with its transfer to the shop."""

    extra = 0
    can_delete = False
    show_change_link = True
    transfer_kind = ""

    def get_queryset(self, request: HttpRequest):
        return with_transfer(super().get_queryset(request), kind=self.transfer_kind)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("In the shop"))
    def shop_transfer(self, obj) -> str:
        return state_icon(obj, resend_url=None)


def document_inline(model_path: str, kind: str, shown: list[str]) -> type[DocumentInline]:
    from django.apps import apps

    model = apps.get_model(model_path)
    return type(
        f"{model.__name__}Inline",
        (DocumentInline,),
        {
            "model": model,
            "transfer_kind": kind,
            "fields": [*shown, "shop_transfer"],
            "readonly_fields": [*shown, "shop_transfer"],
        },
    )


class OrderStateChangeInline(admin.TabularInline):
    model = OrderStateChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "from_state", "to_state", "by", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False
