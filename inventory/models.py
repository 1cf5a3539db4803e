"""Products (variants are independent products, S6), warehouses, stock and suppliers."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Product(models.Model):
    """A sellable product or variant in one shop.

    ``sku`` is the shop's product code; ``reference`` holds the ERP item
    number when the shop knows it (V2). A variant is its own Product; the
    parent relation is not synced (S6).
    """

    shop = models.ForeignKey(
        "connectors.Connection", on_delete=models.PROTECT, related_name="products", null=True, blank=True
    )
    sku = models.CharField(_("SKU / product code"), max_length=100)
    reference = models.CharField(_("ERP item number"), max_length=100, blank=True, db_index=True)
    ean = models.CharField(_("EAN"), max_length=20, blank=True)
    name = models.CharField(max_length=255)
    is_service = models.BooleanField(default=False, help_text=_("Matched to the ERP by name."))
    price_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2, default=Decimal("25"))
    purchase_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    weight = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True)
    status = models.CharField(max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    manufacturer_article_no = models.CharField(max_length=100, blank=True)
    reorder_point = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="uniq_product_sku_per_shop")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Warehouse(models.Model):
    """A stock location; the main one feeds the shop's stock figure (S10)."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["is_main"], condition=models.Q(is_main=True), name="one_main_warehouse")
        ]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """Physical quantity (from the ERP), minimum and bin of one product in one warehouse (R6).

    Quantities from the ERP are absolute and written as such by the stock
    cycle; the change is detected by comparing with the stored figure.
    Reserved and incoming are not stored: they are computed from the open
    order lines and open purchase lines in one query (``fulfilment.selectors``),
    so they are right however many workers invoice or import at once.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    physical = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    minimum = models.DecimalField(
        max_digits=14, decimal_places=3, default=Decimal("0"), help_text=_("Keep at least this much (reorder level).")
    )
    location = models.CharField(_("bin / location"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="uniq_stock_level")]

    def __str__(self) -> str:
        return f"{self.product.sku}@{self.warehouse.code}: {self.physical}"

    @staticmethod
    def to_purchase(*, free: Decimal, incoming: Decimal, minimum: Decimal) -> Decimal:
        """How much to order to get free + incoming back up to the minimum (R6); never negative."""
        return max(Decimal("0"), minimum - free - incoming)


class Supplier(models.Model):
    """Someone the products are bought from (R6)."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductSupplier(models.Model):
    """Which supplier sells a product, under which article number."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="supplier_links")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="product_links")
    supplier_article_no = models.CharField(max_length=100, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "supplier"], name="uniq_product_supplier"),
            models.UniqueConstraint(
                fields=["product"], condition=models.Q(is_default=True), name="one_default_supplier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} from {self.supplier}"


class ProductAlias(models.Model):
    """A SKU or item number a product had before it was renamed (S1, S2).

    Orders placed before the rename still name the old one: they resolve to
    the same product through its aliases.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=10, choices=[("sku", "SKU"), ("number", _("ERP item number"))])
    value = models.CharField(max_length=100)
    renamed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("product alias")
        verbose_name_plural = _("product aliases")
        indexes = [models.Index(fields=["kind", "value"], name="product_alias_idx")]

    def __str__(self) -> str:
        return f"{self.value} -> {self.product_id}"


class PurchaseOrder(models.Model):
    """An order placed with a supplier: its open lines are the warehouse's incoming stock (R6)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=40, unique=True)
    expected_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchase_lines")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    received = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received__gte=0) & models.Q(received__lte=models.F("quantity")),
                name="received_within_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
