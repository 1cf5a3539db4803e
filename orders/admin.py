from django.contrib import admin

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
    list_display = ["number", "shop", "shop_status", "customer", "grand_total", "currency", "placed_at", "erp_number"]
    list_filter = ["shop", "shop_status", "placed_at"]
    search_fields = ["number", "erp_order_no", "email", "customer__last_name", "customer__company"]
    list_select_related = ["shop", "customer"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, OrderAddressInline, OrderDiscountInline]

    @admin.display(description="ERP order no.", ordering="erp_order_no")
    def erp_number(self, obj: Order) -> str:
        return obj.erp_order_no or "Not yet transferred"
