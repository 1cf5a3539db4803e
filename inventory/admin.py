from django.contrib import admin

from .models import Product, ProductSupplier, PurchaseOrder, PurchaseOrderLine, StockLevel, Supplier, Warehouse


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    extra = 0


class ProductSupplierInline(admin.TabularInline):
    model = ProductSupplier
    extra = 0
    autocomplete_fields = ["supplier"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "reference", "ean", "price_excl_vat", "vat_rate", "status", "is_service", "shop"]
    list_filter = ["status", "is_service", "vat_rate", "shop"]
    search_fields = ["sku", "reference", "ean", "name", "manufacturer_article_no"]
    list_select_related = ["shop"]
    inlines = [StockLevelInline, ProductSupplierInline]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_main"]
    search_fields = ["code", "name"]


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["product", "warehouse", "physical", "minimum", "location"]
    list_editable = ["minimum", "location"]
    change_list_template = "admin/inventory/stocklevel/change_list.html"

    def get_urls(self):
        from django.urls import path

        from fulfilment.views import stock_report_page

        report = self.admin_site.admin_view(self.report_view)
        self._report = stock_report_page
        return [path("report/", report, name="inventory_stocklevel_report"), *super().get_urls()]

    def report_view(self, request):
        """The stock report (R6): for whoever may view stock levels."""
        from django.core.exceptions import PermissionDenied

        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._report(request)

    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProductSupplier)
class ProductSupplierAdmin(admin.ModelAdmin):
    list_display = ["product", "supplier", "supplier_article_no", "is_default"]
    list_filter = ["supplier", "is_default"]
    search_fields = ["product__sku", "supplier__name", "supplier_article_no"]
    list_select_related = ["product", "supplier"]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 1
    autocomplete_fields = ["product"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    """Orders to suppliers: their open lines are the incoming stock of the stock report."""

    list_display = ["number", "supplier", "warehouse", "expected_on", "created_at"]
    list_filter = ["supplier", "warehouse"]
    search_fields = ["number", "supplier__name"]
    inlines = [PurchaseOrderLineInline]
