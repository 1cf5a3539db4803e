"""The order list's own filters: fulfilment from stock (R5), shop and shop status, each listed
without a DISTINCT over the orders."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from connectors.selectors import shop_choices
from fulfilment.selectors import allot


class FulfillableFilter(admin.SimpleListFilter):
    """Open, not yet invoiced orders that the free stock can serve in full, or cannot (R5)."""

    title = _("fulfilment")
    parameter_name = "fulfillable"

    def lookups(self, request, model_admin):
        return [("yes", _("Fulfillable from stock")), ("no", _("Not fulfillable"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        wanted = self.value() == "yes"
        return queryset.filter(pk__in=[pk for pk, a in allot().items() if a.fulfillable is wanted])


class ShopFilter(admin.SimpleListFilter):
    """The shop an order came from, listed from the connections (not a DISTINCT over the orders)."""

    title = _("shop")
    parameter_name = "shop__id__exact"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in shop_choices()[0]]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(shop_id=int(value)) if value and value.isdigit() else queryset


class ShopStatusFilter(admin.SimpleListFilter):
    """The shop status, among those the integrations name (transfer statuses, status map)."""

    title = _("shop status")
    parameter_name = "shop_status"

    def lookups(self, request, model_admin):
        return [(status, status) for status in shop_choices()[1]]

    def queryset(self, request, queryset):
        return queryset.filter(shop_status=self.value()) if self.value() else queryset
